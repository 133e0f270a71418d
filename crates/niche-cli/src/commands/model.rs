//! `niche model`: simulate, calibrate, scan dose grids, and export the co-culture model.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use niche_model::ode::STATE_NAMES;
use niche_model::scan::{GridPoint, GridSpec, cohort, scan, scan_points};
use niche_model::simulate::{Readouts, Tolerances, simulate};
use niche_model::{Condition, Parameters};
use niche_study::calibration::FitReport;
use niche_study::shard::{Part, Payload, ScanSpec};
use serde_json::json;
use std::io::Write;

use super::format::{Report, Table};
use super::output::Output;

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Simulate one well: the nine states and the assay readouts over time.
    ///
    /// Blasts start untreated (receptors at steady state, no CXCL12, no apoptosis) and are put on
    /// MSCs (`--msc`) with the given doses at t = 0. Doses as the paper gives them.
    Simulate(SimulateArgs),
    /// Calibrate the model to the seed paper and report the fit.
    ///
    /// Weighted least squares (1/SD²) of the 24 h group means: CXCR4 MFI, CXCL12, apoptosis. Lists
    /// every target (published, model, within one SD), the directions the paper states (Western
    /// blots, AMD3100 alone), the parameter estimates with 95% CIs, and the donor variability
    /// fitted to the replicate SDs.
    Fit(FitArgs),
    /// Simulate a VCR × AMD3100 dose grid with every readout and Bliss, HSA, Loewe and ZIP scores
    /// (positive = synergy; the grid needs dose 0 of each drug for the scores).
    ///
    /// Large grids split across processes or machines: `--shard I/K -o PART.json` computes grid
    /// points k (k = i·n_amd + j) with k mod K = I − 1, and `niche merge PART... -o grid.csv` scores
    /// synergy over the whole grid and writes exactly what one unsharded scan writes. Every point
    /// sees the same donors, drawn from `--seed` and `--donors` alone.
    Scan(ScanArgs),
    /// Virtual newly diagnosed and R/R patients whose CXCR4 follows Figure 1, and what AMD3100
    /// adds to VCR for each.
    Cohort(CohortArgs),
    /// Export the model as SBML Level 3 Version 2 (COPASI, libRoadRunner, Tellurium): species,
    /// reactions with kinetic laws, units, SBO terms and UniProt annotations, with one group's
    /// doses as the values of `msc`, `vcr_um` and `amd_ug_per_ml`.
    ExportSbml(ExportArgs),
    /// Export a COMBINE archive (OMEX): the SBML model, a SED-ML experiment with one 24 h task per
    /// group (its doses as model changes; the readouts as data generators and plots), manifest
    /// and metadata. The seed study's five groups, or a design file's (`--study`).
    ExportOmex(OmexArgs),
    /// How well does the model predict? Leave-one-out (each calibration target refitted without
    /// and predicted), profile likelihood of every free parameter (bounded, one-sided or flat),
    /// and an alternative mechanism (MSC protection through a route AMD3100 does not touch)
    /// calibrated to the same targets, with χ², AIC, BIC and leave-one-out errors of both.
    Validate(ValidateArgs),
}

