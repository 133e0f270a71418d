//! The virtual cytometer: one FCS file per tube, on one of two instrument profiles
//! ([`Instrument`]).
//!
//! - **FACSCalibur** (the seed study's), FCS 2.0 as CellQuest wrote it: FSC-H, SSC-H, FL1-H…FL4-H
//!   and Time, 1024 channels, 4-decade log amplifiers on the fluorescence channels, spillover in
//!   `SPILL`.
//! - **LSRFortessa**, FCS 3.1 as FACSDiva writes it: 32-bit big-endian floats, area, height and
//!   width of every scatter pulse, area and height of every fluorescence pulse (FITC, PE,
//!   PerCP-Cy5-5, APC), Time; a linear 18-bit scale (`$PnR` 262144, `$PnE` 0,0) on which dim
//!   events scatter around zero and go negative; spillover in `$SPILLOVER` over the -A channels.
//!
//! Events of a harvest, the same on both: blasts (viable, early or late apoptotic with the model's
//! fractions; early and late ones shrink in FSC and rise in SSC), debris (low FSC), MSCs carried
//! over from a co-culture (large, granular, CD45−CD19−) and doublets. Light is made on the linear
//! scale, spread between detectors by the instrument's spillover matrix and given photon and
//! electronic noise; the FACSCalibur log-amplifies it into channel numbers, the Fortessa digitises
//! pulse area and height linearly.
//!
//! CXCR4-PE: each cell has a background `B ~ LogNormal(median 8)` (autofluorescence plus
//! non-specific binding, which is what the isotype tube measures) and, in the stained tube, a
//! specific factor `ρ = MFI ratio × LogNormal(0, σ)` with σ from the receptor CV
//! ([`niche_model::donors::CellHeterogeneity`]): the ratio of the stained to the isotype median is
//! then the model's MFI ratio, the paper's unit.

use niche_fcs as fcs;
use niche_model::donors::CellHeterogeneity;

pub use crate::instrument::Instrument;
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

    /// `$PnS` of the Fortessa's FITC, PE, PerCP-Cy5-5 and APC channels (FACSDiva's "marker"
    /// names; the fluorochrome is in `$PnN`).
    fn fortessa_labels(self) -> [&'static str; 4] {
        match self {
            Tube::Cxcr4 => ["", "CXCR4 (CD184)", "CD45", "CD19"],
            Tube::Isotype => ["", "IgG2a isotype", "CD45", "CD19"],
            Tube::Apoptosis => ["Annexin V", "", "PI", ""],
        }
    }

    /// FACSDiva's tube name (`TUBE NAME`).
    fn diva_name(self) -> &'static str {
        match self {
            Tube::Cxcr4 => "CXCR4",
            Tube::Isotype => "Isotype",
            Tube::Apoptosis => "AnnexinV-PI",
        }
    }
}

/// FACSCalibur channel names, in file order.
pub const CHANNELS: [&str; 7] = ["FSC-H", "SSC-H", "FL1-H", "FL2-H", "FL3-H", "FL4-H", "Time"];

/// FACSCalibur spillover between FL1–FL4 (row: the dye's own detector; column: where its light also lands).
pub const SPILLOVER: [[f64; 4]; 4] =
    [[1.0, 0.22, 0.03, 0.0], [0.02, 1.0, 0.16, 0.005], [0.0, 0.05, 1.0, 0.08], [0.0, 0.0, 0.02, 1.0]];

/// LSRFortessa channel names, in file order (FACSDiva's `$PnN`).
pub const FORTESSA_CHANNELS: [&str; 15] = [
    "FSC-A",
    "FSC-H",
    "FSC-W",
    "SSC-A",
    "SSC-H",
    "SSC-W",
    "FITC-A",
    "FITC-H",
    "PE-A",
    "PE-H",
    "PerCP-Cy5-5-A",
    "PerCP-Cy5-5-H",
    "APC-A",
    "APC-H",
    "Time",
];

/// The Fortessa's fluorescence area channels, the rows and columns of its `$SPILLOVER`.
pub const FORTESSA_FLUORESCENCE: [&str; 4] = ["FITC-A", "PE-A", "PerCP-Cy5-5-A", "APC-A"];

