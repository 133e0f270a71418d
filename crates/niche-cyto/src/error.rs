//! Errors of the cytometry crate.

/// Everything that can go wrong building or applying a gating strategy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transform parameters outside their domain.
    #[error("invalid {name} transform: {reason}")]
    InvalidTransform {
        /// Transform name, e.g. `logicle`.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A gate's geometry is unusable (too few vertices, singular covariance, …).
    #[error("gate {id:?}: {reason}")]
    InvalidGate {
        /// Gate id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A reference to a gate, transform or compensation that does not exist.
    #[error("{kind} {id:?} referenced by {by:?} does not exist")]
    UnknownReference {
        /// `gate`, `transformation` or `compensation`.
        kind: &'static str,
        /// The missing id.
        id: String,
        /// Who refers to it.
        by: String,
    },
    /// Two items share an id.
    #[error("id {id:?} is used twice")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// Gates refer to each other in a cycle.
    #[error("gate {id:?} depends on itself through parents or boolean references")]
    Cycle {
        /// A gate on the cycle.
        id: String,
    },
    /// A channel named by a gate or compensation is not in the sample.
    #[error("channel {name:?} is not in the sample (it has: {available})")]
    UnknownChannel {
        /// The channel asked for.
        name: String,
        /// The channels there are.
        available: String,
    },
    /// A spillover or spectrum matrix cannot be inverted.
    #[error("compensation matrix {id:?} is singular")]
    SingularMatrix {
        /// The compensation id.
        id: String,
    },
    /// A Gating-ML document that cannot be read.
    #[error("Gating-ML line {line}, <{element}>: {reason}")]
    GatingMl {
        /// 1-based line.
        line: u32,
        /// The element's name.
        element: String,
        /// What is wrong.
        reason: String,
    },
    /// A Gating-ML element whose content is refused by the gate, transform or compensation it
    /// defines.
    #[error("Gating-ML line {line}, <{element}>")]
    GatingMlElement {
        /// 1-based line.
        line: u32,
        /// The element's name.
        element: String,
        /// What is wrong with what it defines.
        #[source]
        source: Box<Error>,
    },
    /// A document that is not well-formed XML, or holds a DTD (refused: no entities).
    #[error("{document} is not well-formed XML")]
    Xml {
        /// Which kind of document.
        document: XmlDocument,
        /// The XML parser's error (line and column).
        #[source]
        source: roxmltree::Error,
    },
    /// An XML document larger than [`crate::xml::MAX_BYTES`].
    #[error("{document} of {bytes} bytes exceeds the {max}-byte limit")]
    XmlTooLarge {
        /// Which kind of document.
        document: XmlDocument,
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// An XML document nested deeper than [`crate::xml::MAX_DEPTH`] elements.
    #[error("{document} line {line}: elements nest deeper than the limit of {max}")]
    XmlTooDeep {
        /// Which kind of document.
        document: XmlDocument,
        /// 1-based line where the limit is passed.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// A FlowJo workspace element is malformed or unsupported.
    #[error("FlowJo workspace line {line}, <{element}>: {reason}")]
    Workspace {
        /// 1-based line of the element.
        line: u32,
        /// The element's local name.
        element: String,
        /// What is wrong.
        reason: String,
    },
    /// A workspace sample whose FCS file cannot be found, or is ambiguous.
    #[error("sample {sample:?}: {reason}")]
    SampleFile {
        /// The sample's name.
        sample: String,
        /// Why.
        reason: String,
    },
    /// Reading the FCS data failed.
    #[error(transparent)]
    Fcs(#[from] niche_fcs::Error),
    /// Statistics of a population without a finite value.
    #[error("the population has no events with a finite value")]
    EmptyPopulation,
    /// A statistic with an invalid request.
    #[error("statistic {statistic}: {reason}")]
    Statistic {
        /// The statistic.
        statistic: String,
        /// What is wrong.
        reason: String,
    },
}

/// The kinds of XML document niche reads, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlDocument {
    /// A Gating-ML 2.0 strategy.
    GatingMl,
    /// A FlowJo workspace (`.wsp`).
    FlowJoWorkspace,
}

impl std::fmt::Display for XmlDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            XmlDocument::GatingMl => "Gating-ML",
            XmlDocument::FlowJoWorkspace => "FlowJo workspace",
        })
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
