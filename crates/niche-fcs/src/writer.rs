//! [`Writer`]: writes one data set as FCS 2.0, 3.0, 3.1 or 3.2 with `I`, `F` or `D` data.

use std::io::Write;
use std::path::Path;

use crate::decode::EventValue;
use crate::error::{Error, Result};
use crate::events::Events;
use crate::header::{HEADER_LEN, Version};
use crate::layout::DataType;
use crate::parameter::Parameter;
use crate::spillover::Spillover;
use crate::text::Keywords;

/// Largest offset a HEADER field can hold.
const HEADER_OFFSET_LIMIT: u64 = 99_999_999;
/// TEXT delimiters to choose from: the first that occurs in no keyword or value is used, so no
/// escape is ever needed (a value starting with an escaped delimiter would be ambiguous).
const DELIMITERS: [u8; 10] = [b'|', b'/', b'\\', b'!', b'^', b'~', b'#', 0x0C, 0x1E, 0x1F];

/// Keywords the writer computes itself; same-named extra keywords are ignored.
fn is_computed(key: &str) -> bool {
    const FIXED: [&str; 14] = [
        "$BEGINANALYSIS",
        "$ENDANALYSIS",
        "$BEGINDATA",
        "$ENDDATA",
        "$BEGINSTEXT",
        "$ENDSTEXT",
        "$BYTEORD",
        "$DATATYPE",
        "$MODE",
        "$NEXTDATA",
        "$PAR",
        "$TOT",
        "$SPILLOVER",
        "SPILL",
    ];
    let upper = key.to_ascii_uppercase();
    if FIXED.contains(&upper.as_str()) {
        return true;
    }
    // $PnN, $PnS, $PnB, $PnR, $PnE, $PnG
    upper
        .strip_prefix("$P")
        .and_then(|rest| rest.strip_suffix(['N', 'S', 'B', 'R', 'E', 'G']))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes FCS files.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    version: Version,
    datatype: DataType,
    big_endian: bool,
}

impl Writer {
    /// A writer of `version` files with `datatype` data (`I`, `F` or `D`), little-endian.
    pub fn new(version: Version, datatype: DataType) -> Self {
        Writer { version, datatype, big_endian: false }
    }

    /// Writes big-endian (`$BYTEORD` `4,3,2,1`), as BD instruments do.
    pub fn big_endian(mut self, big: bool) -> Self {
        self.big_endian = big;
        self
    }

