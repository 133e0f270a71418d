//! The truth per well: one virtual donor per replicate (shared by all groups, as one patient's
//! cells go into every group of an experiment), simulated for 24 h in every group, plus the
//! well's share of the between-experiment variation the donor model does not explain
//! ([`niche_model::residual`]), at the paper's magnitude.
//!
//! Donors and well effects are drawn as the design's `sampling` says ([`niche_model::sampling`]): stratified (Latin
//! hypercube across the replicates, per donor parameter and per group × readout) or independent.

use niche_model::calibrate::Readout;
use niche_model::donors::Variability;
use niche_model::residual::{ResidualSd, Residuals};
use niche_model::sampling::normal_scores;
use niche_model::simulate::{CULTURE_HOURS, Readouts, Tolerances, simulate};
use niche_model::{Condition, Parameters};
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
}

/// The replicate SD each readout's assay adds by itself: the ELISA's (see
/// [`plate_reader::concentration_cv`]); flow medians and percentages from 20,000 events are
/// precise to well under 1 % and count as exact.
pub fn assay_sd(readout: Readout, mean: f64) -> f64 {
    match readout {
        Readout::Cxcl12NgPerMl => mean * plate_reader::concentration_cv(mean),
        Readout::Cxcr4Mfi | Readout::ApoptosisPercent => 0.0,
    }
}

/// The fitted variance structure: donors and residuals.
pub fn variance_structure(p: &Parameters) -> Result<(Variability, Residuals)> {
    let (variability, sds) = Variability::fit(p)?;
    Ok((variability, Residuals::fit(&sds, assay_sd)))
}

/// Simulates every group × replicate.
pub fn simulate_wells(design: &Design, seed: u64) -> Result<Vec<WellTruth>> {
    let p = Parameters::default();
    let (variability, residuals) = variance_structure(&p)?;
    let n = design.replicates;
    let donors = variability.donors(&p, n, seed, design.sampling);
    let scores: Vec<Vec<Vec<f64>>> = design
        .groups
        .iter()
        .map(|g| {
            let mut rng = Stream::new(seed, &format!("residual/{}", g.id));
            normal_scores(n, ResidualSd::DIMENSIONS, design.sampling, rng.generator())
        })
        .collect();
    let jobs: Vec<(usize, usize)> = (0..design.groups.len()).flat_map(|g| (0..n).map(move |r| (g, r))).collect();
    jobs.par_iter()
        .map(|&(g, r)| {
            let group = &design.groups[g];
            let c = Condition { msc: group.msc, vcr_um: group.vcr_umol_per_l, amd_ug_per_ml: group.amd3100_ug_per_ml };
            let t = simulate(&donors[r], &c, &[CULTURE_HOURS], Tolerances::default())?;
            let model = Readouts::of(&donors[r], &t.states[0]);
            let z = &scores[g][r];
            let readouts = residuals.of(&c).apply(&model, [z[0], z[1], z[2]]);
            Ok(WellTruth { group: group.id.clone(), replicate: r + 1, readouts, model })
        })
        .collect()
}
