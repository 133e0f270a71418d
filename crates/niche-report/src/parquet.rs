//! Tables as Parquet (Apache Arrow schema, Snappy pages): the columnar twin of every CSV niche
//! writes.
//!
//! A [`Column`] has the CSV's column name, an optional unit (stored as the Arrow field's
//! `unit` metadata, which pyarrow shows in `schema.field(name).metadata`) and typed values.
//! [`from_csv`] turns a CSV text into columns with the types pandas' `read_csv` would infer
//! (integers, floats, text; empty cells are nulls), so the Parquet file holds exactly the CSV's
//! values; [`unit_of`] reads a unit from a column name's suffix (`_um`, `_percent`, `_h`, …), the
//! project's naming convention for units.
//!
//! ```
//! use niche_report::parquet;
//!
//! let columns = parquet::from_csv("vcr_um,group\n0.1,VCR\n1,VCR+AMD\n", parquet::unit_of)?;
//! let mut bytes = Vec::new();
//! parquet::write(&columns, &mut bytes)?;
//! assert_eq!(&bytes[..4], b"PAR1");
//! # Ok::<(), parquet::Error>(())
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use ::parquet::arrow::ArrowWriter;
use ::parquet::basic::Compression;
use ::parquet::file::properties::WriterProperties;
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

/// Errors building or writing a Parquet table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CSV that cannot become a table.
    #[error("CSV line {line}: {reason}")]
    Csv {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Columns of different lengths.
    #[error("column {name:?} has {len} values, the first column {expected}")]
    Ragged {
        /// The column.
        name: String,
        /// Its length.
        len: usize,
        /// The first column's length.
        expected: usize,
    },
    /// The Parquet or Arrow writer failed (its message).
    #[error("parquet: {0}")]
    Write(String),
}

/// A column's values; `None` is a null (an empty CSV cell).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// 64-bit floats.
    Float(Vec<Option<f64>>),
    /// 64-bit integers.
    Int(Vec<Option<i64>>),
    /// Booleans.
    Bool(Vec<Option<bool>>),
    /// UTF-8 text.
    Text(Vec<Option<String>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Float(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name, as in the CSV header.
    pub name: String,
    /// The unit (Arrow field metadata `unit`), when the values have one.
    pub unit: Option<String>,
    /// Other field metadata, e.g. an FCS channel's `$PnS` as `label`.
    pub metadata: Vec<(String, String)>,
    /// The values.
    pub values: Values,
}

impl Column {
    /// A column with a unit read from its name by [`unit_of`].
    pub fn new(name: impl Into<String>, values: Values) -> Self {
        let name = name.into();
        let unit = unit_of(&name).map(str::to_string);
        Column { name, unit, metadata: Vec::new(), values }
    }
}

/// The unit a column name's suffix states, by the project's naming convention: `_um` µmol/L,
/// `_nm` nmol/L, `_ug_per_ml` µg/mL, `_ng_per_ml` ng/mL, `_pg_per_ml` pg/mL, `_percent` and
/// `percent_of_parent` %, `_h` hours, `_s` seconds.
pub fn unit_of(name: &str) -> Option<&'static str> {
    const SUFFIXES: [(&str, &str); 9] = [
        ("_ug_per_ml", "µg/mL"),
        ("_ng_per_ml", "ng/mL"),
        ("_pg_per_ml", "pg/mL"),
        ("_um", "µmol/L"),
        ("_nm", "nmol/L"),
        ("_percent", "%"),
        ("percent_of_parent", "%"),
        ("_h", "h"),
        ("_s", "s"),
    ];
    SUFFIXES.iter().find(|(suffix, _)| name.ends_with(suffix)).map(|&(_, unit)| unit)
}

/// Splits CSV text into a header and rows (RFC 4180 quoting, `\n` or `\r\n` line ends, a final
/// newline optional), each row with its 1-based line.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, Error> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| Error::Csv { line: e.position().map_or(1, |p| p.line() as usize), reason: e.to_string() })?;
        let line = record.position().map_or(1, |p| p.line() as usize);
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

/// Columns of a CSV text: names from its header, types as pandas infers them (all integers →
/// integers, all numbers → floats, `true`/`false` → booleans, otherwise text; empty cells are
/// nulls), units from `unit` of each name.
pub fn from_csv(text: &str, unit: impl Fn(&str) -> Option<&'static str>) -> Result<Vec<Column>, Error> {
    let rows = parse_csv(text)?;
    let Some(((_, header), body)) = rows.split_first() else {
        return Err(Error::Csv { line: 1, reason: "no header".into() });
    };
    for (line, r) in body {
        if r.len() != header.len() {
            return Err(Error::Csv { line: *line, reason: format!("{} fields for {} columns", r.len(), header.len()) });
        }
    }
    Ok(header
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let cells: Vec<&str> = body.iter().map(|(_, r)| r[j].as_str()).collect();
            Column {
                name: name.clone(),
                unit: unit(name).map(str::to_string),
                metadata: Vec::new(),
                values: infer(&cells),
            }
        })
        .collect())
}

