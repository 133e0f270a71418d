//! FlowJo's `biex` transform, from its definition (not by interpolating FlowJo's table).
//!
//! FlowJo (after TreeStar's Java code, as ported to cytolib and FlowKit) defines biex by the data
//! value `x(i)` at display channel `i ∈ [0, R]`, `R = 4096` channels:
//!
//! - `w = log10(−widthBasis)`, `d = pos − w/2`, `e = max(neg, 0) + w/2`;
//! - zero channel `z = min(⌊e·R/(e + d)⌋, R/2)`; when `z > 0`, `d = e·R/z`;
//! - `ω = w/(2d)`, `P = d·ln 10`, `N` the root in `(0, P]` of `2 ln(N/P) + ω(N + P) = 0`;
//! - `n = R + 1`, `σ = exp((P + N)(ω + e/d))`, `s = e^{zP/n} − σ e^{−zN/n}`;
//! - `x(i) = (maxRange / e^P) · (e^{iP/n} − σ e^{−iN/n} − s)` for `i ≥ z`, and `x(i) = −x(2z − i)` below.
//!
//! `x` is continuous and strictly increasing, so the forward transform `x ↦ i/R` (the position as
//! a fraction of the display, the unit niche uses for every FlowJo scale) is its inverse, solved
//! by safeguarded Newton steps in a bracket. FlowJo's lookup table holds `x(i)` at integer `i`;
//! the conformance test checks this definition against it to the table's six printed digits.

use crate::error::{Error, Result};

/// Channels of FlowJo's biex table.
const CHANNELS: f64 = 4096.0;

/// FlowJo's biexponential transform (`transforms:biex` in a workspace).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowJoBiex {
    neg: f64,
    width: f64,
    pos: f64,
    max_range: f64,
    length: f64,
    zero: f64,
    n: f64,
    p: f64,
    q: f64,
    sigma: f64,
    s: f64,
    minimum: f64,
}

