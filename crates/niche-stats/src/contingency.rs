//! Contingency tables: chi-square (R × C, Yates' correction optional for 2 × 2) and Fisher's
//! exact test for 2 × 2 tables.
//!
//! Fisher's two-sided P sums the hypergeometric probabilities of all tables with the observed
//! margins that are no more likely than the observed one (with a relative tolerance of 1e-7, as R
//! and scipy do).

use crate::distribution::chi2_sf;
use crate::error::{Error, Result};
use crate::result::TestResult;
use crate::special::ln_gamma;

fn check(table: &[Vec<f64>]) -> Result<(usize, usize)> {
    let rows = table.len();
    let cols = table.first().map_or(0, Vec::len);
    if rows < 2 || cols < 2 || table.iter().any(|r| r.len() != cols) {
        return Err(Error::InvalidTable { reason: format!("need at least 2 x 2 equal rows, got {rows} rows") });
    }
    if table.iter().flatten().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(Error::InvalidTable { reason: "counts must be finite and non-negative".into() });
    }
    Ok((rows, cols))
}

/// Pearson's chi-square test of independence; `yates` applies the continuity correction
/// (2 × 2 only, as scipy's `chi2_contingency` does by default).
pub fn chi_square(table: &[Vec<f64>], yates: bool) -> Result<TestResult> {
    let (rows, cols) = check(table)?;
    let row_sums: Vec<f64> = table.iter().map(|r| r.iter().sum()).collect();
    let col_sums: Vec<f64> = (0..cols).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    let total: f64 = row_sums.iter().sum();
    if row_sums.iter().chain(&col_sums).any(|s| *s == 0.0) {
        return Err(Error::InvalidTable { reason: "a row or column sums to zero".into() });
    }
    let correct = yates && rows == 2 && cols == 2;
    let mut x2 = 0.0;
    for i in 0..rows {
        for j in 0..cols {
            let expected = row_sums[i] * col_sums[j] / total;
            let mut dev = (table[i][j] - expected).abs();
            if correct {
                dev = (dev - 0.5).max(0.0);
            }
            x2 += dev * dev / expected;
        }
    }
    let df = ((rows - 1) * (cols - 1)) as f64;
    Ok(TestResult {
        test: "chi-square test".into(),
        statistic_name: "chi2",
        statistic: x2,
        df: Some(df),
        df2: None,
        p: chi2_sf(x2, df),
        method: if correct { "with Yates' continuity correction".into() } else { "Pearson".into() },
        effect: None,
    })
}

/// Fisher's exact test of a 2 × 2 table `[[a, b], [c, d]]` (integer counts).
pub fn fisher_exact(table: [[u64; 2]; 2]) -> Result<TestResult> {
    let [[a, b], [c, d]] = table;
    let (r1, r2, c1) = (a + b, c + d, a + c);
    let n = r1 + r2;
    if n == 0 {
        return Err(Error::InvalidTable { reason: "the table is empty".into() });
    }
    let ln_choose =
        |n: u64, k: u64| ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0);
    let ln_p = |x: u64| ln_choose(r1, x) + ln_choose(r2, c1 - x) - ln_choose(n, c1);
    let lo = c1.saturating_sub(r2);
    let hi = c1.min(r1);
    let observed = ln_p(a);
    let p: f64 = (lo..=hi).map(ln_p).filter(|&lp| lp <= observed + 1e-7f64.ln_1p()).map(f64::exp).sum();
    let odds = (a as f64 * d as f64) / (b as f64 * c as f64);
    Ok(TestResult {
        test: "Fisher's exact test".into(),
        statistic_name: "odds ratio",
        statistic: odds,
        df: None,
        df2: None,
        p: p.min(1.0),
        method: "exact (hypergeometric)".into(),
        effect: None,
    })
}

