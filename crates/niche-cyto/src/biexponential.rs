//! Logicle (Moore & Parks 2012) and Hyperlog (Bagwell 2005) scales, as Gating-ML 2.0 defines them.
//!
//! Both are defined through their inverse, a biexponential-type function of the display value
//! `y ∈ [0, 1]` that is odd about `x1` (so `inverse(x1 − δ) = −inverse(x1 + δ)`):
//! - Logicle: `S(y) = a·e^(b·y) − c·e^(−d·y) + f` for `y ≥ x1`,
//! - Hyperlog: `EH(y) = a·e^(b·y) + c·y − f` for `y ≥ x1`,
//!
//! with `w = W/(M+A)`, `x2 = A/(M+A)`, `x1 = x2 + w`, `x0 = x2 + 2w`, `b = (M+A)·ln 10`, and the
//! remaining constants fixed by `inverse(x1) = 0`, `inverse(1) = T` and the linearity condition at
//! `x1`. The forward scale solves `inverse(y) = x` by Halley steps kept inside a bracket (bisection
//! when a step would leave it), to a few ulps. Near `x1` the Logicle inverse is summed as a Taylor
//! series to avoid the cancellation between its exponentials.
//!
//! References: D. R. Parks, M. Roederer, W. A. Moore, "A new Logicle display method avoids deceptive
//! effects of logarithmic scaling", Cytometry A 69 (2006); W. A. Moore, D. R. Parks, "Update for the
//! logicle data scale including operational code implementations", Cytometry A 81 (2012);
//! C. B. Bagwell, "Hyperlog — a flexible log-like transform", Cytometry A 64 (2005);
//! Gating-ML 2.0 (ISAC, 2013), sections 5.7 and 5.8.

use crate::error::{Error, Result};
use crate::table::{ExactScale, Table};

const LN_10: f64 = std::f64::consts::LN_10;
/// Terms of the Logicle Taylor series near `x1`.
const TAYLOR_TERMS: usize = 16;

/// The display-scale geometry both scales share (Gating-ML 2.0, 5.7–5.8): `w = W/(M+A)`,
/// `x2 = A/(M+A)`, `x1 = x2 + w`, `x0 = x2 + 2w`, `b = (M+A)·ln 10`.
struct Geometry {
    w_s: f64,
    x1: f64,
    x0: f64,
    b: f64,
}

impl Geometry {
    fn of(w: f64, m: f64, a: f64) -> Geometry {
        let w_s = w / (m + a);
        let x2 = a / (m + a);
        Geometry { w_s, x1: x2 + w_s, x0: x2 + 2.0 * w_s, b: (m + a) * LN_10 }
    }
}

/// Checks the common parameter constraints: `T > 0`, `M > 0`, `0 ≤ W ≤ M/2`, `−W ≤ A ≤ M − 2W`.
fn check(name: &'static str, t: f64, w: f64, m: f64, a: f64) -> Result<()> {
    let ok = t > 0.0 && m > 0.0 && w >= 0.0 && 2.0 * w <= m && -w <= a && a <= m - 2.0 * w;
    if ok && [t, w, m, a].iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::InvalidTransform {
            name,
            reason: format!("T={t}, W={w}, M={m}, A={a} violate T>0, M>0, 0≤W≤M/2, −W≤A≤M−2W"),
        })
    }
}

/// Solves `f(y) = x` for an increasing `f` with `f(lo) ≤ x ≤ f(hi)` by Halley's method from
/// `y0`, falling back to bisection whenever a step would leave the shrinking bracket.
/// `f` returns the value and its first two derivatives.
fn solve_increasing(x: f64, mut lo: f64, mut hi: f64, y0: f64, f: impl Fn(f64) -> (f64, f64, f64)) -> f64 {
    let mut y = if y0 >= lo && y0 <= hi { y0 } else { 0.5 * (lo + hi) };
    for _ in 0..100 {
        let (value, d1, d2) = f(y);
        let r = value - x;
        if r == 0.0 {
            return y;
        }
        if r < 0.0 {
            lo = y;
        } else {
            hi = y;
        }
        let halley = y - 2.0 * r * d1 / (2.0 * d1 * d1 - r * d2);
        if (halley - y).abs() <= 2.0 * f64::EPSILON * y.abs() {
            return halley;
        }
        let next = if halley > lo && halley < hi { halley } else { 0.5 * (lo + hi) };
        if next == lo || next == hi {
            return next;
        }
        y = next;
    }
    y
}

