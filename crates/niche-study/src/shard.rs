//! Sharded work and exact merges: `--shard I/K` runs compute one part of a dose-grid scan or of a
//! study's analysis, and `niche merge` ([`merge_scan`], [`merge_analyze`]) combines the parts into
//! exactly what one unsharded run gives.
//!
//! Work is split into numbered units — grid points (`k = i·n_amd + j`) or a study's units
//! ([`crate::analyze::units`]: flow wells, ELISA plates, blots) — and shard `I` of `K` takes the
//! units `k` with `k mod K = I − 1`. A unit's result depends on its identity alone (a grid point
//! on its doses and the scan's donors, drawn from the seed; a well on its files), never on which
//! other units a run computes, so any split merges to the same numbers. Scores that need the
//! whole grid (Bliss, HSA, Loewe, ZIP against the single-drug rows), and a study's summaries and
//! comparisons, are computed by the merge.
//!
//! A part is one JSON file ([`Part`]): its kind, the shard, the number of units, the units' results
//! (every `f64` written and read back bit for bit) and a fingerprint of the inputs (SHA-256 of
//! the scan's parameters, or of the study file), so parts of different scans or studies, parts
//! given twice, missing parts and parts of different splits are refused by name.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analyze::UnitOutcome;
use crate::provenance::InputFile;

/// The format version of part files.
pub const PART_FORMAT: u32 = 1;

/// Largest part file read (parts hold per-unit results, not raw data).
pub const MAX_PART_BYTES: u64 = 4 << 30;

/// Shard `index` of `count` (both from 1): the units `k` with `k mod count = index − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, 1 to `count`.
    pub index: usize,
    /// How many shards the work is split into.
    pub count: usize,
}

impl Shard {
    /// The whole work as one shard.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Whether unit `k` (from 0) is this shard's.
    pub fn owns(&self, k: usize) -> bool {
        k % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a `--shard` argument or a set of parts cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    /// `I/K` is malformed or out of range.
    #[error("shard {text:?}: {reason}")]
    Spec {
        /// What was given.
        text: String,
        /// What is wrong.
        reason: String,
    },
    /// A part file cannot be read or is not a part.
    #[error("{path}: {reason}")]
    Part {
        /// The part file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The parts do not make one whole.
    #[error("{0}")]
    Set(String),
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let bad = |reason: &str| ShardError::Spec { text: text.into(), reason: reason.into() };
        let (i, k) = text.split_once('/').ok_or_else(|| bad("give I/K, e.g. 2/4 (shard 2 of 4)"))?;
        let parse =
            |s: &str, what: &str| s.trim().parse::<usize>().map_err(|_| bad(&format!("{what} is not a number")));
        let (index, count) = (parse(i, "I")?, parse(k, "K")?);
        if count == 0 {
            return Err(bad("K must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(bad(&format!("I must be from 1 to K = {count}")));
        }
        Ok(Shard { index, count })
    }
}

/// A dose-grid scan's parameters, as a part records them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanSpec {
    /// Co-culture on MSCs.
    pub msc: bool,
    /// Vincristine doses, µmol/L.
    pub vcr_um: Vec<f64>,
    /// AMD3100 doses, µg/mL.
    pub amd_ug_per_ml: Vec<f64>,
    /// Donors per point.
    pub donors: usize,
    /// Seed of the donors.
    pub seed: u64,
    /// Culture hours.
    pub hours: f64,
}

impl ScanSpec {
    /// SHA-256 of the parameters (every dose bit for bit) and niche's version.
    pub fn fingerprint(&self) -> String {
        let bits = |v: &[f64]| v.iter().map(|x| format!("{:016x}", x.to_bits())).collect::<Vec<_>>().join(",");
        hex(&Sha256::digest(format!(
            "niche {} scan msc={} donors={} seed={} hours={:016x} vcr={} amd={}",
            env!("CARGO_PKG_VERSION"),
            self.msc,
            self.donors,
            self.seed,
            self.hours.to_bits(),
            bits(&self.vcr_um),
            bits(&self.amd_ug_per_ml)
        )))
    }
}

/// What a part holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// Grid points of a scan with their index, no synergy.
    Scan {
        /// The scan.
        spec: ScanSpec,
        /// `(k, point)`.
        points: Vec<(usize, niche_model::scan::GridPoint)>,
    },
    /// Units of a study's analysis.
    Analyze {
        /// The study file (absolute), which the merge reads again for its groups, readouts and
        /// comparisons.
        study: PathBuf,
        /// The study file as the command was given it, with its SHA-256.
        study_file: InputFile,
        /// The gating file (a Gating-ML file or workspace), when there is one.
        gating_file: Option<InputFile>,
        /// Each unit's outcome.
        units: Vec<UnitOutcome>,
        /// Each unit's raw files with their SHA-256, by unit.
        inputs: Vec<(usize, Vec<InputFile>)>,
    },
}

/// One part of a sharded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// [`PART_FORMAT`].
    pub niche_part: u32,
    /// niche's version.
    pub niche_version: String,
    /// SHA-256 of the inputs: equal in every part of one run.
    pub fingerprint: String,
    /// Which shard.
    pub shard: Shard,
    /// Units of the whole work.
    pub units: usize,
    /// The results.
    pub payload: Payload,
}

