//! Every `--format json` output, as an `insta` snapshot: the JSON a program reads from niche is an
//! interface, and a change to it (a renamed key, a moved value, a different number) shows up as a
//! snapshot diff to review (`INSTA_UPDATE=always cargo test -p niche-cli --test json_outputs`).
//! Paths of the temporary directory are written as `$TMP`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative).canonicalize().unwrap()
}

/// Runs niche in `dir` and returns its standard output, pretty-printed JSON with `dir` as `$TMP`.
fn json(args: &[&str], dir: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_niche")).args(args).current_dir(dir).output().unwrap();
    assert!(o.status.success(), "niche {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    let value: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    serde_json::to_string_pretty(&value).unwrap().replace(dir.to_str().unwrap(), "$TMP")
}

#[test]
fn fcs_info_and_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = fixture("../niche-fcs/tests/data/niche_demo.fcs");
    let gates = fixture("../niche-cyto/strategies/seed_flow.xml");
    let demo_path = demo.to_str().unwrap();
    let info = json(&["fcs", "info", "--format", "json", demo_path], tmp.path());
    insta::assert_snapshot!("fcs_info", info.replace(demo_path, "$DEMO"));
    let gate = json(
        &["gate", demo_path, "--gatingml", gates.to_str().unwrap(), "--format", "json", "--stats", "FL2-H"],
        tmp.path(),
    );
    insta::assert_snapshot!("gate", gate.replace(demo_path, "$DEMO"));
}

#[test]
fn stats_compare_and_table1() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text).unwrap();
    write("mw.csv", "group,value\nND,1\nND,2\nND,3\nND,4\nND,5\nRR,6\nRR,7\nRR,8\nRR,9\nRR,10\n");
    write("an.csv", "group,value\nA,1\nA,2\nA,3.5\nB,4\nB,5\nB,6.1\nC,2\nC,2.5\nC,3\n");
    write("patients.csv", "disease,age,sex\nND,14,F\nND,30,M\nND,25,F\nRR,40,M\nRR,61,M\nRR,NA,\"F\"\n");
    insta::assert_snapshot!(
        "stats_compare_mann_whitney",
        json(&["stats", "compare", "mw.csv", "--test", "mann-whitney", "--format", "json"], tmp.path())
    );
    insta::assert_snapshot!(
        "stats_compare_anova_tukey",
        json(&["stats", "compare", "an.csv", "--test", "anova", "--format", "json"], tmp.path())
    );
    insta::assert_snapshot!(
        "stats_compare_anova_dunnett",
        json(&["stats", "compare", "an.csv", "--test", "anova", "--control", "C", "--format", "json"], tmp.path())
    );
    insta::assert_snapshot!(
        "stats_table1",
        json(&["stats", "table1", "patients.csv", "--by", "disease", "--format", "json"], tmp.path())
    );
}

#[test]
fn elisa_fit_and_blot_quantify() {
    let tmp = tempfile::tempdir().unwrap();
    // a plate on a known 4PL (bottom 0.05, top 2.5, EC50 40, Hill 1.2, blank 0.04)
    let response = |c: f64| 0.05 + 2.45 / (1.0 + (40.0f64 / c).powf(1.2));
    let mut od = [[0.04f64; 12]; 8];
    let mut layout = String::from("units = \"ng/mL\"\nblanks = [\"A1\", \"B1\"]\n[standards]\n");
    for (k, conc) in [2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0].iter().enumerate() {
        for col in [1, 2] {
            od[k][col] = 0.04 + response(*conc) * if col == 1 { 1.01 } else { 0.99 };
            layout += &format!("{}{} = {conc}\n", (b'A' + k as u8) as char, col + 1);
        }
    }
    od[0][3] = 0.04 + response(30.0);
    od[1][3] = 0.04 + response(31.0);
    od[2][3] = 0.04 + response(0.5);
    layout += "[samples]\nA4 = \"s1\"\nB4 = \"s1\"\nC4 = \"low\"\n[dilutions]\ns1 = 2\n";
    let grid: String =
        od.iter().map(|r| r.iter().map(|v| format!("{v:.6}")).collect::<Vec<_>>().join(",") + "\n").collect();
    std::fs::write(tmp.path().join("plate.csv"), grid).unwrap();
    std::fs::write(tmp.path().join("layout.toml"), layout).unwrap();
    insta::assert_snapshot!(
        "elisa_fit",
        json(&["elisa", "fit", "plate.csv", "--layout", "layout.toml", "--format", "json"], tmp.path())
    );

    let image = fixture("../niche-assay/tests/fixtures/blot/blot16.tif");
    let mut layout = String::from("radius = 20\nloading_control = \"GAPDH\"\nreference = \"ctrl\"\n");
    for group in ["ctrl", "ctrl", "vcr", "vcr"] {
        layout += &format!("[[lanes]]\ngroup = \"{group}\"\n");
    }
    for target in ["GAPDH", "Bcl-2", "Bax"] {
        layout += &format!("[[targets]]\nname = \"{target}\"\n");
    }
    std::fs::write(tmp.path().join("blot.toml"), &layout).unwrap();
    let blot =
        json(&["blot", "quantify", image.to_str().unwrap(), "--layout", "blot.toml", "--format", "json"], tmp.path());
    insta::assert_snapshot!("blot_quantify", blot.replace(image.to_str().unwrap(), "$IMAGE"));
}

#[test]
fn model_commands() {
    let tmp = tempfile::tempdir().unwrap();
    insta::assert_snapshot!(
        "model_simulate",
        json(
            &["model", "simulate", "--msc", "--vcr", "1", "--amd", "5", "--hours", "4", "--format", "json"],
            tmp.path()
        )
    );
    insta::assert_snapshot!(
        "model_scan",
        json(&["model", "scan", "--vcr", "0,0.01,1", "--amd", "0,5", "--msc", "--format", "json"], tmp.path())
    );
    insta::assert_snapshot!("model_fit", json(&["model", "fit", "--format", "json"], tmp.path()));
    insta::assert_snapshot!(
        "model_cohort",
        json(&["model", "cohort", "--patients", "4", "--seed", "3", "--format", "json"], tmp.path())
    );
}

/// `wsp check` on the shared FlowJo workspace (skips without `../shared/data`, fails under CI).
#[test]
fn wsp_check() {
    let Some(flowjo) = niche_testdata::shared_data("flowjo/simple_diamond") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let wsp = flowjo.join("simple_diamond_example_quad_gate.wsp");
    let out = json(
        &["wsp", "check", wsp.to_str().unwrap(), "--fcs-dir", flowjo.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    insta::assert_snapshot!("wsp_check", out.replace(flowjo.to_str().unwrap(), "$FLOWJO"));
}
