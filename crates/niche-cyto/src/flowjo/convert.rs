//! One workspace sample → a niche [`GatingStrategy`].

use std::collections::HashMap;

use super::{
    FlowJoBiex, FlowJoWorkspace, WspCompensation, WspNode, WspPopulation, WspSample, WspShape, WspTransform,
    path_string,
};
use crate::compensation::Compensation;
use crate::error::{Error, Result};
use crate::gate::{BooleanOp, CompensationRef, Dimension, Gate, Shape, Source};
use crate::strategy::{GatingResults, GatingStrategy};
use crate::transform::{Scale, TransformKind, Transformation};

/// FlowJo's ellipse coordinates are bins of a 256-bin display.
const ELLIPSE_BINS: f64 = 256.0;

/// A sample's gating as a niche strategy, with each population's path and FlowJo count.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleStrategy {
    /// The strategy niche's engine evaluates; gate ids are the escaped population paths.
    pub strategy: GatingStrategy,
    /// The populations, in workspace order.
    pub populations: Vec<StrategyPopulation>,
}

/// One population of a [`SampleStrategy`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StrategyPopulation {
    /// Names from the root.
    pub path: Vec<String>,
    /// The gate id in the strategy ([`path_string`] of the path).
    pub id: String,
    /// FlowJo's count (`None` where FlowJo did not compute one).
    pub flowjo_count: Option<u64>,
}

/// A population's FlowJo count beside niche's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CountComparison {
    /// [`path_string`] of the population's path.
    pub population: String,
    /// FlowJo's stored count.
    pub flowjo_count: Option<u64>,
    /// niche's count.
    pub niche_count: usize,
}

impl SampleStrategy {
    /// Pairs FlowJo's counts with the counts of `results` (from [`GatingStrategy::apply`] of
    /// this strategy).
    pub fn compare(&self, results: &GatingResults) -> Result<Vec<CountComparison>> {
        self.populations
            .iter()
            .map(|p| {
                let r = results.population(&p.id).ok_or_else(|| Error::UnknownReference {
                    kind: "population",
                    id: p.id.clone(),
                    by: "the workspace".into(),
                })?;
                Ok(CountComparison { population: p.id.clone(), flowjo_count: p.flowjo_count, niche_count: r.count })
            })
            .collect()
    }
}

impl WspTransform {
    /// The niche transformation that puts values on FlowJo's display, as a fraction of it.
    pub fn transformation(&self, id: String) -> Result<Transformation> {
        let (scale, bound_min) = match *self {
            WspTransform::Linear { min_range, max_range } => {
                if max_range.partial_cmp(&min_range) != Some(std::cmp::Ordering::Greater) {
                    return Err(Error::InvalidTransform {
                        name: "linear",
                        reason: format!("minRange={min_range}, maxRange={max_range}: need maxRange > minRange"),
                    });
                }
                (Scale::Linear { t: max_range, a: -min_range }, None)
            }
            // log10(max(x, offset) / offset) / decades: values below offset (x ≤ 0 included) at 0
            WspTransform::Log { offset, decades } => (Scale::flowjo_log(offset, decades)?, Some(0.0)),
            WspTransform::Logicle { t, w, m, a } => (Scale::logicle(t, w, m, a)?, None),
            WspTransform::Biex { neg, width, pos, max_range, length } => {
                (Scale::FlowJoBiex(FlowJoBiex::new(neg, width, pos, max_range, length)?), None)
            }
            WspTransform::Asinh { t, m, a } => (Scale::asinh(t, m, a)?, None),
        };
        Ok(Transformation { id, kind: TransformKind::Scale(scale), bound_min, bound_max: None })
    }
}

/// Resolves FlowJo parameter names to niche dimensions, creating transformations as needed.
struct Dimensions<'s> {
    sample: &'s WspSample,
    compensation: Option<(String, &'s str, &'s str, &'s [String])>,
    transformations: HashMap<String, Transformation>,
    order: Vec<String>,
}

