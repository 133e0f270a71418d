//! Consistency audit of published P values: which test and which group sizes reproduce a printed P
//! from the means and SDs printed beside it.
//!
//! A statcheck-style recomputation (Nuijten et al. 2016) with a GRIM-style enumeration of the
//! sample sizes a report leaves open (Brown & Heathers 2017). For each [`Check`], every test in
//! [`Test`] and every pair of group sizes `n₁, n₂ ∈ [min_n, max_n]` (3…10 by default; equal and
//! unequal, ordered: `n₁` is the group's, `n₂` the reference's) gives one computed P:
//!
//! - **Student's t (pooled)** and **Welch's t** from the printed means and SDs, as
//!   [`crate::ttest::unpaired_summary`] computes them:
//!   `t = (m₁ − m₂)/√(s²ₚ(1/n₁ + 1/n₂))`, `s²ₚ = ((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2)`, df = n₁ + n₂ − 2;
//!   Welch `t = (m₁ − m₂)/√(s₁²/n₁ + s₂²/n₂)` with the Welch–Satterthwaite df; P two-sided.
//! - **Mann–Whitney exact, two-sided**: a summary does not determine U, but the exact test can only
//!   give a few P values. Without ties these are `P(u) = min(1, 2·Σ_{v ≤ u} #(U = v)/C(n₁+n₂, n₁))`
//!   for `u = 0, …, ⌊n₁n₂/2⌋`, counted from the full null distribution of U (Löffler's recurrence,
//!   as [`crate::ranks::mann_whitney`] counts it). Every attainable P is a candidate; `u = 0` is complete
//!   separation, e.g. `2/C(10, 5) = 2/252 = 0.0079365…` for 5 vs 5. Checks without means (a P
//!   printed alone, e.g. "not different, P = 0.532") are audited against these values only.
//!
//! A computed P **matches** when it rounds to the published P at the printed number of decimals
//! (`"0.0009"` has 4): `|P − p̂| ≤ ½·10^(−d)`, the interval closed at both ends so that round-half-up
//! and round-half-even both count (statcheck's convention), with a relative slack of 10⁻⁹ for the
//! binary representation of the printed decimal. A check no combination matches is *unexplained*.
//!
//! Limits: the means and SDs are taken as exact although they are printed rounded too, so a t test
//! whose P lies within the rounding of the summaries of a boundary can fall either side; the
//! Mann–Whitney candidates assume no ties; a P printed as an inequality (`<0.0001`) is not audited.
//!
//! References: M. B. Nuijten, C. H. J. Hartgerink, M. A. L. M. van Assen, S. Epskamp,
//! J. M. Wicherts (2016), The prevalence of statistical reporting errors in psychology (1985–2013),
//! *Behavior Research Methods* 48:1205–1226. N. J. L. Brown, J. A. J. Heathers (2017), The GRIM
//! test: a simple technique detects numerous anomalies in the reporting of results in psychology,
//! *Social Psychological and Personality Science* 8:363–369. A. Löffler (1983), Über eine
//! Partition der nat. Zahlen und ihre Anwendung beim U-Test, *Wiss. Z. Univ. Halle* 32:87–89.
//!
//! ```
//! use niche_stats::audit::{self, Check, Test};
//!
//! // the seed study's P = 0.0079, printed without means
//! let result = audit::check(&Check::printed("apoptosis_amd", "0.0079")?, &audit::Options::default())?;
//! assert!(result.matches.iter().any(|m| m.test == Test::MannWhitneyExact && (m.n1, m.n2) == (5, 5)));
//! # Ok::<(), niche_stats::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::ranks::{two_sided, u_null_counts};
use crate::ttest;

/// The tests the audit tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// Unpaired t test with pooled variance (Student).
    Student,
    /// Unpaired t test with Welch's correction.
    Welch,
    /// Exact two-sided Mann–Whitney U test without ties.
    MannWhitneyExact,
}

impl Test {
    /// Every test, in the order the audit reports them.
    pub const ALL: [Test; 3] = [Test::Student, Test::Welch, Test::MannWhitneyExact];

