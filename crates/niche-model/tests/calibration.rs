//! The calibrated model against the seed paper, and the calibration against itself.

use niche_model::Parameters;
use niche_model::calibrate::{FREE, calibrate, evaluate, free_parameter};

#[test]
fn every_published_mean_is_within_its_sd_and_every_direction_holds() {
    let report = evaluate(&Parameters::default()).unwrap();
    assert_eq!(report.targets.len(), 13, "5 CXCR4 + 4 CXCL12 + 4 apoptosis targets");
    for t in &report.targets {
        assert!(t.within_sd, "{} {:?}: model {} vs {} ± {}", t.group, t.readout, t.model, t.published, t.sd);
    }
    assert_eq!(report.directions.len(), 9);
    for d in &report.directions {
        assert!(d.pass, "{}: {:?}", d.claim, d.model);
    }
}

#[test]
fn calibration_from_the_literature_lands_on_the_defaults() {
    let fit = calibrate(&Parameters::literature()).unwrap();
    let mut defaults = Parameters::default();
    for ((name, _, _), estimate) in FREE.iter().zip(&fit.estimates) {
        let expected = *free_parameter(&mut defaults, name).unwrap();
        assert!((estimate.value / expected - 1.0).abs() < 1e-3, "{name}: {} vs {expected}", estimate.value);
        assert!(
            estimate.ci95.0 <= estimate.value && estimate.value <= estimate.ci95.1,
            "{name}: CI {:?}",
            estimate.ci95
        );
    }
    assert!(fit.chi_square < 13.0, "χ² {}", fit.chi_square);
}

#[test]
fn the_mfi_changes_split_into_masking_synthesis_and_trafficking() {
    let parts = niche_model::calibrate::mfi_decomposition(&Parameters::default()).unwrap();
    for part in &parts {
        println!("{part:?}");
        assert!((part.masking + part.synthesis + part.trafficking - part.total).abs() < 1e-9);
    }
    let by = |g: &str| parts.iter().find(|p| p.group == g).unwrap();
    assert_eq!(by("all_alone").total, 0.0);
    // co-culture: only trafficking (CXCL12-driven internalisation) lowers the MFI
    assert!(by("coculture").trafficking < 0.0 && by("coculture").masking == 0.0 && by("coculture").synthesis == 0.0);
    // AMD3100: masking dominates; VCR: synthesis raises it
    assert!(by("coculture_amd").masking < -100.0);
    assert!(by("coculture_vcr").synthesis > 100.0);
}
