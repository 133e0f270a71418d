//! The virtual laboratory: the calibrated model's wells turned into the raw files the seed study's
//! lab produced, so that niche's analysis can be run and checked on data whose truth is known, and
//! an experiment can be planned (events, replicates, doses) before it is done.
//!
//! - [`cytometer`]: FCS tubes (CXCR4 / isotype / Annexin V–PI) on an [`Instrument`]: FACSCalibur-like
//!   FCS 2.0 (heights, log amplifiers) or LSRFortessa-like FCS 3.1 (area/height/width, linear
//!   18-bit); the FACSCalibur's log amplifier is a step table equal to its formula
//!   (`log_amplifier`).
//! - [`plate_reader`]: a Gen5-style CXCL12 ELISA export and its layout.
//! - [`blot_imager`]: a 16-bit TIFF Western blot (GAPDH, Bcl-2, Bax) and its layout.
//! - [`cohort`]: Figure 1's patients as CXCR4 and isotype tubes.
//! - [`run`](run::run): all of them for a [`Design`], plus `manifest.json` (what each file is)
//!   and `truth.json` (what the analysis should find).
//!
//! ```no_run
//! let (manifest, truth) = niche_lab::run::run(&niche_lab::Design::seed(), 1, "lab_out".as_ref())?;
//! println!("{} files; first well {:?}", manifest.files.len(), truth.wells[0].readouts);
//! # Ok::<(), niche_lab::Error>(())
//! ```

pub mod blot_imager;
pub mod cohort;
pub mod cytometer;
pub mod design;
mod error;
pub mod instrument;
mod log_amplifier;
pub mod plate_reader;
mod rng;
pub mod run;
pub mod wells;

pub use design::{Design, Group};
pub use error::{Error, Result};
pub use instrument::Instrument;
