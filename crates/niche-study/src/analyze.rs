//! `analyze`: every raw file of a study through the analysis crates, in parallel, into
//! [`Results`]: per well values of the study's readouts, group summaries, the comparisons with
//! their tests, and what the report draws (marker histograms, each gate over its parent's events,
//! the gating hierarchy with counts, blot thumbnails).

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use niche_assay::blot::{BlotLayout, GrayImage, quantify};
use niche_assay::curve::{Model, Weight};
use niche_cyto as cyto;
use niche_cyto::{CompensationRef, Dimension, Source};
use niche_fcs as fcs;
use niche_stats::ranks::{Method, mann_whitney, wilcoxon};
use niche_stats::ttest::unpaired;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::study::{BlotImage, ElisaPlate, FlowWell, Group, Readout, ReadoutKind, Statistic, Study, Subject, Test};

/// Bins per axis of the histograms and gate plots.
pub const BINS: usize = 64;

/// One measured value.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Value {
    /// Readout id.
    pub readout: String,
    /// Group.
    pub group: String,
    /// Donor or replicate (for blots: the blot's number).
    #[serde(flatten)]
    pub subject: Subject,
    /// The value, when there is one.
    pub value: Option<f64>,
    /// A flag such as `<LLOQ`.
    pub flag: Option<String>,
}

/// Mean ± SD of a readout in a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Readout id.
    pub readout: String,
    /// Group.
    pub group: String,
    /// Values with a number.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample SD (0 for one value).
    pub sd: f64,
    /// The values.
    pub values: Vec<f64>,
    /// Values flagged instead of measured (e.g. below the lowest standard).
    pub flagged: usize,
}

/// A comparison's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonResult {
    /// Readout id.
    pub readout: String,
    /// Group.
    pub group: String,
    /// Reference group.
    pub reference: String,
    /// Test.
    pub test: Test,
    /// Two-sided P (none for direction-only comparisons or too few values).
    pub p: Option<f64>,
    /// Mean of the group.
    pub mean: f64,
    /// Mean of the reference.
    pub reference_mean: f64,
    /// n of the group and of the reference (for paired tests: the pairs, twice).
    pub n: (usize, usize),
    /// The effect with its 95 % confidence interval, when there are enough values.
    pub effect: Option<EffectEstimate>,
    /// Why there is no P, when there is none.
    pub note: Option<String>,
}

/// An effect with its 95 % confidence interval (t distribution).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectEstimate {
    /// `difference of means` (group − reference), `mean paired difference`, or `mean log ratio`
    /// (ln(group/reference) per subject).
    pub name: &'static str,
    /// The estimate.
    pub value: f64,
    /// Its 95 % confidence interval.
    pub ci95: (f64, f64),
}

/// A marker's values in a population, one tube of one well, on log₁₀ bins from 1 to
/// 10^`log10_max` (values below 1 in the first bin).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Histogram {
    /// Readout id.
    pub readout: String,
    /// Group.
    pub group: String,
    /// Donor or replicate.
    #[serde(flatten)]
    pub subject: Subject,
    /// Tube name.
    pub tube: String,
    /// The channel read (`$PnN`).
    pub channel: String,
    /// Upper end of the axis, log₁₀.
    pub log10_max: f64,
    /// Event counts per bin.
    pub counts: Vec<u32>,
}

/// One axis of a gate plot. Values are drawn on log₁₀ when `log10` (untransformed channels that
/// span more than two decades), otherwise as they are (transformed or linear channels).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Axis {
    /// The dimension: channel, with its compensation and transformation.
    pub label: String,
    /// Drawn on log₁₀.
    pub log10: bool,
    /// Lower end, in drawn units (log₁₀ of the value when `log10`).
    pub min: f64,
    /// Upper end, in drawn units.
    pub max: f64,
}

/// A gate's shape in the gate's own coordinates (transformed when its dimensions are).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Overlay {
    /// `min ≤ x < max` per axis (none: unbounded).
    Rectangle {
        /// One pair per axis.
        bounds: Vec<(Option<f64>, Option<f64>)>,
    },
    /// Polygon vertices.
    Polygon {
        /// Vertices in order.
        vertices: Vec<(f64, f64)>,
    },
    /// Divider values per axis.
    Quadrants {
        /// Cut values per axis.
        cuts: Vec<Vec<f64>>,
    },
    /// An ellipsoid (drawn as its 2-D outline when it has two dimensions).
    Ellipse {
        /// Outline points.
        outline: Vec<(f64, f64)>,
    },
}

