//! Non-square Gating-ML spectrum matrices (more detectors than fluorochromes, unmixed by ordinary
//! least squares) and `matrix-inverted-already`, against numpy's `lstsq` and `pinv`
//! (`fixtures/make_spectrum_reference.py`).

use niche_cyto::{Sample, gatingml};
use niche_fcs as fcs;
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!("fixtures/spectrum_reference.json")).unwrap()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

/// A Gating-ML document with the reference matrix (as a spectrum, or already inverted) and a
/// rectangle gate on the compensated FITC and PE.
fn document(r: &Value, inverted: bool) -> String {
    let dims = |group: &str| {
        names(&r[group])
            .iter()
            .map(|n| format!(r#"<data-type:fcs-dimension data-type:name="{n}"/>"#))
            .collect::<String>()
    };
    let rows = r[if inverted { "unmixing" } else { "spectrum" }].as_array().unwrap();
    let rows: String = rows
        .iter()
        .map(|row| {
            let c: String =
                numbers(row).iter().map(|v| format!(r#"<transforms:coefficient transforms:value="{v:?}"/>"#)).collect();
            format!("<transforms:spectrum>{c}</transforms:spectrum>")
        })
        .collect();
    let attribute = if inverted { r#" transforms:matrix-inverted-already="true""# } else { "" };
    format!(
        r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating"
    xmlns:transforms="http://www.isac-net.org/std/Gating-ML/v2.0/transformations"
    xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <transforms:spectrumMatrix transforms:id="unmix"{attribute}>
    <transforms:fluorochromes>{}</transforms:fluorochromes>
    <transforms:detectors>{}</transforms:detectors>
    {rows}
  </transforms:spectrumMatrix>
  <gating:RectangleGate gating:id="FITCposPEneg">
    <gating:dimension gating:compensation-ref="unmix" gating:min="{:?}"><data-type:fcs-dimension data-type:name="FITC"/></gating:dimension>
    <gating:dimension gating:compensation-ref="unmix" gating:max="{:?}"><data-type:fcs-dimension data-type:name="PE"/></gating:dimension>
  </gating:RectangleGate>
</gating:Gating-ML>"#,
        dims("fluorochromes"),
        dims("detectors"),
        r["gate"]["FITC_min"].as_f64().unwrap(),
        r["gate"]["PE_max"].as_f64().unwrap(),
    )
}

fn sample(r: &Value) -> Sample {
    let rows: Vec<Vec<f64>> = r["events"].as_array().unwrap().iter().map(numbers).collect();
    let detectors = names(&r["detectors"]);
    let columns = (0..detectors.len()).map(|j| rows.iter().map(|row| row[j]).collect()).collect();
    Sample { id: "spectral".into(), events: fcs::Events::from_columns(detectors, columns).unwrap(), spillover: None }
}

#[test]
fn non_square_and_inverted_spectrum_matrices_match_numpy_lstsq() {
    let r = reference();
    let sample = sample(&r);
    let expected: Vec<Vec<f64>> = r["compensated"].as_array().unwrap().iter().map(numbers).collect();
    let inside: Vec<bool> = r["inside"].as_array().unwrap().iter().map(|v| v.as_u64() == Some(1)).collect();
    for inverted in [false, true] {
        let strategy = gatingml::parse(&document(&r, inverted)).unwrap();
        let comp = &strategy.compensations()[0];
        assert_eq!(comp.inverted_already(), inverted);
        assert_eq!((comp.fluorochromes.len(), comp.detectors.len()), (2, 3));
        let detectors: Vec<&[f64]> = comp.detectors.iter().map(|d| sample.channel(d).unwrap()).collect();
        let unmixed = comp.apply(&detectors);
        for (i, row) in expected.iter().enumerate() {
            for (k, &want) in row.iter().enumerate() {
                let got = unmixed[k][i];
                assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "event {i} dye {k}: {got} vs numpy {want}");
            }
        }
        let results = strategy.apply(&sample).unwrap();
        let population = results.population("FITCposPEneg").unwrap();
        assert_eq!(population.count, inside.iter().filter(|&&v| v).count());
        assert_eq!(population.membership, inside, "inverted = {inverted}");
        // the export reads back to the same matrix
        let back = gatingml::parse(&gatingml::write(&strategy)).unwrap();
        assert_eq!(back.compensations()[0].inverted_already(), inverted);
        back.compensations()[0].unmixing().iter().zip(comp.unmixing()).for_each(|(a, b)| assert_eq!(a, b));
    }
}

#[test]
fn malformed_spectrum_matrices_name_what_is_wrong() {
    let r = reference();
    // an inverted matrix must have one row per detector
    let xml = document(&r, false)
        .replace(r#"transforms:id="unmix""#, r#"transforms:id="unmix" transforms:matrix-inverted-already="true""#);
    let e = gatingml::parse(&xml).unwrap_err().to_string();
    assert!(e.contains("2 spectrum rows for 3 detectors"), "{e}");
    let xml = document(&r, true).replace(r#"matrix-inverted-already="true""#, r#"matrix-inverted-already="yes""#);
    let e = gatingml::parse(&xml).unwrap_err().to_string();
    assert!(e.contains("matrix-inverted-already"), "{e}");
    // a spectrum row with a coefficient missing
    let xml = document(&r, false).replacen(r#"<transforms:coefficient transforms:value="1.0"/>"#, "", 1);
    let e = gatingml::parse(&xml).unwrap_err().to_string();
    assert!(e.contains("2 coefficients for 3 detectors"), "{e}");
}
