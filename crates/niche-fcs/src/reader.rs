//! [`Reader`]: opens an FCS file (memory-mapped) and parses every data set in it.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::decode::{self, EventValue};
use crate::error::{Error, Result, SegmentKind, Warning};
use crate::events::Events;
use crate::header::{HEADER_LEN, Header, Segment, Version};
use crate::layout::{DataType, Layout};
use crate::options::ReadOptions;
use crate::parameter::{self, Parameter, Required};
use crate::spillover::Spillover;
use crate::text::{self, Keywords};

/// Offsets at or above this cannot be written in the 8-byte HEADER fields (FCS 3.1, 3.2.3).
const HEADER_OFFSET_LIMIT: u64 = 99_999_999;

/// The bytes of a file: memory-mapped, or owned when given in memory.
enum Source {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Source {
    fn bytes(&self) -> &[u8] {
        match self {
            Source::Mapped(m) => m,
            Source::Owned(v) => v,
        }
    }
}

/// Reads FCS files with the given [`ReadOptions`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Reader {
    options: ReadOptions,
}

/// Which values [`DataSet::events`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Values {
    /// The stored values (integers masked to `$PnR`).
    Raw,
    /// FlowIO's "preprocessed" values: `$PnE` log decoding `f2 · 10^(f1 · x / $PnR)` (f2 = 0 read
    /// as 1), then division by `$PnG` when it is neither 0 nor 1; the time channel is instead
    /// multiplied by `$TIMESTEP`.
    #[default]
    Scaled,
}

/// A parsed FCS file: one or more data sets.
#[derive(Debug)]
pub struct Fcs {
    /// The data sets, in `$NEXTDATA` order.
    pub datasets: Vec<DataSet>,
}

impl Fcs {
    /// The version of the first data set's HEADER.
    pub fn version(&self) -> Version {
        self.datasets[0].header.version
    }

    /// Data set `index` (0-based), or [`Error::NoSuchDataSet`].
    pub fn dataset(&self, index: usize) -> Result<&DataSet> {
        self.datasets.get(index).ok_or(Error::NoSuchDataSet { index, count: self.datasets.len() })
    }
}

/// One data set: its HEADER, keywords, parameters, and (lazily decoded) events.
pub struct DataSet {
    /// Absolute byte offset of this data set's HEADER in the file.
    pub offset: u64,
    /// Its HEADER.
    pub header: Header,
    /// Primary and supplemental TEXT keywords.
    pub keywords: Keywords,
    /// Keywords of the ANALYSIS segment, when there is one.
    pub analysis: Option<Keywords>,
    /// Parameters `$P1…$Pn`.
    pub parameters: Vec<Parameter>,
    /// `$DATATYPE`.
    pub datatype: DataType,
    /// Number of events (`$TOT`, or fewer when recovered from short DATA).
    pub event_count: usize,
    /// The absolute DATA byte range actually read.
    pub data_range: Range<u64>,
    /// `$TIMESTEP` in seconds per time unit, when present and valid (blank reads as 1, as FlowIO).
    pub timestep: Option<f64>,
    /// Tolerated faults.
    pub warnings: Vec<Warning>,
    layout: Layout,
    source: Arc<Source>,
}

