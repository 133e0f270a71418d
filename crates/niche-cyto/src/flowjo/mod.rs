//! FlowJo 10 workspaces (`.wsp`): samples, groups, compensation, transforms, gates and the
//! population tree with FlowJo's own counts, turned into a [`GatingStrategy`](crate::GatingStrategy) per sample.
//!
//! [`parse`] reads the XML into a [`FlowJoWorkspace`]; [`FlowJoWorkspace::strategy`] converts one
//! sample's tree into a [`SampleStrategy`] that niche's engine evaluates like any Gating-ML
//! strategy. FlowJo's `count` attributes are kept beside the tree ([`WspPopulation::flowjo_count`],
//! `None` for FlowJo's `-1`) and never enter the evaluation.
//!
//! How FlowJo's definitions map onto niche's:
//! - gate coordinates (rectangles, ranges, polygon vertices) are data values; every dimension is
//!   evaluated on the sample's FlowJo transform of its parameter (`linear`, `log`, `logicle`,
//!   `biex` ([`FlowJoBiex`]), `fasinh`), each scaled to the fraction of FlowJo's display, and the
//!   gate's coordinates go through the same transform. Rectangles and ranges are therefore exact
//!   data-space tests (transforms are increasing); polygons are drawn on the display scale.
//! - ellipses are stored by FlowJo as two foci and four edge points (two vertices, two
//!   co-vertices) on its 256-bin display; niche evaluates the exact ellipse on the display scale
//!   (coordinate / 256), where FlowJo itself tests the ellipse as a polygon on binned display
//!   coordinates. On the shared test files both give FlowJo's counts exactly; on large files a
//!   binned evaluation can differ by a fraction of a percent, and niche's is the exact one.
//! - compensated dimensions are named `prefix + parameter + suffix` (`Comp-FL1-H`); they use the
//!   sample's `spilloverMatrix` (named, or `Acquisition-defined`, the file's own matrix as FlowJo
//!   read it).
//! - `eventsInside="0"` gates are the complement of the shape within the parent.
//! - boolean `AndNode` / `OrNode` / `NotNode` combine other populations (their `Dependent` paths)
//!   within the node's parent.
//!
//! Populations are named by their path from the sample root; [`path_string`] joins the names
//! with `/`, escaping `\` and `/` inside names as `\\` and `\/`.
//!
//! Hostile input: files over [`MAX_BYTES`], DTDs and entities (refused by the XML parser), more
//! than [`MAX_NODES`] XML nodes, elements nested deeper than [`crate::xml::MAX_DEPTH`] and
//! population trees deeper than [`MAX_DEPTH`] are errors.

mod biex;
mod convert;

pub use biex::FlowJoBiex;
pub use convert::{CountComparison, GatingMlExport, SampleStrategy, StrategyPopulation};

use roxmltree::{Document, Node};

use crate::error::{Error, Result, XmlDocument};
use crate::gate::BooleanOp;
use crate::xml::{attr, children};

pub use crate::xml::{MAX_BYTES, MAX_NODES};
/// Deepest population tree.
pub const MAX_DEPTH: usize = 128;

/// A parsed FlowJo workspace.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FlowJoWorkspace {
    /// `Workspace@version` (e.g. `20.0`).
    pub version: Option<String>,
    /// `Workspace@flowJoVersion` (e.g. `10.6.2`).
    pub flowjo_version: Option<String>,
    /// Samples of `SampleList`, with their populations.
    pub samples: Vec<WspSample>,
    /// Groups of `Groups`, with their template populations.
    pub groups: Vec<WspGroup>,
}

/// One sample of the workspace.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WspSample {
    /// `sampleID`.
    pub id: String,
    /// The name FlowJo shows (`SampleNode@name`).
    pub name: String,
    /// `DataSet@uri`, as written (often a foreign path such as `file:/V:/…`).
    pub uri: Option<String>,
    /// FlowJo's event count of the sample (`None` for `-1` or absent).
    pub flowjo_count: Option<u64>,
    /// Compensation.
    pub compensation: WspCompensation,
    /// One transform per parameter name.
    pub transforms: Vec<(String, WspTransform)>,
    /// Keywords FlowJo stored (`Keywords/Keyword`).
    pub keywords: Vec<(String, String)>,
    /// The population tree, parents before children.
    pub populations: Vec<WspPopulation>,
}

