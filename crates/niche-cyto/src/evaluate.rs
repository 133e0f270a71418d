//! Per-sample evaluation of a [`GatingStrategy`]: dimension values and memberships, each computed
//! once and shared. Uncompensated channels are borrowed from the sample, never copied.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use crate::compensation::Compensation;
use crate::error::{Error, Result};
use crate::gate::{self, BooleanOp, CompensationRef, Dimension, Shape, Source};
use crate::sample::Sample;
use crate::strategy::GatingStrategy;
use crate::transform::{TransformKind, Transformation};
use niche_stats::linalg;

/// A column of values: borrowed from the sample, or computed and shared.
#[derive(Clone)]
pub(crate) enum Column<'a> {
    Borrowed(&'a [f64]),
    Shared(Arc<Vec<f64>>),
}

impl Deref for Column<'_> {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        match self {
            Column::Borrowed(values) => values,
            Column::Shared(values) => values,
        }
    }
}

/// Column buffers kept between samples, so that gating many samples in a row reuses memory the
/// process has already touched instead of faulting in fresh pages for every dimension.
#[derive(Debug, Default)]
pub struct BufferPool {
    buffers: Vec<Vec<f64>>,
    flags: Vec<Vec<bool>>,
    tables: crate::table::TableCache,
}

impl BufferPool {
    /// Takes back the membership vectors of results the caller is done with, for the next sample.
    pub fn recycle(&mut self, results: crate::strategy::GatingResults) {
        self.flags.extend(results.populations.into_iter().map(|p| p.membership).filter(|m| m.capacity() > 0));
    }

    /// An empty flag vector with room for `n`, reused when one is free.
    fn take_flags(&mut self, n: usize) -> Vec<bool> {
        match self.flags.iter().position(|b| b.capacity() >= n) {
            Some(i) => {
                let mut b = self.flags.swap_remove(i);
                b.clear();
                b
            }
            None => Vec::with_capacity(n),
        }
    }

    /// An empty vector with room for `n` values, reused when one is free.
    fn take(&mut self, n: usize) -> Vec<f64> {
        match self.buffers.iter().position(|b| b.capacity() >= n) {
            Some(i) => {
                let mut b = self.buffers.swap_remove(i);
                b.clear();
                b
            }
            None => Vec::with_capacity(n),
        }
    }

    /// Keeps a buffer for later.
    fn give(&mut self, buffer: Vec<f64>) {
        if buffer.capacity() > 0 {
            self.buffers.push(buffer);
        }
    }

    /// A buffer filled with `values`.
    fn collect(&mut self, n: usize, values: impl Iterator<Item = f64>) -> Vec<f64> {
        let mut b = self.take(n);
        b.extend(values);
        b
    }
}

/// Compensated columns by fluorochrome name.
type CompensatedColumns = Arc<HashMap<String, Arc<Vec<f64>>>>;

/// Per-sample caches of dimension values, compensated channels and memberships.
pub(crate) struct Context<'a, 'w> {
    pool: &'w mut BufferPool,
    strategy: &'a GatingStrategy,
    sample: &'a Sample,
    dims: HashMap<Dimension, Column<'a>>,
    scaled: HashMap<(Dimension, String), Arc<Vec<f64>>>,
    compensated: HashMap<CompensationRef, CompensatedColumns>,
    memberships: HashMap<String, Arc<Vec<bool>>>,
    warnings: Vec<String>,
}