impl std::fmt::Debug for DataSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataSet")
            .field("offset", &self.offset)
            .field("header", &self.header)
            .field("event_count", &self.event_count)
            .field("parameters", &self.parameters)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl Reader {
    /// A reader with these options.
    pub fn new(options: ReadOptions) -> Self {
        Reader { options }
    }

    /// Memory-maps and parses the file at `path`.
    pub fn read_path(&self, path: impl AsRef<Path>) -> Result<Fcs> {
        let file = std::fs::File::open(path.as_ref())?;
        let len = file.metadata()?.len();
        let source = if (len as usize) < HEADER_LEN {
            Source::Owned(std::fs::read(path.as_ref())?)
        } else {
            // SAFETY: the map is read-only; like every mmap-based reader, we assume no other
            // process truncates the file while it is open.
            Source::Mapped(unsafe { memmap2::MmapOptions::new().map(&file)? })
        };
        self.parse(Arc::new(source))
    }

    /// Parses a file held in memory.
    pub fn read_bytes(&self, bytes: Vec<u8>) -> Result<Fcs> {
        self.parse(Arc::new(Source::Owned(bytes)))
    }

    fn parse(&self, source: Arc<Source>) -> Result<Fcs> {
        let file_len = source.bytes().len() as u64;
        let mut datasets = Vec::new();
        let mut seen = HashSet::new();
        let mut offset = 0u64;
        loop {
            seen.insert(offset);
            let dataset = self.parse_dataset(&source, offset)?;
            let next = dataset.keywords.parse_number::<u64>("$NEXTDATA")?.unwrap_or(0);
            datasets.push(dataset);
            if next == 0 {
                break;
            }
            let absolute =
                offset.checked_add(next).ok_or(Error::InvalidNextData { offset: next, reason: "beyond any file" })?;
            if absolute.saturating_add(HEADER_LEN as u64) > file_len {
                return Err(Error::InvalidNextData { offset: absolute, reason: "past the end of the file" });
            }
            if !seen.insert(absolute) {
                return Err(Error::InvalidNextData { offset: absolute, reason: "back to a data set already read" });
            }
            offset = absolute;
        }
        Ok(Fcs { datasets })
    }

    fn parse_dataset(&self, source: &Arc<Source>, offset: u64) -> Result<DataSet> {
        let bytes = source.bytes();
        let file_len = bytes.len() as u64;
        let header = Header::parse(&bytes[offset as usize..])?;
        let mut warnings = Vec::new();

        let text_range = absolute_range(SegmentKind::Text, header.text, offset, file_len)?;
        let mut keywords = Keywords::new();
        text::parse_into(&bytes[text_range], SegmentKind::Text, &mut keywords, &mut warnings)?;
        self.merge_supplemental_text(bytes, offset, &mut keywords, &mut warnings);

        let mut required =
            Required { keywords: &keywords, recover: self.options.recover_missing_keywords, warnings: &mut warnings };
        let mode = required.get_or("$MODE", || Some("L".into()))?;
        if !mode.eq_ignore_ascii_case("L") {
            return Err(Error::UnsupportedMode { mode });
        }
        let par: usize = parameter::number("$PAR", &required.get_or("$PAR", || None)?)?;
        if par as u64 > file_len {
            return Err(Error::InvalidKeyword {
                key: "$PAR".into(),
                value: par.to_string(),
                reason: "more parameters than the file has bytes",
            });
        }
        let datatype = DataType::parse(&required.get_or("$DATATYPE", || None)?)?;
        let parameters = parameter::read_parameters(header.version, par, &mut required)?;
        let layout = Layout::new(datatype, keywords.get_trimmed("$BYTEORD"), &parameters)?;
        let tot = keywords.parse_number::<u64>("$TOT")?;

        let segment = self.data_segment(&header, &keywords, &layout, tot, &mut warnings)?;
        let (data_range, event_count) =
            self.data_extent(segment, offset, file_len, &layout, par, tot, &mut warnings)?;
        let analysis = self.analysis(bytes, offset, &header, &keywords, &mut warnings);
        let timestep = read_timestep(&keywords, &mut warnings);

        Ok(DataSet {
            offset,
            header,
            keywords,
            analysis,
            parameters,
            datatype,
            event_count,
            data_range,
            timestep,
            warnings,
            layout,
            source: Arc::clone(source),
        })
    }

    fn merge_supplemental_text(&self, bytes: &[u8], offset: u64, keywords: &mut Keywords, warnings: &mut Vec<Warning>) {
        let segment = match text_segment(keywords, "$BEGINSTEXT", "$ENDSTEXT") {
            Ok(Some(s)) if !s.is_zero() => s,
            Ok(_) => return,
            Err(e) => {
                warnings
                    .push(Warning::SegmentSkipped { segment: SegmentKind::SupplementalText, reason: e.to_string() });
                return;
            }
        };
        let parsed = absolute_range(SegmentKind::SupplementalText, segment, offset, bytes.len() as u64).and_then(|r| {
            let mut supplemental = Keywords::new();
            text::parse_into(&bytes[r], SegmentKind::SupplementalText, &mut supplemental, warnings)?;
            Ok(supplemental)
        });
        match parsed {
            Ok(supplemental) => {
                for k in supplemental.iter() {
                    if keywords.keyword(&k.key).is_none() {
                        keywords.insert(k.key.clone(), k.value.clone());
                    }
                }
            }
            Err(e) => {
                warnings.push(Warning::SegmentSkipped { segment: SegmentKind::SupplementalText, reason: e.to_string() })
            }
        }
    }

    /// Decides where DATA lies, reconciling HEADER and TEXT offsets.
    fn data_segment(
        &self,
        header: &Header,
        keywords: &Keywords,
        layout: &Layout,
        tot: Option<u64>,
        warnings: &mut Vec<Warning>,
    ) -> Result<Segment> {
        let from_text = text_segment(keywords, "$BEGINDATA", "$ENDDATA")?;
        if !header.version.has_text_offsets() {
            return match from_text {
                Some(t) if header.data.is_zero() && !t.is_zero() => self.zero_header(t, warnings),
                _ => Ok(header.data),
            };
        }
        let Some(text) = from_text else {
            if !self.options.recover_missing_keywords {
                return Err(Error::MissingKeyword { key: "$BEGINDATA".into() });
            }
            warnings.push(Warning::MissingKeywordAssumed {
                key: "$BEGINDATA/$ENDDATA".into(),
                assumed: format!("{}..={} from the HEADER", header.data.start, header.data.end),
            });
            return Ok(header.data);
        };
        if header.data == text {
            return Ok(text);
        }
        if header.data.is_zero() {
            return if text.end > HEADER_OFFSET_LIMIT { Ok(text) } else { self.zero_header(text, warnings) };
        }
        if !self.options.recover_offset_mismatch {
            return Err(Error::OffsetMismatch {
                segment: SegmentKind::Data,
                header_start: header.data.start,
                header_end: header.data.end,
                text_start: text.start,
                text_end: text.end,
            });
        }
        // Prefer the candidate whose length fits $TOT events, TEXT first.
        let fits = |s: &Segment| match (tot, layout.row_bytes) {
            (Some(tot), Some(row)) => {
                let need = tot.saturating_mul(row as u64);
                s.len() == need || s.len() == need + 1
            }
            _ => false,
        };
        let (used, chosen) = if fits(&text) || !fits(&header.data) { ("TEXT", text) } else { ("HEADER", header.data) };
        warnings.push(Warning::OffsetMismatchRecovered {
            segment: SegmentKind::Data,
            used,
            start: chosen.start,
            end: chosen.end,
        });
        Ok(chosen)
    }

    fn zero_header(&self, text: Segment, warnings: &mut Vec<Warning>) -> Result<Segment> {
        if !self.options.recover_zero_header_offsets {
            return Err(Error::ZeroHeaderOffsets { text_start: text.start, text_end: text.end });
        }
        warnings.push(Warning::ZeroHeaderOffsets { start: text.start, end: text.end });
        Ok(text)
    }

    /// Checks the DATA length against `$TOT` and returns the absolute byte range and event count.
    #[allow(clippy::too_many_arguments)]
    fn data_extent(
        &self,
        segment: Segment,
        offset: u64,
        file_len: u64,
        layout: &Layout,
        par: usize,
        tot: Option<u64>,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Range<u64>, usize)> {
        let start = offset.saturating_add(segment.start);
        let mut available = segment.len();
        if segment.end < segment.start && !segment.is_zero() {
            return Err(Error::SegmentOutOfBounds {
                segment: SegmentKind::Data,
                start,
                end: offset.saturating_add(segment.end),
                file_len,
            });
        }
        if available > 0 && start >= file_len && self.options.recover_short_data {
            warnings.push(Warning::DataMissing { start, end: offset.saturating_add(segment.end), file_len });
            return Ok((file_len..file_len, 0));
        }
        if available > 0 && start.saturating_add(available) > file_len {
            if !self.options.recover_short_data {
                return Err(Error::SegmentOutOfBounds {
                    segment: SegmentKind::Data,
                    start,
                    end: start + available - 1,
                    file_len,
                });
            }
            available = file_len - start;
        }

        let Some(row_bytes) = layout.row_bytes.map(|r| r as u64) else {
            // Delimited ASCII: every value needs at least one byte.
            let tot = match tot {
                Some(t) => t,
                None => {
                    return Err(Error::MissingKeyword { key: "$TOT".into() });
                }
            };
            if tot.saturating_mul(par as u64) > available {
                return Err(Error::ImplausibleEventCount { tot, par, file_len });
            }
            return Ok((start..start + available, tot as usize));
        };

        let tot = match tot {
            Some(t) => t,
            None if self.options.recover_missing_keywords && row_bytes > 0 => {
                let inferred = available / row_bytes;
                warnings.push(Warning::MissingKeywordAssumed {
                    key: "$TOT".into(),
                    assumed: format!("{inferred} from the DATA length"),
                });
                inferred
            }
            None => return Err(Error::MissingKeyword { key: "$TOT".into() }),
        };
        let needed = tot.checked_mul(row_bytes).filter(|&n| n <= file_len);
        let Some(needed) = needed else {
            if !self.options.recover_short_data {
                return Err(Error::ImplausibleEventCount { tot, par, file_len });
            }
            return self.truncate(start, available, row_bytes, tot, warnings);
        };
        match available {
            a if a == needed => {}
            a if a == needed + 1 => {
                if !self.options.recover_enddata_off_by_one {
                    return Err(Error::EnddataOffByOne { expected: needed, found: a });
                }
                warnings.push(Warning::EnddataOffByOne { expected: needed });
            }
            a if a > needed => {
                if !self.options.recover_trailing_data {
                    return Err(Error::TrailingDataBytes { expected: needed, found: a });
                }
                warnings.push(Warning::TrailingDataBytes { count: a - needed });
            }
            a => {
                if !self.options.recover_short_data {
                    return Err(Error::DataTooShort { tot, expected: needed, found: a });
                }
                return self.truncate(start, available, row_bytes, tot, warnings);
            }
        }
        Ok((start..start + needed, tot as usize))
    }

    fn truncate(
        &self,
        start: u64,
        available: u64,
        row_bytes: u64,
        tot: u64,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Range<u64>, usize)> {
        let kept = available.checked_div(row_bytes).map_or(0, |k| k.min(tot));
        warnings.push(Warning::DataTruncated { tot, kept });
        Ok((start..start + kept * row_bytes, kept as usize))
    }

    /// Parses the ANALYSIS segment; problems there are warnings, never errors.
    fn analysis(
        &self,
        bytes: &[u8],
        offset: u64,
        header: &Header,
        keywords: &Keywords,
        warnings: &mut Vec<Warning>,
    ) -> Option<Keywords> {
        let segment = match text_segment(keywords, "$BEGINANALYSIS", "$ENDANALYSIS") {
            Ok(Some(s)) if !s.is_zero() => s,
            _ => header.analysis,
        };
        if segment.is_zero() {
            return None;
        }
        let parsed = absolute_range(SegmentKind::Analysis, segment, offset, bytes.len() as u64).and_then(|r| {
            let mut k = Keywords::new();
            text::parse_into(&bytes[r], SegmentKind::Analysis, &mut k, warnings)?;
            Ok(k)
        });
        match parsed {
            Ok(k) => Some(k),
            Err(e) => {
                warnings.push(Warning::SegmentSkipped { segment: SegmentKind::Analysis, reason: e.to_string() });
                None
            }
        }
    }
}

