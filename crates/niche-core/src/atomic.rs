//! Files written whole: readers see the old file or the complete new one, never a part.
//!
//! A file is written to a temporary file in the target's folder (`.NAME.RANDOM.tmp`, so that
//! the final rename stays on one file system), deleted if anything fails or the writer is
//! dropped, and renamed over the target at the end. On Unix the file gets mode 0666 less the
//! umask, as `File::create` and `std::fs::write` give, not the private 0600 of `tempfile`.

use std::io::Write;
use std::path::Path;

/// A new temporary file in `path`'s folder, named `.NAME.RANDOM.tmp` and deleted when dropped;
/// write into it, then `persist(path)` (or `persist_noclobber(path)` to refuse an existing file).
pub fn temp_file_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix = format!(".{}.", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir)
}

/// Writes `bytes` to `path` atomically (see the module documentation); the error is the
/// operating system's, for the caller to name the file in.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = temp_file_beside(path)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.csv");
        write(&path, b"old, longer content\n").unwrap();
        write(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["table.csv"]);
    }

    #[test]
    fn a_dropped_temporary_file_is_removed_and_the_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.fcs");
        {
            let mut file = temp_file_beside(&path).unwrap();
            let name = file.path().file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with(".out.fcs.") && name.ends_with(".tmp"), "{name}");
            file.write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn the_mode_is_that_of_file_create() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (ours, plain) = (dir.path().join("a"), dir.path().join("b"));
        write(&ours, b"x").unwrap();
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&ours), mode(&plain));
    }

    #[test]
    fn a_missing_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(&dir.path().join("missing/out.txt"), b"x").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
