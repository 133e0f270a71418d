//! Gating-ML 2.0 import and export.
//!
//! Reads `RectangleGate`, `PolygonGate`, `EllipsoidGate`, `QuadrantGate`, `BooleanGate`,
//! `transformation` (`flin`, `flog`, `fasinh`, `logicle`, `hyperlog`, `fratio`) and
//! `spectrumMatrix` (square or with more detectors than fluorochromes, `matrix-inverted-already`
//! or not), and FlowJo's `biex` and `log` as FlowJo writes them (an extension: [`write()`] emits
//! them for a strategy that uses [`Scale::FlowJoBiex`] or [`Scale::FlowJoLog`], and other readers
//! will not know them); `custom_info` is ignored. Anything else inside the document, and every
//! malformed value, is an [`Error::GatingMl`] naming the element and its line. Attributes are
//! matched by local name, so documents that omit the namespace prefix on attributes also read.
//! [`write()`] produces a document that [`parse()`] reads back to the same strategy.

use std::fmt::Write as _;

use roxmltree::{Document, Node};

use crate::compensation::Compensation;
use crate::error::{Error, Result, XmlDocument};
use crate::gate::{BooleanOp, CompensationRef, Dimension, Divider, Gate, Quadrant, Shape, Source};
use crate::strategy::GatingStrategy;
use crate::transform::{Scale, TransformKind, Transformation};
use crate::xml::{attr, children};

const NS_GATING: &str = "http://www.isac-net.org/std/Gating-ML/v2.0/gating";
const NS_TRANSFORMS: &str = "http://www.isac-net.org/std/Gating-ML/v2.0/transformations";
const NS_DATATYPE: &str = "http://www.isac-net.org/std/Gating-ML/v2.0/datatypes";

/// Parses a Gating-ML 2.0 document into a validated strategy.
pub fn parse(xml: &str) -> Result<GatingStrategy> {
    let doc = crate::xml::parse(xml, XmlDocument::GatingMl)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Gating-ML" {
        return Err(err(&doc, root, format!("the root element is <{}>, expected <Gating-ML>", root.tag_name().name())));
    }
    let mut strategy = GatingStrategy::default();
    for node in root.children().filter(Node::is_element) {
        match node.tag_name().name() {
            "custom_info" => {}
            "RectangleGate" => strategy.gates.push(rectangle(&doc, node)?),
            "PolygonGate" => strategy.gates.push(polygon(&doc, node)?),
            "EllipsoidGate" => strategy.gates.push(ellipsoid(&doc, node)?),
            "QuadrantGate" => strategy.gates.push(quadrants(&doc, node)?),
            "BooleanGate" => strategy.gates.push(boolean(&doc, node)?),
            "transformation" => strategy.transformations.push(transformation(&doc, node)?),
            "spectrumMatrix" => strategy.compensations.push(spectrum_matrix(&doc, node)?),
            other => return Err(err(&doc, node, format!("<{other}> is not supported"))),
        }
    }
    strategy.validate().map_err(|e| locate(&doc, root, e))?;
    Ok(strategy)
}

/// Attaches the line of the element that defines the offending id, when there is one.
fn locate(doc: &Document, root: Node, e: Error) -> Error {
    let id = match &e {
        Error::InvalidGate { id, .. } | Error::DuplicateId { id } | Error::Cycle { id } => Some(id.clone()),
        Error::UnknownReference { by, .. } => Some(by.clone()),
        _ => None,
    };
    let node = id.and_then(|id| root.descendants().find(|n| attr(*n, "id") == Some(id.as_str())));
    match node {
        Some(n) => at(doc, n, e),
        None => e,
    }
}

/// `e`, found in what `node` defines, with the element's line.
fn at(doc: &Document, node: Node, e: Error) -> Error {
    let line = doc.text_pos_at(node.range().start).row;
    Error::GatingMlElement { line, element: node.tag_name().name().to_string(), source: Box::new(e) }
}

fn err(doc: &Document, node: Node, reason: String) -> Error {
    let line = doc.text_pos_at(node.range().start).row;
    Error::GatingMl { line, element: node.tag_name().name().to_string(), reason }
}

fn required<'a>(doc: &Document, node: Node<'a, '_>, local: &str) -> Result<&'a str> {
    crate::xml::required(node, local, |reason| err(doc, node, reason))
}

fn number(doc: &Document, node: Node, local: &str) -> Result<Option<f64>> {
    crate::xml::number(node, local, |reason| err(doc, node, reason))
}

