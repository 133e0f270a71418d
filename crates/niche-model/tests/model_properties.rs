//! Conservation laws, steady states, limits and analytic solutions of the ODE system.

use niche_model::simulate::{Readouts, Tolerances, simulate};
use niche_model::{Condition, Parameters};

const TIMES: [f64; 5] = [0.0, 1.0, 4.0, 12.0, 24.0];

fn tight() -> Tolerances {
    Tolerances { rtol: 1e-10, atol_scale: 1e-12 }
}

#[test]
fn receptors_are_conserved_without_synthesis_and_degradation() {
    let p = Parameters { kdeg_internal_per_h: 0.0, ..Parameters::default() };
    let c = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 };
    let t = simulate(&p, &c, &TIMES, tight()).unwrap();
    let total = |s: &[f64; 9]| s[1] + s[2] + s[3] + s[4];
    let t0 = total(&t.states[0]);
    for s in &t.states {
        assert!((total(s) / t0 - 1.0).abs() < 1e-8, "{} vs {t0}", total(s));
    }
    // and receptors did move between pools
    assert!(t.states[4][3] > 0.5 * t0, "AMD3100 binds most surface receptors");
}

#[test]
fn ligand_balance_holds_when_it_can_only_be_secreted_or_bound() {
    // no pericellular pool, no loss in the medium, no internalisation of complexes:
    // free + bound CXCL12 (nM) grows exactly by the secretion s0·t
    let p = Parameters {
        pericellular_cxcl12_nm: 0.0,
        kdeg_cxcl12_per_h: 0.0,
        kint_ligand_per_h: 0.0,
        ..Parameters::default()
    };
    let c = Condition { msc: true, vcr_um: 0.0, amd_ug_per_ml: 0.0 };
    let rho = niche_model::units::receptors_to_nm(p.cells_per_litre);
    let t = simulate(&p, &c, &TIMES, tight()).unwrap();
    for (time, s) in t.times.iter().zip(&t.states) {
        let ligand = s[0] + rho * s[2];
        let secreted = p.secretion_nm_per_h * time;
        assert!((ligand - secreted).abs() <= 1e-8 * secreted.max(1e-12), "t = {time}: {ligand} vs {secreted}");
    }
}

#[test]
fn untreated_blasts_alone_keep_their_receptors() {
    let p = Parameters::default();
    let t = simulate(&p, &Condition { msc: false, vcr_um: 0.0, amd_ug_per_ml: 0.0 }, &TIMES, tight()).unwrap();
    for s in &t.states {
        assert!((s[1] / p.receptors_per_cell - 1.0).abs() < 1e-8);
        assert!(s[0] == 0.0 && s[2] == 0.0 && s[3] == 0.0);
    }
}

#[test]
fn apoptosis_of_untreated_blasts_follows_the_two_compartment_solution() {
    // Bax = Bcl-2 = 1, so the hazard is h0: V = e^(−h t), E = h/(k − h)·(e^(−h t) − e^(−k t))
    let p = Parameters::default();
    let (h, k) = (p.hazard_per_h, p.early_to_late_per_h);
    let times: Vec<f64> = (0..=24).map(f64::from).collect();
    let t = simulate(&p, &Condition { msc: false, vcr_um: 0.0, amd_ug_per_ml: 0.0 }, &times, tight()).unwrap();
    for (time, s) in t.times.iter().zip(&t.states) {
        let early = h / (k - h) * ((-h * time).exp() - (-k * time).exp());
        let late = 1.0 - (-h * time).exp() - early;
        assert!((s[7] - early).abs() < 1e-8, "t = {time}: early {} vs {early}", s[7]);
        assert!((s[8] - late).abs() < 1e-8, "t = {time}: late {} vs {late}", s[8]);
    }
}

#[test]
fn limits_no_msc_no_protection_and_saturating_amd3100_no_signal() {
    let p = Parameters::default();
    let at24 = |c: Condition| {
        // rtol 1e-10 cannot follow binding at 1 mM AMD3100 (roundoff); the default 1e-8 can
        let t = simulate(&p, &c, &[24.0], Tolerances::default()).unwrap();
        (t.states[0], Readouts::of(&p, &t.states[0]))
    };
    // Without MSCs there is no CXCL12, so AMD3100 changes nothing about survival.
    let (_, alone) = at24(Condition { msc: false, vcr_um: 1.0, amd_ug_per_ml: 0.0 });
    let (_, alone_amd) = at24(Condition { msc: false, vcr_um: 1.0, amd_ug_per_ml: 5.0 });
    // (equal up to the solver tolerance: the AMD3100 run takes different steps)
    assert!((alone.apoptosis_percent - alone_amd.apoptosis_percent).abs() < 1e-4);
    assert!((alone.bax - alone_amd.bax).abs() < 1e-6);
    // Saturating AMD3100 empties the CXCL12-bound pool and with it the Bax suppression.
    let (state, sat) = at24(Condition { msc: true, vcr_um: 0.0, amd_ug_per_ml: 500.0 });
    let surface = state[1] + state[2] + state[3];
    assert!(state[2] / surface < 1e-3, "CXCL12-bound fraction {}", state[2] / surface);
    assert!((sat.bax - 1.0).abs() < 0.01, "Bax {}", sat.bax);
    // MSCs protect: co-culture apoptosis below blasts alone.
    let (_, co) = at24(Condition { msc: true, vcr_um: 0.0, amd_ug_per_ml: 0.0 });
    let (_, none) = at24(Condition { msc: false, vcr_um: 0.0, amd_ug_per_ml: 0.0 });
    assert!(co.apoptosis_percent < none.apoptosis_percent - 5.0);
}

#[test]
fn bad_doses_and_times_are_errors() {
    let p = Parameters::default();
    let c = Condition { msc: true, vcr_um: -1.0, amd_ug_per_ml: 0.0 };
    assert!(simulate(&p, &c, &[24.0], Tolerances::default()).unwrap_err().to_string().contains("VCR"));
    let c = Condition { msc: true, vcr_um: 0.0, amd_ug_per_ml: f64::NAN };
    assert!(simulate(&p, &c, &[24.0], Tolerances::default()).unwrap_err().to_string().contains("AMD3100"));
    let c = Condition { msc: true, vcr_um: 0.0, amd_ug_per_ml: 0.0 };
    assert!(simulate(&p, &c, &[5.0, 1.0], Tolerances::default()).is_err());
}
