//! Rank tests: Mann–Whitney U, Wilcoxon signed-rank, Kruskal–Wallis.
//!
//! Ranks are midranks for ties. Exact distributions are counted with doubled midranks (integers):
//! - Mann–Whitney without ties: the distribution of U as the coefficients of the Gaussian binomial
//!   `[n₁+n₂ choose n₁]_q`, cached per thread for recent sizes (`rank_sum.rs`).
//! - Mann–Whitney with ties (as Prism and StatXact): the permutation distribution of the rank sum
//!   of midranks, by the shift algorithm over blocks of tied values with network pruning
//!   (`rank_sum.rs`).
//! - Wilcoxon signed-rank: the distribution of W⁺ over all sign assignments, by dynamic programming
//!   (midranks allowed).
//!
//! The two-sided exact P is `min(1, 2·min(P(S ≤ s), P(S ≥ s)))`. The normal approximations use the
//! tie-corrected variance and, optionally, a continuity correction of ½.

use std::cell::RefCell;

use crate::distribution::{chi2_sf, normal_sf};
use crate::error::{Error, Result, check_group};
pub(crate) use crate::rank_sum::u_null_counts;
use crate::rank_sum::{Block, rank_sum_two_sided, u_lower_tail, u_quantile};
use crate::result::TestResult;

/// How a rank test computes P.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The exact permutation distribution (with ties, the distribution of the midranks).
    Exact,
    /// The normal approximation with tie correction, and continuity correction if asked.
    Normal {
        /// Move the statistic ½ towards its mean.
        continuity: bool,
    },
    /// Exact when the counting is cheap (n₁·n₂ ≤ 10,000 for Mann–Whitney, n ≤ 1,000 for Wilcoxon),
    /// otherwise the normal approximation with continuity correction.
    Auto,
}

/// Midranks of `values` (1-based) and `Σ (t³ − t)` over the tie groups.
pub fn midranks(values: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        let t = (end - start) as f64;
        ties += t * t * t - t;
        start = end;
    }
    (ranks, ties)
}

/// Two-sided P of a rank statistic from its tie-corrected mean and variance, moving it ½ towards
/// the mean unless `method` is `Normal { continuity: false }`.
fn normal_approximation(
    test: &'static str,
    statistic: f64,
    mean: f64,
    var: f64,
    method: Method,
) -> Result<(f64, String)> {
    if var <= 0.0 {
        return Err(Error::ZeroVariance { test });
    }
    let continuity = !matches!(method, Method::Normal { continuity: false });
    let dev = (statistic - mean).abs() - if continuity { 0.5 } else { 0.0 };
    let z = dev.max(0.0) / var.sqrt();
    let what = if continuity { "with tie and continuity correction" } else { "with tie correction" };
    Ok(((2.0 * normal_sf(z)).min(1.0), format!("normal approximation {what}")))
}

pub(crate) fn two_sided(lower: f64, upper: f64) -> f64 {
    (2.0 * lower.min(upper)).min(1.0)
}

/// The first group's doubled midrank sum `2·R₁`, `Σ (t³ − t)` over the tie groups, and the blocks of
/// tied values in increasing order, of `a` and `b` pooled (the sort buffer is thread-local).
fn pooled_blocks(a: &[f64], b: &[f64], blocks: &mut Vec<Block>) -> (usize, f64) {
    thread_local! {
        static POOLED: RefCell<Vec<(f64, bool)>> = const { RefCell::new(Vec::new()) };
    }
    POOLED.with(|pooled| {
        let pooled = &mut *pooled.borrow_mut();
        pooled.clear();
        pooled.extend(a.iter().map(|&v| (v, true)).chain(b.iter().map(|&v| (v, false))));
        pooled.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
        blocks.clear();
        let (mut doubled_r1, mut ties) = (0usize, 0.0);
        let mut start = 0;
        while start < pooled.len() {
            let value = pooled[start].0;
            let mut end = start + 1;
            let mut first = usize::from(pooled[start].1);
            while end < pooled.len() && pooled[end].0 == value {
                first += usize::from(pooled[end].1);
                end += 1;
            }
            // doubled midrank of 1-based positions start + 1 ..= end
            let doubled = start + end + 1;
            doubled_r1 += first * doubled;
            let t = (end - start) as f64;
            ties += t * t * t - t;
            blocks.push(Block { size: end - start, doubled_rank: doubled });
            start = end;
        }
        (doubled_r1, ties)
    })
}