/// One gate drawn over its parent's events, for one tube of one well.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GatePlot {
    /// Group.
    pub group: String,
    /// Donor or replicate.
    #[serde(flatten)]
    pub subject: Subject,
    /// Tube name.
    pub tube: String,
    /// Gate id.
    pub gate: String,
    /// The parent population (none: all events).
    pub parent: Option<String>,
    /// One or two axes.
    pub axes: Vec<Axis>,
    /// Event counts: `BINS` (one axis) or `BINS × BINS`, row-major from the bottom.
    pub counts: Vec<u32>,
    /// The gate.
    pub overlay: Overlay,
    /// The populations the gate defines, with their percent of the parent.
    pub populations: Vec<(String, f64)>,
}

/// The gating hierarchy of one tube with counts.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GatingTable {
    /// Group.
    pub group: String,
    /// Donor or replicate.
    #[serde(flatten)]
    pub subject: Subject,
    /// Tube name.
    pub tube: String,
    /// The file.
    pub file: String,
    /// Events in the file.
    pub events: usize,
    /// `(population, parent, depth, count, percent of parent)` in strategy order.
    pub populations: Vec<(String, Option<String>, usize, usize, f64)>,
}

/// A blot for the report.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct BlotPicture {
    /// The image file.
    pub file: String,
    /// A grey PNG thumbnail (bands dark), base64.
    pub png_base64: String,
    /// Thumbnail size.
    pub width: usize,
    /// Thumbnail size.
    pub height: usize,
    /// Lane groups, left to right.
    pub lanes: Vec<String>,
}

/// Everything `analyze` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// Study name.
    pub study: String,
    /// Significance level.
    pub alpha: f64,
    /// Groups.
    pub groups: Vec<Group>,
    /// Readouts.
    pub readouts: Vec<Readout>,
    /// Every measured value.
    pub values: Vec<Value>,
    /// Per readout and group.
    pub summaries: Vec<Summary>,
    /// The study's comparisons.
    pub comparisons: Vec<ComparisonResult>,
    /// Marker histograms (the first well of each group).
    pub histograms: Vec<Histogram>,
    /// Gates over their parents' events (the first well of each group, the gates the readouts
    /// stand on).
    pub gate_plots: Vec<GatePlot>,
    /// Gating hierarchies with counts (the first well of each group).
    pub gating: Vec<GatingTable>,
    /// Blot pictures.
    pub blots: Vec<BlotPicture>,
    /// Things the reader should know.
    pub warnings: Vec<String>,
}

impl Results {
    /// The summary of a readout in a group.
    pub fn summary(&self, readout: &str, group: &str) -> Option<&Summary> {
        self.summaries.iter().find(|s| s.readout == readout && s.group == group)
    }

    /// The comparison of a readout between a group and its reference.
    pub fn comparison(&self, readout: &str, group: &str, reference: &str) -> Option<&ComparisonResult> {
        self.comparisons.iter().find(|c| c.readout == readout && c.group == group && c.reference == reference)
    }

    /// The readout with id `id`.
    pub fn readout(&self, id: &str) -> Option<&Readout> {
        self.readouts.iter().find(|r| r.id == id)
    }
}

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

/// What one unit of work found: a flow well, an ELISA plate or a blot (see [`units`]). Units are
/// analysed independently, so any subset of them (a shard, [`crate::shard`]) gives the same
/// outcomes as the whole study, and [`assemble`] turns all of them into the study's [`Results`].
#[derive(Debug, Default, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct UnitOutcome {
    /// The unit's index in [`units`].
    pub unit: usize,
    /// Its values.
    pub values: Vec<Value>,
    /// Marker histograms (drawn wells only).
    pub histograms: Vec<Histogram>,
    /// Gate plots (drawn wells only).
    pub gate_plots: Vec<GatePlot>,
    /// Gating tables (drawn wells only).
    pub gating: Vec<GatingTable>,
    /// The blot's picture (blots only).
    pub blot: Option<BlotPicture>,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// One unit of a study's work.
