//! The one way XML enters niche (`parse`: size, nesting and node limits checked before the
//! tree is built, no DTD), and small readers of attributes and children shared by the Gating-ML
//! and FlowJo parsers; each parser supplies its own error (the file's kind, the line and the element).

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::{Error, XmlDocument};

/// Largest XML document read, in bytes (512 MiB: a FlowJo workspace of tens of thousands of samples).
pub const MAX_BYTES: usize = 512 << 20;
/// Most XML nodes (elements, attributes' text, text runs) in one document.
pub const MAX_NODES: u32 = 20_000_000;
/// Deepest element nesting read. Real Gating-ML and FlowJo files nest under 50 deep; the XML
/// tokenizer recurses once per level, so the limit keeps a hostile file off the stack's end.
pub const MAX_DEPTH: usize = 256;

/// Parses `text` as a `kind` document after checking its size and nesting against [`MAX_BYTES`]
/// and [`MAX_DEPTH`]; a DTD (and so any entity, the "billion laughs") is refused by the parser.
pub(crate) fn parse(text: &str, kind: XmlDocument) -> Result<Document<'_>, Error> {
    if text.len() > MAX_BYTES {
        return Err(Error::XmlTooLarge { document: kind, bytes: text.len(), max: MAX_BYTES });
    }
    if let Some(line) = nesting_beyond(text.as_bytes(), MAX_DEPTH) {
        return Err(Error::XmlTooDeep { document: kind, line, max: MAX_DEPTH });
    }
    let options = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES };
    Document::parse_with_options(text, options).map_err(|source| Error::Xml { document: kind, source })
}

/// The 1-based line where element nesting first exceeds `max`, if it does.
///
/// A byte scan, not a parser: it counts `<name` as an open, `</` and `/>` as closes, and skips
/// comments, CDATA, processing instructions, declarations and quoted attribute values, so it
/// never counts fewer levels than the tokenizer will recurse through.
fn nesting_beyond(bytes: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut i = 0;
    let skip_to = |from: usize, end: &[u8]| -> usize {
        bytes[from..].windows(end.len()).position(|w| w == end).map_or(bytes.len(), |p| from + p + end.len())
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'<' => {
                let rest = &bytes[i + 1..];
                let end = if rest.starts_with(b"!--") {
                    skip_to(i + 4, b"-->")
                } else if rest.starts_with(b"![CDATA[") {
                    skip_to(i + 9, b"]]>")
                } else if rest.starts_with(b"?") || rest.starts_with(b"!") {
                    skip_to(i + 1, b">")
                } else if rest.starts_with(b"/") {
                    depth = depth.saturating_sub(1);
                    skip_to(i + 1, b">")
                } else {
                    // an open tag: find its '>' outside quotes; "/>" closes it at once
                    let mut j = i + 1;
                    let mut quote = None;
                    while j < bytes.len() {
                        match (quote, bytes[j]) {
                            (Some(q), c) if c == q => quote = None,
                            (None, b'"' | b'\'') => quote = Some(bytes[j]),
                            (None, b'>') => break,
                            _ => {}
                        }
                        j += 1;
                    }
                    if !(j < bytes.len() && bytes[j - 1] == b'/') {
                        depth += 1;
                        if depth > max {
                            return Some(line);
                        }
                    }
                    j + 1
                };
                line += bytes[i..end.min(bytes.len())].iter().filter(|&&b| b == b'\n').count();
                i = end;
            }
            _ => i += 1,
        }
    }
    None
}

/// The attribute `local` (any namespace).
pub(crate) fn attr<'a>(node: Node<'a, '_>, local: &str) -> Option<&'a str> {
    node.attributes().find(|a| a.name() == local).map(|a| a.value())
}

/// The element children named `local` (any namespace).
pub(crate) fn children<'a, 'i>(node: Node<'a, 'i>, local: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.is_element() && c.tag_name().name() == local)
}

/// The attribute `local`, or `fail` with "attribute … is missing".
pub(crate) fn required<'a, E>(node: Node<'a, '_>, local: &str, fail: impl Fn(String) -> E) -> Result<&'a str, E> {
    attr(node, local).ok_or_else(|| fail(format!("attribute {local} is missing")))
}

/// The attribute `local` as a finite number, if present; `fail` when it is not one.
pub(crate) fn number<E>(node: Node, local: &str, fail: impl Fn(String) -> E) -> Result<Option<f64>, E> {
    attr(node, local)
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| fail(format!("attribute {local}={v:?} is not a number")))
        })
        .transpose()
}

/// The attribute `local` as a finite number; `fail` when it is missing or not one.
pub(crate) fn required_number<E>(node: Node, local: &str, fail: impl Fn(String) -> E) -> Result<f64, E> {
    number(node, local, &fail)?.ok_or_else(|| fail(format!("attribute {local} is missing")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_comments_quotes_and_self_closing_tags() {
        let flat = r#"<a><b x="</c><d>"/><!-- <e><f> --><![CDATA[<g>]]><?pi <h>?><i></i></a>"#;
        assert_eq!(nesting_beyond(flat.as_bytes(), 2), None);
        assert_eq!(nesting_beyond(b"<a>\n<b>\n<c/><c></c></b></a>", 1), Some(2));
    }

    #[test]
    fn a_deep_document_is_refused_before_the_tokenizer_recurses() {
        let n = 100_000;
        let deep = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        let e = parse(&deep, XmlDocument::GatingMl).unwrap_err();
        assert!(matches!(e, Error::XmlTooDeep { line: 1, .. }), "{e}");
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(&ok, XmlDocument::GatingMl).is_ok());
    }
}
