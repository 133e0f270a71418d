//! Errors of the assay crate.

/// Everything that can go wrong reading a plate or a layout, or fitting a curve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A plate export that is not an 8 × 12 grid of numbers.
    #[error("plate line {line}: {reason}")]
    Plate {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A layout file that cannot be used.
    #[error("layout: {reason}")]
    Layout {
        /// What is wrong (the TOML parser's message names line and column).
        reason: String,
    },
    /// A well name that is not A1…H12.
    #[error("{well:?} is not a well of a 96-well plate (A1 to H12)")]
    Well {
        /// The name.
        well: String,
    },
    /// Too few distinct standards for the model.
    #[error("{model} needs at least {needed} standards with distinct concentrations, the layout has {found}")]
    TooFewStandards {
        /// The model.
        model: &'static str,
        /// Needed.
        needed: usize,
        /// Found.
        found: usize,
    },
    /// An image that cannot be read or used.
    #[error("image: {reason}")]
    Image {
        /// What is wrong (names the file when read from one).
        reason: String,
    },
    /// A blot whose lanes or bands cannot be measured.
    #[error("blot: {reason}")]
    Blot {
        /// What is wrong.
        reason: String,
    },
    /// The standards do not describe a curve (flat response, or the fit failed).
    #[error("the standard curve cannot be fitted: {reason}")]
    Fit {
        /// Why.
        reason: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