fn required_number(doc: &Document, node: Node, local: &str) -> Result<f64> {
    crate::xml::required_number(node, local, |reason| err(doc, node, reason))
}

fn gate_header(doc: &Document, node: Node) -> Result<(String, Option<String>)> {
    Ok((required(doc, node, "id")?.to_string(), attr(node, "parent_id").map(str::to_string)))
}

/// A `dimension` or `divider`: compensation, optional transformation, and an fcs- or new-dimension.
fn dimension(doc: &Document, node: Node) -> Result<Dimension> {
    let compensation = CompensationRef::parse(attr(node, "compensation-ref").unwrap_or("uncompensated"));
    let transformation = attr(node, "transformation-ref").map(str::to_string);
    let source = if let Some(fcs) = children(node, "fcs-dimension").next() {
        Source::Channel(required(doc, fcs, "name")?.to_string())
    } else if let Some(new) = children(node, "new-dimension").next() {
        Source::Ratio(required(doc, new, "transformation-ref")?.to_string())
    } else {
        return Err(err(doc, node, "needs an <fcs-dimension> or a <new-dimension>".into()));
    };
    Ok(Dimension { source, compensation, transformation })
}

fn dimensions(doc: &Document, node: Node) -> Result<Vec<Dimension>> {
    children(node, "dimension").map(|d| dimension(doc, d)).collect()
}

fn coordinates(doc: &Document, node: Node, child: &str) -> Result<Vec<f64>> {
    children(node, child).map(|c| required_number(doc, c, "value")).collect()
}

fn checked(doc: &Document, node: Node, gate: Gate) -> Result<Gate> {
    gate.validate().map_err(|e| at(doc, node, e))?;
    Ok(gate)
}

fn rectangle(doc: &Document, node: Node) -> Result<Gate> {
    let (id, parent) = gate_header(doc, node)?;
    let dims: Vec<Node> = children(node, "dimension").collect();
    let bounds = dims
        .iter()
        .map(|&d| {
            let (lo, hi) = (number(doc, d, "min")?, number(doc, d, "max")?);
            if lo.is_none() && hi.is_none() {
                return Err(err(doc, d, "a rectangle dimension needs min or max".into()));
            }
            Ok((lo, hi))
        })
        .collect::<Result<_>>()?;
    let dimensions = dimensions(doc, node)?;
    checked(doc, node, Gate { id, parent, dimensions, shape: Shape::Rectangle { bounds } })
}

fn polygon(doc: &Document, node: Node) -> Result<Gate> {
    let (id, parent) = gate_header(doc, node)?;
    let vertices = children(node, "vertex")
        .map(|v| match coordinates(doc, v, "coordinate")?.as_slice() {
            [x, y] => Ok((*x, *y)),
            other => Err(err(doc, v, format!("a vertex needs 2 coordinates, has {}", other.len()))),
        })
        .collect::<Result<_>>()?;
    let dimensions = dimensions(doc, node)?;
    checked(doc, node, Gate { id, parent, dimensions, shape: Shape::Polygon { vertices } })
}

fn ellipsoid(doc: &Document, node: Node) -> Result<Gate> {
    let (id, parent) = gate_header(doc, node)?;
    let mean_node = children(node, "mean").next().ok_or_else(|| err(doc, node, "<mean> is missing".into()))?;
    let mean = coordinates(doc, mean_node, "coordinate")?;
    let cov_node = children(node, "covarianceMatrix")
        .next()
        .ok_or_else(|| err(doc, node, "<covarianceMatrix> is missing".into()))?;
    let mut covariance = Vec::new();
    for row in children(cov_node, "row") {
        covariance.extend(coordinates(doc, row, "entry")?);
    }
    let distance_node =
        children(node, "distanceSquare").next().ok_or_else(|| err(doc, node, "<distanceSquare> is missing".into()))?;
    let distance_square = required_number(doc, distance_node, "value")?;
    let dimensions = dimensions(doc, node)?;
    checked(doc, node, Gate { id, parent, dimensions, shape: Shape::Ellipsoid { mean, covariance, distance_square } })
}

