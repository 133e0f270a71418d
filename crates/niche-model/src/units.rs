//! Unit conversions, with the constants they rest on.

/// Avogadro's number, 1/mol.
pub const AVOGADRO_PER_MOL: f64 = 6.022_140_76e23;
/// AMD3100 (plerixafor) free base, g/mol (PubChem CID 65015). The paper equates 5 µg/mL with
/// 10 µmol/L, which is this molar mass (9.94 µM).
pub const AMD3100_G_PER_MOL: f64 = 502.78;
/// Mature CXCL12α, g/mol (7,963 Da; 68 residues). Converts ELISA ng/mL to nmol/L.
pub const CXCL12_G_PER_MOL: f64 = 7963.0;

/// AMD3100 µg/mL → nmol/L.
pub fn amd3100_ug_per_ml_to_nm(ug_per_ml: f64) -> f64 {
    ug_per_ml * 1e-3 / AMD3100_G_PER_MOL * 1e9 // g/L ÷ g/mol = mol/L
}

/// Vincristine µmol/L → nmol/L.
pub fn vcr_um_to_nm(um: f64) -> f64 {
    um * 1e3
}

/// CXCL12 nmol/L → ng/mL.
pub fn cxcl12_nm_to_ng_per_ml(nm: f64) -> f64 {
    nm * CXCL12_G_PER_MOL * 1e-3 // nmol/L × g/mol = ng/L; ÷ 1000 mL/L
}

/// nmol/L of receptor (or bound ligand) per receptor/cell at `cells_per_litre`.
pub fn receptors_to_nm(cells_per_litre: f64) -> f64 {
    cells_per_litre / AVOGADRO_PER_MOL * 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_doses() {
        assert!((amd3100_ug_per_ml_to_nm(5.0) - 9944.7).abs() < 0.1, "5 µg/mL ≈ 10 µM");
        assert!((cxcl12_nm_to_ng_per_ml(1.0) - 7.963).abs() < 1e-12);
        // 1e6 cells in 2 mL: 1 receptor per cell is 0.83 fM
        assert!((receptors_to_nm(5e8) - 8.30e-7).abs() < 1e-9);
    }
}
