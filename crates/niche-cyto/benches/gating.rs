//! Criterion benchmark: the full Gating-ML compliance gate sets on 1,000,000 events (the
//! compliance data repeated), one thread. Skips with a message without `../shared/data`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use niche_cyto::{Sample, gatingml};
use niche_fcs as fcs;

fn repeated_sample(path: &Path, n: usize) -> Sample {
    let file = fcs::read(path).unwrap();
    let ds = &file.datasets[0];
    let events = ds.events::<f64>(fcs::Values::Scaled).unwrap();
    let columns = events.columns().map(|c| c.iter().copied().cycle().take(n).collect()).collect();
    let events = fcs::Events::from_columns(events.names().to_vec(), columns).unwrap();
    Sample { id: path.display().to_string(), events, spillover: ds.spillover().unwrap() }
}

fn gating(c: &mut Criterion) {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gatingml2");
    if !suite.is_dir() {
        eprintln!("skipping the gating benchmark: {} not found", suite.display());
        return;
    }
    let mut group = c.benchmark_group("compliance_gates_1m_events");
    group.sample_size(10);
    for (gates, data) in [("gates1.xml", "data1.fcs"), ("gates2.xml", "data2.fcs")] {
        let strategy = gatingml::parse(&std::fs::read_to_string(suite.join(gates)).unwrap()).unwrap();
        let sample = repeated_sample(&suite.join(data), 1_000_000);
        let mut workspace = niche_cyto::BufferPool::default();
        group.bench_function(gates, |b| {
            b.iter(|| {
                let results = strategy.apply_with(&sample, &mut workspace).unwrap();
                let count = results.populations.len();
                workspace.recycle(results);
                count
            })
        });
    }
    group.finish();
}

criterion_group!(benches, gating);
criterion_main!(benches);
