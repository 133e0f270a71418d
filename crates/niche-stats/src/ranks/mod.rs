//! Rank tests: Mann–Whitney U, Wilcoxon signed-rank, Kruskal–Wallis with Dunn, Hodges–Lehmann.
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
//!
//! One test per file: [`mann_whitney()`] (`mann_whitney.rs`), [`wilcoxon()`], [`kruskal_wallis()`],
//! [`dunn()`] and [`hodges_lehmann()`]; the exact counting of the rank-sum distribution is in
//! `rank_sum.rs`.

mod dunn;
mod hodges_lehmann;
mod kruskal_wallis;
mod mann_whitney;
mod wilcoxon;

pub use dunn::{DunnComparison, dunn};
pub use hodges_lehmann::{Shift, hodges_lehmann};
pub use kruskal_wallis::kruskal_wallis;
pub use mann_whitney::mann_whitney;
pub use wilcoxon::wilcoxon;

use crate::distribution::normal_sf;
use crate::error::{Error, Result, check_group};
pub(crate) use crate::rank_sum::u_null_counts;

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
pub(super) fn normal_approximation(
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

/// `min(1, 2·min(lower, upper))`.
pub(crate) fn two_sided(lower: f64, upper: f64) -> f64 {
    (2.0 * lower.min(upper)).min(1.0)
}

/// Midranks of several groups pooled together, as Kruskal–Wallis and Dunn use them.
pub(super) struct PooledRanks {
    /// Total number of values.
    pub n: f64,
    /// Mean rank of each group.
    pub mean_ranks: Vec<f64>,
    /// `Σ (t³ − t)` over the tie groups.
    pub ties: f64,
}

impl PooledRanks {
    /// Checks at least two non-empty, finite groups with some variation, and ranks them together.
    pub fn of(test: &'static str, groups: &[(&str, &[f64])]) -> Result<PooledRanks> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midranks_and_tie_sums() {
        let (r, t) = midranks(&[10.0, 20.0, 20.0, 30.0]);
        assert_eq!(r, vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(t, 6.0);
    }
}
