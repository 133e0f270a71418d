//! The model's calibration as `niche model fit` reports it, in one place for the CLI and the
//! Python package: the fit to the seed paper's calibration targets ([`niche_model::calibrate`]),
//! the donor variability fitted to the published SDs ([`niche_model::donors`]), the
//! between-experiment variance function ([`niche_lab::wells::variance_structure`]) and the
//! decomposition of each CXCR4 MFI change (masking + synthesis + trafficking).
//!
//! Every number here is *fitted* (or computed from fitted parameters): none is a prediction.

use niche_lab::wells::variance_structure;
use niche_model::Parameters;
use niche_model::calibrate::{self, MfiChange};
use niche_model::donors::{DONOR_PARAMETERS, SdFit, Variability};
use niche_model::residual::VarianceFit;
use serde_json::{Value, json};

use crate::Result;

/// Everything `niche model fit` reports.
#[derive(Debug, Clone)]
pub struct FitReport {
    /// The fit to the calibration targets (targets, directions, estimates, χ², parameters).
    pub calibration: calibrate::Calibration,
    /// Log-normal donor variability (σ per donor parameter).
    pub variability: Variability,
    /// How each published SD is matched by donor variability alone.
    pub sd_fit: Vec<SdFit>,
    /// The between-experiment variance function and the SDs it reproduces.
    pub variance: VarianceFit,
    /// Each group's CXCR4 MFI change against blasts alone, decomposed.
    pub mfi_decomposition: Vec<MfiChange>,
}

impl FitReport {
    /// Refits from the literature values (`refit`), or evaluates the shipped calibrated
    /// parameters as they are.
    pub fn compute(refit: bool) -> Result<FitReport> {
        let calibration = if refit {
            calibrate::calibrate(&Parameters::literature())?
        } else {
            calibrate::evaluate(&Parameters::default())?
        };
        let (variability, sd_fit) = Variability::fit(&calibration.parameters)?;
        let (_, variance) = variance_structure(&calibration.parameters)?;
        let mfi_decomposition = calibrate::mfi_decomposition(&calibration.parameters)?;
        Ok(FitReport { calibration, variability, sd_fit, variance, mfi_decomposition })
    }

    /// The JSON object of `niche model fit --format json` and `niche.model.fit()`.
    pub fn to_json(&self) -> Value {
        let c = &self.calibration;
        json!({
            "targets": c.targets,
            "directions": c.directions,
            "estimates": c.estimates,
            "chi_square": c.chi_square,
            "identifiable": c.identifiable,
            "iterations": c.iterations,
            "parameters": c.parameters.provenance(),
            "mfi_decomposition": self.mfi_decomposition,
            "donor_variability": {"parameters": DONOR_PARAMETERS, "sigma": self.variability.sigma, "sd_fit": self.sd_fit},
            "variance_function": self.variance,
        })
    }
}
