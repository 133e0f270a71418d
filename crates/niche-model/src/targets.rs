//! The seed paper's published numbers, typed: one source for calibration, the virtual donors, the
//! virtual cohort, `niche reproduce` and the report.
//!
//! The numbers come from the embedded copy of `targets.toml` ([`SEED_TARGETS_TOML`]); nothing
//! else in the workspace retypes them. Each published number has a stable id, shared by the
//! targets of `niche model fit` and the records of `reproduction.json`:
//!
//! | what | id |
//! |---|---|
//! | a group mean ± SD | `cxcr4_mfi.coculture.mean` |
//! | a P value against a reference group | `apoptosis_percent.coculture_vcr.p_vs_coculture` |
//! | "undetectable" | `cxcl12_ng.all_alone.undetectable` |
//! | a blot direction | `western.coculture.bax_vs_all_alone` |
//! | the cohort's mean ± SD and P | `cohort_cxcr4_mfi.newly_diagnosed.mean`, `cohort_cxcr4_mfi.relapsed_refractory.p_vs_newly_diagnosed` |
//!
//! ```
//! let targets = niche_model::targets::seed()?;
//! let co = targets.mean("cxcr4_mfi", "coculture").unwrap();
//! assert_eq!(co.id, "cxcr4_mfi.coculture.mean");
//! # Ok::<(), niche_model::Error>(())
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::error::{Error, Result};

/// The seed paper's published numbers (a verbatim copy of `../shared/seed/targets.toml`).
pub const SEED_TARGETS_TOML: &str = include_str!("../data/seed_targets.toml");

/// The parsed [`SEED_TARGETS_TOML`], parsed once.
pub fn seed() -> Result<&'static SeedTargets> {
    static SEED: OnceLock<std::result::Result<SeedTargets, String>> = OnceLock::new();
    // the embedded file is a build input (a test parses it); its error is kept as text to be cached
    SEED.get_or_init(|| SeedTargets::parse(SEED_TARGETS_TOML).map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|reason| Error::Targets { reason: format!("the embedded targets file: {reason}") })
}

/// A targets file: the study's facts, its design and its results. Only `[design]` groups and
/// the readout tables are required; `[study]`, the cohort and the blots may be left out.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeedTargets {
    /// Cohort sizes and the significance level.
    #[serde(default)]
    pub study: Option<StudyFacts>,
    /// The in vitro groups.
    pub design: DesignFacts,
    /// What the paper reports.
    pub results: Results,
    /// The file's text, for the P values as printed.
    #[serde(skip)]
    source: String,
}

/// `[study]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StudyFacts {
    /// Patients in the cohort.
    pub n_patients: u32,
    /// Newly diagnosed patients.
    pub n_newly_diagnosed: u32,
    /// Relapsed/refractory patients.
    pub n_relapsed_refractory: u32,
    /// What the paper says of its in vitro replicates (text).
    pub replicates_in_vitro: String,
    /// Significance level.
    pub alpha: f64,
}

/// `[design]`: the co-culture groups (other design facts are text for readers).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DesignFacts {
    /// The groups, in the paper's order.
    #[serde(rename = "group")]
    pub groups: Vec<GroupFacts>,
    /// Culture time, hours.
    pub culture_hours: f64,
}

/// One `[[design.group]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFacts {
    /// Group id (`coculture_vcr`, …).
    pub id: String,
    /// The paper's label (`V`, `AMD+V`, …).
    pub label: String,
    /// Blasts on MSCs.
    pub msc: bool,
    /// Vincristine, µmol/L.
    pub vcr_umol_per_l: f64,
    /// AMD3100, µg/mL.
    pub amd3100_ug_per_ml: f64,
}

impl GroupFacts {
    /// The model's condition for this group.
    pub fn condition(&self) -> Condition {
        Condition { msc: self.msc, vcr_um: self.vcr_umol_per_l, amd_ug_per_ml: self.amd3100_ug_per_ml }
    }

    /// The group as a design names it (co-culture and treatments, the paper's label).
    pub fn group(&self) -> crate::treatment::Group {
        crate::treatment::Group::of_condition(&self.id, Some(&self.label), &self.condition())
    }
}