/// The Logicle scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logicle {
    t: f64,
    w: f64,
    m: f64,
    a_param: f64,
    // derived constants
    x1: f64,
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    f: f64,
    taylor: [f64; TAYLOR_TERMS],
    x_taylor: f64,
}

impl Logicle {
    /// Logicle with top of scale `T`, linearisation width `W` and `M`, `A` in decades.
    pub fn new(t: f64, w: f64, m: f64, a: f64) -> Result<Self> {
        check("logicle", t, w, m, a)?;
        let Geometry { w_s, x1, x0, b } = Geometry::of(w, m, a);
        let d = solve_d(b, w_s);
        let c_a = (x0 * (b + d)).exp();
        let mf_a = (b * x1).exp() - c_a * (-d * x1).exp();
        let big_a = t / ((b.exp() - mf_a) - c_a * (-d).exp());
        let c = c_a * big_a;
        let f = -mf_a * big_a;
        // Taylor coefficients of S(x1 + δ): S⁽ᵏ⁾(x1)/k! = (a·bᵏ·e^(b·x1) − c·(−d)ᵏ·e^(−d·x1)) / k!
        let (pos, neg) = (big_a * (b * x1).exp(), -c * (-d * x1).exp());
        let mut taylor = [0.0; TAYLOR_TERMS];
        let (mut bk, mut dk, mut fact) = (1.0, 1.0, 1.0);
        for (k, coefficient) in taylor.iter_mut().enumerate() {
            bk *= b;
            dk *= -d;
            fact *= (k + 1) as f64;
            *coefficient = (pos * bk + neg * dk) / fact;
        }
        Ok(Logicle { t, w, m, a_param: a, x1, a: big_a, b, c, d, f, taylor, x_taylor: x1 + w_s / 4.0 })
    }

    /// The parameters `(T, W, M, A)`.
    pub fn params(&self) -> (f64, f64, f64, f64) {
        (self.t, self.w, self.m, self.a_param)
    }

    /// `S(y)` for `y ≥ x1`.
    fn inverse_upper(&self, y: f64) -> f64 {
        if y < self.x_taylor {
            let delta = y - self.x1;
            self.taylor.iter().rev().fold(0.0, |acc, &c| (acc + c) * delta)
        } else {
            (self.a * (self.b * y).exp() + self.f) - self.c * (-self.d * y).exp()
        }
    }

    /// `S(y)`, `S'(y)`, `S''(y)` for `y ≥ x1`.
    fn with_derivatives(&self, y: f64) -> (f64, f64, f64) {
        let (up, down) = (self.a * (self.b * y).exp(), self.c * (-self.d * y).exp());
        (self.inverse_upper(y), self.b * up + self.d * down, self.b * self.b * up - self.d * self.d * down)
    }

    /// The scale position of data value `x`.
    pub fn apply(&self, x: f64) -> f64 {
        odd_about_x1(x, self.x1, |magnitude| {
            // S is convex above x1 (S''(x1) = 0 by construction), so the tangent at x1 bounds the
            // root from above; dropping the −c·e^(−d·y) term bounds it from below.
            let upper = self.x1 + magnitude / self.with_derivatives(self.x1).1;
            let lower = ((magnitude - self.f) / self.a).ln() / self.b;
            let lo = if lower.is_finite() { lower.max(self.x1) } else { self.x1 };
            let mut hi = if upper.is_finite() { upper.max(lo) } else { lo + 1.0 };
            while self.inverse_upper(hi) < magnitude {
                hi = lo + 2.0 * (hi - lo) + 1e-3;
            }
            let y0 = if lo > self.x_taylor { lo } else { upper };
            solve_increasing(magnitude, lo, hi, y0, |y| self.with_derivatives(y))
        })
    }
}

