//! The ODE system of one well. States (units):
//!
//! | # | state | unit | meaning |
//! |---|-------|------|---------|
//! | 0 | `L`   | nM   | CXCL12 in the medium (what the ELISA measures) |
//! | 1 | `R`   | receptors/cell | free surface CXCR4 |
//! | 2 | `C`   | receptors/cell | CXCL12-bound surface CXCR4 |
//! | 3 | `A`   | receptors/cell | AMD3100-bound surface CXCR4 |
//! | 4 | `I`   | receptors/cell | internalised CXCR4 |
//! | 5 | `Bcl2`| 1 (relative to an unstimulated blast) | Bcl-2 |
//! | 6 | `Bax` | 1 | Bax |
//! | 7 | `E`   | fraction of cells | early apoptotic (Annexin V+ PI−) |
//! | 8 | `Lt`  | fraction of cells | late apoptotic (Annexin V+ PI+) |
//!
//! With `m` = 1 for MSCs, `V = vcr/(vcr + EC50)`, `D` = AMD3100 (nM), `Lp0` = pericellular CXCL12
//! of unstimulated MSCs and `ρ` = nM per receptor/cell:
//!
//! ```text
//! bind  = kon·Leff·R − koff·C              koff = kon·KD
//! bindA = konA·D·R − koffA·A               koffA = konA·KDA
//! dR/dt = ksyn·(1 + σ·V) − bind − bindA − kb·R + krec·I
//! dC/dt = bind − ki·C
//! dA/dt = bindA − kb·A
//! dI/dt = kb·(R + A) + ki·C − (krec + kdeg)·I
//! X     = (R + C)/(R + C + A)                 receptors free of AMD3100 (CXCR4-mediated contact)
//! G     = 1 + s·V·(φ + (1 − φ)·X)            MSC secretion relative to unstimulated
//! Leff  = L + m·Lp0·G                        pericellular pool ∝ secretion (local steady state)
//! dL/dt = m·s0·G − kL·L − ρ·(kon·L·R − koff·C·L/Leff)
//! S     = w·C/(C + K_S) + (1 − w)·m          survival signal: CXCL12-bound CXCR4 (w = 1), or
//!                                            contact through another route (w = 0)
//! Xp    = w·X + (1 − w)                      contact as the Bcl-2 rise sees it
//! dBcl2/dt = kp·((1 + c·m·(1 − V)·Xp)/(1 + cV·V) − Bcl2)
//! dBax/dt  = kp·((1 + xV·V)/(1 + x·S) − Bax)
//! h     = h0·(1 + η·V)·Bax/Bcl2
//! dE/dt  = h·(1 − E − Lt) − kel·E
//! dLt/dt = kel·E
//! ```
//!
//! `ksyn = kdeg·I₀` with `I₀ = kb·R₀/(krec + kdeg)`, so that an untreated blast alone sits at
//! steady state with `R₀` free surface receptors. The right-hand side is generic over
//! [`Scalar`] so that the Jacobian-vector product the stiff solver needs comes exactly from the
//! same code (forward-mode dual numbers), not from a second hand-written Jacobian.

use std::ops::{Add, Div, Mul, Sub};

use crate::condition::Condition;
use crate::params::Parameters;
use crate::units::receptors_to_nm;

/// Number of states.
pub const N_STATES: usize = 9;
/// State names, in order.
pub const STATE_NAMES: [&str; N_STATES] =
    ["cxcl12_nm", "free", "cxcl12_bound", "amd_bound", "internal", "bcl2", "bax", "early", "late"];

/// Numbers the right-hand side can be evaluated in: `f64` and [`Dual`].
pub trait Scalar: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> {
    /// A constant.
    fn c(v: f64) -> Self;
}

impl Scalar for f64 {
    fn c(v: f64) -> Self {
        v
    }
}

/// A forward-mode dual number `v + d·ε`, ε² = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dual {
    /// Value.
    pub v: f64,
    /// Directional derivative.
    pub d: f64,
}