    /// The test's name as a report prints it.
    pub fn label(self) -> &'static str {
        match self {
            Test::Student => "Student t (pooled)",
            Test::Welch => "Welch t",
            Test::MannWhitneyExact => "Mann-Whitney exact (two-sided)",
        }
    }
}

impl std::fmt::Display for Test {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A group's printed mean and SD (n − 1 denominator); its n is what the audit enumerates.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MeanSd {
    /// Mean, in the readout's unit.
    pub mean: f64,
    /// Standard deviation, same unit.
    pub sd: f64,
}

/// The two groups a published P compares.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Means {
    /// The group the P is reported for.
    pub group: MeanSd,
    /// The group it is compared against.
    pub reference: MeanSd,
}

/// One published P to audit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Check {
    /// An id for the comparison, e.g. `cxcr4_mfi.coculture_amd`.
    pub id: String,
    /// The P as printed, as a number (`0.0079`).
    pub published_p: f64,
    /// Decimals printed after the point (`"0.0009"` has 4).
    pub decimals: u32,
    /// The means and SDs printed with it; `None` when the paper gives only the P (then only the
    /// Mann–Whitney candidates can be tried).
    pub means: Option<Means>,
}

impl Check {
    /// A check of a P printed as a plain decimal (`"0.0079"`, `".532"`, `"1"`), without means.
    ///
    /// The number of decimals is read from the string. Inequalities (`"<0.0001"`), exponents,
    /// signs and more than 15 decimals are an [`Error::InvalidPrintedP`]; a value outside (0, 1] is
    /// an [`Error::OutOfDomain`].
    pub fn printed(id: impl Into<String>, printed: &str) -> Result<Check> {
        let text = printed.trim();
        let invalid = |reason| Error::InvalidPrintedP { printed: printed.to_string(), reason };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid("is not a decimal number"));
        }
        if !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(invalid("is not a plain decimal number such as 0.0079"));
        }
        if fraction.len() > MAX_DECIMALS as usize {
            return Err(invalid("has more than 15 decimals"));
        }
        let value: f64 = text.parse().map_err(|_| invalid("is not a decimal number"))?;
        let check = Check { id: id.into(), published_p: value, decimals: fraction.len() as u32, means: None };
        check.validate_p()?;
        Ok(check)
    }

    /// The same check with the means and SDs printed beside the P.
    pub fn with_means(self, group: MeanSd, reference: MeanSd) -> Check {
        Check { means: Some(Means { group, reference }), ..self }
    }

    /// Checks the published P and its decimals.
    fn validate_p(&self) -> Result<()> {
        let p = self.published_p;
        if !(p > 0.0 && p <= 1.0) {
            return Err(Error::OutOfDomain { name: "published P", value: p, domain: "(0, 1]" });
        }
        if self.decimals > MAX_DECIMALS {
            return Err(Error::OutOfDomain {
                name: "printed decimals",
                value: self.decimals as f64,
                domain: "0 to 15",
            });
        }
        let scaled = p * 10f64.powi(self.decimals as i32);
        if (scaled - scaled.round()).abs() > 1e-9 * scaled.max(1.0) {
            return Err(Error::InvalidPrintedP {
                printed: format!("{p} with {} decimals", self.decimals),
                reason: "has more digits than its printed decimals",
            });
        }
        Ok(())
    }

    /// Checks the whole input: P, decimals, finite means and SDs, SDs ≥ 0, not both zero.
    fn validate(&self) -> Result<()> {
        self.validate_p()?;
        if let Some(Means { group, reference }) = self.means {
            for (name, s) in [("group", group), ("reference", reference)] {
                for value in [s.mean, s.sd] {
                    if !value.is_finite() {
                        return Err(Error::NotFinite { group: name.into(), value });
                    }
                }
                if s.sd < 0.0 {
                    return Err(Error::NegativeSd { group: name.into(), sd: s.sd });
                }
            }
            if group.sd == 0.0 && reference.sd == 0.0 {
                return Err(Error::ZeroVariance { test: "t test" });
            }
        }
        Ok(())
    }
}