/// Values above which building a table pays off.
const TABLE_THRESHOLD: usize = 1 << 15;

/// [`apply_into`] with the table taken from (or added to) `cache` under `key` and its binades.
pub(crate) fn apply_into_cached(
    scale: &impl ExactScale,
    key: &str,
    values: &[f64],
    out: &mut Vec<f64>,
    cache: &mut crate::table::TableCache,
) {
    let binades = (values.len() >= TABLE_THRESHOLD).then(|| Table::binades(values)).flatten();
    match binades {
        Some((lo, hi)) => {
            let table = cache
                .entry((key.to_string(), lo, hi))
                .or_insert_with(|| std::sync::Arc::new(Table::for_binades(scale, lo, hi)))
                .clone();
            out.extend(values.iter().map(|&v| table.apply(scale, v)));
        }
        None => out.extend(values.iter().map(|&v| scale.exact(v))),
    }
}

fn apply_into(scale: &impl ExactScale, values: &[f64], out: &mut Vec<f64>) {
    match (values.len() >= TABLE_THRESHOLD).then(|| Table::build(scale, values)).flatten() {
        Some(table) => out.extend(values.iter().map(|&v| table.apply(scale, v))),
        None => out.extend(values.iter().map(|&v| scale.exact(v))),
    }
}

fn apply_slice(scale: &impl ExactScale, values: &mut [f64]) {
    if values.len() < TABLE_THRESHOLD {
        values.iter_mut().for_each(|v| *v = scale.exact(*v));
        return;
    }
    match Table::build(scale, values) {
        Some(table) => values.iter_mut().for_each(|v| *v = table.apply(scale, *v)),
        None => values.iter_mut().for_each(|v| *v = scale.exact(*v)),
    }
}

/// Solves `2·(ln d − ln b) + w·(b + d) = 0` for `d ∈ (0, b]` (Logicle), `d = b` when `w = 0`.
fn solve_d(b: f64, w: f64) -> f64 {
    if w == 0.0 {
        return b;
    }
    let g = |d: f64| 2.0 * (d.ln() - b.ln()) + w * (b + d);
    // g is increasing; g(b) = 2wb > 0 and g → −∞ as d → 0.
    let mut lo = b;
    while g(lo) > 0.0 {
        lo /= 2.0;
    }
    solve_increasing(0.0, lo, b, 0.5 * (lo + b), |d| (g(d), 2.0 / d + w, -2.0 / (d * d)))
}

/// The Hyperlog scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyperlog {
    t: f64,
    w: f64,
    m: f64,
    a_param: f64,
    x1: f64,
    a: f64,
    b: f64,
    c: f64,
}

impl Hyperlog {
    /// Hyperlog with top of scale `T`, linear width `W` and `M`, `A` in decades.
    pub fn new(t: f64, w: f64, m: f64, a: f64) -> Result<Self> {
        check("hyperlog", t, w, m, a)?;
        if w == 0.0 {
            return Err(Error::InvalidTransform { name: "hyperlog", reason: "W must be positive".into() });
        }
        let Geometry { w_s, x1, x0, b } = Geometry::of(w, m, a);
        let c_a = (b * x0).exp() / w_s;
        let f_a = (b * x1).exp() + c_a * x1;
        // a·e^b + c − f = T, with c = c_a·a and f = f_a·a
        let big_a = t / (b.exp() + c_a - f_a);
        Ok(Hyperlog { t, w, m, a_param: a, x1, a: big_a, b, c: c_a * big_a })
    }

    /// The parameters `(T, W, M, A)`.
    pub fn params(&self) -> (f64, f64, f64, f64) {
        (self.t, self.w, self.m, self.a_param)
    }

