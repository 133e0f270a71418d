//! The study file (TOML) a lab writes for its experiment: groups with their treatments, the
//! readouts (what to measure, in which population, tube or assay), the raw files with their
//! group and donor or replicate, the gating, and the comparisons with their tests. Every field is
//! documented in `docs/STUDY.md`; errors name the file, the line and the field.
//!
//! ```toml
//! schema_version = 1
//! name = "CXCR4 on a Fortessa"
//! alpha = 0.05
//! gating = "gates.xml"            # Gating-ML 2.0 relative to this file, "builtin:seed" or "builtin:seed-fortessa"
//!
//! [panel]                         # marker -> channel ($PnN); else found in $PnS, then $PnN
//! CXCR4 = "PE-Cy7-A"
//!
//! [[group]]
//! id = "co_vcr"
//! label = "Co + VCR"
//! coculture = "MSC"
//! treatments = { vincristine = "1 umol/L", AMD3100 = "5 ug/mL" }
//!
//! [[readout]]
//! id = "cxcr4_mfi"
//! kind = "mfi_ratio"              # mfi | mfi_ratio | percent | elisa | blot
//! population = "CD45+CD19+"
//! marker = "CXCR4"
//! statistic = "median"            # median | mean | geometric_mean
//! tube = "stained"
//! reference = "isotype"
//!
//! [[flow]]
//! group = "co_vcr"
//! donor = "P07"                   # or replicate = 1
//! tubes = { stained = "flow/p07_covcr_cxcr4.fcs", isotype = "flow/p07_covcr_iso.fcs" }
//!
//! [[comparison]]
//! readout = "cxcr4_mfi"
//! group = "co_vcr"
//! reference = "co"
//! test = "paired_t"               # t | welch | paired_t | mann_whitney | wilcoxon | log_ratio | direction
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use niche_core::Assay;
use niche_model::treatment::Dose;
pub use niche_model::treatment::Group;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, Result};

/// The schema this version of niche reads.
pub const SCHEMA_VERSION: u32 = 1;