/// The most decimals a printed P may have (beyond them a decimal is not an f64 any more).
const MAX_DECIMALS: u32 = 15;

/// The group sizes the audit enumerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// Smallest n per group (at least 2, which a t test needs).
    pub min_n: usize,
    /// Largest n per group (at most 30).
    pub max_n: usize,
}

impl Default for Options {
    /// n = 3…10 per group, the range of in-vitro replicate counts.
    fn default() -> Options {
        Options { min_n: 3, max_n: 10 }
    }
}

impl Options {
    /// Largest `max_n` accepted: 30 × 30 ordered pairs of exact distributions stay instant.
    pub const LARGEST_N: usize = 30;

    fn validate(&self) -> Result<()> {
        if self.min_n < 2 || self.min_n > Options::LARGEST_N {
            return Err(Error::OutOfDomain { name: "min_n", value: self.min_n as f64, domain: "2 to 30" });
        }
        if self.max_n < self.min_n || self.max_n > Options::LARGEST_N {
            return Err(Error::OutOfDomain { name: "max_n", value: self.max_n as f64, domain: "min_n to 30" });
        }
        Ok(())
    }

    /// The ordered pairs (n₁, n₂), n₁ major.
    fn pairs(&self) -> Vec<(usize, usize)> {
        let (lo, hi) = (self.min_n, self.max_n);
        (lo..=hi).flat_map(|n1| (lo..=hi).map(move |n2| (n1, n2))).collect()
    }
}

/// One test at one pair of group sizes, and the P it gives.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Combination {
    /// The test.
    pub test: Test,
    /// n of the group.
    pub n1: usize,
    /// n of the reference.
    pub n2: usize,
    /// For Mann–Whitney, the smaller of U₁ and U₂ that gives this P (0: complete separation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u: Option<usize>,
    /// The two-sided P, unrounded.
    pub p: f64,
}

/// An exact Mann–Whitney P that sizes n₁ and n₂ can give.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attainable {
    /// `min(U₁, U₂)`.
    pub u: usize,
    /// `min(1, 2·P(U ≤ u))`.
    pub p: f64,
}

/// The audit of one published P.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckResult {
    /// The check's id.
    pub id: String,
    /// The P as published.
    pub published_p: f64,
    /// Its printed decimals.
    pub decimals: u32,
    /// Whether means were given (otherwise only Mann–Whitney was tried).
    pub had_means: bool,
    /// Every combination whose P rounds to the published one: by test (Student, Welch,
    /// Mann–Whitney), then n₁, n₂, then U.
    pub matches: Vec<Combination>,
    /// True when no combination matches.
    pub unexplained: bool,
}

/// The audit of several published P values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Audit {
    /// One result per check, in input order.
    pub checks: Vec<CheckResult>,
    /// The ids of the checks no combination explains.
    pub unexplained: Vec<String>,
    /// The sizes tried.
    pub options: Options,
}

/// The exact two-sided Mann–Whitney P values attainable with sizes `n1` and `n2` without ties,
/// one per `u = min(U₁, U₂) = 0, …, ⌊n₁n₂/2⌋`, increasing. Sizes of 1 to 30 are accepted.
pub fn mann_whitney_attainable(n1: usize, n2: usize) -> Result<Vec<Attainable>> {
    for (name, n) in [("n1", n1), ("n2", n2)] {
        if n == 0 || n > Options::LARGEST_N {
            return Err(Error::OutOfDomain { name, value: n as f64, domain: "1 to 30" });
        }
    }
    let (counts, total) = u_null_counts(n1, n2);
    let mut cumulative = 0.0;
    Ok(counts
        .iter()
        .enumerate()
        .map(|(u, &c)| {
            cumulative += c;
            let lower = cumulative / total;
            Attainable { u, p: two_sided(lower, lower) }
        })
        .collect())
}

