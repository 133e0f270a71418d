//! SED-ML Level 1 Version 3 for the exported model ([`crate::sbml`]): one model per group (its
//! doses as attribute changes of `msc`, `vcr_um` and `amd_ug_per_ml`), one 24 h uniform time
//! course, one task per group, the assay readouts as data generators and one plot per readout
//! with a curve per group. [`crate::omex`] packs it with the SBML into a COMBINE archive.

use std::fmt::Write;

use crate::condition::Condition;
use crate::expr::{Expr, add, div, mul, num, one, v};
use crate::sbml::escape;
use crate::simulate::CULTURE_HOURS;
use crate::units::CXCL12_G_PER_MOL;

/// A group to simulate: id (letters, digits, `_`) and condition.
pub type Group<'a> = (&'a str, Condition);

/// A readout as SED-ML computes it: id, label, the expression over SBML ids, and which of them are model parameters
/// (the rest are species).
struct ReadoutExpression {
    id: &'static str,
    label: &'static str,
    expr: Expr,
    parameters: &'static [&'static str],
}

/// The assay readouts of [`crate::simulate::Readouts`] over the SBML ids.
fn readouts() -> Vec<ReadoutExpression> {
    vec![
        ReadoutExpression {
            id: "apoptosis_percent",
            label: "Annexin V+ cells (%)",
            expr: mul(vec![num(100.0, "dimensionless"), add(vec![v("early_apoptotic"), v("late_apoptotic")])]),
            parameters: &[],
        },
        ReadoutExpression {
            id: "cxcr4_mfi",
            label: "CXCR4-PE MFI over isotype",
            expr: add(vec![
                one(),
                div(
                    mul(vec![
                        v("mfi_per_baseline"),
                        add(vec![v("cxcr4"), v("cxcr4_cxcl12"), mul(vec![v("amd_bound_visible"), v("cxcr4_amd3100")])]),
                    ]),
                    v("mfi_reference_receptors"),
                ),
            ]),
            parameters: &["mfi_per_baseline", "amd_bound_visible", "mfi_reference_receptors"],
        },
        ReadoutExpression {
            id: "cxcl12_ng_per_ml",
            label: "CXCL12 in the supernatant (ng/mL)",
            expr: mul(vec![v("cxcl12"), num(CXCL12_G_PER_MOL * 1e-3, "dimensionless")]),
            parameters: &[],
        },
        ReadoutExpression { id: "bcl2", label: "Bcl-2 (relative)", expr: v("bcl2"), parameters: &[] },
        ReadoutExpression { id: "bax", label: "Bax (relative)", expr: v("bax"), parameters: &[] },
    ]
}

/// Output points of the time course: every half hour.
pub const POINTS: usize = 48;

