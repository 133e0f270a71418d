//! Flow wells: each tube read, compensated and gated (a Gating-ML strategy or a FlowJo
//! workspace's), the readouts' MFIs, MFI ratios and percentages, and what the report draws
//! (marker histograms, each gate over its parent's events, the gating table).

use std::collections::BTreeMap;
use std::path::Path;

use niche_cyto as cyto;
use niche_cyto::{CompensationRef, Dimension, Source};
use niche_fcs as fcs;

use super::{Axis, BINS, GatePlot, GatingTable, Histogram, Overlay, UnitOutcome, Value, input};
use crate::error::Result;
use crate::study::{FlowWell, Readout, ReadoutKind, Statistic, Study};

/// The gates of a study: one strategy for every tube, or a FlowJo workspace whose samples carry
/// their own.
#[derive(Debug, Clone)]
pub enum Gates {
    /// A Gating-ML strategy.
    One(cyto::GatingStrategy),
    /// A FlowJo workspace.
    Workspace(cyto::flowjo::FlowJoWorkspace),
}

impl Gates {
    /// The strategy for the tube at `path` (`fil`: its `$FIL`): the workspace sample that is this
    /// file, or the workspace's only sample.
    fn for_file(&self, path: &Path, fil: Option<String>) -> Result<std::borrow::Cow<'_, cyto::GatingStrategy>> {
        let ws = match self {
            Gates::One(s) => return Ok(std::borrow::Cow::Borrowed(s)),
            Gates::Workspace(ws) => ws,
        };
        let candidate = [(path.to_path_buf(), fil)];
        let found: Vec<_> = ws.samples.iter().filter(|s| s.locate(&candidate).is_ok()).collect();
        let sample = match found.as_slice() {
            [one] => *one,
            _ if ws.samples.len() == 1 => &ws.samples[0],
            [] => return Err(input(path, "no sample of the FlowJo workspace is this file (by its name or $FIL)")),
            _ => return Err(input(path, "several samples of the FlowJo workspace are this file")),
        };
        Ok(std::borrow::Cow::Owned(ws.strategy(sample).map_err(|e| input(path, e))?.strategy))
    }

    /// Every population a readout may name: ids, and for workspaces also each population's own
    /// name (the last part of its path).
    pub fn population_names(&self) -> Vec<String> {
        let mut names: Vec<String> = match self {
            Gates::One(s) => s.gates().iter().flat_map(|g| g.populations()).map(str::to_string).collect(),
            Gates::Workspace(ws) => ws
                .samples
                .iter()
                .flat_map(|s| &s.populations)
                .flat_map(|p| [cyto::flowjo::path_string(&p.path), p.path.last().cloned().unwrap_or_default()])
                .collect(),
        };
        // strategy order, each name once
        let mut seen = std::collections::BTreeSet::new();
        names.retain(|n| seen.insert(n.clone()));
        names
    }
}

/// The population id `name` stands for in `results`: the id itself, or the one population whose
/// own name (the last part of a FlowJo path) it is.
fn resolve<'a>(results: &'a cyto::GatingResults, name: &str) -> Option<&'a cyto::PopulationResult> {
    results.population(name).or_else(|| {
        let mut hits =
            results.populations.iter().filter(|p| cyto::flowjo::split_path(&p.id).last().is_some_and(|l| l == name));
        match (hits.next(), hits.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    })
}

/// An FCS file's parameters: `($PnN, $PnS)` of its first data set.
pub fn parameters(path: &Path) -> Result<Vec<(String, Option<String>)>> {
    let file = fcs::Reader::default().read_path(path).map_err(|e| input(path, e))?;
    let ds = file.datasets.first().ok_or_else(|| input(path, "no data set"))?;
    Ok(ds.parameters.iter().map(|p| (p.name.clone(), p.label.clone())).collect())
}

