//! The report: one self-contained HTML file (inline SVG, no scripts, no network), the figures as
//! SVG and PNG files, a plain-text report, and the tables as CSV and JSON.

use std::fmt::Write;
use std::path::Path;

use niche_study::analyze::Results;
use niche_study::provenance::Provenance;
use niche_study::reproduce::{Headline, Record, Reproduction};
use niche_study::study::{Readout, ReadoutKind};

use crate::figures;
use crate::html::Figure;

/// The files written (relative to the report directory), in order.
pub type Written = Vec<String>;

/// What [`write_report`] wrote, and what it could not make but the report stands without (a
/// figure's PNG without a usable font renderer: the SVG is the reference), for the user to see.
#[derive(Debug, Default)]
pub struct ReportFiles {
    /// Files written, relative to the report directory.
    pub files: Written,
    /// Outputs not made, each with why.
    pub warnings: Vec<String>,
}

/// Errors writing the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A file that cannot be written.
    #[error("cannot write {path}")]
    File {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A table that cannot be written as Parquet.
    #[error("cannot write {path} as Parquet")]
    Parquet {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: crate::parquet::Error,
    },
    /// The page template that does not render (a fault of niche's, not of the input).
    #[error("cannot render the template {template}: {detail}")]
    Template {
        /// The template.
        template: &'static str,
        /// What the template engine reported (with the template's line).
        detail: String,
    },
    /// A table that cannot be serialised as JSON.
    #[error("cannot serialise {what} as JSON")]
    Json {
        /// Which file.
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

fn write(dir: &Path, name: &str, content: &[u8], written: &mut Written) -> Result<(), WriteError> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|source| WriteError::File { path: parent.display().to_string(), source })?;
    }
    let error = |source: std::io::Error| WriteError::File { path: path.display().to_string(), source };
    let mut file = niche_core::atomic::temp_file_beside(&path).map_err(error)?;
    std::io::Write::write_all(&mut file, content).map_err(error)?;
    file.persist(&path).map_err(|e| error(e.error))?;
    written.push(name.to_string());
    Ok(())
}

/// Writes `stem.csv` and its columnar twin `stem.parquet` (units from the column names).
fn write_table(dir: &Path, stem: &str, csv: &str, written: &mut Written) -> Result<(), WriteError> {
    write(dir, &format!("{stem}.csv"), csv.as_bytes(), written)?;
    let name = format!("{stem}.parquet");
    let mut bytes = Vec::new();
    crate::parquet::write_csv(csv, &mut bytes)
        .map_err(|source| WriteError::Parquet { path: dir.join(&name).display().to_string(), source })?;
    write(dir, &name, &bytes, written)
}

pub(crate) fn p_text(p: Option<f64>) -> String {
    p.map_or("–".into(), |p| format!("{} {}", niche_stats::format::p_value(p), niche_stats::format::stars(p)))
}

/// The plain-text report (also what `insta` snapshots).
pub fn text(results: &Results, reproduction: Option<&Reproduction>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", results.study);
    for readout in &results.readouts {
        let rows: Vec<_> =
            results.groups.iter().filter_map(|g| results.summary(&readout.id, &g.id).map(|x| (g, x))).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{}", readout.label);
        for (g, x) in rows {
            let flagged = if x.flagged > 0 {
                format!(" ({} below the lowest standard or flagged)", x.flagged)
            } else {
                String::new()
            };
            if x.n == 0 {
                let _ = writeln!(s, "  {:<8} n={:<2} not detected{flagged}", g.label(), x.n);
            } else {
                let _ = writeln!(s, "  {:<8} n={:<2} mean {:>9.3} SD {:>8.3}{flagged}", g.label(), x.n, x.mean, x.sd);
            }
        }
        for c in results.comparisons.iter().filter(|c| c.readout == readout.id) {
            let _ = writeln!(
                s,
                "  {} vs {}: {} ({}, n = {} vs {})",
                c.group,
                c.reference,
                p_text(c.p),
                c.test.label(),
                c.n.0,
                c.n.1
            );
        }
        s.push('\n');
    }
    if let Some(r) = reproduction {
        let _ = writeln!(s, "Reproduction of the published numbers: {}", Headline::of(&r.records).sentence());
        for x in &r.records {
            let _ = writeln!(
                s,
                "  {:<10} {:<6} {:<56} published {:<30} reproduced {}{}",
                x.basis.to_string(),
                verdict(x),
                x.id,
                x.published,
                x.reproduced,
                replication_text(x)
            );
        }
    }
    if !results.warnings.is_empty() {
        let _ = writeln!(s, "\nWarnings:");
        for w in &results.warnings {
            let _ = writeln!(s, "  {w}");
        }
    }
    s
}

