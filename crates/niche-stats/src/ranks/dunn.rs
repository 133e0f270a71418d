//! Dunn's multiple comparisons of mean ranks after Kruskal–Wallis.

use super::PooledRanks;
use crate::distribution::normal_sf;
use crate::error::Result;

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
