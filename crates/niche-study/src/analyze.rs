//! `analyze`: every raw file of a study through the analysis crates, in parallel, into
//! [`Results`]: per well values, group summaries, the comparisons with their tests, and the data
//! the report draws (histograms, density plots, blot thumbnails).

use std::path::Path;

use niche_assay::blot::{BlotLayout, GrayImage, quantify};
use niche_assay::curve::{Model, Weight};
use niche_cyto as cyto;
use niche_cyto::{CompensationRef, Dimension, Source};
use niche_fcs as fcs;
use niche_stats::ranks::{Method, mann_whitney};
use niche_stats::ttest::unpaired;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::study::{FlowWell, Gating, Group, MfiStatistic, Readout, Study, Test};

/// Bins per axis of the density plots and histograms (log scale, 1 to 10⁴).
pub const BINS: usize = 64;

/// One measured value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    /// Readout.
    pub readout: Readout,
    /// Group.
    pub group: String,
    /// Replicate (for blots: the blot's number).
    pub replicate: u32,
    /// The value, when there is one.
    pub value: Option<f64>,
    /// A flag such as `<LLOQ`.
    pub flag: Option<String>,
}

/// Mean ± SD of a readout in a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Readout.
    pub readout: Readout,
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
    /// Readout.
    pub readout: Readout,
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
    /// n of the group and of the reference.
    pub n: (usize, usize),
    /// The effect with its 95 % confidence interval, when there are enough values.
    pub effect: Option<EffectEstimate>,
    /// Why there is no P, when there is none.
    pub note: Option<String>,
}

/// An effect with its 95 % confidence interval (t distribution).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectEstimate {
    /// `difference of means` (group − reference) or `mean log ratio` (ln(group/reference) per
    /// replicate).
    pub name: &'static str,
    /// The estimate.
    pub value: f64,
    /// Its 95 % confidence interval.
    pub ci95: (f64, f64),
}

/// What the report draws for one flow well.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowPlots {
    /// Group.
    pub group: String,
    /// Replicate.
    pub replicate: u32,
    /// CXCR4-PE of CD45+CD19+ blasts, stained tube, log bins 1–10⁴.
    pub stained: Vec<u32>,
    /// The same, isotype tube.
    pub isotype: Vec<u32>,
    /// Annexin V (x) × PI (y) of lymphoblasts, `BINS × BINS`, row-major from the bottom.
    pub annexin_pi: Vec<u32>,
    /// Viable, early, late, necrotic % of lymphoblasts.
    pub quadrants: [f64; 4],
}

/// A blot for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Every measured value.
    pub values: Vec<Value>,
    /// Per readout and group.
    pub summaries: Vec<Summary>,
    /// The study's comparisons.
    pub comparisons: Vec<ComparisonResult>,
    /// Flow pictures (replicate 1 of each group).
    pub flow_plots: Vec<FlowPlots>,
    /// Blot pictures.
    pub blots: Vec<BlotPicture>,
    /// Things the reader should know.
    pub warnings: Vec<String>,
}

impl Results {
    /// The summary of a readout in a group.
    pub fn summary(&self, readout: Readout, group: &str) -> Option<&Summary> {
        self.summaries.iter().find(|s| s.readout == readout && s.group == group)
    }

    /// The comparison of a readout between a group and its reference.
    pub fn comparison(&self, readout: Readout, group: &str, reference: &str) -> Option<&ComparisonResult> {
        self.comparisons.iter().find(|c| c.readout == readout && c.group == group && c.reference == reference)
    }
}

struct FlowOutcome {
    values: Vec<Value>,
    plots: Option<FlowPlots>,
    warnings: Vec<String>,
}