/// The channel (`$PnN`) of `marker`: the panel's, else the parameter whose `$PnS` is the marker
/// (any case), else the one whose `$PnS` begins with the marker and a space (`CD184 PE`), else a
/// parameter named so. `None` when no parameter or several match.
pub fn channel_of(
    marker: &str,
    panel: &BTreeMap<String, String>,
    parameters: &[(String, Option<String>)],
) -> Option<String> {
    if let Some(channel) = panel.get(marker) {
        return Some(channel.clone());
    }
    let unique = |pred: &dyn Fn(&str) -> bool| {
        let mut hits = parameters.iter().filter(|(_, s)| s.as_deref().is_some_and(|s| pred(s.trim())));
        match (hits.next(), hits.next()) {
            (Some((n, _)), None) => Some(n.clone()),
            _ => None,
        }
    };
    unique(&|s| s.eq_ignore_ascii_case(marker))
        .or_else(|| unique(&|s| s.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case(marker))))
        .or_else(|| parameters.iter().find(|(n, _)| n == marker).map(|(n, _)| n.clone()))
}

/// One tube: its strategy, events, parameters and gating.
struct Tube<'g> {
    strategy: std::borrow::Cow<'g, cyto::GatingStrategy>,
    sample: cyto::Sample,
    parameters: Vec<(String, Option<String>)>,
    log_amplified: Vec<bool>,
    gating: cyto::GatingResults,
}

fn read_tube<'g>(gates: &'g Gates, path: &Path) -> Result<Tube<'g>> {
    let file = fcs::Reader::default().read_path(path).map_err(|e| input(path, e))?;
    let ds = file.datasets.first().ok_or_else(|| input(path, "no data set"))?;
    let sample =
        cyto::Sample::from_dataset(path.display().to_string(), ds, fcs::Values::Scaled).map_err(|e| input(path, e))?;
    let strategy = gates.for_file(path, ds.keywords.get("$FIL").map(|v| v.trim().to_string()))?;
    let gating = strategy.apply(&sample).map_err(|e| input(path, e))?;
    Ok(Tube {
        strategy,
        parameters: ds.parameters.iter().map(|p| (p.name.clone(), p.label.clone())).collect(),
        log_amplified: ds.parameters.iter().map(|p| p.amplification.decades > 0.0).collect(),
        sample,
        gating,
    })
}

/// The events of a population, or an error naming the file.
fn members<'a>(tube: &'a Tube, population: &str, path: &Path) -> Result<&'a [bool]> {
    Ok(&resolve(&tube.gating, population)
        .ok_or_else(|| input(path, format!("the gating has no population {population:?}")))?
        .membership)
}

/// A channel compensated with the file's spillover (when it has one), untransformed: what MFIs
/// are computed on.
fn marker_values(tube: &Tube, channel: &str, path: &Path) -> Result<Vec<f64>> {
    let dimension =
        Dimension { source: Source::Channel(channel.into()), compensation: CompensationRef::Fcs, transformation: None };
    tube.strategy.dimension_values(&tube.sample, &dimension).map_err(|e| input(path, e))
}

