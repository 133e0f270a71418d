//! Fuzzes the plate-reader and plate-layout parsers: any text gives a plate/layout or an error,
//! never a panic.
//!
//! `cargo fuzz run assay -s none` with its corpus and dictionary: see docs/RELIABILITY.md
#![no_main]

use libfuzzer_sys::fuzz_target;
use niche_assay::{Layout, Plate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(plate) = Plate::parse(text) {
        let _ = plate.get("H12");
    }
    if let Ok(layout) = Layout::parse(text) {
        for (id, _) in &layout.samples {
            let _ = layout.dilution(id);
        }
    }
});
