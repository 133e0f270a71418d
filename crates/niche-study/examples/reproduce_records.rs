//! Runs `reproduce` into a directory and prints the records (a development aid).
//! `cargo run --release -p niche-study --example reproduce_records -- DIR [EVENTS] [SEED]`
fn main() -> Result<(), niche_study::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(args.first().cloned().unwrap_or_else(|| "repro_out".into()));
    let events = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let start = std::time::Instant::now();
    let r = niche_study::reproduce::reproduce(&dir, events, seed, &|_, _, _| {})?;
    for rec in &r.records {
        println!(
            "{:<6} {:<20} {:<40} {:<24} {}",
            if rec.pass { "pass" } else { "FAIL" },
            rec.group,
            rec.readout,
            rec.published,
            rec.reproduced
        );
    }
    eprintln!("{:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
