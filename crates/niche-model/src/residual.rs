//! Between-experiment variation the donor model leaves unexplained: the "residual error" of
//! population modelling, on top of the donors' parameter variability ([`crate::donors`]).
//!
//! The paper's replicate SDs are not all explained by donors differing in receptors, secretion
//! and hazard. One σ per donor parameter cannot give the co-culture a CXCR4 SD of 91 (35 % of
//! its mean) while VCR's is 13.7 (3 %), nor a co-culture CXCL12 SD of 12.6 % beside 3.3 % under
//! VCR: whatever varied between the paper's co-cultures (MSC confluence, contact, passage) is not
//! in the model. Rather than hide that, the virtual lab adds it back per condition and readout at
//! the paper's own magnitude, and says so:
//!
//! ```text
//! SD_resid² = max(0, SD_published² − SD_donors² − SD_assay²)
//! CXCR4 MFI:  (MFI − 1) · max(0.05, 1 + κ·z),  κ = SD_resid/(mean − 1)
//! CXCL12:     c · max(0.05, 1 + κ·z),          κ = SD_resid/mean
//! apoptosis:  logit(a) + τ·z,                  τ = SD_resid / (ā·(1 − ā)),  ā = mean/100
//! ```
//!
//! The paper summarises each group as mean ± SD, so the residual is normal on that scale, relative
//! to the mean (κ is a coefficient of variation) so that it carries over to other doses; the floor
//! at 5 % of the value keeps it positive and binds only below z = −2.7 at the paper's largest
//! κ (0.35, co-culture CXCR4), for 0.3 % of wells. Apoptosis stays within 0–100 % on the logit
//! scale.
//!
//! with `z ~ N(0, 1)` per well and readout, `SD_donors` the donor model's SD of that target
//! ([`SdFit::model_sd`]) and `SD_assay` the measurement's own replicate SD (the ELISA's, for
//! example), which the published SD already contains. A condition takes the residual of the seed
//! condition it belongs to ([`ConditionClass`]); where the paper gives no SD for a condition
//! (apoptosis with AMD3100 alone) the co-culture's is used. Blots carry no residual: the paper
//! shows representative blots, without SDs.

use serde::Serialize;

use crate::calibrate::Readout;
use crate::condition::Condition;
use crate::donors::SdFit;
use crate::simulate::Readouts;

/// The seed paper's five conditions; any condition belongs to one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionClass {
    /// Blasts without MSCs (whatever the drugs).
    AllAlone,
    /// Co-culture, no drug.
    Coculture,
    /// Co-culture with AMD3100.
    CocultureAmd,
    /// Co-culture with VCR.
    CocultureVcr,
    /// Co-culture with VCR and AMD3100.
    CocultureVcrAmd,
}

impl ConditionClass {
    /// All five, in the seed's group order.
    pub const ALL: [ConditionClass; 5] = [
        ConditionClass::AllAlone,
        ConditionClass::Coculture,
        ConditionClass::CocultureAmd,
        ConditionClass::CocultureVcr,
        ConditionClass::CocultureVcrAmd,
    ];

    /// The class of a condition: MSCs or not, then whether VCR and AMD3100 are present.
    pub fn of(c: &Condition) -> ConditionClass {
        match (c.msc, c.vcr_um > 0.0, c.amd_ug_per_ml > 0.0) {
            (false, _, _) => ConditionClass::AllAlone,
            (true, false, false) => ConditionClass::Coculture,
            (true, false, true) => ConditionClass::CocultureAmd,
            (true, true, false) => ConditionClass::CocultureVcr,
            (true, true, true) => ConditionClass::CocultureVcrAmd,
        }
    }

    /// The seed group id of the class.
    pub fn seed_group(self) -> &'static str {
        match self {
            ConditionClass::AllAlone => "all_alone",
            ConditionClass::Coculture => "coculture",
            ConditionClass::CocultureAmd => "coculture_amd",
            ConditionClass::CocultureVcr => "coculture_vcr",
            ConditionClass::CocultureVcrAmd => "coculture_vcr_amd",
        }
    }

    fn index(self) -> usize {
        ConditionClass::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// One class's residual spread, on the scales of the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ResidualSd {
    /// Coefficient of variation of MFI − 1.
    pub cxcr4_cv: f64,
    /// Coefficient of variation of CXCL12.
    pub cxcl12_cv: f64,
    /// SD of logit(apoptosis fraction).
    pub apoptosis_logit: f64,
}

