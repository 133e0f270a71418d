//! How well does the model predict? What it was not fitted to, which parameters the data
//! determine, and whether the data need the mechanism at all.
//!
//! - **Leave-one-out** ([`leave_one_out`]): each calibration target is dropped in turn, the free
//!   parameters refitted to the others (warm start from the full fit), and the dropped target
//!   predicted: `z = (prediction − published)/SD`, also in SEMs. The relations calibration never
//!   fits (blot directions, comparison signs, "undetectable") are checked on every such fit.
//! - **Profile likelihood** ([`profile`]; Raue et al. 2009, Bioinformatics 25:1923): one free
//!   parameter is fixed on a grid of ln values around its estimate (steps of 0.25, at most ×20 each
//!   way, within its calibration bounds) and the others refitted; its 95 % interval is where
//!   `χ²(θ_k) − χ²_min` stays under 3.84 (χ², 1 df). Bounded on both sides: identifiable; on one:
//!   one-sided; on neither: flat.
//! - **An alternative mechanism**: [`Parameters::cxcr4_protection`] = 0 makes the MSCs protect
//!   through a route AMD3100 does not touch, calibrated to the same targets from the same start.
//!   Both fits are compared by χ², AIC = χ² + 2k and BIC = χ² + k·ln n (Gaussian errors with the
//!   published SDs, so −2 ln L = χ² + const) and by their leave-one-out errors.

use rayon::prelude::*;
use serde::Serialize;

use crate::calibrate::{FREE, FittedReadout, Target, chi_square, directions, refit_free, seed_readouts, seed_targets};
use crate::error::Result;
use crate::params::Parameters;
use crate::simulate::Tolerances;

/// Δχ² of a 95 % profile-likelihood interval (χ² quantile, 1 df).
pub const PROFILE_THRESHOLD: f64 = 3.841_458_820_694_124;

/// Step of the profile grid, in ln units.
const PROFILE_STEP: f64 = 0.25;
/// Steps each way (0.25 × 12 = ln 20).
const PROFILE_STEPS: usize = 12;

/// One calibration target, fitted and predicted when left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetValidation {
    /// The target's id.
    pub id: String,
    /// Group.
    pub group: String,
    /// Which readout.
    pub readout: FittedReadout,
    /// Published mean.
    pub published: f64,
    /// Published SD.
    pub sd: f64,
    /// The full fit's value.
    pub fitted: f64,
    /// The value predicted by the fit without this target.
    pub loo_prediction: f64,
    /// `(loo_prediction − published) / SD`.
    pub z: f64,
    /// `(loo_prediction − published) / SEM`, SEM = SD/√n.
    pub z_sem: f64,
}

/// A relation calibration does not fit, over the leave-one-out fits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelationHeldBack {
    /// The relation's id.
    pub id: String,
    /// What it says.
    pub claim: String,
    /// Whether the full fit shows it.
    pub full_fit: bool,
    /// In how many leave-one-out fits it holds.
    pub holds_in: usize,
    /// Leave-one-out fits.
    pub of: usize,
}

/// How far the data determine a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identifiability {
    /// The profile crosses the threshold on both sides.
    Bounded,
    /// On one side only.
    OneSided,
    /// On neither side within the grid.
    Flat,
}

/// A parameter's profile likelihood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterProfile {
    /// Parameter name.
    pub name: &'static str,
    /// Best-fit value.
    pub estimate: f64,
    /// Lower end of the 95 % interval (none: not reached within the grid or bounds).
    pub profile_low: Option<f64>,
    /// Upper end.
    pub profile_high: Option<f64>,
    /// Bounded, one-sided or flat.
    pub identifiable: Identifiability,
    /// (value, χ² − χ²_min) along the profile, increasing value.
    pub points: Vec<(f64, f64)>,
}

/// One mechanism's fit to the targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFit {
    /// `cxcr4` (the paper's mechanism) or `cxcr4_independent`.
    pub name: &'static str,
    /// What the mechanism says.
    pub description: &'static str,
    /// χ² at the best fit.
    pub chi2: f64,
    /// Free parameters.
    pub k: usize,
    /// Targets.
    pub n: usize,
    /// χ² + 2k.
    pub aic: f64,
    /// χ² + k·ln n.
    pub bic: f64,
    /// Median |z| (in SDs) of the leave-one-out predictions.
    pub loo_median_abs_z: f64,
    /// The relations calibration does not fit, at this mechanism's best fit: (id, holds).
    pub relations: Vec<(String, bool)>,
    /// The fitted parameters.
    #[serde(skip)]
    pub parameters: Parameters,
}

