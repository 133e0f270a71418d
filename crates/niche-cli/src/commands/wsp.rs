//! `niche wsp info`, `niche wsp check` and `niche wsp export-gatingml`: FlowJo workspaces.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use niche_cyto::flowjo::{self, FlowJoWorkspace, WspCompensation, WspNode, WspSample};
use niche_cyto::{self as cyto, gatingml};
use niche_fcs as fcs;
use serde::Serialize;

use super::format::Report;
use super::output::Output;

#[derive(Subcommand)]
pub enum WspCommand {
    /// Show a FlowJo workspace: samples (FCS file, compensation, transforms), groups, and each
    /// sample's population tree with the count FlowJo stored (null where FlowJo wrote -1).
    Info(InfoArgs),
    /// Gate every sample's FCS file with niche and compare niche's count of each population with
    /// the count FlowJo stored. Exits with status 1 when a difference exceeds --tolerance.
    ///
    /// Samples are matched to files in --fcs-dir by the file name of their URI (FlowJo's foreign
    /// paths such as file:/V:/… included), then by $FIL; a missing or ambiguous file is an error.
    Check(CheckArgs),
    /// Write one sample's gates as Gating-ML 2.0, listing on stderr what Gating-ML cannot express.
    ExportGatingml(ExportArgs),
    /// Apply one sample's gates (a template: its compensation, transforms and population tree) to
    /// a batch of FCS files: one row per file and population with count and percentages.
    Apply(ApplyArgs),
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The workspace (.wsp).
    wsp: PathBuf,
    /// The sample whose gates to apply (its name in FlowJo, or its FCS file name).
    #[arg(long)]
    sample: String,
    /// FCS files to gate.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// `text` for people, `json` for programs (a stable contract).
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
    /// Recover from known FCS file faults, with warnings (see `niche fcs info --help`).
    #[arg(long)]
    lenient: bool,
}

#[derive(Args)]
pub struct InfoArgs {
    /// The workspace (.wsp).
    wsp: PathBuf,
    /// `text` for people, `json` for programs (a stable contract).
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The workspace (.wsp).
    wsp: PathBuf,
    /// Directory holding the samples' FCS files.
    #[arg(long, value_name = "DIR")]
    fcs_dir: PathBuf,
    /// Largest accepted difference, in percent of FlowJo's count (0: counts must be equal).
    #[arg(long, default_value_t = 0.0, value_name = "PCT")]
    tolerance: f64,
    /// `text` for people, `json` for programs (a stable contract).
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
    /// Recover from known FCS file faults, with warnings (see `niche fcs info --help`).
    #[arg(long)]
    lenient: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The workspace (.wsp).
    wsp: PathBuf,
    /// The sample whose gates to export (its name in FlowJo, or its FCS file name).
    #[arg(long)]
    sample: String,
    /// Output Gating-ML file. Never an input; an existing file needs --force.
    #[arg(short, long, value_name = "OUT.xml")]
    output: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

pub fn run(command: WspCommand) -> Result<ExitCode> {
    match command {
        WspCommand::Info(args) => info(&args).map(|()| ExitCode::SUCCESS),
        WspCommand::Check(args) => check(&args),
        WspCommand::ExportGatingml(args) => export(&args).map(|()| ExitCode::SUCCESS),
        WspCommand::Apply(args) => apply(&args).map(|()| ExitCode::SUCCESS),
    }
}

/// Reads and parses a workspace.
pub fn read(path: &Path) -> Result<FlowJoWorkspace> {
    // refuse a huge file before reading it into memory
    let len = std::fs::metadata(path).with_context(|| path.display().to_string())?.len();
    if len > flowjo::MAX_BYTES as u64 {
        let e = cyto::Error::XmlTooLarge {
            document: cyto::XmlDocument::FlowJoWorkspace,
            bytes: len as usize,
            max: flowjo::MAX_BYTES,
        };
        return Err(anyhow::Error::new(e).context(path.display().to_string()));
    }
    let xml =
        niche_study::read_text(path, niche_cyto::xml::MAX_BYTES as u64).with_context(|| path.display().to_string())?;
    flowjo::parse(&xml).with_context(|| path.display().to_string())
}

/// The sample called `name`, or an error listing the samples.
pub fn sample<'w>(ws: &'w FlowJoWorkspace, name: &str) -> Result<&'w WspSample> {
    ws.sample(name).with_context(|| {
        let names: Vec<&str> = ws.samples.iter().map(|s| s.name.as_str()).collect();
        format!("no sample {name:?} in the workspace (it has: {})", names.join(", "))
    })
}

