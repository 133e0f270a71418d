//! Model parameters, each with its unit and its source.
//!
//! Literature values are fixed; the rest are assumptions stated as such, calibrated to the seed
//! paper's group means (see [`crate::calibrate`]), or set by hand to the directions of its blots
//! ([`ParameterKind`]). [`Parameters::default`] holds the
//! calibrated values that `niche model fit` produces from [`Parameters::literature`].
//!
//! Each parameter is declared once, in the `parameters!` table below: its doc, its literature
//! (or starting) value, its unit, its kind and its source. The table generates the struct's
//! fields, [`Parameters::literature`], [`Parameters::by_name_mut`] and [`Parameters::provenance`].
//!
//! ```
//! use niche_model::params::{ParameterKind, Parameters};
//!
//! let mut p = Parameters::default();
//! *p.by_name_mut("kd_amd_nm").unwrap() = 100.0;
//! let row = p.provenance().into_iter().find(|r| r.name == "kd_amd_nm").unwrap();
//! assert_eq!((row.value, row.unit, row.kind), (100.0, "nM", ParameterKind::Assumed));
//! ```

use serde::Serialize;

/// Declares the parameters: `name = literature value, "unit", Kind, "source";`, each after its
/// doc comment, in the order reports and the SBML export list them.
macro_rules! parameters {
    ($(
        $(#[$doc:meta])*
        $name:ident = $literature:expr, $unit:literal, $kind:ident, $source:literal;
    )*) => {
        /// All parameters of one well.
        #[derive(Debug, Clone, Copy, PartialEq, Serialize)]
        pub struct Parameters {
            $( $(#[$doc])* pub $name: f64, )*
        }

        impl Parameters {
            /// Literature values and assumptions, with neutral starting values for the calibrated
            /// ones.
            pub fn literature() -> Parameters {
                Parameters { $( $name: $literature, )* }
            }

            /// The value of the parameter called `name` (a field name, as
            /// [`Parameters::provenance`] lists them).
            pub fn by_name(&self, name: &str) -> Option<f64> {
                match name {
                    $( stringify!($name) => Some(self.$name), )*
                    _ => None,
                }
            }

            /// Whether every parameter has the same bits as in `other` (so `-0.0` differs from
            /// `0.0` and a NaN equals itself): the same inputs to a computation, not equal values.
            pub fn same_bits(&self, other: &Parameters) -> bool {
                true $( && self.$name.to_bits() == other.$name.to_bits() )*
            }

            /// The parameter called `name` (a field name, as [`Parameters::provenance`] lists them).
            pub fn by_name_mut(&mut self, name: &str) -> Option<&mut f64> {
                match name {
                    $( stringify!($name) => Some(&mut self.$name), )*
                    _ => None,
                }
            }

            /// Every parameter with its value, unit, kind and source.
            pub fn provenance(&self) -> Vec<ParameterRecord> {
                vec![$(
                    ParameterRecord {
                        name: stringify!($name),
                        value: self.$name,
                        unit: $unit,
                        kind: ParameterKind::$kind,
                        source: $source,
                    },
                )*]
            }
        }
    };
}

parameters! {
    // --- CXCL12–CXCR4 binding and trafficking (literature) ---
    /// CXCL12 association rate, 1/(nM·h). 2.1e6 /M/s (Coggins et al. 2014, BIOMD0000000599).
    kon_per_nm_h = 2.1e6 * 1e-9 * 3600.0, "1/(nM·h)", Literature,
        "kf,L12,4 = 0.0021 /(nM·s) for CXCL12 + CXCR4 in Coggins et al. 2014 (BIOMD0000000599)";
    /// CXCL12 dissociation constant, nM. 25–40 nM (Coggins 2014; Drury et al. 2011): 30.
    kd_cxcl12_nm = 30.0, "nM", Assumed,
        "30 nM, within the 25–40 nM of the literature: KD,R4,L12 = 40 nM in Coggins et al. 2014 \
         (BIOMD0000000599); Drury et al. 2011";
    /// Ligand-induced internalisation of CXCL12-bound CXCR4, 1/h. 0.0047 /s: Coggins et al. 2014
    /// (BIOMD0000000599) internalise the β-arrestin-bound complex at this rate; this model has no
    /// arrestin step and applies it to every CXCL12-bound receptor.
    kint_ligand_per_h = 0.0047 * 3600.0, "1/h", Literature,
        "ke,C4B = 0.0047 /s in Coggins et al. 2014 (BIOMD0000000599), where it internalises the \
         β-arrestin-bound CXCL12–CXCR4 complex; here applied to every CXCL12-bound receptor";
    /// Recycling of internalised CXCR4, 1/h. 6.9e-5 /s: Coggins et al. 2014 recycle ligand-free
    /// internalised CXCR4 at this rate.
    krec_per_h = 6.9e-5 * 3600.0, "1/h", Literature,
        "krec,R4Bi = 6.9e-5 /s in Coggins et al. 2014 (BIOMD0000000599), where it recycles \
         ligand-free internalised CXCR4 (the ligand-bound complex never recycles there)";
    /// Constitutive internalisation of unliganded CXCR4, 1/h. Assumed: slow, 0.2 /h.
    kint_basal_per_h = 0.2, "1/h", Assumed,
        "slow constitutive internalisation";
    /// Degradation of internalised CXCR4, 1/h. Assumed: 0.1 /h (half-life ≈ 7 h); Coggins et al.
    /// 2014 use 1e-4 /s (0.36 /h) for the internalised complex.
    kdeg_internal_per_h = 0.1, "1/h", Assumed,
        "internal half-life ≈ 7 h; Coggins et al. 2014 degrade the internalised complex at \
         kdeg,C4Bii = 1e-4 /s = 0.36 /h (half-life ≈ 2 h)";
    /// Surface CXCR4 of an unstimulated blast, receptors/cell. Assumed 30,000 (B-ALL blasts carry
    /// 10⁴–10⁵); only its product with the MFI scale is seen, so it is fixed.
    receptors_per_cell = 30_000.0, "receptors/cell", Assumed,
        "B-ALL blasts carry 1e4–1e5 CXCR4";
    // --- AMD3100 (assumed from the literature's range) ---
    /// AMD3100 association rate, 1/(nM·h). Assumed 1e6 /M/s (diffusion-limited small molecule).
    kon_amd_per_nm_h = 1e6 * 1e-9 * 3600.0, "1/(nM·h)", Assumed,
        "1e6 /M/s, fast small-molecule binding";
    /// AMD3100 dissociation constant, nM. Assumed 200 nM, between the IC50s Fricker et al. 2006
    /// report against CXCL12 binding (≈ 0.65 µM) and CXCL12-driven chemotaxis (≈ 0.05 µM).
    kd_amd_nm = 200.0, "nM", Assumed,
        "200 nM, between the IC50s Fricker et al. 2006 report for AMD3100 against CXCL12 binding \
         (≈ 0.65 µM, radioligand binding) and against CXCL12-driven chemotaxis (≈ 0.05 µM); an IC50 \
         depends on the assay and is not a dissociation constant";
    // --- the well ---
    /// ALL cells per litre of medium: 1e6 cells in 2 mL of a 6-well (seed Methods).
    cells_per_litre = 1e6 / 2e-3, "cells/L", Literature,
        "1e6 ALL cells per 6-well (2 mL); seed Methods";
    /// CXCL12 loss in medium with serum, 1/h. Assumed 0.1 /h: CXCL12 is cleaved by CD26/DPP4 and
    /// MMPs and loses activity over hours (Christopherson et al. 2002).
    kdeg_cxcl12_per_h = 0.1, "1/h", Assumed,
        "0.1 /h; CXCL12 is cleaved by CD26/DPP4 in serum (Christopherson et al. 2002), rate not measured";
    // --- vincristine ---
    /// VCR concentration of half-maximal effect, nM. Assumed 10 nM (blasts respond at nanomolar VCR).
    ec50_vcr_nm = 10.0, "nM", Assumed,
        "nanomolar VCR sensitivity of blasts";
    // --- calibrated to the seed paper ---
    /// MSC CXCL12 secretion into the medium, nM/h (calibrated to Fig 2A, co-culture).
    secretion_nm_per_h = 0.005, "nM/h", Calibrated,
        "seed Fig 2A: CXCL12, co-culture";
    /// Relative rise of MSC secretion at full VCR effect (calibrated to Fig 2A, VCR).
    secretion_vcr_rise = 1.0, "1", Calibrated,
        "seed Fig 2A: CXCL12, VCR";
    /// Share of that rise that needs no CXCR4-mediated contact, 0–1 (calibrated to Fig 2A,
    /// VCR + AMD3100).
    secretion_contact_free = 0.5, "1", Calibrated,
        "seed Fig 2A: CXCL12, VCR + AMD3100";
    /// Pericellular CXCL12 seen by blasts in contact with unstimulated MSCs, nM; it scales with the
    /// MSCs' secretion (a local steady state of secretion and diffusion), so VCR raises it too
    /// (calibrated to Fig 2B/C: the bulk ~0.1 nM occupies < 1 % of receptors, so protection needs
    /// this contact term).
    pericellular_cxcl12_nm = 0.5, "nM", Calibrated,
        "seed Fig 2C: CXCR4, co-culture vs ALL";
    /// Relative rise of CXCR4 synthesis at full VCR effect (calibrated to Fig 2C, VCR).
    synthesis_vcr_rise = 0.5, "1", Calibrated,
        "seed Fig 2C: CXCR4, VCR";
    /// MFI ratio per baseline receptor complement (calibrated to Fig 2C, ALL alone).
    mfi_per_baseline = 300.0, "MFI ratio", Calibrated,
        "seed Fig 2C: CXCR4, ALL alone";
    /// Fraction of AMD3100-bound CXCR4 that the 12G5 antibody (BD CD184-PE) still detects, 0–1
    /// (calibrated to Fig 2C, AMD3100 groups; AMD3100 competes with 12G5: Schols et al. 1997,
    /// Hatse et al. 2002).
    amd_bound_visible = 0.5, "1", Calibrated,
        "seed Fig 2C: AMD3100 groups; 12G5 competes with AMD3100 (Schols et al. 1997; Hatse et al. 2002)";
    /// Baseline apoptosis hazard of blasts in culture, 1/h (calibrated to Fig 3B, ALL alone).
    hazard_per_h = 0.04, "1/h", Calibrated,
        "seed Fig 3B: apoptosis, ALL alone";
    /// Relative rise of the hazard at full VCR effect (calibrated to Fig 3B, VCR).
    hazard_vcr_rise = 0.5, "1", Calibrated,
        "seed Fig 3B: apoptosis, VCR";
    /// Bax suppression by CXCL12–CXCR4 signalling at full signal (calibrated to Fig 3B,
    /// VCR + AMD3100 vs VCR).
    bax_signal_suppression = 0.5, "1", Calibrated,
        "seed Fig 3B: apoptosis, VCR + AMD3100 vs VCR";
    /// Bcl-2 induction by MSC contact, through CXCR4-mediated adhesion: AMD3100 removes it (the
    /// paper's conclusion: AMD3100 acts "by downregulating CXCR4 and Bcl-2"; CXCR4 antagonists
    /// detach ALL blasts from stroma, Juarez et al. 2003), and VCR abolishes it (microtubule
    /// damage inactivates Bcl-2, Haldar et al. 1995), so that AMD3100 + VCR leaves Bcl-2 as VCR
    /// alone does (Fig 3C). Assumed 0.3: stromal contact up-regulates Bcl-2 in leukaemic blasts
    /// (Konopleva et al. 2002); the apoptosis targets cannot separate it from the Bax term.
    /// Set by hand to the seed's Fig 3C direction (not fitted).
    bcl2_contact_rise = 0.3, "1", SetToSeed,
        "0.3, set so that co-culture raises Bcl-2 (seed Fig 3C); stromal contact raises Bcl-2 via \
         CXCR4 adhesion (Konopleva et al. 2002, Juarez et al. 2003)";
    // --- assumed shapes ---
    /// CXCL12-bound receptors per cell at half-maximal survival signal. Assumed 1,500 (5 % of the
    /// baseline complement).
    signal_half_receptors = 1500.0, "receptors/cell", Assumed,
        "5 % of the baseline complement";
    /// Bax rise at full VCR effect. Set by hand to 0.4 so that VCR raises Bax as in Fig 3C.
    bax_vcr_rise = 0.4, "1", SetToSeed,
        "0.4, set so that VCR raises Bax (seed Fig 3C)";
    /// Bcl-2 fall at full VCR effect, as 1/(1 + x). Set by hand to 0.12 so that VCR lowers Bcl-2 as
    /// in Fig 3C.
    bcl2_vcr_fall = 0.12, "1", SetToSeed,
        "0.12, set so that VCR lowers Bcl-2 (seed Fig 3C)";
    /// Bcl-2 and Bax turnover, 1/h. Assumed 0.15 /h (half-lives of several hours).
    protein_turnover_per_h = 0.15, "1/h", Assumed,
        "Bcl-2/Bax half-lives of hours";
    /// Early → late apoptosis (Annexin V+ PI− → PI+), 1/h. Assumed 0.15 /h.
    early_to_late_per_h = 0.15, "1/h", Assumed,
        "PS exposure precedes PI uptake by hours";
    // --- mechanism ---
    /// Share of the MSCs' protection (the Bcl-2 rise and the Bax-suppressing survival signal)
    /// that goes through CXCR4, 0–1. 1: the paper's conclusion, AMD3100 removes the protection;
    /// 0: contact protects through a CXCR4-independent route, and AMD3100 acts only on the
    /// antibody's view, on internalisation and on CXCR4-mediated adhesion (`niche model validate`
    /// calibrates both).
    cxcr4_protection = 1.0, "1", Assumed,
        "1: MSC protection through CXCR4 (the paper's conclusion); 0: a CXCR4-independent route \
         (the alternative `niche model validate` calibrates beside it)";
}

/// Where a parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParameterKind {
    /// Measured in a cited source, used as published (unit conversions only).
    Literature,
    /// Chosen by the modeller from general knowledge, not from the seed paper.
    Assumed,
    /// Fitted to the seed paper's group means by [`crate::calibrate`].
    Calibrated,
    /// Set by hand so that the model shows a direction the seed paper reports (the Western blots
    /// of Fig 3C): not fitted, but not independent of the paper either.
    SetToSeed,
}

impl std::fmt::Display for ParameterKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ParameterKind::Literature => "literature",
            ParameterKind::Assumed => "assumed",
            ParameterKind::Calibrated => "calibrated",
            ParameterKind::SetToSeed => "set to the seed's directions",
        })
    }
}

