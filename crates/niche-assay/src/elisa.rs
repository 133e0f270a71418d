//! An ELISA plate from reads and layout to concentrations.
//!
//! 1. The blank is the mean OD of the blank wells (0 without blanks); it is subtracted from every well.
//! 2. The curve is fitted to every standard well with a positive concentration (replicates as
//!    separate points, as Prism does; zero standards are reported but cannot sit on a
//!    concentration axis whose model has `(EC50/X)^Hill`).
//! 3. Each sample's replicate wells are averaged; the CV (%) of their ODs is flagged above
//!    `cv_limit`. The mean is interpolated on the curve and multiplied by the dilution factor.
//!    A response below the lowest or above the highest positive standard's curve response is
//!    flagged `<LLOQ` / `>ULOQ` and given no concentration: nothing is extrapolated.
//! 4. Standards are back-calculated with % recovery = 100 · back-calculated / nominal.

use crate::curve::{self, Curve, Model, Weight};
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::plate::Plate;
use niche_core::Well;

/// One standard level.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StandardRow {
    /// Nominal concentration.
    pub nominal: f64,
    /// Mean blank-subtracted OD of its wells.
    pub od: f64,
    /// CV (%) of its wells' ODs, NaN for a single well.
    pub cv_percent: f64,
    /// The concentration the curve gives for `od`, `None` outside the curve.
    pub back_calculated: Option<f64>,
    /// 100 · back-calculated / nominal.
    pub recovery_percent: Option<f64>,
}

/// One sample.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SampleRow {
    /// Sample id.
    pub id: String,
    /// Mean blank-subtracted OD of its wells.
    pub od: f64,
    /// Number of wells.
    pub n: usize,
    /// CV (%) of its wells' ODs, NaN for a single well.
    pub cv_percent: f64,
    /// Whether the CV exceeds the limit.
    pub cv_flag: bool,
    /// Dilution factor applied.
    pub dilution: f64,
    /// Concentration (× dilution), `None` when flagged.
    pub conc: Option<f64>,
    /// `<LLOQ` or `>ULOQ`.
    pub flag: Option<&'static str>,
}

/// The analysis of one plate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// Concentration units from the layout.
    pub units: String,
    /// Mean blank OD subtracted from every well.
    pub blank: f64,
    /// The standard curve.
    pub curve: Curve,
    /// Standards by level, ascending.
    pub standards: Vec<StandardRow>,
    /// Samples in id order.
    pub samples: Vec<SampleRow>,
}

fn mean_cv(values: &[f64]) -> (f64, f64) {
    let mean = niche_stats::mean(values);
    (mean, 100.0 * niche_stats::sd(values) / mean.abs())
}

/// Analyses a plate.
pub fn analyze(plate: &Plate, layout: &Layout, model: Model, weight: Weight, cv_limit: f64) -> Result<Report> {
    let od = |well: Well| plate.at(well);
    let blank = if layout.blanks.is_empty() {
        0.0
    } else {
        layout.blanks.iter().map(|&w| od(w)).sum::<f64>() / layout.blanks.len() as f64
    };
    let (x, y): (Vec<f64>, Vec<f64>) =
        layout.standards.iter().filter(|(_, c)| *c > 0.0).map(|&(w, c)| (c, od(w) - blank)).unzip();
    if x.is_empty() {
        return Err(Error::TooFewStandards { model: "a standard curve", needed: 4, found: 0 });
    }
    let fitted = curve::fit(model, weight, &x, &y)?;
    let p = fitted.params;

    let mut levels: Vec<f64> = layout.standards.iter().map(|(_, c)| *c).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let standards = levels
        .iter()
        .map(|&nominal| {
            let wells: Vec<f64> = layout.standards.iter().filter(|(_, c)| *c == nominal).map(|&(w, _)| od(w)).collect();
            let (raw_mean, cv_percent) = mean_cv(&wells);
            let mean = raw_mean - blank;
            let back = Some(p.concentration(mean)).filter(|c| c.is_finite());
            StandardRow {
                nominal,
                od: mean,
                cv_percent,
                back_calculated: back,
                recovery_percent: back.filter(|_| nominal > 0.0).map(|b| 100.0 * b / nominal),
            }
        })
        .collect();

    let positive: Vec<f64> = levels.iter().copied().filter(|c| *c > 0.0).collect();
    let (low, high) = (positive[0], positive[positive.len() - 1]);
    let (y_low, y_high) = (p.response(low), p.response(high));
    let increasing = y_high >= y_low;
    let samples = layout
        .samples
        .iter()
        .map(|(id, wells)| {
            let values: Vec<f64> = wells.iter().map(|&w| od(w)).collect();
            let (raw_mean, cv_percent) = mean_cv(&values);
            let mean = raw_mean - blank;
            let below = if increasing { mean < y_low } else { mean > y_low };
            let above = if increasing { mean > y_high } else { mean < y_high };
            let dilution = layout.dilution(id);
            let (conc, flag) = if below {
                (None, Some("<LLOQ"))
            } else if above {
                (None, Some(">ULOQ"))
            } else {
                let c = p.concentration(mean);
                if c.is_finite() {
                    (Some(c * dilution), None)
                } else {
                    (None, Some(if below { "<LLOQ" } else { ">ULOQ" }))
                }
            };
            SampleRow {
                id: id.clone(),
                od: mean,
                n: values.len(),
                cv_percent,
                cv_flag: cv_percent > cv_limit,
                dilution,
                conc,
                flag,
            }
        })
        .collect();
    Ok(Report { units: layout.units.clone(), blank, curve: fitted, standards, samples })
}
