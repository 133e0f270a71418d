//! Per-parameter keywords: `$PnN`, `$PnS`, `$PnB`, `$PnR`, `$PnE`, `$PnG`.

use crate::error::{Error, Result, Warning};
use crate::header::Version;
use crate::text::Keywords;

/// `$PnE`: how a stored value maps to a linear one.
///
/// `decades == 0` is linear. Otherwise a stored channel value `x` in `0..range` is
/// `offset · 10^(decades · x / range)` on the linear scale (FCS 3.1, section 3.3.29).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Amplification {
    /// f1: decades of the log amplifier, 0 for linear.
    pub decades: f64,
    /// f2: the linear value of channel 0, as written (FlowIO and FlowJo read 0 as 1).
    pub offset: f64,
}

impl Amplification {
    /// Linear amplification, `0,0`.
    pub const LINEAR: Amplification = Amplification { decades: 0.0, offset: 0.0 };

    /// Whether the parameter was recorded through a log amplifier.
    pub fn is_log(&self) -> bool {
        self.decades > 0.0
    }
}

/// One parameter (channel) of a data set.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Parameter {
    /// 1-based parameter number `n`.
    pub index: usize,
    /// `$PnN`, the short name, e.g. `FL2-H`.
    pub name: String,
    /// `$PnS`, the stain or marker, e.g. `CD184 PE`.
    pub label: Option<String>,
    /// `$PnB` in bits; `None` for delimited ASCII (`*`).
    pub bits: Option<u32>,
    /// `$PnR`, the range: stored values lie in `0..range`.
    pub range: f64,
    /// `$PnE`.
    pub amplification: Amplification,
    /// `$PnG`, the amplifier gain, when given.
    pub gain: Option<f64>,
}

impl Parameter {
    /// Whether this is the time channel (named `Time`, any case), which [`crate::Values::Scaled`]
    /// multiplies by `$TIMESTEP` and never divides by a gain.
    pub fn is_time(&self) -> bool {
        self.name.trim().eq_ignore_ascii_case("time")
    }
}

/// Reads keywords, turning a missing required one into an error or, when allowed, a default.
pub(crate) struct Required<'a> {
    pub keywords: &'a Keywords,
    pub recover: bool,
    pub warnings: &'a mut Vec<Warning>,
}

impl Required<'_> {
    /// The trimmed value of a required keyword, or `fallback` (with a warning) when recovering.
    pub fn get_or(&mut self, key: &str, fallback: impl FnOnce() -> Option<String>) -> Result<String> {
        if let Some(v) = self.keywords.get_trimmed(key) {
            return Ok(v.to_string());
        }
        let missing = || Error::MissingKeyword { key: key.to_string() };
        if !self.recover {
            return Err(missing());
        }
        let assumed = fallback().ok_or_else(missing)?;
        self.warnings.push(Warning::MissingKeywordAssumed { key: key.to_string(), assumed: assumed.clone() });
        Ok(assumed)
    }
}

/// Parses a number from a keyword value, naming the keyword on failure.
pub(crate) fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T> {
    value.trim().parse().map_err(|_| Error::InvalidKeyword {
        key: key.to_string(),
        value: value.to_string(),
        reason: "not a number",
    })
}

/// Reads parameters `1..=par`.
pub(crate) fn read_parameters(version: Version, par: usize, required: &mut Required<'_>) -> Result<Vec<Parameter>> {
    let keywords = required.keywords;
    let mut parameters = Vec::with_capacity(par);
    for n in 1..=par {
        let bits_key = format!("$P{n}B");
        let bits_text = required.get_or(&bits_key, || None)?;
        let bits = if bits_text == "*" { None } else { Some(number::<u32>(&bits_key, &bits_text)?) };

        let name_key = format!("$P{n}N");
        let name = if version.has_text_offsets() {
            required.get_or(&name_key, || Some(format!("P{n}")))?
        } else {
            keywords.get_trimmed(&name_key).map_or_else(|| format!("P{n}"), str::to_string)
        };

        let range_key = format!("$P{n}R");
        let range_text = required.get_or(&range_key, || bits.filter(|&b| b < 64).map(|b| (1u64 << b).to_string()))?;
        let range: f64 = number(&range_key, &range_text)?;
        if !range.is_finite() || range < 0.0 {
            return Err(Error::InvalidKeyword {
                key: range_key,
                value: range_text,
                reason: "not a non-negative range",
            });
        }

        let amp_key = format!("$P{n}E");
        let amplification = match keywords.get_trimmed(&amp_key) {
            Some(text) => parse_amplification(&amp_key, text)?,
            None if version.has_text_offsets() => {
                required.get_or(&amp_key, || Some("0,0".to_string()))?;
                Amplification::LINEAR
            }
            None => Amplification::LINEAR,
        };

        let gain_key = format!("$P{n}G");
        let gain = keywords.get_trimmed(&gain_key).map(|g| number::<f64>(&gain_key, g)).transpose()?;
        let label = keywords.get(&format!("$P{n}S")).map(str::to_string);
        parameters.push(Parameter { index: n, name, label, bits, range, amplification, gain });
    }
    Ok(parameters)
}

fn parse_amplification(key: &str, text: &str) -> Result<Amplification> {
    let invalid = |reason| Error::InvalidKeyword { key: key.to_string(), value: text.to_string(), reason };
    let mut parts = text.split(',').map(str::trim);
    let (Some(f1), Some(f2), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("expected two numbers f1,f2"));
    };
    let decades: f64 = f1.parse().map_err(|_| invalid("f1 is not a number"))?;
    let offset: f64 = f2.parse().map_err(|_| invalid("f2 is not a number"))?;
    if !(decades.is_finite() && offset.is_finite()) || decades < 0.0 || offset < 0.0 {
        return Err(invalid("f1 and f2 must be finite and non-negative"));
    }
    Ok(Amplification { decades, offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amplification_accepts_spaces_and_rejects_garbage() {
        let a = parse_amplification("$P3E", " 4.0,0.1024").unwrap();
        assert_eq!(a, Amplification { decades: 4.0, offset: 0.1024 });
        assert!(parse_amplification("$P3E", "4").is_err());
        assert!(parse_amplification("$P3E", "4,x").is_err());
        assert!(parse_amplification("$P3E", "-1,1").is_err());
    }

    #[test]
    fn missing_required_keyword_is_an_error_unless_recovering() {
        let mut k = Keywords::new();
        k.insert("$P1B", "16");
        let mut w = Vec::new();
        let mut req = Required { keywords: &k, recover: false, warnings: &mut w };
        let err = read_parameters(Version::Fcs3_1, 1, &mut req).unwrap_err();
        assert!(matches!(err, Error::MissingKeyword { ref key } if key == "$P1N"), "{err}");
        let mut req = Required { keywords: &k, recover: true, warnings: &mut w };
        let p = read_parameters(Version::Fcs3_1, 1, &mut req).unwrap();
        assert_eq!(p[0].name, "P1");
        assert_eq!(p[0].range, 65536.0);
        assert_eq!(w.len(), 3, "{w:?}");
    }
}
