//! Virtual donors and per-cell heterogeneity.
//!
//! **Donors** differ log-normally in four parameters: surface CXCR4 (`receptors_per_cell`), the
//! pericellular CXCL12 their blasts meet (`pericellular_cxcl12_nm`), their MSCs' secretion
//! (`secretion_nm_per_h`) and their blasts' culture hazard (`hazard_per_h`):
//! `ln θ_donor = ln θ + σ·z`, `z ~ N(0, 1)`. The σ are fitted so that the replicate SDs match the
//! paper: with `s_tk = ∂y_t/∂ln θ_k` (central differences), the model variance of target `t` is
//! `Σ_k σ_k² s_tk²`, and `σ²` minimises `Σ_t (Σ_k σ_k² s_tk² / SD_t² − 1)²` with `σ² ≥ 0`.
//!
//! **Cells** within a well differ too: [`CellHeterogeneity`] gives the spread the virtual cytometer
//! draws single cells from.

use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::calibrate::{FittedReadout, seed_readouts, seed_targets};
use crate::condition::seed_groups;
use crate::error::Result;
use crate::params::Parameters;
use crate::sampling::{Sampling, normal_scores};
use crate::simulate::Tolerances;

/// The parameters donors differ in.
pub const DONOR_PARAMETERS: [&str; 4] =
    ["receptors_per_cell", "pericellular_cxcl12_nm", "secretion_nm_per_h", "hazard_per_h"];

/// Scales a donor parameter by `factor` (the names are [`DONOR_PARAMETERS`]).
fn scale(p: &mut Parameters, name: &str, factor: f64) {
    if let Some(v) = p.by_name_mut(name) {
        *v *= factor;
    }
}

/// Log-normal SDs of the donor parameters, in [`DONOR_PARAMETERS`] order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Variability {
    /// σ of ln θ per donor parameter.
    pub sigma: [f64; 4],
}

/// One target's SD: published and as the fitted variability predicts (linearised).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdFit {
    /// The target's id ([`crate::calibrate::Target::id`]).
    pub id: String,
    /// Group id.
    pub group: String,
    /// Which readout.
    pub readout: FittedReadout,
    /// Published mean (for "AMD3100 alone unchanged": the co-culture's).
    pub published: f64,
    /// Published SD.
    pub published_sd: f64,
    /// Model SD, `√(Σ σ² s²)`.
    pub model_sd: f64,
}

impl Variability {
    /// Fits the σ to the seed paper's replicate SDs (see the module docs).
    pub fn fit(p: &Parameters) -> Result<(Variability, Vec<SdFit>)> {
        let targets = seed_targets()?;
        let tol = Tolerances { rtol: 1e-10, atol_scale: 1e-12 };
        let groups = seed_groups()?;
        let index = |g: &str| groups.iter().position(|(id, _)| *id == g).unwrap_or(0);
        let h: f64 = 1e-3;
        // s[t][k]
        let mut s = vec![[0.0; 4]; targets.len()];
        for (k, name) in DONOR_PARAMETERS.iter().enumerate() {
            let (mut up, mut down) = (*p, *p);
            scale(&mut up, name, h.exp());
            scale(&mut down, name, (-h).exp());
            let (ru, rd) = (seed_readouts(&up, tol)?, seed_readouts(&down, tol)?);
            for (t, target) in targets.iter().enumerate() {
                let g = index(&target.group);
                s[t][k] = (target.readout.of(&ru[g].1) - target.readout.of(&rd[g].1)) / (2.0 * h);
            }
        }
        let a: Vec<[f64; 4]> = s.iter().zip(&targets).map(|(row, t)| row.map(|x| x * x / (t.sd * t.sd))).collect();
        let variances = non_negative_least_squares(&a, &vec![1.0; a.len()]);
        let sigma = variances.map(f64::sqrt);
        let fits = targets
            .iter()
            .zip(&s)
            .map(|(t, row)| SdFit {
                id: t.id.clone(),
                group: t.group.clone(),
                readout: t.readout,
                published: t.published,
                published_sd: t.sd,
                model_sd: row.iter().zip(&variances).map(|(x, v)| x * x * v).sum::<f64>().sqrt(),
            })
            .collect();
        Ok((Variability { sigma }, fits))
    }

