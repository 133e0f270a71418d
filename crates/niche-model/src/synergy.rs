//! Drug-combination scores on a dose grid.
//!
//! Effects are fractional kills over the untreated well of the grid: `E = (A − A₀)/(100 − A₀)`
//! with `A` the apoptosis % and `A₀` at zero VCR and zero AMD3100 (so the grid must contain both
//! zeros). **Sign convention: positive = synergy** (more effect than the reference model),
//! negative = antagonism, for all four scores:
//!
//! - **Bliss** excess: `E_ab − (E_a + E_b − E_a·E_b)` (independent action; Bliss 1939).
//! - **HSA** excess: `E_ab − max(E_a, E_b)` (highest single agent).
//! - **Loewe** excess: `E_ab − E_L`, where `E_L` solves `a/D_a(E) + b/D_b(E) = 1` with `D_x(E)` the
//!   single-agent dose giving `E`, from the grid's own single-agent rows, linear in dose; a drug
//!   that never reaches `E` alone contributes `D = ∞` (Loewe 1926).
//! - **ZIP** δ (Yadav et al. 2015): each single agent is fitted with `E = Emax·d^n/(d^n + m^n)`;
//!   each row and column of the grid is fitted with the same form whose bottom is the other
//!   drug's single effect at that dose; δ = mean of the row and column fits − the Bliss
//!   combination of the single-agent fits. Fits that fail leave δ empty.

use serde::Serialize;

use crate::error::{Error, Result};

/// Scores at one grid point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Scores {
    /// Bliss excess.
    pub bliss: f64,
    /// HSA excess.
    pub hsa: f64,
    /// Loewe excess.
    pub loewe: f64,
    /// ZIP δ, when the fits succeed.
    pub zip: Option<f64>,
}

/// Scores for `apoptosis[i][j]` at `dose_a[i]`, `dose_b[j]` (both ascending, both starting at 0).
pub fn scores(dose_a: &[f64], dose_b: &[f64], apoptosis: &[Vec<f64>]) -> Result<Vec<Vec<Scores>>> {
    let bad = |reason: &str| Err(Error::Input { reason: reason.into() });
    if dose_a.first() != Some(&0.0) || dose_b.first() != Some(&0.0) {
        return bad("synergy needs dose 0 of each drug in the grid (the single-agent rows)");
    }
    if dose_a.windows(2).any(|w| w[1] <= w[0]) || dose_b.windows(2).any(|w| w[1] <= w[0]) {
        return bad("doses must be strictly ascending");
    }
    let a0 = apoptosis[0][0];
    if a0.is_nan() || a0 >= 100.0 {
        return bad("the untreated well is already 100 % apoptotic");
    }
    let effect: Vec<Vec<f64>> =
        apoptosis.iter().map(|row| row.iter().map(|&a| (a - a0) / (100.0 - a0)).collect()).collect();
    let single_a: Vec<f64> = effect.iter().map(|row| row[0]).collect();
    let single_b: Vec<f64> = effect[0].clone();
    let zip = zip_deltas(dose_a, dose_b, &effect);
    let mut out = Vec::with_capacity(dose_a.len());
    for (i, row) in effect.iter().enumerate() {
        let mut scored = Vec::with_capacity(dose_b.len());
        for (j, &e) in row.iter().enumerate() {
            let (ea, eb) = (single_a[i], single_b[j]);
            let loewe = loewe_expected(dose_a[i], dose_b[j], dose_a, &single_a, dose_b, &single_b);
            scored.push(Scores {
                bliss: e - (ea + eb - ea * eb),
                hsa: e - ea.max(eb),
                loewe: e - loewe,
                zip: zip.as_ref().and_then(|z| z[i][j]),
            });
        }
        out.push(scored);
    }
    Ok(out)
}

/// The dose of a single agent that gives `effect`, by linear interpolation along its
/// (running-maximum) curve; `∞` when it never does.
fn dose_for(effect: f64, doses: &[f64], effects: &[f64]) -> f64 {
    let mut running = f64::NEG_INFINITY;
    let monotone: Vec<f64> = effects
        .iter()
        .map(|&e| {
            running = running.max(e);
            running
        })
        .collect();
    if effect <= monotone[0] {
        return doses[0];
    }
    for k in 1..doses.len() {
        if monotone[k] >= effect {
            let (e0, e1) = (monotone[k - 1], monotone[k]);
            let t = if e1 > e0 { (effect - e0) / (e1 - e0) } else { 1.0 };
            return doses[k - 1] + t * (doses[k] - doses[k - 1]);
        }
    }
    f64::INFINITY
}

