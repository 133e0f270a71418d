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

/// A threshold on a scale dimension, in scale units (`f64::to_bits`, so that it can be a key).
type Threshold = (Dimension, u64);

/// Which events lie on each side of a threshold `v` of a scale dimension: `above` holds those
/// with `clamp(f(x)) ≥ v`, `below` those with `clamp(f(x)) < v`; an event in neither is NaN or
/// outside the scale's domain, and outside every range on the dimension.
struct ThresholdSides {
    above: Vec<bool>,
    below: Vec<bool>,
}

/// Per-sample caches of dimension values, compensated channels and memberships.
pub(crate) struct Context<'a, 'w> {
    pool: &'w mut BufferPool,
    strategy: &'a GatingStrategy,
    sample: &'a Sample,
    dims: HashMap<Dimension, Column<'a>>,
    scaled: HashMap<(Dimension, String), Arc<Vec<f64>>>,
    compensated: HashMap<CompensationRef, CompensatedColumns>,
    memberships: HashMap<String, Arc<Vec<bool>>>,
    /// How many range sides of the strategy's rectangles and quadrants test each threshold of a
    /// scale dimension (quadrants and adjacent rectangles share theirs).
    threshold_uses: HashMap<Threshold, usize>,
    /// The sides of thresholds tested more than once, each computed once.
    thresholds: HashMap<Threshold, ThresholdSides>,
    warnings: Vec<String>,
}

/// The error for transformation `t` used where a `kind` (scale or fratio) is needed.
fn not_a(t: &Transformation, kind: &str) -> Error {
    Error::InvalidTransform { name: "reference", reason: format!("{:?} is not a {kind} transformation", t.id) }
}

