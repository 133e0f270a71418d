//! Blot layouts (TOML): lanes left to right with their groups, targets top to bottom, the loading
//! control, the reference group, and the background settings.
//!
//! ```toml
//! background = "light"          # "dark" (bright bands, default) or "light" (dark bands on film)
//! method = "rolling_ball"       # or "sliding_paraboloid"
//! radius = 50                   # pixels; ImageJ's rule: at least the largest band's half-width
//! smoothing = true              # ImageJ's 3 × 3 presmoothing
//! loading_control = "GAPDH"
//! reference = "coculture"       # fold changes are relative to this group's lanes
//!
//! [[lanes]]                     # left to right; `x` (first and last column) is optional
//! group = "coculture"
//! [[lanes]]
//! group = "vcr"
//! name = "VCR donor 2"
//! x = [120, 180]
//!
//! [[targets]]                   # top to bottom; `rows` (first and last row) is optional
//! name = "GAPDH"
//! [[targets]]
//! name = "Bax"
//! rows = [300, 330]
//! ```

use crate::blot::background::{BackgroundMethod, BackgroundOptions};
use crate::error::{Error, Result};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    #[serde(default)]
    background: Option<String>,
    #[serde(default)]
    method: Option<BackgroundMethod>,
    #[serde(default)]
    radius: Option<f64>,
    #[serde(default)]
    smoothing: Option<bool>,
    loading_control: String,
    reference: String,
    lanes: Vec<LaneFile>,
    targets: Vec<TargetFile>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LaneFile {
    group: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    x: Option<[usize; 2]>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    name: String,
    #[serde(default)]
    rows: Option<[usize; 2]>,
}

/// One lane: its name, group and, optionally, its columns (inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct LaneSpec {
    /// Display name (`lane N` when the layout gives none).
    pub name: String,
    /// Experimental group.
    pub group: String,
    /// First and last column, when not detected.
    pub columns: Option<(usize, usize)>,
}

/// One target protein and, optionally, its rows (inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    /// Protein name, e.g. `Bax`.
    pub name: String,
    /// First and last row, when not detected.
    pub rows: Option<(usize, usize)>,
}

/// A validated blot layout.
#[derive(Debug, Clone, PartialEq)]
pub struct BlotLayout {
    /// Background subtraction settings.
    pub background: BackgroundOptions,
    /// Lanes, left to right.
    pub lanes: Vec<LaneSpec>,
    /// Targets, top to bottom.
    pub targets: Vec<TargetSpec>,
    /// The target every other target is divided by, lane by lane.
    pub loading_control: String,
    /// The group whose mean normalised volume is fold change 1.
    pub reference: String,
}

impl BlotLayout {
    /// Parses and checks a layout: at least one lane and two targets, the loading control is a
    /// target, the reference is a group, names are unique, explicit columns and rows are ordered and
    /// do not overlap, the radius is positive.
    pub fn parse(text: &str) -> Result<BlotLayout> {
        let bad = |reason: String| Error::Layout { reason };
        let file: LayoutFile = toml::from_str(text).map_err(|e| Error::layout_toml(text, e))?;
        let light_background = match file.background.as_deref() {
            None | Some("dark") => false,
            Some("light") => true,
            Some(other) => return Err(bad(format!("background = {other:?}: use \"dark\" or \"light\""))),
        };
        let radius = file.radius.unwrap_or(50.0);
        if !(radius.is_finite() && radius > 0.0 && radius <= 10_000.0) {
            return Err(bad(format!("radius = {radius}: must be a positive number of pixels (at most 10000)")));
        }
        let background = BackgroundOptions {
            radius,
            light_background,
            method: file.method.unwrap_or(BackgroundMethod::RollingBall),
            presmooth: file.smoothing.unwrap_or(true),
            correct_corners: true,
        };
        if file.lanes.is_empty() {
            return Err(bad("no [[lanes]]".into()));
        }
        if file.targets.len() < 2 {
            return Err(bad("at least two [[targets]] are needed: the loading control and a protein".into()));
        }
        let lanes: Vec<LaneSpec> = file
            .lanes
            .into_iter()
            .enumerate()
            .map(|(i, l)| LaneSpec {
                name: l.name.unwrap_or_else(|| format!("lane {}", i + 1)),
                group: l.group,
                columns: l.x.map(|[a, b]| (a, b)),
            })
            .collect();
        let targets: Vec<TargetSpec> =
            file.targets.into_iter().map(|t| TargetSpec { name: t.name, rows: t.rows.map(|[a, b]| (a, b)) }).collect();
        check_unique(lanes.iter().map(|l| l.name.as_str()), "lane")?;
        check_unique(targets.iter().map(|t| t.name.as_str()), "target")?;
        check_spans(lanes.iter().map(|l| (l.name.as_str(), l.columns)), "x", lanes.len())?;
        check_spans(targets.iter().map(|t| (t.name.as_str(), t.rows)), "rows", targets.len())?;
        if !targets.iter().any(|t| t.name == file.loading_control) {
            return Err(bad(format!("loading_control {:?} is not one of the targets", file.loading_control)));
        }
        if !lanes.iter().any(|l| l.group == file.reference) {
            return Err(bad(format!("reference {:?} is not the group of any lane", file.reference)));
        }
        Ok(BlotLayout { background, lanes, targets, loading_control: file.loading_control, reference: file.reference })
    }
}

