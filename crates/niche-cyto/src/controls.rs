//! Spillover from single-stain controls: the matrix a lab computes when its files carry none
//! (FACSCalibur), as FlowJo's and FCS Express's compensation wizards do.
//!
//! Which events count:
//! - the **negative** reference is the whole unstained tube: its median in every detector;
//! - the **positive** events of a single-stain tube are those whose value in the control's primary
//!   detector is at or above the nearest-rank `positive_percentile` of that detector in the same
//!   tube (default 90: the brightest tenth); no scatter gate is applied;
//! - a control's **primary** detector is given, or else the detector among `channels` where the
//!   stained tube's 99th percentile exceeds the unstained tube's by the largest factor (detectors
//!   whose unstained 99th percentile is not positive are skipped).
//!
//! The standard linear estimate (Roederer 2001): with medians `P_j` of the positive events and `N_j`
//! of the unstained tube, the spillover of the control's dye into detector `j` is
//! `(P_j − N_j) / (P_p − N_p)`, `p` the primary detector, so the diagonal is exactly 1. Rows are the
//! dyes in control order, columns the detectors (`$SPILLOVER` order); medians are the mean of the
//! two middle values for an even count.

use crate::compensation::Compensation;
use crate::error::{Error, Result};
use crate::sample::Sample;

/// One single-stain control.
#[derive(Debug, Clone)]
pub struct Control<'a> {
    /// The stained tube.
    pub sample: &'a Sample,
    /// Its dye's primary detector, or `None` to find it.
    pub primary: Option<String>,
}

/// The estimated matrix and what it was computed from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpilloverEstimate {
    /// Detectors, one per control, in control order (rows and columns of the matrix).
    pub channels: Vec<String>,
    /// Row-major spillover: row = control's dye, column = detector.
    pub matrix: Vec<f64>,
    /// Per control: its id, primary detector, positive events used, and the medians.
    pub controls: Vec<ControlSummary>,
    /// Medians of the unstained tube, per detector.
    pub unstained_medians: Vec<f64>,
}

/// How one control was read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ControlSummary {
    /// The stained tube's id.
    pub sample: String,
    /// Its primary detector.
    pub primary: String,
    /// Events at or above the positive threshold.
    pub positive_events: usize,
    /// The threshold on the primary detector.
    pub threshold: f64,
    /// Medians of the positive events, per detector.
    pub positive_medians: Vec<f64>,
}

/// The nearest-rank `p`-th percentile (`0 < p ≤ 100`) of finite values: the smallest value with at
/// least `p` % of the values at or below it.
pub fn nearest_rank(values: &[f64], p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    Some(v[rank.min(v.len()) - 1])
}

/// Median of finite values (mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) })
}

fn invalid(reason: String) -> Error {
    Error::InvalidGate { id: "spillover from controls".into(), reason }
}

/// Estimates the spillover matrix of `controls` against `unstained` over the controls' primary
/// detectors, chosen among `channels` when a control does not name its own.
pub fn spillover_from_controls(
    unstained: &Sample,
    controls: &[Control],
    channels: &[String],
    positive_percentile: f64,
) -> Result<SpilloverEstimate> {
    if !(positive_percentile > 0.0 && positive_percentile < 100.0) {
        return Err(invalid(format!("positive percentile {positive_percentile} is not in (0, 100)")));
    }
    if controls.is_empty() {
        return Err(invalid("no stained controls".into()));
    }
    let mut primaries = Vec::with_capacity(controls.len());
    for c in controls {
        let primary = match &c.primary {
            Some(p) => p.clone(),
            None => brightest(unstained, c.sample, channels)?,
        };
        if primaries.contains(&primary) {
            return Err(invalid(format!("two controls have the same primary detector {primary} ({})", c.sample.id)));
        }
        primaries.push(primary);
    }
    let n = primaries.len();
    let stat = |s: &Sample, ch: &str, f: fn(&[f64]) -> Option<f64>| -> Result<f64> {
        f(s.channel(ch)?).ok_or_else(|| invalid(format!("{}: no finite values in {ch}", s.id)))
    };
    let negative: Vec<f64> = primaries.iter().map(|ch| stat(unstained, ch, median)).collect::<Result<_>>()?;
    let mut matrix = vec![0.0; n * n];
    let mut summaries = Vec::with_capacity(n);
    for (i, (c, primary)) in controls.iter().zip(&primaries).enumerate() {
        let values = c.sample.channel(primary)?;
        let threshold = nearest_rank(values, positive_percentile)
            .ok_or_else(|| invalid(format!("{}: no finite values in {primary}", c.sample.id)))?;
        let keep: Vec<bool> = values.iter().map(|&v| v >= threshold).collect();
        let positive_events = keep.iter().filter(|&&k| k).count();
        let positive: Vec<f64> = primaries
            .iter()
            .map(|ch| {
                let column = c.sample.channel(ch)?;
                let selected: Vec<f64> = column.iter().zip(&keep).filter(|(_, k)| **k).map(|(v, _)| *v).collect();
                median(&selected).ok_or_else(|| invalid(format!("{}: no positive events in {ch}", c.sample.id)))
            })
            .collect::<Result<_>>()?;
        let signal = positive[i] - negative[i];
        if !(signal > 0.0 && signal.is_finite()) {
            return Err(invalid(format!(
                "{}: the positive events are not brighter than the unstained tube in {primary} ({} vs {})",
                c.sample.id, positive[i], negative[i]
            )));
        }
        for j in 0..n {
            matrix[i * n + j] = if i == j { 1.0 } else { (positive[j] - negative[j]) / signal };
        }
        summaries.push(ControlSummary {
            sample: c.sample.id.clone(),
            primary: primary.clone(),
            positive_events,
            threshold,
            positive_medians: positive,
        });
    }
    Ok(SpilloverEstimate { channels: primaries, matrix, controls: summaries, unstained_medians: negative })
}