/// Analyses a study. `progress` is called with (done, total, what) as files finish.
pub fn analyze(study: &Study, progress: &(dyn Fn(usize, usize, &str) + Sync)) -> Result<Results> {
    let strategy = match &study.gating {
        Gating::BuiltinSeed => cyto::gatingml::parse(cyto::SEED_GATING_ML),
        Gating::File(path) => {
            let xml = crate::read_text(path, cyto::xml::MAX_BYTES as u64).map_err(|e| input(path, e))?;
            cyto::gatingml::parse(&xml)
        }
    }
    .map_err(|e| input(&gating_path(&study.gating), e))?;
    let total = study.flow.len() + study.elisa.len() + study.blots.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = |what: &str| progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total, what);

    let flow: Vec<FlowOutcome> = study
        .flow
        .par_iter()
        .map(|well| {
            let out = analyze_well(&strategy, well, study);
            tick(&format!("flow {} r{}", well.group, well.replicate));
            out
        })
        .collect::<Result<_>>()?;
    let mut values: Vec<Value> = Vec::new();
    let mut flow_plots = Vec::new();
    let mut warnings = Vec::new();
    for outcome in flow {
        values.extend(outcome.values);
        flow_plots.extend(outcome.plots);
        warnings.extend(outcome.warnings);
    }
    for (plate, layout) in &study.elisa {
        values.extend(analyze_plate(plate, layout, study, &mut warnings)?);
        tick("ELISA plate");
    }
    let blot_outcomes: Vec<(Vec<Value>, BlotPicture, Vec<String>)> = study
        .blots
        .par_iter()
        .enumerate()
        .map(|(i, (image, layout))| {
            let out = analyze_blot(image, layout, i as u32 + 1, &study.shown(image));
            tick("blot");
            out
        })
        .collect::<Result<_>>()?;
    let mut blots = Vec::new();
    for (v, picture, w) in blot_outcomes {
        values.extend(v);
        blots.push(picture);
        warnings.extend(w);
    }
    values.sort_by(|a, b| {
        (a.readout, group_index(study, &a.group), a.replicate).cmp(&(
            b.readout,
            group_index(study, &b.group),
            b.replicate,
        ))
    });
    flow_plots.sort_by_key(|p| group_index(study, &p.group));

    let mut summaries = Vec::new();
    for readout in Readout::ALL {
        for g in &study.groups {
            let mine: Vec<&Value> = values.iter().filter(|v| v.readout == readout && v.group == g.id).collect();
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
                readout,
                group: g.id.clone(),
                n,
                mean,
                sd,
                values: numbers,
                flagged: mine.len() - n,
            });
        }
    }
    let comparisons = study
        .comparisons
        .iter()
        .map(|c| {
            let get = |g: &str| summaries.iter().find(|s| s.readout == c.readout && s.group == g);
            let (a, b) = (get(&c.group), get(&c.reference));
            let (av, bv) = (a.map_or(&[][..], |s| &s.values[..]), b.map_or(&[][..], |s| &s.values[..]));
            let mean = |v: &[f64]| if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
            let what = format!("{} {} vs {}", c.readout.name(), c.group, c.reference);
            let log_ratios = (c.test == Test::LogRatio).then(|| paired_log_ratios(&values, c));
            let effect = match &log_ratios {
                Some(r) => niche_stats::ttest::mean_ci(r).ok().map(|(value, ci95)| (value, ci95, "mean log ratio")),
                None => niche_stats::ttest::mean_difference_ci(av, bv, c.test == Test::Welch)
                    .ok()
                    .map(|(value, ci95)| (value, ci95, "difference of means")),
            }
            .map(|(value, ci95, name)| EffectEstimate { name, value, ci95 });
            let (p, note) = if c.test == Test::Direction {
                (None, None)
            } else if let Some(r) = &log_ratios {
                if r.len() < 2 {
                    (None, Some(format!("{what}: {} paired replicates: too few for a test", r.len())))
                } else {
                    let zeros = vec![0.0; r.len()];
                    match niche_stats::ttest::paired(r, &zeros) {
                        Ok(t) => (Some(t.p), None),
                        Err(e) => (None, Some(format!("{what}: {e}"))),
                    }
                }
            } else if av.len() < 2 || bv.len() < 2 {
                (None, Some(format!("n = {} and {}: too few values for a test", av.len(), bv.len())))
            } else {
                let r = match c.test {
                    Test::T => unpaired(av, bv, false),
                    Test::Welch => unpaired(av, bv, true),
                    _ => mann_whitney(av, bv, Method::Auto),
                };
                match r {
                    Ok(r) => (Some(r.p), None),
                    Err(e) => (None, Some(format!("{what}: {e}"))),
                }
            };
            ComparisonResult {
                readout: c.readout,
                group: c.group.clone(),
                reference: c.reference.clone(),
                test: c.test,
                p,
                mean: mean(av),
                reference_mean: mean(bv),
                // a paired test counts the pairs it used
                n: log_ratios.as_ref().map_or((av.len(), bv.len()), |r| (r.len(), r.len())),
                effect,
                note,
            }
        })
        .collect();
    Ok(Results {
        study: study.name.clone(),
        alpha: study.alpha,
        groups: study.groups.clone(),
        values,
        summaries,
        comparisons,
        flow_plots,
        blots,
        warnings,
    })
}

