//! A blot imager: a 16-bit TIFF with one lane per group and bands of GAPDH (37 kDa), Bcl-2
//! (26 kDa) and Bax (21 kDa) at positions linear in log molecular weight. A band's volume is the
//! model's protein level (relative to an untreated blast) × a per-lane loading factor × the
//! antibody's brightness × a replicate factor; bands are Gaussian with a smile, on a tilted
//! background with shot and read noise, clipped at the detector's 65535.
//!
//! Replicate blots of the same lysate differ by more than their pixels' noise (transfer, antibody
//! lots, exposure): the replicate factor of each Bcl-2 and Bax band is log-normal with mean 1 and
//! coefficient of variation [`REPLICATE_CV`], fixed in advance from the literature rather than
//! fitted to the seed paper (which shows representative blots without spread).

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::rng::Stream;

/// Targets, top to bottom, with their molecular weights (kDa) and volumes per unit protein.
pub const TARGETS: [(&str, f64, f64); 3] = [("GAPDH", 37.0, 3.0e6), ("Bcl-2", 26.0, 1.4e6), ("Bax", 21.0, 1.2e6)];

/// Coefficient of variation of a band normalised to its loading control between replicate blots
/// of the same sample: 0.20, the lower end of the "more typically 20–25 %" that Lowry & Rees
/// report after the best normalisation (30–70 % raw; "Optimizing reduction of Western blotting
/// analytical variations", bioRxiv 2020, doi:10.1101/2020.12.16.423026). Degasperi et al. 2014
/// (PLoS One 9:e87293) simulate replicate blots with the same CV.
pub const REPLICATE_CV: f64 = 0.20;

const LANE_PITCH: usize = 128;
const HEIGHT: usize = 560;
const SIGMA_X: f64 = 20.0;
const SIGMA_Y: f64 = 4.0;

/// The true bands of one lane.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaneTruth {
    /// Group id.
    pub group: String,
    /// Loading factor (GAPDH follows it).
    pub loading: f64,
    /// Rendered band volumes (grey levels × pixels, before noise and clipping), in [`TARGETS`] order.
    pub volumes: [f64; 3],
    /// Whether any pixel of the lane reached 65535.
    pub saturated: bool,
}

/// Row of a band of molecular weight `kda`: linear in log10(MW) between 250 kDa (row 40) and
/// 10 kDa (row 520).
fn band_row(kda: f64) -> f64 {
    40.0 + 480.0 * (250f64.log10() - kda.log10()) / (250f64.log10() - 10f64.log10())
}

