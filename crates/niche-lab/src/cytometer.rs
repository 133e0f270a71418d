//! A FACSCalibur-like cytometer writing FCS 2.0 as CellQuest did: FSC-H, SSC-H, FL1-H…FL4-H and
//! Time, 1024 channels, 4-decade log amplifiers on the fluorescence channels, spillover in `SPILL`.
//!
//! Events of a harvest: blasts (viable, early or late apoptotic with the model's fractions; early
//! and late ones shrink in FSC and rise in SSC), debris (low FSC), MSCs carried over from a
//! co-culture (large, granular, CD45−CD19−) and doublets. Light is made on the linear scale, spread
//! between detectors by the spillover matrix, given photon and electronic noise and log-amplified
//! into channel numbers.
//!
//! CXCR4-PE: each cell has a background `B ~ LogNormal(median 8)` (autofluorescence plus
//! non-specific binding, which is what the isotype tube measures) and, in the stained tube, a
//! specific factor `ρ = MFI ratio × LogNormal(0, σ)` with σ from the receptor CV
//! ([`niche_model::donors::CellHeterogeneity`]): the ratio of the stained to the isotype median is
//! then the model's MFI ratio, the paper's unit.

use niche_fcs as fcs;
use niche_model::donors::CellHeterogeneity;

use crate::rng::Stream;
use crate::wells::WellTruth;

/// The three tubes of a well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tube {
    /// CD45-PerCP / CXCR4(CD184)-PE / CD19-APC.
    Cxcr4,
    /// CD45-PerCP / isotype-PE / CD19-APC.
    Isotype,
    /// Annexin V-FITC / PI.
    Apoptosis,
}

impl Tube {
    /// All three, in file order.
    pub const ALL: [Tube; 3] = [Tube::Cxcr4, Tube::Isotype, Tube::Apoptosis];

    /// Name used in file names and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Tube::Cxcr4 => "cxcr4",
            Tube::Isotype => "isotype",
            Tube::Apoptosis => "apoptosis",
        }
    }

    fn labels(self) -> [&'static str; 4] {
        match self {
            Tube::Cxcr4 => ["", "CD184 PE", "CD45 PerCP", "CD19 APC"],
            Tube::Isotype => ["", "IgG2a PE isotype", "CD45 PerCP", "CD19 APC"],
            Tube::Apoptosis => ["Annexin V FITC", "", "PI", ""],
        }
    }
}

/// Channel names, in file order.
pub const CHANNELS: [&str; 7] = ["FSC-H", "SSC-H", "FL1-H", "FL2-H", "FL3-H", "FL4-H", "Time"];

/// Spillover between FL1–FL4 (row: the dye's own detector; column: where its light also lands).
pub const SPILLOVER: [[f64; 4]; 4] =
    [[1.0, 0.22, 0.03, 0.0], [0.02, 1.0, 0.16, 0.005], [0.0, 0.05, 1.0, 0.08], [0.0, 0.0, 0.02, 1.0]];

/// Median isotype (background) PE intensity of a blast, linear units.
const ISOTYPE_MEDIAN: f64 = 8.0;