/// `text` as a TOML basic string, quoted and escaped (for the study files niche writes).
pub fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `key` as a TOML key: bare when it is an identifier, else quoted (`"Annexin V"`).
pub fn toml_key(key: &str) -> String {
    if Group::valid_id(key) { key.to_string() } else { toml_string(key) }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyFile {
    #[serde(default)]
    schema_version: Option<Spanned<u32>>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    alpha: Option<Spanned<f64>>,
    #[serde(default)]
    gating: Option<Spanned<String>>,
    #[serde(default)]
    panel: BTreeMap<String, Spanned<String>>,
    #[serde(rename = "group", default)]
    groups: Vec<GroupFile>,
    #[serde(rename = "readout", default)]
    readouts: Vec<ReadoutFile>,
    #[serde(default)]
    flow: Vec<FlowFile>,
    #[serde(default)]
    elisa: Vec<ElisaFile>,
    #[serde(default)]
    blot: Vec<BlotFile>,
    #[serde(rename = "comparison", default)]
    comparisons: Vec<ComparisonFile>,
    /// Replaced by `statistic` in each `[[readout]]`.
    #[serde(default)]
    mfi: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: Spanned<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    coculture: Option<Spanned<String>>,
    #[serde(default)]
    treatments: BTreeMap<String, Spanned<String>>,
    /// Replaced by `coculture`.
    #[serde(default)]
    msc: Option<Spanned<toml::Value>>,
    /// Replaced by `treatments`.
    #[serde(default)]
    vcr: Option<Spanned<toml::Value>>,
    /// Replaced by `treatments`.
    #[serde(default)]
    amd3100: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadoutFile {
    id: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    population: Option<Spanned<String>>,
    #[serde(default)]
    parent: Option<Spanned<String>>,
    #[serde(default)]
    marker: Option<Spanned<String>>,
    #[serde(default)]
    statistic: Option<Spanned<String>>,
    #[serde(default)]
    tube: Option<Spanned<String>>,
    #[serde(default)]
    reference: Option<Spanned<String>>,
    #[serde(default)]
    analyte: Option<Spanned<String>>,
    #[serde(default)]
    unit: Option<Spanned<String>>,
    #[serde(default)]
    target: Option<Spanned<String>>,
    #[serde(default)]
    loading_control: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    group: Spanned<String>,
    #[serde(default)]
    replicate: Option<Spanned<u32>>,
    #[serde(default)]
    donor: Option<Spanned<String>>,
    #[serde(default)]
    tubes: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    /// Replaced by `tubes`.
    #[serde(default)]
    stained: Option<Spanned<toml::Value>>,
    /// Replaced by `tubes`.
    #[serde(default)]
    isotype: Option<Spanned<toml::Value>>,
    /// Replaced by `tubes`.
    #[serde(default)]
    apoptosis: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ElisaFile {
    plate: Spanned<String>,
    layout: Spanned<String>,
    #[serde(default)]
    readout: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlotFile {
    image: Spanned<String>,
    layout: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComparisonFile {
    readout: Spanned<String>,
    group: Spanned<String>,
    reference: Spanned<String>,
    test: Spanned<String>,
}

/// Which statistic of a marker's values in a population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// Median.
    Median,
    /// Arithmetic mean.
    Mean,
    /// Geometric mean (of the positive values).
    GeometricMean,
}

impl Statistic {
    /// The name in files.
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Median => "median",
            Statistic::Mean => "mean",
            Statistic::GeometricMean => "geometric_mean",
        }
    }
}

/// What a readout measures and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReadoutKind {
    /// `statistic` of `marker` in `population`, in tube `tube`.
    Mfi {
        /// Gating population id.
        population: String,
        /// Marker (a `[panel]` key, a `$PnS` or a `$PnN`).
        marker: String,
        /// Statistic.
        statistic: Statistic,
        /// Tube name.
        tube: String,
    },
    /// The same statistic in tube `tube` over tube `reference` (an isotype or unstained control).
    MfiRatio {
        /// Gating population id.
        population: String,
        /// Marker.
        marker: String,
        /// Statistic.
        statistic: Statistic,
        /// The stained tube.
        tube: String,
        /// The reference tube.
        reference: String,
    },
    /// 100 × events in `population` / events in `parent` (all the tube's events when there is
    /// no parent), in tube `tube`.
    Percent {
        /// Gating population id.
        population: String,
        /// Gating population id of the denominator (none: all events).
        parent: Option<String>,
        /// Tube name.
        tube: String,
    },
    /// Concentrations read off an ELISA standard curve.
    Elisa {
        /// What the plate measures (`CXCL12`).
        analyte: String,
        /// The standards' unit (`ng/mL`).
        unit: String,
    },
    /// Band volume of `target` over `loading_control`, relative to the blot's reference lanes.
    Blot {
        /// Target name in the blot layouts.
        target: String,
        /// Loading control in the blot layouts.
        loading_control: String,
    },
}

/// One readout of the study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readout {
    /// The user's identifier (letters, digits, `_`, `-`).
    pub id: String,
    /// Axis label for figures and tables.
    pub label: String,
    /// What it measures.
    #[serde(flatten)]
    pub kind: ReadoutKind,
}

impl Readout {
    /// The flow tubes this readout reads (none for ELISA and blots).
    pub fn tubes(&self) -> Vec<&str> {
        match &self.kind {
            ReadoutKind::Mfi { tube, .. } | ReadoutKind::Percent { tube, .. } => vec![tube],
            ReadoutKind::MfiRatio { tube, reference, .. } => vec![tube, reference],
            ReadoutKind::Elisa { .. } | ReadoutKind::Blot { .. } => vec![],
        }
    }

    /// The assay the readout is read from.
    pub fn assay(&self) -> Assay {
        match self.kind {
            ReadoutKind::Elisa { .. } => Assay::Elisa,
            ReadoutKind::Blot { .. } => Assay::Blot,
            _ => Assay::Flow,
        }
    }

    /// The default label: `CXCR4 MFI (ratio to isotype)`, `Apoptotic (% of Lymphoblasts)`, …
    fn default_label(kind: &ReadoutKind) -> String {
        match kind {
            ReadoutKind::Mfi { marker, statistic, .. } => format!("{marker} {} (a.u.)", statistic.name()),
            ReadoutKind::MfiRatio { marker, reference, .. } => format!("{marker} MFI (ratio to {reference})"),
            ReadoutKind::Percent { population, parent, .. } => {
                format!("{population} (% of {})", parent.as_deref().unwrap_or("events"))
            }
            ReadoutKind::Elisa { analyte, unit } => format!("{analyte} ({unit})"),
            ReadoutKind::Blot { target, loading_control } => format!("{target} / {loading_control} (fold)"),
        }
    }
}

/// Which experiment a value comes from: a donor (the same donor's cells in several groups make
/// paired tests possible) or a replicate number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// Replicate, from 1.
    Replicate(u32),
    /// Donor or patient id.
    Donor(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Replicate(r) => write!(f, "r{r}"),
            Subject::Donor(d) => f.write_str(d),
        }
    }
}