impl<'a, 'w> Context<'a, 'w> {
    /// A transformation of the strategy by id.
    fn transformation(&self, id: &str) -> Result<&'a Transformation> {
        let strategy: &'a GatingStrategy = self.strategy;
        strategy.transformation(id).ok_or_else(|| Error::UnknownReference {
            kind: "transformation",
            id: id.to_string(),
            by: "a dimension".into(),
        })
    }

    pub fn new(strategy: &'a GatingStrategy, sample: &'a Sample, pool: &'w mut BufferPool) -> Self {
        Context {
            pool,
            strategy,
            sample,
            dims: HashMap::new(),
            scaled: HashMap::new(),
            compensated: HashMap::new(),
            memberships: HashMap::new(),
            threshold_uses: threshold_uses(strategy),
            thresholds: HashMap::new(),
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
        for (_, sides) in self.thresholds.drain() {
            self.pool.flags.push(sides.above);
            self.pool.flags.push(sides.below);
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
                let t = self.transformation(id)?;
                let TransformKind::Scale(scale) = &t.kind else { return Err(not_a(t, "scale")) };
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
                let t = self.transformation(id)?;
                let TransformKind::Ratio { numerator, denominator, a, b, c } = &t.kind else {
                    return Err(not_a(t, "fratio"));
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
    /// A side whose threshold other gates test too is taken from [`ThresholdSides`] computed once.
    fn and_range(&mut self, m: &mut [bool], d: &Dimension, lo: Option<f64>, hi: Option<f64>) -> Result<()> {
        if let (Some(id), false) = (&d.transformation, self.dims.contains_key(d)) {
            let t = self.transformation(id)?;
            let (mut lo, mut hi) = (lo, hi);
            let mut shared = false;
            if let Some(sides) = lo.map(|v| self.threshold_sides(d, t, v)).transpose()?.flatten() {
                and_flags(m, &sides.above);
                (lo, shared) = (None, true);
            }
            if let Some(sides) = hi.map(|v| self.threshold_sides(d, t, v)).transpose()?.flatten() {
                and_flags(m, &sides.below);
                (hi, shared) = (None, true);
            }
            // NaN and out-of-domain events are in neither side's flags, so nothing is left to test
            if shared && lo.is_none() && hi.is_none() {
                return Ok(());
            }
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

    /// ANDs a rectangle into `m`: two dimensions tested in data space in one pass over both,
    /// otherwise one range after the other.
    fn and_rectangle(
        &mut self,
        m: &mut [bool],
        dims: &[Dimension],
        bounds: &[(Option<f64>, Option<f64>)],
    ) -> Result<()> {
        if let ([dx, dy], &[(x_lo, x_hi), (y_lo, y_hi)]) = (dims, bounds) {
            if let (Some((a, xs)), Some((b, ys))) =
                (self.data_space_range(dx, x_lo, x_hi)?, self.data_space_range(dy, y_lo, y_hi)?)
            {
                DataSpaceRange::and_into_pair(m, (&a, &xs), (&b, &ys));
                return Ok(());
            }
        }
        for (d, &(lo, hi)) in dims.iter().zip(bounds) {
            self.and_range(m, d, lo, hi)?;
        }
        Ok(())
    }

    /// The data-space form of range `[lo, hi)` on dimension `d` and the values to test it on,
    /// when [`Context::and_range`] would test it in data space with no shared threshold.
    fn data_space_range(
        &mut self,
        d: &Dimension,
        lo: Option<f64>,
        hi: Option<f64>,
    ) -> Result<Option<(DataSpaceRange<'a>, Column<'a>)>> {
        let Some(id) = &d.transformation else { return Ok(None) };
        let shared = lo
            .into_iter()
            .chain(hi)
            .any(|v| self.threshold_uses.get(&(d.clone(), v.to_bits())).is_some_and(|&uses| uses > 1));
        if shared || self.dims.contains_key(d) {
            return Ok(None);
        }
        let t = self.transformation(id)?;
        let Some(range) = DataSpaceRange::new(t, lo, hi) else { return Ok(None) };
        let base = self.dimension(&Dimension { transformation: None, ..d.clone() })?;
        Ok(Some((range, base)))
    }

    /// The sides of threshold `v` of scale dimension `d` (transformation `t`), when more than one
    /// range side tests it and it maps to a data-space threshold (bounds do not decide it).
    fn threshold_sides(&mut self, d: &Dimension, t: &Transformation, v: f64) -> Result<Option<&ThresholdSides>> {
        let key = (d.clone(), v.to_bits());
        if self.threshold_uses.get(&key).is_none_or(|&uses| uses < 2) {
            return Ok(None);
        }
        if !self.thresholds.contains_key(&key) {
            let Some(range) = DataSpaceRange::new(t, Some(v), Some(v)) else { return Ok(None) };
            let Side::At(x_v) = range.lower else { return Ok(None) };
            let base = self.dimension(&Dimension { transformation: None, ..d.clone() })?;
            let n = base.len();
            let (mut above, mut below) = (self.pool.take_flags(n), self.pool.take_flags(n));
            above.resize(n, false);
            below.resize(n, false);
            range.split_into(x_v, v, &base, &mut above, &mut below);
            self.thresholds.insert(key.clone(), ThresholdSides { above, below });
        }
        Ok(self.thresholds.get(&key))
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
            Shape::Rectangle { bounds } => self.and_rectangle(&mut m, &g.dimensions, bounds)?,
            Shape::Polygon { vertices } => {
                let (x, y) = (self.dimension(&g.dimensions[0])?, self.dimension(&g.dimensions[1])?);
                gate::and_polygon(&mut m, &x, &y, vertices);
            }
            Shape::Ellipsoid { mean, covariance, distance_square } => {
                let columns: Vec<Column<'a>> = g.dimensions.iter().map(|d| self.dimension(d)).collect::<Result<_>>()?;
                let slices: Vec<&[f64]> = columns.iter().map(|c| &c[..]).collect();
                let inverse = linalg::invert(mean.len(), covariance).ok_or_else(|| Error::InvalidGate {
                    id: g.id.clone(),
                    reason: "the covariance matrix is singular".into(),
                })?;
                gate::and_ellipsoid(&mut m, &slices, mean, &inverse, *distance_square);
            }
            Shape::Quadrants { dividers, quadrants } => {
                let q = quadrants.iter().find(|q| q.id == population).ok_or_else(|| Error::UnknownReference {
                    kind: "quadrant",
                    id: population.to_string(),
                    by: g.id.clone(),
                })?;
                for (divider_id, location) in &q.positions {
                    let divider = dividers.iter().find(|d| &d.id == divider_id).ok_or_else(|| {
                        Error::UnknownReference { kind: "divider", id: divider_id.clone(), by: g.id.clone() }
                    })?;
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

/// ANDs `flags` into `m` (a loop the compiler vectorises).
fn and_flags(m: &mut [bool], flags: &[bool]) {
    m.iter_mut().zip(flags).for_each(|(m, &f)| *m &= f);
}

/// Counts, for each threshold of a scale dimension, the range sides of the strategy's rectangles
/// and quadrants that test it.
fn threshold_uses(strategy: &GatingStrategy) -> HashMap<Threshold, usize> {
    let mut uses = HashMap::new();
    let mut count = |d: &Dimension, lo: Option<f64>, hi: Option<f64>| {
        if d.transformation.is_some() {
            for v in lo.into_iter().chain(hi) {
                *uses.entry((d.clone(), v.to_bits())).or_insert(0) += 1;
            }
        }
    };
    for g in &strategy.gates {
        match &g.shape {
            Shape::Rectangle { bounds } => {
                g.dimensions.iter().zip(bounds).for_each(|(d, &(lo, hi))| count(d, lo, hi));
            }
            Shape::Quadrants { dividers, quadrants } => {
                for q in quadrants {
                    for (divider_id, location) in &q.positions {
                        if let Some(divider) = dividers.iter().find(|d| &d.id == divider_id) {
                            let (lo, hi) = gate::quadrant_cell(&divider.values, *location);
                            count(&divider.dimension, lo, hi);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    uses
}

/// One side of a range after mapping it back through a monotone scale.
#[derive(Debug, Clone, Copy)]
enum Side {
    Always,
    Never,
    /// The value passes when `x ≥ t` (lower side) or `x < t` (upper side).
    At(f64),
}

impl Side {
    /// The data-space threshold: `always` for [`Side::Always`], NaN (every comparison fails)
    /// for [`Side::Never`].
    fn threshold(self, always: f64) -> f64 {
        match self {
            Side::Always => always,
            Side::Never => f64::NAN,
            Side::At(t) => t,
        }
    }
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
    /// The lower side (its data-space threshold is shared by [`Context::threshold_sides`]).
    lower: Side,
    /// `flog` is undefined (NaN, outside every gate) for `x ≤ 0`.
    positive_only: bool,
    /// Data-space thresholds with a band of 1e-9 (relative) around each: an event passes for
    /// sure when `lower_in ≤ x < upper_in`, fails for sure unless `lower_out ≤ x ≤ upper_out`,
    /// and is borderline in between.
    lower_in: f64,
    lower_out: f64,
    upper_in: f64,
    upper_out: f64,
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
        // Thresholds as numbers: "never" is NaN (every comparison fails), "always" is ±∞, with
        // no band around them.
        let (lower_t, upper_t) = (lower.threshold(f64::NEG_INFINITY), upper.threshold(f64::INFINITY));
        let band = |t: f64| if t.is_finite() { 1e-9 * t.abs().max(1e-300) } else { 0.0 };
        let (mut lower_in, mut lower_out) = (lower_t + band(lower_t), lower_t - band(lower_t));
        // With an "always" upper side (+∞) an infinite value is borderline (`x < upper_in`
        // fails): the exact test decides it.
        let (upper_in, upper_out) = (upper_t - band(upper_t), upper_t + band(upper_t));
        if positive_only && !lower_t.is_nan() {
            // `x > 0` as `x ≥` the smallest positive (subnormal) number
            let tiny = f64::from_bits(1);
            (lower_in, lower_out) = (lower_in.max(tiny), lower_out.max(tiny));
        }
        Some(DataSpaceRange {
            transformation,
            scale,
            lo,
            hi,
            lower,
            positive_only,
            lower_in,
            lower_out,
            upper_in,
            upper_out,
        })
    }

    /// Whether `x` may pass (it surely fails otherwise).
    #[inline(always)]
    fn maybe(&self, x: f64) -> bool {
        (x >= self.lower_out) & (x <= self.upper_out)
    }

    /// Whether `x` surely passes.
    #[inline(always)]
    fn sure(&self, x: f64) -> bool {
        (x >= self.lower_in) & (x < self.upper_in)
    }

    /// The forward test `lo ≤ clamp(f(x)) < hi`, for borderline events.
    fn exact(&self, x: f64) -> bool {
        let y = self.transformation.bound(self.scale.apply(x));
        (!self.positive_only | (x > 0.0)) & self.lo.is_none_or(|l| y >= l) & self.hi.is_none_or(|h| y < h)
    }

    /// ANDs two ranges on two dimensions into `m` in one pass (a rectangle), deciding each
    /// dimension exactly as [`DataSpaceRange::and_into`] does.
    fn and_into_pair(m: &mut [bool], (a, xs): (&Self, &[f64]), (b, ys): (&Self, &[f64])) {
        let mut any_borderline = false;
        for ((keep, &x), &y) in m.iter_mut().zip(xs).zip(ys) {
            let maybe = a.maybe(x) & b.maybe(y);
            any_borderline |= *keep & maybe & !(a.sure(x) & b.sure(y));
            *keep &= maybe;
        }
        if any_borderline {
            for ((keep, &x), &y) in m.iter_mut().zip(xs).zip(ys) {
                if *keep && !(a.sure(x) & b.sure(y)) {
                    *keep = (a.sure(x) || a.exact(x)) && (b.sure(y) || b.exact(y));
                }
            }
        }
    }

    /// Fills `above` and `below` (as long as `xs`) with the events whose scale value is `≥ v`
    /// and `< v`, `x_v` being `v` in data space: one pass of data-space comparisons, then the
    /// exact forward scale for events within 1e-9 of `x_v` (as [`DataSpaceRange::and_into`]).
    fn split_into(&self, x_v: f64, v: f64, xs: &[f64], above: &mut [bool], below: &mut [bool]) {
        let band = 1e-9 * x_v.abs().max(1e-300);
        // below the band, within it (borderline) and above it; `x ≥ valid` is `x > 0` for `flog`
        // (the smallest subnormal number) and otherwise only excludes NaN
        let (band_lo, band_hi) = (x_v - band, x_v + band);
        let valid = if self.positive_only { f64::from_bits(1) } else { f64::NEG_INFINITY };
        let above_from = band_hi.max(valid);
        let mut any_near = false;
        for ((a, b), &x) in above.iter_mut().zip(below.iter_mut()).zip(xs) {
            *a = x >= above_from;
            *b = (x >= valid) & (x < band_lo);
            any_near |= (x >= band_lo) & (x < band_hi);
        }
        if any_near {
            for ((a, b), &x) in above.iter_mut().zip(below.iter_mut()).zip(xs) {
                if (x >= band_lo) & (x < band_hi) {
                    let y = self.transformation.bound(self.scale.apply(x));
                    let valid = !self.positive_only | (x > 0.0);
                    (*a, *b) = (valid & (y >= v), valid & (y < v));
                }
            }
        }
    }

    /// ANDs the range into `m`: a branch-free pass (it vectorises) that keeps borderline events
    /// for now, then, only when there are any, the exact forward test for them.
    fn and_into(&self, m: &mut [bool], xs: &[f64]) {
        let mut any_borderline = false;
        for (keep, &x) in m.iter_mut().zip(xs) {
            let maybe = self.maybe(x);
            any_borderline |= *keep & maybe & !self.sure(x);
            *keep &= maybe;
        }
        if any_borderline {
            for (keep, &x) in m.iter_mut().zip(xs) {
                if *keep && !self.sure(x) {
                    *keep = self.exact(x);
                }
            }
        }
    }
}
