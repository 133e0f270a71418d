//! Dose grids: VCR × AMD3100 with every readout and the synergy scores, optionally averaged over
//! virtual donors; and the virtual cohorts of Figure 1.

use rand::SeedableRng;
use rand_pcg::Pcg64;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::donors::Variability;
use crate::error::{Error, Result};
use crate::params::Parameters;
use crate::sampling::{Sampling, normal_scores};
use crate::simulate::{CULTURE_HOURS, MFI_REFERENCE_RECEPTORS, Readouts, Tolerances, simulate};
use crate::synergy::{Scores, scores};

/// One grid point: doses, donor-mean readouts, synergy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    /// Vincristine, µmol/L.
    pub vcr_um: f64,
    /// AMD3100, µg/mL.
    pub amd_ug_per_ml: f64,
    /// Mean readouts over donors.
    pub readouts: Readouts,
    /// SD of apoptosis % over donors (0 for one donor).
    pub apoptosis_sd: f64,
    /// Synergy scores (when the grid holds both zero doses).
    pub synergy: Option<Scores>,
}

/// Simulates every grid point for every donor (the calibrated model itself when `donors` is 0),
/// in parallel, and scores synergy on the donor-mean apoptosis.
pub fn scan(
    p: &Parameters,
    msc: bool,
    vcr_um: &[f64],
    amd_ug_per_ml: &[f64],
    donors: usize,
    seed: u64,
    hours: f64,
) -> Result<Vec<GridPoint>> {
    let grid = GridSpec { msc, vcr_um, amd_ug_per_ml, donors, seed, hours };
    let mut points: Vec<GridPoint> = scan_points(p, &grid, &|_| true)?.into_iter().map(|(_, g)| g).collect();
    add_synergy(vcr_um, amd_ug_per_ml, &mut points)?;
    Ok(points)
}

/// A dose grid to scan: what [`scan`] takes, for scanning it in parts ([`scan_points`]).
#[derive(Debug, Clone, Copy)]
pub struct GridSpec<'a> {
    /// Co-culture on MSCs.
    pub msc: bool,
    /// Vincristine doses, µmol/L.
    pub vcr_um: &'a [f64],
    /// AMD3100 doses, µg/mL.
    pub amd_ug_per_ml: &'a [f64],
    /// Virtual donors per point (0: the calibrated model).
    pub donors: usize,
    /// Seed of the donors.
    pub seed: u64,
    /// Culture hours.
    pub hours: f64,
}

impl GridSpec<'_> {
    /// Grid points: `vcr_um.len() × amd_ug_per_ml.len()`, point `k = i·n_amd + j` at
    /// (`vcr_um[i]`, `amd_ug_per_ml[j]`).
    pub fn len(&self) -> usize {
        self.vcr_um.len() * self.amd_ug_per_ml.len()
    }

    /// Whether the grid has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The points `k` of the grid for which `keep(k)` holds, each with its index and its donor-mean
/// readouts; no synergy (that needs the whole grid: [`add_synergy`]). Every point sees the same
/// donors — drawn from (`seed`, `donors`) alone, whichever points are kept — so a point's values
/// depend on its doses only, never on which other points a run computes.
pub fn scan_points(
    p: &Parameters,
    grid: &GridSpec,
    keep: &(dyn Fn(usize) -> bool + Sync),
) -> Result<Vec<(usize, GridPoint)>> {
    let GridSpec { msc, vcr_um, amd_ug_per_ml, donors, seed, hours } = *grid;
    if vcr_um.is_empty() || amd_ug_per_ml.is_empty() {
        return Err(Error::Input { reason: "the VCR and AMD3100 dose lists must not be empty".into() });
    }
    let people = if donors == 0 { vec![*p] } else { Variability::fit(p)?.0.donors(p, donors, seed, Sampling::Typical) };
    let (n_amd, n_people) = (amd_ug_per_ml.len(), people.len());
    let kept: Vec<usize> = (0..grid.len()).filter(|&k| keep(k)).collect();
    let cells: Vec<(usize, usize)> = kept.iter().flat_map(|&k| (0..n_people).map(move |d| (k, d))).collect();
    let results: Vec<Readouts> = cells
        .par_iter()
        .map(|&(k, d)| {
            let c = Condition { msc, vcr_um: vcr_um[k / n_amd], amd_ug_per_ml: amd_ug_per_ml[k % n_amd] };
            let t = simulate(&people[d], &c, &[hours], Tolerances { rtol: 1e-6, atol_scale: 1e-9 })?;
            Ok(Readouts::of(&people[d], &t.states[0]))
        })
        .collect::<Result<_>>()?;
    let n = n_people;
    let mut points = Vec::with_capacity(kept.len());
    for (slot, &k) in kept.iter().enumerate() {
        let block = &results[slot * n..][..n];
        let mean = |f: fn(&Readouts) -> f64| block.iter().map(f).sum::<f64>() / n as f64;
        let readouts = Readouts {
            apoptosis_percent: mean(|r| r.apoptosis_percent),
            early_percent: mean(|r| r.early_percent),
            late_percent: mean(|r| r.late_percent),
            cxcr4_mfi: mean(|r| r.cxcr4_mfi),
            cxcl12_ng_per_ml: mean(|r| r.cxcl12_ng_per_ml),
            bax: mean(|r| r.bax),
            bcl2: mean(|r| r.bcl2),
            surface_receptors: mean(|r| r.surface_receptors),
        };
        let sd = if n > 1 {
            (block.iter().map(|r| (r.apoptosis_percent - readouts.apoptosis_percent).powi(2)).sum::<f64>()
                / (n - 1) as f64)
                .sqrt()
        } else {
            0.0
        };
        points.push((
            k,
            GridPoint {
                vcr_um: vcr_um[k / n_amd],
                amd_ug_per_ml: amd_ug_per_ml[k % n_amd],
                readouts,
                apoptosis_sd: sd,
                synergy: None,
            },
        ));
    }
    Ok(points)
}

