//! `report.html`: the page is the template `templates/report.html` (embedded, rendered by
//! minijinja); this module hands it plain data, every number already formatted as text.
//!
//! Escaping: the template escapes every value it prints with the report's own escaper
//! ([`escape`]: `&#39;`, control characters replaced), through minijinja's auto-escaping with a
//! custom formatter, so the page's bytes do not depend on minijinja's HTML escaper. Values the
//! template prints with `|safe` are markup made here (the figures' SVG) or text the page has always
//! printed as it is (names from niche's own code, numbers).

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, State, syntax::SyntaxConfig};
use serde::Serialize;

use niche_study::analyze::Results;
use niche_study::provenance::Provenance;
use niche_study::reproduce::{Headline, Reproduction};

use crate::report::{WriteError, p_text, replication_text, verdict};
use crate::svg::escape;

/// The template's name (its extension turns minijinja's HTML auto-escaping on).
const NAME: &str = "report.html";
const TEMPLATE: &str = include_str!("../templates/report.html");

/// A figure: its SVG document and its caption (text).
#[derive(Serialize)]
pub(crate) struct Figure {
    pub svg: String,
    pub caption: String,
}

#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    version: &'a str,
    seed: Option<String>,
    alpha: String,
    reproduction: Option<ReproductionPart<'a>>,
    figures: &'a [Figure],
    summaries: Vec<SummaryRow<'a>>,
    comparisons: Vec<ComparisonRow<'a>>,
    gating: Vec<GatingPart<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct ReproductionPart<'a> {
    headline: String,
    /// Replications of the whole study, when there were any.
    repeats: Option<String>,
    records: Vec<RecordRow<'a>>,
    sampling: &'a str,
    typical: bool,
    seed: String,
    validation: Option<ValidationPart<'a>>,
    variance: VariancePart<'a>,
    audit: AuditPart<'a>,
}

#[derive(Serialize)]
struct RecordRow<'a> {
    basis: String,
    id: &'a str,
    uses: String,
    published: &'a str,
    reproduced: &'a str,
    criterion: &'a str,
    sensitivity: Option<String>,
    class: &'static str,
    verdict: String,
    variance: String,
    replications: Option<String>,
}

#[derive(Serialize)]
struct VariancePart<'a> {
    donor_parameters: usize,
    parameters: usize,
    n_sds: usize,
    relative: [String; 3],
    msc_strength_cv: String,
    antibody_competition_cv: String,
    sds: Vec<SdRow<'a>>,
}

#[derive(Serialize)]
struct SdRow<'a> {
    id: &'a str,
    published: String,
    donor: String,
    assay: String,
    between: String,
    model: String,
    class: &'static str,
    verdict: String,
}

#[derive(Serialize)]
struct ValidationPart<'a> {
    verdict: &'a str,
    n_per_group: usize,
    targets: Vec<[String; 7]>,
    relations: Vec<RelationRow<'a>>,
    parameters: Vec<[String; 5]>,
    models: Vec<ModelRow>,
}

#[derive(Serialize)]
struct RelationRow<'a> {
    id: &'a str,
    claim: &'a str,
    full_fit: &'static str,
    holds_in: usize,
    of: usize,
}

#[derive(Serialize)]
struct ModelRow {
    name: &'static str,
    description: &'static str,
    chi2: String,
    aic: String,
    bic: String,
    loo: String,
}

#[derive(Serialize)]
struct AuditPart<'a> {
    min_n: usize,
    max_n: usize,
    checks: Vec<AuditRow<'a>>,
}

#[derive(Serialize)]
struct AuditRow<'a> {
    id: &'a str,
    published_p: String,
    class: &'static str,
    matches: String,
}

#[derive(Serialize)]
struct SummaryRow<'a> {
    readout: String,
    group: &'a str,
    n: usize,
    mean: String,
    sd: String,
    flagged: usize,
}

#[derive(Serialize)]
struct ComparisonRow<'a> {
    readout: String,
    group: &'a str,
    reference: &'a str,
    test: &'static str,
    n: (usize, usize),
    p: String,
    effect: String,
}

#[derive(Serialize)]
struct GatingPart<'a> {
    group: &'a str,
    subject: String,
    tube: &'a str,
    file: &'a str,
    events: usize,
    populations: Vec<PopulationRow<'a>>,
}

#[derive(Serialize)]
struct PopulationRow<'a> {
    indent: String,
    population: &'a str,
    count: usize,
    percent: String,
}

