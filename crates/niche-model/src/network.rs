//! The ODE system of [`crate::ode`] as a reaction network: compartments, species, reactions with
//! kinetic laws, rules and parameters with units. [`crate::sbml`] writes it as SBML and
//! [`crate::sedml`] refers to its ids; [`Network::derivatives`] evaluates it, and a test holds it
//! equal to [`crate::ode::Rates::rhs`] on every species.
//!
//! Units: time in hours, substance in nmol. The `medium` compartment is the well's 2 mL; the
//! `blasts` compartment is the blasts of the well counted in nmol of cells (1e6 cells), so that
//! a species' concentration there is its amount per cell — receptors per cell, Bcl-2 and Bax
//! relative to an unstimulated blast, the fraction of cells apoptotic — exactly niche's states.
//! Receptors and cells are both counts (`item`), so receptors/cell is dimensionless. Each kinetic
//! law is its compartment's size times a per-volume (per-cell) rate, so that CXCL12 bound by the
//! blasts leaves the medium at `blasts/medium = ρ` nM per receptor/cell.

use std::collections::HashMap;

use crate::condition::Condition;
use crate::error::{Error, Result};
use crate::expr::{Expr, add, div, if_greater, mul, num, one, sub, v};
use crate::ode::N_STATES;
use crate::params::Parameters;
use crate::units::{AMD3100_G_PER_MOL, AVOGADRO_PER_MOL};

/// Medium per well, litres: 1e6 cells in 2 mL of a 6-well (seed Methods).
pub const MEDIUM_LITRES: f64 = 2e-3;

/// The SBML species id of each ODE state, in [`crate::ode::STATE_NAMES`] order.
pub const SPECIES_OF_STATE: [&str; N_STATES] = [
    "cxcl12",
    "cxcr4",
    "cxcr4_cxcl12",
    "cxcr4_amd3100",
    "cxcr4_internal",
    "bcl2",
    "bax",
    "early_apoptotic",
    "late_apoptotic",
];

/// An SBML unit definition: id, readable name and `(kind, exponent, scale, multiplier)` factors.
pub type UnitDefinition = (&'static str, &'static str, &'static [(&'static str, i32, i32, f64)]);

