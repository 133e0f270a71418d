//! Nonlinear least squares by Levenberg–Marquardt, with weights, box bounds, standard errors and
//! confidence intervals, for the assay (4PL/5PL) and model (calibration) crates.
//!
//! Minimises `Σ wᵢ (yᵢ − f(xᵢ; θ))²`. Each step solves `(JᵀWJ + λ·diag(JᵀWJ)) δ = JᵀW r`
//! (Marquardt 1963) with a central-difference Jacobian; a step that lowers the sum of squares is
//! kept and λ shrinks tenfold, otherwise λ grows tenfold. Bounds are kept by projecting each
//! trial point onto the box. Convergence: relative change of the sum of squares and of every
//! parameter below `tolerance`. At the optimum, `s² = SS/(n − p)`, the covariance is
//! `s² (JᵀWJ)⁻¹`, and the 95% CI is `θ ± t(0.975, n − p)·SE` (as Prism and scipy's `curve_fit`
//! report them; a parameter held at a bound still gets its asymptotic SE). When `JᵀWJ` is singular
//! the fit is returned with `identifiable = false` and infinite SEs.

use crate::distribution::t_quantile;
use crate::error::{Error, Result};
use crate::linalg::invert;

/// Options of a fit.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Iteration limit.
    pub max_iterations: usize,
    /// Relative tolerance on the sum of squares and on the parameters.
    pub tolerance: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_iterations: 1000, tolerance: 1e-12 }
    }
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fit {
    /// Best-fit parameters.
    pub params: Vec<f64>,
    /// Their asymptotic standard errors.
    pub standard_errors: Vec<f64>,
    /// 95% confidence intervals `(low, high)`.
    pub ci95: Vec<(f64, f64)>,
    /// Weighted sum of squared residuals.
    pub sum_of_squares: f64,
    /// Degrees of freedom, n − p.
    pub df: usize,
    /// `1 − SS/SS_total` (weighted, about the weighted mean).
    pub r_squared: f64,
    /// Iterations used.
    pub iterations: usize,
    /// Row-major p × p covariance matrix (NaN when not identifiable).
    pub covariance: Vec<f64>,
    /// False when `JᵀWJ` is singular at the best fit: some combination of parameters is not
    /// determined by the data (Prism calls such a fit "ambiguous"); the SEs are then infinite.
    pub identifiable: bool,
}

/// The minimum Levenberg–Marquardt reached, without the covariance ([`minimise`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Minimum {
    /// Best-fit parameters.
    pub params: Vec<f64>,
    /// Weighted sum of squared residuals.
    pub sum_of_squares: f64,
    /// Iterations used.
    pub iterations: usize,
}

/// Fits `model(x, θ)` to `(x, y)` from `initial`, with optional `weights` and `bounds`.
pub fn fit(
    model: impl Fn(f64, &[f64]) -> f64,
    x: &[f64],
    y: &[f64],
    weights: Option<&[f64]>,
    initial: &[f64],
    bounds: Option<&[(f64, f64)]>,
    options: Options,
) -> Result<Fit> {
    let weights = checked_weights(x, y, weights, initial)?;
    let minimum = levenberg_marquardt(&model, x, y, &weights, initial, bounds, options)?;
    Ok(with_covariance(&model, x, y, &weights, minimum))
}

/// [`fit`] without the standard errors: the same steps to the same parameters and sum of
/// squares, but no Jacobian at the optimum (one more evaluation of the model per parameter and
/// point, pairwise). For callers that refit many times and use only the estimates (leave-one-out,
/// profile likelihood).
pub fn minimise(
    model: impl Fn(f64, &[f64]) -> f64,
    x: &[f64],
    y: &[f64],
    weights: Option<&[f64]>,
    initial: &[f64],
    bounds: Option<&[(f64, f64)]>,
    options: Options,
) -> Result<Minimum> {
    let weights = checked_weights(x, y, weights, initial)?;
    levenberg_marquardt(&model, x, y, &weights, initial, bounds, options)
}

/// Checks the data and returns the weights (1 when none are given).
fn checked_weights(x: &[f64], y: &[f64], weights: Option<&[f64]>, initial: &[f64]) -> Result<Vec<f64>> {
    let (n, p) = (x.len(), initial.len());
    if y.len() != n || weights.is_some_and(|w| w.len() != n) {
        return Err(Error::UnequalPairs { a: n, b: y.len() });
    }
    if n <= p {
        return Err(Error::TooFew { test: "nonlinear fit", group: "data".into(), n, needed: p + 1 });
    }
    if let Some(&v) = x.iter().chain(y).chain(initial).find(|v| !v.is_finite()) {
        return Err(Error::NotFinite { group: "data".into(), value: v });
    }
    let weights: Vec<f64> = weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
    if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
        return Err(Error::OutOfDomain { name: "weight", value: f64::NAN, domain: "finite and >= 0" });
    }
    Ok(weights)
}

