//! The report's figures, as SVG documents.

use niche_study::analyze::{Axis, BINS, BlotPicture, GatePlot, Histogram, Overlay, Results};
use niche_study::direction::Direction;
use niche_study::reproduce::Cohort;
use niche_study::study::{Readout, Test};

use crate::svg::{PALETTE, Svg, escape, nice_axis};

/// Bars of mean ± SD with every replicate as a point and Prism-style brackets with stars for the
/// study's comparisons of this readout.
pub fn bars(results: &Results, readout: &Readout) -> Option<String> {
    let groups: Vec<(usize, &niche_study::analyze::Summary)> = results
        .groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| results.summary(&readout.id, &g.id).map(|s| (i, s)))
        .collect();
    if groups.is_empty() {
        return None;
    }
    let comparisons: Vec<_> = results.comparisons.iter().filter(|c| c.readout == readout.id).collect();
    let (left, top, bar_w, gap) = (60.0, 24.0, 46.0, 22.0);
    let plot_h = 220.0;
    let width = left + groups.len() as f64 * (bar_w + gap) + 20.0;
    let height = top + plot_h + 70.0;
    let mut svg = Svg::new(width, height);
    let top_of =
        |s: &niche_study::analyze::Summary| s.values.iter().copied().chain([s.mean + s.sd]).fold(0.0, f64::max);
    let data_max = groups.iter().map(|(_, s)| top_of(s)).fold(0.0, f64::max);
    // room above the data for the brackets
    let (y_max, step) = nice_axis(data_max * (1.0 + 0.09 * comparisons.len() as f64));
    let y = |v: f64| top + plot_h - v / y_max * plot_h;
    svg.line(left, top, left, top + plot_h, "#222", 1.0);
    svg.line(left, top + plot_h, width - 10.0, top + plot_h, "#222", 1.0);
    let mut tick = 0.0;
    while tick <= y_max + 1e-9 {
        svg.line(left - 4.0, y(tick), left, y(tick), "#222", 1.0);
        svg.text(left - 6.0, y(tick) + 4.0, "end", 10.0, &format_tick(tick, step));
        tick += step;
    }
    svg.vtext(16.0, top + plot_h / 2.0, 11.0, &readout.label);
    let x_of = |k: usize| left + gap / 2.0 + k as f64 * (bar_w + gap);
    for (k, (gi, s)) in groups.iter().enumerate() {
        let x = x_of(k);
        let colour = PALETTE[gi % PALETTE.len()];
        if s.n > 0 {
            svg.rect(x, y(s.mean), bar_w, y(0.0) - y(s.mean), colour, "#222");
            let c = x + bar_w / 2.0;
            svg.line(c, y(s.mean - s.sd), c, y(s.mean + s.sd), "#222", 1.2);
            svg.line(c - 8.0, y(s.mean + s.sd), c + 8.0, y(s.mean + s.sd), "#222", 1.2);
            svg.line(c - 8.0, y(s.mean - s.sd), c + 8.0, y(s.mean - s.sd), "#222", 1.2);
            for (j, v) in s.values.iter().enumerate() {
                let jitter = (j as f64 - (s.values.len() as f64 - 1.0) / 2.0) * 4.0;
                svg.circle(c + jitter, y(*v), 2.6, "white");
            }
        } else {
            svg.text(x + bar_w / 2.0, y(0.0) - 6.0, "middle", 9.0, "n.d.");
        }
        let label = results.groups[*gi].label();
        svg.text(x + bar_w / 2.0, top + plot_h + 14.0, "middle", 10.0, label);
        svg.text(x + bar_w / 2.0, top + plot_h + 27.0, "middle", 9.0, &format!("n={}", s.n + s.flagged));
    }
    // Prism-style brackets: just above the highest point they span, stacked where they overlap
    let mut placed: Vec<(usize, usize, f64)> = Vec::new();
    for c in &comparisons {
        let pos = |g: &str| groups.iter().position(|(gi, _)| results.groups[*gi].id == g);
        let (Some(a), Some(b)) = (pos(&c.group), pos(&c.reference)) else { continue };
        let (lo, hi) = (a.min(b), a.max(b));
        let (xa, xb) = (x_of(a) + bar_w / 2.0, x_of(b) + bar_w / 2.0);
        let highest = groups[lo..=hi].iter().map(|(_, s)| top_of(s)).fold(0.0, f64::max);
        let mut yb = y(highest) - 12.0;
        for &(l, h, y_other) in &placed {
            if !(hi < l || lo > h) {
                yb = yb.min(y_other - 18.0);
            }
        }
        placed.push((lo, hi, yb));
        svg.line(xa, yb, xb, yb, "#222", 1.0);
        svg.line(xa, yb, xa, yb + 5.0, "#222", 1.0);
        svg.line(xb, yb, xb, yb + 5.0, "#222", 1.0);
        let mark = match (c.test, c.p) {
            (Test::Direction, _) => Direction::of(c.mean, c.reference_mean).arrow().to_string(),
            (_, Some(p)) => niche_stats::format::stars(p).to_string(),
            _ => "–".to_string(),
        };
        svg.text((xa + xb) / 2.0, yb - 3.0, "middle", 10.0, &mark);
    }
    let tests: Vec<&str> =
        comparisons.iter().map(|c| c.test.label()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    svg.text(
        left,
        height - 12.0,
        "start",
        9.0,
        &format!(
            "mean ± SD, points = replicates; {}",
            if tests.is_empty() { "no comparisons".to_string() } else { tests.join(", ") }
        ),
    );
    Some(svg.finish(&readout.label))
}

