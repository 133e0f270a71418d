//! A plate reader for the CXCL12 ELISA (Quantikine-like): standards 10 → 0.156 ng/mL in two-fold
//! steps and the zero standard (the blank) in duplicate in columns 1–2, samples in duplicate
//! across the rest of the plate. OD450 follows a 4PL response of the true concentration, with a
//! 540 nm plate reading subtracted as Gen5's wavelength correction; the export has the 450, 540
//! and corrected blocks, corrected last. A sample with no CXCL12 reads like the blank, so it stays
//! below the lowest standard.

use std::fmt::Write;

use niche_core::Well;

use crate::rng::Stream;

/// Standard concentrations, ng/mL, rows A–G (row H is the zero standard).
pub const STANDARDS_NG_PER_ML: [f64; 7] = [10.0, 5.0, 2.5, 1.25, 0.625, 0.3125, 0.156];

/// The instrument's response: `OD = top·c^h/(c^h + ec50^h)` above the blank.
const TOP: f64 = 3.2;
const EC50: f64 = 6.0;
const HILL: f64 = 1.0;

fn response(c: f64) -> f64 {
    if c <= 0.0 { 0.0 } else { TOP * c.powf(HILL) / (c.powf(HILL) + EC50.powf(HILL)) }
}

/// Relative SD of one well's signal (multiplicative), and SD of its OD450 reading noise.
const SIGNAL_CV: f64 = 0.025;
const READ_SD: f64 = 0.003;

/// The relative SD of a sample's concentration as this plate reader measures it (the mean of a
/// duplicate): the OD noise `√(SIGNAL_CV² + (READ_SD/OD)²)/√2` carried through the inverse of the
/// response, `d ln c/d ln OD = TOP/(TOP − OD)` for a Hill slope of 1. The 540 nm background
/// cancels in the corrected reading. Standard-curve error is common to all samples and not in it.
pub fn concentration_cv(c: f64) -> f64 {
    let od = response(c);
    if od <= 0.0 {
        return 0.0;
    }
    (SIGNAL_CV.powi(2) + (READ_SD / od).powi(2)).sqrt() / 2f64.sqrt() * TOP / (TOP - od)
}

/// The wells of sample `k`'s duplicate: columns 3–12 in pairs, rows A–H (`k` < [`MAX_SAMPLES`]).
fn sample_wells(k: usize) -> [Well; 2] {
    let (row, pair) = (k / 5, k % 5);
    let well = |column| Well::new(row, column).expect("a sample index below MAX_SAMPLES is on the plate");
    [well(2 + 2 * pair), well(3 + 2 * pair)]
}

/// The largest number of samples a plate holds.
pub const MAX_SAMPLES: usize = 40;

/// The plate export and its layout TOML, for samples `(id, true ng/mL)`.
pub fn plate(samples: &[(String, f64)], seed: u64, name: &str) -> (String, String) {
    let mut rng = Stream::new(seed, name);
    let mut conc = [[f64::NAN; 12]; 8];
    let mut layout = String::from(
        "# niche virtual plate reader: CXCL12 Quantikine-like layout\nunits = \"ng/mL\"\nblanks = [\"H1\", \"H2\"]\n[standards]\n",
    );
    for (row, &c) in STANDARDS_NG_PER_ML.iter().enumerate() {
        for (col, slot) in conc[row].iter_mut().enumerate().take(2) {
            *slot = c;
            let _ = writeln!(layout, "{} = {c}", Well::new(row, col).expect("standards fill rows A–G"));
        }
    }
    conc[7][0] = 0.0;
    conc[7][1] = 0.0;
    layout.push_str("[samples]\n");
    for (k, (id, c)) in samples.iter().enumerate().take(MAX_SAMPLES) {
        for w in sample_wells(k) {
            conc[w.row()][w.column()] = *c;
            let _ = writeln!(layout, "{w} = \"{id}\"");
        }
    }
    let mut od450 = [[0.0; 12]; 8];
    let mut od540 = [[0.0; 12]; 8];
    for r in 0..8 {
        for c in 0..12 {
            let plate_background = 0.040 + 0.002 * rng.normal();
            let signal =
                if conc[r][c].is_nan() { 0.0 } else { response(conc[r][c]) * (1.0 + SIGNAL_CV * rng.normal()) };
            od540[r][c] = plate_background;
            od450[r][c] = plate_background + 0.045 + signal + READ_SD * rng.normal();
        }
    }
    let mut csv = String::new();
    let _ = writeln!(csv, "Software Version,3.08.01 (niche virtual plate reader)");
    let _ = writeln!(csv, "Experiment File Path:,{name}");
    let _ = writeln!(csv, "Plate Type,96 WELL PLATE\nRead,Absorbance Endpoint\nWavelengths:,450 540\n");
    for (label, grid) in [("450", od450), ("540", od540)] {
        block(&mut csv, label, &grid);
    }
    let mut delta = [[0.0; 12]; 8];
    for r in 0..8 {
        for c in 0..12 {
            delta[r][c] = od450[r][c] - od540[r][c];
        }
    }
    block(&mut csv, "Delta OD (450-540)", &delta);
    (csv, layout)
}

fn block(csv: &mut String, label: &str, grid: &[[f64; 12]; 8]) {
    let _ = writeln!(csv, "{label},{}", (1..=12).map(|c| c.to_string()).collect::<Vec<_>>().join(","));
    for (r, row) in grid.iter().enumerate() {
        let _ = writeln!(
            csv,
            "{},{}",
            (b'A' + r as u8) as char,
            row.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(",")
        );
    }
    csv.push('\n');
}