/// Fisher's exact test of an R × C table of counts (Freeman–Halton): the probability of every
/// table with the observed margins, `∏ rᵢ! ∏ cⱼ! / (N! ∏ nᵢⱼ!)`, summed over the tables no more
/// likely than the observed one (relative tolerance 1e-7). The tables are enumerated, so large
/// tables are refused: past 10 million tables it is an error that suggests chi-square.
pub fn fisher_exact_rxc(table: &[Vec<u64>]) -> Result<TestResult> {
    let rows = table.len();
    let cols = table.first().map_or(0, Vec::len);
    if rows < 2 || cols < 2 || table.iter().any(|r| r.len() != cols) {
        return Err(Error::InvalidTable { reason: format!("need at least 2 x 2 equal rows, got {rows} rows") });
    }
    let row_sums: Vec<u64> = table.iter().map(|r| r.iter().sum()).collect();
    let col_sums: Vec<u64> = (0..cols).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    let n: u64 = row_sums.iter().sum();
    if n == 0 {
        return Err(Error::InvalidTable { reason: "the table is empty".into() });
    }
    let ln_fact = |k: u64| ln_gamma(k as f64 + 1.0);
    let constant: f64 = row_sums.iter().chain(&col_sums).map(|&k| ln_fact(k)).sum::<f64>() - ln_fact(n);
    let observed = constant - table.iter().flatten().map(|&k| ln_fact(k)).sum::<f64>();
    let threshold = observed + 1e-7f64.ln_1p();
    let mut search = Enumeration {
        rows,
        cols,
        col_left: col_sums.clone(),
        p: 0.0,
        visited: 0,
        threshold,
        constant,
        ln_fact: (0..=n).map(ln_fact).collect(),
    };
    search.fill(&row_sums, 0, 0, row_sums[0], 0.0)?;
    Ok(TestResult {
        test: "Fisher's exact test".into(),
        statistic_name: "P(table)",
        statistic: observed.exp(),
        df: None,
        df2: None,
        p: search.p.min(1.0),
        method: format!("exact (Freeman-Halton, {} tables)", search.visited),
        effect: None,
    })
}

/// Depth-first enumeration of the tables with given margins.
struct Enumeration {
    rows: usize,
    cols: usize,
    col_left: Vec<u64>,
    p: f64,
    visited: u64,
    threshold: f64,
    constant: f64,
    ln_fact: Vec<f64>,
}

impl Enumeration {
    /// Fills cell (i, j) given what is left of row i (`row_left`) and `Σ ln nᵢⱼ!` so far.
    fn fill(&mut self, row_sums: &[u64], i: usize, j: usize, row_left: u64, acc: f64) -> Result<()> {
        if i == self.rows - 1 {
            // the last row is forced by the column margins
            let last: f64 = self.col_left.iter().map(|&c| self.ln_fact[c as usize]).sum();
            self.visited += 1;
            if self.visited > 10_000_000 {
                return Err(Error::InvalidTable {
                    reason: "too many tables to enumerate; use the chi-square test".into(),
                });
            }
            let ln_p = self.constant - acc - last;
            if ln_p <= self.threshold {
                self.p += ln_p.exp();
            }
            return Ok(());
        }
        if j == self.cols - 1 {
            // the last cell of the row is forced
            if row_left > self.col_left[j] {
                return Ok(());
            }
            self.col_left[j] -= row_left;
            let next_row = row_sums[i + 1];
            let result = self.fill(row_sums, i + 1, 0, next_row, acc + self.ln_fact[row_left as usize]);
            self.col_left[j] += row_left;
            return result;
        }
        // what the later columns of this row can still take
        let later: u64 = self.col_left[j + 1..].iter().sum();
        let lo = row_left.saturating_sub(later);
        let hi = row_left.min(self.col_left[j]);
        for x in lo..=hi {
            self.col_left[j] -= x;
            let result = self.fill(row_sums, i, j + 1, row_left - x, acc + self.ln_fact[x as usize]);
            self.col_left[j] += x;
            result?;
        }
        Ok(())
    }
}