/// LSRFortessa spillover between FITC, PE, PerCP-Cy5-5 and APC (row: the dye's own detector;
/// column: where its light also lands): FITC into PE on the blue laser, PE and PI into the
/// PerCP-Cy5-5 detector, PerCP-Cy5-5 excited a little by the red laser.
pub const FORTESSA_SPILLOVER: [[f64; 4]; 4] =
    [[1.0, 0.15, 0.03, 0.0], [0.01, 1.0, 0.12, 0.002], [0.0, 0.04, 1.0, 0.05], [0.0, 0.0, 0.015, 1.0]];

/// `$PnR` of every Fortessa parameter: an 18-bit linear scale, values 0–262143.
pub const FORTESSA_RANGE: f64 = 262_144.0;

/// FACSDiva's width: `W = A / H × 65536`, so a pulse whose area is 1.25 × its height has width 81920.
pub const WIDTH_SCALE: f64 = 65_536.0;

/// Fortessa FSC-A per FACSCalibur FSC-H channel of the same cell (a blast: 450 → 90,000).
pub const FSC_GAIN: f64 = 200.0;

/// Fortessa SSC-A per FACSCalibur SSC-H channel of the same cell (a blast: 190 → 28,500).
pub const SSC_GAIN: f64 = 150.0;

/// Fortessa fluorescence area per linear light unit of the FACSCalibur (the isotype median 8 → 200;
/// CD19-APC 350 → 8,750).
pub const FL_GAIN: f64 = 25.0;

/// Electronic (baseline) noise of a Fortessa fluorescence area, SD in area units.
const FL_NOISE: f64 = 12.0;

/// Photon (shot) noise of both instruments: variance 0.1 × light, in linear light units.
const PHOTON: f64 = 0.1;

/// Pulse area over height (`W / 65536`) of a single cell of each kind on the Fortessa.
const PULSE_SHAPE: [(Kind, f64); 3] = [(Kind::Blast, 1.25), (Kind::Debris, 1.1), (Kind::Msc, 1.45)];

/// Median isotype (background) PE intensity of a blast, linear units.
const ISOTYPE_MEDIAN: f64 = 8.0;

/// What an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blast,
    Debris,
    Msc,
    Doublet,
}

/// One event before the instrument measures it.
struct Cell {
    kind: Kind,
    /// FSC and SSC of the (first) cell, on the FACSCalibur's linear channel scale.
    scatter: [f64; 2],
    /// FSC and SSC of a doublet's second cell (zero otherwise).
    second: [f64; 2],
    /// Light of each dye, linear units: FITC (Annexin V), PE (CXCR4 or isotype), PerCP or
    /// PerCP-Cy5-5 (CD45) or PI, APC (CD19).
    dyes: [f64; 4],
}

/// The cells of one tube of one well: the model's fractions and ratio, the tube's stains.
struct Harvest {
    tube: Tube,
    /// Early and late apoptotic fractions of the blasts.
    early: f64,
    late: f64,
    /// The well's CXCR4 MFI ratio (stained over isotype median).
    cxcr4_mfi: f64,
    /// SD of ln(receptor) between blasts.
    sigma_r: f64,
    /// Fractions of debris, MSCs and doublets among events.
    p_debris: f64,
    p_msc: f64,
    p_doublet: f64,
}

impl Harvest {
    fn new(well: &WellTruth, tube: Tube, msc: bool) -> Harvest {
        let r = &well.readouts;
        let cell = CellHeterogeneity::default();
        Harvest {
            tube,
            early: r.early_percent / 100.0,
            late: r.late_percent / 100.0,
            cxcr4_mfi: r.cxcr4_mfi,
            sigma_r: (1.0 + cell.receptor_cv * cell.receptor_cv).ln().sqrt(),
            p_debris: 0.05,
            p_msc: if msc { 0.03 } else { 0.0 },
            p_doublet: 0.005,
        }
    }