impl<'a, 'w> Context<'a, 'w> {
    pub fn new(strategy: &'a GatingStrategy, sample: &'a Sample, pool: &'w mut BufferPool) -> Self {
        Context {
            pool,
            strategy,
            sample,
            dims: HashMap::new(),
            scaled: HashMap::new(),
            compensated: HashMap::new(),
            memberships: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    /// The memberships computed and the warnings raised; column buffers go back to the pool.
    pub fn finish(mut self) -> (HashMap<String, Arc<Vec<bool>>>, Vec<String>) {
        let mut shared: Vec<Arc<Vec<f64>>> = Vec::new();
        shared.extend(self.dims.drain().filter_map(|(_, c)| match c {
            Column::Shared(v) => Some(v),
            Column::Borrowed(_) => None,
        }));
        shared.extend(self.scaled.drain().map(|(_, v)| v));
        for (_, table) in self.compensated.drain() {
            if let Ok(table) = Arc::try_unwrap(table) {
                shared.extend(table.into_values());
            }
        }
        // Each buffer may be held several times (a dimension and its scaled cache entry); it is
        // free once the last holder lets go.
        for v in shared {
            if let Ok(buffer) = Arc::try_unwrap(v) {
                self.pool.give(buffer);
            }
        }
        (self.memberships, self.warnings)
    }

    /// Values of a channel under a compensation: compensated when the compensation covers it.
    fn channel(&mut self, name: &str, compensation: &CompensationRef) -> Result<Column<'a>> {
        let sample = self.sample;
        if *compensation == CompensationRef::Uncompensated {
            return Ok(Column::Borrowed(sample.channel(name)?));
        }
        let table = match self.compensated.get(compensation) {
            Some(t) => Arc::clone(t),
            None => {
                let comp = match compensation {
                    // Gating-ML 2.0, 6.1: without a spillover in the file, "FCS" compensation is
                    // the identity.
                    CompensationRef::Fcs => match sample.spillover.as_ref() {
                        Some(spill) => Compensation::from_spillover(spill)?,
                        None => {
                            self.warnings.push(format!(
                                "compensation-ref=\"FCS\" but {} has no spillover keyword: used uncompensated values",
                                sample.id
                            ));
                            self.compensated.insert(CompensationRef::Fcs, Arc::new(HashMap::new()));
                            return Ok(Column::Borrowed(sample.channel(name)?));
                        }
                    },
                    CompensationRef::Named(id) => {
                        self.strategy.compensations.iter().find(|c| &c.id == id).cloned().ok_or_else(|| {
                            Error::UnknownReference { kind: "compensation", id: id.clone(), by: name.into() }
                        })?
                    }
                    CompensationRef::Uncompensated => unreachable!("handled above"),
                };
                let detectors: Vec<&[f64]> = comp.detectors.iter().map(|d| sample.channel(d)).collect::<Result<_>>()?;
                let n = sample.n_events();
                let outputs = (0..comp.fluorochromes.len()).map(|_| self.pool.take(n)).collect();
                let columns = comp.apply_into(&detectors, outputs);
                let table: HashMap<String, Arc<Vec<f64>>> =
                    comp.fluorochromes.iter().cloned().zip(columns.into_iter().map(Arc::new)).collect();
                let table = Arc::new(table);
                self.compensated.insert(compensation.clone(), Arc::clone(&table));
                table
            }
        };
        match table.get(name) {
            Some(values) => Ok(Column::Shared(Arc::clone(values))),
            None => Ok(Column::Borrowed(sample.channel(name)?)),
        }
    }

    /// Values of a dimension, computed once. Dimensions that differ only in a transformation's
    /// bounds share the scaled values.
    pub fn dimension(&mut self, d: &Dimension) -> Result<Column<'a>> {
        if let Some(v) = self.dims.get(d) {
            return Ok(v.clone());
        }
        let values = match &d.transformation {
            None => self.untransformed(d)?,
            Some(id) => {
                let t = self.strategy.transformation(id).expect("validated");
                let TransformKind::Scale(scale) = &t.kind else { unreachable!("validated as a scale") };
                let base = Dimension { transformation: None, ..d.clone() };
                let key = (base, format!("{scale:?}"));
                let scaled = match self.scaled.get(&key) {
                    Some(v) => Arc::clone(v),
                    None => {
                        let base = self.dimension(&key.0)?;
                        let mut out = self.pool.take(base.len());
                        scale.apply_into_cached(&base, &mut out, &mut self.pool.tables);
                        let values = Arc::new(out);
                        self.scaled.insert(key, Arc::clone(&values));
                        values
                    }
                };
                if t.bound_min.is_some() || t.bound_max.is_some() {
                    Column::Shared(Arc::new(self.pool.collect(scaled.len(), scaled.iter().map(|&v| t.bound(v)))))
                } else {
                    Column::Shared(scaled)
                }
            }
        };
        self.dims.insert(d.clone(), values.clone());
        Ok(values)
    }

