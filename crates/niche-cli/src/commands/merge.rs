//! `niche merge`: the parts of a sharded `model scan` or `analyze` into the whole result.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use niche_study::output::StagedDir;
use niche_study::shard::{Part, Payload, check_set, merge_analyze, merge_scan};

use super::format::Table;
use super::model::{TABLE_FORMATS, write_scan};
use super::output::Output;

#[derive(Args)]
pub struct MergeArgs {
    /// The part files (`--shard I/K -o PART.json` of `niche model scan` or `niche analyze`): one
    /// per shard, all of one run, in any order. Parts of different scans or studies, a shard given
    /// twice or missing are refused by name.
    #[arg(required = true, value_name = "PART")]
    parts: Vec<PathBuf>,
    /// The merged output: for scan parts a CSV, JSON or Parquet file (`--format`), exactly what the
    /// unsharded `model scan` writes, synergy scored over the whole grid; for analyze parts the
    /// report directory, exactly what the unsharded `analyze` writes. Written atomically.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// Replace an existing output (for a directory: only a niche output).
    #[arg(long)]
    force: bool,
    /// Scan parts: `csv`, `json` or `parquet` (the CSV's columns, units in the field metadata).
    #[arg(long, value_parser = Table::parser(TABLE_FORMATS), default_value_t = Table::Csv)]
    format: Table,
}

pub fn run(args: &MergeArgs) -> Result<()> {
    let mut parts = Vec::new();
    for path in &args.parts {
        parts.push((path.clone(), Part::read(path)?));
    }
    let parts = check_set(parts)?;
    let inputs: Vec<&std::path::Path> = args.parts.iter().map(PathBuf::as_path).collect();
    match &parts[0].1.payload {
        Payload::Scan { .. } => {
            let (spec, grid) = merge_scan(&parts)?;
            let output = Output::new(Some(&args.output), &inputs, args.force).context("--output")?;
            output.write_table(args.format.is_parquet(), |out| write_scan(out, args.format, &spec, &grid))?;
            eprintln!("merged {} parts: {} grid points into {}", parts.len(), grid.len(), args.output.display());
        }
        Payload::Analyze { study, .. } => {
            if args.output.is_file() {
                bail!("{}: is a file; analyze parts merge into a report directory", args.output.display());
            }
            let mut guarded = inputs.clone();
            guarded.push(study);
            let staged = StagedDir::begin(&args.output, args.force, &guarded)?;
            let (_, results, files) = merge_analyze(&parts)?;
            eprintln!("merged {} parts of {}", parts.len(), study.display());
            super::study::write_analysis(staged, &args.output, &results, files)?;
        }
    }
    Ok(())
}
