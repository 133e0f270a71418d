//! The study pipelines: errors in study files, `analyze` on the generated study equals
//! `reproduce`, and the reproduction table.

use std::path::Path;

use niche_study::Study;
use niche_study::analyze::analyze;
use niche_study::reproduce::reproduce;

fn quiet(_: usize, _: usize, _: &str) {}

#[test]
fn analyze_on_the_generated_study_gives_the_same_results_as_reproduce() {
    let dir = tempfile::tempdir().unwrap();
    let r = reproduce(dir.path(), 2000, 7, niche_model::sampling::Sampling::Typical, &quiet).unwrap();
    let study = Study::open(&dir.path().join("raw/study.toml")).unwrap();
    let again = analyze(&study, &quiet).unwrap();
    // compared as JSON: a group with no values has a NaN mean, and NaN ≠ NaN
    let json = |r: &niche_study::analyze::Results| serde_json::to_string(r).unwrap();
    assert!(json(&again) == json(&r.results), "analyze and reproduce differ");
    assert_eq!(r.records.len(), 33, "every published number of the seed targets has a record");
    assert!(r.records.iter().filter(|x| x.pass).count() >= 25, "{:#?}", r.records);
    // the seed study's five groups with their six replicates
    let n = |readout| {
        r.results.summaries.iter().filter(|s| s.readout == readout).map(|s| s.n + s.flagged).collect::<Vec<_>>()
    };
    assert_eq!(n(niche_study::Readout::ApoptosisPercent), vec![6; 5]);
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn study_file_errors_name_the_line_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.fcs"), b"not really").unwrap();
    let base = "[[group]]\nid = \"co\"\nmsc = true\nvcr = \"1 umol/L\"\n\n";
    for (text, needle) in [
        (
            format!("{base}[[flow]]\ngroup = \"co\"\nreplicate = 1\nstained = \"missing.fcs\"\n"),
            "study.toml:9: flow[1].stained: ",
        ),
        (
            format!("{base}[[flow]]\ngroup = \"vcr\"\nreplicate = 1\nstained = \"a.fcs\"\n"),
            "study.toml:7: flow[1].group: unknown group \"vcr\"",
        ),
        (
            "[[group]]\nid = \"co\"\nmsc = true\nvcr = \"1 mg\"\n".to_string(),
            "study.toml:4: group.vcr: unknown unit \"mg\"",
        ),
        (
            "[[group]]\nid = \"co\"\nmsc = true\namd3100 = \"five ug/mL\"\n".to_string(),
            "group.amd3100: \"five\" is not a number",
        ),
        (
            format!("{base}[[comparison]]\nreadout = \"cxcr4\"\ngroup = \"co\"\nreference = \"co\"\ntest = \"t\"\n"),
            "study.toml:7: comparison[1].readout",
        ),
        (
            format!(
                "{base}[[comparison]]\nreadout = \"cxcr4_mfi\"\ngroup = \"co\"\nreference = \"co\"\ntest = \"anova\"\n"
            ),
            "comparison[1].test: \"anova\"",
        ),
        ("[[group]]\nid = \"co\"\nmsc = yes\n".to_string(), "study.toml:3: toml"),
        (format!("alpha = 2\n{base}"), "study.toml:1: alpha"),
    ] {
        let path = write(dir.path(), "study.toml", &text);
        let err = Study::open(&path).unwrap_err().to_string();
        assert!(err.contains(needle), "{err}\n  lacks {needle}");
    }
    let err = Study::open(&dir.path().join("nope.toml")).unwrap_err().to_string();
    assert!(err.contains("nope.toml") && err.contains("cannot read"), "{err}");
}

#[test]
fn doses_convert_from_every_unit() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        write(dir.path(), "s.toml", "[[group]]\nid = \"a\"\nmsc = true\nvcr = \"1000 nM\"\namd3100 = \"9.9447 uM\"\n");
    let study = Study::open(&path).unwrap();
    assert!((study.groups[0].vcr_umol_per_l - 1.0).abs() < 1e-12);
    assert!((study.groups[0].amd3100_ug_per_ml - 5.0).abs() < 1e-3, "{}", study.groups[0].amd3100_ug_per_ml);
}

#[test]
fn replications_count_passes_per_published_number_and_leave_no_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = reproduce(dir.path(), 500, 3, niche_model::sampling::Sampling::Typical, &quiet).unwrap();
    niche_study::reproduce::replicate(dir.path(), 500, 3, 2, &mut r.records, &quiet).unwrap();
    for x in &r.records {
        let odds = x.replicated.expect("every record gets its replication count");
        assert_eq!(odds.repeats, 2);
        assert!(odds.passes <= 2);
    }
    // numbers that never fail by chance: the blot directions and the strong P values
    let strong = r.records.iter().find(|x| x.group == "coculture_vcr_amd" && x.readout.contains("apoptosis_percent P"));
    assert_eq!(strong.and_then(|x| x.replicated).map(|o| o.passes), Some(2));
    assert!(!dir.path().join("replication_scratch").exists());
    assert!(dir.path().join("raw/study.toml").exists(), "the main run's files stay");
}

#[test]
fn the_typical_experiment_reproduces_every_published_number_with_the_default_seed() {
    let dir = tempfile::tempdir().unwrap();
    let r = reproduce(dir.path(), 20_000, 1, niche_model::sampling::Sampling::Typical, &quiet).unwrap();
    let failed: Vec<_> = r.records.iter().filter(|x| !x.pass).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}
