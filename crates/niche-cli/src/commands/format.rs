//! `--format`: one enum per kind of output, shared by every command that prints that kind.
//!
//! - [`Report`]: one result, for people or programs (`stats compare`, `stats audit`, `model fit`,
//!   `model validate`, `elisa fit`, `blot quantify`, `fcs info`, `wsp info`, `wsp apply`,
//!   `wsp check`).
//! - [`Table`]: rows (`stats table1`, `model simulate`, `model scan`, `model cohort`, `merge` of
//!   scan parts, `fcs export`, `gate`). A command accepts the values it can write, listed in its
//!   own order: `value_parser = Table::parser(&[…])` instead of `value_enum`, so `--help` and the
//!   error for any other value list exactly those.
//! - [`Matrix`]: a compensation matrix (`comp`).
//!
//! The variants have no doc comments: clap would print them in every `--help` as a list of values
//! with their meaning; each argument's own help says what its values mean.

use std::ffi::OsStr;
use std::path::Path;

use anyhow::{Result, bail};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Arg, Command, ValueEnum};

use super::output::Output;

/// A result printed for people (`text`) or as JSON for programs (`json`, a stable contract).
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Report {
    Text,
    Json,
}

/// Rows: aligned `text` for people; `csv`, `tsv` or `json` for programs; `parquet`, the CSV's
/// columns typed in a Parquet file (binary, so only to a file: see [`Table::output`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Table {
    Text,
    Csv,
    Tsv,
    Json,
    Parquet,
}

/// A compensation matrix: `csv` (dye × detector), `spillover` (an FCS `$SPILLOVER` value) or
/// `gatingml` (a Gating-ML 2.0 `spectrumMatrix`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Matrix {
    Csv,
    Spillover,
    Gatingml,
}

impl Table {
    /// The `value_parser` of a command's `--format` that accepts only `accepted`, in that order.
    pub fn parser(accepted: &'static [Table]) -> TableParser {
        TableParser { accepted }
    }

    /// Whether this is `parquet`.
    pub fn is_parquet(self) -> bool {
        self == Table::Parquet
    }

    /// Checks that `--format parquet` has `-o FILE`: Parquet is binary and written whole, so it goes
    /// to a file, never to standard output.
    pub fn needs_file(self, output: Option<&Path>) -> Result<()> {
        if self.is_parquet() && output.is_none() {
            bail!("--format parquet writes a file: give -o FILE");
        }
        Ok(())
    }

    /// Checks `--format parquet` has `-o`, then chooses the output ([`Output::new`]).
    pub fn output(self, path: Option<&Path>, inputs: &[&Path], force: bool) -> Result<Output> {
        self.needs_file(path)?;
        Output::new(path, inputs, force)
    }

    /// The error for a value the command's parser does not accept (which clap has refused
    /// before a command runs), for the match arms of such values.
    pub fn not_here(self) -> anyhow::Error {
        anyhow::anyhow!("--format {self} is not available for this command")
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // every variant has a name: none is `#[value(skip)]`
        let name = self.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
        f.write_str(&name)
    }
}

/// Parses a [`Table`] `--format` among the values a command accepts; clap lists them, in that
/// order, in `--help` and in the error for any other value (`PossibleValuesParser`'s own error).
#[derive(Clone)]
pub struct TableParser {
    accepted: &'static [Table],
}

impl TableParser {
    fn names(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.accepted.iter().filter_map(|t| t.to_possible_value())
    }
}

impl TypedValueParser for TableParser {
    type Value = Table;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<Table, clap::Error> {
        let name = PossibleValuesParser::new(self.names()).parse_ref(cmd, arg, value)?;
        let ignore_case = arg.is_some_and(Arg::is_ignore_case_set);
        self.accepted
            .iter()
            .copied()
            .find(|t| t.to_possible_value().is_some_and(|v| v.matches(&name, ignore_case)))
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[arg(long, value_parser = Table::parser(&[Table::Text, Table::Csv, Table::Json]), default_value_t = Table::Text)]
        format: Table,
    }

    #[test]
    fn a_command_accepts_its_own_values_only() {
        assert_eq!(Cli::try_parse_from(["x", "--format", "csv"]).unwrap().format, Table::Csv);
        assert_eq!(Cli::try_parse_from(["x"]).unwrap().format, Table::Text);
        let e = Cli::try_parse_from(["x", "--format", "parquet"]).err().unwrap().to_string();
        assert!(e.contains("[possible values: text, csv, json]"), "{e}");
    }

    #[test]
    fn parquet_needs_a_file() {
        let e = Table::Parquet.needs_file(None).unwrap_err().to_string();
        assert_eq!(e, "--format parquet writes a file: give -o FILE");
        assert!(Table::Parquet.needs_file(Some(Path::new("x.parquet"))).is_ok());
        assert!(Table::Csv.needs_file(None).is_ok());
        assert_eq!(Table::Tsv.to_string(), "tsv");
    }
}
