//! Lane and band detection on a background-subtracted blot.
//!
//! Lanes: the column profile `c(x) = Σ_y max(S(x, y), 0)` is box-smoothed and its `n` highest
//! peaks at least `w / 2n` apart are the lane centres; lanes extend to the midpoints between
//! neighbouring centres. Bands: the same on the row profile summed over the lanes, one peak per
//! target, assigned top to bottom; a band extends from its peak down each side to the valley (or to
//! 2 % of the peak), never past the midpoint to the next band.

use crate::error::{Error, Result};

/// Column ranges `(first, last)` of `n` lanes, left to right.
pub fn lanes(signal: &[f32], width: usize, height: usize, n: usize) -> Result<Vec<(usize, usize)>> {
    let mut profile = vec![0f64; width];
    for row in signal.chunks_exact(width).take(height) {
        for (p, &v) in profile.iter_mut().zip(row) {
            *p += f64::from(v.max(0.0));
        }
    }
    let smoothed = box_smooth(&profile, (width / (8 * n)).max(1));
    let separation = (width / (2 * n)).max(2);
    let centres = peaks(&smoothed, n, separation).ok_or_else(|| Error::Blot {
        reason: format!("found fewer than {n} lanes (the layout's count) in the column profile; give their x ranges"),
    })?;
    Ok(spans_around(&centres, width))
}

/// Row ranges `(first, last)` of `n` bands, top to bottom, within the given lanes.
pub fn bands(
    signal: &[f32],
    width: usize,
    height: usize,
    lanes: &[(usize, usize)],
    n: usize,
) -> Result<Vec<(usize, usize)>> {
    let profile: Vec<f64> = signal
        .chunks_exact(width)
        .take(height)
        .map(|row| lanes.iter().flat_map(|&(a, b)| &row[a..=b]).map(|&v| f64::from(v.max(0.0))).sum())
        .collect();
    let smoothed = box_smooth(&profile, (height / 200).max(1));
    let separation = (height / (10 * n)).max(3);
    let centres = peaks(&smoothed, n, separation).ok_or_else(|| Error::Blot {
        reason: format!("found fewer than {n} bands (the layout's targets) in the row profile; give their rows"),
    })?;
    let mut spans = Vec::with_capacity(n);
    for (i, &c) in centres.iter().enumerate() {
        let low_limit = if i == 0 { 0 } else { (centres[i - 1] + c) / 2 + 1 };
        let high_limit = if i + 1 == n { height - 1 } else { (c + centres[i + 1]) / 2 };
        let floor = 0.02 * smoothed[c];
        let mut a = c;
        while a > low_limit && smoothed[a - 1] <= smoothed[a] && smoothed[a] > floor {
            a -= 1;
        }
        let mut b = c;
        while b < high_limit && smoothed[b + 1] <= smoothed[b] && smoothed[b] > floor {
            b += 1;
        }
        spans.push((a, b));
    }
    Ok(spans)
}

/// Centred moving average of half-width `k` (the window shrinks at the ends).
fn box_smooth(values: &[f64], k: usize) -> Vec<f64> {
    let n = values.len();
    let mut prefix = vec![0f64; n + 1];
    for (i, v) in values.iter().enumerate() {
        prefix[i + 1] = prefix[i] + v;
    }
    (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(k), (i + k + 1).min(n));
            (prefix[b] - prefix[a]) / (b - a) as f64
        })
        .collect()
}

/// The `n` highest local maxima at least `separation` apart and above 5 % of the highest, sorted
/// by position; `None` when there are fewer.
fn peaks(values: &[f64], n: usize, separation: usize) -> Option<Vec<usize>> {
    let highest = values.iter().copied().fold(0.0, f64::max);
    if highest.is_nan() || highest <= 0.0 {
        return None;
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = Vec::with_capacity(n);
    for i in order {
        if chosen.len() == n || values[i] < 0.05 * highest {
            break;
        }
        let local_maximum =
            (i == 0 || values[i] >= values[i - 1]) && (i + 1 == values.len() || values[i] >= values[i + 1]);
        if local_maximum && chosen.iter().all(|&c| c.abs_diff(i) >= separation) {
            chosen.push(i);
        }
    }
    if chosen.len() < n {
        return None;
    }
    chosen.sort_unstable();
    Some(chosen)
}

/// Spans reaching halfway to the neighbouring centres; the outer spans are as wide as the
/// mean spacing allows, clipped to the image.
fn spans_around(centres: &[usize], length: usize) -> Vec<(usize, usize)> {
    let n = centres.len();
    let half_spacing = if n > 1 { (centres[n - 1] - centres[0]) / (2 * (n - 1)) } else { length };
    (0..n)
        .map(|i| {
            let a =
                if i == 0 { centres[0].saturating_sub(half_spacing) } else { (centres[i - 1] + centres[i]) / 2 + 1 };
            let b = if i + 1 == n {
                (centres[i] + half_spacing).min(length - 1)
            } else {
                (centres[i] + centres[i + 1]) / 2
            };
            (a, b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_gaussian_lanes_and_bands() {
        let (w, h) = (120, 90);
        let mut s = vec![0f32; w * h];
        for (lane, cx) in [20.0f32, 60.0, 100.0].iter().enumerate() {
            for (band, cy) in [20.0f32, 50.0, 75.0].iter().enumerate() {
                for y in 0..h {
                    for x in 0..w {
                        let (dx, dy) = ((x as f32 - cx) / 10.0, (y as f32 - cy) / 3.0);
                        s[y * w + x] += (1.0 + lane as f32 + band as f32) * 100.0 * (-(dx * dx + dy * dy) / 2.0).exp();
                    }
                }
            }
        }
        let lanes = lanes(&s, w, h, 3).unwrap();
        assert_eq!(lanes, vec![(0, 40), (41, 80), (81, 119)]);
        let bands = bands(&s, w, h, &lanes, 3).unwrap();
        for ((a, b), c) in bands.iter().zip([20, 50, 75]) {
            assert!(*a + 5 < c && c < b - 5, "band {a}..{b} around {c}");
        }
        assert!(lanes_err(&s, w, h, 5).contains("fewer than 5 lanes"));
    }

    fn lanes_err(s: &[f32], w: usize, h: usize, n: usize) -> String {
        lanes(s, w, h, n).unwrap_err().to_string()
    }
}