impl<'s> Dimensions<'s> {
    fn new(sample: &'s WspSample) -> Self {
        let compensation = match &sample.compensation {
            WspCompensation::None => None,
            WspCompensation::Matrix { name, id, prefix, suffix, parameters, .. } => {
                Some((compensation_id(name, id), prefix.as_str(), suffix.as_str(), parameters.as_slice()))
            }
        };
        Dimensions { sample, compensation, transformations: HashMap::new(), order: Vec::new() }
    }

    /// The dimension of FlowJo parameter `name`, and its transformation when the sample has one.
    fn resolve(&mut self, name: &str) -> Result<(Dimension, Option<Transformation>)> {
        let mut dimension = Dimension::channel(name);
        if let Some((id, prefix, suffix, parameters)) = &self.compensation {
            let stripped = name.strip_prefix(prefix).and_then(|n| n.strip_suffix(suffix));
            if let Some(channel) =
                stripped.filter(|c| (!prefix.is_empty() || !suffix.is_empty()) && parameters.iter().any(|p| p == c))
            {
                dimension = Dimension {
                    source: Source::Channel(channel.to_string()),
                    compensation: CompensationRef::Named(id.clone()),
                    transformation: None,
                };
            }
        }
        let Some((_, t)) = self.sample.transforms.iter().find(|(p, _)| p == name) else {
            return Ok((dimension, None));
        };
        let id = format!("FlowJo transform of {name}");
        if !self.transformations.contains_key(&id) {
            self.transformations.insert(id.clone(), t.transformation(id.clone())?);
            self.order.push(id.clone());
        }
        dimension.transformation = Some(id.clone());
        Ok((dimension, self.transformations.get(&id).cloned()))
    }
}

fn compensation_id(name: &str, id: &str) -> String {
    if name.is_empty() { id.to_string() } else { name.to_string() }
}

/// A coordinate in a dimension's scale units.
fn scaled(t: &Option<Transformation>, v: f64) -> f64 {
    match t {
        Some(t) => match &t.kind {
            TransformKind::Scale(s) => t.bound(s.apply(v)),
            TransformKind::Ratio { .. } => v,
        },
        None => v,
    }
}

impl FlowJoWorkspace {
    /// Converts `sample`'s population tree into a strategy for niche's engine.
    pub fn strategy(&self, sample: &WspSample) -> Result<SampleStrategy> {
        let mut dims = Dimensions::new(sample);
        let mut gates = Vec::new();
        let mut populations = Vec::new();
        let ids: Vec<String> = sample.populations.iter().map(|p| path_string(&p.path)).collect();
        for (index, p) in sample.populations.iter().enumerate() {
            let id = ids[index].clone();
            let parent = p.parent.map(|i| ids[i].clone());
            match &p.node {
                WspNode::Gate { dimensions, shape, events_inside } => {
                    let resolved: Vec<(Dimension, Option<Transformation>)> =
                        dimensions.iter().map(|d| dims.resolve(d)).collect::<Result<_>>()?;
                    let shape = convert_shape(&id, shape, &resolved)?;
                    let dimensions: Vec<Dimension> = resolved.into_iter().map(|(d, _)| d).collect();
                    if *events_inside {
                        gates.push(Gate { id: id.clone(), parent, dimensions, shape });
                    } else {
                        let inside = format!("{id} (inside, complemented by FlowJo's eventsInside=0)");
                        gates.push(Gate { id: inside.clone(), parent: parent.clone(), dimensions, shape });
                        gates.push(Gate {
                            id: id.clone(),
                            parent,
                            dimensions: Vec::new(),
                            shape: Shape::Boolean { op: BooleanOp::Not, operands: vec![(inside, false)] },
                        });
                    }
                }
                WspNode::Boolean { op, dependents } => {
                    let operands = dependents
                        .iter()
                        .map(|d| resolve_dependent(&sample.populations, &ids, d).map(|i| (ids[i].clone(), false)))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| Error::UnknownReference {
                            kind: "population",
                            id: dependents.join(", "),
                            by: id.clone(),
                        })?;
                    gates.push(Gate {
                        id: id.clone(),
                        parent,
                        dimensions: Vec::new(),
                        shape: Shape::Boolean { op: *op, operands },
                    });
                }
            }
            populations.push(StrategyPopulation { path: p.path.clone(), id, flowjo_count: p.flowjo_count });
        }
        let mut strategy = GatingStrategy::default();
        if let WspCompensation::Matrix { name, id, parameters, matrix, .. } = &sample.compensation {
            strategy.compensations.push(Compensation::new(
                compensation_id(name, id),
                parameters.clone(),
                parameters.clone(),
                matrix.clone(),
            )?);
        }
        let order = std::mem::take(&mut dims.order);
        strategy.transformations = order.into_iter().filter_map(|id| dims.transformations.remove(&id)).collect();
        strategy.gates = gates;
        strategy.validate()?;
        Ok(SampleStrategy { strategy, populations })
    }
}

