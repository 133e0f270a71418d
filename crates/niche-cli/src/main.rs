//! `niche`: the command-line face of the niche toolkit. Argument parsing and glue only.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// niche — the CXCL12/CXCR4 leukemia-niche toolkit: flow cytometry files, gating, statistics,
/// a calibrated co-culture model and a virtual laboratory.
#[derive(Parser)]
#[command(name = "niche", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The seed study end to end: model → virtual lab → raw files → analysis → report, with every
    /// published number of the paper beside its reproduction and what that stands on: fitted
    /// (calibration targets and what follows from them), input, structural or predicted
    /// (reproduction.json).
    Reproduce(commands::study::ReproduceArgs),
    /// Analyse a study: read every raw file (FCS, ELISA plates, blots), gate, fit, quantify,
    /// compare, and write the report (HTML, SVG figures, CSV/JSON tables, text).
    Analyze(commands::study::AnalyzeArgs),
    /// Merge the parts of a sharded `model scan` or `analyze` (`--shard I/K -o PART.json`) into
    /// exactly the result of one unsharded run: the grid with its synergy scores, or the report.
    Merge(commands::merge::MergeArgs),
    /// Study files: write a starting one from a folder of FCS files.
    #[command(subcommand)]
    Study(commands::study_init::StudyCommand),
    /// Read, inspect and export Flow Cytometry Standard (FCS 2.0–3.2) files.
    #[command(subcommand)]
    Fcs(commands::fcs::FcsCommand),
    /// Apply a Gating-ML 2.0 gating strategy, or a FlowJo workspace sample's gates, to an FCS file:
    /// counts, percentages, statistics and per-event memberships.
    Gate(commands::gate::GateArgs),
    /// A spillover matrix from single-stain controls and an unstained tube (CSV, $SPILLOVER, or
    /// Gating-ML spectrumMatrix).
    Comp(commands::comp::CompArgs),
    /// FlowJo workspaces (.wsp): inspect, check niche's counts against FlowJo's, export Gating-ML.
    #[command(subcommand)]
    Wsp(commands::wsp::WspCommand),
    /// ELISA standard curves (4PL/5PL) and sample concentrations from plate-reader exports.
    #[command(subcommand)]
    Elisa(commands::elisa::ElisaCommand),
    /// Western-blot densitometry: ImageJ's background subtraction, lanes, bands, normalisation.
    #[command(subcommand)]
    Blot(commands::blot::BlotCommand),
    /// The virtual laboratory: simulate an experiment's raw files (FCS, ELISA plate, blots).
    #[command(subcommand)]
    Lab(commands::lab::LabCommand),
    /// The calibrated co-culture model: simulate, fit, dose grids with synergy, cohorts, SBML.
    #[command(subcommand)]
    Model(commands::model::ModelCommand),
    /// Statistics as GraphPad Prism computes them: t and rank tests, ANOVA with Tukey.
    #[command(subcommand)]
    Stats(commands::stats::StatsCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Reproduce(args) => commands::study::reproduce(&args).map(|()| ExitCode::SUCCESS),
        Command::Analyze(args) => commands::study::analyze(&args).map(|()| ExitCode::SUCCESS),
        Command::Merge(args) => commands::merge::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Study(command) => commands::study_init::run(command).map(|()| ExitCode::SUCCESS),
        Command::Fcs(command) => commands::fcs::run(command),
        Command::Gate(args) => commands::gate::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Wsp(command) => commands::wsp::run(command),
        Command::Comp(args) => commands::comp::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Stats(command) => commands::stats::run(command).map(|()| ExitCode::SUCCESS),
        Command::Elisa(command) => commands::elisa::run(command).map(|()| ExitCode::SUCCESS),
        Command::Blot(command) => commands::blot::run(command).map(|()| ExitCode::SUCCESS),
        Command::Model(command) => commands::model::run(command).map(|()| ExitCode::SUCCESS),
        Command::Lab(command) => commands::lab::run(command).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        // a reader that stops early (`niche fcs export f.fcs | head`) is not an error
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
