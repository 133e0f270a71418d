//! `niche analyze` and `niche reproduce`: the study pipelines and the report.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use niche_study::Study;
use niche_study::output::StagedDir;
use niche_study::provenance::{InputFile, Provenance, sha256};

#[derive(Args)]
pub struct AnalyzeArgs {
    /// The study file (TOML): groups, raw files with their group and replicate, gating,
    /// comparisons. See `niche_study::study` for the schema.
    study: PathBuf,
    /// Output directory for the report (default: `<study name>_report` beside the study file);
    /// with `--shard`, the part file.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Replace an existing output (an empty directory, or one holding niche's provenance.json or
    /// manifest.json; never a directory holding an input). The output is written beside it and
    /// swapped in when complete, so a killed run leaves the old output or the new one, never a mix.
    #[arg(long)]
    force: bool,
    /// Analyse only shard I of K (I from 1 to K) and write a part file (`-o PART.json`): the units
    /// k with k mod K = I − 1, counting flow wells, then ELISA plates, then blots as the study file
    /// lists them. `niche merge PART... -o DIR` makes the report of all parts, exactly the one an
    /// unsharded run writes.
    #[arg(long, value_name = "I/K")]
    shard: Option<niche_study::shard::Shard>,
}

#[derive(Args)]
pub struct ReproduceArgs {
    /// Output directory: `raw/` (the virtual lab's files and the generated study file) and the
    /// report (`report.html`, `figures/`, `tables/`, `reproduction.json`, `provenance.json`).
    #[arg(short, long, value_name = "DIR", default_value = "niche_reproduction")]
    output: PathBuf,
    /// Events per FCS tube.
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Seed of the virtual lab and the virtual cohort.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How the replicates' donors and well effects are drawn. `typical` moment-matches them to the
    /// variance model, which is fitted to the paper's SDs, so its P values partly restate them;
    /// the report labels it.
    #[arg(long, value_enum, default_value_t = SamplingArg::Random)]
    sampling: SamplingArg,
    /// Also replicate the whole study N times with independent draws (random sampling, seeds
    /// SEED+1 … SEED+N) and report, for every published number, how many replications reproduce
    /// it: the odds that a lab repeating the study sees what the paper saw. The headline counts
    /// use these rates. Under a second each; 0 skips them.
    #[arg(long, value_name = "N", default_value_t = 20)]
    repeats: usize,
    /// Replace an existing output (an empty directory, or one holding niche's provenance.json or
    /// manifest.json; never a directory holding an input). The output is written beside it and
    /// swapped in when complete, so a killed run leaves the old output or the new one, never a mix.
    #[arg(long)]
    force: bool,
    /// Skip the model's validation (leave-one-out, profiles, the alternative mechanism: about
    /// 18 s alone, run on a thread beside the lab and the analysis), which the report shows in
    /// "How well does the model predict?".
    #[arg(long)]
    no_validate: bool,
    /// The cytometer the virtual lab's flow tubes are measured on. The cells and the model's values
    /// are the same on both; the files differ, and the generated study file (raw/study.toml) names
    /// the gating and the panel that read them: `builtin:seed` and CXCR4 = "FL2-H" on the
    /// FACSCalibur, `builtin:seed-fortessa` and CXCR4 = "PE-A" on the Fortessa. Its readouts are
    /// the same, and each well's values estimate the same truth (raw/truth.json) on either.
    #[arg(long, value_enum, default_value_t = InstrumentArg::Facscalibur)]
    instrument: InstrumentArg,
}

/// `--instrument`: the virtual cytometer's profile (`niche_lab::Instrument`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InstrumentArg {
    /// BD FACSCalibur (the seed study's): FCS 2.0, FSC-H, SSC-H, FL1-H…FL4-H, 1024 channels,
    /// 4-decade log amplifiers, SPILL.
    Facscalibur,
    /// BD LSRFortessa: FCS 3.1 as FACSDiva writes it, area/height/width (FSC-A, PE-A, APC-H, FSC-W,
    /// …), linear 18-bit values 0–262143, $SPILLOVER over the -A channels.
    Fortessa,
}