impl Scalar for Dual {
    fn c(v: f64) -> Self {
        Dual { v, d: 0.0 }
    }
}
impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        Dual { v: self.v + o.v, d: self.d + o.d }
    }
}
impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        Dual { v: self.v - o.v, d: self.d - o.d }
    }
}
impl Mul for Dual {
    type Output = Dual;
    fn mul(self, o: Dual) -> Dual {
        Dual { v: self.v * o.v, d: self.d * o.v + self.v * o.d }
    }
}
impl Div for Dual {
    type Output = Dual;
    fn div(self, o: Dual) -> Dual {
        Dual { v: self.v / o.v, d: (self.d * o.v - self.v * o.d) / (o.v * o.v) }
    }
}

/// Everything the right-hand side needs, with the condition folded in.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    /// Parameters.
    pub p: Parameters,
    /// 1 with MSCs.
    pub msc: f64,
    /// VCR effect, 0–1.
    pub vcr_effect: f64,
    /// AMD3100, nM.
    pub amd_nm: f64,
    /// Receptor synthesis, receptors/(cell·h).
    pub synthesis: f64,
    /// nM per receptor/cell.
    pub rho: f64,
}

impl Rates {
    /// Folds a condition into the parameters.
    pub fn new(p: &Parameters, condition: &Condition) -> Rates {
        let vcr = condition.vcr_nm();
        Rates {
            p: *p,
            msc: condition.msc_factor(),
            vcr_effect: vcr / (vcr + p.ec50_vcr_nm),
            amd_nm: condition.amd_nm(),
            synthesis: p.kdeg_internal_per_h * baseline_internal(p),
            rho: receptors_to_nm(p.cells_per_litre),
        }
    }

    /// The untreated steady state at t = 0: no CXCL12, receptors at baseline, no apoptosis.
    pub fn initial_state(&self) -> [f64; N_STATES] {
        [0.0, self.p.receptors_per_cell, 0.0, 0.0, baseline_internal(&self.p), 1.0, 1.0, 0.0, 0.0]
    }

    /// `dy/dt` at `y`.
    pub fn rhs<T: Scalar>(&self, y: &[T], dy: &mut [T]) {
        let p = &self.p;
        let c = T::c;
        let (l, r, cb, a, i, bcl2, bax, e, lt) = (y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7], y[8]);
        let v = self.vcr_effect;
        let koff = p.kon_per_nm_h * p.kd_cxcl12_nm;
        let koff_amd = p.kon_amd_per_nm_h * p.kd_amd_nm;
        // Receptors free of AMD3100 carry the CXCR4-mediated contact that lets VCR raise secretion.
        let surface = r + cb + a;
        let contact = (r + cb) / surface;
        let stimulation = c(1.0)
            + c(p.secretion_vcr_rise * v) * (c(p.secretion_contact_free) + c(1.0 - p.secretion_contact_free) * contact);
        // The pericellular pool is a local steady state of secretion and diffusion: it scales with
        // the MSCs' secretion rate.
        let pericellular = c(self.msc * p.pericellular_cxcl12_nm) * stimulation;
        let l_eff = l + pericellular;
        let bind = c(p.kon_per_nm_h) * l_eff * r - c(koff) * cb;
        let bind_amd = c(p.kon_amd_per_nm_h * self.amd_nm) * r - c(koff_amd) * a;
        let kb = c(p.kint_basal_per_h);
        dy[1] = c(self.synthesis * (1.0 + p.synthesis_vcr_rise * v)) - bind - bind_amd - kb * r + c(p.krec_per_h) * i;
        dy[2] = bind - c(p.kint_ligand_per_h) * cb;
        dy[3] = bind_amd - kb * a;
        dy[4] = kb * (r + a) + c(p.kint_ligand_per_h) * cb - c(p.krec_per_h + p.kdeg_internal_per_h) * i;
        let secretion = c(self.msc * p.secretion_nm_per_h) * stimulation;
        // Complexes formed from bulk ligand return it on dissociation, in proportion L/Leff.
        let bulk_share = if self.msc * p.pericellular_cxcl12_nm > 0.0 { l / l_eff } else { c(1.0) };
        let uptake = c(self.rho) * (c(p.kon_per_nm_h) * l * r - c(koff) * cb * bulk_share);
        dy[0] = secretion - c(p.kdeg_cxcl12_per_h) * l - uptake;
        // The MSCs' protection goes through CXCR4 (w = 1, the paper's conclusion) or, in the
        // alternative mechanism, through a contact route AMD3100 does not touch (w = 0).
        let w = p.cxcr4_protection;
        let signal = c(w) * cb / (cb + c(p.signal_half_receptors)) + c((1.0 - w) * self.msc);
        let protective_contact = c(w) * contact + c(1.0 - w);
        let kp = c(p.protein_turnover_per_h);
        // Contact raises Bcl-2 through CXCR4-mediated adhesion (AMD3100 removes it), and VCR
        // abolishes that rise (microtubule damage inactivates Bcl-2).
        let bcl2_target = (c(1.0) + c(p.bcl2_contact_rise * self.msc * (1.0 - v)) * protective_contact)
            / c(1.0 + p.bcl2_vcr_fall * v);
        dy[5] = kp * (bcl2_target - bcl2);
        dy[6] = kp * (c(1.0 + p.bax_vcr_rise * v) / (c(1.0) + c(p.bax_signal_suppression) * signal) - bax);
        let hazard = c(p.hazard_per_h * (1.0 + p.hazard_vcr_rise * v)) * bax / bcl2;
        dy[7] = hazard * (c(1.0) - e - lt) - c(p.early_to_late_per_h) * e;
        dy[8] = c(p.early_to_late_per_h) * e;
    }

    /// `J·v`: the derivative of the right-hand side at `y` in direction `v`, exactly.
    pub fn jacobian_times(&self, y: &[f64], v: &[f64], out: &mut [f64]) {
        let mut yd = [Dual::c(0.0); N_STATES];
        for k in 0..N_STATES {
            yd[k] = Dual { v: y[k], d: v[k] };
        }
        let mut dy = [Dual::c(0.0); N_STATES];
        self.rhs(&yd, &mut dy);
        for k in 0..N_STATES {
            out[k] = dy[k].d;
        }
    }
}

