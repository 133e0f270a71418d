//! Gating-ML 2.0 scale transforms, forward and inverse, with optional bounds.
//!
//! | name | forward `f(x)` | parameters |
//! |---|---|---|
//! | `flin` | `(x + A) / (T + A)` | T > 0, A ≥ 0 |
//! | `flog` | `1/M · log10(x / T) + 1` (NaN for x ≤ 0) | T > 0, M > 0 |
//! | `fasinh` | `(asinh(x · sinh(M ln10) / T) + A ln10) / ((M + A) ln10)` | T > 0, M > 0, 0 ≤ A ≤ M |
//! | `logicle` | see [`Logicle`] | T, W, M, A |
//! | `hyperlog` | see [`Hyperlog`] | T, W, M, A |
//! | `fratio` | `A · (x − B) / (y − C)` of two channels | A, B, C |
//! | `biex` (FlowJo, not Gating-ML) | see [`FlowJoBiex`] | neg, width, pos, maxRange |
//!
//! A transformation's `boundMin`/`boundMax` clamp its result (Gating-ML 2.0, section 4.2).

use crate::biexponential::{Hyperlog, Logicle};
use crate::error::{Error, Result};
use crate::flowjo::FlowJoBiex;

const LN_10: f64 = std::f64::consts::LN_10;

/// `asinh(x) = sign(x)·ln(|x| + √(x² + 1))`, written with `ln_1p` below 1 for accuracy; a few
/// times faster than `f64::asinh`, which goes through `hypot`, and within 2 ulps of it.
#[inline]
fn asinh(x: f64) -> f64 {
    let a = x.abs();
    let r = if a > 1e150 {
        a.ln() + std::f64::consts::LN_2
    } else if a > 1.0 {
        (a + (a * a + 1.0).sqrt()).ln()
    } else {
        (a + a * a / (1.0 + (a * a + 1.0).sqrt())).ln_1p()
    };
    r.copysign(x)
}

/// `fasinh` as an [`crate::table::ExactScale`]: `y = (asinh(k·x) + A ln10)/((M + A) ln10)`,
/// `k = sinh(M ln10)/T`, odd about `A/(M + A)`, with slope `k/((M + A) ln10 · √(1 + (kx)²))`.
struct AsinhExact {
    k: f64,
    offset: f64,
    scale: f64,
}

impl AsinhExact {
    fn new(t: f64, m: f64, a: f64) -> Self {
        AsinhExact { k: (m * LN_10).sinh() / t, offset: a * LN_10, scale: 1.0 / ((m + a) * LN_10) }
    }
}

impl crate::table::ExactScale for AsinhExact {
    fn exact(&self, x: f64) -> f64 {
        (asinh(x * self.k) + self.offset) * self.scale
    }
    fn slope(&self, x: f64, _y: f64) -> f64 {
        let kx = self.k * x;
        self.k * self.scale / (1.0 + kx * kx).sqrt()
    }
    fn x1(&self) -> f64 {
        self.offset * self.scale
    }
}

/// A one-dimensional scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// `flin`.
    Linear {
        /// Top of scale.
        t: f64,
        /// Extra negative range.
        a: f64,
    },
    /// `flog`.
    Log {
        /// Top of scale.
        t: f64,
        /// Decades.
        m: f64,
    },
    /// `fasinh`.
    Asinh {
        /// Top of scale.
        t: f64,
        /// Decades.
        m: f64,
        /// Extra negative decades.
        a: f64,
    },
    /// `logicle`.
    Logicle(Logicle),
    /// `hyperlog`.
    Hyperlog(Hyperlog),
    /// FlowJo's biexponential transform (FlowJo workspaces; no Gating-ML 2.0 equivalent).
    FlowJoBiex(FlowJoBiex),
    /// FlowJo's `log`: `log10(x / offset) / decades`, and −∞ for `x ≤ 0` (FlowJo shows every value
    /// below `offset` at the axis minimum: use it with `boundMin = 0`). Gating-ML's `flog` is the
    /// same curve but undefined for `x ≤ 0`.
    FlowJoLog {
        /// `offset`, the data value at the axis minimum.
        offset: f64,
        /// `decades`.
        decades: f64,
    },
}

