//! Solving one well with diffsol's BDF method (variable order, for stiff systems: AMD3100 binds
//! and unbinds within seconds while apoptosis unfolds over a day), and the readouts an assay sees.

use diffsol::{
    DiffsolError, NalgebraContext, NalgebraMat, NalgebraVec, OdeBuilder, OdeEquations, OdeSolverMethod,
    OdeSolverStopReason, Vector,
};
use serde::Serialize;

use crate::condition::Condition;
use crate::error::{Error, Result};
use crate::ode::{N_STATES, Rates};
use crate::params::Parameters;
use crate::small_lu::SmallLu;
use crate::units::cxcl12_nm_to_ng_per_ml;

/// The receptor complement `mfi_per_baseline` refers to (the literature blast's 30,000), so
/// that a donor with more receptors shows a higher MFI.
pub const MFI_REFERENCE_RECEPTORS: f64 = 30_000.0;

/// Hours the seed co-culture ran.
pub const CULTURE_HOURS: f64 = 24.0;

/// Solver tolerances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance as a fraction of each state's natural scale (nM of CXCL12, the baseline
    /// receptor complement, 1 for relative proteins and fractions).
    pub atol_scale: f64,
}

impl Default for Tolerances {
    /// `rtol = 1e-8`, `atol = 1e-10 ×` scale: far below any assay's precision.
    fn default() -> Self {
        Tolerances { rtol: 1e-8, atol_scale: 1e-10 }
    }
}

/// States over time: `states[k][j]` is state `j` at `times[k]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trajectory {
    /// Hours.
    pub times: Vec<f64>,
    /// One row per time, [`crate::ode::STATE_NAMES`] order.
    pub states: Vec<[f64; N_STATES]>,
}

/// What the assays would report for a state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Readouts {
    /// Annexin V+ (early + late), % of cells.
    pub apoptosis_percent: f64,
    /// Annexin V+ PI−, %.
    pub early_percent: f64,
    /// Annexin V+ PI+, %.
    pub late_percent: f64,
    /// CXCR4-PE MFI over isotype, as the 12G5 antibody sees the surface.
    pub cxcr4_mfi: f64,
    /// CXCL12 in the supernatant, ng/mL.
    pub cxcl12_ng_per_ml: f64,
    /// Bax relative to an untreated blast.
    pub bax: f64,
    /// Bcl-2 relative to an untreated blast.
    pub bcl2: f64,
    /// Surface CXCR4 (free + CXCL12-bound + AMD3100-bound), receptors/cell.
    pub surface_receptors: f64,
}

/// The parameters only [`Readouts::of`] reads: how the antibody sees the surface. The right-hand
/// side, its Jacobian, the initial state and the step control never read them.
pub const READOUT_ONLY: [&str; 2] = ["mfi_per_baseline", "amd_bound_visible"];

/// The parameters the equations read only through a product with the MSC factor (secretion, the
/// Bcl-2 rise on contact): a well without MSCs multiplies them by 0.
pub const MSC_ONLY: [&str; 2] = ["secretion_nm_per_h", "bcl2_contact_rise"];

/// The parameters the equations read only through a product with the VCR effect
/// `v = VCR / (VCR + EC50)` (and the EC50 in it): a well without VCR has `v = 0`.
pub const VCR_ONLY: [&str; 6] =
    ["synthesis_vcr_rise", "hazard_vcr_rise", "bcl2_vcr_fall", "bax_vcr_rise", "secretion_contact_free", "ec50_vcr_nm"];

impl Parameters {
    /// These parameters with every one that cannot move a trajectory of `condition` set to 0: the
    /// [`READOUT_ONLY`] ones always, the [`MSC_ONLY`] ones without MSCs, the [`VCR_ONLY`] ones
    /// without VCR. For positive parameters (a product with 0 is then +0, whatever the factor),
    /// two sets with the same dynamics ([`Parameters::same_bits`]) have the same trajectory of
    /// `condition`, bit for bit, so a fit can keep a trajectory and read it again when only such
    /// a parameter moved.
    pub fn dynamics(&self, condition: &Condition) -> Parameters {
        let mut p = *self;
        let msc = condition.msc_factor() != 0.0;
        let vcr = condition.vcr_nm() != 0.0;
        let cleared = READOUT_ONLY.iter().chain(if msc { &[][..] } else { &MSC_ONLY[..] });
        for name in cleared.chain(if vcr { &[][..] } else { &VCR_ONLY[..] }) {
            *p.by_name_mut(name).expect("READOUT_ONLY, MSC_ONLY and VCR_ONLY name parameters") = 0.0;
        }
        p
    }
}