/// Renders a blot for lanes `(group, bcl2, bax)`, each target band varying between replicate
/// blots with coefficient of variation `replicate_cv` (log-normal, mean 1), and returns (width,
/// height, pixels, truth, layout).
pub fn blot(
    lanes: &[(String, f64, f64)],
    reference: &str,
    replicate_cv: f64,
    seed: u64,
    name: &str,
) -> (usize, usize, Vec<f32>, Vec<LaneTruth>, String) {
    let sigma = (1.0 + replicate_cv * replicate_cv).ln().sqrt();
    let mut rng = Stream::new(seed, name);
    let (width, height) = (LANE_PITCH * lanes.len(), HEIGHT);
    let mut image = vec![0f64; width * height];
    let mut truth = Vec::with_capacity(lanes.len());
    for (l, (group, bcl2, bax)) in lanes.iter().enumerate() {
        let loading = 1.0 + 0.08 * rng.normal();
        let mut replicate = || (sigma * rng.normal() - sigma * sigma / 2.0).exp();
        let levels = [1.0, *bcl2 * replicate(), *bax * replicate()];
        let mut volumes = [0.0; 3];
        let cx = (l * LANE_PITCH + LANE_PITCH / 2) as f64;
        for (t, (_, kda, per_unit)) in TARGETS.iter().enumerate() {
            let volume = per_unit * levels[t] * loading;
            volumes[t] = volume;
            let cy = band_row(*kda);
            let peak = volume / (2.0 * std::f64::consts::PI * SIGMA_X * SIGMA_Y);
            let x0 = (cx - 5.0 * SIGMA_X).max(0.0) as usize;
            let x1 = ((cx + 5.0 * SIGMA_X) as usize).min(width - 1);
            for y in 0..height {
                for x in x0..=x1 {
                    let dx = (x as f64 - cx) / SIGMA_X;
                    let dy = (y as f64 - cy - 0.5 * dx * dx) / SIGMA_Y; // the smile: edges run ahead
                    image[y * width + x] += peak * (-(dx * dx + dy * dy) / 2.0).exp();
                }
            }
        }
        truth.push(LaneTruth { group: group.clone(), loading, volumes, saturated: false });
    }
    let mut pixels = vec![0f32; width * height];
    for y in 0..height {
        for x in 0..width {
            let signal = image[y * width + x] + 1200.0 + 0.6 * x as f64 + 1.5 * y as f64;
            let noisy = signal + (2.0 * signal).sqrt() * rng.normal() + 15.0 * rng.normal();
            let value = noisy.round().clamp(0.0, 65535.0);
            if value >= 65535.0 {
                truth[x / LANE_PITCH].saturated = true;
            }
            pixels[y * width + x] = value as f32;
        }
    }
    let mut layout = String::from("# niche virtual blot imager\nradius = 30\nloading_control = \"GAPDH\"\n");
    layout += &format!("reference = \"{reference}\"\n");
    for (group, _, _) in lanes {
        layout += &format!("[[lanes]]\ngroup = \"{group}\"\n");
    }
    for (target, _, _) in TARGETS {
        layout += &format!("[[targets]]\nname = \"{target}\"\n");
    }
    (width, height, pixels, truth, layout)
}

/// Writes the scan as a 16-bit grayscale TIFF, grey levels rounded and clamped to 0…65535, the
/// file written whole (`niche_core::atomic`); `niche-assay` reads it back with the same `image`
/// codec it uses for any lab's scans.
pub fn write_tiff16(path: &Path, width: usize, height: usize, pixels: &[f32]) -> Result<()> {
    let raw: Vec<u16> = pixels.iter().map(|v| v.round().clamp(0.0, 65535.0) as u16).collect();
    let Some(buffer) = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_raw(width as u32, height as u32, raw)
    else {
        return Err(Error::Design { reason: format!("{} grey levels for a {width} × {height} image", pixels.len()) });
    };
    let write_error = |source: std::io::Error| Error::Write { path: path.to_path_buf(), source };
    let mut out = std::io::BufWriter::new(niche_core::atomic::temp_file_beside(path).map_err(write_error)?);
    buffer
        .write_to(&mut out, image::ImageFormat::Tiff)
        .map_err(|source| Error::Image { path: path.to_path_buf(), source })?;
    let file = out.into_inner().map_err(|e| write_error(e.into_error()))?;
    file.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CV of the Bax and Bcl-2 volumes over their loading (the normalised bands) across the lanes
    /// of blots whose lanes all hold the same sample.
    fn normalised_cv(cv: f64) -> f64 {
        let lanes: Vec<(String, f64, f64)> = (0..20).map(|i| (format!("g{i}"), 1.0, 1.0)).collect();
        let mut ratios = Vec::new();
        for seed in 0..10 {
            let (_, _, _, truth, _) = blot(&lanes, "g0", cv, seed, "blot/b.tif");
            for lane in &truth {
                // band per unit protein over GAPDH per unit protein: 1 without replicate variation
                for t in [1, 2] {
                    ratios.push(lane.volumes[t] / TARGETS[t].2 / (lane.volumes[0] / TARGETS[0].2));
                }
            }
        }
        niche_stats::sd(&ratios) / niche_stats::mean(&ratios)
    }

    #[test]
    fn replicate_bands_vary_with_the_stated_cv() {
        // 400 normalised bands: the sample CV is within ±15 % of the stated one
        let cv = normalised_cv(REPLICATE_CV);
        assert!((cv / REPLICATE_CV - 1.0).abs() < 0.15, "CV {cv}");
        // and without replicate variation the normalised bands agree exactly
        assert!(normalised_cv(0.0) < 1e-12);
    }
}
