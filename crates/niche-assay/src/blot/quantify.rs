//! Band volumes, saturation, Gel-Analyzer profile areas, normalisation to the loading control and
//! fold changes against the reference group.
//!
//! - **Volume** (the main readout): `V = Σ (I − B − o)` over the band's box (lane columns × band
//!   rows) after background subtraction, in grey levels × pixels (`B − I` for a light background).
//!   `o` is the lane's residual offset: the median of `I − B` in the lane's rows outside every band.
//!   A rolling ball rests on the noise's minima, so `B` sits a little below the true background and
//!   `I − B` keeps a positive offset that would otherwise add `o × box area` to every band.
//! - **Profile area** (ImageJ's Gel Analyzer): the lane profile `L(y)` is the mean over the lane's
//!   columns of the raw image (inverted for a light background); a straight baseline joins `L` at
//!   the band's first and last rows, and the area is `Σ (L(y) − baseline(y))` in grey levels × rows,
//!   as the wand measures it inside the peak.
//! - **Saturation**: pixels of the band box at the detector's limit (the bit depth's maximum, or 0
//!   for a light background). A saturated band's volume is a lower bound; ratios are flagged.
//! - **Normalised** `= V_target / V_loading control` in the same lane; **fold change** = normalised /
//!   mean normalised of the reference group's lanes.

use super::background::{background_surface, minimum_side};
use super::detect;
use super::image::GrayImage;
use super::layout::BlotLayout;
use crate::error::{Error, Result};

/// Where a lane was found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Lane {
    /// Name from the layout.
    pub name: String,
    /// Group from the layout.
    pub group: String,
    /// First column.
    pub x0: usize,
    /// Last column.
    pub x1: usize,
}

/// Where a target's band row was found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BandRow {
    /// Target protein.
    pub target: String,
    /// First row.
    pub y0: usize,
    /// Last row.
    pub y1: usize,
}

/// One band: a target in a lane.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Band {
    /// Lane name.
    pub lane: String,
    /// Lane group.
    pub group: String,
    /// Target protein.
    pub target: String,
    /// Background-subtracted volume, grey levels × pixels.
    pub volume: f64,
    /// Gel Analyzer area above the straight baseline, grey levels × rows.
    pub profile_area: f64,
    /// Pixels at the detector's limit inside the band box.
    pub saturated_pixels: usize,
    /// `volume / loading-control volume` in this lane (`None` when that volume is not positive).
    pub normalized: Option<f64>,
    /// `normalized / mean normalized of the reference group` (`None` when undefined).
    pub fold_change: Option<f64>,
}

/// Group means of the fold changes per target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupSummary {
    /// Target protein.
    pub target: String,
    /// Group.
    pub group: String,
    /// Lanes with a fold change.
    pub n: usize,
    /// Mean normalised volume.
    pub mean_normalized: f64,
    /// Mean fold change.
    pub mean_fold_change: f64,
    /// Sample SD of the fold changes (0 for one lane).
    pub sd_fold_change: f64,
    /// Whether any lane's band or loading control is saturated.
    pub saturated: bool,
}

/// Everything measured on one blot.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BlotResult {
    /// Image size.
    pub width: usize,
    /// Image size.
    pub height: usize,
    /// Lanes used (detected or from the layout).
    pub lanes: Vec<Lane>,
    /// Band rows used (detected or from the layout).
    pub band_rows: Vec<BandRow>,
    /// One record per target and lane, targets in layout order.
    pub bands: Vec<Band>,
    /// Per target and group.
    pub groups: Vec<GroupSummary>,
    /// Things the user should know (saturation, conversions, non-positive loading controls).
    pub warnings: Vec<String>,
}

