//! A study on another instrument's files: FACSAria tubes derived from `../shared/data/fcs/100715.fcs`
//! (markers in `$PnS`, a 13-channel SPILL), its own Gating-ML gates (polygon, compensated rectangle
//! on an arcsinh scale, quadrants), a panel, `mfi` and `percent` readouts and paired donors. Every
//! per-well value and P value equals the independent numpy/scipy computation of
//! `fixtures/aria/make_reference.py` (committed as `values.csv` and `comparisons.csv`).

use std::path::{Path, PathBuf};

use niche_fcs as fcs;
use niche_study::Study;
use niche_study::analyze::analyze;
use niche_study::study::Subject;

const BLOCK: usize = 8127;

/// `../shared/data/fcs/100715.fcs`, or None (skipping) — but a failure under `CI=true`.
fn aria_file() -> Option<PathBuf> {
    niche_testdata::shared_data("fcs/100715.fcs")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aria").join(name)
}

/// The study's directory: the eight blocks of the file as FCS 3.1 tubes (same parameters, `$PnS`
/// and spillover), the gates and the study file.
fn derive_study(source: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = fcs::Reader::default().read_path(source).unwrap();
    let ds = &file.datasets[0];
    let events = ds.events::<f32>(fcs::Values::Raw).unwrap();
    assert_eq!(events.n_events(), 8 * BLOCK);
    let spillover = ds.spillover().unwrap();
    for k in 0..8 {
        let columns: Vec<Vec<f32>> = events.columns().map(|c| c[k * BLOCK..(k + 1) * BLOCK].to_vec()).collect();
        let block = fcs::Events::from_columns(events.names().to_vec(), columns).unwrap();
        fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Float)
            .big_endian(true)
            .write_path(
                dir.path().join(format!("block_{k}.fcs")),
                &ds.parameters,
                &block,
                &fcs::Keywords::new(),
                spillover.as_ref(),
            )
            .unwrap();
    }
    for name in ["gates.xml", "study.toml"] {
        std::fs::copy(fixture(name), dir.path().join(name)).unwrap();
    }
    dir
}

