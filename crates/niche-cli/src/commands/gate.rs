//! `niche gate`: apply a Gating-ML 2.0 strategy (or a FlowJo workspace sample's gates) to an FCS file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use niche_cyto::{self as cyto, CompensationRef, gatingml, stats};
use niche_fcs as fcs;
use serde::Serialize;

use super::format::Table;
use super::output::Output;

/// Gate one FCS data set with a Gating-ML 2.0 strategy or a FlowJo workspace's gates: one row per
/// population with its parent, event count, percent of all events and percent of the parent.
///
/// Values are the scaled ones ($PnE decoded, divided by $PnG), as Gating-ML expects; dimensions
/// with compensation-ref="FCS" use the file's own spillover matrix.
#[derive(Args)]
pub struct GateArgs {
    /// The FCS file.
    file: PathBuf,
    /// The Gating-ML 2.0 strategy.
    #[arg(long, value_name = "GATES.xml", required_unless_present = "wsp", conflicts_with = "wsp")]
    gatingml: Option<PathBuf>,
    /// A FlowJo workspace instead: the gates of the sample given by --sample, or else of the
    /// sample whose URI file name or name is this file's name or $FIL. Populations are named by
    /// their path ("/"-joined, "/" in names escaped as "\/").
    #[arg(long, value_name = "WSP")]
    wsp: Option<PathBuf>,
    /// With --wsp: the sample whose gates to apply (its name in FlowJo, or its FCS file name).
    #[arg(long, requires = "wsp")]
    sample: Option<String>,
    /// `text` for people; `json` and `csv` for programs; `parquet` (the CSV's columns, a file:
    /// needs -o).
    #[arg(long, value_parser = Table::parser(&[Table::Text, Table::Json, Table::Csv, Table::Parquet]), default_value_t = Table::Text)]
    format: Table,
    /// Output file (default: standard output). Never an input; an existing file needs --force.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also write `DIR/Results_<population>.txt`, one 0 or 1 per event (the compliance suite's format).
    #[arg(long, value_name = "DIR")]
    membership: Option<PathBuf>,
    /// Replace existing membership files and an existing output file.
    #[arg(long)]
    force: bool,
    /// Per population, statistics of these channels ($PnN): count, mean, SD, CV, median,
    /// geometric mean, robust SD and CV, and the --percentiles.
    #[arg(long, num_args = 1.., value_name = "CHANNEL")]
    stats: Vec<String>,
    /// Percentiles to report with --stats.
    #[arg(long, value_delimiter = ',', default_values_t = [5.0, 95.0])]
    percentiles: Vec<f64>,
    /// Statistics on uncompensated values (default: compensated by the file's spillover, if any).
    #[arg(long)]
    uncompensated: bool,
    /// Which data set, counted from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    dataset: u64,
    /// A spillover matrix to use instead of the file's own (for compensation-ref="FCS" and
    /// --stats): a file holding a $SPILLOVER value, as `niche comp --format spillover` writes.
    #[arg(long, value_name = "MATRIX")]
    spillover: Option<PathBuf>,
    /// Recover from known FCS file faults, with warnings (see `niche fcs info --help`).
    #[arg(long)]
    lenient: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    file: String,
    n_events: usize,
    populations: Vec<Row<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    parent: Option<&'a str>,
    count: usize,
    absolute_percent: f64,
    relative_percent: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stats: Vec<&'a stats::ChannelStats>,
}

