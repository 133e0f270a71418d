//! Builds and times the FlowJo workspace benchmark of `bench/wsp.sh`.
//!
//! - `bench_wsp write SRC.fcs OUT.fcs [EVENTS]`: writes OUT.fcs with SRC's events repeated to
//!   EVENTS (default 1,000,000), same parameters, so that SRC's workspaces apply unchanged.
//! - `bench_wsp time FILE WSP [REPEATS]`: parses WSP, converts its first sample's gates, reads
//!   FILE and times applying them on one thread (parsing and reading excluded); prints the median
//!   and fastest milliseconds and each population's count by path.

use std::time::Instant;

use niche_cyto::{Sample, flowjo};
use niche_fcs as fcs;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") => {
            let n: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
            let file = fcs::read(&args[1])?;
            let ds = &file.datasets[0];
            let raw = ds.events::<f64>(fcs::Values::Raw)?;
            let columns: Vec<Vec<f64>> = raw.columns().map(|c| c.iter().copied().cycle().take(n).collect()).collect();
            let events = fcs::Events::from_columns(raw.names().to_vec(), columns)?;
            fcs::Writer::new(fcs::Version::Fcs3_1, ds.datatype).write_path(
                &args[2],
                &ds.parameters,
                &events,
                &fcs::Keywords::new(),
                ds.spillover()?.as_ref(),
            )?;
            eprintln!("wrote {}: {n} events", args[2]);
        }
        Some("time") => {
            let repeats: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(5);
            let ws = flowjo::parse(&std::fs::read_to_string(&args[2])?)?;
            let strategy = ws.strategy(&ws.samples[0])?;
            let file = fcs::read(&args[1])?;
            let sample = Sample::from_dataset(args[1].as_str(), &file.datasets[0], fcs::Values::Scaled)?;
            let mut pool = niche_cyto::BufferPool::default();
            let mut times = Vec::new();
            let mut counts = Vec::new();
            for _ in 0..repeats {
                let start = Instant::now();
                let results = strategy.strategy.apply_with(&sample, &mut pool)?;
                times.push(start.elapsed().as_secs_f64() * 1e3);
                counts = strategy.compare(&results)?.into_iter().map(|c| (c.population, c.niche_count)).collect();
                pool.recycle(results);
            }
            times.sort_by(f64::total_cmp);
            println!("median_ms {:.1} min_ms {:.1} populations {}", times[times.len() / 2], times[0], counts.len());
            for (path, c) in counts {
                println!("count {} {c}", path.replace(' ', "_"));
            }
        }
        _ => return Err("usage: bench_wsp write SRC OUT [EVENTS] | bench_wsp time FILE WSP [REPEATS]".into()),
    }
    Ok(())
}