#[derive(Args)]
pub struct ValidateArgs {
    /// `text` for people, `json` for programs (`targets`, `relations`, `parameters`, `models`,
    /// `verdict`).
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// Vincristine, µmol/L.
    #[arg(long, default_value_t = 0.0, value_name = "UM")]
    vcr: f64,
    /// AMD3100, µg/mL (5 µg/mL ≈ 10 µmol/L).
    #[arg(long, default_value_t = 0.0, value_name = "UGML")]
    amd: f64,
    /// Co-culture on MSCs (otherwise blasts alone).
    #[arg(long)]
    msc: bool,
    /// Hours to simulate.
    #[arg(long, default_value_t = 24.0)]
    hours: f64,
    /// Output times per hour.
    #[arg(long, default_value_t = 1)]
    per_hour: u32,
    /// `csv` or `json`, or `parquet` (the CSV's columns, units in the field metadata; a file:
    /// needs -o).
    #[arg(long, value_parser = Table::parser(TABLE_FORMATS), default_value_t = Table::Csv)]
    format: Table,
    /// Output file (default: standard output). An existing file needs --force.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct FitArgs {
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
    /// Report the shipped calibrated parameters instead of fitting again.
    #[arg(long)]
    no_refit: bool,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Vincristine doses, µmol/L, comma-separated (e.g. `0,0.01,0.1,1`).
    #[arg(long, value_delimiter = ',', required = true, value_name = "LIST")]
    vcr: Vec<f64>,
    /// AMD3100 doses, µg/mL, comma-separated.
    #[arg(long, value_delimiter = ',', required = true, value_name = "LIST")]
    amd: Vec<f64>,
    /// Co-culture on MSCs (otherwise blasts alone).
    #[arg(long)]
    msc: bool,
    /// Virtual donors per grid point (0: the calibrated mean model).
    #[arg(long, default_value_t = 0)]
    donors: usize,
    /// Seed for the donors.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Culture hours.
    #[arg(long, default_value_t = 24.0)]
    hours: f64,
    /// `csv` or `json`, or `parquet` (the CSV's columns, units in the field metadata; a file:
    /// needs -o).
    #[arg(long, value_parser = Table::parser(TABLE_FORMATS), default_value_t = Table::Csv)]
    format: Table,
    /// Compute only shard I of K (I from 1 to K): the grid points k with k mod K = I − 1, written
    /// with full precision and without synergy scores to the part file `-o`; `niche merge` makes
    /// the grid of the parts.
    #[arg(long, value_name = "I/K")]
    shard: Option<niche_study::shard::Shard>,
    /// Write to FILE instead of standard output (atomically: a temporary file renamed into place).
    /// Needed with `--shard` and `--format parquet`; an existing file needs --force.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct CohortArgs {
    /// Patients per cohort.
    #[arg(long, default_value_t = 100)]
    patients: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How patients are drawn from each cohort's distribution.
    #[arg(long, value_enum, default_value_t = crate::commands::study::SamplingArg::Random)]
    sampling: crate::commands::study::SamplingArg,
    /// `csv` or `json`, or `parquet` (the CSV's columns, units in the field metadata; a file:
    /// needs -o).
    #[arg(long, value_parser = Table::parser(TABLE_FORMATS), default_value_t = Table::Csv)]
    format: Table,
    /// Output file (default: standard output). An existing file needs --force.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Output file (stdout when absent). Refuses to overwrite unless `--force`.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Overwrite an existing output file.
    #[arg(long)]
    force: bool,
    /// Vincristine, µmol/L.
    #[arg(long, default_value_t = 1.0, value_name = "UM")]
    vcr: f64,
    /// AMD3100, µg/mL.
    #[arg(long, default_value_t = 5.0, value_name = "UGML")]
    amd: f64,
    /// Blasts alone (default: co-culture on MSCs).
    #[arg(long)]
    no_msc: bool,
    /// Take the doses of this group (of the seed study, or of `--study`) instead of
    /// `--vcr`/`--amd`/`--no-msc`.
    #[arg(long, value_name = "ID", conflicts_with_all = ["vcr", "amd", "no_msc"])]
    group: Option<String>,
    /// A design file (TOML, as `niche lab run --study` reads) whose groups `--group` names.
    #[arg(long, value_name = "FILE", requires = "group")]
    study: Option<PathBuf>,
}

#[derive(Args)]
pub struct OmexArgs {
    /// The archive to write (`.omex`). Refuses to overwrite unless `--force`.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Overwrite an existing archive.
    #[arg(long)]
    force: bool,
    /// A design file (TOML, as `niche lab run --study` reads): its groups instead of the seed
    /// study's.
    #[arg(long, value_name = "FILE")]
    study: Option<PathBuf>,
}