    /// Values of a dimension before its scale transformation.
    fn untransformed(&mut self, d: &Dimension) -> Result<Column<'a>> {
        match &d.source {
            Source::Channel(name) => self.channel(name, &d.compensation),
            Source::Ratio(id) => {
                let t = self.strategy.transformation(id).expect("validated");
                let TransformKind::Ratio { numerator, denominator, a, b, c } = &t.kind else {
                    unreachable!("validated as fratio")
                };
                let x = self.channel(numerator, &d.compensation)?;
                let y = self.channel(denominator, &d.compensation)?;
                let ratios = x.iter().zip(y.iter()).map(|(&x, &y)| t.bound(Transformation::ratio_of(*a, *b, *c, x, y)));
                Ok(Column::Shared(Arc::new(self.pool.collect(x.len(), ratios))))
            }
        }
    }

    /// ANDs `lo ≤ value < hi` of dimension `d` into `m`. On a scale dimension not yet computed,
    /// the test runs in data space instead (see [`DataSpaceRange`]), with no transform per event.
    fn and_range(&mut self, m: &mut [bool], d: &Dimension, lo: Option<f64>, hi: Option<f64>) -> Result<()> {
        if let (Some(id), false) = (&d.transformation, self.dims.contains_key(d)) {
            let t = self.strategy.transformation(id).expect("validated");
            if let Some(range) = DataSpaceRange::new(t, lo, hi) {
                let base = self.dimension(&Dimension { transformation: None, ..d.clone() })?;
                range.and_into(m, &base);
                return Ok(());
            }
        }
        let values = self.dimension(d)?;
        gate::and_range(m, &values, lo, hi);
        Ok(())
    }

    /// Membership of a population, computed once (parents and operands first).
    pub fn membership(&mut self, population: &str) -> Result<Arc<Vec<bool>>> {
        if let Some(m) = self.memberships.get(population) {
            return Ok(Arc::clone(m));
        }
        let strategy = self.strategy;
        let g = strategy.gate_of(population).ok_or_else(|| Error::UnknownReference {
            kind: "gate",
            id: population.into(),
            by: "strategy".into(),
        })?;
        let n = self.sample.n_events();
        let mut m = self.pool.take_flags(n);
        match &g.parent {
            Some(p) => {
                let parent = self.membership(p)?;
                m.extend_from_slice(&parent);
            }
            None => m.resize(n, true),
        }
        match &g.shape {
            Shape::Rectangle { bounds } => {
                for (d, &(lo, hi)) in g.dimensions.iter().zip(bounds) {
                    self.and_range(&mut m, d, lo, hi)?;
                }
            }
            Shape::Polygon { vertices } => {
                let (x, y) = (self.dimension(&g.dimensions[0])?, self.dimension(&g.dimensions[1])?);
                gate::and_polygon(&mut m, &x, &y, vertices);
            }
            Shape::Ellipsoid { mean, covariance, distance_square } => {
                let columns: Vec<Column<'a>> = g.dimensions.iter().map(|d| self.dimension(d)).collect::<Result<_>>()?;
                let slices: Vec<&[f64]> = columns.iter().map(|c| &c[..]).collect();
                let inverse = linalg::invert(mean.len(), covariance).expect("validated");
                gate::and_ellipsoid(&mut m, &slices, mean, &inverse, *distance_square);
            }
            Shape::Quadrants { dividers, quadrants } => {
                let q = quadrants.iter().find(|q| q.id == population).expect("population of this gate");
                for (divider_id, location) in &q.positions {
                    let divider = dividers.iter().find(|d| &d.id == divider_id).expect("validated");
                    let (lo, hi) = gate::quadrant_cell(&divider.values, *location);
                    self.and_range(&mut m, &divider.dimension, lo, hi)?;
                }
            }
            Shape::Boolean { op, operands } => {
                let mut combined = self.pool.take_flags(n);
                combined.resize(n, *op == BooleanOp::And);
                for (id, complement) in operands {
                    let other = self.membership(id)?;
                    let invert = *complement ^ (*op == BooleanOp::Not);
                    match op {
                        BooleanOp::And => combined.iter_mut().zip(other.iter()).for_each(|(c, &o)| *c &= o ^ invert),
                        BooleanOp::Or | BooleanOp::Not => {
                            combined.iter_mut().zip(other.iter()).for_each(|(c, &o)| *c |= o ^ invert)
                        }
                    }
                }
                m.iter_mut().zip(&combined).for_each(|(m, &c)| *m &= c);
                self.pool.flags.push(combined);
            }
        }
        let m = Arc::new(m);
        self.memberships.insert(population.to_string(), Arc::clone(&m));
        Ok(m)
    }
}

