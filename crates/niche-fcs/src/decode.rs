//! DATA decoding into column-major values.
//!
//! Binary data are transposed in cache-sized blocks of events: for each block, each column is
//! filled by one monomorphic loop, so there is no per-event allocation or per-value dispatch.
//! Blocks are spread over threads with rayon; each thread owns disjoint slices of every column.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::layout::{Field, Kind, Layout, Order};

/// A float type events can be decoded into: `f32` (half the memory) or `f64`. (A *sample*, in
/// niche as in FlowKit, is a whole data set's events: `niche_cyto::Sample`.)
pub trait EventValue: Copy + Default + Send + Sync + PartialOrd + std::fmt::Debug + 'static {
    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts from `f32` (exact).
    fn from_f32(v: f32) -> Self;
    /// Converts from an unsigned integer (rounding above 2^24 for `f32`, 2^53 for `f64`).
    fn from_u64(v: u64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
    /// Writes `value` to `slot` with a non-temporal (streaming) store where the CPU has one, so
    /// that filling a large output does not first read every cache line it overwrites.
    /// Callers issue [`store_fence`] before the memory is read elsewhere.
    #[doc(hidden)]
    fn store_streaming(slot: &mut MaybeUninit<Self>, value: Self);
}

/// Orders earlier streaming stores before later memory operations.
#[inline]
fn store_fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

impl EventValue for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn from_f32(v: f32) -> Self {
        v
    }
    fn from_u64(v: u64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn store_streaming(slot: &mut MaybeUninit<Self>, value: Self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86_64 baseline; the slot is a valid, aligned f32.
        unsafe {
            std::arch::x86_64::_mm_stream_si32(slot.as_mut_ptr().cast::<i32>(), value.to_bits() as i32)
        };
        #[cfg(not(target_arch = "x86_64"))]
        slot.write(value);
    }
}

impl EventValue for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn from_f32(v: f32) -> Self {
        v as f64
    }
    fn from_u64(v: u64) -> Self {
        v as f64
    }
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn store_streaming(slot: &mut MaybeUninit<Self>, value: Self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86_64 baseline; the slot is a valid, aligned f64.
        unsafe {
            std::arch::x86_64::_mm_stream_si64(slot.as_mut_ptr().cast::<i64>(), value.to_bits() as i64)
        };
        #[cfg(not(target_arch = "x86_64"))]
        slot.write(value);
    }
}

/// Events per parallel task.
const TASK_EVENTS: usize = 1 << 15;
/// Events per transposition block (`BLOCK_EVENTS` × event size stays within L1/L2).
const BLOCK_EVENTS: usize = 2048;

/// Decodes `n` events from `data` into a column-major vector (`column j` = `out[j*n..(j+1)*n]`),
/// reusing `buffer`'s allocation.
pub(crate) fn decode<T: EventValue>(data: &[u8], layout: &Layout, n: usize, buffer: Vec<T>) -> Result<Vec<T>> {
    match layout.row_bytes {
        Some(row_bytes) if layout.fields.iter().all(|f| f.kind != Kind::Ascii) => {
            Ok(decode_binary(data, &layout.fields, row_bytes, n, buffer))
        }
        Some(row_bytes) => decode_fixed_ascii(data, &layout.fields, row_bytes, n),
        None => decode_delimited_ascii(data, layout.fields.len(), n),
    }
}

