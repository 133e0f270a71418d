//! The model's truth per well: one virtual donor per replicate (shared by all groups, as one
//! patient's cells go into every group of an experiment), simulated for 24 h in every group.

use niche_model::donors::Variability;
use niche_model::simulate::{CULTURE_HOURS, Readouts, Tolerances, simulate};
use niche_model::{Condition, Parameters};
use rayon::prelude::*;
use serde::Serialize;

use crate::design::Design;
use crate::error::Result;

/// The true state of one well after culture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WellTruth {
    /// Group id.
    pub group: String,
    /// Replicate, 1-based.
    pub replicate: usize,
    /// The model's readouts (apoptosis %, MFI ratio, CXCL12, Bax, Bcl-2, …).
    pub readouts: Readouts,
}

/// Simulates every group × replicate.
pub fn simulate_wells(design: &Design, seed: u64) -> Result<Vec<WellTruth>> {
    let p = Parameters::default();
    let (variability, _) = Variability::fit(&p)?;
    let donors = variability.donors(&p, design.replicates, seed);
    let jobs: Vec<(usize, usize)> =
        (0..design.groups.len()).flat_map(|g| (0..design.replicates).map(move |r| (g, r))).collect();
    jobs.par_iter()
        .map(|&(g, r)| {
            let group = &design.groups[g];
            let c = Condition { msc: group.msc, vcr_um: group.vcr_umol_per_l, amd_ug_per_ml: group.amd3100_ug_per_ml };
            let t = simulate(&donors[r], &c, &[CULTURE_HOURS], Tolerances::default())?;
            Ok(WellTruth {
                group: group.id.clone(),
                replicate: r + 1,
                readouts: Readouts::of(&donors[r], &t.states[0]),
            })
        })
        .collect()
}
