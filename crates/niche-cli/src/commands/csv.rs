//! A small CSV reader for the tables users hand to `niche stats`: a header row, then one record
//! per line; fields may be double-quoted (with `""` for a quote inside). Tables the commands
//! write go through [`writer`].

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The fields of one line.
pub fn split_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (',', false) => fields.push(std::mem::take(&mut field).trim().to_string()),
            _ => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}

/// A CSV (or, with a tab `delimiter`, TSV) writer over `out`: a field is double-quoted only when
/// it holds the delimiter, a quote or a line end, lines end in `\n`. Call `flush` at the end.
pub fn writer<W: std::io::Write>(out: W, delimiter: u8) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(::csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(out)
}

/// Most columns a table may have (a line with more commas is refused before it is split).
pub const MAX_COLUMNS: usize = 10_000;

/// A record with its 1-based line number.
pub type Record = (usize, Vec<String>);

/// The header and the records of a CSV file; every record must have as many fields as the header.
pub fn read(path: &Path) -> Result<(Vec<String>, Vec<Record>)> {
    let text = niche_study::read_text(path, niche_study::MAX_TEXT_BYTES).with_context(|| path.display().to_string())?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().with_context(|| format!("{}: the file is empty", path.display()))?;
    if header.bytes().filter(|&b| b == b',').count() >= MAX_COLUMNS {
        bail!("{}: line 1: more than the limit of {MAX_COLUMNS} fields", path.display());
    }
    let header = split_line(header.trim_start_matches('\u{feff}'));
    let mut records = Vec::new();
    if header.len() > MAX_COLUMNS {
        bail!("{}: the header has {} columns, more than the limit of {MAX_COLUMNS}", path.display(), header.len());
    }
    for (i, line) in lines {
        if line.bytes().filter(|&b| b == b',').count() >= MAX_COLUMNS {
            bail!("{}: line {}: more than the limit of {MAX_COLUMNS} fields", path.display(), i + 1);
        }
        let fields = split_line(line);
        if fields.len() != header.len() {
            bail!("{}: line {}: {} fields, the header has {}", path.display(), i + 1, fields.len(), header.len());
        }
        records.push((i + 1, fields));
    }
    Ok((header, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields() {
        assert_eq!(split_line(r#"a, "b, c" ,"d ""e""""#), ["a", "b, c", r#"d "e""#]);
        assert_eq!(split_line(""), [""]);
    }
}
