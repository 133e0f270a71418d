//! SVG primitives: escaping, axes, and the chart types the report uses. Every string that comes
//! from an input file goes through [`escape`].

use std::fmt::Write;

/// Escapes text for XML and HTML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A figure under construction.
pub struct Svg {
    /// Width, px.
    pub width: f64,
    /// Height, px.
    pub height: f64,
    body: String,
}

/// Group colours (colour-blind safe, Okabe–Ito).
pub const PALETTE: [&str; 8] = ["#999999", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"];

impl Svg {
    /// An empty figure.
    pub fn new(width: f64, height: f64) -> Svg {
        Svg { width, height, body: String::new() }
    }

    /// Raw SVG content (the caller escapes text).
    pub fn raw(&mut self, s: &str) {
        self.body.push_str(s);
    }

    /// Text (escaped).
    pub fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, text: &str) {
        let _ = write!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}">{}</text>"#,
            escape(text)
        );
    }

    /// Rotated text (escaped), for y-axis titles.
    pub fn vtext(&mut self, x: f64, y: f64, size: f64, text: &str) {
        let _ = write!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" font-size="{size}" transform="rotate(-90 {x:.1} {y:.1})">{}</text>"#,
            escape(text)
        );
    }

    /// A line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) {
        let _ = write!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-width="{width}"/>"#
        );
    }

    /// A rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str) {
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="{stroke}"/>"#,
            w.max(0.0),
            h.max(0.0)
        );
    }

    /// A dot.
    pub fn circle(&mut self, x: f64, y: f64, r: f64, fill: &str) {
        let _ = write!(
            self.body,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{fill}" stroke="#222" stroke-width="0.5"/>"##
        );
    }

    /// The finished document, with a title for screen readers.
    pub fn finish(&self, title: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif" role="img"><title>{t}</title><rect width="100%" height="100%" fill="white"/>{body}</svg>"#,
            w = self.width,
            h = self.height,
            t = escape(title),
            body = self.body
        )
    }
}

/// "Nice" axis maximum and step for data up to `max`.
pub fn nice_axis(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return (1.0, 0.2);
    }
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    ((max / step).ceil() * step, step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_open_a_tag() {
        let hostile = r#"</title><script>alert("x")</script><img src=x onerror='y'>"#;
        let e = escape(hostile);
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        let mut s = Svg::new(10.0, 10.0);
        s.text(0.0, 0.0, "start", 10.0, hostile);
        assert!(!s.finish(hostile).contains("<script>"));
    }

    #[test]
    fn axes_are_round() {
        assert_eq!(nice_axis(83.47), (100.0, 20.0));
        assert_eq!(nice_axis(1.351), (1.5, 0.5));
    }
}