pub(super) fn analyze_well(gates: &Gates, well: &FlowWell, study: &Study, draw: bool) -> Result<UnitOutcome> {
    let mut out = UnitOutcome::default();
    let mut tubes: BTreeMap<&str, Tube> = BTreeMap::new();
    for (name, path) in &well.tubes {
        let tube = read_tube(gates, path)?;
        out.warnings.extend(tube.gating.warnings.iter().map(|w| format!("{}: {w}", study.shown(path))));
        tubes.insert(name, tube);
    }
    let value = |readout: &Readout, v: Option<f64>, flag: Option<String>| Value {
        readout: readout.id.clone(),
        group: well.group.clone(),
        subject: well.subject.clone(),
        value: v,
        flag,
    };
    for readout in &study.readouts {
        match &readout.kind {
            ReadoutKind::Mfi { population, marker, statistic, tube } => {
                let (v, hist) = mfi(study, well, &tubes, tube, population, marker, *statistic)?;
                // a geometric mean without positive values is undefined: flagged, never NaN
                let flag = (!v.is_finite()).then(|| format!("{} undefined", statistic.name()));
                out.values.push(value(readout, v.is_finite().then_some(v), flag));
                if draw {
                    out.histograms.push(Histogram { readout: readout.id.clone(), ..hist });
                }
            }
            ReadoutKind::MfiRatio { population, marker, statistic, tube, reference } => {
                let (s, hs) = mfi(study, well, &tubes, tube, population, marker, *statistic)?;
                let (r, hr) = mfi(study, well, &tubes, reference, population, marker, *statistic)?;
                let ratio = (r > 0.0 && s.is_finite()).then(|| s / r);
                let flag = ratio.is_none().then(|| format!("{reference} {} ≤ 0", statistic.name()));
                out.values.push(value(readout, ratio, flag));
                if draw {
                    out.histograms.push(Histogram { readout: readout.id.clone(), ..hs });
                    out.histograms.push(Histogram { readout: readout.id.clone(), ..hr });
                }
            }
            ReadoutKind::Percent { population, parent, tube } => {
                let path = &well.tubes[tube];
                let t = &tubes[tube.as_str()];
                let count = |id: &str| members(t, id, path).map(|m| m.iter().filter(|&&x| x).count());
                let n = count(population)?;
                let d = match parent {
                    Some(p) => count(p)?,
                    None => t.sample.n_events(),
                };
                let v = (d > 0).then(|| 100.0 * n as f64 / d as f64);
                let flag = || format!("no events in {}", parent.as_deref().unwrap_or("the tube"));
                out.values.push(value(readout, v, v.is_none().then(flag)));
            }
            ReadoutKind::Elisa { .. } | ReadoutKind::Blot { .. } => {}
        }
    }
    if draw {
        for (name, tube) in &tubes {
            let path = &well.tubes[*name];
            out.gating.push(gating_table(well, name, tube, &study.shown(path)));
            out.gate_plots.extend(gate_plots(study, well, name, tube, path)?);
        }
    }
    Ok(out)
}

/// `statistic` of `marker` in `population` of tube `tube`, and its histogram.
fn mfi(
    study: &Study,
    well: &FlowWell,
    tubes: &BTreeMap<&str, Tube>,
    tube: &str,
    population: &str,
    marker: &str,
    statistic: Statistic,
) -> Result<(f64, Histogram)> {
    let path = &well.tubes[tube];
    let t = &tubes[tube];
    let channel = channel_of(marker, &study.panel, &t.parameters).ok_or_else(|| {
        input(path, format!("no channel for marker {marker:?}: not in [panel], and no $PnS or $PnN names it"))
    })?;
    let values = marker_values(t, &channel, path)?;
    let m = members(t, population, path)?;
    // the median (the usual statistic) by selection; the means from the full statistics, which
    // sort the values
    let value = match statistic {
        Statistic::Median => cyto::stats::population_median(&values, m),
        Statistic::GeometricMean => cyto::stats::population_stats(&values, m, &[]).map(|s| s.geometric_mean),
        Statistic::Mean => cyto::stats::population_stats(&values, m, &[]).map(|s| s.mean),
    }
    .map_err(|e| input(path, e))?;
    let inside: Vec<f64> = values.iter().zip(m).filter(|&(_, &m)| m).map(|(&v, _)| v).collect();
    let top = inside.iter().copied().filter(|v| v.is_finite()).fold(10.0f64, f64::max);
    let log10_max = top.log10().ceil().max(1.0);
    let mut counts = vec![0u32; BINS];
    for v in inside {
        let b = (v.max(1.0).log10() / log10_max * BINS as f64) as usize;
        counts[b.min(BINS - 1)] += 1;
    }
    Ok((
        value,
        Histogram {
            readout: String::new(),
            group: well.group.clone(),
            subject: well.subject.clone(),
            tube: tube.to_string(),
            channel,
            log10_max,
            counts,
        },
    ))
}