/// The damped Gauss–Newton iteration of the module docs, from `initial` to convergence.
fn levenberg_marquardt(
    model: &impl Fn(f64, &[f64]) -> f64,
    x: &[f64],
    y: &[f64],
    weights: &[f64],
    initial: &[f64],
    bounds: Option<&[(f64, f64)]>,
    options: Options,
) -> Result<Minimum> {
    let p = initial.len();
    let project = |theta: &mut [f64]| {
        if let Some(b) = bounds {
            theta.iter_mut().zip(b).for_each(|(t, &(lo, hi))| *t = t.clamp(lo, hi));
        }
    };
    let ss = |theta: &[f64]| -> f64 {
        x.iter().zip(y).zip(weights).map(|((&xi, &yi), &wi)| wi * (yi - model(xi, theta)).powi(2)).sum()
    };
    let mut theta = initial.to_vec();
    project(&mut theta);
    let mut current = ss(&theta);
    if !current.is_finite() {
        return Err(Error::NotFinite { group: "model at the initial parameters".into(), value: current });
    }
    let mut lambda = 1e-3;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < options.max_iterations {
        iterations += 1;
        let jac = jacobian(model, x, &theta);
        let (jtj, jtr) = normal_equations(&jac, x, y, weights, model, &theta, p);
        let mut improved = false;
        for _ in 0..60 {
            let mut damped = jtj.clone();
            for i in 0..p {
                damped[i * p + i] += lambda * jtj[i * p + i].max(1e-300);
            }
            let Some(delta) = solve(p, &damped, &jtr) else {
                lambda *= 10.0;
                continue;
            };
            let mut trial: Vec<f64> = theta.iter().zip(&delta).map(|(t, d)| t + d).collect();
            project(&mut trial);
            let next = ss(&trial);
            if next.is_finite() && next <= current {
                let small_step = theta
                    .iter()
                    .zip(&trial)
                    .all(|(a, b)| (a - b).abs() <= options.tolerance * (a.abs() + options.tolerance));
                let small_gain = current - next <= options.tolerance * current.max(f64::MIN_POSITIVE);
                theta = trial;
                current = next;
                lambda = (lambda / 10.0).max(1e-15);
                improved = true;
                converged = small_step || small_gain;
                break;
            }
            lambda *= 10.0;
        }
        if !improved || converged {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(Error::DidNotConverge { iterations });
    }
    Ok(Minimum { params: theta, sum_of_squares: current, iterations })
}

/// The fit at a minimum: `s² (JᵀWJ)⁻¹` from the Jacobian there, SEs, CIs and R².
fn with_covariance(
    model: &impl Fn(f64, &[f64]) -> f64,
    x: &[f64],
    y: &[f64],
    weights: &[f64],
    minimum: Minimum,
) -> Fit {
    let Minimum { params: theta, sum_of_squares: current, iterations } = minimum;
    let (n, p) = (x.len(), theta.len());
    let jac = jacobian(model, x, &theta);
    let (jtj, _) = normal_equations(&jac, x, y, weights, model, &theta, p);
    let df = n - p;
    let s2 = current / df as f64;
    let inverse = invert(p, &jtj);
    let identifiable = inverse.is_some();
    let covariance: Vec<f64> = match inverse {
        Some(inv) => inv.iter().map(|v| v * s2).collect(),
        None => vec![f64::NAN; p * p],
    };
    let standard_errors: Vec<f64> =
        (0..p).map(|i| if identifiable { covariance[i * p + i].max(0.0).sqrt() } else { f64::INFINITY }).collect();
    let t = t_quantile(0.975, df as f64);
    let ci95 = theta.iter().zip(&standard_errors).map(|(v, se)| (v - t * se, v + t * se)).collect();
    let w_total: f64 = weights.iter().sum();
    let y_mean = y.iter().zip(weights).map(|(y, w)| y * w).sum::<f64>() / w_total;
    let total: f64 = y.iter().zip(weights).map(|(y, w)| w * (y - y_mean).powi(2)).sum();
    Fit {
        params: theta,
        standard_errors,
        ci95,
        sum_of_squares: current,
        df,
        r_squared: 1.0 - current / total,
        iterations,
        covariance,
        identifiable,
    }
}

/// Central-difference Jacobian, row-major n × p.
fn jacobian(model: &impl Fn(f64, &[f64]) -> f64, x: &[f64], theta: &[f64]) -> Vec<f64> {
    let p = theta.len();
    let mut jac = vec![0.0; x.len() * p];
    let mut shifted = theta.to_vec();
    for j in 0..p {
        let h = 6e-6 * theta[j].abs().max(1e-3);
        for (i, &xi) in x.iter().enumerate() {
            shifted[j] = theta[j] + h;
            let up = model(xi, &shifted);
            shifted[j] = theta[j] - h;
            let down = model(xi, &shifted);
            jac[i * p + j] = (up - down) / (2.0 * h);
        }
        shifted[j] = theta[j];
    }
    jac
}

/// `JᵀWJ` and `JᵀW r`.
fn normal_equations(
    jac: &[f64],
    x: &[f64],
    y: &[f64],
    w: &[f64],
    model: &impl Fn(f64, &[f64]) -> f64,
    theta: &[f64],
    p: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut jtj = vec![0.0; p * p];
    let mut jtr = vec![0.0; p];
    for (i, (&xi, &yi)) in x.iter().zip(y).enumerate() {
        let r = yi - model(xi, theta);
        let row = &jac[i * p..(i + 1) * p];
        for a in 0..p {
            jtr[a] += w[i] * row[a] * r;
            for b in 0..p {
                jtj[a * p + b] += w[i] * row[a] * row[b];
            }
        }
    }
    (jtj, jtr)
}

/// Solves `A x = b` through the inverse of the small matrix A.
fn solve(n: usize, a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    let inv = invert(n, a)?;
    Some((0..n).map(|i| (0..n).map(|j| inv[i * n + j] * b[j]).sum()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_exponential() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 * 0.25).collect();
        let y: Vec<f64> = x.iter().map(|x| 3.0 * (-0.7 * x).exp() + 0.5).collect();
        let f = fit(|x, t| t[0] * (-t[1] * x).exp() + t[2], &x, &y, None, &[1.0, 0.1, 0.0], None, Options::default())
            .unwrap();
        for (got, want) in f.params.iter().zip([3.0, 0.7, 0.5]) {
            assert!((got - want).abs() < 1e-8, "{:?}", f.params);
        }
        assert!(f.r_squared > 1.0 - 1e-12);
    }

    #[test]
    fn minimise_takes_the_same_steps_as_fit() {
        let x: Vec<f64> = (0..12).map(|i| i as f64 * 0.5).collect();
        let y: Vec<f64> = x.iter().map(|x| 2.0 / (1.0 + (x - 2.5f64).exp()) + 0.01 * (7.0 * x).sin()).collect();
        let model = |x: f64, t: &[f64]| t[0] / (1.0 + (x - t[1]).exp());
        let bounds = [(0.0, 10.0), (-5.0, 5.0)];
        let full = fit(model, &x, &y, None, &[1.0, 1.0], Some(&bounds), Options::default()).unwrap();
        let minimum = minimise(model, &x, &y, None, &[1.0, 1.0], Some(&bounds), Options::default()).unwrap();
        assert_eq!(minimum.params, full.params);
        assert_eq!(minimum.sum_of_squares.to_bits(), full.sum_of_squares.to_bits());
        assert_eq!(minimum.iterations, full.iterations);
    }

    #[test]
    fn bounds_hold_and_bad_input_is_an_error() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [0.0, 1.0, 2.0, 3.0];
        let f = fit(|x, t| t[0] * x, &x, &y, None, &[0.1], Some(&[(0.0, 0.5)]), Options::default()).unwrap();
        assert_eq!(f.params[0], 0.5);
        assert!(fit(|x, t| t[0] * x, &x[..1], &y[..1], None, &[0.1], None, Options::default()).is_err());
        assert!(fit(|x, t| t[0] * x, &x, &[0.0, 1.0, f64::NAN, 3.0], None, &[0.1], None, Options::default()).is_err());
        // parameters the data cannot tell apart: the fit stands, flagged, with infinite SEs
        let f = fit(|x, t| (t[0] + t[1]) * x, &x, &y, None, &[0.1, 0.2], None, Options::default()).unwrap();
        assert!(!f.identifiable && f.standard_errors[0].is_infinite());
        assert!((f.params[0] + f.params[1] - 1.0).abs() < 1e-9);
    }
}