/// Every unit the model uses besides SBML's base units.
pub const UNIT_DEFINITIONS: [UnitDefinition; 15] = [
    ("hour", "h", &[("second", 1, 0, 3600.0)]),
    ("per_hour", "1/h", &[("second", -1, 0, 3600.0)]),
    ("nmol", "nmol", &[("mole", 1, -9, 1.0)]),
    ("nM", "nM", &[("mole", 1, -9, 1.0), ("litre", -1, 0, 1.0)]),
    ("nM_per_hour", "nM/h", &[("mole", 1, -9, 1.0), ("litre", -1, 0, 1.0), ("second", -1, 0, 3600.0)]),
    ("per_nM_per_hour", "1/(nM·h)", &[("mole", -1, -9, 1.0), ("litre", 1, 0, 1.0), ("second", -1, 0, 3600.0)]),
    ("receptors_per_cell", "receptors/cell (both counts: dimensionless)", &[("dimensionless", 1, 0, 1.0)]),
    ("cells_per_litre", "cells/L", &[("item", 1, 0, 1.0), ("litre", -1, 0, 1.0)]),
    ("item_per_nmol", "items/nmol", &[("item", 1, 0, 1.0), ("mole", -1, -9, 1.0)]),
    ("uM", "µM", &[("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0)]),
    ("ug_per_ml", "µg/mL", &[("gram", 1, -6, 1.0), ("litre", -1, -3, 1.0)]),
    ("g_per_mol", "g/mol", &[("gram", 1, 0, 1.0), ("mole", -1, 0, 1.0)]),
    ("nM_per_uM", "nM/µM (1000 nM = 1 µM)", &[("dimensionless", 1, -3, 1.0)]),
    ("nM_per_mM", "nM/mM (1e6 nM = 1 mM)", &[("dimensionless", 1, -6, 1.0)]),
    ("ng_per_ml", "ng/mL", &[("gram", 1, -9, 1.0), ("litre", -1, -3, 1.0)]),
];

/// The SBML unit of each unit string [`Parameters::provenance`] uses.
pub fn unit_of(provenance_unit: &str) -> Option<&'static str> {
    Some(match provenance_unit {
        "1/(nM·h)" => "per_nM_per_hour",
        "nM" => "nM",
        "1/h" => "per_hour",
        "receptors/cell" => "receptors_per_cell",
        "cells/L" => "cells_per_litre",
        "nM/h" => "nM_per_hour",
        "1" | "MFI ratio" => "dimensionless",
        _ => return None,
    })
}

/// MIRIAM qualifiers: `(qualifier, identifiers.org URI)`.
pub type Annotation = &'static [(&'static str, &'static str)];

const CXCR4: &str = "https://identifiers.org/uniprot:P61073";
const CXCL12: &str = "https://identifiers.org/uniprot:P48061";
const BCL2: &str = "https://identifiers.org/uniprot:P10415";
const BAX: &str = "https://identifiers.org/uniprot:Q07812";
/// The model that kon, kint and krec come from (Coggins et al. 2014), as params.rs cites it.
pub const COGGINS_2014: &str = "https://identifiers.org/biomodels.db:BIOMD0000000599";

/// A compartment.
#[derive(Debug, Clone)]
pub struct Compartment {
    /// SBML id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Size (may be replaced by an initial assignment).
    pub size: f64,
    /// Unit id.
    pub units: &'static str,
    /// Spatial dimensions; none for `blasts`, whose size is a number of cells, not a volume.
    pub dimensions: Option<u8>,
    /// What it is.
    pub note: &'static str,
}

/// A species; its value is a concentration in its compartment.
#[derive(Debug, Clone)]
pub struct Species {
    /// SBML id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Compartment id.
    pub compartment: &'static str,
    /// Initial concentration (may be replaced by an initial assignment).
    pub initial: f64,
    /// A drug held at its dose: boundary condition, constant.
    pub constant: bool,
    /// SBO term number.
    pub sbo: u32,
    /// MIRIAM annotation.
    pub annotation: Annotation,
    /// What it is, with its unit.
    pub note: &'static str,
}

/// A parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// SBML id.
    pub id: &'static str,
    /// Value (for rule-defined ones, the value at t = 0).
    pub value: f64,
    /// Unit id.
    pub units: &'static str,
    /// False for assignment-rule variables.
    pub constant: bool,
    /// SBO term number.
    pub sbo: u32,
    /// MIRIAM annotation.
    pub annotation: Annotation,
    /// Unit, kind and source.
    pub note: String,
}

/// A reaction: `Σ reactants → Σ products` at `law` nmol/h (stoichiometries 1).
#[derive(Debug, Clone)]
pub struct Reaction {
    /// SBML id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Reactant species.
    pub reactants: &'static [&'static str],
    /// Product species.
    pub products: &'static [&'static str],
    /// Species the law reads besides reactants and products (directly or through rules).
    pub modifiers: &'static [&'static str],
    /// The law has a reverse term.
    pub reversible: bool,
    /// Kinetic law, nmol/h.
    pub law: Expr,
    /// SBO term of the reaction.
    pub sbo: u32,
    /// SBO term of the law.
    pub law_sbo: u32,
}

