//! Multiple-testing corrections of a family of P values (results in the input order, capped at 1):
//! Bonferroni `m·p`; Šidák `1 − (1 − p)^m`; Holm's step-down `max_{j≤i} (m − j + 1)·p₍ⱼ₎`;
//! Benjamini–Hochberg step-up `min_{j≥i} m·p₍ⱼ₎/j`.

/// A correction method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// Bonferroni.
    Bonferroni,
    /// Šidák.
    Sidak,
    /// Holm–Bonferroni step-down.
    Holm,
    /// Benjamini–Hochberg false discovery rate.
    BenjaminiHochberg,
}

/// Adjusted P values.
pub fn adjust(p: &[f64], correction: Correction) -> Vec<f64> {
    let m = p.len() as f64;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut out = vec![0.0; p.len()];
    match correction {
        Correction::Bonferroni => p.iter().zip(&mut out).for_each(|(p, o)| *o = (p * m).min(1.0)),
        Correction::Sidak => p.iter().zip(&mut out).for_each(|(p, o)| *o = 1.0 - (1.0 - p).powf(m)),
        Correction::Holm => {
            let mut running = 0.0f64;
            for (rank, &i) in order.iter().enumerate() {
                running = running.max(((m - rank as f64) * p[i]).min(1.0));
                out[i] = running;
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running = 1.0f64;
            for (rank, &i) in order.iter().enumerate().rev() {
                running = running.min(m * p[i] / (rank as f64 + 1.0));
                out[i] = running.min(1.0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_match_statsmodels() {
        // statsmodels.stats.multitest.multipletests([0.01, 0.04, 0.03, 0.2], method=...)
        let p = [0.01, 0.04, 0.03, 0.2];
        assert_eq!(adjust(&p, Correction::Bonferroni), vec![0.04, 0.16, 0.12, 0.8]);
        let holm = adjust(&p, Correction::Holm);
        for (a, b) in holm.iter().zip([0.04, 0.09, 0.09, 0.2]) {
            assert!((a - b).abs() < 1e-15, "{holm:?}");
        }
        let bh = adjust(&p, Correction::BenjaminiHochberg);
        for (a, b) in bh.iter().zip([0.04, 0.05333333333333334, 0.05333333333333334, 0.2]) {
            assert!((a - b).abs() < 1e-15, "{bh:?}");
        }
    }
}
