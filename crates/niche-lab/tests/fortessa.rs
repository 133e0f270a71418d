//! The LSRFortessa profile: its files say what a FACSDiva file says (FCS 3.1, floats, big-endian,
//! area/height/width, 18-bit linear range, `$SPILLOVER` over the -A channels), and the Fortessa
//! gating (`seed_fortessa.xml`) recovers the model's truth from them within the closed loop's
//! tolerances (`closed_loop.rs`): apoptosis within 1 percentage point, the CXCR4 MFI ratio within
//! 5 %. The cells and the truth are the FACSCalibur's; only the measurement differs.

use niche_cyto as cyto;
use niche_cyto::CompensationRef;
use niche_fcs as fcs;
use niche_lab::run::run;
use niche_lab::{Design, Instrument};

fn fortessa(replicates: usize, events: usize) -> Design {
    Design {
        replicates: niche_lab::design::Replicates::all(replicates),
        events,
        instrument: Instrument::Fortessa,
        ..Design::seed()
    }
}

fn gate(path: &std::path::Path) -> (cyto::GatingStrategy, cyto::Sample, cyto::GatingResults) {
    let strategy = cyto::gatingml::parse(cyto::SEED_FORTESSA_GATING_ML).unwrap();
    let file = fcs::Reader::default().read_path(path).unwrap();
    let sample = cyto::Sample::from_dataset("t", &file.datasets[0], fcs::Values::Scaled).unwrap();
    let results = strategy.apply(&sample).unwrap();
    assert!(results.warnings.is_empty(), "{:?}", results.warnings);
    (strategy, sample, results)
}

fn median_pe(path: &std::path::Path) -> f64 {
    let (strategy, sample, results) = gate(path);
    let stats =
        cyto::stats::gate_statistics(&strategy, &sample, &results, &["PE-A".to_string()], &CompensationRef::Fcs, &[])
            .unwrap();
    stats.iter().find(|s| s.population == "CD45+CD19+").unwrap().stats.as_ref().unwrap().median
}

#[test]
fn fortessa_files_have_facsdivas_parameters_and_keywords() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = run(&fortessa(1, 3000), 4, dir.path()).unwrap();
    assert_eq!(manifest.design.instrument, Instrument::Fortessa);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(json["design"]["instrument"], "fortessa");

    let file = fcs::Reader::default().read_path(dir.path().join("flow/coculture_r1_cxcr4.fcs")).unwrap();
    let ds = &file.datasets[0];
    assert_eq!(ds.header.version, fcs::Version::Fcs3_1);
    let kw = |k: &str| ds.keywords.get(k).map(str::to_string);
    assert_eq!(kw("$DATATYPE").as_deref(), Some("F"));
    assert_eq!(kw("$BYTEORD").as_deref(), Some("4,3,2,1"));
    assert_eq!(kw("$CYT").as_deref(), Some("LSRFortessa"));
    assert_eq!(kw("$TOT").as_deref(), Some("3000"));
    assert_eq!(kw("TUBE NAME").as_deref(), Some("CXCR4"));
    let names: Vec<&str> = ds.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, niche_lab::cytometer::FORTESSA_CHANNELS);
    for p in &ds.parameters {
        assert_eq!(p.range, 262_144.0, "{}", p.name);
        assert_eq!(p.bits, Some(32), "{}", p.name);
        assert_eq!(p.amplification, fcs::Amplification::LINEAR, "{}", p.name);
        assert_eq!(kw(&format!("$P{}E", p.index)).as_deref(), Some("0,0"), "{}", p.name);
    }
    let label = |name: &str| ds.parameters.iter().find(|p| p.name == name).unwrap().label.clone();
    assert_eq!(label("PE-A").as_deref(), Some("CXCR4 (CD184)"));
    assert_eq!(label("PE-H").as_deref(), Some("CXCR4 (CD184)"));
    assert_eq!(label("PerCP-Cy5-5-A").as_deref(), Some("CD45"));
    assert_eq!(label("APC-A").as_deref(), Some("CD19"));
    assert_eq!(label("FSC-A"), None);
    let spill = ds.spillover().unwrap().expect("$SPILLOVER");
    assert_eq!(spill.keyword, "$SPILLOVER");
    assert_eq!(spill.channels, niche_lab::cytometer::FORTESSA_FLUORESCENCE);

    // W = A / H × 65536, heights within the 18-bit range, dim areas negative after baseline
    // restoration and more so after compensation
    let events = ds.events::<f64>(fcs::Values::Scaled).unwrap();
    let col = |name: &str| events.column(events.names().iter().position(|n| n == name).unwrap());
    let (a, h, w) = (col("FSC-A"), col("FSC-H"), col("FSC-W"));
    for i in 0..events.n_events() {
        assert!((0.0..262_144.0).contains(&h[i]), "FSC-H {}", h[i]);
        if h[i] > 100.0 && w[i] < 262_143.0 {
            let want = a[i] / h[i] * 65_536.0;
            assert!((w[i] / want - 1.0).abs() < 1e-5, "event {i}: W {} vs A/H×65536 {want}", w[i]);
        }
    }
    let fitc = col("FITC-A");
    assert!(fitc.iter().any(|&v| v < 0.0), "dim FITC areas scatter below zero");
    let sample = cyto::Sample::from_dataset("t", ds, fcs::Values::Scaled).unwrap();
    let strategy = cyto::gatingml::parse(cyto::SEED_FORTESSA_GATING_ML).unwrap();
    let dimension = cyto::Dimension {
        source: cyto::Source::Channel("FITC-A".into()),
        compensation: CompensationRef::Fcs,
        transformation: None,
    };
    let compensated = strategy.dimension_values(&sample, &dimension).unwrap();
    let below = |v: &[f64]| v.iter().filter(|&&x| x < 0.0).count();
    assert!(below(&compensated) > below(fitc), "compensation pushes more dim FITC areas below zero");

    // the apoptosis tube labels Annexin V and PI
    let file = fcs::Reader::default().read_path(dir.path().join("flow/coculture_r1_apoptosis.fcs")).unwrap();
    let ds = &file.datasets[0];
    let label = |name: &str| ds.parameters.iter().find(|p| p.name == name).unwrap().label.clone();
    assert_eq!(label("FITC-A").as_deref(), Some("Annexin V"));
    assert_eq!(label("PerCP-Cy5-5-A").as_deref(), Some("PI"));
    assert_eq!(label("PE-A"), None);
}

