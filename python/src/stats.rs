//! Statistics: `compare` (the JSON of `niche stats compare`) and `table1`.

use niche_stats::compare::{self, Group};
use niche_stats::table1;
use pyo3::prelude::*;

use crate::error::{err, invalid};

/// Runs `test` on named groups (with optional pair labels); returns the JSON text of
/// `niche stats compare --format json`.
#[pyfunction]
#[pyo3(signature = (groups, test, control = None, pairs = None))]
fn compare_json(
    py: Python<'_>,
    groups: Vec<(String, Vec<f64>)>,
    test: &str,
    control: Option<String>,
    pairs: Option<Vec<(String, Vec<String>)>>,
) -> PyResult<String> {
    let Some(kind) = compare::Test::from_name(test) else {
        return Err(invalid(format!(
            "test {test:?}: use student, welch, paired, mann-whitney, wilcoxon, anova or kruskal"
        )));
    };
    let mut built = Vec::with_capacity(groups.len());
    for (name, values) in groups {
        let mut g = Group::new(name, values);
        if let Some((_, labels)) = pairs.iter().flatten().find(|(n, _)| *n == g.name) {
            if labels.len() != g.values.len() {
                return Err(invalid(format!(
                    "group {:?}: {} pair labels for {} values",
                    g.name,
                    labels.len(),
                    g.values.len()
                )));
            }
            g.pairs = labels.clone();
        }
        built.push(g);
    }
    let result = py
        .detach(|| compare::compare(&built, kind, control.as_deref()))
        .map_err(err(format!("stats.compare({test})")))?;
    serde_json::to_string(&result).map_err(|e| invalid(e.to_string()))
}

/// Patient characteristics by group from named columns of cells; returns the JSON text of
/// `niche stats table1 --format json`.
#[pyfunction]
fn table1_json(columns: Vec<(String, Vec<String>)>, by: &str) -> PyResult<String> {
    let table = table1::build(&columns, by).map_err(err("stats.table1"))?;
    serde_json::to_string(&table).map_err(|e| invalid(e.to_string()))
}

/// Adds this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(compare_json, m)?)?;
    m.add_function(wrap_pyfunction!(table1_json, m)?)?;
    Ok(())
}
