//! [`GatingStrategy`]: gates, transformations and compensations by id, applied to a [`Sample`].
//!
//! Evaluation resolves each dimension once per sample (channel → compensation → ratio →
//! scale → bounds), caches it, and evaluates each population once, parents first; a population's
//! membership is one `bool` per event.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::compensation::Compensation;
use crate::error::{Error, Result};
use crate::gate::{self, BooleanOp, CompensationRef, Dimension, Gate, Shape, Source};
use crate::linalg;
use crate::sample::Sample;
use crate::transform::{TransformKind, Transformation};

/// A set of gates with the transformations and compensations they refer to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatingStrategy {
    /// Transformations, by id.
    pub transformations: Vec<Transformation>,
    /// Spectrum matrices, by id.
    pub compensations: Vec<Compensation>,
    /// Gates in document order.
    pub gates: Vec<Gate>,
}

/// One population's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PopulationResult {
    /// Population id (a gate's, or a quadrant's).
    pub id: String,
    /// The gate that defines it.
    pub gate: String,
    /// Parent population id.
    pub parent: Option<String>,
    /// Events in the population.
    pub count: usize,
    /// Percent of all events.
    pub absolute_percent: f64,
    /// Percent of the parent's events (of all events without a parent).
    pub relative_percent: f64,
    /// One flag per event.
    #[serde(skip)]
    pub membership: Vec<bool>,
}

/// The results of applying a strategy to one sample.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GatingResults {
    /// The sample's id.
    pub sample: String,
    /// Events in the sample.
    pub n_events: usize,
    /// Populations in strategy order.
    pub populations: Vec<PopulationResult>,
    /// Things the reader of these results should know (e.g. `FCS` compensation without a spillover).
    pub warnings: Vec<String>,
}

impl GatingResults {
    /// The result for population `id`.
    pub fn population(&self, id: &str) -> Option<&PopulationResult> {
        self.populations.iter().find(|p| p.id == id)
    }
}

