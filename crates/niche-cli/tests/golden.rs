//! Golden outputs: what `niche reproduce` and `niche analyze` write at a fixed seed, file for
//! file, against the copies committed in `tests/golden/`. A refactor must leave them as they are;
//! a change of behaviour updates them on purpose, in the commit that makes it:
//!
//! ```text
//! NICHE_UPDATE_GOLDEN=1 cargo test -p niche-cli --test golden
//! ```
//!
//! Compared: every JSON, CSV, TOML and text file of both outputs (the virtual lab's raw files
//! enter through the SHA-256 sums in `provenance.json`). The output directory is written as `$OUT`.
//! Numbers in JSON and CSV agree to 1e-9 relative; everything else exactly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const RELATIVE: f64 = 1e-9;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn niche(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_niche")).args(args).output().expect("niche runs");
    assert!(out.status.success(), "niche {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Every compared file under `dir`, by path relative to it, with `dir` written as `$OUT`.
fn outputs(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, found);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "csv" | "toml" | "txt")) {
                let text = std::fs::read_to_string(&path).unwrap();
                let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                found.insert(relative, text.replace(root.to_str().unwrap(), "$OUT"));
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found);
    found
}

fn numbers_agree(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= RELATIVE * a.abs().max(b.abs())
}

/// The first difference between two JSON values, as a path and the two values.
fn json_difference(path: &str, want: &serde_json::Value, got: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (want, got) {
        (Value::Number(a), Value::Number(b)) => {
            (!numbers_agree(a.as_f64().unwrap(), b.as_f64().unwrap())).then(|| format!("{path}: {a} → {b}"))
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!("{path}: {} items → {}", a.len(), b.len()));
            }
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| json_difference(&format!("{path}[{i}]"), x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            if keys(a) != keys(b) {
                return Some(format!("{path}: keys {:?} → {:?}", keys(a), keys(b)));
            }
            a.iter().find_map(|(k, x)| json_difference(&format!("{path}.{k}"), x, &b[k]))
        }
        _ => (want != got).then(|| format!("{path}: {want} → {got}")),
    }
}

/// The first difference between two CSV tables: cells that parse as numbers agree to `RELATIVE`.
fn csv_difference(want: &str, got: &str) -> Option<String> {
    let (w, g): (Vec<_>, Vec<_>) = (want.lines().collect(), got.lines().collect());
    if w.len() != g.len() {
        return Some(format!("{} lines → {}", w.len(), g.len()));
    }
    for (i, (a, b)) in w.iter().zip(&g).enumerate() {
        let (ca, cb): (Vec<_>, Vec<_>) = (a.split(',').collect(), b.split(',').collect());
        let same = ca.len() == cb.len()
            && ca.iter().zip(&cb).all(|(x, y)| match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(x), Ok(y)) => numbers_agree(x, y),
                _ => x == y,
            });
        if !same {
            return Some(format!("line {}: {a} → {b}", i + 1));
        }
    }
    None
}

fn difference(name: &str, want: &str, got: &str) -> Option<String> {
    if name.ends_with(".json") {
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
        json_difference("", &parse(want), &parse(got))
    } else if name.ends_with(".csv") {
        csv_difference(want, got)
    } else {
        want.lines().zip(got.lines()).enumerate().find(|(_, (a, b))| a != b).map_or_else(
            || (want.lines().count() != got.lines().count()).then(|| "a different number of lines".to_string()),
            |(i, (a, b))| Some(format!("line {}: {a} → {b}", i + 1)),
        )
    }
}

/// Compares `produced` with `tests/golden/NAME/`, or rewrites that under `NICHE_UPDATE_GOLDEN=1`.
fn check(name: &str, produced: &Path) {
    let got = outputs(produced);
    let gold_dir = golden_dir().join(name);
    if std::env::var_os("NICHE_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&gold_dir);
        for (file, text) in &got {
            let path = gold_dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        return;
    }
    let want = outputs(&gold_dir);
    let (want_files, got_files): (Vec<_>, Vec<_>) = (want.keys().collect(), got.keys().collect());
    assert_eq!(want_files, got_files, "{name}: the files written changed");
    let differences: Vec<String> = want
        .iter()
        .filter_map(|(file, text)| difference(file, text, &got[file]).map(|d| format!("{name}/{file}: {d}")))
        .collect();
    assert!(
        differences.is_empty(),
        "outputs differ from tests/golden (NICHE_UPDATE_GOLDEN=1 rewrites them, for a change of behaviour only):\n{}",
        differences.join("\n")
    );
}

/// `niche reproduce --events 2000 --seed 1 --repeats 0 --no-validate`, then `niche analyze` on the
/// study file it generated, give the committed outputs.
#[test]
fn reproduce_and_analyze_write_the_golden_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let reproduced = dir.path().join("reproduce");
    let rep = reproduced.to_str().unwrap();
    niche(&["reproduce", "--events", "2000", "--seed", "1", "--repeats", "0", "--no-validate", "-o", rep]);
    // the analysis of the raw files, inside the reproduction so that one $OUT stands for both
    niche(&["analyze", &format!("{rep}/raw/study.toml"), "-o", &format!("{rep}/analysis")]);
    check("reproduce", &reproduced);
    // the page itself (its figures elided: one of them is checked whole), and one figure
    let html = std::fs::read_to_string(reproduced.join("report.html")).unwrap();
    insta::assert_snapshot!("report_html_skeleton", html_skeleton(&html).replace(rep, "$OUT"));
    let svg = std::fs::read_to_string(reproduced.join("figures/readout_cxcr4_mfi.svg")).unwrap();
    insta::assert_snapshot!("figure_readout_cxcr4_mfi_svg", svg.replace("><", ">\n<"));
}

/// The report page with every inline `<svg>…</svg>` and base64 image elided, one element a line:
/// the page's structure and text, which a snapshot can show as a readable diff.
fn html_skeleton(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 4);
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</svg>").map_or(rest.len(), |e| start + e + "</svg>".len());
        out.push_str("<svg>…</svg>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    let mut elided = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(start) = rest.find("base64,") {
        elided.push_str(&rest[..start + "base64,".len()]);
        rest = &rest[start + "base64,".len()..];
        let end = rest.find(['"', '\'', ')']).unwrap_or(rest.len());
        elided.push('…');
        rest = &rest[end..];
    }
    elided.push_str(rest);
    elided.replace("><", ">\n<")
}
