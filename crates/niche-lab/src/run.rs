//! One run of the virtual laboratory: the model's wells, then every instrument's files (in
//! parallel, each written atomically), a manifest that says what each file is, and a truth file.

use std::path::Path;

use niche_core::Assay;
use niche_model::Parameters;
use niche_model::donors::Variability;
use niche_model::residual::VarianceFit;
use rayon::prelude::*;
use serde::Serialize;

use crate::blot_imager::{self, LaneTruth};
use crate::cytometer::{Tube, tube_bytes};
use crate::design::Design;
use crate::error::{Error, Result};
use crate::plate_reader;
use crate::wells::{WellTruth, simulate_wells_with, variance_structure};

/// What a file holds: the contract between the lab (or a real lab's files) and the analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileEntry {
    /// Path relative to the output directory.
    pub path: String,
    /// The assay (`flow`, `elisa` or `blot` in the JSON).
    pub assay: Assay,
    /// Flow tube (`cxcr4`, `isotype`, `apoptosis`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tube: Option<&'static str>,
    /// Group (flow files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Replicate, 1-based (flow files and blots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicate: Option<usize>,
    /// The donor (patient) of a cohort design's flow files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub donor: Option<String>,
    /// Layout file for a plate or blot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

impl FileEntry {
    /// A flow tube's entry: `path` relative to the output directory, the well's group and
    /// replicate, and the donor where the design names donors.
    pub fn flow(path: String, tube: Tube, well: &WellTruth, donor: Option<String>) -> FileEntry {
        FileEntry {
            path,
            assay: Assay::Flow,
            tube: Some(tube.name()),
            group: Some(well.group.clone()),
            replicate: Some(well.replicate),
            donor,
            layout: None,
        }
    }
}

/// Writes an FCS file the cytometer made (`tube_bytes`) to `dir/name`, whole; an encoding error
/// names the file it was for.
pub(crate) fn write_fcs(dir: &Path, name: &str, bytes: std::result::Result<Vec<u8>, niche_fcs::Error>) -> Result<()> {
    let path = dir.join(name);
    let bytes = bytes.map_err(|source| Error::Fcs { path: path.clone(), source })?;
    write_atomic(&path, &bytes)
}

/// The manifest of a run (`manifest.json`); the cytometer is the design's `instrument`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// `niche-lab` and its version.
    pub generator: String,
    /// The run's seed.
    pub seed: u64,
    /// The design simulated.
    pub design: Design,
    /// Every file written.
    pub files: Vec<FileEntry>,
}

/// What the analysis should find (`truth.json`; the analysis never reads it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    /// Per group and replicate: the model's readouts.
    pub wells: Vec<WellTruth>,
    /// Per blot: the rendered bands of each lane.
    pub blots: Vec<BlotTruth>,
}

/// The true bands of one blot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlotTruth {
    /// Image file.
    pub file: String,
    /// Lanes left to right.
    pub lanes: Vec<LaneTruth>,
}

/// Simulates the design and writes everything into `dir` (created if needed).
pub fn run(design: &Design, seed: u64, dir: &Path) -> Result<(Manifest, Truth)> {
    run_with(design, seed, dir, &variance_structure(&Parameters::default())?)
}

