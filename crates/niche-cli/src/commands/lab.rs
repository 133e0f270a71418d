//! `niche lab run`: the virtual laboratory.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use niche_core::Assay;
use niche_lab::Design;
use niche_study::output::StagedDir;

#[derive(Subcommand)]
pub enum LabCommand {
    /// Simulate an experiment and write the raw files a lab would have: FCS tubes, an ELISA plate
    /// export, Western-blot images, their layouts, `manifest.json` and `truth.json`.
    ///
    /// Each replicate is a virtual donor (the model's donor variability) whose cells go into every
    /// group. Per well, three FCS tubes: CD45 / CXCR4-PE / CD19-APC, the isotype-PE control, and
    /// Annexin V-FITC / PI; as a FACSCalibur writes them (FCS 2.0, FL1-H…FL4-H, log amplifiers) or,
    /// with `--instrument fortessa`, as an LSRFortessa does (FCS 3.1, area/height/width, FITC-A,
    /// PE-A, PerCP-Cy5-5-A, APC-A, linear 0–262143). One CXCL12 ELISA plate (Gen5-style
    /// CSV and its layout TOML), and blots (16-bit TIFF, one lane per group, GAPDH / Bcl-2 / Bax).
    /// `manifest.json` says what every file is (assay, tube, group, replicate, layout);
    /// `truth.json` holds the model's values, which the analysis never reads; `study.toml` is the
    /// study file that `niche analyze` reads them with. Everything is reproducible from `--seed`.
    /// `manifest.json` records the instrument (`design.instrument`).
    ///
    /// Without `--study` the seed study is simulated: five groups (ALL alone, co-culture, with
    /// AMD3100, with VCR, with VCR and AMD3100), five replicates (what the paper's P values
    /// support: `niche stats audit`), three blots. A design file is TOML with `replicates` (one number,
    /// or per assay: `{ flow = 6, elisa = 5, blot = 3 }`), `events`, `blot_cv`, `sampling`,
    /// `instrument` (`"facscalibur"` or `"fortessa"`) and the study file's `[[group]]` tables (`id`, `label`, `coculture = "MSC"`, `treatments = {
    /// vincristine = "1 umol/L", AMD3100 = "5 ug/mL" }`); the lab simulates what the model knows
    /// and refuses other treatments. `patients = 37` makes a cohort: 37 patients (P01…P37) are
    /// the donors, each patient's cells in every group; the study file names the wells by donor.
    /// ELISA samples fill as many plates as they need (40 per plate in duplicate beside the
    /// standards; `elisa/cxcl12_plate_<k>.csv` and its layout when there are several).
    ///
    /// Each well holds its donor's model state plus the between-experiment variation the donor
    /// model does not explain, from a variance function of the condition fitted to the paper's SDs
    /// (`niche_model::residual`); `truth.json` gives the donor's state (`model`), the well's
    /// (`readouts`) and the well's between-experiment SD per readout (`between_sd`).
    Run(RunArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// A design file (TOML); the seed study when absent.
    #[arg(long, value_name = "FILE")]
    study: Option<PathBuf>,
    /// Events per FCS tube (default: the design's, 20,000 for the seed study).
    #[arg(long)]
    events: Option<usize>,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How the replicates' donors and well effects are drawn (default: the design's, typical).
    #[arg(long, value_enum)]
    sampling: Option<crate::commands::study::SamplingArg>,
    /// The cytometer the flow tubes are measured on (default: the design's `instrument`, else the
    /// FACSCalibur). The same cells, donors and truth.json on either; only the files differ.
    #[arg(long, value_enum)]
    instrument: Option<crate::commands::study::InstrumentArg>,
    /// Output directory; must be empty or absent unless `--force`. Written beside it and renamed
    /// into place when complete.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Replace an existing output (a directory holding niche's manifest.json or provenance.json),
    /// swapped out in one step when the new one is complete.
    #[arg(long)]
    force: bool,
}

pub fn run(command: LabCommand) -> Result<()> {
    match command {
        LabCommand::Run(args) => run_lab(&args),
    }
}

fn run_lab(args: &RunArgs) -> Result<()> {
    let mut design = match &args.study {
        Some(path) => {
            let name = path.display().to_string();
            let text = niche_study::read_text(path, niche_study::MAX_TEXT_BYTES).with_context(|| name.clone())?;
            Design::parse(&text).with_context(|| name.clone())?
        }
        None => Design::seed(),
    };
    if let Some(events) = args.events {
        design.events = events;
    }
    if let Some(sampling) = args.sampling {
        design.sampling = sampling.into();
    }
    if let Some(instrument) = args.instrument {
        design.instrument = instrument.into();
    }
    design.check()?;
    let dir = &args.output;
    let staged = StagedDir::begin(dir, args.force, &args.study.iter().map(PathBuf::as_path).collect::<Vec<_>>())?;
    let start = std::time::Instant::now();
    let (manifest, truth) =
        niche_lab::run::run(&design, args.seed, staged.path()).with_context(|| dir.display().to_string())?;
    let targets = niche_model::targets::seed()?;
    let study = niche_study::reproduce::lab_study_file(&manifest, targets);
    niche_lab::run::write_atomic(&staged.path().join("study.toml"), study.as_bytes())?;
    staged.commit()?;
    let count = |assay| manifest.files.iter().filter(|f| f.assay == assay).count();
    eprintln!(
        "wrote {} FCS tubes, {} ELISA plate{}, {} blots for {} wells into {} in {:.2} s (manifest.json, truth.json, study.toml)",
        count(Assay::Flow),
        count(Assay::Elisa),
        if count(Assay::Elisa) == 1 { "" } else { "s" },
        count(Assay::Blot),
        truth.wells.len(),
        dir.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