impl GatingStrategy {
    /// The gate that defines population `id` (a gate id, or a quadrant id).
    pub fn gate_of(&self, population: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.populations().contains(&population))
    }

    /// A transformation by id.
    pub fn transformation(&self, id: &str) -> Option<&Transformation> {
        self.transformations.iter().find(|t| t.id == id)
    }

    /// The chain of population ids from the root down to `population` (its gating path).
    pub fn path(&self, population: &str) -> Vec<String> {
        let mut path = vec![population.to_string()];
        let mut current = population.to_string();
        while let Some(parent) = self.gate_of(&current).and_then(|g| g.parent.clone()) {
            if path.contains(&parent) || path.len() > self.gates.len() + 1 {
                break;
            }
            path.push(parent.clone());
            current = parent;
        }
        path.reverse();
        path
    }

    /// Checks ids, references, geometry and cycles.
    pub fn validate(&self) -> Result<()> {
        let mut ids = std::collections::HashSet::new();
        for id in self
            .gates
            .iter()
            .flat_map(|g| g.populations())
            .chain(self.transformations.iter().map(|t| t.id.as_str()))
            .chain(self.compensations.iter().map(|c| c.id.as_str()))
        {
            if !ids.insert(id) {
                return Err(Error::DuplicateId { id: id.to_string() });
            }
        }
        for g in &self.gates {
            g.validate()?;
            let population_exists = |id: &str| self.gate_of(id).is_some();
            if let Some(p) = &g.parent {
                if !population_exists(p) {
                    return Err(Error::UnknownReference { kind: "gate", id: p.clone(), by: g.id.clone() });
                }
            }
            if let Shape::Boolean { operands, .. } = &g.shape {
                for (id, _) in operands {
                    if !population_exists(id) {
                        return Err(Error::UnknownReference { kind: "gate", id: id.clone(), by: g.id.clone() });
                    }
                }
            }
            let dims = match &g.shape {
                Shape::Quadrants { dividers, .. } => dividers.iter().map(|d| &d.dimension).collect::<Vec<_>>(),
                _ => g.dimensions.iter().collect(),
            };
            for d in dims {
                self.check_dimension(d, &g.id)?;
            }
        }
        // cycles: walk dependencies depth-first
        let mut state: HashMap<&str, u8> = HashMap::new();
        for g in &self.gates {
            self.visit(g, &mut state)?;
        }
        Ok(())
    }

    fn check_dimension(&self, d: &Dimension, by: &str) -> Result<()> {
        if let Some(t) = &d.transformation {
            match self.transformation(t) {
                Some(Transformation { kind: TransformKind::Scale(_), .. }) => {}
                Some(_) => {
                    return Err(Error::InvalidGate {
                        id: by.into(),
                        reason: format!("{t:?} is not a scale transformation"),
                    });
                }
                None => return Err(Error::UnknownReference { kind: "transformation", id: t.clone(), by: by.into() }),
            }
        }
        if let Source::Ratio(t) = &d.source {
            match self.transformation(t) {
                Some(Transformation { kind: TransformKind::Ratio { .. }, .. }) => {}
                Some(_) => return Err(Error::InvalidGate { id: by.into(), reason: format!("{t:?} is not an fratio") }),
                None => return Err(Error::UnknownReference { kind: "transformation", id: t.clone(), by: by.into() }),
            }
        }
        if let CompensationRef::Named(c) = &d.compensation {
            if !self.compensations.iter().any(|x| &x.id == c) {
                return Err(Error::UnknownReference { kind: "compensation", id: c.clone(), by: by.into() });
            }
        }
        Ok(())
    }

    fn dependencies<'a>(&'a self, g: &'a Gate) -> impl Iterator<Item = &'a str> {
        let operands: Vec<&str> = match &g.shape {
            Shape::Boolean { operands, .. } => operands.iter().map(|(id, _)| id.as_str()).collect(),
            _ => Vec::new(),
        };
        g.parent.as_deref().into_iter().chain(operands)
    }

    fn visit<'a>(&'a self, g: &'a Gate, state: &mut HashMap<&'a str, u8>) -> Result<()> {
        match state.get(g.id.as_str()) {
            Some(2) => return Ok(()),
            Some(1) => return Err(Error::Cycle { id: g.id.clone() }),
            _ => {}
        }
        state.insert(&g.id, 1);
        for dep in self.dependencies(g) {
            if let Some(dg) = self.gate_of(dep) {
                self.visit(dg, state)?;
            }
        }
        state.insert(&g.id, 2);
        Ok(())
    }

    /// Applies every gate to `sample`.
    pub fn apply(&self, sample: &Sample) -> Result<GatingResults> {
        self.validate()?;
        let mut ctx = Context {
            strategy: self,
            sample,
            dims: HashMap::new(),
            compensated: HashMap::new(),
            memberships: HashMap::new(),
            warnings: Vec::new(),
        };
        let n = sample.n_events();
        let mut populations = Vec::new();
        for g in &self.gates {
            for pop in g.populations() {
                let membership = ctx.membership(pop)?;
                let count = membership.iter().filter(|&&m| m).count();
                let parent_count = match &g.parent {
                    Some(p) => ctx.membership(p)?.iter().filter(|&&m| m).count(),
                    None => n,
                };
                populations.push(PopulationResult {
                    id: pop.to_string(),
                    gate: g.id.clone(),
                    parent: g.parent.clone(),
                    count,
                    absolute_percent: percent(count, n),
                    relative_percent: percent(count, parent_count),
                    membership: membership.as_ref().clone(),
                });
            }
        }
        Ok(GatingResults { sample: sample.id.clone(), n_events: n, populations, warnings: ctx.warnings })
    }

    /// The values of any dimension (channel, compensation, ratio, scale) of `sample`, as gates see them.
    pub fn dimension_values(&self, sample: &Sample, dimension: &Dimension) -> Result<Vec<f64>> {
        self.check_dimension(dimension, "dimension_values")?;
        let mut ctx = Context {
            strategy: self,
            sample,
            dims: HashMap::new(),
            compensated: HashMap::new(),
            memberships: HashMap::new(),
            warnings: Vec::new(),
        };
        Ok(ctx.dimension(dimension)?.as_ref().clone())
    }

    /// Applies the strategy to many samples in parallel.
    pub fn apply_all(&self, samples: &[Sample]) -> Vec<Result<GatingResults>> {
        samples.par_iter().map(|s| self.apply(s)).collect()
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 }
}

/// Per-sample caches of dimension values, compensated channels and memberships.
struct Context<'a> {
    strategy: &'a GatingStrategy,
    sample: &'a Sample,
    dims: HashMap<Dimension, Arc<Vec<f64>>>,
    compensated: HashMap<CompensationRef, Arc<HashMap<String, Vec<f64>>>>,
    memberships: HashMap<String, Arc<Vec<bool>>>,
    warnings: Vec<String>,
}

