//! Runs `reproduce` for a range of seeds and prints each failing record and, per published
//! number, how often it passed (a development aid).
//! `cargo run --release -p niche-study --example reproduce_records -- DIR EVENTS FIRST_SEED LAST_SEED [random]`
fn main() -> Result<(), niche_study::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(args.first().cloned().unwrap_or_else(|| "repro_out".into()));
    let events = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let first: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let last: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(first);
    let sampling = args.get(4).and_then(|s| s.parse().ok()).unwrap_or_default();
    let start = std::time::Instant::now();
    let mut passes: Vec<(String, usize)> = Vec::new();
    let mut all = 0;
    for seed in first..=last {
        let _ = std::fs::remove_dir_all(&dir);
        let r = niche_study::reproduce::reproduce(&dir, events, seed, sampling, &|_, _, _| {})?;
        if passes.is_empty() {
            passes = r.records.iter().map(|rec| (format!("{} {}", rec.group, rec.readout), 0)).collect();
        }
        for (rec, slot) in r.records.iter().zip(passes.iter_mut()) {
            if rec.pass {
                slot.1 += 1;
            } else {
                println!(
                    "seed {seed}: FAIL {} {} published {} reproduced {}",
                    rec.group, rec.readout, rec.published, rec.reproduced
                );
            }
        }
        all += usize::from(r.records.iter().all(|rec| rec.pass));
    }
    let n = (last - first + 1) as usize;
    for (name, count) in &passes {
        println!("{count:>4}/{n} {name}");
    }
    println!("all pass in {all}/{n} seeds ({sampling})");
    eprintln!("{:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
