//! What a model quantity rests on: which parameters move it.
//!
//! A reproduced number is only a prediction when nothing it uses was fitted or set by hand to the
//! paper. [`Reliance::of`] simulates the seed groups at the given parameters and again with each
//! parameter in turn raised by 25 % (a fraction lowered by 20 %); a quantity (any function of the five groups' readouts)
//! *rests on* a parameter when that change moves it by more than 10⁻⁹ relative. A quantity that
//! no parameter moves is true by the model's construction (CXCL12 without MSCs, for example).

use crate::calibrate::seed_readouts;
use crate::error::Result;
use crate::params::{ParameterKind, Parameters};
use crate::simulate::{Readouts, Tolerances};

/// The seed groups' readouts (group id → readouts), the argument of a quantity.
pub type GroupReadouts = [(&'static str, Readouts)];

/// The seed groups simulated with one parameter perturbed.
#[derive(Debug, Clone)]
struct Perturbed {
    name: &'static str,
    kind: ParameterKind,
    readouts: Vec<(&'static str, Readouts)>,
}

/// The seed groups simulated at the parameters and with each parameter perturbed.
#[derive(Debug, Clone)]
pub struct Reliance {
    base: Vec<(&'static str, Readouts)>,
    perturbed: Vec<Perturbed>,
    /// Each parameter alone at ×0.01 and ×100 (fractions capped at 1), where the solver succeeds.
    extremes: Vec<Vec<(&'static str, Readouts)>>,
}

/// The factors of [`Reliance::direction_is_fixed`].
pub const EXTREME_FACTORS: [f64; 2] = [0.01, 100.0];

/// Parameters that are fractions, 0–1: perturbed downwards (÷1.25) and capped at 1.
const FRACTIONS: [&str; 3] = ["secretion_contact_free", "amd_bound_visible", "cxcr4_protection"];

/// Relative perturbation of each parameter.
const STEP: f64 = 1.25;

impl Reliance {
    /// Simulates the seed groups at `p` and with every parameter of [`Parameters::provenance`]
    /// raised by 25 % in turn (fractions lowered by 20 %).
    pub fn of(p: &Parameters) -> Result<Reliance> {
        let tolerances = Tolerances { rtol: 1e-10, atol_scale: 1e-12 };
        let base = seed_readouts(p, tolerances)?;
        let mut perturbed = Vec::new();
        let mut extremes = Vec::new();
        for row in p.provenance() {
            let mut q = *p;
            if let Some(v) = q.by_name_mut(row.name) {
                *v *= if FRACTIONS.contains(&row.name) { 1.0 / STEP } else { STEP };
            }
            perturbed.push(Perturbed { name: row.name, kind: row.kind, readouts: seed_readouts(&q, tolerances)? });
            for factor in EXTREME_FACTORS {
                let mut q = *p;
                if let Some(v) = q.by_name_mut(row.name) {
                    *v *= factor;
                    if FRACTIONS.contains(&row.name) {
                        *v = v.min(1.0);
                    }
                }
                // a solver failure at an extreme leaves that point out (and the direction unproven)
                if let Ok(r) = seed_readouts(&q, Tolerances::default()) {
                    extremes.push(r);
                }
            }
        }
        Ok(Reliance { base, perturbed, extremes })
    }

    /// Whether no parameter, changed alone to ×0.01 or ×100 of its value (fractions capped at 1)
    /// or by 25 %, reverses the sign of `quantity` (nor makes it zero or undefined). One parameter
    /// at a time: a screen, not a proof over the whole parameter space.
    pub fn direction_is_fixed(&self, quantity: impl Fn(&GroupReadouts) -> Option<f64>) -> bool {
        let Some(base) = quantity(&self.base).filter(|v| *v != 0.0) else { return false };
        let expected = EXTREME_FACTORS.len() * self.perturbed.len();
        self.extremes.len() == expected
            && self
                .extremes
                .iter()
                .chain(self.perturbed.iter().map(|p| &p.readouts))
                .all(|r| quantity(r).is_some_and(|v| v.signum() == base.signum() && v != 0.0))
    }

    /// The quantity at the parameters themselves.
    pub fn value(&self, quantity: impl Fn(&GroupReadouts) -> Option<f64>) -> Option<f64> {
        quantity(&self.base)
    }

    /// The parameters (with their kinds) whose change moves `quantity`.
    pub fn rests_on(&self, quantity: impl Fn(&GroupReadouts) -> Option<f64>) -> Vec<(&'static str, ParameterKind)> {
        let Some(base) = quantity(&self.base) else { return Vec::new() };
        self.perturbed
            .iter()
            .filter(|p| quantity(&p.readouts).is_none_or(|v| moved(base, v)))
            .map(|p| (p.name, p.kind))
            .collect()
    }
}

/// Whether `v` differs from `base` by more than 10⁻⁹ relative, or 10⁻¹² absolute near zero (the
/// ODE solver's tolerances are 10⁻¹⁰ relative and 10⁻¹² absolute).
fn moved(base: f64, v: f64) -> bool {
    let d = (v - base).abs();
    d > 1e-9 * base.abs().max(v.abs()) && d > 1e-12
}

/// A readout of one group from [`GroupReadouts`].
pub fn group_value(readouts: &GroupReadouts, group: &str, of: impl Fn(&Readouts) -> f64) -> Option<f64> {
    readouts.iter().find(|(g, _)| *g == group).map(|(_, r)| of(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cxcl12_without_mscs_rests_on_nothing_and_bcl2_on_its_hand_set_parameters() {
        let r = Reliance::of(&Parameters::default()).unwrap();
        let alone = |g: &GroupReadouts| group_value(g, "all_alone", |r| r.cxcl12_ng_per_ml);
        assert_eq!(r.value(alone), Some(0.0));
        assert!(r.rests_on(alone).is_empty(), "{:?}", r.rests_on(alone));
        // co-culture CXCL12 rests on the secretion rate (calibrated)
        let co = |g: &GroupReadouts| group_value(g, "coculture", |r| r.cxcl12_ng_per_ml);
        assert!(
            r.rests_on(co)
                .iter()
                .any(|(name, kind)| *name == "secretion_nm_per_h" && *kind == ParameterKind::Calibrated)
        );
        // Bcl-2 of the co-culture against blasts alone rests on the hand-set contact rise
        let bcl2 = |g: &GroupReadouts| {
            Some((group_value(g, "coculture", |r| r.bcl2)? / group_value(g, "all_alone", |r| r.bcl2)?).ln())
        };
        let names: Vec<&str> = r.rests_on(bcl2).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"bcl2_contact_rise"), "{names:?}");
        // ... and not on VCR's Bcl-2 fall, which needs VCR
        assert!(!names.contains(&"bcl2_vcr_fall"), "{names:?}");
        // MSC contact lowers Bax whatever the parameters (1/(1 + x·S) < 1), while VCR's effect on
        // CXCR4 against the co-culture turns with the synthesis rise
        let bax = |g: &GroupReadouts| {
            Some((group_value(g, "coculture", |r| r.bax)? / group_value(g, "all_alone", |r| r.bax)?).ln())
        };
        assert!(r.direction_is_fixed(bax));
        let vcr = |g: &GroupReadouts| {
            Some(group_value(g, "coculture_vcr", |r| r.cxcr4_mfi)? - group_value(g, "coculture", |r| r.cxcr4_mfi)?)
        };
        assert!(!r.direction_is_fixed(vcr));
    }
}
