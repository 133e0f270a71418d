//! Fuzzes the Gating-ML parser: any text must parse to a strategy or give an error, never panic;
//! a parsed strategy must survive writing and re-reading, and applying it to a small sample.
//!
//! `cargo fuzz run gatingml -s none` with its corpus and dictionary: see docs/RELIABILITY.md
#![no_main]

use libfuzzer_sys::fuzz_target;
use niche_cyto::{Sample, gatingml};
use niche_fcs as fcs;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(strategy) = gatingml::parse(text) else { return };
    let again = gatingml::parse(&gatingml::write(&strategy)).expect("a written strategy reads back");
    assert_eq!(again, strategy);
    let names = ["FSC-H", "SSC-H", "FL1-H", "FL2-H", "FL3-H", "FL4-H"];
    let columns = (0..names.len()).map(|j| (0..16).map(|i| (i * 37 + j * 11) as f64 - 50.0).collect()).collect();
    let events = fcs::Events::from_columns(names.iter().map(|s| s.to_string()).collect(), columns).unwrap();
    let _ = strategy.apply(&Sample { id: "fuzz".into(), events, spillover: None });
});
