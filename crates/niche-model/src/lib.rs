//! The calibrated co-culture model of the seed study: primary R/R B-ALL blasts on umbilical-cord
//! MSCs for 24 h, with vincristine (VCR) and the CXCR4 antagonist AMD3100.
//!
//! - [`Parameters`]: every rate with unit and source ([`Parameters::provenance`]), declared once
//!   in [`params`]; [`units`]: the conversions they rest on.
//! - [`Condition`]: MSCs or not and the drug doses the model simulates; [`treatment`]: groups and
//!   doses as designs and study files name them, mapped onto conditions.
//! - [`ode`]: the nine-state ODE system (CXCL12, CXCR4 free/CXCL12-bound/AMD3100-bound/internal,
//!   Bcl-2, Bax, early and late apoptosis) with the equations in its docs.
//! - [`simulate`](simulate::simulate): diffsol's BDF solver; [`Readouts`] are what the assays see.
//! - [`targets`]: the paper's published numbers, typed, each with a stable id.
//! - [`calibrate`]: weighted least squares against the paper's group means and SDs;
//!   [`validate`]: leave-one-out refits, profiles and the alternative mechanism; [`reliance`]:
//!   which parameters a readout rests on.
//! - [`donors`], [`sampling`] and [`residual`]: virtual donors, how replicates are drawn, and the
//!   between-experiment variation fitted to the published SDs.
//! - [`scan`]: VCR × AMD3100 dose grids, scored by [`synergy`] (Bliss, HSA, Loewe, ZIP).
//! - [`network`]: the same ODE as a reaction network (kinetic laws as [`expr`] expressions),
//!   written as SBML ([`sbml`]), simulated in SED-ML ([`sedml`]) and packed in a COMBINE archive
//!   ([`omex`]).
//!
//! ```
//! use niche_model::{Condition, Parameters, simulate::readouts_at};
//! let co_vcr = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 0.0 };
//! let r = readouts_at(&Parameters::default(), &co_vcr, 24.0)?;
//! assert!(r.apoptosis_percent > 50.0);
//! # Ok::<(), niche_model::Error>(())
//! ```

pub mod calibrate;
pub mod condition;
pub mod donors;
mod error;
pub mod expr;
pub mod network;
pub mod ode;
pub mod omex;
pub mod params;
pub mod reliance;
pub mod residual;
pub mod sampling;
pub mod sbml;
pub mod scan;
pub mod sedml;
pub mod simulate;
mod small_lu;
pub mod synergy;
pub mod targets;
pub mod treatment;
pub mod units;
pub mod validate;

pub use condition::Condition;
pub use error::{Error, Result};
pub use params::Parameters;
pub use simulate::Readouts;