/// The page's data: what `report.html` shows, as text.
fn page<'a>(
    results: &'a Results,
    reproduction: Option<&'a Reproduction>,
    provenance: &'a Provenance,
    figures: &'a [Figure],
) -> Page<'a> {
    let readout_label = |id: &str| results.readout(id).map_or(id.to_string(), |r| r.label.clone());
    let summaries = results
        .summaries
        .iter()
        .map(|x| {
            let (mean, sd) = if x.n == 0 {
                ("n.d.".to_string(), "–".to_string())
            } else {
                (format!("{:.3}", x.mean), format!("{:.3}", x.sd))
            };
            SummaryRow {
                readout: readout_label(&x.readout),
                group: results.groups.iter().find(|g| g.id == x.group).map_or(x.group.as_str(), |g| g.label()),
                n: x.n,
                mean,
                sd,
                flagged: x.flagged,
            }
        })
        .collect();
    let comparisons = results
        .comparisons
        .iter()
        .map(|c| ComparisonRow {
            readout: readout_label(&c.readout),
            group: &c.group,
            reference: &c.reference,
            test: c.test.label(),
            n: c.n,
            p: if c.test == niche_study::study::Test::Direction {
                format!("{:.2}×", c.mean / c.reference_mean)
            } else {
                p_text(c.p)
            },
            effect: c
                .effect
                .as_ref()
                .map_or("–".to_string(), |e| format!("{} {:.3} [{:.3}, {:.3}]", e.name, e.value, e.ci95.0, e.ci95.1)),
        })
        .collect();
    let gating = results
        .gating
        .iter()
        .map(|t| GatingPart {
            group: &t.group,
            subject: t.subject.to_string(),
            tube: &t.tube,
            file: &t.file,
            events: t.events,
            populations: t
                .populations
                .iter()
                .map(|(population, _, depth, count, percent)| PopulationRow {
                    indent: (0.5 + 1.2 * *depth as f64).to_string(),
                    population,
                    count: *count,
                    percent: format!("{percent:.2}"),
                })
                .collect(),
        })
        .collect();
    Page {
        title: &results.study,
        version: &provenance.niche_version,
        seed: provenance.seed.map(|s| s.to_string()),
        alpha: results.alpha.to_string(),
        reproduction: reproduction.map(|r| reproduction_part(r, provenance)),
        figures,
        summaries,
        comparisons,
        gating,
        warnings: &results.warnings,
    }
}

