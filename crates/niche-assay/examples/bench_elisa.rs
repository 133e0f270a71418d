//! Times a 96-well ELISA analysis (4PL, unweighted and 1/Y²) on a plate and layout written by
//! `bench/elisa.sh`, for comparison with scipy's `curve_fit` on the same numbers.
//!
//! `cargo run --release -p niche-assay --example bench_elisa -- PLATE.csv LAYOUT.toml [REPEATS]`

use std::time::Instant;

use niche_assay::curve::{Model, Weight};
use niche_assay::{Layout, Plate, elisa};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plate = Plate::parse(&std::fs::read_to_string(&args[0])?)?;
    let layout = Layout::parse(&std::fs::read_to_string(&args[1])?)?;
    let repeats: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(50);
    for (name, weight) in [("fit_4pl_unweighted", Weight::None), ("fit_4pl_weighted_1_over_y2", Weight::Y2)] {
        let mut times = Vec::new();
        let mut ec50 = 0.0;
        for _ in 0..repeats {
            let start = Instant::now();
            let report = elisa::analyze(&plate, &layout, Model::FourPl, weight, 20.0)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
            ec50 = report.curve.params.ec50;
        }
        times.sort_by(f64::total_cmp);
        println!("{name} median_ms {:.4} ec50 {ec50:.8}", times[times.len() / 2]);
    }
    Ok(())
}
