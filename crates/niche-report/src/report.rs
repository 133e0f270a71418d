//! The report: one self-contained HTML file (inline SVG, no scripts, no network), the figures as
//! SVG and PNG files, a plain-text report, and the tables as CSV and JSON.

use std::fmt::Write;
use std::path::Path;

use niche_study::analyze::Results;
use niche_study::provenance::Provenance;
use niche_study::reproduce::{Headline, Record, Reproduction};
use niche_study::study::{Readout, ReadoutKind};

use crate::figures;
use crate::svg::escape;

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

fn p_text(p: Option<f64>) -> String {
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
fn verdict(x: &Record) -> String {
    match (x.pass, x.z) {
        (Some(true), _) => "pass".into(),
        (Some(false), _) => "FAIL".into(),
        (None, Some(z)) => format!("z {z:+.1}"),
        (None, None) => "–".into(),
    }
}

/// How a record fared over the replications, in words.
fn replication_text(x: &Record) -> String {
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

/// The variance function and every published SD beside the model's.
fn variance_section(s: &mut String, r: &Reproduction) {
    let v = &r.variance;
    let f = &v.function;
    let _ = write!(
        s,
        "<h2>Where the replicates' spread comes from</h2><p>Donors differ log-normally in {} parameters; what they \
         leave of each published SD is the between-experiment variance function (<code>niche_model::residual</code>), \
         with {} parameters fitted jointly to the {} published SDs: relative variation CXCR4 {:.3}, CXCL12 {:.3}, \
         apoptosis (logit SD) {:.3}; MSC-strength CV {:.3}; antibody-competition CV {:.3}. It depends on a condition \
         only through the model's state there. SDs the model misses by more than 25 % are marked; the P values of \
         their groups then rest on a spread unlike the paper's.</p><table><tr><th>published SD</th><th>published</th>\
         <th>donors</th><th>assay</th><th>between</th><th>model</th><th>matched</th></tr>",
        niche_study::reproduce::DONOR_PARAMETERS,
        niche_study::reproduce::VARIANCE_PARAMETERS,
        v.sds.len(),
        f.relative[0],
        f.relative[1],
        f.relative[2],
        f.msc_strength_cv,
        f.antibody_competition_cv
    );
    for x in &v.sds {
        let verdict = if x.matched { "yes".to_string() } else { format!("no ({:+.0} %)", 100.0 * x.relative_error) };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"{}\">{verdict}</td></tr>",
            escape(&x.id),
            x.published_sd,
            x.donor_sd,
            x.assay_sd,
            x.between_sd,
            x.model_sd,
            if x.matched { "pass" } else { "fail" },
        );
    }
    s.push_str("</table>\n");
}

/// How well the model predicts: leave-one-out, profiles, the alternative mechanism.
fn validation_section(s: &mut String, v: &niche_study::reproduce::Validation) {
    let _ = write!(
        s,
        "<h2>How well does the model predict?</h2><p>{}</p><h3>Each target left out of the fit and predicted</h3>\
         <table><tr><th>target</th><th>published ± SD</th><th>fitted</th><th>predicted when left out</th>\
         <th>z (SD)</th><th>z (SEM, n = {})</th></tr>",
        escape(&v.verdict),
        v.n_per_group
    );
    for t in &v.targets {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{:.3} ± {:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:+.2}</td><td class=\"num\">{:+.2}</td></tr>",
            escape(&t.id),
            t.published,
            t.sd,
            t.fitted,
            t.loo_prediction,
            t.z,
            t.z_sem
        );
    }
    s.push_str("</table><h3>Relations never fitted, over the leave-one-out fits</h3><table><tr><th>relation</th><th>claim</th><th>full fit</th><th>holds in</th></tr>");
    for r in &v.relations {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{} of {}</td></tr>",
            escape(&r.id),
            escape(&r.claim),
            if r.full_fit { "holds" } else { "fails" },
            r.holds_in,
            r.of
        );
    }
    s.push_str("</table><h3>Profile likelihood of the free parameters (95 %)</h3><table><tr><th>parameter</th><th>estimate</th><th>interval</th><th>determined by the data</th></tr>");
    let end = |e: Option<f64>| e.map_or("open".to_string(), |x| format!("{x:.3e}"));
    for p in &v.parameters {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{:.3e}</td><td class=\"num\">[{}, {}]</td><td>{:?}</td></tr>",
            p.name,
            p.estimate,
            end(p.profile_low),
            end(p.profile_high),
            p.identifiable
        );
    }
    s.push_str("</table><h3>Two mechanisms, the same targets</h3><table><tr><th>mechanism</th><th>χ²</th><th>AIC</th><th>BIC</th><th>leave-one-out median |z|</th></tr>");
    for m in &v.models {
        let _ = write!(
            s,
            "<tr><td>{}<br><small>{}</small></td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td></tr>",
            m.name,
            escape(m.description),
            m.chi2,
            m.aic,
            m.bic,
            m.loo_median_abs_z
        );
    }
    s.push_str("</table>\n");
}