/// The population a FlowJo `Dependent` names: its `/`-joined path (FlowJo does not escape `/`
/// inside names, so the raw join is compared), or a unique population whose path ends with it.
fn resolve_dependent(populations: &[WspPopulation], ids: &[String], dependent: &str) -> Option<usize> {
    let raw: Vec<String> = populations.iter().map(|p| p.path.join("/")).collect();
    let exact: Vec<usize> = (0..raw.len()).filter(|&i| raw[i] == dependent || ids[i] == dependent).collect();
    if let [i] = exact.as_slice() {
        return Some(*i);
    }
    let suffix = format!("/{dependent}");
    let ending: Vec<usize> = (0..raw.len()).filter(|&i| raw[i].ends_with(&suffix)).collect();
    match ending.as_slice() {
        [i] => Some(*i),
        _ => None,
    }
}

fn convert_shape(id: &str, shape: &WspShape, dims: &[(Dimension, Option<Transformation>)]) -> Result<Shape> {
    let invalid = |reason: String| Error::InvalidGate { id: id.to_string(), reason };
    Ok(match shape {
        WspShape::Rectangle { bounds } => Shape::Rectangle {
            bounds: bounds
                .iter()
                .zip(dims)
                .map(|((lo, hi), (_, t))| (lo.map(|v| scaled(t, v)), hi.map(|v| scaled(t, v))))
                .collect(),
        },
        WspShape::Polygon { vertices } => Shape::Polygon {
            vertices: vertices.iter().map(|&(x, y)| (scaled(&dims[0].1, x), scaled(&dims[1].1, y))).collect(),
        },
        WspShape::Ellipse { foci, edge } => {
            // display bins → scale units (a fraction of the display) where a transform gives the scale
            let unit = |v: f64, t: &Option<Transformation>| if t.is_some() { v / ELLIPSE_BINS } else { v };
            let p = |(x, y): (f64, f64)| (unit(x, &dims[0].1), unit(y, &dims[1].1));
            let (f0, f1) = (p(foci[0]), p(foci[1]));
            let (e0, e1, e2, e3) = (p(edge[0]), p(edge[1]), p(edge[2]), p(edge[3]));
            let centre = ((f0.0 + f1.0) / 2.0, (f0.1 + f1.1) / 2.0);
            let dist = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
            let (a, b) = (dist(e0, e1) / 2.0, dist(e2, e3) / 2.0);
            if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
                return Err(invalid(format!("ellipse with semi-axes {a} and {b}")));
            }
            let (ux, uy) = ((e1.0 - e0.0) / (2.0 * a), (e1.1 - e0.1) / (2.0 * a));
            let (vx, vy) = (-uy, ux);
            let (a2, b2) = (a * a, b * b);
            Shape::Ellipsoid {
                mean: vec![centre.0, centre.1],
                covariance: vec![
                    a2 * ux * ux + b2 * vx * vx,
                    a2 * ux * uy + b2 * vx * vy,
                    a2 * ux * uy + b2 * vx * vy,
                    a2 * uy * uy + b2 * vy * vy,
                ],
                distance_square: 1.0,
            }
        }
    })
}