/// The SED-ML document for `groups`, on the model file `model_file` (a path in the archive).
pub fn to_sedml(groups: &[Group], model_file: &str) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sedML xmlns=\"http://sed-ml.org/sed-ml/level1/version3\" \
         xmlns:sbml=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"1\" version=\"3\">\n",
    );
    s.push_str(
        "  <notes><p xmlns=\"http://www.w3.org/1999/xhtml\">The groups of a niche design: blasts with or without \
         MSCs (msc), vincristine (vcr_um, µmol/L) and AMD3100 (amd_ug_per_ml, µg/mL) from t = 0, for 24 h.</p></notes>\n",
    );
    let _ = writeln!(
        s,
        "  <listOfSimulations>\n    <uniformTimeCourse id=\"sim_24h\" name=\"24 h culture\" initialTime=\"0\" \
         outputStartTime=\"0\" outputEndTime=\"{CULTURE_HOURS}\" numberOfPoints=\"{POINTS}\">\n      \
         <algorithm kisaoID=\"KISAO:0000019\"/>\n    </uniformTimeCourse>\n  </listOfSimulations>"
    );
    s.push_str("  <listOfModels>\n");
    for (id, c) in groups {
        let _ = writeln!(
            s,
            "    <model id=\"model_{id}\" name=\"{}\" language=\"urn:sedml:language:sbml.level-3.version-2\" \
             source=\"{}\">\n      <listOfChanges>",
            escape(*id),
            escape(model_file)
        );
        for (parameter, value) in [("msc", c.msc_factor()), ("vcr_um", c.vcr_um), ("amd_ug_per_ml", c.amd_ug_per_ml)] {
            let _ = writeln!(
                s,
                "        <changeAttribute target=\"{}/@value\" newValue=\"{value}\"/>",
                target("parameter", parameter)
            );
        }
        s.push_str("      </listOfChanges>\n    </model>\n");
    }
    s.push_str("  </listOfModels>\n  <listOfTasks>\n");
    for (id, _) in groups {
        let _ = writeln!(
            s,
            "    <task id=\"task_{id}\" name=\"{}\" modelReference=\"model_{id}\" simulationReference=\"sim_24h\"/>",
            escape(*id)
        );
    }
    s.push_str("  </listOfTasks>\n  <listOfDataGenerators>\n");
    for (id, _) in groups {
        let _ = writeln!(
            s,
            "    <dataGenerator id=\"time_{id}\" name=\"time (h)\">\n      <listOfVariables><variable id=\"t\" \
             taskReference=\"task_{id}\" symbol=\"urn:sedml:symbol:time\"/></listOfVariables>\n      \
             <math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>t</ci></math>\n    </dataGenerator>"
        );
        for r in readouts() {
            let _ =
                writeln!(s, "    <dataGenerator id=\"{}_{id}\" name=\"{}\">\n      <listOfVariables>", r.id, r.label);
            let mut names = Vec::new();
            r.expr.variables(&mut names);
            names.dedup();
            let mut seen = Vec::new();
            for name in names {
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                let kind = if r.parameters.contains(&name) { "parameter" } else { "species" };
                let _ = writeln!(
                    s,
                    "        <variable id=\"{name}\" taskReference=\"task_{id}\" target=\"{}\"/>",
                    target(kind, name)
                );
            }
            let mut math = String::new();
            r.expr.mathml_plain(&mut math);
            let _ = writeln!(
                s,
                "      </listOfVariables>\n      <math xmlns=\"http://www.w3.org/1998/Math/MathML\">{math}</math>\n    \
                 </dataGenerator>"
            );
        }
    }
    s.push_str("  </listOfDataGenerators>\n  <listOfOutputs>\n");
    for r in readouts() {
        let _ = writeln!(s, "    <plot2D id=\"plot_{}\" name=\"{}\">\n      <listOfCurves>", r.id, r.label);
        for (id, _) in groups {
            let _ = writeln!(
                s,
                "        <curve id=\"curve_{r}_{id}\" name=\"{}\" logX=\"false\" logY=\"false\" \
                 xDataReference=\"time_{id}\" yDataReference=\"{r}_{id}\"/>",
                escape(*id),
                r = r.id
            );
        }
        s.push_str("      </listOfCurves>\n    </plot2D>\n");
    }
    s.push_str("  </listOfOutputs>\n</sedML>\n");
    s
}

fn target(kind: &str, id: &str) -> String {
    let list = if kind == "species" { "listOfSpecies" } else { "listOfParameters" };
    format!("/sbml:sbml/sbml:model/sbml:{list}/sbml:{kind}[@id='{id}']")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::network::{Network, SPECIES_OF_STATE};
    use crate::params::Parameters;
    use crate::simulate::Readouts;

    #[test]
    fn the_readout_generators_are_the_assays_readouts() {
        let p = Parameters::default();
        let c = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 };
        let network = Network::new(&p, &c).unwrap();
        let y = [0.07, 21_000.0, 800.0, 9_000.0, 15_000.0, 1.1, 1.3, 0.2, 0.15];
        let mut env: HashMap<&str, f64> = network.parameters.iter().map(|q| (q.id, q.value)).collect();
        env.extend(SPECIES_OF_STATE.iter().copied().zip(y));
        let truth = Readouts::of(&p, &y);
        for r in readouts() {
            let expected = match r.id {
                "apoptosis_percent" => truth.apoptosis_percent,
                "cxcr4_mfi" => truth.cxcr4_mfi,
                "cxcl12_ng_per_ml" => truth.cxcl12_ng_per_ml,
                "bcl2" => truth.bcl2,
                "bax" => truth.bax,
                other => panic!("readout {other} has no counterpart"),
            };
            let got = r.expr.eval(&env).unwrap();
            assert!((got - expected).abs() <= 1e-12 * expected.abs(), "{}: {got} vs {expected}", r.id);
        }
    }

    #[test]
    fn one_task_per_group_with_its_doses() {
        let groups = [
            ("alone", Condition { msc: false, vcr_um: 0.0, amd_ug_per_ml: 0.0 }),
            ("co_vcr", Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 0.0 }),
        ];
        let s = to_sedml(&groups, "model.xml");
        assert_eq!(s.matches("<task ").count(), 2);
        assert!(s.contains("sbml:parameter[@id='vcr_um']/@value\" newValue=\"1\""));
        assert_eq!(s.matches("<curve ").count(), 2 * readouts().len());
    }
}
