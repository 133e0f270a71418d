//! A blot imager: a 16-bit TIFF with one lane per group and bands of GAPDH (37 kDa), Bcl-2
//! (26 kDa) and Bax (21 kDa) at positions linear in log molecular weight. A band's volume is the
//! model's protein level (relative to an untreated blast) × a per-lane loading factor × the
//! antibody's brightness; bands are Gaussian with a smile, on a tilted background with shot and
//! read noise, clipped at the detector's 65535.

use serde::Serialize;

use crate::rng::Stream;

/// Targets, top to bottom, with their molecular weights (kDa) and volumes per unit protein.
pub const TARGETS: [(&str, f64, f64); 3] = [("GAPDH", 37.0, 3.0e6), ("Bcl-2", 26.0, 1.4e6), ("Bax", 21.0, 1.2e6)];

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

/// Renders a blot for lanes `(group, bcl2, bax)` and returns (width, height, pixels, truth, layout).
pub fn blot(
    lanes: &[(String, f64, f64)],
    reference: &str,
    seed: u64,
    name: &str,
) -> (usize, usize, Vec<f32>, Vec<LaneTruth>, String) {
    let mut rng = Stream::new(seed, name);
    let (width, height) = (LANE_PITCH * lanes.len(), HEIGHT);
    let mut image = vec![0f64; width * height];
    let mut truth = Vec::with_capacity(lanes.len());
    for (l, (group, bcl2, bax)) in lanes.iter().enumerate() {
        let loading = 1.0 + 0.08 * rng.normal();
        let levels = [1.0, *bcl2, *bax];
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
