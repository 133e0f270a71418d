//! Compensation: unmixing detector signals into fluorochrome signals.
//!
//! A spectrum (spillover) matrix `S` has one row per fluorochrome and one column per detector:
//! `S[i][j]` is the fraction of fluorochrome i's signal that detector j sees. Measured detector
//! values are `d = x · S`, so compensated fluorochrome values are `x = d · S⁺`, with `S⁺ = S⁻¹` for
//! a square matrix and the least-squares pseudo-inverse `Sᵀ (S Sᵀ)⁻¹` when there are more detectors
//! than fluorochromes (Gating-ML 2.0, section 6; Bagwell & Adams 1993): the ordinary least-squares
//! estimate of the fluorochrome values, `argmin ‖d − x·S‖²`.
//!
//! A Gating-ML `spectrumMatrix` with `matrix-inverted-already="true"` gives `S⁺` itself, one row per
//! detector with one coefficient per fluorochrome ([`Compensation::from_unmixing`]); it is applied
//! as given, and `S` is recovered as its pseudo-inverse for [`Compensation::inverse`].

use niche_fcs as fcs;

use crate::error::{Error, Result};
use niche_stats::linalg;

/// A spectrum matrix with its unmixing matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Compensation {
    /// Gating-ML id (`FCS` for a file's own spillover).
    pub id: String,
    /// Names of the compensated dimensions.
    pub fluorochromes: Vec<String>,
    /// Names of the measured channels.
    pub detectors: Vec<String>,
    /// Row-major `fluorochromes × detectors` spectrum.
    pub spectrum: Vec<f64>,
    /// Row-major `detectors × fluorochromes` unmixing matrix `S⁺`.
    unmixing: Vec<f64>,
    /// Whether the unmixing matrix was given (`matrix-inverted-already`) rather than computed.
    inverted_already: bool,
}

impl Compensation {
    /// Builds from a spectrum matrix (row-major, one row per fluorochrome).
    pub fn new(
        id: impl Into<String>,
        fluorochromes: Vec<String>,
        detectors: Vec<String>,
        spectrum: Vec<f64>,
    ) -> Result<Self> {
        let id = id.into();
        let (f, d) = (fluorochromes.len(), detectors.len());
        if f == 0 || f > d || spectrum.len() != f * d {
            return Err(Error::InvalidGate {
                id,
                reason: format!(
                    "a spectrum matrix needs 1 ≤ fluorochromes ({f}) ≤ detectors ({d}) and {} coefficients, found {}",
                    f * d,
                    spectrum.len()
                ),
            });
        }
        let unmixing = if f == d {
            linalg::invert(f, &spectrum)
        } else {
            let st = linalg::transpose(f, d, &spectrum);
            let sst = linalg::multiply(f, d, f, &spectrum, &st);
            linalg::invert(f, &sst).map(|inv| linalg::multiply(d, f, f, &st, &inv))
        }
        .ok_or_else(|| Error::SingularMatrix { id: id.clone() })?;
        Ok(Compensation { id, fluorochromes, detectors, spectrum, unmixing, inverted_already: false })
    }

