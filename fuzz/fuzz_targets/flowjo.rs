//! Fuzzes the FlowJo workspace parser: any text must parse or give an error, never panic; every
//! sample's strategy must apply to a small sample, and its Gating-ML export must read back to the
//! same strategy.
//!
//! `cargo fuzz run flowjo -s none` with its corpus and dictionary: see docs/RELIABILITY.md
#![no_main]

use libfuzzer_sys::fuzz_target;
use niche_cyto::{Sample, flowjo, gatingml};
use niche_fcs as fcs;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(ws) = flowjo::parse(text) else { return };
    for s in &ws.samples {
        let Ok(strategy) = ws.strategy(s) else { continue };
        let mut names: Vec<String> = strategy
            .strategy
            .gates()
            .iter()
            .flat_map(|g| g.dimensions.iter())
            .filter_map(|d| match &d.source {
                niche_cyto::Source::Channel(c) => Some(c.clone()),
                niche_cyto::Source::Ratio(_) => None,
            })
            .chain(strategy.strategy.compensations().iter().flat_map(|c| c.detectors.iter().cloned()))
            .collect();
        names.sort();
        names.dedup();
        let columns = (0..names.len()).map(|j| (0..16).map(|i| (i * 37 + j * 11) as f64 - 50.0).collect()).collect();
        if let Ok(events) = fcs::Events::from_columns(names, columns) {
            let _ = strategy.strategy.apply(&Sample { id: "fuzz".into(), events, spillover: None });
        }
        let export = ws.gatingml_export(s).expect("a sample with a strategy exports");
        let back = gatingml::parse(&gatingml::write(&export.strategy)).expect("an export reads back");
        assert_eq!(back, export.strategy);
    }
});
