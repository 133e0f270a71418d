//! Western blots: the image and its layout quantified (background, lanes, bands, normalisation
//! to the loading control), each lane's values, and the thumbnail the report shows.

use niche_assay::blot::{BlotLayout, GrayImage, quantify};

use super::{BlotPicture, Value, input};
use crate::error::Result;
use crate::study::{BlotImage, ReadoutKind, Study, Subject};

/// One blot's values (each lane's normalised bands) and warnings, and its thumbnail when
/// `figures` is set.
pub(super) fn analyze_blot(
    blot: &BlotImage,
    number: u32,
    study: &Study,
    figures: bool,
) -> Result<(Vec<Value>, Option<BlotPicture>, Vec<String>)> {
    let shown = study.shown(&blot.image);
    let image = GrayImage::open(&blot.image).map_err(|e| input(&blot.image, e))?;
    let text = crate::read_text(&blot.layout, crate::MAX_TEXT_BYTES).map_err(|e| input(&blot.layout, e))?;
    let layout = BlotLayout::parse(&text).map_err(|e| input(&blot.layout, e))?;
    let result = quantify(&image, &layout).map_err(|e| input(&blot.image, e))?;
    let mut values = Vec::new();
    for readout in &study.readouts {
        let ReadoutKind::Blot { target, loading_control } = &readout.kind else { continue };
        if &layout.loading_control != loading_control {
            return Err(input(
                &blot.layout,
                format!(
                    "the layout's loading control is {:?}, readout {:?} divides by {loading_control:?}",
                    layout.loading_control, readout.id
                ),
            ));
        }
        if !layout.targets.iter().any(|t| &t.name == target) {
            return Err(input(
                &blot.layout,
                format!("readout {:?} needs the target {target:?}, which the layout lacks", readout.id),
            ));
        }
        for g in result.groups.iter().filter(|g| &g.target == target) {
            values.push(Value {
                readout: readout.id.clone(),
                group: g.group.clone(),
                subject: Subject::Replicate(number),
                value: g.mean_fold_change.is_finite().then_some(g.mean_fold_change),
                flag: if !g.mean_fold_change.is_finite() {
                    Some("not finite (a zero loading control or reference)".to_string())
                } else {
                    g.saturated.then(|| "saturated".to_string())
                },
            });
        }
    }
    let warnings = result.warnings.iter().map(|w| format!("{shown}: {w}")).collect();
    let picture = if figures {
        Some(thumbnail(
            &image,
            &shown,
            result.lanes.iter().map(|l| l.group.clone()).collect(),
            layout.background.light_background,
        ))
    } else {
        None
    };
    Ok((values, picture, warnings))
}

/// The blot downscaled to 8-bit grey with dark bands, as film shows them.
fn thumbnail(image: &GrayImage, shown: &str, lanes: Vec<String>, light: bool) -> BlotPicture {
    let scale = (image.width / 320).max(1);
    let (w, h) = (image.width / scale, image.height / scale);
    let (lo, hi) = image.pixels.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1.0);
    let mut grey = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let v = (image.get(x * scale, y * scale) - lo) / span;
            let v = if light { v } else { 1.0 - v };
            grey.push((v * 255.0).round() as u8);
        }
    }
    BlotPicture { file: shown.to_string(), grey, width: w, height: h, lanes }
}
