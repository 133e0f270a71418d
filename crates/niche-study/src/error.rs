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
    /// A file that cannot be read or analysed.
    #[error("{path}")]
    Input {
        /// The file.
        path: PathBuf,
        /// What went wrong (boxed: the reading crates' errors are large).
        #[source]
        source: Box<InputError>,
    },
    /// The statistics could not be computed.
    #[error("{what}")]
    Statistics {
        /// Which comparison.
        what: String,
        /// Why.
        #[source]
        source: niche_stats::Error,
    },
    /// The model or the virtual lab failed (reproduce).
    #[error(transparent)]
    Lab(#[from] niche_lab::Error),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] niche_model::Error),
    /// Parts of a sharded run that cannot be merged.
    #[error(transparent)]
    Shard(#[from] crate::shard::ShardError),
    /// Writing an output failed.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What is wrong with one input file: the reading crate's own error, or what the analysis misses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file cannot be opened or read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An FCS file that cannot be read.
    #[error(transparent)]
    Fcs(#[from] niche_fcs::Error),
    /// Gating that cannot be read or applied.
    #[error(transparent)]
    Cyto(#[from] niche_cyto::Error),
    /// A plate, layout or image that cannot be read or measured.
    #[error(transparent)]
    Assay(#[from] niche_assay::Error),
    /// Something the analysis needs and the file lacks.
    #[error("{0}")]
    Missing(String),
}

impl From<&str> for InputError {
    fn from(what: &str) -> InputError {
        InputError::Missing(what.to_string())
    }
}

impl From<String> for InputError {
    fn from(what: String) -> InputError {
        InputError::Missing(what)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
