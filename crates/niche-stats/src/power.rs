//! Power of the one-sample (or paired) t test: how often a test of `n` values reaches each
//! verdict when the true mean is `μ` and the SD `σ`.
//!
//! With `δ = μ√n/σ` and `c = t₀.₉₇₅,ₙ₋₁` (two-sided α = 0.05, or any α), the statistic
//! `T = (Z + δ)/√(V/ν)`, `Z ~ N(0, 1)`, `V ~ χ²_ν`, `ν = n − 1`, is noncentral t, and
//!
//! ```text
//! P(T > c)  = E_V[Φ(δ − c·√(V/ν))]        (significant, positive)
//! P(T < −c) = E_V[Φ(−δ − c·√(V/ν))]       (significant, negative)
//! ```
//!
//! The expectation is integrated over `w = √V` (density `2w·f_χ²(w²)`, smooth for every ν ≥ 1) by
//! composite Simpson on [0, 40 + √ν·6]; checked against scipy's `nct.sf`.

use crate::distribution::{normal_cdf, t_quantile};
use crate::error::{Error, Result};
use crate::special::ln_gamma;

/// Probabilities of the three verdicts of a two-sided one-sample t test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Verdicts {
    /// P(significant and positive).
    pub up: f64,
    /// P(significant and negative).
    pub down: f64,
    /// P(not significant).
    pub unchanged: f64,
}

/// Verdict probabilities of a two-sided one-sample t test at level `alpha` on `n` values drawn
/// from N(`mean`, `sd`²).
pub fn one_sample_t(n: usize, mean: f64, sd: f64, alpha: f64) -> Result<Verdicts> {
    if n < 2 {
        return Err(Error::TooFew { test: "t test power", group: "values".into(), n, needed: 2 });
    }
    if !mean.is_finite() {
        return Err(Error::OutOfDomain { name: "mean", value: mean, domain: "the finite numbers" });
    }
    if !(sd.is_finite() && sd > 0.0) {
        return Err(Error::OutOfDomain { name: "SD", value: sd, domain: "(0, ∞)" });
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::OutOfDomain { name: "α", value: alpha, domain: "(0, 1)" });
    }
    let nu = (n - 1) as f64;
    let delta = mean * (n as f64).sqrt() / sd;
    let c = t_quantile(1.0 - alpha / 2.0, nu);
    // density of w = √V: 2w · w^(ν−2) e^(−w²/2) / (2^(ν/2) Γ(ν/2))
    let ln_norm = (nu / 2.0) * std::f64::consts::LN_2 + ln_gamma(nu / 2.0);
    let density = |w: f64| {
        // w^(ν−1) is 1 at w = 0 for ν = 1 (the density does not vanish there) and 0 for ν > 1
        let power = if n == 2 {
            0.0
        } else if w <= 0.0 {
            return 0.0;
        } else {
            (nu - 1.0) * w.ln()
        };
        2.0 * (power - w * w / 2.0 - ln_norm).exp()
    };
    let (upper, steps) = (40.0 + 6.0 * nu.sqrt(), 4000);
    let h = upper / steps as f64;
    let (mut up, mut down) = (0.0, 0.0);
    for i in 0..=steps {
        let w = i as f64 * h;
        let weight = if i == 0 || i == steps {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let s = w / nu.sqrt();
        let f = weight * density(w);
        up += f * normal_cdf(delta - c * s);
        down += f * normal_cdf(-delta - c * s);
    }
    let (up, down) = ((up * h / 3.0).clamp(0.0, 1.0), (down * h / 3.0).clamp(0.0, 1.0));
    Ok(Verdicts { up, down, unchanged: (1.0 - up - down).max(0.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_match_scipy_noncentral_t() {
        // scipy 1.17: c = stats.t.ppf(0.975, n - 1); stats.nct.sf(c, n - 1, δ), stats.nct.cdf(-c, n - 1, δ)
        for (n, delta, up, down) in [
            (3, 2.0, 0.21800447454151117, 0.00030260030527135267),
            (3, -1.0, 0.0038839711362104803, 0.09131778436167347),
            (5, 0.5, 0.05876357503644741, 0.009092015063705067),
            (2, 3.0, 0.1861080742462853, 2.39873603022712e-05),
            (10, 0.0, 0.025, 0.025),
        ] {
            // δ = mean·√n/sd with sd = 1
            let v = one_sample_t(n, delta / (n as f64).sqrt(), 1.0, 0.05).unwrap();
            assert!((v.up - up).abs() < 1e-7, "n {n} δ {delta}: up {} vs {up}", v.up);
            assert!((v.down - down).abs() < 1e-7, "n {n} δ {delta}: down {} vs {down}", v.down);
            assert!((v.up + v.down + v.unchanged - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        assert!(one_sample_t(1, 0.0, 1.0, 0.05).is_err());
        assert!(one_sample_t(3, 0.0, 0.0, 0.05).is_err());
        assert!(one_sample_t(3, f64::NAN, 1.0, 0.05).is_err());
    }
}
