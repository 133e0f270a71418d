//! 4PL and 5PL standard curves in GraphPad Prism's parameterisation ("X is concentration"):
//!
//! - 4PL: `Y = Bottom + (Top − Bottom) / (1 + (EC50/X)^HillSlope)`
//! - 5PL: `Y = Bottom + (Top − Bottom) / (1 + (2^(1/S) − 1)·(EC50/X)^HillSlope)^S`
//!
//! (for S = 1 the 5PL is the 4PL; EC50 is the concentration at half-way between Bottom and Top).
//! Fits are least squares ([`niche_stats::nls`]), unweighted or weighted by 1/Y or 1/Y² where, as
//! in Prism, Y is the value of the fitted curve, not of the data point: the fit is repeated with
//! weights from the previous curve until the parameters settle (relative change below 1e-10).
//! Interpolation inverts the curve; concentrations outside the standards' range are flagged.

use niche_stats::nls;

use crate::error::{Error, Result};

/// Smallest R² accepted for a standard curve; below it the plate is reported as degenerate
/// (flat or scrambled standards) rather than interpolated.
pub const MIN_R2: f64 = 0.9;

/// The curve model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Four-parameter logistic.
    #[serde(rename = "4pl")]
    FourPl,
    /// Five-parameter logistic (asymmetry S).
    #[serde(rename = "5pl")]
    FivePl,
}

/// Weighting of the residuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weight {
    /// Ordinary least squares.
    None,
    /// 1/Y (Y of the curve).
    Y,
    /// 1/Y² (Y of the curve).
    Y2,
}

/// Fitted parameters: `bottom`, `top`, `ec50`, `hill`, and `s` for 5PL.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Params {
    /// Response at zero concentration.
    pub bottom: f64,
    /// Response at infinite concentration.
    pub top: f64,
    /// Concentration half-way between bottom and top.
    pub ec50: f64,
    /// Hill slope.
    pub hill: f64,
    /// Asymmetry (5PL); 1 for 4PL.
    pub s: f64,
}

impl Params {
    fn from_vec(model: Model, p: &[f64]) -> Params {
        Params { bottom: p[0], top: p[1], ec50: p[2], hill: p[3], s: if model == Model::FivePl { p[4] } else { 1.0 } }
    }

    /// The curve's response at concentration `x`.
    pub fn response(&self, x: f64) -> f64 {
        let ratio = (self.ec50 / x).powf(self.hill);
        let k = 2f64.powf(1.0 / self.s) - 1.0;
        self.bottom + (self.top - self.bottom) / (1.0 + k * ratio).powf(self.s)
    }

    /// The concentration whose response is `y`, NaN when `y` lies outside (bottom, top).
    pub fn concentration(&self, y: f64) -> f64 {
        let fraction = (self.top - self.bottom) / (y - self.bottom);
        if fraction.is_nan() || fraction <= 1.0 {
            return f64::NAN;
        }
        let k = 2f64.powf(1.0 / self.s) - 1.0;
        let ratio = (fraction.powf(1.0 / self.s) - 1.0) / k;
        if ratio <= 0.0 || !ratio.is_finite() {
            return f64::NAN;
        }
        self.ec50 / ratio.powf(1.0 / self.hill)
    }
}

/// A fitted standard curve.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Curve {
    /// The model.
    pub model: Model,
    /// The weighting.
    pub weight: Weight,
    /// Best-fit parameters.
    pub params: Params,
    /// Their standard errors, same order (`s` NaN for 4PL).
    pub standard_errors: Params,
    /// 95% confidence intervals `(low, high)` in the order bottom, top, EC50, Hill[, S].
    pub ci95: Vec<(f64, f64)>,
    /// log10(EC50), Prism's LogEC50.
    pub log_ec50: f64,
    /// Residuals `y − curve(x)` of the fitted standards, in input order.
    pub residuals: Vec<f64>,
    /// Coefficient of determination (weighted as fitted).
    pub r2: f64,
    /// Degrees of freedom of the fit.
    pub df: usize,
    /// True when the data do not determine every parameter (Prism's "ambiguous"): the curve is
    /// usable, its parameters' SEs are infinite. Typical of a 5PL whose asymmetry runs away.
    pub ambiguous: bool,
}

fn model_fn(model: Model) -> fn(f64, &[f64]) -> f64 {
    match model {
        Model::FourPl => |x, t| t[0] + (t[1] - t[0]) / (1.0 + (t[2] / x).powf(t[3])),
        Model::FivePl => |x, t| {
            let k = 2f64.powf(1.0 / t[4]) - 1.0;
            t[0] + (t[1] - t[0]) / (1.0 + k * (t[2] / x).powf(t[3])).powf(t[4])
        },
    }
}

