//! Times a 96-well ELISA analysis (4PL, unweighted and 1/Y²) on plates and a layout written by
//! `bench/elisa.sh`, for comparison with scipy's `curve_fit` on the same numbers: one fresh plate
//! per call (same layout, new noise and samples), the first call cold, the median of the rest warm.
//!
//! `cargo run --release -p niche-assay --example bench_elisa -- DIR PLATES`

use std::time::Instant;

use niche_assay::curve::{Model, Weight};
use niche_assay::{Layout, Plate, elisa};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().ok_or("usage: bench_elisa DIR PLATES")?;
    let count: usize = args.get(1).ok_or("usage: bench_elisa DIR PLATES")?.parse()?;
    let layout = Layout::parse(&std::fs::read_to_string(format!("{dir}/layout.toml"))?)?;
    let plates = (0..count)
        .map(|p| Plate::parse(&std::fs::read_to_string(format!("{dir}/plate_{p}.csv"))?).map_err(Into::into))
        .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
    for (name, weight) in [("fit_4pl_unweighted", Weight::None), ("fit_4pl_weighted_1_over_y2", Weight::Y2)] {
        let mut times = Vec::new();
        let mut ec50 = 0.0;
        for plate in &plates {
            let start = Instant::now();
            let report = elisa::analyze(plate, &layout, Model::FourPl, weight, 20.0)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
            ec50 = report.curve.params.ec50;
        }
        let cold = times[0];
        let mut warm = times[1..].to_vec();
        warm.sort_by(f64::total_cmp);
        println!("{name} cold_ms {cold:.4} median_ms {:.4} ec50 {ec50:.8}", warm[warm.len() / 2]);
    }
    Ok(())
}