impl Part {
    /// A part of this niche's format and version.
    pub fn new(fingerprint: String, shard: Shard, units: usize, payload: Payload) -> Part {
        Part {
            niche_part: PART_FORMAT,
            niche_version: env!("CARGO_PKG_VERSION").into(),
            fingerprint,
            shard,
            units,
            payload,
        }
    }

    /// Reads a part file.
    pub fn read(path: &Path) -> Result<Part, ShardError> {
        let bad = |reason: String| ShardError::Part { path: path.into(), reason };
        let text = crate::read_text(path, MAX_PART_BYTES).map_err(|e| bad(e.to_string()))?;
        let head: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("not a niche part: {e}")))?;
        match head.get("niche_part").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(PART_FORMAT) => {}
            Some(v) => return Err(bad(format!("part format {v}; this niche reads {PART_FORMAT}"))),
            None => return Err(bad("not a niche part (no niche_part field)".into())),
        }
        let part: Part = serde_json::from_str(&text).map_err(|e| bad(format!("malformed part: {e}")))?;
        if part.shard.index == 0 || part.shard.index > part.shard.count {
            return Err(bad(format!("shard {} is out of range", part.shard)));
        }
        Ok(part)
    }

    /// The part as JSON.
    pub fn to_json(&self) -> String {
        // every field is a plain value, which serde_json always writes
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Parts that make one whole: same kind, fingerprint, version and split, each shard once.
/// Returns them in shard order.
pub fn check_set(parts: Vec<(PathBuf, Part)>) -> Result<Vec<(PathBuf, Part)>, ShardError> {
    let Some((first_path, first)) = parts.first() else {
        return Err(ShardError::Set("no parts to merge".into()));
    };
    let (first_path, first) = (first_path.clone(), first.clone());
    let kind = |p: &Part| match p.payload {
        Payload::Scan { .. } => "model scan",
        Payload::Analyze { .. } => "analyze",
    };
    let mut by_index: BTreeMap<usize, (PathBuf, Part)> = BTreeMap::new();
    for (path, part) in parts {
        let differs = |what: &str| ShardError::Set(format!("{} and {}: {what}", first_path.display(), path.display()));
        if kind(&part) != kind(&first) {
            return Err(differs(&format!("one is a {} part, the other a {} part", kind(&first), kind(&part))));
        }
        if part.niche_version != first.niche_version {
            return Err(differs(&format!("made by niche {} and {}", first.niche_version, part.niche_version)));
        }
        if part.fingerprint != first.fingerprint || part.units != first.units {
            return Err(differs(match part.payload {
                Payload::Scan { .. } => "parts of different scans (their doses, donors, seed or hours differ)",
                Payload::Analyze { .. } => "parts of different studies (their study files differ)",
            }));
        }
        if part.shard.count != first.shard.count {
            return Err(differs(&format!("split into {} and {} shards", first.shard.count, part.shard.count)));
        }
        if let Some((other, _)) = by_index.get(&part.shard.index) {
            return Err(ShardError::Set(format!(
                "shard {} is given twice: {} and {}",
                part.shard,
                other.display(),
                path.display()
            )));
        }
        by_index.insert(part.shard.index, (path, part));
    }
    let missing: Vec<String> = (1..=first.shard.count)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{}", first.shard.count))
        .collect();
    if !missing.is_empty() {
        return Err(ShardError::Set(format!(
            "missing shard{} {} (the parts given: {})",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            by_index.values().map(|(p, _)| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(by_index.into_values().collect())
}

/// A merged scan: its parameters and every grid point, synergy scored over the whole grid.
pub fn merge_scan(parts: &[(PathBuf, Part)]) -> Result<(ScanSpec, Vec<niche_model::scan::GridPoint>), crate::Error> {
    let mut spec = None;
    let mut points = Vec::new();
    for (path, part) in parts {
        let Payload::Scan { spec: s, points: p } = &part.payload else {
            return Err(set_error(format!("{}: not a model scan part", path.display())));
        };
        spec.get_or_insert_with(|| s.clone());
        points.extend(p.iter().cloned());
    }
    let spec = spec.ok_or_else(|| set_error("no parts to merge".into()))?;
    points.sort_by_key(|(k, _)| *k);
    let expected = spec.vcr_um.len() * spec.amd_ug_per_ml.len();
    if points.len() != expected || points.iter().enumerate().any(|(n, (k, _))| n != *k) {
        return Err(set_error(format!(
            "the parts hold {} distinct grid points of {expected}: they were not made by one split",
            points.len()
        )));
    }
    let mut grid: Vec<_> = points.into_iter().map(|(_, g)| g).collect();
    niche_model::scan::add_synergy(&spec.vcr_um, &spec.amd_ug_per_ml, &mut grid)?;
    Ok((spec, grid))
}

/// A merged analysis: the study (read again and checked against the parts' fingerprint), its
/// results, and every input with its SHA-256 in the order an unsharded `analyze` lists them.
pub fn merge_analyze(
    parts: &[(PathBuf, Part)],
) -> Result<(crate::Study, crate::analyze::Results, Vec<InputFile>), crate::Error> {
    let mut outcomes = Vec::new();
    let mut inputs: Vec<(usize, Vec<InputFile>)> = Vec::new();
    let mut head = None;
    for (path, part) in parts {
        let Payload::Analyze { study, study_file, gating_file, units, inputs: files } = &part.payload else {
            return Err(set_error(format!("{}: not an analyze part", path.display())));
        };
        head.get_or_insert_with(|| {
            (study.clone(), study_file.clone(), gating_file.clone(), part.units, part.fingerprint.clone())
        });
        outcomes.extend(units.iter().cloned());
        inputs.extend(files.iter().cloned());
    }
    let (study_path, study_file, gating_file, total, fingerprint) =
        head.ok_or_else(|| set_error("no parts to merge".into()))?;
    let now = crate::provenance::sha256(&study_path)?;
    if now.sha256 != study_file.sha256 || study_fingerprint(&study_file) != fingerprint {
        return Err(set_error(format!(
            "{}: the study file changed since the parts were made (SHA-256 {} then, {} now)",
            study_path.display(),
            study_file.sha256,
            now.sha256
        )));
    }
    let study = crate::Study::open(&study_path)?;
    let units = crate::analyze::units(&study).len();
    outcomes.sort_by_key(|o| o.unit);
    if units != total || outcomes.len() != units || outcomes.iter().enumerate().any(|(n, o)| o.unit != n) {
        return Err(set_error(format!(
            "the parts hold {} distinct units of the study's {units}: they were not made by one split",
            outcomes.len()
        )));
    }
    inputs.sort_by_key(|(k, _)| *k);
    let mut all = vec![study_file];
    all.extend(inputs.into_iter().flat_map(|(_, f)| f));
    all.extend(gating_file);
    let results = crate::analyze::assemble(&study, outcomes);
    Ok((study, results, all))
}

/// The fingerprint of an analysis: SHA-256 of the study file's SHA-256 and niche's version.
pub fn study_fingerprint(study_file: &InputFile) -> String {
    hex(&Sha256::digest(format!("niche {} analyze {}", env!("CARGO_PKG_VERSION"), study_file.sha256)))
}

fn set_error(reason: String) -> crate::Error {
    crate::Error::Shard(ShardError::Set(reason))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_units_round_robin() {
        let s: Shard = "2/3".parse().unwrap();
        assert_eq!(s, Shard { index: 2, count: 3 });
        assert_eq!((0..7).filter(|&k| s.owns(k)).collect::<Vec<_>>(), vec![1, 4]);
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/-2"] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(e.starts_with(&format!("shard {bad:?}")), "{e}");
        }
    }

    fn scan_part(index: usize, count: usize, seed: u64) -> (PathBuf, Part) {
        let spec =
            ScanSpec { msc: true, vcr_um: vec![0.0, 1.0], amd_ug_per_ml: vec![0.0], donors: 0, seed, hours: 24.0 };
        let part = Part::new(spec.fingerprint(), Shard { index, count }, 2, Payload::Scan { spec, points: vec![] });
        (PathBuf::from(format!("p{index}.json")), part)
    }

    #[test]
    fn sets_of_parts_are_checked_by_name() {
        let e = check_set(vec![scan_part(1, 2, 1), scan_part(1, 2, 1)]).unwrap_err().to_string();
        assert_eq!(e, "shard 1/2 is given twice: p1.json and p1.json");
        let e = check_set(vec![scan_part(1, 3, 1)]).unwrap_err().to_string();
        assert_eq!(e, "missing shards 2/3, 3/3 (the parts given: p1.json)");
        let e = check_set(vec![scan_part(1, 2, 1), scan_part(2, 2, 7)]).unwrap_err().to_string();
        assert!(e.contains("parts of different scans"), "{e}");
        let e = check_set(vec![scan_part(1, 2, 1), scan_part(2, 3, 1)]).unwrap_err().to_string();
        assert!(e.contains("split into 2 and 3 shards"), "{e}");
        assert_eq!(check_set(vec![scan_part(2, 2, 1), scan_part(1, 2, 1)]).unwrap()[0].1.shard.index, 1);
    }
}