fn quadrants(doc: &Document, node: Node) -> Result<Gate> {
    let (id, parent) = gate_header(doc, node)?;
    let mut dividers = Vec::new();
    for d in children(node, "divider") {
        let mut values = children(d, "value")
            .map(|v| {
                let text = v.text().unwrap_or("").trim();
                text.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| err(doc, v, format!("{text:?} is not a number")))
            })
            .collect::<Result<Vec<f64>>>()?;
        if values.is_empty() {
            return Err(err(doc, d, "a divider needs at least one <value>".into()));
        }
        values.sort_by(f64::total_cmp);
        dividers.push(Divider { id: required(doc, d, "id")?.to_string(), dimension: dimension(doc, d)?, values });
    }
    let quadrants = children(node, "Quadrant")
        .map(|q| {
            let positions = children(q, "position")
                .map(|p| Ok((required(doc, p, "divider_ref")?.to_string(), required_number(doc, p, "location")?)))
                .collect::<Result<_>>()?;
            Ok(Quadrant { id: required(doc, q, "id")?.to_string(), positions })
        })
        .collect::<Result<_>>()?;
    let dimensions = dividers.iter().map(|d: &Divider| d.dimension.clone()).collect();
    checked(doc, node, Gate { id, parent, dimensions, shape: Shape::Quadrants { dividers, quadrants } })
}

fn boolean(doc: &Document, node: Node) -> Result<Gate> {
    let (id, parent) = gate_header(doc, node)?;
    let mut ops = node.children().filter(|c| c.is_element() && c.tag_name().name() != "custom_info");
    let op_node = ops.next().ok_or_else(|| err(doc, node, "needs <and>, <or> or <not>".into()))?;
    let op = match op_node.tag_name().name() {
        "and" => BooleanOp::And,
        "or" => BooleanOp::Or,
        "not" => BooleanOp::Not,
        other => return Err(err(doc, op_node, format!("<{other}> is not a boolean operator"))),
    };
    let operands = children(op_node, "gateReference")
        .map(|r| {
            let complement = match attr(r, "use-as-complement") {
                None | Some("false") | Some("0") => false,
                Some("true") | Some("1") => true,
                Some(v) => return Err(err(doc, r, format!("use-as-complement={v:?} is not a boolean"))),
            };
            Ok((required(doc, r, "ref")?.to_string(), complement))
        })
        .collect::<Result<_>>()?;
    checked(doc, node, Gate { id, parent, dimensions: Vec::new(), shape: Shape::Boolean { op, operands } })
}

fn transformation(doc: &Document, node: Node) -> Result<Transformation> {
    let id = required(doc, node, "id")?.to_string();
    let (bound_min, bound_max) = (number(doc, node, "boundMin")?, number(doc, node, "boundMax")?);
    let body = node
        .children()
        .find(|c| c.is_element() && c.tag_name().name() != "custom_info")
        .ok_or_else(|| err(doc, node, "needs a transform element".into()))?;
    let p = |name: &str| required_number(doc, body, name);
    let scale = |s: Result<Scale>| s.map(TransformKind::Scale).map_err(|e| at(doc, body, e));
    let kind = match body.tag_name().name() {
        "flin" => scale(Scale::linear(p("T")?, p("A")?))?,
        "flog" => scale(Scale::log(p("T")?, p("M")?))?,
        "fasinh" => scale(Scale::asinh(p("T")?, p("M")?, p("A")?))?,
        "logicle" => scale(Scale::logicle(p("T")?, p("W")?, p("M")?, p("A")?))?,
        "hyperlog" => scale(Scale::hyperlog(p("T")?, p("W")?, p("M")?, p("A")?))?,
        // FlowJo's own elements, as FlowJo writes them in workspaces (not Gating-ML 2.0)
        "log" => scale(Scale::flowjo_log(p("offset")?, p("decades")?))?,
        "biex" => scale(
            crate::flowjo::FlowJoBiex::new(p("neg")?, p("width")?, p("pos")?, p("maxRange")?, p("length")?)
                .map(Scale::FlowJoBiex),
        )?,
        "fratio" => {
            let names: Vec<&str> =
                children(body, "fcs-dimension").map(|d| required(doc, d, "name")).collect::<Result<_>>()?;
            let [numerator, denominator] = names.as_slice() else {
                return Err(err(doc, body, format!("fratio needs 2 <fcs-dimension>s, has {}", names.len())));
            };
            TransformKind::Ratio {
                numerator: numerator.to_string(),
                denominator: denominator.to_string(),
                a: p("A")?,
                b: p("B")?,
                c: p("C")?,
            }
        }
        other => return Err(err(doc, body, format!("<{other}> is not a supported transformation"))),
    };
    Ok(Transformation { id, kind, bound_min, bound_max })
}

