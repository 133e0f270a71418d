//! The virtual lab's replicates vary as the variance model says (donors and the between-experiment
//! variance function, `niche_model::residual`): in the typical experiment each group's wells show
//! the model's SD of every readout the paper gives one for; with random sampling (the default) the
//! spread is there on average. Where the model's SD misses the paper's, `niche model fit` says so.

use niche_lab::Design;
use niche_lab::wells::{WellTruth, simulate_wells};
use niche_model::sampling::Sampling;

/// (group, readout, SD the variance model gives a well: donors and between-experiment variation,
/// without the assay's own) of every published mean ± SD.
fn model_sds() -> Vec<(String, &'static str, f64)> {
    let (_, fit) = niche_lab::wells::variance_structure(&niche_model::Parameters::default()).unwrap();
    let targets = niche_model::targets::seed().unwrap();
    targets
        .means()
        .into_iter()
        .map(|m| {
            let s = fit.sds.iter().find(|s| s.id == m.id).expect("every published SD is in the fit");
            (m.group, m.readout, (s.donor_sd.powi(2) + s.between_sd.powi(2)).sqrt())
        })
        .collect()
}

fn sd(wells: &[WellTruth], group: &str, readout: &str) -> f64 {
    let v: Vec<f64> = wells
        .iter()
        .filter(|w| w.group == group)
        .map(|w| match readout {
            "cxcr4_mfi" => w.readouts.cxcr4_mfi,
            "cxcl12_ng" => w.readouts.cxcl12_ng_per_ml,
            _ => w.readouts.apoptosis_percent,
        })
        .collect();
    niche_stats::sd(&v)
}

#[test]
fn the_typical_experiment_shows_the_variance_models_sds() {
    for seed in 1..=6 {
        let design = Design { sampling: Sampling::Typical, ..Design::seed() };
        let wells = simulate_wells(&design, seed).unwrap();
        for (group, readout, expected) in model_sds() {
            let got = sd(&wells, &group, readout);
            // linearised donor SD vs the wells' nonlinear response, and the residual's floor
            assert!((got / expected - 1.0).abs() < 0.2, "seed {seed}: {group} {readout}: SD {got:.4} vs {expected:.4}");
        }
    }
}

#[test]
fn random_experiments_show_the_variance_models_sds_on_average() {
    let design = Design { sampling: Sampling::Random, ..Design::seed() };
    let repeats = 40;
    let expected = model_sds();
    let mut variance = vec![0.0; expected.len()];
    for seed in 0..repeats {
        let wells = simulate_wells(&design, 100 + seed).unwrap();
        for (k, (group, readout, _)) in expected.iter().enumerate() {
            variance[k] += sd(&wells, group, readout).powi(2) / repeats as f64;
        }
    }
    for ((group, readout, expected), v) in expected.iter().zip(variance) {
        // the mean sample variance estimates the population variance (±25 % in SD for 40 × 4 df)
        assert!(
            (v.sqrt() / expected - 1.0).abs() < 0.3,
            "{group} {readout}: √mean var {:.4} vs {expected:.4}",
            v.sqrt()
        );
    }
}

#[test]
fn a_lab_run_at_trace_doses_writes_the_same_between_sds_as_at_none() {
    use niche_lab::design::{Group, Replicates};
    let group = |id: &str, vcr: f64, amd: f64| {
        Group::of_condition(id, None, &niche_model::Condition { msc: true, vcr_um: vcr, amd_ug_per_ml: amd })
    };
    let design = Design {
        groups: vec![group("none", 0.0, 0.0), group("vcr_trace", 1e-5, 0.0), group("amd_trace", 0.0, 1e-5)],
        replicates: Replicates { flow: 2, elisa: 2, blot: 1 },
        events: 500,
        ..Design::seed()
    };
    let dir = tempfile::tempdir().unwrap();
    niche_lab::run::run(&design, 5, dir.path()).unwrap();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap()).unwrap();
    let between = |g: &str, readout: &str| {
        let well = truth["wells"].as_array().unwrap().iter().find(|w| w["group"] == g).unwrap();
        well["between_sd"][readout].as_f64().unwrap()
    };
    for readout in ["cxcr4_mfi", "cxcl12_ng_per_ml", "apoptosis_percent"] {
        let none = between("none", readout);
        assert!(none > 0.0, "{readout}");
        for trace in ["vcr_trace", "amd_trace"] {
            let t = between(trace, readout);
            assert!((t / none - 1.0).abs() < 0.01, "{readout} {trace}: {t} vs {none}");
        }
    }
}

#[test]
fn flow_and_elisa_may_measure_different_numbers_of_replicates() {
    let design = Design {
        replicates: niche_lab::design::Replicates { flow: 4, elisa: 3, blot: 1 },
        events: 500,
        ..Design::seed()
    };
    let dir = tempfile::tempdir().unwrap();
    let (manifest, truth) = niche_lab::run::run(&design, 2, dir.path()).unwrap();
    let flow = manifest
        .files
        .iter()
        .filter(|f| f.assay == niche_core::Assay::Flow && f.group.as_deref() == Some("coculture"))
        .count();
    assert_eq!(flow, 4 * 3, "four wells of three tubes");
    let layout = std::fs::read_to_string(dir.path().join("elisa/cxcl12_layout.toml")).unwrap();
    assert!(layout.contains("coculture_r3") && !layout.contains("coculture_r4"), "{layout}");
    assert_eq!(truth.wells.iter().filter(|w| w.group == "coculture").count(), 4);
    let err = Design::parse("replicates = { elisa = 0 }\n[[group]]\nid = \"a\"\n").unwrap_err().to_string();
    assert!(err.contains("replicates.elisa = 0"), "{err}");
    let parsed = Design::parse("replicates = { flow = 4, elisa = 3 }\n[[group]]\nid = \"a\"\n").unwrap();
    assert_eq!((parsed.replicates.flow, parsed.replicates.elisa, parsed.replicates.blot), (4, 3, 3));
    assert_eq!(Design::parse("replicates = 2\n[[group]]\nid = \"a\"\n").unwrap().replicates.blot, 2);
}

#[test]
fn truth_keeps_the_model_state_beside_the_well() {
    let wells = simulate_wells(&Design::seed(), 3).unwrap();
    let co: Vec<&WellTruth> = wells.iter().filter(|w| w.group == "coculture").collect();
    // the residual moves the readouts the paper gives SDs for, and nothing else
    assert!(co.iter().any(|w| w.readouts.cxcr4_mfi != w.model.cxcr4_mfi));
    assert!(co.iter().all(|w| w.readouts.bax == w.model.bax && w.readouts.bcl2 == w.model.bcl2));
    // blasts alone carry no CXCL12, with or without residual
    assert!(wells.iter().filter(|w| w.group == "all_alone").all(|w| w.readouts.cxcl12_ng_per_ml.abs() < 1e-9));
}

#[test]
fn a_bad_sampling_in_a_design_file_is_a_clear_error() {
    let text = "sampling = \"latin\"\n[[group]]\nid = \"a\"\ncoculture = \"MSC\"\n";
    let err = Design::parse(text).unwrap_err().to_string();
    assert!(err.contains("latin") && err.contains("typical") && err.contains("random"), "{err}");
    let ok = Design::parse("sampling = \"random\"\n[[group]]\nid = \"a\"\ncoculture = \"MSC\"\n").unwrap();
    assert_eq!(ok.sampling, Sampling::Random);
}
