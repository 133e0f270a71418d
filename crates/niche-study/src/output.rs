//! Output directories that appear whole or not at all.
//!
//! `reproduce`, `analyze` and `lab run` write into a staging directory beside the target
//! (`.NAME.partial-PID.RANDOM`, a `tempfile` directory) and rename it into place when everything is written, so a run killed at
//! any moment leaves the target as it was: absent, or the previous complete output. With `--force`
//! the previous output is swapped out in one step (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere,
//! or on a file system without it, moved aside first) and then deleted. A staging directory left by
//! a killed run is removed by the next run to the same target.
//!
//! Nothing a user made is lost: an existing target is replaced only with `--force`, only if it is
//! empty or a niche output (it holds [`OUTPUT_MARKERS`]: a report's `provenance.json`, a lab run's
//! `manifest.json`, or a report's `manifest.json` from before the report's was renamed), and never
//! if it holds an input of the run.

use std::path::{Path, PathBuf};

/// Files that mark a directory as niche's output, which `--force` may replace: `provenance.json`
/// (`analyze`, `reproduce`) and `manifest.json` (`lab run`; and reports written by niche before
/// their record was renamed `provenance.json`, so older outputs can still be replaced).
pub const OUTPUT_MARKERS: [&str; 2] = ["provenance.json", "manifest.json"];

/// Why an output directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The target is a file.
    #[error("{0}: is a file, not a directory")]
    IsFile(PathBuf),
    /// The target exists, holds something, and `--force` was not given.
    #[error("{0}: the output directory is not empty (use --force to replace it)")]
    NotEmpty(PathBuf),
    /// `--force` was given but the target is not a niche output.
    #[error(
        "{0}: not a niche output (it has neither provenance.json nor manifest.json); refusing to replace it, even with --force"
    )]
    NotAnOutput(PathBuf),
    /// The target holds an input of the run.
    #[error("{dir}: the output directory holds the input {input}; choose another")]
    HoldsInput {
        /// The target.
        dir: PathBuf,
        /// The input inside it.
        input: PathBuf,
    },
    /// A file-system operation failed.
    #[error("{action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A staging directory that becomes the target on [`StagedDir::commit`], and is removed if
/// dropped uncommitted (an error, a panic).
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    /// Removed with its contents when dropped, unless cleanup is disabled once it is in place.
    staging: tempfile::TempDir,
    replace: bool,
}

impl StagedDir {
    /// Checks the target (see the module docs) and creates the staging directory beside it.
    pub fn begin(target: &Path, force: bool, inputs: &[&Path]) -> Result<StagedDir, OutputError> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().map_or("output".into(), |n| n.to_string_lossy().into_owned());
        remove_abandoned(&parent, &name);
        if target.is_file() {
            return Err(OutputError::IsFile(target.into()));
        }
        let mut replace = false;
        if target.exists() {
            let canonical = target.canonicalize().map_err(io("cannot resolve", target))?;
            if let Some(input) = inputs.iter().find(|i| i.canonicalize().is_ok_and(|i| i.starts_with(&canonical))) {
                return Err(OutputError::HoldsInput { dir: target.into(), input: input.to_path_buf() });
            }
            let empty = std::fs::read_dir(target).map_err(io("cannot list", target))?.next().is_none();
            if !empty {
                if !force {
                    return Err(OutputError::NotEmpty(target.into()));
                }
                if !OUTPUT_MARKERS.iter().any(|marker| target.join(marker).is_file()) {
                    return Err(OutputError::NotAnOutput(target.into()));
                }
            }
            replace = true;
        }
        std::fs::create_dir_all(&parent).map_err(io("cannot create", &parent))?;
        // the PID lets `remove_abandoned` tell a killed run's directory from a running one's
        let prefix = format!(".{name}.partial-{}.", std::process::id());
        let staging = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(&parent)
            .map_err(io("cannot create a staging directory in", &parent))?;
        Ok(StagedDir { target: target.into(), staging, replace })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        self.staging.path()
    }

    /// The final directory.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// `path` inside the staging directory as it will be once committed (for what outputs print).
    pub fn shown(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.staging.path()).map_or_else(|_| path.to_path_buf(), |rest| self.target.join(rest))
    }

    /// Moves the staging directory into place, swapping out the previous output if there is one.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let staging = self.staging.path().to_path_buf();
        if self.replace && self.target.exists() {
            if exchange(&staging, &self.target).is_ok() {
                // the staging path now holds the previous output
                return self.staging.close().map_err(io("cannot remove the old output", &staging));
            }
            // no atomic exchange here: move the old output aside, then the new one in
            // `.NAME.partial-PID.RANDOM.old`, which `remove_abandoned` clears if this run dies here
            let mut aside = staging.clone().into_os_string();
            aside.push(".old");
            let aside = PathBuf::from(aside);
            std::fs::rename(&self.target, &aside).map_err(io("cannot move aside", &self.target))?;
            std::fs::rename(&staging, &self.target).map_err(io("cannot rename into", &self.target))?;
            self.staging.disable_cleanup(true);
            return std::fs::remove_dir_all(&aside).map_err(io("cannot remove the old output", &aside));
        }
        std::fs::rename(&staging, &self.target).map_err(io("cannot rename into", &self.target))?;
        self.staging.disable_cleanup(true);
        Ok(())
    }
}

