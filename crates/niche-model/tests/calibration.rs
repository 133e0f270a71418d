//! The calibrated model against the seed paper, and the calibration against itself.

use niche_model::Parameters;
use niche_model::calibrate::{FREE, calibrate, evaluate, free_parameter};

#[test]
fn every_published_mean_is_within_its_sd_and_every_direction_holds() {
    let report = evaluate(&Parameters::default()).unwrap();
    assert_eq!(report.targets.len(), 13, "5 CXCR4 + 4 CXCL12 + 4 apoptosis targets");
    for t in &report.targets {
        assert!(t.within_sd, "{}: model {} vs {} ± {}", t.id, t.model, t.published, t.sd);
    }
    // 6 blot directions, 10 comparison signs, 1 "undetectable"
    assert_eq!(report.directions.len(), 17);
    for d in &report.directions {
        assert!(d.pass, "{} {}: {:?}", d.id, d.claim, d.model);
    }
    // the fit's targets and the published numbers share their ids
    let seed = niche_model::targets::seed().unwrap();
    for t in &report.targets {
        let published = seed.means().into_iter().map(|m| m.id).chain(seed.comparisons().into_iter().map(|c| c.id));
        assert!(published.into_iter().any(|id| id == t.id), "{} is no published number", t.id);
    }
}

#[test]
fn calibration_from_the_literature_lands_on_the_defaults() {
    let fit = calibrate(&Parameters::literature()).unwrap();
    let mut defaults = Parameters::default();
    for ((name, _, _), estimate) in FREE.iter().zip(&fit.estimates) {
        let expected = *free_parameter(&mut defaults, name).unwrap();
        assert!((estimate.value / expected - 1.0).abs() < 1e-3, "{name}: {} vs {expected}", estimate.value);
        assert!(estimate.se_log.is_finite() && estimate.se_log > 0.0, "{name}: SE {}", estimate.se_log);
    }
    assert!(fit.chi_square < 13.0, "χ² {}", fit.chi_square);
}

#[test]
fn the_mfi_changes_split_into_masking_synthesis_and_trafficking() {
    let parts = niche_model::calibrate::mfi_decomposition(&Parameters::default()).unwrap();
    let by = |g: &str| parts.iter().find(|p| p.group == g).unwrap();
    assert_eq!(by("all_alone").total, 0.0);
    // co-culture: only trafficking (CXCL12-driven internalisation) lowers the MFI
    assert!(by("coculture").trafficking < 0.0 && by("coculture").masking == 0.0 && by("coculture").synthesis == 0.0);
    // AMD3100: masking dominates; VCR: synthesis raises it
    assert!(by("coculture_amd").masking < -100.0);
    assert!(by("coculture_vcr").synthesis > 100.0);
}