/// A record's verdict in one word: its z score for fitted means, else pass or FAIL.
pub(crate) fn verdict(x: &Record) -> String {
    match (x.pass, x.z) {
        (Some(true), _) => "pass".into(),
        (Some(false), _) => "FAIL".into(),
        (None, Some(z)) => format!("z {z:+.1}"),
        (None, None) => "–".into(),
    }
}

/// How a record fared over the replications, in words.
pub(crate) fn replication_text(x: &Record) -> String {
    match x.replicated {
        Some(o) if x.z.is_some() && x.pass.is_none() => format!(
            "  (replications: nearest its own group in {} of {}, median |z| {:.2})",
            o.passes,
            o.repeats,
            o.median_abs_z.unwrap_or(f64::NAN)
        ),
        Some(o) => format!("  (replications: {} of {})", o.passes, o.repeats),
        None => String::new(),
    }
}

/// A population id as part of a file name: letters, digits, `_` and `-`; `+` becomes `pos`.
fn file_part(id: &str) -> String {
    id.replace('+', "pos")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect()
}

/// CSV text: the `header` line as given, then `rows` with fields double-quoted only when they
/// hold a comma, a quote or a line end; lines end in `\n`.
fn csv_table(header: &str, rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut bytes = format!("{header}\n").into_bytes();
    let mut csv =
        csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).flexible(true).from_writer(&mut bytes);
    for row in rows {
        // writing into memory does not fail
        let _ = csv.write_record(&row);
    }
    let _ = csv.flush();
    drop(csv);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Writes everything into `dir`; returns the files written (relative names).