/// Every combination the audit computes for `check`: Student's and Welch's P at each (n₁, n₂)
/// when means are given, and each attainable Mann–Whitney P at each (n₁, n₂); in the order of
/// [`CheckResult::matches`].
pub fn candidates(check: &Check, options: &Options) -> Result<Vec<Combination>> {
    check.validate()?;
    options.validate()?;
    let mut out = Vec::new();
    if let Some(Means { group, reference }) = check.means {
        for (test, welch) in [(Test::Student, false), (Test::Welch, true)] {
            for (n1, n2) in options.pairs() {
                let a = ttest::Summary { mean: group.mean, sd: group.sd, n: n1 };
                let b = ttest::Summary { mean: reference.mean, sd: reference.sd, n: n2 };
                let p = ttest::unpaired_summary(a, b, welch)?.p;
                out.push(Combination { test, n1, n2, u: None, p });
            }
        }
    }
    for (n1, n2) in options.pairs() {
        for a in mann_whitney_attainable(n1, n2)? {
            out.push(Combination { test: Test::MannWhitneyExact, n1, n2, u: Some(a.u), p: a.p });
        }
    }
    Ok(out)
}

/// Whether `p` rounds to `published` at `decimals` decimals: `|p − published| ≤ ½·10^(−d)`, with a
/// relative slack of 10⁻⁹ for the binary representation of the printed decimal.
pub fn rounds_to(p: f64, published: f64, decimals: u32) -> bool {
    let half = 0.5 * 10f64.powi(-(decimals.min(MAX_DECIMALS) as i32));
    (p - published).abs() <= half * (1.0 + 1e-9)
}

/// Audits one published P with the sizes of `options`.
pub fn check(check: &Check, options: &Options) -> Result<CheckResult> {
    let matches: Vec<Combination> =
        candidates(check, options)?.into_iter().filter(|c| rounds_to(c.p, check.published_p, check.decimals)).collect();
    Ok(CheckResult {
        id: check.id.clone(),
        published_p: check.published_p,
        decimals: check.decimals,
        had_means: check.means.is_some(),
        unexplained: matches.is_empty(),
        matches,
    })
}

/// Audits several published P values with n = 3…10 per group.
pub fn audit(checks: &[Check]) -> Result<Audit> {
    audit_with(checks, &Options::default())
}