/// The FCS file of one tube of one well, in memory.
pub fn tube_bytes(
    well: &WellTruth,
    tube: Tube,
    msc: bool,
    events: usize,
    seed: u64,
    file_name: &str,
) -> Result<Vec<u8>, fcs::Error> {
    let mut rng = Stream::new(seed, file_name);
    let r = &well.readouts;
    let (early, late) = (r.early_percent / 100.0, r.late_percent / 100.0);
    let cell = CellHeterogeneity::default();
    let sigma_r = (1.0 + cell.receptor_cv * cell.receptor_cv).ln().sqrt();
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(events); CHANNELS.len()];
    let (p_debris, p_msc, p_doublet) = (0.05, if msc { 0.03 } else { 0.0 }, 0.005);
    let blast = |rng: &mut Stream| -> ([f64; 2], [f64; 4]) {
        let u = rng.uniform();
        let state = if u < late {
            2
        } else if u < late + early {
            1
        } else {
            0
        };
        let (fsc, ssc) = match state {
            0 => (rng.gauss(450.0, 45.0), rng.gauss(190.0, 35.0)),
            1 => (rng.gauss(380.0, 45.0), rng.gauss(225.0, 40.0)),
            _ => (rng.gauss(340.0, 40.0), rng.gauss(250.0, 40.0)),
        };
        let dyes = match tube {
            Tube::Cxcr4 | Tube::Isotype => {
                let background = ISOTYPE_MEDIAN * (0.3 * rng.normal()).exp();
                let pe = if tube == Tube::Cxcr4 {
                    background * r.cxcr4_mfi * (sigma_r * rng.normal()).exp()
                } else {
                    background
                };
                [rng.log10_normal(4.0, 0.2), pe, rng.log10_normal(150.0, 0.2), rng.log10_normal(350.0, 0.2)]
            }
            Tube::Apoptosis => {
                let annexin = if state == 0 { rng.log10_normal(5.0, 0.18) } else { rng.log10_normal(350.0, 0.18) };
                let pi = if state == 2 { rng.log10_normal(400.0, 0.18) } else { rng.log10_normal(5.0, 0.18) };
                [annexin, rng.log10_normal(5.0, 0.2), pi, rng.log10_normal(3.0, 0.2)]
            }
        };
        ([fsc, ssc], dyes)
    };
    for i in 0..events {
        let u = rng.uniform();
        let (scatter, dyes) = if u < p_debris {
            (
                [rng.gauss(90.0, 40.0), rng.gauss(60.0, 30.0)],
                [
                    rng.log10_normal(8.0, 0.5),
                    rng.log10_normal(6.0, 0.4),
                    rng.log10_normal(6.0, 0.4),
                    rng.log10_normal(3.0, 0.3),
                ],
            )
        } else if u < p_debris + p_msc {
            (
                [rng.gauss(950.0, 40.0), rng.gauss(700.0, 100.0)],
                [
                    rng.log10_normal(6.0, 0.3),
                    rng.log10_normal(30.0, 0.3),
                    rng.log10_normal(5.0, 0.25),
                    rng.log10_normal(4.0, 0.25),
                ],
            )
        } else if u < p_debris + p_msc + p_doublet {
            let (a, da) = blast(&mut rng);
            let (_, db) = blast(&mut rng);
            ([a[0] * 1.6, a[1] * 1.5], [da[0] + db[0], da[1] + db[1], da[2] + db[2], da[3] + db[3]])
        } else {
            blast(&mut rng)
        };
        columns[0].push(scatter[0].clamp(0.0, 1023.0).round());
        columns[1].push(scatter[1].clamp(0.0, 1023.0).round());
        for detector in 0..4 {
            let light: f64 = (0..4).map(|dye| dyes[dye] * SPILLOVER[dye][detector]).sum();
            // photon (shot) noise and electronic noise, then the 4-decade log amplifier
            let measured = light + (0.1 * light).sqrt() * rng.normal() + 0.3 * rng.normal();
            columns[2 + detector].push((256.0 * measured.max(1.0).log10()).clamp(0.0, 1023.0).round());
        }
        columns[6].push((i * 1024 / events.max(1)) as f64);
    }
    let labels = tube.labels();
    let parameters: Vec<fcs::Parameter> = CHANNELS
        .iter()
        .enumerate()
        .map(|(i, name)| fcs::Parameter {
            index: i + 1,
            name: name.to_string(),
            label: (2..6).contains(&i).then(|| labels[i - 2]).filter(|l| !l.is_empty()).map(str::to_string),
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
    let events = fcs::Events::from_columns(CHANNELS.iter().map(|s| s.to_string()).collect(), columns)?;
    let spill = fcs::Spillover::new(
        CHANNELS[2..6].iter().map(|s| s.to_string()).collect(),
        SPILLOVER.iter().flatten().copied().collect(),
    )?;
    let mut keywords = fcs::Keywords::new();
    keywords.insert("$CYT", "FACSCalibur (niche virtual cytometer)");
    keywords.insert("$FIL", file_name);
    keywords.insert("$SRC", format!("{} replicate {}", well.group, well.replicate));
    keywords.insert("$SMNO", format!("{}_r{}_{}", well.group, well.replicate, tube.name()));
    keywords.insert("$TIMESTEP", "0.01");
    keywords.insert("NICHE_TUBE", tube.name());
    let mut bytes = Vec::new();
    fcs::Writer::new(fcs::Version::Fcs2_0, fcs::DataType::Integer).write(
        &mut bytes,
        &parameters,
        &events,
        &keywords,
        Some(&spill),
    )?;
    Ok(bytes)
}
