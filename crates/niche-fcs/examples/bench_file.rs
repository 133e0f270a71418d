//! Writes and times the benchmark file used by `benches/read.rs` and `bench/fcs_read.sh`.
//!
//! - `cargo run --release -p niche-fcs --example bench_file -- write OUT.fcs [EVENTS]`: 1,000,000
//!   events (default) × 16 `F` channels, big-endian FCS 3.1, as a BD FACSDiva export.
//! - `cargo run --release -p niche-fcs --example bench_file -- time FILE [REPEATS]`: reads FILE
//!   (open, map, decode every event to column-major `f32`), REPEATS times, and prints the median
//!   and the fastest wall time in milliseconds, once into fresh memory each time (`fresh`) and
//!   once reusing the previous read's buffer (`reused`, as a loop over many files would).

use std::time::Instant;

use niche_fcs as fcs;

/// Events × 16 float channels with a deterministic pattern.
pub fn bench_events(n: usize) -> (Vec<fcs::Parameter>, fcs::Events<f32>) {
    let p = 16;
    let names: Vec<String> = (1..=p).map(|i| format!("Ch{i:02}-A")).collect();
    let parameters = names
        .iter()
        .enumerate()
        .map(|(i, name)| fcs::Parameter {
            index: i + 1,
            name: name.clone(),
            label: None,
            bits: Some(32),
            range: 262144.0,
            amplification: fcs::Amplification::LINEAR,
            gain: Some(1.0),
        })
        .collect();
    let mut values = Vec::with_capacity(n * p);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..n * p {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        values.push((state >> 40) as f32 / 64.0);
    }
    // values were generated event-major; store them column-major
    let mut columns = vec![0f32; n * p];
    for i in 0..n {
        for j in 0..p {
            columns[j * n + i] = values[i * p + j];
        }
    }
    (parameters, fcs::Events::new(names, n, columns).expect("shape"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") => {
            let out = args.get(1).ok_or("write needs an output path")?;
            let n = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
            let (parameters, events) = bench_events(n);
            fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Float).big_endian(true).write_path(
                out,
                &parameters,
                &events,
                &fcs::Keywords::new(),
                None,
            )?;
            eprintln!("wrote {out}: {n} events x 16 channels");
        }
        Some("time") => {
            let file = args.get(1).ok_or("time needs a file")?;
            let repeats: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(20);
            for reuse in [false, true] {
                let mut times = Vec::with_capacity(repeats);
                let mut checksum = 0f64;
                let mut buffer: Vec<f32> = Vec::new();
                for _ in 0..repeats {
                    let start = Instant::now();
                    let parsed = fcs::read(file)?;
                    let reused = if reuse { std::mem::take(&mut buffer) } else { Vec::new() };
                    let events = parsed.datasets[0].events_reusing::<f32>(fcs::Values::Raw, reused)?;
                    times.push(start.elapsed().as_secs_f64() * 1e3);
                    checksum += events.column(0)[0] as f64;
                    buffer = events.into_parts().2;
                }
                times.sort_by(f64::total_cmp);
                let label = if reuse { "reused" } else { "fresh" };
                println!("{label} median_ms {:.3} min_ms {:.3} checksum {checksum}", times[times.len() / 2], times[0]);
            }
        }
        _ => return Err("usage: bench_file write OUT.fcs [EVENTS] | bench_file time FILE [REPEATS]".into()),
    }
    Ok(())
}