/// The `--format` values of the model's tables, in this order (and of merged scans: `niche merge`).
pub const TABLE_FORMATS: &[Table] = &[Table::Csv, Table::Json, Table::Parquet];

pub fn run(command: ModelCommand) -> Result<()> {
    match command {
        ModelCommand::Simulate(a) => simulate_command(&a),
        ModelCommand::Fit(a) => fit_command(&a),
        ModelCommand::Scan(a) => scan_command(&a),
        ModelCommand::Cohort(a) => cohort_command(&a),
        ModelCommand::ExportSbml(a) => export_command(&a),
        ModelCommand::ExportOmex(a) => omex_command(&a),
        ModelCommand::Validate(a) => validate_command(&a),
    }
}

fn validate_command(a: &ValidateArgs) -> Result<()> {
    let start = std::time::Instant::now();
    let n = niche_lab::Design::seed().replicates.flow;
    let v = niche_model::validate::validate(n)?;
    eprintln!("validated in {:.1} s", start.elapsed().as_secs_f64());
    Output::Stdout.write_with(|out| {
        match a.format {
            Report::Json => {
                serde_json::to_writer_pretty(&mut *out, &v)?;
                writeln!(out)?;
            }
            Report::Text => {
                writeln!(out, "leave-one-out (each target refitted without it and predicted; SEM with n = {n}):")?;
                writeln!(
                    out,
                    "  {:<44} {:>10} {:>8} {:>10} {:>10} {:>7} {:>7}",
                    "target", "published", "SD", "fitted", "predicted", "z (SD)", "z (SEM)"
                )?;
                for t in &v.targets {
                    writeln!(
                        out,
                        "  {:<44} {:>10.3} {:>8.3} {:>10.3} {:>10.3} {:>7.2} {:>7.2}",
                        t.id, t.published, t.sd, t.fitted, t.loo_prediction, t.z, t.z_sem
                    )?;
                }
                writeln!(
                    out,
                    "\nrelations not fitted, over the {} leave-one-out fits:",
                    v.relations.first().map_or(0, |r| r.of)
                )?;
                for r in &v.relations {
                    writeln!(
                        out,
                        "  {:<50} {:<28} full fit {:<5} holds in {} of {}",
                        r.id, r.claim, r.full_fit, r.holds_in, r.of
                    )?;
                }
                writeln!(out, "\nprofile likelihood (95 %: Δχ² < {:.2}):", niche_model::validate::PROFILE_THRESHOLD)?;
                let end = |e: Option<f64>| e.map_or("open".to_string(), |x| format!("{x:.4e}"));
                for p in &v.parameters {
                    writeln!(
                        out,
                        "  {:<26} {:>12.4e}  [{:>11}, {:>11}]  {:?}",
                        p.name,
                        p.estimate,
                        end(p.profile_low),
                        end(p.profile_high),
                        p.identifiable
                    )?;
                }
                writeln!(out, "\nmechanisms:")?;
                for m in &v.models {
                    writeln!(
                        out,
                        "  {:<18} χ² {:>7.2}  AIC {:>7.2}  BIC {:>7.2}  LOO median |z| {:.2}  ({})",
                        m.name, m.chi2, m.aic, m.bic, m.loo_median_abs_z, m.description
                    )?;
                }
                writeln!(out, "\n{}", v.verdict)?;
            }
        }
        Ok(())
    })
}

const READOUT_COLUMNS: &str = "apoptosis_percent,early_percent,late_percent,cxcr4_mfi,cxcl12_ng_per_ml,bax,bcl2";

fn readout_cells(r: &Readouts) -> String {
    format!(
        "{:.6},{:.6},{:.6},{:.6},{:.8},{:.6},{:.6}",
        r.apoptosis_percent, r.early_percent, r.late_percent, r.cxcr4_mfi, r.cxcl12_ng_per_ml, r.bax, r.bcl2
    )
}

