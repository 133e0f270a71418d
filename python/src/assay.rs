//! Assays: ELISA standard curves (`elisa_fit_json`) and blot densitometry (`blot_quantify_json`).

use std::path::{Path, PathBuf};

use niche_assay::blot::{BlotLayout, GrayImage, quantify};
use niche_assay::curve::{Model, Weight};
use niche_assay::{Layout, Plate, elisa};
use pyo3::prelude::*;

use crate::error::{err, invalid};

fn read(path: &Path) -> PyResult<String> {
    niche_study::read_text(path, niche_study::MAX_TEXT_BYTES).map_err(err(path.display()))
}

/// Fits a plate's standard curve and reads its samples; the JSON text of the analysis
/// (`units`, `blank`, `curve`, `standards`, `samples`).
#[pyfunction]
#[pyo3(signature = (plate, layout, model = "4pl", weight = "none", cv_limit = 20.0))]
fn elisa_fit_json(
    py: Python<'_>,
    plate: PathBuf,
    layout: PathBuf,
    model: &str,
    weight: &str,
    cv_limit: f64,
) -> PyResult<String> {
    let model = match model {
        "4pl" => Model::FourPl,
        "5pl" => Model::FivePl,
        other => return Err(invalid(format!("model {other:?}: use \"4pl\" or \"5pl\""))),
    };
    let weight = match weight {
        "none" => Weight::None,
        "y" => Weight::Y,
        "y2" => Weight::Y2,
        other => return Err(invalid(format!("weight {other:?}: use \"none\", \"y\" or \"y2\""))),
    };
    let plate_name = plate.display().to_string();
    let parsed = Plate::parse(&read(&plate)?).map_err(err(&plate_name))?;
    let layout = Layout::parse(&read(&layout)?).map_err(err(layout.display()))?;
    let report = py.detach(|| elisa::analyze(&parsed, &layout, model, weight, cv_limit)).map_err(err(&plate_name))?;
    serde_json::to_string(&report).map_err(|e| invalid(e.to_string()))
}

/// Quantifies a blot image (TIFF or PNG) with its layout; the JSON text of
/// `niche blot quantify --format json`.
#[pyfunction]
fn blot_quantify_json(py: Python<'_>, image: PathBuf, layout: PathBuf) -> PyResult<String> {
    let image_name = image.display().to_string();
    let gray = GrayImage::open(&image).map_err(err(&image_name))?;
    let layout = BlotLayout::parse(&read(&layout)?).map_err(err(layout.display()))?;
    let result = py.detach(|| quantify(&gray, &layout)).map_err(err(&image_name))?;
    let mut value = serde_json::to_value(&result).map_err(|e| invalid(e.to_string()))?;
    value["file"] = serde_json::Value::String(image_name);
    Ok(value.to_string())
}

/// Adds this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(elisa_fit_json, m)?)?;
    m.add_function(wrap_pyfunction!(blot_quantify_json, m)?)?;
    Ok(())
}
