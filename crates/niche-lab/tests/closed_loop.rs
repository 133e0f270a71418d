//! The loop: the virtual lab writes raw files from the model, niche's analysis reads them, and
//! what it finds must be the model's truth — apoptosis within 1 percentage point, the CXCR4 MFI
//! ratio within 5 %, CXCL12 within 10 % inside the standards' range, blot band ratios within 10 %
//! below saturation.

use niche_assay::blot::{BlotLayout, GrayImage, quantify};
use niche_assay::curve::{Model, Weight};
use niche_assay::{Layout, Plate, elisa};
use niche_cyto as cyto;
use niche_cyto::CompensationRef;
use niche_fcs as fcs;
use niche_lab::Design;
use niche_lab::run::run;

fn gate(path: &std::path::Path) -> (cyto::GatingStrategy, cyto::Sample, cyto::GatingResults) {
    let strategy = cyto::gatingml::parse(cyto::SEED_GATING_ML).unwrap();
    let file = fcs::Reader::default().read_path(path).unwrap();
    let sample = cyto::Sample::from_dataset("t", &file.datasets[0], fcs::Values::Scaled).unwrap();
    let results = strategy.apply(&sample).unwrap();
    (strategy, sample, results)
}

fn median_pe(path: &std::path::Path) -> f64 {
    let (strategy, sample, results) = gate(path);
    let stats =
        cyto::stats::gate_statistics(&strategy, &sample, &results, &["FL2-H".to_string()], &CompensationRef::Fcs, &[])
            .unwrap();
    stats.iter().find(|s| s.population == "CD45+CD19+").unwrap().stats.as_ref().unwrap().median
}

#[test]
fn the_analysis_recovers_the_models_truth() {
    let dir = tempfile::tempdir().unwrap();
    let design = Design { replicates: niche_lab::design::Replicates::all(2), ..Design::seed() };
    let (manifest, truth) = run(&design, 11, dir.path()).unwrap();
    assert_eq!(manifest.files.len(), 5 * 2 * 3 + 1 + 2);
    let mut report = Vec::new();
    for well in &truth.wells {
        let stem = dir.path().join(format!("flow/{}_r{}", well.group, well.replicate));
        // apoptosis: Apoptotic (early + late) within the lymphoblast gate
        let (_, _, results) = gate(&stem.with_file_name(format!("{}_r{}_apoptosis.fcs", well.group, well.replicate)));
        let apoptosis = results.population("Apoptotic").unwrap().relative_percent;
        let want = well.readouts.apoptosis_percent;
        report.push(format!("{} r{}: apoptosis {apoptosis:.2} vs {want:.2}", well.group, well.replicate));
        assert!((apoptosis - want).abs() < 1.0, "{}", report.join("\n"));
        // CXCR4: median PE of CD45+CD19+ blasts, stained over isotype
        let stained = median_pe(&stem.with_file_name(format!("{}_r{}_cxcr4.fcs", well.group, well.replicate)));
        let isotype = median_pe(&stem.with_file_name(format!("{}_r{}_isotype.fcs", well.group, well.replicate)));
        let ratio = stained / isotype;
        let want = well.readouts.cxcr4_mfi;
        report.push(format!("{} r{}: MFI ratio {ratio:.1} vs {want:.1}", well.group, well.replicate));
        assert!((ratio / want - 1.0).abs() < 0.05, "{}", report.join("\n"));
    }
    // ELISA
    let plate = Plate::parse(&std::fs::read_to_string(dir.path().join("elisa/cxcl12_plate.csv")).unwrap()).unwrap();
    let layout = Layout::parse(&std::fs::read_to_string(dir.path().join("elisa/cxcl12_layout.toml")).unwrap()).unwrap();
    let elisa = elisa::analyze(&plate, &layout, Model::FourPl, Weight::None, 20.0).unwrap();
    for well in &truth.wells {
        let id = format!("{}_r{}", well.group, well.replicate);
        let sample = elisa.samples.iter().find(|s| s.id == id).unwrap();
        let want = well.readouts.cxcl12_ng_per_ml;
        if want < 0.156 {
            assert_eq!(sample.flag, Some("<LLOQ"), "{id}: {want} ng/mL must stay below the lowest standard");
        } else {
            let got = sample.conc.unwrap();
            report.push(format!("{id}: CXCL12 {got:.3} vs {want:.3}"));
            assert!((got / want - 1.0).abs() < 0.10, "{}", report.join("\n"));
        }
    }
    // Blots
    for blot in &truth.blots {
        let image = GrayImage::open(&dir.path().join(&blot.file)).unwrap();
        let layout_path = dir.path().join(blot.file.replace(".tif", "_layout.toml"));
        let layout = BlotLayout::parse(&std::fs::read_to_string(layout_path).unwrap()).unwrap();
        let result = quantify(&image, &layout).unwrap();
        let lanes = blot.lanes.len();
        for (l, lane) in blot.lanes.iter().enumerate() {
            assert!(!lane.saturated);
            for t in 1..3 {
                let got = result.bands[t * lanes + l].normalized.unwrap();
                let want = lane.volumes[t] / lane.volumes[0];
                report.push(format!(
                    "{} lane {}: {} {got:.4} vs {want:.4}",
                    blot.file,
                    l + 1,
                    result.bands[t * lanes + l].target
                ));
                assert!((got / want - 1.0).abs() < 0.10, "{}", report.join("\n"));
            }
        }
    }
    println!("{}", report.join("\n"));
}

#[test]
fn runs_are_reproducible_and_designs_are_checked() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let design = Design { replicates: niche_lab::design::Replicates::all(1), events: 500, ..Design::seed() };
    run(&design, 5, a.path()).unwrap();
    run(&design, 5, b.path()).unwrap();
    for name in ["flow/coculture_r1_cxcr4.fcs", "elisa/cxcl12_plate.csv", "blot/blot_1.tif", "truth.json"] {
        assert_eq!(std::fs::read(a.path().join(name)).unwrap(), std::fs::read(b.path().join(name)).unwrap(), "{name}");
    }
    for (text, needle) in [
        ("replicates = 0\n[[group]]\nid = \"a\"\ncoculture = \"MSC\"\n", "replicates.flow = 0"),
        ("[[group]]\nid = \"a b\"\n", "group id"),
        ("[[group]]\nid = \"a\"\ntreatments = { vincristine = \"-1 uM\" }\n", "finite, non-negative"),
        (
            "[[group]]\nid = \"a\"\ntreatments = { cytarabine = \"1 uM\" }\n",
            "does not simulate the treatment \"cytarabine\"",
        ),
        ("[[group]]\nid = \"a\"\ncoculture = \"HS-5\"\n", "co-culture on \"HS-5\""),
        ("[[group]]\nid = \"a\"\n[[group]]\nid = \"a\"\n", "appears twice"),
        ("[[group]]\nid = \"a\"\ndose = 3\n", "unknown field"),
        ("[[group]]\nid = \"a\"\nmsc = true\n", "line 3: `msc` was replaced by coculture = \"MSC\""),
        ("elisa_replicates = 3\n[[group]]\nid = \"a\"\n", "line 1: `elisa_replicates` was replaced by replicates = {"),
        ("patients = 5000\n[[group]]\nid = \"a\"\n", "patients = 5000: give 1 to 1000"),
    ] {
        let err = Design::parse(text).unwrap_err().to_string();
        assert!(err.contains(needle), "{err} lacks {needle}");
    }
}
