//! Background subtraction with ImageJ's "Subtract Background…" behaviour: the rolling ball
//! (Sternberg 1983, as in ImageJ 1.52) and the sliding paraboloid (M. Schmid, ImageJ 2007).
//!
//! Both build a background surface `B(x, y)` below the image seen as a height field and give
//! `I − B`. Arithmetic is in `f32` in ImageJ's order of operations, so that results agree with
//! ImageJ's `BackgroundSubtracter.rollingBallBackground` to within one grey level (checked against
//! fixtures written by ImageJ itself, `tests/fixtures/blot/`).
//!
//! - **Rolling ball** of radius `r` (pixels): the image is optionally smoothed (3 × 3 mean), shrunk
//!   by a factor `s` (1 for r ≤ 10, 2 for r ≤ 30, 4 for r ≤ 100, else 8) taking block minima, a
//!   spherical cap of radius `r/s` (trimmed by 24–40 % at its rim) is pushed up from below at every
//!   position, the hull of all cap positions is the background, and it is enlarged back by
//!   bilinear interpolation.
//! - **Sliding paraboloid** with apex curvature `1/r`: parabolas `−(0.5/r)·d²` slide along rows,
//!   columns and both diagonals (9 passes); a 3 × 3 maximum then mean removes dust first, and
//!   corner particles are detected so that they are not taken as background.
//!
//! Use the rolling ball for gels and blots with bands narrower than the radius (ImageJ's default);
//! use the paraboloid when pixel values are large compared with the radius in pixels, where a ball
//! degenerates into a cylinder.

use rayon::prelude::*;

/// Which surface is pushed up from below the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundMethod {
    /// ImageJ's rolling ball.
    RollingBall,
    /// ImageJ's sliding paraboloid.
    SlidingParaboloid,
}

impl std::fmt::Display for BackgroundMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackgroundMethod::RollingBall => "rolling ball",
            BackgroundMethod::SlidingParaboloid => "sliding paraboloid",
        })
    }
}

/// Settings of ImageJ's "Subtract Background…" dialog.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackgroundOptions {
    /// Ball radius, or the radius of curvature of the paraboloid, in pixels (> 0).
    pub radius: f64,
    /// Dark bands on a light background (film scans): the image is inverted for the fit.
    pub light_background: bool,
    /// Rolling ball or sliding paraboloid.
    pub method: BackgroundMethod,
    /// 3 × 3 mean smoothing before the fit (ImageJ's default; "Disable smoothing" turns it off).
    pub presmooth: bool,
    /// Paraboloid only: keep particles in the image corners from being taken as background.
    pub correct_corners: bool,
}

impl Default for BackgroundOptions {
    /// ImageJ's defaults: rolling ball of radius 50, dark background, smoothing, corner correction.
    fn default() -> Self {
        BackgroundOptions {
            radius: 50.0,
            light_background: false,
            method: BackgroundMethod::RollingBall,
            presmooth: true,
            correct_corners: true,
        }
    }
}

/// The background surface of a `width × height` row-major image, in the image's grey levels.
///
/// Images must be at least 3 × 3 pixels and, for the rolling ball, at least 2 shrunken pixels
/// wide and high (checked by [`super::GrayImage`]'s callers; this function assumes it).
pub fn background_surface(pixels: &[f32], width: usize, height: usize, options: &BackgroundOptions) -> Vec<f32> {
    let mut surface = pixels.to_vec();
    let invert = options.light_background;
    if invert {
        surface.iter_mut().for_each(|v| *v = -*v);
    }
    match options.method {
        BackgroundMethod::RollingBall => {
            let ball = Ball::new(options.radius);
            rolling_ball(&mut surface, width, height, options.presmooth, &ball);
            if invert {
                surface.iter_mut().for_each(|v| *v = -*v);
            }
        }
        BackgroundMethod::SlidingParaboloid => {
            let shift = sliding_paraboloid(&mut surface, width, height, options);
            if invert {
                surface.iter_mut().for_each(|v| *v = -(*v - 2.0 * shift));
            } else if options.presmooth {
                surface.iter_mut().for_each(|v| *v -= 2.0 * shift);
            }
        }
    }
    surface
}

/// The smallest image side the rolling ball accepts for `radius`: two pixels after shrinking.
pub fn minimum_side(options: &BackgroundOptions) -> usize {
    match options.method {
        BackgroundMethod::RollingBall => 2 * Ball::new(options.radius).shrink_factor,
        BackgroundMethod::SlidingParaboloid => 3,
    }
}

