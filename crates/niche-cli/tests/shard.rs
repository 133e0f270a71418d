//! Sharded runs merge into exactly the unsharded result (`--shard I/K` + `niche merge`), parts that
//! do not make one whole are refused by name, and a 37-patient × 2-condition cohort (74 wells,
//! two ELISA plates) runs through the lab and the analysis.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

fn niche(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_niche")).args(args).current_dir(dir).output().expect("niche runs")
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn fails(o: Output) -> String {
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8(o.stderr).unwrap()
}

/// Every file under `dir` by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

const GRID: [&str; 10] =
    ["model", "scan", "--vcr", "0,0.1,0.5,1", "--amd", "0,1,5", "--msc", "--donors", "3", "--seed"];

#[test]
fn model_scan_in_1_and_3_shards_merges_to_the_unsharded_grid() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = GRID.to_vec();
        args.push("2");
        args.extend(extra);
        niche(&args, dir)
    };
    let scan = |extra: &[&str]| ok(run(extra));
    let csv = scan(&[]).stdout;
    let json = scan(&["--format", "json"]).stdout;
    scan(&["--shard", "1/1", "-o", "whole.json"]);
    for i in 1..=3 {
        scan(&["--shard", &format!("{i}/3"), "-o", &format!("p{i}.json")]);
    }
    // in any order, CSV and JSON (every digit of every readout and score)
    ok(niche(&["merge", "whole.json", "-o", "one.csv"], dir));
    ok(niche(&["merge", "p3.json", "p1.json", "p2.json", "-o", "three.csv"], dir));
    ok(niche(&["merge", "p2.json", "p1.json", "p3.json", "-o", "three.json", "--format", "json"], dir));
    assert_eq!(std::fs::read(dir.join("one.csv")).unwrap(), csv);
    assert_eq!(std::fs::read(dir.join("three.csv")).unwrap(), csv);
    assert_eq!(std::fs::read(dir.join("three.json")).unwrap(), json);
    let rows = String::from_utf8(csv).unwrap();
    assert_eq!(rows.lines().count(), 1 + 12);
    // synergy scored over the whole grid by the merge (Loewe at the corner needs every single-drug row)
    assert!(rows.lines().nth(12).unwrap().split(',').nth(12).is_some_and(|loewe| !loewe.is_empty()), "{rows}");
    // a part holds its own points only: shard 2 of 3 has points 1, 4, 7, 10
    let part: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("p2.json")).unwrap()).unwrap();
    let ks: Vec<u64> = part["payload"]["points"].as_array().unwrap().iter().map(|p| p[0].as_u64().unwrap()).collect();
    assert_eq!(ks, [1, 4, 7, 10]);

    // parts that are not one whole, by name
    let e = fails(niche(&["merge", "p1.json", "p2.json", "-o", "x.csv"], dir));
    assert!(e.contains("missing shard 3/3"), "{e}");
    let e = fails(niche(&["merge", "p1.json", "p1.json", "p2.json", "p3.json", "-o", "x.csv"], dir));
    assert!(e.contains("shard 1/3 is given twice: p1.json and p1.json"), "{e}");
    let e = fails(niche(&["merge", "whole.json", "p1.json", "-o", "x.csv"], dir));
    assert!(e.contains("split into 1 and 3 shards"), "{e}");
    scan(&["--shard", "1/3", "-o", "other.json", "--hours", "12"]);
    let e = fails(niche(&["merge", "other.json", "p2.json", "p3.json", "-o", "x.csv"], dir));
    assert!(e.contains("parts of different scans"), "{e}");
    for bad in ["0/3", "4/3", "1/0", "two/3"] {
        let o = run(&["--shard", bad, "-o", "x.json"]);
        let e = String::from_utf8(o.stderr).unwrap();
        assert!(!o.status.success() && e.contains(&format!("shard {bad:?}")), "{e}");
    }
    let e = fails(run(&["--shard", "1/2"]));
    assert!(e.contains("-o PART.json"), "{e}");
    std::fs::write(dir.join("junk.json"), "{\"x\": 1}").unwrap();
    let e = fails(niche(&["merge", "junk.json", "-o", "x.csv"], dir));
    assert!(e.contains("junk.json: not a niche part"), "{e}");
    assert!(!dir.join("x.csv").exists());
}

