//! Spillover matrices stored in TEXT.
//!
//! Recognised keywords, first match wins:
//! - `$SPILLOVER` (FCS 3.1), `SPILL` (BD FACSDiva) and `SPILLOVER`:
//!   `n,name1,…,namen,s11,s12,…,snn`, row-major, row i = the signal of dye i in each detector.
//!   Some instruments write 1-based parameter numbers instead of names; they are resolved to `$PnN`.
//! - `$COMP` (FCS 3.0): the same with names, or `n,s11,…,snn` without names, taken to cover
//!   parameters 1..n (with a [`Warning::CompChannelsAssumed`]).
//! - `$DFCiTOj` (FCS 2.0, Beckman Coulter): percent of fluorescence i in detector j; the channels
//!   are the detectors `FL1`, `FL2`, … named by `i` and `j`.

use crate::error::{Error, Result, Warning};
use crate::parameter::Parameter;
use crate::text::Keywords;

/// A square spillover matrix over named channels.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Spillover {
    /// The keyword it came from, e.g. `$SPILLOVER`.
    pub keyword: String,
    /// Channel names (`$PnN`), matrix order.
    pub channels: Vec<String>,
    /// Row-major `n × n` values; `matrix[i*n + j]` is the fraction of dye i's signal seen in
    /// detector j (1 on the diagonal).
    pub matrix: Vec<f64>,
    /// Assumptions made while reading it.
    pub warnings: Vec<Warning>,
}

impl Spillover {
    /// Builds a spillover matrix from channel names and row-major values.
    pub fn new(channels: Vec<String>, matrix: Vec<f64>) -> Result<Self> {
        let n = channels.len();
        if matrix.len() != n * n || n == 0 {
            return Err(Error::InvalidSpillover {
                key: "$SPILLOVER".into(),
                reason: format!("{} values for {n} channels", matrix.len()),
            });
        }
        Ok(Spillover { keyword: "$SPILLOVER".into(), channels, matrix, warnings: Vec::new() })
    }

    /// Matrix size n.
    pub fn n(&self) -> usize {
        self.channels.len()
    }

    /// `matrix[i][j]`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.matrix[i * self.n() + j]
    }

    /// The value as `$SPILLOVER` writes it: `n,names…,values…`.
    pub fn to_keyword_value(&self) -> String {
        let mut parts = vec![self.n().to_string()];
        parts.extend(self.channels.iter().cloned());
        parts.extend(self.matrix.iter().map(|v| v.to_string()));
        parts.join(",")
    }

    /// Finds and parses the spillover keyword of a data set.
    pub fn from_keywords(keywords: &Keywords, parameters: &[Parameter]) -> Result<Option<Spillover>> {
        for key in ["$SPILLOVER", "SPILL", "SPILLOVER", "$COMP"] {
            if let Some(entry) = keywords.keyword(key) {
                if entry.value.trim().is_empty() {
                    continue;
                }
                return parse_matrix(&entry.key, &entry.value, parameters).map(Some);
            }
        }
        dfc_matrix(keywords)
    }
}