/// A sample's strategy in the form Gating-ML 2.0 writes, with what it cannot express.
#[derive(Debug, Clone, PartialEq)]
pub struct GatingMlExport {
    /// The strategy to write with [`crate::gatingml::write`].
    pub strategy: GatingStrategy,
    /// What differs from FlowJo's definition, one sentence each.
    pub notes: Vec<String>,
}

impl FlowJoWorkspace {
    /// `sample`'s strategy rewritten for Gating-ML 2.0:
    /// - FlowJo `linear` with `minRange > 0` (or `maxRange ≤ 0`) has no `flin` (A would be
    ///   negative, or T not positive): its gates are
    ///   written in data coordinates (an affine map keeps rectangles, polygons and ellipses);
    /// - rectangles and ranges on FlowJo `biex` are written in data coordinates (the transform is
    ///   increasing, so the gate is the same); polygons and ellipses on `biex` keep FlowJo's
    ///   `transforms:biex`, which Gating-ML 2.0 readers other than niche do not know (noted);
    /// - likewise for FlowJo `log` (which puts every value below its offset, ≤ 0 included, at the
    ///   axis minimum): rectangles in data coordinates, other shapes keep `transforms:log` (noted).
    pub fn gatingml_export(&self, sample: &WspSample) -> Result<GatingMlExport> {
        let SampleStrategy { mut strategy, .. } = self.strategy(sample)?;
        let mut notes = Vec::new();
        let transformations = strategy.transformations.clone();
        let find = |id: &str| transformations.iter().find(|t| t.id == id);
        for gate in &mut strategy.gates {
            for k in 0..gate.dimensions.len() {
                let Some(t) = gate.dimensions[k].transformation.clone().and_then(|id| find(&id).cloned()) else {
                    continue;
                };
                let TransformKind::Scale(scale) = t.kind else { continue };
                let to_data = match (scale, &gate.shape) {
                    (Scale::Linear { t, a }, _) if !(t > 0.0 && a >= 0.0) => true,
                    (Scale::FlowJoBiex(_), Shape::Rectangle { .. }) => true,
                    (Scale::FlowJoBiex(_), _) => {
                        notes.push(format!(
                            "gate {:?}: FlowJo biex on {} has no Gating-ML 2.0 form; written as FlowJo's transforms:biex",
                            gate.id, t.id
                        ));
                        false
                    }
                    (Scale::FlowJoLog { .. }, Shape::Rectangle { .. }) => true,
                    (Scale::FlowJoLog { .. }, _) => {
                        notes.push(format!(
                            "gate {:?}: FlowJo log on {} (values below its offset at the axis minimum) has no Gating-ML 2.0 form; written as FlowJo's transforms:log",
                            gate.id, t.id
                        ));
                        false
                    }
                    _ => false,
                };
                if to_data {
                    to_data_space(&mut gate.shape, k, &scale, t.bound_min);
                    gate.dimensions[k].transformation = None;
                }
            }
        }
        let used: std::collections::HashSet<String> =
            strategy.gates.iter().flat_map(|g| g.dimensions.iter().filter_map(|d| d.transformation.clone())).collect();
        strategy.transformations.retain(|t| used.contains(&t.id));
        notes.sort();
        notes.dedup();
        strategy.validate()?;
        Ok(GatingMlExport { strategy, notes })
    }
}

