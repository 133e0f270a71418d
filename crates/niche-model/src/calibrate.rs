//! Calibration to the seed paper: weighted least squares of the 24 h readouts against the
//! published group means, each residual weighted by 1/SD² (so a residual of 1 is one published SD),
//! by Levenberg–Marquardt ([`niche_stats::nls`]) over the logarithms of the free parameters.
//!
//! Targets come from the embedded copy of `targets.toml`: CXCR4 MFI (5 groups), CXCL12
//! (3 groups, plus "AMD3100 alone does not change CXCL12", entered as the co-culture's mean and SD
//! for the AMD3100 group), apoptosis (4 groups). Directions (AMD3100 alone raises apoptosis over
//! the co-culture; the Western blots) are not fitted but checked on the result.
//!
//! What moves the CXCR4 MFI ([`mfi_decomposition`], calibrated parameters, MFI ratio units):
//!
//! | group | change vs ALL alone | masking | synthesis | trafficking |
//! |---|---|---|---|---|
//! | co-culture | −81.2 | 0 | 0 | −81.2 (pericellular CXCL12 internalises CXCR4) |
//! | co-culture + AMD3100 | −200.1 | −198.0 | 0 | −2.1 (AMD3100 prevents internalisation) |
//! | co-culture + VCR | +91.1 | 0 | +228.4 | −137.3 (VCR raises secretion, so the pericellular pool) |
//! | co-culture + VCR + AMD3100 | −60.2 | −404.8 | +347.8 | −3.2 |
//!
//! So the paper's fall of CXCR4 under AMD3100 is, in this model, mostly what the 12G5 antibody
//! cannot see (AMD3100 competes with it), not fewer receptors: surface CXCR4 actually rises when
//! AMD3100 keeps CXCL12 from internalising it.

use std::cell::RefCell;

use serde::Serialize;

use crate::condition::{Condition, seed_groups};
use crate::error::{Error, Result};
use crate::ode::N_STATES;
use crate::params::Parameters;
use crate::simulate::{CULTURE_HOURS, Readouts, Tolerances, simulate};

/// The seed paper's published numbers (see [`crate::targets`]).
pub use crate::targets::SEED_TARGETS_TOML;

/// A readout the calibration fits (the three the paper gives group means of): the model predicts
/// all of [`Readouts`]; a study file declares its own readouts (`niche_study::study::Readout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FittedReadout {
    /// CXCR4 MFI ratio.
    Cxcr4Mfi,
    /// CXCL12, ng/mL.
    Cxcl12NgPerMl,
    /// Apoptosis, %.
    ApoptosisPercent,
}

impl FittedReadout {
    /// The three, in the targets file's order.
    pub const ALL: [FittedReadout; 3] =
        [FittedReadout::Cxcr4Mfi, FittedReadout::Cxcl12NgPerMl, FittedReadout::ApoptosisPercent];

    /// The value in a readout set.
    pub fn of(self, r: &Readouts) -> f64 {
        match self {
            FittedReadout::Cxcr4Mfi => r.cxcr4_mfi,
            FittedReadout::Cxcl12NgPerMl => r.cxcl12_ng_per_ml,
            FittedReadout::ApoptosisPercent => r.apoptosis_percent,
        }
    }
    /// The table name in `targets.toml`.
    pub fn table(self) -> &'static str {
        match self {
            FittedReadout::Cxcr4Mfi => "cxcr4_mfi",
            FittedReadout::Cxcl12NgPerMl => "cxcl12_ng",
            FittedReadout::ApoptosisPercent => "apoptosis_percent",
        }
    }
    /// The readout of a table name in `targets.toml`.
    pub fn from_table(table: &str) -> Option<FittedReadout> {
        FittedReadout::ALL.into_iter().find(|r| r.table() == table)
    }
}

/// One published group mean with its SD: a calibration target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The published number's id ([`crate::targets`]): `cxcr4_mfi.coculture.mean`, or the
    /// comparison a target stands for (`cxcl12_ng.coculture_amd.p_vs_coculture`).
    pub id: String,
    /// Group id (`coculture_vcr`, …).
    pub group: String,
    /// Which readout.
    pub readout: FittedReadout,
    /// Published mean.
    pub published: f64,
    /// Published SD.
    pub sd: f64,
    /// How the target was read (`mean ± sd`, or the relation it stands for).
    pub basis: String,
}