/// `image − background` stored as ImageJ stores it in an integer image of `max_value`
/// (255 or 65535): `trunc(clamp(I − B + offset))` with offset 0.5, or `max + 0.5` for a light
/// background (so that the background becomes white).
pub fn subtract_like_imagej(pixels: &[f32], background: &[f32], max_value: f32, light_background: bool) -> Vec<f32> {
    let offset = if light_background { max_value + 0.5 } else { 0.5 };
    pixels.iter().zip(background).map(|(&p, &b)| (p - b + offset).clamp(0.0, max_value).trunc()).collect()
}

// ---------------------------------------------------------------------------------------------
// Rolling ball

/// The spherical cap that rolls, already scaled to the shrunken image.
struct Ball {
    /// Cap heights `√(r² − x² − y²)` (0 outside the sphere) on a `width × width` grid.
    heights: Vec<f32>,
    width: usize,
    shrink_factor: usize,
}

impl Ball {
    fn new(radius: f64) -> Ball {
        let (shrink_factor, trim_percent) = match radius {
            r if r <= 10.0 => (1, 24),
            r if r <= 30.0 => (2, 24),
            r if r <= 100.0 => (4, 32),
            _ => (8, 40),
        };
        let small_radius = (radius / shrink_factor as f64).max(1.0);
        let r2 = small_radius * small_radius;
        let trim = ((trim_percent as f64 * small_radius) as i64) / 100;
        let half = (small_radius - trim as f64 + 0.5).floor() as i64;
        let width = (2 * half + 1) as usize;
        let mut heights = Vec::with_capacity(width * width);
        for y in -half..=half {
            for x in -half..=half {
                let h = r2 - (x * x + y * y) as f64;
                heights.push(if h > 0.0 { h.sqrt() as f32 } else { 0.0 });
            }
        }
        Ball { heights, width, shrink_factor }
    }
}

fn rolling_ball(pixels: &mut [f32], width: usize, height: usize, presmooth: bool, ball: &Ball) {
    if presmooth {
        filter3x3(pixels, width, height, Filter3::Mean);
    }
    let s = ball.shrink_factor;
    if s > 1 {
        let (small, sw, sh) = shrink(pixels, width, height, s);
        let rolled = roll(&small, sw, sh, ball);
        enlarge(&rolled, sw, sh, pixels, width, height, s);
    } else {
        let rolled = roll(pixels, width, height, ball);
        pixels.copy_from_slice(&rolled);
    }
}

/// Block minima over `s × s` blocks (the last blocks may be partial).
fn shrink(pixels: &[f32], width: usize, height: usize, s: usize) -> (Vec<f32>, usize, usize) {
    let sw = width.div_ceil(s);
    let sh = height.div_ceil(s);
    let mut small = vec![f32::MAX; sw * sh];
    for y in 0..height {
        let row = &pixels[y * width..(y + 1) * width];
        let srow = &mut small[(y / s) * sw..(y / s + 1) * sw];
        for (x, &v) in row.iter().enumerate() {
            let m = &mut srow[x / s];
            if v < *m {
                *m = v;
            }
        }
    }
    (small, sw, sh)
}

/// The hull of the ball pushed up from below at every centre, including centres up to one ball
/// radius outside the image. Two gathers (ball heights, then the hull), parallel over rows; the
/// result equals ImageJ's scatter loop because min and max are exact.
///
/// Both gathers sweep whole rows: for each ball offset `(dx, dy)` one vectorisable pass updates
/// every value of an output row, `z(c) = min(z(c), I(c + d) − cap(d))` and then
/// `B(p) = max(B(p), z(p − d) + cap(d))`. Pixels outside the image are `f32::MAX` in a padded copy,
/// so `I − cap` there is never the minimum (every centre has a pixel of the image under its cap).
fn roll(pixels: &[f32], width: usize, height: usize, ball: &Ball) -> Vec<f32> {
    let r = ball.width / 2;
    let cw = width + 2 * r; // centres x = -r .. width+r-1
    let ch = height + 2 * r;
    // the image padded by 2r on every side: padded (px, py) = image (px − 2r, py − 2r)
    let pw = width + 4 * r;
    let ph = height + 4 * r;
    let mut padded = vec![f32::MAX; pw * ph];
    for (y, row) in pixels.chunks_exact(width).enumerate() {
        padded[(y + 2 * r) * pw + 2 * r..][..width].copy_from_slice(row);
    }
    // z(c) = min over the cap of (image − cap): the height at which the ball touches. Centre
    // (cx, cy) lies over padded (cx + r, cy + r); its cap offset (dx, dy) over padded
    // (cx + dx, cy + dy), dx, dy = 0 .. 2r.
    let mut z = vec![f32::MAX; cw * ch];
    z.par_chunks_mut(cw).enumerate().for_each(|(cy, zrow)| touch_heights(zrow, &padded[cy * pw..], pw, ball));
    // B(p) = max over centres c within the cap of z(c) + cap(p − c): pixel (x, y) sees centre
    // index (x + 2r − dx, y + 2r − dy) with cap offset (dx, dy).
    let mut out = vec![-f32::MAX; width * height];
    out.par_chunks_mut(width).enumerate().for_each(|(y, orow)| hull_row(orow, &z, y, cw, ball));
    out
}

