//! Conformance against real files in `../shared/data`: every file reads, values equal FlowIO's
//! truth CSVs and the committed FlowIO reference (`fixtures/make_flowio_reference.py`).
//!
//! Skips with a message where `../shared/data` is absent (a user's clone); fails under `CI=true`.

use std::path::{Path, PathBuf};

use niche_fcs as fcs;

fn shared_data() -> Option<PathBuf> {
    niche_testdata::shared_data("fcs").map(|fcs| fcs.parent().unwrap().to_path_buf())
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12
}

fn read_csv(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect()
}

fn assert_matches_csv(events: &fcs::Events<f64>, csv: &[Vec<f64>], what: &str) {
    assert_eq!(events.n_events(), csv.len(), "{what}: event count");
    for (i, row) in csv.iter().enumerate() {
        assert_eq!(row.len(), events.n_channels(), "{what}: row {i} width");
        for (j, &expected) in row.iter().enumerate() {
            let got = events.get(i, j);
            assert!(close(got, expected, 1e-6), "{what}: event {i} channel {j}: {got} != {expected}");
        }
    }
}

const DISCREPANT: [&str; 2] = ["data_start_offset_discrepancy_example.fcs", "data_stop_offset_discrepancy_example.fcs"];

fn all_files(data: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![data.join("fcs"), data.join("gatingml2")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "truth" && path.file_name().unwrap() != "expected" {
                    dirs.push(path);
                }
            } else if dir.ends_with("fcs")
                || dir.ends_with("facscalibur_compensation")
                || path.extension().is_some_and(|e| e == "fcs")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_file_reads_and_discrepant_offsets_need_lenient() {
    let Some(data) = shared_data() else { return };
    let files = all_files(&data);
    assert!(files.len() >= 18, "found only {} files", files.len());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = fcs::read(&path);
        if DISCREPANT.contains(&name.as_str()) {
            let err = result.err().unwrap_or_else(|| panic!("{name} should fail by default"));
            assert!(matches!(err, fcs::Error::OffsetMismatch { .. }), "{name}: {err}");
            let file = fcs::Reader::new(fcs::ReadOptions::lenient()).read_path(&path).unwrap();
            assert!(
                file.datasets[0].warnings.iter().any(|w| matches!(w, fcs::Warning::OffsetMismatchRecovered { .. })),
                "{name}: recovery must be reported"
            );
            continue;
        }
        let file = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        for ds in &file.datasets {
            ds.events::<f64>(fcs::Values::Scaled).unwrap_or_else(|e| panic!("{name}: {e}"));
            ds.events::<f32>(fcs::Values::Raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn strict_options_reject_enddata_off_by_one() {
    let Some(data) = shared_data() else { return };
    let err = fcs::Reader::new(fcs::ReadOptions::strict()).read_path(data.join("fcs/test_comp_example.fcs")).err();
    assert!(matches!(err, Some(fcs::Error::EnddataOffByOne { expected: 770616, found: 770617 })), "{err:?}");
}

#[test]
fn values_equal_flowio_truth_csvs() {
    let Some(data) = shared_data() else { return };
    let data1 = fcs::read(data.join("gatingml2/data1.fcs")).unwrap();
    let ds = &data1.datasets[0];
    let raw = ds.events::<f64>(fcs::Values::Raw).unwrap();
    assert_matches_csv(&raw, &read_csv(&data.join("fcs/truth/data1_original_events.csv")), "data1 raw");
    let scaled = ds.events::<f64>(fcs::Values::Scaled).unwrap();
    assert_matches_csv(&scaled, &read_csv(&data.join("fcs/truth/data1_preprocessed.csv")), "data1 scaled");
    let b01 = fcs::read(data.join("fcs/B01 KC-A-W---91-US.fcs")).unwrap();
    let scaled = b01.datasets[0].events::<f64>(fcs::Values::Scaled).unwrap();
    assert_matches_csv(
        &scaled,
        &read_csv(&data.join("fcs/truth/B01 KC-A-W---91-US_preprocessed_events.csv")),
        "B01 scaled",
    );
}

/// Files whose `$PnN` FlowIO gets wrong, with the right names. CellQuest wrote empty values as
/// doubled delimiters (`\\$P4S\\\\$P6N\\FL1-A`); FlowIO reads them as escapes, so `$P4S` swallows
/// `$P6N` and FlowIO lists 7 names for `$PAR` = 8 (its values are unaffected).
const FLOWIO_NAME_ERRORS: [(&str, [&str; 8]); 1] =
    [("fcs/0877408774.B08", ["FSC-H", "SSC-H", "FL1-H", "FL2-H", "FL3-H", "FL1-A", "FL4-H", "Time"])];

fn flowio_reference() -> serde_json::Value {
    serde_json::from_str(include_str!("fixtures/flowio_reference.json")).unwrap()
}

#[test]
fn values_equal_flowio_reference_for_every_file() {
    let Some(data) = shared_data() else { return };
    let reference = flowio_reference();
    let files = reference["files"].as_object().unwrap();
    assert!(files.len() >= 18);
    assert_flowio_agrees(&data, files);
}

/// What niche wrote, FlowIO reads back to the values niche reads.
#[test]
fn flowio_reads_what_niche_writes() {
    let reference = flowio_reference();
    let files = reference["niche_written"].as_object().unwrap();
    assert_eq!(files.len(), 3);
    assert_flowio_agrees(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"), files);
}

fn assert_flowio_agrees(dir: &Path, files: &serde_json::Map<String, serde_json::Value>) {
    for (rel, sets) in files {
        let file = fcs::Reader::new(fcs::ReadOptions::lenient()).read_path(dir.join(rel)).unwrap();
        let sets = sets.as_array().unwrap();
        assert_eq!(file.datasets.len(), sets.len(), "{rel}: data sets");
        for (ds, expected) in file.datasets.iter().zip(sets) {
            assert_eq!(ds.header.version.to_string(), expected["version"], "{rel}");
            assert_eq!(ds.event_count as u64, expected["event_count"].as_u64().unwrap(), "{rel}");
            let names: Vec<&str> = expected["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
            let ours: Vec<&str> = ds.parameters.iter().map(|p| p.name.as_str()).collect();
            if let Some((_, right)) = FLOWIO_NAME_ERRORS.iter().find(|(file, _)| file == rel) {
                assert_eq!(&ours, right, "{rel}: names");
            } else {
                assert_eq!(ours, names, "{rel}: names");
            }
            for (values, key) in [(fcs::Values::Raw, "raw"), (fcs::Values::Scaled, "scaled")] {
                let events = ds.events::<f64>(values).unwrap();
                let rows = expected["rows"].as_array().unwrap();
                let sample = expected[format!("{key}_rows")].as_array().unwrap();
                for (row, want) in rows.iter().zip(sample) {
                    let i = row.as_u64().unwrap() as usize;
                    for (j, w) in want.as_array().unwrap().iter().enumerate() {
                        let (got, w) = (events.get(i, j), w.as_f64().unwrap());
                        assert!(close(got, w, 1e-6), "{rel} {key}: event {i} channel {j}: {got} != {w}");
                    }
                }
                let sums = expected[format!("{key}_sums")].as_array().unwrap();
                for (j, want) in sums.iter().enumerate() {
                    let got: f64 = events.column(j).iter().sum();
                    assert!(
                        close(got, want.as_f64().unwrap(), 1e-9),
                        "{rel} {key}: sum of channel {j}: {got} != {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn spillover_matrices_of_real_files() {
    let Some(data) = shared_data() else { return };
    let cases = [
        ("fcs/100715.fcs", "SPILL", 13),
        ("fcs/B01 KC-A-W---91-US.fcs", "$SPILLOVER", 0),
        ("fcs/test_comp_example.fcs", "SPILL", 14),
        ("gatingml2/data2.fcs", "", 0),
    ];
    for (rel, key, n) in cases {
        let file = fcs::read(data.join(rel)).unwrap();
        let ds = &file.datasets[0];
        let spill = ds.spillover().unwrap_or_else(|e| panic!("{rel}: {e}"));
        if key.is_empty() {
            continue;
        }
        let spill = spill.unwrap_or_else(|| panic!("{rel}: no spillover"));
        assert_eq!(spill.keyword, key, "{rel}");
        if n > 0 {
            assert_eq!(spill.n(), n, "{rel}");
        }
        for (i, name) in spill.channels.iter().enumerate() {
            assert!(ds.parameter(name).is_some(), "{rel}: spillover channel {name} is not a parameter");
            assert!((spill.get(i, i) - 1.0).abs() < 1e-9, "{rel}: diagonal");
        }
    }
}

#[test]
fn multiple_data_sets_follow_nextdata() {
    let Some(data) = shared_data() else { return };
    let file = fcs::read(data.join("fcs/coulter.lmd")).unwrap();
    assert_eq!(file.datasets.len(), 2);
    assert_eq!(file.datasets[1].header.version, fcs::Version::Fcs3_0);
    assert_eq!(file.datasets[1].offset, 363602);
    assert!(file.dataset(2).is_err());
}

#[test]
fn utf8_labels_survive() {
    let Some(data) = shared_data() else { return };
    let file = fcs::read(data.join("fcs/G11.fcs")).unwrap();
    let ds = &file.datasets[0];
    assert!(!ds.warnings.iter().any(|w| matches!(w, fcs::Warning::Latin1Text { .. })), "{:?}", ds.warnings);
    assert!(ds.parameters.iter().filter_map(|p| p.label.as_deref()).any(|l| !l.is_ascii()));
}