/// The model of one condition.
#[derive(Debug, Clone)]
pub struct Network {
    /// Compartments.
    pub compartments: Vec<Compartment>,
    /// Species: the nine states, then the two drugs.
    pub species: Vec<Species>,
    /// Parameters: [`Parameters::provenance`] in order, the condition, constants, then derived.
    pub parameters: Vec<Parameter>,
    /// Initial assignments, each using only values and earlier assignments.
    pub initial_assignments: Vec<(&'static str, Expr)>,
    /// Assignment rules, each using only values, species and earlier rules.
    pub assignment_rules: Vec<(&'static str, Expr)>,
    /// Reactions.
    pub reactions: Vec<Reaction>,
}

impl Network {
    /// The network for `condition` with parameters `p`. Errors when a parameter's unit has no
    /// SBML unit ([`unit_of`]).
    pub fn new(p: &Parameters, condition: &Condition) -> Result<Network> {
        let mut parameters = Vec::new();
        for row in p.provenance() {
            let units = unit_of(row.unit).ok_or_else(|| Error::Input {
                reason: format!("parameter {}: unit {:?} has no SBML unit definition", row.name, row.unit),
            })?;
            let annotation: Annotation =
                if row.source.contains("BIOMD0000000599") { &[("bqmodel:isDerivedFrom", COGGINS_2014)] } else { &[] };
            parameters.push(Parameter {
                id: row.name,
                value: row.value,
                units,
                constant: true,
                sbo: parameter_sbo(row.name),
                annotation,
                note: format!("{} ({}): {}", row.unit, row.kind, row.source),
            });
        }
        let mut constant = |id: &'static str, value: f64, units: &'static str, sbo: u32, note: &str| {
            parameters.push(Parameter {
                id,
                value,
                units,
                constant: true,
                sbo,
                annotation: &[],
                note: note.to_string(),
            });
        };
        constant("msc", condition.msc_factor(), "dimensionless", 2, "1: blasts on an MSC layer (co-culture); 0: alone");
        constant("vcr_um", condition.vcr_um, "uM", 2, "vincristine dose, µmol/L (the paper's unit)");
        constant("amd_ug_per_ml", condition.amd_ug_per_ml, "ug_per_ml", 2, "AMD3100 dose, µg/mL (the paper's unit)");
        constant(
            "amd3100_g_per_mol",
            AMD3100_G_PER_MOL,
            "g_per_mol",
            2,
            "AMD3100 free base, g/mol (PubChem CID 65015)",
        );
        constant("avogadro_per_nmol", AVOGADRO_PER_MOL * 1e-9, "item_per_nmol", 2, "Avogadro constant, items/nmol");
        let derived: [(&'static str, &'static str, u32, &str); 6] = [
            ("koff_cxcl12_per_h", "per_hour", 338, "kon·KD, 1/h (initial assignment)"),
            ("koff_amd_per_h", "per_hour", 338, "kon_amd·KD_amd, 1/h (initial assignment)"),
            (
                "cxcr4_synthesis_per_h",
                "per_hour",
                9,
                "receptors/(cell·h) = kdeg·I0 with I0 = kb·R0/(krec + kdeg): untreated blasts sit at steady state \
                 (initial assignment)",
            ),
            ("vcr_effect", "dimensionless", 2, "V = vcr/(vcr + EC50), 0–1 (initial assignment)"),
            (
                "nM_per_receptor",
                "nM",
                2,
                "ρ = blasts/medium, nM per receptor/cell (initial assignment; not used in a law)",
            ),
            ("mfi_reference_receptors", "receptors_per_cell", 2, "the receptor complement mfi_per_baseline refers to"),
        ];
        for (id, units, sbo, note) in derived {
            constant(id, 0.0, units, sbo, note);
        }
        let rules: [(&'static str, &'static str, &str); 9] = [
            ("contact", "dimensionless", "X = (R + C)/(R + C + A): receptors free of AMD3100"),
            ("stimulation", "dimensionless", "G = 1 + s·V·(φ + (1 − φ)·X): MSC secretion relative to unstimulated"),
            ("pericellular_cxcl12", "nM", "m·Lp0·G: CXCL12 at the blasts beyond the bulk medium (local steady state)"),
            (
                "bulk_share",
                "dimensionless",
                "L/(L + pericellular): share of complexes that return ligand to the medium",
            ),
            ("signal", "dimensionless", "S = w·C/(C + K_S) + (1 − w)·m: survival signal"),
            ("protective_contact", "dimensionless", "w·X + (1 − w): contact as the Bcl-2 rise sees it"),
            ("bcl2_target", "dimensionless", "(1 + c·m·(1 − V)·Xp)/(1 + cV·V): Bcl-2 steady state"),
            ("bax_target", "dimensionless", "(1 + xV·V)/(1 + x·S): Bax steady state"),
            ("hazard", "per_hour", "h = h0·(1 + η·V)·Bax/Bcl2: apoptosis hazard of a viable blast, 1/h"),
        ];
        for (id, units, note) in rules {
            parameters.push(Parameter {
                id,
                value: 0.0,
                units,
                constant: false,
                sbo: 2,
                annotation: &[],
                note: format!("{note} (assignment rule)"),
            });
        }
        if let Some(r) = parameters.iter_mut().find(|q| q.id == "mfi_reference_receptors") {
            r.value = crate::simulate::MFI_REFERENCE_RECEPTORS;
        }

        let compartments = vec![
            Compartment {
                id: "medium",
                name: "medium",
                size: MEDIUM_LITRES,
                units: "litre",
                dimensions: Some(3),
                note: "the well's medium, 2 mL (seed Methods)",
            },
            Compartment {
                id: "blasts",
                name: "blasts",
                size: 0.0,
                units: "nmol",
                dimensions: None,
                note: "the well's blasts counted in nmol of cells (cells_per_litre·medium/avogadro): a concentration \
                       here is an amount per cell",
            },
        ];
        let sp = |id, name, compartment, sbo, annotation, note| Species {
            id,
            name,
            compartment,
            initial: 0.0,
            constant: false,
            sbo,
            annotation,
            note,
        };
        let mut species = vec![
            sp("cxcl12", "CXCL12 (medium)", "medium", 252, &[("bqbiol:is", CXCL12)][..], "nM, what the ELISA measures"),
            sp("cxcr4", "CXCR4 (surface, free)", "blasts", 252, &[("bqbiol:is", CXCR4)][..], "receptors/cell"),
            sp(
                "cxcr4_cxcl12",
                "CXCL12:CXCR4 (surface)",
                "blasts",
                253,
                &[("bqbiol:hasPart", CXCR4), ("bqbiol:hasPart", CXCL12)][..],
                "receptors/cell",
            ),
            sp(
                "cxcr4_amd3100",
                "AMD3100:CXCR4 (surface)",
                "blasts",
                253,
                &[("bqbiol:hasPart", CXCR4)][..],
                "receptors/cell",
            ),
            sp("cxcr4_internal", "CXCR4 (internalised)", "blasts", 252, &[("bqbiol:is", CXCR4)][..], "receptors/cell"),
            sp("bcl2", "Bcl-2", "blasts", 252, &[("bqbiol:is", BCL2)][..], "relative to an unstimulated blast"),
            sp("bax", "Bax", "blasts", 252, &[("bqbiol:is", BAX)][..], "relative to an unstimulated blast"),
            sp("early_apoptotic", "early apoptotic", "blasts", 240, &[][..], "fraction of cells Annexin V+ PI−"),
            sp("late_apoptotic", "late apoptotic", "blasts", 240, &[][..], "fraction of cells Annexin V+ PI+"),
            sp("vincristine", "vincristine", "medium", 247, &[][..], "nM, held at the dose"),
            sp("amd3100", "AMD3100 (plerixafor)", "medium", 247, &[][..], "nM, held at the dose"),
        ];
        species[5].initial = 1.0;
        species[6].initial = 1.0;
        species[9].constant = true;
        species[10].constant = true;

        let initial_assignments = vec![
            ("blasts", div(mul(vec![v("cells_per_litre"), v("medium")]), v("avogadro_per_nmol"))),
            ("nM_per_receptor", div(v("blasts"), v("medium"))),
            ("vincristine", mul(vec![v("vcr_um"), num(1e3, "nM_per_uM")])),
            ("amd3100", div(mul(vec![v("amd_ug_per_ml"), num(1e6, "nM_per_mM")]), v("amd3100_g_per_mol"))),
            ("vcr_effect", div(v("vincristine"), add(vec![v("vincristine"), v("ec50_vcr_nm")]))),
            ("koff_cxcl12_per_h", mul(vec![v("kon_per_nm_h"), v("kd_cxcl12_nm")])),
            ("koff_amd_per_h", mul(vec![v("kon_amd_per_nm_h"), v("kd_amd_nm")])),
            ("cxcr4", v("receptors_per_cell")),
            (
                "cxcr4_internal",
                div(
                    mul(vec![v("kint_basal_per_h"), v("receptors_per_cell")]),
                    add(vec![v("krec_per_h"), v("kdeg_internal_per_h")]),
                ),
            ),
            ("cxcr4_synthesis_per_h", mul(vec![v("kdeg_internal_per_h"), v("cxcr4_internal")])),
        ];

        let w = || v("cxcr4_protection");
        let assignment_rules = vec![
            (
                "contact",
                div(
                    add(vec![v("cxcr4"), v("cxcr4_cxcl12")]),
                    add(vec![v("cxcr4"), v("cxcr4_cxcl12"), v("cxcr4_amd3100")]),
                ),
            ),
            (
                "stimulation",
                add(vec![
                    one(),
                    mul(vec![
                        v("secretion_vcr_rise"),
                        v("vcr_effect"),
                        add(vec![
                            v("secretion_contact_free"),
                            mul(vec![sub(one(), v("secretion_contact_free")), v("contact")]),
                        ]),
                    ]),
                ]),
            ),
            ("pericellular_cxcl12", mul(vec![v("msc"), v("pericellular_cxcl12_nm"), v("stimulation")])),
            (
                // Without a pericellular pool every complex holds bulk ligand (and L/(L + 0) is 0/0 at L = 0).
                "bulk_share",
                if_greater(
                    mul(vec![v("msc"), v("pericellular_cxcl12_nm")]),
                    num(0.0, "nM"),
                    div(v("cxcl12"), add(vec![v("cxcl12"), v("pericellular_cxcl12")])),
                    one(),
                ),
            ),
            (
                "signal",
                add(vec![
                    mul(vec![w(), div(v("cxcr4_cxcl12"), add(vec![v("cxcr4_cxcl12"), v("signal_half_receptors")]))]),
                    mul(vec![sub(one(), w()), v("msc")]),
                ]),
            ),
            ("protective_contact", add(vec![mul(vec![w(), v("contact")]), sub(one(), w())])),
            (
                "bcl2_target",
                div(
                    add(vec![
                        one(),
                        mul(vec![
                            v("bcl2_contact_rise"),
                            v("msc"),
                            sub(one(), v("vcr_effect")),
                            v("protective_contact"),
                        ]),
                    ]),
                    add(vec![one(), mul(vec![v("bcl2_vcr_fall"), v("vcr_effect")])]),
                ),
            ),
            (
                "bax_target",
                div(
                    add(vec![one(), mul(vec![v("bax_vcr_rise"), v("vcr_effect")])]),
                    add(vec![one(), mul(vec![v("bax_signal_suppression"), v("signal")])]),
                ),
            ),
            (
                "hazard",
                div(
                    mul(vec![
                        v("hazard_per_h"),
                        add(vec![one(), mul(vec![v("hazard_vcr_rise"), v("vcr_effect")])]),
                        v("bax"),
                    ]),
                    v("bcl2"),
                ),
            ),
        ];

        let blasts = |terms: Vec<Expr>| mul([vec![v("blasts")], terms].concat());
        let contact_species: &'static [&'static str] = &["cxcr4", "cxcr4_cxcl12", "cxcr4_amd3100", "vincristine"];
        let reaction = |id, name, reactants, products, modifiers, reversible, law, sbo, law_sbo| Reaction {
            id,
            name,
            reactants,
            products,
            modifiers,
            reversible,
            law,
            sbo,
            law_sbo,
        };
        let reactions = vec![
            reaction(
                "cxcl12_secretion",
                "CXCL12 secretion by MSCs",
                &[][..],
                &["cxcl12"][..],
                contact_species,
                false,
                mul(vec![v("medium"), v("msc"), v("secretion_nm_per_h"), v("stimulation")]),
                393,
                1,
            ),
            reaction(
                "cxcl12_loss",
                "CXCL12 loss in the medium",
                &["cxcl12"][..],
                &[][..],
                &[][..],
                false,
                mul(vec![v("medium"), v("kdeg_cxcl12_per_h"), v("cxcl12")]),
                179,
                49,
            ),
            reaction(
                "cxcl12_binding",
                "CXCR4 binds CXCL12 from the medium",
                &["cxcl12", "cxcr4"][..],
                &["cxcr4_cxcl12"][..],
                &["cxcr4_amd3100", "vincristine"][..],
                true,
                blasts(vec![sub(
                    mul(vec![v("kon_per_nm_h"), v("cxcl12"), v("cxcr4")]),
                    mul(vec![v("koff_cxcl12_per_h"), v("cxcr4_cxcl12"), v("bulk_share")]),
                )]),
                177,
                1,
            ),
            reaction(
                "cxcl12_binding_pericellular",
                "CXCR4 binds pericellular CXCL12 of MSCs",
                &["cxcr4"][..],
                &["cxcr4_cxcl12"][..],
                &["cxcl12", "cxcr4_amd3100", "vincristine"][..],
                true,
                blasts(vec![sub(
                    mul(vec![v("kon_per_nm_h"), v("pericellular_cxcl12"), v("cxcr4")]),
                    mul(vec![v("koff_cxcl12_per_h"), v("cxcr4_cxcl12"), sub(one(), v("bulk_share"))]),
                )]),
                177,
                1,
            ),
            reaction(
                "amd3100_binding",
                "CXCR4 binds AMD3100",
                &["amd3100", "cxcr4"][..],
                &["cxcr4_amd3100"][..],
                &[][..],
                true,
                blasts(vec![sub(
                    mul(vec![v("kon_amd_per_nm_h"), v("amd3100"), v("cxcr4")]),
                    mul(vec![v("koff_amd_per_h"), v("cxcr4_amd3100")]),
                )]),
                177,
                42,
            ),
            reaction(
                "cxcr4_synthesis",
                "CXCR4 synthesis (raised by VCR)",
                &[][..],
                &["cxcr4"][..],
                &["vincristine"][..],
                false,
                blasts(vec![
                    v("cxcr4_synthesis_per_h"),
                    add(vec![one(), mul(vec![v("synthesis_vcr_rise"), v("vcr_effect")])]),
                ]),
                393,
                1,
            ),
            reaction(
                "cxcr4_internalisation",
                "constitutive internalisation of free CXCR4",
                &["cxcr4"][..],
                &["cxcr4_internal"][..],
                &[][..],
                false,
                blasts(vec![v("kint_basal_per_h"), v("cxcr4")]),
                185,
                49,
            ),
            reaction(
                "cxcr4_amd3100_internalisation",
                "constitutive internalisation of AMD3100-bound CXCR4",
                &["cxcr4_amd3100"][..],
                &["cxcr4_internal"][..],
                &[][..],
                false,
                blasts(vec![v("kint_basal_per_h"), v("cxcr4_amd3100")]),
                185,
                49,
            ),
            reaction(
                "cxcr4_cxcl12_internalisation",
                "ligand-induced internalisation of CXCL12-bound CXCR4",
                &["cxcr4_cxcl12"][..],
                &["cxcr4_internal"][..],
                &[][..],
                false,
                blasts(vec![v("kint_ligand_per_h"), v("cxcr4_cxcl12")]),
                185,
                49,
            ),
            reaction(
                "cxcr4_recycling",
                "recycling of internalised CXCR4",
                &["cxcr4_internal"][..],
                &["cxcr4"][..],
                &[][..],
                false,
                blasts(vec![v("krec_per_h"), v("cxcr4_internal")]),
                185,
                49,
            ),
            reaction(
                "cxcr4_degradation",
                "degradation of internalised CXCR4",
                &["cxcr4_internal"][..],
                &[][..],
                &[][..],
                false,
                blasts(vec![v("kdeg_internal_per_h"), v("cxcr4_internal")]),
                179,
                49,
            ),
            reaction(
                "bcl2_synthesis",
                "Bcl-2 synthesis toward its target",
                &[][..],
                &["bcl2"][..],
                contact_species,
                false,
                blasts(vec![v("protein_turnover_per_h"), v("bcl2_target")]),
                393,
                1,
            ),
            reaction(
                "bcl2_degradation",
                "Bcl-2 turnover",
                &["bcl2"][..],
                &[][..],
                &[][..],
                false,
                blasts(vec![v("protein_turnover_per_h"), v("bcl2")]),
                179,
                49,
            ),
            reaction(
                "bax_synthesis",
                "Bax synthesis toward its target",
                &[][..],
                &["bax"][..],
                &["cxcr4_cxcl12", "vincristine"][..],
                false,
                blasts(vec![v("protein_turnover_per_h"), v("bax_target")]),
                393,
                1,
            ),
            reaction(
                "bax_degradation",
                "Bax turnover",
                &["bax"][..],
                &[][..],
                &[][..],
                false,
                blasts(vec![v("protein_turnover_per_h"), v("bax")]),
                179,
                49,
            ),
            reaction(
                "apoptosis_onset",
                "viable blasts turn early apoptotic",
                &[][..],
                &["early_apoptotic"][..],
                &["late_apoptotic", "bax", "bcl2", "vincristine"][..],
                false,
                blasts(vec![v("hazard"), sub(sub(one(), v("early_apoptotic")), v("late_apoptotic"))]),
                182,
                1,
            ),
            reaction(
                "early_to_late",
                "early apoptotic blasts turn late apoptotic",
                &["early_apoptotic"][..],
                &["late_apoptotic"][..],
                &[][..],
                false,
                blasts(vec![v("early_to_late_per_h"), v("early_apoptotic")]),
                182,
                49,
            ),
        ];
        let mut network =
            Network { compartments, species, parameters, initial_assignments, assignment_rules, reactions };
        network.set_initial_values()?;
        Ok(network)
    }

    /// Fills the values that initial assignments and rules define at t = 0 (documentation for
    /// tools that read values, not assignments).
    fn set_initial_values(&mut self) -> Result<()> {
        let env = self.initial_environment()?;
        for c in &mut self.compartments {
            c.size = env[c.id];
        }
        for s in &mut self.species {
            s.initial = env[s.id];
        }
        for q in &mut self.parameters {
            q.value = env[q.id];
        }
        Ok(())
    }

    /// Every quantity at t = 0: values, then initial assignments and rules in order.
    fn initial_environment(&self) -> Result<HashMap<&'static str, f64>> {
        let mut env: HashMap<&'static str, f64> = HashMap::new();
        self.compartments.iter().for_each(|c| _ = env.insert(c.id, c.size));
        self.species.iter().for_each(|s| _ = env.insert(s.id, s.initial));
        self.parameters.iter().for_each(|q| _ = env.insert(q.id, q.value));
        for (symbol, e) in self.initial_assignments.iter().chain(&self.assignment_rules) {
            let value = e.eval(&env).map_err(undefined)?;
            env.insert(symbol, value);
        }
        Ok(env)
    }