fn parse_matrix(key: &str, value: &str, parameters: &[Parameter]) -> Result<Spillover> {
    let invalid = |reason: String| Error::InvalidSpillover { key: key.to_string(), reason };
    let tokens: Vec<&str> = value.split(',').map(str::trim).collect();
    let n: usize = tokens[0].parse().map_err(|_| invalid(format!("size {:?} is not a whole number", tokens[0])))?;
    if n == 0 || n > parameters.len().max(1) * 4 {
        return Err(invalid(format!("size {n} does not fit {} parameters", parameters.len())));
    }
    let mut warnings = Vec::new();
    let (channels, numbers) = if tokens.len() == 1 + n + n * n {
        let names: Vec<String> = tokens[1..=n].iter().map(|s| s.to_string()).collect();
        (resolve_numbers(names, parameters), &tokens[1 + n..])
    } else if tokens.len() == 1 + n * n && key.eq_ignore_ascii_case("$COMP") && n <= parameters.len() {
        warnings.push(Warning::CompChannelsAssumed { n });
        (parameters[..n].iter().map(|p| p.name.clone()).collect(), &tokens[1..])
    } else {
        return Err(invalid(format!(
            "{} values after the size, expected {} names and {} values",
            tokens.len() - 1,
            n,
            n * n
        )));
    };
    let matrix = numbers
        .iter()
        .map(|t| {
            t.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| invalid(format!("{t:?} is not a number")))
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok(Spillover { keyword: key.to_string(), channels, matrix, warnings })
}

/// Replaces 1-based parameter numbers used as channel names by the parameters' `$PnN`.
fn resolve_numbers(names: Vec<String>, parameters: &[Parameter]) -> Vec<String> {
    let as_index = |s: &String| s.parse::<usize>().ok().filter(|&i| (1..=parameters.len()).contains(&i));
    let all_numbers = names.iter().all(|s| as_index(s).is_some());
    let none_match = names.iter().all(|s| parameters.iter().all(|p| &p.name != s));
    if all_numbers && none_match {
        names.iter().map(|s| parameters[as_index(s).unwrap_or(1) - 1].name.clone()).collect()
    } else {
        names
    }
}

/// Beckman Coulter `$DFCiTOj` percentages as a matrix over detectors `FL1…FLk`.
fn dfc_matrix(keywords: &Keywords) -> Result<Option<Spillover>> {
    let mut entries = Vec::new();
    for k in keywords.iter() {
        let upper = k.key.to_ascii_uppercase();
        let Some(rest) = upper.strip_prefix("$DFC") else { continue };
        let Some((i, j)) = rest.split_once("TO") else { continue };
        let (Ok(i), Ok(j)) = (i.parse::<usize>(), j.parse::<usize>()) else { continue };
        let percent: f64 = k.value.trim().parse().map_err(|_| Error::InvalidSpillover {
            key: k.key.clone(),
            reason: format!("{:?} is not a percentage", k.value),
        })?;
        if i == 0 || j == 0 || i > 64 || j > 64 {
            return Err(Error::InvalidSpillover { key: k.key.clone(), reason: "detector number out of 1..=64".into() });
        }
        entries.push((i, j, percent));
    }
    let Some(n) = entries.iter().map(|&(i, j, _)| i.max(j)).max() else { return Ok(None) };
    let mut matrix = vec![0.0; n * n];
    (0..n).for_each(|d| matrix[d * n + d] = 1.0);
    for (i, j, percent) in entries {
        matrix[(i - 1) * n + (j - 1)] = percent / 100.0;
    }
    let channels = (1..=n).map(|d| format!("FL{d}")).collect();
    Ok(Some(Spillover { keyword: "$DFCiTOj".into(), channels, matrix, warnings: Vec::new() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parameter::Amplification;

    fn params(names: &[&str]) -> Vec<Parameter> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Parameter {
                index: i + 1,
                name: n.to_string(),
                label: None,
                bits: Some(32),
                range: 1024.0,
                amplification: Amplification::LINEAR,
                gain: None,
            })
            .collect()
    }

    #[test]
    fn named_spill_parses_row_major() {
        let mut k = Keywords::new();
        k.insert("SPILL", "2,FL1-H,FL2-H,1,0.2,0.05,1");
        let s = Spillover::from_keywords(&k, &params(&["FL1-H", "FL2-H"])).unwrap().unwrap();
        assert_eq!(s.channels, ["FL1-H", "FL2-H"]);
        assert_eq!(s.get(0, 1), 0.2);
        assert_eq!(s.get(1, 0), 0.05);
    }

    #[test]
    fn parameter_numbers_resolve_to_names() {
        let mut k = Keywords::new();
        k.insert("$SPILLOVER", "2,3,4,1,0.1,0,1");
        let s = Spillover::from_keywords(&k, &params(&["FSC", "SSC", "FL1", "FL2"])).unwrap().unwrap();
        assert_eq!(s.channels, ["FL1", "FL2"]);
    }

    #[test]
    fn unnamed_comp_covers_first_parameters_with_a_warning() {
        let mut k = Keywords::new();
        k.insert("$COMP", "2,1,0.1,0,1");
        let s = Spillover::from_keywords(&k, &params(&["FL1", "FL2", "FL3"])).unwrap().unwrap();
        assert_eq!(s.channels, ["FL1", "FL2"]);
        assert_eq!(s.warnings, vec![Warning::CompChannelsAssumed { n: 2 }]);
    }

    #[test]
    fn dfc_percentages_become_fractions() {
        let mut k = Keywords::new();
        k.insert("$DFC1TO3", "28.40");
        k.insert("$DFC2TO1", "0.00");
        let s = Spillover::from_keywords(&k, &[]).unwrap().unwrap();
        assert_eq!(s.n(), 3);
        assert!((s.get(0, 2) - 0.284).abs() < 1e-12);
        assert_eq!(s.get(2, 2), 1.0);
    }

    #[test]
    fn malformed_spill_is_an_error_naming_the_keyword() {
        let mut k = Keywords::new();
        k.insert("SPILL", "2,A,B,1,x,0,1");
        let err = Spillover::from_keywords(&k, &params(&["A", "B"])).unwrap_err();
        assert!(err.to_string().contains("SPILL") && err.to_string().contains("\"x\""), "{err}");
        k.insert("SPILL", "3,A,B,1");
        assert!(Spillover::from_keywords(&k, &params(&["A", "B"])).is_err());
        k.insert("SPILL", "junk");
        assert!(Spillover::from_keywords(&k, &params(&["A", "B"])).is_err());
    }
}