impl FlowJoBiex {
    /// `neg` extra negative decades, `width` the (negative) width basis, `pos` positive decades,
    /// `max_range` the top of the data scale, `length` FlowJo's display length (kept for export).
    pub fn new(neg: f64, width: f64, pos: f64, max_range: f64, length: f64) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidTransform {
            name: "biex",
            reason: format!("neg={neg}, width={width}, pos={pos}, maxRange={max_range}: {reason}"),
        };
        if ![neg, width, pos, max_range, length].iter().all(|v| v.is_finite()) {
            return Err(bad("parameters must be finite"));
        }
        if width >= -1.0 {
            return Err(bad("the width basis must be below −1"));
        }
        if max_range <= 0.0 || length <= 0.0 {
            return Err(bad("maxRange and length must be positive"));
        }
        let w = (-width).log10();
        let mut decades = pos - w / 2.0;
        let extra = neg.max(0.0) + w / 2.0;
        if decades <= 0.0 {
            return Err(bad("pos must exceed half the width's decades"));
        }
        let zero = ((extra * CHANNELS / (extra + decades)).floor()).min(CHANNELS / 2.0);
        if zero > 0.0 {
            decades = extra * CHANNELS / zero;
        }
        let omega = w / (2.0 * decades);
        let p = std::f64::consts::LN_10 * decades;
        let q = negative_range(p, omega);
        let n = CHANNELS + 1.0;
        let sigma = ((p + q) * (omega + extra / decades)).exp();
        let s = (zero * p / n).exp() - sigma * (-zero * q / n).exp();
        let minimum = max_range / p.exp();
        if ![sigma, s, minimum, q].iter().all(|v| v.is_finite()) {
            return Err(bad("the parameters give no finite scale"));
        }
        Ok(FlowJoBiex { neg, width, pos, max_range, length, zero, n, p, q, sigma, s, minimum })
    }

    /// `(neg, width, pos, maxRange, length)` as given.
    pub fn params(&self) -> (f64, f64, f64, f64, f64) {
        (self.neg, self.width, self.pos, self.max_range, self.length)
    }

    /// The data value at display channel `i` (0 ≤ i ≤ 4096 on screen; any real `i` is defined).
    pub fn data_at_channel(&self, i: f64) -> f64 {
        if i >= self.zero { self.upper(i) } else { -self.upper(2.0 * self.zero - i) }
    }

    fn upper(&self, i: f64) -> f64 {
        self.minimum * ((i * self.p / self.n).exp() - self.sigma * (-i * self.q / self.n).exp() - self.s)
    }

    fn upper_slope(&self, i: f64) -> f64 {
        self.minimum
            * (self.p / self.n * (i * self.p / self.n).exp()
                + self.sigma * self.q / self.n * (-i * self.q / self.n).exp())
    }

    /// The display channel of data value `x`.
    pub fn channel(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x < 0.0 {
            return 2.0 * self.zero - self.channel(-x);
        }
        if x == 0.0 {
            return self.zero;
        }
        if x == f64::INFINITY {
            return f64::INFINITY;
        }
        // bracket [lo, hi] with upper(lo) ≤ x ≤ upper(hi)
        let (mut lo, mut hi) = (self.zero, self.zero + self.n);
        while self.upper(hi) < x {
            lo = hi;
            hi = self.zero + 2.0 * (hi - self.zero);
            if !hi.is_finite() {
                return f64::INFINITY;
            }
        }
        // a start near the exponential branch, clamped into the bracket
        let start = self.n / self.p * (x / self.minimum + self.s).ln();
        let mut i = if start.is_finite() { start.clamp(lo, hi) } else { 0.5 * (lo + hi) };
        for _ in 0..200 {
            let f = self.upper(i) - x;
            if f == 0.0 {
                return i;
            }
            if f < 0.0 {
                lo = i;
            } else {
                hi = i;
            }
            let newton = i - f / self.upper_slope(i);
            let next = if newton > lo && newton < hi { newton } else { 0.5 * (lo + hi) };
            if (next - i).abs() <= 1e-15 * next.abs().max(1.0) || hi - lo <= 1e-15 * hi.abs().max(1.0) {
                return next;
            }
            i = next;
        }
        i
    }

    /// Forward: the display position of `x` as a fraction of FlowJo's 4096 channels.
    pub fn apply(&self, x: f64) -> f64 {
        self.channel(x) / CHANNELS
    }

    /// Inverse of [`FlowJoBiex::apply`].
    pub fn inverse(&self, y: f64) -> f64 {
        self.data_at_channel(y * CHANNELS)
    }
}

/// The root `N ∈ (0, P]` of `2 ln(N/P) + ω(N + P) = 0`, by bisection to the last bit.
fn negative_range(p: f64, omega: f64) -> f64 {
    if omega == 0.0 {
        return p;
    }
    let g = |d: f64| 2.0 * (d / p).ln() + omega * (d + p);
    let (mut lo, mut hi) = (0.0f64, p);
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if g(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_and_inverse_agree_and_increase() {
        let b = FlowJoBiex::new(1.0, -7.943282, 4.41854, 262144.000029, 256.0).unwrap();
        let mut last = f64::NEG_INFINITY;
        for x in [-5000.0, -865.9, -10.0, -1e-3, 0.0, 1e-6, 1.0, 10.0, 1e3, 5e4, 262144.0, 1e7] {
            let y = b.apply(x);
            assert!(y > last, "not increasing at {x}");
            last = y;
            let back = b.inverse(y);
            assert!((back - x).abs() <= 1e-9 * x.abs().max(1e-3), "{x} → {y} → {back}");
        }
        assert!(b.data_at_channel(b.zero).abs() < 1e-9);
    }

    #[test]
    fn invalid_parameters_are_errors() {
        assert!(FlowJoBiex::new(0.0, -0.5, 4.4, 262144.0, 256.0).is_err());
        assert!(FlowJoBiex::new(0.0, -10.0, f64::NAN, 262144.0, 256.0).is_err());
        assert!(FlowJoBiex::new(0.0, -10.0, 0.2, 262144.0, 256.0).is_err());
        assert!(FlowJoBiex::new(0.0, -10.0, 4.4, 0.0, 256.0).is_err());
    }
}
