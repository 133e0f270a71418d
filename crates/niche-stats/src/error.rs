//! Errors of the statistics crate.

/// Input a test cannot use.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A group has too few values for the test.
    #[error("group {group:?} has {n} value(s); {test} needs at least {needed}")]
    TooFew {
        /// The test.
        test: &'static str,
        /// The group.
        group: String,
        /// Values it has.
        n: usize,
        /// Values needed.
        needed: usize,
    },
    /// A value is NaN or infinite.
    #[error("group {group:?} holds a value that is not a finite number ({value})")]
    NotFinite {
        /// The group.
        group: String,
        /// The value.
        value: f64,
    },
    /// All values are equal, so the statistic is undefined.
    #[error("{test}: all values are equal (zero variance), the statistic is undefined")]
    ZeroVariance {
        /// The test.
        test: &'static str,
    },
    /// Paired data of unequal length.
    #[error("paired test needs equal numbers of values, got {a} and {b}")]
    UnequalPairs {
        /// First group size.
        a: usize,
        /// Second group size.
        b: usize,
    },
    /// A contingency table that cannot be tested.
    #[error("contingency table: {reason}")]
    InvalidTable {
        /// What is wrong.
        reason: String,
    },
    /// An iterative fit did not converge.
    #[error("the fit did not converge in {iterations} iterations")]
    DidNotConverge {
        /// Iterations used.
        iterations: usize,
    },
    /// A matrix that must be inverted is singular.
    #[error("singular matrix: {what}")]
    Singular {
        /// Which matrix, and what that means.
        what: &'static str,
    },
    /// A parameter outside its domain.
    #[error("{name} = {value} is outside {domain}")]
    OutOfDomain {
        /// Parameter.
        name: &'static str,
        /// Value.
        value: f64,
        /// Allowed domain.
        domain: &'static str,
    },
    /// A printed P value that the audit cannot read, e.g. `<0.0001` or `1e-3`.
    #[error("printed P {printed:?} {reason}")]
    InvalidPrintedP {
        /// The printed P as given (or the value and its decimals).
        printed: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A standard deviation below zero.
    #[error("group {group:?} has a negative SD ({sd})")]
    NegativeSd {
        /// The group.
        group: String,
        /// The SD.
        sd: f64,
    },
    /// A two-group test got another number of groups.
    #[error("{test} compares two groups, the data have {found}")]
    GroupCount {
        /// The test.
        test: &'static str,
        /// Groups given.
        found: usize,
    },
    /// A control group that is not among the groups.
    #[error("control group {group:?} is not in the data ({groups})")]
    UnknownGroup {
        /// The name given.
        group: String,
        /// The groups there are, comma-separated.
        groups: String,
    },
    /// A control group for a test without comparisons against a control.
    #[error("a control group applies to anova (Dunnett) and kruskal (Dunn)")]
    ControlNotApplicable,
    /// Paired data whose pair labels do not match.
    #[error("{reason}")]
    Pairing {
        /// What does not match.
        reason: String,
    },
    /// An error in one check of an audit of published P values.
    #[error("check {id:?}")]
    InCheck {
        /// The check's id.
        id: String,
        /// What is wrong with it.
        #[source]
        source: Box<Error>,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Checks that a group is large enough and finite.
pub(crate) fn check_group(test: &'static str, group: &str, values: &[f64], needed: usize) -> Result<()> {
    if values.len() < needed {
        return Err(Error::TooFew { test, group: group.to_string(), n: values.len(), needed });
    }
    if let Some(&value) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::NotFinite { group: group.to_string(), value });
    }
    Ok(())
}