/// Rewrites dimension `k` of a shape from scale units to data values.
fn to_data_space(shape: &mut Shape, k: usize, scale: &Scale, bound_min: Option<f64>) {
    match shape {
        Shape::Rectangle { bounds } => {
            let (lo, hi) = &mut bounds[k];
            // a minimum at or below the scale's clamp admits every value (the clamp raises them
            // to it), a maximum there admits none; Gating-ML needs finite bounds, and the most
            // negative finite number says both for finite data
            let clamped = |v: f64| bound_min.is_some_and(|b| v <= b);
            *lo = lo.map(|v| if clamped(v) { f64::MIN } else { scale.inverse(v) });
            *hi = hi.map(|v| if clamped(v) { f64::MIN } else { scale.inverse(v) });
        }
        Shape::Polygon { vertices } => vertices.iter_mut().for_each(|v| {
            if k == 0 {
                v.0 = scale.inverse(v.0);
            } else {
                v.1 = scale.inverse(v.1);
            }
        }),
        Shape::Ellipsoid { mean, covariance, .. } => {
            // only reached for affine scales (linear): x = y·(t + a) − a
            if let Scale::Linear { t, a } = *scale {
                let n = mean.len();
                mean[k] = scale.inverse(mean[k]);
                for j in 0..n {
                    covariance[k * n + j] *= t + a;
                    covariance[j * n + k] *= t + a;
                }
            }
        }
        Shape::Quadrants { .. } | Shape::Boolean { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use crate::Sample;
    use niche_fcs as fcs;

    const WSP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Workspace version="20.0" flowJoVersion="10.8.1"
    xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating"
    xmlns:transforms="http://www.isac-net.org/std/Gating-ML/v2.0/transformations"
    xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
 <SampleList><Sample>
  <DataSet uri="file:/V:/lab/tube.fcs" sampleID="7"/>
  <transforms:spilloverMatrix prefix="Comp-" suffix="" name="Acquisition-defined" transforms:id="m1">
   <data-type:parameters><data-type:parameter data-type:name="FL1-H"/><data-type:parameter data-type:name="FL2-H"/></data-type:parameters>
   <transforms:spillover data-type:parameter="FL1-H">
    <transforms:coefficient data-type:parameter="FL1-H" transforms:value="1"/><transforms:coefficient data-type:parameter="FL2-H" transforms:value="0.1"/>
   </transforms:spillover>
   <transforms:spillover data-type:parameter="FL2-H">
    <transforms:coefficient data-type:parameter="FL1-H" transforms:value="0"/><transforms:coefficient data-type:parameter="FL2-H" transforms:value="1"/>
   </transforms:spillover>
  </transforms:spilloverMatrix>
  <Transformations>
   <transforms:log transforms:offset="1" transforms:decades="4"><data-type:parameter data-type:name="Comp-FL1-H"/></transforms:log>
   <transforms:linear transforms:minRange="0" transforms:maxRange="1000"><data-type:parameter data-type:name="Comp-FL2-H"/></transforms:linear>
  </Transformations>
  <SampleNode name="tube 7" count="5" sampleID="7"><Subpopulations>
   <Population name="bright/FL1" owningGroup="" count="2"><Gate><gating:RectangleGate eventsInside="1">
     <gating:dimension gating:min="50"><data-type:fcs-dimension data-type:name="Comp-FL1-H"/></gating:dimension>
    </gating:RectangleGate></Gate>
    <Subpopulations>
     <Population name="hi2" count="1"><Gate><gating:RectangleGate>
       <gating:dimension gating:min="50"><data-type:fcs-dimension data-type:name="Comp-FL2-H"/></gating:dimension>
      </gating:RectangleGate></Gate></Population>
     <NotNode name="not hi2" count="-1"><Dependents><Dependent name="bright/FL1/hi2"/></Dependents></NotNode>
    </Subpopulations>
   </Population>
   <Population name="dim" count="3"><Gate><gating:RectangleGate eventsInside="0">
     <gating:dimension gating:min="50"><data-type:fcs-dimension data-type:name="Comp-FL1-H"/></gating:dimension>
    </gating:RectangleGate></Gate></Population>
   <Population name="any" count="5"><Gate><gating:RectangleGate>
     <gating:dimension gating:min="0.5"><data-type:fcs-dimension data-type:name="Comp-FL1-H"/></gating:dimension>
    </gating:RectangleGate></Gate></Population>
   <Population name="low" count="3"><Gate><gating:RectangleGate>
     <gating:dimension gating:max="20"><data-type:fcs-dimension data-type:name="Comp-FL1-H"/></gating:dimension>
    </gating:RectangleGate></Gate></Population>
   <OrNode name="dim or hi2" count="4"><Dependents><Dependent name="dim"/><Dependent name="bright/FL1/hi2"/></Dependents></OrNode>
  </Subpopulations></SampleNode>
 </Sample></SampleList>
</Workspace>"#;

    #[test]
    fn compensation_log_complement_and_booleans_evaluate_as_flowjo_defines_them() {
        let ws = parse(WSP).unwrap();
        let s = &ws.samples[0];
        assert_eq!((s.name.as_str(), s.file_name().as_deref(), s.flowjo_count), ("tube 7", Some("tube.fcs"), Some(5)));
        let strategy = ws.strategy(s).unwrap();
        // detector values of dyes FL1 = [10, 100, 1000, 5, -3] and FL2 = [1, 10, 100, 50, 0.3]
        let fl1 = vec![10.0, 100.0, 1000.0, 5.0, -3.0];
        let fl2: Vec<f64> = [1.0, 10.0, 100.0, 50.0, 0.3].iter().zip(&fl1).map(|(b, a)| b + 0.1 * a).collect();
        let events = fcs::Events::from_columns(vec!["FL1-H".into(), "FL2-H".into()], vec![fl1, fl2]).unwrap();
        let results = strategy.strategy.apply(&Sample { id: "t".into(), events, spillover: None }).unwrap();
        let rows: Vec<(String, Option<u64>, usize)> = strategy
            .compare(&results)
            .unwrap()
            .into_iter()
            .map(|c| (c.population, c.flowjo_count, c.niche_count))
            .collect();
        let expected = [
            ("bright\\/FL1", Some(2), 2),
            ("bright\\/FL1/hi2", Some(1), 1),
            ("bright\\/FL1/not hi2", None, 1),
            // −3 is below the log offset: FlowJo shows it at the axis minimum, outside "min 50",
            // so the complement holds it
            ("dim", Some(3), 3),
            // and inside "min 0.5" (below the offset: every event) and "max 20", with 10 and 5
            ("any", Some(5), 5),
            ("low", Some(3), 3),
            ("dim or hi2", Some(4), 4),
        ];
        let expected: Vec<(String, Option<u64>, usize)> =
            expected.iter().map(|(p, f, n)| (p.to_string(), *f, *n)).collect();
        assert_eq!(rows, expected);
        // the Gating-ML export (rectangles on FlowJo log in data coordinates) counts the same
        let export = ws.gatingml_export(s).unwrap();
        assert!(export.strategy.transformations.iter().all(|t| t.id.contains("FL2")), "{:?}", export.strategy);
        let back = crate::gatingml::parse(&crate::gatingml::write(&export.strategy)).unwrap();
        let fl1 = vec![10.0, 100.0, 1000.0, 5.0, -3.0];
        let fl2: Vec<f64> = [1.0, 10.0, 100.0, 50.0, 0.3].iter().zip(&fl1).map(|(b, a)| b + 0.1 * a).collect();
        let events = fcs::Events::from_columns(vec!["FL1-H".into(), "FL2-H".into()], vec![fl1, fl2]).unwrap();
        let again = back.apply(&Sample { id: "t".into(), events, spillover: None }).unwrap();
        for (p, _, n) in &expected {
            assert_eq!(again.population(p).unwrap().count, *n, "{p}");
        }
    }

    #[test]
    fn unknown_dependents_and_unsupported_transforms_are_errors() {
        let ws = parse(&WSP.replace(r#"<Dependent name="dim"/>"#, r#"<Dependent name="nowhere"/>"#)).unwrap();
        let e = ws.strategy(&ws.samples[0]).unwrap_err().to_string();
        assert!(e.contains("nowhere") && e.contains("dim or hi2"), "{e}");
        let e = parse(
            &WSP.replace("transforms:log ", "transforms:hyperlog ")
                .replace("</transforms:log>", "</transforms:hyperlog>"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("<hyperlog> is not supported") && e.contains("line"), "{e}");
    }
}