/// Everything `niche model validate` computes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    /// The paper's mechanism, target by target.
    pub targets: Vec<TargetValidation>,
    /// Relations over the leave-one-out fits of the paper's mechanism.
    pub relations: Vec<RelationHeldBack>,
    /// Profiles of the free parameters.
    pub parameters: Vec<ParameterProfile>,
    /// Both mechanisms.
    pub models: Vec<ModelFit>,
    /// Whether the paper's numbers tell the mechanisms apart, in words.
    pub verdict: String,
    /// Replicates per group behind the SEMs.
    pub n_per_group: usize,
}

/// Leave-one-out over `targets`: for each, the refit without it (from `best`, over `free`) and
/// its prediction; returns (prediction, the refit's parameters) per target.
pub fn leave_one_out(best: &Parameters, targets: &[Target], free: &[usize]) -> Result<Vec<(f64, Parameters)>> {
    (0..targets.len())
        .into_par_iter()
        .map(|i| {
            let others: Vec<Target> =
                targets.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, t)| t.clone()).collect();
            let (p, _) = refit_free(best, &others, free)?;
            Ok((value_of(&p, &targets[i])?, p))
        })
        .collect()
}

/// The model's value of a target at `p`.
fn value_of(p: &Parameters, t: &Target) -> Result<f64> {
    let readouts = seed_readouts(p, Tolerances { rtol: 1e-10, atol_scale: 1e-12 })?;
    Ok(readouts.iter().find(|(g, _)| *g == t.group).map_or(f64::NAN, |(_, r)| t.readout.of(r)))
}

/// The profile likelihood of free parameter `k` (an index into [`FREE`], one of `free`) around
/// `best`, whose χ² is `best_chi2`.
pub fn profile(best: &Parameters, targets: &[Target], free: &[usize], k: usize, best_chi2: f64) -> ParameterProfile {
    let (name, _, _) = FREE[k];
    let estimate = best.by_name(name).unwrap_or(f64::NAN);
    let others: Vec<usize> = free.iter().copied().filter(|&j| j != k).collect();
    // both sides start from the best fit and need nothing of each other: they run side by side,
    // which halves the longest chain of refits the validation waits for
    let side = |direction: f64| profile_side(best, targets, &others, k, best_chi2, direction);
    let ((low, low_end), (high, high_end)) = rayon::join(|| side(-1.0), || side(1.0));
    let mut points = vec![(estimate, 0.0)];
    points.extend(low);
    points.extend(high);
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let identifiable = match (low_end, high_end) {
        (Some(_), Some(_)) => Identifiability::Bounded,
        (None, None) => Identifiability::Flat,
        _ => Identifiability::OneSided,
    };
    ParameterProfile { name, estimate, profile_low: low_end, profile_high: high_end, identifiable, points }
}

/// One side of [`profile`] (`direction` −1: down, +1: up): parameter `k` fixed at steps of
/// [`PROFILE_STEP`] in ln value from its estimate in `best`, the parameters `others` refitted at
/// each from the previous step's fit, until `Δχ²` passes [`PROFILE_THRESHOLD`] (the interval's
/// end, interpolated in ln value), a bound or [`PROFILE_STEPS`] is reached, or a refit fails.
/// Returns the points (value, Δχ²) and the end, if reached.
fn profile_side(
    best: &Parameters,
    targets: &[Target],
    others: &[usize],
    k: usize,
    best_chi2: f64,
    direction: f64,
) -> (Vec<(f64, f64)>, Option<f64>) {
    let (name, lo, hi) = FREE[k];
    let estimate = best.by_name(name).unwrap_or(f64::NAN);
    let mut points = Vec::new();
    let mut warm = *best;
    let mut previous = (estimate, 0.0);
    for step in 1..=PROFILE_STEPS {
        let value = estimate * (direction * PROFILE_STEP * step as f64).exp();
        if value < lo || value > hi {
            break;
        }
        if let Some(slot) = warm.by_name_mut(name) {
            *slot = value;
        }
        // a refit that fails ends this side of the profile (its end stays open)
        let Ok((fitted, chi2)) = refit_free(&warm, targets, others) else { break };
        warm = fitted;
        let delta = chi2 - best_chi2;
        points.push((value, delta));
        if delta > PROFILE_THRESHOLD {
            // linear interpolation in ln value between the last two points
            let (v0, d0) = previous;
            let t = (PROFILE_THRESHOLD - d0) / (delta - d0);
            return (points, Some((v0.ln() + t * (value.ln() - v0.ln())).exp()));
        }
        previous = (value, delta);
    }
    (points, None)
}