/// One side of a range after mapping it back through a monotone scale.
#[derive(Debug, Clone, Copy)]
enum Side {
    Always,
    Never,
    /// The value passes when `x ≥ t` (lower side) or `x < t` (upper side).
    At(f64),
}

/// A range gate `lo ≤ clamp(f(x)) < hi` on an increasing scale `f` with bounds, tested as
/// `x ≥ f⁻¹(lo)` and `x < f⁻¹(hi)` in data space. Bounds turn a side into "always" or "never"
/// (`clamp(y) ≥ lo` always holds when `boundMin ≥ lo`, never when `boundMax < lo`, and is
/// `y ≥ lo` otherwise; likewise for `hi`). Events within 1e-9 (relative) of a data-space
/// threshold are decided by the exact forward scale, so the result equals the forward test.
struct DataSpaceRange<'t> {
    transformation: &'t Transformation,
    scale: crate::transform::Scale,
    lo: Option<f64>,
    hi: Option<f64>,
    lower: Side,
    upper: Side,
    /// `flog` is undefined (NaN, outside every gate) for `x ≤ 0`.
    positive_only: bool,
}

impl<'t> DataSpaceRange<'t> {
    fn new(transformation: &'t Transformation, lo: Option<f64>, hi: Option<f64>) -> Option<Self> {
        let TransformKind::Scale(scale) = transformation.kind else { return None };
        let (bmin, bmax) = (transformation.bound_min, transformation.bound_max);
        if let (Some(a), Some(b)) = (bmin, bmax) {
            if a > b {
                return None;
            }
        }
        let invert = |y: f64| Some(scale.inverse(y)).filter(|x| x.is_finite());
        let lower = match lo {
            None => Side::Always,
            Some(l) if bmax.is_some_and(|b| b < l) => Side::Never,
            Some(l) if bmin.is_some_and(|b| b >= l) => Side::Always,
            Some(l) => Side::At(invert(l)?),
        };
        let upper = match hi {
            None => Side::Always,
            Some(h) if bmin.is_some_and(|b| b >= h) => Side::Never,
            Some(h) if bmax.is_some_and(|b| b < h) => Side::Always,
            Some(h) => Side::At(invert(h)?),
        };
        let positive_only = matches!(scale, crate::transform::Scale::Log { .. });
        Some(DataSpaceRange { transformation, scale, lo, hi, lower, upper, positive_only })
    }

    fn and_into(&self, m: &mut [bool], xs: &[f64]) {
        // Thresholds as numbers: "never" is NaN (every comparison fails), "always" is ±∞.
        let lower = match self.lower {
            Side::Always => f64::NEG_INFINITY,
            Side::Never => f64::NAN,
            Side::At(t) => t,
        };
        let (upper, upper_always) = match self.upper {
            Side::Always => (f64::INFINITY, true),
            Side::Never => (f64::NAN, false),
            Side::At(t) => (t, false),
        };
        // no band around an infinite ("always") or NaN ("never") threshold
        let band = |t: f64| if t.is_finite() { 1e-9 * t.abs().max(1e-300) } else { -1.0 };
        let (lower_band, upper_band) = (band(lower), band(upper));
        let positive_only = self.positive_only;
        let borderline = |x: f64| ((x - lower).abs() <= lower_band) | ((x - upper).abs() <= upper_band);
        // a branch-free pass (it vectorises) that keeps borderline events for now, then, only when
        // there are any, the exact forward test for them
        let mut any_borderline = false;
        for (keep, &x) in m.iter_mut().zip(xs) {
            let pass = (x >= lower) & (upper_always | (x < upper)) & (!positive_only | (x > 0.0));
            let near = borderline(x);
            any_borderline |= near & *keep;
            *keep &= pass | near;
        }
        if any_borderline {
            for (keep, &x) in m.iter_mut().zip(xs) {
                if *keep && borderline(x) {
                    let y = self.transformation.bound(self.scale.apply(x));
                    *keep =
                        (!positive_only | (x > 0.0)) & self.lo.is_none_or(|l| y >= l) & self.hi.is_none_or(|h| y < h);
                }
            }
        }
    }
}