/// Fits `model` to standards `(concentration, response)`.
pub fn fit(model: Model, weight: Weight, x: &[f64], y: &[f64]) -> Result<Curve> {
    let name = match model {
        Model::FourPl => "4PL",
        Model::FivePl => "5PL",
    };
    let p = if model == Model::FivePl { 5 } else { 4 };
    let mut distinct: Vec<f64> = x.iter().copied().filter(|v| *v > 0.0).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < p {
        return Err(Error::TooFewStandards { model: name, needed: p, found: distinct.len() });
    }
    let (lo, hi) = y.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let spread = hi - lo;
    if spread.is_nan() || spread <= 1e-9 * hi.abs().max(1e-300) {
        return Err(Error::Fit { reason: "the standards' responses are all equal (flat curve)".into() });
    }
    // Initial guesses: asymptotes from the extreme responses, EC50 at the geometric middle of the
    // standards, slope sign from the responses of the lowest and highest standard.
    let at = |c: f64| x.iter().zip(y).filter(|(xi, _)| **xi == c).map(|(_, yi)| *yi).sum::<f64>();
    let increasing = at(*distinct.last().unwrap()) >= at(distinct[0]);
    let (bottom, top) = if increasing { (lo, hi) } else { (hi, lo) };
    let ec50 = (distinct[0].ln() * 0.5 + distinct[distinct.len() - 1].ln() * 0.5).exp();
    let mut initial = vec![bottom, top, ec50, 1.0];
    if model == Model::FivePl {
        initial.push(1.0);
    }
    let f = model_fn(model);
    // EC50 and S must stay positive; the asymptotes and the slope are free.
    let mut bounds = vec![
        (f64::NEG_INFINITY, f64::INFINITY),
        (f64::NEG_INFINITY, f64::INFINITY),
        (1e-12 * distinct[0], 1e12 * distinct[distinct.len() - 1]),
        (-50.0, 50.0),
    ];
    if model == Model::FivePl {
        bounds.push((1e-6, 1e6));
    }
    let options = nls::Options::default();
    let failed = Error::FitFailed;
    let mut result = nls::fit(f, x, y, None, &initial, Some(&bounds), options).map_err(failed)?;
    if weight != Weight::None {
        let power = if weight == Weight::Y { 1 } else { 2 };
        for _ in 0..100 {
            let weights: Vec<f64> =
                x.iter().map(|&xi| 1.0 / f(xi, &result.params).abs().max(1e-12).powi(power)).collect();
            let next = nls::fit(f, x, y, Some(&weights), &result.params, Some(&bounds), options).map_err(failed)?;
            let settled =
                next.params.iter().zip(&result.params).all(|(a, b)| (a - b).abs() <= 1e-10 * b.abs().max(1e-12));
            result = next;
            if settled {
                break;
            }
        }
    }
    if result.params.iter().any(|v| !v.is_finite()) {
        return Err(Error::Fit { reason: "the fit diverged".into() });
    }
    // A curve through noise is not a standard curve: the responses must follow the concentrations.
    if result.r_squared < MIN_R2 {
        return Err(Error::Fit {
            reason: format!(
                "R² = {:.3} < {MIN_R2}: the standards' responses do not follow their concentrations",
                result.r_squared
            ),
        });
    }
    let mut se = result.standard_errors.clone();
    if model == Model::FourPl {
        se.push(f64::NAN);
    }
    let residuals = x.iter().zip(y).map(|(&xi, &yi)| yi - f(xi, &result.params)).collect();
    Ok(Curve {
        model,
        weight,
        ci95: result.ci95.clone(),
        log_ec50: result.params[2].log10(),
        residuals,
        params: Params::from_vec(model, &result.params),
        standard_errors: Params { bottom: se[0], top: se[1], ec50: se[2], hill: se[3], s: se[4] },
        r2: result.r_squared,
        df: result.df,
        ambiguous: !result.identifiable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_4pl_and_inverts_it() {
        let truth = Params { bottom: 0.05, top: 2.5, ec50: 40.0, hill: 1.2, s: 1.0 };
        let x = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0];
        let y: Vec<f64> = x.iter().map(|&c| truth.response(c)).collect();
        let c = fit(Model::FourPl, Weight::None, &x, &y).unwrap();
        assert!((c.params.ec50 - 40.0).abs() < 1e-6 && (c.params.hill - 1.2).abs() < 1e-8, "{:?}", c.params);
        assert!((c.params.concentration(truth.response(33.0)) - 33.0).abs() < 1e-6);
        assert!(c.params.concentration(3.0).is_nan(), "above top");
    }

    #[test]
    fn degenerate_standards_are_errors() {
        assert!(matches!(
            fit(Model::FourPl, Weight::None, &[1.0, 2.0, 3.0], &[0.1, 0.2, 0.3]),
            Err(Error::TooFewStandards { .. })
        ));
        assert!(matches!(
            fit(Model::FourPl, Weight::None, &[1.0, 2.0, 3.0, 4.0, 5.0], &[0.5; 5]),
            Err(Error::Fit { .. })
        ));
        // noise around a constant: no curve
        let noisy = [0.51, 0.49, 0.52, 0.48, 0.5, 0.51];
        assert!(matches!(
            fit(Model::FourPl, Weight::None, &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0], &noisy),
            Err(Error::Fit { .. })
        ));
    }
}