/// `$TIMESTEP`: blank reads as 1 (as FlowIO); a value that is not a positive number is reported
/// and ignored, leaving the time channel unscaled.
fn read_timestep(keywords: &Keywords, warnings: &mut Vec<Warning>) -> Option<f64> {
    let value = keywords.get("$TIMESTEP")?;
    if value.trim().is_empty() {
        return Some(1.0);
    }
    match value.trim().parse::<f64>() {
        Ok(step) if step.is_finite() && step > 0.0 => Some(step),
        _ => {
            warnings.push(Warning::InvalidTimestep { value: value.to_string() });
            None
        }
    }
}

/// Reads a `BEGIN`/`END` keyword pair; `None` when either is absent.
fn text_segment(keywords: &Keywords, begin: &str, end: &str) -> Result<Option<Segment>> {
    let (Some(start), Some(stop)) = (keywords.parse_number::<u64>(begin)?, keywords.parse_number::<u64>(end)?) else {
        return Ok(None);
    };
    Ok(Some(Segment { start, end: stop }))
}

/// The absolute range of a non-DATA segment, checked against the file.
fn absolute_range(kind: SegmentKind, segment: Segment, offset: u64, file_len: u64) -> Result<Range<usize>> {
    let start = offset.saturating_add(segment.start);
    let end = offset.saturating_add(segment.end);
    if segment.end < segment.start || end >= file_len || segment.is_zero() {
        return Err(Error::SegmentOutOfBounds { segment: kind, start, end, file_len });
    }
    Ok(start as usize..end as usize + 1)
}