/// A parameter's name, value, unit and source, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterRecord {
    /// Field name.
    pub name: &'static str,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: &'static str,
    /// Where the value comes from.
    pub kind: ParameterKind,
    /// Citation or calibration target.
    pub source: &'static str,
}

impl Parameters {
    /// The parameters set by hand to the seed paper's directions ([`ParameterKind::SetToSeed`]).
    pub fn set_to_seed() -> Vec<&'static str> {
        Parameters::default()
            .provenance()
            .into_iter()
            .filter(|r| r.kind == ParameterKind::SetToSeed)
            .map(|r| r.name)
            .collect()
    }
}

impl Default for Parameters {
    /// The calibrated parameters: [`Parameters::literature`] with the free parameters as
    /// `niche model fit` (`calibrate::calibrate(&Parameters::literature())`) finds them; a test
    /// re-runs the calibration and checks that it lands here.
    fn default() -> Self {
        Parameters {
            secretion_nm_per_h: 0.009968102122936015,
            secretion_vcr_rise: 1.1141373489238933,
            secretion_contact_free: 0.47980023589840043,
            pericellular_cxcl12_nm: 0.0881421348379035,
            synthesis_vcr_rise: 1.6943931561352354,
            mfi_per_baseline: 334.1219622964839,
            amd_bound_visible: 0.3914871969270415,
            hazard_per_h: 0.044564122149521906,
            hazard_vcr_rise: 0.18969628888976017,
            bax_signal_suppression: 2.1692225237576808,
            ..Parameters::literature()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_parameter_can_be_set_by_name() {
        let mut p = Parameters::default();
        for row in Parameters::default().provenance() {
            let slot = p.by_name_mut(row.name).unwrap_or_else(|| panic!("{} has no field", row.name));
            assert_eq!(*slot, row.value, "{}", row.name);
        }
        assert!(p.by_name_mut("no_such_parameter").is_none());
    }

    #[test]
    fn a_parameter_is_calibrated_exactly_when_calibration_frees_it() {
        let free: Vec<&str> = crate::calibrate::FREE.iter().map(|(name, _, _)| *name).collect();
        for row in Parameters::default().provenance() {
            assert_eq!(
                row.kind == ParameterKind::Calibrated,
                free.contains(&row.name),
                "{} is {} but calibration {} it",
                row.name,
                row.kind,
                if free.contains(&row.name) { "frees" } else { "does not free" }
            );
        }
        // every literature value names its source by author and year
        for row in Parameters::default().provenance().iter().filter(|r| r.kind == ParameterKind::Literature) {
            assert!(row.source.chars().any(|c| c.is_ascii_digit()), "{}: {}", row.name, row.source);
        }
    }
}
