//! FlowJo workspaces from `../shared/data/flowjo`: niche's counts against the counts FlowJo
//! stored, FlowJo's biex against FlowJo's own lookup table, and the eight-colour workspaces parsed
//! completely. Skips where the data is absent; fails under `CI=true`.

use std::path::{Path, PathBuf};

use niche_cyto::flowjo::{self, WspCompensation, WspNode, WspShape, WspTransform};
use niche_cyto::{FlowJoBiex, Sample};
use niche_fcs as fcs;

fn data() -> Option<PathBuf> {
    niche_testdata::shared_data("flowjo/simple_diamond").map(|d| d.parent().unwrap().to_path_buf())
}

/// (population, FlowJo count, niche count) for every sample of the workspace, FCS files from `dir`.
fn check(xml: &str, dir: &Path) -> Vec<(String, Option<u64>, usize)> {
    let ws = flowjo::parse(xml).unwrap();
    let mut rows = Vec::new();
    for s in &ws.samples {
        let file = flowjo::uri_file_name(s.uri.as_deref().unwrap());
        let fcs = fcs::read(dir.join(&file)).unwrap();
        let sample = Sample::from_dataset(&file, &fcs.datasets[0], fcs::Values::Scaled).unwrap();
        let strategy = ws.strategy(s).unwrap();
        let results = strategy.strategy.apply(&sample).unwrap();
        for c in strategy.compare(&results).unwrap() {
            rows.push((c.population, c.flowjo_count, c.niche_count));
        }
    }
    rows
}

fn workspaces(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wsp"))
        .collect();
    v.sort();
    v
}

#[test]
fn niche_counts_equal_flowjo_counts_on_the_simple_workspaces() {
    let Some(data) = data() else { return };
    let mut checked = 0;
    for folder in ["simple_diamond", "simple_line"] {
        let dir = data.join(folder);
        for wsp in workspaces(&dir) {
            let rows = check(&std::fs::read_to_string(&wsp).unwrap(), &dir);
            assert!(!rows.is_empty(), "{}", wsp.display());
            for (population, flowjo, niche) in rows {
                // FlowJo's count="-1" (simple_poly_and_rect.wsp's sample) is not a count to compare
                if let Some(flowjo) = flowjo {
                    assert_eq!(niche as u64, flowjo, "{}: {population}", wsp.display());
                    checked += 1;
                }
            }
        }
    }
    // quad gate (4), fasinh and biex rectangles (1 each), ellipse (1)
    assert_eq!(checked, 7, "populations with a FlowJo count");
}

#[test]
fn niche_never_reads_flowjo_counts() {
    let Some(data) = data() else { return };
    let blank = regex_free_blank;
    for folder in ["simple_diamond", "simple_line"] {
        let dir = data.join(folder);
        for wsp in workspaces(&dir) {
            let xml = std::fs::read_to_string(&wsp).unwrap();
            let blanked = blank(&xml);
            assert_ne!(blanked, xml);
            let (with, without) = (check(&xml, &dir), check(&blanked, &dir));
            assert_eq!(with.len(), without.len());
            for ((p, flowjo, niche), (q, none, niche_blind)) in with.iter().zip(&without) {
                assert_eq!(p, q);
                assert_eq!(*none, None, "{p}: a blanked count was read");
                assert_eq!(niche, niche_blind, "{p}");
                if let Some(flowjo) = flowjo {
                    assert_eq!(*niche as u64, *flowjo, "{p}");
                }
            }
        }
    }
}

