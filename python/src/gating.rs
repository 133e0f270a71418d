//! Gating: `GatingStrategy` from Gating-ML 2.0 or a FlowJo workspace, applied to a sample.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use niche_cyto::{self as cyto, CompensationRef, flowjo, gatingml};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{err, invalid};
use crate::fcs::Fcs;

enum Source {
    GatingMl(Arc<cyto::GatingStrategy>),
    Wsp { path: String, workspace: flowjo::FlowJoWorkspace, sample: Option<String> },
}

/// A gating strategy: Gating-ML 2.0 gates, or the gates of a FlowJo workspace's sample.
#[pyclass(module = "niche._niche", frozen)]
pub struct GatingStrategy {
    source: Source,
}

fn read_xml(path: &Path) -> PyResult<String> {
    niche_study::read_text(path, cyto::xml::MAX_BYTES as u64).map_err(err(path.display()))
}

#[pymethods]
impl GatingStrategy {
    /// Reads a Gating-ML 2.0 file.
    #[staticmethod]
    fn from_gatingml(path: PathBuf) -> PyResult<Self> {
        let xml = read_xml(&path)?;
        let strategy = gatingml::parse(&xml).map_err(err(path.display()))?;
        Ok(GatingStrategy { source: Source::GatingMl(Arc::new(strategy)) })
    }

    /// Reads a FlowJo workspace: the gates of `sample` (its FlowJo name or FCS file name), or
    /// else of the sample matching the FCS file each `apply` gets (URI file name, then `$FIL`).
    #[staticmethod]
    #[pyo3(signature = (path, sample = None))]
    fn from_wsp(path: PathBuf, sample: Option<String>) -> PyResult<Self> {
        let name = path.display().to_string();
        let xml = read_xml(&path)?;
        let workspace = flowjo::parse(&xml).map_err(err(&name))?;
        if let Some(s) = &sample {
            find_sample(&name, &workspace, s)?;
        }
        Ok(GatingStrategy { source: Source::Wsp { path: name, workspace, sample } })
    }

    /// Gates `sample` (scaled values; compensation-ref="FCS" uses the file's spillover).
    fn apply(&self, py: Python<'_>, sample: Py<Fcs>) -> PyResult<GatingResults> {
        let fcs = sample.get();
        let strategy = self.strategy_for(fcs)?;
        let data = fcs.gating_sample(py)?;
        let results = py.detach(|| strategy.apply(data)).map_err(err(fcs.path()))?;
        Ok(GatingResults { strategy, sample, results })
    }
}

fn find_sample<'w>(path: &str, ws: &'w flowjo::FlowJoWorkspace, name: &str) -> PyResult<&'w flowjo::WspSample> {
    ws.sample(name).ok_or_else(|| {
        let names: Vec<&str> = ws.samples.iter().map(|s| s.name.as_str()).collect();
        invalid(format!("{path}: no sample {name:?} in the workspace (it has: {})", names.join(", ")))
    })
}

impl GatingStrategy {
    fn strategy_for(&self, fcs: &Fcs) -> PyResult<Arc<cyto::GatingStrategy>> {
        let (path, workspace, sample) = match &self.source {
            Source::GatingMl(s) => return Ok(Arc::clone(s)),
            Source::Wsp { path, workspace, sample } => (path, workspace, sample),
        };
        let chosen = match sample {
            Some(name) => find_sample(path, workspace, name)?,
            None => {
                let candidate = [(PathBuf::from(fcs.path()), fcs.fil())];
                let found: Vec<_> = workspace.samples.iter().filter(|s| s.locate(&candidate).is_ok()).collect();
                match found.as_slice() {
                    [one] => *one,
                    _ if workspace.samples.len() == 1 => &workspace.samples[0],
                    [] => {
                        return Err(invalid(format!(
                            "{path}: no sample matches {} (name one with sample=)",
                            fcs.path()
                        )));
                    }
                    _ => {
                        return Err(invalid(format!(
                            "{path}: several samples match {} (name one with sample=)",
                            fcs.path()
                        )));
                    }
                }
            }
        };
        let converted = workspace.strategy(chosen).map_err(err(format!("{path}: sample {:?}", chosen.name)))?;
        Ok(Arc::new(converted.strategy))
    }
}