fn info(args: &InfoArgs) -> Result<()> {
    let ws = read(&args.wsp)?;
    Output::Stdout.write_with(|out| match args.format {
        Report::Json => {
            serde_json::to_writer_pretty(&mut *out, &ws)?;
            writeln!(out)?;
            Ok(())
        }
        Report::Text => write_info(out, &ws),
    })
}

fn write_info(out: &mut dyn Write, ws: &FlowJoWorkspace) -> Result<()> {
    let version = ws.flowjo_version.as_deref().unwrap_or("unknown");
    writeln!(out, "FlowJo {version} workspace: {} samples, {} groups", ws.samples.len(), ws.groups.len())?;
    for s in &ws.samples {
        writeln!(out, "\nsample {} (id {}): {}", s.name, s.id, s.uri.as_deref().unwrap_or("no URI"))?;
        match &s.compensation {
            WspCompensation::None => writeln!(out, "  compensation: none")?,
            WspCompensation::Matrix { name, parameters, .. } => {
                writeln!(out, "  compensation: {name} over {} parameters", parameters.len())?
            }
        }
        writeln!(out, "  transforms: {}", s.transforms.len())?;
        writeln!(out, "  populations (FlowJo count):")?;
        write_tree(out, s)?;
    }
    for g in &ws.groups {
        writeln!(
            out,
            "\ngroup {}: {} samples, {} template populations",
            g.name,
            g.sample_ids.len(),
            g.populations.len()
        )?;
    }
    Ok(())
}

