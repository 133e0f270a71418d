//! The result every test returns.

/// A hypothesis test's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TestResult {
    /// The test, e.g. `unpaired t test (Welch)`.
    pub test: String,
    /// The statistic's symbol: `t`, `U`, `W`, `F`, `H`, `chi2`.
    pub statistic_name: &'static str,
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom (numerator for F).
    pub df: Option<f64>,
    /// Denominator degrees of freedom (F).
    pub df2: Option<f64>,
    /// Two-sided P value, unrounded.
    pub p: f64,
    /// How P was computed, e.g. `exact`, `normal approximation with tie and continuity correction`.
    pub method: String,
    /// Effect size, when the test has one (Cohen's d for t tests).
    pub effect: Option<Effect>,
}

/// An effect size.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Effect {
    /// Its name, e.g. `Cohen's d`, `difference of means`.
    pub name: &'static str,
    /// Its value.
    pub value: f64,
    /// Its 95% confidence interval, when one is computed.
    pub ci95: Option<(f64, f64)>,
}
