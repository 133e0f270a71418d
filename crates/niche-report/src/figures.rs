//! The report's figures, as SVG documents.

use niche_study::analyze::{BINS, BlotPicture, FlowPlots, Results};
use niche_study::reproduce::Cohort;
use niche_study::study::{Readout, Test};

use crate::svg::{PALETTE, Svg, escape, nice_axis};

/// Bars of mean ± SD with every replicate as a point and Prism-style brackets with stars for the
/// study's comparisons of this readout.
pub fn bars(results: &Results, readout: Readout) -> Option<String> {
    let groups: Vec<(usize, &niche_study::analyze::Summary)> = results
        .groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| results.summary(readout, &g.id).map(|s| (i, s)))
        .collect();
    if groups.is_empty() {
        return None;
    }
    let comparisons: Vec<_> = results.comparisons.iter().filter(|c| c.readout == readout).collect();
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
    svg.vtext(16.0, top + plot_h / 2.0, 11.0, readout.label());
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
        let label = &results.groups[*gi].label;
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
            (Test::Direction, _) => direction(c.mean, c.reference_mean).to_string(),
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
    Some(svg.finish(readout.label()))
}

fn direction(a: f64, b: f64) -> &'static str {
    let r = a / b;
    if r > 1.1 {
        "↑"
    } else if r < 0.9 {
        "↓"
    } else {
        "="
    }
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

/// CXCR4-PE histograms of CD45+CD19+ blasts, stained over isotype, log axis 1–10⁴.
pub fn histogram(plots: &FlowPlots, label: &str) -> String {
    let (left, top, w, h) = (40.0, 20.0, 260.0, 140.0);
    let mut svg = Svg::new(left + w + 20.0, top + h + 50.0);
    let max = plots.stained.iter().chain(&plots.isotype).copied().max().unwrap_or(1).max(1) as f64;
    for (hist, colour, name) in [(&plots.isotype, "#999999", "isotype"), (&plots.stained, "#D55E00", "CXCR4-PE")] {
        let mut path = format!("M{left:.1},{:.1}", top + h);
        for (i, &c) in hist.iter().enumerate() {
            let x = left + i as f64 / BINS as f64 * w;
            let y = top + h - c as f64 / max * h;
            path.push_str(&format!(" L{x:.1},{y:.1} L{:.1},{y:.1}", x + w / BINS as f64));
        }
        path.push_str(&format!(" L{:.1},{:.1} Z", left + w, top + h));
        svg.raw(&format!(r#"<path d="{path}" fill="{colour}" fill-opacity="0.45" stroke="{colour}"/>"#));
        let _ = name;
    }
    axis_log(&mut svg, left, top + h, w);
    svg.text(left + w / 2.0, top + h + 32.0, "middle", 10.0, "CXCR4-PE (FL2-H, compensated)");
    svg.text(left + w, top + 10.0, "end", 10.0, &format!("{label}: stained (orange) vs isotype (grey)"));
    svg.finish(&format!("CXCR4-PE histogram, {label}"))
}

fn axis_log(svg: &mut Svg, left: f64, bottom: f64, w: f64) {
    svg.line(left, bottom, left + w, bottom, "#222", 1.0);
    for d in 0..=4 {
        let x = left + d as f64 / 4.0 * w;
        svg.line(x, bottom, x, bottom + 4.0, "#222", 1.0);
        svg.raw(&format!(r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="9">10<tspan dy="-4" font-size="7">{d}</tspan></text>"#, bottom + 14.0));
    }
}

/// Annexin V × PI density of lymphoblasts (log–log), with the quadrant percentages.
pub fn dot_plot(plots: &FlowPlots, label: &str) -> String {
    let (left, top, size) = (36.0, 24.0, 150.0);
    let mut svg = Svg::new(left + size + 16.0, top + size + 40.0);
    let max = plots.annexin_pi.iter().copied().max().unwrap_or(1).max(1) as f64;
    let cell = size / BINS as f64;
    svg.rect(left, top, size, size, "#fbfbfb", "#222");
    for (k, &count) in plots.annexin_pi.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let (row, col) = (k / BINS, k % BINS);
        let t = (count as f64).ln_1p() / max.ln_1p();
        let colour =
            format!("rgb({},{},{})", (255.0 * t) as u8, (60.0 + 120.0 * (1.0 - t)) as u8, (200.0 * (1.0 - t)) as u8);
        svg.rect(
            left + col as f64 * cell,
            top + size - (row + 1) as f64 * cell,
            cell + 0.3,
            cell + 0.3,
            &colour,
            "none",
        );
    }
    let threshold = 20f64.log10() / 4.0 * size;
    svg.line(left + threshold, top, left + threshold, top + size, "#222", 0.8);
    svg.line(left, top + size - threshold, left + size, top + size - threshold, "#222", 0.8);
    let q = plots.quadrants;
    svg.text(left + 4.0, top + size - 4.0, "start", 8.0, &format!("{:.1}%", q[0]));
    svg.text(left + size - 4.0, top + size - 4.0, "end", 8.0, &format!("{:.1}%", q[1]));
    svg.text(left + size - 4.0, top + 10.0, "end", 8.0, &format!("{:.1}%", q[2]));
    svg.text(left + 4.0, top + 10.0, "start", 8.0, &format!("{:.1}%", q[3]));
    svg.text(left + size / 2.0, top - 8.0, "middle", 10.0, label);
    svg.text(left + size / 2.0, top + size + 16.0, "middle", 9.0, "Annexin V-FITC (log)");
    svg.vtext(14.0, top + size / 2.0, 9.0, "PI (log)");
    svg.finish(&format!("Annexin V / PI, {label}"))
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
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
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
    if !picture.png_base64.is_empty() {
        svg.raw(&format!(
            r#"<image x="0" y="0" width="{w}" height="{h}" href="data:image/png;base64,{}"/>"#,
            picture.png_base64
        ));
    }
    let lane_w = w / labels.len().max(1) as f64;
    for (i, g) in labels.iter().enumerate() {
        svg.text(lane_w * (i as f64 + 0.5), h + 16.0, "middle", 9.0, g);
    }
    svg.finish(&format!("Western blot {}", escape(&picture.file)))
}
