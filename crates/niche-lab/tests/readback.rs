//! The lab's files in the standard tools: flowio reads the FCS files to the same raw values as
//! niche, pandas reads the plate export, Pillow the TIFF. Needs `NICHE_PYTHON` (set by `.ci/run`,
//! with flowio, pandas, Pillow); skips without it, except under `CI=true`.

use niche_fcs as fcs;
use niche_lab::Design;

#[test]
fn flowio_pandas_and_pillow_read_what_niche_reads() {
    let Some(python) = niche_testdata::python("flowio, pandas and Pillow") else { return };
    let dir = tempfile::tempdir().unwrap();
    let design = Design { replicates: niche_lab::design::Replicates::all(1), events: 2000, ..Design::seed() };
    let (manifest, _) = niche_lab::run::run(&design, 9, dir.path()).unwrap();
    let mut fcs_files = Vec::new();
    for entry in manifest.files.iter().filter(|f| f.assay == niche_core::Assay::Flow).take(6) {
        let path = dir.path().join(&entry.path);
        let file = fcs::Reader::default().read_path(&path).unwrap();
        let ds = &file.datasets[0];
        let events = ds.events::<f64>(fcs::Values::Raw).unwrap();
        let raw: Vec<Vec<f64>> =
            (0..events.n_events()).map(|i| (0..events.n_channels()).map(|j| events.column(j)[i]).collect()).collect();
        fcs_files.push(serde_json::json!({"path": path, "names": events.names(), "raw": raw}));
    }
    let plate_path = dir.path().join("elisa/cxcl12_plate.csv");
    let plate = niche_assay::Plate::parse(&std::fs::read_to_string(&plate_path).unwrap()).unwrap();
    let blot_path = dir.path().join("blot/blot_1.tif");
    let image = niche_assay::blot::GrayImage::open(&blot_path).unwrap();
    let expected = serde_json::json!({
        "fcs": fcs_files,
        "plate": {"path": plate_path, "od": plate.od},
        "blots": [{"path": blot_path, "width": image.width, "height": image.height,
                   "sum": image.pixels.iter().map(|&v| f64::from(v)).sum::<f64>()}],
    });
    let json_path = dir.path().join("expected.json");
    std::fs::write(&json_path, serde_json::to_vec(&expected).unwrap()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readback.py");
    let out = std::process::Command::new(&python).arg(script).arg(&json_path).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{}", String::from_utf8_lossy(&out.stdout));
}
