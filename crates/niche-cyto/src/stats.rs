//! Population statistics of one channel within a gated population.
//!
//! - mean, SD (n − 1), CV = 100·SD/mean;
//! - median and percentiles by linear interpolation between order statistics (Hyndman & Fan
//!   type 7, numpy's default);
//! - geometric mean `exp(mean(ln x))` over the positive values (non-positive ones are counted in
//!   `non_positive` and left out, as log-scale MFIs cannot include them);
//! - robust SD `(P84.13 − P15.87) / 2` and robust CV `100·rSD/median` (FlowJo's definitions:
//!   for a normal distribution they equal SD and CV).

use crate::error::{Error, Result};
use crate::gate::{CompensationRef, Dimension};
use crate::sample::Sample;
use crate::strategy::{GatingResults, GatingStrategy};

/// Statistics of one channel in one population.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChannelStats {
    /// Population id.
    pub population: String,
    /// Channel (`$PnN`).
    pub channel: String,
    /// The statistics; `None` for an empty population.
    pub stats: Option<PopulationStats>,
}

/// Statistics of `channels` in every population of `results`, on values compensated by
/// `compensation` (use [`CompensationRef::Fcs`] for the file's own spillover).
pub fn gate_statistics(
    strategy: &GatingStrategy,
    sample: &Sample,
    results: &GatingResults,
    channels: &[String],
    compensation: &CompensationRef,
    percentiles: &[f64],
) -> Result<Vec<ChannelStats>> {
    let dimensions: Vec<Dimension> = channels
        .iter()
        .map(|c| Dimension {
            source: crate::gate::Source::Channel(c.clone()),
            compensation: compensation.clone(),
            transformation: None,
        })
        .collect();
    // one pass: the compensation is computed once for all channels
    let columns = strategy.dimensions_values(sample, &dimensions)?;
    let mut out = Vec::new();
    for (channel, values) in channels.iter().zip(&columns) {
        for p in &results.populations {
            let stats = match population_stats(values, &p.membership, percentiles) {
                Ok(s) => Some(s),
                Err(Error::EmptyPopulation) => None,
                Err(e) => return Err(e),
            };
            out.push(ChannelStats { population: p.id.clone(), channel: channel.clone(), stats });
        }
    }
    Ok(out)
}

/// Statistics of one channel in one population.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PopulationStats {
    /// Events in the population with a finite value.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1), NaN for one event.
    pub sd: f64,
    /// Coefficient of variation in percent.
    pub cv: f64,
    /// Median.
    pub median: f64,
    /// Geometric mean of the positive values.
    pub geometric_mean: f64,
    /// Values ≤ 0 left out of the geometric mean.
    pub non_positive: usize,
    /// Robust SD, (P84.13 − P15.87)/2.
    pub robust_sd: f64,
    /// Robust CV in percent, 100·rSD/median.
    pub robust_cv: f64,
    /// Requested percentiles `(p, value)`, p in percent.
    pub percentiles: Vec<(f64, f64)>,
}

/// Computes the statistics of `values` where `membership` is true.
pub fn population_stats(values: &[f64], membership: &[bool], percentiles: &[f64]) -> Result<PopulationStats> {
    let mut selected: Vec<f64> =
        values.iter().zip(membership).filter(|&(v, &m)| m && v.is_finite()).map(|(&v, _)| v).collect();
    describe(&mut selected, percentiles)
}

/// The median of the finite `values` where `membership` is set: the type-7 50th percentile, the
/// same number as [`population_stats`]'s `median`, found by selection (O(n), Hoare's FIND) instead
/// of a sort; an error for an empty population.
pub fn population_median(values: &[f64], membership: &[bool]) -> Result<f64> {
    let mut selected: Vec<f64> =
        values.iter().zip(membership).filter(|&(v, &m)| m && v.is_finite()).map(|(&v, _)| v).collect();
    let n = selected.len();
    if n == 0 {
        return Err(Error::EmptyPopulation);
    }
    // percentile_sorted's h, lo and hi for p = 50
    let h = (n - 1) as f64 * 50.0 / 100.0;
    let lo = h.floor() as usize;
    let (_, &mut at_lo, above) = selected.select_nth_unstable_by(lo, f64::total_cmp);
    // the next order statistic is the least of those above (none when lo is the last)
    let at_hi = above.iter().copied().min_by(f64::total_cmp).unwrap_or(at_lo);
    Ok(at_lo + (h - lo as f64) * (at_hi - at_lo))
}