fn simulate_command(a: &SimulateArgs) -> Result<()> {
    let output = a.format.output(a.output.as_deref(), &[], a.force)?;
    if !(a.hours.is_finite() && a.hours > 0.0 && a.hours <= 24.0 * 30.0) {
        bail!("--hours {}: give a positive number of hours (at most 720)", a.hours);
    }
    let steps = (a.hours * f64::from(a.per_hour.max(1))).ceil() as usize;
    let times: Vec<f64> = (0..=steps).map(|k| (k as f64 / f64::from(a.per_hour.max(1))).min(a.hours)).collect();
    let p = Parameters::default();
    let condition = Condition { msc: a.msc, vcr_um: a.vcr, amd_ug_per_ml: a.amd };
    let t = simulate(&p, &condition, &times, Tolerances::default())?;
    output.write_table(a.format.is_parquet(), |out| {
        match a.format {
            Table::Csv | Table::Parquet => {
                // states (Bax and Bcl-2 among them), then the assay readouts
                writeln!(
                    out,
                    "time_h,{},apoptosis_percent,early_percent,late_percent,cxcr4_mfi,cxcl12_ng_per_ml",
                    STATE_NAMES.join(",")
                )?;
                for (time, s) in t.times.iter().zip(&t.states) {
                    let states: Vec<String> = s.iter().map(|v| format!("{v:.8e}")).collect();
                    let r = Readouts::of(&p, s);
                    writeln!(
                        out,
                        "{time},{},{:.6},{:.6},{:.6},{:.6},{:.8}",
                        states.join(","),
                        r.apoptosis_percent,
                        r.early_percent,
                        r.late_percent,
                        r.cxcr4_mfi,
                        r.cxcl12_ng_per_ml
                    )?;
                }
            }
            Table::Text | Table::Tsv => return Err(a.format.not_here()),
            Table::Json => {
                let rows: Vec<_> = t
                    .times
                    .iter()
                    .zip(&t.states)
                    .map(|(time, s)| {
                        let states: serde_json::Map<String, serde_json::Value> =
                            STATE_NAMES.iter().zip(s).map(|(n, v)| (n.to_string(), json!(v))).collect();
                        json!({"time_h": time, "states": states, "readouts": Readouts::of(&p, s)})
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &json!({"condition": condition, "trajectory": rows}))?;
                writeln!(out)?;
            }
        }
        Ok(())
    })
}

fn fit_command(a: &FitArgs) -> Result<()> {
    let fit = FitReport::compute(!a.no_refit)?;
    let FitReport { calibration: report, variability, variance, mfi_decomposition: mfi_parts, .. } = &fit;
    Output::Stdout.write_with(|out| {
        match a.format {
            Report::Json => {
                serde_json::to_writer_pretty(&mut *out, &fit.to_json())?;
                writeln!(out)?;
            }
            Report::Text => {
                writeln!(out, "calibration to the seed paper: χ² = {:.3} over {} targets ({} LM iterations)", report.chi_square, report.targets.len(), report.iterations)?;
                writeln!(out, "\n{:<44} {:>10} {:>8} {:>10} {:>7}", "target", "published", "SD", "model", "(m−p)/SD")?;
                for t in &report.targets {
                    writeln!(out, "{:<44} {:>10.3} {:>8.3} {:>10.3} {:>7.2}", t.id, t.published, t.sd, t.model, t.z_sd)?;
                }
                writeln!(out, "\ndirections:")?;
                for d in &report.directions {
                    writeln!(out, "  {} {:<46} {} ({:.4} vs {:.4})", if d.pass { "pass" } else { "FAIL" }, d.id, d.claim, d.model.0, d.model.1)?;
                }
                writeln!(out, "\nestimates (95% CI){}:", if report.identifiable { "" } else { " — not all identifiable" })?;
                for e in &report.estimates {
                    writeln!(out, "  {:<26} {:>12.5e}  [{:.4e}, {:.4e}]", e.name, e.value, e.ci95.0, e.ci95.1)?;
                }
                writeln!(out, "\nCXCR4 MFI change vs blasts alone = masking (12G5 vs AMD3100) + synthesis (VCR) + trafficking (internalisation):")?;
                for m in mfi_parts {
                    writeln!(out, "  {:<20} {:>8.1} = {:>8.1} + {:>8.1} + {:>8.1}", m.group, m.total, m.masking, m.synthesis, m.trafficking)?;
                }
                writeln!(out, "\ndonor variability (log-normal σ): {}", niche_model::donors::DONOR_PARAMETERS.iter().zip(variability.sigma).map(|(n, s)| format!("{n} {s:.3}")).collect::<Vec<_>>().join(", "))?;
                let f = &variance.function;
                writeln!(out, "\nbetween-experiment variance function (niche_model::residual): relative CXCR4 {:.3}, CXCL12 {:.3}, apoptosis (logit) {:.3}; MSC strength CV {:.3}; antibody competition CV {:.3}", f.relative[0], f.relative[1], f.relative[2], f.msc_strength_cv, f.antibody_competition_cv)?;
                writeln!(out, "  {:<40} {:>9} {:>9} {:>9} {:>9} {:>9}  matched (±25 %)", "published SD", "published", "donors", "assay", "between", "model")?;
                for s in &variance.sds {
                    writeln!(out, "  {:<40} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}  {}", s.id, s.published_sd, s.donor_sd, s.assay_sd, s.between_sd, s.model_sd, if s.matched { "yes" } else { "NO" })?;
                }
            }
        }
        Ok(())
    })
}

fn scan_command(a: &ScanArgs) -> Result<()> {
    let output = a.format.output(a.output.as_deref(), &[], a.force)?;
    if a.vcr.len() * a.amd.len() * a.donors.max(1) > 2_000_000 {
        bail!("{} × {} doses × {} donors is more than 2 million simulations", a.vcr.len(), a.amd.len(), a.donors);
    }
    let spec = ScanSpec {
        msc: a.msc,
        vcr_um: a.vcr.clone(),
        amd_ug_per_ml: a.amd.clone(),
        donors: a.donors,
        seed: a.seed,
        hours: a.hours,
    };
    let Some(shard) = a.shard else {
        let grid = scan(&Parameters::default(), a.msc, &a.vcr, &a.amd, a.donors, a.seed, a.hours)?;
        return output.write_table(a.format.is_parquet(), |out| write_scan(out, a.format, &spec, &grid));
    };
    if a.output.is_none() {
        bail!("--shard {shard}: give the part file with -o PART.json (niche merge reads it)");
    }
    let grid =
        GridSpec { msc: a.msc, vcr_um: &a.vcr, amd_ug_per_ml: &a.amd, donors: a.donors, seed: a.seed, hours: a.hours };
    let points = scan_points(&Parameters::default(), &grid, &|k| shard.owns(k))?;
    let part = Part::new(spec.fingerprint(), shard, grid.len(), Payload::Scan { spec, points });
    output.write_with(|out| {
        out.write_all(part.to_json().as_bytes())?;
        Ok(())
    })
}

/// A scan's grid as `model scan` writes it (and `niche merge` of its parts).
pub fn write_scan(out: &mut dyn Write, format: Table, spec: &ScanSpec, grid: &[GridPoint]) -> Result<()> {
    match format {
        // Parquet: the CSV's columns, converted by `Output::write_table`
        Table::Csv | Table::Parquet => {
            writeln!(out, "vcr_um,amd_ug_per_ml,{READOUT_COLUMNS},apoptosis_sd,bliss,hsa,loewe,zip")?;
            for g in grid {
                let s = g.synergy;
                let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
                writeln!(
                    out,
                    "{},{},{},{:.6},{},{},{},{}",
                    g.vcr_um,
                    g.amd_ug_per_ml,
                    readout_cells(&g.readouts),
                    g.apoptosis_sd,
                    opt(s.map(|s| s.bliss)),
                    opt(s.map(|s| s.hsa)),
                    opt(s.map(|s| s.loewe)),
                    opt(s.and_then(|s| s.zip))
                )?;
            }
        }
        Table::Text | Table::Tsv => return Err(format.not_here()),
        Table::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &json!({"msc": spec.msc, "donors": spec.donors, "seed": spec.seed, "synergy_sign": "positive = synergy", "grid": grid}),
            )?;
            writeln!(out)?;
        }
    }
    Ok(())
}

