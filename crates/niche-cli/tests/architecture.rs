//! ARCHITECTURE.md's dependency tables against the Cargo.toml files: the crate map's "depends on"
//! column must list exactly each crate's project dependencies, and each third-party table row
//! exactly the crates that declare that dependency. A crate added, an edge added or removed, a
//! dependency moved: this test names the row that no longer says what the build does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Each workspace member's name → the names in its `[dependencies]` (not dev- or build-).
fn manifests() -> BTreeMap<String, BTreeSet<String>> {
    let root = workspace();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("Cargo.toml"))
        .filter(|p| p.is_file())
        .collect();
    paths.push(root.join("python/Cargo.toml"));
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let manifest: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = manifest["package"]["name"].as_str().unwrap().to_string();
            let dependencies = manifest
                .get("dependencies")
                .and_then(|d| d.as_table())
                .map_or_else(BTreeSet::new, |d| d.keys().cloned().collect());
            (name, dependencies)
        })
        .collect()
}

/// The backticked words of a table cell that are not inside parentheses (those are notes:
/// features, versions' details, modules).
fn names(cell: &str) -> Vec<String> {
    let (mut depth, mut inside, mut found, mut word) = (0usize, false, Vec::new(), String::new());
    for c in cell.chars() {
        match c {
            '(' if !inside => depth += 1,
            ')' if !inside => depth = depth.saturating_sub(1),
            '`' => {
                if inside && depth == 0 {
                    found.push(std::mem::take(&mut word));
                }
                word.clear();
                inside = !inside;
            }
            _ if inside => word.push(c),
            _ => {}
        }
    }
    found
}

/// A crate as the tables name it: `crates/niche-x` or `niche-x`, and `python/` for the extension.
fn crate_name(word: &str) -> Option<String> {
    match word.trim_end_matches('/') {
        "python" => Some("niche-python".into()),
        w => w.rsplit('/').next().filter(|n| n.starts_with("niche-")).map(str::to_string),
    }
}

/// The rows (cells) of the tables in the section that starts with `heading`.
fn rows(architecture: &str, heading: &str) -> Vec<Vec<String>> {
    let section = architecture.split("\n## ").find(|s| s.starts_with(heading)).unwrap_or_else(|| {
        panic!("ARCHITECTURE.md has no section {heading:?}");
    });
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| crate |") && !l.starts_with("| dependency |"))
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect())
        .collect()
}

#[test]
fn the_crate_map_lists_each_crates_project_dependencies() {
    let architecture = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    let manifests = manifests();
    let mut listed = BTreeSet::new();
    let mut wrong = Vec::new();
    for row in rows(&architecture, "Crate map") {
        let name = names(&row[0]).iter().find_map(|w| crate_name(w)).expect("a crate in the first column");
        let documented: BTreeSet<String> = names(&row[2]).iter().filter_map(|w| crate_name(w)).collect();
        let Some(dependencies) = manifests.get(&name) else {
            wrong.push(format!("{name}: in ARCHITECTURE.md but not a workspace crate"));
            continue;
        };
        let actual: BTreeSet<String> = dependencies.iter().filter(|d| d.starts_with("niche-")).cloned().collect();
        if documented != actual {
            wrong.push(format!("{name}: ARCHITECTURE.md says {documented:?}, Cargo.toml has {actual:?}"));
        }
        listed.insert(name);
    }
    for name in manifests.keys().filter(|n| !listed.contains(*n)) {
        wrong.push(format!("{name}: a workspace crate missing from ARCHITECTURE.md's crate map"));
    }
    assert!(wrong.is_empty(), "the crate map and the Cargo.toml files disagree:\n{}", wrong.join("\n"));
}

#[test]
fn the_third_party_tables_list_the_crates_that_use_each_dependency() {
    let architecture = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    let manifests = manifests();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for heading in ["Third-party dependencies added for Python", "Third-party dependencies in place of"] {
        for row in rows(&architecture, heading) {
            let documented: BTreeSet<String> = names(&row[1]).iter().filter_map(|w| crate_name(w)).collect();
            if documented.is_empty() {
                continue; // a build tool (maturin), not a Cargo dependency
            }
            for dependency in names(&row[0]) {
                let actual: BTreeSet<String> =
                    manifests.iter().filter(|(_, deps)| deps.contains(&dependency)).map(|(n, _)| n.clone()).collect();
                if documented != actual {
                    wrong.push(format!(
                        "{dependency}: ARCHITECTURE.md says {documented:?}, Cargo.toml files {actual:?}"
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} third-party dependencies found in ARCHITECTURE.md's tables");
    assert!(wrong.is_empty(), "the third-party tables and the Cargo.toml files disagree:\n{}", wrong.join("\n"));
}

#[test]
fn cells_are_read_as_the_tables_write_them() {
    assert_eq!(names("`parquet` 60 (`arrow`, `snap`; no default features), `arrow-array`"), ["parquet", "arrow-array"]);
    assert_eq!(names("`niche-fcs`, `niche-stats` (linear algebra)"), ["niche-fcs", "niche-stats"]);
    assert_eq!(crate_name("crates/niche-lab").as_deref(), Some("niche-lab"));
    assert_eq!(crate_name("python/").as_deref(), Some("niche-python"));
    assert_eq!(crate_name("python/pyproject.toml"), None);
}
