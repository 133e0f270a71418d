//! FCS files: `read_fcs` → [`Fcs`] (channels, labels, keywords, events as numpy), `write_fcs`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use niche_cyto as cyto;
use niche_fcs as fcs;
use numpy::ndarray::{Array2, ShapeBuilder};
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::error::{err, invalid};

/// Named channels and a square matrix over them.
type Matrix<'py> = (Vec<String>, Bound<'py, PyArray2<f64>>);

/// An FCS file's first data set, as `niche.read_fcs` returns it (wrapped by `niche.Sample`).
#[pyclass(module = "niche._niche", frozen)]
pub struct Fcs {
    path: String,
    file: fcs::Fcs,
    /// Scaled `f64` events and spillover for gating, decoded on first use.
    gating: OnceLock<cyto::Sample>,
}

impl Fcs {
    fn dataset(&self) -> &fcs::DataSet {
        &self.file.datasets[0]
    }

    /// The sample gating works on (scaled values, the file's spillover).
    pub fn gating_sample(&self, py: Python<'_>) -> PyResult<&cyto::Sample> {
        if let Some(s) = self.gating.get() {
            return Ok(s);
        }
        let sample = py
            .detach(|| cyto::Sample::from_dataset(&self.path, self.dataset(), fcs::Values::Scaled))
            .map_err(err(&self.path))?;
        Ok(self.gating.get_or_init(|| sample))
    }

    /// The path as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `$FIL`, trimmed.
    pub fn fil(&self) -> Option<String> {
        self.dataset().keywords.get("$FIL").map(|v| v.trim().to_string())
    }
}

#[pymethods]
impl Fcs {
    /// The path the file was read from.
    #[getter(path)]
    fn py_path(&self) -> &str {
        &self.path
    }

    /// `$PnN` of every parameter, in order.
    #[getter]
    fn channels(&self) -> Vec<String> {
        self.dataset().parameters.iter().map(|p| p.name.clone()).collect()
    }

    /// `$PnS` of every parameter (`None` where absent).
    #[getter]
    fn labels(&self) -> Vec<Option<String>> {
        self.dataset().parameters.iter().map(|p| p.label.clone()).collect()
    }

    /// TEXT keywords as `(key, value)` pairs, in file order.
    #[getter]
    fn keywords(&self) -> Vec<(String, String)> {
        self.dataset().keywords.iter().map(|k| (k.key.clone(), k.value.clone())).collect()
    }

    /// Number of events.
    #[getter]
    fn n_events(&self) -> usize {
        self.dataset().event_count
    }

    /// FCS version of the HEADER, e.g. `3.1`.
    #[getter]
    fn version(&self) -> String {
        self.file.version().to_string()
    }

    /// Faults tolerated while reading.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.dataset().warnings.iter().map(ToString::to_string).collect()
    }

    /// The spillover matrix as `(channels, n × n array)`, or `None`.
    #[getter]
    fn spillover<'py>(&self, py: Python<'py>) -> PyResult<Option<Matrix<'py>>> {
        let Some(s) = self.dataset().spillover().map_err(err(&self.path))? else { return Ok(None) };
        let n = s.channels.len();
        let matrix = Array2::from_shape_vec((n, n), s.matrix).map_err(|e| invalid(e.to_string()))?;
        Ok(Some((s.channels, PyArray2::from_owned_array(py, matrix))))
    }

    /// Events as an `n_events × n_channels` array of `dtype` (`"float64"` or `"float32"`),
    /// decoded straight into the array's memory (column-major), with the GIL released.
    #[pyo3(signature = (scaled = true, dtype = "float64"))]
    fn events<'py>(&self, py: Python<'py>, scaled: bool, dtype: &str) -> PyResult<Bound<'py, PyAny>> {
        let values = if scaled { fcs::Values::Scaled } else { fcs::Values::Raw };
        match dtype {
            "float64" => self.decode::<f64>(py, values),
            "float32" => self.decode::<f32>(py, values),
            other => Err(invalid(format!("{}: dtype {other:?}: niche reads float64 or float32", self.path))),
        }
    }
}

