//! `niche elisa fit`: an ELISA plate's standard curve and sample concentrations.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use niche_assay::curve::{Model, Params, Weight};
use niche_assay::{Layout, Plate, elisa};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::format::Report;
use super::output::Output;

#[derive(Subcommand)]
pub enum ElisaCommand {
    /// Fit the standard curve of a plate and interpolate its samples.
    ///
    /// The blank (mean of the blank wells) is subtracted from every well; the curve is fitted to
    /// every standard well with a positive concentration; each sample's replicates are averaged,
    /// interpolated and multiplied by its dilution. Samples outside the standards' range are flagged
    /// `<LLOQ` or `>ULOQ` and get no concentration. Plates are Gen5-style exports (the last grid block is
    /// read) or 8 lines of 12 comma-separated ODs.
    Fit(FitArgs),
}

#[derive(Args)]
pub struct FitArgs {
    /// The plate read (CSV).
    plate: PathBuf,
    /// The plate layout (TOML: `units`, `blanks`, `[standards]`, `[samples]`, `[dilutions]`).
    #[arg(long, value_name = "LAYOUT.toml")]
    layout: PathBuf,
    /// Four- or five-parameter logistic, in Prism's "X is concentration" form.
    #[arg(long, value_enum, default_value_t = ModelArg::FourPl)]
    model: ModelArg,
    /// Weighting by the fitted curve's Y, as Prism does: none, 1/Y or 1/Y².
    #[arg(long, value_enum, default_value_t = WeightArg::None)]
    weight: WeightArg,
    /// Flag samples whose replicate CV (%) exceeds this.
    #[arg(long, default_value_t = 20.0)]
    cv_limit: f64,
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelArg {
    #[value(name = "4pl")]
    FourPl,
    #[value(name = "5pl")]
    FivePl,
}

#[derive(Clone, Copy, ValueEnum)]
enum WeightArg {
    None,
    Y,
    Y2,
}

pub fn run(command: ElisaCommand) -> Result<()> {
    match command {
        ElisaCommand::Fit(args) => fit(&args),
    }
}

fn params_json(p: &Params, five: bool) -> Value {
    let mut m = Map::new();
    for (k, v) in [("bottom", p.bottom), ("top", p.top), ("ec50", p.ec50), ("hill", p.hill)] {
        m.insert(k.into(), json!(v));
    }
    if five {
        m.insert("s".into(), json!(p.s));
    }
    Value::Object(m)
}

#[derive(Serialize)]
struct SampleJson<'a> {
    id: &'a str,
    od: f64,
    conc: Option<f64>,
    flag: Option<&'static str>,
    n: usize,
    cv_percent: Option<f64>,
    cv_flag: bool,
    dilution: f64,
}

fn fit(args: &FitArgs) -> Result<()> {
    let plate_name = args.plate.display().to_string();
    let layout_name = args.layout.display().to_string();
    let plate_text =
        niche_study::read_text(&args.plate, niche_study::MAX_TEXT_BYTES).with_context(|| plate_name.clone())?;
    let plate = Plate::parse(&plate_text).with_context(|| plate_name.clone())?;
    let layout_text =
        niche_study::read_text(&args.layout, niche_study::MAX_TEXT_BYTES).with_context(|| layout_name.clone())?;
    let layout = Layout::parse(&layout_text).with_context(|| layout_name.clone())?;
    let model = match args.model {
        ModelArg::FourPl => Model::FourPl,
        ModelArg::FivePl => Model::FivePl,
    };
    let weight = match args.weight {
        WeightArg::None => Weight::None,
        WeightArg::Y => Weight::Y,
        WeightArg::Y2 => Weight::Y2,
    };
    let report = elisa::analyze(&plate, &layout, model, weight, args.cv_limit).with_context(|| plate_name.clone())?;
    let five = model == Model::FivePl;
    if report.curve.ambiguous {
        eprintln!(
            "warning: {plate_name}: the data do not determine every curve parameter (ambiguous fit); SEs are infinite"
        );
    }
    Output::Stdout.write_with(|out| match args.format {
        Report::Json => {
            let samples: Vec<SampleJson> = report
                .samples
                .iter()
                .map(|s| SampleJson {
                    id: &s.id,
                    od: s.od,
                    conc: s.conc,
                    flag: s.flag,
                    n: s.n,
                    cv_percent: Some(s.cv_percent).filter(|v| v.is_finite()),
                    cv_flag: s.cv_flag,
                    dilution: s.dilution,
                })
                .collect();
            let standards: Vec<Value> = report
                .standards
                .iter()
                .map(|s| json!({"nominal": s.nominal, "od": s.od, "back_calculated": s.back_calculated, "recovery_percent": s.recovery_percent}))
                .collect();
            let se = params_json(&report.curve.standard_errors, five);
            let value = json!({
                "file": plate_name,
                "units": report.units,
                "model": report.curve.model,
                "weight": report.curve.weight,
                "blank": report.blank,
                "params": params_json(&report.curve.params, five),
                "standard_errors": se,
                "log_ec50": report.curve.log_ec50,
                "ci95": report.curve.ci95,
                "residuals": report.curve.residuals,
                "r2": report.curve.r2,
                "ambiguous": report.curve.ambiguous,
                "standards": standards,
                "samples": samples,
            });
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)?;
            Ok(())
        }
        Report::Text => {
            let p = &report.curve.params;
            let se = &report.curve.standard_errors;
            writeln!(out, "{plate_name}: blank {:.4}, R² {:.5}", report.blank, report.curve.r2)?;
            writeln!(out, "  bottom {:.5} ± {:.3}, top {:.5} ± {:.3}, EC50 {:.5} ± {:.3}, Hill {:.5} ± {:.3}", p.bottom, se.bottom, p.top, se.top, p.ec50, se.ec50, p.hill, se.hill)?;
            if five {
                writeln!(out, "  S {:.5} ± {:.3}", p.s, se.s)?;
            }
            writeln!(out, "\nstandards ({}):", report.units)?;
            for s in &report.standards {
                let back = s.back_calculated.map_or("-".to_string(), |b| format!("{b:.4}"));
                let rec = s.recovery_percent.map_or("-".to_string(), |r| format!("{r:.1}%"));
                writeln!(out, "  {:>12.4}  OD {:.4}  back-calculated {back}  recovery {rec}", s.nominal, s.od)?;
            }
            writeln!(out, "\nsamples ({}):", report.units)?;
            for s in &report.samples {
                let conc = s.conc.map_or(s.flag.unwrap_or("-").to_string(), |c| format!("{c:.4}"));
                let cv = if s.cv_percent.is_finite() { format!("{:.1}%", s.cv_percent) } else { "-".into() };
                let warn = if s.cv_flag { " (CV above limit)" } else { "" };
                writeln!(out, "  {:<20} OD {:.4}  CV {cv}{warn}  x{}  {conc}", s.id, s.od, s.dilution)?;
            }
            Ok(())
        }
    })
}
