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
use crate::params::Parameters;
use crate::simulate::{CULTURE_HOURS, Readouts, Tolerances, simulate};

/// The seed paper's published numbers (a copy of `../shared/seed/targets.toml`).
pub const SEED_TARGETS_TOML: &str = include_str!("../data/seed_targets.toml");

/// A readout the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readout {
    /// CXCR4 MFI ratio.
    Cxcr4Mfi,
    /// CXCL12, ng/mL.
    Cxcl12NgPerMl,
    /// Apoptosis, %.
    ApoptosisPercent,
}

impl Readout {
    /// The value in a readout set.
    pub fn of(self, r: &Readouts) -> f64 {
        match self {
            Readout::Cxcr4Mfi => r.cxcr4_mfi,
            Readout::Cxcl12NgPerMl => r.cxcl12_ng_per_ml,
            Readout::ApoptosisPercent => r.apoptosis_percent,
        }
    }
    /// The table name in `targets.toml`.
    pub fn table(self) -> &'static str {
        match self {
            Readout::Cxcr4Mfi => "cxcr4_mfi",
            Readout::Cxcl12NgPerMl => "cxcl12_ng",
            Readout::ApoptosisPercent => "apoptosis_percent",
        }
    }
}

/// One published group mean with its SD.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Group id (`coculture_vcr`, …).
    pub group: String,
    /// Readout.
    pub readout: Readout,
    /// Published mean.
    pub published: f64,
    /// Published SD.
    pub sd: f64,
    /// How the target was read (`mean ± sd`, or the relation it stands for).
    pub basis: String,
}

/// The numeric targets of the seed paper.
pub fn seed_targets() -> Result<Vec<Target>> {
    let doc: toml::Table =
        SEED_TARGETS_TOML.parse().map_err(|e: toml::de::Error| Error::Targets { reason: e.to_string() })?;
    let results = doc.get("results").and_then(|v| v.as_table()).ok_or_else(|| missing("[results]"))?;
    let mut targets = Vec::new();
    for readout in [Readout::Cxcr4Mfi, Readout::Cxcl12NgPerMl, Readout::ApoptosisPercent] {
        let table = results.get(readout.table()).and_then(|v| v.as_table()).ok_or_else(|| missing(readout.table()))?;
        for (group, _) in seed_groups() {
            let Some(entry) = table.get(group).and_then(|v| v.as_table()) else { continue };
            let number = |key: &str| entry.get(key).and_then(|v| v.as_float());
            if let (Some(mean), Some(sd)) = (number("mean"), number("sd")) {
                targets.push(Target { group: group.into(), readout, published: mean, sd, basis: "mean ± SD".into() });
            } else if readout == Readout::Cxcl12NgPerMl
                && entry.get("relation").and_then(|v| v.as_str()).is_some_and(|r| r.starts_with("not different"))
            {
                // "AMD3100 alone leaves CXCL12 unchanged": the co-culture's mean and SD.
                let co =
                    table.get("coculture").and_then(|v| v.as_table()).ok_or_else(|| missing("cxcl12_ng.coculture"))?;
                let (mean, sd) = (co.get("mean").and_then(|v| v.as_float()), co.get("sd").and_then(|v| v.as_float()));
                let (Some(mean), Some(sd)) = (mean, sd) else { return Err(missing("cxcl12_ng.coculture mean/sd")) };
                targets.push(Target {
                    group: group.into(),
                    readout,
                    published: mean,
                    sd,
                    basis: "not different from coculture (P = 0.532): the co-culture's mean ± SD".into(),
                });
            }
        }
    }
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

fn with_free(base: &Parameters, log_values: &[f64]) -> Parameters {
    let mut p = *base;
    for ((name, _, _), &v) in FREE.iter().zip(log_values) {
        if let Some(slot) = free_parameter(&mut p, name) {
            *slot = v.exp();
        }
    }
    p
}

/// The 24 h readouts of the five seed groups, in [`seed_groups`] order.
pub fn seed_readouts(p: &Parameters, tolerances: Tolerances) -> Result<Vec<(&'static str, Readouts)>> {
    seed_groups()
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
    /// Group id.
    pub group: String,
    /// Readout.
    pub readout: Readout,
    /// Published mean.
    pub published: f64,
    /// Published SD.
    pub sd: f64,
    /// Model value.
    pub model: f64,
    /// |model − published| ≤ SD.
    pub within_sd: bool,
    /// How the target was read.
    pub basis: String,
}

/// One direction the paper states, checked on the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectionCheck {
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
    let targets = seed_targets()?;
    let tolerances = Tolerances { rtol: 1e-10, atol_scale: 1e-12 };
    let group_index = |g: &str| seed_groups().iter().position(|(id, _)| *id == g).unwrap_or(0);
    // The Jacobian asks for every target at each shifted parameter vector: cache the last few.
    let cache: RefCell<Vec<(Vec<f64>, Vec<Readouts>)>> = RefCell::new(Vec::new());
    let failed = RefCell::new(None::<Error>);
    let model = |x: f64, theta: &[f64]| -> f64 {
        let target = &targets[x as usize];
        let mut cache = cache.borrow_mut();
        if let Some((_, r)) = cache.iter().find(|(t, _)| t.as_slice() == theta) {
            return target.readout.of(&r[group_index(&target.group)]);
        }
        let readouts = match seed_readouts(&with_free(start, theta), tolerances) {
            Ok(r) => r.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            Err(e) => {
                failed.borrow_mut().get_or_insert(e);
                return f64::NAN;
            }
        };
        let value = target.readout.of(&readouts[group_index(&target.group)]);
        if cache.len() == 4 {
            cache.remove(0);
        }
        cache.push((theta.to_vec(), readouts));
        value
    };
    let x: Vec<f64> = (0..targets.len()).map(|i| i as f64).collect();
    let y: Vec<f64> = targets.iter().map(|t| t.published).collect();
    let w: Vec<f64> = targets.iter().map(|t| 1.0 / (t.sd * t.sd)).collect();
    let mut start_copy = *start;
    let initial: Vec<f64> =
        FREE.iter().map(|(n, _, _)| free_parameter(&mut start_copy, n).map_or(0.0, |v| v.ln())).collect();
    let bounds: Vec<(f64, f64)> = FREE.iter().map(|&(_, lo, hi)| (lo.ln(), hi.ln())).collect();
    let options = niche_stats::nls::Options { max_iterations: 300, tolerance: 1e-6 };
    let fit = niche_stats::nls::fit(model, &x, &y, Some(&w), &initial, Some(&bounds), options);
    if let Some(e) = failed.into_inner() {
        return Err(e);
    }
    let fit = fit?;
    let parameters = with_free(start, &fit.params);
    report(parameters, &fit)
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
            within_sd: (model - t.published).abs() <= t.sd,
            group: t.group,
            readout: t.readout,
            published: t.published,
            sd: t.sd,
            model,
            basis: t.basis,
        });
    }
    let directions = directions(
        &get("all_alone")?,
        &get("coculture")?,
        &get("coculture_amd")?,
        &get("coculture_vcr")?,
        &get("coculture_vcr_amd")?,
    );
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
/// counts as up or down: 10 %, about the precision of a Western blot.
pub const BLOT_UNCHANGED: f64 = 0.10;

