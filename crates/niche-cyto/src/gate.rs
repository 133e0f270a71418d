//! Gates and the dimensions they are drawn on.
//!
//! Membership rules (Gating-ML 2.0, section 5):
//! - rectangle/range: `min ≤ x < max` in every dimension (a missing bound is unbounded);
//! - polygon: the even–odd (crossing-number) rule, so non-simple polygons work;
//! - ellipsoid: `(x − μ)ᵀ Σ⁻¹ (x − μ) ≤ distanceSquare`, in any number of dimensions;
//! - quadrant: each quadrant is the cell of the dividers' values that holds its location points,
//!   cells being `[vₖ, vₖ₊₁)`;
//! - boolean: and / or / not of other populations, each optionally complemented;
//! - every gate is further restricted to its parent's events.
//!
//! Values that are NaN in any dimension (for instance `flog` of a negative value) are outside.

use crate::error::{Error, Result};
use niche_stats::linalg;

/// Which compensation a dimension's values come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompensationRef {
    /// The values as read (`compensation-ref="uncompensated"`).
    Uncompensated,
    /// The file's own spillover (`compensation-ref="FCS"`).
    Fcs,
    /// A `spectrumMatrix` of the strategy, by id.
    Named(String),
}

impl CompensationRef {
    /// Parses the Gating-ML attribute value.
    pub fn parse(value: &str) -> CompensationRef {
        match value {
            "uncompensated" => CompensationRef::Uncompensated,
            "FCS" => CompensationRef::Fcs,
            other => CompensationRef::Named(other.to_string()),
        }
    }

    /// The Gating-ML attribute value.
    pub fn as_str(&self) -> &str {
        match self {
            CompensationRef::Uncompensated => "uncompensated",
            CompensationRef::Fcs => "FCS",
            CompensationRef::Named(id) => id,
        }
    }
}

/// Where a dimension's values come from before any scale transformation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// A channel by `$PnN` (or, under a spectrum matrix, a fluorochrome name).
    Channel(String),
    /// A new dimension computed by an `fratio` transformation, by id.
    Ratio(String),
}

/// One axis of a gate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dimension {
    /// Where the values come from.
    pub source: Source,
    /// Which compensation applies.
    pub compensation: CompensationRef,
    /// A scale transformation applied last, by id.
    pub transformation: Option<String>,
}

impl Dimension {
    /// An uncompensated, untransformed channel.
    pub fn channel(name: impl Into<String>) -> Self {
        Dimension {
            source: Source::Channel(name.into()),
            compensation: CompensationRef::Uncompensated,
            transformation: None,
        }
    }
}

/// One divider of a quadrant gate: a dimension cut at one or more values.
#[derive(Debug, Clone, PartialEq)]
pub struct Divider {
    /// Divider id.
    pub id: String,
    /// The dimension it cuts.
    pub dimension: Dimension,
    /// Cut values, ascending.
    pub values: Vec<f64>,
}

/// One quadrant: for each divider it names, a location inside the wanted cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrant {
    /// Population id.
    pub id: String,
    /// `(divider id, location)` pairs.
    pub positions: Vec<(String, f64)>,
}

/// A boolean operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BooleanOp {
    /// All operands.
    And,
    /// Any operand.
    Or,
    /// Not the single operand.
    Not,
}

/// What a gate selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `min ≤ x < max` per dimension.
    Rectangle {
        /// One `(min, max)` per dimension.
        bounds: Vec<(Option<f64>, Option<f64>)>,
    },
    /// A polygon in two dimensions.
    Polygon {
        /// Vertices in order.
        vertices: Vec<(f64, f64)>,
    },
    /// An ellipsoid in n dimensions.
    Ellipsoid {
        /// Centre.
        mean: Vec<f64>,
        /// Row-major n × n covariance matrix.
        covariance: Vec<f64>,
        /// Squared Mahalanobis radius.
        distance_square: f64,
    },
    /// Quadrants over dividers; each quadrant is a population of its own.
    Quadrants {
        /// The dividers (their dimensions are the gate's).
        dividers: Vec<Divider>,
        /// The quadrants.
        quadrants: Vec<Quadrant>,
    },
    /// A boolean combination of other populations: `(id, use as complement)`.
    Boolean {
        /// The operator.
        op: BooleanOp,
        /// Operand population ids.
        operands: Vec<(String, bool)>,
    },
}

/// A gate: an id, an optional parent population, its dimensions and its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// Gating-ML id (for quadrant gates, the gate's id; its populations are the quadrants).
    pub id: String,
    /// Parent population id.
    pub parent: Option<String>,
    /// Axes (empty for boolean gates; the dividers' for quadrant gates).
    pub dimensions: Vec<Dimension>,
    /// What it selects.
    pub shape: Shape,
}

