//! Figure 1's patients through the virtual cytometer: each patient's blasts at diagnosis (no
//! culture, no drug) as a CXCR4-PE tube and its isotype control, written like the co-culture
//! wells' tubes, so the cohort's CXCR4 MFI is gated and measured (stained median over isotype
//! median in CD45+CD19+ blasts) instead of taken as drawn. The drawn MFIs come from the paper's
//! means ± SD ([`niche_model::scan::cohort`]): what the analysis measures from them is an input,
//! not a prediction.

use std::path::Path;

use niche_model::simulate::{CULTURE_HOURS, Readouts, Tolerances, simulate};
use niche_model::{Condition, Parameters};
use rayon::prelude::*;

use crate::cytometer::{Tube, tube_bytes};
use crate::error::{Error, Result};
use crate::instrument::Instrument;
use crate::run::{FileEntry, write_fcs};
use crate::wells::WellTruth;

/// One patient of the cohort: which cohort (the group), an id, and the blasts' CXCR4 MFI (ratio
/// to the isotype, Figure 1's units).
#[derive(Debug, Clone, PartialEq)]
pub struct CohortPatient {
    /// `newly_diagnosed` or `relapsed_refractory`.
    pub cohort: String,
    /// The patient's id (`ND01`, `RR17`).
    pub donor: String,
    /// CXCR4 MFI of the blasts.
    pub cxcr4_mfi: f64,
}

/// Writes every patient's two tubes (`<cohort>_<donor>_cxcr4.fcs`, `…_isotype.fcs`) into `dir`,
/// in parallel, on `instrument` with `events` events each; files are named relative to `dir`.
/// The blasts' apoptotic fractions are the calibrated model's for blasts alone at 24 h; their
/// CXCR4 is the patient's.
pub fn write_cohort(
    patients: &[CohortPatient],
    instrument: Instrument,
    events: usize,
    seed: u64,
    dir: &Path,
) -> Result<Vec<FileEntry>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.to_path_buf(), source })?;
    let p = Parameters::default();
    let alone = Condition { msc: false, vcr_um: 0.0, amd_ug_per_ml: 0.0 };
    let t = simulate(&p, &alone, &[CULTURE_HOURS], Tolerances::default())?;
    let base = Readouts::of(&p, &t.states[0]);
    let jobs: Vec<(usize, Tube)> =
        (0..patients.len()).flat_map(|k| [Tube::Cxcr4, Tube::Isotype].map(|t| (k, t))).collect();
    jobs.par_iter()
        .map(|&(k, tube)| {
            let patient = &patients[k];
            let readouts = Readouts { cxcr4_mfi: patient.cxcr4_mfi, ..base };
            let well = WellTruth {
                group: patient.cohort.clone(),
                replicate: k + 1,
                readouts,
                model: readouts,
                between_sd: Default::default(),
            };
            let name = format!("{}_{}_{}.fcs", patient.cohort, patient.donor, tube.name());
            write_fcs(dir, &name, tube_bytes(instrument, &well, tube, false, events, seed, &format!("cohort/{name}")))?;
            Ok(FileEntry::flow(name, tube, &well, Some(patient.donor.clone())))
        })
        .collect()
}
