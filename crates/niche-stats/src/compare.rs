//! Comparing named groups: descriptives per group, one test, and its multiple comparisons.
//!
//! [`Group`] is the data model of `niche stats compare` and of `niche.stats.compare` in Python:
//! named values with an optional pair label per value (paired tests match the two groups' values
//! by it). [`compare`] runs a [`Test`] and returns a [`Comparison`], whose JSON is the
//! `--format json` output of the CLI.
//!
//! ```
//! use niche_stats::compare::{Group, Test, compare};
//!
//! let groups = [Group::new("VCR", vec![1.0, 2.0, 3.0]), Group::new("VCR+AMD", vec![4.0, 5.0, 6.5])];
//! let r = compare(&groups, Test::Welch, None)?;
//! assert!(r.test.p < 0.05);
//! # Ok::<(), niche_stats::Error>(())
//! ```

use serde::Serialize;

use crate::error::{Error, Result};
use crate::{Descriptive, Effect, TestResult, anova, dunnett, format, ranks, ttest, tukey};

/// One group's values, with a pair label per value for paired tests (empty when unpaired).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// Its values.
    pub values: Vec<f64>,
    /// One label per value naming its matched pair; empty labels when the data are unpaired.
    pub pairs: Vec<String>,
}

impl Group {
    /// An unpaired group.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        let pairs = vec![String::new(); values.len()];
        Group { name: name.into(), values, pairs }
    }

    /// Groups from `(group, value, pair)` records, in order of first appearance.
    pub fn from_records<'a>(records: impl IntoIterator<Item = (&'a str, f64, &'a str)>) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        for (name, value, pair) in records {
            match groups.iter_mut().find(|g| g.name == name) {
                Some(g) => {
                    g.values.push(value);
                    g.pairs.push(pair.to_string());
                }
                None => {
                    groups.push(Group { name: name.to_string(), values: vec![value], pairs: vec![pair.to_string()] })
                }
            }
        }
        groups
    }
}

/// The test [`compare`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Unpaired t test (pooled variance), two groups.
    Student,
    /// Unpaired t test with Welch's correction, two groups.
    Welch,
    /// Paired t test, two groups matched by their pair labels.
    Paired,
    /// Mann–Whitney U test with the Hodges–Lehmann shift, two groups.
    MannWhitney,
    /// Wilcoxon matched-pairs signed-rank test, two groups matched by their pair labels.
    Wilcoxon,
    /// One-way ANOVA with Tukey's comparisons (Dunnett's against a control).
    Anova,
    /// Kruskal–Wallis with Dunn's comparisons (against a control, or all pairs).
    Kruskal,
}

impl Test {
    /// Every test, in the order `niche stats compare --help` lists them.
    pub const ALL: [Test; 7] =
        [Test::Student, Test::Welch, Test::Paired, Test::MannWhitney, Test::Wilcoxon, Test::Anova, Test::Kruskal];

    /// The test's name on the command line and in Python: `student`, `welch`, `paired`,
    /// `mann-whitney`, `wilcoxon`, `anova`, `kruskal`.
    pub fn name(self) -> &'static str {
        match self {
            Test::Student => "student",
            Test::Welch => "welch",
            Test::Paired => "paired",
            Test::MannWhitney => "mann-whitney",
            Test::Wilcoxon => "wilcoxon",
            Test::Anova => "anova",
            Test::Kruskal => "kruskal",
        }
    }

    /// One line on what the test does and what it needs, for help texts.
    pub fn about(self) -> &'static str {
        match self {
            Test::Student => "Unpaired t test (pooled variance), two groups",
            Test::Welch => "Unpaired t test with Welch's correction, two groups",
            Test::Paired => "Paired t test, two groups matched by `pair`",
            Test::MannWhitney => "Mann–Whitney U test (exact when n₁·n₂ ≤ 10,000, with ties too), two groups",
            Test::Wilcoxon => "Wilcoxon matched-pairs signed-rank test, two groups matched by `pair`",
            Test::Anova => "Ordinary one-way ANOVA with Tukey's multiple comparisons (Dunnett's with --control)",
            Test::Kruskal => "Kruskal–Wallis test with Dunn's multiple comparisons",
        }
    }

    /// The test named by [`Test::name`] (`_` accepted for `-`).
    ///
    /// ```
    /// use niche_stats::compare::Test;
    /// assert_eq!(Test::from_name("mann_whitney"), Some(Test::MannWhitney));
    /// assert!(Test::ALL.iter().all(|&t| Test::from_name(t.name()) == Some(t)));
    /// ```
    pub fn from_name(name: &str) -> Option<Test> {
        let name = name.replace('_', "-");
        Test::ALL.into_iter().find(|t| t.name() == name)
    }

    fn two_group_name(self) -> &'static str {
        match self {
            Test::Student | Test::Welch => "an unpaired t test",
            Test::Paired => "a paired t test",
            Test::MannWhitney => "the Mann-Whitney test",
            Test::Wilcoxon => "the Wilcoxon test",
            Test::Anova | Test::Kruskal => "this test",
        }
    }
}

