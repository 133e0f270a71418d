//! The official Gating-ML 2.0 compliance suite (`../shared/data/gatingml2`): every expected
//! population must match event for event. Skips where the data is absent; fails under `CI=true`.

use std::path::{Path, PathBuf};

use niche_cyto::{Sample, gatingml};
use niche_fcs as fcs;

fn suite() -> Option<PathBuf> {
    niche_testdata::shared_data("gatingml2/gates1.xml").map(|gates| gates.parent().unwrap().to_path_buf())
}

fn read_expected(path: &Path) -> Vec<bool> {
    std::fs::read_to_string(path)
        .unwrap()
        .split_whitespace()
        .map(|t| match t {
            "1" => true,
            "0" => false,
            other => panic!("{}: unexpected token {other:?}", path.display()),
        })
        .collect()
}

/// Returns (population, mismatching events) for every expected file.
fn run_set(dir: &Path, gates: &str, data: &str, expected: &str) -> Vec<(String, usize, usize)> {
    let strategy = gatingml::parse(&std::fs::read_to_string(dir.join(gates)).unwrap()).unwrap();
    let file = fcs::read(dir.join(data)).unwrap();
    let sample = Sample::from_dataset(data, &file.datasets[0], fcs::Values::Scaled).unwrap();
    let results = strategy.apply(&sample).unwrap();
    let mut report = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir.join(expected)).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy();
        let id = name.strip_prefix("Results_").unwrap().to_string();
        let want = read_expected(&path);
        let got = &results.population(&id).unwrap_or_else(|| panic!("population {id} missing")).membership;
        assert_eq!(got.len(), want.len(), "{id}: event count");
        let wrong = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        report.push((id, wrong, want.iter().filter(|&&b| b).count()));
    }
    report
}

#[test]
fn every_compliance_case_matches_event_for_event() {
    let Some(dir) = suite() else { return };
    let mut failures = Vec::new();
    let mut cases = 0;
    for (gates, data, expected) in
        [("gates1.xml", "data1.fcs", "expected/set_1"), ("gates2.xml", "data2.fcs", "expected/set_2")]
    {
        for (id, wrong, positives) in run_set(&dir, gates, data, expected) {
            cases += 1;
            if wrong > 0 {
                failures.push(format!("{expected}/{id}: {wrong} events differ ({positives} expected in)"));
            }
        }
    }
    assert_eq!(cases, 100, "the suite has 60 + 40 expected populations");
    assert!(failures.is_empty(), "{} of {cases} cases fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn exported_gatingml_reimports_to_identical_memberships() {
    let Some(dir) = suite() else { return };
    for (gates, data) in [("gates1.xml", "data1.fcs"), ("gates2.xml", "data2.fcs")] {
        let strategy = gatingml::parse(&std::fs::read_to_string(dir.join(gates)).unwrap()).unwrap();
        let again = gatingml::parse(&gatingml::write(&strategy)).unwrap();
        assert_eq!(again, strategy, "{gates}");
        let file = fcs::read(dir.join(data)).unwrap();
        let sample = Sample::from_dataset(data, &file.datasets[0], fcs::Values::Scaled).unwrap();
        let (a, b) = (strategy.apply(&sample).unwrap(), again.apply(&sample).unwrap());
        assert_eq!(a, b, "{gates}");
        assert!(a.populations.iter().all(|p| b.population(&p.id).unwrap().membership == p.membership));
    }
}
