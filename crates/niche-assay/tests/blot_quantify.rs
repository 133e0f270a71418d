//! End to end on synthetic blots whose band volumes are known: Gaussian bands (with a smile) on a
//! tilted background with noise, written as a 16-bit TIFF, read back, quantified.

use niche_assay::blot::{BlotLayout, GrayImage, quantify};

const LAYOUT: &str = r#"
radius = 40
loading_control = "GAPDH"
reference = "ctrl"
[[lanes]]
group = "ctrl"
[[lanes]]
group = "ctrl"
[[lanes]]
group = "drug"
[[lanes]]
group = "drug"
[[targets]]
name = "GAPDH"
[[targets]]
name = "Bcl-2"
[[targets]]
name = "Bax"
"#;

/// Deterministic noise in [-1, 1).
fn noise(i: usize) -> f64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Renders bands of the given volumes (`volumes[target][lane]`) and returns the image.
fn render(width: usize, height: usize, volumes: &[[f64; 4]; 3], saturate_at: f64) -> Vec<f32> {
    let lane_x = [60.0, 140.0, 220.0, 300.0];
    let band_y = [50.0, 120.0, 180.0];
    let (sx, sy) = (16.0, 4.0);
    let mut img = vec![0f32; width * height];
    for y in 0..height {
        for x in 0..width {
            let mut v = 800.0 + 2.0 * x as f64 + 1.5 * y as f64;
            for (t, row) in volumes.iter().enumerate() {
                for (l, &vol) in row.iter().enumerate() {
                    let dx = (x as f64 - lane_x[l]) / sx;
                    let smile = 3.0 * dx * dx / 4.0;
                    let dy = (y as f64 - band_y[t] - smile) / sy;
                    v += vol / (2.0 * std::f64::consts::PI * sx * sy) * (-(dx * dx + dy * dy) / 2.0).exp();
                }
            }
            v += 30.0 * noise(y * width + x);
            img[y * width + x] = v.min(saturate_at) as f32;
        }
    }
    img
}

/// Saves grey levels as a 16-bit grayscale TIFF, as a scanner would (rounded, clamped).
fn save_tiff16(path: &std::path::Path, width: usize, height: usize, pixels: &[f32]) {
    let raw: Vec<u16> = pixels.iter().map(|v| v.round().clamp(0.0, 65535.0) as u16).collect();
    let image = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_raw(width as u32, height as u32, raw).unwrap();
    image.save_with_format(path, image::ImageFormat::Tiff).unwrap();
}

#[test]
fn recovers_known_ratios_from_a_tiff() {
    let volumes = [[4.0e6, 4.4e6, 3.6e6, 4.2e6], [1.0e6, 1.2e6, 0.5e6, 0.6e6], [0.8e6, 0.7e6, 1.6e6, 1.5e6]];
    let (w, h) = (360, 230);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blot.tif");
    save_tiff16(&path, w, h, &render(w, h, &volumes, 65535.0));
    let image = GrayImage::open(&path).unwrap();
    let layout = BlotLayout::parse(LAYOUT).unwrap();
    let result = quantify(&image, &layout).unwrap();
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    for (t, row) in volumes.iter().enumerate() {
        for (l, &truth) in row.iter().enumerate() {
            let band = &result.bands[t * 4 + l];
            let ratio = band.normalized.unwrap();
            let true_ratio = truth / volumes[0][l];
            assert!((ratio / true_ratio - 1.0).abs() < 0.05, "{} {}: {ratio} vs {true_ratio}", band.target, band.lane);
            assert!(
                (band.volume / truth - 1.0).abs() < 0.10,
                "{} {}: volume {} vs {truth}",
                band.target,
                band.lane,
                band.volume
            );
        }
    }
    // Fold changes of the drug group against the control group, for Bax.
    let truth_ratio = |l: usize| volumes[2][l] / volumes[0][l];
    let control_mean = (truth_ratio(0) + truth_ratio(1)) / 2.0;
    let bax_drug = result.groups.iter().find(|g| g.target == "Bax" && g.group == "drug").unwrap();
    let expected = (truth_ratio(2) + truth_ratio(3)) / 2.0 / control_mean;
    assert!((bax_drug.mean_fold_change / expected - 1.0).abs() < 0.05, "{} vs {expected}", bax_drug.mean_fold_change);
    let bax_ctrl = result.groups.iter().find(|g| g.target == "Bax" && g.group == "ctrl").unwrap();
    assert!((bax_ctrl.mean_fold_change - 1.0).abs() < 1e-12);
    // Gel Analyzer areas rank bands like volumes do.
    let bax: Vec<f64> = result.bands[8..12].iter().map(|b| b.profile_area).collect();
    assert!(bax[2] > bax[0] && bax[3] > bax[1], "{bax:?}");
}