/// Mann–Whitney U test of two independent groups. The statistic reported is `U₁`, the U of the
/// first group (scipy's convention); Prism reports `min(U₁, U₂)`.
pub fn mann_whitney(a: &[f64], b: &[f64], method: Method) -> Result<TestResult> {
    thread_local! {
        static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    }
    check_group("Mann-Whitney test", "first", a, 1)?;
    check_group("Mann-Whitney test", "second", b, 1)?;
    let (n1, n2) = (a.len(), b.len());
    BLOCKS.with(|blocks| {
        let blocks = &mut *blocks.borrow_mut();
        let (doubled_r1, ties) = pooled_blocks(a, b, blocks);
        let r1 = doubled_r1 as f64 / 2.0;
        let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
        let n = (n1 + n2) as f64;
        let has_ties = ties > 0.0;
        let exact = match method {
            Method::Exact => true,
            Method::Normal { .. } => false,
            Method::Auto => n1 * n2 <= 10_000,
        };
        let (p, description) = if exact && !has_ties {
            // P(U ≥ u) = P(U ≤ n₁n₂ − u) by symmetry: count up to the smaller one
            let u = u1.round() as usize;
            let lower = u_lower_tail(n1, n2, u.min(n1 * n2 - u));
            (two_sided(lower, lower), "exact".to_string())
        } else if exact {
            (rank_sum_two_sided(blocks, n1, doubled_r1), "exact with ties".to_string())
        } else {
            let mean = (n1 * n2) as f64 / 2.0;
            let var = (n1 * n2) as f64 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
            normal_approximation("Mann-Whitney test", u1, mean, var, method)?
        };
        Ok(TestResult {
            test: "Mann-Whitney test".into(),
            statistic_name: "U",
            statistic: u1,
            df: None,
            df2: None,
            p,
            method: description,
            effect: None,
        })
    })
}

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

/// Midranks of several groups pooled together, as Kruskal–Wallis and Dunn use them.
struct PooledRanks {
    /// Total number of values.
    n: f64,
    /// Mean rank of each group.
    mean_ranks: Vec<f64>,
    /// `Σ (t³ − t)` over the tie groups.
    ties: f64,
}

impl PooledRanks {
    /// Checks at least two non-empty, finite groups with some variation, and ranks them together.
    fn of(test: &'static str, groups: &[(&str, &[f64])]) -> Result<PooledRanks> {
        if groups.len() < 2 {
            return Err(Error::TooFew { test, group: "groups".into(), n: groups.len(), needed: 2 });
        }
        for (name, values) in groups {
            check_group(test, name, values, 1)?;
        }
        let all: Vec<f64> = groups.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        let n = all.len() as f64;
        let (ranks, ties) = midranks(&all);
        if ties >= n * n * n - n {
            return Err(Error::ZeroVariance { test });
        }
        let mut offset = 0;
        let mut mean_ranks = Vec::with_capacity(groups.len());
        for (_, values) in groups {
            mean_ranks.push(ranks[offset..offset + values.len()].iter().sum::<f64>() / values.len() as f64);
            offset += values.len();
        }
        Ok(PooledRanks { n, mean_ranks, ties })
    }
}

