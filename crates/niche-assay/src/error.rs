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
        /// What is wrong.
        reason: String,
    },
    /// A layout that is not TOML of the expected shape.
    #[error("layout line {line}: {}", .error.message().trim().replace('\n', "; "))]
    LayoutToml {
        /// 1-based line of the fault.
        line: usize,
        /// The TOML reader's error.
        error: toml::de::Error,
    },
    /// A well name that is not A1…H12.
    #[error(transparent)]
    Well(#[from] niche_core::WellError),
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
    /// An image that cannot be used.
    #[error("image: {reason}")]
    Image {
        /// What is wrong.
        reason: String,
    },
    /// An image the decoder cannot read (a broken file, or dimensions beyond [`crate::blot::MAX_IMAGE_SIDE`]).
    #[error("cannot decode the image")]
    Decode(#[source] image::ImageError),
    /// An image whose dimensions or decoded size pass the reader's limits.
    #[error("the image is beyond the limits: at most {max_side} pixels a side and {max_bytes} bytes decoded")]
    ImageTooLarge {
        /// [`crate::blot::MAX_IMAGE_SIDE`].
        max_side: u32,
        /// [`crate::blot::MAX_IMAGE_BYTES`].
        max_bytes: u64,
        /// The decoder's refusal.
        #[source]
        source: image::ImageError,
    },
    /// A file that cannot be read or written.
    #[error("cannot {action} {path}")]
    File {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An image file that cannot be decoded.
    #[error("{path}")]
    InImage {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<Error>,
    },
    /// A blot whose lanes or bands cannot be measured.
    #[error("blot: {reason}")]
    Blot {
        /// What is wrong.
        reason: String,
    },
    /// The standards do not describe a curve (a flat response, or a diverging fit).
    #[error("the standard curve cannot be fitted: {reason}")]
    Fit {
        /// Why.
        reason: String,
    },
    /// The least-squares fit of the standard curve failed.
    #[error("the standard curve cannot be fitted")]
    FitFailed(#[source] niche_stats::Error),
}

impl Error {
    /// A TOML reader's error on `text`, with its 1-based line.
    pub(crate) fn layout_toml(text: &str, error: toml::de::Error) -> Error {
        let line = error.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Error::LayoutToml { line, error }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
