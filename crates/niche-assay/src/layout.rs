//! Plate layouts (TOML): blanks, standards with nominal concentrations, samples with ids, and
//! dilution factors per sample id.
//!
//! ```toml
//! units = "ng/mL"
//! blanks = ["A1", "B1"]
//! [standards]      # nominal concentration per well
//! A2 = 10.0
//! [samples]        # sample id per well; replicate wells share an id
//! C1 = "coculture_r1"
//! [dilutions]      # optional, per sample id
//! coculture_r1 = 2
//! ```

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use niche_core::Well;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    #[serde(default)]
    units: Option<String>,
    #[serde(default)]
    blanks: Vec<String>,
    #[serde(default)]
    standards: BTreeMap<String, f64>,
    #[serde(default)]
    samples: BTreeMap<String, String>,
    #[serde(default)]
    dilutions: BTreeMap<String, f64>,
}

/// A validated plate layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Concentration units, e.g. `ng/mL`.
    pub units: String,
    /// Blank wells.
    pub blanks: Vec<Well>,
    /// Standard wells with their nominal concentrations.
    pub standards: Vec<(Well, f64)>,
    /// Sample ids with their wells, in id order.
    pub samples: Vec<(String, Vec<Well>)>,
    /// Dilution factor per sample id (1 when absent).
    pub dilutions: BTreeMap<String, f64>,
}

impl Layout {
    /// Parses and checks a layout: wells exist and are used once, concentrations are finite and
    /// non-negative, dilutions are positive and name samples of the layout.
    pub fn parse(text: &str) -> Result<Layout> {
        let file: LayoutFile = toml::from_str(text).map_err(|e| Error::layout_toml(text, e))?;
        let mut used: BTreeMap<Well, String> = BTreeMap::new();
        let mut claim = |well: &str, role: &str| -> Result<Well> {
            let w: Well = well.parse()?;
            if let Some(previous) = used.insert(w, role.to_string()) {
                return Err(Error::Layout { reason: format!("well {well} is both {previous} and {role}") });
            }
            Ok(w)
        };
        let blanks = file.blanks.iter().map(|w| claim(w, "a blank")).collect::<Result<Vec<_>>>()?;
        let mut standards = Vec::new();
        for (well, &conc) in &file.standards {
            if !conc.is_finite() || conc < 0.0 {
                return Err(Error::Layout { reason: format!("standard {well} has concentration {conc}") });
            }
            standards.push((claim(well, "a standard")?, conc));
        }
        let mut samples: BTreeMap<String, Vec<Well>> = BTreeMap::new();
        for (well, id) in &file.samples {
            let w = claim(well, &format!("sample {id:?}"))?;
            samples.entry(id.clone()).or_default().push(w);
        }
        for (id, &d) in &file.dilutions {
            if !samples.contains_key(id) {
                return Err(Error::Layout {
                    reason: format!("dilution for {id:?}, which is not a sample of the layout"),
                });
            }
            if !d.is_finite() || d <= 0.0 {
                return Err(Error::Layout { reason: format!("dilution of {id:?} is {d}; it must be positive") });
            }
        }
        Ok(Layout {
            units: file.units.unwrap_or_default(),
            blanks,
            standards,
            samples: samples.into_iter().collect(),
            dilutions: file.dilutions,
        })
    }

    /// The dilution factor of a sample.
    pub fn dilution(&self, id: &str) -> f64 {
        self.dilutions.get(id).copied().unwrap_or(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_issue_example() {
        let l = Layout::parse(
            "units = \"ng/mL\"\nblanks = [\"A1\", \"B1\"]\n[standards]\nA2 = 10.0\nB2 = 10.0\n[samples]\nC1 = \"r1\"\nD1 = \"r1\"\n[dilutions]\nr1 = 2\n",
        )
        .unwrap();
        let well = |name: &str| name.parse::<Well>().unwrap();
        assert_eq!(l.blanks, vec![well("A1"), well("B1")]);
        assert_eq!(l.standards.len(), 2);
        assert_eq!(l.samples, vec![("r1".to_string(), vec![well("C1"), well("D1")])]);
        assert_eq!(l.dilution("r1"), 2.0);
    }

    #[test]
    fn rejects_bad_layouts_with_the_reason() {
        let e = |t: &str| Layout::parse(t).unwrap_err().to_string();
        assert!(e("blanks = [\"A1\"]\n[standards]\nA1 = 1.0\n").contains("both a blank and a standard"));
        assert!(e("blanks = [\"Z9\"]\n").contains("Z9"));
        assert!(e("[standards]\nA2 = -1.0\n").contains("concentration -1"));
        assert!(e("[dilutions]\nx = 2\n").contains("not a sample"));
        assert!(e("colour = 1\n").contains("unknown field"));
        assert!(e("blanks = [\n").contains("line"));
    }
}
