//! `reproduce`: the seed study end to end. The model drives the virtual lab, which writes the raw
//! files and the manifest; a study file is generated from the manifest; `analyze` reads it like
//! any lab's study; every published number of the paper is set beside its reproduction, with what
//! it stands on ([`Basis`]) and where its spread comes from ([`Variance`]).
//!
//! - **Fitted means** (calibration targets) are scored, not passed: `z = (reproduced − published)
//!   / SEM` with `SEM = SD/√n` (n = the design's replicates per group), and whether the reproduced
//!   mean is nearer its own group's published mean than any other group's.
//! - **Comparisons** pass when P falls on the published side of α *and* the effect has the
//!   published sign (where the paper gives one); every comparison shows its effect with a 95 % CI.
//! - **Blots**: one log ratio per blot (group over reference lane), a paired t test on them; up or
//!   down when P < α with that sign, unchanged otherwise. The replicate CV of the virtual blots is
//!   fixed in advance ([`niche_lab::blot_imager::REPLICATE_CV`]); each blot record also shows how
//!   likely the published verdict is at other CVs ([`CvVerdict`]).
//! - **"Undetectable"**: every sample below the lowest standard.
//!
//! [`replicate`] repeats the whole study with independent draws and gives every record its pass
//! rate; [`Headline`] counts the records by basis.

use std::fmt::Write;
use std::path::Path;

use niche_core::Assay;
use niche_lab::run::Manifest;
use niche_lab::{Design, Instrument};
use niche_model::Parameters;
use niche_model::params::ParameterKind;
use niche_model::reliance::{GroupReadouts, Reliance, group_value};
use niche_model::sampling::Sampling;
use niche_model::targets::{Direction, Effect, SeedTargets};
use niche_stats::ttest::unpaired;
use serde::Serialize;

pub use niche_model::validate::Validation;

use crate::analyze::{EffectEstimate, Results, analyze, analyze_values};
use crate::error::{Error, Result};
use crate::study::Study;

/// The test the seed paper most likely used per readout (targets-file table name): Student's t for
/// the flow CXCR4 MFI (the paper reports means ± SD; `niche stats audit` finds no test and equal n
/// that reproduces its CXCR4 P values to their printed precision, so this is a choice, not a
/// finding), Mann–Whitney for CXCL12 and apoptosis (P = 0.0079 is the exact two-sided minimum for
/// 5 vs 5), and a paired t test on log ratios for the blots.
pub const SEED_TESTS: [(&str, &str); 4] = [
    ("cxcr4_mfi", "t"),
    ("cxcl12_ng", "mann_whitney"),
    ("apoptosis_percent", "mann_whitney"),
    ("western", "log_ratio"),
];

/// Log-normal donor parameters of the virtual lab (for reports).
pub const DONOR_PARAMETERS: usize = niche_model::donors::DONOR_PARAMETERS.len();

/// Parameters of the between-experiment variance function (for reports).
pub const VARIANCE_PARAMETERS: usize = niche_model::residual::VarianceFunction::PARAMETERS;

/// The seed study's five readouts: the model computes each, the generated study file declares
/// each under [`SeedReadout::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedReadout {
    /// CXCR4-PE MFI of CD45+CD19+ blasts over the isotype tube's.
    Cxcr4Mfi,
    /// Early + late apoptotic % of lymphoblasts.
    ApoptosisPercent,
    /// CXCL12 in the supernatant, ng/mL.
    Cxcl12NgPerMl,
    /// Bax over GAPDH, relative to the blot's reference lanes.
    Bax,
    /// Bcl-2 over GAPDH, relative to the blot's reference lanes.
    Bcl2,
}

/// Shorter name inside this module.
use SeedReadout as Readout;

impl SeedReadout {
    /// All five in report order.
    pub const ALL: [SeedReadout; 5] = [
        SeedReadout::Cxcl12NgPerMl,
        SeedReadout::Cxcr4Mfi,
        SeedReadout::ApoptosisPercent,
        SeedReadout::Bax,
        SeedReadout::Bcl2,
    ];

    /// The readout id in the generated study file and in `results.json`.
    pub fn name(self) -> &'static str {
        match self {
            SeedReadout::Cxcr4Mfi => "cxcr4_mfi",
            SeedReadout::ApoptosisPercent => "apoptosis_percent",
            SeedReadout::Cxcl12NgPerMl => "cxcl12_ng_per_ml",
            SeedReadout::Bax => "bax",
            SeedReadout::Bcl2 => "bcl2",
        }
    }

    /// The `[[readout]]` table of the generated study file: what the seed protocol measures
    /// (CD45+CD19+ CXCR4-PE median over the isotype tube's; early + late apoptotic of
    /// lymphoblasts; CXCL12 ELISA; Bax and Bcl-2 over GAPDH), with the paper's axis labels.
    pub fn table(self) -> &'static str {
        match self {
            SeedReadout::Cxcr4Mfi => {
                "kind = \"mfi_ratio\"\nlabel = \"CXCR4 MFI (ratio to isotype)\"\npopulation = \"CD45+CD19+\"\nmarker = \"CXCR4\"\nstatistic = \"median\"\ntube = \"stained\"\nreference = \"isotype\""
            }
            SeedReadout::ApoptosisPercent => {
                "kind = \"percent\"\nlabel = \"Apoptosis (%)\"\npopulation = \"Apoptotic\"\nparent = \"Lymphoblasts\"\ntube = \"apoptosis\""
            }
            SeedReadout::Cxcl12NgPerMl => {
                "kind = \"elisa\"\nlabel = \"CXCL12 (ng/mL)\"\nanalyte = \"CXCL12\"\nunit = \"ng/mL\""
            }
            SeedReadout::Bax => {
                "kind = \"blot\"\nlabel = \"Bax / GAPDH (fold)\"\ntarget = \"Bax\"\nloading_control = \"GAPDH\""
            }
            SeedReadout::Bcl2 => {
                "kind = \"blot\"\nlabel = \"Bcl-2 / GAPDH (fold)\"\ntarget = \"Bcl-2\"\nloading_control = \"GAPDH\""
            }
        }
    }
}