impl Subject {
    /// The replicate number, if this is one.
    pub fn replicate(&self) -> Option<u32> {
        match self {
            Subject::Replicate(r) => Some(*r),
            Subject::Donor(_) => None,
        }
    }

    /// The donor id, if this is one.
    pub fn donor(&self) -> Option<&str> {
        match self {
            Subject::Replicate(_) => None,
            Subject::Donor(d) => Some(d),
        }
    }

    /// Reads an ELISA sample id's subject part: `r3` is replicate 3, anything else a donor.
    pub fn of_sample(text: &str) -> Subject {
        match text.strip_prefix('r').and_then(|n| n.parse().ok()) {
            Some(r) if r > 0 => Subject::Replicate(r),
            _ => Subject::Donor(text.to_string()),
        }
    }
}

/// The statistical test of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// Student's unpaired t test (Prism's default).
    T,
    /// Welch's unpaired t test.
    Welch,
    /// Paired t test on the subjects (donors or replicates) measured in both groups.
    PairedT,
    /// Two-sided Mann–Whitney, exact for small samples.
    MannWhitney,
    /// Wilcoxon signed-rank test on the subjects measured in both groups.
    Wilcoxon,
    /// Direction of the mean only (Western blots), no P.
    Direction,
    /// Paired t test on the log ratios of group to reference within each subject (Western blots:
    /// one ratio per blot, both lanes on the same membrane).
    LogRatio,
}

impl Test {
    const ALL: [(&'static str, Test); 7] = [
        ("t", Test::T),
        ("welch", Test::Welch),
        ("paired_t", Test::PairedT),
        ("mann_whitney", Test::MannWhitney),
        ("wilcoxon", Test::Wilcoxon),
        ("log_ratio", Test::LogRatio),
        ("direction", Test::Direction),
    ];

    /// Name for reports.
    pub fn label(self) -> &'static str {
        match self {
            Test::T => "unpaired t test",
            Test::Welch => "Welch's t test",
            Test::PairedT => "paired t test",
            Test::MannWhitney => "Mann–Whitney test",
            Test::Wilcoxon => "Wilcoxon signed-rank test",
            Test::Direction => "direction of the mean",
            Test::LogRatio => "paired t test on log ratios",
        }
    }

    /// Whether the test pairs values by subject.
    pub fn paired(self) -> bool {
        matches!(self, Test::PairedT | Test::Wilcoxon | Test::LogRatio)
    }
}

/// One well's flow tubes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowWell {
    /// Group id.
    pub group: String,
    /// Donor or replicate.
    #[serde(flatten)]
    pub subject: Subject,
    /// Tube name → FCS file.
    pub tubes: BTreeMap<String, PathBuf>,
}

/// An ELISA plate with its layout and the readout it measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElisaPlate {
    /// Plate-reader export.
    pub plate: PathBuf,
    /// Plate layout (TOML).
    pub layout: PathBuf,
    /// Readout id (kind `elisa`).
    pub readout: String,
}

/// A blot image with its layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlotImage {
    /// The image (TIFF, PNG).
    pub image: PathBuf,
    /// Blot layout (TOML).
    pub layout: PathBuf,
}

/// A comparison and its test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Readout id.
    pub readout: String,
    /// Group.
    pub group: String,
    /// Reference group.
    pub reference: String,
    /// Test.
    pub test: Test,
}

/// Where the gating strategy comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Gating {
    /// The seed study's strategy built into niche, for FACSCalibur files (`builtin:seed`).
    BuiltinSeed,
    /// The seed study's strategy for LSRFortessa files (`builtin:seed-fortessa`): the same
    /// population ids on FACSDiva's area channels, with a singlet gate.
    BuiltinSeedFortessa,
    /// A Gating-ML file.
    File(PathBuf),
    /// A FlowJo workspace: each tube is gated with the gates of the workspace sample that is its
    /// file (by the URI's file name or `$FIL`), or of the only sample.
    Workspace(PathBuf),
}