fn median_abs(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.map(f64::abs).filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

/// A mechanism calibrated to the targets from the literature start, with its leave-one-out.
fn mechanism(
    name: &'static str,
    description: &'static str,
    start: Parameters,
    targets: &[Target],
) -> Result<(ModelFit, Vec<(f64, Parameters)>)> {
    let free: Vec<usize> = (0..FREE.len()).collect();
    let (best, _) = refit_free(&start, targets, &free)?;
    let chi2 = chi_square(&best, targets)?;
    let loo = leave_one_out(&best, targets, &free)?;
    let (k, n) = (free.len(), targets.len());
    let relations =
        directions(&seed_readouts(&best, Tolerances::default())?)?.into_iter().map(|d| (d.id, d.pass)).collect();
    let fit = ModelFit {
        name,
        description,
        chi2,
        k,
        n,
        aic: chi2 + 2.0 * k as f64,
        bic: chi2 + k as f64 * (n as f64).ln(),
        loo_median_abs_z: median_abs(loo.iter().zip(targets).map(|((v, _), t)| (v - t.published) / t.sd)),
        relations,
        parameters: best,
    };
    Ok((fit, loo))
}

/// The whole validation on the seed targets; SEMs with `n_per_group` replicates.
pub fn validate(n_per_group: usize) -> Result<Validation> {
    let targets = seed_targets()?;
    let paper = Parameters::literature();
    let alternative = Parameters { cxcr4_protection: 0.0, ..Parameters::literature() };
    let (main, alt) = rayon::join(
        || mechanism("cxcr4", "MSC contact protects through CXCR4 (the paper's conclusion)", paper, &targets),
        || {
            mechanism(
                "cxcr4_independent",
                "MSC contact protects through a route AMD3100 does not touch; AMD3100 acts on the antibody, \
                 internalisation and CXCR4-mediated adhesion only",
                alternative,
                &targets,
            )
        },
    );
    let (main, loo) = main?;
    let (alt, _) = alt?;
    let best = main.parameters;
    let rows = seed_readouts(&best, Tolerances::default())?;
    let sem = |sd: f64| sd / (n_per_group.max(1) as f64).sqrt();
    let target_rows = targets
        .iter()
        .zip(&loo)
        .map(|(t, (prediction, _))| {
            let fitted = rows.iter().find(|(g, _)| *g == t.group).map_or(f64::NAN, |(_, r)| t.readout.of(r));
            TargetValidation {
                id: t.id.clone(),
                group: t.group.clone(),
                readout: t.readout,
                published: t.published,
                sd: t.sd,
                fitted,
                loo_prediction: *prediction,
                z: (prediction - t.published) / t.sd,
                z_sem: (prediction - t.published) / sem(t.sd),
            }
        })
        .collect();
    let full = directions(&rows)?;
    let per_fit: Vec<Vec<bool>> = loo
        .iter()
        .map(|(_, p)| Ok(directions(&seed_readouts(p, Tolerances::default())?)?.into_iter().map(|d| d.pass).collect()))
        .collect::<Result<_>>()?;
    let relations = full
        .into_iter()
        .enumerate()
        .map(|(i, d)| RelationHeldBack {
            holds_in: per_fit.iter().filter(|f| f.get(i).copied().unwrap_or(false)).count(),
            of: per_fit.len(),
            id: d.id,
            claim: d.claim,
            full_fit: d.pass,
        })
        .collect();
    let free: Vec<usize> = (0..FREE.len()).collect();
    let parameters = free.par_iter().map(|&k| profile(&best, &targets, &free, k, main.chi2)).collect();
    let verdict = verdict(&main, &alt);
    Ok(Validation { targets: target_rows, relations, parameters, models: vec![main, alt], verdict, n_per_group })
}

/// Whether the fits tell the mechanisms apart: ΔAIC (Burnham & Anderson: < 2 no support for either,
/// 4–7 considerably less, > 10 essentially none) and the relations neither was fitted to.
fn verdict(main: &ModelFit, alt: &ModelFit) -> String {
    let delta = alt.aic - main.aic;
    let means = if delta.abs() < 2.0 {
        format!("the published means do not tell the two mechanisms apart (ΔAIC {delta:+.2})")
    } else if delta > 0.0 {
        format!("the published means favour protection through CXCR4 (ΔAIC {delta:+.2} for the alternative)")
    } else {
        format!("the published means favour the CXCR4-independent route (ΔAIC {delta:+.2} for it)")
    };
    let differ: Vec<String> = main
        .relations
        .iter()
        .zip(&alt.relations)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((id, a), (_, b))| format!("{id} ({} with CXCR4, {} without)", holds(*a), holds(*b)))
        .collect();
    if differ.is_empty() {
        format!("{means}; the relations neither was fitted to hold or fail alike.")
    } else {
        format!("{means}; the relations neither was fitted to that differ: {}.", differ.join("; "))
    }
}

