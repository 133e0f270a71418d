//! Typed errors and tolerated-fault warnings of the FCS reader and writer.

use std::fmt;

/// Which byte range of a data set an offset belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentKind {
    /// The primary TEXT segment.
    Text,
    /// The supplemental TEXT segment (`$BEGINSTEXT`/`$ENDSTEXT`).
    SupplementalText,
    /// The DATA segment.
    Data,
    /// The ANALYSIS segment.
    Analysis,
}

impl fmt::Display for SegmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SegmentKind::Text => "TEXT",
            SegmentKind::SupplementalText => "supplemental TEXT",
            SegmentKind::Data => "DATA",
            SegmentKind::Analysis => "ANALYSIS",
        })
    }
}

/// Everything that can go wrong reading or writing an FCS file.
///
/// Messages are lowercase and carry the offending values; the caller adds the file name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused to open, map or write the file.
    #[error("i/o error")]
    Io(#[from] std::io::Error),
    /// The file is shorter than the 58-byte HEADER.
    #[error("file is {len} bytes long, shorter than the 58-byte FCS HEADER")]
    TooShort {
        /// File length in bytes.
        len: u64,
    },
    /// The first six bytes are not `FCS2.0`, `FCS3.0`, `FCS3.1` or `FCS3.2`.
    #[error("not an FCS file: HEADER starts with {found:?}, expected FCS2.0, FCS3.0, FCS3.1 or FCS3.2")]
    BadMagic {
        /// The first bytes found, lossily decoded.
        found: String,
    },
    /// A HEADER offset field holds something other than a right-justified integer.
    #[error("HEADER field {field} (bytes {from}-{to}) is not an offset: {value:?}")]
    InvalidHeaderField {
        /// Name of the field, e.g. `TEXT start`.
        field: &'static str,
        /// First byte of the field (0-based).
        from: usize,
        /// Last byte of the field (0-based, inclusive).
        to: usize,
        /// The bytes found, lossily decoded.
        value: String,
    },
    /// A segment lies (partly) outside the file or ends before it starts.
    #[error("{segment} segment {start}..={end} does not fit in the file of {file_len} bytes")]
    SegmentOutOfBounds {
        /// Which segment.
        segment: SegmentKind,
        /// First byte (absolute).
        start: u64,
        /// Last byte (absolute, inclusive).
        end: u64,
        /// File length.
        file_len: u64,
    },
    /// The TEXT segment is empty or too short to hold a delimiter and a keyword.
    #[error("{segment} segment is empty")]
    EmptyText {
        /// Which segment.
        segment: SegmentKind,
    },
    /// A required keyword is absent.
    #[error("required keyword {key} is missing")]
    MissingKeyword {
        /// The keyword, e.g. `$TOT`.
        key: String,
    },
    /// A keyword value cannot be understood.
    #[error("keyword {key} has an invalid value {value:?}: {reason}")]
    InvalidKeyword {
        /// The keyword.
        key: String,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// HEADER and TEXT disagree about where a segment lies.
    #[error(
        "HEADER and TEXT disagree on the {segment} segment: HEADER says {header_start}..={header_end}, TEXT says {text_start}..={text_end} (read with lenient options to recover)"
    )]
    OffsetMismatch {
        /// Which segment.
        segment: SegmentKind,
        /// HEADER start offset.
        header_start: u64,
        /// HEADER end offset.
        header_end: u64,
        /// TEXT start offset.
        text_start: u64,
        /// TEXT end offset.
        text_end: u64,
    },
    /// The HEADER gives zero offsets for the DATA segment although the file is small enough for real ones.
    #[error(
        "HEADER gives zero DATA offsets although TEXT places DATA at {text_start}..={text_end}, below the 99,999,999-byte limit (read with lenient options to recover)"
    )]
    ZeroHeaderOffsets {
        /// TEXT `$BEGINDATA`.
        text_start: u64,
        /// TEXT `$ENDDATA`.
        text_end: u64,
    },
    /// The DATA segment is one byte longer than `$TOT` events need (`$ENDDATA` off by one).
    #[error("DATA segment is {found} bytes, one more than the {expected} bytes $TOT events need ($ENDDATA off by one)")]
    EnddataOffByOne {
        /// Bytes the events need.
        expected: u64,
        /// Bytes in the segment.
        found: u64,
    },
    /// The DATA segment holds more bytes than `$TOT` events need.
    #[error("DATA segment is {found} bytes but $TOT events need {expected}: {} trailing bytes (read with lenient options to ignore them)", found - expected)]
    TrailingDataBytes {
        /// Bytes the events need.
        expected: u64,
        /// Bytes in the segment.
        found: u64,
    },
    /// The DATA segment holds fewer bytes than `$TOT` events need.
    #[error(
        "DATA segment is {found} bytes but $TOT = {tot} events need {expected} (read with lenient options to keep the whole events)"
    )]
    DataTooShort {
        /// `$TOT`.
        tot: u64,
        /// Bytes the events need.
        expected: u64,
        /// Bytes in the segment.
        found: u64,
    },
    /// `$TOT` × `$PAR` values cannot possibly fit in the file.
    #[error("$TOT = {tot} events of {par} parameters cannot fit in a file of {file_len} bytes")]
    ImplausibleEventCount {
        /// `$TOT`.
        tot: u64,
        /// `$PAR`.
        par: usize,
        /// File length.
        file_len: u64,
    },
    /// `$MODE` is not list mode.
    #[error("$MODE {mode:?} is not supported: only list mode (L) data can be read")]
    UnsupportedMode {
        /// The mode found.
        mode: String,
    },
    /// A `$PnB` width that the data type cannot have.
    #[error("parameter {parameter}: {bits} bits is not a supported width for $DATATYPE {datatype}")]
    UnsupportedBitWidth {
        /// 1-based parameter number.
        parameter: usize,
        /// The width.
        bits: u32,
        /// The data type letter.
        datatype: char,
    },
    /// `$BYTEORD` does not describe the data's byte widths.
    #[error("$BYTEORD {order:?} cannot order values of {bytes} bytes")]
    InvalidByteOrder {
        /// The byte order found.
        order: String,
        /// The value width in bytes.
        bytes: usize,
    },
    /// An ASCII data value is not a number.
    #[error("ASCII DATA value {text:?} of event {event}, parameter {parameter} is not a number")]
    InvalidAsciiValue {
        /// 0-based event index.
        event: u64,
        /// 1-based parameter number.
        parameter: usize,
        /// The text found.
        text: String,
    },
    /// Delimited ASCII DATA ends before `$TOT` × `$PAR` values.
    #[error("delimited ASCII DATA holds {found} values, $TOT x $PAR needs {expected}")]
    AsciiValueCount {
        /// Values needed.
        expected: u64,
        /// Values found.
        found: u64,
    },
    /// `$NEXTDATA` points outside the file or back to a data set already read.
    #[error("$NEXTDATA offset {offset} points {reason}")]
    InvalidNextData {
        /// Absolute offset.
        offset: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A data set index that does not exist.
    #[error("data set {} does not exist: the file has {count}", index + 1)]
    NoSuchDataSet {
        /// 0-based index asked for.
        index: usize,
        /// Number of data sets.
        count: usize,
    },
    /// A spillover keyword cannot be parsed.
    #[error("spillover keyword {key} is invalid: {reason}")]
    InvalidSpillover {
        /// The keyword.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Data given to the writer do not fit the declared channels.
    #[error("cannot write: {reason}")]
    InvalidWrite {
        /// What is wrong.
        reason: String,
    },
    /// A value does not fit the integer range of its channel when writing.
    #[error("cannot write channel {channel:?}: value {value} of event {event} is outside 0..={max}")]
    ValueOutOfRange {
        /// `$PnN`.
        channel: String,
        /// 0-based event index.
        event: usize,
        /// The value.
        value: f64,
        /// The largest storable value.
        max: f64,
    },
}

/// A fault that was tolerated; reported beside the result, never silently.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// Some keyword or value was not valid UTF-8 and was decoded as Latin-1.
    Latin1Text {
        /// Keywords whose key or value was decoded as Latin-1.
        keys: Vec<String>,
    },
    /// `$ENDDATA` was one past the last byte of the events; the extra byte was ignored.
    EnddataOffByOne {
        /// Bytes the events need.
        expected: u64,
    },
    /// HEADER and TEXT disagreed; the named source was used.
    OffsetMismatchRecovered {
        /// Which segment.
        segment: SegmentKind,
        /// `"HEADER"` or `"TEXT"`.
        used: &'static str,
        /// Start offset used.
        start: u64,
        /// End offset used.
        end: u64,
    },
    /// HEADER DATA offsets were zero although the TEXT offsets would have fit in the HEADER's
    /// 8 digits; the TEXT offsets were used.
    ZeroHeaderOffsets {
        /// `$BEGINDATA`.
        start: u64,
        /// `$ENDDATA`.
        end: u64,
    },
    /// Bytes after the last event in the DATA segment were ignored.
    TrailingDataBytes {
        /// How many.
        count: u64,
    },
    /// The file ends before its DATA segment begins (HEADER and TEXT only, e.g. a truncated
    /// download): no events were read.
    DataMissing {
        /// Absolute offset where DATA should begin.
        start: u64,
        /// Absolute offset of its last byte.
        end: u64,
        /// The file's length.
        file_len: u64,
    },
    /// DATA held fewer events than `$TOT`; the whole events present were kept.
    DataTruncated {
        /// `$TOT`.
        tot: u64,
        /// Events kept.
        kept: u64,
    },
    /// A required keyword was absent and a value was assumed.
    MissingKeywordAssumed {
        /// The keyword.
        key: String,
        /// The value assumed.
        assumed: String,
    },
    /// The same keyword occurred twice; the later value was kept.
    DuplicateKeyword {
        /// The keyword.
        key: String,
    },
    /// Doubled delimiters were read as empty values, not escapes, because as escapes they put
    /// delimiters inside keywords.
    EmptyValuesAssumed {
        /// Which segment.
        segment: SegmentKind,
    },
    /// The TEXT segment ended with a keyword that had no value.
    DanglingKeyword {
        /// The keyword.
        key: String,
    },
    /// A segment other than DATA could not be read and was skipped.
    SegmentSkipped {
        /// Which segment.
        segment: SegmentKind,
        /// Why.
        reason: String,
    },
    /// `$TIMESTEP` is not a positive number; the time channel is left unscaled.
    InvalidTimestep {
        /// The value found.
        value: String,
    },
    /// `$COMP` names no channels; it was assumed to cover the first n parameters.
    CompChannelsAssumed {
        /// Matrix size.
        n: usize,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Latin1Text { keys } => write!(f, "not valid UTF-8, decoded as Latin-1: {}", keys.join(", ")),
            Warning::EnddataOffByOne { expected } => {
                write!(f, "$ENDDATA is off by one; read the {expected} bytes the events need")
            }
            Warning::OffsetMismatchRecovered { segment, used, start, end } => {
                write!(f, "HEADER and TEXT disagree on the {segment} segment; used the {used} offsets {start}..={end}")
            }
            Warning::ZeroHeaderOffsets { start, end } => write!(
                f,
                "HEADER DATA offsets are zero although $BEGINDATA..$ENDDATA ({start}..{end}) fit in its 8 digits; \
                 used the TEXT offsets"
            ),
            Warning::DataMissing { start, end, file_len } => write!(
                f,
                "DATA is missing: bytes {start}..={end} lie past the end of the {file_len}-byte file; no events read"
            ),
            Warning::TrailingDataBytes { count } => write!(f, "ignored {count} bytes after the last event in DATA"),
            Warning::DataTruncated { tot, kept } => {
                write!(f, "DATA holds fewer than $TOT = {tot} events; kept the {kept} whole events present")
            }
            Warning::MissingKeywordAssumed { key, assumed } => {
                write!(f, "required keyword {key} is missing; assumed {assumed}")
            }
            Warning::DuplicateKeyword { key } => write!(f, "keyword {key} occurs twice; kept the later value"),
            Warning::EmptyValuesAssumed { segment } => {
                write!(f, "{segment} uses doubled delimiters for empty values; read them so")
            }
            Warning::DanglingKeyword { key } => write!(f, "TEXT ends with keyword {key:?} that has no value"),
            Warning::SegmentSkipped { segment, reason } => write!(f, "skipped the {segment} segment: {reason}"),
            Warning::InvalidTimestep { value } => {
                write!(f, "$TIMESTEP {value:?} is not a positive number; the time channel is left unscaled")
            }
            Warning::CompChannelsAssumed { n } => {
                write!(f, "$COMP names no channels; assumed it covers parameters 1 to {n}")
            }
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
