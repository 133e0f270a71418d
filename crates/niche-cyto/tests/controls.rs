//! Spillover from the FACSCalibur single-stain controls (`../shared/data/fcs/facscalibur_compensation`,
//! 060909.001 unstained) against FlowIO + numpy (`fixtures/make_controls_reference.py`). Skips
//! where the data is absent; fails under `CI=true`.

use niche_cyto::{Sample, controls};
use niche_fcs as fcs;

#[test]
fn facscalibur_controls_give_the_independently_computed_matrix() {
    let Some(first) = niche_testdata::shared_data("fcs/facscalibur_compensation/060909.001") else { return };
    let dir = first.parent().unwrap().to_path_buf();
    let reference: serde_json::Value = serde_json::from_str(include_str!("fixtures/controls_reference.json")).unwrap();
    let read = |name: &str| {
        let file = fcs::read(dir.join(name)).unwrap();
        Sample::from_dataset(name, &file.datasets[0], fcs::Values::Scaled).unwrap()
    };
    let unstained = read("060909.001");
    let stained: Vec<Sample> =
        reference["stained"].as_array().unwrap().iter().map(|n| read(n.as_str().unwrap())).collect();
    let controls: Vec<controls::Control> =
        stained.iter().map(|sample| controls::Control { sample, primary: None }).collect();
    let channels: Vec<String> = ["FL1-H", "FL2-H", "FL3-H", "FL1-A", "FL4-H"].iter().map(|s| s.to_string()).collect();
    let estimate = controls::spillover_from_controls(&unstained, &controls, &channels, 90.0).unwrap();
    let want_channels: Vec<&str> =
        reference["channels"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(estimate.channels, want_channels);
    let want: Vec<f64> = reference["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    for (k, (got, want)) in estimate.matrix.iter().zip(&want).enumerate() {
        assert!((got - want).abs() <= 1e-12, "entry {k}: {got} vs {want}");
    }
    // FITC spills a quarter of its light into FL2 on this instrument, PE 15 % into FL3
    assert!((estimate.matrix[1] - 0.2506).abs() < 1e-3 && (estimate.matrix[7] - 0.1549).abs() < 1e-3);
}