    /// Builds from an unmixing matrix `S⁺` given directly (Gating-ML `matrix-inverted-already`):
    /// row-major, one row per detector, one coefficient per fluorochrome. It is applied as given;
    /// the spectrum is its pseudo-inverse `(MᵀM)⁻¹Mᵀ` (its inverse when square).
    pub fn from_unmixing(
        id: impl Into<String>,
        fluorochromes: Vec<String>,
        detectors: Vec<String>,
        unmixing: Vec<f64>,
    ) -> Result<Self> {
        let id = id.into();
        let (f, d) = (fluorochromes.len(), detectors.len());
        if f == 0 || f > d || unmixing.len() != f * d {
            return Err(Error::InvalidGate {
                id,
                reason: format!(
                    "an unmixing matrix needs 1 ≤ fluorochromes ({f}) ≤ detectors ({d}) and {} coefficients, found {}",
                    f * d,
                    unmixing.len()
                ),
            });
        }
        if unmixing.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidGate { id, reason: "an unmixing coefficient is not finite".into() });
        }
        let spectrum = if f == d {
            linalg::invert(f, &unmixing)
        } else {
            let mt = linalg::transpose(d, f, &unmixing);
            let mtm = linalg::multiply(f, d, f, &mt, &unmixing);
            linalg::invert(f, &mtm).map(|inv| linalg::multiply(f, f, d, &inv, &mt))
        }
        .ok_or_else(|| Error::SingularMatrix { id: id.clone() })?;
        Ok(Compensation { id, fluorochromes, detectors, spectrum, unmixing, inverted_already: true })
    }

    /// The row-major `detectors × fluorochromes` unmixing matrix `S⁺` that [`Compensation::apply`] uses.
    pub fn unmixing(&self) -> &[f64] {
        &self.unmixing
    }

    /// Whether the unmixing matrix was given already inverted rather than computed from the spectrum.
    pub fn inverted_already(&self) -> bool {
        self.inverted_already
    }

    /// A file's own spillover matrix (fluorochromes and detectors are the same channels).
    pub fn from_spillover(spill: &fcs::Spillover) -> Result<Self> {
        Compensation::new("FCS", spill.channels.clone(), spill.channels.clone(), spill.matrix.clone())
    }

    /// Compensates: given one column per detector (in `detectors` order), returns one column per
    /// fluorochrome, `x_k = Σ_j d_j · S⁺[j][k]`.
    pub fn apply(&self, detector_columns: &[&[f64]]) -> Vec<Vec<f64>> {
        self.apply_into(detector_columns, vec![Vec::new(); self.fluorochromes.len()])
    }

    /// [`Compensation::apply`] into the given vectors (one per fluorochrome, reused for their
    /// allocations).
    pub fn apply_into(&self, detector_columns: &[&[f64]], outputs: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
        let n = detector_columns.first().map_or(0, |c| c.len());
        let f = self.fluorochromes.len();
        outputs
            .into_iter()
            .take(f)
            .enumerate()
            .map(|(k, mut out)| {
                out.clear();
                out.resize(n, 0.0);
                for (j, column) in detector_columns.iter().enumerate() {
                    let weight = self.unmixing[j * f + k];
                    if weight != 0.0 {
                        out.iter_mut().zip(column.iter()).for_each(|(o, &v)| *o += weight * v);
                    }
                }
                out
            })
            .collect()
    }

    /// Undoes compensation: given one column per fluorochrome, returns detector columns `d = x · S`.
    pub fn inverse(&self, fluorochrome_columns: &[&[f64]]) -> Vec<Vec<f64>> {
        let n = fluorochrome_columns.first().map_or(0, |c| c.len());
        let d = self.detectors.len();
        (0..d)
            .map(|j| {
                let mut out = vec![0.0; n];
                for (i, column) in fluorochrome_columns.iter().enumerate() {
                    let weight = self.spectrum[i * d + j];
                    out.iter_mut().zip(column.iter()).for_each(|(o, &v)| *o += weight * v);
                }
                out
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensation_then_inverse_returns_the_detectors() {
        let c = Compensation::new(
            "s",
            vec!["A".into(), "B".into()],
            vec!["A".into(), "B".into()],
            vec![1.0, 0.2, 0.1, 1.0],
        )
        .unwrap();
        // dye A = 100, dye B = 50 → detectors A = 100 + 5, B = 20 + 50
        let (da, db) = ([105.0], [70.0]);
        let x = c.apply(&[&da, &db]);
        assert!((x[0][0] - 100.0).abs() < 1e-12 && (x[1][0] - 50.0).abs() < 1e-12);
        let back = c.inverse(&[&x[0], &x[1]]);
        assert!((back[0][0] - 105.0).abs() < 1e-12 && (back[1][0] - 70.0).abs() < 1e-12);
    }

    #[test]
    fn more_detectors_than_dyes_uses_least_squares() {
        let c = Compensation::new("s", vec!["A".into()], vec!["D1".into(), "D2".into()], vec![1.0, 0.5]).unwrap();
        let x = c.apply(&[&[10.0], &[5.0]]);
        assert!((x[0][0] - 10.0).abs() < 1e-12);
    }

    #[test]
    fn an_unmixing_matrix_given_inverted_is_applied_as_given() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let spectrum = vec![1.0, 0.5, 0.2, 0.1, 1.0, 0.3];
        let s = Compensation::new("s", names(&["A", "B"]), names(&["D1", "D2", "D3"]), spectrum.clone()).unwrap();
        let given =
            Compensation::from_unmixing("s", names(&["A", "B"]), names(&["D1", "D2", "D3"]), s.unmixing().to_vec())
                .unwrap();
        assert!(given.inverted_already() && !s.inverted_already());
        // the pseudo-inverse of a least-squares unmixing matrix is the spectrum again
        given.spectrum.iter().zip(&spectrum).for_each(|(a, b)| assert!((a - b).abs() < 1e-12, "{a} vs {b}"));
        let d = [[12.0], [7.0], [5.5]];
        let (x, y) = (s.apply(&[&d[0], &d[1], &d[2]]), given.apply(&[&d[0], &d[1], &d[2]]));
        assert!((x[0][0] - y[0][0]).abs() < 1e-12 && (x[1][0] - y[1][0]).abs() < 1e-12);
        assert!(Compensation::from_unmixing("s", names(&["A", "B"]), names(&["D1"]), vec![1.0, 2.0]).is_err());
        assert!(matches!(
            Compensation::from_unmixing("s", names(&["A"]), names(&["D1", "D2"]), vec![0.0, 0.0]),
            Err(Error::SingularMatrix { .. })
        ));
    }

    #[test]
    fn singular_spectra_are_errors() {
        let err = Compensation::new(
            "s",
            vec!["A".into(), "B".into()],
            vec!["A".into(), "B".into()],
            vec![1.0, 1.0, 1.0, 1.0],
        );
        assert!(matches!(err, Err(Error::SingularMatrix { .. })));
    }
}