impl Context<'_> {
    /// Values of a channel under a compensation: compensated when the compensation covers it.
    fn channel(&mut self, name: &str, compensation: &CompensationRef) -> Result<Vec<f64>> {
        if *compensation == CompensationRef::Uncompensated {
            return Ok(self.sample.channel(name)?.to_vec());
        }
        let table = match self.compensated.get(compensation) {
            Some(t) => Arc::clone(t),
            None => {
                let comp = match compensation {
                    // Gating-ML 2.0, 6.1: without a spillover in the file, "FCS" compensation is
                    // the identity.
                    CompensationRef::Fcs => match self.sample.spillover.as_ref() {
                        Some(spill) => Compensation::from_spillover(spill)?,
                        None => {
                            self.warnings.push(format!(
                                "compensation-ref=\"FCS\" but {} has no spillover keyword: used uncompensated values",
                                self.sample.id
                            ));
                            self.compensated.insert(CompensationRef::Fcs, Arc::new(HashMap::new()));
                            return Ok(self.sample.channel(name)?.to_vec());
                        }
                    },
                    CompensationRef::Named(id) => {
                        self.strategy.compensations.iter().find(|c| &c.id == id).cloned().ok_or_else(|| {
                            Error::UnknownReference { kind: "compensation", id: id.clone(), by: name.into() }
                        })?
                    }
                    CompensationRef::Uncompensated => unreachable!("handled above"),
                };
                let detectors: Vec<&[f64]> =
                    comp.detectors.iter().map(|d| self.sample.channel(d)).collect::<Result<_>>()?;
                let columns = comp.apply(&detectors);
                let table: HashMap<String, Vec<f64>> = comp.fluorochromes.iter().cloned().zip(columns).collect();
                let table = Arc::new(table);
                self.compensated.insert(compensation.clone(), Arc::clone(&table));
                table
            }
        };
        match table.get(name) {
            Some(values) => Ok(values.clone()),
            None => Ok(self.sample.channel(name)?.to_vec()),
        }
    }

    /// Values of a dimension, computed once.
    fn dimension(&mut self, d: &Dimension) -> Result<Arc<Vec<f64>>> {
        if let Some(v) = self.dims.get(d) {
            return Ok(Arc::clone(v));
        }
        let mut values = match &d.source {
            Source::Channel(name) => self.channel(name, &d.compensation)?,
            Source::Ratio(id) => {
                let t = self.strategy.transformation(id).expect("validated").clone();
                let TransformKind::Ratio { numerator, denominator, a, b, c } = &t.kind else {
                    unreachable!("validated as fratio")
                };
                let x = self.channel(numerator, &d.compensation)?;
                let y = self.channel(denominator, &d.compensation)?;
                let mut r = Transformation::ratio(*a, *b, *c, &x, &y);
                r.iter_mut().for_each(|v| *v = t.bound(*v));
                r
            }
        };
        if let Some(id) = &d.transformation {
            self.strategy.transformation(id).expect("validated").apply_scale_in_place(&mut values);
        }
        let values = Arc::new(values);
        self.dims.insert(d.clone(), Arc::clone(&values));
        Ok(values)
    }

    /// Membership of a population, computed once (parents and operands first).
    fn membership(&mut self, population: &str) -> Result<Arc<Vec<bool>>> {
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
        let mut m = match &g.parent {
            Some(p) => self.membership(p)?.as_ref().clone(),
            None => vec![true; n],
        };
        match &g.shape {
            Shape::Rectangle { bounds } => {
                for (d, &(lo, hi)) in g.dimensions.iter().zip(bounds) {
                    let values = self.dimension(d)?;
                    gate::and_range(&mut m, &values, lo, hi);
                }
            }
            Shape::Polygon { vertices } => {
                let (x, y) = (self.dimension(&g.dimensions[0])?, self.dimension(&g.dimensions[1])?);
                gate::and_polygon(&mut m, &x, &y, vertices);
            }
            Shape::Ellipsoid { mean, covariance, distance_square } => {
                let columns: Vec<Arc<Vec<f64>>> =
                    g.dimensions.iter().map(|d| self.dimension(d)).collect::<Result<_>>()?;
                let slices: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
                let inverse = linalg::invert(mean.len(), covariance).expect("validated");
                gate::and_ellipsoid(&mut m, &slices, mean, &inverse, *distance_square);
            }
            Shape::Quadrants { dividers, quadrants } => {
                let q = quadrants.iter().find(|q| q.id == population).expect("population of this gate");
                for (divider_id, location) in &q.positions {
                    let divider = dividers.iter().find(|d| &d.id == divider_id).expect("validated");
                    let (lo, hi) = gate::quadrant_cell(&divider.values, *location);
                    let values = self.dimension(&divider.dimension)?;
                    gate::and_range(&mut m, &values, lo, hi);
                }
            }
            Shape::Boolean { op, operands } => {
                let mut combined = vec![*op == BooleanOp::And; n];
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
            }
        }
        let m = Arc::new(m);
        self.memberships.insert(population.to_string(), Arc::clone(&m));
        Ok(m)
    }
}
