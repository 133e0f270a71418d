//! SBML Level 3 Version 2 export of [`crate::network`]: compartments with sizes, species with
//! MIRIAM annotations (UniProt), reactions with kinetic laws, the drugs as boundary species at
//! their doses, parameters with units and sources, SBO terms and a model history. The units are
//! consistent (libsbml's unit checks pass) and every parameter carries its `params.rs` unit.
//! libRoadRunner and COPASI simulate it to niche's trajectories (`tests/sbml_roadrunner.rs`).

use std::fmt::Write;

use crate::condition::Condition;
use crate::error::Result;
use crate::expr::Expr;
use crate::network::{Annotation, Network, UNIT_DEFINITIONS};
use crate::params::Parameters;

/// The model's id in SBML, SED-ML and the archive.
pub const MODEL_ID: &str = "niche_coculture";
/// Creation date of the model history: fixed, so that the export is deterministic.
pub const CREATED: &str = "2026-11-27T00:00:00Z";

const SBML_NS: &str = "http://www.sbml.org/sbml/level3/version2/core";
const MATHML: &str = "<math xmlns=\"http://www.w3.org/1998/Math/MathML\" \
                      xmlns:sbml=\"http://www.sbml.org/sbml/level3/version2/core\">";

/// The model for `condition` as an SBML L3V2 document.
pub fn to_sbml(p: &Parameters, condition: &Condition) -> Result<String> {
    Ok(write_network(&Network::new(p, condition)?))
}

/// Writes a network.
pub fn write_network(n: &Network) -> String {
    let mut s = String::new();
    let _ =
        writeln!(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sbml xmlns=\"{SBML_NS}\" level=\"3\" version=\"2\">");
    let _ = writeln!(
        s,
        "  <model metaid=\"meta_{MODEL_ID}\" id=\"{MODEL_ID}\" name=\"ALL-MSC co-culture under vincristine and AMD3100 \
         (niche)\" sboTerm=\"SBO:0000293\" substanceUnits=\"nmol\" timeUnits=\"hour\" volumeUnits=\"litre\" \
         extentUnits=\"nmol\">"
    );
    s.push_str(
        "    <notes><body xmlns=\"http://www.w3.org/1999/xhtml\"><p>niche-model: CXCL12 secretion by \
         umbilical-cord MSCs, CXCR4 binding, internalisation and antagonism by AMD3100, Bcl-2/Bax balance and \
         apoptosis of primary relapsed/refractory B-ALL blasts under vincristine (Wang et al., OncoTargets and \
         Therapy). Time in hours, substance in nmol. The compartment blasts counts the well's blasts in nmol of \
         cells, so that a concentration there is an amount per cell: receptors per cell, Bcl-2 and Bax relative to \
         an unstimulated blast, the fraction of cells apoptotic. Doses are the parameters vcr_um (µmol/L), \
         amd_ug_per_ml (µg/mL) and msc (1: co-culture). Exported by `niche model export-sbml`; the same \
         equations as niche's solver (crates/niche-model/src/ode.rs).</p></body></notes>\n",
    );
    let _ = writeln!(s, "    <annotation>{}</annotation>", model_rdf());
    s.push_str("    <listOfUnitDefinitions>\n");
    for (id, name, units) in UNIT_DEFINITIONS {
        let _ = write!(s, "      <unitDefinition id=\"{id}\" name=\"{}\"><listOfUnits>", escape(name));
        for (kind, exponent, scale, multiplier) in units {
            let _ = write!(
                s,
                "<unit kind=\"{kind}\" exponent=\"{exponent}\" scale=\"{scale}\" multiplier=\"{multiplier}\"/>"
            );
        }
        s.push_str("</listOfUnits></unitDefinition>\n");
    }
    s.push_str("    </listOfUnitDefinitions>\n    <listOfCompartments>\n");
    for c in &n.compartments {
        let _ = writeln!(
            s,
            "      <compartment metaid=\"meta_{id}\" id=\"{id}\" name=\"{}\" sboTerm=\"SBO:0000290\"{} \
             size=\"{:e}\" units=\"{}\" constant=\"true\">{}</compartment>",
            c.name,
            c.dimensions.map(|d| format!(" spatialDimensions=\"{d}\"")).unwrap_or_default(),
            c.size,
            c.units,
            notes(c.note),
            id = c.id
        );
    }
    s.push_str("    </listOfCompartments>\n    <listOfSpecies>\n");
    for sp in &n.species {
        let _ = writeln!(
            s,
            "      <species metaid=\"meta_{id}\" id=\"{id}\" name=\"{}\" sboTerm=\"SBO:{:07}\" compartment=\"{}\" \
             initialConcentration=\"{:e}\" substanceUnits=\"nmol\" hasOnlySubstanceUnits=\"false\" \
             boundaryCondition=\"{c}\" constant=\"{c}\">{}{}</species>",
            escape(sp.name),
            sp.sbo,
            sp.compartment,
            sp.initial,
            notes(sp.note),
            annotation(sp.id, sp.annotation),
            id = sp.id,
            c = sp.constant
        );
    }
    s.push_str("    </listOfSpecies>\n    <listOfParameters>\n");
    for q in &n.parameters {
        let _ = writeln!(
            s,
            "      <parameter metaid=\"meta_{id}\" id=\"{id}\" sboTerm=\"SBO:{:07}\" value=\"{:e}\" units=\"{}\" \
             constant=\"{}\">{}{}</parameter>",
            q.sbo,
            q.value,
            q.units,
            q.constant,
            notes(&q.note),
            annotation(q.id, q.annotation),
            id = q.id
        );
    }
    s.push_str("    </listOfParameters>\n    <listOfInitialAssignments>\n");
    for (symbol, e) in &n.initial_assignments {
        let _ = writeln!(s, "      <initialAssignment symbol=\"{symbol}\">{}</initialAssignment>", math(e));
    }
    s.push_str("    </listOfInitialAssignments>\n    <listOfRules>\n");
    for (variable, e) in &n.assignment_rules {
        let _ = writeln!(s, "      <assignmentRule variable=\"{variable}\">{}</assignmentRule>", math(e));
    }
    s.push_str("    </listOfRules>\n    <listOfReactions>\n");
    for r in &n.reactions {
        let _ = writeln!(
            s,
            "      <reaction metaid=\"meta_{id}\" id=\"{id}\" name=\"{}\" sboTerm=\"SBO:{:07}\" reversible=\"{}\">",
            escape(r.name),
            r.sbo,
            r.reversible,
            id = r.id
        );
        for (list, role, species) in [("listOfReactants", 10, r.reactants), ("listOfProducts", 11, r.products)] {
            if species.is_empty() {
                continue;
            }
            let _ = write!(s, "        <{list}>");
            for sp in species {
                let _ = write!(
                    s,
                    "<speciesReference species=\"{sp}\" sboTerm=\"SBO:{role:07}\" stoichiometry=\"1\" constant=\"true\"/>"
                );
            }
            let _ = writeln!(s, "</{list}>");
        }
        if !r.modifiers.is_empty() {
            s.push_str("        <listOfModifiers>");
            for sp in r.modifiers {
                let _ = write!(s, "<modifierSpeciesReference species=\"{sp}\" sboTerm=\"SBO:0000019\"/>");
            }
            s.push_str("</listOfModifiers>\n");
        }
        let _ = writeln!(s, "        <kineticLaw sboTerm=\"SBO:{:07}\">{}</kineticLaw>", r.law_sbo, math(&r.law));
        s.push_str("      </reaction>\n");
    }
    s.push_str("    </listOfReactions>\n  </model>\n</sbml>\n");
    s
}