/// The seed readout of a targets-file table name (`cxcl12_ng` → CXCL12, `bax`, `bcl2`, …).
pub fn readout_of_table(table: &str) -> Option<Readout> {
    Some(match table {
        "cxcr4_mfi" => Readout::Cxcr4Mfi,
        "cxcl12_ng" => Readout::Cxcl12NgPerMl,
        "apoptosis_percent" => Readout::ApoptosisPercent,
        "bax" => Readout::Bax,
        "bcl2" => Readout::Bcl2,
        _ => return None,
    })
}

/// The model's value of a study readout.
fn model_value(readout: Readout, r: &niche_model::Readouts) -> f64 {
    match readout {
        Readout::Cxcr4Mfi => r.cxcr4_mfi,
        Readout::Cxcl12NgPerMl => r.cxcl12_ng_per_ml,
        Readout::ApoptosisPercent => r.apoptosis_percent,
        Readout::Bax => r.bax,
        Readout::Bcl2 => r.bcl2,
    }
}

/// What a reproduced number stands on, weakest first: a record's basis is the weakest of
/// everything it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Taken from the paper (the cohort's distribution): reproducing it shows nothing.
    Input,
    /// True by the model's construction: no parameter moves it, or (for a direction) no parameter
    /// alone reverses it.
    Structural,
    /// Rests on a calibration target or on a parameter set by hand to the paper.
    Fitted,
    /// Out of sample: no calibration target of its own and no parameter set by hand to the paper;
    /// it rests on parameters calibrated to other numbers.
    Predicted,
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Basis::Input => "input",
            Basis::Structural => "structural",
            Basis::Fitted => "fitted",
            Basis::Predicted => "predicted",
        })
    }
}

/// Where a record's spread comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variance {
    /// A published SD entered it (the donors' σ and the residual are fitted to the paper's SDs;
    /// the cohort is drawn with the published SD).
    Paper,
    /// Only from cited sources not fitted to the seed.
    Model,
    /// No spread enters it.
    None,
}

/// One published number beside its reproduction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// The published number's id ([`niche_model::targets`]), shared with `niche model fit`.
    pub id: String,
    /// Group (or cohort).
    pub group: String,
    /// What was measured (`cxcr4_mfi`, `apoptosis_percent P vs coculture`, …).
    pub readout: String,
    /// The paper's value (number, P, or direction as text).
    pub published: String,
    /// niche's value.
    pub reproduced: String,
    /// What the reproduction stands on.
    pub basis: Basis,
    /// The targets and parameters it stands on.
    pub uses: Vec<String>,
    /// Where its spread comes from.
    pub variance: Variance,
    /// The criterion (or, for fitted means, the score).
    pub criterion: String,
    /// Whether it passes its criterion; none for fitted means, which are scored ([`Record::z`]).
    pub pass: Option<bool>,
    /// Fitted means: (reproduced − published) / SEM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub z: Option<f64>,
    /// Fitted means: whether the reproduced mean is nearer its own group's published mean than
    /// any other group's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_own_group: Option<bool>,
    /// Comparisons: the reproduced effect with its 95 % CI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<EffectEstimate>,
    /// Blots: how likely the published verdict is at other replicate CVs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cv_sensitivity: Vec<CvVerdict>,
    /// How the record fared over independent replications (`niche reproduce --repeats`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicated: Option<Replicated>,
}

impl Record {
    /// Whether the record counts as reproduced: its pass rate over the replications when they
    /// ran (at least half), else this run's pass; fitted means count when nearest their own group.
    pub fn reproduced(&self) -> Option<bool> {
        match self.replicated {
            Some(r) if r.repeats > 0 => Some(2 * r.passes >= r.repeats),
            _ => self.pass.or(self.nearest_own_group),
        }
    }
}

/// The probability of the published blot verdict at one replicate CV.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CvVerdict {
    /// Coefficient of variation of a normalised band between replicate blots.
    pub cv: f64,
    /// Probability that the blots' test gives the published verdict.
    pub probability: f64,
}

/// The CVs of the blot sensitivity row.
pub const BLOT_CVS: [f64; 6] = [0.05, 0.10, 0.20, 0.30, 0.40, 0.50];

/// One record over independent replications of the whole study.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Replicated {
    /// Replications in which it passed (fitted means: in which the reproduced mean was nearest its
    /// own group's published mean).
    pub passes: usize,
    /// Replications run.
    pub repeats: usize,
    /// `passes / repeats`.
    pub rate: f64,
    /// Fitted means: the median |z| over the replications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_abs_z: Option<f64>,
}

/// The virtual cohort of Figure 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    /// CXCR4 MFI of newly diagnosed patients.
    pub newly_diagnosed: Vec<f64>,
    /// CXCR4 MFI of relapsed/refractory patients.
    pub relapsed_refractory: Vec<f64>,
    /// Unpaired t test P.
    pub p: f64,
    /// The cohort's raw files and study file, relative to `raw/`.
    pub files: Vec<String>,
}

/// What `reproduce` produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reproduction {
    /// The analysis of the simulated study.
    pub results: Results,
    /// The virtual cohort.
    pub cohort: Cohort,
    /// One record per published number.
    pub records: Vec<Record>,
    /// The lab's manifest.
    pub manifest: Manifest,
    /// The between-experiment variance function and its account of every published SD.
    pub variance: niche_model::residual::VarianceFit,
    /// Which tests and group sizes reproduce the published P values.
    pub audit: niche_stats::audit::Audit,
    /// How well the model predicts (`niche model validate`), when it was run.
    pub validation: Option<Validation>,
}

