//! Background subtraction against ImageJ 1.52i itself: `fixtures/blot/expected/` holds what
//! `BackgroundSubtracter.rollingBallBackground` made of the fixture images
//! (`fixtures/blot/make_imagej_reference.sh`). niche must agree within one grey level per pixel.

use std::path::{Path, PathBuf};

use niche_assay::blot::background::{background_surface, subtract_like_imagej};
use niche_assay::blot::{BackgroundMethod, BackgroundOptions, GrayImage};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blot")
}

/// Parses `<image>__<method>_r<radius>_<light|dark>_<smooth|nosmooth>.tif`.
fn case(name: &str) -> (String, BackgroundOptions) {
    let (image, settings) = name.trim_end_matches(".tif").split_once("__").unwrap();
    let parts: Vec<&str> = settings.split('_').collect();
    let options = BackgroundOptions {
        radius: parts[1][1..].parse().unwrap(),
        light_background: parts[2] == "light",
        method: if parts[0] == "paraboloid" {
            BackgroundMethod::SlidingParaboloid
        } else {
            BackgroundMethod::RollingBall
        },
        presmooth: parts[3] == "smooth",
        correct_corners: true,
    };
    (image.to_string(), options)
}

#[test]
fn every_imagej_result_is_matched_within_one_grey_level() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("expected"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 12, "fixture set changed: {names:?}");
    let mut report = Vec::new();
    for name in &names {
        let (stem, options) = case(name);
        let input =
            ["tif", "png"].iter().map(|ext| fixtures().join(format!("{stem}.{ext}"))).find(|p| p.exists()).unwrap();
        let image = GrayImage::open(&input).unwrap();
        let expected = GrayImage::open(&fixtures().join("expected").join(name)).unwrap();
        assert_eq!((expected.width, expected.height), (image.width, image.height));
        let background = background_surface(&image.pixels, image.width, image.height, &options);
        let ours = subtract_like_imagej(&image.pixels, &background, image.max_value, options.light_background);
        let diffs: Vec<f32> = ours.iter().zip(&expected.pixels).map(|(a, b)| (a - b).abs()).collect();
        let worst = diffs.iter().copied().fold(0.0, f32::max);
        let exact = diffs.iter().filter(|&&d| d == 0.0).count() as f64 / diffs.len() as f64;
        report.push(format!("{name}: max |Δ| = {worst}, {:.2}% identical", 100.0 * exact));
        assert!(worst <= 1.0, "{name}: niche differs from ImageJ by {worst} grey levels\n{}", report.join("\n"));
    }
    println!("{}", report.join("\n"));
}