impl Fcs {
    fn decode<'py, T: fcs::EventValue + numpy::Element>(
        &self,
        py: Python<'py>,
        values: fcs::Values,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ds = self.dataset();
        let events = py.detach(|| ds.events::<T>(values)).map_err(err(&self.path))?;
        let (n, channels) = (events.n_events(), events.n_channels());
        let (_, _, column_major) = events.into_parts();
        let array = Array2::from_shape_vec((n, channels).f(), column_major).map_err(|e| invalid(e.to_string()))?;
        Ok(PyArray2::from_owned_array(py, array).into_any())
    }
}

/// Reads an FCS file (first data set): strict except for the faults every reader accepts, or
/// recovering every recoverable fault with `lenient`.
#[pyfunction]
#[pyo3(signature = (path, lenient = false))]
fn read_fcs(py: Python<'_>, path: PathBuf, lenient: bool) -> PyResult<Fcs> {
    let name = path.display().to_string();
    let options = if lenient { fcs::ReadOptions::lenient() } else { fcs::ReadOptions::default() };
    let file = py.detach(|| fcs::Reader::new(options).read_path(&path)).map_err(err(&name))?;
    if file.datasets.is_empty() {
        return Err(invalid(format!("{name}: no data set")));
    }
    Ok(Fcs { path: name, file, gating: OnceLock::new() })
}

/// Writes an FCS 3.1 file of 32-bit floats: `events` is `n_events × len(channels)`;
/// `keywords` are added to TEXT (computed ones such as `$TOT` win); `labels` become `$PnS`.
#[pyfunction]
#[pyo3(signature = (path, events, channels, keywords = None, labels = None))]
fn write_fcs(
    py: Python<'_>,
    path: PathBuf,
    events: PyReadonlyArray2<'_, f64>,
    channels: Vec<String>,
    keywords: Option<HashMap<String, String>>,
    labels: Option<Vec<Option<String>>>,
) -> PyResult<()> {
    let name = path.display().to_string();
    let view = events.as_array();
    let (n, c) = view.dim();
    if c != channels.len() {
        return Err(invalid(format!("{name}: events have {c} columns for {} channels", channels.len())));
    }
    if labels.as_ref().is_some_and(|l| l.len() != c) {
        return Err(invalid(format!("{name}: {} labels for {c} channels", labels.as_ref().map_or(0, Vec::len))));
    }
    let columns: Vec<Vec<f64>> = (0..c).map(|j| view.column(j).to_vec()).collect();
    let parameters: Vec<fcs::Parameter> = channels
        .iter()
        .enumerate()
        .map(|(j, channel)| {
            let max = columns[j].iter().copied().filter(|v| v.is_finite()).fold(0.0f64, f64::max);
            fcs::Parameter {
                index: j + 1,
                name: channel.clone(),
                label: labels.as_ref().and_then(|l| l[j].clone()),
                bits: Some(32),
                range: (max.ceil() + 1.0).max(1024.0),
                amplification: fcs::Amplification { decades: 0.0, offset: 0.0 },
                gain: None,
            }
        })
        .collect();
    let mut text = fcs::Keywords::new();
    let mut pairs: Vec<(String, String)> = keywords.unwrap_or_default().into_iter().collect();
    pairs.sort();
    for (k, v) in pairs {
        text.insert(k, v);
    }
    let events = fcs::Events::from_columns(channels, columns).map_err(err(&name))?;
    debug_assert_eq!(events.n_events(), n);
    py.detach(|| {
        fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Float).write_path(
            &path,
            &parameters,
            &events,
            &text,
            None,
        )
    })
    .map_err(err(&name))
}

/// Adds this module's functions and classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Fcs>()?;
    m.add_function(wrap_pyfunction!(read_fcs, m)?)?;
    m.add_function(wrap_pyfunction!(write_fcs, m)?)?;
    Ok(())
}