impl Gating {
    /// The built-in strategies as study files name them.
    pub const BUILTIN: [(&'static str, Gating); 2] =
        [("builtin:seed", Gating::BuiltinSeed), ("builtin:seed-fortessa", Gating::BuiltinSeedFortessa)];

    /// The strategy's Gating-ML text, or the workspace's XML.
    pub fn read(&self) -> Result<String> {
        match self {
            Gating::BuiltinSeed => Ok(niche_cyto::SEED_GATING_ML.to_string()),
            Gating::BuiltinSeedFortessa => Ok(niche_cyto::SEED_FORTESSA_GATING_ML.to_string()),
            Gating::File(path) | Gating::Workspace(path) => crate::read_text(path, niche_cyto::xml::MAX_BYTES as u64)
                .map_err(|e| Error::Input { path: path.clone(), source: Box::new(e.into()) }),
        }
    }

    /// The gates: one strategy, or a workspace's per sample.
    pub fn load(&self) -> Result<crate::analyze::Gates> {
        let text = self.read()?;
        let input = |e: niche_cyto::Error| Error::Input { path: self.path(), source: Box::new(e.into()) };
        Ok(match self {
            Gating::Workspace(_) => crate::analyze::Gates::Workspace(niche_cyto::flowjo::parse(&text).map_err(input)?),
            _ => crate::analyze::Gates::One(niche_cyto::gatingml::parse(&text).map_err(input)?),
        })
    }

    /// The file, or the built-in's name (`builtin:seed`, `builtin:seed-fortessa`).
    pub fn path(&self) -> PathBuf {
        match self {
            Gating::File(p) | Gating::Workspace(p) => p.clone(),
            builtin => Gating::BUILTIN.iter().find(|(_, g)| g == builtin).map_or("builtin:?", |(name, _)| name).into(),
        }
    }
}

/// A validated study; paths are resolved against the study file's directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Study {
    /// Name.
    pub name: String,
    /// Significance level.
    pub alpha: f64,
    /// Gating strategy.
    pub gating: Gating,
    /// Marker → channel (`$PnN`).
    pub panel: BTreeMap<String, String>,
    /// Groups in order.
    pub groups: Vec<Group>,
    /// Readouts in order.
    pub readouts: Vec<Readout>,
    /// Flow wells.
    pub flow: Vec<FlowWell>,
    /// ELISA plates.
    pub elisa: Vec<ElisaPlate>,
    /// Blots.
    pub blots: Vec<BlotImage>,
    /// Comparisons.
    pub comparisons: Vec<Comparison>,
    /// The study file's directory, against which its paths are resolved.
    pub root: PathBuf,
}

/// Fields of the first study schema, and what replaced them.
const REPLACED: [(&str, &str); 7] = [
    ("mfi", "`statistic` in each [[readout]] of kind \"mfi\" or \"mfi_ratio\""),
    ("msc", "coculture = \"MSC\""),
    ("vcr", "treatments = { vincristine = \"1 umol/L\" }"),
    ("amd3100", "treatments = { AMD3100 = \"5 ug/mL\" }"),
    ("stained", "tubes = { stained = \"…\", isotype = \"…\", apoptosis = \"…\" }"),
    ("isotype", "tubes = { stained = \"…\", isotype = \"…\", apoptosis = \"…\" }"),
    ("apoptosis", "tubes = { stained = \"…\", isotype = \"…\", apoptosis = \"…\" }"),
];

impl Study {
    /// `path` as the study file names it (relative to [`Study::root`] when inside it), for
    /// messages and labels that must not depend on where the study was read from.
    pub fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).display().to_string()
    }

    /// Reads and checks a study file.
    pub fn open(path: &Path) -> Result<Study> {
        let text = crate::read_text(path, crate::MAX_TEXT_BYTES)
            .map_err(|e| Error::Input { path: path.to_path_buf(), source: Box::new(e.into()) })?;
        Study::parse(&text, path)
    }

    /// The readout with id `id`.
    pub fn readout(&self, id: &str) -> Option<&Readout> {
        self.readouts.iter().find(|r| r.id == id)
    }

    /// The group with id `id`.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Parses and checks study text; `path` names the file in errors and anchors relative paths.
    /// The gating file is read to check the populations the readouts name, and for a marker that
    /// `[panel]` does not map, the first FCS file that needs it is read to find its channel.
    pub fn parse(text: &str, path: &Path) -> Result<Study> {
        Parser {
            text,
            file: path.display().to_string(),
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        }
        .study()
    }
}

/// One parse: the text for line numbers, the file's name for errors, the directory for paths.
struct Parser<'a> {
    text: &'a str,
    file: String,
    base: PathBuf,
}