/// One row of centres: `z(c) = min over the cap of (image − cap)`, `padded` starting at the
/// centre row's first padded row; with AVX2 where the processor has it.
fn touch_heights(zrow: &mut [f32], padded: &[f32], pw: usize, ball: &Ball) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { touch_heights_avx2(zrow, padded, pw, ball) };
    }
    touch_heights_with(zrow, padded, pw, ball, lower_row);
}

/// One row `y` of the background: `B(p) = max over the centres under the cap of z(c) + cap`;
/// with AVX2 where the processor has it.
fn hull_row(orow: &mut [f32], z: &[f32], y: usize, cw: usize, ball: &Ball) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { hull_row_avx2(orow, z, y, cw, ball) };
    }
    hull_row_with(orow, z, y, cw, ball, raise_row);
}

/// [`touch_heights`]' sweep: for each cap offset `(dx, dy)`, `lower(z, image row shifted by dx,
/// cap)` over the whole row.
#[inline(always)]
fn touch_heights_with(
    zrow: &mut [f32],
    padded: &[f32],
    pw: usize,
    ball: &Ball,
    lower: impl Fn(&mut [f32], &[f32], f32),
) {
    let cw = zrow.len();
    for dy in 0..ball.width {
        let prow = &padded[dy * pw..(dy + 1) * pw];
        let caps = &ball.heights[dy * ball.width..(dy + 1) * ball.width];
        for (dx, &b) in caps.iter().enumerate() {
            lower(zrow, &prow[dx..dx + cw], b);
        }
    }
}

/// [`hull_row`]'s sweep: for each cap offset `(dx, dy)`, `raise(row, centre row shifted by dx,
/// cap)`.
#[inline(always)]
fn hull_row_with(
    orow: &mut [f32],
    z: &[f32],
    y: usize,
    cw: usize,
    ball: &Ball,
    raise: impl Fn(&mut [f32], &[f32], f32),
) {
    let (width, r) = (orow.len(), ball.width / 2);
    for dy in 0..ball.width {
        let cy = y + 2 * r - dy;
        let zrow = &z[cy * cw..(cy + 1) * cw];
        let caps = &ball.heights[dy * ball.width..(dy + 1) * ball.width];
        for (dx, &b) in caps.iter().enumerate() {
            let start = 2 * r - dx;
            raise(orow, &zrow[start..start + width], b);
        }
    }
}

/// `z = (p − cap < z) ? p − cap : z`, value by value (a select, not a conditional store).
#[inline(always)]
fn lower_row(z: &mut [f32], p: &[f32], cap: f32) {
    for (zc, &p) in z.iter_mut().zip(p) {
        let reduced = p - cap;
        *zc = if reduced < *zc { reduced } else { *zc };
    }
}

/// `o = (z + cap > o) ? z + cap : o`, value by value.
#[inline(always)]
fn raise_row(o: &mut [f32], z: &[f32], cap: f32) {
    for (o, &zc) in o.iter_mut().zip(z) {
        let v = zc + cap;
        *o = if v > *o { v } else { *o };
    }
}

/// [`touch_heights`] with AVX2: 8 floats per step. `_mm256_min_ps(a, b)` is `a < b ? a : b`
/// and `_mm256_max_ps(a, b)` is `a > b ? a : b`, the scalar selects exactly (ties and NaN keep
/// the stored value), and the subtraction and addition round as the scalar ones do, so the
/// background is the same to the bit. (Left to itself, the compiler turns the selects into
/// masked stores, slower than the 4-wide loop on AMD processors.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn touch_heights_avx2(zrow: &mut [f32], padded: &[f32], pw: usize, ball: &Ball) {
    use std::arch::x86_64::{_mm256_loadu_ps, _mm256_min_ps, _mm256_set1_ps, _mm256_storeu_ps, _mm256_sub_ps};
    touch_heights_with(zrow, padded, pw, ball, |z, p, b| {
        let whole = z.len() - z.len() % 8;
        let cap = _mm256_set1_ps(b);
        for (zc, p) in z[..whole].chunks_exact_mut(8).zip(p.chunks_exact(8)) {
            // SAFETY: both chunks hold 8 floats; unaligned loads and stores.
            unsafe {
                let reduced = _mm256_sub_ps(_mm256_loadu_ps(p.as_ptr()), cap);
                _mm256_storeu_ps(zc.as_mut_ptr(), _mm256_min_ps(reduced, _mm256_loadu_ps(zc.as_ptr())));
            }
        }
        lower_row(&mut z[whole..], &p[whole..], b);
    });
}

