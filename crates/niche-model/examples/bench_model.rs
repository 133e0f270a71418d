//! Times the model for `bench/model.sh`: one 24 h well (VCR + AMD3100 co-culture) on fresh data
//! for every call, and a 20 × 20 VCR × AMD3100 grid × virtual donors (rayon over both cores).
//!
//! The wells come from a file the script writes once and also hands to libRoadRunner
//! (`bench/model.py --write`): one line per call, tab-separated, with the doses and the factors
//! the four donor parameters ([`niche_model::donors::DONOR_PARAMETERS`]) are multiplied by. Each
//! call solves the next well at the benchmark tolerances (`rtol = 1e-6`, `atol = 1e-9 ×` scale, as
//! [`niche_model::scan`] uses) with output points 0 and 24 h; the first call is the cold time and
//! the median of the others the warm time. Afterwards (untimed) every well is solved again at
//! `rtol = 1e-12`, `atol = 1e-14 ×` scale, and both 24 h states are written to STATES.tsv for
//! `bench/model.py`, which measures the error of both tools against its tight reference.
//!
//! `cargo run --release -p niche-model --example bench_model -- WELLS.tsv STATES.tsv [DONORS]`

use std::fmt::Write as _;
use std::time::Instant;

use niche_model::donors::DONOR_PARAMETERS;
use niche_model::simulate::{CULTURE_HOURS, Tolerances, simulate};
use niche_model::{Condition, Parameters};

/// One timed call's data: a co-culture well and its donor.
struct Well {
    condition: Condition,
    parameters: Parameters,
}

fn read_wells(path: &str, base: &Parameters) -> Result<Vec<Well>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut wells = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let v: Vec<f64> = line.split('\t').map(str::parse).collect::<Result<_, _>>()?;
        if v.len() != 2 + DONOR_PARAMETERS.len() {
            return Err(format!("{path}: expected {} columns in {line:?}", 2 + DONOR_PARAMETERS.len()).into());
        }
        let mut parameters = *base;
        for (name, factor) in DONOR_PARAMETERS.iter().zip(&v[2..]) {
            *parameters.by_name_mut(name).ok_or("unknown donor parameter")? *= factor;
        }
        wells.push(Well { condition: Condition { msc: true, vcr_um: v[0], amd_ug_per_ml: v[1] }, parameters });
    }
    if wells.len() < 2 {
        return Err(format!("{path}: need at least two wells (one cold call, then warm ones)").into());
    }
    Ok(wells)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [wells_path, states_path, rest @ ..] = args.as_slice() else {
        return Err("usage: bench_model WELLS.tsv STATES.tsv [DONORS]".into());
    };
    let donors: usize = rest.first().map(|d| d.parse()).transpose()?.unwrap_or(100);
    let p = Parameters::default();
    let wells = read_wells(wells_path, &p)?;
    let bench = Tolerances { rtol: 1e-6, atol_scale: 1e-9 };
    let tight = Tolerances { rtol: 1e-12, atol_scale: 1e-14 };
    let times = [0.0, CULTURE_HOURS];
    let mut elapsed = Vec::with_capacity(wells.len());
    let mut solved = Vec::with_capacity(wells.len());
    for well in &wells {
        let start = Instant::now();
        let trajectory = std::hint::black_box(simulate(&well.parameters, &well.condition, &times, bench)?);
        elapsed.push(start.elapsed().as_secs_f64() * 1e3);
        solved.push(trajectory.states[1]);
    }
    let cold = elapsed[0];
    let mut warm = elapsed[1..].to_vec();
    warm.sort_by(f64::total_cmp);
    let last = solved[solved.len() - 1];
    println!(
        "one_well_24h cold_ms {cold:.4} median_ms {:.4} apoptosis {:.4}",
        warm[warm.len() / 2],
        100.0 * (last[7] + last[8])
    );
    let mut out = String::from(
        "tolerance\twell\tstates at 24 h (cxcl12 free cxcl12_bound amd_bound internal bcl2 bax early late)\n",
    );
    for (k, (well, y)) in wells.iter().zip(&solved).enumerate() {
        let reference = simulate(&well.parameters, &well.condition, &times, tight)?.states[1];
        for (label, state) in [("bench", y), ("tight", &reference)] {
            write!(out, "{label}\t{k}")?;
            for v in state {
                write!(out, "\t{v:e}")?;
            }
            out.push('\n');
        }
    }
    std::fs::write(states_path, out)?;
    let vcr: Vec<f64> = (0..20).map(|k| if k == 0 { 0.0 } else { 1e-4 * 10f64.powf(k as f64 * 4.0 / 19.0) }).collect();
    let amd: Vec<f64> = (0..20).map(|k| if k == 0 { 0.0 } else { 1e-2 * 10f64.powf(k as f64 * 3.0 / 19.0) }).collect();
    let start = Instant::now();
    let grid = niche_model::scan::scan(&p, true, &vcr, &amd, donors, 7, CULTURE_HOURS)?;
    let seconds = start.elapsed().as_secs_f64();
    let sims = 400 * donors.max(1);
    println!(
        "grid_20x20x{donors} total_s {seconds:.3} per_sim_ms {:.4} corner_apoptosis {:.4}",
        seconds * 1e3 / sims as f64,
        grid[399].readouts.apoptosis_percent
    );
    Ok(())
}