    /// The initial state in [`crate::ode::STATE_NAMES`] order.
    pub fn initial_state(&self) -> Result<[f64; N_STATES]> {
        let env = self.initial_environment()?;
        Ok(SPECIES_OF_STATE.map(|id| env[id]))
    }

    /// `d(concentration)/dt` of every state at `y` ([`crate::ode::STATE_NAMES`] order), from the
    /// reactions: `Σ stoichiometry·rate / compartment size`.
    pub fn derivatives(&self, y: &[f64; N_STATES]) -> Result<[f64; N_STATES]> {
        Ok(self.fluxes(y)?.0)
    }

    /// The derivatives and, per state, the sum of the magnitudes of the terms (the scale of
    /// rounding errors in a sum that cancels).
    fn fluxes(&self, y: &[f64; N_STATES]) -> Result<([f64; N_STATES], [f64; N_STATES])> {
        let mut env = self.initial_environment()?;
        for (id, value) in SPECIES_OF_STATE.iter().zip(y) {
            env.insert(id, *value);
        }
        for (symbol, e) in &self.assignment_rules {
            let value = e.eval(&env).map_err(undefined)?;
            env.insert(symbol, value);
        }
        let (mut dy, mut magnitude) = ([0.0; N_STATES], [0.0; N_STATES]);
        for r in &self.reactions {
            let rate = r.law.eval(&env).map_err(undefined)?;
            for (species, sign) in r.reactants.iter().map(|s| (s, -1.0)).chain(r.products.iter().map(|s| (s, 1.0))) {
                if let Some(k) = SPECIES_OF_STATE.iter().position(|id| id == species) {
                    let compartment = self.species.iter().find(|s| s.id == *species).map_or("", |s| s.compartment);
                    dy[k] += sign * rate / env[compartment];
                    magnitude[k] += (rate / env[compartment]).abs();
                }
            }
        }
        Ok((dy, magnitude))
    }
}