    fn inverse_upper(&self, y: f64) -> f64 {
        // a·e^(b·y) + c·y − f, written around x1 to keep precision: EH(x1) = 0.
        self.a * ((self.b * y).exp() - (self.b * self.x1).exp()) + self.c * (y - self.x1)
    }

    /// `EH(y)`, `EH'(y)`, `EH''(y)` for `y ≥ x1`.
    fn with_derivatives(&self, y: f64) -> (f64, f64, f64) {
        let up = self.a * (self.b * y).exp();
        (self.inverse_upper(y), self.b * up + self.c, self.b * self.b * up)
    }

    /// The scale position of data value `x`.
    pub fn apply(&self, x: f64) -> f64 {
        odd_about_x1(x, self.x1, |magnitude| {
            // Above x1 both terms of EH are non-negative and EH is convex, so each term alone and
            // the tangent at x1 bound the root from above; from there Halley's steps descend
            // monotonically.
            let lo = self.x1;
            let tangent = self.x1 + magnitude / self.with_derivatives(self.x1).1;
            let exp_only = (magnitude / self.a + (self.b * self.x1).exp()).ln() / self.b;
            let mut hi = tangent.min(exp_only).min(self.x1 + magnitude / self.c);
            if hi.is_nan() || hi < lo {
                hi = lo + 1.0;
            }
            while self.inverse_upper(hi) < magnitude {
                hi = lo + 2.0 * (hi - lo);
            }
            solve_increasing(magnitude, lo, hi, hi, |y| self.with_derivatives(y))
        })
    }
}

/// The inverse, the table-backed slice methods and the [`ExactScale`] view shared by both scales.
macro_rules! biexponential_scale {
    ($scale:ident) => {
        impl ExactScale for $scale {
            fn exact(&self, x: f64) -> f64 {
                self.apply(x)
            }
            fn slope(&self, _x: f64, y: f64) -> f64 {
                1.0 / self.with_derivatives(y.max(2.0 * self.x1 - y)).1
            }
            fn x1(&self) -> f64 {
                self.x1
            }
        }

        impl $scale {
            /// The data value shown at scale position `y` (the inverse is odd about x1 too).
            pub fn inverse(&self, y: f64) -> f64 {
                if y.is_nan() {
                    return f64::NAN;
                }
                if y < self.x1 { -self.inverse_upper(2.0 * self.x1 - y) } else { self.inverse_upper(y) }
            }

            /// Applies the scale to every value in place: exactly for small slices, and for large
            /// ones through a cubic Hermite table on knots spaced by the bit pattern of x,
            /// checked when built to 1e-12 scale units at the middle of every interval.
            pub fn apply_slice(&self, values: &mut [f64]) {
                apply_slice(self, values)
            }

            /// Appends the scale values of `values` to `out`, as `apply_slice` computes them.
            pub fn apply_into(&self, values: &[f64], out: &mut Vec<f64>) {
                apply_into(self, values, out)
            }
        }
    };
}

biexponential_scale!(Logicle);
biexponential_scale!(Hyperlog);

