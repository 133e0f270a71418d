//! The `niche` binary, run as a user would, in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn niche(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_niche")).args(args).current_dir(dir).output().expect("niche runs")
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../niche-fcs/tests/data/niche_demo.fcs").canonicalize().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn info_text_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = demo();
    let o = niche(&["fcs", "info", demo.to_str().unwrap()], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("FCS 3.1, 1 data set"), "{text}");
    assert!(text.contains("2000 events x 7 parameters"), "{text}");
    assert!(text.contains("CD184 PE"), "{text}");

    let o = niche(&["fcs", "info", "--format", "json", demo.to_str().unwrap()], tmp.path());
    assert!(o.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ds = &json[0]["datasets"][0];
    assert_eq!(json[0]["version"], "3.1");
    assert_eq!(ds["event_count"], 2000);
    let p = &ds["parameters"][3];
    assert_eq!(p["index"], 4);
    assert_eq!(p["name"], "FL2-H");
    assert_eq!(p["label"], "CD184 PE");
    assert_eq!(p["bits"], 16);
    assert_eq!(p["range"], 1024.0);
    assert_eq!(p["amplification"]["decades"], 4.0);
    assert!(p["gain"].is_null());
    assert_eq!(ds["spillover"]["channels"][1], "FL2-H");
    assert!(ds["keywords"].as_array().unwrap().iter().any(|kv| kv[0] == "$CYT"));
    assert!(ds["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn a_malformed_file_fails_with_one_line_naming_it_and_others_still_show() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("broken.fcs"), b"this is not a flow cytometry file at all, sorry, not at all")
        .unwrap();
    let o = niche(&["fcs", "info", "broken.fcs", demo().to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("broken.fcs") && err.contains("not an FCS file"), "{err}");
    assert!(stdout(&o).contains("niche_demo.fcs"));

    let o = niche(&["fcs", "info", "missing.fcs"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.fcs"));
}

#[test]
fn export_writes_names_then_events() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = demo();
    let o = niche(&["fcs", "export", demo.to_str().unwrap(), "--values", "raw"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("FSC-H,SSC-H,FL1-H,FL2-H,FL3-H,FL4-H,Time"));
    let rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 2000);

    let o = niche(&["fcs", "export", demo.to_str().unwrap(), "--format", "tsv", "-o", "out.tsv"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let tsv = std::fs::read_to_string(tmp.path().join("out.tsv")).unwrap();
    let first: Vec<f64> = tsv.lines().nth(1).unwrap().split('\t').map(|v| v.parse().unwrap()).collect();
    // scaled FL2-H is 10^(4 x / 1024) of the raw channel
    assert!((first[3] - 10f64.powf(4.0 * rows[0][3] / 1024.0)).abs() < 1e-9 * first[3]);
    // time is multiplied by $TIMESTEP = 0.05
    let last: Vec<f64> = tsv.lines().last().unwrap().split('\t').map(|v| v.parse().unwrap()).collect();
    assert!((last[6] - rows[1999][6] * 0.05).abs() < 1e-12);
}

#[test]
fn export_never_overwrites_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = demo();
    std::fs::write(tmp.path().join("taken.csv"), "keep me").unwrap();
    let o = niche(&["fcs", "export", demo.to_str().unwrap(), "-o", "taken.csv"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(tmp.path().join("taken.csv")).unwrap(), "keep me");
    let o = niche(&["fcs", "export", demo.to_str().unwrap(), "-o", "taken.csv", "--force"], tmp.path());
    assert!(o.status.success());

    let copy = tmp.path().join("copy.fcs");
    std::fs::copy(&demo, &copy).unwrap();
    let o = niche(&["fcs", "export", "copy.fcs", "-o", "copy.fcs", "--force"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("input"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&demo).unwrap());
}

#[test]
fn export_of_a_missing_data_set_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(&["fcs", "export", demo().to_str().unwrap(), "--dataset", "2"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("data set 2 does not exist: the file has 1"), "{}", stderr(&o));
}

#[test]
fn lenient_recovers_offset_discrepancies() {
    let Some(data) = niche_testdata::shared_data("fcs") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let file = data.join("data_start_offset_discrepancy_example.fcs");
    let o = niche(&["fcs", "info", file.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("HEADER and TEXT disagree"), "{}", stderr(&o));
    let o = niche(&["fcs", "info", "--lenient", file.to_str().unwrap()], tmp.path());
    assert!(o.status.success());
    assert!(stdout(&o).contains("warning: HEADER and TEXT disagree"));
}

/// An FCS 3.1 file with one I16 parameter, DATA after TEXT; `header_data` overrides the HEADER's
/// DATA offsets.
fn fcs31(values: &[u16], header_data: Option<(u64, u64)>) -> Vec<u8> {
    let text = |b: u64, e: u64| {
        format!(
            "/$BYTEORD/1,2/$DATATYPE/I/$MODE/L/$PAR/1/$TOT/{}/$P1N/FL1/$P1B/16/$P1R/1024/$P1E/0,0/\
             $BEGINDATA/{b:>8}/$ENDDATA/{e:>8}/$BEGINANALYSIS/0/$ENDANALYSIS/0/$BEGINSTEXT/0/$ENDSTEXT/0/",
            values.len()
        )
    };
    let start = 58 + text(0, 0).len() as u64;
    let end = start + 2 * values.len() as u64 - 1;
    let (hs, he) = header_data.unwrap_or((start, end));
    let mut bytes = format!("FCS3.1    {:>8}{:>8}{hs:>8}{he:>8}{:>8}{:>8}", 58, start - 1, 0, 0).into_bytes();
    bytes.extend(text(start, end).as_bytes());
    values.iter().for_each(|v| bytes.extend(v.to_le_bytes()));
    bytes
}

#[test]
fn zero_header_offsets_read_by_default_and_a_file_without_data_shows_its_keywords() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("zero.fcs"), fcs31(&[5, 7, 9], Some((0, 0)))).unwrap();
    let o = niche(&["fcs", "export", "zero.fcs"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "FL1\n5\n7\n9\n");
    assert!(stderr(&o).contains("HEADER DATA offsets are zero"), "{}", stderr(&o));

    let whole = fcs31(&[5, 7, 9], None);
    std::fs::write(tmp.path().join("cut.fcs"), &whole[..whole.len() - 6]).unwrap();
    let o = niche(&["fcs", "info", "cut.fcs"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cut.fcs"), "{}", stderr(&o));
    let o = niche(&["fcs", "info", "--lenient", "cut.fcs"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("0 events x 1 parameters"), "{text}");
    assert!(text.contains("warning: DATA is missing"), "{text}");
    assert!(text.contains("$P1N = FL1"), "{text}");
}

#[test]
fn help_teaches_the_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(&["fcs", "--help"], tmp.path());
    let help = stdout(&o);
    assert!(help.contains("info") && help.contains("export"), "{help}");
    let o = niche(&["fcs", "export", "--help"], tmp.path());
    let help = stdout(&o);
    assert!(help.contains("--lenient") && help.contains("$TIMESTEP") && help.contains("--force"), "{help}");
}

fn seed_strategy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../niche-cyto/strategies/seed_flow.xml").canonicalize().unwrap()
}

#[test]
fn gate_reports_populations_as_json_and_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let (demo, gates) = (demo(), seed_strategy());
    let args = ["gate", demo.to_str().unwrap(), "--gatingml", gates.to_str().unwrap()];
    let o = niche(&[&args[..], &["--format", "json", "--stats", "FL2-H"]].concat(), tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["n_events"], 2000);
    let pops = json["populations"].as_array().unwrap();
    let cd = pops.iter().find(|p| p["id"] == "CD45+CD19+").unwrap();
    assert_eq!(cd["parent"], "Lymphoblasts");
    let count = cd["count"].as_f64().unwrap();
    assert!((cd["absolute_percent"].as_f64().unwrap() - count / 20.0).abs() < 1e-9);
    assert_eq!(cd["stats"][0]["channel"], "FL2-H");
    assert!(cd["stats"][0]["stats"]["median"].as_f64().unwrap() > 0.0);

    let o = niche(&[&args[..], &["--format", "csv"]].concat(), tmp.path());
    let csv = stdout(&o);
    assert_eq!(csv.lines().next(), Some("id,parent,count,absolute_percent,relative_percent"));
    assert_eq!(csv.lines().count(), 1 + 7);
}

#[test]
fn gate_writes_memberships_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let (demo, gates) = (demo(), seed_strategy());
    let args = ["gate", demo.to_str().unwrap(), "--gatingml", gates.to_str().unwrap(), "--membership", "out"];
    let o = niche(&args, tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let viable = std::fs::read_to_string(tmp.path().join("out/Results_Viable.txt")).unwrap();
    assert_eq!(viable.lines().count(), 2000);
    assert!(viable.lines().all(|l| l == "0" || l == "1"));
    let o = niche(&args, tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert!(niche(&[&args[..], &["--force"]].concat(), tmp.path()).status.success());
}

#[test]
fn broken_gatingml_names_the_element_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let xml = std::fs::read_to_string(seed_strategy()).unwrap().replace(r#"gating:min="30""#, r#"gating:min="thirty""#);
    std::fs::write(tmp.path().join("broken.xml"), xml).unwrap();
    let o = niche(&["gate", demo().to_str().unwrap(), "--gatingml", "broken.xml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("broken.xml") && err.contains("<dimension>") && err.contains("line 26"), "{err}");
    std::fs::write(tmp.path().join("notxml.xml"), "<gating").unwrap();
    let o = niche(&["gate", demo().to_str().unwrap(), "--gatingml", "notxml.xml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not well-formed XML"), "{}", stderr(&o));
}

#[test]
fn gate_reproduces_a_compliance_case_through_the_cli() {
    let Some(suite) = niche_testdata::shared_data("gatingml2") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(
        &[
            "gate",
            suite.join("data1.fcs").to_str().unwrap(),
            "--gatingml",
            suite.join("gates1.xml").to_str().unwrap(),
            "--membership",
            "m",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for case in ["Polygon1", "Ellipse1", "ScaleRange4c", "FL2N-FL4P", "ParAnd3"] {
        let ours = std::fs::read_to_string(tmp.path().join(format!("m/Results_{case}.txt"))).unwrap();
        let expected = std::fs::read_to_string(suite.join(format!("expected/set_1/Results_{case}.txt"))).unwrap();
        let ours: Vec<&str> = ours.split_whitespace().collect();
        let expected: Vec<&str> = expected.split_whitespace().collect();
        assert_eq!(ours, expected, "{case}");
    }
}

#[test]
fn stats_compare_reports_the_seed_mann_whitney_and_anova_with_tukey() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("mw.csv"),
        "group,value\nND,1\nND,2\nND,3\nND,4\nND,5\nRR,6\nRR,7\nRR,8\nRR,9\nRR,10\n",
    )
    .unwrap();
    let o = niche(&["stats", "compare", "mw.csv", "--test", "mann-whitney", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["p_display"], "0.0079");
    assert_eq!(json["stars"], "**");
    assert_eq!(json["groups"][0][1]["n"], 5);

    std::fs::write(tmp.path().join("an.csv"), "group,value\nA,1\nA,2\nA,3.5\nB,4\nB,5\nB,6.1\nC,2\nC,2.5\nC,3\n")
        .unwrap();
    let o = niche(&["stats", "compare", "an.csv", "--test", "anova"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("F = 7.5323") && text.contains("Tukey") && text.contains("A vs B"), "{text}");
    let o = niche(&["stats", "compare", "an.csv", "--test", "anova", "--control", "C"], tmp.path());
    assert!(stdout(&o).contains("Dunnett") && stdout(&o).contains("A vs C"), "{}", stdout(&o));
    let o = niche(&["stats", "compare", "an.csv", "--test", "anova", "--control", "Z"], tmp.path());
    assert!(stderr(&o).contains("control group \"Z\" is not in the data"), "{}", stderr(&o));
}

#[test]
fn stats_audit_finds_which_tests_explain_the_published_p_values() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(&["stats", "audit", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let audit: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let check = |id: &str| audit["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    // 0.0079 = 2/252: two fully separated groups of five, by the exact Mann–Whitney test
    let apoptosis = check("apoptosis_percent.coculture.p_vs_all_alone");
    assert!(
        apoptosis["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["test"] == "mann_whitney_exact" && m["n1"] == 5 && m["n2"] == 5 && m["u"] == 0)
    );
    // no t test explains it
    assert!(apoptosis["matches"].as_array().unwrap().iter().all(|m| m["test"] == "mann_whitney_exact"));
    assert!(audit["unexplained"].as_array().unwrap().iter().any(|id| id == "cxcr4_mfi.coculture.p_vs_all_alone"));
    // a targets file of the user's, and a broken one
    let seed = niche_model::targets::SEED_TARGETS_TOML;
    std::fs::write(tmp.path().join("t.toml"), seed.replace("p = 0.0809", "p = 0.0794")).unwrap();
    let o = niche(&["stats", "audit", "t.toml"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Student t (pooled)              n = 6 vs 6: P = 0.0793"), "{}", stdout(&o));
    std::fs::write(tmp.path().join("bad.toml"), seed.replace("p = 0.0809", "p = \"<0.1\"")).unwrap();
    let o = niche(&["stats", "audit", "bad.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.toml") && stderr(&o).contains("targets"), "{}", stderr(&o));
}

#[test]
fn model_validate_reports_leave_one_out_profiles_and_both_mechanisms() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(&["model", "validate", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 13, "every calibration target is left out once");
    for t in targets {
        for key in ["id", "group", "readout", "published", "sd", "fitted", "loo_prediction", "z"] {
            assert!(t.get(key).is_some(), "{key} missing in {t}");
        }
        // a target left out is predicted, not fitted: the two differ
        assert_ne!(t["fitted"], t["loo_prediction"], "{t}");
    }
    let parameters = v["parameters"].as_array().unwrap();
    assert_eq!(parameters.len(), niche_model::calibrate::FREE.len());
    for p in parameters {
        for key in ["name", "estimate", "profile_low", "profile_high", "identifiable"] {
            assert!(p.get(key).is_some(), "{key} missing in {p}");
        }
    }
    let models = v["models"].as_array().unwrap();
    assert_eq!(models.iter().map(|m| m["name"].as_str().unwrap()).collect::<Vec<_>>(), ["cxcr4", "cxcr4_independent"]);
    for m in models {
        let (chi2, aic) = (m["chi2"].as_f64().unwrap(), m["aic"].as_f64().unwrap());
        assert!((aic - chi2 - 2.0 * niche_model::calibrate::FREE.len() as f64).abs() < 1e-9, "{m}");
        assert!(m["loo_median_abs_z"].as_f64().unwrap() > 0.0);
    }
    assert!(v["verdict"].as_str().unwrap().contains("ΔAIC"));
}

#[test]
fn stats_compare_rejects_bad_data_with_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.csv"), "group,value\nA,1\nA,x\nB,2\n").unwrap();
    let o = niche(&["stats", "compare", "bad.csv", "--test", "welch"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.csv: line 3") && stderr(&o).contains("\"x\""), "{}", stderr(&o));
    std::fs::write(tmp.path().join("one.csv"), "group,value\nA,1\nB,2\nB,3\n").unwrap();
    let o = niche(&["stats", "compare", "one.csv", "--test", "student"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("\"first\" has 1 value"), "{}", stderr(&o));
    std::fs::write(tmp.path().join("three.csv"), "group,value\nA,1\nA,2\nB,2\nB,3\nC,1\nC,5\n").unwrap();
    let o = niche(&["stats", "compare", "three.csv", "--test", "paired"], tmp.path());
    assert!(stderr(&o).contains("compares two groups, the data have 3"), "{}", stderr(&o));
}

#[test]
fn stats_table1_splits_by_a_column() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("patients.csv"),
        "disease,age,sex\nND,14,F\nND,30,M\nND,25,F\nRR,40,M\nRR,61,M\nRR,NA,\"F\"\n",
    )
    .unwrap();
    let o = niche(&["stats", "table1", "patients.csv", "--by", "disease", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["groups"], serde_json::json!(["ND", "RR"]));
    assert_eq!(json["rows"][0]["variable"], "age");
    assert_eq!(json["rows"][0]["missing"], 1);
    assert_eq!(json["rows"][1]["level"], "F");
    let o = niche(&["stats", "table1", "patients.csv", "--by", "arm"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no column \"arm\""), "{}", stderr(&o));
}

/// The help text is part of the interface: a change to it shows up as a snapshot diff.
#[test]
fn help_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["fcs", "info", "--help"],
        vec!["fcs", "export", "--help"],
        vec!["gate", "--help"],
        vec!["stats", "compare", "--help"],
        vec!["stats", "table1", "--help"],
        vec!["elisa", "fit", "--help"],
        vec!["blot", "quantify", "--help"],
        vec!["model", "simulate", "--help"],
        vec!["model", "fit", "--help"],
        vec!["model", "scan", "--help"],
        vec!["model", "cohort", "--help"],
        vec!["model", "export-sbml", "--help"],
        vec!["model", "export-omex", "--help"],
        vec!["lab", "run", "--help"],
        vec!["reproduce", "--help"],
        vec!["analyze", "--help"],
        vec!["merge", "--help"],
        vec!["fcs", "--help"],
        vec!["stats", "--help"],
        vec!["elisa", "--help"],
        vec!["blot", "--help"],
        vec!["model", "--help"],
        vec!["lab", "--help"],
        vec!["wsp", "--help"],
        vec!["wsp", "check", "--help"],
        vec!["comp", "--help"],
    ] {
        let o = niche(&args, tmp.path());
        assert!(o.status.success());
        let name = args.iter().filter(|a| !a.starts_with('-')).copied().collect::<Vec<_>>().join("_");
        insta::assert_snapshot!(if name.is_empty() { "niche".to_string() } else { name }, stdout(&o));
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().unwrap();
    // a file large enough that the export outlives the reader
    let demo = demo();
    let mut child = Command::new(env!("CARGO_BIN_EXE_niche"))
        .args(["fcs", "export", demo.to_str().unwrap(), "--values", "raw"])
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("FSC-H"));
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn elisa_fit_reports_the_curve_and_samples() {
    let tmp = tempfile::tempdir().unwrap();
    // a plate on a known 4PL: bottom 0.05, top 2.5, EC50 40, Hill 1.2, blank 0.04
    let response = |c: f64| 0.05 + 2.45 / (1.0 + (40.0f64 / c).powf(1.2));
    let mut od = [[0.04f64; 12]; 8];
    let mut layout = String::from("units = \"ng/mL\"\nblanks = [\"A1\", \"B1\"]\n[standards]\n");
    for (k, conc) in [2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0].iter().enumerate() {
        for col in [1, 2] {
            od[k][col] = 0.04 + response(*conc);
            layout += &format!("{}{} = {conc}\n", (b'A' + k as u8) as char, col + 1);
        }
    }
    od[0][3] = 0.04 + response(30.0);
    od[1][3] = 0.04 + response(30.0);
    od[2][3] = 0.04 + response(0.5);
    layout += "[samples]\nA4 = \"s1\"\nB4 = \"s1\"\nC4 = \"low\"\n[dilutions]\ns1 = 2\n";
    let grid: String =
        od.iter().map(|r| r.iter().map(|v| format!("{v:.10}")).collect::<Vec<_>>().join(",") + "\n").collect();
    std::fs::write(tmp.path().join("plate.csv"), grid).unwrap();
    std::fs::write(tmp.path().join("layout.toml"), layout).unwrap();
    let o = niche(&["elisa", "fit", "plate.csv", "--layout", "layout.toml", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = &json["params"];
    assert!((p["ec50"].as_f64().unwrap() - 40.0).abs() < 1e-4, "{p}");
    assert!((p["hill"].as_f64().unwrap() - 1.2).abs() < 1e-6);
    assert!(p.get("s").is_none(), "4PL has no s");
    assert!(json["r2"].as_f64().unwrap() > 0.999999);
    let samples = json["samples"].as_array().unwrap();
    let s1 = samples.iter().find(|s| s["id"] == "s1").unwrap();
    assert!((s1["conc"].as_f64().unwrap() - 60.0).abs() < 1e-3, "30 ng/mL x 2: {s1}");
    let low = samples.iter().find(|s| s["id"] == "low").unwrap();
    assert_eq!(low["flag"], "<LLOQ");
    assert!(low["conc"].is_null());

    std::fs::write(tmp.path().join("bad.toml"), "blanks = [\"A1\"]\n[standards]\nA1 = 1.0\n").unwrap();
    let o = niche(&["elisa", "fit", "plate.csv", "--layout", "bad.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.toml") && stderr(&o).contains("both a blank and a standard"), "{}", stderr(&o));
}

#[test]
fn blot_quantify_measures_lanes_and_flags_saturation() {
    let tmp = tempfile::tempdir().unwrap();
    let image = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../niche-assay/tests/fixtures/blot/blot16.tif");
    let mut layout = String::from("radius = 20\nloading_control = \"GAPDH\"\nreference = \"ctrl\"\n");
    for group in ["ctrl", "ctrl", "vcr", "vcr"] {
        layout += &format!("[[lanes]]\ngroup = \"{group}\"\n");
    }
    for target in ["GAPDH", "Bcl-2", "Bax"] {
        layout += &format!("[[targets]]\nname = \"{target}\"\n");
    }
    std::fs::write(tmp.path().join("blot.toml"), &layout).unwrap();
    let o =
        niche(&["blot", "quantify", image.to_str().unwrap(), "--layout", "blot.toml", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["bands"].as_array().unwrap().len(), 12);
    assert_eq!(json["lanes"].as_array().unwrap().len(), 4);
    // the fixture saturates a Bcl-2 band in the third lane
    assert!(stderr(&o).contains("Bcl-2 in lane 3") && stderr(&o).contains("saturated"), "{}", stderr(&o));
    let o = niche(&["blot", "quantify", image.to_str().unwrap(), "--layout", "blot.toml"], tmp.path());
    assert!(o.status.success());
    assert!(stdout(&o).contains("fold change vs ctrl"), "{}", stdout(&o));

    std::fs::write(tmp.path().join("bad.toml"), layout.replace("reference = \"ctrl\"", "reference = \"none\""))
        .unwrap();
    let o = niche(&["blot", "quantify", image.to_str().unwrap(), "--layout", "bad.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.toml") && stderr(&o).contains("reference \"none\""), "{}", stderr(&o));
    let o = niche(&["blot", "quantify", "missing.tif", "--layout", "blot.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.tif"), "{}", stderr(&o));
}

#[test]
fn model_commands_keep_their_contracts() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(&["model", "fit", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 13);
    for t in targets {
        for key in ["group", "readout", "published", "model", "within_sd"] {
            assert!(t.get(key).is_some(), "{key} missing in {t}");
        }
        assert_eq!(t["within_sd"], true, "{t}");
    }

    let o = niche(&["model", "simulate", "--msc", "--vcr", "1", "--amd", "5", "--hours", "2"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 4, "header + t = 0, 1, 2");
    assert!(text.starts_with("time_h,cxcl12_nm,free,"));

    let o = niche(&["model", "scan", "--vcr", "0,0.01,1", "--amd", "0,5", "--msc", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let grid = json["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 6);
    let combo = &grid[5];
    assert_eq!(combo["vcr_um"], 1.0);
    assert!(combo["synergy"]["bliss"].as_f64().unwrap() > 0.0, "VCR + AMD3100 is synergistic in the model: {combo}");
    for key in ["apoptosis_percent", "cxcr4_mfi", "cxcl12_ng_per_ml", "bax", "bcl2"] {
        assert!(combo["readouts"][key].is_number(), "{key}");
    }

    let o = niche(&["model", "export-sbml", "-o", "model.xml"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(tmp.path().join("model.xml")).unwrap().contains("level=\"3\" version=\"2\""));
    let o = niche(&["model", "export-sbml", "-o", "model.xml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));

    // a group's doses, from the seed study or a design file; unknown groups and treatments are errors
    let o = niche(&["model", "export-sbml", "--group", "coculture_vcr_amd"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("id=\"amd_ug_per_ml\" sboTerm=\"SBO:0000002\" value=\"5e0\""), "{}", stdout(&o));
    let o = niche(&["model", "export-sbml", "--group", "nope"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no group \"nope\"") && stderr(&o).contains("coculture_vcr"), "{}", stderr(&o));
    std::fs::write(
        tmp.path().join("design.toml"),
        "replicates = 3\n[[group]]\nid = \"co_ara\"\ncoculture = \"MSC\"\ntreatments = { cytarabine = \"1 umol/L\" }\n",
    )
    .unwrap();
    for args in [
        &["model", "export-sbml", "--study", "design.toml", "--group", "co_ara"][..],
        &["model", "export-omex", "--study", "design.toml", "-o", "bad.omex"][..],
    ] {
        let o = niche(args, tmp.path());
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains("design.toml") && err.contains("\"cytarabine\"") && err.contains("line 2"), "{err}");
    }

    let o = niche(&["model", "export-omex", "-o", "seed.omex"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let archive = std::fs::read(tmp.path().join("seed.omex")).unwrap();
    assert_eq!(&archive[..4], b"PK\x03\x04");
    let text = String::from_utf8_lossy(&archive);
    assert_eq!(text.matches("<task id=").count(), 5, "one task per seed group");
    std::fs::write(
        tmp.path().join("design.toml"),
        "[[group]]\nid = \"alone\"\n[[group]]\nid = \"co_low\"\ncoculture = \"MSC\"\ntreatments = { vincristine = \"10 nM\" }\n",
    )
    .unwrap();
    let o = niche(&["model", "export-omex", "--study", "design.toml", "-o", "design.omex"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&std::fs::read(tmp.path().join("design.omex")).unwrap()).into_owned();
    assert!(text.contains("<task id=\"task_co_low\"") && text.contains("newValue=\"0.01\""), "{text}");
    let o = niche(&["model", "export-omex", "-o", "design.omex"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));

    let o = niche(&["model", "simulate", "--vcr=-1"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("VCR"), "{}", stderr(&o));
}

#[test]
fn lab_run_writes_a_manifest_and_refuses_a_full_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(&["lab", "run", "--events", "500", "--seed", "3", "-o", "out"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    // five groups × five replicates (the audited n) × three tubes, the plate, three blots
    assert_eq!(files.len(), 5 * 5 * 3 + 1 + 3);
    for f in files {
        assert!(tmp.path().join("out").join(f["path"].as_str().unwrap()).exists(), "{f}");
    }
    assert!(tmp.path().join("out/truth.json").exists());
    let o = niche(&["lab", "run", "--events", "500", "-o", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    std::fs::write(tmp.path().join("bad.toml"), "replicates = 2\n[[group]]\nid = \"x\"\ncoculture = maybe\n").unwrap();
    let o = niche(&["lab", "run", "--study", "bad.toml", "-o", "out2"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.toml") && stderr(&o).contains("line 4"), "{}", stderr(&o));
}

#[test]
fn reproduce_writes_the_report_and_analyze_escapes_hostile_text() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(
        &["reproduce", "-o", "rep", "--events", "1000", "--seed", "2", "--repeats", "2", "--no-validate"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rep = tmp.path().join("rep");
    for name in [
        "report.html",
        "report.txt",
        "reproduction.json",
        "results.json",
        "provenance.json",
        "figures/readout_cxcr4_mfi.svg",
        "figures/gate_coculture_apoptosis_AnnexinV-PI.svg",
        "tables/gating.csv",
        "tables/summaries.csv",
        "raw/study.toml",
    ] {
        assert!(rep.join(name).exists(), "{name} missing");
    }
    let reproduction: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rep.join("reproduction.json")).unwrap()).unwrap();
    let records = reproduction["records"].as_array().unwrap();
    assert_eq!(records.len(), 33);
    for r in records {
        for key in ["id", "group", "readout", "published", "reproduced", "basis", "variance", "criterion", "pass"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        // fitted means are scored by z, everything else passes or fails
        assert!(r["pass"].is_boolean() || r["z"].is_number(), "{r}");
        assert_eq!(r["replicated"]["repeats"], 2, "{r}");
        assert!(r["replicated"]["rate"].is_number(), "{r}");
    }
    // the headline: the cohort's three numbers are inputs, the 12 published means fitted
    let h = &reproduction["headline"];
    assert_eq!(h["inputs"], 3);
    assert_eq!(h["fitted_means"], 12);
    assert_eq!(reproduction["variance_function"]["sds"].as_array().unwrap().len(), 12);
    assert!(reproduction["summary"].as_str().unwrap().starts_with("fitted: 12 means"));
    // the fit's targets carry the same ids
    let o = niche(&["model", "fit", "--no-refit", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let fit: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for t in fit["targets"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        assert!(records.iter().any(|r| r["id"] == id), "target {id} has no record");
    }
    assert!(!rep.join("replication_scratch").exists(), "replications leave no scratch files");
    let provenance: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rep.join("provenance.json")).unwrap()).unwrap();
    assert_eq!(provenance["seed"], 2);
    assert_eq!(provenance["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    // an existing, non-empty output directory is refused
    let o = niche(&["reproduce", "-o", "rep", "--events", "1000", "--repeats", "0"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));

    // analyze the generated study with a hostile name and group label
    let study = std::fs::read_to_string(rep.join("raw/study.toml")).unwrap();
    let hostile = study.replacen("name = \"Seed study", "name = \"<script>alert(1)</script> Seed study", 1).replacen(
        "label = \"Co\"",
        "label = \"<img src=x onerror=alert(2)>\"",
        1,
    );
    std::fs::write(rep.join("raw/hostile.toml"), hostile).unwrap();
    let o = niche(&["analyze", "rep/raw/hostile.toml", "-o", "hostile_report"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(tmp.path().join("hostile_report/report.html")).unwrap();
    assert!(!html.contains("<script>") && !html.contains("<img src=x"), "hostile text reached the HTML unescaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for entry in std::fs::read_dir(tmp.path().join("hostile_report/figures")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "svg") {
            assert_eq!(path.extension().unwrap(), "png", "{}", path.display());
            continue;
        }
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(!svg.contains("<img src=x") && !svg.contains("<script>"));
    }
    // an output directory that holds inputs is refused, even with --force
    let o = niche(&["analyze", "rep/raw/hostile.toml", "-o", "rep/raw", "--force"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("holds the input"), "{}", stderr(&o));
    // the same files analysed again give the same results as reproduce
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rep.join("results.json")).unwrap()).unwrap();
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("hostile_report/results.json")).unwrap())
            .unwrap();
    assert_eq!(a["summaries"], b["summaries"]);
    assert_eq!(a["comparisons"], b["comparisons"]);
    // the text report is part of the interface
    insta::assert_snapshot!("reproduce_report_txt", std::fs::read_to_string(rep.join("report.txt")).unwrap());
}

#[test]
fn instrument_fortessa_writes_facsdiva_files_and_reproduce_reads_them_through_the_panel() {
    let tmp = tempfile::tempdir().unwrap();
    let o =
        niche(&["lab", "run", "--instrument", "fortessa", "--events", "500", "--seed", "3", "-o", "lab"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("lab/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["design"]["instrument"], "fortessa");
    let o = niche(&["fcs", "info", "lab/flow/coculture_r1_cxcr4.fcs", "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let info = stdout(&o);
    for needle in ["LSRFortessa", "FSC-W", "PE-A", "PerCP-Cy5-5-H", "CXCR4 (CD184)", "262144"] {
        assert!(info.contains(needle), "{needle} missing from {info}");
    }

    let o = niche(
        &[
            "reproduce",
            "--instrument",
            "fortessa",
            "-o",
            "rep",
            "--events",
            "1000",
            "--seed",
            "2",
            "--repeats",
            "1",
            "--no-validate",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("on the fortessa"), "{}", stderr(&o));
    let study = std::fs::read_to_string(tmp.path().join("rep/raw/study.toml")).unwrap();
    assert!(study.contains("gating = \"builtin:seed-fortessa\"") && study.contains("CXCR4 = \"PE-A\""), "{study}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("rep/results.json")).unwrap()).unwrap();
    let values = results["values"].as_array().unwrap();
    let flow = |readout: &str| values.iter().filter(|v| v["readout"] == readout && v["value"].is_number()).count();
    assert_eq!((flow("cxcr4_mfi"), flow("apoptosis_percent")), (25, 25), "every well measured on the Fortessa");
    assert!(results["gating"].to_string().contains("Singlets"), "the Fortessa gating's hierarchy");

    // an instrument niche does not simulate is refused, with the ones it does
    for args in
        [vec!["lab", "run", "--instrument", "aria", "-o", "x"], vec!["reproduce", "--instrument", "aria", "-o", "y"]]
    {
        let o = niche(&args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("invalid value 'aria' for '--instrument") && err.contains("facscalibur, fortessa"),
            "{err}"
        );
        assert!(!tmp.path().join(args[args.len() - 1]).exists());
    }
}

#[test]
fn study_init_writes_a_study_file_that_analyze_reads_once_readouts_are_added() {
    let tmp = tempfile::tempdir().unwrap();
    let o = niche(&["lab", "run", "--events", "500", "--seed", "4", "-o", "lab"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = niche(
        &["study", "init", "lab/flow", "--pattern", "{group}_r{replicate}_{tube}.fcs", "-o", "lab/init.toml"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("5 groups, 25 wells, tubes apoptosis, cxcr4, isotype"), "{}", stderr(&o));
    let text = std::fs::read_to_string(tmp.path().join("lab/init.toml")).unwrap();
    assert!(text.contains("\"CD184 PE\" = \"FL2-H\""), "the panel from $PnS:\n{text}");
    assert!(text.contains("group = \"coculture_vcr_amd\"\nreplicate = 5\ntubes = { apoptosis = \"flow/coculture_vcr_amd_r5_apoptosis.fcs\""), "{text}");
    // the user adds the readouts the tubes need (the marker by its panel name: the isotype tube labels FL2-H otherwise)
    let readouts = "[[readout]]\nid = \"cxcr4\"\nkind = \"mfi_ratio\"\npopulation = \"CD45+CD19+\"\nmarker = \"CD184 PE\"\ntube = \"cxcr4\"\nreference = \"isotype\"\n\n\
                    [[readout]]\nid = \"apoptosis\"\nkind = \"percent\"\npopulation = \"Apoptotic\"\nparent = \"Lymphoblasts\"\ntube = \"apoptosis\"\n";
    std::fs::write(tmp.path().join("lab/init.toml"), format!("{text}\n{readouts}")).unwrap();
    let o = niche(&["analyze", "lab/init.toml", "-o", "report"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("report/results.json")).unwrap()).unwrap();
    assert_eq!(results["values"].as_array().unwrap().len(), 2 * 25);
    // nothing is overwritten without --force, and a bad pattern says why
    let o = niche(&["study", "init", "lab/flow", "-o", "lab/init.toml"], tmp.path());
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    let o = niche(&["study", "init", "lab/flow", "--pattern", "{group}{tube}.fcs", "-o", "s2.toml"], tmp.path());
    assert!(stderr(&o).contains("cannot be told apart"), "{}", stderr(&o));
}

#[test]
fn analyze_reports_study_errors_with_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), "[[group]]\nid = \"a\"\ntreatments = { vincristine = \"1 mg/kg\" }\n")
        .unwrap();
    let o = niche(&["analyze", "s.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("s.toml:3: group[1].treatments.vincristine: unknown unit \"mg/kg\""), "{}", stderr(&o));
    let o = niche(&["analyze", "missing.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
}

/// `../shared/data/flowjo`, or None (skipping) — but a failure under `CI=true`.
fn flowjo_data() -> Option<PathBuf> {
    niche_testdata::shared_data("flowjo").map(|data| data.canonicalize().unwrap())
}

#[test]
fn wsp_check_gives_flowjos_counts_and_fails_on_a_difference() {
    let Some(data) = flowjo_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = data.join("simple_diamond");
    let wsp = dir.join("simple_diamond_example_quad_gate.wsp");
    let o = niche(
        &["wsp", "check", wsp.to_str().unwrap(), "--fcs-dir", dir.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let counts: Vec<(String, u64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["match"], true);
            assert_eq!(r["flowjo_count"], r["niche_count"]);
            (r["population"].as_str().unwrap().to_string(), r["niche_count"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(counts.iter().map(|c| c.1).collect::<Vec<_>>(), vec![49671, 50596, 50330, 49403]);

    // a stored count that is off by one is reported, and the exit status says so
    let xml = std::fs::read_to_string(&wsp).unwrap().replace("count=\"49671\"", "count=\"49672\"");
    std::fs::write(tmp.path().join("stale.wsp"), &xml).unwrap();
    let o = niche(&["wsp", "check", "stale.wsp", "--fcs-dir", dir.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("49672        49671  NO"), "{}", stdout(&o));
    assert!(stderr(&o).contains("1 populations differ"), "{}", stderr(&o));
    // within a tolerance of 0.01 % it passes
    let o =
        niche(&["wsp", "check", "stale.wsp", "--fcs-dir", dir.to_str().unwrap(), "--tolerance", "0.01"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));

    // a directory without the FCS file is an error naming the sample
    let o = niche(&["wsp", "check", wsp.to_str().unwrap(), "--fcs-dir", "."], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("sample \"test_data_diamond_01.fcs\"") && stderr(&o).contains("no FCS file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn wsp_info_gate_and_export_agree() {
    let Some(data) = flowjo_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = data.join("simple_line");
    let wsp = dir.join("single_ellipse_51_events.wsp");
    let fcs = dir.join("data_set_simple_line_100.fcs");
    let o = niche(&["wsp", "info", "--format", "json", wsp.to_str().unwrap()], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let info: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(info["samples"][0]["populations"][0]["flowjo_count"], 51);
    assert_eq!(info["samples"][0]["populations"][0]["node"]["shape"]["kind"], "ellipse");
    let o = niche(&["wsp", "info", data.join("simple_line/simple_poly_and_rect.wsp").to_str().unwrap()], tmp.path());
    assert!(stdout(&o).contains("poly1 [polygon] null"), "{}", stdout(&o));

    let o = niche(&["gate", fcs.to_str().unwrap(), "--wsp", wsp.to_str().unwrap(), "--format", "json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let gated: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(gated["populations"][0]["id"], "ellipse1");
    assert_eq!(gated["populations"][0]["count"], 51);

    let o = niche(
        &["wsp", "export-gatingml", wsp.to_str().unwrap(), "--sample", "data_set_simple_line_100.fcs", "-o", "e.xml"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("everything expressed"), "{}", stderr(&o));
    let o = niche(&["gate", fcs.to_str().unwrap(), "--gatingml", "e.xml", "--format", "json"], tmp.path());
    let again: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(again["populations"], gated["populations"]);
    // the sample's gates as a template for a batch of files
    let o = niche(
        &[
            "wsp",
            "apply",
            wsp.to_str().unwrap(),
            "--sample",
            "data_set_simple_line_100.fcs",
            fcs.to_str().unwrap(),
            fcs.to_str().unwrap(),
            "--format",
            "json",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(rows.as_array().unwrap().iter().all(|r| r["population"] == "ellipse1" && r["count"] == 51));
    // an unknown sample names the ones there are
    let o = niche(&["wsp", "export-gatingml", wsp.to_str().unwrap(), "--sample", "nope", "-o", "f.xml"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("data_set_simple_line_100.fcs"), "{}", stderr(&o));
    // polygons on FlowJo biex are reported as not Gating-ML
    let eight = data.join("eight_color/8_color_ICS_simple.wsp");
    let o = niche(&["wsp", "info", "--format", "json", eight.to_str().unwrap()], tmp.path());
    let info: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let name = info["samples"][0]["name"].as_str().unwrap().to_string();
    let o = niche(&["wsp", "export-gatingml", eight.to_str().unwrap(), "--sample", &name, "-o", "g.xml"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join("g.xml").is_file());
}

#[test]
fn a_hostile_workspace_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Workspace>&b;</Workspace>"#;
    std::fs::write(tmp.path().join("bomb.wsp"), bomb).unwrap();
    let o = niche(&["wsp", "info", "bomb.wsp"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bomb.wsp") && stderr(&o).contains("not well-formed XML"), "{}", stderr(&o));
    // a huge file (sparse here) is refused before it is read
    std::fs::File::create(tmp.path().join("huge.wsp")).unwrap().set_len(600 << 20).unwrap();
    let o = niche(&["wsp", "info", "huge.wsp"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("huge.wsp") && stderr(&o).contains("exceeds the"), "{}", stderr(&o));
}

#[test]
fn comp_computes_the_facscalibur_spillover_from_its_controls() {
    let Some(data) = niche_testdata::shared_data("fcs/facscalibur_compensation") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let f = |n: &str| data.join(n).to_str().unwrap().to_string();
    let (a, b, c, d, u) = (f("060909.002"), f("060909.003"), f("060909.004"), f("060909.005"), f("060909.001"));
    let o = niche(&["comp", &a, &b, &c, &d, "--unstained", &u, "--format", "spillover"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("4,FL1-H,FL2-H,FL4-H,FL3-H,1.0,0.2505956702645736,"), "{}", stdout(&o));
    assert!(stderr(&o).contains("060909.002") && stderr(&o).contains("primary FL1-H"), "{}", stderr(&o));
    let o = niche(&["comp", &a, &b, &c, &d, "--unstained", &u, "--format", "gatingml", "-o", "m.xml"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let xml = std::fs::read_to_string(tmp.path().join("m.xml")).unwrap();
    assert!(xml.contains("spectrumMatrix") && xml.contains("0.2505956702645736"), "{xml}");
    // niche gate uses it for compensation-ref="FCS" instead of the file's (absent) spillover
    let o = niche(&["comp", &a, &b, &c, &d, "--unstained", &u, "--format", "spillover", "-o", "m.txt"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let gates = r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating"
        xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
      <gating:RectangleGate gating:id="PE+">
        <gating:dimension gating:compensation-ref="FCS" gating:min="100"><data-type:fcs-dimension data-type:name="FL2-H"/></gating:dimension>
      </gating:RectangleGate></gating:Gating-ML>"#;
    std::fs::write(tmp.path().join("g.xml"), gates).unwrap();
    let count = |extra: &[&str]| {
        let mut args = vec!["gate", a.as_str(), "--gatingml", "g.xml", "--format", "json"];
        args.extend_from_slice(extra);
        let o = niche(&args, tmp.path());
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["populations"][0]["count"].as_u64().unwrap()
    };
    // the FITC control spills a quarter of its light into FL2: compensation removes that
    let (raw, compensated) = (count(&[]), count(&["--spillover", "m.txt"]));
    assert!(compensated < raw, "{compensated} vs {raw}");
    // the output never replaces an input
    let o = niche(&["comp", &a, "--unstained", &u, "-o", &a, "--force"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
}
