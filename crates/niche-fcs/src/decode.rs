//! DATA decoding into column-major values.
//!
//! Binary data are transposed in cache-sized blocks of events: for each block, each column is
//! filled by one monomorphic loop, so there is no per-event allocation or per-value dispatch.
//! Blocks are spread over threads with rayon; each thread owns disjoint slices of every column.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::layout::{Field, Kind, Layout, Order};

/// A float type events can be decoded into: `f32` (half the memory) or `f64`.
pub trait Sample: Copy + Default + Send + Sync + PartialOrd + std::fmt::Debug + 'static {
    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts from `f32` (exact).
    fn from_f32(v: f32) -> Self;
    /// Converts from an unsigned integer (rounding above 2^24 for `f32`, 2^53 for `f64`).
    fn from_u64(v: u64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
}

impl Sample for f32 {
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
}

impl Sample for f64 {
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
}

/// Events per parallel task.
const TASK_EVENTS: usize = 1 << 15;
/// Events per transposition block (`BLOCK_EVENTS` × event size stays within L1/L2).
const BLOCK_EVENTS: usize = 512;

/// Decodes `n` events from `data` into a column-major vector (`column j` = `out[j*n..(j+1)*n]`).
pub(crate) fn decode<T: Sample>(data: &[u8], layout: &Layout, n: usize) -> Result<Vec<T>> {
    match layout.row_bytes {
        Some(row_bytes) if layout.fields.iter().all(|f| f.kind != Kind::Ascii) => {
            Ok(decode_binary(data, &layout.fields, row_bytes, n))
        }
        Some(row_bytes) => decode_fixed_ascii(data, &layout.fields, row_bytes, n),
        None => decode_delimited_ascii(data, layout.fields.len(), n),
    }
}

fn decode_binary<T: Sample>(data: &[u8], fields: &[Field], row_bytes: usize, n: usize) -> Vec<T> {
    let p = fields.len();
    let mut out = vec![T::default(); n * p];
    if n == 0 || p == 0 {
        return out;
    }
    debug_assert!(data.len() >= n * row_bytes);
    // Task c owns rows c*TASK_EVENTS.. of every column.
    let tasks = n.div_ceil(TASK_EVENTS);
    let mut pieces: Vec<Vec<&mut [T]>> = (0..tasks).map(|_| Vec::with_capacity(p)).collect();
    for column in out.chunks_mut(n) {
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
    });
    out
}

/// Fills `out` with one field of each event in `block`.
fn decode_field<T: Sample>(block: &[u8], row_bytes: usize, field: &Field, out: &mut [T]) {
    let rows = block.chunks_exact(row_bytes);
    let at = field.offset;
    macro_rules! each {
        (|$b:ident: [$n:literal]| $value:expr) => {
            for (o, row) in out.iter_mut().zip(rows) {
                let $b: [u8; $n] = row[at..at + $n].try_into().expect("field lies within the event");
                *o = $value;
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
                *o = match kind {
                    Kind::Uint { mask } => T::from_u64(bits & mask),
                    Kind::F32 => T::from_f32(f32::from_bits(bits as u32)),
                    Kind::F64 => T::from_f64(f64::from_bits(bits)),
                    Kind::Ascii => unreachable!("ASCII fields take the ASCII path"),
                };
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

fn parse_ascii<T: Sample>(text: &[u8], event: usize, parameter: usize) -> Result<T> {
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

fn decode_fixed_ascii<T: Sample>(data: &[u8], fields: &[Field], row_bytes: usize, n: usize) -> Result<Vec<T>> {
    let mut out = vec![T::default(); n * fields.len()];
    for (i, row) in data.chunks_exact(row_bytes.max(1)).take(n).enumerate() {
        for (j, f) in fields.iter().enumerate() {
            out[j * n + i] = parse_ascii(&row[f.offset..f.offset + f.width], i, j)?;
        }
    }
    Ok(out)
}

fn decode_delimited_ascii<T: Sample>(data: &[u8], p: usize, n: usize) -> Result<Vec<T>> {
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
        let out: Vec<f64> = decode(&data, &layout, 2).unwrap();
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
        let out: Vec<f32> = decode(&data, &layout, n).unwrap();
        assert!(out.iter().enumerate().all(|(i, &v)| v == i as f32));
    }

    #[test]
    fn ascii_fixed_and_delimited() {
        let fields = vec![field(0, 3, Kind::Ascii, Order::Little), field(3, 2, Kind::Ascii, Order::Little)];
        let layout = Layout { datatype: DataType::Ascii, fields, row_bytes: Some(5) };
        let out: Vec<f64> = decode(b"12 34007 1", &layout, 2).unwrap();
        assert_eq!(out, vec![12.0, 7.0, 34.0, 1.0]);
        let layout = Layout {
            datatype: DataType::Ascii,
            fields: vec![field(0, 0, Kind::Ascii, Order::Little); 2],
            row_bytes: None,
        };
        let out: Vec<f64> = decode(b"1, 2\r\n3.5\t4", &layout, 2).unwrap();
        assert_eq!(out, vec![1.0, 3.5, 2.0, 4.0]);
        let err = decode::<f64>(b"1 2 3", &layout, 2).unwrap_err();
        assert!(matches!(err, Error::AsciiValueCount { expected: 4, found: 3 }));
        let err = decode::<f64>(b"1 x 3 4", &layout, 2).unwrap_err();
        assert!(err.to_string().contains("\"x\""), "{err}");
    }
}
