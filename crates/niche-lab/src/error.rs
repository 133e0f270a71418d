//! Errors of the virtual laboratory.

use std::path::PathBuf;

/// Everything that can go wrong running the virtual laboratory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A design file that cannot be used.
    #[error("design: {reason}")]
    Design {
        /// What is wrong.
        reason: String,
    },
    /// A design file that is not TOML of the expected shape.
    #[error("design line {line}: {}", .error.message().trim().replace('\n', "; "))]
    DesignToml {
        /// 1-based line of the fault.
        line: usize,
        /// The TOML reader's error.
        error: toml::de::Error,
    },
    /// The model failed.
    #[error("the model failed")]
    Model(#[from] niche_model::Error),
    /// Writing an FCS file failed.
    #[error("cannot write the FCS file {path}")]
    Fcs {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: niche_fcs::Error,
    },
    /// Encoding a blot image failed.
    #[error("cannot write the blot image {path}")]
    Image {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: image::ImageError,
    },
    /// A result that cannot be serialised (a bug: every written struct is plain data).
    #[error("cannot serialise {what}")]
    Json {
        /// What.
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// Writing a file failed.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
