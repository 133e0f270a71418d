//! ELISA plates: the Gen5-style export and its layout, the standard curve fitted as the study
//! says (4PL/5PL, weighting), each sample's concentration as a value of its subject.

use niche_assay::curve::{Model, Weight};

use super::{Value, input};
use crate::error::Result;
use crate::study::{ElisaPlate, Study, Subject};

/// The subject a sample id names: `<group>_r<replicate>` or `<group>_<donor>`, the longest group
/// id that prefixes it.
fn sample_subject<'a>(study: &'a Study, id: &str) -> Option<(&'a str, Subject)> {
    study
        .groups
        .iter()
        .filter_map(|g| Some((g.id.as_str(), id.strip_prefix(g.id.as_str())?.strip_prefix('_')?)))
        .filter(|(_, rest)| !rest.is_empty())
        .max_by_key(|(g, _)| g.len())
        .map(|(g, rest)| (g, Subject::of_sample(rest)))
}

pub(super) fn analyze_plate(plate: &ElisaPlate, study: &Study, warnings: &mut Vec<String>) -> Result<Vec<Value>> {
    let text = crate::read_text(&plate.plate, crate::MAX_TEXT_BYTES).map_err(|e| input(&plate.plate, e))?;
    let parsed = niche_assay::Plate::parse(&text).map_err(|e| input(&plate.plate, e))?;
    let layout_text = crate::read_text(&plate.layout, crate::MAX_TEXT_BYTES).map_err(|e| input(&plate.layout, e))?;
    let layout = niche_assay::Layout::parse(&layout_text).map_err(|e| input(&plate.layout, e))?;
    let report = niche_assay::elisa::analyze(&parsed, &layout, Model::FourPl, Weight::None, 20.0)
        .map_err(|e| input(&plate.plate, e))?;
    let shown = study.shown(&plate.plate);
    let mut values = Vec::new();
    for s in &report.samples {
        let Some((group, subject)) = sample_subject(study, &s.id) else {
            warnings.push(format!(
                "{shown}: sample {:?} is not <group>_r<replicate> or <group>_<donor> of a study group; skipped",
                s.id
            ));
            continue;
        };
        if s.cv_flag {
            warnings.push(format!("{shown}: sample {} has a replicate CV of {:.1} %", s.id, s.cv_percent));
        }
        values.push(Value {
            readout: plate.readout.clone(),
            group: group.to_string(),
            subject,
            value: s.conc,
            flag: s.flag.map(str::to_string),
        });
    }
    Ok(values)
}