fn cohort_command(a: &CohortArgs) -> Result<()> {
    let output = a.format.output(a.output.as_deref(), &[], a.force)?;
    let patients = cohort(&Parameters::default(), Some(a.patients), a.seed, a.sampling.into())?;
    output.write_table(a.format.is_parquet(), |out| {
        match a.format {
            Table::Csv | Table::Parquet => {
                writeln!(out, "cohort,cxcr4_mfi,vcr_apoptosis_percent,vcr_amd_apoptosis_percent,amd_benefit_points")?;
                for p in &patients {
                    writeln!(
                        out,
                        "{},{:.3},{:.4},{:.4},{:.4}",
                        p.cohort,
                        p.cxcr4_mfi,
                        p.vcr_apoptosis_percent,
                        p.vcr_amd_apoptosis_percent,
                        p.amd_benefit_points
                    )?;
                }
            }
            Table::Text | Table::Tsv => return Err(a.format.not_here()),
            Table::Json => {
                serde_json::to_writer_pretty(&mut *out, &patients)?;
                writeln!(out)?;
            }
        }
        Ok(())
    })
}

fn export_command(a: &ExportArgs) -> Result<()> {
    let condition = match &a.group {
        Some(id) => {
            let groups = design_groups(a.study.as_deref())?;
            let known = groups.iter().map(|(g, _)| g.as_str()).collect::<Vec<_>>().join(", ");
            let source = a.study.as_ref().map_or("the seed study".to_string(), |p| p.display().to_string());
            groups
                .iter()
                .find(|(g, _)| g == id)
                .map(|(_, c)| *c)
                .with_context(|| format!("{source}: no group {id:?} (groups: {known})"))?
        }
        None => Condition { msc: !a.no_msc, vcr_um: a.vcr, amd_ug_per_ml: a.amd },
    };
    if !(condition.vcr_um.is_finite()
        && condition.vcr_um >= 0.0
        && condition.amd_ug_per_ml.is_finite()
        && condition.amd_ug_per_ml >= 0.0)
    {
        bail!("doses must be finite and non-negative");
    }
    let sbml = niche_model::sbml::to_sbml(&Parameters::default(), &condition)?;
    let output = Output::new(a.output.as_deref(), &[], a.force).context("--output")?;
    output.write_with(|out| {
        out.write_all(sbml.as_bytes())?;
        Ok(())
    })
}