#[derive(Debug, Clone, Copy)]
pub enum Unit<'s> {
    /// A flow well (its tubes), and whether its figures are drawn (the first well of its group).
    Flow(&'s FlowWell, bool),
    /// An ELISA plate.
    Elisa(&'s ElisaPlate),
    /// A blot and its number (blot *k* is replicate *k*).
    Blot(&'s BlotImage, u32),
}

impl Unit<'_> {
    /// The raw files the unit reads, in the order provenance lists them.
    pub fn files(&self) -> Vec<&Path> {
        match self {
            Unit::Flow(w, _) => w.tubes.values().map(|p| p.as_path()).collect(),
            Unit::Elisa(e) => vec![&e.plate, &e.layout],
            Unit::Blot(b, _) => vec![&b.image, &b.layout],
        }
    }
}

/// The study's units of work in a fixed order: flow wells, then ELISA plates, then blots, as the
/// study file lists them.
pub fn units(study: &Study) -> Vec<Unit<'_>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out: Vec<Unit> = study.flow.iter().map(|w| Unit::Flow(w, seen.insert(w.group.as_str()))).collect();
    out.extend(study.elisa.iter().map(Unit::Elisa));
    out.extend(study.blots.iter().enumerate().map(|(i, b)| Unit::Blot(b, i as u32 + 1)));
    out
}

/// Analyses a study. `progress` is called with (done, total, what) as files finish.
pub fn analyze(study: &Study, progress: &(dyn Fn(usize, usize, &str) + Sync)) -> Result<Results> {
    let outcomes = analyze_units(study, &|_| true, progress)?;
    Ok(assemble(study, outcomes))
}

/// Analyses the units `k` of the study for which `keep(k)` holds (in parallel), in unit order.
pub fn analyze_units(
    study: &Study,
    keep: &(dyn Fn(usize) -> bool + Sync),
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<Vec<UnitOutcome>> {
    let gates = study.gating.load()?;
    let all = units(study);
    let mine: Vec<(usize, Unit)> = all.into_iter().enumerate().filter(|(k, _)| keep(*k)).collect();
    let total = mine.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = |what: &str| progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total, what);
    mine.par_iter()
        .map(|&(k, unit)| {
            let mut out = match unit {
                Unit::Flow(well, draw) => {
                    let out = analyze_well(&gates, well, study, draw)?;
                    tick(&format!("flow {} {}", well.group, well.subject));
                    out
                }
                Unit::Elisa(plate) => {
                    let mut out = UnitOutcome::default();
                    out.values = analyze_plate(plate, study, &mut out.warnings)?;
                    tick("ELISA plate");
                    out
                }
                Unit::Blot(blot, number) => {
                    let (values, picture, warnings) = analyze_blot(blot, number, study)?;
                    tick("blot");
                    UnitOutcome { values, blot: Some(picture), warnings, ..UnitOutcome::default() }
                }
            };
            out.unit = k;
            Ok(out)
        })
        .collect()
}