/// [`hull_row`] with AVX2 (see [`touch_heights_avx2`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn hull_row_avx2(orow: &mut [f32], z: &[f32], y: usize, cw: usize, ball: &Ball) {
    use std::arch::x86_64::{_mm256_add_ps, _mm256_loadu_ps, _mm256_max_ps, _mm256_set1_ps, _mm256_storeu_ps};
    hull_row_with(orow, z, y, cw, ball, |o, z, b| {
        let whole = o.len() - o.len() % 8;
        let cap = _mm256_set1_ps(b);
        for (o, zc) in o[..whole].chunks_exact_mut(8).zip(z.chunks_exact(8)) {
            // SAFETY: both chunks hold 8 floats; unaligned loads and stores.
            unsafe {
                let v = _mm256_add_ps(_mm256_loadu_ps(zc.as_ptr()), cap);
                _mm256_storeu_ps(o.as_mut_ptr(), _mm256_max_ps(v, _mm256_loadu_ps(o.as_ptr())));
            }
        }
        raise_row(&mut o[whole..], &z[whole..], b);
    });
}

/// Bilinear enlargement of the shrunken background back to `width × height` (extrapolating at
/// the edges), with ImageJ's pixel-centre weights.
fn enlarge(small: &[f32], sw: usize, sh: usize, out: &mut [f32], width: usize, height: usize, s: usize) {
    let (xi, xw) = interpolation(width, sw, s);
    let (yi, yw) = interpolation(height, sh, s);
    let interpolate_row = |row: usize| -> Vec<f32> {
        let line = &small[row * sw..(row + 1) * sw];
        xi.iter().zip(&xw).map(|(&i, &w)| line[i] * w + line[i + 1] * (1.0 - w)).collect()
    };
    let rows: Vec<Vec<f32>> = (0..sh).into_par_iter().map(interpolate_row).collect();
    out.par_chunks_mut(width).enumerate().for_each(|(y, orow)| {
        let (line0, line1, w) = (&rows[yi[y]], &rows[yi[y] + 1], yw[y]);
        for ((o, &a), &b) in orow.iter_mut().zip(line0).zip(line1) {
            *o = a * w + b * (1.0 - w);
        }
    });
}

/// For each full-size index: the left shrunken neighbour and its weight
/// `1 − ((i + ½)/s − (k + ½))`.
fn interpolation(length: usize, small_length: usize, s: usize) -> (Vec<usize>, Vec<f32>) {
    (0..length)
        .map(|i| {
            // Java's truncating division: (i − s/2)/s is 0 for the first half block.
            let mut k = (i as isize - (s / 2) as isize) / s as isize;
            if k >= small_length as isize - 1 {
                k = small_length as isize - 2;
            }
            let k = k.max(0) as usize;
            let distance = (i as f32 + 0.5) / s as f32 - (k as f32 + 0.5);
            (k, 1.0 - distance)
        })
        .unzip()
}

// ---------------------------------------------------------------------------------------------
// 3 × 3 filters (rows then columns, edges replicated)

#[derive(Clone, Copy, PartialEq)]
enum Filter3 {
    Mean,
    Maximum,
}

/// Applies the filter along rows and then columns. For the maximum, returns the mean increase of
/// the pixel values over both passes (ImageJ shifts the paraboloid background back by twice this).
fn filter3x3(pixels: &mut [f32], width: usize, height: usize, kind: Filter3) -> f64 {
    let mut shift = (0f64, 0f64);
    for y in 0..height {
        filter3_line(pixels, y * width, 1, width, kind, &mut shift);
    }
    for x in 0..width {
        filter3_line(pixels, x, width, height, kind, &mut shift);
    }
    shift.0 / shift.1
}

fn filter3_line(pixels: &mut [f32], start: usize, step: usize, length: usize, kind: Filter3, shift: &mut (f64, f64)) {
    let mut next = pixels[start];
    let mut here = next;
    for i in 0..length {
        let p = start + i * step;
        let previous = here;
        here = next;
        if i + 1 < length {
            next = pixels[p + step];
        }
        pixels[p] = match kind {
            Filter3::Mean => (previous + here + next) * 0.333_333_33,
            Filter3::Maximum => {
                let max = previous.max(next).max(here);
                shift.0 += (max - here) as f64;
                shift.1 += 1.0;
                max
            }
        };
    }
}

// ---------------------------------------------------------------------------------------------
// Sliding paraboloid

