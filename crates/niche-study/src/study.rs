//! The study file (TOML) a lab writes for its experiment: groups with treatments, the raw files
//! with their group and replicate, the gating strategy, and the comparisons with their tests.
//! Errors name the file, the line and the field.
//!
//! ```toml
//! name = "CXCR4 and AMD3100 in R/R B-ALL co-cultures"
//! alpha = 0.05
//! gating = "builtin:seed"        # or a Gating-ML 2.0 file, relative to this file
//! mfi = "median"                 # median | geometric_mean | mean (of CD45+CD19+ CXCR4-PE)
//!
//! [[group]]
//! id = "coculture_vcr"
//! label = "V"
//! msc = true
//! vcr = "1 umol/L"               # umol/L, µmol/L, uM, nmol/L, nM
//! amd3100 = "0 ug/mL"            # ug/mL, µg/mL, umol/L, µmol/L, uM
//!
//! [[flow]]                       # one well: its three tubes (any may be left out)
//! group = "coculture_vcr"
//! replicate = 1
//! stained = "flow/coculture_vcr_r1_cxcr4.fcs"
//! isotype = "flow/coculture_vcr_r1_isotype.fcs"
//! apoptosis = "flow/coculture_vcr_r1_apoptosis.fcs"
//!
//! [[elisa]]                      # sample ids in the layout are <group>_r<replicate>
//! plate = "elisa/cxcl12_plate.csv"
//! layout = "elisa/cxcl12_layout.toml"
//!
//! [[blot]]                       # lanes carry their groups in the layout
//! image = "blot/blot_1.tif"
//! layout = "blot/blot_1_layout.toml"
//!
//! [[comparison]]
//! readout = "cxcr4_mfi"          # cxcr4_mfi | apoptosis_percent | cxcl12_ng_per_ml | bax | bcl2
//! group = "coculture_vcr"
//! reference = "coculture"
//! test = "t"                     # t | welch | mann_whitney | log_ratio or direction (blots)
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    alpha: Option<Spanned<f64>>,
    #[serde(default)]
    gating: Option<Spanned<String>>,
    #[serde(default)]
    mfi: Option<Spanned<String>>,
    #[serde(rename = "group", default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    flow: Vec<FlowFile>,
    #[serde(default)]
    elisa: Vec<ElisaFile>,
    #[serde(default)]
    blot: Vec<BlotFile>,
    #[serde(rename = "comparison", default)]
    comparisons: Vec<ComparisonFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: Spanned<String>,
    #[serde(default)]
    label: Option<String>,
    msc: bool,
    #[serde(default)]
    vcr: Option<Spanned<String>>,
    #[serde(default)]
    amd3100: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    group: Spanned<String>,
    replicate: Spanned<u32>,
    #[serde(default)]
    stained: Option<Spanned<String>>,
    #[serde(default)]
    isotype: Option<Spanned<String>>,
    #[serde(default)]
    apoptosis: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ElisaFile {
    plate: Spanned<String>,
    layout: Spanned<String>,
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

/// A readout of the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readout {
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

impl Readout {
    /// All readouts in report order.
    pub const ALL: [Readout; 5] =
        [Readout::Cxcl12NgPerMl, Readout::Cxcr4Mfi, Readout::ApoptosisPercent, Readout::Bax, Readout::Bcl2];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Readout::Cxcr4Mfi => "cxcr4_mfi",
            Readout::ApoptosisPercent => "apoptosis_percent",
            Readout::Cxcl12NgPerMl => "cxcl12_ng_per_ml",
            Readout::Bax => "bax",
            Readout::Bcl2 => "bcl2",
        }
    }

    /// A label for figures and tables.
    pub fn label(self) -> &'static str {
        match self {
            Readout::Cxcr4Mfi => "CXCR4 MFI (ratio to isotype)",
            Readout::ApoptosisPercent => "Apoptosis (%)",
            Readout::Cxcl12NgPerMl => "CXCL12 (ng/mL)",
            Readout::Bax => "Bax / GAPDH (fold)",
            Readout::Bcl2 => "Bcl-2 / GAPDH (fold)",
        }
    }

    fn parse(s: &str) -> Option<Readout> {
        Readout::ALL.into_iter().find(|r| r.name() == s)
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
    /// Two-sided Mann–Whitney, exact for small samples.
    MannWhitney,
    /// Direction of the mean only (Western blots), no P.
    Direction,
    /// Paired t test on the log ratios of group to reference within each replicate (Western blots:
    /// one ratio per blot, both lanes on the same membrane).
    LogRatio,
}

impl Test {
    /// Name for reports.
    pub fn label(self) -> &'static str {
        match self {
            Test::T => "unpaired t test",
            Test::Welch => "Welch's t test",
            Test::MannWhitney => "Mann–Whitney test",
            Test::Direction => "direction of the mean",
            Test::LogRatio => "paired t test on log ratios",
        }
    }
}

