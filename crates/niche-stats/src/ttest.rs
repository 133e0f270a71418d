//! t tests: Student's (pooled variance), Welch's, paired, and from summary statistics.
//!
//! Student: `t = (m₁ − m₂) / √(s²ₚ (1/n₁ + 1/n₂))`, `s²ₚ = ((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2)`,
//! df = n₁ + n₂ − 2. Welch: `t = (m₁ − m₂)/√(s₁²/n₁ + s₂²/n₂)` with Welch–Satterthwaite df.
//! Paired: one-sample t of the differences. P is two-sided.

use crate::descriptive::{mean, variance};
use crate::distribution::t_two_sided;
use crate::error::{Error, Result, check_group};
use crate::result::{Effect, TestResult};

/// A group's summary: mean, SD (n − 1) and n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
    /// Number of values.
    pub n: usize,
}

impl Summary {
    /// Summarises raw values.
    pub fn of(values: &[f64]) -> Summary {
        Summary { mean: mean(values), sd: variance(values).sqrt(), n: values.len() }
    }
}

/// Unpaired t test from raw values; `welch` for unequal variances.
pub fn unpaired(a: &[f64], b: &[f64], welch: bool) -> Result<TestResult> {
    check_group("t test", "first", a, 2)?;
    check_group("t test", "second", b, 2)?;
    unpaired_summary(Summary::of(a), Summary::of(b), welch)
}

/// Unpaired t test from summary statistics (as Prism's "t test from mean, SD, n").
pub fn unpaired_summary(a: Summary, b: Summary, welch: bool) -> Result<TestResult> {
    for (name, s) in [("first", a), ("second", b)] {
        if s.n < 2 {
            return Err(Error::TooFew { test: "t test", group: name.into(), n: s.n, needed: 2 });
        }
        if !(s.mean.is_finite() && s.sd.is_finite()) || s.sd < 0.0 {
            return Err(Error::NotFinite { group: name.into(), value: if s.mean.is_finite() { s.sd } else { s.mean } });
        }
    }
    let (n1, n2) = (a.n as f64, b.n as f64);
    let (v1, v2) = (a.sd * a.sd, b.sd * b.sd);
    if v1 == 0.0 && v2 == 0.0 {
        return Err(Error::ZeroVariance { test: "t test" });
    }
    let pooled = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / (n1 + n2 - 2.0);
    let (se, df, test) = if welch {
        let (w1, w2) = (v1 / n1, v2 / n2);
        let df = (w1 + w2).powi(2) / (w1 * w1 / (n1 - 1.0) + w2 * w2 / (n2 - 1.0));
        ((w1 + w2).sqrt(), df, "unpaired t test with Welch's correction")
    } else {
        ((pooled * (1.0 / n1 + 1.0 / n2)).sqrt(), n1 + n2 - 2.0, "unpaired t test")
    };
    let t = (a.mean - b.mean) / se;
    Ok(TestResult {
        test: test.into(),
        statistic_name: "t",
        statistic: t,
        df: Some(df),
        df2: None,
        p: t_two_sided(t, df),
        method: "t distribution".into(),
        effect: Some(cohens_d((a.mean - b.mean) / pooled.sqrt(), n1, n2)),
    })
}

/// Cohen's d with the large-sample 95% CI of Hedges & Olkin (1985):
/// `SE = √((n₁ + n₂)/(n₁n₂) + d²/(2(n₁ + n₂)))`, `d ± 1.959964·SE`.
fn cohens_d(d: f64, n1: f64, n2: f64) -> Effect {
    let se = ((n1 + n2) / (n1 * n2) + d * d / (2.0 * (n1 + n2))).sqrt();
    let z = 1.959_963_984_540_054;
    Effect { name: "Cohen's d", value: d, ci95: Some((d - z * se, d + z * se)) }
}

/// Paired t test: one-sample t of `a[i] − b[i]`.
pub fn paired(a: &[f64], b: &[f64]) -> Result<TestResult> {
    if a.len() != b.len() {
        return Err(Error::UnequalPairs { a: a.len(), b: b.len() });
    }
    check_group("paired t test", "first", a, 2)?;
    check_group("paired t test", "second", b, 2)?;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let (m, v) = (mean(&d), variance(&d));
    if v == 0.0 {
        return Err(Error::ZeroVariance { test: "paired t test" });
    }
    let n = d.len() as f64;
    let t = m / (v / n).sqrt();
    Ok(TestResult {
        test: "paired t test".into(),
        statistic_name: "t",
        statistic: t,
        df: Some(n - 1.0),
        df2: None,
        p: t_two_sided(t, n - 1.0),
        method: "t distribution".into(),
        effect: Some(Effect { name: "Cohen's d (differences)", value: m / v.sqrt(), ci95: None }),
    })
}