/// Scores synergy over a whole grid (`grid[i·n_amd + j]`, every point present) when it holds
/// both zero doses and more than one dose of each drug; otherwise leaves it unscored.
pub fn add_synergy(vcr_um: &[f64], amd_ug_per_ml: &[f64], grid: &mut [GridPoint]) -> Result<()> {
    if grid.len() != vcr_um.len() * amd_ug_per_ml.len() {
        return Err(Error::Input {
            reason: format!("{} grid points for {} × {} doses", grid.len(), vcr_um.len(), amd_ug_per_ml.len()),
        });
    }
    if vcr_um.len() > 1 && amd_ug_per_ml.len() > 1 && vcr_um[0] == 0.0 && amd_ug_per_ml[0] == 0.0 {
        let apoptosis: Vec<Vec<f64>> = grid
            .chunks(amd_ug_per_ml.len())
            .map(|row| row.iter().map(|g| g.readouts.apoptosis_percent).collect())
            .collect();
        let s = scores(vcr_um, amd_ug_per_ml, &apoptosis)?;
        for (k, point) in grid.iter_mut().enumerate() {
            point.synergy = Some(s[k / amd_ug_per_ml.len()][k % amd_ug_per_ml.len()]);
        }
    }
    let _ = CULTURE_HOURS;
    Ok(())
}

/// One virtual patient of a cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patient {
    /// `newly_diagnosed` or `relapsed_refractory`.
    pub cohort: &'static str,
    /// The patient's blast CXCR4 MFI (Figure 1 units).
    pub cxcr4_mfi: f64,
    /// Apoptosis % in co-culture with VCR.
    pub vcr_apoptosis_percent: f64,
    /// Apoptosis % in co-culture with VCR + AMD3100.
    pub vcr_amd_apoptosis_percent: f64,
    /// What AMD3100 adds, percentage points.
    pub amd_benefit_points: f64,
}

/// Draws virtual patients whose CXCR4 MFI follows Figure 1 — log-normal with the published mean
/// and SD of each cohort, taken as an input from the targets file ([`crate::targets`]) — and
/// simulates each one's blasts in the seed's VCR and VCR + AMD3100 co-cultures. A patient's
/// receptor number scales with their MFI relative to the model's baseline blast (the in vitro MFI
/// is in the same units). `per_cohort` overrides the published cohort sizes (20 and 17) when given.
///
/// Patients are drawn independently or as the typical cohort (Latin hypercube with moment
/// matching over each cohort, [`crate::sampling`]).
pub fn cohort(p: &Parameters, per_cohort: Option<usize>, seed: u64, sampling: Sampling) -> Result<Vec<Patient>> {
    let published = crate::targets::seed()?
        .results
        .cohort_cxcr4_mfi
        .as_ref()
        .ok_or_else(|| crate::Error::Targets { reason: "results.cohort_cxcr4_mfi is missing".into() })?;
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut patients = Vec::new();
    for (name, arm) in
        [("newly_diagnosed", published.newly_diagnosed), ("relapsed_refractory", published.relapsed_refractory)]
    {
        let (mean, sd) = (arm.mean, arm.sd);
        // log-normal with this mean and SD: ln MFI ~ N(ln mean − σ²/2, σ²), σ² = ln(1 + (sd/mean)²)
        let sigma2 = (1.0 + (sd / mean) * (sd / mean)).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        for z in normal_scores(per_cohort.unwrap_or(arm.n as usize), 1, sampling, &mut rng) {
            patients.push((name, (mu + sigma2.sqrt() * z[0]).exp()));
        }
    }
    let baseline_mfi = 1.0 + p.mfi_per_baseline * p.receptors_per_cell / MFI_REFERENCE_RECEPTORS;
    patients
        .par_iter()
        .map(|&(cohort, mfi)| {
            let patient = Parameters {
                receptors_per_cell: p.receptors_per_cell * (mfi - 1.0).max(1.0) / (baseline_mfi - 1.0),
                ..*p
            };
            let run = |amd: f64| -> Result<f64> {
                let c = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: amd };
                let t = simulate(&patient, &c, &[CULTURE_HOURS], Tolerances { rtol: 1e-6, atol_scale: 1e-9 })?;
                Ok(Readouts::of(&patient, &t.states[0]).apoptosis_percent)
            };
            let (v, va) = (run(0.0)?, run(5.0)?);
            Ok(Patient {
                cohort,
                cxcr4_mfi: mfi,
                vcr_apoptosis_percent: v,
                vcr_amd_apoptosis_percent: va,
                amd_benefit_points: va - v,
            })
        })
        .collect()
}
