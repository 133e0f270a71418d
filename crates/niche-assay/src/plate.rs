//! 96-well plate reads: a Gen5-style export or a plain 8 × 12 grid.
//!
//! Gen5-style: any header lines, then a grid block whose first line is `,1,2,…,12` (the first cell
//! may hold a label such as `450` or `Delta OD`) followed by rows `A,…` to `H,…`. A file with several
//! blocks (raw reads, then the wavelength-corrected values) gives its **last** block, which is
//! where Gen5 puts computed data. Plain: 8 lines of 12 comma-separated numbers, row A first.

use crate::error::{Error, Result};
use niche_core::Well;

/// Largest plate export read, in bytes (a Gen5 export of one plate with all its reads is under 100 kB).
pub const MAX_PLATE_BYTES: usize = 16 << 20;
/// Most comma-separated fields on one line of a plate export (Gen5 writes 13 to ~100).
pub const MAX_PLATE_FIELDS: usize = 4096;

/// Optical densities by well, `od[row][column]`, row A = 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Plate {
    /// The 8 × 12 values.
    pub od: [[f64; 12]; 8],
}

impl Plate {
    /// The value of a well such as `C7`.
    pub fn get(&self, well: &str) -> Result<f64> {
        Ok(self.at(well.parse()?))
    }

    /// The value of a well.
    pub fn at(&self, well: Well) -> f64 {
        self.od[well.row()][well.column()]
    }

    /// Parses a plate export of at most [`MAX_PLATE_BYTES`] bytes and [`MAX_PLATE_FIELDS`] fields a line.
    pub fn parse(text: &str) -> Result<Plate> {
        if text.len() > MAX_PLATE_BYTES {
            let reason = format!("the export is {} bytes, more than the {MAX_PLATE_BYTES}-byte limit", text.len());
            return Err(Error::Plate { line: 1, reason });
        }
        let lines: Vec<&str> = text.lines().collect();
        if let Some(i) = lines.iter().position(|l| l.bytes().filter(|&b| b == b',').count() >= MAX_PLATE_FIELDS) {
            let reason = format!("more than the limit of {MAX_PLATE_FIELDS} comma-separated fields");
            return Err(Error::Plate { line: i + 1, reason });
        }
        let header = |l: &str| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            f.len() >= 13 && (1..=12).all(|c| f[c] == c.to_string())
        };
        match lines.iter().rposition(|l| header(l)) {
            Some(h) => read_grid(&lines, h + 1, true),
            None => {
                let first = lines
                    .iter()
                    .position(|l| !l.trim().is_empty())
                    .ok_or(Error::Plate { line: 1, reason: "the file is empty".into() })?;
                read_grid(&lines, first, false)
            }
        }
    }
}

fn read_grid(lines: &[&str], start: usize, labelled: bool) -> Result<Plate> {
    let mut od = [[0.0; 12]; 8];
    for (r, row) in od.iter_mut().enumerate() {
        let i = start + r;
        let line = lines
            .get(i)
            .ok_or(Error::Plate { line: i + 1, reason: format!("row {} is missing", (b'A' + r as u8) as char) })?;
        let mut fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if labelled {
            let label = fields.first().copied().unwrap_or("");
            if !label.eq_ignore_ascii_case(&((b'A' + r as u8) as char).to_string()) {
                return Err(Error::Plate {
                    line: i + 1,
                    reason: format!("expected row {}, found {label:?}", (b'A' + r as u8) as char),
                });
            }
            fields.remove(0);
        }
        if fields.len() < 12 {
            return Err(Error::Plate { line: i + 1, reason: format!("{} values, a plate row has 12", fields.len()) });
        }
        for (c, cell) in row.iter_mut().enumerate() {
            *cell = fields[c].parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| Error::Plate {
                line: i + 1,
                reason: format!("well {}{} holds {:?}, not a number", (b'A' + r as u8) as char, c + 1, fields[c]),
            })?;
        }
    }
    Ok(Plate { od })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(v: f64) -> String {
        (0..8)
            .map(|r| {
                (0..12).map(|c| format!("{}", v + r as f64 + c as f64 / 100.0)).collect::<Vec<_>>().join(",") + "\n"
            })
            .collect()
    }

    #[test]
    fn plain_and_gen5_grids() {
        let p = Plate::parse(&grid(1.0)).unwrap();
        assert_eq!(p.get("A1").unwrap(), 1.0);
        assert_eq!(p.get("h12").unwrap(), 8.11);
        let mut gen5 = String::from("Software Version,3.08\nPlate Number,Plate 1\n\n450,1,2,3,4,5,6,7,8,9,10,11,12\n");
        for (r, line) in grid(5.0).lines().enumerate() {
            gen5 += &format!("{},{line}\n", (b'A' + r as u8) as char);
        }
        gen5 += "\n450-540,1,2,3,4,5,6,7,8,9,10,11,12\n";
        for (r, line) in grid(0.5).lines().enumerate() {
            gen5 += &format!("{},{line}\n", (b'A' + r as u8) as char);
        }
        let p = Plate::parse(&gen5).unwrap();
        assert_eq!(p.get("A1").unwrap(), 0.5, "the last block is the corrected one");
    }

    #[test]
    fn errors_name_the_line_and_well() {
        let mut text = grid(1.0);
        text = text.replacen("3.05", "x", 1);
        let e = Plate::parse(&text).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("C6") && e.contains("\"x\""), "{e}");
        assert!(Plate::parse("1,2,3\n").is_err());
        assert!(Plate::parse("").is_err());
    }
}
