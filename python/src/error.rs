//! niche's errors as Python exceptions.

use std::fmt::Display;

use pyo3::PyErr;

pyo3::create_exception!(
    niche,
    NicheError,
    pyo3::exceptions::PyValueError,
    "An error niche reports: the file (or input) it concerns, then the problem."
);

/// `context: error: its source: …`, as the CLI prints an error chain.
pub fn message(context: impl Display, e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{context}: {e}");
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// A [`NicheError`] for `e`, naming `context` (usually a file).
pub fn err<E: std::error::Error + 'static>(context: impl Display) -> impl FnOnce(E) -> PyErr {
    move |e| NicheError::new_err(message(context, &e))
}

/// A [`NicheError`] with a message of its own.
pub fn invalid(message: impl Into<String>) -> PyErr {
    NicheError::new_err(message.into())
}
