//! Descriptive statistics of one group, as Prism's "Column statistics" reports them.

use crate::distribution::t_quantile;
use crate::error::{Error, Result, check_group};

/// n, mean, SD, SEM, median, quartiles, range, 95% CI of the mean, geometric mean.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Descriptive {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); NaN for n = 1.
    pub sd: f64,
    /// Standard error of the mean, SD/√n.
    pub sem: f64,
    /// Median.
    pub median: f64,
    /// 25th percentile (Prism's default, Hyndman–Fan type 6: position (n + 1)·p).
    pub q1: f64,
    /// 75th percentile (type 6).
    pub q3: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Lower bound of the 95% CI of the mean, mean − t(0.975, n−1)·SEM.
    pub ci95_low: f64,
    /// Upper bound of the 95% CI of the mean.
    pub ci95_high: f64,
    /// Geometric mean, NaN when a value is ≤ 0.
    pub geometric_mean: f64,
}

impl Descriptive {
    /// Describes `values` (at least one, all finite).
    pub fn of(group: &str, values: &[f64]) -> Result<Descriptive> {
        check_group("descriptive statistics", group, values, 1)?;
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 { (sum_sq_dev(values, mean) / (n - 1) as f64).sqrt() } else { f64::NAN };
        let sem = sd / (n as f64).sqrt();
        let half = if n > 1 { t_quantile(0.975, (n - 1) as f64) * sem } else { f64::NAN };
        let geometric_mean =
            if sorted[0] > 0.0 { (values.iter().map(|v| v.ln()).sum::<f64>() / n as f64).exp() } else { f64::NAN };
        Ok(Descriptive {
            n,
            mean,
            sd,
            sem,
            median: quantile_type7(&sorted, 0.5)?,
            q1: quantile_type6(&sorted, 0.25)?,
            q3: quantile_type6(&sorted, 0.75)?,
            min: sorted[0],
            max: sorted[n - 1],
            ci95_low: mean - half,
            ci95_high: mean + half,
            geometric_mean,
        })
    }
}

/// `Σ (x − mean)²`, two-pass.
pub(crate) fn sum_sq_dev(values: &[f64], mean: f64) -> f64 {
    values.iter().map(|v| (v - mean).powi(2)).sum()
}

/// Arithmetic mean `Σx / n` (NaN for no values).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample variance `Σ(x − x̄)² / (n − 1)`, two-pass (NaN for fewer than two values).
pub fn variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    sum_sq_dev(values, mean(values)) / (values.len() as f64 - 1.0)
}

/// Sample standard deviation `√variance` (NaN for fewer than two values).
///
/// ```
/// assert_eq!(niche_stats::mean(&[1.0, 2.0, 6.0]), 3.0);
/// assert_eq!(niche_stats::sd(&[1.0, 2.0, 6.0]), 7f64.sqrt());
/// assert!(niche_stats::sd(&[4.0]).is_nan());
/// ```
pub fn sd(values: &[f64]) -> f64 {
    variance(values).sqrt()
}

/// Hyndman–Fan type 7 quantile of sorted values (numpy's default; equals the median at p = ½):
/// `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`, `h = (n − 1)p` (0-based). An error for no values
/// or `p` outside 0…1.
pub fn quantile_type7(sorted: &[f64], p: f64) -> Result<f64> {
    check_quantile(sorted, p)?;
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Ok(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Hyndman–Fan type 6 quantile (position (n + 1)·p, clamped to the data), Prism's percentiles.
/// An error for no values or `p` outside 0…1.
pub fn quantile_type6(sorted: &[f64], p: f64) -> Result<f64> {
    check_quantile(sorted, p)?;
    let n = sorted.len();
    let h = ((n + 1) as f64 * p).clamp(1.0, n as f64);
    let lo = h.floor() as usize;
    let hi = lo.min(n - 1);
    Ok(sorted[lo - 1] + (h - lo as f64) * (sorted[hi] - sorted[lo - 1]))
}

fn check_quantile(sorted: &[f64], p: f64) -> Result<()> {
    if sorted.is_empty() {
        return Err(Error::TooFew { test: "a quantile", group: String::new(), n: 0, needed: 1 });
    }
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::OutOfDomain { name: "p", value: p, domain: "0..=1" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_small_group() {
        let d = Descriptive::of("g", &[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(d.n, 8);
        assert_eq!(d.mean, 5.0);
        assert!((d.sd - 2.138089935299395).abs() < 1e-14);
        assert_eq!(d.median, 4.5);
        assert_eq!((d.q1, d.q3), (4.0, 6.5));
        assert_eq!((d.min, d.max), (2.0, 9.0));
        assert!(d.ci95_low < 5.0 && d.ci95_high > 5.0);
    }

    #[test]
    fn degenerate_groups() {
        assert!(Descriptive::of("empty", &[]).is_err());
        assert!(Descriptive::of("nan", &[1.0, f64::NAN]).is_err());
        let one = Descriptive::of("one", &[3.0]).unwrap();
        assert!(one.sd.is_nan() && one.ci95_low.is_nan());
        assert!(Descriptive::of("neg", &[-1.0, 2.0]).unwrap().geometric_mean.is_nan());
    }
}
