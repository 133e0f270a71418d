//! The seed study's gating strategy (`strategies/seed_flow.xml`) on FACSCalibur-like data.

use std::path::Path;

use niche_cyto::{SEED_GATING_ML, Sample, gatingml, stats};
use niche_fcs as fcs;

fn gate_file(path: &Path) -> (niche_cyto::GatingResults, Sample) {
    let strategy = gatingml::parse(SEED_GATING_ML).unwrap();
    let file = fcs::read(path).unwrap();
    let sample = Sample::from_dataset(path.display().to_string(), &file.datasets[0], fcs::Values::Scaled).unwrap();
    (strategy.apply(&sample).unwrap(), sample)
}

fn check_structure(r: &niche_cyto::GatingResults) {
    let count = |id: &str| r.population(id).unwrap().count;
    let blasts = count("Lymphoblasts");
    assert!(blasts > 0 && blasts < r.n_events);
    let quadrants: usize = ["Viable", "EarlyApoptotic", "LateApoptotic", "Necrotic"].iter().map(|q| count(q)).sum();
    assert_eq!(quadrants, blasts, "the quadrants partition the lymphoblasts");
    assert_eq!(count("Apoptotic"), count("EarlyApoptotic") + count("LateApoptotic"));
    let cd = r.population("CD45+CD19+").unwrap();
    let inside = &r.population("Lymphoblasts").unwrap().membership;
    assert!(cd.membership.iter().zip(inside).all(|(&c, &b)| !c || b), "CD45+CD19+ lies within the lymphoblasts");
    assert!((cd.relative_percent - 100.0 * cd.count as f64 / blasts as f64).abs() < 1e-9);
}

#[test]
fn seed_strategy_on_the_demo_file_finds_the_blasts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../niche-fcs/tests/data/niche_demo.fcs");
    let (r, sample) = gate_file(&path);
    check_structure(&r);
    // the demo file draws 80 % CD45+CD19+ blasts among all events
    let cd = r.population("CD45+CD19+").unwrap();
    assert!((70.0..90.0).contains(&cd.absolute_percent), "{}", cd.absolute_percent);
    // CXCR4-PE of the blasts is about 10^1.9 ≈ 79 by construction
    let s = stats::population_stats(sample.channel("FL2-H").unwrap(), &cd.membership, &[]).unwrap();
    assert!((50.0..120.0).contains(&s.median), "{}", s.median);
    assert!(r.warnings.is_empty(), "the demo file has a spillover matrix: {:?}", r.warnings);
}

#[test]
fn seed_strategy_on_a_real_facscalibur_file() {
    let Some(data) = niche_testdata::shared_data("fcs/0877408774.B08") else { return };
    let (r, _) = gate_file(&data);
    check_structure(&r);
    // CellQuest compensates in hardware and stores no spillover: "FCS" falls back, and says so
    assert!(r.warnings.iter().any(|w| w.contains("no spillover")), "{:?}", r.warnings);
}

#[test]
fn seed_strategy_round_trips_through_gating_ml() {
    let strategy = gatingml::parse(SEED_GATING_ML).unwrap();
    assert_eq!(gatingml::parse(&gatingml::write(&strategy)).unwrap(), strategy);
    assert_eq!(strategy.path("LateApoptotic"), ["Lymphoblasts", "LateApoptotic"]);
}

#[test]
fn statistics_of_an_empty_population_are_absent_not_an_error() {
    let xml = niche_cyto::SEED_GATING_ML.replace(
        r#"gating:min="20"><data-type:fcs-dimension data-type:name="FL3-H"/>"#,
        r#"gating:min="1e9"><data-type:fcs-dimension data-type:name="FL3-H"/>"#,
    );
    let strategy = gatingml::parse(&xml).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../niche-fcs/tests/data/niche_demo.fcs");
    let file = fcs::read(&path).unwrap();
    let sample = Sample::from_dataset("demo", &file.datasets[0], fcs::Values::Scaled).unwrap();
    let results = strategy.apply(&sample).unwrap();
    assert_eq!(results.population("CD45+CD19+").unwrap().count, 0);
    let rows = stats::gate_statistics(
        &strategy,
        &sample,
        &results,
        &["FL2-H".into(), "FL4-H".into()],
        &niche_cyto::CompensationRef::Fcs,
        &[50.0],
    )
    .unwrap();
    assert_eq!(rows.len(), 2 * results.populations.len());
    assert!(rows.iter().filter(|r| r.population == "CD45+CD19+").all(|r| r.stats.is_none()));
    assert!(rows.iter().filter(|r| r.population == "Lymphoblasts").all(|r| r.stats.is_some()));
}

#[test]
fn the_fortessa_strategy_has_the_seed_populations_on_facsdiva_channels() {
    let fortessa = gatingml::parse(niche_cyto::SEED_FORTESSA_GATING_ML).unwrap();
    assert_eq!(gatingml::parse(&gatingml::write(&fortessa)).unwrap(), fortessa);
    let seed = gatingml::parse(SEED_GATING_ML).unwrap();
    let ids = |s: &niche_cyto::GatingStrategy| s.gates().iter().map(|g| g.id.clone()).collect::<Vec<_>>();
    let (seed_ids, fortessa_ids) = (ids(&seed), ids(&fortessa));
    assert!(seed_ids.iter().all(|id| fortessa_ids.contains(id)), "{seed_ids:?} within {fortessa_ids:?}");
    assert_eq!(fortessa.path("LateApoptotic"), ["Singlets", "Lymphoblasts", "LateApoptotic"]);
    // the fluorescence thresholds are logicle values of about 500 and 730 compensated area units
    let niche_cyto::TransformKind::Scale(logicle) = &fortessa.transformation("Logicle").unwrap().kind else {
        panic!("Logicle is a scale")
    };
    assert!((logicle.inverse(0.38) - 500.0).abs() < 10.0, "{}", logicle.inverse(0.38));
    assert!((logicle.inverse(0.42) - 730.0).abs() < 15.0, "{}", logicle.inverse(0.42));
}
