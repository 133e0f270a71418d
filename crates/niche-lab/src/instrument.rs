//! Which cytometer the virtual lab measures the wells on. The cells, their states and the model's
//! values do not depend on it; the files do (channel names, scales, FCS version, keywords), and so
//! does the gating a lab would draw on them.
//!
//! | profile | FCS | parameters | scale |
//! |---|---|---|---|
//! | `facscalibur` | 2.0, `I`, 16-bit | FSC-H, SSC-H, FL1-H…FL4-H, Time | 0–1023; FL 4-decade log amplifiers; `SPILL` |
//! | `fortessa` | 3.1, `F`, big-endian | FSC-A/H/W, SSC-A/H/W, FITC-A/H, PE-A/H, PerCP-Cy5-5-A/H, APC-A/H, Time | linear 0–262143 (18-bit, `$PnR` 262144, `$PnE` 0,0); `$SPILLOVER` over the -A channels |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A cytometer profile of the virtual lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Instrument {
    /// BD FACSCalibur as CellQuest wrote it: FCS 2.0, heights only, 1024 channels, 4-decade log
    /// amplifiers on FL1–FL4, spillover in `SPILL` (the seed study's instrument).
    #[default]
    FacsCalibur,
    /// BD LSRFortessa as FACSDiva writes it: FCS 3.1, 32-bit floats, big-endian, area, height and
    /// width of each pulse, linear 18-bit scale (0–262143), spillover in `$SPILLOVER`.
    Fortessa,
}

impl Instrument {
    /// Every profile, the default first.
    pub const ALL: [Instrument; 2] = [Instrument::FacsCalibur, Instrument::Fortessa];

    /// The name in design files, manifests and on the command line (`facscalibur`, `fortessa`).
    pub fn name(self) -> &'static str {
        match self {
            Instrument::FacsCalibur => "facscalibur",
            Instrument::Fortessa => "fortessa",
        }
    }

    /// One line on what its files look like.
    pub fn description(self) -> &'static str {
        match self {
            Instrument::FacsCalibur => {
                "BD FACSCalibur: FCS 2.0, FSC-H SSC-H FL1-H…FL4-H, 1024 channels, 4-decade log amplifiers"
            }
            Instrument::Fortessa => {
                "BD LSRFortessa: FCS 3.1 floats, area/height/width, FITC PE PerCP-Cy5-5 APC, linear 0–262143"
            }
        }
    }
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An instrument name that is not a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown instrument {name:?}: give {}",
    Instrument::ALL.iter().map(|i| format!("{} ({})", i.name(), i.description())).collect::<Vec<_>>().join(" or ")
)]
pub struct UnknownInstrument {
    /// The name given.
    pub name: String,
}

impl FromStr for Instrument {
    type Err = UnknownInstrument;

    /// `facscalibur` or `fortessa`, any case (also `calibur`, `lsrfortessa`).
    fn from_str(s: &str) -> Result<Instrument, UnknownInstrument> {
        match s.trim().to_ascii_lowercase().as_str() {
            "facscalibur" | "calibur" => Ok(Instrument::FacsCalibur),
            "fortessa" | "lsrfortessa" => Ok(Instrument::Fortessa),
            _ => Err(UnknownInstrument { name: s.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_say_what_exists() {
        for i in Instrument::ALL {
            assert_eq!(i.to_string().parse::<Instrument>(), Ok(i));
            assert_eq!(serde_json::to_string(&i).unwrap(), format!("\"{}\"", i.name()));
        }
        assert_eq!("LSRFortessa".parse::<Instrument>(), Ok(Instrument::Fortessa));
        let err = "aria".parse::<Instrument>().unwrap_err().to_string();
        assert!(err.starts_with("unknown instrument \"aria\": give facscalibur (") && err.contains(" or fortessa ("));
    }
}