fn format_tick(v: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{v:.0}")
    } else if step >= 0.1 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A marker's histograms in one well: the stained tube (orange) over the reference tube (grey),
/// on a log₁₀ axis from 1.
pub fn histogram(stained: &Histogram, reference: Option<&Histogram>, marker: &str, label: &str) -> String {
    let (left, top, w, h) = (40.0, 20.0, 260.0, 140.0);
    let mut svg = Svg::new(left + w + 20.0, top + h + 50.0);
    let all = || stained.counts.iter().chain(reference.map_or(&[][..], |r| &r.counts[..]));
    let max = all().copied().max().unwrap_or(1).max(1) as f64;
    let log10_max = stained.log10_max.max(reference.map_or(0.0, |r| r.log10_max));
    for (hist, colour) in reference.map(|r| (r, "#999999")).into_iter().chain([(stained, "#D55E00")]) {
        // each histogram's bins span 0..its own log10_max; draw them on the shared axis
        let scale = hist.log10_max / log10_max;
        let mut path = format!("M{left:.1},{:.1}", top + h);
        for (i, &c) in hist.counts.iter().enumerate() {
            let x = left + i as f64 / BINS as f64 * w * scale;
            let y = top + h - c as f64 / max * h;
            path.push_str(&format!(" L{x:.1},{y:.1} L{:.1},{y:.1}", x + w * scale / BINS as f64));
        }
        path.push_str(&format!(" L{:.1},{:.1} Z", left + w * scale, top + h));
        svg.raw(&format!(r#"<path d="{path}" fill="{colour}" fill-opacity="0.45" stroke="{colour}"/>"#));
    }
    log_ticks(&mut svg, left, top + h, w, 0.0, log10_max, false);
    svg.text(left + w / 2.0, top + h + 32.0, "middle", 10.0, &format!("{marker} ({}, compensated)", stained.channel));
    let legend = match reference {
        Some(r) => format!("{label}: {} (orange) vs {} (grey)", stained.tube, r.tube),
        None => format!("{label}: {}", stained.tube),
    };
    svg.text(left + w, top + 10.0, "end", 10.0, &legend);
    svg.finish(&format!("{marker} histogram, {label}"))
}

/// Decade ticks on a horizontal (or, with `vertical`, a vertical) log₁₀ axis from 10^lo to 10^hi.
fn log_ticks(svg: &mut Svg, left: f64, bottom: f64, len: f64, lo: f64, hi: f64, vertical: bool) {
    let decades = (hi - lo).max(1e-9);
    if !vertical {
        svg.line(left, bottom, left + len, bottom, "#222", 1.0);
    }
    let mut d = lo.ceil();
    while d <= hi + 1e-9 {
        let t = (d - lo) / decades * len;
        if vertical {
            let y = bottom - t;
            svg.line(left - 4.0, y, left, y, "#222", 1.0);
            svg.raw(&format!(r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="8">10<tspan dy="-4" font-size="6">{d}</tspan></text>"#, left - 5.0, y + 3.0));
        } else {
            let x = left + t;
            svg.line(x, bottom, x, bottom + 4.0, "#222", 1.0);
            svg.raw(&format!(r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="9">10<tspan dy="-4" font-size="7">{d}</tspan></text>"#, bottom + 14.0));
        }
        d += 1.0;
    }
}

/// A gate over its parent's events: the density (or histogram, for one axis) on the gate's own
/// axes, the gate's shape from the strategy, and the percent of the parent in each population.
pub fn gate_plot(plot: &GatePlot, title: &str) -> String {
    let (left, top, size) = (44.0, 28.0, 170.0);
    let mut svg = Svg::new(left + size + 24.0, top + size + 64.0);
    svg.rect(left, top, size, size, "#fbfbfb", "#222");
    let max = plot.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let cell = size / BINS as f64;
    let to_px = |a: &Axis, v: f64| -> f64 {
        let u = if a.log10 { v.max(1e-300).log10() } else { v };
        ((u - a.min) / (a.max - a.min)).clamp(-0.02, 1.02) * size
    };
    if plot.axes.len() == 2 {
        for (k, &count) in plot.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            let (row, col) = (k / BINS, k % BINS);
            let t = (count as f64).ln_1p() / max.ln_1p();
            let colour = format!(
                "rgb({},{},{})",
                (255.0 * t) as u8,
                (60.0 + 120.0 * (1.0 - t)) as u8,
                (200.0 * (1.0 - t)) as u8
            );
            svg.rect(
                left + col as f64 * cell,
                top + size - (row + 1) as f64 * cell,
                cell + 0.3,
                cell + 0.3,
                &colour,
                "none",
            );
        }
    } else {
        let mut path = format!("M{left:.1},{:.1}", top + size);
        for (i, &c) in plot.counts.iter().enumerate() {
            let (x, y) = (left + i as f64 * cell, top + size - c as f64 / max * size * 0.95);
            path.push_str(&format!(" L{x:.1},{y:.1} L{:.1},{y:.1}", x + cell));
        }
        path.push_str(&format!(" L{:.1},{:.1} Z", left + size, top + size));
        svg.raw(&format!(r##"<path d="{path}" fill="#56B4E9" fill-opacity="0.6" stroke="#0072B2"/>"##));
    }
    let x_axis = &plot.axes[0];
    let px = |v: f64| left + to_px(x_axis, v);
    let py = |v: f64| plot.axes.get(1).map_or(top, |a| top + size - to_px(a, v));
    let gate_colour = "#111";
    match &plot.overlay {
        Overlay::Rectangle { bounds } => {
            let (x0, x1) = (bounds[0].0.map_or(left, px), bounds[0].1.map_or(left + size, px));
            let (y0, y1) = match bounds.get(1) {
                Some(b) => (b.1.map_or(top, py), b.0.map_or(top + size, py)),
                None => (top, top + size),
            };
            svg.raw(&format!(
                r#"<rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="{gate_colour}" stroke-width="1.4"/>"#,
                (x1 - x0).max(0.0),
                (y1 - y0).max(0.0)
            ));
        }
        Overlay::Polygon { vertices } | Overlay::Ellipse { outline: vertices } => {
            // vertices outside the axes are clipped with the polygon, not moved onto the frame
            // (a gate drawn to the 18-bit range's corner would otherwise collapse into a line)
            let raw = |a: &Axis, v: f64| (if a.log10 { v.max(1e-300).log10() } else { v } - a.min) / (a.max - a.min);
            let y_axis = plot.axes.get(1);
            let unit: Vec<(f64, f64)> =
                vertices.iter().map(|&(x, y)| (raw(x_axis, x), y_axis.map_or(1.0, |a| raw(a, y)))).collect();
            let points: Vec<String> = clip_to_square(&unit, -0.02, 1.02)
                .iter()
                .map(|&(u, v)| format!("{:.1},{:.1}", left + u * size, top + size - v * size))
                .collect();
            svg.raw(&format!(
                r#"<polygon points="{}" fill="none" stroke="{gate_colour}" stroke-width="1.4"/>"#,
                points.join(" ")
            ));
        }
        Overlay::Quadrants { cuts } => {
            for &v in cuts.first().into_iter().flatten() {
                svg.line(px(v), top, px(v), top + size, gate_colour, 1.0);
            }
            for &v in cuts.get(1).into_iter().flatten() {
                svg.line(left, py(v), left + size, py(v), gate_colour, 1.0);
            }
        }
    }
    let tick_axis = |svg: &mut Svg, a: &Axis, vertical: bool| {
        if a.log10 {
            log_ticks(svg, left, top + size, size, a.min, a.max, vertical);
        } else {
            let (lo, hi) = (a.min, a.max);
            let (_, step) = nice_axis(hi - lo);
            let mut v = (lo / step).ceil() * step;
            while v <= hi + 1e-9 {
                let t = (v - lo) / (hi - lo) * size;
                let text = format_tick(if v.abs() < step * 1e-6 { 0.0 } else { v }, step);
                if vertical {
                    svg.line(left - 3.0, top + size - t, left, top + size - t, "#222", 1.0);
                    svg.text(left - 4.0, top + size - t + 3.0, "end", 8.0, &text);
                } else {
                    svg.line(left + t, top + size, left + t, top + size + 3.0, "#222", 1.0);
                    svg.text(left + t, top + size + 12.0, "middle", 8.0, &text);
                }
                v += step;
            }
        }
    };
    tick_axis(&mut svg, x_axis, false);
    svg.text(left + size / 2.0, top + size + 28.0, "middle", 9.0, &x_axis.label);
    if let Some(y_axis) = plot.axes.get(1) {
        tick_axis(&mut svg, y_axis, true);
        svg.vtext(12.0, top + size / 2.0, 9.0, &y_axis.label);
    }
    let percents: Vec<String> = plot.populations.iter().map(|(p, v)| format!("{p} {v:.1}%")).collect();
    svg.text(left, top - 16.0, "start", 10.0, title);
    svg.text(
        left,
        top - 4.0,
        "start",
        8.0,
        &format!("of {}: {}", plot.parent.as_deref().unwrap_or("all events"), percents.join(", ")),
    );
    svg.finish(&format!("gate {} over {}, {title}", plot.gate, plot.parent.as_deref().unwrap_or("all events")))
}

/// The part of a polygon inside the square `[lo, hi]²` (Sutherland–Hodgman, one side at a time).
fn clip_to_square(polygon: &[(f64, f64)], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = polygon.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    // each side: which coordinate (0 = x, 1 = y), its limit, and whether inside is below it
    for (axis, limit, below) in [(0, lo, false), (0, hi, true), (1, lo, false), (1, hi, true)] {
        let coord = |p: (f64, f64)| if axis == 0 { p.0 } else { p.1 };
        let inside = |p: (f64, f64)| if below { coord(p) <= limit } else { coord(p) >= limit };
        let input = std::mem::take(&mut out);
        for (i, &p) in input.iter().enumerate() {
            let q = input[(i + 1) % input.len()];
            if inside(p) {
                out.push(p);
            }
            if inside(p) != inside(q) {
                let t = (limit - coord(p)) / (coord(q) - coord(p));
                out.push((p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1)));
            }
        }
    }
    out
}

/// Figure 1: CXCR4 MFI of the virtual cohort, newly diagnosed vs R/R.
pub fn cohort(c: &Cohort) -> String {
    let (left, top, h) = (60.0, 40.0, 220.0);
    let mut svg = Svg::new(300.0, top + h + 60.0);
    let max = c.newly_diagnosed.iter().chain(&c.relapsed_refractory).copied().fold(0.0, f64::max);
    let (y_max, step) = nice_axis(max);
    let y = |v: f64| top + h - v / y_max * h;
    svg.line(left, top, left, top + h, "#222", 1.0);
    svg.line(left, top + h, 280.0, top + h, "#222", 1.0);
    let mut t = 0.0;
    while t <= y_max + 1e-9 {
        svg.text(left - 6.0, y(t) + 4.0, "end", 10.0, &format!("{t:.0}"));
        t += step;
    }
    svg.vtext(16.0, top + h / 2.0, 11.0, "CXCR4 MFI");
    for (k, (values, name, colour)) in
        [(&c.newly_diagnosed, "newly diagnosed", "#0072B2"), (&c.relapsed_refractory, "R/R", "#D55E00")]
            .iter()
            .enumerate()
    {
        let cx = 120.0 + 110.0 * k as f64;
        let (mean, sd) = (niche_stats::mean(values), niche_stats::sd(values));
        for (j, v) in values.iter().enumerate() {
            svg.circle(cx + ((j % 7) as f64 - 3.0) * 5.0, y(*v), 2.8, colour);
        }
        svg.line(cx - 22.0, y(mean), cx + 22.0, y(mean), "#222", 2.0);
        svg.line(cx, y(mean - sd), cx, y(mean + sd), "#222", 1.0);
        svg.text(cx, top + h + 16.0, "middle", 10.0, &format!("{name} (n={})", values.len()));
    }
    svg.line(120.0, top - 14.0, 230.0, top - 14.0, "#222", 1.0);
    svg.text(
        175.0,
        top - 18.0,
        "middle",
        10.0,
        &format!("{} (P {})", niche_stats::format::stars(c.p), niche_stats::format::p_value(c.p)),
    );
    svg.text(left, top + h + 40.0, "start", 9.0, "virtual cohort; mean ± SD; unpaired t test");
    svg.finish("Figure 1: CXCR4 MFI, newly diagnosed vs R/R")
}

/// A blot thumbnail with its lanes' group labels.
pub fn blot(picture: &BlotPicture, labels: &[String]) -> String {
    let (w, h) = (picture.width as f64, picture.height as f64);
    let mut svg = Svg::new(w, h + 24.0);
    match png_base64(picture) {
        Ok(png) => {
            svg.raw(&format!(r#"<image x="0" y="0" width="{w}" height="{h}" href="data:image/png;base64,{png}"/>"#))
        }
        Err(e) => svg.text(w / 2.0, h / 2.0, "middle", 10.0, &format!("the thumbnail cannot be shown: {e}")),
    }
    let lane_w = w / labels.len().max(1) as f64;
    for (i, g) in labels.iter().enumerate() {
        svg.text(lane_w * (i as f64 + 0.5), h + 16.0, "middle", 9.0, g);
    }
    svg.finish(&format!("Western blot {}", escape(&picture.file)))
}

/// The picture's grey levels as an 8-bit grey PNG, base64 (standard alphabet, padded).
fn png_base64(picture: &BlotPicture) -> Result<String, image::ImageError> {
    use base64::Engine as _;
    use image::ImageEncoder as _;
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        &picture.grey,
        picture.width as u32,
        picture.height as u32,
        image::ExtendedColorType::L8,
    )?;
    Ok(base64::engine::general_purpose::STANDARD.encode(&png))
}

#[cfg(test)]
mod tests {
    use super::clip_to_square;

    #[test]
    fn polygons_are_clipped_to_the_axes_not_squashed_onto_them() {
        // a wedge from the origin to far beyond the top right keeps its two edges' slopes
        let wedge = [(0.0, 0.0), (3.0, 1.8), (3.0, 3.0)];
        let clipped = clip_to_square(&wedge, 0.0, 1.0);
        assert_eq!(clipped.len(), 3, "{clipped:?}");
        for want in [(0.0, 0.0), (1.0, 0.6), (1.0, 1.0)] {
            assert!(
                clipped.iter().any(|p| (p.0 - want.0).abs() < 1e-12 && (p.1 - want.1).abs() < 1e-12),
                "{want:?} in {clipped:?}"
            );
        }
        // inside: unchanged; outside: nothing
        let inside = [(0.2, 0.2), (0.8, 0.2), (0.5, 0.9)];
        assert_eq!(clip_to_square(&inside, 0.0, 1.0), inside);
        assert!(clip_to_square(&[(2.0, 2.0), (3.0, 2.0), (3.0, 3.0)], 0.0, 1.0).is_empty());
    }
}
