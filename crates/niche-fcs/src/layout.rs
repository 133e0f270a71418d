//! How events are laid out in DATA: `$DATATYPE`, `$BYTEORD` and per-parameter widths.

use crate::error::{Error, Result};
use crate::parameter::Parameter;

/// `$DATATYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DataType {
    /// `I`: unsigned integers of `$PnB` bits, masked to `$PnR`.
    Integer,
    /// `F`: IEEE-754 single precision.
    Float,
    /// `D`: IEEE-754 double precision.
    Double,
    /// `A`: ASCII digits, fixed width (`$PnB` characters) or delimited (`$PnB` = `*`).
    Ascii,
}

impl DataType {
    /// Parses the keyword value.
    pub fn parse(value: &str) -> Result<DataType> {
        match value.trim().to_ascii_uppercase().as_str() {
            "I" => Ok(DataType::Integer),
            "F" => Ok(DataType::Float),
            "D" => Ok(DataType::Double),
            "A" => Ok(DataType::Ascii),
            _ => Err(Error::InvalidKeyword {
                key: "$DATATYPE".into(),
                value: value.into(),
                reason: "expected I, F, D or A",
            }),
        }
    }

    /// The keyword letter.
    pub fn letter(self) -> char {
        match self {
            DataType::Integer => 'I',
            DataType::Float => 'F',
            DataType::Double => 'D',
            DataType::Ascii => 'A',
        }
    }
}

/// The byte order of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Order {
    Little,
    Big,
    /// `significance[k]` is the significance (0 = least) of the k-th byte in the file.
    Permuted(Box<[u8]>),
}

/// What a field decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Unsigned integer, ANDed with `mask`.
    Uint {
        mask: u64,
    },
    F32,
    F64,
    /// Fixed-width ASCII number.
    Ascii,
}

/// One parameter's bytes within an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub offset: usize,
    pub width: usize,
    pub kind: Kind,
    pub order: Order,
}

/// The layout of one event in DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    pub datatype: DataType,
    pub fields: Vec<Field>,
    /// Bytes per event; `None` for delimited ASCII.
    pub row_bytes: Option<usize>,
}

/// Parses `$BYTEORD` (`1,2,3,4`, `4,3,2,1`, `2,1`, `3,4,1,2`, …) into 0-based significances.
pub(crate) fn parse_byte_order(value: &str) -> Result<Vec<u8>> {
    let invalid = || Error::InvalidKeyword {
        key: "$BYTEORD".into(),
        value: value.into(),
        reason: "expected a permutation of 1..n, n from 1 to 8",
    };
    let order: Vec<u8> =
        value.split(',').map(|s| s.trim().parse::<u8>().map_err(|_| invalid())).collect::<Result<_>>()?;
    let n = order.len();
    let mut seen = [false; 8];
    if n == 0 || n > 8 {
        return Err(invalid());
    }
    for &o in &order {
        if o == 0 || o as usize > n || seen[o as usize - 1] {
            return Err(invalid());
        }
        seen[o as usize - 1] = true;
    }
    Ok(order.into_iter().map(|o| o - 1).collect())
}

/// The order of a `width`-byte value under `$BYTEORD` significances `order`.
///
/// A monotonic order (`1,2,…` or `…,2,1`) applies to any width; a mixed one only to values of
/// exactly its length.
fn order_for_width(order: &[u8], raw: &str, width: usize) -> Result<Order> {
    let ascending = order.iter().enumerate().all(|(i, &o)| o as usize == i);
    let descending = order.iter().enumerate().all(|(i, &o)| o as usize == order.len() - 1 - i);
    if width <= 1 || ascending {
        Ok(Order::Little)
    } else if descending {
        Ok(Order::Big)
    } else if order.len() == width {
        Ok(Order::Permuted(order.into()))
    } else {
        Err(Error::InvalidByteOrder { order: raw.into(), bytes: width })
    }
}