/// The difference of two means, `mean(a) − mean(b)`, with its two-sided 95 % confidence interval
/// from the t distribution: pooled variance with `n_a + n_b − 2` df (Student), or
/// `SE = √(s_a²/n_a + s_b²/n_b)` with Welch–Satterthwaite df. Returns (difference, (low, high)).
pub fn mean_difference_ci(a: &[f64], b: &[f64], welch: bool) -> Result<(f64, (f64, f64))> {
    check_group("confidence interval", "first", a, 2)?;
    check_group("confidence interval", "second", b, 2)?;
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (variance(a), variance(b));
    let (se, df) = if welch {
        let (qa, qb) = (va / na, vb / nb);
        ((qa + qb).sqrt(), (qa + qb).powi(2) / (qa * qa / (na - 1.0) + qb * qb / (nb - 1.0)))
    } else {
        let pooled = ((na - 1.0) * va + (nb - 1.0) * vb) / (na + nb - 2.0);
        ((pooled * (1.0 / na + 1.0 / nb)).sqrt(), na + nb - 2.0)
    };
    let d = mean(a) - mean(b);
    if se.is_nan() || se <= 0.0 || !df.is_finite() {
        return Ok((d, (d, d)));
    }
    let half = crate::distribution::t_quantile(0.975, df) * se;
    Ok((d, (d - half, d + half)))
}

/// The mean of `values` with its two-sided 95 % confidence interval from the t distribution with
/// `n − 1` df: `x̄ ± t₀.₉₇₅ · s/√n`.
pub fn mean_ci(values: &[f64]) -> Result<(f64, (f64, f64))> {
    check_group("confidence interval", "values", values, 2)?;
    let n = values.len() as f64;
    let m = mean(values);
    let half = crate::distribution::t_quantile(0.975, n - 1.0) * (variance(values) / n).sqrt();
    Ok((m, (m - half, m + half)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_and_welch_on_a_textbook_case() {
        // means 3 and 5.2, variances 2.5 and 3.7: pooled 3.1, t = −2.2 / √(3.1 · 0.4)
        let (a, b) = ([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0, 8.0]);
        let s = unpaired(&a, &b, false).unwrap();
        assert_eq!(s.df, Some(8.0));
        assert!((s.statistic + 2.2 / 1.24f64.sqrt()).abs() < 1e-14);
        let w = unpaired(&a, &b, true).unwrap();
        assert!(w.df.unwrap() < 8.0 && w.p > s.p);
    }

    #[test]
    fn confidence_intervals_match_scipy() {
        // scipy.stats.ttest_ind([1,2,3,4,5], [3,4,5,6,8]).confidence_interval(0.95):
        // (-4.767857529, 0.367857529); equal_var=False: (-4.784698226, 0.384698226);
        // scipy.stats.t.interval(0.95, 4, loc=3, scale=sqrt(2.5/5)): (1.036756839, 4.963243161)
        let (a, b) = ([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0, 8.0]);
        let (d, (lo, hi)) = mean_difference_ci(&a, &b, false).unwrap();
        assert!(
            (d + 2.2).abs() < 1e-12 && (lo + 4.767857529).abs() < 1e-8 && (hi - 0.367857529).abs() < 1e-8,
            "{lo} {hi}"
        );
        let (_, (lo, hi)) = mean_difference_ci(&a, &b, true).unwrap();
        assert!((lo + 4.784698226).abs() < 1e-8 && (hi - 0.384698226).abs() < 1e-8, "{lo} {hi}");
        let (m, (lo, hi)) = mean_ci(&a).unwrap();
        assert!(m == 3.0 && (lo - 1.036756839).abs() < 1e-8 && (hi - 4.963243161).abs() < 1e-8, "{lo} {hi}");
        assert!(matches!(mean_ci(&[1.0]), Err(Error::TooFew { .. })));
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        assert!(matches!(unpaired(&[1.0], &[2.0, 3.0], false), Err(Error::TooFew { .. })));
        assert!(matches!(unpaired(&[1.0, 1.0], &[2.0, 2.0], false), Err(Error::ZeroVariance { .. })));
        assert!(matches!(paired(&[1.0, 2.0], &[1.0]), Err(Error::UnequalPairs { .. })));
        assert!(matches!(unpaired(&[1.0, f64::NAN], &[2.0, 3.0], true), Err(Error::NotFinite { .. })));
    }
}
