//! Fast evaluation of the Logicle and Hyperlog scales over many values.
//!
//! The exact forward scale solves an equation per value (two exponentials per iteration). For
//! large arrays we instead tabulate the exact scale at knots spaced evenly in the *bit pattern*
//! of `|x|` (2^k knots per binade, so the spacing is relative, as the curvature of a log-like
//! scale requires), with its exact slope, and interpolate by cubic Hermite polynomials. The table
//! is checked against the exact scale at the middle of every interval when it is built, and made
//! finer until the largest error is below [`MAX_ERROR`] scale units — six orders of magnitude
//! below the resolution of the single-precision data cytometers record. Values outside the
//! tabulated range (tiny or huge) take the exact path. The scales are odd about `x1`, so negative
//! values use the same table.

/// Largest interpolation error accepted, in scale units.
pub const MAX_ERROR: f64 = 1e-12;
/// Smallest and largest `|x|` ever tabulated: 2^-20 and 2^50; a table covers only the binades
/// its data occupy within these.
const MIN_BINADE: i32 = -20;
const MAX_BINADE: i32 = 50;

/// An exact scale that can be tabulated: odd about `x1`, increasing.
pub(crate) trait ExactScale {
    /// The exact forward value.
    fn exact(&self, x: f64) -> f64;
    /// `dy/dx` at data value `x` whose scale value is `y`.
    fn slope(&self, x: f64, y: f64) -> f64;
    /// The scale value of 0.
    fn x1(&self) -> f64;
}

/// Hermite interpolation table of a scale for positive `x`.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    shift: u32,
    first: u64,
    /// Per interval: the cubic in t = (x − x₀)/h as `[y₀, c₁, c₂, c₃, 1/h]`.
    cubic: Vec<[f64; 5]>,
    min_x: f64,
    max_x: f64,
}

impl Table {
    /// Builds a table for `values` with `2^bits` knots per binade, refining until accurate to
    /// [`MAX_ERROR`]; `None` when the values span no tabulated binade.
    pub fn build(scale: &impl ExactScale, values: &[f64]) -> Option<Table> {
        let (min_binade, max_binade) = Table::binades(values)?;
        Some(Table::for_binades(scale, min_binade, max_binade))
    }

    /// The binades `[2^min, 2^max)` of `|values|` a table must cover (within the tabulated range).
    pub fn binades(values: &[f64]) -> Option<(i32, i32)> {
        let (lo, hi) = values
            .iter()
            .map(|v| v.abs())
            .filter(|v| v.is_finite() && *v > 0.0)
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let min_binade = (lo.log2().floor() as i32).max(MIN_BINADE);
        let max_binade = (hi.log2().floor() as i32 + 1).min(MAX_BINADE);
        if lo > hi || lo.is_nan() || min_binade >= max_binade {
            return None;
        }
        Some((min_binade, max_binade))
    }

    /// Builds a table over the binades `[2^min_binade, 2^max_binade)`.
    pub fn for_binades(scale: &impl ExactScale, min_binade: i32, max_binade: i32) -> Table {
        let (min_x, max_x) = (2f64.powi(min_binade), 2f64.powi(max_binade));
        let mut bits = 7;
        loop {
            let table = Table::with_bits(scale, bits, min_x, max_x);
            if bits >= 12 || table.max_midpoint_error(scale) <= MAX_ERROR {
                return table;
            }
            bits += 1;
        }
    }

    fn with_bits(scale: &impl ExactScale, bits: u32, min_x: f64, max_x: f64) -> Table {
        let shift = 52 - bits;
        let first = min_x.to_bits() >> shift;
        let last = (max_x.to_bits() >> shift) + 1;
        let knots: Vec<(f64, f64, f64)> = (first..=last + 1)
            .map(|k| {
                let x = f64::from_bits(k << shift);
                let v = scale.exact(x);
                (x, v, scale.slope(x, v))
            })
            .collect();
        // cubic Hermite on each interval: y₀ + t·(m₀ + t·(c₂ + t·c₃)), slopes scaled by h
        let cubic = knots
            .windows(2)
            .map(|w| {
                let ((x0, y0, d0), (x1, y1, d1)) = (w[0], w[1]);
                let h = x1 - x0;
                let (m0, m1) = (d0 * h, d1 * h);
                [y0, m0, 3.0 * (y1 - y0) - 2.0 * m0 - m1, 2.0 * (y0 - y1) + m0 + m1, 1.0 / h]
            })
            .collect();
        Table { shift, first, cubic, min_x, max_x }
    }

    fn max_midpoint_error(&self, scale: &impl ExactScale) -> f64 {
        (0..self.cubic.len())
            .map(|i| {
                let k = self.first + i as u64;
                let (a, b) = (f64::from_bits(k << self.shift), f64::from_bits((k + 1) << self.shift));
                let mid = 0.5 * (a + b);
                (self.interpolate(mid) - scale.exact(mid)).abs()
            })
            .fold(0.0, f64::max)
    }

    /// Interpolated scale value of `x` in `[min_x, max_x)`.
    #[inline]
    fn interpolate(&self, x: f64) -> f64 {
        let k = x.to_bits() >> self.shift;
        let [y0, c1, c2, c3, inv_h] = self.cubic[(k - self.first) as usize];
        let t = (x - f64::from_bits(k << self.shift)) * inv_h;
        y0 + t * (c1 + t * (c2 + t * c3))
    }

    /// The scale value of `x`, using the table where it applies.
    #[inline]
    pub fn apply(&self, scale: &impl ExactScale, x: f64) -> f64 {
        let magnitude = x.abs();
        if !(magnitude >= self.min_x && magnitude < self.max_x) {
            return scale.exact(x);
        }
        let y = self.interpolate(magnitude);
        if x < 0.0 { 2.0 * scale.x1() - y } else { y }
    }
}

/// Tables already built, by scale and binade range, kept in a [`crate::BufferPool`] so that
/// dimensions and samples on the same scale share them.
pub(crate) type TableCache = std::collections::HashMap<(String, i32, i32), std::sync::Arc<Table>>;
