//! SBML Level 3 Version 2 export of the ODE core for one condition: every parameter with its
//! unit and source (in `<notes>`), the condition as parameters with initial assignments, the
//! intermediate fluxes as assignment rules, and the nine states as rate rules on non-constant
//! parameters (time in hours). libRoadRunner and python-libsbml load it without errors and it
//! simulates to niche's trajectories (`tests/sbml_roadrunner.rs`).

use std::fmt::Write;

use crate::condition::Condition;
use crate::ode::{Rates, STATE_NAMES};
use crate::params::Parameters;
use crate::units::AMD3100_G_PER_MOL;

/// A MathML expression.
#[derive(Debug, Clone)]
enum Expr {
    Num(f64),
    Var(&'static str),
    Add(Vec<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Vec<Expr>),
    Div(Box<Expr>, Box<Expr>),
}

fn v(name: &'static str) -> Expr {
    Expr::Var(name)
}
fn n(x: f64) -> Expr {
    Expr::Num(x)
}
fn add(terms: Vec<Expr>) -> Expr {
    Expr::Add(terms)
}
fn sub(a: Expr, b: Expr) -> Expr {
    Expr::Sub(Box::new(a), Box::new(b))
}
fn mul(terms: Vec<Expr>) -> Expr {
    Expr::Mul(terms)
}
fn div(a: Expr, b: Expr) -> Expr {
    Expr::Div(Box::new(a), Box::new(b))
}

impl Expr {
    fn mathml(&self, out: &mut String) {
        match self {
            Expr::Num(x) => {
                let _ = write!(out, "<cn>{x:e}</cn>");
            }
            Expr::Var(name) => {
                let _ = write!(out, "<ci>{name}</ci>");
            }
            Expr::Add(terms) | Expr::Mul(terms) => {
                out.push_str(if matches!(self, Expr::Add(_)) { "<apply><plus/>" } else { "<apply><times/>" });
                terms.iter().for_each(|t| t.mathml(out));
                out.push_str("</apply>");
            }
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                out.push_str(if matches!(self, Expr::Sub(..)) { "<apply><minus/>" } else { "<apply><divide/>" });
                a.mathml(out);
                b.mathml(out);
                out.push_str("</apply>");
            }
        }
    }
}

