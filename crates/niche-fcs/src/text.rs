//! TEXT segments: delimited keyword/value pairs.
//!
//! The first byte of a TEXT segment is the delimiter. A doubled delimiter inside a keyword or
//! value stands for one literal delimiter (FCS 3.1, section 3.2.9). Keywords are
//! case-insensitive; values are kept as bytes and decoded as UTF-8, or as Latin-1 with a
//! [`Warning::Latin1Text`] when they are not valid UTF-8.

use std::collections::HashMap;

use crate::error::{Error, Result, SegmentKind, Warning};

/// One keyword/value pair as stored in the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Keyword {
    /// The keyword as written (case preserved), e.g. `$P1N`.
    pub key: String,
    /// The decoded value.
    pub value: String,
    /// The value's bytes, delimiter escapes resolved.
    #[serde(skip)]
    pub raw: Vec<u8>,
}

/// The keywords of a data set, in file order, with case-insensitive lookup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keywords {
    entries: Vec<Keyword>,
    index: HashMap<String, usize>,
}

impl Keywords {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a keyword; a later value replaces an earlier one with the same (case-folded) key.
    /// Returns `true` when it replaced one.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> bool {
        let value = value.into();
        let raw = value.clone().into_bytes();
        self.insert_keyword(Keyword { key: key.into(), value, raw })
    }

    fn insert_keyword(&mut self, keyword: Keyword) -> bool {
        let folded = keyword.key.to_ascii_uppercase();
        match self.index.get(&folded) {
            Some(&i) => {
                self.entries[i] = keyword;
                true
            }
            None => {
                self.index.insert(folded, self.entries.len());
                self.entries.push(keyword);
                false
            }
        }
    }

    /// The value of `key` (case-insensitive), e.g. `get("$tot")`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.keyword(key).map(|k| k.value.as_str())
    }

    /// The whole entry for `key` (case-insensitive).
    pub fn keyword(&self, key: &str) -> Option<&Keyword> {
        let i = if key.bytes().any(|b| b.is_ascii_lowercase()) {
            *self.index.get(&key.to_ascii_uppercase())?
        } else {
            *self.index.get(key)?
        };
        Some(&self.entries[i])
    }

    /// The value of `key` with surrounding white space removed, `None` when absent or blank.
    pub fn get_trimmed(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// All entries in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Keyword> {
        self.entries.iter()
    }

    /// Number of keywords.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses a numeric keyword, `None` when absent or blank, an error when not a number.
    pub fn parse_number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>> {
        match self.get_trimmed(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| Error::InvalidKeyword {
                key: key.to_string(),
                value: v.to_string(),
                reason: "not a number",
            }),
        }
    }
}

/// Parses the TEXT segment `bytes` (delimiter first) into `keywords`, recording warnings.
pub(crate) fn parse_into(
    bytes: &[u8],
    segment: SegmentKind,
    keywords: &mut Keywords,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let (&delimiter, body) = bytes.split_first().ok_or(Error::EmptyText { segment })?;
    let mut tokens: Vec<Vec<u8>> = Tokens { rest: body, delimiter }.collect();
    // A keyword never holds the delimiter; if one seems to, the writer meant doubled delimiters
    // as empty values (old CellQuest files; flowCore's `emptyValue = TRUE`), not escapes.
    if tokens.iter().step_by(2).any(|key| key.contains(&delimiter)) {
        tokens = body.split(|&b| b == delimiter).map(<[u8]>::to_vec).collect();
        if tokens.last().is_some_and(Vec::is_empty) {
            tokens.pop();
        }
        warnings.push(Warning::EmptyValuesAssumed { segment });
    }
    let mut latin1_keys = Vec::new();
    let mut pairs = tokens.into_iter();
    while let Some(key_bytes) = pairs.next() {
        let Some(value_bytes) = pairs.next() else {
            // Padding after the last delimiter (spaces, NULs) is common and harmless.
            if key_bytes.iter().any(|b| !b.is_ascii_whitespace() && *b != 0) {
                warnings.push(Warning::DanglingKeyword { key: decode(&key_bytes).0 });
            }
            break;
        };
        let (key, key_latin1) = decode(&key_bytes);
        let (value, value_latin1) = decode(&value_bytes);
        if key_latin1 || value_latin1 {
            latin1_keys.push(key.clone());
        }
        if keywords.insert_keyword(Keyword { key: key.clone(), value, raw: value_bytes }) {
            warnings.push(Warning::DuplicateKeyword { key });
        }
    }
    if !latin1_keys.is_empty() {
        warnings.push(Warning::Latin1Text { keys: latin1_keys });
    }
    Ok(())
}

