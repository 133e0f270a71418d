//! Builds and times the gating benchmark used by `benches/gating.rs` and `bench/gating.sh`.
//!
//! - `bench_gating write DATA_DIR OUT_DIR [EVENTS]`: from the Gating-ML compliance data in
//!   DATA_DIR (`../shared/data/gatingml2`), writes `data1_1m.fcs` and `data2_1m.fcs`: the events
//!   of data1.fcs and data2.fcs repeated to EVENTS (default 1,000,000), with the same parameters
//!   and spillover, so that the compliance gates apply to them unchanged.
//! - `bench_gating time FILE GATES [REPEATS]`: reads FILE, parses GATES, and times applying every
//!   gate on one thread; prints the median and fastest milliseconds and the population counts.
//!   One [`niche_cyto::BufferPool`] is kept across the repeats, as across the samples of a batch,
//!   and each repeat's results are recycled into it once read.

use std::time::Instant;

use niche_cyto::{Sample, gatingml};
use niche_fcs as fcs;

fn repeat_to(path: &std::path::Path, out: &std::path::Path, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let file = fcs::read(path)?;
    let ds = &file.datasets[0];
    let raw = ds.events::<f64>(fcs::Values::Raw)?;
    let columns: Vec<Vec<f64>> = raw.columns().map(|c| c.iter().copied().cycle().take(n).collect()).collect();
    let events = fcs::Events::from_columns(raw.names().to_vec(), columns)?;
    let mut keywords = fcs::Keywords::new();
    for k in ["$TIMESTEP", "$CYT"] {
        if let Some(v) = ds.keywords.get(k) {
            keywords.insert(k, v);
        }
    }
    let parameters: Vec<fcs::Parameter> = ds.parameters.clone();
    fcs::Writer::new(fcs::Version::Fcs3_1, ds.datatype).write_path(
        out,
        &parameters,
        &events,
        &keywords,
        ds.spillover()?.as_ref(),
    )?;
    eprintln!("wrote {}: {n} events", out.display());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") => {
            let (data, out) = (std::path::Path::new(&args[1]), std::path::Path::new(&args[2]));
            let n = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
            repeat_to(&data.join("data1.fcs"), &out.join("data1_1m.fcs"), n)?;
            repeat_to(&data.join("data2.fcs"), &out.join("data2_1m.fcs"), n)?;
        }
        Some("time") => {
            let (path, gates) = (&args[1], &args[2]);
            let repeats: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(5);
            let strategy = gatingml::parse(&std::fs::read_to_string(gates)?)?;
            let file = fcs::read(path)?;
            let sample = Sample::from_dataset(path.as_str(), &file.datasets[0], fcs::Values::Scaled)?;
            let mut times = Vec::new();
            let mut counts = Vec::new();
            let mut workspace = niche_cyto::BufferPool::default();
            for _ in 0..repeats {
                let start = Instant::now();
                let results = strategy.apply_with(&sample, &mut workspace)?;
                times.push(start.elapsed().as_secs_f64() * 1e3);
                counts = results.populations.iter().map(|p| (p.id.clone(), p.count)).collect();
                workspace.recycle(results);
            }
            times.sort_by(f64::total_cmp);
            println!("median_ms {:.1} min_ms {:.1} populations {}", times[times.len() / 2], times[0], counts.len());
            for (id, c) in counts {
                println!("count {id} {c}");
            }
        }
        _ => {
            return Err(
                "usage: bench_gating write DATA_DIR OUT_DIR [EVENTS] | bench_gating time FILE GATES [REPEATS]".into()
            );
        }
    }
    Ok(())
}