fn cell<'a>(c: &&'a str) -> Option<&'a str> {
    Some(*c).filter(|c| !c.is_empty())
}

fn infer(cells: &[&str]) -> Values {
    let present = || cells.iter().filter(|c| !c.is_empty());
    if present().all(|c| c.parse::<i64>().is_ok()) && present().next().is_some() {
        return Values::Int(cells.iter().map(|c| cell(c).and_then(|c| c.parse().ok())).collect());
    }
    if present().all(|c| c.parse::<f64>().is_ok()) && present().next().is_some() {
        return Values::Float(cells.iter().map(|c| cell(c).and_then(|c| c.parse().ok())).collect());
    }
    let boolean = |c: &str| match c {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    };
    if present().all(|c| boolean(c).is_some()) && present().next().is_some() {
        return Values::Bool(cells.iter().map(|c| cell(c).and_then(boolean)).collect());
    }
    Values::Text(cells.iter().map(|c| cell(c).map(str::to_string)).collect())
}

/// Writes `columns` as one Parquet file (one row group per 1,048,576 rows, Snappy pages).
pub fn write(columns: &[Column], out: impl Write + Send) -> Result<(), Error> {
    let expected = columns.first().map_or(0, |c| c.values.len());
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for c in columns {
        if c.values.len() != expected {
            return Err(Error::Ragged { name: c.name.clone(), len: c.values.len(), expected });
        }
        let (data_type, array): (DataType, ArrayRef) = match &c.values {
            Values::Float(v) => (DataType::Float64, Arc::new(Float64Array::from(v.clone()))),
            Values::Int(v) => (DataType::Int64, Arc::new(Int64Array::from(v.clone()))),
            Values::Bool(v) => (DataType::Boolean, Arc::new(BooleanArray::from(v.clone()))),
            Values::Text(v) => (DataType::Utf8, Arc::new(StringArray::from(v.clone()))),
        };
        let mut metadata: HashMap<String, String> = c.metadata.iter().cloned().collect();
        if let Some(unit) = &c.unit {
            metadata.insert("unit".into(), unit.clone());
        }
        fields.push(Field::new(&c.name, data_type, true).with_metadata(metadata));
        arrays.push(array);
    }
    let failed = |e: &dyn std::fmt::Display| Error::Write(e.to_string());
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).map_err(|e| failed(&e))?;
    let properties = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut writer = ArrowWriter::try_new(out, schema, Some(properties)).map_err(|e| failed(&e))?;
    writer.write(&batch).map_err(|e| failed(&e))?;
    writer.close().map_err(|e| failed(&e))?;
    Ok(())
}

/// Writes the CSV text `csv` as Parquet, units from the column names ([`unit_of`]).
pub fn write_csv(csv: &str, out: impl Write + Send) -> Result<(), Error> {
    write(&from_csv(csv, unit_of)?, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_types_follow_pandas() {
        let c = from_csv("a,b,c,d\n1,1.5,x,true\n2,,\"y,z\",false\n", unit_of).unwrap();
        assert_eq!(c[0].values, Values::Int(vec![Some(1), Some(2)]));
        assert_eq!(c[1].values, Values::Float(vec![Some(1.5), None]));
        assert_eq!(c[2].values, Values::Text(vec![Some("x".into()), Some("y,z".into())]));
        assert_eq!(c[3].values, Values::Bool(vec![Some(true), Some(false)]));
    }

    #[test]
    fn quoted_fields_keep_quotes_and_newlines() {
        let c = from_csv("name\n\"say \"\"hi\"\"\nthere\"\n", unit_of).unwrap();
        assert_eq!(c[0].values, Values::Text(vec![Some("say \"hi\"\nthere".into())]));
    }

    #[test]
    fn ragged_rows_are_errors_with_their_line() {
        let e = from_csv("a,b\n1,2\n3\n", unit_of).unwrap_err();
        assert_eq!(e.to_string(), "CSV line 3: 1 fields for 2 columns");
    }

    #[test]
    fn units_come_from_name_suffixes() {
        assert_eq!(unit_of("vcr_um"), Some("µmol/L"));
        assert_eq!(unit_of("amd_ug_per_ml"), Some("µg/mL"));
        assert_eq!(unit_of("apoptosis_percent"), Some("%"));
        assert_eq!(unit_of("time_h"), Some("h"));
        assert_eq!(unit_of("bliss"), None);
    }

    #[test]
    fn writes_a_parquet_file() {
        let mut bytes = Vec::new();
        write_csv("x_h,y\n1,a\n2,b\n", &mut bytes).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    }
}
