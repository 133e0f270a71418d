//! Culture conditions: MSCs or not, and the drug doses as the paper gives them.

use serde::Serialize;

use crate::units::{amd3100_ug_per_ml_to_nm, vcr_um_to_nm};

/// One well's treatment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Condition {
    /// Blasts on an MSC layer (co-culture) or alone.
    pub msc: bool,
    /// Vincristine, µmol/L.
    pub vcr_um: f64,
    /// AMD3100, µg/mL.
    pub amd_ug_per_ml: f64,
}

impl Condition {
    /// Vincristine, nmol/L.
    pub fn vcr_nm(&self) -> f64 {
        vcr_um_to_nm(self.vcr_um)
    }
    /// AMD3100, nmol/L.
    pub fn amd_nm(&self) -> f64 {
        amd3100_ug_per_ml_to_nm(self.amd_ug_per_ml)
    }
    /// 1 with MSCs, 0 without.
    pub fn msc_factor(&self) -> f64 {
        if self.msc { 1.0 } else { 0.0 }
    }
}

/// The groups of the seed study with their ids, in the paper's order, from the embedded targets
/// file ([`crate::targets`]).
pub fn seed_groups() -> crate::Result<Vec<(&'static str, Condition)>> {
    Ok(crate::targets::seed()?.design.groups.iter().map(|g| (g.id.as_str(), g.condition())).collect())
}
