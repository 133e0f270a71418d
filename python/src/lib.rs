//! `niche._niche`: the workspace crates as a Python extension module.
//!
//! This crate converts and nothing else: Python values in, a crate's function, numpy arrays or
//! plain Python values out. The package around it (`python/niche/`) builds pandas tables and
//! dictionaries from those values. Errors become [`NicheError`] with niche's message, prefixed
//! with the file it concerns; long computations run with the GIL released.

use pyo3::prelude::*;

mod assay;
mod error;
mod fcs;
mod gating;
mod model;
mod stats;
mod study;

pub use error::NicheError;

/// The extension module.
#[pymodule]
fn _niche(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NicheError", m.py().get_type::<NicheError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    fcs::register(m)?;
    gating::register(m)?;
    stats::register(m)?;
    model::register(m)?;
    assay::register(m)?;
    study::register(m)?;
    Ok(())
}
