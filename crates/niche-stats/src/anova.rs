//! One-way analysis of variance: `F = (SS_between/(k − 1)) / (SS_within/(N − k))`.

use crate::descriptive::{mean, sum_sq_dev};
use crate::distribution::f_sf;
use crate::error::{Error, Result, check_group};
use crate::result::TestResult;

/// Ordinary one-way ANOVA of `groups` (name, values).
pub fn one_way(groups: &[(&str, &[f64])]) -> Result<TestResult> {
    if groups.len() < 2 {
        return Err(Error::TooFew { test: "one-way ANOVA", group: "groups".into(), n: groups.len(), needed: 2 });
    }
    for (name, values) in groups {
        check_group("one-way ANOVA", name, values, 1)?;
    }
    let all: Vec<f64> = groups.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    let (n, k) = (all.len() as f64, groups.len() as f64);
    if n <= k {
        return Err(Error::TooFew {
            test: "one-way ANOVA",
            group: "all groups".into(),
            n: all.len(),
            needed: groups.len() + 1,
        });
    }
    let grand = mean(&all);
    let between: f64 = groups.iter().map(|(_, v)| v.len() as f64 * (mean(v) - grand).powi(2)).sum();
    let within: f64 = groups.iter().map(|(_, v)| sum_sq_dev(v, mean(v))).sum();
    if within == 0.0 {
        return Err(Error::ZeroVariance { test: "one-way ANOVA" });
    }
    let (df1, df2) = (k - 1.0, n - k);
    let f = (between / df1) / (within / df2);
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