/// Descriptives, the test, and multiple comparisons: `niche stats compare --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Each group's name and descriptives.
    pub groups: Vec<(String, Descriptive)>,
    /// The test's result.
    pub test: TestResult,
    /// P as Prism displays it.
    pub p_display: String,
    /// Prism's stars.
    pub stars: &'static str,
    /// Tukey's, Dunnett's or Dunn's comparisons (ANOVA and Kruskal–Wallis).
    pub posthoc: Vec<PostHoc>,
}

/// One multiple comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostHoc {
    /// `Tukey`, `Dunnett` or `Dunn`.
    pub method: &'static str,
    /// First group.
    pub a: String,
    /// Second group (the control for Dunnett).
    pub b: String,
    /// Difference of means (Tukey, Dunnett) or of mean ranks (Dunn).
    pub difference: f64,
    /// `q`, `t` or `z`.
    pub statistic_name: &'static str,
    /// The statistic.
    pub statistic: f64,
    /// Multiplicity-adjusted P.
    pub p: f64,
    /// Adjusted P as Prism displays it.
    pub p_display: String,
    /// Prism's stars.
    pub stars: &'static str,
}

impl PostHoc {
    fn new(
        method: &'static str,
        a: String,
        b: String,
        difference: f64,
        statistic: (&'static str, f64),
        p: f64,
    ) -> Self {
        PostHoc {
            method,
            a,
            b,
            difference,
            statistic_name: statistic.0,
            statistic: statistic.1,
            p,
            p_display: format::p_value(p),
            stars: format::stars(p),
        }
    }
}

/// The two groups' values ordered by their common pair labels.
pub fn matched(a: &Group, b: &Group) -> Result<(Vec<f64>, Vec<f64>)> {
    if a.pairs.iter().chain(&b.pairs).any(String::is_empty) {
        return Err(Error::Pairing { reason: "a paired test needs a `pair` label for each value".into() });
    }
    if b.values.len() != a.values.len() {
        return Err(Error::Pairing {
            reason: format!(
                "groups {:?} and {:?} have {} and {} values: pairs do not match",
                a.name,
                b.name,
                a.values.len(),
                b.values.len()
            ),
        });
    }
    let mut x = Vec::with_capacity(a.values.len());
    let mut y = Vec::with_capacity(a.values.len());
    for (pair, &v) in a.pairs.iter().zip(&a.values) {
        let Some(j) = b.pairs.iter().position(|p| p == pair) else {
            return Err(Error::Pairing {
                reason: format!("pair {pair:?} of group {:?} has no partner in group {:?}", a.name, b.name),
            });
        };
        x.push(v);
        y.push(b.values[j]);
    }
    Ok((x, y))
}

/// Runs `test` on `groups` (the first group is the reference of two-group tests); `control` names
/// the control group of Dunnett's (ANOVA) or Dunn's (Kruskal–Wallis) comparisons.
pub fn compare(groups: &[Group], test: Test, control: Option<&str>) -> Result<Comparison> {
    let descriptives = groups
        .iter()
        .map(|g| Descriptive::of(&g.name, &g.values).map(|d| (g.name.clone(), d)))
        .collect::<Result<Vec<_>>>()?;
    let two = || -> Result<(&Group, &Group)> {
        match groups {
            [a, b] => Ok((a, b)),
            _ => Err(Error::GroupCount { test: test.two_group_name(), found: groups.len() }),
        }
    };
    let named: Vec<(&str, &[f64])> = groups.iter().map(|g| (g.name.as_str(), g.values.as_slice())).collect();
    let control = match control {
        None => None,
        Some(c) => match groups.iter().position(|g| g.name == c) {
            Some(i) => Some(i),
            None => {
                return Err(Error::UnknownGroup {
                    group: c.to_string(),
                    groups: groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", "),
                });
            }
        },
    };
    if control.is_some() && !matches!(test, Test::Anova | Test::Kruskal) {
        return Err(Error::ControlNotApplicable);
    }
    let mut posthoc = Vec::new();
    let result = match test {
        Test::Student | Test::Welch => {
            let (a, b) = two()?;
            ttest::unpaired(&a.values, &b.values, test == Test::Welch)?
        }
        Test::Paired => {
            let (a, b) = two()?;
            let (x, y) = matched(a, b)?;
            ttest::paired(&x, &y)?
        }
        Test::MannWhitney => {
            let (a, b) = two()?;
            let shift = ranks::hodges_lehmann(&a.values, &b.values)?;
            let mut r = ranks::mann_whitney(&a.values, &b.values, ranks::Method::Auto)?;
            r.effect =
                Some(Effect { name: "Hodges-Lehmann difference", value: shift.estimate, ci95: Some(shift.ci95) });
            r
        }
        Test::Wilcoxon => {
            let (a, b) = two()?;
            let (x, y) = matched(a, b)?;
            ranks::wilcoxon(&x, &y, ranks::Method::Auto)?
        }
        Test::Anova => {
            let result = anova::one_way(&named)?;
            match control {
                Some(c) => {
                    for d in dunnett::dunnett(&named, c)? {
                        posthoc.push(PostHoc::new("Dunnett", d.group, d.control, d.mean_difference, ("t", d.t), d.p));
                    }
                }
                None => {
                    for t in tukey::tukey_hsd(&named)? {
                        posthoc.push(PostHoc::new("Tukey", t.a, t.b, t.mean_difference, ("q", t.q), t.p));
                    }
                }
            }
            result
        }
        Test::Kruskal => {
            let result = ranks::kruskal_wallis(&named)?;
            for d in ranks::dunn(&named, control)? {
                posthoc.push(PostHoc::new("Dunn", d.a, d.b, d.mean_rank_difference, ("z", d.z), d.p_adjusted));
            }
            result
        }
    };
    Ok(Comparison {
        groups: descriptives,
        p_display: format::p_value(result.p),
        stars: format::stars(result.p),
        test: result,
        posthoc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_group_in_order_of_first_appearance() {
        let g = Group::from_records([("b", 1.0, "p1"), ("a", 2.0, "p1"), ("b", 3.0, "p2")]);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].name, "b");
        assert_eq!(g[0].values, [1.0, 3.0]);
        assert_eq!(g[0].pairs, ["p1", "p2"]);
    }