/// A sample group (`GroupNode`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WspGroup {
    /// Group name.
    pub name: String,
    /// `sampleID`s of its members.
    pub sample_ids: Vec<String>,
    /// Its template populations.
    pub populations: Vec<WspPopulation>,
}

/// A sample's compensation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WspCompensation {
    /// No compensation.
    None,
    /// A `spilloverMatrix` (its name is `Acquisition-defined` for the file's own matrix).
    Matrix {
        /// FlowJo's matrix name.
        name: String,
        /// `transforms:id`.
        id: String,
        /// Prefix of compensated parameter names (`Comp-`).
        prefix: String,
        /// Suffix of compensated parameter names.
        suffix: String,
        /// Parameters, in matrix order.
        parameters: Vec<String>,
        /// Row-major spillover: row = source parameter, column = detector.
        matrix: Vec<f64>,
    },
}

/// A FlowJo transform of one parameter, with FlowJo's parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WspTransform {
    /// `(x − minRange) / (maxRange − minRange)`.
    Linear {
        /// `minRange`.
        min_range: f64,
        /// `maxRange`.
        max_range: f64,
    },
    /// `log10(max(x, offset) / offset) / decades`.
    Log {
        /// `offset`.
        offset: f64,
        /// `decades`.
        decades: f64,
    },
    /// Logicle (Parks et al. 2006).
    Logicle {
        /// `T`.
        t: f64,
        /// `W`.
        w: f64,
        /// `M`.
        m: f64,
        /// `A`.
        a: f64,
    },
    /// FlowJo's biex ([`FlowJoBiex`]).
    Biex {
        /// `neg`.
        neg: f64,
        /// `width` (the width basis, negative).
        width: f64,
        /// `pos`.
        pos: f64,
        /// `maxRange`.
        max_range: f64,
        /// `length`.
        length: f64,
    },
    /// Gating-ML `fasinh` with FlowJo's `T`, `M`, `A`.
    Asinh {
        /// `T`.
        t: f64,
        /// `M`.
        m: f64,
        /// `A`.
        a: f64,
    },
}

/// One population of the tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WspPopulation {
    /// Names from the root to this population.
    pub path: Vec<String>,
    /// Index of the parent in the same list.
    pub parent: Option<usize>,
    /// FlowJo's count (`None` where FlowJo wrote `-1` or nothing).
    pub flowjo_count: Option<u64>,
    /// The group that owns it (`owningGroup`, empty for a sample's own gate).
    pub owning_group: String,
    /// Gate or boolean combination.
    pub node: WspNode,
}

/// What defines a population.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WspNode {
    /// A gate on parameters.
    Gate {
        /// Parameter names as FlowJo writes them (`Comp-` prefixed when compensated).
        dimensions: Vec<String>,
        /// The shape.
        shape: WspShape,
        /// `eventsInside="0"` selects the complement.
        events_inside: bool,
    },
    /// `AndNode`, `OrNode` or `NotNode`.
    Boolean {
        /// The operator.
        #[serde(serialize_with = "op_name")]
        op: BooleanOp,
        /// `Dependent@name` paths as FlowJo writes them (`/`-joined, unescaped).
        dependents: Vec<String>,
    },
}

fn op_name<S: serde::Serializer>(op: &BooleanOp, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(match op {
        BooleanOp::And => "and",
        BooleanOp::Or => "or",
        BooleanOp::Not => "not",
    })
}

/// A gate's shape, in data coordinates except for ellipses (display bins 0–256).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WspShape {
    /// Rectangle or range: `min ≤ x < max` per dimension.
    Rectangle {
        /// `(min, max)` per dimension.
        bounds: Vec<(Option<f64>, Option<f64>)>,
    },
    /// Polygon on two dimensions.
    Polygon {
        /// Vertices.
        vertices: Vec<(f64, f64)>,
    },
    /// FlowJo ellipse: foci and four edge points, on the 256-bin display.
    Ellipse {
        /// The two foci.
        foci: [(f64, f64); 2],
        /// Vertex, vertex, co-vertex, co-vertex.
        edge: [(f64, f64); 4],
    },
}