fn write_tree(out: &mut dyn Write, s: &WspSample) -> Result<()> {
    for p in &s.populations {
        let count = p.flowjo_count.map_or("null".to_string(), |c| c.to_string());
        let kind = match &p.node {
            WspNode::Gate { shape, .. } => match shape {
                flowjo::WspShape::Rectangle { .. } => "rectangle",
                flowjo::WspShape::Polygon { .. } => "polygon",
                flowjo::WspShape::Ellipse { .. } => "ellipse",
            },
            WspNode::Boolean { op, .. } => match op {
                cyto::BooleanOp::And => "and",
                cyto::BooleanOp::Or => "or",
                cyto::BooleanOp::Not => "not",
            },
        };
        let indent = "  ".repeat(p.path.len());
        writeln!(out, "  {indent}{} [{kind}] {count}", flowjo::path_string(&p.path))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct CheckRow {
    sample: String,
    file: String,
    population: String,
    flowjo_count: Option<u64>,
    niche_count: usize,
    /// `null` where FlowJo stored no count.
    difference_percent: Option<f64>,
    /// `null` where FlowJo stored no count (nothing to compare).
    #[serde(rename = "match")]
    matches: Option<bool>,
}

/// FCS files in `dir`, each with its `$FIL` when it can be read.
fn candidates(dir: &Path, reader: &fcs::Reader) -> Result<Vec<(PathBuf, Option<String>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        let fil = reader
            .read_path(&path)
            .ok()
            .and_then(|f| f.datasets.first().and_then(|d| d.keywords.get("$FIL").map(|v| v.trim().to_string())));
        files.push((path, fil));
    }
    files.sort();
    Ok(files)
}

fn check(args: &CheckArgs) -> Result<ExitCode> {
    if !(args.tolerance >= 0.0 && args.tolerance.is_finite()) {
        bail!("--tolerance must be a non-negative number of percent, not {}", args.tolerance);
    }
    let ws = read(&args.wsp)?;
    let options = if args.lenient { fcs::ReadOptions::lenient() } else { fcs::ReadOptions::default() };
    let reader = fcs::Reader::new(options);
    let files = candidates(&args.fcs_dir, &reader)?;
    let mut rows = Vec::new();
    for s in &ws.samples {
        let path = s.locate(&files).with_context(|| format!("{}: {}", args.wsp.display(), args.fcs_dir.display()))?;
        let (name, sample) = read_sample(&reader, path)?;
        let strategy = ws.strategy(s).with_context(|| format!("sample {:?}", s.name))?;
        let results = strategy.strategy.apply(&sample).with_context(|| name.clone())?;
        for w in &results.warnings {
            eprintln!("warning: {name}: {w}");
        }
        for c in strategy.compare(&results)? {
            let difference = c.flowjo_count.map(|f| {
                let d = (c.niche_count as f64 - f as f64).abs();
                if f == 0 { if d == 0.0 { 0.0 } else { f64::INFINITY } } else { 100.0 * d / f as f64 }
            });
            rows.push(CheckRow {
                sample: s.name.clone(),
                file: name.clone(),
                population: c.population,
                flowjo_count: c.flowjo_count,
                niche_count: c.niche_count,
                difference_percent: difference.filter(|d| d.is_finite()),
                matches: difference.map(|d| d <= args.tolerance),
            });
        }
    }
    let mismatches = rows.iter().filter(|r| r.matches == Some(false)).count();
    Output::Stdout.write_with(|out| match args.format {
        Report::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
            Ok(())
        }
        Report::Text => {
            writeln!(out, "{:<24} {:<40} {:>12} {:>12}  match", "sample", "population", "flowjo_count", "niche_count")?;
            for r in &rows {
                let flowjo = r.flowjo_count.map_or("null".to_string(), |c| c.to_string());
                let verdict = match r.matches {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "-",
                };
                writeln!(out, "{:<24} {:<40} {flowjo:>12} {:>12}  {verdict}", r.sample, r.population, r.niche_count)?;
            }
            let compared = rows.iter().filter(|r| r.matches.is_some()).count();
            writeln!(out, "{compared} populations compared, {mismatches} beyond {}%", args.tolerance)?;
            Ok(())
        }
    })?;
    if mismatches > 0 {
        eprintln!("error: {mismatches} populations differ from FlowJo's counts by more than {}%", args.tolerance);
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn export(args: &ExportArgs) -> Result<()> {
    let ws = read(&args.wsp)?;
    let s = sample(&ws, &args.sample)?;
    let export = ws.gatingml_export(s).with_context(|| format!("sample {:?}", s.name))?;
    let output = Output::new(Some(&args.output), &[&args.wsp], args.force)?;
    output.write_with(|out| {
        out.write_all(gatingml::write(&export.strategy).as_bytes())?;
        Ok(())
    })?;
    for note in &export.notes {
        eprintln!("note: {note}");
    }
    eprintln!(
        "wrote {} gates of sample {:?} to {}{}",
        export.strategy.gates().len(),
        s.name,
        args.output.display(),
        if export.notes.is_empty() { " (everything expressed in Gating-ML 2.0)".to_string() } else { String::new() }
    );
    Ok(())
}

#[derive(Serialize)]
struct ApplyRow {
    file: String,
    population: String,
    count: usize,
    absolute_percent: f64,
    relative_percent: f64,
}

fn apply(args: &ApplyArgs) -> Result<()> {
    let ws = read(&args.wsp)?;
    let s = sample(&ws, &args.sample)?;
    let strategy = ws.strategy(s).with_context(|| format!("sample {:?}", s.name))?;
    let options = if args.lenient { fcs::ReadOptions::lenient() } else { fcs::ReadOptions::default() };
    let reader = fcs::Reader::new(options);
    let mut pool = cyto::BufferPool::default();
    let mut rows = Vec::new();
    for path in &args.files {
        let (name, events) = read_sample(&reader, path)?;
        let results = strategy.strategy.apply_with(&events, &mut pool).with_context(|| name.clone())?;
        for w in &results.warnings {
            eprintln!("warning: {name}: {w}");
        }
        for p in &strategy.populations {
            let r = results.population(&p.id).with_context(|| format!("{name}: population {}", p.id))?;
            rows.push(ApplyRow {
                file: name.clone(),
                population: p.id.clone(),
                count: r.count,
                absolute_percent: r.absolute_percent,
                relative_percent: r.relative_percent,
            });
        }
        pool.recycle(results);
    }
    Output::Stdout.write_with(|out| match args.format {
        Report::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
            Ok(())
        }
        Report::Text => {
            writeln!(out, "{:<32} {:<40} {:>10} {:>9} {:>9}", "file", "population", "count", "%all", "%parent")?;
            for r in &rows {
                writeln!(
                    out,
                    "{:<32} {:<40} {:>10} {:>9.3} {:>9.3}",
                    r.file, r.population, r.count, r.absolute_percent, r.relative_percent
                )?;
            }
            Ok(())
        }
    })
}

/// The first data set of an FCS file as scaled events, its reader's warnings printed; returns the
/// file's name for messages beside it.
fn read_sample(reader: &fcs::Reader, path: &std::path::Path) -> Result<(String, cyto::Sample)> {
    let name = path.display().to_string();
    let file = reader.read_path(path).with_context(|| name.clone())?;
    let ds = file.dataset(0).with_context(|| name.clone())?;
    for w in &ds.warnings {
        eprintln!("warning: {name}: {w}");
    }
    let sample = cyto::Sample::from_dataset(&name, ds, fcs::Values::Scaled).with_context(|| name.clone())?;
    Ok((name, sample))
}