/// Subtracts the background, finds lanes and bands (unless the layout gives them), and measures.
pub fn quantify(image: &GrayImage, layout: &BlotLayout) -> Result<BlotResult> {
    let (w, h) = (image.width, image.height);
    let need = minimum_side(&layout.background);
    if w < need || h < need {
        return Err(Error::Blot {
            reason: format!(
                "a {w} × {h} image is too small for a radius of {} (at least {need} pixels a side)",
                layout.background.radius
            ),
        });
    }
    let light = layout.background.light_background;
    let background = background_surface(&image.pixels, w, h, &layout.background);
    let signal: Vec<f32> =
        image.pixels.iter().zip(&background).map(|(&i, &b)| if light { b - i } else { i - b }).collect();

    let columns = match layout.lanes.iter().map(|l| l.columns).collect::<Option<Vec<_>>>() {
        Some(c) => c,
        None => detect::lanes(&signal, w, h, layout.lanes.len())?,
    };
    let rows = match layout.targets.iter().map(|t| t.rows).collect::<Option<Vec<_>>>() {
        Some(r) => r,
        None => detect::bands(&signal, w, h, &columns, layout.targets.len())?,
    };
    if let Some(&(_, b)) = columns.iter().find(|&&(_, b)| b >= w) {
        return Err(Error::Blot { reason: format!("a lane reaches column {b}, outside the {w}-pixel-wide image") });
    }
    if let Some(&(_, b)) = rows.iter().find(|&&(_, b)| b >= h) {
        return Err(Error::Blot { reason: format!("a band reaches row {b}, outside the {h}-pixel-high image") });
    }

    let mut warnings = image.warnings.clone();
    let offsets: Vec<f64> = columns.iter().map(|&(x0, x1)| residual_offset(&signal, w, h, (x0, x1), &rows)).collect();
    let mut bands = Vec::with_capacity(layout.targets.len() * layout.lanes.len());
    for (target, &(y0, y1)) in layout.targets.iter().zip(&rows) {
        for ((lane, &(x0, x1)), &offset) in layout.lanes.iter().zip(&columns).zip(&offsets) {
            let mut volume = -offset * ((x1 - x0 + 1) * (y1 - y0 + 1)) as f64;
            let mut saturated_pixels = 0usize;
            let mut profile = Vec::with_capacity(y1 - y0 + 1);
            for y in y0..=y1 {
                let raw = &image.pixels[y * w + x0..=y * w + x1];
                volume += signal[y * w + x0..=y * w + x1].iter().map(|&v| f64::from(v)).sum::<f64>();
                saturated_pixels +=
                    raw.iter().filter(|&&v| if light { v <= 0.0 } else { v >= image.max_value }).count();
                let mean = raw.iter().map(|&v| f64::from(v)).sum::<f64>() / raw.len() as f64;
                profile.push(if light { f64::from(image.max_value) - mean } else { mean });
            }
            if saturated_pixels > 0 {
                warnings.push(format!(
                    "{} in {}: {saturated_pixels} saturated pixels; its volume is a lower bound",
                    target.name, lane.name
                ));
            }
            bands.push(Band {
                lane: lane.name.clone(),
                group: lane.group.clone(),
                target: target.name.clone(),
                volume,
                profile_area: area_above_baseline(&profile),
                saturated_pixels,
                normalized: None,
                fold_change: None,
            });
        }
    }
    normalize(&mut bands, layout, &mut warnings);
    let groups = summarize(&bands, layout);
    Ok(BlotResult {
        width: w,
        height: h,
        lanes: layout
            .lanes
            .iter()
            .zip(&columns)
            .map(|(l, &(x0, x1))| Lane { name: l.name.clone(), group: l.group.clone(), x0, x1 })
            .collect(),
        band_rows: layout
            .targets
            .iter()
            .zip(&rows)
            .map(|(t, &(y0, y1))| BandRow { target: t.name.clone(), y0, y1 })
            .collect(),
        bands,
        groups,
        warnings,
    })
}

/// The median of the background-subtracted signal in a lane's rows outside every band (0 when
/// the bands cover the whole lane).
fn residual_offset(
    signal: &[f32],
    width: usize,
    height: usize,
    (x0, x1): (usize, usize),
    bands: &[(usize, usize)],
) -> f64 {
    let mut values: Vec<f32> = (0..height)
        .filter(|y| !bands.iter().any(|&(a, b)| (a..=b).contains(y)))
        .flat_map(|y| signal[y * width + x0..=y * width + x1].iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return 0.0;
    }
    let mid = values.len() / 2;
    let (_, median, _) = values.select_nth_unstable_by(mid, f32::total_cmp);
    f64::from(*median)
}