impl DataSet {
    /// The events, column-major, as `f32` or `f64`.
    pub fn events<T: EventValue>(&self, values: Values) -> Result<Events<T>> {
        self.events_reusing(values, Vec::new())
    }

    /// Like [`DataSet::events`], decoding into `buffer`'s allocation: reading many files in a
    /// loop, pass back the vector of the previous [`Events::into_parts`] to skip the page faults of
    /// fresh memory.
    pub fn events_reusing<T: EventValue>(&self, values: Values, buffer: Vec<T>) -> Result<Events<T>> {
        let n = self.event_count;
        let range = self.data_range.start as usize..self.data_range.end as usize;
        let mut decoded: Vec<T> = decode::decode(&self.source.bytes()[range], &self.layout, n, buffer)?;
        if values == Values::Scaled {
            for (j, p) in self.parameters.iter().enumerate() {
                scale_column(&mut decoded[j * n..(j + 1) * n], p, self.timestep);
            }
        }
        Events::new(self.parameters.iter().map(|p| p.name.clone()).collect(), n, decoded)
    }

    /// The spillover matrix from `$SPILLOVER`, `SPILL`, `SPILLOVER`, `$COMP` or `$DFCiTOj`.
    pub fn spillover(&self) -> Result<Option<Spillover>> {
        Spillover::from_keywords(&self.keywords, &self.parameters)
    }