pub fn run(args: &GateArgs) -> Result<()> {
    args.format.needs_file(args.output.as_deref())?;
    let mut inputs: Vec<&Path> = vec![&args.file];
    inputs.extend(args.gatingml.as_deref().into_iter().chain(args.wsp.as_deref()).chain(args.spillover.as_deref()));
    let output = Output::new(args.output.as_deref(), &inputs, args.force)?;
    let file_name = args.file.display().to_string();
    let options = if args.lenient { fcs::ReadOptions::lenient() } else { fcs::ReadOptions::default() };
    let file = fcs::Reader::new(options).read_path(&args.file).with_context(|| file_name.clone())?;
    let ds = file.dataset(args.dataset as usize - 1).with_context(|| file_name.clone())?;
    let strategy = match (&args.gatingml, &args.wsp) {
        (Some(path), _) => {
            let xml = niche_study::read_text(path, niche_cyto::xml::MAX_BYTES as u64)
                .with_context(|| path.display().to_string())?;
            gatingml::parse(&xml).with_context(|| path.display().to_string())?
        }
        (None, Some(path)) => {
            let ws = super::wsp::read(path)?;
            let sample = match &args.sample {
                Some(name) => super::wsp::sample(&ws, name)?,
                None => {
                    let candidate = [(args.file.clone(), ds.keywords.get("$FIL").map(|v| v.trim().to_string()))];
                    let found: Vec<_> = ws.samples.iter().filter(|s| s.locate(&candidate).is_ok()).collect();
                    match found.as_slice() {
                        [one] => *one,
                        _ if ws.samples.len() == 1 => &ws.samples[0],
                        [] => bail!("{}: no sample matches {file_name} (name it with --sample)", path.display()),
                        _ => bail!("{}: several samples match {file_name} (name one with --sample)", path.display()),
                    }
                }
            };
            ws.strategy(sample).with_context(|| format!("{}: sample {:?}", path.display(), sample.name))?.strategy
        }
        (None, None) => bail!("give --gatingml or --wsp"),
    };
    let mut sample =
        cyto::Sample::from_dataset(&file_name, ds, fcs::Values::Scaled).with_context(|| file_name.clone())?;
    if let Some(path) = &args.spillover {
        let text =
            niche_study::read_text(path, niche_study::MAX_TEXT_BYTES).with_context(|| path.display().to_string())?;
        let mut keywords = fcs::Keywords::new();
        keywords.insert("$SPILLOVER", text.trim());
        sample.spillover = fcs::Spillover::from_keywords(&keywords, &ds.parameters)
            .with_context(|| path.display().to_string())?
            .filter(|s| !s.channels.is_empty());
        if sample.spillover.is_none() {
            bail!("{}: holds no $SPILLOVER matrix", path.display());
        }
    }
    let results = strategy.apply(&sample).with_context(|| file_name.clone())?;

    let mut warnings: Vec<String> = ds.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(results.warnings.iter().cloned());
    let compensation = if args.uncompensated { CompensationRef::Uncompensated } else { CompensationRef::Fcs };
    if !args.stats.is_empty() && !args.uncompensated && sample.spillover.is_none() {
        warnings.push(format!("{file_name} has no spillover keyword: statistics are on uncompensated values"));
    }
    let channel_stats =
        stats::gate_statistics(&strategy, &sample, &results, &args.stats, &compensation, &args.percentiles)
            .with_context(|| file_name.clone())?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }

    if let Some(dir) = &args.membership {
        write_memberships(dir, &results, args.force)?;
    }

    let rows: Vec<Row> = results
        .populations
        .iter()
        .map(|p| Row {
            id: &p.id,
            parent: p.parent.as_deref(),
            count: p.count,
            absolute_percent: p.absolute_percent,
            relative_percent: p.relative_percent,
            stats: channel_stats.iter().filter(|s| s.population == p.id).collect(),
        })
        .collect();
    let report = Report { file: file_name, n_events: results.n_events, populations: rows, warnings: &warnings };
    match args.format {
        Table::Json => output.write_with(|out| {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
            Ok(())
        }),
        Table::Csv | Table::Parquet => {
            output.write_table(args.format.is_parquet(), |out| write_csv(out, &report, &args.stats))
        }
        Table::Text => output.write_with(|out| write_text(out, &report)),
        Table::Tsv => Err(args.format.not_here()),
    }
}

fn write_memberships(dir: &Path, results: &cyto::GatingResults, force: bool) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    for p in &results.populations {
        if p.id.contains(['/', '\\']) || p.id.starts_with('.') {
            bail!("population id {:?} cannot be a file name", p.id);
        }
        let path = dir.join(format!("Results_{}.txt", p.id));
        let output = Output::new(Some(&path), &[], force)?;
        output.write_with(|out| {
            for &m in &p.membership {
                out.write_all(if m { b"1\n" } else { b"0\n" })?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn write_text(out: &mut dyn Write, report: &Report) -> Result<()> {
    writeln!(out, "{}: {} events", report.file, report.n_events)?;
    writeln!(out, "{:<28} {:<20} {:>9} {:>10} {:>10}", "population", "parent", "count", "% total", "% parent")?;
    for r in &report.populations {
        writeln!(
            out,
            "{:<28} {:<20} {:>9} {:>10.3} {:>10.3}",
            r.id,
            r.parent.unwrap_or("-"),
            r.count,
            r.absolute_percent,
            r.relative_percent
        )?;
        for s in &r.stats {
            match &s.stats {
                Some(st) => writeln!(
                    out,
                    "    {:<12} mean {:.4} median {:.4} gmean {:.4} SD {:.4} CV {:.2}% rSD {:.4} rCV {:.2}%{}",
                    s.channel,
                    st.mean,
                    st.median,
                    st.geometric_mean,
                    st.sd,
                    st.cv,
                    st.robust_sd,
                    st.robust_cv,
                    st.percentiles.iter().map(|(p, v)| format!(" P{p} {v:.4}")).collect::<String>()
                )?,
                None => writeln!(out, "    {:<12} (no events)", s.channel)?,
            }
        }
    }
    Ok(())
}

fn write_csv(out: &mut dyn Write, report: &Report, channels: &[String]) -> Result<()> {
    let mut header =
        vec!["id".to_string(), "parent".into(), "count".into(), "absolute_percent".into(), "relative_percent".into()];
    for c in channels {
        for stat in ["mean", "sd", "cv", "median", "geometric_mean", "robust_sd", "robust_cv"] {
            header.push(format!("{c} {stat}"));
        }
    }
    let mut csv = super::csv::writer(out, b',');
    csv.write_record(&header)?;
    for r in &report.populations {
        let mut fields = vec![
            r.id.to_string(),
            r.parent.unwrap_or("").to_string(),
            r.count.to_string(),
            r.absolute_percent.to_string(),
            r.relative_percent.to_string(),
        ];
        for s in &r.stats {
            match &s.stats {
                Some(st) => fields.extend(
                    [st.mean, st.sd, st.cv, st.median, st.geometric_mean, st.robust_sd, st.robust_cv]
                        .map(|v| v.to_string()),
                ),
                None => fields.extend(std::iter::repeat_n(String::new(), 7)),
            }
        }
        csv.write_record(&fields)?;
    }
    csv.flush()?;
    Ok(())
}