/// The model for `condition` as an SBML L3V2 document.
pub fn to_sbml(p: &Parameters, condition: &Condition) -> String {
    let rates = Rates::new(p, condition);
    let y0 = rates.initial_state();
    let mut s = String::new();
    s.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="niche_coculture" name="ALL-MSC co-culture under vincristine and AMD3100 (niche)" timeUnits="hour">
    <notes><body xmlns="http://www.w3.org/1999/xhtml"><p>niche-model: CXCL12/CXCR4 signalling, AMD3100 antagonism, Bcl-2/Bax and apoptosis of primary R/R B-ALL blasts co-cultured with umbilical-cord MSCs (Wang et al., OncoTargets and Therapy). States are rate rules on non-constant parameters; time in hours.</p></body></notes>
    <listOfUnitDefinitions>
      <unitDefinition id="hour"><listOfUnits><unit kind="second" exponent="1" scale="0" multiplier="3600"/></listOfUnits></unitDefinition>
      <unitDefinition id="per_hour"><listOfUnits><unit kind="second" exponent="-1" scale="0" multiplier="3600"/></listOfUnits></unitDefinition>
      <unitDefinition id="nM"><listOfUnits><unit kind="mole" exponent="1" scale="-9" multiplier="1"/><unit kind="litre" exponent="-1" scale="0" multiplier="1"/></listOfUnits></unitDefinition>
      <unitDefinition id="nM_per_hour"><listOfUnits><unit kind="mole" exponent="1" scale="-9" multiplier="1"/><unit kind="litre" exponent="-1" scale="0" multiplier="1"/><unit kind="second" exponent="-1" scale="0" multiplier="3600"/></listOfUnits></unitDefinition>
      <unitDefinition id="per_nM_per_hour"><listOfUnits><unit kind="mole" exponent="-1" scale="-9" multiplier="1"/><unit kind="litre" exponent="1" scale="0" multiplier="1"/><unit kind="second" exponent="-1" scale="0" multiplier="3600"/></listOfUnits></unitDefinition>
      <unitDefinition id="receptors_per_cell"><listOfUnits><unit kind="item" exponent="1" scale="0" multiplier="1"/></listOfUnits></unitDefinition>
      <unitDefinition id="receptors_per_cell_per_hour"><listOfUnits><unit kind="item" exponent="1" scale="0" multiplier="1"/><unit kind="second" exponent="-1" scale="0" multiplier="3600"/></listOfUnits></unitDefinition>
      <unitDefinition id="nM_per_receptor"><listOfUnits><unit kind="mole" exponent="1" scale="-9" multiplier="1"/><unit kind="litre" exponent="-1" scale="0" multiplier="1"/><unit kind="item" exponent="-1" scale="0" multiplier="1"/></listOfUnits></unitDefinition>
      <unitDefinition id="cells_per_litre"><listOfUnits><unit kind="item" exponent="1" scale="0" multiplier="1"/><unit kind="litre" exponent="-1" scale="0" multiplier="1"/></listOfUnits></unitDefinition>
      <unitDefinition id="ug_per_ml"><listOfUnits><unit kind="gram" exponent="1" scale="-3" multiplier="1"/><unit kind="litre" exponent="-1" scale="0" multiplier="1"/></listOfUnits></unitDefinition>
      <unitDefinition id="uM"><listOfUnits><unit kind="mole" exponent="1" scale="-6" multiplier="1"/><unit kind="litre" exponent="-1" scale="0" multiplier="1"/></listOfUnits></unitDefinition>
      <unitDefinition id="g_per_mol"><listOfUnits><unit kind="gram" exponent="1" scale="0" multiplier="1"/><unit kind="mole" exponent="-1" scale="0" multiplier="1"/></listOfUnits></unitDefinition>
    </listOfUnitDefinitions>
    <listOfParameters>
"#);
    let mut param = |id: &str, value: f64, units: &str, constant: bool, note: &str| {
        let _ = writeln!(
            s,
            "      <parameter id=\"{id}\" value=\"{value:e}\" units=\"{units}\" constant=\"{constant}\"><notes><body xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p></body></notes></parameter>",
            escape(note)
        );
    };
    for row in p.provenance() {
        let unit = sbml_unit(row.unit);
        param(row.name, row.value, unit, true, &format!("{} ({}): {}", row.unit, row.kind, row.source));
    }
    param("msc", condition.msc_factor(), "dimensionless", true, "1 with MSCs (co-culture), 0 for blasts alone");
    param("vcr_um", condition.vcr_um, "uM", true, "vincristine dose");
    param("amd_ug_per_ml", condition.amd_ug_per_ml, "ug_per_ml", true, "AMD3100 dose");
    param("amd3100_g_per_mol", AMD3100_G_PER_MOL, "g_per_mol", true, "AMD3100 free base");
    param("vcr_effect", rates.vcr_effect, "dimensionless", true, "vcr/(vcr + EC50), by initial assignment");
    param("amd_nm", rates.amd_nm, "nM", true, "AMD3100 in nM, by initial assignment");
    param("rho", rates.rho, "nM_per_receptor", true, "nM of receptor per receptor/cell at the well's cell density");
    param(
        "synthesis",
        rates.synthesis,
        "receptors_per_cell_per_hour",
        true,
        "kdeg_internal·I0, so that untreated blasts sit at steady state",
    );
    for (name, value) in STATE_NAMES.iter().zip(y0) {
        let unit = match *name {
            "cxcl12_nm" => "nM",
            "free" | "cxcl12_bound" | "amd_bound" | "internal" => "receptors_per_cell",
            _ => "dimensionless",
        };
        param(name, value, unit, false, "state (rate rule)");
    }
    for (name, unit) in [
        ("l_eff", "nM"),
        ("bind", "receptors_per_cell_per_hour"),
        ("bind_amd", "receptors_per_cell_per_hour"),
        ("contact", "dimensionless"),
        ("stimulation", "dimensionless"),
        ("signal", "dimensionless"),
        ("protective_contact", "dimensionless"),
        ("hazard", "per_hour"),
    ] {
        param(name, 0.0, unit, false, "intermediate (assignment rule)");
    }
    s.push_str("    </listOfParameters>\n    <listOfInitialAssignments>\n");
    let ec50 = v("ec50_vcr_nm");
    let vcr_nm = mul(vec![v("vcr_um"), n(1000.0)]);
    for (symbol, expr) in [
        ("vcr_effect", div(vcr_nm.clone(), add(vec![vcr_nm, ec50]))),
        ("amd_nm", div(mul(vec![v("amd_ug_per_ml"), n(1e6)]), v("amd3100_g_per_mol"))),
    ] {
        let _ = write!(
            s,
            "      <initialAssignment symbol=\"{symbol}\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\">"
        );
        expr.mathml(&mut s);
        s.push_str("</math></initialAssignment>\n");
    }
    s.push_str("    </listOfInitialAssignments>\n    <listOfRules>\n");
    for (variable, expr, kind) in rules(p, condition) {
        let _ = write!(s, "      <{kind} variable=\"{variable}\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\">");
        expr.mathml(&mut s);
        let _ = writeln!(s, "</math></{kind}>");
    }
    s.push_str("    </listOfRules>\n  </model>\n</sbml>\n");
    s
}