/// Joins population names with `/`, escaping `\` and `/` inside names.
pub fn path_string(path: &[String]) -> String {
    path.iter().map(|n| n.replace('\\', "\\\\").replace('/', "\\/")).collect::<Vec<_>>().join("/")
}

/// Splits a string made by [`path_string`] back into names.
pub fn split_path(s: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            '/' => names.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }
    names.push(current);
    names
}

fn wsp_err(doc: &Document, node: Node, reason: String) -> Error {
    let line = doc.text_pos_at(node.range().start).row;
    Error::Workspace { line, element: node.tag_name().name().to_string(), reason }
}

fn child<'a, 'i>(node: Node<'a, 'i>, local: &'a str) -> Option<Node<'a, 'i>> {
    children(node, local).next()
}

fn number(doc: &Document, node: Node, local: &str) -> Result<Option<f64>> {
    crate::xml::number(node, local, |reason| wsp_err(doc, node, reason))
}

fn required_number(doc: &Document, node: Node, local: &str) -> Result<f64> {
    crate::xml::required_number(node, local, |reason| wsp_err(doc, node, reason))
}

fn required<'a>(doc: &Document, node: Node<'a, '_>, local: &str) -> Result<&'a str> {
    crate::xml::required(node, local, |reason| wsp_err(doc, node, reason))
}

/// FlowJo's `count`: a non-negative integer, or `-1` (not computed) → `None`.
fn count(doc: &Document, node: Node) -> Result<Option<u64>> {
    match attr(node, "count").map(str::trim) {
        None | Some("-1") | Some("") => Ok(None),
        Some(v) => v.parse::<u64>().map(Some).map_err(|_| wsp_err(doc, node, format!("count={v:?} is not a count"))),
    }
}

/// Parses a FlowJo workspace.
pub fn parse(xml: &str) -> Result<FlowJoWorkspace> {
    let doc = crate::xml::parse(xml, XmlDocument::FlowJoWorkspace)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Workspace" {
        return Err(wsp_err(
            &doc,
            root,
            format!("the root element is <{}>, expected <Workspace>", root.tag_name().name()),
        ));
    }
    let mut samples = Vec::new();
    if let Some(list) = child(root, "SampleList") {
        for s in children(list, "Sample") {
            samples.push(sample(&doc, s)?);
        }
    }
    let mut groups = Vec::new();
    if let Some(list) = child(root, "Groups") {
        for g in children(list, "GroupNode") {
            groups.push(group(&doc, g)?);
        }
    }
    Ok(FlowJoWorkspace {
        version: attr(root, "version").map(str::to_string),
        flowjo_version: attr(root, "flowJoVersion").map(str::to_string),
        samples,
        groups,
    })
}

fn group(doc: &Document, node: Node) -> Result<WspGroup> {
    let name = required(doc, node, "name")?.to_string();
    let sample_ids = child(node, "Group")
        .and_then(|g| child(g, "SampleRefs"))
        .map(|refs| children(refs, "SampleRef").map(|r| required(doc, r, "sampleID").map(str::to_string)).collect())
        .transpose()?
        .unwrap_or_default();
    let mut populations = Vec::new();
    if let Some(sub) = child(node, "Subpopulations") {
        subpopulations(doc, sub, &[], None, 1, &mut populations)?;
    }
    Ok(WspGroup { name, sample_ids, populations })
}

