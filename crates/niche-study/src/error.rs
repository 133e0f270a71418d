//! Errors of the study pipeline.

use std::path::PathBuf;

/// Everything that can go wrong reading a study or analysing it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A study file that cannot be used: the file, the line and the field.
    #[error("{file}:{line}: {field}: {reason}")]
    Study {
        /// The study file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The field (`group`, `flow[3].stained`, …).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A raw file that cannot be read or analysed.
    #[error("{path}: {reason}")]
    Input {
        /// The file.
        path: PathBuf,
        /// What went wrong (the underlying error's message).
        reason: String,
    },
    /// The statistics could not be computed.
    #[error("{what}: {source}")]
    Statistics {
        /// Which comparison.
        what: String,
        /// Why.
        source: niche_stats::Error,
    },
    /// The model or the virtual lab failed (reproduce).
    #[error("{0}")]
    Lab(#[from] niche_lab::Error),
    /// The model failed.
    #[error("{0}")]
    Model(#[from] niche_model::Error),
    /// Writing an output failed.
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
