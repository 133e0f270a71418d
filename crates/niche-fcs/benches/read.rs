//! Criterion benchmarks for the FCS reader.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use niche_fcs as fcs;

fn write_file(dir: &std::path::Path) -> std::path::PathBuf {
    let n = 1_000_000;
    let p = 16;
    let names: Vec<String> = (1..=p).map(|i| format!("Ch{i:02}-A")).collect();
    let parameters: Vec<fcs::Parameter> = names
        .iter()
        .enumerate()
        .map(|(i, name)| fcs::Parameter {
            index: i + 1,
            name: name.clone(),
            label: None,
            bits: Some(32),
            range: 262144.0,
            amplification: fcs::Amplification::LINEAR,
            gain: Some(2.0),
        })
        .collect();
    let values: Vec<f32> = (0..n * p).map(|k| (k % 262_144) as f32).collect();
    let events = fcs::Events::new(names, n, values).unwrap();
    let path = dir.join("bench_1m_x16.fcs");
    fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Float)
        .big_endian(true)
        .write_path(&path, &parameters, &events, &fcs::Keywords::new(), None)
        .unwrap();
    path
}

fn read(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path());
    let bytes = std::fs::metadata(&path).unwrap().len();
    let mut group = c.benchmark_group("read_1m_events_x16_f32");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    group.bench_function("raw_f32", |b| {
        b.iter(|| fcs::read(&path).unwrap().datasets[0].events::<f32>(fcs::Values::Raw).unwrap())
    });
    group.bench_function("scaled_f64", |b| {
        b.iter(|| fcs::read(&path).unwrap().datasets[0].events::<f64>(fcs::Values::Scaled).unwrap())
    });
    group.bench_function("text_only", |b| b.iter(|| fcs::read(&path).unwrap().datasets[0].event_count));
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