/// `[results]`: the readouts per group, the blots and the cohort. Another table is an error
/// (niche would not compare it), except `table1`, the patients' characteristics, which is kept
/// for readers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// Figure 1: CXCR4 MFI of the patients.
    #[serde(default)]
    pub cohort_cxcr4_mfi: Option<CohortResult>,
    /// Figure 2A: CXCL12 in the supernatant, ng/mL.
    #[serde(default)]
    pub cxcl12_ng: BTreeMap<String, GroupResult>,
    /// Figure 2C: CXCR4 MFI ratio.
    #[serde(default)]
    pub cxcr4_mfi: BTreeMap<String, GroupResult>,
    /// Figure 3B: apoptosis, %.
    #[serde(default)]
    pub apoptosis_percent: BTreeMap<String, GroupResult>,
    /// Figure 3C: blot directions.
    #[serde(default)]
    pub western: BTreeMap<String, WesternResult>,
    /// Table 1 (patients' characteristics), as text for readers; niche does not compare it.
    #[serde(default)]
    pub table1: Option<toml::Table>,
}

/// Figure 1's two cohorts and their comparison.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CohortResult {
    /// Newly diagnosed patients.
    pub newly_diagnosed: CohortArm,
    /// Relapsed/refractory patients.
    pub relapsed_refractory: CohortArm,
    /// P of relapsed/refractory vs newly diagnosed.
    pub p: f64,
}

/// Mean ± SD of n patients.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortArm {
    /// Mean CXCR4 MFI.
    pub mean: f64,
    /// SD.
    pub sd: f64,
    /// Patients.
    pub n: u32,
}

/// What the paper reports for one readout in one group.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupResult {
    /// A value given in words (`undetectable`).
    pub value: Option<String>,
    /// Mean.
    pub mean: Option<f64>,
    /// SD.
    pub sd: Option<f64>,
    /// A relation given in words (`not different from coculture`, `increased vs coculture, …`).
    pub relation: Option<String>,
    /// The reference group of `p` (else the group its relation names).
    pub p_vs: Option<String>,
    /// Two-sided P against `p_vs`, with where it is written in the file (for its printed
    /// precision).
    pub p: Option<toml::Spanned<f64>>,
    /// A remark.
    pub note: Option<String>,
}

/// One blot comparison: the direction of Bax and Bcl-2 against a reference group.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WesternResult {
    /// Reference group.
    pub vs: String,
    /// Bax's direction.
    pub bax: Option<Direction>,
    /// Bcl-2's direction.
    pub bcl2: Option<Direction>,
}

/// A direction of change as a blot shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher than the reference.
    Up,
    /// Lower than the reference.
    Down,
    /// Not different from the reference.
    Unchanged,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Unchanged => "unchanged",
        })
    }
}

/// The readouts the paper gives per group, with their table names in the targets file.
pub const READOUTS: [&str; 3] = ["cxcr4_mfi", "cxcl12_ng", "apoptosis_percent"];

/// The group size the published P values support ([`SeedTargets::supported_n`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupportedN {
    /// Replicates per group.
    pub n: usize,
    /// The P values a test at n vs n reproduces to their printed precision.
    pub explained: Vec<String>,
    /// The P values audited.
    pub of: usize,
}

impl std::fmt::Display for SupportedN {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "n = {} per group, which explains {} of {} published P values (niche stats audit)",
            self.n,
            self.explained.len(),
            self.of
        )
    }
}

/// A published group mean ± SD.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedMean {
    /// Stable id, `<readout>.<group>.mean`.
    pub id: String,
    /// Readout table (`cxcr4_mfi`, `cxcl12_ng`, `apoptosis_percent`).
    pub readout: &'static str,
    /// Group id.
    pub group: String,
    /// Mean.
    pub mean: f64,
    /// SD.
    pub sd: f64,
}

/// How a published comparison states its effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Both means are published: the effect's sign is theirs.
    FromMeans,
    /// The paper says the group is higher.
    Increased,
    /// The paper says the groups do not differ.
    NotDifferent,
    /// Neither means nor a relation niche reads give the effect's direction.
    Unstated,
}

/// A published P value of a group against a reference group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedComparison {
    /// Stable id, `<readout>.<group>.p_vs_<reference>`.
    pub id: String,
    /// Readout table.
    pub readout: &'static str,
    /// Group.
    pub group: String,
    /// Reference group.
    pub reference: String,
    /// Two-sided P.
    pub p: f64,
    /// The P as printed in the targets file (`0.0079`, `0.50`).
    pub printed_p: String,
    /// The relation in words, when the paper gives one instead of a mean.
    pub relation: Option<String>,
    /// How the effect is stated.
    pub effect: Effect,
    /// Sign of the published effect (group − reference): +1, −1, or 0 when not stated.
    pub sign: i8,
}