    #[test]
    fn two_group_tests_refuse_three_groups() {
        let g = [Group::new("a", vec![1.0, 2.0]), Group::new("b", vec![3.0, 4.0]), Group::new("c", vec![5.0, 6.0])];
        let e = compare(&g, Test::Student, None).unwrap_err();
        assert_eq!(e.to_string(), "an unpaired t test compares two groups, the data have 3");
    }

    #[test]
    fn paired_tests_match_by_label() {
        let a = Group::from_records([("a", 1.0, "x"), ("a", 2.0, "y"), ("a", 4.0, "z")]);
        let b = Group::from_records([("b", 2.5, "z"), ("b", 1.5, "x"), ("b", 2.2, "y")]);
        let (x, y) = matched(&a[0], &b[0]).unwrap();
        assert_eq!(x, [1.0, 2.0, 4.0]);
        assert_eq!(y, [1.5, 2.2, 2.5]);
        let unlabelled = Group::new("c", vec![1.0, 2.0, 3.0]);
        assert!(matches!(matched(&a[0], &unlabelled), Err(Error::Pairing { .. })));
    }

    #[test]
    fn an_unknown_control_lists_the_groups() {
        let g = [Group::new("a", vec![1.0, 2.0]), Group::new("b", vec![3.0, 4.0]), Group::new("c", vec![5.0, 6.0])];
        let e = compare(&g, Test::Anova, Some("Z")).unwrap_err();
        assert_eq!(e.to_string(), "control group \"Z\" is not in the data (a, b, c)");
    }
}