impl Layout {
    /// Builds the layout for `parameters` of `datatype` under `$BYTEORD` (`None` when absent,
    /// which only values of one byte or ASCII can do without).
    pub fn new(datatype: DataType, byte_order: Option<&str>, parameters: &[Parameter]) -> Result<Layout> {
        let significances = byte_order.map(parse_byte_order).transpose()?;
        let mut fields = Vec::with_capacity(parameters.len());
        let mut offset = 0usize;
        let mut delimited = false;
        for p in parameters {
            let unsupported =
                |bits| Error::UnsupportedBitWidth { parameter: p.index, bits, datatype: datatype.letter() };
            let (width, kind) = match (datatype, p.bits) {
                (DataType::Ascii, None) => {
                    delimited = true;
                    (0, Kind::Ascii)
                }
                (DataType::Ascii, Some(chars)) if (1..=64).contains(&chars) => (chars as usize, Kind::Ascii),
                (DataType::Integer, Some(bits)) if bits % 8 == 0 && (8..=64).contains(&bits) => {
                    (bits as usize / 8, Kind::Uint { mask: integer_mask(bits, p.range) })
                }
                (DataType::Float, Some(32)) => (4, Kind::F32),
                (DataType::Double, Some(64)) => (8, Kind::F64),
                (_, bits) => return Err(unsupported(bits.unwrap_or(0))),
            };
            let order = if datatype == DataType::Ascii {
                Order::Little
            } else {
                match (&significances, byte_order) {
                    (Some(s), Some(raw)) => order_for_width(s, raw, width)?,
                    _ if width == 1 => Order::Little,
                    _ => return Err(Error::MissingKeyword { key: "$BYTEORD".into() }),
                }
            };
            fields.push(Field { offset, width, kind, order });
            offset += width;
        }
        if delimited && fields.iter().any(|f| f.width != 0) {
            return Err(Error::InvalidKeyword {
                key: "$PnB".into(),
                value: "*".into(),
                reason: "delimited ASCII needs $PnB = * for every parameter",
            });
        }
        Ok(Layout { datatype, fields, row_bytes: (!delimited).then_some(offset) })
    }
}

/// The mask that keeps an integer below `$PnR`: the next power of two at or above the range,
/// minus one (FCS 3.1, section 3.3.41; as FlowIO), or all bits when that is wider than the field.
fn integer_mask(bits: u32, range: f64) -> u64 {
    let all = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
    if range.is_nan() || range < 1.0 || range >= all as f64 {
        return all;
    }
    match (range.ceil() as u64).checked_next_power_of_two() {
        Some(pow2) => all.min(pow2 - 1),
        None => all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parameter::Amplification;

    fn param(index: usize, bits: Option<u32>, range: f64) -> Parameter {
        Parameter {
            index,
            name: format!("P{index}"),
            label: None,
            bits,
            range,
            amplification: Amplification::LINEAR,
            gain: None,
        }
    }

    #[test]
    fn byte_orders_parse_and_validate() {
        assert_eq!(parse_byte_order("4,3,2,1").unwrap(), vec![3, 2, 1, 0]);
        assert_eq!(parse_byte_order("3,4,1,2").unwrap(), vec![2, 3, 0, 1]);
        assert!(parse_byte_order("1,1").is_err());
        assert!(parse_byte_order("0,1").is_err());
        assert!(parse_byte_order("").is_err());
    }

    #[test]
    fn monotonic_orders_apply_to_any_width_and_mixed_ones_only_to_their_own() {
        let s = parse_byte_order("3,4,1,2").unwrap();
        assert!(matches!(order_for_width(&s, "3,4,1,2", 4).unwrap(), Order::Permuted(_)));
        assert!(order_for_width(&s, "3,4,1,2", 2).is_err());
        let s = parse_byte_order("4,3,2,1").unwrap();
        assert_eq!(order_for_width(&s, "4,3,2,1", 2).unwrap(), Order::Big);
    }

    #[test]
    fn masks_follow_the_next_power_of_two() {
        assert_eq!(integer_mask(16, 1024.0), 1023);
        assert_eq!(integer_mask(16, 1000.0), 1023);
        assert_eq!(integer_mask(16, 65536.0), 65535);
        assert_eq!(integer_mask(16, 262144.0), 65535);
        assert_eq!(integer_mask(64, 0.0), u64::MAX);
        assert_eq!(integer_mask(64, 1.8446744073709552e19), u64::MAX);
        assert_eq!(integer_mask(64, 1e19), u64::MAX);
        assert_eq!(integer_mask(32, f64::INFINITY), u32::MAX as u64);
    }

    #[test]
    fn mixed_widths_accumulate_offsets() {
        let ps = [param(1, Some(16), 65536.0), param(2, Some(24), 1e6), param(3, Some(32), 4e9)];
        let l = Layout::new(DataType::Integer, Some("1,2,3,4"), &ps).unwrap();
        assert_eq!(l.row_bytes, Some(9));
        assert_eq!(l.fields[2].offset, 5);
    }

    #[test]
    fn float_needs_32_bits() {
        let err = Layout::new(DataType::Float, Some("1,2,3,4"), &[param(1, Some(16), 1.0)]).unwrap_err();
        assert!(matches!(err, Error::UnsupportedBitWidth { bits: 16, .. }));
    }
}