/// The forward value of an increasing scale that is odd about `x1`: `x1` at 0, the reflection
/// `2·x1 − y(|x|)` for negative x, ±∞ and NaN passed through; `positive` solves for `|x| > 0`.
fn odd_about_x1(x: f64, x1: f64, positive: impl FnOnce(f64) -> f64) -> f64 {
    if !x.is_finite() {
        return if x.is_nan() { f64::NAN } else { x.signum() * f64::INFINITY };
    }
    if x == 0.0 {
        return x1;
    }
    let y = positive(x.abs());
    if x < 0.0 { 2.0 * x1 - y } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logicle_hits_its_anchor_points() {
        let l = Logicle::new(262144.0, 0.5, 4.5, 0.0).unwrap();
        assert!((l.apply(262144.0) - 1.0).abs() < 1e-12);
        assert!((l.inverse(1.0) - 262144.0).abs() < 1e-6);
        assert!(l.apply(0.0).abs() - l.x1 < 1e-15);
        // with A = 0, zero maps to W/M
        assert!((l.apply(0.0) - 0.5 / 4.5).abs() < 1e-15);
        // odd symmetry about x1
        let (p, n) = (l.apply(123.0), l.apply(-123.0));
        assert!(((p - l.x1) + (n - l.x1)).abs() < 1e-14);
    }

    #[test]
    fn logicle_with_zero_width_is_an_arcsinh() {
        // W = 0: S(y) = a·e^(b·y) − c·e^(−b·y) + f is a shifted sinh
        let l = Logicle::new(10000.0, 0.0, 4.5, 0.0).unwrap();
        let asinh = |x: f64| (x / 2.0 * (4.5 * LN_10).exp() / 10000.0).asinh() / (4.5 * LN_10);
        for x in [-100.0, -1.0, 0.5, 10.0, 1e4] {
            assert!((l.apply(x) - asinh(x)).abs() < 1e-6, "{x}: {} vs {}", l.apply(x), asinh(x));
        }
    }

    #[test]
    fn taylor_and_exponential_forms_agree_at_the_switch() {
        let l = Logicle::new(10000.0, 1.0, 4.0, 0.5).unwrap();
        let y = l.x_taylor;
        let exact = (l.a * (l.b * y).exp() + l.f) - l.c * (-l.d * y).exp();
        let series = l.taylor.iter().rev().fold(0.0, |acc, &c| (acc + c) * (y - l.x1));
        assert!((exact - series).abs() < 1e-9 * exact.abs().max(1.0), "{exact} vs {series}");
    }

    #[test]
    fn hyperlog_is_monotonic_and_round_trips() {
        let h = Hyperlog::new(10000.0, 1.0, 4.5, 0.0).unwrap();
        let mut last = f64::NEG_INFINITY;
        for k in -50..=50 {
            let x = (k as f64).powi(3);
            let y = h.apply(x);
            assert!(y > last);
            last = y;
            assert!((h.inverse(y) - x).abs() <= 1e-9 * x.abs().max(1.0));
        }
        assert!((h.apply(10000.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn tables_agree_with_the_exact_scales() {
        let mut xs: Vec<f64> = (0..200_000).map(|i| (i as f64 - 50_000.0).powi(3) / 1e6 + 0.37 * i as f64).collect();
        xs.extend([0.0, 1e-9, -1e-9, 1e20, -1e20, 2f64.powi(-20), 2f64.powi(50)]);
        for (t, w, m, a) in [(262144.0, 0.5, 4.5, 0.0), (10000.0, 1.0, 4.0, 0.5), (1000.0, 0.0, 4.0, 0.0)] {
            let l = Logicle::new(t, w, m, a).unwrap();
            let mut fast = xs.clone();
            l.apply_slice(&mut fast);
            for (x, y) in xs.iter().zip(&fast) {
                assert!((y - l.apply(*x)).abs() <= 2e-12, "logicle {t} {w} {m} {a} at {x}: {y} vs {}", l.apply(*x));
            }
            if w > 0.0 {
                let h = Hyperlog::new(t, w, m, a).unwrap();
                let mut fast = xs.clone();
                h.apply_slice(&mut fast);
                for (x, y) in xs.iter().zip(&fast) {
                    assert!((y - h.apply(*x)).abs() <= 2e-12, "hyperlog at {x}: {y} vs {}", h.apply(*x));
                }
            }
        }
    }

    #[test]
    fn invalid_parameters_are_errors() {
        assert!(Logicle::new(0.0, 0.5, 4.5, 0.0).is_err());
        assert!(Logicle::new(1e4, 3.0, 4.5, 0.0).is_err());
        assert!(Hyperlog::new(1e4, 0.0, 4.5, 0.0).is_err());
        assert!(Logicle::new(f64::NAN, 0.5, 4.5, 0.0).is_err());
    }
}
