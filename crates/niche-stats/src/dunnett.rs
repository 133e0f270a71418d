//! Dunnett's test: every treatment group against one control, after a one-way ANOVA.
//!
//! `tᵢ = (mᵢ − m₀) / √(MSE (1/nᵢ + 1/n₀))` on `N − k` df. Under the null the `tᵢ` are correlated
//! t variables with `corr(tᵢ, tⱼ) = λᵢλⱼ`, `λᵢ = √(nᵢ/(nᵢ + n₀))`: a one-factor structure, so
//! `Zᵢ = λᵢU + √(1 − λᵢ²)Eᵢ` and
//! `P(maxᵢ |Tᵢ| ≤ c) = ∫ f_ν(s) ∫ φ(u) ∏ᵢ [Φ((cs − λᵢu)/√(1−λᵢ²)) − Φ((−cs − λᵢu)/√(1−λᵢ²))] du ds`
//! (Dunnett 1955), evaluated by Gauss–Legendre quadrature like the studentized range. The
//! two-sided multiplicity-adjusted P of comparison i is `1 − P(max |T| ≤ |tᵢ|)`. Prism and R's
//! multcomp integrate the same probability by randomized quasi-Monte Carlo (Genz), so they agree
//! to their own Monte Carlo error (about 1e-4).

use crate::anova::{WithinGroups, within_groups};
use crate::descriptive::mean;
use crate::distribution::normal_cdf;
use crate::error::{Error, Result};
use crate::special::gauss_legendre;
use crate::tukey::{NODES, scale_nodes};

/// One comparison against the control.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ControlComparison {
    /// Treatment group.
    pub group: String,
    /// Control group.
    pub control: String,
    /// Mean of the group minus mean of the control.
    pub mean_difference: f64,
    /// The t statistic.
    pub t: f64,
    /// Two-sided multiplicity-adjusted P.
    pub p: f64,
}

/// Dunnett's comparisons of every group with `groups[control]`.
pub fn dunnett(groups: &[(&str, &[f64])], control: usize) -> Result<Vec<ControlComparison>> {
    let WithinGroups { k, df, mse, .. } = within_groups("Dunnett's test", groups)?;
    if control >= k {
        return Err(Error::OutOfDomain { name: "control group index", value: control as f64, domain: "the groups" });
    }
    let (control_name, control_values) = groups[control];
    let n0 = control_values.len() as f64;
    let treatments: Vec<usize> = (0..k).filter(|&i| i != control).collect();
    let lambdas: Vec<f64> =
        treatments.iter().map(|&i| (groups[i].1.len() as f64 / (groups[i].1.len() as f64 + n0)).sqrt()).collect();
    let distribution = MaxAbsT::new(&lambdas, df);
    Ok(treatments
        .iter()
        .map(|&i| {
            let (name, values) = groups[i];
            let diff = mean(values) - mean(control_values);
            let t = diff / (mse * (1.0 / values.len() as f64 + 1.0 / n0)).sqrt();
            ControlComparison {
                group: name.to_string(),
                control: control_name.to_string(),
                mean_difference: diff,
                t,
                p: (1.0 - distribution.cdf(t.abs())).max(0.0),
            }
        })
        .collect())
}

/// The distribution of `max |Tᵢ|` for one-factor correlated t variables.
///
/// The inner integrand is even in u (the factor of each λ is `Φ(a) − Φ(b)` with
/// `a, b = (±x − λu)/√(1−λ²)`, unchanged by u → −u together with the symmetry of Φ), so only the
/// nodes with u ≥ 0 are kept, with doubled weights; equal λ (the same group size) share one factor,
/// raised to their count; outer nodes whose weight is below 1e-17 of the largest are dropped.
struct MaxAbsT {
    /// Distinct `(λ, 1/√(1 − λ²), count)`.
    lambdas: Vec<(f64, f64, i32)>,
    /// `(u, weight·φ(u))` nodes of the inner integral, u ≥ 0, weights doubled for u > 0.
    inner: Vec<(f64, f64)>,
    /// `(s, weight·f_ν(s))` nodes of the outer integral (empty: ν ≈ ∞).
    outer: Vec<(f64, f64)>,
}

impl MaxAbsT {
    fn new(lambdas: &[f64], df: f64) -> Self {
        let nodes = gauss_legendre(NODES);
        let (lo, hi, panels) = (-8.5, 8.5, 17);
        let width = (hi - lo) / panels as f64;
        let mut inner = Vec::new();
        for p in 0..panels {
            let mid = lo + (p as f64 + 0.5) * width;
            for &(x, w) in &nodes {
                let u = mid + 0.5 * width * x;
                if u < 0.0 {
                    continue;
                }
                let weight = 0.5 * width * w * (-0.5 * u * u).exp() / (2.0 * std::f64::consts::PI).sqrt();
                inner.push((u, if u > 0.0 { 2.0 * weight } else { weight }));
            }
        }
        let mut outer = if df <= 25_000.0 { scale_nodes(df, &nodes) } else { Vec::new() };
        let largest = outer.iter().map(|o| o.1).fold(0.0, f64::max);
        outer.retain(|o| o.1 >= 1e-17 * largest);
        let mut distinct: Vec<(f64, f64, i32)> = Vec::new();
        for &l in lambdas {
            match distinct.iter_mut().find(|d| d.0 == l) {
                Some(d) => d.2 += 1,
                None => distinct.push((l, 1.0 / (1.0 - l * l).sqrt(), 1)),
            }
        }
        MaxAbsT { lambdas: distinct, inner, outer }
    }

    /// `P(all |Zᵢ| ≤ x)` for the normal limit.
    fn normal_cdf(&self, x: f64) -> f64 {
        self.inner
            .iter()
            .map(|&(u, w)| {
                w * self
                    .lambdas
                    .iter()
                    .map(|&(l, inv_sd, count)| {
                        (normal_cdf((x - l * u) * inv_sd) - normal_cdf((-x - l * u) * inv_sd)).powi(count)
                    })
                    .product::<f64>()
            })
            .sum()
    }

    fn cdf(&self, c: f64) -> f64 {
        if self.outer.is_empty() {
            return self.normal_cdf(c).clamp(0.0, 1.0);
        }
        self.outer.iter().map(|&(s, w)| w * self.normal_cdf(c * s)).sum::<f64>().clamp(0.0, 1.0)
    }
}