fn sample(doc: &Document, node: Node) -> Result<WspSample> {
    let sample_node =
        child(node, "SampleNode").ok_or_else(|| wsp_err(doc, node, "a <Sample> needs a <SampleNode>".into()))?;
    let name = required(doc, sample_node, "name")?.to_string();
    let id = attr(sample_node, "sampleID")
        .or_else(|| child(node, "DataSet").and_then(|d| attr(d, "sampleID")))
        .unwrap_or_default()
        .to_string();
    let uri = child(node, "DataSet").and_then(|d| attr(d, "uri")).map(str::to_string);
    let compensation = match children(node, "spilloverMatrix").collect::<Vec<_>>().as_slice() {
        [] => WspCompensation::None,
        [m] => spillover(doc, *m)?,
        [_, second, ..] => return Err(wsp_err(doc, *second, "a sample has more than one spilloverMatrix".into())),
    };
    let transforms = match child(node, "Transformations") {
        Some(t) => t.children().filter(Node::is_element).map(|x| transform(doc, x)).collect::<Result<_>>()?,
        None => Vec::new(),
    };
    let keywords = child(node, "Keywords")
        .map(|k| {
            children(k, "Keyword")
                .map(|kw| Ok((required(doc, kw, "name")?.to_string(), attr(kw, "value").unwrap_or("").to_string())))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    let mut populations = Vec::new();
    if let Some(sub) = child(sample_node, "Subpopulations") {
        subpopulations(doc, sub, &[], None, 1, &mut populations)?;
    }
    Ok(WspSample {
        id,
        name,
        uri,
        flowjo_count: count(doc, sample_node)?,
        compensation,
        transforms,
        keywords,
        populations,
    })
}

fn spillover(doc: &Document, node: Node) -> Result<WspCompensation> {
    if attr(node, "spectral") == Some("1") {
        return Err(wsp_err(doc, node, "spectral (unmixing) matrices are not supported".into()));
    }
    let parameters: Vec<String> = child(node, "parameters")
        .map(|p| children(p, "parameter").map(|x| required(doc, x, "name").map(str::to_string)).collect())
        .transpose()?
        .unwrap_or_default();
    let n = parameters.len();
    let mut matrix = vec![0.0; n * n];
    let rows: Vec<Node> = children(node, "spillover").collect();
    if rows.len() != n {
        return Err(wsp_err(doc, node, format!("{} spillover rows for {n} parameters", rows.len())));
    }
    for row in rows {
        let source = required(doc, row, "parameter")?;
        let i = parameters
            .iter()
            .position(|p| p == source)
            .ok_or_else(|| wsp_err(doc, row, format!("spillover row {source:?} is not a matrix parameter")))?;
        for c in children(row, "coefficient") {
            let target = required(doc, c, "parameter")?;
            let j = parameters
                .iter()
                .position(|p| p == target)
                .ok_or_else(|| wsp_err(doc, c, format!("coefficient for {target:?}, not a matrix parameter")))?;
            matrix[i * n + j] = required_number(doc, c, "value")?;
        }
    }
    Ok(WspCompensation::Matrix {
        name: attr(node, "name").unwrap_or_default().to_string(),
        id: attr(node, "id").unwrap_or_default().to_string(),
        prefix: attr(node, "prefix").unwrap_or_default().to_string(),
        suffix: attr(node, "suffix").unwrap_or_default().to_string(),
        parameters,
        matrix,
    })
}

fn transform(doc: &Document, node: Node) -> Result<(String, WspTransform)> {
    let parameter = child(node, "parameter")
        .ok_or_else(|| wsp_err(doc, node, "a transform needs a <data-type:parameter>".into()))
        .and_then(|p| required(doc, p, "name"))?
        .to_string();
    let p = |name: &str| required_number(doc, node, name);
    let t = match node.tag_name().name() {
        "linear" => WspTransform::Linear { min_range: p("minRange")?, max_range: p("maxRange")? },
        "log" => WspTransform::Log { offset: p("offset")?, decades: p("decades")? },
        "logicle" => WspTransform::Logicle { t: p("T")?, w: p("W")?, m: p("M")?, a: p("A")? },
        "biex" => WspTransform::Biex {
            neg: p("neg")?,
            width: p("width")?,
            pos: p("pos")?,
            max_range: p("maxRange")?,
            length: number(doc, node, "length")?.unwrap_or(256.0),
        },
        "fasinh" => WspTransform::Asinh { t: p("T")?, m: p("M")?, a: p("A")? },
        other => return Err(wsp_err(doc, node, format!("FlowJo transform <{other}> is not supported"))),
    };
    Ok((parameter, t))
}

/// Reads the children of a `Subpopulations` element, depth-first, parents first.
fn subpopulations(
    doc: &Document,
    node: Node,
    path: &[String],
    parent: Option<usize>,
    depth: usize,
    out: &mut Vec<WspPopulation>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(wsp_err(doc, node, format!("populations nested deeper than {MAX_DEPTH}")));
    }
    for c in node.children().filter(Node::is_element) {
        let kind = c.tag_name().name();
        let node_def = match kind {
            "Population" => population_gate(doc, c)?,
            "AndNode" | "OrNode" | "NotNode" => {
                let op = match kind {
                    "AndNode" => BooleanOp::And,
                    "OrNode" => BooleanOp::Or,
                    _ => BooleanOp::Not,
                };
                let dependents: Vec<String> = child(c, "Dependents")
                    .map(|d| children(d, "Dependent").map(|x| required(doc, x, "name").map(str::to_string)).collect())
                    .transpose()?
                    .unwrap_or_default();
                let needed = if op == BooleanOp::Not { 1..=1 } else { 1..=usize::MAX };
                if !needed.contains(&dependents.len()) {
                    return Err(wsp_err(doc, c, format!("{kind} with {} dependents", dependents.len())));
                }
                WspNode::Boolean { op, dependents }
            }
            _ => continue,
        };
        let mut here = path.to_vec();
        here.push(required(doc, c, "name")?.to_string());
        let index = out.len();
        out.push(WspPopulation {
            path: here.clone(),
            parent,
            flowjo_count: count(doc, c)?,
            owning_group: attr(c, "owningGroup").unwrap_or_default().to_string(),
            node: node_def,
        });
        if let Some(sub) = child(c, "Subpopulations") {
            subpopulations(doc, sub, &here, Some(index), depth + 1, out)?;
        }
    }
    Ok(())
}

fn population_gate(doc: &Document, node: Node) -> Result<WspNode> {
    let gate = child(node, "Gate").ok_or_else(|| wsp_err(doc, node, "a <Population> needs a <Gate>".into()))?;
    let shape_node = gate
        .children()
        .find(Node::is_element)
        .ok_or_else(|| wsp_err(doc, gate, "a <Gate> needs a gate element".into()))?;
    let events_inside = attr(shape_node, "eventsInside").is_none_or(|v| v.trim() != "0");
    let dims: Vec<Node> = children(shape_node, "dimension").collect();
    let dimensions = dims
        .iter()
        .map(|d| {
            child(*d, "fcs-dimension")
                .ok_or_else(|| wsp_err(doc, *d, "a dimension needs an <fcs-dimension>".into()))
                .and_then(|f| required(doc, f, "name"))
                .map(str::to_string)
        })
        .collect::<Result<Vec<_>>>()?;
    let vertex = |v: Node| -> Result<(f64, f64)> {
        let c: Vec<f64> = children(v, "coordinate").map(|c| required_number(doc, c, "value")).collect::<Result<_>>()?;
        match c.as_slice() {
            [x, y] => Ok((*x, *y)),
            _ => Err(wsp_err(doc, v, format!("a vertex needs 2 coordinates, has {}", c.len()))),
        }
    };
    let shape = match shape_node.tag_name().name() {
        "RectangleGate" => WspShape::Rectangle {
            bounds: dims
                .iter()
                .map(|d| Ok((number(doc, *d, "min")?, number(doc, *d, "max")?)))
                .collect::<Result<_>>()?,
        },
        "PolygonGate" => {
            WspShape::Polygon { vertices: children(shape_node, "vertex").map(vertex).collect::<Result<_>>()? }
        }
        "EllipsoidGate" => {
            let points = |group: &str| -> Result<Vec<(f64, f64)>> {
                child(shape_node, group)
                    .ok_or_else(|| wsp_err(doc, shape_node, format!("an ellipse needs <{group}>")))
                    .and_then(|g| children(g, "vertex").map(vertex).collect())
            };
            let (foci, edge) = (points("foci")?, points("edge")?);
            match (foci.as_slice(), edge.as_slice()) {
                ([f0, f1], [e0, e1, e2, e3]) => WspShape::Ellipse { foci: [*f0, *f1], edge: [*e0, *e1, *e2, *e3] },
                _ => {
                    return Err(wsp_err(
                        doc,
                        shape_node,
                        format!("an ellipse needs 2 foci and 4 edge points, has {} and {}", foci.len(), edge.len()),
                    ));
                }
            }
        }
        other => return Err(wsp_err(doc, shape_node, format!("<{other}> is not a supported FlowJo gate"))),
    };
    let expected = match &shape {
        WspShape::Rectangle { .. } => dimensions.len().max(1),
        _ => 2,
    };
    if dimensions.len() != expected {
        return Err(wsp_err(doc, shape_node, format!("{} dimensions, expected {expected}", dimensions.len())));
    }
    if let WspShape::Rectangle { bounds } = &shape {
        if let Some(k) = bounds.iter().position(|b| b.0.is_none() && b.1.is_none()) {
            return Err(wsp_err(doc, dims[k], "a rectangle dimension needs min or max".into()));
        }
    }
    if let WspShape::Polygon { vertices } = &shape {
        if vertices.len() < 3 {
            return Err(wsp_err(doc, shape_node, format!("a polygon needs 3 vertices, has {}", vertices.len())));
        }
    }
    Ok(WspNode::Gate { dimensions, shape, events_inside })
}

impl WspSample {
    /// The file name of its URI (decoded), when it has one.
    pub fn file_name(&self) -> Option<String> {
        self.uri.as_deref().map(uri_file_name).filter(|f| !f.is_empty())
    }

    /// Finds this sample's FCS file among `candidates` (path, `$FIL`): first by the file name of
    /// its URI (whatever foreign path precedes it), then by `$FIL` equal to that file name or to
    /// the sample's name. No match, or more than one, is an error naming the sample.
    pub fn locate<'c>(&self, candidates: &'c [(std::path::PathBuf, Option<String>)]) -> Result<&'c std::path::Path> {
        let wanted = self.file_name();
        let unique = |found: Vec<&'c std::path::PathBuf>, how: &str| -> Result<Option<&'c std::path::Path>> {
            match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(one.as_path())),
                many => Err(Error::SampleFile {
                    sample: self.name.clone(),
                    reason: format!(
                        "{} files match by {how}: {}",
                        many.len(),
                        many.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                    ),
                }),
            }
        };
        if let Some(w) = &wanted {
            let by_name = candidates
                .iter()
                .filter(|(p, _)| p.file_name().is_some_and(|f| f.to_string_lossy() == w.as_str()))
                .map(|(p, _)| p)
                .collect();
            if let Some(p) = unique(by_name, "file name")? {
                return Ok(p);
            }
        }
        let by_fil = candidates
            .iter()
            .filter(|(_, fil)| fil.as_deref().is_some_and(|f| Some(f) == wanted.as_deref() || f == self.name))
            .map(|(p, _)| p)
            .collect();
        unique(by_fil, "$FIL")?.ok_or_else(|| Error::SampleFile {
            sample: self.name.clone(),
            reason: format!(
                "no FCS file named {:?} and none with $FIL matching",
                wanted.unwrap_or_else(|| self.name.clone())
            ),
        })
    }
}