    /// Writes to `path` atomically: a temporary file in the same folder (removed on any error),
    /// synced, then renamed over `path`.
    pub fn write_path<T: EventValue>(
        &self,
        path: impl AsRef<Path>,
        parameters: &[Parameter],
        events: &Events<T>,
        keywords: &Keywords,
        spillover: Option<&Spillover>,
    ) -> Result<()> {
        let path = path.as_ref();
        let mut out = std::io::BufWriter::new(niche_core::atomic::temp_file_beside(path)?);
        self.write(&mut out, parameters, events, keywords, spillover)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Writes one data set: `parameters` describe the columns of `events`, in order;
    /// `keywords` are added to TEXT (computed keywords such as `$TOT` or `$PnB` win over them).
    pub fn write<T: EventValue, W: Write>(
        &self,
        mut out: W,
        parameters: &[Parameter],
        events: &Events<T>,
        keywords: &Keywords,
        spillover: Option<&Spillover>,
    ) -> Result<()> {
        let invalid = |reason: String| Error::InvalidWrite { reason };
        if parameters.len() != events.n_channels() {
            return Err(invalid(format!("{} parameters for {} columns", parameters.len(), events.n_channels())));
        }
        if parameters.is_empty() {
            return Err(invalid("no parameters".into()));
        }
        let widths = self.widths(parameters)?;
        let row_bytes: usize = widths.iter().sum();
        let data_len = (row_bytes as u64) * events.n_events() as u64;

        let mut pairs: Vec<(String, String)> = Vec::new();
        let base = |pairs: &mut Vec<(String, String)>| {
            pairs.push(("$BYTEORD".into(), if self.big_endian { "4,3,2,1" } else { "1,2,3,4" }.into()));
            pairs.push(("$DATATYPE".into(), self.datatype.letter().to_string()));
            pairs.push(("$MODE".into(), "L".into()));
            pairs.push(("$NEXTDATA".into(), "0".into()));
            pairs.push(("$PAR".into(), parameters.len().to_string()));
            pairs.push(("$TOT".into(), events.n_events().to_string()));
        };
        base(&mut pairs);
        for (p, width) in parameters.iter().zip(&widths) {
            let n = p.index;
            pairs.push((format!("$P{n}N"), p.name.clone()));
            if let Some(label) = p.label.as_ref().filter(|l| !l.is_empty()) {
                pairs.push((format!("$P{n}S"), label.clone()));
            }
            pairs.push((format!("$P{n}B"), (width * 8).to_string()));
            pairs.push((format!("$P{n}R"), format_number(p.range)));
            let a = p.amplification;
            pairs.push((format!("$P{n}E"), format!("{},{}", format_number(a.decades), format_number(a.offset))));
            if let Some(g) = p.gain {
                pairs.push((format!("$P{n}G"), format_number(g)));
            }
        }
        if let Some(s) = spillover {
            let key = if self.version >= Version::Fcs3_1 { "$SPILLOVER" } else { "SPILL" };
            pairs.push((key.into(), s.to_keyword_value()));
        }
        for k in keywords.iter().filter(|k| !is_computed(&k.key)) {
            pairs.push((k.key.clone(), k.value.clone()));
        }
        if let Some(k) = keywords.iter().find(|k| k.key.trim().is_empty()) {
            return Err(invalid(format!("keyword {:?} is blank", k.key)));
        }
        let delimiter = DELIMITERS
            .into_iter()
            .find(|d| pairs.iter().all(|(k, v)| !k.as_bytes().contains(d) && !v.as_bytes().contains(d)))
            .ok_or_else(|| invalid(format!("every candidate delimiter {DELIMITERS:?} occurs in some keyword")))?;
        for (i, p) in parameters.iter().enumerate() {
            if p.index != i + 1 || p.name.trim().is_empty() {
                return Err(invalid(format!("parameter {} must have index {} and a name", p.index, i + 1)));
            }
        }

        // TEXT holds its own DATA offsets: iterate until their digit count is stable.
        let text_start = HEADER_LEN as u64;
        let mut data_start = 0u64;
        let mut text = Vec::new();
        for _ in 0..8 {
            let (begin, end) = if data_len == 0 { (0, 0) } else { (data_start, data_start + data_len - 1) };
            text = self.text_bytes(&pairs, delimiter, begin, end);
            let next_start = text_start + text.len() as u64;
            if next_start == data_start || data_len == 0 {
                break;
            }
            data_start = next_start;
        }
        let data_end = if data_len == 0 { 0 } else { data_start + data_len - 1 };
        let data_begin = if data_len == 0 { 0 } else { data_start };
        if self.version == Version::Fcs2_0 && data_end > HEADER_OFFSET_LIMIT {
            return Err(invalid(format!("FCS 2.0 cannot hold DATA ending at byte {data_end}; write FCS 3.1")));
        }
        let fits = data_end <= HEADER_OFFSET_LIMIT;
        let header = format!(
            "{}    {:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
            std::str::from_utf8(self.version.magic()).unwrap_or("FCS3.1"),
            text_start,
            text_start + text.len() as u64 - 1,
            if fits { data_begin } else { 0 },
            if fits { data_end } else { 0 },
            0,
            0
        );
        out.write_all(header.as_bytes())?;
        out.write_all(&text)?;
        self.write_data(&mut out, parameters, &widths, events)?;
        out.flush()?;
        Ok(())
    }

    /// Value width in bytes per parameter.
    fn widths(&self, parameters: &[Parameter]) -> Result<Vec<usize>> {
        parameters
            .iter()
            .map(|p| match self.datatype {
                DataType::Float => Ok(4),
                DataType::Double => Ok(8),
                DataType::Integer => match p.bits.unwrap_or(16) {
                    b if b % 8 == 0 && (8..=64).contains(&b) => Ok(b as usize / 8),
                    b => Err(Error::UnsupportedBitWidth { parameter: p.index, bits: b, datatype: 'I' }),
                },
                DataType::Ascii => Err(Error::InvalidWrite { reason: "ASCII data cannot be written".into() }),
            })
            .collect()
    }

    fn text_bytes(&self, pairs: &[(String, String)], delimiter: u8, data_begin: u64, data_end: u64) -> Vec<u8> {
        let mut text = vec![delimiter];
        let mut push = |s: &str| {
            // Values may not be empty (FCS 3.1, 3.2.9).
            text.extend_from_slice(if s.is_empty() { b" " } else { s.as_bytes() });
            text.push(delimiter);
        };
        if self.version.has_text_offsets() {
            for (k, v) in [
                ("$BEGINANALYSIS", "0".to_string()),
                ("$ENDANALYSIS", "0".to_string()),
                ("$BEGINSTEXT", "0".to_string()),
                ("$ENDSTEXT", "0".to_string()),
                ("$BEGINDATA", data_begin.to_string()),
                ("$ENDDATA", data_end.to_string()),
            ] {
                push(k);
                push(&v);
            }
        }
        for (k, v) in pairs {
            push(k);
            push(v);
        }
        text
    }

    /// Writes DATA in chunks of about 64 KiB of events. Each chunk is filled one column at a
    /// time by a loop specialised to that column's type and width (no per-value dispatch); the
    /// first value out of range, in event order, is the error.
    fn write_data<T: EventValue, W: Write>(
        &self,
        out: &mut W,
        parameters: &[Parameter],
        widths: &[usize],
        events: &Events<T>,
    ) -> Result<()> {
        let row_bytes: usize = widths.iter().sum();
        let rows_per_chunk = (1 << 16) / row_bytes.max(1) + 1;
        let mut buf = Vec::with_capacity(rows_per_chunk * row_bytes);
        let columns: Vec<&[T]> = events.columns().collect();
        let offsets: Vec<usize> = widths.iter().scan(0, |at, &w| Some(std::mem::replace(at, *at + w))).collect();
        let n = events.n_events();
        let mut first = 0;
        while first < n {
            let last = (first + rows_per_chunk).min(n);
            buf.clear();
            buf.resize((last - first) * row_bytes, 0);
            // (event, column) of the first value out of range in this chunk
            let mut fault: Option<(usize, usize)> = None;
            for (j, column) in columns.iter().enumerate() {
                let field = Field { at: offsets[j], width: widths[j], row_bytes };
                if let Some(k) = self.fill_column(&mut buf, field, &column[first..last]) {
                    fault = Some(fault.map_or((k, j), |f| f.min((k, j))));
                }
            }
            if let Some((k, j)) = fault {
                let width = widths[j];
                return Err(Error::ValueOutOfRange {
                    channel: parameters[j].name.clone(),
                    event: first + k,
                    value: columns[j][first + k].to_f64(),
                    max: integer_max(width),
                });
            }
            out.write_all(&buf)?;
            first = last;
        }
        Ok(())
    }

    /// Writes `values` into one field of consecutive events of `buf`; returns the index of the
    /// first value an integer field cannot hold, leaving the rest of the field unwritten.
    fn fill_column<T: EventValue>(&self, buf: &mut [u8], field: Field, values: &[T]) -> Option<usize> {
        let Field { at, width, row_bytes } = field;
        let rows = buf.chunks_exact_mut(row_bytes).map(|row| &mut row[at..at + width]);
        let big = self.big_endian;
        match self.datatype {
            DataType::Float => {
                for (slot, v) in rows.zip(values) {
                    let v = v.to_f64() as f32;
                    slot.copy_from_slice(&if big { v.to_be_bytes() } else { v.to_le_bytes() });
                }
                None
            }
            DataType::Double => {
                for (slot, v) in rows.zip(values) {
                    let v = v.to_f64();
                    slot.copy_from_slice(&if big { v.to_be_bytes() } else { v.to_le_bytes() });
                }
                None
            }
            _ => match (width, big) {
                (1, _) => fill_fixed::<1, false, T>(buf, field, values),
                (2, false) => fill_fixed::<2, false, T>(buf, field, values),
                (2, true) => fill_fixed::<2, true, T>(buf, field, values),
                (4, false) => fill_fixed::<4, false, T>(buf, field, values),
                (4, true) => fill_fixed::<4, true, T>(buf, field, values),
                (8, false) => fill_fixed::<8, false, T>(buf, field, values),
                (8, true) => fill_fixed::<8, true, T>(buf, field, values),
                _ => fill_integers(rows, values, width, |slot, bits| {
                    if big {
                        slot.copy_from_slice(&bits.to_be_bytes()[8 - width..]);
                    } else {
                        slot.copy_from_slice(&bits.to_le_bytes()[..width]);
                    }
                }),
            },
        }
    }
}

/// Fills `width`-byte unsigned integer slots with the rounded values through `put` (one
/// monomorphic store per width); returns the index of the first value out of range
/// (`0 ≤ round(v) ≤ 2^(8·width) − 1`).
fn fill_integers<'a, T: EventValue>(
    rows: impl Iterator<Item = &'a mut [u8]>,
    values: &[T],
    width: usize,
    put: impl Fn(&mut [u8], u64),
) -> Option<usize> {
    let max = integer_max(width);
    for (k, (slot, v)) in rows.zip(values).enumerate() {
        let Some(bits) = rounded_integer(v.to_f64(), max) else { return Some(k) };
        put(slot, bits);
    }
    None
}