fn spectrum_matrix(doc: &Document, node: Node) -> Result<Compensation> {
    let id = required(doc, node, "id")?.to_string();
    let names = |group: &str| -> Result<Vec<String>> {
        let g = children(node, group).next().ok_or_else(|| err(doc, node, format!("<{group}> is missing")))?;
        children(g, "fcs-dimension").map(|d| required(doc, d, "name").map(str::to_string)).collect()
    };
    let (fluorochromes, detectors) = (names("fluorochromes")?, names("detectors")?);
    let inverted = match attr(node, "matrix-inverted-already").map(str::trim) {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(err(doc, node, format!("matrix-inverted-already is {other:?}, expected true or false")));
        }
    };
    // A spectrum matrix has one row per fluorochrome with a coefficient per detector; an inverted
    // one (the unmixing matrix itself) has one row per detector with a coefficient per fluorochrome.
    let (rows_of, row_names, columns_of, column_names) = if inverted {
        ("detectors", &detectors, "fluorochromes", &fluorochromes)
    } else {
        ("fluorochromes", &fluorochromes, "detectors", &detectors)
    };
    let rows: Vec<Node> = children(node, "spectrum").collect();
    if rows.len() != row_names.len() {
        return Err(err(doc, node, format!("{} spectrum rows for {} {rows_of}", rows.len(), row_names.len())));
    }
    let mut matrix = Vec::new();
    for row in rows {
        let coefficients = coordinates(doc, row, "coefficient")?;
        if coefficients.len() != column_names.len() {
            return Err(err(
                doc,
                row,
                format!("{} coefficients for {} {columns_of}", coefficients.len(), column_names.len()),
            ));
        }
        matrix.extend(coefficients);
    }
    let built = if inverted {
        Compensation::from_unmixing(id, fluorochromes, detectors, matrix)
    } else {
        Compensation::new(id, fluorochromes, detectors, matrix)
    };
    built.map_err(|e| at(doc, node, e))
}

/// Writes a strategy as a Gating-ML 2.0 document.
pub fn write(strategy: &GatingStrategy) -> String {
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        x,
        r#"<gating:Gating-ML xmlns:gating="{NS_GATING}" xmlns:transforms="{NS_TRANSFORMS}" xmlns:data-type="{NS_DATATYPE}">"#
    );
    for c in &strategy.compensations {
        write_spectrum(&mut x, c);
    }
    for t in &strategy.transformations {
        write_transformation(&mut x, t);
    }
    for g in &strategy.gates {
        write_gate(&mut x, g);
    }
    x.push_str("</gating:Gating-ML>\n");
    x
}

// attribute values: `&`, `<`, `>`, `"` and `'` as entities
use quick_xml::escape::escape as esc;

/// Formats a number so that it parses back to the same `f64`.
fn num(v: f64) -> String {
    format!("{v:?}")
}

