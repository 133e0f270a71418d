//! Fuzzes the FCS reader: any bytes, under every option set, must give a value or an error,
//! never a panic, a hang or an allocation beyond the input's size.
//!
//! `cargo fuzz run fcs_reader -s none` with its corpus and dictionary: see docs/RELIABILITY.md
#![no_main]

use libfuzzer_sys::fuzz_target;
use niche_fcs as fcs;

fuzz_target!(|data: &[u8]| {
    for options in [fcs::ReadOptions::strict(), fcs::ReadOptions::lenient()] {
        if let Ok(file) = fcs::Reader::new(options).read_bytes(data.to_vec()) {
            for ds in &file.datasets {
                let _ = ds.events::<f32>(fcs::Values::Scaled);
                let _ = ds.events::<f64>(fcs::Values::Raw);
                let _ = ds.spillover();
            }
        }
    }
});