/// Asks Linux to back a large fresh buffer with transparent huge pages: filling 64 MB of new
/// 4 KiB pages costs about three times as much in page faults as filling 2 MiB ones.
fn advise_huge_pages<T>(spare: &mut [MaybeUninit<T>]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 1 << 21;
        let (start, len) = (spare.as_mut_ptr() as usize, std::mem::size_of_val(spare));
        let (first, last) = (start.next_multiple_of(HUGE), (start + len) / HUGE * HUGE);
        if len >= 2 * HUGE && last > first {
            // SAFETY: the range lies inside memory this buffer owns; MADV_HUGEPAGE only changes
            // how the kernel backs it, never its contents, and its failure is harmless.
            unsafe {
                libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = spare;
}

fn decode_binary<T: EventValue>(data: &[u8], fields: &[Field], row_bytes: usize, n: usize, mut out: Vec<T>) -> Vec<T> {
    let p = fields.len();
    let total = n * p;
    out.clear();
    if total == 0 {
        return out;
    }
    let fresh = out.capacity() < total;
    out.reserve(total);
    if fresh {
        advise_huge_pages(out.spare_capacity_mut());
    }
    debug_assert!(data.len() >= n * row_bytes);
    // Task c owns rows c*TASK_EVENTS.. of every column.
    let tasks = n.div_ceil(TASK_EVENTS);
    let mut pieces: Vec<Vec<&mut [MaybeUninit<T>]>> = (0..tasks).map(|_| Vec::with_capacity(p)).collect();
    for column in out.spare_capacity_mut()[..total].chunks_mut(n) {
        for (task, piece) in column.chunks_mut(TASK_EVENTS).enumerate() {
            pieces[task].push(piece);
        }
    }
    pieces.into_par_iter().enumerate().for_each(|(task, mut columns)| {
        let first = task * TASK_EVENTS;
        let rows = columns[0].len();
        let mut done = 0;
        while done < rows {
            let len = BLOCK_EVENTS.min(rows - done);
            let start = (first + done) * row_bytes;
            let block = &data[start..start + len * row_bytes];
            for (field, column) in fields.iter().zip(columns.iter_mut()) {
                decode_field(block, row_bytes, field, &mut column[done..done + len]);
            }
            done += len;
        }
        store_fence();
    });
    // SAFETY: the tasks cover rows 0..n of every column, and decode_field writes every element
    // of the slice it is given (its block holds exactly as many events as the slice).
    unsafe { out.set_len(total) };
    out
}

/// Fills `out` with one field of each event in `block`, which holds exactly `out.len()` events.
fn decode_field<T: EventValue>(block: &[u8], row_bytes: usize, field: &Field, out: &mut [MaybeUninit<T>]) {
    let rows = block.chunks_exact(row_bytes);
    assert_eq!(rows.len(), out.len(), "one event per output value");
    let at = field.offset;
    macro_rules! each {
        (|$b:ident: [$n:literal]| $value:expr) => {
            for (o, row) in out.iter_mut().zip(rows) {
                let $b: [u8; $n] = row[at..at + $n].try_into().expect("field lies within the event");
                T::store_streaming(o, $value);
            }
        };
    }
    match (field.kind, field.width, &field.order) {
        (Kind::F32, 4, Order::Little) => each!(|b: [4]| T::from_f32(f32::from_le_bytes(b))),
        (Kind::F32, 4, Order::Big) => each!(|b: [4]| T::from_f32(f32::from_be_bytes(b))),
        (Kind::F64, 8, Order::Little) => each!(|b: [8]| T::from_f64(f64::from_le_bytes(b))),
        (Kind::F64, 8, Order::Big) => each!(|b: [8]| T::from_f64(f64::from_be_bytes(b))),
        (Kind::Uint { mask }, 1, _) => each!(|b: [1]| T::from_u64(b[0] as u64 & mask)),
        (Kind::Uint { mask }, 2, Order::Little) => each!(|b: [2]| T::from_u64(u16::from_le_bytes(b) as u64 & mask)),
        (Kind::Uint { mask }, 2, Order::Big) => each!(|b: [2]| T::from_u64(u16::from_be_bytes(b) as u64 & mask)),
        (Kind::Uint { mask }, 4, Order::Little) => each!(|b: [4]| T::from_u64(u32::from_le_bytes(b) as u64 & mask)),
        (Kind::Uint { mask }, 4, Order::Big) => each!(|b: [4]| T::from_u64(u32::from_be_bytes(b) as u64 & mask)),
        (Kind::Uint { mask }, 8, Order::Little) => each!(|b: [8]| T::from_u64(u64::from_le_bytes(b) & mask)),
        (Kind::Uint { mask }, 8, Order::Big) => each!(|b: [8]| T::from_u64(u64::from_be_bytes(b) & mask)),
        (kind, width, order) => {
            for (o, row) in out.iter_mut().zip(rows) {
                let bits = read_uint(&row[at..at + width], order);
                o.write(match kind {
                    Kind::Uint { mask } => T::from_u64(bits & mask),
                    Kind::F32 => T::from_f32(f32::from_bits(bits as u32)),
                    Kind::F64 => T::from_f64(f64::from_bits(bits)),
                    Kind::Ascii => unreachable!("ASCII fields take the ASCII path"),
                });
            }
        }
    }
}

/// Assembles an unsigned integer of 1 to 8 bytes in any byte order.
pub(crate) fn read_uint(bytes: &[u8], order: &Order) -> u64 {
    let n = bytes.len();
    bytes.iter().enumerate().fold(0u64, |acc, (k, &b)| {
        let significance = match order {
            Order::Little => k,
            Order::Big => n - 1 - k,
            Order::Permuted(s) => s[k] as usize,
        };
        acc | (b as u64) << (8 * significance)
    })
}

fn parse_ascii<T: EventValue>(text: &[u8], event: usize, parameter: usize) -> Result<T> {
    let invalid = || Error::InvalidAsciiValue {
        event: event as u64,
        parameter: parameter + 1,
        text: String::from_utf8_lossy(text).into_owned(),
    };
    let s = std::str::from_utf8(text).map_err(|_| invalid())?.trim();
    if s.is_empty() {
        return Ok(T::default());
    }
    s.parse::<f64>().map(T::from_f64).map_err(|_| invalid())
}

fn decode_fixed_ascii<T: EventValue>(data: &[u8], fields: &[Field], row_bytes: usize, n: usize) -> Result<Vec<T>> {
    let mut out = vec![T::default(); n * fields.len()];
    for (i, row) in data.chunks_exact(row_bytes.max(1)).take(n).enumerate() {
        for (j, f) in fields.iter().enumerate() {
            out[j * n + i] = parse_ascii(&row[f.offset..f.offset + f.width], i, j)?;
        }
    }
    Ok(out)
}

fn decode_delimited_ascii<T: EventValue>(data: &[u8], p: usize, n: usize) -> Result<Vec<T>> {
    let mut out = vec![T::default(); n * p];
    let is_separator = |b: &u8| b.is_ascii_whitespace() || *b == b',';
    let mut values = data.split(is_separator).filter(|t| !t.is_empty());
    for i in 0..n {
        for j in 0..p {
            let Some(text) = values.next() else {
                return Err(Error::AsciiValueCount { expected: (n * p) as u64, found: (i * p + j) as u64 });
            };
            out[j * n + i] = parse_ascii(text, i, j)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::DataType;

    fn field(offset: usize, width: usize, kind: Kind, order: Order) -> Field {
        Field { offset, width, kind, order }
    }

    #[test]
    fn reads_integers_in_every_order() {
        let bytes = [0x01, 0x02, 0x03, 0x04];
        assert_eq!(read_uint(&bytes, &Order::Little), 0x04030201);
        assert_eq!(read_uint(&bytes, &Order::Big), 0x01020304);
        // $BYTEORD 3,4,1,2: file byte 0 has significance 2
        assert_eq!(read_uint(&bytes, &Order::Permuted(vec![2, 3, 0, 1].into())), 0x02010403);
        assert_eq!(read_uint(&[0xAA, 0xBB, 0xCC], &Order::Big), 0xAABBCC);
    }

    #[test]
    fn decodes_mixed_fields_column_major_with_masks() {
        // two events of (u16 BE masked to 1023, u24 LE, f32 BE)
        let fields = vec![
            field(0, 2, Kind::Uint { mask: 1023 }, Order::Big),
            field(2, 3, Kind::Uint { mask: u64::MAX }, Order::Little),
            field(5, 4, Kind::F32, Order::Big),
        ];
        let mut data = Vec::new();
        for (a, b, c) in [(0x0405u16, 0x010203u32, 1.5f32), (0xFFFF, 7, -2.0)] {
            data.extend(a.to_be_bytes());
            data.extend(&b.to_le_bytes()[..3]);
            data.extend(c.to_be_bytes());
        }
        let layout = Layout { datatype: DataType::Integer, fields, row_bytes: Some(9) };
        let out: Vec<f64> = decode(&data, &layout, 2, Vec::new()).unwrap();
        assert_eq!(out, vec![5.0, 1023.0, 66051.0, 7.0, 1.5, -2.0]);
    }

    #[test]
    fn spans_many_tasks_and_blocks() {
        let n = TASK_EVENTS * 2 + 777;
        let data: Vec<u8> = (0..n as u32).flat_map(|i| i.to_le_bytes()).collect();
        let layout = Layout {
            datatype: DataType::Integer,
            fields: vec![field(0, 4, Kind::Uint { mask: u64::MAX }, Order::Little)],
            row_bytes: Some(4),
        };
        let out: Vec<f32> = decode(&data, &layout, n, Vec::new()).unwrap();
        // a reused buffer gives the same values
        let again: Vec<f32> = decode(&data, &layout, n, out.clone()).unwrap();
        assert_eq!(again, out);
        assert!(out.iter().enumerate().all(|(i, &v)| v == i as f32));
    }

    #[test]
    fn ascii_fixed_and_delimited() {
        let fields = vec![field(0, 3, Kind::Ascii, Order::Little), field(3, 2, Kind::Ascii, Order::Little)];
        let layout = Layout { datatype: DataType::Ascii, fields, row_bytes: Some(5) };
        let out: Vec<f64> = decode(b"12 34007 1", &layout, 2, Vec::new()).unwrap();
        assert_eq!(out, vec![12.0, 7.0, 34.0, 1.0]);
        let layout = Layout {
            datatype: DataType::Ascii,
            fields: vec![field(0, 0, Kind::Ascii, Order::Little); 2],
            row_bytes: None,
        };
        let out: Vec<f64> = decode(b"1, 2\r\n3.5\t4", &layout, 2, Vec::new()).unwrap();
        assert_eq!(out, vec![1.0, 3.5, 2.0, 4.0]);
        let err = decode::<f64>(b"1 2 3", &layout, 2, Vec::new()).unwrap_err();
        assert!(matches!(err, Error::AsciiValueCount { expected: 4, found: 3 }));
        let err = decode::<f64>(b"1 x 3 4", &layout, 2, Vec::new()).unwrap_err();
        assert!(err.to_string().contains("\"x\""), "{err}");
    }
}
