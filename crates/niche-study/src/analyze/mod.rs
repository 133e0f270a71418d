//! `analyze`: every raw file of a study through the analysis crates, in parallel, into
//! [`Results`]: per well values of the study's readouts, group summaries, the comparisons with
//! their tests, and what the report draws (marker histograms, each gate over its parent's events,
//! the gating hierarchy with counts, blot thumbnails).

use std::collections::BTreeMap;
use std::path::Path;

use niche_stats::ranks::{Method, mann_whitney, wilcoxon};
use niche_stats::ttest::unpaired;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::study::{BlotImage, ElisaPlate, FlowWell, Group, Readout, Study, Subject, Test};

mod blot;
mod elisa;
mod flow;

use blot::analyze_blot;
use elisa::analyze_plate;
use flow::analyze_well;
pub use flow::{Gates, channel_of, parameters};

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
    /// The blot as shown: grey levels 0 (black) … 255 (white), bands dark, `width × height`,
    /// row by row: the image sampled every ⌊image width / 320⌋ (at least 1) pixels in both
    /// directions, its range stretched to 0…255. The report encodes it.
    pub grey: Vec<u8>,
    /// Columns of `grey`.
    pub width: usize,
    /// Rows of `grey`.
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

/// Analyses a study for its numbers only: values, summaries and comparisons, without the
/// histograms, gate plots and blot thumbnails (for runs whose figures nobody sees: the
/// replications of `reproduce`, the cohort). The numbers equal [`analyze`]'s.
pub fn analyze_values(study: &Study, progress: &(dyn Fn(usize, usize, &str) + Sync)) -> Result<Results> {
    let outcomes = analyze_units_with(study, &|_| true, false, progress)?;
    Ok(assemble(study, outcomes))
}

/// Analyses the units `k` of the study for which `keep(k)` holds (in parallel), in unit order.
pub fn analyze_units(
    study: &Study,
    keep: &(dyn Fn(usize) -> bool + Sync),
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<Vec<UnitOutcome>> {
    analyze_units_with(study, keep, true, progress)
}

/// [`analyze_units`], drawing the figures only when `figures` is set.
fn analyze_units_with(
    study: &Study,
    keep: &(dyn Fn(usize) -> bool + Sync),
    figures: bool,
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
                    let out = analyze_well(&gates, well, study, draw && figures)?;
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
                    let (values, blot, warnings) = analyze_blot(blot, number, study, figures)?;
                    tick("blot");
                    UnitOutcome { values, blot, warnings, ..UnitOutcome::default() }
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
            let mean = if n > 0 { niche_stats::mean(&numbers) } else { f64::NAN };
            // a single value has no spread: SD 0
            let sd = if n > 1 { niche_stats::sd(&numbers) } else { 0.0 };
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
