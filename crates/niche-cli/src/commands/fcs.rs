//! `niche fcs info` and `niche fcs export`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use niche_fcs as fcs;
use niche_report::parquet::{Column, Values as ParquetValues};
use serde::Serialize;

use super::format::{Report, Table};
use super::output::Output;

#[derive(Subcommand)]
pub enum FcsCommand {
    /// Show each file's version and, per data set, its events, parameters, spillover, keywords and
    /// warnings.
    ///
    /// A file that cannot be read prints one line naming the file and the fault on stderr; the
    /// other files are still shown and the exit status is 1.
    Info(InfoArgs),
    /// Write a data set's events as CSV or TSV: one header row of $PnN names, one row per event.
    Export(ExportArgs),
}

#[derive(Args)]
pub struct ReadArgs {
    /// Recover from known file faults (HEADER/TEXT offset disagreement, trailing or missing DATA
    /// bytes, missing keywords with a default), with a warning for each; a file cut before its
    /// DATA shows its keywords. Without it such files are rejected; a $ENDDATA one byte too far and
    /// zero HEADER offsets with $BEGINDATA/$ENDDATA in TEXT are always read (with a warning).
    #[arg(long)]
    lenient: bool,
}

impl ReadArgs {
    fn reader(&self) -> fcs::Reader {
        fcs::Reader::new(if self.lenient { fcs::ReadOptions::lenient() } else { fcs::ReadOptions::default() })
    }
}

#[derive(Args)]
pub struct InfoArgs {
    /// FCS files to describe.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// `text` for people, `json` for programs (a stable contract: an array with one object per file).
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The FCS file to export.
    file: PathBuf,
    /// Which data set, counted from 1 (files with $NEXTDATA hold several).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    dataset: u64,
    /// `raw`: stored values; `scaled`: $PnE log decoding, division by $PnG, time × $TIMESTEP
    /// (FlowIO's "preprocessed" values).
    #[arg(long, value_enum, default_value_t = ValuesArg::Scaled)]
    values: ValuesArg,
    /// `csv`, `tsv`, or `parquet` (a file: needs -o; float64 columns named by $PnN, with
    /// $PnS as the field's `label` metadata).
    #[arg(long, value_parser = Table::parser(&[Table::Csv, Table::Tsv, Table::Parquet]), default_value_t = Table::Csv)]
    format: Table,
    /// Output file (default: standard output). Never an input; an existing file needs --force.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ValuesArg {
    Raw,
    Scaled,
}

pub fn run(command: FcsCommand) -> Result<ExitCode> {
    match command {
        FcsCommand::Info(args) => info(&args),
        FcsCommand::Export(args) => export(&args).map(|()| ExitCode::SUCCESS),
    }
}

fn read(reader: &fcs::Reader, path: &Path) -> Result<fcs::Fcs> {
    reader.read_path(path).with_context(|| path.display().to_string())
}

#[derive(Serialize)]
struct FileInfo {
    file: String,
    version: fcs::Version,
    datasets: Vec<DataSetInfo>,
}

#[derive(Serialize)]
struct DataSetInfo {
    index: usize,
    offset: u64,
    event_count: usize,
    datatype: char,
    parameters: Vec<fcs::Parameter>,
    spillover: Option<fcs::Spillover>,
    keywords: Vec<(String, String)>,
    warnings: Vec<String>,
}

fn describe(path: &Path, file: &fcs::Fcs) -> FileInfo {
    let datasets = file
        .datasets
        .iter()
        .enumerate()
        .map(|(i, ds)| {
            let mut warnings: Vec<String> = ds.warnings.iter().map(ToString::to_string).collect();
            let spillover = match ds.spillover() {
                Ok(s) => s,
                Err(e) => {
                    warnings.push(e.to_string());
                    None
                }
            };
            if let Some(s) = &spillover {
                warnings.extend(s.warnings.iter().map(ToString::to_string));
            }
            DataSetInfo {
                index: i + 1,
                offset: ds.offset,
                event_count: ds.event_count,
                datatype: ds.datatype.letter(),
                parameters: ds.parameters.clone(),
                spillover,
                keywords: ds.keywords.iter().map(|k| (k.key.clone(), k.value.clone())).collect(),
                warnings,
            }
        })
        .collect();
    FileInfo { file: path.display().to_string(), version: file.version(), datasets }
}