/// The numeric targets of the seed paper: every published mean ± SD, and every comparison the
/// paper calls "not different" entered as the reference group's mean ± SD.
pub fn seed_targets() -> Result<Vec<Target>> {
    let seed = crate::targets::seed()?;
    let mut targets: Vec<Target> = Vec::new();
    for m in seed.means() {
        let Some(readout) = FittedReadout::from_table(m.readout) else { continue };
        targets.push(Target {
            id: m.id,
            group: m.group,
            readout,
            published: m.mean,
            sd: m.sd,
            basis: "mean ± SD".into(),
        });
    }
    for c in seed.comparisons().into_iter().filter(|c| c.effect == crate::targets::Effect::NotDifferent) {
        let (Some(readout), Some(reference)) =
            (FittedReadout::from_table(c.readout), seed.mean(c.readout, &c.reference))
        else {
            continue;
        };
        targets.push(Target {
            id: c.id,
            group: c.group,
            readout,
            published: reference.mean,
            sd: reference.sd,
            basis: format!("not different from {} (P = {}): its mean ± SD", c.reference, c.p),
        });
    }
    // The fit's order: readout by readout, groups in the design's order.
    let groups = seed_groups()?;
    let order = |t: &Target| {
        (FittedReadout::ALL.iter().position(|r| *r == t.readout), groups.iter().position(|(g, _)| *g == t.group))
    };
    targets.sort_by_key(order);
    Ok(targets)
}

fn missing(what: &str) -> Error {
    Error::Targets { reason: format!("{what} is missing") }
}

/// The parameters calibration moves, by name, with bounds on the natural scale.
pub const FREE: [(&str, f64, f64); 10] = [
    ("secretion_nm_per_h", 1e-5, 1.0),
    ("secretion_vcr_rise", 1e-3, 100.0),
    ("secretion_contact_free", 1e-3, 1.0),
    ("pericellular_cxcl12_nm", 1e-4, 100.0),
    ("synthesis_vcr_rise", 1e-3, 100.0),
    ("mfi_per_baseline", 1.0, 1e5),
    ("amd_bound_visible", 1e-3, 1.0),
    ("hazard_per_h", 1e-4, 1.0),
    ("hazard_vcr_rise", 1e-3, 100.0),
    ("bax_signal_suppression", 1e-3, 100.0),
];

/// Reads or writes a parameter by name (see [`Parameters::by_name_mut`]).
pub fn free_parameter<'a>(p: &'a mut Parameters, name: &str) -> Option<&'a mut f64> {
    p.by_name_mut(name)
}

/// The 24 h readouts of the five seed groups, in [`seed_groups`] order.
pub fn seed_readouts(p: &Parameters, tolerances: Tolerances) -> Result<Vec<(&'static str, Readouts)>> {
    seed_groups()?
        .iter()
        .map(|(id, c)| {
            let t = simulate(p, c, &[CULTURE_HOURS], tolerances)?;
            Ok((*id, Readouts::of(p, &t.states[0])))
        })
        .collect()
}

/// One target after the fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetFit {
    /// The published number's id ([`Target::id`]).
    pub id: String,
    /// Group id.
    pub group: String,
    /// Which readout.
    pub readout: FittedReadout,
    /// Published mean.
    pub published: f64,
    /// Published SD.
    pub sd: f64,
    /// Model value.
    pub model: f64,
    /// (model − published) / SD.
    pub z_sd: f64,
    /// |model − published| ≤ SD.
    pub within_sd: bool,
    /// How the target was read.
    pub basis: String,
}

/// One direction the paper states, checked on the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectionCheck {
    /// The published relation's id ([`crate::targets`]).
    pub id: String,
    /// What is compared.
    pub claim: String,
    /// Model values (group, reference).
    pub model: (f64, f64),
    /// Whether the model agrees.
    pub pass: bool,
}

/// A calibrated parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Name.
    pub name: &'static str,
    /// Best fit.
    pub value: f64,
    /// 95% CI (from the log-scale fit, transformed back).
    pub ci95: (f64, f64),
    /// SE of ln(value).
    pub se_log: f64,
}

/// The calibration report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Calibrated parameters (all of them).
    #[serde(skip)]
    pub parameters: Parameters,
    /// Per target.
    pub targets: Vec<TargetFit>,
    /// Directions.
    pub directions: Vec<DirectionCheck>,
    /// Free parameters.
    pub estimates: Vec<Estimate>,
    /// Σ ((model − published)/SD)².
    pub chi_square: f64,
    /// Whether every parameter is determined by the targets.
    pub identifiable: bool,
    /// Levenberg–Marquardt iterations.
    pub iterations: usize,
}

/// Fits the free parameters from `start` and reports the fit.
pub fn calibrate(start: &Parameters) -> Result<Calibration> {
    let all: Vec<usize> = (0..FREE.len()).collect();
    let (parameters, fit) = fit_free(start, &seed_targets()?, &all)?;
    report(parameters, &fit)
}

