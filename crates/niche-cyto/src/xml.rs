//! Small readers of XML attributes and children shared by the Gating-ML and FlowJo parsers; each
//! parser supplies its own error (the file's kind, the line and the element).

use roxmltree::Node;

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
