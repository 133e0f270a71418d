//! The exported model in the modelling community's tools (`tests/exchange.py`): libsbml's
//! consistency and unit checks, every parameter's unit against `params.rs`, libRoadRunner and
//! COPASI simulating every seed group to niche's trajectories (1e-6 relative + 1e-12 absolute on
//! every species, all solvers at rtol ≤ 1e-9), and the COMBINE archive in libcombine and libsedml.
//!
//! Needs Python with `.ci/requirements.txt`: `.ci/run` installs it into `.ci/.venv` and sets
//! `NICHE_PYTHON`. Without it the test says so and passes, except under `CI=true`, where it fails
//! so that CI cannot pass by skipping.

use std::path::Path;
use std::process::Command;

use niche_model::Parameters;
use niche_model::condition::seed_groups;
use niche_model::network::SPECIES_OF_STATE;
use niche_model::omex::to_omex;
use niche_model::sbml::to_sbml;
use niche_model::sedml::POINTS;
use niche_model::simulate::{CULTURE_HOURS, Tolerances, simulate};

fn python() -> Option<String> {
    niche_testdata::python("libroadrunner, python-libsbml, copasi-basico, python-libsedml, python-libcombine and numpy")
}

#[test]
fn reference_tools_read_and_simulate_the_export_as_niche_does() {
    let Some(python) = python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/exchange.py");
    let dir = tempfile::tempdir().unwrap();
    let p = Parameters::default();
    let groups = seed_groups().unwrap();
    assert_eq!(groups.len(), 5);
    let times: Vec<f64> = (0..=POINTS).map(|k| k as f64 * CULTURE_HOURS / POINTS as f64).collect();
    let mut listed = Vec::new();
    for (id, condition) in &groups {
        let sbml = dir.path().join(format!("{id}.xml"));
        std::fs::write(&sbml, to_sbml(&p, condition).unwrap()).unwrap();
        let trajectory = simulate(&p, condition, &times, Tolerances { rtol: 1e-11, atol_scale: 1e-14 }).unwrap();
        let mut csv = format!("time,{}\n", SPECIES_OF_STATE.join(","));
        for (t, s) in trajectory.times.iter().zip(&trajectory.states) {
            csv += &format!("{t:e},{}\n", s.iter().map(|v| format!("{v:e}")).collect::<Vec<_>>().join(","));
        }
        let csv_path = dir.path().join(format!("{id}.csv"));
        std::fs::write(&csv_path, csv).unwrap();
        listed.push(serde_json::json!({ "id": id, "sbml": sbml, "csv": csv_path }));
    }
    std::fs::write(dir.path().join("groups.json"), serde_json::to_string(&listed).unwrap()).unwrap();
    let units: serde_json::Map<String, serde_json::Value> =
        p.provenance().iter().map(|r| (r.name.to_string(), r.unit.into())).collect();
    std::fs::write(dir.path().join("units.json"), serde_json::to_string(&units).unwrap()).unwrap();
    std::fs::write(dir.path().join("archive.omex"), to_omex(&p, &groups).unwrap()).unwrap();
    let out = Command::new(&python).arg(&script).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{}", String::from_utf8_lossy(&out.stdout).trim());
}