impl Scale {
    /// `flin` with checks.
    pub fn linear(t: f64, a: f64) -> Result<Scale> {
        if !(t > 0.0 && a >= 0.0 && t.is_finite() && a.is_finite()) {
            return Err(Error::InvalidTransform { name: "flin", reason: format!("T={t}, A={a}: need T > 0, A ≥ 0") });
        }
        Ok(Scale::Linear { t, a })
    }

    /// `flog` with checks.
    pub fn log(t: f64, m: f64) -> Result<Scale> {
        if !(t > 0.0 && m > 0.0 && t.is_finite() && m.is_finite()) {
            return Err(Error::InvalidTransform { name: "flog", reason: format!("T={t}, M={m}: need T > 0, M > 0") });
        }
        Ok(Scale::Log { t, m })
    }

    /// `fasinh` with checks.
    pub fn asinh(t: f64, m: f64, a: f64) -> Result<Scale> {
        if !(t > 0.0 && m > 0.0 && a >= 0.0 && a <= m && [t, m, a].iter().all(|v| v.is_finite())) {
            return Err(Error::InvalidTransform {
                name: "fasinh",
                reason: format!("T={t}, M={m}, A={a}: need T > 0, M > 0, 0 ≤ A ≤ M"),
            });
        }
        Ok(Scale::Asinh { t, m, a })
    }

    /// FlowJo's `log` with checks (`offset > 0`, `decades > 0`).
    pub fn flowjo_log(offset: f64, decades: f64) -> Result<Scale> {
        if !(offset > 0.0 && decades > 0.0 && offset.is_finite() && decades.is_finite()) {
            return Err(Error::InvalidTransform {
                name: "log",
                reason: format!("offset={offset}, decades={decades}: need offset > 0, decades > 0"),
            });
        }
        Ok(Scale::FlowJoLog { offset, decades })
    }

    /// `logicle` with checks.
    pub fn logicle(t: f64, w: f64, m: f64, a: f64) -> Result<Scale> {
        Logicle::new(t, w, m, a).map(Scale::Logicle)
    }

    /// `hyperlog` with checks.
    pub fn hyperlog(t: f64, w: f64, m: f64, a: f64) -> Result<Scale> {
        Hyperlog::new(t, w, m, a).map(Scale::Hyperlog)
    }

