//! GraphPad Prism's way of showing P values.
//!
//! Stars follow Prism's "GP" style and are decided on the unrounded P: `ns` above 0.05,
//! `*` ≤ 0.05, `**` ≤ 0.01, `***` ≤ 0.001, `****` ≤ 0.0001. P is shown with four decimals,
//! `<0.0001` below that, and `>0.9999` above.

/// Prism's significance stars for an unrounded P.
pub fn stars(p: f64) -> &'static str {
    match p {
        p if p.is_nan() => "?",
        p if p <= 0.0001 => "****",
        p if p <= 0.001 => "***",
        p if p <= 0.01 => "**",
        p if p <= 0.05 => "*",
        _ => "ns",
    }
}

/// Prism's P display: `0.0079`, `<0.0001`, `>0.9999`.
pub fn p_value(p: f64) -> String {
    if p.is_nan() {
        "NaN".into()
    } else if p < 0.0001 {
        "<0.0001".into()
    } else if p > 0.9999 {
        ">0.9999".into()
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_are_decided_on_the_unrounded_p() {
        assert_eq!(stars(0.05), "*");
        assert_eq!(stars(0.0500001), "ns");
        assert_eq!(stars(0.00010001), "***");
        assert_eq!(stars(0.0001), "****");
        assert_eq!(p_value(2.0 / 252.0), "0.0079");
        assert_eq!(p_value(0.00003), "<0.0001");
        assert_eq!(p_value(0.99999), ">0.9999");
    }
}