fn holds(b: bool) -> &'static str {
    if b { "holds" } else { "fails" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::{fit_free, seed_targets};

    /// Targets made by the model itself at `truth`, with the seed's SDs.
    fn synthetic(truth: &Parameters, keep: impl Fn(&Target) -> bool) -> Vec<Target> {
        let rows = seed_readouts(truth, Tolerances { rtol: 1e-10, atol_scale: 1e-12 }).unwrap();
        seed_targets()
            .unwrap()
            .into_iter()
            .filter(|t| keep(t))
            .map(|t| {
                let value = rows.iter().find(|(g, _)| *g == t.group).map(|(_, r)| t.readout.of(r)).unwrap();
                Target { published: value, ..t }
            })
            .collect()
    }

    #[test]
    fn leave_one_out_recovers_data_the_model_made() {
        // truth: the calibrated parameters moved by known factors; fitted from the defaults
        let truth = Parameters {
            secretion_nm_per_h: Parameters::default().secretion_nm_per_h * 1.3,
            hazard_per_h: Parameters::default().hazard_per_h * 0.8,
            ..Parameters::default()
        };
        let targets = synthetic(&truth, |_| true);
        // two free parameters, eleven other targets pin them: each left-out target is predicted
        let free = [0, 7];
        let (best, fit) = fit_free(&Parameters::default(), &targets, &free).unwrap();
        assert!(fit.sum_of_squares < 1e-8, "χ² {}", fit.sum_of_squares);
        assert!((best.secretion_nm_per_h / truth.secretion_nm_per_h - 1.0).abs() < 1e-4);
        for ((prediction, _), t) in leave_one_out(&best, &targets, &free).unwrap().iter().zip(&targets) {
            assert!(((prediction - t.published) / t.sd).abs() < 1e-3, "{}: {prediction} vs {}", t.id, t.published);
        }
    }

    #[test]
    fn a_parameter_the_data_cannot_see_has_a_flat_profile() {
        // without the VCR + AMD3100 group, nothing depends on how much of VCR's rise in secretion
        // needs CXCR4-mediated contact (secretion_contact_free)
        let targets = synthetic(&Parameters::default(), |t| t.group != "coculture_vcr_amd");
        let free = [0, 1, 2];
        let chi2 = chi_square(&Parameters::default(), &targets).unwrap();
        let flat = profile(&Parameters::default(), &targets, &free, 2, chi2);
        assert_eq!(flat.identifiable, Identifiability::Flat, "{:?}", flat.points);
        // while the secretion rate itself is pinned by the co-culture's CXCL12
        let bounded = profile(&Parameters::default(), &targets, &free, 0, chi2);
        assert_eq!(bounded.identifiable, Identifiability::Bounded, "{:?}", bounded.points);
        let (lo, hi) = (bounded.profile_low.unwrap(), bounded.profile_high.unwrap());
        assert!(lo < bounded.estimate && bounded.estimate < hi);
    }
}
