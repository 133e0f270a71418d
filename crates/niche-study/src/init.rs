//! A starting study file from a folder of FCS files (`niche study init`): groups, donors or
//! replicates and tubes from the file names (a pattern such as `{group}_{donor}_{tube}.fcs`) or,
//! for what the pattern does not give, from keywords (`$SRC`, `$SMNO`, `TUBE NAME`, `WELL ID`),
//! and the panel from the files' `$PnS`. The user adds the gating and the readouts.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::study::Subject;

/// Where a field comes from when the file name does not give it: keyword names, first found wins.
pub const DEFAULT_KEYWORDS: [(&str, &[&str]); 3] =
    [("group", &["$SRC", "GROUP"]), ("donor", &["$SMNO", "PATIENT ID", "DONOR"]), ("tube", &["TUBE NAME", "WELL ID"])];

/// The fields a pattern may hold.
const FIELDS: [&str; 4] = ["group", "donor", "replicate", "tube"];

/// One part of a file-name pattern.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Field(&'static str),
}

/// A file-name pattern: literal text and `{group}`, `{donor}`, `{replicate}`, `{tube}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern(Vec<Part>);

impl std::str::FromStr for Pattern {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Pattern, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or_else(|| format!("{text:?}: a '{{' without '}}'"))? + open;
            let name = &rest[open + 1..close];
            let field = FIELDS.iter().find(|f| **f == name).ok_or_else(|| {
                format!("{text:?}: unknown field {{{name}}}: use {}", FIELDS.map(|f| format!("{{{f}}}")).join(", "))
            })?;
            if matches!(parts.last(), Some(Part::Field(_))) {
                return Err(format!("{text:?}: two fields with nothing between them cannot be told apart"));
            }
            if parts.contains(&Part::Field(field)) {
                return Err(format!("{text:?}: {{{name}}} appears twice"));
            }
            parts.push(Part::Field(field));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        if parts.contains(&Part::Field("donor")) && parts.contains(&Part::Field("replicate")) {
            return Err(format!("{text:?}: a well has a donor or a replicate, not both"));
        }
        Ok(Pattern(parts))
    }
}

impl Pattern {
    /// The fields of `name`, or None when it does not match. Fields are non-empty, and an earlier
    /// field takes as much as the rest allows (`co_vcr_P07_cxcr4.fcs` under
    /// `{group}_{donor}_{tube}.fcs` is group `co_vcr`, donor `P07`, tube `cxcr4`: groups come first
    /// and hold the separators).
    pub fn fields(&self, name: &str) -> Option<BTreeMap<&'static str, String>> {
        fn go(parts: &[Part], s: &str, out: &mut BTreeMap<&'static str, String>) -> bool {
            match parts.split_first() {
                None => s.is_empty(),
                Some((Part::Literal(l), rest)) => s.strip_prefix(l.as_str()).is_some_and(|s| go(rest, s, out)),
                Some((Part::Field(f), rest)) => {
                    for end in (1..=s.len()).rev().filter(|&e| s.is_char_boundary(e)) {
                        if go(rest, &s[end..], out) {
                            out.insert(f, s[..end].to_string());
                            return true;
                        }
                    }
                    false
                }
            }
        }
        let mut out = BTreeMap::new();
        go(&self.0, name, &mut out).then_some(out)
    }
}

/// What `init` found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    /// Group ids in order of first appearance.
    pub groups: Vec<String>,
    /// Wells: group, donor or replicate, tube name → file.
    pub wells: Vec<(String, Subject, BTreeMap<String, PathBuf>)>,
    /// Marker (`$PnS`) → channel (`$PnN`), from every file (the first to name a marker).
    pub panel: Vec<(String, String)>,
    /// Tube names in order of first appearance.
    pub tubes: Vec<String>,
    /// Files left out, with why.
    pub skipped: Vec<(PathBuf, String)>,
}

/// An identifier made of a name: letters, digits, `_` and `-` kept, anything else `_`.
fn identifier(text: &str) -> String {
    let id: String =
        text.trim().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if id.is_empty() { "_".into() } else { id }
}

/// Reads every `*.fcs` file of `dir` (sorted by name) and groups them into wells.
pub fn init(dir: &Path, pattern: &Pattern) -> Result<Draft> {
    let io = |e: std::io::Error| Error::Input { path: dir.to_path_buf(), source: Box::new(e.into()) };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("fcs")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Input { path: dir.to_path_buf(), source: Box::new("no .fcs files in this folder".into()) });
    }
    let mut draft = Draft::default();
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let file = match niche_fcs::Reader::default().read_path(&path) {
            Ok(f) => f,
            Err(e) => {
                draft.skipped.push((path, format!("not readable: {e}")));
                continue;
            }
        };
        let Some(ds) = file.datasets.first() else {
            draft.skipped.push((path, "no data set".into()));
            continue;
        };
        let mut fields = pattern.fields(&name).unwrap_or_default();
        for (field, keys) in DEFAULT_KEYWORDS {
            let given = fields.contains_key(field) || (field == "donor" && fields.contains_key("replicate"));
            if !given && let Some(v) = keys.iter().find_map(|k| ds.keywords.get(k)).filter(|v| !v.trim().is_empty()) {
                fields.insert(field, v.trim().to_string());
            }
        }
        let (Some(group), Some(subject)) = (
            fields.get("group").map(|g| identifier(g)),
            match (fields.get("replicate"), fields.get("donor")) {
                (Some(r), _) => r.parse::<u32>().ok().filter(|&r| r > 0).map(Subject::Replicate),
                (None, Some(d)) => Some(Subject::Donor(identifier(d))),
                (None, None) => None,
            },
        ) else {
            draft
                .skipped
                .push((path, "the name does not match the pattern and no keyword names the group and donor".into()));
            continue;
        };
        let tube = fields.get("tube").map_or_else(|| "tube".to_string(), |t| identifier(t));
        // the panel: every labelled parameter of every file, the first file naming a marker wins
        for p in &ds.parameters {
            let Some(label) = p.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) else { continue };
            if !draft.panel.iter().any(|(m, _)| m == label) {
                draft.panel.push((label.to_string(), p.name.clone()));
            }
        }
        if !draft.groups.contains(&group) {
            draft.groups.push(group.clone());
        }
        if !draft.tubes.contains(&tube) {
            draft.tubes.push(tube.clone());
        }
        match draft.wells.iter_mut().find(|(g, s, _)| *g == group && *s == subject) {
            Some((_, _, tubes)) if tubes.contains_key(&tube) => {
                draft.skipped.push((path, format!("a second {tube:?} tube of {group} {subject}")));
            }
            Some((_, _, tubes)) => {
                tubes.insert(tube, path);
            }
            None => draft.wells.push((group, subject, BTreeMap::from([(tube, path)]))),
        }
    }
    Ok(draft)
}

