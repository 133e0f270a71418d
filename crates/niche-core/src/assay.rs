//! The kinds of assay: the lab's manifest files them under these names and a study's readouts
//! are read from one of them.

use std::fmt;

/// An assay niche reads and the virtual lab writes; written `flow`, `elisa`, `blot` (in
/// `manifest.json` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assay {
    /// Flow cytometry: FCS files.
    Flow,
    /// ELISA: a plate reader's export and its layout.
    Elisa,
    /// Western blot: a scanned image and its layout.
    Blot,
}

impl Assay {
    /// The name: `flow`, `elisa` or `blot`.
    pub fn name(self) -> &'static str {
        match self {
            Assay::Flow => "flow",
            Assay::Elisa => "elisa",
            Assay::Blot => "blot",
        }
    }
}

impl fmt::Display for Assay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_as_its_name() {
        for assay in [Assay::Flow, Assay::Elisa, Assay::Blot] {
            assert_eq!(serde_json::to_string(&assay).unwrap(), format!("\"{assay}\""));
            assert_eq!(serde_json::from_str::<Assay>(&format!("\"{}\"", assay.name())).unwrap(), assay);
        }
    }
}