fn check_unique<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(Error::Layout { reason: format!("{what} {name:?} appears twice") });
        }
    }
    Ok(())
}

/// Explicit spans are `[first, last]` with first ≤ last, given for all items or none, in order
/// and without overlap.
fn check_spans<'a>(
    spans: impl Iterator<Item = (&'a str, Option<(usize, usize)>)>,
    key: &str,
    count: usize,
) -> Result<()> {
    let given: Vec<(&str, (usize, usize))> = spans.filter_map(|(n, s)| s.map(|s| (n, s))).collect();
    let bad = |reason: String| Err(Error::Layout { reason });
    if !given.is_empty() && given.len() != count {
        return bad(format!("{key} is given for {} of {count} entries: give it for all or none", given.len()));
    }
    for (name, (a, b)) in &given {
        if a > b {
            return bad(format!("{name:?}: {key} = [{a}, {b}] is not ordered"));
        }
    }
    for pair in given.windows(2) {
        let ((n0, (_, b0)), (n1, (a1, _))) = (pair[0], pair[1]);
        if a1 <= b0 {
            return bad(format!("{n0:?} and {n1:?} overlap or are out of order in {key}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
loading_control = "GAPDH"
reference = "a"
[[lanes]]
group = "a"
[[lanes]]
group = "b"
[[targets]]
name = "GAPDH"
[[targets]]
name = "Bax"
"#;

    #[test]
    fn defaults_are_imagej_defaults() {
        let layout = BlotLayout::parse(MINIMAL).unwrap();
        assert_eq!(layout.background, BackgroundOptions::default());
        assert_eq!(layout.lanes[1].name, "lane 2");
    }

    #[test]
    fn errors_name_the_problem() {
        for (edit, needle) in [
            (MINIMAL.replace("\"GAPDH\"\nreference", "\"Actin\"\nreference"), "loading_control \"Actin\""),
            (MINIMAL.replace("reference = \"a\"", "reference = \"z\""), "reference \"z\""),
            (format!("radius = -1\n{MINIMAL}"), "radius = -1"),
            (format!("background = \"grey\"\n{MINIMAL}"), "background = \"grey\""),
            (MINIMAL.replace("name = \"Bax\"", "name = \"GAPDH\""), "appears twice"),
            (MINIMAL.replace("group = \"b\"", "group = \"b\"\nx = [5, 3]"), "given for 1 of 2"),
            (MINIMAL.replace("group = \"a\"\n[[lanes]]", "group = \"a\"\nlane = 1\n[[lanes]]"), "unknown field"),
        ] {
            let err = BlotLayout::parse(&edit).unwrap_err().to_string();
            assert!(err.contains(needle), "{err} lacks {needle}");
        }
    }
}
