//! One-way analysis of variance: `F = (SS_between/(k − 1)) / (SS_within/(N − k))`.

use crate::descriptive::{mean, sum_sq_dev};
use crate::distribution::f_sf;
use crate::error::{Error, Result, check_group};
use crate::result::TestResult;

/// The within-group part of a one-way design, which ANOVA and its multiple comparisons share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WithinGroups {
    /// Number of groups k.
    pub k: usize,
    /// Number of values N.
    pub n: usize,
    /// Residual degrees of freedom, N − k.
    pub df: f64,
    /// Residual mean square `Σ Σ (x − x̄ᵢ)² / (N − k)`.
    pub mse: f64,
}

/// Checks a one-way design for `test` (at least 2 groups, each non-empty and finite, N > k, some
/// variance within groups) and computes its residual mean square.
pub fn within_groups(test: &'static str, groups: &[(&str, &[f64])]) -> Result<WithinGroups> {
    if groups.len() < 2 {
        return Err(Error::TooFew { test, group: "groups".into(), n: groups.len(), needed: 2 });
    }
    for (name, values) in groups {
        check_group(test, name, values, 1)?;
    }
    let (n, k) = (groups.iter().map(|(_, v)| v.len()).sum::<usize>(), groups.len());
    if n <= k {
        return Err(Error::TooFew { test, group: "all groups".into(), n, needed: k + 1 });
    }
    let within: f64 = groups.iter().map(|(_, v)| sum_sq_dev(v, mean(v))).sum();
    if within == 0.0 {
        return Err(Error::ZeroVariance { test });
    }
    let df = (n - k) as f64;
    Ok(WithinGroups { k, n, df, mse: within / df })
}

/// Ordinary one-way ANOVA of `groups` (name, values).
pub fn one_way(groups: &[(&str, &[f64])]) -> Result<TestResult> {
    let w = within_groups("one-way ANOVA", groups)?;
    let grand = groups.iter().flat_map(|(_, v)| v.iter()).sum::<f64>() / w.n as f64;
    let between: f64 = groups.iter().map(|(_, v)| v.len() as f64 * (mean(v) - grand).powi(2)).sum();
    let (df1, df2) = ((w.k - 1) as f64, w.df);
    let f = (between / df1) / w.mse;
    Ok(TestResult {
        test: "ordinary one-way ANOVA".into(),
        statistic_name: "F",
        statistic: f,
        df: Some(df1),
        df2: Some(df2),
        p: f_sf(f, df1, df2),
        method: "F distribution".into(),
        effect: None,
    })
}
