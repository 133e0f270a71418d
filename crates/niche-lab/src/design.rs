//! What to simulate: groups with their treatments, replicates, events per tube, the seed.
//!
//! Without a file this is the seed study (five groups). A design file is TOML; its `[[group]]`
//! tables are the study file's ([`niche_model::treatment`]: one dose syntax everywhere):
//!
//! ```toml
//! replicates = { flow = 6, elisa = 5, blot = 3 }   # or one number for every assay
//! events = 20000          # events per FCS tube
//! blot_cv = 0.2           # CV of a normalised band between replicate blots (blot_imager::REPLICATE_CV)
//! sampling = "typical"    # or "random": how donors and well effects are drawn
//! instrument = "fortessa" # or "facscalibur" (the default): the cytometer's files
//! patients = 37           # a cohort: 37 patients (P01…P37) as the donors, each patient's cells in
//!                         # every group, for flow and ELISA (replaces replicates.flow and .elisa)
//!
//! [[group]]
//! id = "coculture_vcr"
//! label = "V"
//! coculture = "MSC"
//! treatments = { vincristine = "1 umol/L" }
//! ```
//!
//! The lab simulates what the model knows (vincristine, AMD3100, co-culture on MSCs) and refuses
//! a design that names anything else.

use niche_model::sampling::Sampling;
pub use niche_model::treatment::Group;
use niche_model::{Condition, treatment::TreatmentError};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::instrument::Instrument;

/// Replicates per assay: independent experiments (one virtual donor each) measured by flow,
/// supernatants on the ELISA plate (the first donors), and blots (one lane per group each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Replicates {
    /// Flow wells per group.
    pub flow: usize,
    /// ELISA samples per group.
    pub elisa: usize,
    /// Blots.
    pub blot: usize,
}

impl Replicates {
    /// The same number for every assay.
    pub fn all(n: usize) -> Replicates {
        Replicates { flow: n, elisa: n, blot: n }
    }
}

impl Default for Replicates {
    fn default() -> Replicates {
        Replicates { flow: 6, elisa: 6, blot: 3 }
    }
}

impl<'de> Deserialize<'de> for Replicates {
    /// `replicates = 6` (every assay) or `replicates = { flow = 6, elisa = 5, blot = 3 }` (an
    /// assay left out: ELISA as flow, blots 3).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Replicates, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PerAssay {
            flow: Option<usize>,
            elisa: Option<usize>,
            blot: Option<usize>,
        }
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a number, or a table such as { flow = 6, elisa = 5, blot = 3 }")]
        enum Form {
            All(usize),
            PerAssay(PerAssay),
        }
        Ok(match Form::deserialize(d)? {
            Form::All(n) => Replicates::all(n),
            Form::PerAssay(p) => {
                let flow = p.flow.unwrap_or(Replicates::default().flow);
                Replicates { flow, elisa: p.elisa.unwrap_or(flow), blot: p.blot.unwrap_or(Replicates::default().blot) }
            }
        })
    }
}

/// A virtual experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    /// Groups.
    #[serde(rename = "group")]
    pub groups: Vec<Group>,
    /// Replicates per assay.
    #[serde(default)]
    pub replicates: Replicates,
    /// Events per FCS tube.
    #[serde(default = "default_events")]
    pub events: usize,
    /// Coefficient of variation of a normalised band between replicate blots
    /// ([`crate::blot_imager::REPLICATE_CV`] by default).
    #[serde(default = "default_blot_cv")]
    pub blot_cv: f64,
    /// How the replicates' donors and well effects are drawn ([`Sampling`]).
    #[serde(default)]
    pub sampling: Sampling,
    /// The cytometer the flow tubes are measured on ([`Instrument`]; the FACSCalibur by default).
    #[serde(default)]
    pub instrument: Instrument,
    /// A cohort design: this many patients are the donors (named [`Design::donor_name`]), each
    /// patient's cells in every group, measured by flow and ELISA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patients: Option<usize>,
}

fn default_events() -> usize {
    20_000
}
fn default_blot_cv() -> f64 {
    crate::blot_imager::REPLICATE_CV
}

/// The most donors (replicates or patients) a design may have.
pub const MAX_DONORS: usize = 1000;

/// Fields of earlier design files and what replaced them.
const REPLACED: [(&str, &str); 5] = [
    ("elisa_replicates", "replicates = { flow = 6, elisa = 5, blot = 3 }"),
    ("blot_replicates", "replicates = { flow = 6, elisa = 5, blot = 3 }"),
    ("msc", "coculture = \"MSC\" in the [[group]]"),
    ("vcr_umol_per_l", "treatments = { vincristine = \"1 umol/L\" } in the [[group]]"),
    ("amd3100_ug_per_ml", "treatments = { AMD3100 = \"5 ug/mL\" } in the [[group]]"),
];

impl Design {
    /// The seed study: its groups from the embedded targets file ([`niche_model::targets`]), as
    /// many replicates per group as the published P values support ([`Design::seed_n`]; flow and
    /// ELISA alike), 20,000 events per tube, three blots (the paper's "3 replicates"), random
    /// sampling, on the paper's FACSCalibur.
    pub fn seed() -> Design {
        let n = Design::seed_n().map_or(6, |s| s.n);
        let groups = niche_model::targets::seed()
            .map(|t| t.design.groups.iter().map(|g| g.group()).collect())
            .unwrap_or_default();
        Design {
            groups,
            replicates: Replicates { flow: n, elisa: n, blot: 3 },
            events: 20_000,
            blot_cv: crate::blot_imager::REPLICATE_CV,
            sampling: Sampling::Random,
            instrument: Instrument::FacsCalibur,
            patients: None,
        }
    }