/// Swaps two directories atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// The error of `action` on `path`, for `map_err`.
fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |source| OutputError::Io { action, path, source }
}

/// Removes `.NAME.partial-PID.RANDOM` (and `.old`) directories in `parent` whose process is gone
/// (also the `.NAME.partial-PID` of earlier versions).
fn remove_abandoned(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else { continue };
        let pid = rest.split('.').next().unwrap_or_default();
        let alive = pid.parse::<u32>().is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("niche-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_new_output_appears_only_on_commit() {
        let root = scratch("new");
        let target = root.join("out");
        let staged = StagedDir::begin(&target, false, &[]).unwrap();
        std::fs::write(staged.path().join("manifest.json"), "{}").unwrap();
        assert!(!target.exists());
        staged.commit().unwrap();
        assert!(target.join("manifest.json").is_file());
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "no staging directory left");
    }

    #[test]
    fn an_uncommitted_output_leaves_nothing() {
        let root = scratch("dropped");
        let target = root.join("out");
        {
            let staged = StagedDir::begin(&target, false, &[]).unwrap();
            std::fs::write(staged.path().join("half.json"), "{").unwrap();
        }
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
    }

    #[test]
    fn force_swaps_a_previous_output_and_refuses_anything_else() {
        let root = scratch("force");
        let target = root.join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("notes.txt"), "mine").unwrap();
        assert!(matches!(StagedDir::begin(&target, false, &[]), Err(OutputError::NotEmpty(_))));
        assert!(matches!(StagedDir::begin(&target, true, &[]), Err(OutputError::NotAnOutput(_))));
        std::fs::write(target.join("manifest.json"), "old").unwrap();
        let input = target.join("notes.txt");
        assert!(matches!(StagedDir::begin(&target, true, &[&input]), Err(OutputError::HoldsInput { .. })));
        let staged = StagedDir::begin(&target, true, &[]).unwrap();
        std::fs::write(staged.path().join("manifest.json"), "new").unwrap();
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(target.join("manifest.json")).unwrap(), "new");
        assert!(!target.join("notes.txt").exists());
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
    }

    #[test]
    fn a_report_is_recognised_by_its_provenance_json() {
        let root = scratch("provenance");
        let target = root.join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("provenance.json"), "old").unwrap();
        std::fs::write(target.join("report.html"), "old").unwrap();
        let staged = StagedDir::begin(&target, true, &[]).unwrap();
        std::fs::write(staged.path().join("provenance.json"), "new").unwrap();
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(target.join("provenance.json")).unwrap(), "new");
        assert!(!target.join("report.html").exists(), "the previous output was replaced whole");
    }

    #[test]
    fn an_abandoned_staging_directory_is_removed() {
        let root = scratch("abandoned");
        let stale = root.join(".out.partial-4294967295");
        let aside = root.join(".out.partial-4294967294.old");
        std::fs::create_dir(&stale).unwrap();
        std::fs::create_dir(&aside).unwrap();
        let staged = StagedDir::begin(&root.join("out"), false, &[]).unwrap();
        assert!(!stale.exists());
        assert!(!aside.exists(), "an output moved aside by a run killed mid-swap is cleared too");
        drop(staged);
    }
}