/// [`fill_integers`] for a `W`-byte field in byte order `BIG` known at compile time (one loop
/// per width and order, nothing decided per value but the range).
fn fill_fixed<const W: usize, const BIG: bool, T: EventValue>(
    buf: &mut [u8],
    field: Field,
    values: &[T],
) -> Option<usize> {
    let max = integer_max(W);
    let Field { at, row_bytes, .. } = field;
    // by index: the iterator adapters' state would otherwise live on the stack
    for k in 0..values.len().min(buf.len() / row_bytes) {
        let Some(bits) = rounded_integer(values[k].to_f64(), max) else { return Some(k) };
        let slot = &mut buf[k * row_bytes + at..k * row_bytes + at + W];
        if BIG {
            slot.copy_from_slice(&bits.to_be_bytes()[8 - W..]);
        } else {
            slot.copy_from_slice(&bits.to_le_bytes()[..W]);
        }
    }
    None
}

/// Where one parameter's value lies in each event of DATA.
#[derive(Debug, Clone, Copy)]
struct Field {
    /// Byte offset within the event.
    at: usize,
    /// Bytes (`$PnB` / 8).
    width: usize,
    /// Bytes per event.
    row_bytes: usize,
}

/// `round(v)` (half away from zero) as an integer when `0 ≤ round(v) ≤ max`, else `None`.
///
/// Values in `0 ≤ v ≤ min(max, 2⁵²)` (where `v − trunc(v)` is exact and `round(v) ≤ max`, `max`
/// being whole) are rounded through `i64`, with no branch on the fraction (as likely above ½ as
/// below for measured values) and no call into libm; other values take `f64::round`.
/// `−0.5 < v < 0` rounds to `−0.0`, which writes 0.
#[inline]
fn rounded_integer(v: f64, max: f64) -> Option<u64> {
    if v >= 0.0 && v <= max.min(4_503_599_627_370_496.0) {
        let whole = v as i64;
        return Some((whole + i64::from(v - whole as f64 >= 0.5)) as u64);
    }
    let rounded = v.round();
    (0.0..=max).contains(&rounded).then_some(rounded as u64)
}