fn csv_rows(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_facsaria_study_with_paired_donors_matches_numpy_and_scipy() {
    let Some(source) = aria_file() else { return };
    let dir = derive_study(&source);
    let study = Study::open(&dir.path().join("study.toml")).unwrap();
    let results = analyze(&study, &|_, _, _| {}).unwrap();

    let expected = csv_rows("values.csv");
    assert_eq!(expected.len(), 5 * 8);
    assert_eq!(results.values.len(), expected.len());
    for row in &expected {
        let (readout, group, donor, value) = (&row[0], &row[1], &row[2], row[3].parse::<f64>().unwrap());
        let found = results
            .values
            .iter()
            .find(|v| &v.readout == readout && &v.group == group && v.subject == Subject::Donor(donor.clone()))
            .unwrap_or_else(|| panic!("no value for {row:?}"));
        let got = found.value.unwrap();
        assert!((got - value).abs() <= 1e-9 * value.abs(), "{readout} {group} {donor}: niche {got}, numpy {value}");
    }
    for row in csv_rows("comparisons.csv") {
        let (readout, p) = (&row[0], row[2].parse::<f64>().unwrap());
        let c = results.comparison(readout, "stim", "ctrl").unwrap();
        assert_eq!(serde_json::to_value(c.test).unwrap(), row[1].as_str(), "{readout}");
        let got = c.p.unwrap_or_else(|| panic!("{readout}: no P ({:?})", c.note));
        assert!((got - p).abs() <= 1e-9 * p, "{readout} {}: niche {got}, scipy {p}", row[1]);
        if matches!(row[1].as_str(), "paired_t" | "wilcoxon") {
            assert_eq!(c.n, (4, 4), "{readout}: four donors paired");
        }
    }
    // the report draws what was counted: every gate of the paths, over its parent, once per group
    let gates: Vec<&str> = results.gate_plots.iter().filter(|p| p.group == "ctrl").map(|p| p.gate.as_str()).collect();
    assert_eq!(gates, ["Cells", "Live", "CD3+", "CD4-CD8"]);
    let hierarchy = &results.gating[0];
    assert_eq!(hierarchy.events, BLOCK);
    assert_eq!(hierarchy.populations.len(), 3 + 4);
}

#[test]
fn unknown_markers_missing_populations_and_tubes_name_the_line() {
    let Some(source) = aria_file() else { return };
    let dir = derive_study(&source);
    let study = std::fs::read_to_string(dir.path().join("study.toml")).unwrap();
    let line_of = |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for (from, to, field, message) in [
        ("marker = \"CD127\"", "marker = \"CD999\"", "readout[3].marker", "unknown marker \"CD999\""),
        (
            "population = \"CD4-CD8+\"",
            "population = \"CD8+\"",
            "readout[5].population",
            "\"CD8+\" is not a population of",
        ),
        (
            "tube = \"panel\"\n\n[[readout]]\nid = \"cd4_gmfi\"",
            "tube = \"stain\"\n\n[[readout]]\nid = \"cd4_gmfi\"",
            "flow[1].tubes",
            "needs a tube \"stain\"",
        ),
    ] {
        let changed = study.replacen(from, to, 1);
        assert_ne!(changed, study, "{from}");
        std::fs::write(dir.path().join("bad.toml"), &changed).unwrap();
        let err = Study::open(&dir.path().join("bad.toml")).unwrap_err().to_string();
        let line = if field.starts_with("flow") {
            line_of(&changed, "tubes = { panel = \"block_0.fcs\" }")
        } else {
            line_of(&changed, to.lines().next().unwrap())
        };
        assert!(err.contains(&format!("bad.toml:{line}: {field}: ")) && err.contains(message), "{err}");
    }
}

#[test]
fn a_flowjo_workspace_gates_the_study_with_flowjos_counts() {
    let Some(source) = aria_file() else { return };
    let data = source.parent().unwrap().parent().unwrap().join("flowjo/simple_diamond");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data.join("test_data_diamond_01.fcs"), dir.path().join("test_data_diamond_01.fcs")).unwrap();
    std::fs::copy(data.join("simple_diamond_example_quad_gate.wsp"), dir.path().join("gates.wsp")).unwrap();
    let q2 = "Q2: channel_A+ , channel_B+";
    std::fs::write(
        dir.path().join("study.toml"),
        format!(
            "gating = \"gates.wsp\"\n[[group]]\nid = \"a\"\n[[readout]]\nid = \"q2\"\nkind = \"percent\"\n\
             population = \"{q2}\"\ntube = \"t\"\n[[flow]]\ngroup = \"a\"\nreplicate = 1\ntubes = {{ t = \"test_data_diamond_01.fcs\" }}\n"
        ),
    )
    .unwrap();
    let study = Study::open(&dir.path().join("study.toml")).unwrap();
    let results = analyze(&study, &|_, _, _| {}).unwrap();
    // FlowJo's own counts in the workspace: Q2 50,596 of 200,000 events
    let ws =
        niche_cyto::flowjo::parse(&std::fs::read_to_string(data.join("simple_diamond_example_quad_gate.wsp")).unwrap())
            .unwrap();
    let sample = &ws.samples[0];
    let flowjo =
        |name: &str| sample.populations.iter().find(|p| p.path.last().unwrap() == name).unwrap().flowjo_count.unwrap();
    let expected = 100.0 * flowjo(q2) as f64 / sample.flowjo_count.unwrap() as f64;
    assert!((results.values[0].value.unwrap() - expected).abs() < 1e-12, "{:?} vs {expected}", results.values[0]);
    // a population the workspace lacks is refused with the line
    let text = std::fs::read_to_string(dir.path().join("study.toml")).unwrap().replace(q2, "Q5");
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let err = Study::open(&dir.path().join("bad.toml")).unwrap_err().to_string();
    assert!(err.contains("bad.toml:7: readout[1].population: \"Q5\" is not a population of"), "{err}");
}