/// A group of the study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Identifier.
    pub id: String,
    /// Short label for figures.
    pub label: String,
    /// Co-culture on MSCs.
    pub msc: bool,
    /// Vincristine, µmol/L.
    pub vcr_umol_per_l: f64,
    /// AMD3100, µg/mL.
    pub amd3100_ug_per_ml: f64,
}

/// One well's flow tubes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowWell {
    /// Group id.
    pub group: String,
    /// Replicate.
    pub replicate: u32,
    /// CXCR4-PE stained tube.
    pub stained: Option<PathBuf>,
    /// Isotype-PE tube.
    pub isotype: Option<PathBuf>,
    /// Annexin V / PI tube.
    pub apoptosis: Option<PathBuf>,
}

/// A comparison and its test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Readout.
    pub readout: Readout,
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
    /// The seed study's strategy built into niche.
    BuiltinSeed,
    /// A Gating-ML file.
    File(PathBuf),
}

/// Which MFI statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MfiStatistic {
    /// Median.
    Median,
    /// Geometric mean.
    GeometricMean,
    /// Arithmetic mean.
    Mean,
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
    /// MFI statistic.
    pub mfi: MfiStatistic,
    /// Groups in order.
    pub groups: Vec<Group>,
    /// Flow wells.
    pub flow: Vec<FlowWell>,
    /// ELISA plates with layouts.
    pub elisa: Vec<(PathBuf, PathBuf)>,
    /// Blots with layouts.
    pub blots: Vec<(PathBuf, PathBuf)>,
    /// Comparisons.
    pub comparisons: Vec<Comparison>,
    /// The study file's directory, against which its paths are resolved.
    pub root: PathBuf,
}

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

    /// Parses and checks study text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Study> {
        let file_name = path.display().to_string();
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let err = |span: std::ops::Range<usize>, field: &str, reason: String| Error::Study {
            file: file_name.clone(),
            line: line_of(span.start),
            field: field.to_string(),
            reason,
        };
        let parsed: StudyFile = toml::from_str(text).map_err(|e| Error::Study {
            file: file_name.clone(),
            line: e.span().map_or(1, |s| line_of(s.start)),
            field: "toml".into(),
            reason: e.message().trim().replace('\n', "; "),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let existing = |s: &Spanned<String>, field: &str| -> Result<PathBuf> {
            let p = base.join(s.get_ref());
            if p.is_file() { Ok(p) } else { Err(err(s.span(), field, format!("{} does not exist", p.display()))) }
        };
        let alpha = match &parsed.alpha {
            Some(a) if !(a.get_ref() > &0.0 && a.get_ref() < &1.0) => {
                return Err(err(a.span(), "alpha", format!("{} is not between 0 and 1", a.get_ref())));
            }
            Some(a) => *a.get_ref(),
            None => 0.05,
        };
        let gating = match &parsed.gating {
            None => Gating::BuiltinSeed,
            Some(g) if g.get_ref() == "builtin:seed" => Gating::BuiltinSeed,
            Some(g) => Gating::File(existing(g, "gating")?),
        };
        let mfi = match parsed.mfi.as_ref().map(|m| (m.get_ref().as_str(), m.span())) {
            None | Some(("median", _)) => MfiStatistic::Median,
            Some(("geometric_mean", _)) => MfiStatistic::GeometricMean,
            Some(("mean", _)) => MfiStatistic::Mean,
            Some((other, span)) => {
                return Err(err(span, "mfi", format!("{other:?}: use \"median\", \"geometric_mean\" or \"mean\"")));
            }
        };
        if parsed.groups.is_empty() {
            return Err(err(0..0, "group", "the study has no [[group]]".into()));
        }
        let mut groups: Vec<Group> = Vec::new();
        for g in &parsed.groups {
            let id = g.id.get_ref().clone();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(err(g.id.span(), "group.id", format!("{id:?}: use letters, digits, '_' and '-'")));
            }
            if groups.iter().any(|x| x.id == id) {
                return Err(err(g.id.span(), "group.id", format!("{id:?} appears twice")));
            }
            let vcr = match &g.vcr {
                Some(s) => dose(s.get_ref(), &VCR_UNITS).map_err(|r| err(s.span(), "group.vcr", r))?,
                None => 0.0,
            };
            let amd = match &g.amd3100 {
                Some(s) => dose(s.get_ref(), &AMD_UNITS).map_err(|r| err(s.span(), "group.amd3100", r))?,
                None => 0.0,
            };
            groups.push(Group {
                label: g.label.clone().unwrap_or_else(|| id.clone()),
                id,
                msc: g.msc,
                vcr_umol_per_l: vcr,
                amd3100_ug_per_ml: amd,
            });
        }
        let known = |s: &Spanned<String>, field: &str| -> Result<String> {
            if groups.iter().any(|g| &g.id == s.get_ref()) {
                Ok(s.get_ref().clone())
            } else {
                Err(err(
                    s.span(),
                    field,
                    format!(
                        "unknown group {:?} (groups: {})",
                        s.get_ref(),
                        groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ))
            }
        };
        let mut flow = Vec::new();
        for (i, f) in parsed.flow.iter().enumerate() {
            let field = |name: &str| format!("flow[{}].{name}", i + 1);
            let group = known(&f.group, &field("group"))?;
            if *f.replicate.get_ref() == 0 {
                return Err(err(f.replicate.span(), &field("replicate"), "replicates count from 1".into()));
            }
            if flow.iter().any(|w: &FlowWell| w.group == group && w.replicate == *f.replicate.get_ref()) {
                return Err(err(
                    f.replicate.span(),
                    &field("replicate"),
                    format!("{group} replicate {} appears twice", f.replicate.get_ref()),
                ));
            }
            let tube =
                |t: &Option<Spanned<String>>, name: &str| t.as_ref().map(|s| existing(s, &field(name))).transpose();
            flow.push(FlowWell {
                group,
                replicate: *f.replicate.get_ref(),
                stained: tube(&f.stained, "stained")?,
                isotype: tube(&f.isotype, "isotype")?,
                apoptosis: tube(&f.apoptosis, "apoptosis")?,
            });
        }
        // a data file and its layout, both of which must exist
        let pair = |table: &str, i: usize, (data_key, data): (&str, &Spanned<String>), layout: &Spanned<String>| {
            Ok((
                existing(data, &format!("{table}[{}].{data_key}", i + 1))?,
                existing(layout, &format!("{table}[{}].layout", i + 1))?,
            ))
        };
        let elisa = parsed
            .elisa
            .iter()
            .enumerate()
            .map(|(i, e)| pair("elisa", i, ("plate", &e.plate), &e.layout))
            .collect::<Result<Vec<_>>>()?;
        let blots = parsed
            .blot
            .iter()
            .enumerate()
            .map(|(i, b)| pair("blot", i, ("image", &b.image), &b.layout))
            .collect::<Result<Vec<_>>>()?;
        let mut comparisons = Vec::new();
        for (i, c) in parsed.comparisons.iter().enumerate() {
            let field = |name: &str| format!("comparison[{}].{name}", i + 1);
            let readout = Readout::parse(c.readout.get_ref()).ok_or_else(|| {
                err(
                    c.readout.span(),
                    &field("readout"),
                    format!("{:?}: use one of {}", c.readout.get_ref(), Readout::ALL.map(Readout::name).join(", ")),
                )
            })?;
            let test = match c.test.get_ref().as_str() {
                "t" => Test::T,
                "welch" => Test::Welch,
                "mann_whitney" => Test::MannWhitney,
                "direction" => Test::Direction,
                "log_ratio" => Test::LogRatio,
                other => {
                    return Err(err(
                        c.test.span(),
                        &field("test"),
                        format!("{other:?}: use t, welch, mann_whitney, log_ratio or direction"),
                    ));
                }
            };
            comparisons.push(Comparison {
                readout,
                group: known(&c.group, &field("group"))?,
                reference: known(&c.reference, &field("reference"))?,
                test,
            });
        }
        Ok(Study {
            name: parsed.name.unwrap_or_else(|| file_name.clone()),
            alpha,
            gating,
            mfi,
            groups,
            flow,
            elisa,
            blots,
            comparisons,
            root: base,
        })
    }
}