    /// Data value → scale value.
    pub fn apply(&self, x: f64) -> f64 {
        match *self {
            Scale::Linear { t, a } => (x + a) / (t + a),
            Scale::Log { t, m } => {
                if x > 0.0 {
                    (x / t).log10() / m + 1.0
                } else {
                    f64::NAN
                }
            }
            Scale::Asinh { t, m, a } => (asinh(x * (m * LN_10).sinh() / t) + a * LN_10) / ((m + a) * LN_10),
            Scale::Logicle(l) => l.apply(x),
            Scale::Hyperlog(h) => h.apply(x),
            Scale::FlowJoBiex(b) => b.apply(x),
            Scale::FlowJoLog { offset, decades } => {
                if x > 0.0 {
                    (x / offset).log10() / decades
                } else if x.is_nan() {
                    f64::NAN
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }

    /// Applies the scale to every value in place (Logicle and Hyperlog through an interpolation
    /// table accurate to 1e-12 scale units when the slice is large).
    pub fn apply_slice(&self, values: &mut [f64]) {
        match *self {
            Scale::Logicle(l) => l.apply_slice(values),
            Scale::Hyperlog(h) => h.apply_slice(values),
            // the same formulas as `apply`, with the constants hoisted out of the loop
            Scale::Asinh { t, m, a } => {
                let (k, offset, scale) = ((m * LN_10).sinh() / t, a * LN_10, 1.0 / ((m + a) * LN_10));
                values.iter_mut().for_each(|v| *v = (asinh(*v * k) + offset) * scale);
            }
            Scale::Linear { t, a } => {
                let d = t + a;
                values.iter_mut().for_each(|v| *v = (*v + a) / d);
            }
            _ => values.iter_mut().for_each(|v| *v = self.apply(*v)),
        }
    }

    /// Appends the scale values of `values` to `out` (one pass, no copy first).
    pub fn apply_into(&self, values: &[f64], out: &mut Vec<f64>) {
        match *self {
            Scale::Logicle(l) => l.apply_into(values, out),
            Scale::Hyperlog(h) => h.apply_into(values, out),
            // one pass (read, transform, write) instead of a copy and a pass over the copy
            Scale::Linear { t, a } => {
                let d = t + a;
                out.extend(values.iter().map(|&x| (x + a) / d));
            }
            _ => {
                let start = out.len();
                out.extend_from_slice(values);
                self.apply_slice(&mut out[start..]);
            }
        }
    }

    /// [`Scale::apply_into`] sharing Logicle and Hyperlog tables through `cache`.
    pub(crate) fn apply_into_cached(&self, values: &[f64], out: &mut Vec<f64>, cache: &mut crate::table::TableCache) {
        let key = format!("{self:?}");
        match self {
            Scale::Logicle(l) => crate::biexponential::apply_into_cached(l, &key, values, out, cache),
            Scale::Hyperlog(h) => crate::biexponential::apply_into_cached(h, &key, values, out, cache),
            Scale::Asinh { t, m, a } => {
                let asinh = AsinhExact::new(*t, *m, *a);
                crate::biexponential::apply_into_cached(&asinh, &key, values, out, cache)
            }
            _ => self.apply_into(values, out),
        }
    }

    /// Scale value → data value.
    pub fn inverse(&self, y: f64) -> f64 {
        match *self {
            Scale::Linear { t, a } => y * (t + a) - a,
            Scale::Log { t, m } => t * 10f64.powf(m * (y - 1.0)),
            Scale::Asinh { t, m, a } => t * ((m + a) * LN_10 * y - a * LN_10).sinh() / (m * LN_10).sinh(),
            Scale::Logicle(l) => l.inverse(y),
            Scale::Hyperlog(h) => h.inverse(y),
            Scale::FlowJoBiex(b) => b.inverse(y),
            Scale::FlowJoLog { offset, decades } => offset * 10f64.powf(y * decades),
        }
    }

    /// The Gating-ML element name.
    pub fn element(&self) -> &'static str {
        match self {
            Scale::Linear { .. } => "flin",
            Scale::Log { .. } => "flog",
            Scale::Asinh { .. } => "fasinh",
            Scale::Logicle(_) => "logicle",
            Scale::Hyperlog(_) => "hyperlog",
            Scale::FlowJoBiex(_) => "biex",
            Scale::FlowJoLog { .. } => "log",
        }
    }
}

/// What a Gating-ML `transformation` computes.
#[derive(Debug, Clone, PartialEq)]
pub enum TransformKind {
    /// A scale applied to one dimension.
    Scale(Scale),
    /// `fratio`: `A · (x − B) / (y − C)` of two channels, defining a new dimension.
    Ratio {
        /// Numerator channel.
        numerator: String,
        /// Denominator channel.
        denominator: String,
        /// A.
        a: f64,
        /// B.
        b: f64,
        /// C.
        c: f64,
    },
}

/// A named transformation with optional bounds on its result.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformation {
    /// Gating-ML id.
    pub id: String,
    /// What it computes.
    pub kind: TransformKind,
    /// Results below are raised to this.
    pub bound_min: Option<f64>,
    /// Results above are lowered to this.
    pub bound_max: Option<f64>,
}

impl Transformation {
    /// Clamps a transformed value to the bounds (NaN stays NaN).
    #[inline]
    pub fn bound(&self, y: f64) -> f64 {
        let y = match self.bound_min {
            Some(lo) if y < lo => lo,
            _ => y,
        };
        match self.bound_max {
            Some(hi) if y > hi => hi,
            _ => y,
        }
    }

    /// Applies a scale transformation to each value in place, bounds included.
    pub fn apply_scale_in_place(&self, values: &mut [f64]) {
        if let TransformKind::Scale(scale) = &self.kind {
            scale.apply_slice(values);
            self.apply_bounds(values);
        }
    }

    /// Clamps every value to the bounds.
    pub fn apply_bounds(&self, values: &mut [f64]) {
        if self.bound_min.is_some() || self.bound_max.is_some() {
            values.iter_mut().for_each(|v| *v = self.bound(*v));
        }
    }