fn math(e: &Expr) -> String {
    let mut s = String::from(MATHML);
    e.mathml(&mut s);
    s.push_str("</math>");
    s
}

fn notes(text: &str) -> String {
    format!("<notes><body xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p></body></notes>", partial_escape(text))
}

const RDF_OPEN: &str = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
                        xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:vCard4=\"http://www.w3.org/2006/vcard/ns#\" \
                        xmlns:bqbiol=\"http://biomodels.net/biology-qualifiers/\" \
                        xmlns:bqmodel=\"http://biomodels.net/model-qualifiers/\">";

/// MIRIAM annotation of the element with metaid `meta_<id>`, grouped by qualifier.
fn annotation(id: &str, terms: Annotation) -> String {
    if terms.is_empty() {
        return String::new();
    }
    let mut s = format!("<annotation>{RDF_OPEN}<rdf:Description rdf:about=\"#meta_{id}\">");
    s.push_str(&qualifiers(terms));
    s.push_str("</rdf:Description></rdf:RDF></annotation>");
    s
}

fn qualifiers(terms: Annotation) -> String {
    let mut s = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for (qualifier, _) in terms {
        if seen.contains(qualifier) {
            continue;
        }
        seen.push(qualifier);
        let _ = write!(s, "<{qualifier}><rdf:Bag>");
        for (_, uri) in terms.iter().filter(|(q, _)| q == qualifier) {
            let _ = write!(s, "<rdf:li rdf:resource=\"{uri}\"/>");
        }
        let _ = write!(s, "</rdf:Bag></{qualifier}>");
    }
    s
}

/// The model's history (creator, fixed dates) and provenance.
fn model_rdf() -> String {
    format!(
        "{RDF_OPEN}<rdf:Description rdf:about=\"#meta_{MODEL_ID}\"><dcterms:creator><rdf:Bag><rdf:li \
         rdf:parseType=\"Resource\"><vCard4:hasName rdf:parseType=\"Resource\"><vCard4:family-name>niche\
         </vCard4:family-name><vCard4:given-name>maintainers</vCard4:given-name></vCard4:hasName>\
         <vCard4:organization-name>niche project</vCard4:organization-name></rdf:li></rdf:Bag></dcterms:creator>\
         <dcterms:created rdf:parseType=\"Resource\"><dcterms:W3CDTF>{CREATED}</dcterms:W3CDTF></dcterms:created>\
         <dcterms:modified rdf:parseType=\"Resource\"><dcterms:W3CDTF>{CREATED}</dcterms:W3CDTF></dcterms:modified>\
         {}</rdf:Description></rdf:RDF>",
        qualifiers(&[("bqmodel:isDerivedFrom", crate::network::COGGINS_2014)])
    )
}

/// XML escaping: `escape` for attribute values (`&`, `<`, `>`, `"` and `'` as entities),
/// `partial_escape` for element content (`&`, `<` and `>`).
pub(crate) use quick_xml::escape::{escape, partial_escape};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_is_deterministic_and_names_every_reaction() {
        let p = Parameters::default();
        let c = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 };
        let a = to_sbml(&p, &c).unwrap();
        assert_eq!(a, to_sbml(&p, &c).unwrap());
        for id in ["cxcl12_binding", "amd3100_binding", "early_to_late", "uniprot:P61073", "uniprot:Q07812"] {
            assert!(a.contains(id), "{id}");
        }
    }
}
