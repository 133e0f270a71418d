//! The SBML export against libRoadRunner: the same trajectories to 1e-6 relative.
//!
//! Needs Python with `libroadrunner`, `python-libsbml` and `numpy`: `.ci/run` installs them into
//! `.ci/.venv` and sets `NICHE_PYTHON`. Without it the test says so and passes, except under
//! `CI=true`, where it fails so that CI cannot pass by skipping.

use std::path::Path;
use std::process::Command;

use niche_model::ode::STATE_NAMES;
use niche_model::sbml::to_sbml;
use niche_model::simulate::{Tolerances, simulate};
use niche_model::{Condition, Parameters};

fn python() -> Option<String> {
    match std::env::var("NICHE_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but NICHE_PYTHON (Python with libroadrunner) is not set"
            );
            eprintln!("skipping: set NICHE_PYTHON to a Python with libroadrunner, python-libsbml and numpy");
            None
        }
    }
}

#[test]
fn roadrunner_simulates_the_export_to_the_same_trajectories() {
    let Some(python) = python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sbml_roadrunner.py");
    let dir = tempfile::tempdir().unwrap();
    let p = Parameters::default();
    let times: Vec<f64> = (0..=48).map(|k| f64::from(k) * 0.5).collect();
    for (name, condition) in [
        ("alone", Condition { msc: false, vcr_um: 0.0, amd_ug_per_ml: 0.0 }),
        ("coculture_vcr_amd", Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 }),
        ("coculture_low_vcr", Condition { msc: true, vcr_um: 0.01, amd_ug_per_ml: 0.5 }),
    ] {
        let sbml = dir.path().join(format!("{name}.xml"));
        std::fs::write(&sbml, to_sbml(&p, &condition)).unwrap();
        let trajectory = simulate(&p, &condition, &times, Tolerances { rtol: 1e-11, atol_scale: 1e-14 }).unwrap();
        let mut csv = format!("time,{}\n", STATE_NAMES.join(","));
        for (t, s) in trajectory.times.iter().zip(&trajectory.states) {
            csv += &format!("{t:e},{}\n", s.iter().map(|v| format!("{v:e}")).collect::<Vec<_>>().join(","));
        }
        let csv_path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&csv_path, csv).unwrap();
        let out = Command::new(&python).arg(&script).arg(&sbml).arg(&csv_path).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        println!("{name}: {}", String::from_utf8_lossy(&out.stdout).trim());
    }
}
