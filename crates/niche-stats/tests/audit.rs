//! The audit of the seed paper's published P values against scipy
//! (`fixtures/make_audit_reference.py`): every computed P to 1e-10 relative, and the match list of
//! every check equal to the one scipy's P values give.

use niche_stats::audit::{self, Check, Combination, MeanSd, Options, Test};
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!("fixtures/audit_reference.json")).unwrap()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-10 * want.abs()
}

fn test_of(name: &str) -> Test {
    match name {
        "student" => Test::Student,
        "welch" => Test::Welch,
        "mann_whitney_exact" => Test::MannWhitneyExact,
        other => panic!("unknown test {other}"),
    }
}

/// (test, n1, n2, u, p) of the fixture's combinations.
fn combinations(v: &Value) -> Vec<Combination> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| Combination {
            test: test_of(c["test"].as_str().unwrap()),
            n1: c["n1"].as_u64().unwrap() as usize,
            n2: c["n2"].as_u64().unwrap() as usize,
            u: c["u"].as_u64().map(|u| u as usize),
            p: c["p"].as_f64().unwrap(),
        })
        .collect()
}

fn mean_sd(v: &Value) -> MeanSd {
    MeanSd { mean: v["mean"].as_f64().unwrap(), sd: v["sd"].as_f64().unwrap() }
}

/// The checks of the fixture, built from the printed P (and its means) as a caller would.
fn checks(reference: &Value) -> Vec<(Check, &Value)> {
    reference["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let check = Check::printed(c["id"].as_str().unwrap(), c["printed"].as_str().unwrap()).unwrap();
            assert_eq!(check.decimals as u64, c["decimals"].as_u64().unwrap());
            let check = match c["means"].as_object() {
                Some(m) => check.with_means(mean_sd(&m["group"]), mean_sd(&m["reference"])),
                None => check,
            };
            (check, c)
        })
        .collect()
}

/// Sorts by (test, n1, n2, u) and checks both lists hold the same combinations with P within 1e-10.
fn assert_same(id: &str, mut ours: Vec<Combination>, mut scipy: Vec<Combination>) {
    let key = |c: &Combination| (c.test, c.n1, c.n2, c.u);
    ours.sort_by_key(key);
    scipy.sort_by_key(key);
    let keys = |v: &[Combination]| v.iter().map(key).collect::<Vec<_>>();
    assert_eq!(keys(&ours), keys(&scipy), "{id}: combinations differ");
    for (a, b) in ours.iter().zip(&scipy) {
        assert!(close(a.p, b.p), "{id} {:?} {}×{}: niche {} vs scipy {}", a.test, a.n1, a.n2, a.p, b.p);
    }
}