/// Every `count="…"` attribute replaced by `count="-1"`.
fn regex_free_blank(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find(" count=\"") {
        let start = i + " count=\"".len();
        out.push_str(&rest[..start]);
        let end = rest[start..].find('"').unwrap();
        out.push_str("-1");
        rest = &rest[start + end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_simple_line_lies_outside_the_polygon_and_rectangle() {
    // FlowJo left these counts uncomputed (-1); the line is channel_B = 131072 for every event,
    // above both gates' channel_B maximum (130638.7), so both populations are empty.
    let Some(data) = data() else { return };
    let dir = data.join("simple_line");
    let rows = check(&std::fs::read_to_string(dir.join("simple_poly_and_rect.wsp")).unwrap(), &dir);
    assert_eq!(rows, vec![("poly1".to_string(), None, 0), ("rect1".to_string(), None, 0)]);
}

#[test]
fn flowjo_biex_from_its_definition_matches_flowjos_table_to_six_digits() {
    let Some(data) = data() else { return };
    let table =
        std::fs::read_to_string(data.join("tr_biex_l256_w-7.943282_n1.000000_m4.418540_r262144.000029.csv")).unwrap();
    let biex = FlowJoBiex::new(1.0, -7.943282, 4.418540, 262144.000029, 256.0).unwrap();
    let mut rows = 0;
    for line in table.lines().skip(1) {
        let (i, v) = line.split_once(',').unwrap();
        let (i, v): (f64, f64) = (i.parse().unwrap(), v.parse().unwrap());
        let x = biex.data_at_channel(i);
        if v == 0.0 {
            assert!(x.abs() < 1e-9, "channel {i}: {x} vs 0");
        } else {
            // one unit of the sixth significant digit the table prints
            let unit = 10f64.powf(v.abs().log10().floor() - 5.0);
            assert!((x - v).abs() <= unit, "channel {i}: {x} vs FlowJo {v}");
            // and the forward transform puts the table's value back at its channel
            assert!((biex.channel(v) - i).abs() < 0.01, "channel {i}: forward {}", biex.channel(v));
        }
        rows += 1;
    }
    assert_eq!(rows, 4096);
}

#[test]
fn eight_colour_workspaces_parse_completely() {
    let Some(data) = data() else { return };
    let dir = data.join("eight_color");
    let mut booleans = 0;
    for wsp in workspaces(&dir) {
        let ws = flowjo::parse(&std::fs::read_to_string(&wsp).unwrap()).unwrap();
        let name = wsp.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(ws.samples.len(), 3, "{name}");
        assert!(!ws.groups.is_empty(), "{name}");
        for s in &ws.samples {
            assert!(s.uri.as_deref().is_some_and(|u| u.ends_with(".fcs")), "{name}");
            let WspCompensation::Matrix { parameters, matrix, prefix, .. } = &s.compensation else {
                panic!("{name}: sample {} has no compensation", s.name)
            };
            assert_eq!((parameters.len(), matrix.len(), prefix.as_str()), (8, 64, "Comp-"), "{name}");
            (0..8).for_each(|i| assert!((matrix[i * 9] - 1.0).abs() < 1e-12, "{name}: diagonal"));
            assert!(
                s.transforms.iter().any(|(_, t)| matches!(t, WspTransform::Logicle { .. } | WspTransform::Biex { .. }))
            );
            assert!(s.transforms.iter().any(|(p, t)| p == "Time" && matches!(t, WspTransform::Linear { .. })));
            let strategy = ws.strategy(s).unwrap_or_else(|e| panic!("{name}, {}: {e}", s.name));
            assert_eq!(strategy.populations.len(), s.populations.len());
            assert_eq!(strategy.strategy.compensations().len(), 1);
            for p in &s.populations {
                if let WspNode::Boolean { .. } = p.node {
                    booleans += 1;
                }
                if let WspNode::Gate { shape: WspShape::Polygon { vertices }, .. } = &p.node {
                    assert!(vertices.len() >= 3);
                }
                assert!(p.flowjo_count.is_some() || p.path.is_empty(), "{name}: {:?}", p.path);
            }
        }
        if name == "8_color_ICS_simple.wsp" {
            let paths: Vec<String> = ws.samples[0].populations.iter().map(|p| flowjo::path_string(&p.path)).collect();
            assert!(paths.iter().any(|p| p == "Time/Singlets/aAmine-/CD3+"), "{paths:?}");
        }
    }
    assert!(booleans > 0, "the boolean workspace's And/Or/Not nodes were found");
}

#[test]
fn gatingml_exports_read_back_to_the_same_strategy_and_the_same_counts() {
    let Some(data) = data() else { return };
    let mut exported = 0;
    for folder in ["eight_color", "simple_diamond", "simple_line"] {
        for wsp in workspaces(&data.join(folder)) {
            let ws = flowjo::parse(&std::fs::read_to_string(&wsp).unwrap()).unwrap();
            for s in &ws.samples {
                let export = ws.gatingml_export(s).unwrap();
                let back = niche_cyto::gatingml::parse(&niche_cyto::gatingml::write(&export.strategy))
                    .unwrap_or_else(|e| panic!("{}, {}: {e}", wsp.display(), s.name));
                assert_eq!(back, export.strategy, "{}, {}", wsp.display(), s.name);
                exported += 1;
            }
        }
    }
    assert_eq!(exported, 12 + 3 + 2);
    // on the files we have, the exported strategy counts what FlowJo counted
    for (folder, wsp) in
        [("simple_diamond", "test_data_diamond_biex_rect.wsp"), ("simple_line", "single_ellipse_51_events.wsp")]
    {
        let dir = data.join(folder);
        let ws = flowjo::parse(&std::fs::read_to_string(dir.join(wsp)).unwrap()).unwrap();
        let s = &ws.samples[0];
        let export = ws.gatingml_export(s).unwrap();
        assert!(
            export
                .strategy
                .transformations()
                .iter()
                .all(|t| !matches!(t.kind, niche_cyto::TransformKind::Scale(niche_cyto::Scale::FlowJoBiex(_))))
        );
        let file = dir.join(s.file_name().unwrap());
        let fcs = fcs::read(&file).unwrap();
        let sample = Sample::from_dataset("f", &fcs.datasets[0], fcs::Values::Scaled).unwrap();
        let results = export.strategy.apply(&sample).unwrap();
        for p in &s.populations {
            let id = flowjo::path_string(&p.path);
            assert_eq!(Some(results.population(&id).unwrap().count as u64), p.flowjo_count, "{wsp}: {id}");
        }
    }
}

#[test]
fn eight_colour_polygons_match_flowkits_gatingml_of_the_same_gates() {
    // 8_color_ICS.xml is FlowKit's Gating-ML of the first gates of 8_color_ICS.wsp, with its own
    // names; FlowKit and niche put the FlowJo vertices through the same scales (flin 0..262144 and
    // logicle), so the polygons must agree, as must the compensation matrix
    let Some(data) = data() else { return };
    let dir = data.join("eight_color");
    let ws = flowjo::parse(&std::fs::read_to_string(dir.join("8_color_ICS.wsp")).unwrap()).unwrap();
    let ours = ws.strategy(&ws.samples[0]).unwrap().strategy;
    let flowkit = niche_cyto::gatingml::parse(&std::fs::read_to_string(dir.join("8_color_ICS.xml")).unwrap()).unwrap();
    let pairs = [
        ("Singlets", "Time/Singlets"),
        ("aAmine-", "Time/Singlets/aAmine-"),
        ("CD3-pos", "Time/Singlets/aAmine-/CD3+"),
        ("CD4-pos", "Time/Singlets/aAmine-/CD3+/CD4+"),
        ("CD8-pos", "Time/Singlets/aAmine-/CD3+/CD8+"),
    ];
    for (theirs, mine) in pairs {
        let (a, b) = (flowkit.gate_of(theirs).unwrap(), ours.gate_of(mine).unwrap());
        let (niche_cyto::Shape::Polygon { vertices: va }, niche_cyto::Shape::Polygon { vertices: vb }) =
            (&a.shape, &b.shape)
        else {
            panic!("{theirs}: not two polygons")
        };
        assert_eq!(va.len(), vb.len(), "{theirs}");
        for (p, q) in va.iter().zip(vb) {
            assert!((p.0 - q.0).abs() < 1e-9 && (p.1 - q.1).abs() < 1e-9, "{theirs}: {p:?} vs {q:?}");
        }
        for (da, db) in a.dimensions.iter().zip(&b.dimensions) {
            assert_eq!(da.source, db.source, "{theirs}");
            assert_eq!(
                da.compensation == niche_cyto::CompensationRef::Uncompensated,
                db.compensation == niche_cyto::CompensationRef::Uncompensated,
                "{theirs}"
            );
        }
    }
    let (ca, cb) = (&flowkit.compensations()[0], &ours.compensations()[0]);
    assert_eq!(ca.detectors, cb.detectors);
    ca.spectrum.iter().zip(&cb.spectrum).for_each(|(x, y)| assert!((x - y).abs() < 1e-12));
}