/// A published blot direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedDirection {
    /// Stable id, `western.<group>.<protein>_vs_<reference>`.
    pub id: String,
    /// `bax` or `bcl2`.
    pub protein: &'static str,
    /// Group.
    pub group: String,
    /// Reference group.
    pub reference: String,
    /// Direction.
    pub direction: Direction,
}

/// A readout the paper reports as undetectable in a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedUndetectable {
    /// Stable id, `<readout>.<group>.undetectable`.
    pub id: String,
    /// Readout table.
    pub readout: &'static str,
    /// Group.
    pub group: String,
}

impl SeedTargets {
    /// Parses a targets file and checks that every group it names is a design group.
    pub fn parse(text: &str) -> Result<SeedTargets> {
        let mut targets: SeedTargets = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            Error::TargetsToml { line, error }
        })?;
        targets.source = text.to_string();
        let known = |g: &str| targets.design.groups.iter().any(|d| d.id == g);
        for readout in READOUTS {
            for (group, r) in targets.readout(readout) {
                for g in std::iter::once(group.as_str()).chain(r.p_vs.as_deref()) {
                    if !known(g) {
                        return Err(Error::Targets {
                            reason: format!("results.{readout}.{group}: unknown group {g:?}"),
                        });
                    }
                }
                if r.p.is_some() && targets.reference_of(r).is_none() {
                    return Err(Error::Targets {
                        reason: format!("results.{readout}.{group}: a P needs p_vs or a relation naming a group"),
                    });
                }
                if r.p.as_ref().map(|p| *p.get_ref()).is_some_and(|p| !(p > 0.0 && p <= 1.0))
                    || r.sd.is_some_and(|sd| sd.is_nan() || sd <= 0.0)
                {
                    return Err(Error::Targets { reason: format!("results.{readout}.{group}: P or SD out of range") });
                }
            }
        }
        for (group, w) in &targets.results.western {
            if !known(group) || !known(&w.vs) {
                return Err(Error::Targets { reason: format!("results.western.{group}: unknown group") });
            }
        }
        Ok(targets)
    }

    /// The reference group of a P value: `p_vs`, or else the design group its relation names
    /// ("not different from coculture").
    fn reference_of(&self, r: &GroupResult) -> Option<String> {
        if let Some(g) = &r.p_vs {
            return Some(g.clone());
        }
        let words = r.relation.as_deref()?.split(|c: char| !(c.is_alphanumeric() || c == '_'));
        words.into_iter().find(|w| self.group(w).is_some()).map(String::from)
    }

    /// The results table of a readout (`cxcr4_mfi`, `cxcl12_ng`, `apoptosis_percent`), in the
    /// design's group order.
    pub fn readout(&self, readout: &str) -> Vec<(&String, &GroupResult)> {
        let table = match readout {
            "cxcr4_mfi" => &self.results.cxcr4_mfi,
            "cxcl12_ng" => &self.results.cxcl12_ng,
            "apoptosis_percent" => &self.results.apoptosis_percent,
            _ => return Vec::new(),
        };
        self.design.groups.iter().filter_map(|g| table.get_key_value(&g.id)).collect()
    }

    /// A design group by id.
    pub fn group(&self, id: &str) -> Option<&GroupFacts> {
        self.design.groups.iter().find(|g| g.id == id)
    }

    /// Every published mean ± SD, readout by readout in [`READOUTS`] order.
    pub fn means(&self) -> Vec<PublishedMean> {
        READOUTS
            .iter()
            .flat_map(|&readout| {
                self.readout(readout).into_iter().filter_map(move |(group, r)| {
                    Some(PublishedMean {
                        id: format!("{readout}.{group}.mean"),
                        readout,
                        group: group.clone(),
                        mean: r.mean?,
                        sd: r.sd?,
                    })
                })
            })
            .collect()
    }

    /// The published mean ± SD of a readout in a group.
    pub fn mean(&self, readout: &str, group: &str) -> Option<PublishedMean> {
        self.means().into_iter().find(|m| m.readout == readout && m.group == group)
    }

    /// Every published P value of a group against its reference.
    pub fn comparisons(&self) -> Vec<PublishedComparison> {
        let mut out = Vec::new();
        for readout in READOUTS {
            let rows = self.readout(readout);
            for (group, r) in &rows {
                let Some(spanned) = &r.p else { continue };
                let p = *spanned.get_ref();
                let printed_p =
                    self.source.get(spanned.span()).map_or_else(|| format!("{p}"), |t| t.trim().to_string());
                let Some(reference) = self.reference_of(r) else { continue };
                let mean_of = |g: &str| rows.iter().find(|(id, _)| id.as_str() == g).and_then(|(_, r)| r.mean);
                let relation = r.relation.clone();
                let (effect, sign) = match (relation.as_deref(), r.mean, mean_of(&reference)) {
                    (Some(rel), _, _) if rel.starts_with("increased") => (Effect::Increased, 1),
                    (Some(rel), _, _) if rel.starts_with("not different") => (Effect::NotDifferent, 0),
                    (_, Some(a), Some(b)) if a > b => (Effect::FromMeans, 1),
                    (_, Some(a), Some(b)) if a < b => (Effect::FromMeans, -1),
                    (_, Some(_), Some(_)) => (Effect::FromMeans, 0),
                    _ => (Effect::Unstated, 0),
                };
                out.push(PublishedComparison {
                    id: format!("{readout}.{group}.p_vs_{reference}"),
                    readout,
                    group: (*group).clone(),
                    reference,
                    p,
                    printed_p,
                    relation,
                    effect,
                    sign,
                });
            }
        }
        out
    }

    /// Every readout the paper calls undetectable in a group.
    pub fn undetectable(&self) -> Vec<PublishedUndetectable> {
        READOUTS
            .iter()
            .flat_map(|&readout| {
                self.readout(readout).into_iter().filter(|(_, r)| r.value.as_deref() == Some("undetectable")).map(
                    move |(group, _)| PublishedUndetectable {
                        id: format!("{readout}.{group}.undetectable"),
                        readout,
                        group: group.clone(),
                    },
                )
            })
            .collect()
    }

    /// Every blot direction, in the design's group order, Bax before Bcl-2.
    pub fn directions(&self) -> Vec<PublishedDirection> {
        let mut out = Vec::new();
        for g in &self.design.groups {
            let Some(w) = self.results.western.get(&g.id) else { continue };
            for (protein, direction) in [("bax", w.bax), ("bcl2", w.bcl2)] {
                let Some(direction) = direction else { continue };
                out.push(PublishedDirection {
                    id: format!("western.{}.{protein}_vs_{}", g.id, w.vs),
                    protein,
                    group: g.id.clone(),
                    reference: w.vs.clone(),
                    direction,
                });
            }
        }
        out
    }

    /// Every published P as a check for [`niche_stats::audit`] (its id is the comparison's), with
    /// the two groups' means and SDs where both are published. The printed precision is that of
    /// the number as written in the file (`0.50` has two decimals). The in vitro comparisons only:
    /// the cohort's group sizes are published (20 and 17).
    pub fn audit_checks(&self) -> Result<Vec<niche_stats::audit::Check>> {
        use niche_stats::audit::{Check, MeanSd};
        let mut checks = Vec::new();
        for c in self.comparisons() {
            let check = Check::printed(&c.id, &c.printed_p)
                .map_err(|source| Error::TargetsCheck { id: c.id.clone(), source })?;
            checks.push(match (self.mean(c.readout, &c.group), self.mean(c.readout, &c.reference)) {
                (Some(a), Some(b)) => {
                    check.with_means(MeanSd { mean: a.mean, sd: a.sd }, MeanSd { mean: b.mean, sd: b.sd })
                }
                _ => check,
            });
        }
        Ok(checks)
    }

    /// The equal group size that explains the most published P values by
    /// [`niche_stats::audit`] (Student, Welch or exact Mann–Whitney at n = 3…10 per group), with
    /// the number of P values it explains; `None` when no equal size explains any.
    pub fn supported_n(&self) -> Result<Option<SupportedN>> {
        let audit = niche_stats::audit::audit(&self.audit_checks()?).map_err(Error::Audit)?;
        let mut best: Option<SupportedN> = None;
        for n in audit.options.min_n..=audit.options.max_n {
            let explained: Vec<String> = audit
                .checks
                .iter()
                .filter(|c| c.matches.iter().any(|m| m.n1 == n && m.n2 == n))
                .map(|c| c.id.clone())
                .collect();
            if !explained.is_empty() && best.as_ref().is_none_or(|b| explained.len() > b.explained.len()) {
                best = Some(SupportedN { n, explained, of: audit.checks.len() });
            }
        }
        Ok(best)
    }

    /// Total number of published records: means, comparisons, "undetectable", blot directions
    /// and the cohort's two means and P.
    pub fn record_count(&self) -> usize {
        let cohort = if self.results.cohort_cxcr4_mfi.is_some() { 3 } else { 0 };
        self.means().len() + self.comparisons().len() + self.undetectable().len() + self.directions().len() + cohort
    }

    /// The significance level (`[study] alpha`, else 0.05).
    pub fn alpha(&self) -> f64 {
        self.study.as_ref().map_or(0.05, |s| s.alpha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_targets_parse_into_every_published_number() {
        let t = seed().unwrap();
        assert_eq!(t.design.groups.len(), 5);
        assert_eq!(t.means().len(), 12);
        assert_eq!(t.comparisons().len(), 11);
        assert_eq!(t.undetectable().len(), 1);
        assert_eq!(t.directions().len(), 6);
        assert_eq!(t.record_count(), 33);
        let co = t.mean("cxcr4_mfi", "coculture").unwrap();
        assert_eq!((co.mean, co.sd), (261.87, 91.07));
        let ids: Vec<String> = t.comparisons().into_iter().map(|c| c.id).collect();
        assert!(ids.contains(&"cxcl12_ng.coculture_amd.p_vs_coculture".to_string()), "{ids:?}");
        // ids are unique
        let mut all: Vec<String> = t.means().into_iter().map(|m| m.id).chain(ids).collect();
        all.extend(t.directions().into_iter().map(|d| d.id));
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn comparison_effects_follow_the_published_means_and_words() {
        let t = seed().unwrap();
        let c = |id: &str| t.comparisons().into_iter().find(|c| c.id == id).unwrap();
        assert_eq!(c("cxcr4_mfi.coculture.p_vs_all_alone").sign, -1);
        assert_eq!(c("cxcr4_mfi.coculture_vcr.p_vs_coculture").sign, 1);
        assert_eq!(c("apoptosis_percent.coculture_amd.p_vs_coculture").effect, Effect::Increased);
        assert_eq!(c("cxcl12_ng.coculture_amd.p_vs_coculture").effect, Effect::NotDifferent);
        assert_eq!(c("cxcl12_ng.coculture_amd.p_vs_coculture").sign, 0);
    }

    #[test]
    fn the_published_p_values_support_five_per_group() {
        // 0.0079 = 2/252, the exact Mann–Whitney minimum for 5 vs 5: six P values say so
        let n = seed().unwrap().supported_n().unwrap().unwrap();
        assert_eq!(n.n, 5);
        assert_eq!(n.explained.len(), 6, "{:?}", n.explained);
        assert!(n.explained.contains(&"apoptosis_percent.coculture_amd.p_vs_coculture".to_string()));
    }

    #[test]
    fn a_p_value_keeps_its_printed_precision_and_a_minimal_file_is_enough() {
        let text = "[design]\nculture_hours = 24\n\
                    [[design.group]]\nid = \"a\"\nlabel = \"A\"\nmsc = false\nvcr_umol_per_l = 0\namd3100_ug_per_ml = 0\n\
                    [[design.group]]\nid = \"b\"\nlabel = \"B\"\nmsc = true\nvcr_umol_per_l = 0\namd3100_ug_per_ml = 0\n\
                    [results.cxcr4_mfi]\na = { mean = 10.0, sd = 1.0 }\n\
                    b = { mean = 10.0, sd = 2.0, p_vs = \"a\", p = 0.50 }\n";
        let t = SeedTargets::parse(text).unwrap();
        let c = &t.comparisons()[0];
        assert_eq!(c.printed_p, "0.50");
        // equal means state no direction
        assert_eq!((c.effect, c.sign), (Effect::FromMeans, 0));
        assert_eq!(t.audit_checks().unwrap()[0].decimals, 2);
        assert_eq!(t.record_count(), 3);
        // a readout niche does not know is an error, not silently skipped
        let err = SeedTargets::parse(&text.replace("[results.cxcr4_mfi]", "[results.cd38]")).unwrap_err().to_string();
        assert!(err.contains("cd38"), "{err}");
    }

    #[test]
    fn a_targets_file_naming_an_unknown_group_is_refused() {
        let broken = SEED_TARGETS_TOML.replace("p_vs = \"coculture_vcr\"", "p_vs = \"vcr\"");
        let err = SeedTargets::parse(&broken).unwrap_err().to_string();
        assert!(err.contains("unknown group \"vcr\""), "{err}");
        let err = SeedTargets::parse("[study]\n").unwrap_err().to_string();
        assert!(err.starts_with("targets line 1: missing field"), "{err}");
    }
}