/// Computes the statistics of all finite `values` (sorted in place).
pub fn describe(values: &mut Vec<f64>, percentiles: &[f64]) -> Result<PopulationStats> {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return Err(Error::EmptyPopulation);
    }
    if let Some(p) = percentiles.iter().find(|p| !(0.0..=100.0).contains(*p)) {
        return Err(Error::Statistic { statistic: format!("percentile {p}"), reason: "must lie in 0..=100".into() });
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let (mean, sd) = (niche_stats::mean(values), niche_stats::sd(values));
    let positive: Vec<f64> = values.iter().copied().filter(|&v| v > 0.0).collect();
    let geometric_mean = if positive.is_empty() {
        f64::NAN
    } else {
        (positive.iter().map(|v| v.ln()).sum::<f64>() / positive.len() as f64).exp()
    };
    let median = percentile_sorted(values, 50.0)?;
    let robust_sd = (percentile_sorted(values, 84.13)? - percentile_sorted(values, 15.87)?) / 2.0;
    Ok(PopulationStats {
        count: n,
        mean,
        sd,
        cv: 100.0 * sd / mean,
        median,
        geometric_mean,
        non_positive: n - positive.len(),
        robust_sd,
        robust_cv: 100.0 * robust_sd / median,
        percentiles: percentiles.iter().map(|&p| Ok((p, percentile_sorted(values, p)?))).collect::<Result<_>>()?,
    })
}

/// Type-7 percentile of sorted values: `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`, `h = (n − 1)p/100`;
/// an error for no values.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Result<f64> {
    if sorted.is_empty() {
        return Err(Error::EmptyPopulation);
    }
    let h = (sorted.len() - 1) as f64 * p / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Ok(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Which MFI a ratio uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mfi {
    /// Median fluorescence intensity.
    Median,
    /// Geometric mean fluorescence intensity.
    GeometricMean,
    /// Arithmetic mean.
    Mean,
}

/// MFI of a stained tube over its isotype control (the seed's "relative CXCR4 expression").
pub fn mfi_ratio(stained: &PopulationStats, isotype: &PopulationStats, mfi: Mfi) -> Result<f64> {
    let pick = |s: &PopulationStats| match mfi {
        Mfi::Median => s.median,
        Mfi::GeometricMean => s.geometric_mean,
        Mfi::Mean => s.mean,
    };
    let (num, den) = (pick(stained), pick(isotype));
    if den.is_nan() || den <= 0.0 || !num.is_finite() {
        return Err(Error::Statistic {
            statistic: "MFI ratio".into(),
            reason: format!("isotype MFI {den} must be positive and stained MFI {num} finite"),
        });
    }
    Ok(num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_by_selection_is_the_sorted_one_to_the_bit() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in (1..60).chain([999, 1000, 20_000]) {
            // ties, both zeros, non-finite values that are left out, a random membership
            let values: Vec<f64> = (0..n)
                .map(|_| match next() % 9 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f64::NAN,
                    3 => f64::INFINITY,
                    4 => (next() % 5) as f64,
                    _ => (next() >> 11) as f64 / (1u64 << 53) as f64 * 1e3 - 100.0,
                })
                .collect();
            let membership: Vec<bool> = (0..n).map(|_| next() % 4 != 0).collect();
            let got = population_median(&values, &membership);
            match population_stats(&values, &membership, &[]) {
                Ok(all) => assert_eq!(got.unwrap().to_bits(), all.median.to_bits(), "n = {n}"),
                Err(_) => assert!(got.is_err(), "n = {n}"),
            }
        }
    }

    #[test]
    fn matches_numpy_on_a_small_sample() {
        // numpy: mean 3.0, std(ddof=1) 1.5811388300841898, median 3, percentile(25) 2.0,
        // gmean 2.605171084697352
        let s = describe(&mut vec![1.0, 2.0, 3.0, 4.0, 5.0], &[25.0, 90.0]).unwrap();
        assert_eq!(s.mean, 3.0);
        assert!((s.sd - 1.5811388300841898).abs() < 1e-15);
        assert_eq!(s.median, 3.0);
        assert_eq!(s.percentiles, vec![(25.0, 2.0), (90.0, 4.6)]);
        assert!((s.geometric_mean - 2.605171084697352).abs() < 1e-14);
    }

    #[test]
    fn membership_selects_and_nan_is_ignored() {
        let s = population_stats(&[1.0, 100.0, f64::NAN, 3.0], &[true, false, true, true], &[]).unwrap();
        assert_eq!(s.count, 2);
        assert_eq!(s.median, 2.0);
        assert!(matches!(population_stats(&[1.0], &[false], &[]), Err(Error::EmptyPopulation)));
        assert!(describe(&mut vec![1.0], &[101.0]).is_err());
    }

    #[test]
    fn geometric_mean_skips_non_positive_values() {
        let s = describe(&mut vec![-5.0, 0.0, 10.0, 1000.0], &[]).unwrap();
        assert_eq!(s.non_positive, 2);
        assert!((s.geometric_mean - 100.0).abs() < 1e-12);
    }

    #[test]
    fn mfi_ratio_needs_a_positive_isotype() {
        let stained = describe(&mut vec![30.0, 40.0, 50.0], &[]).unwrap();
        let isotype = describe(&mut vec![8.0, 10.0, 12.0], &[]).unwrap();
        assert_eq!(mfi_ratio(&stained, &isotype, Mfi::Median).unwrap(), 4.0);
        let zero = describe(&mut vec![0.0, 0.0], &[]).unwrap();
        assert!(mfi_ratio(&stained, &zero, Mfi::Median).is_err());
    }
}
