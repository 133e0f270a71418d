//! `niche study init`: a starting study file from a folder of FCS files.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use niche_study::init::{Pattern, init};

#[derive(Subcommand)]
pub enum StudyCommand {
    /// Write a starting study file from a folder of FCS files: groups, donors (or replicates) and
    /// tubes from the file names (`--pattern`) or, where the names do not give them, from the
    /// keywords `$SRC` (group), `$SMNO` (donor), `TUBE NAME` or `WELL ID` (tube); the panel from
    /// the files' `$PnS`. Then add the gating and the readouts (docs/STUDY.md) and run
    /// `niche analyze`.
    ///
    /// Example: `niche study init flow/ --pattern "{group}_{donor}_{tube}.fcs"` reads
    /// `co_vcr_P07_cxcr4.fcs` as group co_vcr, donor P07, tube cxcr4.
    Init(InitArgs),
}

#[derive(Args)]
pub struct InitArgs {
    /// The folder of FCS files (`*.fcs`, not recursive).
    fcs_dir: PathBuf,
    /// How file names carry the group, the donor or replicate, and the tube: literal text and the
    /// fields `{group}`, `{donor}`, `{replicate}`, `{tube}`; an earlier field takes as much as the
    /// rest allows.
    #[arg(long, default_value = "{group}_{donor}_{tube}.fcs")]
    pattern: String,
    /// The Gating-ML 2.0 file to name in the study file (relative to it).
    #[arg(long, value_name = "FILE")]
    gating: Option<String>,
    /// The study file to write (default: study.toml in FCS_DIR).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace an existing study file.
    #[arg(long)]
    force: bool,
}

pub fn run(command: StudyCommand) -> Result<()> {
    let StudyCommand::Init(args) = command;
    let pattern: Pattern = args.pattern.parse().map_err(|e: String| anyhow::anyhow!("--pattern {e}"))?;
    let output = args.output.clone().unwrap_or_else(|| args.fcs_dir.join("study.toml"));
    if output.exists() && !args.force {
        bail!("{} already exists (--force replaces it)", output.display());
    }
    let fcs_dir = args.fcs_dir.canonicalize().with_context(|| args.fcs_dir.display().to_string())?;
    let draft = init(&fcs_dir, &pattern)?;
    for (path, why) in &draft.skipped {
        eprintln!("skipped {}: {why}", path.display());
    }
    if draft.wells.is_empty() {
        bail!("{}: no file gave a group and a donor or replicate (pattern {:?})", args.fcs_dir.display(), args.pattern);
    }
    let study_dir =
        output.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from);
    // the wells' paths are written relative to the study file when it sits above them
    let study_dir = study_dir.canonicalize().with_context(|| study_dir.display().to_string())?;
    let name = fcs_dir.file_name().map_or("study".into(), |n| n.to_string_lossy().into_owned());
    let text = draft.to_toml(&name, args.gating.as_deref(), &study_dir);
    niche_lab::run::write_atomic(&output, text.as_bytes()).with_context(|| output.display().to_string())?;
    eprintln!(
        "wrote {}: {} groups, {} wells, tubes {}, a panel of {} markers; add the gating and the readouts, then `niche analyze {}`",
        output.display(),
        draft.groups.len(),
        draft.wells.len(),
        draft.tubes.join(", "),
        draft.panel.len(),
        output.display()
    );
    Ok(())
}