impl From<InstrumentArg> for niche_lab::Instrument {
    fn from(i: InstrumentArg) -> Self {
        match i {
            InstrumentArg::Facscalibur => niche_lab::Instrument::FacsCalibur,
            InstrumentArg::Fortessa => niche_lab::Instrument::Fortessa,
        }
    }
}

/// `--sampling`: how a virtual experiment draws its replicates (`niche_model::sampling`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplingArg {
    /// The typical experiment: Latin hypercube draws rescaled to the population's mean and SD, so
    /// that five or six replicates show what the model's experiments show on average.
    Typical,
    /// Independent draws, as nature makes them (one experiment's luck included).
    Random,
}

impl From<SamplingArg> for niche_model::sampling::Sampling {
    fn from(s: SamplingArg) -> Self {
        match s {
            SamplingArg::Typical => niche_model::sampling::Sampling::Typical,
            SamplingArg::Random => niche_model::sampling::Sampling::Random,
        }
    }
}

/// Prints what the report could not make (a figure's PNG), so nothing is missing silently.
fn warn_report(report: &niche_report::ReportFiles) {
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
}

fn bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// The progress callback the pipelines take (`done`, `total`, what is being done), shown on `bar`.
fn follow(bar: &ProgressBar) -> impl Fn(usize, usize, &str) + Sync + '_ {
    move |done, total, what| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(what.to_string());
    }
}

pub fn analyze(args: &AnalyzeArgs) -> Result<()> {
    let study = Study::open(&args.study)?;
    if let Some(shard) = args.shard {
        return analyze_shard(args, &study, shard);
    }
    let dir = args.output.clone().unwrap_or_else(|| {
        let stem = args.study.file_stem().map_or("study".into(), |s| s.to_string_lossy().into_owned());
        args.study.with_file_name(format!("{stem}_report"))
    });
    let inputs = niche_study::provenance::study_inputs(&study, &args.study);
    let staged = StagedDir::begin(&dir, args.force, &inputs.iter().map(PathBuf::as_path).collect::<Vec<_>>())?;
    let progress = bar();
    progress.set_prefix("analyze");
    let results = niche_study::analyze::analyze(&study, &follow(&progress))?;
    progress.finish_and_clear();
    let inputs = inputs.iter().map(|p| sha256(p)).collect::<Result<_, _>>()?;
    write_analysis(staged, &dir, &results, inputs)
}

/// The report of an analysis (one run's or merged parts'): written into `staged`, committed,
/// warnings to stderr, the text report to stdout.
pub fn write_analysis(
    staged: StagedDir,
    dir: &std::path::Path,
    results: &niche_study::analyze::Results,
    inputs: Vec<InputFile>,
) -> Result<()> {
    let provenance = Provenance::analyze(inputs);
    let written = niche_report::write_report(staged.path(), results, None, &provenance)?;
    staged.commit()?;
    for w in &results.warnings {
        eprintln!("warning: {w}");
    }
    warn_report(&written);
    eprintln!("wrote {} files into {}; open {}", written.files.len(), dir.display(), dir.join("report.html").display());
    print!("{}", niche_report::text(results, None));
    Ok(())
}