impl Gate {
    /// Checks the geometry: dimension counts, vertex counts, an invertible covariance.
    pub fn validate(&self) -> Result<()> {
        let invalid = |reason: String| Err(Error::InvalidGate { id: self.id.clone(), reason });
        match &self.shape {
            Shape::Rectangle { bounds } => {
                if bounds.is_empty() || bounds.len() != self.dimensions.len() {
                    return invalid(format!("{} bounds for {} dimensions", bounds.len(), self.dimensions.len()));
                }
            }
            Shape::Polygon { vertices } => {
                if self.dimensions.len() != 2 || vertices.len() < 3 {
                    return invalid(format!(
                        "a polygon needs 2 dimensions and at least 3 vertices, has {} and {}",
                        self.dimensions.len(),
                        vertices.len()
                    ));
                }
            }
            Shape::Ellipsoid { mean, covariance, distance_square } => {
                let n = self.dimensions.len();
                if n == 0
                    || mean.len() != n
                    || covariance.len() != n * n
                    || distance_square.is_nan()
                    || *distance_square <= 0.0
                {
                    return invalid(format!(
                        "an ellipsoid in {n} dimensions needs {n} means, {n}x{n} covariances and a positive distance"
                    ));
                }
                if linalg::invert(n, covariance).is_none() {
                    return invalid("the covariance matrix is singular".into());
                }
            }
            Shape::Quadrants { dividers, quadrants } => {
                if dividers.is_empty() || quadrants.is_empty() {
                    return invalid("a quadrant gate needs dividers and quadrants".into());
                }
                for q in quadrants {
                    for (divider, _) in &q.positions {
                        if !dividers.iter().any(|d| &d.id == divider) {
                            return Err(Error::UnknownReference {
                                kind: "divider",
                                id: divider.clone(),
                                by: q.id.clone(),
                            });
                        }
                    }
                }
            }
            Shape::Boolean { op, operands } => {
                let ok = match op {
                    BooleanOp::Not => operands.len() == 1,
                    _ => !operands.is_empty(),
                };
                if !ok {
                    return invalid(format!("{op:?} with {} operands", operands.len()));
                }
            }
        }
        Ok(())
    }

    /// The population ids this gate defines: its own, or its quadrants'.
    pub fn populations(&self) -> Vec<&str> {
        match &self.shape {
            Shape::Quadrants { quadrants, .. } => quadrants.iter().map(|q| q.id.as_str()).collect(),
            _ => vec![self.id.as_str()],
        }
    }
}

/// ANDs `in_rectangle` into `membership`: `min ≤ x < max`.
pub(crate) fn and_range(membership: &mut [bool], values: &[f64], min: Option<f64>, max: Option<f64>) {
    let (lo, hi) = (min.unwrap_or(f64::NEG_INFINITY), max.unwrap_or(f64::INFINITY));
    // NaN fails both comparisons and is therefore outside.
    membership.iter_mut().zip(values).for_each(|(m, &x)| *m &= (x >= lo) & (x < hi));
}

/// ANDs the even–odd point-in-polygon test into `membership`.
pub(crate) fn and_polygon(membership: &mut [bool], xs: &[f64], ys: &[f64], vertices: &[(f64, f64)]) {
    let polygon = Polygon::new(vertices);
    for ((m, &x), &y) in membership.iter_mut().zip(xs).zip(ys) {
        if *m {
            *m = polygon.contains(x, y);
        }
    }
}

/// A polygon prepared for many point tests: its bounding box and its edges with their slopes.
pub(crate) struct Polygon {
    edges: Vec<PolygonEdge>,
    x_range: (f64, f64),
    y_range: (f64, f64),
}

struct PolygonEdge {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    dx_per_dy: f64,
    x_lo: f64,
    x_hi: f64,
    y_lo: f64,
    y_hi: f64,
}

impl PolygonEdge {
    /// Whether `(x, y)` lies exactly on the edge (exact cross product and bounding box).
    #[inline]
    fn holds(&self, x: f64, y: f64) -> bool {
        (self.x2 - self.x1) * (y - self.y1) == (self.y2 - self.y1) * (x - self.x1)
            && (self.x_lo <= x) & (x <= self.x_hi) & (self.y_lo <= y) & (y <= self.y_hi)
    }
}