/// Replaces `pixels` by the paraboloid background (before the shift correction) and returns the
/// 3 × 3-maximum shift (0 without presmoothing).
fn sliding_paraboloid(pixels: &mut [f32], width: usize, height: usize, options: &BackgroundOptions) -> f32 {
    let radius = options.radius as f32;
    let coeff2 = 0.5 / radius;
    let coeff2_diagonal = 1.0 / radius;
    let mut shift = 0f32;
    if options.presmooth {
        shift = filter3x3(pixels, width, height, Filter3::Maximum) as f32;
        filter3x3(pixels, width, height, Filter3::Mean);
    }
    if options.correct_corners {
        correct_corners(pixels, width, height, coeff2);
    }
    use Direction::*;
    for (direction, c) in [
        (X, coeff2),
        (Y, coeff2),
        (X, coeff2),
        (Diagonal1A, coeff2_diagonal),
        (Diagonal1B, coeff2_diagonal),
        (Diagonal2A, coeff2_diagonal),
        (Diagonal2B, coeff2_diagonal),
        (Diagonal1A, coeff2_diagonal),
        (Diagonal1B, coeff2_diagonal),
    ] {
        slide_lines(pixels, width, height, direction, c);
    }
    shift
}

#[derive(Clone, Copy)]
enum Direction {
    X,
    Y,
    /// Parallel to x = y, starting on the top edge.
    Diagonal1A,
    /// Parallel to x = y, starting on the left edge.
    Diagonal1B,
    /// Parallel to x = −y, starting on the top edge.
    Diagonal2A,
    /// Parallel to x = −y, starting on the right edge.
    Diagonal2B,
}

/// Reusable buffers for one line: its values as read, the hull being written, the candidate chain.
struct LineWork {
    values: Vec<f32>,
    hull: Vec<f32>,
    next_point: Vec<usize>,
}

impl LineWork {
    fn new(n: usize) -> LineWork {
        LineWork { values: vec![0.0; n], hull: vec![0.0; n], next_point: vec![0; n] }
    }
}

/// The image as the parallel line passes share it: raw reads and writes by index, bounds-checked.
///
/// Sound because, within one pass, every pixel lies on at most one line and each line is read and
/// written by one task only, so no two tasks touch the same pixel; no reference into the image is
/// held while the pass runs.
#[derive(Clone, Copy)]
struct SharedImage {
    ptr: *mut f32,
    len: usize,
}

// SAFETY: see the type's docs: tasks touch disjoint pixels, through the pointer only.
unsafe impl Send for SharedImage {}
// SAFETY: as above.
unsafe impl Sync for SharedImage {}

impl SharedImage {
    fn new(pixels: &mut [f32]) -> SharedImage {
        SharedImage { ptr: pixels.as_mut_ptr(), len: pixels.len() }
    }

    fn read(self, i: usize) -> f32 {
        assert!(i < self.len, "pixel {i} outside the image");
        // SAFETY: in bounds (checked); no other task writes this pixel during the pass.
        unsafe { self.ptr.add(i).read() }
    }

    fn write(self, i: usize, v: f32) {
        assert!(i < self.len, "pixel {i} outside the image");
        // SAFETY: in bounds (checked); this task alone owns the pixel's line during the pass.
        unsafe { self.ptr.add(i).write(v) }
    }
}

/// Slides the parabola along every line of one direction (diagonals cover half the image each),
/// the lines in parallel: they share no pixel.
fn slide_lines(pixels: &mut [f32], width: usize, height: usize, direction: Direction, coeff2: f32) {
    let (w, h) = (width as isize, height as isize);
    let (first, end, line_step, point_step): (isize, isize, isize, isize) = match direction {
        Direction::X => (0, h, w, 1),
        Direction::Y => (0, w, 1, w),
        Direction::Diagonal1A => (0, w - 2, 1, w + 1),
        Direction::Diagonal1B => (1, h - 2, w, w + 1),
        Direction::Diagonal2A => (2, w, 1, w - 1),
        Direction::Diagonal2B => (0, h - 2, w, w - 1),
    };
    let lines: Vec<(isize, usize)> = (first..end)
        .filter_map(|i| {
            let mut start = i * line_step;
            if matches!(direction, Direction::Diagonal2B) {
                start += w - 1;
            }
            let length = match direction {
                Direction::X => w,
                Direction::Y => h,
                Direction::Diagonal1A => h.min(w - i),
                Direction::Diagonal1B => w.min(h - i),
                Direction::Diagonal2A => h.min(i + 1),
                Direction::Diagonal2B => w.min(h - i),
            };
            (length > 0).then_some((start, length as usize))
        })
        .collect();
    let image = SharedImage::new(pixels);
    let longest = width.max(height);
    lines.par_iter().for_each_init(
        || LineWork::new(longest),
        |work, &(start, length)| {
            slide_parabola(image, start, point_step, length, coeff2, work, false);
        },
    );
}

