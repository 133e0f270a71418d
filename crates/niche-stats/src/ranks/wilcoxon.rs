//! The Wilcoxon matched-pairs signed-rank test: exact over every sign assignment (midranks
//! allowed), or the tie-corrected normal approximation.

use super::{Method, midranks, normal_approximation, two_sided};
use crate::error::{Error, Result, check_group};
use crate::result::TestResult;

/// Wilcoxon signed-rank test of paired values (`a − b`) or of one group against 0 (`b` empty).
/// Zero differences are dropped (Wilcoxon's convention, scipy's default).
pub fn wilcoxon(a: &[f64], b: &[f64], method: Method) -> Result<TestResult> {
    check_group("Wilcoxon test", "first", a, 1)?;
    let d: Vec<f64> = if b.is_empty() {
        a.to_vec()
    } else {
        if a.len() != b.len() {
            return Err(Error::UnequalPairs { a: a.len(), b: b.len() });
        }
        check_group("Wilcoxon test", "second", b, 1)?;
        a.iter().zip(b).map(|(x, y)| x - y).collect()
    };
    let d: Vec<f64> = d.into_iter().filter(|v| *v != 0.0).collect();
    if d.is_empty() {
        return Err(Error::ZeroVariance { test: "Wilcoxon test" });
    }
    let abs: Vec<f64> = d.iter().map(|v| v.abs()).collect();
    let (ranks, ties) = midranks(&abs);
    let w_plus: f64 = ranks.iter().zip(&d).filter(|(_, v)| **v > 0.0).map(|(r, _)| r).sum();
    let n = d.len() as f64;
    let exact = match method {
        Method::Exact => true,
        Method::Normal { .. } => false,
        Method::Auto => d.len() <= 1000,
    };
    let (p, description) = if exact {
        let doubled: Vec<usize> = ranks.iter().map(|r| (2.0 * r).round() as usize).collect();
        let total_sum: usize = doubled.iter().sum();
        // counts[s]: sign assignments whose positive doubled ranks sum to s
        let mut counts = vec![0.0f64; total_sum + 1];
        counts[0] = 1.0;
        let mut reach = 0;
        for &r in &doubled {
            for s in (0..=reach).rev() {
                let c = counts[s];
                if c != 0.0 {
                    counts[s + r] += c;
                }
            }
            reach += r;
        }
        let total: f64 = counts.iter().sum();
        let w = (2.0 * w_plus).round() as usize;
        let lower: f64 = counts[..=w].iter().sum();
        let upper: f64 = counts[w..].iter().sum();
        let what = if ties > 0.0 { "exact with ties" } else { "exact" };
        (two_sided(lower / total, upper / total), what.to_string())
    } else {
        let mean = n * (n + 1.0) / 4.0;
        let var = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - ties / 48.0;
        normal_approximation("Wilcoxon test", w_plus, mean, var, method)?
    };
    Ok(TestResult {
        test: "Wilcoxon matched-pairs signed rank test".into(),
        statistic_name: "W+",
        statistic: w_plus,
        df: None,
        df2: None,
        p,
        method: description,
        effect: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two-sided exact P of W⁺ by enumerating all 2ⁿ sign assignments of the midranks of |d|.
    fn brute_force_signed_rank(d: &[f64]) -> f64 {
        let d: Vec<f64> = d.iter().copied().filter(|v| *v != 0.0).collect();
        let abs: Vec<f64> = d.iter().map(|v| v.abs()).collect();
        let (ranks, _) = midranks(&abs);
        let observed: f64 = ranks.iter().zip(&d).filter(|(_, v)| **v > 0.0).map(|(r, _)| r).sum();
        let (mut le, mut ge) = (0.0, 0.0);
        let all = 1u32 << d.len();
        for signs in 0..all {
            let w: f64 = (0..d.len()).filter(|i| signs >> i & 1 == 1).map(|i| ranks[i]).sum();
            le += f64::from(u8::from(w <= observed + 1e-9));
            ge += f64::from(u8::from(w >= observed - 1e-9));
        }
        (2.0 * (le / all as f64).min(ge / all as f64)).min(1.0)
    }

    proptest::proptest! {
        #[test]
        fn signed_rank_p_matches_enumeration(values in proptest::collection::vec(-4i8..=4, 1..=14)) {
            let d: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            proptest::prop_assume!(d.iter().any(|v| *v != 0.0));
            let got = wilcoxon(&d, &[], Method::Exact).unwrap().p;
            let want = brute_force_signed_rank(&d);
            proptest::prop_assert!((got - want).abs() <= 1e-12, "{d:?}: {got} vs {want}");
        }
    }
}
