//! COMBINE archives (OMEX 1.0): the SBML model ([`crate::sbml`]), the simulation experiment
//! ([`crate::sedml`]), `manifest.xml` and `metadata.rdf`, in a ZIP file with stored
//! (uncompressed) entries and fixed timestamps, so that the same model gives the same bytes.

use std::fmt::Write;

use crate::error::{Error, Result};
use crate::params::Parameters;
use crate::sbml::{CREATED, partial_escape};
use crate::sedml::{Group, to_sedml};

/// Archive paths.
pub const MODEL_FILE: &str = "model.xml";
/// The SED-ML file (the archive's master file).
pub const SEDML_FILE: &str = "simulation.sedml";

/// The archive for `groups`: the model with the first group's doses as its values, and one
/// SED-ML task per group. Errors when there is no group or a group id is not an XML id
/// (letters, digits, `_`, starting with a letter or `_`).
pub fn to_omex(p: &Parameters, groups: &[Group]) -> Result<Vec<u8>> {
    let Some((_, first)) = groups.first() else {
        return Err(Error::Input { reason: "no group to export".into() });
    };
    for (i, (id, _)) in groups.iter().enumerate() {
        let valid = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Error::Input {
                reason: format!("group {id:?}: an archive's task ids need letters, digits and '_' (not first a digit)"),
            });
        }
        if groups[..i].iter().any(|(other, _)| other == id) {
            return Err(Error::Input { reason: format!("group {id:?} appears twice") });
        }
    }
    let sbml = crate::sbml::to_sbml(p, first)?;
    let sedml = to_sedml(groups, MODEL_FILE);
    let entries =
        [("manifest.xml", manifest()), (MODEL_FILE, sbml), (SEDML_FILE, sedml), ("metadata.rdf", metadata(groups))];
    Ok(zip_stored(entries.iter().map(|(name, text)| (*name, text.as_bytes()))))
}

fn manifest() -> String {
    let spec = "http://identifiers.org/combine.specifications";
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<omexManifest xmlns=\"{spec}/omex-manifest\">\n  \
         <content location=\".\" format=\"{spec}/omex\"/>\n  \
         <content location=\"./manifest.xml\" format=\"{spec}/omex-manifest\"/>\n  \
         <content location=\"./{MODEL_FILE}\" format=\"{spec}/sbml.level-3.version-2\"/>\n  \
         <content location=\"./{SEDML_FILE}\" format=\"{spec}/sed-ml.level-1.version-3\" master=\"true\"/>\n  \
         <content location=\"./metadata.rdf\" format=\"{spec}/omex-metadata\"/>\n</omexManifest>\n"
    )
}

