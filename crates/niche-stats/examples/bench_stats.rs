//! Times the cases `bench/stats.sh` compares with scipy: exact Mann–Whitney tests of 100 vs 100
//! values with and without ties, and Tukey's test on 10 groups of 10. The data are read from a JSON file that
//! the script writes, so both tools see the same numbers.
//!
//! `cargo run --release -p niche-stats --example bench_stats -- DATA.json [REPEATS]`

use std::time::Instant;

use niche_stats::{ranks, tukey};

fn median_ms(repeats: usize, mut f: impl FnMut() -> f64) -> (f64, f64) {
    let mut times = Vec::with_capacity(repeats);
    let mut last = 0.0;
    for _ in 0..repeats {
        let start = Instant::now();
        last = f();
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&args[0])?)?;
    let repeats: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(10);
    let floats =
        |v: &serde_json::Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let (a, b) = (floats(&data["mw_a"]), floats(&data["mw_b"]));
    let (ms, p) = median_ms(repeats, || ranks::mann_whitney(&a, &b, ranks::Method::Exact).unwrap().p);
    println!("mann_whitney_exact_ties_100x100 median_ms {ms:.3} p {p:.10}");
    let (a, b) = (floats(&data["mw_noties_a"]), floats(&data["mw_noties_b"]));
    let (ms, p) = median_ms(repeats, || ranks::mann_whitney(&a, &b, ranks::Method::Exact).unwrap().p);
    println!("mann_whitney_exact_no_ties_100x100 median_ms {ms:.3} p {p:.10}");
    let groups: Vec<Vec<f64>> = data["tukey"].as_array().unwrap().iter().map(floats).collect();
    let named: Vec<(&str, &[f64])> = groups.iter().map(|g| ("g", g.as_slice())).collect();
    let (ms, p) = median_ms(repeats, || tukey::tukey_hsd(&named).unwrap()[0].p);
    println!("tukey_10_groups median_ms {ms:.3} p {p:.10}");
    Ok(())
}