/// The largest unsigned integer `width` bytes hold, as `f64`.
fn integer_max(width: usize) -> f64 {
    if width == 8 { u64::MAX as f64 } else { ((1u64 << (8 * width)) - 1) as f64 }
}

/// Formats a keyword number without a spurious `.0` on whole values.
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { v.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_keywords_are_recognised() {
        assert!(is_computed("$P12N"));
        assert!(is_computed("$tot"));
        assert!(!is_computed("$PROJ"));
        assert!(!is_computed("$P1DISPLAY"));
        assert!(!is_computed("$PN"));
    }

    #[test]
    fn the_first_value_out_of_range_in_event_order_is_the_error() {
        let parameters: Vec<Parameter> = ["A", "B", "C"]
            .iter()
            .enumerate()
            .map(|(i, name)| Parameter {
                index: i + 1,
                name: name.to_string(),
                label: None,
                bits: Some(8),
                range: 256.0,
                amplification: crate::parameter::Amplification::LINEAR,
                gain: None,
            })
            .collect();
        // B is out of range at event 5, C at event 3 (and A never): C at event 3 comes first
        let mut columns = vec![vec![1.0; 8], vec![2.0; 8], vec![3.0; 8]];
        columns[1][5] = 256.0;
        columns[2][3] = -1.0;
        columns[2][6] = 300.0;
        let events = Events::from_columns(vec!["A".into(), "B".into(), "C".into()], columns).unwrap();
        let writer = Writer::new(Version::Fcs3_1, DataType::Integer).big_endian(true);
        let error = writer.write(Vec::new(), &parameters, &events, &Keywords::new(), None).unwrap_err();
        match error {
            Error::ValueOutOfRange { channel, event, value, max } => {
                assert_eq!((channel.as_str(), event, value, max), ("C", 3, -1.0, 255.0));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero_like_f64_round() {
        let mut values = vec![0.0, 0.5, 1.5, 2.5, 0.49999999999999994, 1023.4999999, 1023.5, 4_503_599_627_370_495.5];
        values.extend([4_503_599_627_370_496.0, 1e300, -0.4, -0.5, -1.5, -2.4, f64::NAN, f64::INFINITY]);
        values.extend((0..100_000).map(|k| k as f64 * 0.013_7));
        for max in [255.0, 1023.0, 65_535.0, 4_294_967_295.0, u64::MAX as f64] {
            for &v in &values {
                let want = (0.0..=max).contains(&v.round()).then_some(v.round() as u64);
                assert_eq!(rounded_integer(v, max), want, "{v} in 0..={max}");
            }
        }
    }

    #[test]
    fn numbers_print_without_trailing_zero() {
        assert_eq!(format_number(1024.0), "1024");
        assert_eq!(format_number(0.1024), "0.1024");
    }
}