fn directions(
    all: &Readouts,
    co: &Readouts,
    amd: &Readouts,
    vcr: &Readouts,
    vcr_amd: &Readouts,
) -> Vec<DirectionCheck> {
    // A blot shows a change when it exceeds its precision: the same 10 % that counts as unchanged.
    let up = |claim: &str, a: f64, b: f64| DirectionCheck {
        claim: claim.into(),
        model: (a, b),
        pass: a > b * (1.0 + BLOT_UNCHANGED),
    };
    let down = |claim: &str, a: f64, b: f64| DirectionCheck {
        claim: claim.into(),
        model: (a, b),
        pass: a < b * (1.0 - BLOT_UNCHANGED),
    };
    let same = |claim: &str, a: f64, b: f64| DirectionCheck {
        claim: claim.into(),
        model: (a, b),
        pass: (a / b - 1.0).abs() < BLOT_UNCHANGED,
    };
    // Apoptosis differences are statistical claims (P = 0.0079, n = 5): a rise counts when it
    // exceeds the co-culture's published SD (3.41 points).
    let apoptosis_up =
        |claim: &str, a: f64, b: f64| DirectionCheck { claim: claim.into(), model: (a, b), pass: a - b > 3.41 };
    vec![
        apoptosis_up("apoptosis: coculture_amd > coculture (Fig 3B)", amd.apoptosis_percent, co.apoptosis_percent),
        down("apoptosis: coculture < all_alone (Fig 3B)", co.apoptosis_percent, all.apoptosis_percent),
        down("Bax: coculture < all_alone (Fig 3C)", co.bax, all.bax),
        up("Bcl-2: coculture > all_alone (Fig 3C)", co.bcl2, all.bcl2),
        up("Bax: coculture_vcr > coculture (Fig 3C)", vcr.bax, co.bax),
        down("Bcl-2: coculture_vcr < coculture (Fig 3C)", vcr.bcl2, co.bcl2),
        up("Bax: coculture_vcr_amd > coculture_vcr (Fig 3C)", vcr_amd.bax, vcr.bax),
        same("Bcl-2: coculture_vcr_amd unchanged vs coculture_vcr (Fig 3C)", vcr_amd.bcl2, vcr.bcl2),
        DirectionCheck {
            claim: "CXCL12: undetectable without MSCs (Fig 2A)".into(),
            model: (all.cxcl12_ng_per_ml, 0.0),
            pass: all.cxcl12_ng_per_ml < 1e-6,
        },
    ]
}

/// The report for given parameters without fitting (SEs unknown).
pub fn evaluate(parameters: &Parameters) -> Result<Calibration> {
    let n = FREE.len();
    let mut p = *parameters;
    let params: Vec<f64> =
        FREE.iter().map(|(name, _, _)| free_parameter(&mut p, name).map_or(0.0, |v| v.ln())).collect();
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
    seed_groups().iter().find(|(id, _)| *id == group).map(|(_, c)| *c)
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