/// The detector among `channels` where `stained`'s 99th percentile most exceeds `unstained`'s.
fn brightest(unstained: &Sample, stained: &Sample, channels: &[String]) -> Result<String> {
    let mut best: Option<(f64, &String)> = None;
    for ch in channels {
        let (Some(s), Some(u)) = (nearest_rank(stained.channel(ch)?, 99.0), nearest_rank(unstained.channel(ch)?, 99.0))
        else {
            continue;
        };
        // a detector the unstained tube leaves at or below zero says nothing about brightness
        if u <= 0.0 {
            continue;
        }
        let ratio = s / u;
        if ratio.is_finite() && best.is_none_or(|(b, _)| ratio > b) {
            best = Some((ratio, ch));
        }
    }
    best.map(|(_, ch)| ch.clone())
        .ok_or_else(|| invalid(format!("{}: no primary detector among the channels", stained.id)))
}

impl SpilloverEstimate {
    /// The matrix as a [`Compensation`] (id `id`) for Gating-ML export or gating.
    pub fn compensation(&self, id: &str) -> Result<Compensation> {
        Compensation::new(id, self.channels.clone(), self.channels.clone(), self.matrix.clone())
    }

    /// The `$SPILLOVER` keyword value: `n,names…,values…` (row-major).
    pub fn spillover_keyword(&self) -> String {
        let mut parts = vec![self.channels.len().to_string()];
        parts.extend(self.channels.iter().cloned());
        parts.extend(self.matrix.iter().map(|v| format!("{v:?}")));
        parts.join(",")
    }

    /// CSV: a header of detectors, then one row per dye (`dye` column first).
    pub fn csv(&self) -> String {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
        };
        let mut out = String::from("dye");
        for c in &self.channels {
            out.push(',');
            out.push_str(&quote(c));
        }
        out.push('\n');
        for (i, c) in self.channels.iter().enumerate() {
            out.push_str(&quote(c));
            for v in &self.matrix[i * self.channels.len()..(i + 1) * self.channels.len()] {
                out.push_str(&format!(",{v:?}"));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use niche_fcs as fcs;

    fn sample(id: &str, a: Vec<f64>, b: Vec<f64>) -> Sample {
        let events = fcs::Events::from_columns(vec!["A".into(), "B".into()], vec![a, b]).unwrap();
        Sample { id: id.into(), events, spillover: None }
    }

    #[test]
    fn recovers_a_known_spillover() {
        // unstained: A = B = 10 (+ a little spread); dye a adds s to A and 0.2·s to B; dye b adds
        // t to B and 0.05·t to A
        let base: Vec<f64> = (0..100).map(|i| 10.0 + (i % 5) as f64 * 0.0).collect();
        let unstained = sample("u", base.clone(), base.clone());
        let s: Vec<f64> = (0..100).map(|i| if i < 50 { 0.0 } else { 1000.0 }).collect();
        let stained_a = sample("a", s.iter().map(|v| 10.0 + v).collect(), s.iter().map(|v| 10.0 + 0.2 * v).collect());
        let stained_b = sample("b", s.iter().map(|v| 10.0 + 0.05 * v).collect(), s.iter().map(|v| 10.0 + v).collect());
        let channels = vec!["A".to_string(), "B".to_string()];
        let controls = [Control { sample: &stained_a, primary: None }, Control { sample: &stained_b, primary: None }];
        let e = spillover_from_controls(&unstained, &controls, &channels, 90.0).unwrap();
        assert_eq!(e.channels, channels);
        let want = [1.0, 0.2, 0.05, 1.0];
        e.matrix.iter().zip(want).for_each(|(g, w)| assert!((g - w).abs() < 1e-12, "{g} vs {w}"));
        assert_eq!(e.controls[0].positive_events, 50);
        assert_eq!(e.spillover_keyword(), "2,A,B,1.0,0.2,0.05,1.0");
        assert_eq!(e.csv(), "dye,A,B\nA,1.0,0.2\nB,0.05,1.0\n");
        // the same primary twice, and a dim control, are errors
        let twice = [Control { sample: &stained_a, primary: None }, Control { sample: &stained_a, primary: None }];
        assert!(spillover_from_controls(&unstained, &twice, &channels, 90.0).is_err());
        let dim = [Control { sample: &unstained, primary: Some("A".into()) }];
        assert!(spillover_from_controls(&unstained, &dim, &channels, 90.0).is_err());
    }

    #[test]
    fn percentiles_and_medians() {
        assert_eq!(nearest_rank(&[5.0, 1.0, 3.0, 2.0, 4.0], 90.0), Some(5.0));
        assert_eq!(nearest_rank(&[5.0, 1.0, 3.0, 2.0, 4.0], 40.0), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
    }
}
