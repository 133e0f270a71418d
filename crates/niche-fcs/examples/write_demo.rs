//! Writes the demo files in `tests/data/`, used by the README and the tests: 2,000
//! FACSCalibur-like events of FSC-H, SSC-H, FL1-H…FL4-H (1024 channels, 4-decade log amplifiers
//! on the fluorescence channels) and Time, with a spillover matrix, as
//! - `niche_demo.fcs`: FCS 3.1, `I` 16-bit big-endian (the stored channel numbers);
//! - `niche_demo_f32.fcs`: FCS 3.0, `F` little-endian (the same events, log-decoded);
//! - `niche_demo_v2.fcs`: FCS 2.0, `I` 32-bit little-endian.
//!
//! `cargo run -p niche-fcs --example write_demo -- DIR`

use niche_fcs as fcs;

/// xorshift64*: a tiny deterministic generator, so the file is the same on every machine.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal by Box–Muller.
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let names = ["FSC-H", "SSC-H", "FL1-H", "FL2-H", "FL3-H", "FL4-H", "Time"];
    let labels = ["", "", "Annexin V FITC", "CD184 PE", "CD45 PerCP", "CD19 APC", ""];
    let parameters: Vec<fcs::Parameter> = names
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (name, label))| fcs::Parameter {
            index: i + 1,
            name: name.to_string(),
            label: (!label.is_empty()).then(|| label.to_string()),
            bits: Some(16),
            range: 1024.0,
            amplification: if (2..6).contains(&i) {
                fcs::Amplification { decades: 4.0, offset: 1.0 }
            } else {
                fcs::Amplification::LINEAR
            },
            gain: None,
        })
        .collect();

    let n = 2000;
    let mut rng = Rng(0x006e_6963_6865);
    let mut columns = vec![Vec::with_capacity(n); names.len()];
    // Log-amplified channel of a linear intensity: 1024/4 · log10(intensity).
    let log_channel = |intensity: f64| (256.0 * intensity.max(1.0).log10()).clamp(0.0, 1023.0).round();
    for i in 0..n {
        let blast = rng.uniform() < 0.8;
        let (fsc, ssc) = if blast { (420.0, 180.0) } else { (250.0, 90.0) };
        columns[0].push((fsc + 40.0 * rng.normal()).clamp(0.0, 1023.0).round());
        columns[1].push((ssc + 30.0 * rng.normal()).clamp(0.0, 1023.0).round());
        columns[2].push(log_channel(10f64.powf(0.6 + 0.3 * rng.normal())));
        columns[3].push(log_channel(10f64.powf(if blast { 1.9 } else { 0.8 } + 0.25 * rng.normal())));
        columns[4].push(log_channel(10f64.powf(if blast { 2.2 } else { 1.0 } + 0.2 * rng.normal())));
        columns[5].push(log_channel(10f64.powf(if blast { 2.5 } else { 0.7 } + 0.2 * rng.normal())));
        columns[6].push((i * 1023 / n) as f64);
    }
    let events = fcs::Events::from_columns(names.iter().map(|s| s.to_string()).collect(), columns)?;
    let spill = fcs::Spillover::new(
        vec!["FL1-H".into(), "FL2-H".into(), "FL3-H".into()],
        vec![1.0, 0.21, 0.03, 0.015, 1.0, 0.18, 0.0, 0.02, 1.0],
    )?;
    let mut keywords = fcs::Keywords::new();
    keywords.insert("$CYT", "niche virtual FACSCalibur");
    keywords.insert("$TIMESTEP", "0.05");
    let write = |name: &str, writer: fcs::Writer, parameters: &[fcs::Parameter], events: &fcs::Events<f64>| {
        let mut keywords = keywords.clone();
        keywords.insert("$FIL", name);
        writer.write_path(dir.join(name), parameters, events, &keywords, Some(&spill))?;
        eprintln!("wrote {}", dir.join(name).display());
        Ok::<(), fcs::Error>(())
    };
    write(
        "niche_demo.fcs",
        fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Integer).big_endian(true),
        &parameters,
        &events,
    )?;

    // The same events as floats on the linear scale, as a Diva-era cytometer would store them.
    let bytes = {
        let mut b = Vec::new();
        fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Integer).write(
            &mut b,
            &parameters,
            &events,
            &keywords,
            None,
        )?;
        b
    };
    let linear = fcs::Reader::default().read_bytes(bytes)?.datasets[0].events::<f64>(fcs::Values::Scaled)?;
    let float_parameters: Vec<fcs::Parameter> = parameters
        .iter()
        .map(|p| fcs::Parameter {
            amplification: fcs::Amplification::LINEAR,
            range: if p.amplification.is_log() { 10000.0 } else { p.range },
            ..p.clone()
        })
        .collect();
    write(
        "niche_demo_f32.fcs",
        fcs::Writer::new(fcs::Version::Fcs3_0, fcs::DataType::Float),
        &float_parameters,
        &linear,
    )?;

    let wide: Vec<fcs::Parameter> = parameters.iter().map(|p| fcs::Parameter { bits: Some(32), ..p.clone() }).collect();
    write("niche_demo_v2.fcs", fcs::Writer::new(fcs::Version::Fcs2_0, fcs::DataType::Integer), &wide, &events)?;
    Ok(())
}