/// Which tests and group sizes reproduce the published P values.
fn audit_section(s: &mut String, audit: &niche_stats::audit::Audit) {
    let _ = write!(
        s,
        "<h2>An audit of the paper's statistics</h2><p>Each published P against Student's t and Welch's t from the \
         printed means and SDs and the exact Mann–Whitney P values attainable without ties, for n = {}…{} per group \
         (<code>niche stats audit</code>): the combinations that reproduce it to its printed precision.</p>\
         <table><tr><th>P value</th><th>published</th><th>reproduced by</th></tr>",
        audit.options.min_n, audit.options.max_n
    );
    for c in &audit.checks {
        let matches = if c.matches.is_empty() {
            "no test at any n".to_string()
        } else {
            c.matches
                .iter()
                .map(|m| format!("{} {}×{} ({:.4})", m.test, m.n1, m.n2, m.p))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"{}\">{}</td></tr>",
            escape(&c.id),
            c.published_p,
            if c.unexplained { "fail" } else { "score" },
            escape(&matches)
        );
    }
    s.push_str("</table>\n");
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
    let mut figures_html = String::new();
    #[cfg_attr(not(feature = "png"), allow(unused_mut))]
    let mut png_failures: Vec<String> = Vec::new();
    let mut figure = |name: &str, caption: &str, svg: String, written: &mut Written| -> Result<(), WriteError> {
        write(dir, &format!("figures/{name}.svg"), svg.as_bytes(), written)?;
        #[cfg(feature = "png")]
        match crate::png::render(&svg) {
            Ok(png) => write(dir, &format!("figures/{name}.png"), &png, written)?,
            Err(reason) => png_failures.push(format!("figures/{name}.png not made: {reason}")),
        }
        let _ = writeln!(figures_html, "<figure>{svg}<figcaption>{}</figcaption></figure>", escape(caption));
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
    let html = html(results, reproduction, provenance, &figures_html);
    write(dir, "report.html", html.as_bytes(), &mut written)?;
    Ok(ReportFiles { files: written, warnings: png_failures })
}

/// The gating hierarchy of each drawn tube with its counts, so that a reader can check what was
/// counted.
fn gating_section(s: &mut String, results: &Results) {
    if results.gating.is_empty() {
        return;
    }
    s.push_str("<h2>Gating hierarchies</h2><p>The first well of each group; counts and percent of the parent population (the gates are drawn among the figures).</p>");
    for t in &results.gating {
        let _ = write!(
            s,
            "<table><tr><th colspan=\"3\">{} {}, tube {} ({}, {} events)</th></tr><tr><th>population</th><th>count</th><th>% of parent</th></tr>",
            escape(&t.group),
            escape(&t.subject.to_string()),
            escape(&t.tube),
            escape(&t.file),
            t.events
        );
        for (population, _, depth, count, percent) in &t.populations {
            let _ = write!(
                s,
                "<tr><td style=\"padding-left:{}em\">{}</td><td class=\"num\">{count}</td><td class=\"num\">{percent:.2}</td></tr>",
                0.5 + 1.2 * *depth as f64,
                escape(population)
            );
        }
        s.push_str("</table>");
    }
    s.push('\n');
}

fn html(results: &Results, reproduction: Option<&Reproduction>, provenance: &Provenance, figures_html: &str) -> String {
    let readout_label = |id: &str| results.readout(id).map_or(id.to_string(), |r| r.label.clone());
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.pass {{ color: #006d2c; font-weight: bold; }} .fail {{ color: #b30000; font-weight: bold; }} .score {{ color: #444; }}
figure {{ display: inline-block; vertical-align: top; margin: 8px; max-width: 520px; }}
figcaption {{ font-size: 12px; color: #444; }}
</style></head><body>
<h1>{title}</h1>
<p>niche {version}{seed}. Significance level α = {alpha}. Inputs with their SHA-256 are in <code>manifest.json</code>.</p>
"#,
        title = escape(&results.study),
        version = escape(&provenance.niche_version),
        seed = provenance.seed.map_or(String::new(), |s| format!(", seed {s}")),
        alpha = results.alpha
    );
    if let Some(r) = reproduction {
        let headline = Headline::of(&r.records);
        let odds = r.records.iter().find_map(|x| x.replicated).map(|o| o.repeats);
        let _ = write!(
            s,
            "<h2>Published numbers and what their reproduction stands on</h2>\n<p class=\"headline\"><strong>{}.</strong></p>\n",
            escape(&headline.sentence())
        );
        s.push_str(
            "<p><em>fitted</em>: a calibration target, or a relation computed from calibration targets or resting on a \
             parameter set by hand to the paper's blots; its agreement shows that the fit worked, not that the model \
             predicts. <em>input</em>: drawn from the paper's own numbers. <em>structural</em>: true by the model's \
             construction (no parameter moves it, or none alone reverses its direction). <em>predicted</em>: out of \
             sample: no calibration target of its own and no hand-set parameter; it rests on parameters calibrated \
             to other numbers. \
             <em>variance = paper</em>: a published SD entered the spread (the donors' σ and the residual \
             between-experiment variation are fitted to the paper's SDs). Fitted means are scored by \
             z = (reproduced − published)/SEM, not passed.</p>\n",
        );
        let _ = write!(
            s,
            "<table><tr><th>basis</th><th>id</th><th>published</th><th>reproduced</th><th>criterion</th><th>verdict</th><th>variance</th>{}</tr>",
            odds.map_or(String::new(), |n| format!("<th>over {n} independent replications</th>"))
        );
        for x in &r.records {
            let class = match x.pass {
                Some(true) => "pass",
                Some(false) => "fail",
                None => "score",
            };
            let sensitivity = if x.cv_sensitivity.is_empty() {
                String::new()
            } else {
                format!(
                    "<br><small>P(published verdict) by replicate CV, blot noise only (donor variation left out): {}</small>",
                    x.cv_sensitivity
                        .iter()
                        .map(|c| format!("{:.0} %: {:.2}", 100.0 * c.cv, c.probability))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}<br><small>{}</small></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}{sensitivity}</td><td class=\"{class}\">{}</td><td>{:?}</td>{}</tr>",
                x.basis,
                escape(&x.id),
                escape(&x.uses.join("; ")),
                escape(&x.published),
                escape(&x.reproduced),
                escape(&x.criterion),
                escape(&verdict(x)),
                x.variance,
                x.replicated.map_or(String::new(), |_| format!(
                    "<td class=\"num\">{}</td>",
                    escape(replication_text(x).trim().trim_start_matches("(replications: ").trim_end_matches(')'))
                ))
            );
        }
        s.push_str("</table>\n");
        let _ = writeln!(
            s,
            "<p>Replicates are drawn as <em>{}</em>: {}.{}</p>",
            escape(provenance.sampling.as_deref().unwrap_or("random")),
            if provenance.sampling.as_deref() == Some("typical") {
                "the typical experiment, whose replicates show the population's mean and spread by construction (Latin hypercube with moment matching), so its P values partly restate the fitted SDs"
            } else {
                "independent donors and well effects, one experiment's luck included"
            },
            odds.map_or(String::new(), |n| format!(
                " The last column counts the passes in {n} replications of the whole study with independent draws (seeds {}+1…{}+{n}): the odds that a lab repeating the study with this model's biology sees each published number.",
                provenance.seed.unwrap_or(0),
                provenance.seed.unwrap_or(0)
            ))
        );
    }
    if let Some(r) = reproduction {
        if let Some(v) = &r.validation {
            validation_section(&mut s, v);
        }
        variance_section(&mut s, r);
        audit_section(&mut s, &r.audit);
    }
    s.push_str("<h2>Figures</h2>\n");
    s.push_str(figures_html);
    s.push_str("<h2>Group summaries</h2><table><tr><th>readout</th><th>group</th><th>n</th><th>mean</th><th>SD</th><th>flagged</th></tr>");
    for x in &results.summaries {
        let label = results.groups.iter().find(|g| g.id == x.group).map_or(x.group.as_str(), |g| g.label());
        let (mean, sd) = if x.n == 0 {
            ("n.d.".to_string(), "–".to_string())
        } else {
            (format!("{:.3}", x.mean), format!("{:.3}", x.sd))
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{mean}</td><td class=\"num\">{sd}</td><td class=\"num\">{}</td></tr>",
            escape(&readout_label(&x.readout)),
            escape(label),
            x.n,
            x.flagged
        );
    }
    s.push_str("</table><h2>Comparisons</h2><table><tr><th>readout</th><th>group</th><th>reference</th><th>test</th><th>n</th><th>P</th><th>effect [95 % CI]</th></tr>");
    for c in &results.comparisons {
        let p = if c.test == niche_study::study::Test::Direction {
            format!("{:.2}×", c.mean / c.reference_mean)
        } else {
            p_text(c.p)
        };
        let effect = c
            .effect
            .as_ref()
            .map_or("–".to_string(), |e| format!("{} {:.3} [{:.3}, {:.3}]", e.name, e.value, e.ci95.0, e.ci95.1));
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{} vs {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&readout_label(&c.readout)),
            escape(&c.group),
            escape(&c.reference),
            c.test.label(),
            c.n.0,
            c.n.1,
            escape(&p),
            escape(&effect)
        );
    }
    s.push_str("</table>\n");
    gating_section(&mut s, results);
    if !results.warnings.is_empty() {
        s.push_str("<h2>Warnings</h2><ul>");
        for w in &results.warnings {
            let _ = write!(s, "<li>{}</li>", escape(w));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</body></html>\n");
    s
}