/// Kruskal–Wallis H test with tie correction (chi-square approximation, k − 1 df).
pub fn kruskal_wallis(groups: &[(&str, &[f64])]) -> Result<TestResult> {
    let pooled = PooledRanks::of("Kruskal-Wallis test", groups)?;
    let n = pooled.n;
    let sum: f64 = pooled.mean_ranks.iter().zip(groups).map(|(r, (_, v))| r * r * v.len() as f64).sum();
    let correction = 1.0 - pooled.ties / (n * n * n - n);
    let h = (12.0 / (n * (n + 1.0)) * sum - 3.0 * (n + 1.0)) / correction;
    let df = (groups.len() - 1) as f64;
    Ok(TestResult {
        test: "Kruskal-Wallis test".into(),
        statistic_name: "H",
        statistic: h,
        df: Some(df),
        df2: None,
        p: chi2_sf(h, df),
        method: "chi-square approximation with tie correction".into(),
        effect: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_five_versus_five_fully_separated() {
        // exact two-sided P = 2/252 = 0.0079365…
        let r = mann_whitney(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0], Method::Exact).unwrap();
        assert_eq!(r.statistic, 0.0);
        assert!((r.p - 2.0 / 252.0).abs() < 1e-15);
    }

    #[test]
    fn exact_with_and_without_ties_agree_when_there_are_no_ties() {
        let a = [1.1, 2.3, 3.7, 8.0, 9.5, 0.2];
        let b = [4.4, 5.1, 6.6, 7.2, 10.1];
        let no_ties = mann_whitney(&a, &b, Method::Exact).unwrap().p;
        let mut blocks = Vec::new();
        let (doubled_r1, _) = pooled_blocks(&a, &b, &mut blocks);
        assert!((rank_sum_two_sided(&blocks, a.len(), doubled_r1) - no_ties).abs() < 1e-14);
    }

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

    #[test]
    fn midranks_and_tie_sums() {
        let (r, t) = midranks(&[10.0, 20.0, 20.0, 30.0]);
        assert_eq!(r, vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(t, 6.0);
    }
}

/// One comparison of Dunn's test.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DunnComparison {
    /// First group.
    pub a: String,
    /// Second group.
    pub b: String,
    /// Difference of mean ranks, `R̄_a − R̄_b`.
    pub mean_rank_difference: f64,
    /// The z statistic.
    pub z: f64,
    /// Unadjusted two-sided P.
    pub p: f64,
    /// P multiplied by the number of comparisons (capped at 1), as Prism reports Dunn's test.
    pub p_adjusted: f64,
}

/// Dunn's multiple comparisons after Kruskal–Wallis: every pair, or every group against
/// `control` when given. `z = (R̄ᵢ − R̄ⱼ) / √((N(N+1)/12 − Σ(t³−t)/(12(N−1))) (1/nᵢ + 1/nⱼ))`
/// (Dunn 1964, with the tie correction of Glantz), P two-sided, Bonferroni-adjusted.
pub fn dunn(groups: &[(&str, &[f64])], control: Option<usize>) -> Result<Vec<DunnComparison>> {
    let PooledRanks { n, mean_ranks, ties } = PooledRanks::of("Dunn's test", groups)?;
    let variance = n * (n + 1.0) / 12.0 - ties / (12.0 * (n - 1.0));
    let pairs: Vec<(usize, usize)> = match control {
        Some(c) => (0..groups.len()).filter(|&i| i != c).map(|i| (i, c)).collect(),
        None => (0..groups.len()).flat_map(|i| (i + 1..groups.len()).map(move |j| (i, j))).collect(),
    };
    let m = pairs.len() as f64;
    Ok(pairs
        .into_iter()
        .map(|(i, j)| {
            let diff = mean_ranks[i] - mean_ranks[j];
            let se = (variance * (1.0 / groups[i].1.len() as f64 + 1.0 / groups[j].1.len() as f64)).sqrt();
            let z = diff / se;
            let p = (2.0 * normal_sf(z.abs())).min(1.0);
            DunnComparison {
                a: groups[i].0.to_string(),
                b: groups[j].0.to_string(),
                mean_rank_difference: diff,
                z,
                p,
                p_adjusted: (p * m).min(1.0),
            }
        })
        .collect())
}

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
mod shift_tests {
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