/// The assignment rules and rate rules, the same equations as [`crate::ode`].
fn rules(p: &Parameters, condition: &Condition) -> Vec<(&'static str, Expr, &'static str)> {
    let koff = mul(vec![v("kon_per_nm_h"), v("kd_cxcl12_nm")]);
    let koff_amd = mul(vec![v("kon_amd_per_nm_h"), v("kd_amd_nm")]);
    let one = || n(1.0);
    // With no pericellular pool the bulk share of complexes is 1 (avoids 0/0 at L = 0).
    let bulk_share =
        if condition.msc && p.pericellular_cxcl12_nm > 0.0 { div(v("cxcl12_nm"), v("l_eff")) } else { one() };
    let assignment = "assignmentRule";
    let rate = "rateRule";
    vec![
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
            assignment,
        ),
        (
            "l_eff",
            add(vec![v("cxcl12_nm"), mul(vec![v("msc"), v("pericellular_cxcl12_nm"), v("stimulation")])]),
            assignment,
        ),
        (
            "bind",
            sub(mul(vec![v("kon_per_nm_h"), v("l_eff"), v("free")]), mul(vec![koff.clone(), v("cxcl12_bound")])),
            assignment,
        ),
        (
            "bind_amd",
            sub(mul(vec![v("kon_amd_per_nm_h"), v("amd_nm"), v("free")]), mul(vec![koff_amd, v("amd_bound")])),
            assignment,
        ),
        (
            "contact",
            div(add(vec![v("free"), v("cxcl12_bound")]), add(vec![v("free"), v("cxcl12_bound"), v("amd_bound")])),
            assignment,
        ),
        (
            "signal",
            add(vec![
                mul(vec![
                    v("cxcr4_protection"),
                    div(v("cxcl12_bound"), add(vec![v("cxcl12_bound"), v("signal_half_receptors")])),
                ]),
                mul(vec![sub(one(), v("cxcr4_protection")), v("msc")]),
            ]),
            assignment,
        ),
        (
            "protective_contact",
            add(vec![mul(vec![v("cxcr4_protection"), v("contact")]), sub(one(), v("cxcr4_protection"))]),
            assignment,
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
            assignment,
        ),
        (
            "cxcl12_nm",
            sub(
                sub(
                    mul(vec![v("msc"), v("secretion_nm_per_h"), v("stimulation")]),
                    mul(vec![v("kdeg_cxcl12_per_h"), v("cxcl12_nm")]),
                ),
                mul(vec![
                    v("rho"),
                    sub(
                        mul(vec![v("kon_per_nm_h"), v("cxcl12_nm"), v("free")]),
                        mul(vec![koff, v("cxcl12_bound"), bulk_share]),
                    ),
                ]),
            ),
            rate,
        ),
        (
            "free",
            add(vec![
                mul(vec![v("synthesis"), add(vec![one(), mul(vec![v("synthesis_vcr_rise"), v("vcr_effect")])])]),
                mul(vec![n(-1.0), v("bind")]),
                mul(vec![n(-1.0), v("bind_amd")]),
                mul(vec![n(-1.0), v("kint_basal_per_h"), v("free")]),
                mul(vec![v("krec_per_h"), v("internal")]),
            ]),
            rate,
        ),
        ("cxcl12_bound", sub(v("bind"), mul(vec![v("kint_ligand_per_h"), v("cxcl12_bound")])), rate),
        ("amd_bound", sub(v("bind_amd"), mul(vec![v("kint_basal_per_h"), v("amd_bound")])), rate),
        (
            "internal",
            sub(
                add(vec![
                    mul(vec![v("kint_basal_per_h"), add(vec![v("free"), v("amd_bound")])]),
                    mul(vec![v("kint_ligand_per_h"), v("cxcl12_bound")]),
                ]),
                mul(vec![add(vec![v("krec_per_h"), v("kdeg_internal_per_h")]), v("internal")]),
            ),
            rate,
        ),
        (
            "bcl2",
            mul(vec![
                v("protein_turnover_per_h"),
                sub(
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
                    v("bcl2"),
                ),
            ]),
            rate,
        ),
        (
            "bax",
            mul(vec![
                v("protein_turnover_per_h"),
                sub(
                    div(
                        add(vec![one(), mul(vec![v("bax_vcr_rise"), v("vcr_effect")])]),
                        add(vec![one(), mul(vec![v("bax_signal_suppression"), v("signal")])]),
                    ),
                    v("bax"),
                ),
            ]),
            rate,
        ),
        (
            "early",
            sub(
                mul(vec![v("hazard"), sub(sub(one(), v("early")), v("late"))]),
                mul(vec![v("early_to_late_per_h"), v("early")]),
            ),
            rate,
        ),
        ("late", mul(vec![v("early_to_late_per_h"), v("early")]), rate),
    ]
}

/// SBML unit ids for the units [`Parameters::provenance`] names.
fn sbml_unit(unit: &str) -> &'static str {
    match unit {
        "1/(nM·h)" => "per_nM_per_hour",
        "nM" => "nM",
        "1/h" => "per_hour",
        "receptors/cell" => "receptors_per_cell",
        "cells/L" => "cells_per_litre",
        "nM/h" => "nM_per_hour",
        _ => "dimensionless",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
