//! Errors of the model crate.

/// Everything that can go wrong simulating or calibrating the model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input: doses, times, grids.
    #[error("{reason}")]
    Input {
        /// What is wrong.
        reason: String,
    },
    /// The ODE solver failed.
    #[error("the ODE solver failed at t = {time_h} h: {reason}")]
    Solver {
        /// Hours.
        time_h: f64,
        /// The solver's message.
        reason: String,
    },
    /// Calibration failed.
    #[error("calibration failed: {0}")]
    Calibration(#[from] niche_stats::Error),
    /// The embedded targets file does not parse (a build error, reported rather than panicking).
    #[error("targets: {reason}")]
    Targets {
        /// The TOML parser's message.
        reason: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
