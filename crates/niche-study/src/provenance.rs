//! `provenance.json` of an analysis or a reproduction: every input with its SHA-256, the
//! parameters, the seed and the versions, so that a run can be repeated exactly. (The virtual
//! lab's `manifest.json` is another thing: the list of the raw files it wrote.)

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    /// The path as given.
    pub path: String,
    /// Bytes.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// The provenance record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// The command (`analyze` or `reproduce`).
    pub command: String,
    /// niche's version.
    pub niche_version: String,
    /// Seed (reproduce).
    pub seed: Option<u64>,
    /// Events per tube (reproduce).
    pub events: Option<usize>,
    /// How replicates were drawn, `typical` or `random` (reproduce).
    pub sampling: Option<String>,
    /// Independent replications run for the odds (reproduce `--repeats`).
    pub replications: Option<usize>,
    /// Every input read.
    pub inputs: Vec<InputFile>,
}

impl Provenance {
    /// The record of `niche analyze` over `inputs` (each with its SHA-256).
    pub fn analyze(inputs: Vec<InputFile>) -> Provenance {
        Provenance {
            command: "analyze".into(),
            niche_version: env!("CARGO_PKG_VERSION").into(),
            seed: None,
            events: None,
            sampling: None,
            replications: None,
            inputs,
        }
    }

    /// The record of `niche reproduce` at `seed`, `events` per tube, `sampling`, `replications`.
    pub fn reproduce(
        seed: u64,
        events: usize,
        sampling: &impl std::fmt::Display,
        replications: usize,
        inputs: Vec<InputFile>,
    ) -> Provenance {
        Provenance {
            command: "reproduce".into(),
            niche_version: env!("CARGO_PKG_VERSION").into(),
            seed: Some(seed),
            events: Some(events),
            sampling: Some(sampling.to_string()),
            replications: Some(replications),
            inputs,
        }
    }
}

/// Every file an analysis of `study` (read from `study_file`) reads: the study file, each unit's
/// raw files and layouts in unit order ([`crate::analyze::units`]), then the gating file.
pub fn study_inputs(study: &crate::Study, study_file: &Path) -> Vec<std::path::PathBuf> {
    let mut inputs = vec![study_file.to_path_buf()];
    inputs.extend(crate::analyze::units(study).iter().flat_map(|u| u.files()).map(Path::to_path_buf));
    if let crate::study::Gating::File(p) | crate::study::Gating::Workspace(p) = &study.gating {
        inputs.push(p.clone());
    }
    inputs
}

/// SHA-256 of a file, streamed.
pub fn sha256(path: &Path) -> Result<InputFile> {
    let mut file =
        std::fs::File::open(path).map_err(|e| Error::Input { path: path.to_path_buf(), source: Box::new(e.into()) })?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)
        .map_err(|e| Error::Input { path: path.to_path_buf(), source: Box::new(e.into()) })?;
    let digest = hasher.finalize();
    Ok(InputFile {
        path: path.display().to_string(),
        bytes,
        sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
    })
}
