//! The Hodges–Lehmann estimate of a shift between two groups, with its confidence interval.

use super::midranks;
use crate::error::{Result, check_group};
use crate::rank_sum::u_quantile;

/// The Hodges–Lehmann estimate of the shift between two groups with its 95% confidence interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Shift {
    /// Median of all differences `aᵢ − bⱼ`.
    pub estimate: f64,
    /// 95% CI `(D₍q₎, D₍mn+1−q₎)` of the sorted differences (1-based), with q the smallest u such
    /// that `P(U ≤ u) ≥ 0.025` (at least 1), as R's `wilcox.test(conf.int = TRUE)` chooses it:
    /// from the exact distribution of U without ties and m·n ≤ 10,000, otherwise from the
    /// tie-corrected normal approximation `q ≈ mn/2 − 1.96·σ_U` (Moses 1965).
    pub ci95: (f64, f64),
    /// How c was found: `exact` or `normal approximation`.
    pub method: &'static str,
}

/// Hodges–Lehmann shift of `a` relative to `b`.
pub fn hodges_lehmann(a: &[f64], b: &[f64]) -> Result<Shift> {
    check_group("Hodges-Lehmann estimate", "first", a, 1)?;
    check_group("Hodges-Lehmann estimate", "second", b, 1)?;
    let (m, n) = (a.len(), b.len());
    let mut d: Vec<f64> = a.iter().flat_map(|x| b.iter().map(move |y| x - y)).collect();
    d.sort_by(f64::total_cmp);
    let mn = m * n;
    let estimate = if mn % 2 == 1 { d[mn / 2] } else { 0.5 * (d[mn / 2 - 1] + d[mn / 2]) };
    let all: Vec<f64> = a.iter().chain(b).copied().collect();
    let (_, ties) = midranks(&all);
    let (q, method) = if ties == 0.0 && mn <= 10_000 {
        (u_quantile(m, n, 0.025), "exact")
    } else {
        let nn = (m + n) as f64;
        let var = mn as f64 / 12.0 * ((nn + 1.0) - ties / (nn * (nn - 1.0)));
        let q = (mn as f64 / 2.0 - 1.959_963_984_540_054 * var.sqrt()).round();
        (q.max(0.0) as usize, "normal approximation")
    };
    let q = q.clamp(1, mn.div_ceil(2));
    Ok(Shift { estimate, ci95: (d[q - 1], d[mn - q]), method })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hodges_lehmann_five_by_five() {
        // m = n = 5: P(U ≤ 2) = 4/252 < 0.025 ≤ P(U ≤ 3) = 7/252, so q = qwilcox(0.025, 5, 5) = 3
        // and R's interval is (D₍₃₎, D₍₂₃₎) of the 25 sorted differences.
        assert_eq!(u_quantile(5, 5, 0.025), 3);
        let a = [10.0, 11.0, 12.5, 13.0, 15.0];
        let b = [1.0, 2.0, 4.0, 5.5, 8.0];
        let mut d: Vec<f64> = a.iter().flat_map(|x| b.iter().map(move |y| x - y)).collect();
        d.sort_by(f64::total_cmp);
        let s = hodges_lehmann(&a, &b).unwrap();
        assert_eq!(s.estimate, d[12]);
        assert_eq!(s.ci95, (d[2], d[22]));
        assert_eq!(s.method, "exact");
    }
}