const VCR_UNITS: [(&str, f64); 5] = [("umol/L", 1.0), ("µmol/L", 1.0), ("uM", 1.0), ("nmol/L", 1e-3), ("nM", 1e-3)];
const AMD_UNITS: [(&str, f64); 5] = [
    ("ug/mL", 1.0),
    ("µg/mL", 1.0),
    ("umol/L", niche_model::units::AMD3100_G_PER_MOL * 1e-3),
    ("µmol/L", niche_model::units::AMD3100_G_PER_MOL * 1e-3),
    ("uM", niche_model::units::AMD3100_G_PER_MOL * 1e-3),
];

/// Parses `"<number> <unit>"` into the first unit of `units` (VCR: µmol/L; AMD3100: µg/mL).
fn dose(text: &str, units: &[(&str, f64)]) -> std::result::Result<f64, String> {
    let mut parts = text.split_whitespace();
    let (Some(number), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("{text:?}: write a number and a unit, e.g. \"1 {}\"", units[0].0));
    };
    let value: f64 = number.parse().map_err(|_| format!("{number:?} is not a number"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("{value} must be finite and non-negative"));
    }
    let factor = units.iter().find(|(u, _)| *u == unit).map(|(_, f)| *f).ok_or_else(|| {
        format!("unknown unit {unit:?}: use {}", units.iter().map(|(u, _)| *u).collect::<Vec<_>>().join(", "))
    })?;
    Ok(value * factor)
}