    /// A cohort of `patients` on the given groups: the patients are the donors, each in every
    /// group, for flow and ELISA; three blots.
    pub fn cohort(groups: Vec<Group>, patients: usize) -> Design {
        Design {
            groups,
            replicates: Replicates { flow: patients, elisa: patients, blot: 3 },
            patients: Some(patients),
            ..Design::seed()
        }
    }

    /// The donor id of replicate `r` (from 1) in a cohort design: `P01`, `P02`, … (two digits or
    /// as many as the cohort needs); `None` when replicates are numbered experiments.
    pub fn donor_name(&self, r: usize) -> Option<String> {
        let n = self.patients?;
        let width = n.to_string().len().max(2);
        Some(format!("P{r:0width$}"))
    }

    /// The subject part of a well's file names and ELISA sample ids: the donor id, or `r<replicate>`.
    pub fn subject_tag(&self, r: usize) -> String {
        self.donor_name(r).unwrap_or_else(|| format!("r{r}"))
    }

    /// The group size the seed paper's P values support (`niche stats audit`), computed once.
    pub fn seed_n() -> Option<niche_model::targets::SupportedN> {
        static N: std::sync::OnceLock<Option<niche_model::targets::SupportedN>> = std::sync::OnceLock::new();
        N.get_or_init(|| niche_model::targets::seed().ok()?.supported_n().ok()?).clone()
    }

    /// Donors to simulate: enough for every assay.
    pub fn donors(&self) -> usize {
        self.replicates.flow.max(self.replicates.elisa)
    }

    /// The model's condition of every group, in order (checked by [`Design::check`]).
    pub fn conditions(&self) -> Result<Vec<Condition>> {
        self.groups
            .iter()
            .map(|g| {
                g.condition().map_err(|e: TreatmentError| Error::Design { reason: format!("group {:?}: {e}", g.id) })
            })
            .collect()
    }

    /// Parses and checks a design file (errors name the line or the field).
    pub fn parse(text: &str) -> Result<Design> {
        for (line, key) in text.lines().enumerate().filter_map(|(i, l)| Some((i + 1, l.split('=').next()?.trim()))) {
            if let Some((old, new)) = REPLACED.iter().find(|(old, _)| *old == key) {
                return Err(Error::Design { reason: format!("line {line}: `{old}` was replaced by {new}") });
            }
        }
        let design: Design = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            Error::DesignToml { line, error }
        })?;
        // a group the model cannot simulate: say where it is
        for (i, g) in design.groups.iter().enumerate() {
            if let Err(e) = g.condition() {
                let line = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.trim_start().starts_with("[[group]]"))
                    .nth(i)
                    .map_or(1, |(n, _)| n + 1);
                return Err(Error::Design { reason: format!("line {line}: group {:?}: {e}", g.id) });
            }
        }
        let mut design = design;
        if let Some(n) = design.patients {
            design.replicates.flow = n;
            design.replicates.elisa = n;
        }
        design.check()?;
        Ok(design)
    }

    /// Checks counts, ids and doses.
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::Design { reason });
        if self.groups.is_empty() {
            return bad("no [[group]]".into());
        }
        if let Some(n) = self.patients {
            if !(1..=MAX_DONORS).contains(&n) || self.replicates.flow != n || self.replicates.elisa != n {
                return bad(format!("patients = {n}: give 1 to {MAX_DONORS} (it sets the flow and ELISA replicates)"));
            }
        }
        for (assay, n) in [("flow", self.replicates.flow), ("elisa", self.replicates.elisa)] {
            if !(1..=MAX_DONORS).contains(&n) {
                return bad(format!("replicates.{assay} = {n}: give 1 to {MAX_DONORS}"));
            }
        }
        if !(100..=5_000_000).contains(&self.events) {
            return bad(format!("events = {}: give 100 to 5,000,000 per tube", self.events));
        }
        if !(0.0..=2.0).contains(&self.blot_cv) {
            return bad(format!("blot_cv = {}: give a coefficient of variation from 0 to 2", self.blot_cv));
        }
        if self.replicates.blot > MAX_DONORS {
            return bad(format!("replicates.blot = {}: at most {MAX_DONORS} (one blot each)", self.replicates.blot));
        }
        if self.groups.len() > 20 {
            return bad(format!("{} groups: a blot has at most 20 lanes", self.groups.len()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for g in &self.groups {
            if !Group::valid_id(&g.id) {
                return bad(format!("group id {:?}: use letters, digits, '_' and '-'", g.id));
            }
            if !seen.insert(&g.id) {
                return bad(format!("group {:?} appears twice", g.id));
            }
        }
        self.conditions().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_design_has_as_many_blots_as_it_asks_for_up_to_the_donor_limit() {
        let design = |blots: usize| {
            Design::parse(&format!(
                "replicates = {{ flow = 2, elisa = 2, blot = {blots} }}\nevents = 300\n[[group]]\nid = \"a\"\nlabel = \"A\"\n"
            ))
        };
        assert_eq!(design(37).unwrap().replicates.blot, 37);
        let error = design(MAX_DONORS + 1).unwrap_err().to_string();
        assert!(error.contains(&format!("at most {MAX_DONORS}")), "{error}");
    }
}
