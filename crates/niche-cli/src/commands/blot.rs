//! `niche blot quantify`: Western-blot densitometry of one image.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use niche_assay::blot::{BlotLayout, GrayImage, quantify};

use super::format::Report;
use super::output::Output;

#[derive(Subcommand)]
pub enum BlotCommand {
    /// Measure the bands of a Western blot and normalise them to the loading control.
    ///
    /// The background is subtracted as ImageJ's "Subtract Background…" does (rolling ball or
    /// sliding paraboloid, radius from the layout, default 50 px); lanes and band rows are detected
    /// from the column and row profiles unless the layout gives their pixel ranges. Each band's
    /// volume is the background-subtracted sum over lane × band; the Gel Analyzer profile area
    /// (straight baseline under the lane profile) is reported beside it. Bands with pixels at the
    /// detector's limit are flagged: their volumes are lower bounds. Normalised = band / loading
    /// control in the same lane; fold change = normalised / mean of the reference group.
    ///
    /// Images: 8- or 16-bit grayscale TIFF or PNG (colour is converted to grey, with a warning).
    /// Film scans have dark bands on a light background: set `background = "light"` in the layout.
    Quantify(QuantifyArgs),
}

#[derive(Args)]
pub struct QuantifyArgs {
    /// The blot image (TIFF or PNG).
    image: PathBuf,
    /// The blot layout (TOML: `loading_control`, `reference`, `[[lanes]]` with `group`,
    /// `[[targets]]` with `name`, optional `background`, `method`, `radius`, `smoothing`).
    #[arg(long, value_name = "LAYOUT.toml")]
    layout: PathBuf,
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
}

pub fn run(command: BlotCommand) -> Result<()> {
    match command {
        BlotCommand::Quantify(args) => quantify_command(&args),
    }
}

fn quantify_command(args: &QuantifyArgs) -> Result<()> {
    let image_name = args.image.display().to_string();
    let layout_name = args.layout.display().to_string();
    let image = GrayImage::open(&args.image)?;
    let layout_text =
        niche_study::read_text(&args.layout, niche_study::MAX_TEXT_BYTES).with_context(|| layout_name.clone())?;
    let layout = BlotLayout::parse(&layout_text).with_context(|| layout_name.clone())?;
    let result = quantify(&image, &layout).with_context(|| image_name.clone())?;
    for warning in &result.warnings {
        eprintln!("warning: {image_name}: {warning}");
    }
    Output::Stdout.write_with(|out| match args.format {
        Report::Json => {
            let mut value = serde_json::to_value(&result)?;
            value["file"] = serde_json::json!(image_name);
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)?;
            Ok(())
        }
        Report::Text => {
            let b = &layout.background;
            writeln!(
                out,
                "{image_name}: {} × {} px, {} of radius {} px ({} background{})",
                result.width,
                result.height,
                b.method,
                b.radius,
                if b.light_background { "light" } else { "dark" },
                if b.presmooth { ", smoothed" } else { "" }
            )?;
            write!(out, "lanes:")?;
            for lane in &result.lanes {
                write!(out, "  {} [{}] x {}–{}", lane.name, lane.group, lane.x0, lane.x1)?;
            }
            write!(out, "\nbands:")?;
            for row in &result.band_rows {
                write!(out, "  {} y {}–{}", row.target, row.y0, row.y1)?;
            }
            writeln!(
                out,
                "\n\n{:<12} {:<16} {:<12} {:>14} {:>12} {:>11} {:>8}",
                "target", "lane", "group", "volume", "profile area", "normalised", "fold"
            )?;
            for band in &result.bands {
                let norm = band.normalized.map_or("-".into(), |v| format!("{v:.4}"));
                let fold = band.fold_change.map_or("-".into(), |v| format!("{v:.3}"));
                let sat = if band.saturated_pixels > 0 { "  saturated" } else { "" };
                writeln!(
                    out,
                    "{:<12} {:<16} {:<12} {:>14.0} {:>12.0} {norm:>11} {fold:>8}{sat}",
                    band.target, band.lane, band.group, band.volume, band.profile_area
                )?;
            }
            writeln!(out, "\nfold change vs {} (mean ± SD, n lanes):", layout.reference)?;
            for g in &result.groups {
                let sat = if g.saturated { "  (saturated band: lower bound)" } else { "" };
                writeln!(
                    out,
                    "  {:<12} {:<12} {:.3} ± {:.3}  n={}{sat}",
                    g.target, g.group, g.mean_fold_change, g.sd_fold_change, g.n
                )?;
            }
            Ok(())
        }
    })
}
