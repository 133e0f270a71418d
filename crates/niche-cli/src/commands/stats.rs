//! `niche stats compare`: descriptives per group and a hypothesis test, from a `group,value` CSV.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use niche_stats::compare::{self, Comparison, Group};
use niche_stats::{self as stats, format};

use super::format::{Report, Table};
use super::output::Output;

#[derive(Subcommand)]
pub enum StatsCommand {
    /// Compare groups: descriptives per group, the test's statistic, df, P and Prism's stars, and
    /// for ANOVA Tukey's multiple comparisons.
    ///
    /// DATA.csv has a header with columns `group` and `value` (and `pair` for paired tests, which
    /// matches the two groups' values); other columns are ignored. Groups keep their order of first
    /// appearance; the first group is the reference of two-group tests.
    Compare(CompareArgs),
    /// Patient characteristics by group ("Table 1"): numeric columns as median (range) with
    /// Mann–Whitney or Kruskal–Wallis, categorical ones as n (%) with Fisher's exact or
    /// chi-square; empty, NA and . cells are missing and counted.
    Table1(Table1Args),
    /// Which tests and group sizes reproduce each published P value (a statcheck/GRIM-style
    /// consistency check): Student's and Welch's t from the printed means and SDs, and the exact
    /// Mann–Whitney P values attainable without ties, for n = 3…10 per group, each kept when it
    /// rounds to the P as printed. Computed, never looked up.
    ///
    /// TARGETS.toml is a targets file in the format of the seed study's (`[design]` groups,
    /// `[results.<readout>.<group>]` with `mean`, `sd`, `p`, `p_vs`); without it, the embedded seed
    /// targets.
    Audit(AuditArgs),
}

#[derive(Args)]
pub struct AuditArgs {
    /// A targets file (default: the seed study's, embedded in niche).
    targets: Option<PathBuf>,
    /// `text` for people, `json` for programs (`checks` with `id`, `published_p`, `matches`;
    /// `unexplained`).
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
}

#[derive(Args)]
pub struct Table1Args {
    /// One row per patient, a header row of column names.
    patients: PathBuf,
    /// The column that defines the groups.
    #[arg(long, value_name = "COLUMN")]
    by: String,
    /// `text` for people; `csv` and `json` for programs.
    #[arg(long, value_parser = Table::parser(&[Table::Text, Table::Csv, Table::Json]), default_value_t = Table::Text)]
    format: Table,
}

#[derive(Args)]
pub struct CompareArgs {
    /// CSV with columns `group` and `value` (and `pair` for paired tests).
    data: PathBuf,
    /// The test.
    #[arg(long, value_enum)]
    test: TestArg,
    /// With anova: Dunnett's comparisons against this group instead of Tukey's all pairs; with
    /// kruskal: Dunn's comparisons against it instead of all pairs.
    #[arg(long, value_name = "GROUP")]
    control: Option<String>,
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Report::Text)]
    format: Report,
}

/// `--test`: the tests of `niche_stats::compare`, named and described there (`Test::ALL`,
/// `Test::name`, `Test::about`), so the CLI, Python and the library share one list.
#[derive(Clone, Copy)]
struct TestArg(compare::Test);

impl ValueEnum for TestArg {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [TestArg; compare::Test::ALL.len()] = {
            let mut all = [TestArg(compare::Test::Student); compare::Test::ALL.len()];
            let mut i = 0;
            while i < all.len() {
                all[i] = TestArg(compare::Test::ALL[i]);
                i += 1;
            }
            all
        };
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.name()).help(self.0.about()))
    }
}

fn read_groups(path: &std::path::Path) -> Result<Vec<Group>> {
    let (header, records) = super::csv::read(path)?;
    let columns: Vec<String> = header.iter().map(|c| c.to_ascii_lowercase()).collect();
    let find = |name: &str| columns.iter().position(|c| c == name);
    let (Some(gi), Some(vi)) = (find("group"), find("value")) else {
        bail!("{}: line 1 needs columns `group` and `value`, found {header:?}", path.display());
    };
    let pi = find("pair");
    let mut rows = Vec::with_capacity(records.len());
    for (line, fields) in &records {
        let value: f64 = fields[vi].parse().ok().filter(|v: &f64| v.is_finite()).with_context(|| {
            format!("{}: line {line}: value {:?} is not a finite number", path.display(), fields[vi])
        })?;
        if fields[gi].is_empty() {
            bail!("{}: line {line}: the group is empty", path.display());
        }
        rows.push((fields[gi].as_str(), value, pi.map_or("", |i| fields[i].as_str())));
    }
    Ok(Group::from_records(rows))
}

pub fn run(command: StatsCommand) -> Result<()> {
    match command {
        StatsCommand::Compare(args) => compare(&args),
        StatsCommand::Table1(args) => table1(&args),
        StatsCommand::Audit(args) => audit(&args),
    }
}