pub fn write_report(
    dir: &Path,
    results: &Results,
    reproduction: Option<&Reproduction>,
    provenance: &Provenance,
) -> Result<ReportFiles, WriteError> {
    let mut written = Vec::new();
    let mut figures: Vec<Figure> = Vec::new();
    #[cfg_attr(not(feature = "png"), allow(unused_mut))]
    let mut png_failures: Vec<String> = Vec::new();
    let mut figure = |name: &str, caption: &str, svg: String, written: &mut Written| -> Result<(), WriteError> {
        write(dir, &format!("figures/{name}.svg"), svg.as_bytes(), written)?;
        #[cfg(feature = "png")]
        match crate::png::render(&svg) {
            Ok(png) => write(dir, &format!("figures/{name}.png"), &png, written)?,
            Err(reason) => png_failures.push(format!("figures/{name}.png not made: {reason}")),
        }
        figures.push(Figure { svg, caption: caption.to_string() });
        Ok(())
    };
    if let Some(r) = reproduction {
        figure(
            "fig1_cohort_cxcr4",
            &format!(
                "Figure 1. CXCR4 MFI of {} newly diagnosed and {} R/R virtual patients; unpaired t test, P {}.",
                r.cohort.newly_diagnosed.len(),
                r.cohort.relapsed_refractory.len(),
                niche_stats::format::p_value(r.cohort.p)
            ),
            figures::cohort(&r.cohort),
            &mut written,
        )?;
    }
    let caption = |readout: &Readout| {
        let tests: Vec<String> = results
            .comparisons
            .iter()
            .filter(|c| c.readout == readout.id)
            .map(|c| format!("{} vs {}: {} ({})", c.group, c.reference, p_text(c.p), c.test.label()))
            .collect();
        format!(
            "{}: mean ± SD of the replicates (points). {}",
            readout.label,
            if tests.is_empty() { String::new() } else { tests.join("; ") }
        )
    };
    for readout in &results.readouts {
        if let Some(svg) = figures::bars(results, readout) {
            figure(&format!("readout_{}", readout.id), &caption(readout), svg, &mut written)?;
        }
    }
    let group_label =
        |id: &str| results.groups.iter().find(|g| g.id == id).map_or(id.to_string(), |g| g.label().to_string());
    for readout in &results.readouts {
        let (marker, reference) = match &readout.kind {
            ReadoutKind::Mfi { marker, .. } => (marker, None),
            ReadoutKind::MfiRatio { marker, reference, .. } => (marker, Some(reference)),
            _ => continue,
        };
        let mine: Vec<_> = results.histograms.iter().filter(|h| h.readout == readout.id).collect();
        for stained in mine.iter().filter(|h| Some(&h.tube) != reference) {
            let other = mine
                .iter()
                .copied()
                .find(|h| Some(&h.tube) == reference && h.group == stained.group && h.subject == stained.subject);
            let label = format!("{} {}", group_label(&stained.group), stained.subject);
            figure(
                &format!("histogram_{}_{}", readout.id, stained.group),
                &format!(
                    "{marker} in the readout's population, {label}: tube {}{}.",
                    stained.tube,
                    other.map_or(String::new(), |o| format!(" over tube {}", o.tube))
                ),
                figures::histogram(stained, other, marker, &label),
                &mut written,
            )?;
        }
    }
    for plot in &results.gate_plots {
        let label = format!("{} {}, tube {}", group_label(&plot.group), plot.subject, plot.tube);
        figure(
            &format!("gate_{}_{}_{}", plot.group, plot.tube, file_part(&plot.gate)),
            &format!(
                "Gate {} over {} ({label}), on the gate's own axes.",
                plot.gate,
                plot.parent.as_deref().unwrap_or("all events")
            ),
            figures::gate_plot(plot, &label),
            &mut written,
        )?;
    }
    let labels_of = |ids: &[String]| -> Vec<String> { ids.iter().map(|id| group_label(id)).collect() };
    let targets: Vec<&str> = results
        .readouts
        .iter()
        .filter_map(|r| match &r.kind {
            ReadoutKind::Blot { target, .. } => Some(target.as_str()),
            _ => None,
        })
        .collect();
    for (i, b) in results.blots.iter().enumerate() {
        figure(
            &format!("blot_{}", i + 1),
            &format!("Western blot {} ({}), lanes by group.", b.file, targets.join(", ")),
            figures::blot(b, &labels_of(&b.lanes)),
            &mut written,
        )?;
    }

    // tables
    let values_csv = csv_table(
        "readout,group,replicate,donor,value,flag",
        results.values.iter().map(|v| {
            vec![
                v.readout.clone(),
                v.group.clone(),
                v.subject.replicate().map_or(String::new(), |r| r.to_string()),
                v.subject.donor().unwrap_or("").to_string(),
                v.value.map_or(String::new(), |x| format!("{x}")),
                v.flag.clone().unwrap_or_default(),
            ]
        }),
    );
    write_table(dir, "tables/values", &values_csv, &mut written)?;
    let summary_csv = csv_table(
        "readout,group,n,mean,sd,flagged",
        results.summaries.iter().map(|x| {
            vec![
                x.readout.clone(),
                x.group.clone(),
                x.n.to_string(),
                x.mean.to_string(),
                x.sd.to_string(),
                x.flagged.to_string(),
            ]
        }),
    );
    write_table(dir, "tables/summaries", &summary_csv, &mut written)?;
    let comparisons_csv = csv_table(
        "readout,group,reference,test,p,mean,reference_mean,n,reference_n",
        results.comparisons.iter().map(|c| {
            vec![
                c.readout.clone(),
                c.group.clone(),
                c.reference.clone(),
                c.test.label().to_string(),
                c.p.map_or(String::new(), |p| format!("{p}")),
                c.mean.to_string(),
                c.reference_mean.to_string(),
                c.n.0.to_string(),
                c.n.1.to_string(),
            ]
        }),
    );
    write_table(dir, "tables/comparisons", &comparisons_csv, &mut written)?;
    let gating_csv = csv_table(
        "group,replicate,donor,tube,file,population,parent,count,percent_of_parent",
        results.gating.iter().flat_map(|t| {
            t.populations.iter().map(move |(population, parent, _, count, percent)| {
                vec![
                    t.group.clone(),
                    t.subject.replicate().map_or(String::new(), |r| r.to_string()),
                    t.subject.donor().unwrap_or("").to_string(),
                    t.tube.clone(),
                    t.file.clone(),
                    population.clone(),
                    parent.clone().unwrap_or_default(),
                    count.to_string(),
                    percent.to_string(),
                ]
            })
        }),
    );
    write_table(dir, "tables/gating", &gating_csv, &mut written)?;
    let json = |what: &'static str, v: serde_json::Value| -> Result<Vec<u8>, WriteError> {
        let mut out = serde_json::to_vec_pretty(&v).map_err(|source| WriteError::Json { what, source })?;
        out.push(b'\n');
        Ok(out)
    };
    write(
        dir,
        "results.json",
        &json(
            "results.json",
            serde_json::json!({"study": results.study, "alpha": results.alpha, "groups": results.groups, "readouts": results.readouts, "values": results.values, "summaries": results.summaries, "comparisons": results.comparisons, "gating": results.gating, "warnings": results.warnings}),
        )?,
        &mut written,
    )?;
    if let Some(r) = reproduction {
        write(
            dir,
            "reproduction.json",
            &json(
                "reproduction.json",
                serde_json::json!({
                    "headline": Headline::of(&r.records),
                    "summary": Headline::of(&r.records).sentence(),
                    "records": r.records,
                    "variance_function": r.variance,
                    "audit": r.audit,
                    "validation": r.validation,
                }),
            )?,
            &mut written,
        )?;
        let opt = |v: Option<String>| v.unwrap_or_default();
        let csv = csv_table(
            "id,group,readout,basis,variance,published,reproduced,criterion,pass,z,nearest_own_group,replications_passing,replications,median_abs_z",
            r.records.iter().map(|x| {
                let o = x.replicated;
                vec![
                    x.id.clone(),
                    x.group.clone(),
                    x.readout.clone(),
                    x.basis.to_string(),
                    format!("{:?}", x.variance),
                    x.published.clone(),
                    x.reproduced.clone(),
                    x.criterion.clone(),
                    opt(x.pass.map(|p| p.to_string())),
                    opt(x.z.map(|z| z.to_string())),
                    opt(x.nearest_own_group.map(|p| p.to_string())),
                    opt(o.map(|o| o.passes.to_string())),
                    opt(o.map(|o| o.repeats.to_string())),
                    opt(o.and_then(|o| o.median_abs_z).map(|z| z.to_string())),
                ]
            }),
        );
        write_table(dir, "tables/reproduction", &csv, &mut written)?;
    }
    let report_text = text(results, reproduction);
    write(dir, "report.txt", report_text.as_bytes(), &mut written)?;
    let manifest =
        serde_json::to_value(provenance).map_err(|source| WriteError::Json { what: "provenance.json", source })?;
    write(dir, "provenance.json", &json("provenance.json", manifest)?, &mut written)?;
    if !png_failures.is_empty() {
        write(dir, "figures/png_failures.txt", png_failures.join("\n").as_bytes(), &mut written)?;
    }
    let html = crate::html::render(results, reproduction, provenance, &figures)?;
    write(dir, "report.html", html.as_bytes(), &mut written)?;
    Ok(ReportFiles { files: written, warnings: png_failures })
}