    /// Draws `n` donors, reproducibly from `seed`, independently or as the typical experiment
    /// ([`crate::sampling`]).
    pub fn donors(&self, p: &Parameters, n: usize, seed: u64, sampling: Sampling) -> Vec<Parameters> {
        let mut rng = Pcg64::seed_from_u64(seed);
        normal_scores(n, DONOR_PARAMETERS.len(), sampling, &mut rng)
            .into_iter()
            .map(|z| {
                let mut d = *p;
                for ((name, sigma), z) in DONOR_PARAMETERS.iter().zip(self.sigma).zip(z) {
                    scale(&mut d, name, (sigma * z).exp());
                }
                d
            })
            .collect()
    }
}

/// `min Σ_t (Σ_k a_tk x_k − b_t)²` over `x ≥ 0` for a few unknowns `K`: every subset of them
/// free, the best non-negative least-squares solution kept.
pub(crate) fn non_negative_least_squares<const K: usize>(a: &[[f64; K]], b: &[f64]) -> [f64; K] {
    let mut best = ([0.0; K], b.iter().map(|v| v * v).sum::<f64>());
    for mask in 1u32..(1 << K) {
        let free: Vec<usize> = (0..K).filter(|k| mask & (1 << k) != 0).collect();
        let m = free.len();
        let mut ata = vec![0.0; m * m];
        let mut atb = vec![0.0; m];
        for (row, &bt) in a.iter().zip(b) {
            for (i, &ki) in free.iter().enumerate() {
                atb[i] += row[ki] * bt;
                for (j, &kj) in free.iter().enumerate() {
                    ata[i * m + j] += row[ki] * row[kj];
                }
            }
        }
        let Some(x) = solve(m, ata, atb) else { continue };
        if x.iter().any(|&v| v < 0.0) {
            continue;
        }
        let mut full = [0.0; K];
        free.iter().zip(&x).for_each(|(&k, &v)| full[k] = v);
        let loss: f64 = a
            .iter()
            .zip(b)
            .map(|(row, bt)| (row.iter().zip(&full).map(|(r, f)| r * f).sum::<f64>() - bt).powi(2))
            .sum();
        if loss < best.1 {
            best = (full, loss);
        }
    }
    best.0
}

/// Gaussian elimination with partial pivoting; `None` when singular.
fn solve(n: usize, mut m: Vec<f64>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    for c in 0..n {
        let pivot = (c..n).max_by(|&i, &j| m[i * n + c].abs().total_cmp(&m[j * n + c].abs()))?;
        if m[pivot * n + c].abs() < 1e-300 {
            return None;
        }
        for k in 0..n {
            m.swap(c * n + k, pivot * n + k);
        }
        b.swap(c, pivot);
        for r in c + 1..n {
            let f = m[r * n + c] / m[c * n + c];
            for k in c..n {
                m[r * n + k] -= f * m[c * n + k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| m[r * n + k] * x[k]).sum();
        x[r] = (b[r] - s) / m[r * n + r];
    }
    Some(x)
}

/// Spread of single cells around a well's state, for the virtual cytometer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CellHeterogeneity {
    /// Coefficient of variation of surface CXCR4 between blasts of one well (log-normal).
    /// Assumed 0.5: CXCR4-PE histograms of B-ALL blasts span about a decade.
    pub receptor_cv: f64,
    /// CV of the Annexin V signal within the apoptotic population. Assumed 0.4.
    pub annexin_cv: f64,
}

impl Default for CellHeterogeneity {
    fn default() -> Self {
        CellHeterogeneity { receptor_cv: 0.5, annexin_cv: 0.4 }
    }
}