impl Parser<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].matches('\n').count() + 1
    }

    fn err(&self, span: Range<usize>, field: &str, reason: impl Into<String>) -> Error {
        Error::Study {
            file: self.file.clone(),
            line: self.line(span.start),
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    fn existing(&self, s: &Spanned<String>, field: &str) -> Result<PathBuf> {
        let p = self.base.join(s.get_ref());
        if p.is_file() { Ok(p) } else { Err(self.err(s.span(), field, format!("{} does not exist", p.display()))) }
    }

    fn identifier(&self, s: &Spanned<String>, field: &str) -> Result<String> {
        let id = s.get_ref();
        if Group::valid_id(id) {
            Ok(id.clone())
        } else {
            Err(self.err(s.span(), field, format!("{id:?}: use letters, digits, '_' and '-'")))
        }
    }

    fn replaced(&self, field: &str, old: &Option<Spanned<toml::Value>>) -> Result<()> {
        let Some(value) = old else { return Ok(()) };
        let key = field.rsplit('.').next().unwrap_or(field);
        let new = REPLACED.iter().find(|(k, _)| *k == key).map_or("the schema in docs/STUDY.md", |(_, n)| n);
        Err(self.err(value.span(), field, format!("`{key}` was replaced by {new} (study schema {SCHEMA_VERSION})")))
    }

    fn study(&self) -> Result<Study> {
        let parsed: StudyFile = toml::from_str(self.text).map_err(|e| Error::Study {
            file: self.file.clone(),
            line: e.span().map_or(1, |s| self.line(s.start)),
            field: "toml".into(),
            reason: e.message().trim().replace('\n', "; "),
        })?;
        if let Some(v) = &parsed.schema_version
            && *v.get_ref() != SCHEMA_VERSION
        {
            return Err(self.err(
                v.span(),
                "schema_version",
                format!("{}: this niche reads schema {SCHEMA_VERSION}", v.get_ref()),
            ));
        }
        self.replaced("mfi", &parsed.mfi)?;
        let alpha = match &parsed.alpha {
            Some(a) if !(a.get_ref() > &0.0 && a.get_ref() < &1.0) => {
                return Err(self.err(a.span(), "alpha", format!("{} is not between 0 and 1", a.get_ref())));
            }
            Some(a) => *a.get_ref(),
            None => 0.05,
        };
        let gating = match &parsed.gating {
            None => Gating::BuiltinSeed,
            Some(g) => match Gating::BUILTIN.iter().find(|(name, _)| name == g.get_ref()) {
                Some((_, builtin)) => builtin.clone(),
                None if g.get_ref().starts_with("builtin:") => {
                    let names: Vec<&str> = Gating::BUILTIN.iter().map(|(name, _)| *name).collect();
                    return Err(self.err(
                        g.span(),
                        "gating",
                        format!(
                            "{:?} is not built in: give {}, a Gating-ML file or a FlowJo workspace",
                            g.get_ref(),
                            names.join(", ")
                        ),
                    ));
                }
                None if g.get_ref().to_ascii_lowercase().ends_with(".wsp") => {
                    Gating::Workspace(self.existing(g, "gating")?)
                }
                None => Gating::File(self.existing(g, "gating")?),
            },
        };
        let panel: BTreeMap<String, String> =
            parsed.panel.iter().map(|(marker, channel)| (marker.clone(), channel.get_ref().clone())).collect();
        let groups = self.groups(&parsed.groups)?;
        let readouts = self.readouts(&parsed.readouts)?;
        let flow = self.flow(&parsed.flow, &groups, &readouts)?;
        let elisa = self.elisa(&parsed.elisa, &readouts)?;
        let blots = parsed
            .blot
            .iter()
            .enumerate()
            .map(|(i, b)| {
                Ok(BlotImage {
                    image: self.existing(&b.image, &format!("blot[{}].image", i + 1))?,
                    layout: self.existing(&b.layout, &format!("blot[{}].layout", i + 1))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if let (Some(b), false) = (parsed.blot.first(), readouts.iter().any(|r| r.assay() == Assay::Blot)) {
            return Err(self.err(
                b.image.span(),
                "blot[1]",
                "blots need a [[readout]] of kind \"blot\" (its target and loading control)",
            ));
        }
        let comparisons = self.comparisons(&parsed.comparisons, &groups, &readouts)?;
        self.check_gating(&gating, &parsed.readouts, &readouts)?;
        self.check_markers(&panel, &parsed.readouts, &readouts, &flow)?;
        Ok(Study {
            name: parsed.name.clone().unwrap_or_else(|| self.file.clone()),
            alpha,
            gating,
            panel,
            groups,
            readouts,
            flow,
            elisa,
            blots,
            comparisons,
            root: self.base.clone(),
        })
    }

    fn groups(&self, files: &[GroupFile]) -> Result<Vec<Group>> {
        if files.is_empty() {
            return Err(self.err(0..0, "group", "the study has no [[group]]"));
        }
        let mut groups: Vec<Group> = Vec::new();
        for (i, g) in files.iter().enumerate() {
            let field = |name: &str| format!("group[{}].{name}", i + 1);
            self.replaced(&field("msc"), &g.msc)?;
            self.replaced(&field("vcr"), &g.vcr)?;
            self.replaced(&field("amd3100"), &g.amd3100)?;
            let id = self.identifier(&g.id, &field("id"))?;
            if groups.iter().any(|x| x.id == id) {
                return Err(self.err(g.id.span(), &field("id"), format!("{id:?} appears twice")));
            }
            let mut treatments = BTreeMap::new();
            for (name, dose) in &g.treatments {
                let dose: Dose = dose.get_ref().parse().map_err(|e: niche_model::treatment::TreatmentError| {
                    self.err(dose.span(), &field(&format!("treatments.{name}")), e.to_string())
                })?;
                treatments.insert(name.clone(), dose);
            }
            if let Some(c) = &g.coculture
                && c.get_ref().trim().is_empty()
            {
                return Err(self.err(c.span(), &field("coculture"), "name the feeder cells, or leave the field out"));
            }
            groups.push(Group {
                id,
                label: g.label.clone(),
                coculture: g.coculture.as_ref().map(|c| c.get_ref().clone()),
                treatments,
            });
        }
        Ok(groups)
    }

    fn readouts(&self, files: &[ReadoutFile]) -> Result<Vec<Readout>> {
        let mut readouts: Vec<Readout> = Vec::new();
        for (i, r) in files.iter().enumerate() {
            let field = |name: &str| format!("readout[{}].{name}", i + 1);
            let id = self.identifier(&r.id, &field("id"))?;
            if readouts.iter().any(|x| x.id == id) {
                return Err(self.err(r.id.span(), &field("id"), format!("{id:?} appears twice")));
            }
            let kind_name = r.kind.get_ref().as_str();
            // the fields each kind takes; any other given field is an error
            let (needs, takes): (&[&str], &[&str]) = match kind_name {
                "mfi" => (&["population", "marker", "tube"], &["statistic"]),
                "mfi_ratio" => (&["population", "marker", "tube", "reference"], &["statistic"]),
                "percent" => (&["population", "tube"], &["parent"]),
                "elisa" => (&["analyte"], &["unit"]),
                "blot" => (&["target", "loading_control"], &[]),
                other => {
                    return Err(self.err(
                        r.kind.span(),
                        &field("kind"),
                        format!("{other:?}: use mfi, mfi_ratio, percent, elisa or blot"),
                    ));
                }
            };
            let given = [
                ("population", &r.population),
                ("parent", &r.parent),
                ("marker", &r.marker),
                ("statistic", &r.statistic),
                ("tube", &r.tube),
                ("reference", &r.reference),
                ("analyte", &r.analyte),
                ("unit", &r.unit),
                ("target", &r.target),
                ("loading_control", &r.loading_control),
            ];
            for (name, value) in &given {
                match value {
                    Some(v) if !needs.contains(name) && !takes.contains(name) => {
                        return Err(self.err(
                            v.span(),
                            &field(name),
                            format!(
                                "a readout of kind {kind_name:?} takes no `{name}` (it takes {})",
                                [needs, takes].concat().join(", ")
                            ),
                        ));
                    }
                    Some(v) if v.get_ref().trim().is_empty() => {
                        return Err(self.err(v.span(), &field(name), "is empty"));
                    }
                    None if needs.contains(name) => {
                        return Err(self.err(
                            r.kind.span(),
                            &field(name),
                            format!("a readout of kind {kind_name:?} needs `{name}` (it needs {})", needs.join(", ")),
                        ));
                    }
                    _ => {}
                }
            }
            let text = |v: &Option<Spanned<String>>| v.as_ref().map(|s| s.get_ref().clone()).unwrap_or_default();
            let tube = |v: &Option<Spanned<String>>, name: &str| match v {
                Some(s) => self.identifier(s, &field(name)),
                None => Ok(String::new()),
            };
            let statistic = match r.statistic.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
                None | Some(("median", _)) => Statistic::Median,
                Some(("mean", _)) => Statistic::Mean,
                Some(("geometric_mean", _)) => Statistic::GeometricMean,
                Some((other, span)) => {
                    return Err(self.err(
                        span,
                        &field("statistic"),
                        format!("{other:?}: use median, mean or geometric_mean"),
                    ));
                }
            };
            let kind = match kind_name {
                "mfi" => ReadoutKind::Mfi {
                    population: text(&r.population),
                    marker: text(&r.marker),
                    statistic,
                    tube: tube(&r.tube, "tube")?,
                },
                "mfi_ratio" => {
                    let (t, reference) = (tube(&r.tube, "tube")?, tube(&r.reference, "reference")?);
                    if t == reference {
                        return Err(self.err(
                            r.reference.as_ref().map_or(0..0, |s| s.span()),
                            &field("reference"),
                            "the reference tube is the stained tube",
                        ));
                    }
                    ReadoutKind::MfiRatio {
                        population: text(&r.population),
                        marker: text(&r.marker),
                        statistic,
                        tube: t,
                        reference,
                    }
                }
                "percent" => ReadoutKind::Percent {
                    population: text(&r.population),
                    parent: r.parent.as_ref().map(|p| p.get_ref().clone()),
                    tube: tube(&r.tube, "tube")?,
                },
                "elisa" => ReadoutKind::Elisa {
                    analyte: text(&r.analyte),
                    unit: r.unit.as_ref().map_or_else(|| "ng/mL".to_string(), |u| u.get_ref().clone()),
                },
                _ => ReadoutKind::Blot { target: text(&r.target), loading_control: text(&r.loading_control) },
            };
            readouts.push(Readout {
                id,
                label: r.label.clone().unwrap_or_else(|| Readout::default_label(&kind)),
                kind,
            });
        }
        Ok(readouts)
    }

    fn known_group(&self, groups: &[Group], s: &Spanned<String>, field: &str) -> Result<String> {
        if groups.iter().any(|g| &g.id == s.get_ref()) {
            return Ok(s.get_ref().clone());
        }
        let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        Err(self.err(s.span(), field, format!("unknown group {:?} (groups: {})", s.get_ref(), ids.join(", "))))
    }

    fn flow(&self, files: &[FlowFile], groups: &[Group], readouts: &[Readout]) -> Result<Vec<FlowWell>> {
        let used: Vec<&str> = {
            let mut t: Vec<&str> = readouts.iter().flat_map(Readout::tubes).collect();
            t.sort_unstable();
            t.dedup();
            t
        };
        let mut wells: Vec<FlowWell> = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let field = |name: &str| format!("flow[{}].{name}", i + 1);
            self.replaced(&field("stained"), &f.stained)?;
            self.replaced(&field("isotype"), &f.isotype)?;
            self.replaced(&field("apoptosis"), &f.apoptosis)?;
            let group = self.known_group(groups, &f.group, &field("group"))?;
            let subject = match (&f.replicate, &f.donor) {
                (Some(r), None) if *r.get_ref() == 0 => {
                    return Err(self.err(r.span(), &field("replicate"), "replicates count from 1"));
                }
                (Some(r), None) => Subject::Replicate(*r.get_ref()),
                (None, Some(d)) => Subject::Donor(self.identifier(d, &field("donor"))?),
                (Some(r), Some(_)) => {
                    return Err(self.err(r.span(), &field("replicate"), "give a donor or a replicate, not both"));
                }
                (None, None) => {
                    return Err(self.err(
                        f.group.span(),
                        &field("donor"),
                        "give the well's donor (or its replicate number)",
                    ));
                }
            };
            if wells.iter().any(|w| w.group == group && w.subject == subject) {
                return Err(self.err(f.group.span(), &field("group"), format!("{group} {subject} appears twice")));
            }
            let Some(tubes) = &f.tubes else {
                return Err(self.err(
                    f.group.span(),
                    &field("tubes"),
                    "give the well's tubes: tubes = { name = \"file.fcs\", … }",
                ));
            };
            let mut paths = BTreeMap::new();
            for (name, file) in tubes.get_ref() {
                let tube_field = field(&format!("tubes.{name}"));
                if !used.contains(&name.as_str()) {
                    return Err(self.err(
                        file.span(),
                        &tube_field,
                        format!("no readout reads a tube {name:?} (readouts read: {})", used.join(", ")),
                    ));
                }
                paths.insert(name.clone(), self.existing(file, &tube_field)?);
            }
            for r in readouts {
                if let Some(missing) = r.tubes().into_iter().find(|t| !paths.contains_key(*t)) {
                    return Err(self.err(
                        tubes.span(),
                        &field("tubes"),
                        format!("readout {:?} needs a tube {missing:?}, which this well lacks", r.id),
                    ));
                }
            }
            wells.push(FlowWell { group, subject, tubes: paths });
        }
        Ok(wells)
    }

    fn elisa(&self, files: &[ElisaFile], readouts: &[Readout]) -> Result<Vec<ElisaPlate>> {
        let elisa_readouts: Vec<&Readout> = readouts.iter().filter(|r| r.assay() == Assay::Elisa).collect();
        files
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let field = |name: &str| format!("elisa[{}].{name}", i + 1);
                let readout = match (&e.readout, elisa_readouts.as_slice()) {
                    (Some(r), _) if elisa_readouts.iter().any(|x| &x.id == r.get_ref()) => r.get_ref().clone(),
                    (Some(r), _) => {
                        return Err(self.err(
                            r.span(),
                            &field("readout"),
                            format!("{:?} is not a readout of kind \"elisa\"", r.get_ref()),
                        ));
                    }
                    (None, [only]) => only.id.clone(),
                    (None, []) => {
                        return Err(self.err(
                            e.plate.span(),
                            &field("plate"),
                            "plates need a [[readout]] of kind \"elisa\"",
                        ));
                    }
                    (None, _) => {
                        return Err(self.err(
                            e.plate.span(),
                            &field("readout"),
                            "name the plate's readout: the study has several ELISA readouts",
                        ));
                    }
                };
                Ok(ElisaPlate {
                    plate: self.existing(&e.plate, &field("plate"))?,
                    layout: self.existing(&e.layout, &field("layout"))?,
                    readout,
                })
            })
            .collect()
    }

    fn comparisons(&self, files: &[ComparisonFile], groups: &[Group], readouts: &[Readout]) -> Result<Vec<Comparison>> {
        let mut comparisons = Vec::new();
        for (i, c) in files.iter().enumerate() {
            let field = |name: &str| format!("comparison[{}].{name}", i + 1);
            if !readouts.iter().any(|r| &r.id == c.readout.get_ref()) {
                let ids: Vec<&str> = readouts.iter().map(|r| r.id.as_str()).collect();
                return Err(self.err(
                    c.readout.span(),
                    &field("readout"),
                    format!("unknown readout {:?} (readouts: {})", c.readout.get_ref(), ids.join(", ")),
                ));
            }
            let test = Test::ALL.iter().find(|(n, _)| n == c.test.get_ref()).map(|(_, t)| *t).ok_or_else(|| {
                self.err(
                    c.test.span(),
                    &field("test"),
                    format!("{:?}: use {}", c.test.get_ref(), Test::ALL.map(|(n, _)| n).join(", ")),
                )
            })?;
            let (group, reference) = (
                self.known_group(groups, &c.group, &field("group"))?,
                self.known_group(groups, &c.reference, &field("reference"))?,
            );
            if group == reference {
                return Err(self.err(c.reference.span(), &field("reference"), "a group compared with itself"));
            }
            comparisons.push(Comparison { readout: c.readout.get_ref().clone(), group, reference, test });
        }
        Ok(comparisons)
    }

    /// Every population a flow readout names is in the gating strategy.
    fn check_gating(&self, gating: &Gating, files: &[ReadoutFile], readouts: &[Readout]) -> Result<()> {
        if readouts.iter().all(|r| r.assay() != Assay::Flow) {
            return Ok(());
        }
        let gates = gating.load()?;
        let names = gates.population_names();
        let ids: Vec<&str> = names.iter().map(String::as_str).collect();
        for (i, (file, r)) in files.iter().zip(readouts).enumerate() {
            if r.assay() != Assay::Flow {
                continue;
            }
            for (name, value) in [("population", &file.population), ("parent", &file.parent)] {
                if let Some(v) = value
                    && !ids.contains(&v.get_ref().as_str())
                {
                    return Err(self.err(
                        v.span(),
                        &format!("readout[{}].{name}", i + 1),
                        format!(
                            "{:?} is not a population of {} (populations: {})",
                            v.get_ref(),
                            gating.path().display(),
                            ids.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every marker a flow readout names is in `[panel]`, or found in the first FCS file that
    /// readout reads (`$PnS`, then `$PnN`).
    fn check_markers(
        &self,
        panel: &BTreeMap<String, String>,
        files: &[ReadoutFile],
        readouts: &[Readout],
        flow: &[FlowWell],
    ) -> Result<()> {
        for (i, (file, r)) in files.iter().zip(readouts).enumerate() {
            let (Some(marker), Some(tube)) = (&file.marker, r.tubes().first().copied()) else { continue };
            if panel.contains_key(marker.get_ref()) {
                continue;
            }
            let Some(path) = flow.iter().find_map(|w| w.tubes.get(tube)) else { continue };
            let parameters = crate::analyze::parameters(path)?;
            if crate::analyze::channel_of(marker.get_ref(), panel, &parameters).is_none() {
                let labels: Vec<String> = parameters
                    .iter()
                    .map(|(n, s)| s.as_ref().map_or_else(|| n.clone(), |s| format!("{n} ({s})")))
                    .collect();
                return Err(self.err(
                    marker.span(),
                    &format!("readout[{}].marker", i + 1),
                    format!(
                        "unknown marker {:?}: not in [panel], and no $PnS or $PnN of {} names it (parameters: {})",
                        marker.get_ref(),
                        path.display(),
                        labels.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}