impl Readouts {
    /// Reads a state. The MFI counts free and CXCL12-bound receptors fully and AMD3100-bound
    /// ones by `amd_bound_visible` (12G5 competes with AMD3100), over the isotype (ratio 1).
    pub fn of(p: &Parameters, y: &[f64; N_STATES]) -> Readouts {
        let visible = y[1] + y[2] + p.amd_bound_visible * y[3];
        Readouts {
            apoptosis_percent: 100.0 * (y[7] + y[8]),
            early_percent: 100.0 * y[7],
            late_percent: 100.0 * y[8],
            cxcr4_mfi: 1.0 + p.mfi_per_baseline * visible / MFI_REFERENCE_RECEPTORS,
            cxcl12_ng_per_ml: cxcl12_nm_to_ng_per_ml(y[0]),
            bax: y[6],
            bcl2: y[5],
            surface_receptors: y[1] + y[2] + y[3],
        }
    }
}

/// Solves one well from the untreated steady state and returns the states at `times` (hours,
/// ascending, from 0).
pub fn simulate(p: &Parameters, condition: &Condition, times: &[f64], tolerances: Tolerances) -> Result<Trajectory> {
    if times.is_empty() || times.iter().any(|t| !t.is_finite() || *t < 0.0) || times.windows(2).any(|w| w[1] < w[0]) {
        return Err(Error::Input { reason: "times must be finite, non-negative and ascending".into() });
    }
    check_condition(condition)?;
    let rates = Rates::new(p, condition);
    let y0 = rates.initial_state();
    let scale = [
        1.0,
        p.receptors_per_cell,
        p.receptors_per_cell,
        p.receptors_per_cell,
        p.receptors_per_cell,
        1.0,
        1.0,
        1.0,
        1.0,
    ];
    let atol: Vec<f64> = scale.iter().map(|s| s * tolerances.atol_scale).collect();
    let (rhs_rates, jac_rates) = (rates, rates);
    let mut problem = OdeBuilder::<NalgebraMat<f64>>::new()
        .rtol(tolerances.rtol)
        .atol(atol)
        .h0(initial_step(&rates))
        .rhs_implicit(
            move |x: &[f64], _p: &[f64], _t: f64, y: &mut [f64]| rhs_rates.rhs(x, y),
            move |x: &[f64], _p: &[f64], _t: f64, v: &[f64], y: &mut [f64]| jac_rates.jacobian_times(x, v, y),
        )
        .init(move |_p: &[f64], _t: f64, y: &mut [f64]| y.copy_from_slice(&y0), N_STATES)
        .build()
        .map_err(|source| Error::SolverFailed { time_h: 0.0, source })?;
    step_control(&mut problem.ode_options);
    let mut solver = problem.bdf::<SmallLu>().map_err(|source| Error::SolverFailed { time_h: 0.0, source })?;
    let mut states = Vec::with_capacity(times.len());
    // The solver starts at t = 0; report t = 0 exactly and solve for the rest.
    let start = times.iter().take_while(|&&t| t == 0.0).count();
    for _ in 0..start {
        states.push(y0);
    }
    if start < times.len() {
        step_to(&mut solver, &times[start..], &mut states)
            .map_err(|source| Error::SolverFailed { time_h: times[times.len() - 1], source })?;
    }
    if let Some((k, _)) = states.iter().enumerate().find(|(_, s)| s.iter().any(|v| !v.is_finite())) {
        return Err(Error::Solver { time_h: times[k], reason: "the solution is not finite".into() });
    }
    Ok(Trajectory { times: times.to_vec(), states })
}