    /// The parameter named `name` (`$PnN`, exact match).
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// Bytes per event, `None` for delimited ASCII.
    pub fn event_bytes(&self) -> Option<usize> {
        self.layout.row_bytes
    }
}

/// The largest `$PnR` whose log-amplified channels are scaled through a table (1 MiB of `f64`).
const LOG_TABLE_MAX: f64 = (1 << 17) as f64;

/// Applies [`Values::Scaled`] to one column.
fn scale_column<T: EventValue>(column: &mut [T], p: &Parameter, timestep: Option<f64>) {
    if p.is_time() {
        if let Some(step) = timestep {
            column.iter_mut().for_each(|v| *v = T::from_f64(v.to_f64() * step));
        }
        return;
    }
    let amp = p.amplification;
    if amp.is_log() && p.range > 0.0 {
        let f2 = if amp.offset == 0.0 { 1.0 } else { amp.offset };
        let per_channel = amp.decades / p.range;
        let linear = |channel: f64| T::from_f64(f2 * 10f64.powf(per_channel * channel));
        // Log-amplified data are integer channels (0 … $PnR − 1): look each one up in a table of
        // the same formula instead of a `powf` per event, bit for bit the same values.
        let table: Vec<T> = if p.range <= LOG_TABLE_MAX && column.len() as f64 > 2.0 * p.range {
            (0..p.range as usize).map(|c| linear(c as f64)).collect()
        } else {
            Vec::new()
        };
        column.iter_mut().for_each(|v| {
            let channel = v.to_f64();
            let index = channel as usize;
            *v = match table.get(index) {
                Some(&value) if index as f64 == channel => value,
                _ => linear(channel),
            };
        });
    }
    if let Some(gain) = p.gain.filter(|&g| g != 0.0 && g != 1.0) {
        column.iter_mut().for_each(|v| *v = T::from_f64(v.to_f64() / gain));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parameter::Amplification;

    fn log_parameter(range: f64) -> Parameter {
        Parameter {
            index: 3,
            name: "FL1-H".into(),
            label: None,
            bits: Some(16),
            range,
            amplification: Amplification { decades: 4.0, offset: 1.0 },
            gain: None,
        }
    }

    /// The per-value formula of `$PnE`, as the table must reproduce it.
    fn by_formula(channel: f64, p: &Parameter) -> f64 {
        10f64.powf(p.amplification.decades / p.range * channel)
    }

    #[test]
    fn log_channels_through_the_table_equal_the_formula_bit_for_bit() {
        let p = log_parameter(1024.0);
        // every channel, and values the table must leave to the formula
        let mut raw: Vec<f64> = (0..1024).map(f64::from).collect();
        raw.extend([1023.5, -1.0, -0.0, 1024.0, 5000.0, 0.25, f64::NAN]);
        raw.extend((0..4096).map(|k| f64::from(k % 1024)));
        let mut wide = raw.clone();
        scale_column(&mut wide, &p, None);
        let mut narrow: Vec<f32> = raw.iter().map(|&v| v as f32).collect();
        scale_column(&mut narrow, &p, None);
        for ((&v, &w), &n) in raw.iter().zip(&wide).zip(&narrow) {
            let want = by_formula(v, &p);
            assert!(want.to_bits() == w.to_bits() || (want.is_nan() && w.is_nan()), "{v}: {w} vs {want}");
            let want32 = by_formula(f64::from(v as f32), &p) as f32;
            assert!(want32.to_bits() == n.to_bits() || (want32.is_nan() && n.is_nan()), "{v}: {n} vs {want32}");
        }
    }

    #[test]
    fn short_columns_skip_the_table_with_the_same_values() {
        let p = log_parameter(1024.0);
        let mut column = vec![0.0, 512.0, 1023.0];
        scale_column(&mut column, &p, None);
        assert_eq!(column, vec![1.0, 100.0, by_formula(1023.0, &p)]);
    }
}