impl FlowJoWorkspace {
    /// The sample named `name` (`SampleNode@name`, or the file name of its URI).
    pub fn sample(&self, name: &str) -> Option<&WspSample> {
        self.samples
            .iter()
            .find(|s| s.name == name)
            .or_else(|| self.samples.iter().find(|s| s.uri.as_deref().map(uri_file_name).is_some_and(|f| f == name)))
    }
}

/// The file name at the end of a URI or path (`file:/V:/data/a%20b.fcs` → `a b.fcs`), with
/// `%XX` escapes decoded and either slash accepted.
pub fn uri_file_name(uri: &str) -> String {
    let last = uri.rsplit(['/', '\\']).next().unwrap_or(uri);
    let bytes = last.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_escape_slashes_and_backslashes_and_split_back() {
        let path = vec!["CD4+/CD8+".to_string(), "a\\b".to_string(), "Q1: x- , y+".to_string()];
        let s = path_string(&path);
        assert_eq!(s, "CD4+\\/CD8+/a\\\\b/Q1: x- , y+");
        assert_eq!(split_path(&s), path);
    }

    #[test]
    fn samples_find_their_files_by_uri_then_fil() {
        let sample = WspSample {
            id: "1".into(),
            name: "tube 1".into(),
            uri: Some("file:/V:/lab/run%201/A01.fcs".into()),
            flowjo_count: None,
            compensation: WspCompensation::None,
            transforms: Vec::new(),
            keywords: Vec::new(),
            populations: Vec::new(),
        };
        let c = |p: &str, fil: Option<&str>| (std::path::PathBuf::from(p), fil.map(str::to_string));
        let files = vec![c("d/A01.fcs", None), c("d/B.fcs", Some("A01.fcs"))];
        assert_eq!(sample.locate(&files).unwrap(), std::path::Path::new("d/A01.fcs"));
        let files = vec![c("d/x.fcs", Some("A01.fcs")), c("d/y.fcs", Some("other"))];
        assert_eq!(sample.locate(&files).unwrap(), std::path::Path::new("d/x.fcs"));
        let files = vec![c("d/x.fcs", Some("A01.fcs")), c("d/y.fcs", Some("tube 1"))];
        let e = sample.locate(&files).unwrap_err().to_string();
        assert!(e.contains("tube 1") && e.contains("2 files match by $FIL"), "{e}");
        let e = sample.locate(&[c("d/z.fcs", None)]).unwrap_err().to_string();
        assert!(e.contains("tube 1") && e.contains("A01.fcs"), "{e}");
    }

    #[test]
    fn uri_file_names_of_foreign_paths() {
        assert_eq!(uri_file_name("file:/V:/flowkit/x/test_data_diamond_01.fcs"), "test_data_diamond_01.fcs");
        assert_eq!(uri_file_name("file:///C:/My%20Data/B01%20KC.fcs"), "B01 KC.fcs");
        assert_eq!(uri_file_name("C:\\data\\a.fcs"), "a.fcs");
        assert_eq!(uri_file_name("bad%zz%4"), "bad%zz%4");
    }

    #[test]
    fn hostile_documents_are_clear_errors() {
        let entities = r#"<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><Workspace>&lol;</Workspace>"#;
        assert!(matches!(parse(entities), Err(Error::Xml { .. })));
        let mut deep = String::from("<Workspace><SampleList><Sample><SampleNode name=\"s\">");
        for i in 0..(MAX_DEPTH + 5) {
            deep.push_str(&format!(
                "<Subpopulations><Population name=\"p{i}\"><Gate><RectangleGate><dimension min=\"0\"><fcs-dimension name=\"A\"/></dimension></RectangleGate></Gate>"
            ));
        }
        for _ in 0..(MAX_DEPTH + 5) {
            deep.push_str("</Population></Subpopulations>");
        }
        deep.push_str("</SampleNode></Sample></SampleList></Workspace>");
        let e = parse(&deep).unwrap_err().to_string();
        assert!(e.contains("deeper than"), "{e}");
        assert!(matches!(parse("<Gating-ML/>"), Err(Error::Workspace { .. })));
        let unbounded = r#"<Workspace><SampleList><Sample><SampleNode name="s"><Subpopulations>
            <Population name="p"><Gate><RectangleGate><dimension><fcs-dimension name="A"/></dimension>
            </RectangleGate></Gate></Population></Subpopulations></SampleNode></Sample></SampleList></Workspace>"#;
        let e = parse(unbounded).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("needs min or max"), "{e}");
        assert!(matches!(parse("<Workspace"), Err(Error::Xml { .. })));
    }
}