/// The records counted by basis: the reproduction's headline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// Fitted means (calibration targets).
    pub fitted_means: usize,
    /// Their median |z| (over the replications when they ran, else this run).
    pub fitted_median_abs_z: f64,
    /// Other fitted records (comparisons and directions resting on fitted means or hand-set
    /// parameters), and how many of them are reproduced.
    pub fitted_relations: (usize, usize),
    /// Records whose reproduction is an input from the paper.
    pub inputs: usize,
    /// Records true by construction.
    pub structural: usize,
    /// Predicted records, and how many of them are reproduced.
    pub predicted: (usize, usize),
    /// Independent replications behind the counts (0: this run alone).
    pub repeats: usize,
}

impl Headline {
    /// Counts the records.
    pub fn of(records: &[Record]) -> Headline {
        let by = |b: Basis| records.iter().filter(move |r| r.basis == b);
        let reproduced = |it: &mut dyn Iterator<Item = &Record>| {
            let v: Vec<&Record> = it.collect();
            (v.len(), v.iter().filter(|r| r.reproduced() == Some(true)).count())
        };
        let means: Vec<&Record> = by(Basis::Fitted).filter(|r| r.z.is_some()).collect();
        let abs_z: Vec<f64> =
            means.iter().filter_map(|r| r.replicated.and_then(|x| x.median_abs_z).or(r.z.map(f64::abs))).collect();
        let median = median(abs_z).unwrap_or(f64::NAN);
        Headline {
            fitted_means: means.len(),
            fitted_median_abs_z: median,
            fitted_relations: reproduced(&mut by(Basis::Fitted).filter(|r| r.z.is_none())),
            inputs: by(Basis::Input).count(),
            structural: by(Basis::Structural).count(),
            predicted: reproduced(&mut by(Basis::Predicted)),
            repeats: records.iter().find_map(|r| r.replicated).map_or(0, |r| r.repeats),
        }
    }

    /// The counts in plain words.
    pub fn sentence(&self) -> String {
        let over = if self.repeats > 0 {
            format!(" in at least half of {} replications", self.repeats)
        } else {
            String::new()
        };
        let predicted = match self.predicted {
            (0, _) => "none (nothing the model reproduces here is out of sample)".to_string(),
            (m, k) => format!("{k} of {m} reproduced{over}"),
        };
        format!(
            "fitted: {} means (calibration targets), median |z| {:.2}, and {} relations resting on them or on \
             hand-set parameters, {} reproduced{over}; inputs: {}; structural: {}; predicted: {predicted}",
            self.fitted_means,
            self.fitted_median_abs_z,
            self.fitted_relations.0,
            self.fitted_relations.1,
            self.inputs,
            self.structural,
        )
    }
}

/// The built-in gating (as the study file names it) and the `[panel]` of the seed study's markers
/// on an instrument's channels: the FACSCalibur's heights (CXCR4-PE on FL2-H, Annexin V-FITC on
/// FL1-H, PI on FL3-H) or the Fortessa's areas (PE-A, FITC-A, PerCP-Cy5-5-A).
pub fn instrument_gating_and_panel(instrument: Instrument) -> (&'static str, [(&'static str, &'static str); 3]) {
    match instrument {
        Instrument::FacsCalibur => ("builtin:seed", [("CXCR4", "FL2-H"), ("Annexin V", "FL1-H"), ("PI", "FL3-H")]),
        Instrument::Fortessa => {
            ("builtin:seed-fortessa", [("CXCR4", "PE-A"), ("Annexin V", "FITC-A"), ("PI", "PerCP-Cy5-5-A")])
        }
    }
}

/// Writes the study file for a lab run (paths relative to the lab's directory): the gating and
/// panel of the run's instrument ([`instrument_gating_and_panel`]), the groups with the paper's
/// labels, every file of the manifest, and one comparison per published P value and blot
/// direction, with the paper's test ([`SEED_TESTS`]). The readouts are the same on every
/// instrument: the panel maps their markers to its channels.
pub fn study_file(manifest: &Manifest, targets: &SeedTargets) -> String {
    study_text(manifest, targets, "niche reproduce", "Seed study, reproduced by niche")
}

/// The study file `niche lab run` writes beside its files (`study.toml`): as [`study_file`], for
/// any design — a cohort's wells by donor (`donor = "P01"`), every ELISA plate and blot, and the
/// paper's comparisons between the groups the design has.
pub fn lab_study_file(manifest: &Manifest, targets: &SeedTargets) -> String {
    study_text(manifest, targets, "niche lab run", "Virtual lab study")
}