/// Steps `solver` to the last of `times` (ascending, positive) and appends the state at each.
///
/// diffsol's `solve_dense` asserts that the step which reaches the stop time has consumed every
/// output time, but the step lands on the stop time only to within its round-off allowance
/// (`100·ε·(|t| + |h|)`), a little before it as often as not; for an output time shorter than a
/// few of the first steps (10⁻⁹ h) that assertion fails and the call panics. Here a time the
/// stepping has passed is interpolated from the BDF history, and once the stop time is reached
/// the times left (the last one, within round-off of the solver's time) take the solver's state.
/// The steps are the same as `solve_dense`'s, and no solution matrix is allocated.
fn step_to<'a, Eqn, S>(
    solver: &mut S,
    times: &[f64],
    states: &mut Vec<[f64; N_STATES]>,
) -> std::result::Result<(), DiffsolError>
where
    Eqn: OdeEquations<T = f64, V = NalgebraVec<f64>> + 'a,
    S: OdeSolverMethod<'a, Eqn>,
{
    let last = times[times.len() - 1];
    solver.set_stop_time(last)?;
    let mut interpolated = NalgebraVec::zeros(N_STATES, NalgebraContext::default());
    let mut next = 0;
    loop {
        let reached = matches!(solver.step()?, OdeSolverStopReason::TstopReached);
        let now = solver.state().t;
        while next < times.len() && (times[next] < now || reached) {
            let y = if times[next] < now {
                solver.interpolate_inplace(times[next], &mut interpolated)?;
                &interpolated
            } else {
                solver.state().y
            };
            states.push(std::array::from_fn(|j| y.get_index(j)));
            next += 1;
        }
        if reached {
            return Ok(());
        }
    }
}

/// Largest step-size growth `h_new/h_old` after a successful step (CVODE's `η_max` away from the
/// first step, Hindmarsh et al., *ACM TOMS* 31 (2005) §2.1; diffsol's default is 2).
pub const MAX_STEP_GROWTH: f64 = 10.0;

/// A step grows only when the error estimate allows at least this factor (CVODE's threshold
/// `η ≥ 1.5`, ibid.; diffsol's default is 2): smaller gains are not worth the new Newton matrix.
pub const MIN_STEP_GROWTH: f64 = 1.5;

/// The Newton iteration of each BDF step stops when the estimated distance to the converged
/// corrector, `ρ/(1 − ρ)·‖Δ‖` in the solver's weighted norm (ρ the convergence rate), is below
/// this fraction of the local error tolerance (diffsol's default is 0.2).
pub const NEWTON_TOLERANCE: f64 = 0.02;

/// The step-size and Newton controls of every well (see [`MAX_STEP_GROWTH`],
/// [`MIN_STEP_GROWTH`], [`NEWTON_TOLERANCE`]).
///
/// The first micro-seconds of a well resolve the AMD3100 and CXCL12 binding transients
/// (`1/(k_on^A·D) ≈ 0.1 s` at 5 µg/mL), the rest follows the day-long protein and apoptosis
/// kinetics. diffsol's defaults let a step grow at most twofold and only by a factor of two or
/// more, so a step size climbs out of the transient slowly (256 steps for the seed's VCR +
/// AMD3100 well at `rtol = 1e-6`); CVODE's policy takes about 195. With the Newton iterates converged
/// to 2 % of the tolerance instead of 20 %, the iteration error no longer adds to the truncation
/// error, and the readouts at 24 h stay as close to a tight reference (`rtol = 1e-12`) as
/// libRoadRunner's at the same tolerances (`bench/model.sh` prints both).
fn step_control(options: &mut diffsol::OdeSolverOptions<f64>) {
    options.max_timestep_growth = Some(MAX_STEP_GROWTH);
    options.min_timestep_growth = Some(MIN_STEP_GROWTH);
    options.nonlinear_solver_tolerance = NEWTON_TOLERANCE;
}

/// A first step well inside the fastest time scale (AMD3100 binding at high doses is fast).
fn initial_step(rates: &Rates) -> f64 {
    let p = &rates.p;
    let fastest = p.kon_amd_per_nm_h * (rates.amd_nm + p.kd_amd_nm)
        + p.kon_per_nm_h * (p.pericellular_cxcl12_nm * (1.0 + p.secretion_vcr_rise) + p.kd_cxcl12_nm)
        + p.kint_ligand_per_h;
    (1e-2 / fastest).min(1e-4)
}

/// The readouts after `hours` of culture.
pub fn readouts_at(p: &Parameters, condition: &Condition, hours: f64) -> Result<Readouts> {
    let trajectory = simulate(p, condition, &[hours], Tolerances::default())?;
    Ok(Readouts::of(p, &trajectory.states[0]))
}