#[test]
fn the_fortessa_gating_recovers_the_models_truth() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, truth) = run(&fortessa(2, 20_000), 11, dir.path()).unwrap();
    assert_eq!(manifest.files.iter().filter(|f| f.assay == niche_core::Assay::Flow).count(), 5 * 2 * 3);
    let mut report = Vec::new();
    for well in &truth.wells {
        let stem = format!("flow/{}_r{}", well.group, well.replicate);
        let (_, _, results) = gate(&dir.path().join(format!("{stem}_apoptosis.fcs")));
        // the singlet gate keeps the blasts and drops the doublets (0.5 % of events)
        let singlets = results.population("Singlets").unwrap().absolute_percent;
        assert!((97.0..99.8).contains(&singlets), "{stem}: {singlets} % singlets");
        let apoptosis = results.population("Apoptotic").unwrap().relative_percent;
        let want = well.readouts.apoptosis_percent;
        report.push(format!("{stem}: apoptosis {apoptosis:.2} vs {want:.2} ({:+.2} pp)", apoptosis - want));
        assert!((apoptosis - want).abs() < 1.0, "{}", report.join("\n"));
        let stained = median_pe(&dir.path().join(format!("{stem}_cxcr4.fcs")));
        let isotype = median_pe(&dir.path().join(format!("{stem}_isotype.fcs")));
        let ratio = stained / isotype;
        let want = well.readouts.cxcr4_mfi;
        report.push(format!("{stem}: MFI ratio {ratio:.1} vs {want:.1} ({:+.2} %)", 100.0 * (ratio / want - 1.0)));
        assert!((ratio / want - 1.0).abs() < 0.05, "{}", report.join("\n"));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn the_instrument_changes_the_files_not_the_truth() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let calibur = Design { instrument: Instrument::FacsCalibur, ..fortessa(1, 500) };
    let (_, truth_a) = run(&calibur, 5, a.path()).unwrap();
    let (_, truth_b) = run(&fortessa(1, 500), 5, b.path()).unwrap();
    assert_eq!(truth_a, truth_b);
    for name in ["truth.json", "elisa/cxcl12_plate.csv", "blot/blot_1.tif"] {
        assert_eq!(std::fs::read(a.path().join(name)).unwrap(), std::fs::read(b.path().join(name)).unwrap(), "{name}");
    }
    let name = "flow/coculture_r1_cxcr4.fcs";
    assert_ne!(std::fs::read(a.path().join(name)).unwrap(), std::fs::read(b.path().join(name)).unwrap());
    // and a Fortessa run is reproducible from its seed
    let c = tempfile::tempdir().unwrap();
    run(&fortessa(1, 500), 5, c.path()).unwrap();
    assert_eq!(std::fs::read(b.path().join(name)).unwrap(), std::fs::read(c.path().join(name)).unwrap());
    // a design file names the instrument; an unknown one is refused with the ones there are
    let design = Design::parse("instrument = \"fortessa\"\n[[group]]\nid = \"a\"\n").unwrap();
    assert_eq!(design.instrument, Instrument::Fortessa);
    let err = Design::parse("instrument = \"aria\"\n[[group]]\nid = \"a\"\n").unwrap_err().to_string();
    assert!(err.contains("line 1") && err.contains("facscalibur") && err.contains("fortessa"), "{err}");
}