fn reproduction_part<'a>(r: &'a Reproduction, provenance: &'a Provenance) -> ReproductionPart<'a> {
    let records = r
        .records
        .iter()
        .map(|x| RecordRow {
            basis: x.basis.to_string(),
            id: &x.id,
            uses: x.uses.join("; "),
            published: &x.published,
            reproduced: &x.reproduced,
            criterion: &x.criterion,
            sensitivity: (!x.cv_sensitivity.is_empty()).then(|| {
                x.cv_sensitivity
                    .iter()
                    .map(|c| format!("{:.0} %: {:.2}", 100.0 * c.cv, c.probability))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            class: match x.pass {
                Some(true) => "pass",
                Some(false) => "fail",
                None => "score",
            },
            verdict: verdict(x),
            variance: format!("{:?}", x.variance),
            replications: x.replicated.map(|_| {
                replication_text(x).trim().trim_start_matches("(replications: ").trim_end_matches(')').to_string()
            }),
        })
        .collect();
    let v = &r.variance;
    let f = &v.function;
    let sds = v
        .sds
        .iter()
        .map(|x| SdRow {
            id: &x.id,
            published: format!("{:.3}", x.published_sd),
            donor: format!("{:.3}", x.donor_sd),
            assay: format!("{:.3}", x.assay_sd),
            between: format!("{:.3}", x.between_sd),
            model: format!("{:.3}", x.model_sd),
            class: if x.matched { "pass" } else { "fail" },
            verdict: if x.matched { "yes".to_string() } else { format!("no ({:+.0} %)", 100.0 * x.relative_error) },
        })
        .collect();
    let audit = &r.audit;
    ReproductionPart {
        headline: Headline::of(&r.records).sentence(),
        repeats: r.records.iter().find_map(|x| x.replicated).map(|o| o.repeats.to_string()),
        records,
        sampling: provenance.sampling.as_deref().unwrap_or("random"),
        typical: provenance.sampling.as_deref() == Some("typical"),
        seed: provenance.seed.unwrap_or(0).to_string(),
        validation: r.validation.as_ref().map(validation_part),
        variance: VariancePart {
            donor_parameters: niche_study::reproduce::DONOR_PARAMETERS,
            parameters: niche_study::reproduce::VARIANCE_PARAMETERS,
            n_sds: v.sds.len(),
            relative: f.relative.map(|x| format!("{x:.3}")),
            msc_strength_cv: format!("{:.3}", f.msc_strength_cv),
            antibody_competition_cv: format!("{:.3}", f.antibody_competition_cv),
            sds,
        },
        audit: AuditPart {
            min_n: audit.options.min_n,
            max_n: audit.options.max_n,
            checks: audit
                .checks
                .iter()
                .map(|c| AuditRow {
                    id: &c.id,
                    published_p: c.published_p.to_string(),
                    class: if c.unexplained { "fail" } else { "score" },
                    matches: if c.matches.is_empty() {
                        "no test at any n".to_string()
                    } else {
                        c.matches
                            .iter()
                            .map(|m| format!("{} {}×{} ({:.4})", m.test, m.n1, m.n2, m.p))
                            .collect::<Vec<_>>()
                            .join("; ")
                    },
                })
                .collect(),
        },
    }
}

fn validation_part(v: &niche_study::reproduce::Validation) -> ValidationPart<'_> {
    let end = |e: Option<f64>| e.map_or("open".to_string(), |x| format!("{x:.3e}"));
    ValidationPart {
        verdict: &v.verdict,
        n_per_group: v.n_per_group,
        targets: v
            .targets
            .iter()
            .map(|t| {
                [
                    t.id.clone(),
                    format!("{:.3}", t.published),
                    format!("{:.3}", t.sd),
                    format!("{:.3}", t.fitted),
                    format!("{:.3}", t.loo_prediction),
                    format!("{:+.2}", t.z),
                    format!("{:+.2}", t.z_sem),
                ]
            })
            .collect(),
        relations: v
            .relations
            .iter()
            .map(|r| RelationRow {
                id: &r.id,
                claim: &r.claim,
                full_fit: if r.full_fit { "holds" } else { "fails" },
                holds_in: r.holds_in,
                of: r.of,
            })
            .collect(),
        parameters: v
            .parameters
            .iter()
            .map(|p| {
                [
                    p.name.to_string(),
                    format!("{:.3e}", p.estimate),
                    end(p.profile_low),
                    end(p.profile_high),
                    format!("{:?}", p.identifiable),
                ]
            })
            .collect(),
        models: v
            .models
            .iter()
            .map(|m| ModelRow {
                name: m.name,
                description: m.description,
                chi2: format!("{:.2}", m.chi2),
                aic: format!("{:.2}", m.aic),
                bic: format!("{:.2}", m.bic),
                loo: format!("{:.2}", m.loo_median_abs_z),
            })
            .collect(),
    }
}

/// Prints a value into the page: strings through the report's [`escape`] unless marked safe.
fn formatter(out: &mut minijinja::Output, state: &mut State, value: &Value) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if *state.auto_escape() == AutoEscape::Html && !value.is_safe() => {
            out.write_str(&escape(text)).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// The environment: the report's syntax settings and escaper, `report.html` added.
fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // block tags on lines of their own leave no line behind; the file's last newline is the page's
    env.set_syntax(SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).keep_trailing_newline(true).build()?);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_formatter(formatter);
    env.add_template(NAME, TEMPLATE)?;
    Ok(env)
}

/// `report.html`.
pub(crate) fn render(
    results: &Results,
    reproduction: Option<&Reproduction>,
    provenance: &Provenance,
    figures: &[Figure],
) -> Result<String, WriteError> {
    let page = page(results, reproduction, provenance, figures);
    environment()
        .and_then(|env| env.get_template(NAME)?.render(Serde(&page)))
        .map_err(|e| WriteError::Template { template: NAME, detail: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_go_through_the_reports_escaper_unless_safe() {
        let mut env = environment().unwrap();
        env.add_template("t.html", "{{ text }}|{{ markup|safe }}|{{ n }}").unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { text => "<a href='x'>&\u{1}/", markup => "<b>", n => 3 })
            .unwrap();
        assert_eq!(out, "&lt;a href=&#39;x&#39;&gt;&amp;\u{FFFD}/|<b>|3");
    }

    #[test]
    fn an_undefined_value_is_an_error() {
        let mut env = environment().unwrap();
        env.add_template("t.html", "{{ missing }}").unwrap();
        assert!(env.get_template("t.html").unwrap().render(minijinja::context! {}).is_err());
    }
}