/// Weighted least squares of `targets` over the parameters `free` (indices into [`FREE`], fitted
/// on the log scale within FREE's bounds); every other parameter keeps its value in `start`.
/// Returns the fitted parameters and the fit (its `params` are the ln values of `free`, in order).
pub fn fit_free(start: &Parameters, targets: &[Target], free: &[usize]) -> Result<(Parameters, niche_stats::nls::Fit)> {
    let fit = least_squares(start, targets, free, |model, x, y, w, initial, bounds, options| {
        niche_stats::nls::fit(model, x, y, w, initial, bounds, options)
    })?;
    Ok((with_values(start, free, &fit.params), fit))
}

/// [`fit_free`] without the standard errors: the same parameters and the same χ² (the weighted
/// sum of squares), without the Jacobian at the optimum that only the covariance needs, which
/// costs as much as another iteration. Validation refits many times and uses the estimates only.
pub fn refit_free(start: &Parameters, targets: &[Target], free: &[usize]) -> Result<(Parameters, f64)> {
    let minimum = least_squares(start, targets, free, |model, x, y, w, initial, bounds, options| {
        niche_stats::nls::minimise(model, x, y, w, initial, bounds, options)
    })?;
    Ok((with_values(start, free, &minimum.params), minimum.sum_of_squares))
}

/// One group's recent 24 h states, by their [`Parameters::dynamics`], most recent last.
type KeptStates = Vec<(Parameters, [f64; N_STATES])>;

/// The model one Levenberg–Marquardt call fits: target `x` (its index) at ln values `θ` of `free`.
type TargetModel<'a> = &'a dyn Fn(f64, &[f64]) -> f64;

/// Runs `method` (a [`niche_stats::nls`] fit) on the weighted least-squares problem of
/// [`fit_free`]: targets by index, weights 1/SD², the ln values of `free` from `start`, FREE's
/// bounds.
///
/// Every evaluation simulates all groups, and the method asks for one target at a time: the
/// readouts of recent parameter vectors are kept. The Jacobian shifts each parameter up and down
/// (2·|free| vectors), and the point it is taken at is asked for again right after it (the
/// residuals of the normal equations), so the cache holds 2·|free| + 2 vectors: that point is
/// never simulated twice. Each group's states are kept too, by their [`Parameters::dynamics`]: a
/// shift of a parameter that cannot move that group's trajectory (one only the readouts read, or
/// one of VCR's effects in a well without VCR) reads the state of the point the Jacobian is taken
/// at again instead of solving the same equations. Each simulation is deterministic, so a kept
/// readout or state is the one a new simulation would give.
fn least_squares<R>(
    start: &Parameters,
    targets: &[Target],
    free: &[usize],
    method: impl FnOnce(
        TargetModel<'_>,
        &[f64],
        &[f64],
        Option<&[f64]>,
        &[f64],
        Option<&[(f64, f64)]>,
        niche_stats::nls::Options,
    ) -> niche_stats::Result<R>,
) -> Result<R> {
    let tolerances = Tolerances { rtol: 1e-10, atol_scale: 1e-12 };
    let groups = seed_groups()?;
    let group_index = |g: &str| groups.iter().position(|(id, _)| *id == g).unwrap_or(0);
    let capacity = 2 * free.len() + 2;
    let cache: RefCell<Vec<(Vec<f64>, Vec<Readouts>)>> = RefCell::new(Vec::with_capacity(capacity));
    let states: RefCell<Vec<KeptStates>> = RefCell::new(vec![Vec::new(); groups.len()]);
    let failed = RefCell::new(None::<Error>);
    let model = |x: f64, theta: &[f64]| -> f64 {
        let target = &targets[x as usize];
        let mut cache = cache.borrow_mut();
        if let Some((_, r)) = cache.iter().find(|(t, _)| t.as_slice() == theta) {
            return target.readout.of(&r[group_index(&target.group)]);
        }
        let p = with_values(start, free, theta);
        let mut states = states.borrow_mut();
        let mut readouts = Vec::with_capacity(groups.len());
        for ((_, condition), kept) in groups.iter().zip(states.iter_mut()) {
            let dynamics = p.dynamics(condition);
            let state = match kept.iter().find(|(d, _)| d.same_bits(&dynamics)) {
                Some(&(_, y)) => y,
                None => match simulate(&p, condition, &[CULTURE_HOURS], tolerances) {
                    Ok(t) => {
                        if kept.len() == capacity {
                            kept.remove(0);
                        }
                        kept.push((dynamics, t.states[0]));
                        t.states[0]
                    }
                    Err(e) => {
                        failed.borrow_mut().get_or_insert(e);
                        return f64::NAN;
                    }
                },
            };
            readouts.push(Readouts::of(&p, &state));
        }
        let value = target.readout.of(&readouts[group_index(&target.group)]);
        if cache.len() == capacity {
            cache.remove(0);
        }
        cache.push((theta.to_vec(), readouts));
        value
    };
    let x: Vec<f64> = (0..targets.len()).map(|i| i as f64).collect();
    let y: Vec<f64> = targets.iter().map(|t| t.published).collect();
    let w: Vec<f64> = targets.iter().map(|t| 1.0 / (t.sd * t.sd)).collect();
    let initial: Vec<f64> = free.iter().map(|&k| start.by_name(FREE[k].0).map_or(0.0, f64::ln)).collect();
    let bounds: Vec<(f64, f64)> = free.iter().map(|&k| (FREE[k].1.ln(), FREE[k].2.ln())).collect();
    let options = niche_stats::nls::Options { max_iterations: 300, tolerance: 1e-6 };
    let fit = method(&model, &x, &y, Some(&w), &initial, Some(&bounds), options);
    if let Some(e) = failed.into_inner() {
        return Err(e);
    }
    Ok(fit?)
}