/// [`run`] with a variance structure fitted once ([`variance_structure`]).
pub fn run_with(
    design: &Design,
    seed: u64,
    dir: &Path,
    variance: &(Variability, VarianceFit),
) -> Result<(Manifest, Truth)> {
    design.check()?;
    std::fs::create_dir_all(dir.join("flow")).map_err(|source| Error::Write { path: dir.join("flow"), source })?;
    let wells = simulate_wells_with(design, seed, variance)?;
    let conditions = design.conditions()?;
    let msc_of = |group: &str| design.groups.iter().zip(&conditions).any(|(g, c)| g.id == group && c.msc);

    // Flow: three tubes per well.
    let tubes: Vec<(&WellTruth, Tube)> = wells
        .iter()
        .filter(|w| w.replicate <= design.replicates.flow)
        .flat_map(|w| Tube::ALL.map(|t| (w, t)))
        .collect();
    let mut files: Vec<FileEntry> = tubes
        .par_iter()
        .map(|&(well, tube)| {
            let name = format!("flow/{}_{}_{}.fcs", well.group, design.subject_tag(well.replicate), tube.name());
            write_fcs(
                dir,
                &name,
                tube_bytes(design.instrument, well, tube, msc_of(&well.group), design.events, seed, &name),
            )?;
            Ok(FileEntry::flow(name, tube, well, design.donor_name(well.replicate)))
        })
        .collect::<Result<_>>()?;

    // ELISA: every well's supernatant, as many plates as the samples need.
    let samples: Vec<(String, f64)> = wells
        .iter()
        .filter(|w| w.replicate <= design.replicates.elisa)
        .map(|w| (format!("{}_{}", w.group, design.subject_tag(w.replicate)), w.readouts.cxcl12_ng_per_ml))
        .collect();
    std::fs::create_dir_all(dir.join("elisa")).map_err(|source| Error::Write { path: dir.join("elisa"), source })?;
    let plates = samples.len().div_ceil(plate_reader::MAX_SAMPLES);
    for (k, chunk) in samples.chunks(plate_reader::MAX_SAMPLES).enumerate() {
        let (plate_name, layout_name) = plate_names(k + 1, plates);
        let (csv, layout) = plate_reader::plate(chunk, seed, &plate_name);
        write_atomic(&dir.join(&plate_name), csv.as_bytes())?;
        write_atomic(&dir.join(&layout_name), layout.as_bytes())?;
        files.push(FileEntry {
            path: plate_name,
            assay: Assay::Elisa,
            tube: None,
            group: None,
            replicate: None,
            donor: None,
            layout: Some(layout_name),
        });
    }

    // Blots: one lane per group, the replicate's donor.
    std::fs::create_dir_all(dir.join("blot")).map_err(|source| Error::Write { path: dir.join("blot"), source })?;
    let reference = design.groups[0].id.clone();
    let blots: Vec<(FileEntry, BlotTruth)> = (0..design.replicates.blot)
        .into_par_iter()
        .map(|b| {
            let replicate = b % design.donors() + 1;
            let lanes: Vec<(String, f64, f64)> = design
                .groups
                .iter()
                .filter_map(|g| wells.iter().find(|w| w.group == g.id && w.replicate == replicate))
                .map(|w| (w.group.clone(), w.readouts.bcl2, w.readouts.bax))
                .collect();
            let name = format!("blot/blot_{}.tif", b + 1);
            let (width, height, pixels, lanes, layout) =
                blot_imager::blot(&lanes, &reference, design.blot_cv, seed, &name);
            blot_imager::write_tiff16(&dir.join(&name), width, height, &pixels)?;
            let layout_name = format!("blot/blot_{}_layout.toml", b + 1);
            write_atomic(&dir.join(&layout_name), layout.as_bytes())?;
            let entry = FileEntry {
                path: name.clone(),
                assay: Assay::Blot,
                tube: None,
                group: None,
                replicate: Some(replicate),
                donor: None,
                layout: Some(layout_name),
            };
            Ok((entry, BlotTruth { file: name, lanes }))
        })
        .collect::<Result<_>>()?;
    let mut blot_truth = Vec::new();
    for (entry, truth) in blots {
        files.push(entry);
        blot_truth.push(truth);
    }
    let manifest =
        Manifest { generator: format!("niche-lab {}", env!("CARGO_PKG_VERSION")), seed, design: design.clone(), files };
    let truth = Truth { wells, blots: blot_truth };
    write_atomic(&dir.join("manifest.json"), &to_json("manifest.json", &manifest)?)?;
    write_atomic(&dir.join("truth.json"), &to_json("truth.json", &truth)?)?;
    Ok((manifest, truth))
}

/// Plate `k` of `n` and its layout: `elisa/cxcl12_plate.csv` when there is one plate,
/// `elisa/cxcl12_plate_<k>.csv` when there are several (at most
/// [`plate_reader::MAX_SAMPLES`] samples each, in duplicate beside their own standards).
fn plate_names(k: usize, n: usize) -> (String, String) {
    if n == 1 {
        ("elisa/cxcl12_plate.csv".into(), "elisa/cxcl12_layout.toml".into())
    } else {
        (format!("elisa/cxcl12_plate_{k}.csv"), format!("elisa/cxcl12_layout_{k}.toml"))
    }
}

fn to_json<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(value).map_err(|source| Error::Json { what, source })?;
    out.push(b'\n');
    Ok(out)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory (`.NAME.RANDOM.tmp`,
/// removed on any error) renamed over `path`, so readers see the old file or the whole new one.
/// Unix: the file's mode is 0666 less the umask, as `std::fs::write` gives.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    niche_core::atomic::write(path, bytes).map_err(|source| Error::Write { path: path.to_path_buf(), source })
}
