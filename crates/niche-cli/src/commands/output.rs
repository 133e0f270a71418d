//! Writing command output safely: to stdout, or atomically to a file that is never an input.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Where a command writes its data.
pub enum Output {
    /// Standard output.
    Stdout,
    /// A file, written through a temporary file beside it and renamed into place.
    File {
        /// The final path.
        path: PathBuf,
        /// Whether an existing file may be replaced (`--force`).
        force: bool,
    },
}

impl Output {
    /// Chooses the destination; refuses to overwrite an input, or an existing file without `force`.
    pub fn new(path: Option<&Path>, inputs: &[&Path], force: bool) -> Result<Output> {
        let Some(path) = path else { return Ok(Output::Stdout) };
        for input in inputs {
            if same_file(path, input) {
                bail!("{}: refusing to write over an input file", path.display());
            }
        }
        if path.exists() && !force {
            bail!("{}: already exists (use --force to replace it)", path.display());
        }
        Ok(Output::File { path: path.to_path_buf(), force })
    }

    /// Runs `write` against the destination and, for a file, moves it into place on success.
    pub fn write_with(&self, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
        match self {
            Output::Stdout => {
                let stdout = std::io::stdout();
                let mut lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
                write(&mut lock)?;
                lock.flush().or_else(ignore_broken_pipe)?;
                Ok(())
            }
            Output::File { path, force } => {
                // the temporary file is deleted when dropped: an error leaves no partial file
                let file = niche_core::atomic::temp_file_beside(path)
                    .with_context(|| format!("{}: cannot create", path.display()))?;
                let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
                write(&mut out)?;
                let file = out.into_inner().map_err(|e| e.into_error())?;
                let persisted = if *force { file.persist(path) } else { file.persist_noclobber(path) };
                match persisted {
                    Ok(_) => Ok(()),
                    Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                        bail!("{}: already exists (use --force to replace it)", path.display())
                    }
                    Err(e) => Err(e.error).with_context(|| format!("{}: cannot move into place", path.display())),
                }
            }
        }
    }
}

impl Output {
    /// Writes the table that `write_csv` prints as CSV: as that CSV, or with `parquet` as a
    /// Parquet file of the same columns and values (units from the column names).
    pub fn write_table(&self, parquet: bool, write_csv: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
        if !parquet {
            return self.write_with(write_csv);
        }
        let mut csv = Vec::new();
        write_csv(&mut csv)?;
        let csv = String::from_utf8(csv).context("the table is not UTF-8")?;
        let columns = niche_report::parquet::from_csv(&csv, niche_report::parquet::unit_of)?;
        self.write_parquet(&columns)
    }

    /// Writes `columns` as a Parquet file.
    pub fn write_parquet(&self, columns: &[niche_report::parquet::Column]) -> Result<()> {
        if matches!(self, Output::Stdout) {
            // the commands check this before any work (`Table::output`); this keeps binary out
            // of a terminal whatever the caller
            return super::format::Table::Parquet.needs_file(None);
        }
        let mut bytes = Vec::new();
        niche_report::parquet::write(columns, &mut bytes)?;
        self.write_with(|out| Ok(out.write_all(&bytes)?))
    }
}

fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(e) }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