fn study_text(manifest: &Manifest, targets: &SeedTargets, generator: &str, name: &str) -> String {
    let mut s = format!("# Generated by `{generator}` from the virtual lab's manifest.json.\n");
    let (gating, panel) = instrument_gating_and_panel(manifest.design.instrument);
    let _ = writeln!(
        s,
        "schema_version = {}\nname = \"{name} (virtual lab, seed {}{})\"\nalpha = {}\ngating = \"{gating}\"\n",
        crate::study::SCHEMA_VERSION,
        manifest.seed,
        match manifest.design.instrument {
            Instrument::FacsCalibur => String::new(),
            other => format!(", {other}"),
        },
        targets.alpha()
    );
    s.push_str("[panel]\n");
    for (marker, channel) in panel {
        let _ = writeln!(s, "{} = {}", crate::study::toml_key(marker), crate::study::toml_string(channel));
    }
    s.push('\n');
    for g in &manifest.design.groups {
        let _ = writeln!(s, "{}", group_table(g, targets.group(&g.id).map_or(g.label(), |t| t.label.as_str())));
    }
    for r in Readout::ALL {
        let _ = writeln!(s, "[[readout]]\nid = \"{}\"\n{}\n", r.name(), r.table());
    }
    let mut wells: Vec<(&str, usize, Option<&str>)> = manifest
        .files
        .iter()
        .filter(|f| f.assay == Assay::Flow)
        .filter_map(|f| Some((f.group.as_deref()?, f.replicate?, f.donor.as_deref())))
        .collect();
    wells.dedup();
    for (group, replicate, donor) in wells {
        let tubes: Vec<String> = manifest
            .files
            .iter()
            .filter(|f| f.assay == Assay::Flow && f.group.as_deref() == Some(group) && f.replicate == Some(replicate))
            .map(|f| {
                let key = match f.tube {
                    Some("cxcr4") => "stained",
                    Some("isotype") => "isotype",
                    _ => "apoptosis",
                };
                format!("{key} = \"{}\"", f.path)
            })
            .collect();
        let subject = match donor {
            Some(d) => format!("donor = {}", crate::study::toml_string(d)),
            None => format!("replicate = {replicate}"),
        };
        let _ = writeln!(s, "[[flow]]\ngroup = \"{group}\"\n{subject}\ntubes = {{ {} }}\n", tubes.join(", "));
    }
    for f in manifest.files.iter() {
        // a study file's [[elisa]] and [[blot]] tables are named as the assays are
        let key = match f.assay {
            Assay::Elisa => "plate",
            Assay::Blot => "image",
            Assay::Flow => continue,
        };
        let _ = writeln!(
            s,
            "[[{}]]\n{key} = \"{}\"\nlayout = \"{}\"\n",
            f.assay,
            f.path,
            f.layout.as_deref().unwrap_or("")
        );
    }
    let test_of = |table: &str| SEED_TESTS.iter().find(|(t, _)| *t == table).map_or("t", |(_, test)| test);
    let mut comparisons: Vec<(Readout, String, String, &str)> = targets
        .comparisons()
        .into_iter()
        .filter_map(|c| Some((readout_of_table(c.readout)?, c.group, c.reference, test_of(c.readout))))
        .collect();
    comparisons.extend(
        targets
            .directions()
            .into_iter()
            .filter_map(|d| Some((readout_of_table(d.protein)?, d.group, d.reference, test_of("western")))),
    );
    let present = |g: &str| manifest.design.groups.iter().any(|x| x.id == g);
    comparisons.retain(|(_, group, reference, _)| present(group) && present(reference));
    for (readout, group, reference, test) in comparisons {
        let _ = writeln!(
            s,
            "[[comparison]]\nreadout = \"{}\"\ngroup = \"{group}\"\nreference = \"{reference}\"\ntest = \"{test}\"\n",
            readout.name()
        );
    }
    s
}

/// A `[[group]]` table with its treatments inline (`treatments = { vincristine = "1 umol/L" }`).
pub fn group_table(g: &niche_model::treatment::Group, label: &str) -> String {
    use crate::study::{toml_key as key, toml_string as quote};
    let mut s = format!("[[group]]\nid = {}\nlabel = {}\n", quote(&g.id), quote(label));
    if let Some(c) = &g.coculture {
        let _ = writeln!(s, "coculture = {}", quote(c));
    }
    if !g.treatments.is_empty() {
        let doses: Vec<String> =
            g.treatments.iter().map(|(name, dose)| format!("{} = {}", key(name), quote(&dose.to_string()))).collect();
        let _ = writeln!(s, "treatments = {{ {} }}", doses.join(", "));
    }
    s
}

/// What the records of a reproduction stand on: the published numbers, the calibration targets
/// and which parameters move each model quantity. Computed once per reproduction (about 150 short
/// simulations) and shared by its replications.
pub struct Grounds {
    targets: &'static SeedTargets,
    calibration: Vec<niche_model::calibrate::Target>,
    reliance: Reliance,
    /// Donors and the between-experiment variance function, fitted once for every run.
    variance: (niche_model::donors::Variability, niche_model::residual::VarianceFit),
    audit: niche_stats::audit::Audit,
}

impl Grounds {
    /// The seed paper's targets and the calibrated model's reliance on its parameters.
    pub fn seed() -> Result<Grounds> {
        Ok(Grounds {
            targets: niche_model::targets::seed()?,
            calibration: niche_model::calibrate::seed_targets()?,
            reliance: Reliance::of(&Parameters::default())?,
            variance: niche_lab::wells::variance_structure(&Parameters::default())?,
            audit: niche_stats::audit::audit(&niche_model::targets::seed()?.audit_checks()?)
                .map_err(|source| Error::Statistics { what: "audit of the published P values".into(), source })?,
        })
    }

    /// The calibration target of a readout in a group (its id), if there is one.
    fn target(&self, readout: Readout, group: &str) -> Option<&str> {
        self.calibration
            .iter()
            .find(|t| t.group == group && readout_of_table(t.readout.table()) == Some(readout))
            .map(|t| t.id.as_str())
    }

    /// What a model quantity of the given group readouts stands on: calibration targets of those
    /// readouts, or else the hand-set parameters that move it; nothing at all → structural. For a
    /// direction (`direction`: the quantity's sign is what is compared), a sign no parameter
    /// reverses ([`Reliance::direction_is_fixed`]) is noted, and makes an otherwise predicted
    /// record structural.
    fn stands_on(
        &self,
        parts: &[(Readout, &str)],
        direction: bool,
        quantity: impl Fn(&GroupReadouts) -> Option<f64>,
    ) -> (Basis, Vec<String>) {
        let rests_on = self.reliance.rests_on(&quantity);
        if rests_on.is_empty() {
            return (Basis::Structural, vec!["the model's structure (no parameter moves it)".into()]);
        }
        let mut uses: Vec<String> = parts.iter().filter_map(|(r, g)| self.target(*r, g)).map(String::from).collect();
        uses.extend(
            rests_on
                .iter()
                .filter(|(_, kind)| *kind == ParameterKind::SetToSeed)
                .map(|(n, _)| format!("{n} (set by hand)")),
        );
        let fixed = direction && self.reliance.direction_is_fixed(&quantity);
        let basis = match (uses.is_empty(), fixed) {
            (false, _) => Basis::Fitted,
            (true, true) => Basis::Structural,
            (true, false) => Basis::Predicted,
        };
        if fixed {
            uses.push("its direction is the model's structure: no parameter alone (×0.01 to ×100) reverses it".into());
        }
        if basis == Basis::Predicted {
            uses.push("out of sample: parameters calibrated to other targets".into());
        }
        (basis, uses)
    }
}

