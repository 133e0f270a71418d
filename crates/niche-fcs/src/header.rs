//! The 58-byte FCS HEADER: version and the byte offsets of TEXT, DATA and ANALYSIS.
//!
//! Layout (ISAC FCS 3.1, section 3.1): bytes 0–5 the version (`FCS3.1`), 6–9 spaces, then six
//! right-justified ASCII integers of 8 bytes each: TEXT start/end, DATA start/end,
//! ANALYSIS start/end. Offsets are relative to the start of the data set, ends inclusive.

use crate::error::{Error, Result};

/// Length of the HEADER in bytes.
pub const HEADER_LEN: usize = 58;

/// The FCS version named in the HEADER.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Version {
    /// FCS 2.0 (1990).
    #[serde(rename = "2.0")]
    Fcs2_0,
    /// FCS 3.0 (1997).
    #[serde(rename = "3.0")]
    Fcs3_0,
    /// FCS 3.1 (2010).
    #[serde(rename = "3.1")]
    Fcs3_1,
    /// FCS 3.2 (2020).
    #[serde(rename = "3.2")]
    Fcs3_2,
}

impl Version {
    /// The six HEADER bytes that name this version.
    pub fn magic(self) -> &'static [u8; 6] {
        match self {
            Version::Fcs2_0 => b"FCS2.0",
            Version::Fcs3_0 => b"FCS3.0",
            Version::Fcs3_1 => b"FCS3.1",
            Version::Fcs3_2 => b"FCS3.2",
        }
    }

    /// Whether TEXT must carry `$BEGINDATA`/`$ENDDATA` (FCS 3.0 and later).
    pub fn has_text_offsets(self) -> bool {
        self >= Version::Fcs3_0
    }

    fn from_magic(bytes: &[u8]) -> Option<Self> {
        [Version::Fcs2_0, Version::Fcs3_0, Version::Fcs3_1, Version::Fcs3_2]
            .into_iter()
            .find(|v| v.magic().as_slice() == bytes)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let magic = self.magic();
        f.write_str(std::str::from_utf8(&magic[3..]).unwrap_or("?"))
    }
}

/// A byte range `start..=end`, relative to the start of its data set.
///
/// `0..=0` means "absent" (or, for DATA in FCS 3.x, "beyond 99,999,999: see TEXT").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Segment {
    /// First byte.
    pub start: u64,
    /// Last byte, inclusive.
    pub end: u64,
}

impl Segment {
    /// Whether both offsets are zero.
    pub fn is_zero(&self) -> bool {
        self.start == 0 && self.end == 0
    }

    /// Number of bytes, `end - start + 1`, or 0 for an absent or inverted segment.
    pub fn len(&self) -> u64 {
        if self.is_zero() || self.end < self.start { 0 } else { self.end - self.start + 1 }
    }

    /// Whether the segment holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A parsed HEADER.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Header {
    /// The FCS version.
    pub version: Version,
    /// The primary TEXT segment.
    pub text: Segment,
    /// The DATA segment as the HEADER gives it.
    pub data: Segment,
    /// The ANALYSIS segment as the HEADER gives it.
    pub analysis: Segment,
}

impl Header {
    /// Parses the HEADER at the start of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Header> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::TooShort { len: bytes.len() as u64 });
        }
        let version = Version::from_magic(&bytes[..6])
            .ok_or_else(|| Error::BadMagic { found: String::from_utf8_lossy(&bytes[..6]).into_owned() })?;
        const NAMES: [&str; 6] = ["TEXT start", "TEXT end", "DATA start", "DATA end", "ANALYSIS start", "ANALYSIS end"];
        let mut offsets = [0u64; 6];
        for (i, name) in NAMES.iter().enumerate() {
            let from = 10 + 8 * i;
            offsets[i] = parse_offset_field(&bytes[from..from + 8]).ok_or_else(|| Error::InvalidHeaderField {
                field: name,
                from,
                to: from + 7,
                value: String::from_utf8_lossy(&bytes[from..from + 8]).into_owned(),
            })?;
        }
        Ok(Header {
            version,
            text: Segment { start: offsets[0], end: offsets[1] },
            data: Segment { start: offsets[2], end: offsets[3] },
            analysis: Segment { start: offsets[4], end: offsets[5] },
        })
    }
}

/// An 8-byte offset field: ASCII digits padded with spaces; all spaces means 0.
fn parse_offset_field(field: &[u8]) -> Option<u64> {
    let trimmed = field.trim_ascii();
    if trimmed.is_empty() {
        return Some(0);
    }
    if !trimmed.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(trimmed).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_space_padded_and_zero_padded_fields() {
        // version, 4 spaces, TEXT 256..=2253, DATA 2304..=162303, ANALYSIS 0..=0
        let h = Header::parse(b"FCS2.0         256    2253    2304  162303       0       0").unwrap();
        assert_eq!(h.version, Version::Fcs2_0);
        assert_eq!(h.text, Segment { start: 256, end: 2253 });
        assert_eq!(h.data.len(), 160_000);
        // zero-padded fields written without spaces (Stratedigm)
        let h = Header::parse(b"FCS3.0    00000074000060800000608100006188       0       0").unwrap();
        assert_eq!(h.text, Segment { start: 74, end: 6080 });
        assert_eq!(h.data, Segment { start: 6081, end: 6188 });
    }

    #[test]
    fn blank_analysis_fields_are_zero() {
        let h = Header::parse(b"FCS2.0         256    2905    8192  297952                ").unwrap();
        assert!(h.analysis.is_zero());
    }

    #[test]
    fn rejects_bad_magic_short_input_and_garbage_offsets() {
        assert!(matches!(Header::parse(b"FCS2.0  "), Err(Error::TooShort { len: 8 })));
        let bad = b"XYZ2.0         256    2253    2304  162303       0       0";
        assert!(matches!(Header::parse(bad), Err(Error::BadMagic { .. })));
        let bad = b"FCS3.1         2x6    2253    2304  162303       0       0";
        let err = Header::parse(bad).unwrap_err();
        assert!(err.to_string().contains("TEXT start"), "{err}");
    }
}