/// Slides the parabola `v = −coeff2·d²` along one line from below and raises every pixel to the
/// hull (parabolic arcs between touching points). With `estimate_edges`, also returns the edge
/// values the line would have without edge particles (allowing a 6th-order vignetting term).
fn slide_parabola(
    pixels: SharedImage,
    start: isize,
    step: isize,
    length: usize,
    coeff2: f32,
    work: &mut LineWork,
    estimate_edges: bool,
) -> Option<[f32; 2]> {
    let at = |i: usize| (start + i as isize * step) as usize;
    let values = &mut work.values[..length];
    let hull = &mut work.hull[..length];
    let next_point = &mut work.next_point[..length];
    let mut min_value = f32::MAX;
    let mut last = 0usize;
    let (mut v_prev1, mut v_prev2) = (0f32, 0f32);
    let curvature_test = 1.999 * coeff2;
    // Only points whose local curvature lets the parabola touch them are candidates.
    for i in 0..length {
        let v = pixels.read(at(i));
        values[i] = v;
        hull[i] = v;
        if v < min_value {
            min_value = v;
        }
        if i >= 2 && v_prev1 + v_prev1 - v_prev2 - v < curvature_test {
            next_point[last] = i - 1;
            last = i - 1;
        }
        v_prev2 = v_prev1;
        v_prev1 = v;
    }
    next_point[last] = length - 1;
    next_point[length - 1] = usize::MAX;
    let mut first_corner = length;
    let mut last_corner = 0usize;
    let mut i1 = 0usize;
    while i1 + 1 < length {
        let v1 = values[i1];
        let mut min_slope = f32::MAX;
        let mut i2 = 0usize;
        let mut search_to = length;
        let mut recalculate = 0i32;
        let mut j = next_point[i1];
        while j < search_to {
            let v2 = values[j];
            let d = (j - i1) as f32;
            let slope = (v2 - v1) / d + coeff2 * d;
            if slope < min_slope {
                min_slope = slope;
                i2 = j;
                recalculate = -3;
            }
            if recalculate == 0 {
                // Beyond this distance no point can give a smaller slope.
                let b = (0.5 * min_slope / coeff2) as f64;
                let reach = b + (b * b + ((v1 - min_value) / coeff2) as f64).sqrt() + 1.0;
                let max_search = i1 as f64 + reach.trunc();
                if max_search < search_to as f64 && max_search > 0.0 {
                    search_to = max_search as usize;
                }
            }
            j = next_point[j];
            recalculate += 1;
        }
        if i2 <= i1 {
            i2 = length - 1;
        }
        if first_corner >= length && i1 > 0 {
            first_corner = i1;
        }
        if i2 < length - 1 {
            last_corner = i2;
        }
        for (j, slot) in hull.iter_mut().enumerate().take(i2).skip(i1 + 1) {
            let d = (j - i1) as f32;
            *slot = v1 + d * (min_slope - d * coeff2);
        }
        i1 = i2;
    }
    for (i, &v) in hull.iter().enumerate() {
        pixels.write(at(i), v);
    }
    if !estimate_edges {
        return None;
    }
    if first_corner > last_corner {
        return Some([f32::NAN; 2]);
    }
    if 4 * first_corner >= length {
        first_corner = 0;
    }
    if 4 * (length - 1 - last_corner) >= length {
        last_corner = length - 1;
    }
    let (fc, lc) = (first_corner as f32, last_corner as f32);
    let v1 = values[first_corner];
    let v2 = values[last_corner];
    let slope = if last_corner - first_corner > length / 4 + 1 { (v2 - v1) / (lc - fc) } else { f32::NAN };
    let value0 = v1 - slope * fc;
    let mut coeff6 = 0f32;
    let mid = 0.5 * (lc + fc);
    let middle_third = length.div_ceil(3)..=(2 * length) / 3;
    for (i, &v) in values.iter().enumerate().take(*middle_third.end() + 1).skip(*middle_third.start()) {
        let dx = (i as f32 - mid) * 2.0 / (lc - fc);
        let poly6 = dx * dx * dx * dx * dx * dx - 1.0;
        if v < value0 + slope * i as f32 + coeff6 * poly6 {
            coeff6 = -(value0 + slope * i as f32 - v) / poly6;
        }
    }
    let poly6 = |x: f32| {
        let dx = (x - mid) * 2.0 / (lc - fc);
        dx * dx * dx * dx * dx * dx - 1.0
    };
    let n1 = (length - 1) as f32;
    let start_edge = value0 + coeff6 * poly6(fc) + coeff2 * fc * fc;
    let end_edge = value0 + n1 * slope + coeff6 * poly6(lc) + coeff2 * (n1 - lc) * (n1 - lc);
    Some([start_edge, end_edge])
}

