//! Gate memberships against naive reference implementations (proptest).

use niche_cyto::{BooleanOp, Dimension, Divider, Gate, GatingStrategy, Quadrant, Sample, Shape};
use niche_fcs as fcs;
use proptest::prelude::*;

fn sample(xs: &[f64], ys: &[f64]) -> Sample {
    let events = fcs::Events::from_columns(vec!["X".into(), "Y".into()], vec![xs.to_vec(), ys.to_vec()]).unwrap();
    Sample { id: "random".into(), events, spillover: None }
}

fn gate(id: &str, shape: Shape) -> Gate {
    Gate { id: id.into(), parent: None, dimensions: vec![Dimension::channel("X"), Dimension::channel("Y")], shape }
}

/// Even–odd rule with a ray cast upwards (the engine casts to the right).
fn naive_polygon(x: f64, y: f64, v: &[(f64, f64)]) -> bool {
    let mut inside = false;
    for k in 0..v.len() {
        let ((x1, y1), (x2, y2)) = (v[k], v[(k + 1) % v.len()]);
        if (x1 > x) != (x2 > x) {
            let y_cross = y1 + (x - x1) * (y2 - y1) / (x2 - x1);
            if y < y_cross {
                inside = !inside;
            }
        }
    }
    inside
}

fn points() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (1usize..300)
        .prop_flat_map(|n| (prop::collection::vec(-100.0f64..100.0, n), prop::collection::vec(-100.0f64..100.0, n)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn polygons_follow_the_even_odd_rule((xs, ys) in points(), vertices in prop::collection::vec((-90.0f64..90.0, -90.0f64..90.0), 3..9)) {
        let strategy = GatingStrategy::new(vec![], vec![], vec![gate("P", Shape::Polygon { vertices: vertices.clone() })]).unwrap();
        let r = strategy.apply(&sample(&xs, &ys)).unwrap();
        let m = &r.population("P").unwrap().membership;
        for i in 0..xs.len() {
            prop_assert_eq!(m[i], naive_polygon(xs[i], ys[i], &vertices), "event ({}, {})", xs[i], ys[i]);
        }
    }

    #[test]
    fn rectangles_include_min_and_exclude_max((xs, ys) in points(), lo in -50.0f64..0.0, width in 0.0f64..100.0, open_top in any::<bool>()) {
        let hi = if open_top { None } else { Some(lo + width) };
        let strategy = GatingStrategy::new(vec![], vec![], vec![gate("R", Shape::Rectangle { bounds: vec![(Some(lo), hi), (None, Some(lo + width))] })]).unwrap();
        let r = strategy.apply(&sample(&xs, &ys)).unwrap();
        let m = &r.population("R").unwrap().membership;
        for i in 0..xs.len() {
            let want = xs[i] >= lo && hi.is_none_or(|h| xs[i] < h) && ys[i] < lo + width;
            prop_assert_eq!(m[i], want);
        }
    }

    #[test]
    fn ellipses_match_the_explicit_2x2_form((xs, ys) in points(), (a, b, c) in (1.0f64..500.0, -0.9f64..0.9, 1.0f64..500.0), centre in (-20.0f64..20.0, -20.0f64..20.0), d2 in 0.5f64..4.0) {
        // covariance [[a, r], [r, c]] with |r| < sqrt(ac)
        let r = b * (a * c).sqrt();
        let det = a * c - r * r;
        let strategy = GatingStrategy::new(vec![], vec![], vec![gate("E", Shape::Ellipsoid { mean: vec![centre.0, centre.1], covariance: vec![a, r, r, c], distance_square: d2 })]).unwrap();
        let res = strategy.apply(&sample(&xs, &ys)).unwrap();
        let m = &res.population("E").unwrap().membership;
        for i in 0..xs.len() {
            let (dx, dy) = (xs[i] - centre.0, ys[i] - centre.1);
            let q = (c * dx * dx - 2.0 * r * dx * dy + a * dy * dy) / det;
            if (q - d2).abs() > 1e-9 * d2 {
                prop_assert_eq!(m[i], q <= d2);
            }
        }
    }

    #[test]
    fn booleans_and_parents_are_set_algebra((xs, ys) in points(), cut in -50.0f64..50.0) {
        let left = gate("L", Shape::Rectangle { bounds: vec![(None, Some(cut)), (None, Some(1e9))] });
        let low = gate("D", Shape::Rectangle { bounds: vec![(None, Some(1e9)), (None, Some(-cut))] });
        let and = Gate { id: "LandD".into(), parent: None, dimensions: vec![], shape: Shape::Boolean { op: BooleanOp::And, operands: vec![("L".into(), false), ("D".into(), true)] } };
        let or = Gate { id: "LorD".into(), parent: None, dimensions: vec![], shape: Shape::Boolean { op: BooleanOp::Or, operands: vec![("L".into(), false), ("D".into(), false)] } };
        let not = Gate { id: "notL".into(), parent: Some("D".into()), dimensions: vec![], shape: Shape::Boolean { op: BooleanOp::Not, operands: vec![("L".into(), false)] } };
        let strategy = GatingStrategy::new(vec![], vec![], vec![left, low, and, or, not]).unwrap();
        let r = strategy.apply(&sample(&xs, &ys)).unwrap();
        let m = |id: &str| r.population(id).unwrap().membership.clone();
        let (l, d) = (m("L"), m("D"));
        for i in 0..xs.len() {
            prop_assert_eq!(l[i], xs[i] < cut);
            prop_assert_eq!(d[i], ys[i] < -cut);
            prop_assert_eq!(m("LandD")[i], l[i] && !d[i]);
            prop_assert_eq!(m("LorD")[i], l[i] || d[i]);
            prop_assert_eq!(m("notL")[i], d[i] && !l[i]);
        }
        let not_l = r.population("notL").unwrap();
        let d_count = d.iter().filter(|&&v| v).count();
        if d_count > 0 {
            prop_assert!((not_l.relative_percent - 100.0 * not_l.count as f64 / d_count as f64).abs() < 1e-9);
        }
    }

    #[test]
    fn quadrants_partition_the_plane((xs, ys) in points(), vx in -50.0f64..50.0, vy in -50.0f64..50.0) {
        let dividers = vec![
            Divider { id: "dx".into(), dimension: Dimension::channel("X"), values: vec![vx] },
            Divider { id: "dy".into(), dimension: Dimension::channel("Y"), values: vec![vy] },
        ];
        let q = |id: &str, lx: f64, ly: f64| Quadrant { id: id.into(), positions: vec![("dx".into(), lx), ("dy".into(), ly)] };
        let quadrants = vec![q("PP", vx + 1.0, vy + 1.0), q("NP", vx - 1.0, vy + 1.0), q("NN", vx - 1.0, vy - 1.0), q("PN", vx + 1.0, vy - 1.0)];
        let g = Gate { id: "Q".into(), parent: None, dimensions: vec![Dimension::channel("X"), Dimension::channel("Y")], shape: Shape::Quadrants { dividers, quadrants } };
        let r = GatingStrategy::new(vec![], vec![], vec![g]).unwrap().apply(&sample(&xs, &ys)).unwrap();
        let total: usize = ["PP", "NP", "NN", "PN"].iter().map(|id| r.population(id).unwrap().count).sum();
        prop_assert_eq!(total, xs.len());
        let pp = &r.population("PP").unwrap().membership;
        for i in 0..xs.len() {
            prop_assert_eq!(pp[i], xs[i] >= vx && ys[i] >= vy);
        }
    }
}

#[test]
fn unknown_channels_and_cycles_are_errors() {
    let s = sample(&[1.0], &[2.0]);
    let g = Gate {
        id: "Z".into(),
        parent: None,
        dimensions: vec![Dimension::channel("Z")],
        shape: Shape::Rectangle { bounds: vec![(Some(0.0), None)] },
    };
    let err = GatingStrategy::new(vec![], vec![], vec![g]).unwrap().apply(&s).unwrap_err();
    assert!(err.to_string().contains("\"Z\"") && err.to_string().contains("X, Y"), "{err}");
    let a = Gate {
        id: "A".into(),
        parent: Some("B".into()),
        dimensions: vec![Dimension::channel("X")],
        shape: Shape::Rectangle { bounds: vec![(Some(0.0), None)] },
    };
    let b = Gate {
        id: "B".into(),
        parent: Some("A".into()),
        dimensions: vec![Dimension::channel("X")],
        shape: Shape::Rectangle { bounds: vec![(Some(0.0), None)] },
    };
    let err = GatingStrategy::new(vec![], vec![], vec![a, b]).unwrap_err();
    assert!(matches!(err, niche_cyto::Error::Cycle { .. }), "{err}");
}

fn scale_strategy() -> impl Strategy<Value = niche_cyto::Scale> {
    prop_oneof![
        (0.0f64..1.0, 3.5f64..4.5).prop_map(|(w, m)| niche_cyto::Scale::logicle(10000.0, w, m, 0.0).unwrap()),
        (0.1f64..1.0, 3.5f64..4.5).prop_map(|(w, m)| niche_cyto::Scale::hyperlog(10000.0, w, m, 0.0).unwrap()),
        (2.0f64..5.0).prop_map(|m| niche_cyto::Scale::log(10000.0, m).unwrap()),
        (2.0f64..5.0, 0.0f64..1.0).prop_map(|(m, a)| niche_cyto::Scale::asinh(10000.0, m, a).unwrap()),
        (0.0f64..500.0).prop_map(|a| niche_cyto::Scale::linear(10000.0, a).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Ranges on scale dimensions are tested in data space; they must equal the forward test.
    #[test]
    fn scaled_ranges_equal_the_forward_test(
        xs in prop::collection::vec(-2000.0f64..20000.0, 1..300),
        scale in scale_strategy(),
        lo in prop::option::of(0.0f64..0.8),
        width in 0.01f64..0.6,
        open_top in any::<bool>(),
        bound_min in prop::option::of(0.0f64..0.5),
        bound_span in prop::option::of(0.1f64..1.0),
    ) {
        let hi = if open_top && lo.is_some() { None } else { Some(lo.unwrap_or(0.0) + width) };
        let bound_max = bound_span.map(|s| bound_min.unwrap_or(0.0) + s);
        let t = niche_cyto::Transformation { id: "T".into(), kind: niche_cyto::TransformKind::Scale(scale), bound_min, bound_max };
        let dimension = Dimension { transformation: Some("T".into()), ..Dimension::channel("X") };
        let g = Gate { id: "R".into(), parent: None, dimensions: vec![dimension], shape: Shape::Rectangle { bounds: vec![(lo, hi)] } };
        let strategy = GatingStrategy::new(vec![t.clone()], vec![], vec![g]).unwrap();
        let r = strategy.apply(&sample(&xs, &xs)).unwrap();
        let m = &r.population("R").unwrap().membership;
        for (i, &x) in xs.iter().enumerate() {
            let y = t.bound(scale.apply(x));
            let want = lo.is_none_or(|l| y >= l) && hi.is_none_or(|h| y < h);
            prop_assert_eq!(m[i], want, "x = {}, y = {}", x, y);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Two-dimensional rectangles on scale dimensions (one data-space pass over both columns) and
    /// rectangles that share thresholds (FlowJo's quadrants: the events are split once per
    /// threshold) must equal the forward test, events exactly at the thresholds included.
    #[test]
    fn scaled_rectangles_and_shared_thresholds_equal_the_forward_test(
        points in prop::collection::vec((-2000.0f64..20000.0, -2000.0f64..20000.0), 1..300),
        (sx, sy) in (scale_strategy(), scale_strategy()),
        (cx, cy) in (0.05f64..0.9, 0.05f64..0.9),
        width in 0.01f64..0.6,
        bound_min in prop::option::of(0.0f64..0.5),
    ) {
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
        for (x, y) in [(sx.inverse(cx), sy.inverse(cy)), (sx.inverse(cx * 0.5), sy.inverse(cy * 0.7 + 0.1))] {
            xs.push(x);
            ys.push(y);
        }
        let tx = niche_cyto::Transformation { id: "TX".into(), kind: niche_cyto::TransformKind::Scale(sx), bound_min, bound_max: None };
        let ty = niche_cyto::Transformation { id: "TY".into(), kind: niche_cyto::TransformKind::Scale(sy), bound_min: None, bound_max: None };
        let dims = vec![
            Dimension { transformation: Some("TX".into()), ..Dimension::channel("X") },
            Dimension { transformation: Some("TY".into()), ..Dimension::channel("Y") },
        ];
        let rectangles = [
            ("P", [(Some(cx * 0.5), Some(cx * 0.5 + width)), (None, Some(cy * 0.7 + 0.1))]),
            ("Q1", [(None, Some(cx)), (Some(cy), None)]),
            ("Q2", [(Some(cx), None), (Some(cy), None)]),
            ("Q3", [(Some(cx), None), (None, Some(cy))]),
            ("Q4", [(None, Some(cx)), (None, Some(cy))]),
            ("R", [(Some(cx), Some(cx + width)), (Some(cy), None)]),
        ];
        let gates = rectangles
            .iter()
            .map(|(id, bounds)| Gate { id: (*id).into(), parent: None, dimensions: dims.clone(), shape: Shape::Rectangle { bounds: bounds.to_vec() } })
            .collect();
        let strategy = GatingStrategy::new(vec![tx.clone(), ty.clone()], vec![], gates).unwrap();
        let r = strategy.apply(&sample(&xs, &ys)).unwrap();
        for (id, bounds) in &rectangles {
            let m = &r.population(id).unwrap().membership;
            for (i, (&x, &y)) in xs.iter().zip(&ys).enumerate() {
                let values = [tx.bound(sx.apply(x)), ty.bound(sy.apply(y))];
                let want = values.iter().zip(bounds).all(|(&v, (lo, hi))| lo.is_none_or(|l| v >= l) && hi.is_none_or(|h| v < h));
                prop_assert_eq!(m[i], want, "{}: x = {}, y = {}, scaled {:?}", id, x, y, values);
            }
            prop_assert_eq!(r.population(id).unwrap().count, m.iter().filter(|&&f| f).count());
        }
    }
}