/// `ln(group / reference)` for every replicate (blot) that has a positive value of both.
fn paired_log_ratios(values: &[Value], c: &crate::study::Comparison) -> Vec<f64> {
    let of = |group: &str, replicate: u32| {
        values.iter().find(|v| v.readout == c.readout && v.group == group && v.replicate == replicate)?.value
    };
    let mut replicates: Vec<u32> =
        values.iter().filter(|v| v.readout == c.readout && v.group == c.group).map(|v| v.replicate).collect();
    replicates.sort_unstable();
    replicates.dedup();
    replicates
        .into_iter()
        .filter_map(|r| match (of(&c.group, r), of(&c.reference, r)) {
            (Some(a), Some(b)) if a > 0.0 && b > 0.0 => Some((a / b).ln()),
            _ => None,
        })
        .collect()
}

fn group_index(study: &Study, id: &str) -> usize {
    study.groups.iter().position(|g| g.id == id).unwrap_or(usize::MAX)
}

fn gating_path(g: &Gating) -> std::path::PathBuf {
    match g {
        Gating::BuiltinSeed => "builtin:seed".into(),
        Gating::File(p) => p.clone(),
    }
}

fn input(path: &Path, e: impl Into<crate::error::InputError>) -> Error {
    Error::Input { path: path.to_path_buf(), source: Box::new(e.into()) }
}

fn read_sample(path: &Path) -> Result<cyto::Sample> {
    let file = fcs::Reader::default().read_path(path).map_err(|e| input(path, e))?;
    let ds = file.datasets.first().ok_or_else(|| input(path, "no data set"))?;
    cyto::Sample::from_dataset(path.display().to_string(), ds, fcs::Values::Scaled).map_err(|e| input(path, e))
}

fn dimension(channel: &str) -> Dimension {
    Dimension { source: Source::Channel(channel.into()), compensation: CompensationRef::Fcs, transformation: None }
}

/// Log bin of a value on 1–10⁴.
fn bin(v: f64) -> usize {
    ((v.max(1.0).log10() / 4.0 * BINS as f64) as usize).min(BINS - 1)
}

fn analyze_well(strategy: &cyto::GatingStrategy, well: &FlowWell, study: &Study) -> Result<FlowOutcome> {
    let mfi = study.mfi;
    let mut values = Vec::new();
    let mut warnings = Vec::new();
    let value = |readout, v: Option<f64>, flag: Option<String>| Value {
        readout,
        group: well.group.clone(),
        replicate: well.replicate,
        value: v,
        flag,
    };
    let mut plots = FlowPlots {
        group: well.group.clone(),
        replicate: well.replicate,
        stained: vec![],
        isotype: vec![],
        annexin_pi: vec![],
        quadrants: [0.0; 4],
    };
    if let Some(path) = &well.apoptosis {
        let sample = read_sample(path)?;
        let results = strategy.apply(&sample).map_err(|e| input(path, e))?;
        let percent = |id: &str| results.population(id).map(|p| p.relative_percent);
        let apoptotic =
            percent("Apoptotic").ok_or_else(|| input(path, "the gating strategy has no population \"Apoptotic\""))?;
        values.push(value(Readout::ApoptosisPercent, Some(apoptotic), None));
        plots.quadrants =
            ["Viable", "EarlyApoptotic", "LateApoptotic", "Necrotic"].map(|q| percent(q).unwrap_or(f64::NAN));
        let columns = strategy
            .dimensions_values(&sample, &[dimension("FL1-H"), dimension("FL3-H")])
            .map_err(|e| input(path, e))?;
        let blasts = &results
            .population("Lymphoblasts")
            .ok_or_else(|| input(path, "no population \"Lymphoblasts\""))?
            .membership;
        let mut grid = vec![0u32; BINS * BINS];
        for ((&x, &y), &m) in columns[0].iter().zip(&columns[1]).zip(blasts.iter()) {
            if m {
                grid[bin(y) * BINS + bin(x)] += 1;
            }
        }
        plots.annexin_pi = grid;
        warnings.extend(results.warnings.iter().map(|w| format!("{}: {w}", study.shown(path))));
    }
    let mut pe_median = |path: &Path| -> Result<(f64, Vec<u32>)> {
        let sample = read_sample(path)?;
        let results = strategy.apply(&sample).map_err(|e| input(path, e))?;
        let blasts = &results
            .population("CD45+CD19+")
            .ok_or_else(|| input(path, "the gating strategy has no population \"CD45+CD19+\""))?
            .membership;
        let pe = strategy.dimensions_values(&sample, &[dimension("FL2-H")]).map_err(|e| input(path, e))?;
        let stats = cyto::stats::population_stats(&pe[0], blasts, &[]).map_err(|e| input(path, e))?;
        let mut hist = vec![0u32; BINS];
        for (&v, &m) in pe[0].iter().zip(blasts.iter()) {
            if m {
                hist[bin(v)] += 1;
            }
        }
        warnings.extend(results.warnings.iter().map(|w| format!("{}: {w}", study.shown(path))));
        Ok((
            match mfi {
                MfiStatistic::Median => stats.median,
                MfiStatistic::GeometricMean => stats.geometric_mean,
                MfiStatistic::Mean => stats.mean,
            },
            hist,
        ))
    };
    if let (Some(stained), Some(isotype)) = (&well.stained, &well.isotype) {
        let (s, hs) = pe_median(stained)?;
        let (i, hi) = pe_median(isotype)?;
        let ratio = (i > 0.0).then(|| s / i);
        values.push(value(Readout::Cxcr4Mfi, ratio, ratio.is_none().then(|| "isotype MFI ≤ 0".to_string())));
        plots.stained = hs;
        plots.isotype = hi;
    }
    let plots = (well.replicate == 1).then_some(plots);
    Ok(FlowOutcome { values, plots, warnings })
}