#[test]
fn saturated_bands_are_flagged() {
    let volumes = [[9.0e6, 4.0e6, 4.0e6, 4.0e6], [1.0e6; 4], [1.0e6; 4]];
    let (w, h) = (360, 230);
    let img =
        GrayImage::from_pixels(w, h, render(w, h, &volumes, 20_000.0).iter().map(|v| v.round()).collect(), 16).unwrap();
    // a 16-bit detector saturates at 65535: emulate a detector clipping at 20000 by rescaling
    let scaled: Vec<f32> = img.pixels.iter().map(|v| (v * 65535.0 / 20_000.0).round()).collect();
    let img = GrayImage::from_pixels(w, h, scaled, 16).unwrap();
    let result = quantify(&img, &BlotLayout::parse(LAYOUT).unwrap()).unwrap();
    let gapdh1 = &result.bands[0];
    assert!(gapdh1.saturated_pixels > 0);
    assert!(result.bands[1..4].iter().all(|b| b.saturated_pixels == 0));
    assert!(result.warnings.iter().any(|w| w.contains("GAPDH in lane 1") && w.contains("saturated")));
    assert!(result.groups.iter().any(|g| g.group == "ctrl" && g.saturated));
}

#[test]
fn bad_inputs_are_clear_errors() {
    let layout = BlotLayout::parse(LAYOUT).unwrap();
    let tiny = GrayImage::from_pixels(5, 5, vec![1.0; 25], 8).unwrap();
    let err = quantify(&tiny, &layout).unwrap_err().to_string();
    assert!(err.contains("too small"), "{err}");
    let blank = GrayImage::from_pixels(200, 200, vec![100.0; 40_000], 8).unwrap();
    let err = quantify(&blank, &layout).unwrap_err().to_string();
    assert!(err.contains("fewer than 4 lanes"), "{err}");
    let err = GrayImage::decode(b"II*\0garbage").unwrap_err();
    assert!(matches!(err, niche_assay::Error::Decode(_)), "{err}");
    assert!(std::error::Error::source(&err).is_some(), "the decoder's error is kept as the cause");
    let huge = niche_assay::blot::MAX_IMAGE_SIDE + 1;
    // an IFD claiming huge × 16 16-bit grey pixels (width, height, bits, compression, photometric,
    // strip offset, rows per strip, strip bytes) and holding none
    let mut tiff = b"II*\0\x08\0\0\0\x08\0".to_vec();
    for (tag, kind, value) in [
        (256u16, 4u16, huge),
        (257, 4, 16),
        (258, 3, 16),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 110),
        (278, 4, 16),
        (279, 4, 1 << 30),
    ] {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(1u32.to_le_bytes());
        tiff.extend(value.to_le_bytes());
    }
    tiff.extend([0u8; 16]);
    let err = GrayImage::decode(&tiff).unwrap_err();
    assert!(matches!(err, niche_assay::Error::ImageTooLarge { .. }), "{err:?}");
    let err = GrayImage::decode(b"hello").unwrap_err().to_string();
    assert!(err.contains("not a TIFF or PNG"), "{err}");
    let err = GrayImage::open("/nonexistent/blot.tif".as_ref()).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/blot.tif"), "{err}");
    let outside = LAYOUT
        .replace("name = \"GAPDH\"\n", "name = \"GAPDH\"\nrows = [10, 20]\n")
        .replace("name = \"Bcl-2\"\n", "name = \"Bcl-2\"\nrows = [30, 40]\n")
        .replace("name = \"Bax\"\n", "name = \"Bax\"\nrows = [50, 900]\n");
    let img = GrayImage::from_pixels(360, 230, render(360, 230, &[[1e6; 4]; 3], 65535.0), 16).unwrap();
    let err = quantify(&img, &BlotLayout::parse(&outside).unwrap()).unwrap_err().to_string();
    assert!(err.contains("row 900"), "{err}");
}