fn gating_table(well: &FlowWell, name: &str, tube: &Tube, file: &str) -> GatingTable {
    let strategy = &tube.strategy;
    GatingTable {
        group: well.group.clone(),
        subject: well.subject.clone(),
        tube: name.to_string(),
        file: file.to_string(),
        events: tube.gating.n_events,
        populations: tube
            .gating
            .populations
            .iter()
            .map(|p| (p.id.clone(), p.parent.clone(), strategy.path(&p.id).len() - 1, p.count, p.relative_percent))
            .collect(),
    }
}

/// The gates the study's readouts of this tube stand on (their populations and every ancestor),
/// each over its parent's events. Boolean gates have no axes and are not drawn.
fn gate_plots(study: &Study, well: &FlowWell, name: &str, tube: &Tube, path: &Path) -> Result<Vec<GatePlot>> {
    let strategy = &tube.strategy;
    let mut wanted: Vec<String> = Vec::new();
    for r in study.readouts.iter().filter(|r| r.tubes().contains(&name)) {
        let populations: Vec<&str> = match &r.kind {
            ReadoutKind::Mfi { population, .. } | ReadoutKind::MfiRatio { population, .. } => vec![population],
            ReadoutKind::Percent { population, parent, .. } => {
                [Some(population.as_str()), parent.as_deref()].into_iter().flatten().collect()
            }
            _ => vec![],
        };
        // names as the readouts give them, ids as the strategy has them
        let mut queue: Vec<String> =
            populations.into_iter().filter_map(|p| resolve(&tube.gating, p).map(|r| r.id.clone())).collect();
        // each population's gating path, and for a boolean gate its operands' paths too
        while let Some(p) = queue.pop() {
            for ancestor in strategy.path(&p) {
                let Some(gate) = strategy.gate_of(&ancestor) else { continue };
                if wanted.contains(&gate.id) {
                    continue;
                }
                wanted.push(gate.id.clone());
                if let cyto::Shape::Boolean { operands, .. } = &gate.shape {
                    queue.extend(operands.iter().map(|(id, _)| id.clone()));
                }
            }
        }
    }
    let mut plots = Vec::new();
    for gate in strategy.gates().iter().filter(|g| wanted.contains(&g.id) && !g.dimensions.is_empty()) {
        let dims: Vec<&Dimension> = gate.dimensions.iter().take(2).collect();
        let columns = strategy
            .dimensions_values(&tube.sample, &dims.iter().map(|d| (*d).clone()).collect::<Vec<_>>())
            .map_err(|e| input(path, e))?;
        let all;
        let parent: &[bool] = match &gate.parent {
            Some(p) => members(tube, p, path)?,
            None => {
                all = vec![true; tube.sample.n_events()];
                &all
            }
        };
        let axes: Vec<Axis> = dims.iter().zip(&columns).map(|(d, c)| axis(d, c, parent, tube)).collect();
        let bin = |a: &Axis, v: f64| -> usize {
            let x = if a.log10 { v.max(10f64.powf(a.min)).log10() } else { v };
            (((x - a.min) / (a.max - a.min) * BINS as f64).floor().max(0.0) as usize).min(BINS - 1)
        };
        let mut counts = vec![0u32; BINS.pow(axes.len() as u32)];
        for i in (0..parent.len()).filter(|&i| parent[i]) {
            let (x, y) = (columns[0][i], columns.get(1).map_or(0.0, |c| c[i]));
            if !x.is_finite() || !y.is_finite() {
                continue;
            }
            let k = if axes.len() == 2 { bin(&axes[1], y) * BINS + bin(&axes[0], x) } else { bin(&axes[0], x) };
            counts[k] += 1;
        }
        let overlay = match &gate.shape {
            cyto::Shape::Rectangle { bounds } => {
                Overlay::Rectangle { bounds: bounds.iter().take(2).copied().collect() }
            }
            cyto::Shape::Polygon { vertices } => Overlay::Polygon { vertices: vertices.clone() },
            cyto::Shape::Quadrants { dividers, .. } => Overlay::Quadrants {
                cuts: dims
                    .iter()
                    .map(|d| dividers.iter().filter(|v| &&v.dimension == d).flat_map(|v| v.values.clone()).collect())
                    .collect(),
            },
            cyto::Shape::Ellipsoid { mean, covariance, distance_square } if mean.len() == 2 => {
                Overlay::Ellipse { outline: ellipse(mean, covariance, *distance_square) }
            }
            _ => continue,
        };
        let populations = gate
            .populations()
            .into_iter()
            .filter_map(|p| Some((p.to_string(), tube.gating.population(p)?.relative_percent)))
            .collect();
        plots.push(GatePlot {
            group: well.group.clone(),
            subject: well.subject.clone(),
            tube: name.to_string(),
            gate: gate.id.clone(),
            parent: gate.parent.clone(),
            axes,
            counts,
            overlay,
            populations,
        });
    }
    Ok(plots)
}

