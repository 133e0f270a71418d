//! Treatments as a design names them: one type for the model, the virtual lab and the study file.
//!
//! A group is an id, a label, an optional co-culture and any number of named treatments, each
//! with a dose written as `"<number> <unit>"` in every TOML file of niche:
//!
//! ```toml
//! [[group]]
//! id = "co_vcr"
//! label = "Co + VCR"
//! coculture = "MSC"
//! treatments = { vincristine = "1 umol/L", AMD3100 = "5 ug/mL" }
//! ```
//!
//! Units are amount concentrations (`mol/L`, `mmol/L`, `umol/L` or `µmol/L`, `nmol/L`, `pmol/L`,
//! and `M`, `mM`, `uM`, `µM`, `nM`, `pM`) or mass concentrations (`g/L`, `mg/mL`, `mg/L`, `ug/mL` or
//! `µg/mL`, `ug/L`, `ng/mL`, `pg/mL`). A study may name any treatment; the model and the virtual
//! lab map the ones they know ([`Group::condition`]: vincristine, AMD3100, co-culture on MSCs)
//! and refuse the others with an error that says what they know.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Condition;
use crate::units::AMD3100_G_PER_MOL;

/// Vincristine free base, g/mol (C₄₆H₅₆N₄O₁₀, PubChem CID 5978): converts a mass dose to µmol/L.
/// The sulfate salt (923.04 g/mol) is what vials hold; write a molar dose to avoid the question.
pub const VINCRISTINE_G_PER_MOL: f64 = 824.96;

/// What a dose measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Amount concentration (mol/L).
    Amount,
    /// Mass concentration (g/L).
    Mass,
}

/// The units a dose may be written in: symbol, dimension, factor to mol/L or g/L.
const UNITS: [(&str, Dimension, f64); 22] = [
    ("mol/L", Dimension::Amount, 1.0),
    ("M", Dimension::Amount, 1.0),
    ("mmol/L", Dimension::Amount, 1e-3),
    ("mM", Dimension::Amount, 1e-3),
    ("umol/L", Dimension::Amount, 1e-6),
    ("µmol/L", Dimension::Amount, 1e-6),
    ("uM", Dimension::Amount, 1e-6),
    ("µM", Dimension::Amount, 1e-6),
    ("nmol/L", Dimension::Amount, 1e-9),
    ("nM", Dimension::Amount, 1e-9),
    ("pmol/L", Dimension::Amount, 1e-12),
    ("pM", Dimension::Amount, 1e-12),
    ("g/L", Dimension::Mass, 1.0),
    ("mg/mL", Dimension::Mass, 1.0),
    ("mg/L", Dimension::Mass, 1e-3),
    ("ug/mL", Dimension::Mass, 1e-3),
    ("µg/mL", Dimension::Mass, 1e-3),
    ("ug/L", Dimension::Mass, 1e-6),
    ("µg/L", Dimension::Mass, 1e-6),
    ("ng/mL", Dimension::Mass, 1e-6),
    ("ng/L", Dimension::Mass, 1e-9),
    ("pg/mL", Dimension::Mass, 1e-9),
];

/// A dose as written (`"1 umol/L"`): the number and the unit, kept so that files round-trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Dose {
    /// The number, finite and non-negative.
    value: f64,
    /// The unit's symbol, one of the units the module lists (private: no other can be made).
    unit: &'static str,
}

/// Why a dose or a treatment cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TreatmentError {
    /// Not `"<number> <unit>"`.
    #[error("{text:?}: write a number and a unit, e.g. \"1 umol/L\" or \"5 ug/mL\"")]
    Syntax {
        /// The text.
        text: String,
    },
    /// The number is not a finite non-negative number.
    #[error("{text:?}: the dose must be a finite, non-negative number")]
    Number {
        /// The text.
        text: String,
    },
    /// An unknown unit.
    #[error("unknown unit {unit:?}: use one of {}", unit_list())]
    Unit {
        /// The unit as written.
        unit: String,
    },
    /// A treatment the model does not simulate.
    #[error("the model does not simulate the treatment {name:?}: it knows vincristine (VCR) and AMD3100 (plerixafor)")]
    UnknownTreatment {
        /// The name.
        name: String,
    },
    /// A co-culture the model does not simulate.
    #[error("the model does not simulate a co-culture on {name:?}: it knows \"MSC\" (bone-marrow stromal cells)")]
    UnknownCoculture {
        /// The name.
        name: String,
    },
    /// The same agent twice under two names.
    #[error("{first:?} and {second:?} are the same agent; name it once")]
    Duplicate {
        /// The first name.
        first: String,
        /// The second name.
        second: String,
    },
}

