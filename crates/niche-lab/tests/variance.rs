//! The virtual lab's replicates vary as the paper's did: in the typical experiment (the default
//! sampling) each group's six wells show the published SD of every readout the paper gives one for,
//! whether the model's donors or the residual carry it; with random sampling the spread is there on
//! average.

use niche_lab::Design;
use niche_lab::wells::{WellTruth, simulate_wells};
use niche_model::sampling::Sampling;

/// (group, readout, published SD) of every published mean ± SD, from the embedded targets.
fn published_sds() -> Vec<(String, &'static str, f64)> {
    niche_model::targets::seed().unwrap().means().into_iter().map(|m| (m.group, m.readout, m.sd)).collect()
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
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

#[test]
fn the_typical_experiment_shows_the_published_sds() {
    for seed in 1..=6 {
        let design = Design { sampling: Sampling::Typical, ..Design::seed() };
        let wells = simulate_wells(&design, seed).unwrap();
        for (group, readout, published) in published_sds() {
            let got = sd(&wells, &group, readout);
            // Within 8 % where the residual fills the gap; donors alone exceed the paper's SD for
            // three targets (VCR CXCR4 15.0 vs 13.7, VCR CXCL12 0.048 vs 0.044, ALL apoptosis 2.8
            // vs 2.4), which may then be up to 20 % above it.
            assert!(
                (got / published - 1.0).abs() < 0.2 && got / published > 0.92,
                "seed {seed}: {group} {readout}: SD {got:.4} vs published {published}"
            );
        }
    }
}

#[test]
fn random_experiments_show_the_published_sds_on_average() {
    let design = Design { sampling: Sampling::Random, ..Design::seed() };
    let repeats = 40;
    let published = published_sds();
    let mut variance = vec![0.0; published.len()];
    for seed in 0..repeats {
        let wells = simulate_wells(&design, 100 + seed).unwrap();
        for (k, (group, readout, _)) in published.iter().enumerate() {
            variance[k] += sd(&wells, group, readout).powi(2) / repeats as f64;
        }
    }
    for ((group, readout, published), v) in published.iter().zip(variance) {
        // the mean sample variance estimates the population variance (±25 % in SD for 40 × 5 df)
        assert!(
            (v.sqrt() / published - 1.0).abs() < 0.3,
            "{group} {readout}: √mean var {:.4} vs {published}",
            v.sqrt()
        );
    }
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
    let text = "sampling = \"latin\"\n[[group]]\nid = \"a\"\nmsc = true\n";
    let err = Design::parse(text).unwrap_err().to_string();
    assert!(err.contains("latin") && err.contains("typical") && err.contains("random"), "{err}");
    let ok = Design::parse("sampling = \"random\"\n[[group]]\nid = \"a\"\nmsc = true\n").unwrap();
    assert_eq!(ok.sampling, Sampling::Random);
}