fn check_condition(c: &Condition) -> Result<()> {
    for (name, value) in [("VCR (µmol/L)", c.vcr_um), ("AMD3100 (µg/mL)", c.amd_ug_per_ml)] {
        if !value.is_finite() || value < 0.0 {
            return Err(Error::Input { reason: format!("{name} = {value}: doses must be finite and non-negative") });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_outside_the_dynamics_leave_the_trajectory_alone() {
        let times = [0.5, 6.0, CULTURE_HOURS];
        let bits = |t: &Trajectory| t.states.iter().flatten().map(|v| v.to_bits()).collect::<Vec<_>>();
        let conditions = [
            (false, 0.0, 0.0),
            (true, 0.0, 0.0),
            (true, 0.0, 5.0),
            (true, 1.0, 0.0),
            (true, 1.0, 5.0),
            (false, 1.0, 5.0),
            (false, 0.0, 5.0),
        ];
        for (msc, vcr_um, amd_ug_per_ml) in conditions {
            let c = Condition { msc, vcr_um, amd_ug_per_ml };
            for base in [Parameters::default(), Parameters::literature()] {
                let cleared = base.dynamics(&c);
                // every parameter the condition's dynamics clear, moved far at once
                let mut moved = base;
                let names = READOUT_ONLY.iter().chain(&MSC_ONLY).chain(&VCR_ONLY);
                let outside: Vec<&str> = names.copied().filter(|n| cleared.by_name(n) == Some(0.0)).collect();
                for name in &outside {
                    *moved.by_name_mut(name).unwrap() *= 7.3;
                }
                assert!(base.dynamics(&c).same_bits(&moved.dynamics(&c)), "{c:?}");
                let (a, b) = (
                    simulate(&base, &c, &times, Tolerances::default()).unwrap(),
                    simulate(&moved, &c, &times, Tolerances::default()).unwrap(),
                );
                assert_eq!(bits(&a), bits(&b), "{c:?}: moving {outside:?} moved the trajectory");
                // and the readout parameters still change what the assays see
                assert_ne!(Readouts::of(&base, &a.states[2]).cxcr4_mfi, Readouts::of(&moved, &b.states[2]).cxcr4_mfi);
                // a parameter inside the dynamics does move it
                let mut inside = base;
                inside.hazard_per_h *= 1.5;
                assert!(!base.dynamics(&c).same_bits(&inside.dynamics(&c)));
                assert_ne!(bits(&a), bits(&simulate(&inside, &c, &times, Tolerances::default()).unwrap()));
            }
        }
    }

    fn seed_well() -> (Parameters, Condition) {
        (Parameters::default(), Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 })
    }

    #[test]
    fn output_times_inside_the_first_steps_are_answered() {
        // shorter than diffsol's first steps (~1e-10 h): solve_dense panicked on these
        let (p, c) = seed_well();
        let y0 = Rates::new(&p, &c).initial_state();
        for tiny in [1e-11, 1e-10, 3e-10, 1e-9] {
            let t = simulate(&p, &c, &[tiny], Tolerances { rtol: 1e-6, atol_scale: 1e-9 }).unwrap();
            for (j, (v, v0)) in t.states[0].iter().zip(&y0).enumerate() {
                // on each state's scale: receptors per cell for states 1–4, else 1
                let scale = if (1..=4).contains(&j) { p.receptors_per_cell } else { 1.0 };
                assert!(v.is_finite() && (v - v0).abs() <= 1e-3 * scale, "t = {tiny}, state {j}: {v} from {v0}");
            }
        }
    }

    #[test]
    fn more_output_times_leave_the_steps_unchanged() {
        let (p, c) = seed_well();
        let tolerances = Tolerances { rtol: 1e-6, atol_scale: 1e-9 };
        let day = simulate(&p, &c, &[24.0], tolerances).unwrap();
        let dense = simulate(&p, &c, &[0.0, 1e-9, 0.5, 1.0, 12.0, 24.0, 24.0], tolerances).unwrap();
        // the output times are interpolated from the steps to 24 h, not stepped to
        assert_eq!(dense.states[5], day.states[0]);
        assert_eq!(dense.states[6], day.states[0]);
        // and an interpolated time agrees with a solve that stops there
        let half = simulate(&p, &c, &[12.0], Tolerances::default()).unwrap();
        for (j, (a, b)) in dense.states[4].iter().zip(&half.states[0]).enumerate() {
            assert!((a - b).abs() <= 1e-4 * (1e-3 + b.abs()), "state {j}: {a} vs {b}");
        }
    }
}