fn unit_list() -> String {
    UNITS.iter().map(|(u, _, _)| *u).collect::<Vec<_>>().join(", ")
}

impl Dose {
    /// A dose in µmol/L.
    pub fn umol_per_l(value: f64) -> Dose {
        Dose { value, unit: "umol/L" }
    }

    /// A dose in µg/mL.
    pub fn ug_per_ml(value: f64) -> Dose {
        Dose { value, unit: "ug/mL" }
    }

    /// The number as written.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The unit's symbol as written.
    pub fn unit(&self) -> &'static str {
        self.unit
    }

    /// What the unit measures.
    pub fn dimension(&self) -> Dimension {
        self.entry().1
    }

    /// The dose in mol/L (amount) or g/L (mass), as [`Dose::dimension`] says.
    pub fn base_value(&self) -> f64 {
        self.value * self.entry().2
    }

    /// The dose in mol/L, converting a mass concentration with `g_per_mol`.
    pub fn mol_per_l(&self, g_per_mol: f64) -> f64 {
        match self.dimension() {
            Dimension::Amount => self.base_value(),
            Dimension::Mass => self.base_value() / g_per_mol,
        }
    }

    /// The dose in g/L, converting an amount concentration with `g_per_mol`.
    pub fn g_per_l(&self, g_per_mol: f64) -> f64 {
        match self.dimension() {
            Dimension::Mass => self.base_value(),
            Dimension::Amount => self.base_value() * g_per_mol,
        }
    }

    fn entry(&self) -> (&'static str, Dimension, f64) {
        // `unit` is private and only ever holds a symbol from UNITS (the constructors and
        // `FromStr` see to it), so the fallback is never taken
        UNITS.iter().copied().find(|(u, _, _)| *u == self.unit).unwrap_or(("umol/L", Dimension::Amount, 1e-6))
    }
}

impl FromStr for Dose {
    type Err = TreatmentError;

    fn from_str(text: &str) -> Result<Dose, TreatmentError> {
        let mut parts = text.split_whitespace();
        let (Some(number), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(TreatmentError::Syntax { text: text.to_string() });
        };
        let value: f64 = number.parse().map_err(|_| TreatmentError::Number { text: text.to_string() })?;
        if !value.is_finite() || value < 0.0 {
            return Err(TreatmentError::Number { text: text.to_string() });
        }
        let unit = UNITS
            .iter()
            .find(|(u, _, _)| *u == unit)
            .map(|(u, _, _)| *u)
            .ok_or_else(|| TreatmentError::Unit { unit: unit.to_string() })?;
        Ok(Dose { value, unit })
    }
}

impl fmt::Display for Dose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit)
    }
}

impl Serialize for Dose {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dose, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One experimental group: what its cells were given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Identifier used in file names, sample ids and tables (letters, digits, `_`, `-`).
    pub id: String,
    /// A short label for figures (the id when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The feeder layer the cells were cultured on, if any (`"MSC"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coculture: Option<String>,
    /// Treatments by name, with their doses.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub treatments: BTreeMap<String, Dose>,
}

/// The agents the model simulates: canonical name, the names a design may use (compared without
/// case), molar mass.
const VINCRISTINE: [&str; 3] = ["vincristine", "vcr", "oncovin"];
const AMD3100: [&str; 3] = ["amd3100", "plerixafor", "mozobil"];
const MSC: [&str; 5] = ["msc", "mscs", "bm-msc", "uc-msc", "stroma"];