/// An axis over a dimension's values among the parent's events: log₁₀ for an untransformed
/// channel that is log-amplified in the file or spans more than two decades (1st to 99th
/// percentile, positive), otherwise linear from the 0.5th to the 99.5th percentile, widened 5 %.
fn axis(d: &Dimension, values: &[f64], parent: &[bool], tube: &Tube) -> Axis {
    let mut inside: Vec<f64> =
        values.iter().zip(parent).filter(|&(v, &m)| m && v.is_finite()).map(|(&v, _)| v).collect();
    inside.sort_by(f64::total_cmp);
    let q = |p: f64| inside.get(((inside.len().saturating_sub(1)) as f64 * p) as usize).copied().unwrap_or(0.0);
    let name = match &d.source {
        Source::Channel(c) => c.clone(),
        Source::Ratio(r) => r.clone(),
    };
    let log_amplified = tube.parameters.iter().position(|(n, _)| *n == name).is_some_and(|i| tube.log_amplified[i]);
    let mut label = name;
    match &d.compensation {
        CompensationRef::Uncompensated => {}
        CompensationRef::Fcs => label.push_str(" (comp.)"),
        CompensationRef::Named(id) => label.push_str(&format!(" (comp. {id})")),
    }
    if let Some(t) = &d.transformation {
        label.push_str(&format!(" [{t}]"));
    }
    let (lo, hi) = (q(0.01), q(0.99));
    let log10 = d.transformation.is_none() && (log_amplified || (lo > 0.0 && hi / lo > 100.0));
    if log10 {
        let max = q(1.0).max(10.0).log10().ceil();
        Axis { label, log10, min: 0.0f64.max(max - 6.0), max }
    } else {
        let (lo, hi) = (q(0.005), q(0.995));
        let pad = ((hi - lo) * 0.05).max(1e-9);
        Axis { label, log10, min: lo - pad, max: hi + pad }
    }
}

/// 64 points on the 2-D ellipse (x − μ)ᵀ Σ⁻¹ (x − μ) = d²: μ + d·L·(cos θ, sin θ), L the
/// Cholesky factor of Σ.
fn ellipse(mean: &[f64], cov: &[f64], d2: f64) -> Vec<(f64, f64)> {
    let l11 = cov[0].max(0.0).sqrt();
    let l21 = if l11 > 0.0 { cov[2] / l11 } else { 0.0 };
    let l22 = (cov[3] - l21 * l21).max(0.0).sqrt();
    let d = d2.sqrt();
    (0..64)
        .map(|k| {
            let t = k as f64 / 64.0 * std::f64::consts::TAU;
            let (c, s) = (t.cos() * d, t.sin() * d);
            (mean[0] + l11 * c, mean[1] + l21 * c + l22 * s)
        })
        .collect()
}