/// Replaces corner pixels brighter than the background estimated along the edges and diagonals
/// through that corner, so that a particle in a corner is not mistaken for background.
fn correct_corners(pixels: &mut [f32], width: usize, height: usize, coeff2: f32) {
    let (w, h) = (width as isize, height as isize);
    let work = &mut LineWork::new(width.max(height));
    let mut sum = [0f32; 4];
    let mut count = [0u32; 4];
    let mut add = |corner: usize, value: f32| {
        if !value.is_nan() {
            sum[corner] += value;
            count[corner] += 1;
        }
    };
    // Corners: 0 = top left, 1 = top right, 2 = bottom left, 3 = bottom right.
    let edges = [
        (0, 1, width, [Some(0), Some(1)]),
        ((h - 1) * w, 1, width, [Some(2), Some(3)]),
        (0, w, height, [Some(0), Some(2)]),
        (w - 1, w, height, [Some(1), Some(3)]),
    ];
    // As in ImageJ, these lines are slid over the image itself (raised to their hull) on the way.
    for (start, step, length, corners) in edges {
        let image = SharedImage::new(pixels);
        let estimate = slide_parabola(image, start, step, length, coeff2, work, true).unwrap_or([f32::NAN; 2]);
        for (corner, value) in corners.iter().zip(estimate) {
            if let Some(c) = corner {
                add(*c, value);
            }
        }
    }
    let diagonal = width.min(height);
    let coeff2_diagonal = 2.0 * coeff2;
    for (start, step, corner) in [(0, 1 + w, 0), (w - 1, w - 1, 1), ((h - 1) * w, 1 - w, 2), (w * h - 1, -1 - w, 3)] {
        let image = SharedImage::new(pixels);
        let estimate =
            slide_parabola(image, start, step, diagonal, coeff2_diagonal, work, true).unwrap_or([f32::NAN; 2]);
        add(corner, estimate[0]);
    }
    let corner_index = [0, width - 1, (height - 1) * width, width * height - 1];
    for (k, &p) in corner_index.iter().enumerate() {
        let average = sum[k] / count[k] as f32;
        if pixels[p] > average {
            pixels[p] = average;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_rows_are_the_plain_rows_to_the_bit() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // widths around the vector width, ties (few levels), both zeros, the padding's f32::MAX
        for (width, radius) in [(1, 3.0), (7, 4.0), (8, 12.0), (9, 25.0), (37, 40.0), (64, 7.0)] {
            let ball = Ball::new(radius);
            let r = ball.width / 2;
            let (cw, pw) = (width + 2 * r, width + 4 * r);
            let rows = ball.width + 2;
            let level = |v: u64| match v % 7 {
                0 => 0.0,
                1 => -0.0,
                2 => f32::MAX,
                _ => (v % 50) as f32 * 0.5,
            };
            let padded: Vec<f32> = (0..pw * rows).map(|_| level(next())).collect();
            let start: Vec<f32> = (0..cw).map(|_| level(next())).collect();
            let (mut fast, mut plain) = (start.clone(), start);
            // SAFETY: the processor has AVX2, checked above.
            unsafe { touch_heights_avx2(&mut fast, &padded, pw, &ball) };
            touch_heights_with(&mut plain, &padded, pw, &ball, lower_row);
            assert!(fast.iter().zip(&plain).all(|(a, b)| a.to_bits() == b.to_bits()), "touch, width {width}");
            let z: Vec<f32> = (0..cw * (2 * r + 1)).map(|_| level(next()) - 3.0).collect();
            let start: Vec<f32> = (0..width).map(|_| level(next())).collect();
            let (mut fast, mut plain) = (start.clone(), start);
            // SAFETY: as above.
            unsafe { hull_row_avx2(&mut fast, &z, 0, cw, &ball) };
            hull_row_with(&mut plain, &z, 0, cw, &ball, raise_row);
            assert!(fast.iter().zip(&plain).all(|(a, b)| a.to_bits() == b.to_bits()), "hull, width {width}");
        }
    }

    fn flat_plus_band(width: usize, height: usize, level: f32) -> Vec<f32> {
        let mut v = vec![level; width * height];
        for y in height / 3..height / 3 + 4 {
            for x in width / 4..width / 2 {
                v[y * width + x] = level + 500.0;
            }
        }
        v
    }

    #[test]
    fn a_flat_image_is_all_background() {
        for method in [BackgroundMethod::RollingBall, BackgroundMethod::SlidingParaboloid] {
            for radius in [5.0, 20.0, 50.0, 150.0] {
                let options = BackgroundOptions { radius, method, ..Default::default() };
                let img = vec![1000f32; 64 * 48];
                let bg = background_surface(&img, 64, 48, &options);
                assert!(bg.iter().all(|&b| (b - 1000.0).abs() < 1e-2), "{method:?} r={radius}");
            }
        }
    }

    #[test]
    fn the_parallel_paraboloid_covers_every_shape_from_the_minimum_up() {
        // Thin, square, tall and wide images: every line of every pass stays inside the image
        // (the shared-image accessors assert it), and the background never exceeds the image.
        for (width, height) in [(3, 3), (3, 17), (17, 3), (4, 5), (31, 7), (7, 31), (64, 64), (101, 37)] {
            let img: Vec<f32> =
                (0..width * height).map(|i| 100.0 + ((i * 7919) % 97) as f32 + (i % width) as f32).collect();
            for presmooth in [false, true] {
                let options = BackgroundOptions {
                    radius: 10.0,
                    method: BackgroundMethod::SlidingParaboloid,
                    presmooth,
                    ..Default::default()
                };
                let bg = background_surface(&img, width, height, &options);
                assert_eq!(bg.len(), img.len());
                if !presmooth {
                    assert!(bg.iter().zip(&img).all(|(b, v)| b <= v), "{width}×{height}");
                }
            }
        }
    }

    #[test]
    fn a_narrow_band_stays_above_the_background() {
        let (w, h) = (80, 60);
        let img = flat_plus_band(w, h, 200.0);
        for method in [BackgroundMethod::RollingBall, BackgroundMethod::SlidingParaboloid] {
            let options = BackgroundOptions { radius: 20.0, method, presmooth: false, ..Default::default() };
            let bg = background_surface(&img, w, h, &options);
            let band = (h / 3 + 2) * w + w / 3;
            assert!((bg[band] - 200.0).abs() < 1.0, "{method:?}: band background {}", bg[band]);
            let worst = bg.iter().zip(&img).map(|(b, i)| b - i).fold(f32::MIN, f32::max);
            assert!(worst < 0.05, "{method:?}: background {worst} above the image (beyond f32 rounding)");
        }
    }

    #[test]
    fn light_background_is_the_mirror_of_dark() {
        let (w, h) = (64, 40);
        let img = flat_plus_band(w, h, 300.0);
        let mirrored: Vec<f32> = img.iter().map(|v| 4000.0 - v).collect();
        for method in [BackgroundMethod::RollingBall, BackgroundMethod::SlidingParaboloid] {
            let dark = BackgroundOptions { radius: 12.0, method, ..Default::default() };
            let light = BackgroundOptions { light_background: true, ..dark };
            let a = background_surface(&img, w, h, &dark);
            let b = background_surface(&mirrored, w, h, &light);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - (4000.0 - y)).abs() < 0.05, "{method:?}: {x} vs {}", 4000.0 - y);
            }
        }
    }

    /// ImageJ's scatter loop written out: every centre pushes its cap up under the image (its
    /// lowest `I − cap` over the pixels of the image it covers), then every pixel takes the highest
    /// `z + cap` over the centres that cover it.
    fn roll_by_definition(pixels: &[f32], width: usize, height: usize, ball: &Ball) -> Vec<f32> {
        let r = (ball.width / 2) as isize;
        let (w, h) = (width as isize, height as isize);
        let cap = |dx: isize, dy: isize| ball.heights[((dy + r) * ball.width as isize + dx + r) as usize];
        let mut out = vec![-f32::MAX; width * height];
        for cy in -r..h + r {
            for cx in -r..w + r {
                let mut z = f32::MAX;
                for y in (cy - r).max(0)..=(cy + r).min(h - 1) {
                    for x in (cx - r).max(0)..=(cx + r).min(w - 1) {
                        z = z.min(pixels[(y * w + x) as usize] - cap(x - cx, y - cy));
                    }
                }
                for y in (cy - r).max(0)..=(cy + r).min(h - 1) {
                    for x in (cx - r).max(0)..=(cx + r).min(w - 1) {
                        let o = &mut out[(y * w + x) as usize];
                        *o = o.max(z + cap(x - cx, y - cy));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_row_sweeps_equal_the_scatter_loop_bit_for_bit() {
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 40) as f32 / 16.0
        };
        for (width, height, radius) in [(37, 23, 5.0), (9, 41, 10.0), (64, 16, 3.0), (5, 5, 8.0)] {
            let pixels: Vec<f32> = (0..width * height).map(|_| next()).collect();
            let ball = Ball::new(radius);
            let fast = roll(&pixels, width, height, &ball);
            let slow = roll_by_definition(&pixels, width, height, &ball);
            let same = fast.iter().zip(&slow).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{width}×{height}, radius {radius}");
        }
    }

    #[test]
    fn the_ball_is_a_trimmed_cap() {
        let ball = Ball::new(50.0);
        assert_eq!(ball.shrink_factor, 4);
        // r/s = 12.5, trim = 4, half width = round(8.5) = 9
        assert_eq!(ball.width, 19);
        assert!((ball.heights[9 * 19 + 9] - 12.5).abs() < 1e-6);
    }
}
