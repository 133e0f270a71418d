//! Runs the calibration from the literature starting point and prints the fitted parameters as
//! Rust, for `Parameters::default()`.
//!
//! `cargo run --release -p niche-model --example calibrate`

fn main() -> Result<(), niche_model::Error> {
    let start = std::time::Instant::now();
    let c = niche_model::calibrate::calibrate(&niche_model::Parameters::literature())?;
    eprintln!("{} iterations, χ² = {:.4}, {:.1} s", c.iterations, c.chi_square, start.elapsed().as_secs_f64());
    for t in &c.targets {
        eprintln!(
            "{:<20} {:?}: published {:.3} ± {:.3}, model {:.3} {}",
            t.group,
            t.readout,
            t.published,
            t.sd,
            t.model,
            if t.within_sd { "ok" } else { "OUT" }
        );
    }
    for d in &c.directions {
        eprintln!("{} {:?} {}", d.claim, d.model, if d.pass { "ok" } else { "FAIL" });
    }
    for e in &c.estimates {
        println!("{}: {:e}, // CI {:.4e}–{:.4e}", e.name, e.value, e.ci95.0, e.ci95.1);
    }
    Ok(())
}
