//! Errors of the virtual laboratory.

use std::path::PathBuf;

/// Everything that can go wrong running the virtual laboratory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A design file that cannot be used.
    #[error("design: {reason}")]
    Design {
        /// What is wrong (the TOML parser's message names line and column).
        reason: String,
    },
    /// The model failed.
    #[error("model: {0}")]
    Model(#[from] niche_model::Error),
    /// Writing an FCS file failed.
    #[error("fcs: {0}")]
    Fcs(#[from] niche_fcs::Error),
    /// Writing an image failed.
    #[error("blot image: {0}")]
    Image(#[from] niche_assay::Error),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
