//! `niche comp`: a spillover matrix from single-stain controls.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use niche_cyto::{self as cyto, controls, gatingml};
use niche_fcs as fcs;

use super::format::Matrix;
use super::output::Output;

/// Compute a spillover matrix from an unstained tube and one single-stain tube per dye.
///
/// The unstained tube's medians are the negative reference; the positive events of each stained
/// tube are those at or above the --positive-percentile of its primary detector (no scatter
/// gate); spillover into detector j = (positive median j − unstained median j) / (the same in the
/// primary detector). A control's primary detector is the one among --channels where its 99th
/// percentile most exceeds the unstained tube's. Values are the scaled ones ($PnE decoded).
#[derive(Args)]
pub struct CompArgs {
    /// Single-stain control files, one per dye.
    #[arg(required = true)]
    stained: Vec<PathBuf>,
    /// The unstained control.
    #[arg(long, value_name = "FILE")]
    unstained: PathBuf,
    /// Detectors a control's primary may be (default: every parameter whose name does not start
    /// with FSC, SSC or Time).
    #[arg(long, value_delimiter = ',', value_name = "CHANNEL")]
    channels: Vec<String>,
    /// Percentile of the primary detector above which a stained tube's events are positive.
    #[arg(long, default_value_t = 90.0)]
    positive_percentile: f64,
    /// `csv` (dye × detector table), `spillover` (a $SPILLOVER keyword value) or `gatingml` (a
    /// Gating-ML 2.0 spectrumMatrix with id "controls").
    #[arg(long, value_enum, default_value_t = Matrix::Csv)]
    format: Matrix,
    /// Output file (default: standard output). Never an input; an existing file needs --force.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

fn read(path: &PathBuf) -> Result<cyto::Sample> {
    let name = path.display().to_string();
    let file = fcs::read(path).with_context(|| name.clone())?;
    let ds = file.dataset(0).with_context(|| name.clone())?;
    for w in &ds.warnings {
        eprintln!("warning: {name}: {w}");
    }
    cyto::Sample::from_dataset(&name, ds, fcs::Values::Scaled).with_context(|| name.clone())
}

pub fn run(args: &CompArgs) -> Result<()> {
    let inputs: Vec<&std::path::Path> =
        args.stained.iter().map(PathBuf::as_path).chain([args.unstained.as_path()]).collect();
    let output = Output::new(args.output.as_deref(), &inputs, args.force)?;
    let unstained = read(&args.unstained)?;
    let stained: Vec<cyto::Sample> = args.stained.iter().map(read).collect::<Result<_>>()?;
    let channels: Vec<String> = if args.channels.is_empty() {
        unstained
            .events
            .names()
            .iter()
            .filter(|n| !["FSC", "SSC", "TIME"].iter().any(|p| n.to_ascii_uppercase().starts_with(p)))
            .cloned()
            .collect()
    } else {
        args.channels.clone()
    };
    let controls: Vec<controls::Control> =
        stained.iter().map(|sample| controls::Control { sample, primary: None }).collect();
    let estimate = controls::spillover_from_controls(&unstained, &controls, &channels, args.positive_percentile)?;
    for c in &estimate.controls {
        eprintln!("{}: primary {}, {} positive events (≥ {})", c.sample, c.primary, c.positive_events, c.threshold);
    }
    let text = match args.format {
        Matrix::Csv => estimate.csv(),
        Matrix::Spillover => format!("{}\n", estimate.spillover_keyword()),
        Matrix::Gatingml => {
            let strategy = cyto::GatingStrategy::new(vec![], vec![estimate.compensation("controls")?], vec![])?;
            gatingml::write(&strategy)
        }
    };
    output.write_with(|out| {
        out.write_all(text.as_bytes())?;
        Ok(())
    })
}
