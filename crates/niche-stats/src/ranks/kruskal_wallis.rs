//! The Kruskal–Wallis H test of several independent groups.

use super::PooledRanks;
use crate::distribution::chi2_sf;
use crate::error::Result;
use crate::result::TestResult;

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