/// `base` with the parameters `free` (indices into [`FREE`]) set to `exp(log_values)`.
fn with_values(base: &Parameters, free: &[usize], log_values: &[f64]) -> Parameters {
    let mut p = *base;
    for (&k, &v) in free.iter().zip(log_values) {
        if let Some(slot) = free_parameter(&mut p, FREE[k].0) {
            *slot = v.exp();
        }
    }
    p
}

/// `Σ ((model − published)/SD)²` of `targets` at `p`.
pub fn chi_square(p: &Parameters, targets: &[Target]) -> Result<f64> {
    let readouts = seed_readouts(p, Tolerances { rtol: 1e-10, atol_scale: 1e-12 })?;
    targets
        .iter()
        .map(|t| {
            let r = readouts.iter().find(|(g, _)| *g == t.group).ok_or_else(|| missing(&t.group))?;
            Ok(((t.readout.of(&r.1) - t.published) / t.sd).powi(2))
        })
        .sum()
}

fn report(parameters: Parameters, fit: &niche_stats::nls::Fit) -> Result<Calibration> {
    let readouts = seed_readouts(&parameters, Tolerances::default())?;
    let get = |g: &str| readouts.iter().find(|(id, _)| *id == g).map(|(_, r)| *r).ok_or_else(|| missing(g));
    let mut targets = Vec::new();
    let mut chi_square = 0.0;
    for t in seed_targets()? {
        let model = t.readout.of(&get(&t.group)?);
        chi_square += ((model - t.published) / t.sd).powi(2);
        targets.push(TargetFit {
            id: t.id,
            z_sd: (model - t.published) / t.sd,
            within_sd: (model - t.published).abs() <= t.sd,
            group: t.group,
            readout: t.readout,
            published: t.published,
            sd: t.sd,
            model,
            basis: t.basis,
        });
    }
    let directions = directions(&readouts)?;
    let estimates = FREE
        .iter()
        .zip(fit.params.iter().zip(&fit.standard_errors).zip(&fit.ci95))
        .map(|((name, _, _), ((&v, &se), &(lo, hi)))| Estimate {
            name,
            value: v.exp(),
            ci95: (lo.exp(), hi.exp()),
            se_log: se,
        })
        .collect();
    Ok(Calibration {
        parameters,
        targets,
        directions,
        estimates,
        chi_square,
        identifiable: fit.identifiable,
        iterations: fit.iterations,
    })
}

/// Relative change below which a band (or a group mean) counts as unchanged, and above which it
/// counts as up or down, on the model's noise-free values: 10 %, about the precision of a
/// Western blot.
pub const BLOT_UNCHANGED: f64 = 0.10;