impl ResidualSd {
    /// Number of scores [`ResidualSd::apply`] takes.
    pub const DIMENSIONS: usize = 3;

    /// A well's readouts with its residual: `z` = (CXCR4, CXCL12, apoptosis) scores.
    pub fn apply(&self, r: &Readouts, z: [f64; 3]) -> Readouts {
        let factor = |cv: f64, z: f64| (1.0 + cv * z).max(0.05);
        let mut out = *r;
        out.cxcr4_mfi = 1.0 + (r.cxcr4_mfi - 1.0).max(0.0) * factor(self.cxcr4_cv, z[0]);
        out.cxcl12_ng_per_ml = r.cxcl12_ng_per_ml * factor(self.cxcl12_cv, z[1]);
        let a = (r.apoptosis_percent / 100.0).clamp(1e-9, 1.0 - 1e-9);
        if r.apoptosis_percent > 0.0 {
            let shifted = 1.0 / (1.0 + (-((a / (1.0 - a)).ln() + self.apoptosis_logit * z[2])).exp());
            let scale = shifted / a;
            out.early_percent = r.early_percent * scale;
            out.late_percent = r.late_percent * scale;
            out.apoptosis_percent = out.early_percent + out.late_percent;
        }
        out
    }
}

/// How one published SD splits into donors, assay and residual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidualFit {
    /// Seed group.
    pub group: String,
    /// Readout.
    pub readout: Readout,
    /// Published mean.
    pub published: f64,
    /// Published SD.
    pub published_sd: f64,
    /// The donor model's SD.
    pub donor_sd: f64,
    /// The assay's own replicate SD.
    pub assay_sd: f64,
    /// What is left: `√max(0, published² − donors² − assay²)`.
    pub residual_sd: f64,
}

/// Residual spreads per [`ConditionClass`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Residuals {
    /// Per class, in [`ConditionClass::ALL`] order.
    pub classes: [ResidualSd; 5],
    /// The split of every published SD.
    pub fits: Vec<ResidualFit>,
}

impl Residuals {
    /// Fits the residuals from the donor model's SD per target (`Variability::fit`) and the
    /// assay's replicate SD, `assay_sd(readout, mean)`.
    pub fn fit(donor_sds: &[SdFit], assay_sd: impl Fn(Readout, f64) -> f64) -> Residuals {
        let mut classes = [ResidualSd::default(); 5];
        let mut given = [[false; 3]; 5];
        let mut fits = Vec::new();
        for s in donor_sds {
            let Some(class) = ConditionClass::ALL.iter().find(|c| c.seed_group() == s.group) else { continue };
            let assay = assay_sd(s.readout, s.published);
            let residual = (s.published_sd.powi(2) - s.model_sd.powi(2) - assay.powi(2)).max(0.0).sqrt();
            fits.push(ResidualFit {
                group: s.group.clone(),
                readout: s.readout,
                published: s.published,
                published_sd: s.published_sd,
                donor_sd: s.model_sd,
                assay_sd: assay,
                residual_sd: residual,
            });
            let slot = &mut classes[class.index()];
            let k = match s.readout {
                Readout::Cxcr4Mfi => {
                    slot.cxcr4_cv = residual / (s.published - 1.0);
                    0
                }
                Readout::Cxcl12NgPerMl => {
                    slot.cxcl12_cv = residual / s.published;
                    1
                }
                Readout::ApoptosisPercent => {
                    let a = s.published / 100.0;
                    slot.apoptosis_logit = residual / 100.0 / (a * (1.0 - a));
                    2
                }
            };
            given[class.index()][k] = true;
        }
        // Conditions the paper gives no SD for take the co-culture's (blasts alone: none).
        let coculture = classes[ConditionClass::Coculture.index()];
        for (class, slot) in ConditionClass::ALL.iter().zip(classes.iter_mut()) {
            if *class == ConditionClass::AllAlone {
                continue;
            }
            let g = given[class.index()];
            if !g[0] {
                slot.cxcr4_cv = coculture.cxcr4_cv;
            }
            if !g[1] {
                slot.cxcl12_cv = coculture.cxcl12_cv;
            }
            if !g[2] {
                slot.apoptosis_logit = coculture.apoptosis_logit;
            }
        }
        Residuals { classes, fits }
    }