    /// `fratio`: `A · (x − B) / (y − C)`.
    #[inline]
    pub fn ratio_of(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
        a * (x - b) / (y - c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_scales_match_their_formulas() {
        let lin = Scale::linear(10000.0, 500.0).unwrap();
        assert!((lin.apply(0.0) - 500.0 / 10500.0).abs() < 1e-15);
        let log = Scale::log(10000.0, 5.0).unwrap();
        assert!((log.apply(10000.0) - 1.0).abs() < 1e-15);
        assert!((log.apply(1.0) - 0.2).abs() < 1e-15);
        assert!(log.apply(0.0).is_nan() && log.apply(-1.0).is_nan());
        let asinh = Scale::asinh(10000.0, 4.0, 1.0).unwrap();
        assert!((asinh.apply(0.0) - 0.2).abs() < 1e-15);
        assert!((asinh.apply(10000.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn inverses_undo_the_scales() {
        let scales = [
            Scale::linear(1000.0, 10.0).unwrap(),
            Scale::log(1000.0, 4.0).unwrap(),
            Scale::asinh(1000.0, 4.0, 0.5).unwrap(),
            Scale::logicle(1000.0, 1.0, 4.0, 0.0).unwrap(),
            Scale::hyperlog(1000.0, 1.0, 4.0, 0.0).unwrap(),
        ];
        for s in scales {
            for x in [0.5, 3.0, 77.0, 999.0] {
                assert!((s.inverse(s.apply(x)) - x).abs() < 1e-9 * x, "{s:?} at {x}");
            }
        }
    }

    #[test]
    fn bounds_clamp_but_keep_nan() {
        let t = Transformation {
            id: "t".into(),
            kind: TransformKind::Scale(Scale::linear(1.0, 0.0).unwrap()),
            bound_min: Some(0.2),
            bound_max: Some(0.8),
        };
        assert_eq!(t.bound(0.1), 0.2);
        assert_eq!(t.bound(0.9), 0.8);
        assert_eq!(t.bound(0.5), 0.5);
        assert!(t.bound(f64::NAN).is_nan());
    }

    #[test]
    fn cached_tables_agree_with_the_exact_scales() {
        let values: Vec<f64> = (0..100_000).map(|i| (i as f64 - 30_000.0).powi(3) / 1e7 + 0.31 * i as f64).collect();
        let mut cache = crate::table::TableCache::new();
        for scale in [
            Scale::logicle(262144.0, 0.5, 4.5, 0.0).unwrap(),
            Scale::hyperlog(262144.0, 0.5, 4.5, 0.0).unwrap(),
            Scale::asinh(262144.0, 4.5, 0.0).unwrap(),
            Scale::asinh(10000.0, 4.0, 1.0).unwrap(),
        ] {
            for _ in 0..2 {
                // the second round takes the table from the cache
                let mut out = Vec::new();
                scale.apply_into_cached(&values, &mut out, &mut cache);
                for (x, y) in values.iter().zip(&out) {
                    assert!((y - scale.apply(*x)).abs() <= 2e-12, "{scale:?} at {x}: {y} vs {}", scale.apply(*x));
                }
            }
        }
        assert_eq!(cache.len(), 4);
    }

    #[test]
    fn fast_asinh_matches_the_standard_library() {
        for k in -4000..4000 {
            let x = (k as f64 / 100.0).powi(5) * 1.37;
            let (ours, std) = (asinh(x), x.asinh());
            assert!(
                (ours - std).abs() <= 4.0 * f64::EPSILON * std.abs().max(f64::MIN_POSITIVE),
                "{x}: {ours} vs {std}"
            );
        }
        assert_eq!(asinh(0.0), 0.0);
        assert!(asinh(1e300).is_finite() && asinh(f64::NAN).is_nan());
    }

    #[test]
    fn invalid_parameters_are_errors() {
        assert!(Scale::linear(0.0, 1.0).is_err());
        assert!(Scale::log(1.0, 0.0).is_err());
        assert!(Scale::asinh(1.0, 1.0, 2.0).is_err());
    }
}
