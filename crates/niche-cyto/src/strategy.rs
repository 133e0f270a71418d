//! [`GatingStrategy`]: gates, transformations and compensations by id, applied to a [`Sample`].
//!
//! Evaluation (in `evaluate.rs`) resolves each dimension once per sample (channel →
//! compensation → ratio → scale → bounds), caches it, and evaluates each population once,
//! parents first; a population's membership is one `bool` per event.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::compensation::Compensation;
use crate::error::{Error, Result};
use crate::evaluate::{BufferPool, Context};
use crate::gate::{CompensationRef, Dimension, Gate, Shape, Source};
use crate::sample::Sample;
use crate::transform::{TransformKind, Transformation};

/// A set of gates with the transformations and compensations they refer to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatingStrategy {
    /// Transformations, by id.
    pub(crate) transformations: Vec<Transformation>,
    /// Spectrum matrices, by id.
    pub(crate) compensations: Vec<Compensation>,
    /// Gates in document order.
    pub(crate) gates: Vec<Gate>,
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
    /// A strategy of these parts, checked: every strategy that
    /// exists is valid (unique ids, references that resolve, usable geometry, no cycles), so
    /// applying it never meets a dangling reference.
    ///
    /// ```
    /// use niche_cyto::{CompensationRef, Dimension, Gate, GatingStrategy, Shape, Source};
    /// let dim = Dimension { source: Source::Channel("FSC-H".into()), compensation: CompensationRef::Uncompensated, transformation: None };
    /// let gate = Gate { id: "cells".into(), parent: None, dimensions: vec![dim], shape: Shape::Rectangle { bounds: vec![(Some(100.0), None)] } };
    /// let strategy = GatingStrategy::new(vec![], vec![], vec![gate.clone()]).unwrap();
    /// assert_eq!(strategy.gates().len(), 1);
    /// let orphan = Gate { id: "blasts".into(), parent: Some("lymphocytes".into()), ..gate };
    /// assert!(GatingStrategy::new(vec![], vec![], vec![orphan]).is_err());
    /// ```
    pub fn new(
        transformations: Vec<Transformation>,
        compensations: Vec<Compensation>,
        gates: Vec<Gate>,
    ) -> Result<Self> {
        let strategy = GatingStrategy { transformations, compensations, gates };
        strategy.validate()?;
        Ok(strategy)
    }

    /// The transformations, by id.
    pub fn transformations(&self) -> &[Transformation] {
        &self.transformations
    }

    /// The compensations (spectrum matrices), by id.
    pub fn compensations(&self) -> &[Compensation] {
        &self.compensations
    }

    /// The gates in document order.
    pub fn gates(&self) -> &[Gate] {
        &self.gates
    }

    /// The parts, to change and rebuild with [`GatingStrategy::new`].
    pub fn into_parts(self) -> (Vec<Transformation>, Vec<Compensation>, Vec<Gate>) {
        (self.transformations, self.compensations, self.gates)
    }

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

    /// Checks ids, references, geometry and cycles (done by [`GatingStrategy::new`]).
    pub(crate) fn validate(&self) -> Result<()> {
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

    pub(crate) fn check_dimension(&self, d: &Dimension, by: &str) -> Result<()> {
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
        self.apply_with(sample, &mut BufferPool::default())
    }

    /// Applies every gate to `sample`, reusing the column buffers of `pool` (keep one
    /// pool across a batch of samples).
    pub fn apply_with<'a>(&'a self, sample: &Sample, pool: &mut BufferPool) -> Result<GatingResults> {
        let mut ctx = Context::new(self, sample, pool);
        let n = sample.n_events();
        let mut counts = Vec::new();
        // each population's count, counted once (children look up their parent's)
        let mut counted: HashMap<&str, usize> = HashMap::new();
        let mut count_of = |ctx: &mut Context, pop: &'a str| -> Result<usize> {
            if let Some(&c) = counted.get(pop) {
                return Ok(c);
            }
            let c = count_true(&ctx.membership(pop)?);
            counted.insert(pop, c);
            Ok(c)
        };
        for g in &self.gates {
            for pop in g.populations() {
                let count = count_of(&mut ctx, pop)?;
                let parent_count = match &g.parent {
                    Some(p) => count_of(&mut ctx, p)?,
                    None => n,
                };
                counts.push((g, pop, count, parent_count));
            }
        }
        let (mut memberships, warnings) = ctx.finish();
        let populations = counts
            .into_iter()
            .map(|(g, pop, count, parent_count)| {
                let shared = memberships.remove(pop).expect("computed above");
                PopulationResult {
                    id: pop.to_string(),
                    gate: g.id.clone(),
                    parent: g.parent.clone(),
                    count,
                    absolute_percent: percent(count, n),
                    relative_percent: percent(count, parent_count),
                    membership: Arc::try_unwrap(shared).unwrap_or_else(|m| m.as_ref().clone()),
                }
            })
            .collect();
        Ok(GatingResults { sample: sample.id.clone(), n_events: n, populations, warnings })
    }

    /// The values of any dimension (channel, compensation, ratio, scale) of `sample`, as gates see them.
    pub fn dimension_values(&self, sample: &Sample, dimension: &Dimension) -> Result<Vec<f64>> {
        Ok(self.dimensions_values(sample, std::slice::from_ref(dimension))?.remove(0))
    }

    /// The values of several dimensions of `sample`, sharing compensation and transform work.
    pub fn dimensions_values(&self, sample: &Sample, dimensions: &[Dimension]) -> Result<Vec<Vec<f64>>> {
        let mut workspace = BufferPool::default();
        let mut ctx = Context::new(self, sample, &mut workspace);
        dimensions
            .iter()
            .map(|d| {
                self.check_dimension(d, "dimension_values")?;
                Ok(ctx.dimension(d)?.to_vec())
            })
            .collect()
    }

    /// Applies the strategy to many samples in parallel.
    pub fn apply_all(&self, samples: &[Sample]) -> Vec<Result<GatingResults>> {
        samples.par_iter().map_init(BufferPool::default, |w, s| self.apply_with(s, w)).collect()
    }
}

/// How many flags are set: byte sums over blocks short enough not to overflow a byte (a loop the
/// compiler vectorises), added up.
pub(crate) fn count_true(flags: &[bool]) -> usize {
    flags.chunks(192).map(|block| usize::from(block.iter().fold(0u8, |sum, &f| sum + u8::from(f)))).sum()
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 }
}