/// Internalised receptors of an untreated blast at steady state, receptors/cell.
fn baseline_internal(p: &Parameters) -> f64 {
    p.kint_basal_per_h * p.receptors_per_cell / (p.krec_per_h + p.kdeg_internal_per_h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dual_jacobian_matches_central_differences() {
        let p = Parameters::literature();
        let rates = Rates::new(&p, &Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 });
        let y = [0.05, 20_000.0, 900.0, 8_000.0, 20_000.0, 1.1, 0.9, 0.2, 0.1];
        for k in 0..N_STATES {
            let mut dir = [0.0; N_STATES];
            dir[k] = 1.0;
            let mut jv = [0.0; N_STATES];
            rates.jacobian_times(&y, &dir, &mut jv);
            let h = 1e-6 * y[k].abs().max(1e-3);
            let (mut up, mut down) = (y, y);
            up[k] += h;
            down[k] -= h;
            let (mut fu, mut fd) = ([0.0; N_STATES], [0.0; N_STATES]);
            rates.rhs(&up, &mut fu);
            rates.rhs(&down, &mut fd);
            for j in 0..N_STATES {
                let fdiff = (fu[j] - fd[j]) / (2.0 * h);
                assert!((jv[j] - fdiff).abs() <= 1e-5 * (1.0 + fdiff.abs()), "∂f{j}/∂y{k}: {} vs {fdiff}", jv[j]);
            }
        }
    }

    #[test]
    fn untreated_blasts_alone_are_at_steady_state_except_for_apoptosis() {
        let p = Parameters::literature();
        let rates = Rates::new(&p, &Condition { msc: false, vcr_um: 0.0, amd_ug_per_ml: 0.0 });
        let y = rates.initial_state();
        let mut dy = [0.0; N_STATES];
        rates.rhs(&y, &mut dy);
        for k in 0..7 {
            assert!(dy[k].abs() < 1e-9 * (1.0 + y[k].abs()), "state {k}: {}", dy[k]);
        }
        assert!((dy[7] - p.hazard_per_h).abs() < 1e-15);
    }
}