fn undefined(e: crate::expr::Undefined) -> Error {
    Error::Input { reason: format!("the exported model names {}, which it does not define", e.0) }
}

/// SBO term of a parameter of [`Parameters::provenance`].
fn parameter_sbo(name: &str) -> u32 {
    match name {
        "kon_per_nm_h" | "kon_amd_per_nm_h" => 36, // forward bimolecular rate constant
        "kd_cxcl12_nm" | "kd_amd_nm" => 282,       // dissociation constant
        "ec50_vcr_nm" => 287,                      // EC50
        n if n.ends_with("_per_h") => 9,           // kinetic constant
        _ => 2,                                    // quantitative systems description parameter
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ode::Rates;

    fn conditions() -> Vec<Condition> {
        let mut all: Vec<Condition> = crate::condition::seed_groups().unwrap().into_iter().map(|(_, c)| c).collect();
        all.push(Condition { msc: true, vcr_um: 0.01, amd_ug_per_ml: 0.5 });
        all.push(Condition { msc: false, vcr_um: 0.3, amd_ug_per_ml: 5.0 });
        all
    }

    #[test]
    fn the_reactions_are_the_ode_on_every_species() {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng >> 11) as f64 / (1u64 << 53) as f64
        };
        for base in [Parameters::default(), Parameters { cxcr4_protection: 0.0, ..Parameters::default() }] {
            for condition in conditions() {
                let network = Network::new(&base, &condition).unwrap();
                let rates = Rates::new(&base, &condition);
                let y0 = network.initial_state().unwrap();
                for (k, (a, b)) in y0.iter().zip(rates.initial_state()).enumerate() {
                    assert!((a - b).abs() <= 1e-12 * b.abs(), "initial state {k}: {a} vs {b}");
                }
                for trial in 0..50 {
                    let y: [f64; N_STATES] = if trial == 0 {
                        y0
                    } else {
                        let e = 0.5 * uniform();
                        [
                            uniform(),
                            3e4 * uniform(),
                            2e3 * uniform(),
                            2e4 * uniform(),
                            3e4 * uniform(),
                            0.5 + uniform(),
                            0.5 + uniform(),
                            e,
                            (1.0 - e) * uniform(),
                        ]
                    };
                    let (ours, magnitude) = network.fluxes(&y).unwrap();
                    let mut theirs = [0.0; N_STATES];
                    rates.rhs(&y, &mut theirs);
                    for k in 0..N_STATES {
                        // rounding of a sum of terms that may cancel: a few ulps of the largest
                        assert!(
                            (ours[k] - theirs[k]).abs() <= 1e-13 * magnitude[k],
                            "{condition:?}, state {k} at {y:?}: network {} vs ode {}",
                            ours[k],
                            theirs[k]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_provenance_unit_has_an_sbml_unit() {
        for row in Parameters::default().provenance() {
            assert!(unit_of(row.unit).is_some(), "{}: {}", row.name, row.unit);
        }
        let defined: Vec<&str> = UNIT_DEFINITIONS.iter().map(|u| u.0).collect();
        let network = Network::new(&Parameters::default(), &conditions()[0]).unwrap();
        for q in &network.parameters {
            assert!(q.units == "dimensionless" || defined.contains(&q.units), "{}: {}", q.id, q.units);
        }
    }

    #[test]
    fn every_law_names_only_defined_quantities_and_lists_its_species() {
        let network = Network::new(&Parameters::default(), &conditions()[1]).unwrap();
        let species: Vec<&str> = network.species.iter().map(|s| s.id).collect();
        for r in &network.reactions {
            let mut vars = Vec::new();
            r.law.variables(&mut vars);
            for name in vars.iter().filter(|n| species.contains(n)) {
                assert!(
                    r.reactants.contains(name) || r.products.contains(name) || r.modifiers.contains(name),
                    "{}: {name} is not listed",
                    r.id
                );
            }
        }
    }
}
