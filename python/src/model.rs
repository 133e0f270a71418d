//! The co-culture model: `scan` and `simulate` as columns, `fit` as the calibration report.

use niche_model::ode::STATE_NAMES;
use niche_model::scan::scan as scan_grid;
use niche_model::simulate::{Readouts, Tolerances, simulate as simulate_model};
use niche_model::{Condition, Parameters};
use niche_study::calibration::FitReport;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{err, invalid};

fn column<'py>(d: &Bound<'py, PyDict>, name: &str, values: Vec<f64>) -> PyResult<()> {
    d.set_item(name, PyArray1::from_vec(d.py(), values))
}

/// The readout columns of `niche model scan` (after the doses), in CSV order.
const READOUTS: [&str; 7] =
    ["apoptosis_percent", "early_percent", "late_percent", "cxcr4_mfi", "cxcl12_ng_per_ml", "bax", "bcl2"];

fn readout_values(r: &Readouts) -> [f64; 7] {
    [r.apoptosis_percent, r.early_percent, r.late_percent, r.cxcr4_mfi, r.cxcl12_ng_per_ml, r.bax, r.bcl2]
}

/// Simulates every VCR × AMD3100 dose pair (µmol/L × µg/mL) for `donors` virtual donors (0: the
/// calibrated mean model); the columns of `niche model scan` as a dict of arrays (synergy
/// scores NaN where the grid has none), one row per grid point.
#[pyfunction]
#[pyo3(signature = (vcr, amd, msc = true, donors = 0, seed = 1, hours = 24.0))]
fn scan<'py>(
    py: Python<'py>,
    vcr: Vec<f64>,
    amd: Vec<f64>,
    msc: bool,
    donors: usize,
    seed: u64,
    hours: f64,
) -> PyResult<Bound<'py, PyDict>> {
    if vcr.len() * amd.len() * donors.max(1) > 2_000_000 {
        return Err(invalid(format!(
            "model.scan: {} × {} doses × {donors} donors is more than 2 million simulations",
            vcr.len(),
            amd.len()
        )));
    }
    let grid = py
        .detach(|| scan_grid(&Parameters::default(), msc, &vcr, &amd, donors, seed, hours))
        .map_err(err("model.scan"))?;
    let d = PyDict::new(py);
    column(&d, "vcr_um", grid.iter().map(|g| g.vcr_um).collect())?;
    column(&d, "amd_ug_per_ml", grid.iter().map(|g| g.amd_ug_per_ml).collect())?;
    for (k, name) in READOUTS.iter().enumerate() {
        column(&d, name, grid.iter().map(|g| readout_values(&g.readouts)[k]).collect())?;
    }
    column(&d, "apoptosis_sd", grid.iter().map(|g| g.apoptosis_sd).collect())?;
    let score = |f: fn(&niche_model::synergy::Scores) -> Option<f64>| -> Vec<f64> {
        grid.iter().map(|g| g.synergy.as_ref().and_then(f).unwrap_or(f64::NAN)).collect()
    };
    column(&d, "bliss", score(|s| Some(s.bliss)))?;
    column(&d, "hsa", score(|s| Some(s.hsa)))?;
    column(&d, "loewe", score(|s| Some(s.loewe)))?;
    column(&d, "zip", score(|s| s.zip))?;
    Ok(d)
}

/// Simulates one condition for `hours` with `per_hour` outputs an hour: the columns of
/// `niche model simulate` (time, the ODE states, the assay readouts) as a dict of arrays.
#[pyfunction]
#[pyo3(signature = (vcr = 0.0, amd = 0.0, msc = true, hours = 24.0, per_hour = 1))]
fn simulate<'py>(
    py: Python<'py>,
    vcr: f64,
    amd: f64,
    msc: bool,
    hours: f64,
    per_hour: u32,
) -> PyResult<Bound<'py, PyDict>> {
    if !(hours.is_finite() && hours > 0.0 && hours <= 24.0 * 30.0) {
        return Err(invalid(format!("model.simulate: hours={hours}: give a positive number of hours (at most 720)")));
    }
    let per_hour = per_hour.max(1);
    let steps = (hours * f64::from(per_hour)).ceil() as usize;
    let times: Vec<f64> = (0..=steps).map(|k| (k as f64 / f64::from(per_hour)).min(hours)).collect();
    let p = Parameters::default();
    let condition = Condition { msc, vcr_um: vcr, amd_ug_per_ml: amd };
    let t =
        py.detach(|| simulate_model(&p, &condition, &times, Tolerances::default())).map_err(err("model.simulate"))?;
    let d = PyDict::new(py);
    column(&d, "time_h", t.times.clone())?;
    for (k, name) in STATE_NAMES.iter().enumerate() {
        column(&d, name, t.states.iter().map(|s| s[k]).collect())?;
    }
    let readouts: Vec<Readouts> = t.states.iter().map(|s| Readouts::of(&p, s)).collect();
    for (k, name) in READOUTS.iter().enumerate().take(5) {
        column(&d, name, readouts.iter().map(|r| readout_values(r)[k]).collect())?;
    }
    Ok(d)
}

/// The calibration to the seed paper: refitted from the literature start (`refit`, slow), or
/// the shipped calibrated parameters evaluated: the JSON text of `niche model fit --format json`.
#[pyfunction]
#[pyo3(signature = (refit = false))]
fn fit_json(py: Python<'_>, refit: bool) -> PyResult<String> {
    let fit = py.detach(|| FitReport::compute(refit)).map_err(err("model.fit"))?;
    Ok(fit.to_json().to_string())
}

/// Adds this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(fit_json, m)?)?;
    Ok(())
}