fn info(args: &InfoArgs) -> Result<ExitCode> {
    let reader = args.read.reader();
    let mut infos = Vec::new();
    let mut failed = false;
    for path in &args.files {
        match read(&reader, path) {
            Ok(file) => infos.push(describe(path, &file)),
            Err(e) => {
                eprintln!("error: {e:#}");
                failed = true;
            }
        }
    }
    Output::Stdout.write_with(|out| match args.format {
        Report::Json => {
            serde_json::to_writer_pretty(&mut *out, &infos)?;
            writeln!(out)?;
            Ok(())
        }
        Report::Text => infos.iter().try_for_each(|i| write_info_text(out, i)),
    })?;
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn write_info_text(out: &mut dyn Write, info: &FileInfo) -> Result<()> {
    let n = info.datasets.len();
    writeln!(out, "{}: FCS {}, {n} data set{}", info.file, info.version, if n == 1 { "" } else { "s" })?;
    for ds in &info.datasets {
        writeln!(
            out,
            "\ndata set {} (byte {}): {} events x {} parameters, $DATATYPE {}",
            ds.index,
            ds.offset,
            ds.event_count,
            ds.parameters.len(),
            ds.datatype
        )?;
        writeln!(
            out,
            "  {:>3}  {:<24} {:<24} {:>4} {:>10} {:>14} {:>8}",
            "#", "name", "label", "bits", "range", "amplification", "gain"
        )?;
        for p in &ds.parameters {
            let bits = p.bits.map_or("*".to_string(), |b| b.to_string());
            let amp = format!("{},{}", p.amplification.decades, p.amplification.offset);
            let gain = p.gain.map_or("-".to_string(), |g| g.to_string());
            let label = p.label.as_deref().unwrap_or("-");
            writeln!(
                out,
                "  {:>3}  {:<24} {:<24} {:>4} {:>10} {:>14} {:>8}",
                p.index, p.name, label, bits, p.range, amp, gain
            )?;
        }
        match &ds.spillover {
            Some(s) => writeln!(out, "  spillover: {} over {} channels: {}", s.keyword, s.n(), s.channels.join(", "))?,
            None => writeln!(out, "  spillover: none")?,
        }
        for w in &ds.warnings {
            writeln!(out, "  warning: {w}")?;
        }
        writeln!(out, "  keywords ({}):", ds.keywords.len())?;
        for (k, v) in &ds.keywords {
            writeln!(out, "    {k} = {v}")?;
        }
    }
    Ok(())
}

fn export(args: &ExportArgs) -> Result<()> {
    let output = args.format.output(args.output.as_deref(), &[&args.file], args.force)?;
    let file = read(&args.read.reader(), &args.file)?;
    let index = (args.dataset - 1) as usize;
    let ds = file.dataset(index).with_context(|| args.file.display().to_string())?;
    for w in &ds.warnings {
        eprintln!("warning: {}: {w}", args.file.display());
    }
    let values = match args.values {
        ValuesArg::Raw => fcs::Values::Raw,
        ValuesArg::Scaled => fcs::Values::Scaled,
    };
    let events = ds.events::<f64>(values).with_context(|| args.file.display().to_string())?;
    let separator = match args.format {
        Table::Csv => b',',
        Table::Tsv => b'\t',
        Table::Text | Table::Json => return Err(args.format.not_here()),
        Table::Parquet => return output.write_parquet(&parquet_columns(ds, events, args.values)),
    };
    output.write_with(|out| write_table(out, &events, separator))
}

/// One float64 column per parameter, `label` ($PnS) and `values` (raw or scaled) as metadata.
fn parquet_columns(ds: &fcs::DataSet, events: fcs::Events<f64>, values: ValuesArg) -> Vec<Column> {
    let n = events.n_events();
    let (names, _, flat) = events.into_parts();
    names
        .into_iter()
        .enumerate()
        .map(|(j, name)| {
            let mut metadata =
                vec![("values".to_string(), if matches!(values, ValuesArg::Raw) { "raw" } else { "scaled" }.into())];
            if let Some(label) = ds.parameters.get(j).and_then(|p| p.label.clone()) {
                metadata.push(("label".into(), label));
            }
            Column {
                name,
                unit: None,
                metadata,
                values: ParquetValues::Float(flat[j * n..(j + 1) * n].iter().map(|&v| Some(v)).collect()),
            }
        })
        .collect()
}

/// Writes a header of quoted-as-needed names, then one row per event.
fn write_table(out: &mut dyn Write, events: &fcs::Events<f64>, separator: u8) -> Result<()> {
    let mut header = super::csv::writer(&mut *out, separator);
    header.write_record(events.names())?;
    header.flush()?;
    drop(header);
    let columns: Vec<&[f64]> = events.columns().collect();
    let mut line = String::new();
    for i in 0..events.n_events() {
        line.clear();
        for (j, column) in columns.iter().enumerate() {
            if j > 0 {
                line.push(separator as char);
            }
            use std::fmt::Write as _;
            write!(line, "{}", column[i])?;
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}