/// The study's [`Results`] from the outcomes of all its units (any order): values sorted by
/// readout, group and subject, summaries, comparisons. The same outcomes give the same results
/// however they were computed (one run, or shards merged).
pub fn assemble(study: &Study, mut outcomes: Vec<UnitOutcome>) -> Results {
    outcomes.sort_by_key(|o| o.unit);
    let (mut values, mut histograms, mut gate_plots, mut gating, mut blots, mut warnings) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for o in outcomes {
        values.extend(o.values);
        histograms.extend(o.histograms);
        gate_plots.extend(o.gate_plots);
        gating.extend(o.gating);
        blots.extend(o.blot);
        warnings.extend(o.warnings);
    }
    let readout_index = |id: &str| study.readouts.iter().position(|r| r.id == id).unwrap_or(usize::MAX);
    values.sort_by(|a, b| {
        (readout_index(&a.readout), group_index(study, &a.group), &a.subject).cmp(&(
            readout_index(&b.readout),
            group_index(study, &b.group),
            &b.subject,
        ))
    });

    let mut summaries = Vec::new();
    for readout in &study.readouts {
        for g in &study.groups {
            let mine: Vec<&Value> = values.iter().filter(|v| v.readout == readout.id && v.group == g.id).collect();
            if mine.is_empty() {
                continue;
            }
            let numbers: Vec<f64> = mine.iter().filter_map(|v| v.value).collect();
            let n = numbers.len();
            let mean = if n > 0 { numbers.iter().sum::<f64>() / n as f64 } else { f64::NAN };
            let sd = if n > 1 {
                (numbers.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
            } else {
                0.0
            };
            summaries.push(Summary {
                readout: readout.id.clone(),
                group: g.id.clone(),
                n,
                mean,
                sd,
                values: numbers,
                flagged: mine.len() - n,
            });
        }
    }
    let comparisons = study.comparisons.iter().map(|c| compare(c, &values, &summaries)).collect();
    Results {
        study: study.name.clone(),
        alpha: study.alpha,
        groups: study.groups.clone(),
        readouts: study.readouts.clone(),
        values,
        summaries,
        comparisons,
        histograms,
        gate_plots,
        gating,
        blots,
        warnings,
    }
}

/// One comparison: unpaired tests on the group summaries' values, paired tests on the subjects
/// measured in both groups.
fn compare(c: &crate::study::Comparison, values: &[Value], summaries: &[Summary]) -> ComparisonResult {
    let get = |g: &str| summaries.iter().find(|s| s.readout == c.readout && s.group == g);
    let (av, bv) =
        (get(&c.group).map_or(&[][..], |s| &s.values[..]), get(&c.reference).map_or(&[][..], |s| &s.values[..]));
    let mean = |v: &[f64]| if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
    let what = format!("{} {} vs {}", c.readout, c.group, c.reference);
    let pairs = c.test.paired().then(|| paired_values(values, c));
    let log_ratios: Option<Vec<f64>> = (c.test == Test::LogRatio)
        .then(|| pairs.iter().flatten().filter(|(a, b)| *a > 0.0 && *b > 0.0).map(|(a, b)| (a / b).ln()).collect());
    let differences: Option<Vec<f64>> = pairs.as_ref().map(|p| p.iter().map(|(a, b)| a - b).collect());
    let effect = match (&log_ratios, &differences) {
        (Some(r), _) => niche_stats::ttest::mean_ci(r).ok().map(|(value, ci95)| (value, ci95, "mean log ratio")),
        (None, Some(d)) => {
            niche_stats::ttest::mean_ci(d).ok().map(|(value, ci95)| (value, ci95, "mean paired difference"))
        }
        (None, None) => niche_stats::ttest::mean_difference_ci(av, bv, c.test == Test::Welch)
            .ok()
            .map(|(value, ci95)| (value, ci95, "difference of means")),
    }
    .map(|(value, ci95, name)| EffectEstimate { name, value, ci95 });
    let n_pairs = log_ratios.as_ref().map(Vec::len).or(pairs.as_ref().map(Vec::len));
    let (p, note) = match (c.test, &pairs) {
        (Test::Direction, _) => (None, None),
        (_, Some(_)) if n_pairs.unwrap_or(0) < 2 => (
            None,
            Some(format!(
                "{what}: {} subjects measured in both groups: too few for a paired test",
                n_pairs.unwrap_or(0)
            )),
        ),
        (test, Some(p)) => {
            let r = match test {
                Test::LogRatio => {
                    let r = log_ratios.as_deref().unwrap_or_default();
                    niche_stats::ttest::paired(r, &vec![0.0; r.len()])
                }
                Test::Wilcoxon => {
                    let (a, b): (Vec<f64>, Vec<f64>) = p.iter().copied().unzip();
                    wilcoxon(&a, &b, Method::Auto)
                }
                _ => {
                    let (a, b): (Vec<f64>, Vec<f64>) = p.iter().copied().unzip();
                    niche_stats::ttest::paired(&a, &b)
                }
            };
            match r {
                Ok(r) => (Some(r.p), None),
                Err(e) => (None, Some(format!("{what}: {e}"))),
            }
        }
        _ if av.len() < 2 || bv.len() < 2 => {
            (None, Some(format!("n = {} and {}: too few values for a test", av.len(), bv.len())))
        }
        (test, None) => {
            let r = match test {
                Test::T => unpaired(av, bv, false),
                Test::Welch => unpaired(av, bv, true),
                _ => mann_whitney(av, bv, Method::Auto),
            };
            match r {
                Ok(r) => (Some(r.p), None),
                Err(e) => (None, Some(format!("{what}: {e}"))),
            }
        }
    };
    ComparisonResult {
        readout: c.readout.clone(),
        group: c.group.clone(),
        reference: c.reference.clone(),
        test: c.test,
        p,
        mean: mean(av),
        reference_mean: mean(bv),
        n: n_pairs.map_or((av.len(), bv.len()), |n| (n, n)),
        effect,
        note,
    }
}

/// `(group value, reference value)` for every subject with a value in both groups, in subject
/// order.
fn paired_values(values: &[Value], c: &crate::study::Comparison) -> Vec<(f64, f64)> {
    let of = |group: &str| -> BTreeMap<&Subject, f64> {
        values
            .iter()
            .filter(|v| v.readout == c.readout && v.group == group)
            .filter_map(|v| Some((&v.subject, v.value?)))
            .collect()
    };
    let (a, b) = (of(&c.group), of(&c.reference));
    a.iter().filter_map(|(s, x)| Some((*x, *b.get(s)?))).collect()
}

fn group_index(study: &Study, id: &str) -> usize {
    study.groups.iter().position(|g| g.id == id).unwrap_or(usize::MAX)
}

fn input(path: &Path, e: impl Into<crate::error::InputError>) -> Error {
    Error::Input { path: path.to_path_buf(), source: Box::new(e.into()) }
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

fn analyze_well(gates: &Gates, well: &FlowWell, study: &Study, draw: bool) -> Result<UnitOutcome> {
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
    let stats = cyto::stats::population_stats(&values, m, &[]).map_err(|e| input(path, e))?;
    let inside: Vec<f64> = values.iter().zip(m).filter(|&(_, &m)| m).map(|(&v, _)| v).collect();
    let top = inside.iter().copied().filter(|v| v.is_finite()).fold(10.0f64, f64::max);
    let log10_max = top.log10().ceil().max(1.0);
    let mut counts = vec![0u32; BINS];
    for v in inside {
        let b = (v.max(1.0).log10() / log10_max * BINS as f64) as usize;
        counts[b.min(BINS - 1)] += 1;
    }
    let value = match statistic {
        Statistic::Median => stats.median,
        Statistic::GeometricMean => stats.geometric_mean,
        Statistic::Mean => stats.mean,
    };
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

/// The subject a sample id names: `<group>_r<replicate>` or `<group>_<donor>`, the longest group
/// id that prefixes it.
fn sample_subject<'a>(study: &'a Study, id: &str) -> Option<(&'a str, Subject)> {
    study
        .groups
        .iter()
        .filter_map(|g| Some((g.id.as_str(), id.strip_prefix(g.id.as_str())?.strip_prefix('_')?)))
        .filter(|(_, rest)| !rest.is_empty())
        .max_by_key(|(g, _)| g.len())
        .map(|(g, rest)| (g, Subject::of_sample(rest)))
}

fn analyze_plate(plate: &ElisaPlate, study: &Study, warnings: &mut Vec<String>) -> Result<Vec<Value>> {
    let text = crate::read_text(&plate.plate, crate::MAX_TEXT_BYTES).map_err(|e| input(&plate.plate, e))?;
    let parsed = niche_assay::Plate::parse(&text).map_err(|e| input(&plate.plate, e))?;
    let layout_text = crate::read_text(&plate.layout, crate::MAX_TEXT_BYTES).map_err(|e| input(&plate.layout, e))?;
    let layout = niche_assay::Layout::parse(&layout_text).map_err(|e| input(&plate.layout, e))?;
    let report = niche_assay::elisa::analyze(&parsed, &layout, Model::FourPl, Weight::None, 20.0)
        .map_err(|e| input(&plate.plate, e))?;
    let shown = study.shown(&plate.plate);
    let mut values = Vec::new();
    for s in &report.samples {
        let Some((group, subject)) = sample_subject(study, &s.id) else {
            warnings.push(format!(
                "{shown}: sample {:?} is not <group>_r<replicate> or <group>_<donor> of a study group; skipped",
                s.id
            ));
            continue;
        };
        if s.cv_flag {
            warnings.push(format!("{shown}: sample {} has a replicate CV of {:.1} %", s.id, s.cv_percent));
        }
        values.push(Value {
            readout: plate.readout.clone(),
            group: group.to_string(),
            subject,
            value: s.conc,
            flag: s.flag.map(str::to_string),
        });
    }
    Ok(values)
}

fn analyze_blot(blot: &BlotImage, number: u32, study: &Study) -> Result<(Vec<Value>, BlotPicture, Vec<String>)> {
    let shown = study.shown(&blot.image);
    let image = GrayImage::open(&blot.image).map_err(|e| input(&blot.image, e))?;
    let text = crate::read_text(&blot.layout, crate::MAX_TEXT_BYTES).map_err(|e| input(&blot.layout, e))?;
    let layout = BlotLayout::parse(&text).map_err(|e| input(&blot.layout, e))?;
    let result = quantify(&image, &layout).map_err(|e| input(&blot.image, e))?;
    let mut values = Vec::new();
    for readout in &study.readouts {
        let ReadoutKind::Blot { target, loading_control } = &readout.kind else { continue };
        if &layout.loading_control != loading_control {
            return Err(input(
                &blot.layout,
                format!(
                    "the layout's loading control is {:?}, readout {:?} divides by {loading_control:?}",
                    layout.loading_control, readout.id
                ),
            ));
        }
        if !layout.targets.iter().any(|t| &t.name == target) {
            return Err(input(
                &blot.layout,
                format!("readout {:?} needs the target {target:?}, which the layout lacks", readout.id),
            ));
        }
        for g in result.groups.iter().filter(|g| &g.target == target) {
            values.push(Value {
                readout: readout.id.clone(),
                group: g.group.clone(),
                subject: Subject::Replicate(number),
                value: g.mean_fold_change.is_finite().then_some(g.mean_fold_change),
                flag: if !g.mean_fold_change.is_finite() {
                    Some("not finite (a zero loading control or reference)".to_string())
                } else {
                    g.saturated.then(|| "saturated".to_string())
                },
            });
        }
    }
    let warnings = result.warnings.iter().map(|w| format!("{shown}: {w}")).collect();
    let picture = thumbnail(
        &image,
        &blot.image,
        &shown,
        result.lanes.iter().map(|l| l.group.clone()).collect(),
        layout.background.light_background,
    )?;
    Ok((values, picture, warnings))
}

/// A downscaled 8-bit PNG of the blot with dark bands, as film shows them.
fn thumbnail(image: &GrayImage, path: &Path, shown: &str, lanes: Vec<String>, light: bool) -> Result<BlotPicture> {
    let scale = (image.width / 320).max(1);
    let (w, h) = (image.width / scale, image.height / scale);
    let (lo, hi) = image.pixels.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1.0);
    let mut gray = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let v = (image.get(x * scale, y * scale) - lo) / span;
            let v = if light { v } else { 1.0 - v };
            gray.push((v * 255.0).round() as u8);
        }
    }
    let mut png = Vec::new();
    // w × h gray bytes were just made, so the buffer always fits; encoding to memory can still fail
    let buffer = image::ImageBuffer::<image::Luma<u8>, _>::from_raw(w as u32, h as u32, gray)
        .ok_or_else(|| niche_assay::Error::Image { reason: format!("a {w} × {h} thumbnail") });
    buffer
        .and_then(|b| {
            b.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).map_err(niche_assay::Error::Encode)
        })
        .map_err(|e| input(path, e))?;
    Ok(BlotPicture {
        file: shown.to_string(),
        png_base64: base64::engine::general_purpose::STANDARD.encode(&png),
        width: w,
        height: h,
        lanes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_in_the_panel_then_the_labels_then_the_names() {
        let params: Vec<(String, Option<String>)> = vec![
            ("FSC-A".into(), None),
            ("G560-A".into(), Some("CD127".into())),
            ("V450-A".into(), Some("VIVID / CD14".into())),
            ("PE-A".into(), Some("CD184 PE".into())),
            ("APC-A".into(), Some("CD4".into())),
            ("APC-Cy7-A".into(), Some("CD4 dim".into())),
        ];
        let panel: BTreeMap<String, String> = [("CXCR4".to_string(), "PE-Cy7-A".to_string())].into();
        assert_eq!(channel_of("CXCR4", &panel, &params).as_deref(), Some("PE-Cy7-A"));
        assert_eq!(channel_of("cd127", &panel, &params).as_deref(), Some("G560-A"));
        assert_eq!(channel_of("CD184", &panel, &params).as_deref(), Some("PE-A"));
        assert_eq!(channel_of("VIVID", &panel, &params).as_deref(), Some("V450-A"));
        // exact label first: CD4 is APC-A though "CD4 dim" also begins with CD4
        assert_eq!(channel_of("CD4", &panel, &params).as_deref(), Some("APC-A"));
        assert_eq!(channel_of("FSC-A", &panel, &params).as_deref(), Some("FSC-A"));
        assert_eq!(channel_of("CD8", &panel, &params), None);
    }
}