/// `analyze --shard I/K -o PART.json`: this shard's units with their files' SHA-256.
fn analyze_shard(args: &AnalyzeArgs, study: &Study, shard: niche_study::shard::Shard) -> Result<()> {
    use niche_study::shard::{Part, Payload, study_fingerprint};
    let Some(path) = &args.output else {
        bail!("--shard {shard}: give the part file with -o PART.json (niche merge reads it)");
    };
    let output = super::output::Output::new(Some(path), &[&args.study], args.force).context("--output")?;
    let all = niche_study::analyze::units(study);
    let progress = bar();
    progress.set_prefix(format!("analyze {shard}"));
    let units = niche_study::analyze::analyze_units(study, &|k| shard.owns(k), &follow(&progress))?;
    progress.finish_and_clear();
    let inputs = all
        .iter()
        .enumerate()
        .filter(|(k, _)| shard.owns(*k))
        .map(|(k, u)| Ok((k, u.files().into_iter().map(sha256).collect::<Result<Vec<_>, _>>()?)))
        .collect::<Result<Vec<_>>>()?;
    let study_file = sha256(&args.study)?;
    let gating_file = match &study.gating {
        niche_study::study::Gating::File(p) | niche_study::study::Gating::Workspace(p) => Some(sha256(p)?),
        _ => None,
    };
    let absolute = std::path::absolute(&args.study).with_context(|| args.study.display().to_string())?;
    let n_units = units.len();
    let part = Part::new(
        study_fingerprint(&study_file),
        shard,
        all.len(),
        Payload::Analyze { study: absolute, study_file, gating_file, units, inputs },
    );
    output.write_with(|out| {
        out.write_all(part.to_json().as_bytes())?;
        Ok(())
    })?;
    eprintln!("analysed {n_units} of {} units (shard {shard}) into {}", all.len(), path.display());
    Ok(())
}

pub fn reproduce(args: &ReproduceArgs) -> Result<()> {
    if !(100..=5_000_000).contains(&args.events) {
        bail!("--events {}: give 100 to 5,000,000 per tube", args.events);
    }
    if args.repeats > 10_000 {
        bail!("--repeats {}: give at most 10,000", args.repeats);
    }
    let staged = StagedDir::begin(&args.output, args.force, &[])?;
    let out = staged.path();
    let start = std::time::Instant::now();
    let progress = bar();
    progress.set_prefix("reproduce");
    let sampling = niche_model::sampling::Sampling::from(args.sampling);
    let instrument = niche_lab::Instrument::from(args.instrument);
    eprintln!(
        "model → virtual lab → raw files ({} events per tube on the {instrument}, seed {}, {sampling} sampling)",
        args.events, args.seed
    );
    if !args.no_validate {
        eprintln!("validating the model beside it: leave-one-out, profile likelihood, an alternative mechanism");
    }
    let settings = niche_study::reproduce::RunSettings {
        events: args.events,
        seed: args.seed,
        sampling,
        instrument,
        repeats: args.repeats,
        validate: !args.no_validate,
    };
    // the replications' bar replaces the run's when the first replication starts
    let replications = std::sync::OnceLock::new();
    let reproduction = niche_study::reproduce::run(out, &settings, &follow(&progress), &|done, total, what| {
        let replicate = replications.get_or_init(|| {
            progress.finish_and_clear();
            let replicate = bar();
            replicate.set_prefix("replicate");
            replicate
        });
        follow(replicate)(done, total, what)
    })?;
    progress.finish_and_clear();
    replications.get().inspect(|b| b.finish_and_clear());
    let inputs = reproduction
        .input_files(out)
        .iter()
        .map(|p| sha256(p).map(|f| InputFile { path: staged.shown(p).display().to_string(), ..f }))
        .collect::<Result<_, _>>()?;
    let provenance = Provenance::reproduce(args.seed, args.events, &sampling, args.repeats, inputs);
    let written = niche_report::write_report(out, &reproduction.results, Some(&reproduction), &provenance)?;
    staged.commit()?;
    warn_report(&written);
    let headline = niche_study::reproduce::Headline::of(&reproduction.records);
    eprintln!(
        "{} published numbers — {}; {} files in {} ({:.1} s); open {}",
        reproduction.records.len(),
        headline.sentence(),
        written.files.len(),
        args.output.display(),
        start.elapsed().as_secs_f64(),
        args.output.join("report.html").display()
    );
    print!("{}", niche_report::text(&reproduction.results, Some(&reproduction)));
    Ok(())
}