impl Draft {
    /// The study file: groups, panel, wells with paths relative to `study_dir` (when under it),
    /// commented readout templates to fill in, and the gating file if given.
    pub fn to_toml(&self, name: &str, gating: Option<&str>, study_dir: &Path) -> String {
        use crate::study::{toml_key as key, toml_string as quote};
        let mut s = String::from(
            "# Written by `niche study init`: check the groups and wells, then add the gating and the\n\
             # readouts (docs/STUDY.md describes every field).\n",
        );
        let _ = writeln!(s, "schema_version = {}\nname = {}\nalpha = 0.05", crate::study::SCHEMA_VERSION, quote(name));
        match gating {
            Some(g) => {
                let _ = writeln!(s, "gating = {}", quote(g));
            }
            None => s.push_str("# gating = \"gates.xml\"        # your Gating-ML 2.0 file\n"),
        }
        s.push_str("\n[panel]                           # marker = channel, from the files' $PnS\n");
        for (marker, channel) in &self.panel {
            let _ = writeln!(s, "{} = {}", key(marker), quote(channel));
        }
        for g in &self.groups {
            let _ = writeln!(s, "\n[[group]]\nid = {}\n# treatments = {{ vincristine = \"1 umol/L\" }}", quote(g));
        }
        let marker = self.panel.first().map_or("CD19", |(m, _)| m.as_str());
        let tube = self.tubes.first().map_or("tube", String::as_str);
        let _ = write!(
            s,
            "\n# Every tube of the wells below must be read by a readout. For example:\n\
             # [[readout]]\n# id = \"{id}_median\"\n# kind = \"mfi\"\n# population = \"POPULATION\"   # a population of the gating\n\
             # marker = \"{marker}\"\n# statistic = \"median\"\n# tube = \"{tube}\"\n#\n\
             # [[readout]]\n# id = \"positive_percent\"\n# kind = \"percent\"\n# population = \"POPULATION\"\n\
             # parent = \"PARENT\"\n# tube = \"{tube}\"\n",
            id = identifier(marker).to_ascii_lowercase(),
        );
        for (group, subject, tubes) in &self.wells {
            let subject = match subject {
                Subject::Replicate(r) => format!("replicate = {r}"),
                Subject::Donor(d) => format!("donor = {}", quote(d)),
            };
            let tubes: Vec<String> = tubes
                .iter()
                .map(|(t, p)| {
                    let shown = p.strip_prefix(study_dir).unwrap_or(p);
                    format!("{} = {}", key(t), quote(&shown.to_string_lossy()))
                })
                .collect();
            let _ = writeln!(s, "\n[[flow]]\ngroup = {}\n{subject}\ntubes = {{ {} }}", quote(group), tubes.join(", "));
        }
        s.push_str("\n# [[comparison]]\n# readout = \"...\"\n# group = \"...\"\n# reference = \"...\"\n# test = \"paired_t\"   # t | welch | paired_t | mann_whitney | wilcoxon\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_split_names_into_fields() {
        let p: Pattern = "{group}_{donor}_{tube}.fcs".parse().unwrap();
        let f = p.fields("co_vcr_P07_cxcr4.fcs").unwrap();
        assert_eq!((f["group"].as_str(), f["donor"].as_str(), f["tube"].as_str()), ("co_vcr", "P07", "cxcr4"));
        let p: Pattern = "{donor}-{group}-{tube}.fcs".parse().unwrap();
        let f = p.fields("P07-co_vcr-iso.fcs").unwrap();
        assert_eq!((f["group"].as_str(), f["donor"].as_str(), f["tube"].as_str()), ("co_vcr", "P07", "iso"));
        assert!(p.fields("P07_co.fcs").is_none());
        let r: Pattern = "{group} r{replicate}.fcs".parse().unwrap();
        assert_eq!(r.fields("ctrl r2.fcs").unwrap()["replicate"], "2");
        for bad in
            ["{group}{donor}.fcs", "{group}_{patient}.fcs", "{group}_{group}", "{group}_{donor}_{replicate}", "{group"]
        {
            assert!(bad.parse::<Pattern>().is_err(), "{bad}");
        }
    }
}