/// What `niche reproduce` runs: the seed study at these settings, `repeats` replications of it,
/// and the model's validation when `validate` is set.
#[derive(Debug, Clone, Copy)]
pub struct RunSettings {
    /// Events per FCS tube.
    pub events: usize,
    /// Seed of the run (replication k uses seed + k).
    pub seed: u64,
    /// How the run's replicates are drawn (replications always draw at random).
    pub sampling: Sampling,
    /// The cytometer the tubes are measured on.
    pub instrument: Instrument,
    /// Independent replications (0: none).
    pub repeats: usize,
    /// Whether to validate the model ([`niche_model::validate::validate`]).
    pub validate: bool,
}

/// The whole of `niche reproduce` but the report: the [`Grounds::seed`], [`reproduce`] into
/// `dir`, then [`replicate`] (`progress` reports the run, `replications` the replications), with
/// the model's validation on a thread and a rayon pool of its own beside all three: it needs only
/// the design's replicates per group, and the cores share the work. It starts first, so that its
/// refits fill the core the grounds' serial simulations leave idle.
pub fn run(
    dir: &Path,
    settings: &RunSettings,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
    replications: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<Reproduction> {
    let RunSettings { events, seed, sampling, instrument, repeats, validate } = *settings;
    let flow_replicates = Design::seed().replicates.flow;
    let (run, validation) = std::thread::scope(|scope| {
        let validation = validate.then(|| {
            scope.spawn(move || {
                // a pool of its own: its refits are long jobs that would otherwise hold the shared
                // pool's threads while the run's short ones queue behind them, leaving a core idle;
                // with two pools the operating system shares the cores between them
                match rayon::ThreadPoolBuilder::new().num_threads(rayon::current_num_threads()).build() {
                    Ok(pool) => pool.install(|| niche_model::validate::validate(flow_replicates)),
                    Err(_) => niche_model::validate::validate(flow_replicates),
                }
            })
        });
        let run = Grounds::seed().and_then(|grounds| {
            let mut r = reproduce(&grounds, dir, events, seed, sampling, instrument, progress)?;
            if repeats > 0 {
                replicate(&grounds, dir, events, seed, instrument, repeats, &mut r.records, replications)?;
            }
            Ok(r)
        });
        // a panic in the validation is a bug: it surfaces as it would on this thread
        let validation =
            validation.map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        (run, validation)
    });
    let mut reproduction = run?;
    reproduction.validation = validation.transpose()?;
    Ok(reproduction)
}

/// Runs the seed study: lab into `dir/raw` (its flow tubes measured on `instrument`), the
/// generated study file, the analysis, the cohort and the comparison with the paper, on the
/// `grounds` of [`Grounds::seed`].
pub fn reproduce(
    grounds: &Grounds,
    dir: &Path,
    events: usize,
    seed: u64,
    sampling: Sampling,
    instrument: Instrument,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<Reproduction> {
    reproduce_with(grounds, dir, events, seed, sampling, instrument, true, progress)
}

/// [`reproduce`], drawing the analysis's figures only when `figures` is set (replications
/// keep only their records).
#[allow(clippy::too_many_arguments)]
fn reproduce_with(
    grounds: &Grounds,
    dir: &Path,
    events: usize,
    seed: u64,
    sampling: Sampling,
    instrument: Instrument,
    figures: bool,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<Reproduction> {
    let design = Design { events, sampling, instrument, ..Design::seed() };
    let raw = dir.join("raw");
    let (manifest, _truth) = niche_lab::run::run_with(&design, seed, &raw, &grounds.variance)?;
    let study_path = raw.join("study.toml");
    niche_lab::run::write_atomic(&study_path, study_file(&manifest, grounds.targets).as_bytes())?;
    let study = Study::open(&study_path)?;
    let results = if figures { analyze(&study, progress)? } else { analyze_values(&study, progress)? };
    let cohort = cohort(&raw, seed, sampling, instrument, events, progress)?;
    let records = compare(grounds, &results, &cohort, &design)?;
    Ok(Reproduction {
        results,
        cohort,
        records,
        manifest,
        variance: grounds.variance.1.clone(),
        audit: grounds.audit.clone(),
        validation: None,
    })
}

impl Reproduction {
    /// Every raw file the run in `dir` wrote and read back: `raw/study.toml`, each lab file and
    /// its layout in manifest order, then the cohort's tubes.
    pub fn input_files(&self, dir: &Path) -> Vec<std::path::PathBuf> {
        let raw = dir.join("raw");
        let mut inputs = vec![raw.join("study.toml")];
        inputs.extend(
            self.manifest
                .files
                .iter()
                .flat_map(|f| std::iter::once(raw.join(&f.path)).chain(f.layout.as_ref().map(|l| raw.join(l)))),
        );
        inputs.extend(self.cohort.files.iter().map(|f| raw.join(f)));
        inputs
    }
}

/// Replicates the whole study `repeats` times with independent draws (random sampling, seeds
/// `seed + 1 … seed + repeats`), each in a scratch directory of its own under `dir` that is
/// removed after it, and records in `records` how often each published number passed (fitted
/// means: how often the reproduced mean was nearest its own group's, and the median |z|): the odds
/// that a lab repeating the study (same design and instrument, this model's biology) sees what the
/// paper saw.
///
/// Replications run side by side on the rayon pool: each is a function of its seed alone, so the
/// counts are the same as one after the other (they are added up in replication order), and a
/// replication's serial steps (its study file, its cohort's model runs, the analysis between
/// parallel stages) no longer leave a core idle. `progress` counts finished replications.
#[allow(clippy::too_many_arguments)]
pub fn replicate(
    grounds: &Grounds,
    dir: &Path,
    events: usize,
    seed: u64,
    instrument: Instrument,
    repeats: usize,
    records: &mut [Record],
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<()> {
    use rayon::prelude::*;
    let scratch = dir.join("replication_scratch");
    let remove = |path: &Path| -> Result<()> {
        if path.exists() {
            std::fs::remove_dir_all(path).map_err(|source| Error::Write { path: path.to_path_buf(), source })?;
        }
        Ok(())
    };
    remove(&scratch)?;
    progress(0, repeats, &format!("replication 1 of {repeats}"));
    // finished replications, counted and reported under one lock so the count never steps back
    let finished = std::sync::Mutex::new(0usize);
    // per replication, per record: (passed, |z|)
    let outcomes: Vec<Vec<(bool, Option<f64>)>> = (1..=repeats)
        .into_par_iter()
        .map(|k| {
            let own = scratch.join(k.to_string());
            let r = reproduce_with(
                grounds,
                &own,
                events,
                seed.wrapping_add(k as u64),
                Sampling::Random,
                instrument,
                false,
                &|_, _, _| {},
            )?;
            remove(&own)?;
            {
                let mut count = finished.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                *count += 1;
                progress(*count, repeats, &format!("{} of {repeats} replications done", *count));
            }
            Ok(records
                .iter()
                .map(|record| match r.records.iter().find(|x| x.id == record.id) {
                    Some(same) => (same.pass.or(same.nearest_own_group) == Some(true), same.z.map(f64::abs)),
                    None => (false, None),
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    remove(&scratch)?;
    progress(repeats, repeats, "replications done");
    for (i, record) in records.iter_mut().enumerate() {
        let passes = outcomes.iter().filter(|o| o[i].0).count();
        let median_abs_z = median(outcomes.iter().filter_map(|o| o[i].1).collect());
        let rate = if repeats > 0 { passes as f64 / repeats as f64 } else { f64::NAN };
        record.replicated = Some(Replicated { passes, repeats, rate, median_abs_z });
    }
    Ok(())
}

/// The virtual cohort of Figure 1 through the lab: patients whose CXCR4 MFI is drawn from the
/// published means and SDs ([`niche_model::scan::cohort`]), each patient's blasts written as a
/// CXCR4 and an isotype tube by the virtual cytometer into `raw/cohort/` ([`niche_lab::cohort`]),
/// read through a study file of their own (`raw/cohort/study.toml`: the two cohorts as groups,
/// patients `ND01`… and `RR01`… as donors, the seed's CXCR4 readout) and measured like the
/// co-culture wells. The records made from it stay `input`: the distribution is the paper's.
pub fn cohort(
    raw: &Path,
    seed: u64,
    sampling: Sampling,
    instrument: Instrument,
    events: usize,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<Cohort> {
    let patients = niche_model::scan::cohort(&Parameters::default(), None, seed, sampling)?;
    let mut counts = std::collections::BTreeMap::new();
    let drawn: Vec<niche_lab::cohort::CohortPatient> = patients
        .iter()
        .map(|p| {
            let n = counts.entry(p.cohort).or_insert(0usize);
            *n += 1;
            let prefix = if p.cohort == "newly_diagnosed" { "ND" } else { "RR" };
            niche_lab::cohort::CohortPatient {
                cohort: p.cohort.to_string(),
                donor: format!("{prefix}{:02}", *n),
                cxcr4_mfi: p.cxcr4_mfi,
            }
        })
        .collect();
    let dir = raw.join("cohort");
    let files = niche_lab::cohort::write_cohort(&drawn, instrument, events, seed, &dir)?;
    let study_path = dir.join("study.toml");
    niche_lab::run::write_atomic(&study_path, cohort_study_file(&files, instrument, seed).as_bytes())?;
    let study = Study::open(&study_path)?;
    // the cohort's numbers only: the report draws no figure of its tubes
    let results = analyze_values(&study, progress)?;
    let of = |name: &str| results.summary("cxcr4_mfi", name).map_or_else(Vec::new, |s| s.values.clone());
    let (nd, rr) = (of("newly_diagnosed"), of("relapsed_refractory"));
    let p = unpaired(&rr, &nd, false).map_err(|source| Error::Statistics { what: "cohort CXCR4".into(), source })?.p;
    let mut files: Vec<String> = files.into_iter().map(|f| format!("cohort/{}", f.path)).collect();
    files.push("cohort/study.toml".into());
    Ok(Cohort { newly_diagnosed: nd, relapsed_refractory: rr, p, files })
}

/// The cohort's study file: the two cohorts as groups, each patient a donor with a CXCR4 and an
/// isotype tube, the seed's CXCR4 MFI readout, and Figure 1's unpaired t test.
fn cohort_study_file(files: &[niche_lab::run::FileEntry], instrument: Instrument, seed: u64) -> String {
    use crate::study::toml_string as quote;
    let (gating, panel) = instrument_gating_and_panel(instrument);
    let mut s = format!(
        "# Generated by `niche reproduce`: Figure 1's patients as the virtual cytometer's tubes.\n\
         schema_version = {}\nname = \"Figure 1 cohort (virtual lab, seed {seed})\"\ngating = \"{gating}\"\n\n[panel]\n",
        crate::study::SCHEMA_VERSION
    );
    for (marker, channel) in panel {
        let _ = writeln!(s, "{} = {}", crate::study::toml_key(marker), quote(channel));
    }
    s.push_str("\n[[group]]\nid = \"newly_diagnosed\"\nlabel = \"Newly diagnosed\"\n\n");
    s.push_str("[[group]]\nid = \"relapsed_refractory\"\nlabel = \"R/R\"\n\n");
    let _ = writeln!(s, "[[readout]]\nid = \"cxcr4_mfi\"\n{}\n", Readout::Cxcr4Mfi.table());
    for pair in files.chunks(2) {
        let [stained, isotype] = pair else { continue };
        let _ = writeln!(
            s,
            "[[flow]]\ngroup = {}\ndonor = {}\ntubes = {{ stained = {}, isotype = {} }}\n",
            quote(stained.group.as_deref().unwrap_or_default()),
            quote(stained.donor.as_deref().unwrap_or_default()),
            quote(&stained.path),
            quote(&isotype.path)
        );
    }
    s.push_str("[[comparison]]\nreadout = \"cxcr4_mfi\"\ngroup = \"relapsed_refractory\"\nreference = \"newly_diagnosed\"\ntest = \"t\"\n");
    s
}

/// The median of the finite values (a group without values has a NaN z), if there are any.
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    niche_stats::quantile_type7(&values, 0.5).ok()
}

fn mean_of(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 { format!("{v:.2}") } else { format!("{v:.3}") }
}

/// Sets every published number beside the reproduction (see the module docs for the criteria).
pub fn compare(grounds: &Grounds, results: &Results, cohort: &Cohort, design: &Design) -> Result<Vec<Record>> {
    let targets = grounds.targets;
    let alpha = targets.alpha();
    let side = |p: f64| if p < alpha { format!("< {alpha}") } else { format!("≥ {alpha}") };
    let mut records = Vec::new();
    // Figure 1: inputs drawn from the published distribution
    if let Some(published) = &targets.results.cohort_cxcr4_mfi {
        for (key, arm, values) in [
            ("newly_diagnosed", published.newly_diagnosed, &cohort.newly_diagnosed),
            ("relapsed_refractory", published.relapsed_refractory, &cohort.relapsed_refractory),
        ] {
            let m = mean_of(values);
            records.push(Record {
                id: format!("cohort_cxcr4_mfi.{key}.mean"),
                group: key.into(),
                readout: "cohort cxcr4_mfi".into(),
                published: format!("{} ± {} (n = {})", arm.mean, arm.sd, arm.n),
                reproduced: fmt(m),
                basis: Basis::Input,
                uses: vec!["the published mean ± SD, as the virtual patients' distribution".into()],
                variance: Variance::Paper,
                criterion: "mean within the published SD (drawn from it)".into(),
                pass: Some((m - arm.mean).abs() <= arm.sd),
                z: None,
                nearest_own_group: None,
                effect: None,
                cv_sensitivity: vec![],
                replicated: None,
            });
        }
        let (dm, ci) =
            niche_stats::ttest::mean_difference_ci(&cohort.relapsed_refractory, &cohort.newly_diagnosed, false)
                .map_err(|source| Error::Statistics { what: "cohort CXCR4".into(), source })?;
        records.push(Record {
            id: "cohort_cxcr4_mfi.relapsed_refractory.p_vs_newly_diagnosed".into(),
            group: "relapsed_refractory".into(),
            readout: "cohort cxcr4_mfi P vs newly_diagnosed".into(),
            published: format!("{}", published.p),
            reproduced: format!(
                "P {}, Δ {} [{}, {}]",
                niche_stats::format::p_value(cohort.p),
                fmt(dm),
                fmt(ci.0),
                fmt(ci.1)
            ),
            basis: Basis::Input,
            uses: vec!["the published means ± SD of both cohorts".into()],
            variance: Variance::Paper,
            criterion: format!("P {} and R/R higher, as published", side(published.p)),
            pass: Some((cohort.p < alpha) == (published.p < alpha) && dm > 0.0),
            z: None,
            nearest_own_group: None,
            effect: Some(EffectEstimate { name: "difference of means", value: dm, ci95: ci }),
            cv_sensitivity: vec![],
            replicated: None,
        });
    }

    // Figures 2 and 3: means. The group size of each readout's assay, and where it comes from
    // when the seed design took it from the audit of the published P values.
    let n_of = |readout: Readout| {
        if readout == Readout::Cxcl12NgPerMl { design.replicates.elisa } else { design.replicates.flow }
    };
    let n_note = |readout: Readout| {
        let n = n_of(readout);
        Design::seed_n()
            .filter(|s| s.n == n)
            .map(|s| format!("{s}"))
            .unwrap_or_else(|| format!("n = {n} per group, as designed"))
    };
    for m in targets.means() {
        let Some(readout) = readout_of_table(m.readout) else { continue };
        let reproduced = results.summary(readout.name(), &m.group).map_or(f64::NAN, |s| s.mean);
        let (basis, uses) =
            grounds.stands_on(&[(readout, &m.group)], false, |g| group_value(g, &m.group, |r| model_value(readout, r)));
        let sem = m.sd / (n_of(readout) as f64).sqrt();
        let z = (reproduced - m.mean) / sem;
        let nearest = targets
            .means()
            .into_iter()
            .filter(|o| o.readout == m.readout)
            .min_by(|a, b| (a.mean - reproduced).abs().total_cmp(&(b.mean - reproduced).abs()))
            .is_some_and(|o| o.group == m.group);
        let scored = basis == Basis::Fitted;
        let mut uses = uses;
        uses.push(format!("SEM with {}", n_note(readout)));
        records.push(Record {
            id: m.id.clone(),
            group: m.group.clone(),
            readout: readout.name().into(),
            published: format!("{} ± {}", m.mean, m.sd),
            reproduced: fmt(reproduced),
            basis,
            uses,
            variance: Variance::Paper,
            criterion: if scored {
                format!(
                    "score: z = (reproduced − published)/SEM, SEM = SD/√{}; nearest its own group's mean",
                    n_of(readout)
                )
            } else {
                "nearest its own group's published mean".into()
            },
            pass: (!scored).then_some(nearest),
            z: Some(z),
            nearest_own_group: Some(nearest),
            effect: None,
            cv_sensitivity: vec![],
            replicated: None,
        });
    }
    // "undetectable"
    for u in targets.undetectable() {
        let Some(readout) = readout_of_table(u.readout) else { continue };
        let samples: Vec<_> =
            results.values.iter().filter(|v| v.readout == readout.name() && v.group == u.group).collect();
        let all_below = !samples.is_empty() && samples.iter().all(|v| v.value.is_none());
        let (basis, uses) =
            grounds.stands_on(&[(readout, &u.group)], false, |g| group_value(g, &u.group, |r| model_value(readout, r)));
        records.push(Record {
            id: u.id.clone(),
            group: u.group.clone(),
            readout: readout.name().into(),
            published: "undetectable".into(),
            reproduced: if all_below { "< LLOQ in every sample".into() } else { "detected".into() },
            basis,
            uses,
            variance: Variance::None,
            criterion: "every sample below the lowest standard".into(),
            pass: Some(all_below),
            z: None,
            nearest_own_group: None,
            effect: None,
            cv_sensitivity: vec![],
            replicated: None,
        });
    }
    // comparisons
    for c in targets.comparisons() {
        let Some(readout) = readout_of_table(c.readout) else { continue };
        let found = results.comparison(readout.name(), &c.group, &c.reference);
        let rp = found.and_then(|x| x.p);
        let difference = found.map(|x| x.mean - x.reference_mean);
        let sign_ok = c.sign == 0 || difference.is_some_and(|d| d * f64::from(c.sign) > 0.0);
        let pass = rp.is_some_and(|rp| (rp < alpha) == (c.p < alpha)) && sign_ok;
        let (basis, mut uses) = grounds.stands_on(&[(readout, &c.group), (readout, &c.reference)], c.sign != 0, |g| {
            Some(
                group_value(g, &c.group, |r| model_value(readout, r))?
                    - group_value(g, &c.reference, |r| model_value(readout, r))?,
            )
        });
        // a relation calibration fitted ("not different") stands on its own target
        let (basis, uses) = if grounds.calibration.iter().any(|t| t.id == c.id) {
            uses.insert(0, c.id.clone());
            (Basis::Fitted, uses)
        } else {
            (basis, uses)
        };
        let mut uses = uses;
        uses.push(n_note(readout));
        let means = match (targets.mean(c.readout, &c.group), targets.mean(c.readout, &c.reference)) {
            (Some(a), Some(b)) => format!(" ({} vs {})", a.mean, b.mean),
            _ => String::new(),
        };
        let effect = found.and_then(|x| x.effect.clone());
        let direction = match (c.effect, c.sign) {
            (Effect::NotDifferent, _) | (_, 0) => String::new(),
            (_, s) if s > 0 => " and the group higher".into(),
            _ => " and the group lower".into(),
        };
        records.push(Record {
            id: c.id.clone(),
            group: c.group.clone(),
            readout: format!("{} P vs {}", readout.name(), c.reference),
            published: match &c.relation {
                Some(r) => format!("{} ({r})", c.p),
                None => format!("{}{means}", c.p),
            },
            reproduced: format!(
                "P {}{}",
                rp.map_or("–".into(), niche_stats::format::p_value),
                effect.as_ref().map_or(String::new(), |e| format!(
                    ", Δ {} [{}, {}]",
                    fmt(e.value),
                    fmt(e.ci95.0),
                    fmt(e.ci95.1)
                ))
            ),
            basis,
            uses,
            variance: Variance::Paper,
            criterion: format!("P {}{direction}, as published", side(c.p)),
            pass: Some(pass),
            z: None,
            nearest_own_group: None,
            effect,
            cv_sensitivity: vec![],
            replicated: None,
        });
    }
    // Figure 3C: blot directions by a paired t test on log ratios
    for d in targets.directions() {
        let Some(readout) = readout_of_table(d.protein) else { continue };
        let found = results.comparison(readout.name(), &d.group, &d.reference);
        let p = found.and_then(|x| x.p);
        let log_ratio = found.and_then(|x| x.effect.as_ref()).map(|e| e.value);
        let seen = match (p, log_ratio) {
            (Some(p), Some(l)) if p < alpha && l > 0.0 => Some(Direction::Up),
            (Some(p), Some(l)) if p < alpha && l < 0.0 => Some(Direction::Down),
            (Some(_), Some(_)) => Some(Direction::Unchanged),
            _ => None,
        };
        let quantity = |g: &GroupReadouts| {
            Some(
                (group_value(g, &d.group, |r| model_value(readout, r))?
                    / group_value(g, &d.reference, |r| model_value(readout, r))?)
                .ln(),
            )
        };
        let direction = d.direction != Direction::Unchanged;
        let (basis, uses) = grounds.stands_on(&[(readout, &d.group), (readout, &d.reference)], direction, quantity);
        let blots = found.map_or(0, |x| x.n.0.min(x.n.1));
        let cv_sensitivity = grounds.reliance.value(quantity).map_or_else(Vec::new, |mu| {
            BLOT_CVS
                .iter()
                .filter_map(|&cv| {
                    // two independent lanes per ratio, each log-normal with this CV
                    let sd = (2.0 * (1.0 + cv * cv).ln()).sqrt();
                    let v = niche_stats::power::one_sample_t(blots, mu, sd, alpha).ok()?;
                    let probability = match d.direction {
                        Direction::Up => v.up,
                        Direction::Down => v.down,
                        Direction::Unchanged => v.unchanged,
                    };
                    Some(CvVerdict { cv, probability })
                })
                .collect()
        });
        records.push(Record {
            id: d.id.clone(),
            group: d.group.clone(),
            readout: format!("{} vs {} (blot)", d.protein, d.reference),
            published: d.direction.to_string(),
            reproduced: match (seen, log_ratio, p) {
                (Some(seen), Some(l), Some(p)) => {
                    format!("{seen} ({:.2}×, P {})", l.exp(), niche_stats::format::p_value(p))
                }
                _ => "–".into(),
            },
            basis,
            uses,
            variance: Variance::Paper,
            criterion: format!(
                "paired t test on log ratios over {blots} blots: up or down when P < {alpha}, else unchanged{}; replicate CV {:.0} %",
                if d.direction == Direction::Unchanged {
                    " (no change detected: absence of evidence, not a test of equivalence)"
                } else {
                    ""
                },
                100.0 * design.blot_cv
            ),
            pass: Some(seen == Some(d.direction)),
            z: None,
            nearest_own_group: None,
            effect: found.and_then(|x| x.effect.clone()),
            cv_sensitivity,
            replicated: None,
        });
    }
    Ok(records)
}
