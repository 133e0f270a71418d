//! What the reader tolerates.

/// Which known file faults the reader recovers from (each with a [`crate::Warning`]) rather
/// than rejecting the file with a typed [`crate::Error`].
///
/// [`ReadOptions::default`] is strict except for `$ENDDATA` one past the data, a fault so
/// common (Beckman Coulter, BD Diva exports) that FlowIO, FlowKit and flowCore all read it, and
/// zero HEADER DATA offsets where TEXT gives them (FlowJo, FlowKit and fcsparser read these);
/// [`ReadOptions::strict`] rejects even that, and [`ReadOptions::lenient`] recovers from all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// DATA one byte longer than `$TOT` events need: ignore the last byte.
    pub recover_enddata_off_by_one: bool,
    /// HEADER and TEXT DATA offsets disagree: use the pair whose length fits `$TOT` (TEXT first).
    pub recover_offset_mismatch: bool,
    /// HEADER DATA offsets are zero although `$BEGINDATA`/`$ENDDATA` would fit in its 8 digits:
    /// use the TEXT offsets. On by default (FlowJo, FlowKit and fcsparser read such files); when
    /// the offsets do not fit, zero HEADER offsets are the standard's own mechanism and always read.
    pub recover_zero_header_offsets: bool,
    /// DATA longer than `$TOT` events need: ignore the trailing bytes.
    pub recover_trailing_data: bool,
    /// DATA shorter than `$TOT` events need (or cut by the end of file): keep the whole events;
    /// a file that ends before its DATA begins (HEADER and TEXT only) reads with no events.
    pub recover_short_data: bool,
    /// A required keyword with a sensible default is missing: assume the default
    /// (`$TOT` from the DATA length, `$PnN` = `Pn`, `$PnE` = `0,0`, `$PnR` from `$PnB`,
    /// `$MODE` = `L`, `$BEGINDATA`/`$ENDDATA` from the HEADER).
    pub recover_missing_keywords: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { recover_enddata_off_by_one: true, recover_zero_header_offsets: true, ..ReadOptions::strict() }
    }
}

impl ReadOptions {
    /// Rejects every known fault.
    pub fn strict() -> Self {
        ReadOptions {
            recover_enddata_off_by_one: false,
            recover_offset_mismatch: false,
            recover_zero_header_offsets: false,
            recover_trailing_data: false,
            recover_short_data: false,
            recover_missing_keywords: false,
        }
    }

    /// Recovers from every known fault, with a warning for each.
    pub fn lenient() -> Self {
        ReadOptions {
            recover_enddata_off_by_one: true,
            recover_offset_mismatch: true,
            recover_zero_header_offsets: true,
            recover_trailing_data: true,
            recover_short_data: true,
            recover_missing_keywords: true,
        }
    }
}
