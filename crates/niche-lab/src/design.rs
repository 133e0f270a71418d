//! What to simulate: groups with their treatments, replicates, events per tube, the seed.
//!
//! Without a file this is the seed study (five groups). A design file is TOML:
//!
//! ```toml
//! replicates = 6          # independent experiments (one virtual donor each): flow tubes
//! elisa_replicates = 5    # supernatants on the ELISA plate (the first ones; default: replicates)
//! events = 20000          # events per FCS tube
//! blot_replicates = 3     # blots, each with one lane per group
//! blot_cv = 0.2           # CV of a normalised band between replicate blots (blot_imager::REPLICATE_CV)
//! sampling = "typical"    # or "random": how donors and well effects are drawn
//! [[group]]
//! id = "coculture_vcr"
//! msc = true
//! vcr_umol_per_l = 1.0
//! amd3100_ug_per_ml = 0.0
//! ```

use niche_model::sampling::Sampling;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One experimental group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Identifier used in file names and the manifest (letters, digits, `_`, `-`).
    pub id: String,
    /// Co-culture on MSCs.
    pub msc: bool,
    /// Vincristine, µmol/L.
    #[serde(default)]
    pub vcr_umol_per_l: f64,
    /// AMD3100, µg/mL.
    #[serde(default)]
    pub amd3100_ug_per_ml: f64,
}

/// A virtual experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    /// Groups.
    #[serde(rename = "group")]
    pub groups: Vec<Group>,
    /// Independent replicates (virtual donors) per group, measured by flow.
    #[serde(default = "default_replicates")]
    pub replicates: usize,
    /// Replicates per group on the ELISA plate (the first `elisa_replicates` donors; default:
    /// `replicates`).
    #[serde(default)]
    pub elisa_replicates: Option<usize>,
    /// Events per FCS tube.
    #[serde(default = "default_events")]
    pub events: usize,
    /// Blots (each with one lane per group).
    #[serde(default = "default_blots")]
    pub blot_replicates: usize,
    /// Coefficient of variation of a normalised band between replicate blots
    /// ([`crate::blot_imager::REPLICATE_CV`] by default).
    #[serde(default = "default_blot_cv")]
    pub blot_cv: f64,
    /// How the replicates' donors and well effects are drawn ([`Sampling`]).
    #[serde(default)]
    pub sampling: Sampling,
}

fn default_replicates() -> usize {
    6
}
fn default_events() -> usize {
    20_000
}
fn default_blots() -> usize {
    3
}
fn default_blot_cv() -> f64 {
    crate::blot_imager::REPLICATE_CV
}

impl Design {
    /// The seed study: its groups from the embedded targets file ([`niche_model::targets`]), as
    /// many replicates per group as the published P values support ([`Design::seed_n`]; flow and
    /// ELISA alike), 20,000 events per tube, three blots (the paper's "3 replicates"), random
    /// sampling.
    pub fn seed() -> Design {
        let n = Design::seed_n().map_or(6, |s| s.n);
        let groups = niche_model::targets::seed()
            .map(|t| {
                t.design
                    .groups
                    .iter()
                    .map(|g| Group {
                        id: g.id.clone(),
                        msc: g.msc,
                        vcr_umol_per_l: g.vcr_umol_per_l,
                        amd3100_ug_per_ml: g.amd3100_ug_per_ml,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Design {
            groups,
            replicates: n,
            elisa_replicates: None,
            events: 20_000,
            blot_replicates: 3,
            blot_cv: crate::blot_imager::REPLICATE_CV,
            sampling: Sampling::Random,
        }
    }

    /// The group size the seed paper's P values support (`niche stats audit`), computed once.
    pub fn seed_n() -> Option<niche_model::targets::SupportedN> {
        static N: std::sync::OnceLock<Option<niche_model::targets::SupportedN>> = std::sync::OnceLock::new();
        N.get_or_init(|| niche_model::targets::seed().ok()?.supported_n().ok()?).clone()
    }

    /// Replicates on the ELISA plate.
    pub fn elisa_n(&self) -> usize {
        self.elisa_replicates.unwrap_or(self.replicates)
    }

    /// Donors to simulate: enough for every assay.
    pub fn donors(&self) -> usize {
        self.replicates.max(self.elisa_n())
    }

    /// Parses and checks a design file (errors name the line or the field).
    pub fn parse(text: &str) -> Result<Design> {
        let design: Design = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            Error::DesignToml { line, error }
        })?;
        design.check()?;
        Ok(design)
    }

    /// Checks counts, ids and doses.
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::Design { reason });
        if self.groups.is_empty() {
            return bad("no [[group]]".into());
        }
        if !(1..=100).contains(&self.replicates) {
            return bad(format!("replicates = {}: give 1 to 100", self.replicates));
        }
        if self.elisa_replicates.is_some_and(|n| !(1..=100).contains(&n)) {
            return bad(format!("elisa_replicates = {}: give 1 to 100", self.elisa_n()));
        }
        if !(100..=5_000_000).contains(&self.events) {
            return bad(format!("events = {}: give 100 to 5,000,000 per tube", self.events));
        }
        if !(0.0..=2.0).contains(&self.blot_cv) {
            return bad(format!("blot_cv = {}: give a coefficient of variation from 0 to 2", self.blot_cv));
        }
        if self.blot_replicates > 20 {
            return bad(format!("blot_replicates = {}: at most 20", self.blot_replicates));
        }
        if self.groups.len() > 20 {
            return bad(format!("{} groups: a blot has at most 20 lanes", self.groups.len()));
        }
        if self.groups.len() * self.elisa_n() > crate::plate_reader::MAX_SAMPLES {
            return bad(format!(
                "{} groups × {} replicates are {} ELISA samples: one plate holds {} in duplicate beside the standards",
                self.groups.len(),
                self.elisa_n(),
                self.groups.len() * self.elisa_n(),
                crate::plate_reader::MAX_SAMPLES
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for g in &self.groups {
            if g.id.is_empty() || !g.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return bad(format!("group id {:?}: use letters, digits, '_' and '-'", g.id));
            }
            if !seen.insert(&g.id) {
                return bad(format!("group {:?} appears twice", g.id));
            }
            for (name, v) in [("vcr_umol_per_l", g.vcr_umol_per_l), ("amd3100_ug_per_ml", g.amd3100_ug_per_ml)] {
                if !v.is_finite() || v < 0.0 {
                    return bad(format!("group {:?}: {name} = {v} must be finite and non-negative", g.id));
                }
            }
        }
        Ok(())
    }
}
