//! Times the model for `bench/model.sh`: one 24 h well (VCR + AMD3100 co-culture) and a
//! 20 × 20 VCR × AMD3100 grid × 100 virtual donors (rayon over both cores).
//!
//! `cargo run --release -p niche-model --example bench_model -- [REPEATS] [DONORS]`

use std::time::Instant;

use niche_model::simulate::{Tolerances, simulate};
use niche_model::{Condition, Parameters};

fn main() -> Result<(), niche_model::Error> {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let repeats = args.first().copied().unwrap_or(200);
    let donors = args.get(1).copied().unwrap_or(100);
    let p = Parameters::default();
    let c = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 };
    let tolerances = Tolerances { rtol: 1e-6, atol_scale: 1e-9 };
    let mut times = Vec::with_capacity(repeats);
    let mut apoptosis = 0.0;
    for _ in 0..repeats {
        let start = Instant::now();
        let t = simulate(&p, &c, &[24.0], tolerances)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        apoptosis = 100.0 * (t.states[0][7] + t.states[0][8]);
    }
    times.sort_by(f64::total_cmp);
    println!("one_well_24h median_ms {:.4} apoptosis {apoptosis:.4}", times[repeats / 2]);
    let vcr: Vec<f64> = (0..20).map(|k| if k == 0 { 0.0 } else { 1e-4 * 10f64.powf(k as f64 * 4.0 / 19.0) }).collect();
    let amd: Vec<f64> = (0..20).map(|k| if k == 0 { 0.0 } else { 1e-2 * 10f64.powf(k as f64 * 3.0 / 19.0) }).collect();
    let start = Instant::now();
    let grid = niche_model::scan::scan(&p, true, &vcr, &amd, donors, 7, 24.0)?;
    let seconds = start.elapsed().as_secs_f64();
    let sims = 400 * donors.max(1);
    println!(
        "grid_20x20x{donors} total_s {seconds:.3} per_sim_ms {:.4} corner_apoptosis {:.4}",
        seconds * 1e3 / sims as f64,
        grid[399].readouts.apoptosis_percent
    );
    Ok(())
}