    /// The residual spread of a condition.
    pub fn of(&self, c: &Condition) -> ResidualSd {
        self.classes[ConditionClass::of(c).index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(group: &str, readout: Readout, published: f64, published_sd: f64, model_sd: f64) -> SdFit {
        SdFit { group: group.into(), readout, published, published_sd, model_sd }
    }

    #[test]
    fn residual_is_what_donors_and_assay_leave() {
        let sds = [
            fit("coculture", Readout::Cxcr4Mfi, 261.0, 91.0, 10.0),
            fit("coculture_vcr", Readout::Cxcl12NgPerMl, 1.35, 0.044, 0.05),
            fit("coculture", Readout::Cxcl12NgPerMl, 0.7, 0.088, 0.024),
            fit("coculture", Readout::ApoptosisPercent, 50.0, 3.0, 0.0),
        ];
        let r = Residuals::fit(&sds, |readout, mean| if readout == Readout::Cxcl12NgPerMl { 0.02 * mean } else { 0.0 });
        let co = r.of(&Condition { msc: true, vcr_um: 0.0, amd_ug_per_ml: 0.0 });
        let sd = (91f64.powi(2) - 100.0).sqrt();
        assert!((co.cxcr4_cv - sd / 260.0).abs() < 1e-12);
        let sd12 = (0.088f64.powi(2) - 0.024f64.powi(2) - 0.014f64.powi(2)).sqrt();
        assert!((co.cxcl12_cv - sd12 / 0.7).abs() < 1e-12);
        assert!((co.apoptosis_logit - 0.03 / 0.25).abs() < 1e-12);
        // Donors already exceed the published SD: nothing left.
        let vcr = r.of(&Condition { msc: true, vcr_um: 0.5, amd_ug_per_ml: 0.0 });
        assert_eq!(vcr.cxcl12_cv, 0.0);
        // No SD published for these: the co-culture's; blasts alone: none.
        assert_eq!(vcr.cxcr4_cv, co.cxcr4_cv);
        assert_eq!(r.of(&Condition { msc: false, vcr_um: 1.0, amd_ug_per_ml: 5.0 }), ResidualSd::default());
        assert_eq!(r.fits.len(), 4);
    }

    #[test]
    fn applying_a_residual_keeps_the_mean_and_the_early_late_split() {
        let r = Readouts {
            apoptosis_percent: 60.0,
            early_percent: 20.0,
            late_percent: 40.0,
            cxcr4_mfi: 301.0,
            cxcl12_ng_per_ml: 0.7,
            bax: 1.0,
            bcl2: 1.0,
            surface_receptors: 30_000.0,
        };
        let sd = ResidualSd { cxcr4_cv: 0.3, cxcl12_cv: 0.1, apoptosis_logit: 0.2 };
        let zero = sd.apply(&r, [0.0; 3]);
        assert!(
            (zero.apoptosis_percent - 60.0).abs() < 1e-9 && zero.cxcr4_mfi == 301.0 && zero.cxcl12_ng_per_ml == 0.7
        );
        let shifted = sd.apply(&r, [1.0, -1.0, 1.0]);
        assert!((shifted.cxcr4_mfi - (1.0 + 300.0 * 1.3)).abs() < 1e-9);
        assert!((shifted.cxcl12_ng_per_ml - 0.7 * 0.9).abs() < 1e-12);
        assert!((shifted.early_percent / shifted.late_percent - 0.5).abs() < 1e-12);
        assert!(shifted.apoptosis_percent > 60.0 && shifted.apoptosis_percent < 100.0);
        // the floor keeps values positive
        assert!((sd.apply(&r, [-10.0, 0.0, 0.0]).cxcr4_mfi - (1.0 + 300.0 * 0.05)).abs() < 1e-9);
        // no CXCL12 stays none
        let alone = Readouts { cxcl12_ng_per_ml: 0.0, ..r };
        assert_eq!(sd.apply(&alone, [0.0, 3.0, 0.0]).cxcl12_ng_per_ml, 0.0);
    }
}