/// `Σ (L(y) − baseline(y))` with the straight baseline through the first and last points.
fn area_above_baseline(profile: &[f64]) -> f64 {
    let n = profile.len();
    if n < 2 {
        return 0.0;
    }
    let (first, last) = (profile[0], profile[n - 1]);
    let slope = (last - first) / (n - 1) as f64;
    profile.iter().enumerate().map(|(i, &l)| l - (first + slope * i as f64)).sum()
}

fn normalize(bands: &mut [Band], layout: &BlotLayout, warnings: &mut Vec<String>) {
    let n_lanes = layout.lanes.len();
    let control_index = layout.targets.iter().position(|t| t.name == layout.loading_control).unwrap_or(0);
    let controls: Vec<Band> = bands[control_index * n_lanes..(control_index + 1) * n_lanes].to_vec();
    for (lane, control) in controls.iter().enumerate() {
        if control.volume.is_nan() || control.volume <= 0.0 {
            warnings.push(format!(
                "{} in {} has volume {:.1}: the lane cannot be normalised",
                layout.loading_control, control.lane, control.volume
            ));
        }
        for t in 0..layout.targets.len() {
            let band = &mut bands[t * n_lanes + lane];
            band.normalized = (control.volume > 0.0).then(|| band.volume / control.volume);
        }
    }
    for t in 0..layout.targets.len() {
        let row = &mut bands[t * n_lanes..(t + 1) * n_lanes];
        let reference: Vec<f64> =
            row.iter().filter(|b| b.group == layout.reference).filter_map(|b| b.normalized).collect();
        let mean = reference.iter().sum::<f64>() / reference.len() as f64;
        if reference.is_empty() || mean == 0.0 || !mean.is_finite() {
            if let Some(b) = row.first() {
                warnings.push(format!("{}: no usable {} lane, so no fold changes", b.target, layout.reference));
            }
            continue;
        }
        for band in row.iter_mut() {
            band.fold_change = band.normalized.map(|v| v / mean);
        }
    }
}

fn summarize(bands: &[Band], layout: &BlotLayout) -> Vec<GroupSummary> {
    let n_lanes = layout.lanes.len();
    let control_index = layout.targets.iter().position(|t| t.name == layout.loading_control).unwrap_or(0);
    let mut groups: Vec<&str> = Vec::new();
    for lane in &layout.lanes {
        if !groups.contains(&lane.group.as_str()) {
            groups.push(&lane.group);
        }
    }
    let mut out = Vec::new();
    for (t, target) in layout.targets.iter().enumerate() {
        for group in &groups {
            let lanes: Vec<usize> = (0..n_lanes).filter(|&l| layout.lanes[l].group == *group).collect();
            let pairs: Vec<(f64, f64)> = lanes
                .iter()
                .filter_map(|&l| {
                    let b = &bands[t * n_lanes + l];
                    Some((b.normalized?, b.fold_change?))
                })
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let n = pairs.len();
            let fold_changes: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let mean_fold_change = niche_stats::mean(&fold_changes);
            let sd_fold_change = if n > 1 { niche_stats::sd(&fold_changes) } else { 0.0 };
            let saturated = lanes.iter().any(|&l| {
                bands[t * n_lanes + l].saturated_pixels > 0 || bands[control_index * n_lanes + l].saturated_pixels > 0
            });
            out.push(GroupSummary {
                target: target.name.clone(),
                group: group.to_string(),
                n,
                mean_normalized: pairs.iter().map(|p| p.0).sum::<f64>() / n as f64,
                mean_fold_change,
                sd_fold_change,
                saturated,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_baseline_area_of_a_triangle_on_a_slope() {
        // slope 0..4 plus a triangle of height 2 in the middle
        let profile = [0.0, 1.0, 4.0, 3.0, 4.0];
        assert!((area_above_baseline(&profile) - 2.0).abs() < 1e-12);
    }
}