/// The Loewe-additive effect of doses `(a, b)`: bisection on `a/D_a(E) + b/D_b(E) = 1`.
fn loewe_expected(a: f64, b: f64, da: &[f64], ea: &[f64], db: &[f64], eb: &[f64]) -> f64 {
    if a == 0.0 {
        return eb[db.iter().position(|&d| d == b).unwrap_or(0)];
    }
    if b == 0.0 {
        return ea[da.iter().position(|&d| d == a).unwrap_or(0)];
    }
    let index = |e: f64| a / dose_for(e, da, ea) + b / dose_for(e, db, eb) - 1.0;
    let (mut lo, mut hi) = (ea.iter().chain(eb).copied().fold(f64::INFINITY, f64::min).min(0.0), 1.0);
    if index(hi) > 0.0 {
        return hi;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if index(mid) > 0.0 { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// `E = bottom + (top − bottom)·d^n/(d^n + m^n)`, fitted over (top, ln m, n) by nls.
fn fit_hill(doses: &[f64], effects: &[f64], bottom: f64) -> Option<impl Fn(f64) -> f64 + use<>> {
    let positive: Vec<(f64, f64)> =
        doses.iter().zip(effects).filter(|(d, _)| **d > 0.0).map(|(d, e)| (*d, *e)).collect();
    if positive.len() < 4 {
        return None;
    }
    let x: Vec<f64> = positive.iter().map(|p| p.0).collect();
    let y: Vec<f64> = positive.iter().map(|p| p.1).collect();
    let model = move |d: f64, t: &[f64]| {
        let r = (d.ln() - t[1]) * t[2];
        bottom + (t[0] - bottom) / (1.0 + (-r).exp())
    };
    let top0 = y.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(bottom + 1e-3);
    let mid = (x[0].ln() + x[x.len() - 1].ln()) / 2.0;
    let bounds = [(-1.0, 1.5), (-50.0, 50.0), (0.05, 10.0)];
    let fit = niche_stats::nls::fit(
        model,
        &x,
        &y,
        None,
        &[top0, mid, 1.0],
        Some(&bounds),
        niche_stats::nls::Options { max_iterations: 300, tolerance: 1e-10 },
    )
    .ok()?;
    let t = fit.params;
    Some(
        move |d: f64| {
            if d <= 0.0 { bottom } else { bottom + (t[0] - bottom) / (1.0 + (-(d.ln() - t[1]) * t[2]).exp()) }
        },
    )
}

/// A fitted dose-response curve, when the fit succeeded.
type Curve = Option<Box<dyn Fn(f64) -> f64>>;

fn zip_deltas(da: &[f64], db: &[f64], effect: &[Vec<f64>]) -> Option<Vec<Vec<Option<f64>>>> {
    let single_a: Vec<f64> = effect.iter().map(|r| r[0]).collect();
    let fa = fit_hill(da, &single_a, 0.0)?;
    let fb = fit_hill(db, &effect[0], 0.0)?;
    let rows: Vec<Curve> = (0..da.len())
        .map(|i| fit_hill(db, &effect[i], fa(da[i])).map(|f| Box::new(f) as Box<dyn Fn(f64) -> f64>))
        .collect();
    let cols: Vec<Curve> = (0..db.len())
        .map(|j| {
            let column: Vec<f64> = effect.iter().map(|r| r[j]).collect();
            fit_hill(da, &column, fb(db[j])).map(|f| Box::new(f) as Box<dyn Fn(f64) -> f64>)
        })
        .collect();
    Some(
        (0..da.len())
            .map(|i| {
                (0..db.len())
                    .map(|j| {
                        if da[i] == 0.0 || db[j] == 0.0 {
                            return Some(0.0);
                        }
                        let (row, col) = (rows[i].as_ref()?, cols[j].as_ref()?);
                        let fitted = 0.5 * (row(db[j]) + col(da[i]));
                        let (ya, yb) = (fa(da[i]), fb(db[j]));
                        Some(fitted - (ya + yb - ya * yb))
                    })
                    .collect()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Bliss-independent surface scores 0 on Bliss (and, being built from Hill curves, ~0 on ZIP).
    #[test]
    fn bliss_independent_drugs_score_zero() {
        let doses = [0.0, 0.1, 0.3, 1.0, 3.0, 10.0];
        let ea = |d: f64| 0.8 * d / (d + 1.0);
        let eb = |d: f64| 0.5 * d * d / (d * d + 4.0);
        let a0 = 20.0;
        let grid: Vec<Vec<f64>> = doses
            .iter()
            .map(|&a| {
                doses
                    .iter()
                    .map(|&b| {
                        let e = ea(a) + eb(b) - ea(a) * eb(b);
                        a0 + e * (100.0 - a0)
                    })
                    .collect()
            })
            .collect();
        let s = scores(&doses, &doses, &grid).unwrap();
        for row in &s {
            for x in row {
                assert!(x.bliss.abs() < 1e-12);
                assert!(x.hsa >= -1e-12, "HSA excess is ≥ 0 for positive effects");
                if let Some(z) = x.zip {
                    assert!(z.abs() < 0.02, "ZIP {z}");
                }
            }
        }
        assert!(s[3][3].zip.is_some());
    }

    /// Loewe's sham combination: a drug combined with itself is additive (excess 0).
    #[test]
    fn a_drug_with_itself_is_loewe_additive() {
        let doses = [0.0, 0.5, 1.0, 2.0, 4.0];
        let e = |d: f64| d / (d + 2.0);
        let grid: Vec<Vec<f64>> = doses.iter().map(|&a| doses.iter().map(|&b| 100.0 * e(a + b)).collect()).collect();
        let s = scores(&doses, &doses, &grid).unwrap();
        // linear interpolation of the single-agent curve limits the accuracy between grid points
        assert!(s[2][2].loewe.abs() < 0.02, "{}", s[2][2].loewe);
        assert!(s[1][1].loewe.abs() < 0.02, "{}", s[1][1].loewe);
        assert!(s[2][2].bliss < 0.0, "a sham combination looks antagonistic to Bliss");
    }

    #[test]
    fn grids_without_zero_doses_are_refused() {
        let err = scores(&[1.0, 2.0], &[0.0, 1.0], &[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap_err();
        assert!(err.to_string().contains("dose 0"));
    }
}
