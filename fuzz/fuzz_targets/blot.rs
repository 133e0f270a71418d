//! Fuzzes the blot image decoder and the blot layout parser, and quantifies whatever decodes:
//! any bytes give a result or an error, never a panic.
//!
//! `cargo fuzz run blot -s none` with its corpus and dictionary: see docs/RELIABILITY.md
#![no_main]

use libfuzzer_sys::fuzz_target;
use niche_assay::blot::{BlotLayout, GrayImage, quantify};

const LAYOUT: &str = "radius = 4\nloading_control = \"a\"\nreference = \"g\"\n[[lanes]]\ngroup = \"g\"\n[[lanes]]\ngroup = \"h\"\n[[targets]]\nname = \"a\"\n[[targets]]\nname = \"b\"\n";

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = BlotLayout::parse(text);
    }
    if let Ok(image) = GrayImage::decode(data) {
        // keep iterations fast: quantify only small images
        if image.width * image.height <= 1 << 16 {
            let layout = BlotLayout::parse(LAYOUT).expect("fixed layout parses");
            let _ = quantify(&image, &layout);
        }
    }
});