/// Splits a TEXT body at single delimiters, turning doubled delimiters into one literal byte.
struct Tokens<'a> {
    rest: &'a [u8],
    delimiter: u8,
}

impl Iterator for Tokens<'_> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.rest.is_empty() {
            return None;
        }
        let mut token = Vec::new();
        let mut i = 0;
        while i < self.rest.len() {
            let b = self.rest[i];
            if b == self.delimiter {
                if self.rest.get(i + 1) == Some(&self.delimiter) {
                    token.push(b);
                    i += 2;
                    continue;
                }
                self.rest = &self.rest[i + 1..];
                return Some(token);
            }
            token.push(b);
            i += 1;
        }
        self.rest = &[];
        Some(token)
    }
}

/// Decodes bytes as UTF-8, falling back to Latin-1; the flag says whether it fell back.
fn decode(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (bytes.iter().map(|&b| b as char).collect(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> (Keywords, Vec<Warning>) {
        let mut k = Keywords::new();
        let mut w = Vec::new();
        parse_into(bytes, SegmentKind::Text, &mut k, &mut w).unwrap();
        (k, w)
    }

    #[test]
    fn splits_pairs_case_insensitively() {
        let (k, w) = parse(b"/$TOT/10/$p1n/FSC-H/");
        assert_eq!(k.get("$tot"), Some("10"));
        assert_eq!(k.get("$P1N"), Some("FSC-H"));
        assert_eq!(k.keyword("$P1N").unwrap().key, "$p1n");
        assert!(w.is_empty());
    }

    #[test]
    fn doubled_delimiter_is_a_literal() {
        // value "a//b" -> "a/b"
        let (k, w) = parse(b"/$FIL/a//b/$TOT/1/");
        assert_eq!(k.get("$FIL"), Some("a/b"));
        assert_eq!(k.get("$TOT"), Some("1"));
        assert!(w.is_empty());
    }

    #[test]
    fn latin1_values_are_decoded_with_a_warning() {
        let (k, w) = parse(b"|$SRC|caf\xe9|");
        assert_eq!(k.get("$SRC"), Some("caf\u{e9}"));
        assert_eq!(k.keyword("$SRC").unwrap().raw, b"caf\xe9");
        assert!(matches!(&w[0], Warning::Latin1Text { keys } if keys == &["$SRC"]));
    }

    #[test]
    fn trailing_padding_is_ignored_but_a_dangling_keyword_is_reported() {
        let (k, w) = parse(b"\\$TOT\\5\\ ");
        assert_eq!(k.len(), 1);
        assert!(w.is_empty());
        let (_, w) = parse(b"\\$TOT\\5\\$PAR");
        assert!(matches!(&w[0], Warning::DanglingKeyword { key } if key == "$PAR"));
    }

    #[test]
    fn missing_final_delimiter_still_yields_the_last_value() {
        let (k, _) = parse(b"/$TOT/5/$PAR/2");
        assert_eq!(k.get("$PAR"), Some("2"));
    }

    #[test]
    fn duplicate_keywords_warn_and_keep_the_later_value() {
        let (k, w) = parse(b"/$TOT/5/$tot/6/");
        assert_eq!(k.get("$TOT"), Some("6"));
        assert!(matches!(&w[0], Warning::DuplicateKeyword { .. }));
    }

    #[test]
    fn doubled_delimiters_are_read_as_empty_values_when_escapes_make_no_sense() {
        // CellQuest: "$P5S" and "$P7S" have empty values
        let (k, w) = parse(b"\\$P5S\\\\$P7S\\\\&1Vol\\200\\");
        assert_eq!(k.get("$P5S"), Some(""));
        assert_eq!(k.get("$P7S"), Some(""));
        assert_eq!(k.get("&1Vol"), Some("200"));
        assert!(matches!(&w[0], Warning::EmptyValuesAssumed { .. }));
    }

    #[test]
    fn empty_segment_is_an_error() {
        let mut k = Keywords::new();
        let err = parse_into(b"", SegmentKind::Text, &mut k, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, Error::EmptyText { .. }));
    }
}
