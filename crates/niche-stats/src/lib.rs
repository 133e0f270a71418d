//! Statistics that match GraphPad Prism and scipy.
//!
//! - [`Descriptive`]: n, mean, SD, SEM, median, quartiles, range, 95% CI, geometric mean.
//! - [`ttest`]: Student's, Welch's, paired, and from summary statistics.
//! - [`ranks`]: Mann–Whitney U (exact, exact with ties, normal approximation), Wilcoxon
//!   signed-rank, Kruskal–Wallis.
//! - [`anova::one_way`] with [`tukey::tukey_hsd`] (studentized range) and
//!   [`dunnett::dunnett`] (against a control), [`contingency`] (chi-square, Fisher's exact 2 × 2),
//!   [`multiple::adjust`] (Bonferroni, Šidák, Holm, Benjamini–Hochberg).
//! - [`nls::fit`]: Levenberg–Marquardt with weights, bounds, SEs and CIs.
//! - [`compare::compare`]: descriptives, one test and its multiple comparisons for named groups.
//! - [`table1::build`]: patient characteristics by group with the right test per row.
//! - [`audit`]: which test and which n per group reproduce a published P from its means and SDs
//!   (statcheck/GRIM-style).
//! - [`format`](mod@format): Prism's stars and P display. [`distribution`]: normal, t, F, chi-square
//!   tails and quantiles. [`power`]: how often a t test of n values reaches each verdict.
//!   [`linalg`]: the small dense linear algebra the workspace shares.
//!
//! Every test returns a [`TestResult`] with the statistic, df, unrounded two-sided P and how P was
//! computed; degenerate input (too few values, NaN, zero variance) is an [`Error`], never a NaN.
//!
//! ```
//! use niche_stats::{format, ranks};
//!
//! // the seed study's check: 5 vs 5 fully separated values, exact two-sided Mann–Whitney
//! let r = ranks::mann_whitney(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0], ranks::Method::Exact)?;
//! assert_eq!(format::p_value(r.p), "0.0079");
//! assert_eq!(format::stars(r.p), "**");
//! # Ok::<(), niche_stats::Error>(())
//! ```

pub mod anova;
pub mod audit;
pub mod compare;
pub mod contingency;
mod descriptive;
pub mod distribution;
pub mod dunnett;
mod error;
pub mod format;
pub mod linalg;
pub mod multiple;
pub mod nls;
pub mod power;
mod rank_sum;
pub mod ranks;
mod result;
mod special;
pub mod table1;
pub mod ttest;
pub mod tukey;

pub use descriptive::{Descriptive, mean, quantile_type6, quantile_type7, sd, variance};
pub use error::{Error, Result};
pub use result::{Effect, TestResult};