fn omex_command(a: &OmexArgs) -> Result<()> {
    let groups = design_groups(a.study.as_deref())?;
    let borrowed: Vec<(&str, Condition)> = groups.iter().map(|(id, c)| (id.as_str(), *c)).collect();
    let source = a.study.as_ref().map_or("the seed study".to_string(), |p| p.display().to_string());
    let archive = niche_model::omex::to_omex(&Parameters::default(), &borrowed).with_context(|| source.clone())?;
    let output = Output::new(Some(&a.output), &[], a.force).context("--output")?;
    output.write_with(|out| {
        out.write_all(&archive)?;
        Ok(())
    })?;
    eprintln!("wrote {} ({} groups from {source})", a.output.display(), groups.len());
    Ok(())
}

/// The groups of a design file (treatments the model does not know are errors naming the file
/// and the field), or of the seed study.
fn design_groups(study: Option<&std::path::Path>) -> Result<Vec<(String, Condition)>> {
    let design = match study {
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path).with_context(|| name.clone())?;
            niche_lab::Design::parse(&text).with_context(|| name.clone())?
        }
        None => niche_lab::Design::seed(),
    };
    let conditions = design.conditions()?;
    Ok(design.groups.iter().map(|g| g.id.clone()).zip(conditions).collect())
}