impl Polygon {
    pub fn new(vertices: &[(f64, f64)]) -> Polygon {
        let edges: Vec<PolygonEdge> = vertices
            .iter()
            .zip(vertices.iter().cycle().skip(1))
            .map(|(&(x1, y1), &(x2, y2))| PolygonEdge {
                x1,
                y1,
                x2,
                y2,
                dx_per_dy: (x2 - x1) / (y2 - y1),
                x_lo: x1.min(x2),
                x_hi: x1.max(x2),
                y_lo: y1.min(y2),
                y_hi: y1.max(y2),
            })
            .collect();
        let fold = |f: fn(&PolygonEdge) -> (f64, f64)| {
            edges.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)))
        };
        let (x_range, y_range) = (fold(|e| (e.x_lo, e.x_hi)), fold(|e| (e.y_lo, e.y_hi)));
        Polygon { edges, x_range, y_range }
    }

    /// Even–odd (crossing-number) test: a horizontal ray to the right of `(x, y)` crosses an odd
    /// number of edges. Points exactly on an edge are inside (the boundary is inclusive, as the
    /// Gating-ML compliance suite expects: `Poly1u` has events exactly on its edge from (0, 0) to
    /// (200000, 100000)); they are found by an exact cross-product test, run only for events near
    /// an edge. NaN fails every comparison and is outside.
    #[inline]
    pub fn contains(&self, x: f64, y: f64) -> bool {
        if !(x >= self.x_range.0 && x <= self.x_range.1 && y >= self.y_range.0 && y <= self.y_range.1) {
            return false;
        }
        let mut inside = false;
        for e in &self.edges {
            let spans = (e.y1 > y) != (e.y2 > y);
            let x_cross = e.x1 + (y - e.y1) * e.dx_per_dy;
            inside ^= spans & (x < x_cross);
            // Rarely true: the event is at an edge's height end or near its crossing abscissa
            // (horizontal edges give a NaN or infinite crossing and are caught by the heights).
            if ((x - x_cross).abs() <= 1e-9 * (x_cross.abs() + 1.0)) | (y == e.y1) | (y == e.y2) && e.holds(x, y) {
                return true;
            }
        }
        inside
    }
}

/// ANDs the ellipsoid test into `membership`, given the inverse covariance.
pub(crate) fn and_ellipsoid(
    membership: &mut [bool],
    columns: &[&[f64]],
    mean: &[f64],
    inverse: &[f64],
    distance_square: f64,
) {
    let n = mean.len();
    if let ([xs, ys], [mx, my], &[i00, i01, i10, i11]) = (columns, mean, inverse) {
        // Two dimensions (every FlowJo ellipse): the general sum below written out in the same
        // order, so every event gets the same q bit for bit, in a branch-free loop that
        // vectorises. Events already outside stay outside (`&=`), NaN compares false.
        for ((m, &x), &y) in membership.iter_mut().zip(&xs[..]).zip(&ys[..]) {
            let (dx, dy) = (x - mx, y - my);
            let q = 0.0 + dx * (i00 * dx + i01 * dy) + dy * (i10 * dx + i11 * dy);
            *m &= q <= distance_square;
        }
        return;
    }
    let mut delta = vec![0.0; n];
    for (i, m) in membership.iter_mut().enumerate() {
        if !*m {
            continue;
        }
        for (k, column) in columns.iter().enumerate() {
            delta[k] = column[i] - mean[k];
        }
        let mut q = 0.0;
        for r in 0..n {
            let row = &inverse[r * n..(r + 1) * n];
            q += delta[r] * row.iter().zip(&delta).map(|(a, b)| a * b).sum::<f64>();
        }
        *m = q <= distance_square;
    }
}

/// The `[lo, hi)` cell of sorted `values` that holds `location`.
pub(crate) fn quadrant_cell(values: &[f64], location: f64) -> (Option<f64>, Option<f64>) {
    let above = values.iter().filter(|&&v| v <= location).count();
    let lo = above.checked_sub(1).map(|k| values[k]);
    let hi = values.get(above).copied();
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_even_odd() {
        let square = Polygon::new(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]);
        assert!(square.contains(5.0, 5.0));
        assert!(!square.contains(15.0, 5.0));
        assert!(!square.contains(f64::NAN, 5.0));
        // the boundary is inside
        assert!(square.contains(10.0, 5.0));
        assert!(square.contains(0.0, 0.0));
        assert!(square.contains(3.0, 10.0));
        // a bow tie: the crossing centre region counts by even-odd
        let bow = Polygon::new(&[(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)]);
        assert!(bow.contains(2.0, 5.0));
        assert!(!bow.contains(5.0, 2.0));
    }

    #[test]
    fn ranges_include_min_and_exclude_max() {
        let mut m = vec![true; 4];
        and_range(&mut m, &[1.0, 2.0, 3.0, f64::NAN], Some(1.0), Some(3.0));
        assert_eq!(m, [true, true, false, false]);
    }

    #[test]
    fn quadrant_cells() {
        assert_eq!(quadrant_cell(&[10.0], 5.0), (None, Some(10.0)));
        assert_eq!(quadrant_cell(&[10.0], 15.0), (Some(10.0), None));
        assert_eq!(quadrant_cell(&[10.0, 20.0], 15.0), (Some(10.0), Some(20.0)));
        assert_eq!(quadrant_cell(&[10.0, 20.0], 10.0), (Some(10.0), Some(20.0)));
    }

    #[test]
    fn ellipse_membership() {
        let mut m = vec![true; 3];
        // circle of radius 2 around (1, 1)
        let inv = [1.0, 0.0, 0.0, 1.0];
        and_ellipsoid(&mut m, &[&[1.0, 3.0, 3.1], &[1.0, 1.0, 1.0]], &[1.0, 1.0], &inv, 4.0);
        assert_eq!(m, [true, true, false]);
    }
}