fn analyze_plate(plate: &Path, layout: &Path, study: &Study, warnings: &mut Vec<String>) -> Result<Vec<Value>> {
    let text = crate::read_text(plate, crate::MAX_TEXT_BYTES).map_err(|e| input(plate, e))?;
    let parsed = niche_assay::Plate::parse(&text).map_err(|e| input(plate, e))?;
    let layout_text = crate::read_text(layout, crate::MAX_TEXT_BYTES).map_err(|e| input(layout, e))?;
    let layout = niche_assay::Layout::parse(&layout_text).map_err(|e| input(layout, e))?;
    let report = niche_assay::elisa::analyze(&parsed, &layout, Model::FourPl, Weight::None, 20.0)
        .map_err(|e| input(plate, e))?;
    let mut values = Vec::new();
    for s in &report.samples {
        let Some((group, replicate)) =
            s.id.rsplit_once("_r").and_then(|(g, r)| Some((g.to_string(), r.parse::<u32>().ok()?)))
        else {
            warnings.push(format!("{}: sample {:?} is not <group>_r<replicate>; skipped", study.shown(plate), s.id));
            continue;
        };
        if !study.groups.iter().any(|g| g.id == group) {
            warnings.push(format!("{}: sample {:?} names no group of the study; skipped", study.shown(plate), s.id));
            continue;
        }
        if s.cv_flag {
            warnings.push(format!(
                "{}: sample {} has a replicate CV of {:.1} %",
                study.shown(plate),
                s.id,
                s.cv_percent
            ));
        }
        values.push(Value {
            readout: Readout::Cxcl12NgPerMl,
            group,
            replicate,
            value: s.conc,
            flag: s.flag.map(str::to_string),
        });
    }
    Ok(values)
}

fn analyze_blot(
    image_path: &Path,
    layout_path: &Path,
    number: u32,
    shown: &str,
) -> Result<(Vec<Value>, BlotPicture, Vec<String>)> {
    let image = GrayImage::open(image_path).map_err(|e| input(image_path, e))?;
    let text = crate::read_text(layout_path, crate::MAX_TEXT_BYTES).map_err(|e| input(layout_path, e))?;
    let layout = BlotLayout::parse(&text).map_err(|e| input(layout_path, e))?;
    let result = quantify(&image, &layout).map_err(|e| input(image_path, e))?;
    let mut values = Vec::new();
    for (target, readout) in [("Bax", Readout::Bax), ("Bcl-2", Readout::Bcl2)] {
        for g in result.groups.iter().filter(|g| g.target == target) {
            values.push(Value {
                readout,
                group: g.group.clone(),
                replicate: number,
                value: Some(g.mean_fold_change),
                flag: g.saturated.then(|| "saturated".to_string()),
            });
        }
    }
    let warnings = result.warnings.iter().map(|w| format!("{shown}: {w}")).collect();
    let picture = thumbnail(
        &image,
        image_path,
        shown,
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
    Ok(BlotPicture { file: shown.to_string(), png_base64: base64(&png), width: w, height: h, lanes })
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        for (plain, encoded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(super::base64(plain.as_bytes()), encoded);
        }
    }
}
