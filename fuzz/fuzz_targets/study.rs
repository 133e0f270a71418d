//! Fuzzes the study-file parser: any text gives a study or an error that names the file, the line
//! and the field, never a panic.
//!
//! `cargo fuzz run study -s none` with its corpus and dictionary: see docs/RELIABILITY.md
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(study) = niche_study::Study::parse(text, std::path::Path::new("/nonexistent/fuzz/study.toml")) {
        let _ = study.groups.len();
    }
});