    /// One blast: scatter and dyes.
    fn blast(&self, rng: &mut Stream) -> ([f64; 2], [f64; 4]) {
        let (early, late) = (self.early, self.late);
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
        let dyes = match self.tube {
            Tube::Cxcr4 | Tube::Isotype => {
                let background = ISOTYPE_MEDIAN * (0.3 * rng.normal()).exp();
                let pe = if self.tube == Tube::Cxcr4 {
                    background * self.cxcr4_mfi * (self.sigma_r * rng.normal()).exp()
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
    }

    /// The next event.
    fn cell(&self, rng: &mut Stream) -> Cell {
        let u = rng.uniform();
        if u < self.p_debris {
            let scatter = [rng.gauss(90.0, 40.0), rng.gauss(60.0, 30.0)];
            let dyes = [
                rng.log10_normal(8.0, 0.5),
                rng.log10_normal(6.0, 0.4),
                rng.log10_normal(6.0, 0.4),
                rng.log10_normal(3.0, 0.3),
            ];
            Cell { kind: Kind::Debris, scatter, second: [0.0; 2], dyes }
        } else if u < self.p_debris + self.p_msc {
            let scatter = [rng.gauss(950.0, 40.0), rng.gauss(700.0, 100.0)];
            let dyes = [
                rng.log10_normal(6.0, 0.3),
                rng.log10_normal(30.0, 0.3),
                rng.log10_normal(5.0, 0.25),
                rng.log10_normal(4.0, 0.25),
            ];
            Cell { kind: Kind::Msc, scatter, second: [0.0; 2], dyes }
        } else if u < self.p_debris + self.p_msc + self.p_doublet {
            let (a, da) = self.blast(rng);
            let (b, db) = self.blast(rng);
            let dyes = [da[0] + db[0], da[1] + db[1], da[2] + db[2], da[3] + db[3]];
            Cell { kind: Kind::Doublet, scatter: a, second: b, dyes }
        } else {
            let (scatter, dyes) = self.blast(rng);
            Cell { kind: Kind::Blast, scatter, second: [0.0; 2], dyes }
        }
    }
}

/// The FCS file of one tube of one well on `instrument`, in memory. The file's random stream is
/// `(seed, file_name)`, so a file does not depend on the others.
pub fn tube_bytes(
    instrument: Instrument,
    well: &WellTruth,
    tube: Tube,
    msc: bool,
    events: usize,
    seed: u64,
    file_name: &str,
) -> Result<Vec<u8>, fcs::Error> {
    match instrument {
        Instrument::FacsCalibur => facscalibur_bytes(well, tube, msc, events, seed, file_name),
        Instrument::Fortessa => fortessa_bytes(well, tube, msc, events, seed, file_name),
    }
}

/// FACSCalibur: heights on a 1024-channel scale, FL1–FL4 through 4-decade log amplifiers.
fn facscalibur_bytes(
    well: &WellTruth,
    tube: Tube,
    msc: bool,
    events: usize,
    seed: u64,
    file_name: &str,
) -> Result<Vec<u8>, fcs::Error> {
    let mut rng = Stream::new(seed, file_name);
    let harvest = Harvest::new(well, tube, msc);
    let amplifier = crate::log_amplifier::steps();
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(events); CHANNELS.len()];
    for i in 0..events {
        let cell = harvest.cell(&mut rng);
        let (s, dyes) = (cell.scatter, cell.dyes);
        // a doublet's pulse is higher than one cell's, not twice as high
        let scatter = if cell.kind == Kind::Doublet { [s[0] * 1.6, s[1] * 1.5] } else { s };
        // channels are whole numbers: the integer FCS writer rounds each value (half away from 0)
        columns[0].push(scatter[0].clamp(0.0, 1023.0));
        columns[1].push(scatter[1].clamp(0.0, 1023.0));
        for detector in 0..4 {
            let light: f64 = (0..4).map(|dye| dyes[dye] * SPILLOVER[dye][detector]).sum();
            // photon (shot) noise and electronic noise, then the 4-decade log amplifier
            let measured = light + (PHOTON * light).sqrt() * rng.normal() + 0.3 * rng.normal();
            columns[2 + detector].push(amplifier.channel(measured));
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

/// LSRFortessa: area, height and width of each pulse on a linear 0–262143 scale, as FACSDiva
/// writes them (baseline-restored areas of dim events scatter around zero and may be negative;
/// heights are clipped at zero; everything saturates at 262143).
fn fortessa_bytes(
    well: &WellTruth,
    tube: Tube,
    msc: bool,
    events: usize,
    seed: u64,
    file_name: &str,
) -> Result<Vec<u8>, fcs::Error> {
    let top = FORTESSA_RANGE - 1.0;
    let mut rng = Stream::new(seed, file_name);
    let harvest = Harvest::new(well, tube, msc);
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(events); FORTESSA_CHANNELS.len()];
    for i in 0..events {
        let cell = harvest.cell(&mut rng);
        // area over height of this pulse: the cell's size and speed; a doublet's two cells pass
        // one after the other, so its area is the sum and its height a little above the larger's
        let shape = PULSE_SHAPE.iter().find(|(k, _)| *k == cell.kind).map_or(PULSE_SHAPE[0].1, |&(_, w)| w);
        let (s, t) = (cell.scatter.map(|v| v.max(0.0)), cell.second.map(|v| v.max(0.0)));
        let (area, peak) = if cell.kind == Kind::Doublet {
            ([s[0] + t[0], s[1] + t[1]], [1.1 * s[0].max(t[0]), 1.1 * s[1].max(t[1])])
        } else {
            (s, s)
        };
        let jitter = (0.04 * rng.normal()).exp();
        let a_over_h = [0, 1].map(|k| if peak[k] > 0.0 { area[k] / peak[k] } else { 1.0 } * shape * jitter);
        for (k, gain) in [FSC_GAIN, SSC_GAIN].into_iter().enumerate() {
            let a = (area[k] * gain * (1.0 + 0.01 * rng.normal()) + 150.0 * rng.normal()).clamp(0.0, top);
            let h = (a / a_over_h[k]).clamp(0.0, top);
            let w = if h > 0.0 { (WIDTH_SCALE * a / h).min(top) } else { 0.0 };
            columns[3 * k].push(a);
            columns[3 * k + 1].push(h);
            columns[3 * k + 2].push(w);
        }
        for detector in 0..4 {
            let light: f64 = (0..4).map(|dye| cell.dyes[dye] * FORTESSA_SPILLOVER[dye][detector]).sum();
            let x = FL_GAIN * light;
            // photon noise (the FACSCalibur's photon statistics, in area units) and baseline noise
            let a = x + (PHOTON * FL_GAIN * x).sqrt() * rng.normal() + FL_NOISE * rng.normal();
            let h = a / a_over_h[0] + 0.5 * FL_NOISE * rng.normal();
            columns[6 + 2 * detector].push(a.min(top));
            columns[7 + 2 * detector].push(h.clamp(0.0, top));
        }
        // 60 s of acquisition in ticks of $TIMESTEP (0.01 s)
        columns[14].push((i as f64 * 6000.0 / events.max(1) as f64).floor());
    }
    let labels = tube.fortessa_labels();
    let parameters: Vec<fcs::Parameter> = FORTESSA_CHANNELS
        .iter()
        .enumerate()
        .map(|(i, name)| fcs::Parameter {
            index: i + 1,
            name: name.to_string(),
            label: (6..14).contains(&i).then(|| labels[(i - 6) / 2]).filter(|l| !l.is_empty()).map(str::to_string),
            bits: Some(32),
            range: FORTESSA_RANGE,
            amplification: fcs::Amplification::LINEAR,
            gain: None,
        })
        .collect();
    let events = fcs::Events::from_columns(FORTESSA_CHANNELS.iter().map(|s| s.to_string()).collect(), columns)?;
    let spill = fcs::Spillover::new(
        FORTESSA_FLUORESCENCE.iter().map(|s| s.to_string()).collect(),
        FORTESSA_SPILLOVER.iter().flatten().copied().collect(),
    )?;
    let mut keywords = fcs::Keywords::new();
    keywords.insert("$CYT", "LSRFortessa");
    keywords.insert("$CYTSN", "NICHE-V-0001");
    keywords.insert("CREATOR", "niche virtual cytometer (FACSDiva-like)");
    keywords.insert("$FIL", file_name);
    keywords.insert("$SRC", format!("{} replicate {}", well.group, well.replicate));
    keywords.insert("$SMNO", format!("{}_r{}_{}", well.group, well.replicate, tube.name()));
    keywords.insert("TUBE NAME", tube.diva_name());
    keywords.insert("EXPERIMENT NAME", "niche virtual lab");
    keywords.insert("$TIMESTEP", "0.01");
    keywords.insert("FSC ASF", "0.78");
    keywords.insert("NICHE_TUBE", tube.name());
    // detector voltages (FACSDiva's $PnV): scatter low, fluorescence mid-range
    for (i, name) in FORTESSA_CHANNELS.iter().enumerate().filter(|(_, n)| **n != "Time") {
        let volts = match &name[..3] {
            "FSC" => 420,
            "SSC" => 260,
            _ => 550,
        };
        keywords.insert(format!("$P{}V", i + 1), volts.to_string());
    }
    let mut bytes = Vec::new();
    fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Float).big_endian(true).write(
        &mut bytes,
        &parameters,
        &events,
        &keywords,
        Some(&spill),
    )?;
    Ok(bytes)
}