/// The populations of one gated sample.
#[pyclass(module = "niche._niche", frozen)]
pub struct GatingResults {
    strategy: Arc<cyto::GatingStrategy>,
    sample: Py<Fcs>,
    results: cyto::GatingResults,
}

impl GatingResults {
    fn population(&self, id: &str) -> PyResult<&cyto::PopulationResult> {
        self.results.population(id).ok_or_else(|| {
            let ids: Vec<&str> = self.results.populations.iter().map(|p| p.id.as_str()).collect();
            invalid(format!("{}: no population {id:?} (populations: {})", self.results.sample, ids.join(", ")))
        })
    }
}

#[pymethods]
impl GatingResults {
    /// Events in the sample.
    #[getter]
    fn n_events(&self) -> usize {
        self.results.n_events
    }

    /// Population ids in strategy order.
    #[getter]
    fn ids(&self) -> Vec<String> {
        self.results.populations.iter().map(|p| p.id.clone()).collect()
    }

    /// Warnings of the gating.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.results.warnings.clone()
    }

    /// Columns `id`, `parent`, `count`, `absolute_percent`, `relative_percent` as a dict of lists.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = &self.results.populations;
        let d = PyDict::new(py);
        d.set_item("id", p.iter().map(|p| p.id.clone()).collect::<Vec<_>>())?;
        d.set_item("parent", p.iter().map(|p| p.parent.clone()).collect::<Vec<_>>())?;
        d.set_item("count", p.iter().map(|p| p.count).collect::<Vec<_>>())?;
        d.set_item("absolute_percent", p.iter().map(|p| p.absolute_percent).collect::<Vec<_>>())?;
        d.set_item("relative_percent", p.iter().map(|p| p.relative_percent).collect::<Vec<_>>())?;
        Ok(d)
    }

    /// One flag per event: whether it is in population `id`.
    fn membership<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyArray1<bool>>> {
        Ok(PyArray1::from_slice(py, &self.population(id)?.membership))
    }

    /// Statistics of `channels` within population `id`, compensated by the file's spillover
    /// unless `compensated` is false: one dict per channel (count, mean, sd, cv, median,
    /// geometric_mean, robust_sd, robust_cv, and `p<q>` per percentile); `None` values for an
    /// empty population.
    #[pyo3(signature = (id, channels, percentiles = vec![5.0, 95.0], compensated = true))]
    fn stats<'py>(
        &self,
        py: Python<'py>,
        id: &str,
        channels: Vec<String>,
        percentiles: Vec<f64>,
        compensated: bool,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let population = self.population(id)?;
        let fcs = self.sample.get();
        let data = fcs.gating_sample(py)?;
        let compensation =
            if compensated && data.spillover.is_some() { CompensationRef::Fcs } else { CompensationRef::Uncompensated };
        let one = cyto::GatingResults {
            sample: self.results.sample.clone(),
            n_events: self.results.n_events,
            populations: vec![population.clone()],
            warnings: Vec::new(),
        };
        let all = py
            .detach(|| cyto::stats::gate_statistics(&self.strategy, data, &one, &channels, &compensation, &percentiles))
            .map_err(err(fcs.path()))?;
        all.iter()
            .map(|c| {
                let d = PyDict::new(py);
                d.set_item("channel", &c.channel)?;
                match &c.stats {
                    Some(s) => {
                        d.set_item("count", s.count)?;
                        for (k, v) in [
                            ("mean", s.mean),
                            ("sd", s.sd),
                            ("cv", s.cv),
                            ("median", s.median),
                            ("geometric_mean", s.geometric_mean),
                            ("robust_sd", s.robust_sd),
                            ("robust_cv", s.robust_cv),
                        ] {
                            d.set_item(k, v)?;
                        }
                        for (p, v) in &s.percentiles {
                            d.set_item(format!("p{p}"), v)?;
                        }
                    }
                    None => d.set_item("count", 0)?,
                }
                Ok(d)
            })
            .collect()
    }
}

/// Adds this module's classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GatingStrategy>()?;
    m.add_class::<GatingResults>()?;
    Ok(())
}