/// Audits several published P values; an error names the check it comes from
/// ([`Error::InCheck`]).
pub fn audit_with(checks: &[Check], options: &Options) -> Result<Audit> {
    options.validate()?;
    let results = checks
        .iter()
        .map(|c| check(c, options).map_err(|e| Error::InCheck { id: c.id.clone(), source: Box::new(e) }))
        .collect::<Result<Vec<_>>>()?;
    let unexplained = results.iter().filter(|r| r.unexplained).map(|r| r.id.clone()).collect();
    Ok(Audit { checks: results, unexplained, options: *options })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_versus_five_attainable_values() {
        // #(U ≤ u) for 5 vs 5: 1, 2, 4, 7, 12 of C(10, 5) = 252
        let a = mann_whitney_attainable(5, 5).unwrap();
        assert_eq!(a.len(), 13);
        for (u, cumulative) in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 7.0), (4, 12.0)] {
            assert!((a[u].p - 2.0 * cumulative / 252.0).abs() < 1e-15, "u = {u}");
        }
        assert!((a[12].p - 1.0).abs() < 1e-15, "the middle of U is capped at P = 1");
        assert!(a.windows(2).all(|w| w[0].p < w[1].p || w[1].p == 1.0));
    }

    #[test]
    fn attainable_values_equal_the_rank_test_on_constructed_samples() {
        // a sample pair with U₁ = u: each a-value exceeds kᵢ of the b-values, Σ kᵢ = u
        for (n1, n2) in [(3, 7), (4, 4), (6, 9)] {
            for att in mann_whitney_attainable(n1, n2).unwrap() {
                let b: Vec<f64> = (0..n2).map(|j| 2.0 * j as f64).collect();
                let mut left = att.u;
                let mut a = vec![0.0; n1];
                for i in (0..n1).rev() {
                    let k = left.min(n2);
                    left -= k;
                    a[i] = 2.0 * k as f64 - 1.0 + i as f64 / (n1 + 1) as f64;
                }
                let r = crate::ranks::mann_whitney(&a, &b, crate::ranks::Method::Exact).unwrap();
                assert_eq!(r.statistic, att.u as f64);
                // the same counts summed in the same order: equal to the last bit, within 1e-15 stated
                assert!((r.p - att.p).abs() <= 1e-15 * att.p, "{n1} vs {n2}, u = {}", att.u);
            }
        }
    }

    #[test]
    fn printed_p_values_are_read_with_their_decimals() {
        let c = Check::printed("x", "0.0009").unwrap();
        assert_eq!((c.published_p, c.decimals), (0.0009, 4));
        assert_eq!(Check::printed("x", ".532").unwrap().decimals, 3);
        assert_eq!(Check::printed("x", " 1 ").unwrap().decimals, 0);
        for bad in ["<0.0001", "1e-3", "-0.1", "", ".", "0.0079*", "0.1234567890123456"] {
            assert!(matches!(Check::printed("x", bad), Err(Error::InvalidPrintedP { .. })), "{bad:?}");
        }
        for outside in ["0.0000", "0", "1.5", "2"] {
            assert!(matches!(Check::printed("x", outside), Err(Error::OutOfDomain { .. })), "{outside:?}");
        }
    }

    #[test]
    fn rounding_is_closed_at_both_ends() {
        assert!(rounds_to(2.0 / 252.0, 0.0079, 4));
        assert!(rounds_to(0.00085, 0.0009, 4) && rounds_to(0.00095, 0.0009, 4));
        assert!(!rounds_to(0.000_849_9, 0.0009, 4) && !rounds_to(0.000_950_1, 0.0009, 4));
    }

    #[test]
    fn degenerate_checks_are_errors() {
        let ok = MeanSd { mean: 1.0, sd: 1.0 };
        let base = Check::printed("x", "0.05").unwrap();
        let o = Options::default();
        let negative = base.clone().with_means(MeanSd { mean: 1.0, sd: -0.1 }, ok);
        assert!(matches!(check(&negative, &o), Err(Error::NegativeSd { .. })));
        let nan = base.clone().with_means(ok, MeanSd { mean: f64::NAN, sd: 1.0 });
        assert!(matches!(check(&nan, &o), Err(Error::NotFinite { .. })));
        let flat = base.clone().with_means(MeanSd { mean: 1.0, sd: 0.0 }, MeanSd { mean: 2.0, sd: 0.0 });
        assert!(matches!(check(&flat, &o), Err(Error::ZeroVariance { .. })));
        for p in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            let c = Check { published_p: p, ..base.clone() };
            assert!(matches!(check(&c, &o), Err(Error::OutOfDomain { .. })), "{p}");
        }
        let digits = Check { published_p: 0.00791, decimals: 4, ..base.clone() };
        assert!(matches!(check(&digits, &o), Err(Error::InvalidPrintedP { .. })));
        let decimals = Check { decimals: 400, ..base.clone() };
        assert!(matches!(check(&decimals, &o), Err(Error::OutOfDomain { .. })));
        for bad in [Options { min_n: 1, max_n: 10 }, Options { min_n: 5, max_n: 4 }, Options { min_n: 3, max_n: 31 }] {
            assert!(matches!(check(&base, &bad), Err(Error::OutOfDomain { .. })));
        }
        assert!(matches!(mann_whitney_attainable(0, 5), Err(Error::OutOfDomain { .. })));
        let wrapped = audit(&[negative]).unwrap_err();
        assert!(
            matches!(&wrapped, Error::InCheck { id, source } if id == "x" && matches!(**source, Error::NegativeSd { .. }))
        );
    }

    #[test]
    fn a_p_without_means_is_tried_against_mann_whitney_only() {
        let r = check(&Check::printed("x", "0.0079").unwrap(), &Options::default()).unwrap();
        assert!(!r.unexplained && !r.had_means);
        assert!(r.matches.iter().all(|m| m.test == Test::MannWhitneyExact));
        assert!(r.matches.iter().any(|m| (m.n1, m.n2, m.u) == (5, 5, Some(0))));
    }
}