#[test]
fn analyze_in_1_and_2_shards_merges_to_the_unsharded_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("design.toml"),
        format!("replicates = {{ flow = 3, elisa = 3, blot = 2 }}\n{}", seed_groups()),
    )
    .unwrap();
    ok(niche(&["lab", "run", "--study", "design.toml", "--events", "400", "--seed", "2", "-o", "lab"], dir));
    let whole = ok(niche(&["analyze", "lab/study.toml", "-o", "whole"], dir)).stdout;
    ok(niche(&["analyze", "lab/study.toml", "--shard", "1/1", "-o", "a1.json"], dir));
    ok(niche(&["analyze", "lab/study.toml", "--shard", "2/2", "-o", "b2.json"], dir));
    ok(niche(&["analyze", "lab/study.toml", "--shard", "1/2", "-o", "b1.json"], dir));
    let one = ok(niche(&["merge", "a1.json", "-o", "one"], dir)).stdout;
    let two = ok(niche(&["merge", "b2.json", "b1.json", "-o", "two"], dir)).stdout;
    assert_eq!(one, whole);
    assert_eq!(two, whole);
    let (w, o, t) = (tree(&dir.join("whole")), tree(&dir.join("one")), tree(&dir.join("two")));
    assert!(w.contains_key("results.json") && w.contains_key("report.html") && w.len() > 10, "{:?}", w.keys());
    assert_eq!(w.keys().collect::<Vec<_>>(), t.keys().collect::<Vec<_>>());
    for (name, bytes) in &w {
        assert!(o[name] == *bytes, "{name} differs between the unsharded report and 1 shard merged");
        assert!(t[name] == *bytes, "{name} differs between the unsharded report and 2 shards merged");
    }
    // 15 wells, 1 plate, 2 blots: shard 2 of 2 has units 1, 3, …, 17
    let part: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("b2.json")).unwrap()).unwrap();
    assert_eq!(part["units"], 18);
    let units: Vec<u64> =
        part["payload"]["units"].as_array().unwrap().iter().map(|u| u["unit"].as_u64().unwrap()).collect();
    assert_eq!(units, (1..18).step_by(2).collect::<Vec<u64>>());

    // a study changed since its parts were made, and parts of another study
    let e = fails(niche(&["merge", "b1.json", "a1.json", "-o", "x"], dir));
    assert!(e.contains("split into 2 and 1 shards"), "{e}");
    std::fs::copy(dir.join("lab/study.toml"), dir.join("lab/other.toml")).unwrap();
    let mut text = std::fs::read_to_string(dir.join("lab/other.toml")).unwrap();
    text.push_str("\n# another study\n");
    std::fs::write(dir.join("lab/other.toml"), &text).unwrap();
    ok(niche(&["analyze", "lab/other.toml", "--shard", "2/2", "-o", "c2.json"], dir));
    let e = fails(niche(&["merge", "b1.json", "c2.json", "-o", "x"], dir));
    assert!(e.contains("b1.json and c2.json: parts of different studies"), "{e}");
    std::fs::write(dir.join("lab/study.toml"), format!("{text}# edited\n")).unwrap();
    let e = fails(niche(&["merge", "b1.json", "b2.json", "-o", "x"], dir));
    assert!(e.contains("study.toml: the study file changed since the parts were made"), "{e}");
    assert!(!dir.join("x").exists());
}

/// The seed study's groups as design `[[group]]` tables.
fn seed_groups() -> &'static str {
    "[[group]]\nid = \"all\"\n\n[[group]]\nid = \"coculture\"\ncoculture = \"MSC\"\n\n\
     [[group]]\nid = \"coculture_amd\"\ncoculture = \"MSC\"\ntreatments = { AMD3100 = \"5 ug/mL\" }\n\n\
     [[group]]\nid = \"coculture_vcr\"\ncoculture = \"MSC\"\ntreatments = { vincristine = \"1 umol/L\" }\n\n\
     [[group]]\nid = \"coculture_vcr_amd\"\ncoculture = \"MSC\"\ntreatments = { vincristine = \"1 umol/L\", AMD3100 = \"5 ug/mL\" }\n"
}

#[test]
fn a_cohort_of_37_patients_in_2_conditions_runs_through_the_lab_and_the_analysis() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("cohort.toml"),
        "patients = 37\nevents = 300\n\n\
         [[group]]\nid = \"coculture_vcr\"\ncoculture = \"MSC\"\ntreatments = { vincristine = \"1 umol/L\" }\n\n\
         [[group]]\nid = \"coculture_vcr_amd\"\ncoculture = \"MSC\"\ntreatments = { vincristine = \"1 umol/L\", AMD3100 = \"5 ug/mL\" }\n",
    )
    .unwrap();
    let o = ok(niche(&["lab", "run", "--study", "cohort.toml", "--seed", "5", "-o", "lab"], dir));
    let said = String::from_utf8(o.stderr).unwrap();
    assert!(said.contains("wrote 222 FCS tubes, 2 ELISA plates, 3 blots for 74 wells"), "{said}");
    for f in ["flow/coculture_vcr_P01_cxcr4.fcs", "flow/coculture_vcr_amd_P37_apoptosis.fcs"] {
        assert!(dir.join("lab").join(f).exists(), "{f}");
    }
    for plate in 1..=2 {
        let layout = std::fs::read_to_string(dir.join(format!("lab/elisa/cxcl12_layout_{plate}.toml"))).unwrap();
        assert!(layout.contains(if plate == 1 { "coculture_vcr_P01" } else { "coculture_vcr_amd_P37" }), "{layout}");
    }
    let study = std::fs::read_to_string(dir.join("lab/study.toml")).unwrap();
    assert!(study.contains("donor = \"P37\""), "{study}");
    ok(niche(&["analyze", "lab/study.toml", "-o", "report"], dir));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report/results.json")).unwrap()).unwrap();
    let values = results["values"].as_array().unwrap();
    for readout in ["cxcr4_mfi", "apoptosis_percent", "cxcl12_ng_per_ml"] {
        let n = values.iter().filter(|v| v["readout"] == readout && v["value"].is_number()).count();
        assert_eq!(n, 74, "{readout}");
    }
    assert!(values.iter().any(|v| v["donor"] == "P19" && v["group"] == "coculture_vcr_amd"));
    let summaries = results["summaries"].as_array().unwrap();
    assert!(summaries.iter().all(|s| s["readout"] == "bax" || s["readout"] == "bcl2" || s["n"] == 37), "{summaries:?}");
}
