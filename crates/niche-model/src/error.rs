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
    /// The solution left the numbers (NaN or infinite states).
    #[error("the ODE solver failed at t = {time_h} h: {reason}")]
    Solver {
        /// Hours.
        time_h: f64,
        /// What went wrong.
        reason: String,
    },
    /// The ODE solver (diffsol) gave up.
    #[error("the ODE solver failed at t = {time_h} h")]
    SolverFailed {
        /// Hours.
        time_h: f64,
        /// The solver's error.
        #[source]
        source: diffsol::error::DiffsolError,
    },
    /// Calibration failed.
    #[error("calibration failed")]
    Calibration(#[from] niche_stats::Error),
    /// The published targets are incomplete or inconsistent.
    #[error("targets: {reason}")]
    Targets {
        /// What is wrong.
        reason: String,
    },
    /// A targets file that is not TOML of the expected shape.
    #[error("targets line {line}: {}", .error.message().trim().replace('\n', "; "))]
    TargetsToml {
        /// 1-based line of the fault.
        line: usize,
        /// The TOML reader's error.
        error: toml::de::Error,
    },
    /// A published P value the audit cannot read.
    #[error("targets: comparison {id:?}")]
    TargetsCheck {
        /// The comparison's id.
        id: String,
        /// Why.
        #[source]
        source: niche_stats::Error,
    },
    /// The audit of the published P values failed.
    #[error("the audit of the published P values failed")]
    Audit(#[source] niche_stats::Error),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