impl Group {
    /// The label, or the id when there is none.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.id)
    }

    /// Whether `id` is a valid group, tube or readout identifier: letters, digits, `_` and `-`.
    pub fn valid_id(id: &str) -> bool {
        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    /// The model's condition for this group: co-culture on MSCs, vincristine in µmol/L, AMD3100 in
    /// µg/mL. A treatment or co-culture the model does not simulate is an error (a dose of 0 is
    /// still the treatment, since the design names it).
    pub fn condition(&self) -> Result<Condition, TreatmentError> {
        let msc = match &self.coculture {
            None => false,
            Some(name) if MSC.contains(&name.to_ascii_lowercase().as_str()) => true,
            Some(name) => return Err(TreatmentError::UnknownCoculture { name: name.clone() }),
        };
        let mut condition = Condition { msc, vcr_um: 0.0, amd_ug_per_ml: 0.0 };
        let (mut vcr_name, mut amd_name): (Option<&str>, Option<&str>) = (None, None);
        for (name, dose) in &self.treatments {
            let lower = name.to_ascii_lowercase();
            let (slot, seen) = if VINCRISTINE.contains(&lower.as_str()) {
                (&mut condition.vcr_um, &mut vcr_name)
            } else if AMD3100.contains(&lower.as_str()) {
                (&mut condition.amd_ug_per_ml, &mut amd_name)
            } else {
                return Err(TreatmentError::UnknownTreatment { name: name.clone() });
            };
            if let Some(first) = seen {
                return Err(TreatmentError::Duplicate { first: first.to_string(), second: name.clone() });
            }
            *seen = Some(name);
            *slot = if VINCRISTINE.contains(&lower.as_str()) {
                dose.mol_per_l(VINCRISTINE_G_PER_MOL) * 1e6
            } else {
                dose.g_per_l(AMD3100_G_PER_MOL) * 1e3
            };
        }
        Ok(condition)
    }

    /// The group a model condition is: `coculture = "MSC"` when on MSCs, and vincristine (µmol/L)
    /// and AMD3100 (µg/mL) when their doses are not zero.
    pub fn of_condition(id: &str, label: Option<&str>, condition: &Condition) -> Group {
        let mut treatments = BTreeMap::new();
        if condition.vcr_um > 0.0 {
            treatments.insert("vincristine".to_string(), Dose::umol_per_l(condition.vcr_um));
        }
        if condition.amd_ug_per_ml > 0.0 {
            treatments.insert("AMD3100".to_string(), Dose::ug_per_ml(condition.amd_ug_per_ml));
        }
        Group {
            id: id.to_string(),
            label: label.map(str::to_string),
            coculture: condition.msc.then(|| "MSC".to_string()),
            treatments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(coculture: Option<&str>, treatments: &[(&str, &str)]) -> Group {
        Group {
            id: "g".into(),
            label: None,
            coculture: coculture.map(str::to_string),
            treatments: treatments.iter().map(|(n, d)| (n.to_string(), d.parse().unwrap())).collect(),
        }
    }

    #[test]
    fn doses_convert_between_units() {
        let d: Dose = "1000 nM".parse().unwrap();
        assert!((d.mol_per_l(1.0) - 1e-6).abs() < 1e-18);
        let amd: Dose = "9.9447 uM".parse().unwrap();
        // the paper's 5 µg/mL ≈ 10 µM
        assert!((amd.g_per_l(AMD3100_G_PER_MOL) * 1e3 - 5.0).abs() < 1e-3);
        assert_eq!("5 µg/mL".parse::<Dose>().unwrap().to_string(), "5 µg/mL");
        assert_eq!(Dose::umol_per_l(0.5).to_string(), "0.5 umol/L");
    }

    #[test]
    fn bad_doses_say_what_is_wrong() {
        for (text, part) in [
            ("1 mg", "unknown unit \"mg\""),
            ("five ug/mL", "finite, non-negative"),
            ("-1 uM", "finite, non-negative"),
            ("1", "write a number and a unit"),
            ("NaN uM", "finite, non-negative"),
        ] {
            let e = text.parse::<Dose>().unwrap_err().to_string();
            assert!(e.contains(part), "{text}: {e}");
        }
    }

    #[test]
    fn the_model_maps_the_agents_it_knows() {
        let c = group(Some("MSC"), &[("VCR", "1 umol/L"), ("plerixafor", "10 uM")]).condition().unwrap();
        assert!(c.msc);
        assert!((c.vcr_um - 1.0).abs() < 1e-12);
        assert!((c.amd_ug_per_ml - 10e-6 * AMD3100_G_PER_MOL * 1e3).abs() < 1e-9);
        let vcr_mass = group(None, &[("vincristine", "824.96 ng/mL")]).condition().unwrap();
        assert!((vcr_mass.vcr_um - 1.0).abs() < 1e-12, "824.96 ng/mL is 1 µmol/L");
        let e = group(None, &[("cytarabine", "1 uM")]).condition().unwrap_err().to_string();
        assert!(e.contains("\"cytarabine\"") && e.contains("vincristine"), "{e}");
        let e = group(Some("fibroblasts"), &[]).condition().unwrap_err().to_string();
        assert!(e.contains("\"fibroblasts\"") && e.contains("MSC"), "{e}");
        let e = group(None, &[("VCR", "1 uM"), ("vincristine", "1 uM")]).condition().unwrap_err().to_string();
        assert!(e.contains("same agent"), "{e}");
    }

    #[test]
    fn groups_round_trip_through_conditions() {
        let c = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 };
        let g = Group::of_condition("co_vcr_amd", Some("AMD+V"), &c);
        assert_eq!(g.condition().unwrap(), c);
        let text = toml::to_string(&g).unwrap();
        assert!(text.contains("vincristine = \"1 umol/L\""), "{text}");
        assert_eq!(toml::from_str::<Group>(&text).unwrap(), g);
    }
}