fn write_spectrum(x: &mut String, c: &Compensation) {
    let inverted = if c.inverted_already() { r#" transforms:matrix-inverted-already="true""# } else { "" };
    let _ = writeln!(x, r#"  <transforms:spectrumMatrix transforms:id="{}"{inverted}>"#, esc(&c.id));
    for (group, names) in [("fluorochromes", &c.fluorochromes), ("detectors", &c.detectors)] {
        let _ = writeln!(x, "    <transforms:{group}>");
        for n in names {
            let _ = writeln!(x, r#"      <data-type:fcs-dimension data-type:name="{}"/>"#, esc(n));
        }
        let _ = writeln!(x, "    </transforms:{group}>");
    }
    let rows = if c.inverted_already() {
        c.unmixing().chunks(c.fluorochromes.len().max(1))
    } else {
        c.spectrum.chunks(c.detectors.len().max(1))
    };
    for row in rows {
        x.push_str("    <transforms:spectrum>\n");
        for v in row {
            let _ = writeln!(x, r#"      <transforms:coefficient transforms:value="{}"/>"#, num(*v));
        }
        x.push_str("    </transforms:spectrum>\n");
    }
    x.push_str("  </transforms:spectrumMatrix>\n");
}

fn write_transformation(x: &mut String, t: &Transformation) {
    let mut bounds = String::new();
    if let Some(v) = t.bound_min {
        let _ = write!(bounds, r#" transforms:boundMin="{}""#, num(v));
    }
    if let Some(v) = t.bound_max {
        let _ = write!(bounds, r#" transforms:boundMax="{}""#, num(v));
    }
    let _ = writeln!(x, r#"  <transforms:transformation transforms:id="{}"{bounds}>"#, esc(&t.id));
    let p = |pairs: &[(&str, f64)]| {
        pairs.iter().map(|(k, v)| format!(r#" transforms:{k}="{}""#, num(*v))).collect::<String>()
    };
    match &t.kind {
        TransformKind::Scale(s) => {
            let attrs = match *s {
                Scale::Linear { t, a } => p(&[("T", t), ("A", a)]),
                Scale::Log { t, m } => p(&[("T", t), ("M", m)]),
                Scale::Asinh { t, m, a } => p(&[("T", t), ("M", m), ("A", a)]),
                Scale::Logicle(l) => {
                    let (t, w, m, a) = l.params();
                    p(&[("T", t), ("W", w), ("M", m), ("A", a)])
                }
                Scale::Hyperlog(h) => {
                    let (t, w, m, a) = h.params();
                    p(&[("T", t), ("W", w), ("M", m), ("A", a)])
                }
                Scale::FlowJoLog { offset, decades } => p(&[("offset", offset), ("decades", decades)]),
                Scale::FlowJoBiex(b) => {
                    let (neg, width, pos, max_range, length) = b.params();
                    p(&[("neg", neg), ("width", width), ("pos", pos), ("maxRange", max_range), ("length", length)])
                }
            };
            let _ = writeln!(x, "    <transforms:{}{attrs}/>", s.element());
        }
        TransformKind::Ratio { numerator, denominator, a, b, c } => {
            let _ = writeln!(x, "    <transforms:fratio{}>", p(&[("A", *a), ("B", *b), ("C", *c)]));
            for n in [numerator, denominator] {
                let _ = writeln!(x, r#"      <data-type:fcs-dimension data-type:name="{}"/>"#, esc(n));
            }
            x.push_str("    </transforms:fratio>\n");
        }
    }
    x.push_str("  </transforms:transformation>\n");
}

fn dimension_attrs(d: &Dimension) -> String {
    let mut s = format!(r#" gating:compensation-ref="{}""#, esc(d.compensation.as_str()));
    if let Some(t) = &d.transformation {
        let _ = write!(s, r#" gating:transformation-ref="{}""#, esc(t));
    }
    s
}

fn dimension_body(d: &Dimension) -> String {
    match &d.source {
        Source::Channel(n) => format!(r#"<data-type:fcs-dimension data-type:name="{}"/>"#, esc(n)),
        Source::Ratio(t) => format!(r#"<data-type:new-dimension data-type:transformation-ref="{}"/>"#, esc(t)),
    }
}

fn write_gate(x: &mut String, g: &Gate) {
    let element = match g.shape {
        Shape::Rectangle { .. } => "RectangleGate",
        Shape::Polygon { .. } => "PolygonGate",
        Shape::Ellipsoid { .. } => "EllipsoidGate",
        Shape::Quadrants { .. } => "QuadrantGate",
        Shape::Boolean { .. } => "BooleanGate",
    };
    let parent = g.parent.as_ref().map(|p| format!(r#" gating:parent_id="{}""#, esc(p))).unwrap_or_default();
    let _ = writeln!(x, r#"  <gating:{element} gating:id="{}"{parent}>"#, esc(&g.id));
    let plain_dimensions = |x: &mut String| {
        for d in &g.dimensions {
            let _ = writeln!(x, "    <gating:dimension{}>{}</gating:dimension>", dimension_attrs(d), dimension_body(d));
        }
    };
    match &g.shape {
        Shape::Rectangle { bounds } => {
            for (d, (lo, hi)) in g.dimensions.iter().zip(bounds) {
                let mut b = String::new();
                if let Some(v) = lo {
                    let _ = write!(b, r#" gating:min="{}""#, num(*v));
                }
                if let Some(v) = hi {
                    let _ = write!(b, r#" gating:max="{}""#, num(*v));
                }
                let _ = writeln!(
                    x,
                    "    <gating:dimension{}{b}>{}</gating:dimension>",
                    dimension_attrs(d),
                    dimension_body(d)
                );
            }
        }
        Shape::Polygon { vertices } => {
            plain_dimensions(x);
            for (vx, vy) in vertices {
                let _ = writeln!(
                    x,
                    r#"    <gating:vertex><gating:coordinate data-type:value="{}"/><gating:coordinate data-type:value="{}"/></gating:vertex>"#,
                    num(*vx),
                    num(*vy)
                );
            }
        }
        Shape::Ellipsoid { mean, covariance, distance_square } => {
            plain_dimensions(x);
            x.push_str("    <gating:mean>");
            for m in mean {
                let _ = write!(x, r#"<gating:coordinate data-type:value="{}"/>"#, num(*m));
            }
            x.push_str("</gating:mean>\n    <gating:covarianceMatrix>\n");
            for row in covariance.chunks(mean.len().max(1)) {
                x.push_str("      <gating:row>");
                for v in row {
                    let _ = write!(x, r#"<gating:entry data-type:value="{}"/>"#, num(*v));
                }
                x.push_str("</gating:row>\n");
            }
            let _ = writeln!(
                x,
                r#"    </gating:covarianceMatrix>
    <gating:distanceSquare data-type:value="{}"/>"#,
                num(*distance_square)
            );
        }
        Shape::Quadrants { dividers, quadrants } => {
            for d in dividers {
                let _ = write!(
                    x,
                    r#"    <gating:divider gating:id="{}"{}>{}"#,
                    esc(&d.id),
                    dimension_attrs(&d.dimension),
                    dimension_body(&d.dimension)
                );
                for v in &d.values {
                    let _ = write!(x, "<gating:value>{}</gating:value>", num(*v));
                }
                x.push_str("</gating:divider>\n");
            }
            for q in quadrants {
                let _ = writeln!(x, r#"    <gating:Quadrant gating:id="{}">"#, esc(&q.id));
                for (d, loc) in &q.positions {
                    let _ = writeln!(
                        x,
                        r#"      <gating:position gating:divider_ref="{}" gating:location="{}"/>"#,
                        esc(d),
                        num(*loc)
                    );
                }
                x.push_str("    </gating:Quadrant>\n");
            }
        }
        Shape::Boolean { op, operands } => {
            let tag = match op {
                BooleanOp::And => "and",
                BooleanOp::Or => "or",
                BooleanOp::Not => "not",
            };
            let _ = writeln!(x, "    <gating:{tag}>");
            for (id, complement) in operands {
                let _ = writeln!(
                    x,
                    r#"      <gating:gateReference gating:ref="{}" gating:use-as-complement="{complement}"/>"#,
                    esc(id)
                );
            }
            let _ = writeln!(x, "    </gating:{tag}>");
        }
    }
    let _ = writeln!(x, "  </gating:{element}>");
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating"
    xmlns:transforms="http://www.isac-net.org/std/Gating-ML/v2.0/transformations"
    xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <transforms:transformation transforms:id="L" transforms:boundMin="0.1">
    <transforms:logicle transforms:T="262144" transforms:W="0.5" transforms:M="4.5" transforms:A="0"/>
  </transforms:transformation>
  <gating:RectangleGate gating:id="R">
    <gating:dimension gating:compensation-ref="uncompensated" gating:min="1" gating:transformation-ref="L">
      <data-type:fcs-dimension data-type:name="FSC-A"/>
    </gating:dimension>
  </gating:RectangleGate>
  <gating:BooleanGate gating:id="NotR" gating:parent_id="R">
    <gating:not><gating:gateReference gating:ref="R"/></gating:not>
  </gating:BooleanGate>
</gating:Gating-ML>"#;

    #[test]
    fn parses_and_writes_back_to_the_same_strategy() {
        let s = parse(DOC).unwrap();
        assert_eq!(s.gates.len(), 2);
        assert_eq!(s.gates[1].parent.as_deref(), Some("R"));
        let again = parse(&write(&s)).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn errors_name_the_element_and_line() {
        let broken = DOC.replace(r#"gating:min="1""#, r#"gating:min="one""#);
        let e = parse(&broken).unwrap_err().to_string();
        assert!(e.contains("line 9") && e.contains("<dimension>") && e.contains("\"one\""), "{e}");
        let unsupported = DOC.replace("gating:BooleanGate", "gating:CurlyGate");
        let e = parse(&unsupported).unwrap_err().to_string();
        assert!(e.contains("<CurlyGate> is not supported") && e.contains("line 13"), "{e}");
        let dangling = DOC.replace(r#"gating:ref="R""#, r#"gating:ref="Q""#);
        let e = parse(&dangling).unwrap_err();
        let e = format!("{e}: {}", std::error::Error::source(&e).map_or(String::new(), |s| s.to_string()));
        assert!(e.contains("\"Q\"") && e.contains("line 13"), "{e}");
        assert!(matches!(parse("<not xml"), Err(Error::Xml { .. })));
    }
}
