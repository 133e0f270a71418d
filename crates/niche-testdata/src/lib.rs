//! For the workspace's tests only: where the outside references are, with one rule for when they
//! are missing. A user's clone has no `../shared/data` and no reference Python, so a test that
//! needs them skips with a message saying what is missing; under `CI=true` it fails instead, so
//! that CI can never pass by skipping.
//!
//! ```no_run
//! let Some(file) = niche_testdata::shared_data("fcs/100715.fcs") else { return };
//! assert!(file.is_file());
//! ```

use std::path::PathBuf;

/// Whether this run is CI (`CI=true`), where nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The conformance data directory: `NICHE_SHARED_DATA`, or `../shared/data` beside the project.
pub fn shared_data_dir() -> PathBuf {
    match std::env::var_os("NICHE_SHARED_DATA") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// `relative` (a file or directory) inside the conformance data, or `None` with a message on
/// stderr when it is missing.
///
/// # Panics
/// When it is missing under `CI=true`.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = shared_data_dir().join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(
        !under_ci(),
        "CI=true but the conformance data is missing: {} (the suites may not skip under CI)",
        path.display()
    );
    eprintln!(
        "skipping: {} not found (the conformance data ships beside the project, in ../shared/data, \
         or set NICHE_SHARED_DATA)",
        path.display()
    );
    None
}

/// The reference Python (`NICHE_PYTHON`, which `.ci/run` points at `.ci/.venv`), or `None` with a
/// message naming the packages `needs` when it is unset.
///
/// # Panics
/// When it is unset under `CI=true`.
pub fn python(needs: &str) -> Option<String> {
    match std::env::var("NICHE_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(!under_ci(), "CI=true but NICHE_PYTHON (a Python with {needs}) is not set");
            eprintln!("skipping: set NICHE_PYTHON to a Python with {needs} (.ci/run makes .ci/.venv)");
            None
        }
    }
}
