//! A well of a 96-well plate, named as plate maps name it: a row letter A–H and a column 1–12.

use std::fmt;
use std::str::FromStr;

/// A name that is not a well of a 96-well plate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{well:?} is not a well of a 96-well plate (A1 to H12)")]
pub struct WellError {
    /// The name as given.
    pub well: String,
}

/// A well of a 96-well plate: row A–H, column 1–12. Parsed from `C7`, `c7` or `C07`; written as
/// `C7`, the form the layouts niche reads and writes use.
///
/// ```
/// use niche_core::Well;
///
/// let well: Well = "C07".parse()?;
/// assert_eq!((well.row(), well.column()), (2, 6));
/// assert_eq!(well.to_string(), "C7");
/// assert!("I1".parse::<Well>().is_err() && "A13".parse::<Well>().is_err());
/// # Ok::<(), niche_core::WellError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Well {
    row: u8,
    column: u8,
}

impl Well {
    /// Rows of a plate (A–H).
    pub const ROWS: usize = 8;
    /// Columns of a plate (1–12).
    pub const COLUMNS: usize = 12;

    /// The well at 0-based `row` (A = 0) and `column` (1 = 0), if it is on the plate.
    pub fn new(row: usize, column: usize) -> Option<Well> {
        (row < Self::ROWS && column < Self::COLUMNS).then_some(Well { row: row as u8, column: column as u8 })
    }

    /// 0-based row: A = 0 … H = 7.
    pub fn row(self) -> usize {
        usize::from(self.row)
    }

    /// 0-based column: 1 = 0 … 12 = 11.
    pub fn column(self) -> usize {
        usize::from(self.column)
    }
}

impl FromStr for Well {
    type Err = WellError;

    fn from_str(well: &str) -> Result<Well, WellError> {
        let bad = || WellError { well: well.to_string() };
        let w = well.trim();
        let mut chars = w.chars();
        let row = chars.next().ok_or_else(bad)?.to_ascii_uppercase();
        let digits = chars.as_str();
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let column: usize = digits.parse().map_err(|_| bad())?;
        if !('A'..='H').contains(&row) || column == 0 {
            return Err(bad());
        }
        Well::new(row as usize - 'A' as usize, column - 1).ok_or_else(bad)
    }
}

impl fmt::Display for Well {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", char::from(b'A' + self.row), self.column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_well_round_trips_through_its_name() {
        for row in 0..Well::ROWS {
            for column in 0..Well::COLUMNS {
                let well = Well::new(row, column).unwrap();
                assert_eq!(well.to_string().parse::<Well>().unwrap(), well);
                assert_eq!(format!("{}{:02}", (b'a' + row as u8) as char, column + 1).parse::<Well>().unwrap(), well);
            }
        }
        for bad in ["", "A", "A0", "I1", "A13", "A+1", "A001", "1A", "AA1"] {
            assert!(bad.parse::<Well>().is_err(), "{bad}");
        }
        assert!(Well::new(8, 0).is_none() && Well::new(0, 12).is_none());
    }
}
