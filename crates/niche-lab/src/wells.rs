//! The truth per well: one virtual donor per replicate (shared by all groups, as one patient's
//! cells go into every group of an experiment), simulated for 24 h in every group, plus the
//! well's share of the between-experiment variation the donor model does not explain: the variance
//! function of [`niche_model::residual`], evaluated at the well's condition.
//!
//! Donors and well effects are drawn as the design's `sampling` says ([`niche_model::sampling`]):
//! the typical experiment (Latin hypercube with moment matching across the replicates, per donor
//! parameter and per group × readout, the residual made uncorrelated with the donors' part) or
//! independently.

use niche_model::Parameters;
use niche_model::calibrate::FittedReadout;
use niche_model::donors::Variability;
use niche_model::residual::{BetweenSd, ResidualSd, VarianceFit, VarianceFunction};
use niche_model::sampling::{Sampling, match_moments, normal_scores};
use niche_model::simulate::{CULTURE_HOURS, Readouts, Tolerances, simulate};
use rayon::prelude::*;
use serde::Serialize;

use crate::design::Design;
use crate::error::Result;
use crate::plate_reader;
use crate::rng::Stream;

/// The true state of one well after culture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WellTruth {
    /// Group id.
    pub group: String,
    /// Replicate, 1-based.
    pub replicate: usize,
    /// What the well holds: the donor's model readouts with the well's residual. The instruments
    /// measure these.
    pub readouts: Readouts,
    /// The donor's model readouts alone.
    pub model: Readouts,
    /// The between-experiment SD of each readout at this well's condition (the variance function),
    /// in the readouts' units.
    pub between_sd: BetweenSd,
}

/// The replicate SD each readout's assay adds by itself: the ELISA's (see
/// [`plate_reader::concentration_cv`]); flow medians and percentages from 20,000 events are
/// precise to well under 1 % and count as exact.
pub fn assay_sd(readout: FittedReadout, mean: f64) -> f64 {
    match readout {
        FittedReadout::Cxcl12NgPerMl => mean * plate_reader::concentration_cv(mean),
        FittedReadout::Cxcr4Mfi | FittedReadout::ApoptosisPercent => 0.0,
    }
}

/// The fitted variance structure: donors and the between-experiment variance function.
pub fn variance_structure(p: &Parameters) -> Result<(Variability, VarianceFit)> {
    let (variability, sds) = Variability::fit(p)?;
    Ok((variability, VarianceFunction::fit(p, &sds, assay_sd)?))
}

/// Simulates every group × replicate.
pub fn simulate_wells(design: &Design, seed: u64) -> Result<Vec<WellTruth>> {
    simulate_wells_with(design, seed, &variance_structure(&Parameters::default())?)
}

/// [`simulate_wells`] with a variance structure fitted once ([`variance_structure`]), for callers
/// that run many experiments (replications).
pub fn simulate_wells_with(
    design: &Design,
    seed: u64,
    (variability, variance): &(Variability, VarianceFit),
) -> Result<Vec<WellTruth>> {
    let p = Parameters::default();
    let conditions = design.conditions()?;
    let residuals: Vec<(ResidualSd, BetweenSd)> =
        conditions.par_iter().map(|c| Ok(variance.function.residual(&p, c)?)).collect::<Result<_>>()?;
    let n = design.donors();
    let donors = variability.donors(&p, n, seed, design.sampling);
    let jobs: Vec<(usize, usize)> = (0..design.groups.len()).flat_map(|g| (0..n).map(move |r| (g, r))).collect();
    let models: Vec<Readouts> = jobs
        .par_iter()
        .map(|&(g, r)| {
            let t = simulate(&donors[r], &conditions[g], &[CULTURE_HOURS], Tolerances::default())?;
            Ok(Readouts::of(&donors[r], &t.states[0]))
        })
        .collect::<Result<_>>()?;
    let mut wells = Vec::with_capacity(jobs.len());
    for (g, group) in design.groups.iter().enumerate() {
        let model = &models[g * n..(g + 1) * n];
        let mut rng = Stream::new(seed, &format!("residual/{}", group.id));
        let mut z = normal_scores(n, ResidualSd::DIMENSIONS, design.sampling, rng.generator());
        if design.sampling == Sampling::Typical {
            let readouts: [fn(&Readouts) -> f64; 3] =
                [|r| r.cxcr4_mfi, |r| r.cxcl12_ng_per_ml, |r| r.apoptosis_percent];
            for (d, of) in readouts.iter().enumerate() {
                let donor_part: Vec<f64> = model.iter().map(of).collect();
                uncorrelate(&mut z, d, &donor_part);
            }
        }
        let (residual, between_sd) = residuals[g];
        for (r, (m, z)) in model.iter().zip(&z).enumerate() {
            wells.push(WellTruth {
                group: group.id.clone(),
                replicate: r + 1,
                readouts: residual.apply(m, [z[0], z[1], z[2]]),
                model: *m,
                between_sd,
            });
        }
    }
    Ok(wells)
}

/// The typical experiment's last step: makes column `d` of the residual scores uncorrelated with
/// the donors' part of that readout in this group (Gram–Schmidt against the centred donor values),
/// then restores sample mean 0 and SD 1. The group's sample variance is then the donors' plus the
/// residual's, as in the population, instead of gaining a chance covariance of six values. Needs at
/// least three replicates (mean, donor direction and one left); with fewer it does nothing.
fn uncorrelate(z: &mut [Vec<f64>], d: usize, donor_part: &[f64]) {
    let n = z.len();
    if n < 3 {
        return;
    }
    let mean = donor_part.iter().sum::<f64>() / n as f64;
    let u: Vec<f64> = donor_part.iter().map(|x| x - mean).collect();
    let uu: f64 = u.iter().map(|x| x * x).sum();
    if uu > 0.0 {
        let zu: f64 = z.iter().zip(&u).map(|(row, x)| row[d] * x).sum();
        for (row, x) in z.iter_mut().zip(&u) {
            row[d] -= zu / uu * x;
        }
    }
    match_moments(z, d);
}
