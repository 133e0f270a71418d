//! Fuzzes the virtual lab's design-file parser and its checks: any text gives a checked design or
//! an error, never a panic.
//!
//! `cargo fuzz run lab_design -s none` with its corpus and dictionary: see docs/RELIABILITY.md
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(design) = niche_lab::Design::parse(text) {
        let _ = design.check();
    }
});