fn metadata(groups: &[Group]) -> String {
    let mut list = String::new();
    for (id, c) in groups {
        let _ = write!(
            list,
            "{id}: {}, vincristine {} µmol/L, AMD3100 {} µg/mL; ",
            if c.msc { "co-culture on MSCs" } else { "blasts alone" },
            c.vcr_um,
            c.amd_ug_per_ml
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:vCard=\"http://www.w3.org/2006/vcard/ns#\">\n  \
         <rdf:Description rdf:about=\".\">\n    <dcterms:title>niche: ALL-MSC co-culture under vincristine and \
         AMD3100</dcterms:title>\n    <dcterms:description>The calibrated niche model of primary R/R B-ALL blasts \
         co-cultured with umbilical-cord MSCs (Wang et al., OncoTargets and Therapy) and a 24 h simulation of each \
         group: {}</dcterms:description>\n    <dcterms:creator>\n      <rdf:Bag>\n        <rdf:li \
         rdf:parseType=\"Resource\">\n          <vCard:hasName rdf:parseType=\"Resource\">\n            \
         <vCard:family-name>niche</vCard:family-name>\n            <vCard:given-name>maintainers</vCard:given-name>\n          \
         </vCard:hasName>\n          <vCard:organization-name>niche project</vCard:organization-name>\n        \
         </rdf:li>\n      </rdf:Bag>\n    </dcterms:creator>\n    <dcterms:created rdf:parseType=\"Resource\">\n      \
         <dcterms:W3CDTF>{CREATED}</dcterms:W3CDTF>\n    </dcterms:created>\n    <dcterms:modified \
         rdf:parseType=\"Resource\">\n      <dcterms:W3CDTF>{CREATED}</dcterms:W3CDTF>\n    </dcterms:modified>\n  \
         </rdf:Description>\n</rdf:RDF>\n",
        partial_escape(list.trim_end_matches("; "))
    )
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as ZIP requires.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A ZIP file (APPNOTE 6.3) of stored entries, all dated [`CREATED`] (DOS time, 2026-11-27 00:00).
fn zip_stored<'a>(entries: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    const DOS_DATE: u16 = ((2026 - 1980) << 9) | (11 << 5) | 27;
    const DOS_TIME: u16 = 0;
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count: u16 = 0;
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let name_len = name.len() as u16;
        // local file header: signature, version needed 1.0, flags (bit 11: UTF-8 names),
        // method 0 (stored), time, date, crc, sizes, name length, extra length
        for field in [
            &0x0403_4b50u32.to_le_bytes()[..],
            &10u16.to_le_bytes(),
            &0x0800u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &DOS_TIME.to_le_bytes(),
            &DOS_DATE.to_le_bytes(),
            &crc.to_le_bytes(),
            &size.to_le_bytes(),
            &size.to_le_bytes(),
            &name_len.to_le_bytes(),
            &0u16.to_le_bytes(),
        ] {
            out.extend_from_slice(field);
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // central directory header: signature, version made by 2.0 (MS-DOS), version needed,
        // flags, method, time, date, crc, sizes, name/extra/comment lengths, disk 0, internal
        // and external attributes 0, offset of the local header
        for field in [
            &0x0201_4b50u32.to_le_bytes()[..],
            &20u16.to_le_bytes(),
            &10u16.to_le_bytes(),
            &0x0800u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &DOS_TIME.to_le_bytes(),
            &DOS_DATE.to_le_bytes(),
            &crc.to_le_bytes(),
            &size.to_le_bytes(),
            &size.to_le_bytes(),
            &name_len.to_le_bytes(),
            &0u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &0u32.to_le_bytes(),
            &offset.to_le_bytes(),
        ] {
            central.extend_from_slice(field);
        }
        central.extend_from_slice(name.as_bytes());
        count += 1;
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    // end of central directory: signature, disk numbers, entry counts, size, offset, comment length
    for field in [
        &0x0605_4b50u32.to_le_bytes()[..],
        &0u16.to_le_bytes(),
        &0u16.to_le_bytes(),
        &count.to_le_bytes(),
        &count.to_le_bytes(),
        &central_size.to_le_bytes(),
        &central_offset.to_le_bytes(),
        &0u16.to_le_bytes(),
    ] {
        out.extend_from_slice(field);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Condition;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn a_stored_zip_lists_its_entries_in_the_central_directory() {
        let zip = zip_stored([("a.txt", &b"hello"[..]), ("b/c.xml", &b"<x/>"[..])].into_iter());
        // first local header, then the data right after the name
        assert_eq!(&zip[..4], b"PK\x03\x04");
        assert_eq!(&zip[30..35], b"a.txt");
        assert_eq!(&zip[35..40], b"hello");
        let eocd = zip.len() - 22;
        assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([zip[eocd + 10], zip[eocd + 11]]), 2);
        let central = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
        assert_eq!(&zip[central..central + 4], b"PK\x01\x02");
        assert_eq!(&zip[central + 46..central + 51], b"a.txt");
    }

    #[test]
    fn archives_refuse_bad_group_ids_and_are_deterministic() {
        let p = Parameters::default();
        let c = Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 0.0 };
        assert!(to_omex(&p, &[]).is_err());
        assert!(to_omex(&p, &[("1a", c)]).is_err());
        assert!(to_omex(&p, &[("a", c), ("a", c)]).is_err());
        assert_eq!(to_omex(&p, &[("a", c)]).unwrap(), to_omex(&p, &[("a", c)]).unwrap());
    }
}
