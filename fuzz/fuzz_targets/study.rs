//! Fuzzes the study-file and lab-design parsers: any text gives a study, a design or an error that
//! names the problem, never a panic.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run study`
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(study) = niche_study::Study::parse(text, std::path::Path::new("/nonexistent/fuzz/study.toml")) {
        let _ = study.groups.len();
    }
    if let Ok(design) = niche_lab::Design::parse(text) {
        let _ = design.check();
    }
});
