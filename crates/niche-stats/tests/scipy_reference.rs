//! Every P value (and statistic) against the committed scipy reference
//! (`fixtures/make_scipy_reference.py`), to 1e-6 relative.

use niche_stats::ranks::Method;
use niche_stats::{anova, contingency, dunnett, nls, ranks, ttest, tukey};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1e-300) || (got - want).abs() < 1e-15
}

#[test]
fn p_values_match_scipy() {
    let reference: Value = serde_json::from_str(include_str!("fixtures/scipy_reference.json")).unwrap();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 200);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let kind = case["kind"].as_str().unwrap();
        let (a, b) = (case.get("a").map(floats).unwrap_or_default(), case.get("b").map(floats).unwrap_or_default());
        let groups: Vec<Vec<f64>> =
            case.get("groups").map(|g| g.as_array().unwrap().iter().map(floats).collect()).unwrap_or_default();
        let named: Vec<(&str, &[f64])> = groups.iter().map(|g| ("g", g.as_slice())).collect();
        let table: Vec<Vec<f64>> =
            case.get("table").map(|t| t.as_array().unwrap().iter().map(floats).collect()).unwrap_or_default();
        if kind == "nls" {
            let model: fn(f64, &[f64]) -> f64 = match case["model"].as_str().unwrap() {
                "4pl" => |x, t| t[0] + (t[1] - t[0]) / (1.0 + (t[2] / x).powf(t[3])),
                "exp" => |x, t| t[0] * (-t[1] * x).exp() + t[2],
                "mm" => |x, t| t[0] * x / (t[1] + x),
                other => panic!("unknown model {other}"),
            };
            let (x, y, p0) = (floats(&case["x"]), floats(&case["y"]), floats(&case["p0"]));
            let weights = case["weights"].as_array().map(|_| floats(&case["weights"]));
            let f = nls::fit(model, &x, &y, weights.as_deref(), &p0, None, nls::Options::default()).unwrap();
            for (j, (got, want)) in f.params.iter().zip(floats(&case["params"])).enumerate() {
                if !close(*got, want, 1e-6) {
                    failures.push(format!("case {i} nls {}: parameter {j} {got} vs curve_fit {want}", case["model"]));
                }
            }
            for (j, (got, want)) in f.standard_errors.iter().zip(floats(&case["ses"])).enumerate() {
                if !close(*got, want, 1e-4) {
                    failures.push(format!("case {i} nls {}: SE {j} {got} vs curve_fit {want}", case["model"]));
                }
            }
            continue;
        }
        if kind == "dunn" {
            let ours = ranks::dunn(&named, None).unwrap();
            for (pair, mine) in case["pairs"].as_array().unwrap().iter().zip(&ours) {
                let want = pair[2].as_f64().unwrap();
                if !close(mine.p, want, 1e-6) {
                    failures.push(format!("case {i} dunn {} vs {}: P {} vs {want}", pair[0], pair[1], mine.p));
                }
            }
            continue;
        }
        if kind == "dunnett" {
            let ours = dunnett::dunnett(&named, 0).unwrap();
            for ((mine, exact), qmc) in ours.iter().zip(floats(&case["exact"])).zip(floats(&case["qmc"])) {
                if !close(mine.p, exact, 1e-6) {
                    failures.push(format!("case {i} dunnett {}: P {} vs quadrature {exact}", mine.group, mine.p));
                }
                if (mine.p - qmc).abs() > 2e-3 {
                    failures.push(format!("case {i} dunnett {}: P {} vs scipy QMC {qmc}", mine.group, mine.p));
                }
            }
            continue;
        }
        if kind == "tukey" {
            let ours = tukey::tukey_hsd(&named).unwrap();
            for (pair, mine) in case["pairs"].as_array().unwrap().iter().zip(&ours) {
                let want = pair[2].as_f64().unwrap();
                // P values below 1e-9 are 1 − cdf, accurate to about 1e-12 absolute
                if !(close(mine.p, want, 1e-6) || (want < 1e-6 && (mine.p - want).abs() < 1e-12)) {
                    failures.push(format!("case {i} tukey {} vs {}: P {} vs scipy {want}", pair[0], pair[1], mine.p));
                }
            }
            continue;
        }
        let result = match kind {
            "student" => ttest::unpaired(&a, &b, false),
            "welch" => ttest::unpaired(&a, &b, true),
            "student_summary" => {
                let s = floats(&case["summary"]);
                ttest::unpaired_summary(
                    ttest::Summary { mean: s[0], sd: s[1], n: s[2] as usize },
                    ttest::Summary { mean: s[3], sd: s[4], n: s[5] as usize },
                    false,
                )
            }
            "paired" => ttest::paired(&a, &b),
            "mw_exact" | "mw_exact_ties" => ranks::mann_whitney(&a, &b, Method::Exact),
            "mw_normal_cc" => ranks::mann_whitney(&a, &b, Method::Normal { continuity: true }),
            "mw_normal" => ranks::mann_whitney(&a, &b, Method::Normal { continuity: false }),
            "wilcoxon_exact" | "wilcoxon_exact_ties" => ranks::wilcoxon(&a, &b, Method::Exact),
            "wilcoxon_normal_cc" => ranks::wilcoxon(&a, &b, Method::Normal { continuity: true }),
            "wilcoxon_normal" => ranks::wilcoxon(&a, &b, Method::Normal { continuity: false }),
            "anova" => anova::one_way(&named),
            "kruskal" => ranks::kruskal_wallis(&named),
            "chi2" => contingency::chi_square(&table, false),
            "chi2_yates" => contingency::chi_square(&table, true),
            "fisher" => {
                let t = |r: usize, c: usize| table[r][c] as u64;
                contingency::fisher_exact([[t(0, 0), t(0, 1)], [t(1, 0), t(1, 1)]])
            }
            "fisher_rxc" => {
                let counts: Vec<Vec<u64>> = table.iter().map(|r| r.iter().map(|&v| v as u64).collect()).collect();
                contingency::fisher_exact_rxc(&counts)
            }
            other => panic!("unknown case kind {other}"),
        };
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("case {i} {kind}: error {e}"));
                continue;
            }
        };
        let want = case["p"].as_f64().unwrap();
        if let Some(mc) = case.get("monte_carlo").and_then(Value::as_f64) {
            if (r.p - mc).abs() > 0.01 {
                failures.push(format!("case {i} {kind}: P {} vs scipy Monte Carlo {mc}", r.p));
            }
        }
        if !close(r.p, want, 1e-6) {
            failures.push(format!("case {i} {kind}: P {} vs scipy {want} ({})", r.p, r.method));
        }
        let compare_statistic = !kind.starts_with("wilcoxon");
        if let (true, Some(s)) = (compare_statistic, case["statistic"].as_f64()) {
            if !close(r.statistic, s, 1e-9) {
                failures.push(format!("case {i} {kind}: statistic {} vs scipy {s}", r.statistic));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn the_seed_studys_own_statistics() {
    // newly diagnosed vs R/R CXCR4 MFI, unpaired t test from the published summary (Fig. 1)
    let nd = ttest::Summary { mean: 317.06, sd: 165.32, n: 20 };
    let rr = ttest::Summary { mean: 588.54, sd: 248.71, n: 17 };
    let r = ttest::unpaired_summary(nd, rr, false).unwrap();
    assert_eq!(niche_stats::format::p_value(r.p), "0.0003", "P = {}", r.p);
    // 5 vs 5 fully separated, exact two-sided Mann–Whitney: 2/252
    let r = ranks::mann_whitney(&[10.0, 11.0, 12.0, 13.0, 14.0], &[1.0, 2.0, 3.0, 4.0, 5.0], Method::Exact).unwrap();
    assert_eq!(niche_stats::format::p_value(r.p), "0.0079");
}