fn audit(args: &AuditArgs) -> Result<()> {
    let checks = match &args.targets {
        Some(path) => {
            let text = niche_study::read_text(path, niche_study::MAX_TEXT_BYTES)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            niche_model::targets::SeedTargets::parse(&text)
                .and_then(|t| t.audit_checks())
                .with_context(|| path.display().to_string())?
        }
        None => niche_model::targets::seed()?.audit_checks()?,
    };
    let audit = stats::audit::audit(&checks)?;
    Output::Stdout.write_with(|out| {
        match args.format {
            Report::Json => {
                serde_json::to_writer_pretty(&mut *out, &audit)?;
                writeln!(out)?;
            }
            Report::Text => {
                let (lo, hi) = (audit.options.min_n, audit.options.max_n);
                writeln!(
                    out,
                    "published P values against Student's t, Welch's t and exact Mann–Whitney, n = {lo}…{hi} per group:"
                )?;
                for c in &audit.checks {
                    let means = if c.had_means { "" } else { " (no means published: Mann–Whitney only)" };
                    writeln!(out, "\n{}  P = {}{means}", c.id, c.published_p)?;
                    if c.matches.is_empty() {
                        writeln!(out, "  no test at any n explains it")?;
                    }
                    for m in &c.matches {
                        let u = m.u.map_or(String::new(), |u| format!(", U = {u}"));
                        writeln!(out, "  {:<31} n = {} vs {}{u}: P = {:.6}", m.test.label(), m.n1, m.n2, m.p)?;
                    }
                }
                if !audit.unexplained.is_empty() {
                    writeln!(out, "\nunexplained by every combination: {}", audit.unexplained.join(", "))?;
                }
            }
        }
        Ok(())
    })
}

fn compare(args: &CompareArgs) -> Result<()> {
    let groups = read_groups(&args.data)?;
    let report = compare::compare(&groups, args.test.0, args.control.as_deref())
        .with_context(|| args.data.display().to_string())?;
    Output::Stdout.write_with(|out| match args.format {
        Report::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
            Ok(())
        }
        Report::Text => write_text(out, &report),
    })
}

fn write_text(out: &mut dyn Write, r: &Comparison) -> Result<()> {
    writeln!(
        out,
        "{:<20} {:>5} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "group", "n", "mean", "SD", "SEM", "median", "range"
    )?;
    for (name, d) in &r.groups {
        writeln!(
            out,
            "{:<20} {:>5} {:>12.4} {:>12.4} {:>12.4} {:>12.4} {:>5.4}-{:.4}",
            name, d.n, d.mean, d.sd, d.sem, d.median, d.min, d.max
        )?;
    }
    let t = &r.test;
    let df = match (t.df, t.df2) {
        (Some(a), Some(b)) => format!(", df = {a}, {b}"),
        (Some(a), None) => format!(", df = {}", (a * 1e4).round() / 1e4),
        _ => String::new(),
    };
    writeln!(
        out,
        "\n{}: {} = {:.4}{df}, P = {} ({}), {}",
        t.test, t.statistic_name, t.statistic, r.p_display, r.stars, t.method
    )?;
    if let Some(e) = &t.effect {
        match e.ci95 {
            Some((lo, hi)) => writeln!(out, "{} = {:.4} (95% CI {:.4} to {:.4})", e.name, e.value, lo, hi)?,
            None => writeln!(out, "{} = {:.4}", e.name, e.value)?,
        }
    }
    if let Some(first) = r.posthoc.first() {
        writeln!(out, "\n{}'s multiple comparisons:", first.method)?;
        for c in &r.posthoc {
            writeln!(
                out,
                "  {} vs {}: difference {:.4}, {} = {:.4}, adjusted P = {} ({})",
                c.a, c.b, c.difference, c.statistic_name, c.statistic, c.p_display, c.stars
            )?;
        }
    }
    Ok(())
}

fn table1(args: &Table1Args) -> Result<()> {
    let file = args.patients.display().to_string();
    let (header, records) = super::csv::read(&args.patients)?;
    let columns: Vec<(String, Vec<String>)> = header
        .iter()
        .enumerate()
        .map(|(j, name)| (name.clone(), records.iter().map(|(_, r)| r[j].clone()).collect()))
        .collect();
    let table = stats::table1::build(&columns, &args.by).with_context(|| file.clone())?;
    Output::Stdout.write_with(|out| {
        match args.format {
            Table::Json => {
                serde_json::to_writer_pretty(&mut *out, &table)?;
                writeln!(out)?;
            }
            Table::Tsv | Table::Parquet => return Err(args.format.not_here()),
            Table::Csv | Table::Text => {
                let csv = args.format == Table::Csv;
                let mut head = vec![
                    "variable".to_string(),
                    "level".into(),
                    format!("overall (n={})", table.group_sizes.iter().sum::<usize>()),
                ];
                head.extend(table.groups.iter().zip(&table.group_sizes).map(|(g, n)| format!("{g} (n={n})")));
                head.extend(["test".to_string(), "P".into(), "missing".into()]);
                let rows = table.rows.iter().map(|r| {
                    let mut cells = vec![r.variable.clone(), r.level.clone(), r.overall.clone()];
                    cells.extend(r.groups.iter().cloned());
                    cells.push(r.test.clone());
                    cells.push(r.p.map(format::p_value).unwrap_or_default());
                    cells.push(if r.missing > 0 { r.missing.to_string() } else { String::new() });
                    cells
                });
                if csv {
                    let mut csv = super::csv::writer(&mut *out, b',');
                    csv.write_record(&head)?;
                    for cells in rows {
                        csv.write_record(&cells)?;
                    }
                    csv.flush()?;
                } else {
                    let all: Vec<Vec<String>> = std::iter::once(head).chain(rows).collect();
                    let widths: Vec<usize> = (0..all[0].len())
                        .map(|j| all.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
                        .collect();
                    for r in &all {
                        let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
                        writeln!(out, "{}", line.join("  ").trim_end())?;
                    }
                }
            }
        }
        Ok(())
    })
}