#[test]
fn fixture_covers_the_seed_comparisons() {
    let reference = reference();
    let ids: Vec<&str> = reference["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "cxcr4_mfi.coculture",
        "cxcr4_mfi.coculture_amd",
        "cxcr4_mfi.coculture_vcr",
        "cxcr4_mfi.coculture_vcr_amd",
        "apoptosis_percent.coculture",
        "apoptosis_percent.coculture_amd",
        "apoptosis_percent.coculture_vcr",
        "apoptosis_percent.coculture_vcr_amd",
        "cxcl12_ng.coculture_amd",
        "cxcl12_ng.coculture_vcr",
        "cxcl12_ng.coculture_vcr_amd",
    ] {
        assert!(ids.contains(&id), "{id} missing from the fixture");
    }
    // the four CXCR4 comparisons as the paper prints them
    let cxcr4 = &reference["checks"].as_array().unwrap()[..4];
    let printed: Vec<(&str, f64, f64, f64, f64)> = cxcr4
        .iter()
        .map(|c| {
            let m = &c["means"];
            (
                c["printed"].as_str().unwrap(),
                m["group"]["mean"].as_f64().unwrap(),
                m["group"]["sd"].as_f64().unwrap(),
                m["reference"]["mean"].as_f64().unwrap(),
                m["reference"]["sd"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        printed,
        [
            ("0.0809", 261.87, 91.07, 335.20, 12.85),
            ("0.0174", 134.71, 21.78, 261.87, 91.07),
            ("0.0059", 426.00, 13.66, 261.87, 91.07),
            ("0.0009", 275.78, 54.20, 426.00, 13.66),
        ]
    );
}

#[test]
fn t_test_p_values_equal_scipy_at_every_n() {
    let reference = reference();
    let options = Options::default();
    let mut compared = 0;
    for (check, c) in checks(&reference) {
        let ours: Vec<Combination> = audit::candidates(&check, &options)
            .unwrap()
            .into_iter()
            .filter(|m| m.test != Test::MannWhitneyExact)
            .collect();
        let scipy = combinations(&c["t"]);
        assert_eq!(ours.len(), if check.means.is_some() { 2 * 64 } else { 0 }, "{}", check.id);
        compared += ours.len();
        assert_same(&check.id, ours, scipy);
    }
    assert_eq!(compared, 9 * 128);
}

#[test]
fn attainable_mann_whitney_p_values_equal_scipy() {
    let reference = reference();
    let pairs = reference["mann_whitney_attainable"].as_array().unwrap();
    assert_eq!(pairs.len(), 64);
    for pair in pairs {
        let (n1, n2) = (pair["n1"].as_u64().unwrap() as usize, pair["n2"].as_u64().unwrap() as usize);
        let ours = audit::mann_whitney_attainable(n1, n2).unwrap();
        let scipy = pair["values"].as_array().unwrap();
        assert_eq!(ours.len(), scipy.len(), "{n1} vs {n2}");
        for (a, b) in ours.iter().zip(scipy) {
            assert_eq!(a.u as u64, b["u"].as_u64().unwrap());
            assert!(close(a.p, b["p"].as_f64().unwrap()), "{n1} vs {n2} u = {}: {} vs {}", a.u, a.p, b["p"]);
        }
    }
}

#[test]
fn p_0_0079_is_mann_whitney_exact_five_versus_five() {
    let reference = reference();
    let (check, c) = checks(&reference).into_iter().find(|(c, _)| c.id == "apoptosis_percent.coculture_amd").unwrap();
    assert!(check.means.is_none());
    let five = |m: &&Combination| m.test == Test::MannWhitneyExact && (m.n1, m.n2) == (5, 5);
    let scipy = combinations(&c["matches"]);
    let scipy_five = scipy.iter().find(five).expect("scipy: 5 vs 5 explains 0.0079");
    assert_eq!(scipy_five.u, Some(0));
    let result = audit::check(&check, &Options::default()).unwrap();
    assert!(!result.unexplained);
    let ours = result.matches.iter().find(five).expect("audit: 5 vs 5 explains 0.0079");
    assert_eq!(ours.u, Some(0));
    assert!(close(ours.p, scipy_five.p));
}

#[test]
fn every_match_list_equals_scipys() {
    let reference = reference();
    let all = checks(&reference);
    let checks: Vec<Check> = all.iter().map(|(c, _)| c.clone()).collect();
    let result = audit::audit(&checks).unwrap();
    assert_eq!(result.checks.len(), all.len());
    let mut scipy_unexplained = Vec::new();
    for (ours, (_, c)) in result.checks.iter().zip(&all) {
        let scipy = combinations(&c["matches"]);
        if scipy.is_empty() {
            scipy_unexplained.push(ours.id.clone());
        }
        assert_eq!(ours.unexplained, scipy.is_empty(), "{}", ours.id);
        assert_same(&ours.id, ours.matches.clone(), scipy);
    }
    assert_eq!(result.unexplained, scipy_unexplained);
}

#[test]
fn the_audit_serialises_with_its_documented_fields() {
    let check = Check::printed("seed", "0.0079").unwrap();
    let json = serde_json::to_value(audit::audit(&[check]).unwrap()).unwrap();
    let first = &json["checks"][0];
    assert_eq!(first["id"], "seed");
    assert_eq!(first["published_p"], 0.0079);
    let m = first["matches"].as_array().unwrap().iter().find(|m| m["n1"] == 5 && m["n2"] == 5).unwrap();
    assert_eq!(m["test"], "mann_whitney_exact");
    assert_eq!(m["u"], 0);
    assert!(json["unexplained"].as_array().unwrap().is_empty());
    let back: audit::Audit = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back.checks[0].matches.len(), first["matches"].as_array().unwrap().len());
}