/// The relations the paper states that calibration does not fit, checked on the model's
/// noise-free readouts: every blot direction (beyond [`BLOT_UNCHANGED`]), the sign of every
/// published comparison (a rise the paper calls "increased" must exceed the reference's
/// published SD), and every "undetectable" (below 10⁻⁶).
pub fn directions(readouts: &[(&'static str, Readouts)]) -> Result<Vec<DirectionCheck>> {
    let seed = crate::targets::seed()?;
    let get = |g: &str| readouts.iter().find(|(id, _)| *id == g).map(|(_, r)| *r).ok_or_else(|| missing(g));
    let mut checks = Vec::new();
    for d in seed.directions() {
        let of = |r: &Readouts| if d.protein == "bax" { r.bax } else { r.bcl2 };
        let (a, b) = (of(&get(&d.group)?), of(&get(&d.reference)?));
        let pass = match d.direction {
            crate::targets::Direction::Up => a > b * (1.0 + BLOT_UNCHANGED),
            crate::targets::Direction::Down => a < b * (1.0 - BLOT_UNCHANGED),
            crate::targets::Direction::Unchanged => (a / b - 1.0).abs() < BLOT_UNCHANGED,
        };
        checks.push(DirectionCheck { id: d.id, claim: format!("{} {}", d.protein, d.direction), model: (a, b), pass });
    }
    for c in seed.comparisons().into_iter().filter(|c| c.sign != 0) {
        let Some(readout) = FittedReadout::from_table(c.readout) else { continue };
        let (a, b) = (readout.of(&get(&c.group)?), readout.of(&get(&c.reference)?));
        let margin = match c.effect {
            crate::targets::Effect::Increased => seed.mean(c.readout, &c.reference).map_or(0.0, |m| m.sd),
            _ => 0.0,
        };
        let pass = f64::from(c.sign) * (a - b) > margin;
        let claim = if c.sign > 0 { "higher" } else { "lower" };
        checks.push(DirectionCheck { id: c.id, claim: format!("{claim} than {}", c.reference), model: (a, b), pass });
    }
    for u in seed.undetectable() {
        let Some(readout) = FittedReadout::from_table(u.readout) else { continue };
        let a = readout.of(&get(&u.group)?);
        checks.push(DirectionCheck { id: u.id, claim: "undetectable".into(), model: (a, 0.0), pass: a < 1e-6 });
    }
    Ok(checks)
}

/// The report for given parameters without fitting (SEs unknown).
pub fn evaluate(parameters: &Parameters) -> Result<Calibration> {
    let n = FREE.len();
    let params: Vec<f64> = FREE.iter().map(|(name, _, _)| parameters.by_name(name).map_or(0.0, f64::ln)).collect();
    let fit = niche_stats::nls::Fit {
        params: params.clone(),
        standard_errors: vec![f64::NAN; n],
        ci95: params.iter().map(|&v| (v, v)).collect(),
        sum_of_squares: f64::NAN,
        df: 0,
        r_squared: f64::NAN,
        iterations: 0,
        covariance: vec![f64::NAN; n * n],
        identifiable: true,
    };
    report(*parameters, &fit)
}

/// Conditions by seed group id.
pub fn seed_condition(group: &str) -> Option<Condition> {
    crate::targets::seed().ok()?.group(group).map(|g| g.condition())
}

/// How a group's CXCR4 MFI differs from blasts alone, split by counterfactual runs:
/// `masking` = MFI − MFI with AMD3100-bound receptors fully visible to 12G5;
/// `synthesis` = that − the same without VCR's rise in receptor synthesis;
/// `trafficking` = the rest (ligand-induced internalisation, and AMD3100 shielding receptors from
/// it). The three add up to `total` exactly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MfiChange {
    /// Group id.
    pub group: &'static str,
    /// MFI − MFI of blasts alone.
    pub total: f64,
    /// Part due to 12G5 not seeing AMD3100-bound CXCR4.
    pub masking: f64,
    /// Part due to VCR raising CXCR4 synthesis.
    pub synthesis: f64,
    /// Part due to internalisation and recycling (CXCL12-driven, or prevented by AMD3100).
    pub trafficking: f64,
}

/// [`MfiChange`] for every seed group.
pub fn mfi_decomposition(p: &Parameters) -> Result<Vec<MfiChange>> {
    let t = Tolerances::default();
    let actual = seed_readouts(p, t)?;
    let unmasked = Parameters { amd_bound_visible: 1.0, ..*p };
    let visible = seed_readouts(&unmasked, t)?;
    let constant = seed_readouts(&Parameters { synthesis_vcr_rise: 0.0, ..unmasked }, t)?;
    let alone = actual[0].1.cxcr4_mfi;
    Ok(actual
        .iter()
        .zip(&visible)
        .zip(&constant)
        .map(|(((group, a), (_, v)), (_, c))| MfiChange {
            group,
            total: a.cxcr4_mfi - alone,
            masking: a.cxcr4_mfi - v.cxcr4_mfi,
            synthesis: v.cxcr4_mfi - c.cxcr4_mfi,
            trafficking: c.cxcr4_mfi - alone,
        })
        .collect())
}
