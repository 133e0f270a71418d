//! Malformed files: each gives its typed error (never a panic, hang or huge allocation), and
//! the recoverable ones read under lenient options with a warning.
//!
//! `tests/malformed/` holds further files (fuzzer finds among them): each must not panic.

use niche_fcs as fcs;

/// An FCS file of `version` whose HEADER DATA offsets are `data_offsets` (None: computed).
fn build(version: &str, text: &str, data: &[u8], data_offsets: Option<(u64, u64)>) -> Vec<u8> {
    let text_start = 58u64;
    let text_end = text_start + text.len() as u64 - 1;
    let computed = (text_end + 1, text_end + data.len() as u64);
    let (ds, de) = data_offsets.unwrap_or(computed);
    let mut bytes = format!("FCS{version}    {text_start:>8}{text_end:>8}{ds:>8}{de:>8}{:>8}{:>8}", 0, 0).into_bytes();
    bytes.extend(text.as_bytes());
    bytes.extend(data);
    bytes
}

/// TEXT for `n` events of one I16 parameter, FCS 2.0 style.
fn text(tot: &str, extra: &str) -> String {
    format!("/$BYTEORD/1,2/$DATATYPE/I/$MODE/L/$PAR/1/$TOT/{tot}/$P1N/FL1/$P1B/16/$P1R/1024/$P1E/0,0/{extra}")
}

fn strict(bytes: Vec<u8>) -> fcs::Result<fcs::Fcs> {
    fcs::Reader::default().read_bytes(bytes)
}

fn lenient(bytes: Vec<u8>) -> fcs::Result<fcs::Fcs> {
    fcs::Reader::new(fcs::ReadOptions::lenient()).read_bytes(bytes)
}

#[test]
fn a_well_formed_baseline_reads() {
    let file = strict(build("2.0", &text("2", ""), &[1, 0, 2, 0], None)).unwrap();
    let raw = file.datasets[0].events::<f64>(fcs::Values::Raw).unwrap();
    assert_eq!(raw.column(0), &[1.0, 2.0]);
}

#[test]
fn header_faults() {
    assert!(matches!(strict(vec![]), Err(fcs::Error::TooShort { len: 0 })));
    assert!(matches!(strict(b"FCS3.1".to_vec()), Err(fcs::Error::TooShort { len: 6 })));
    let mut bytes = build("2.0", &text("2", ""), &[1, 0, 2, 0], None);
    bytes[0] = b'X';
    assert!(matches!(strict(bytes), Err(fcs::Error::BadMagic { .. })));
    let mut bytes = build("2.0", &text("2", ""), &[1, 0, 2, 0], None);
    bytes[12] = b'?';
    assert!(matches!(strict(bytes), Err(fcs::Error::InvalidHeaderField { .. })));
    // TEXT end past the end of the file
    let mut bytes = build("2.0", &text("2", ""), &[1, 0, 2, 0], None);
    bytes[18..26].copy_from_slice(b"  999999");
    assert!(matches!(strict(bytes), Err(fcs::Error::SegmentOutOfBounds { segment: fcs::SegmentKind::Text, .. })));
}

#[test]
fn implausible_counts_are_errors_not_allocations() {
    let err = strict(build("2.0", &text("1000000000000", ""), &[1, 0, 2, 0], None)).unwrap_err();
    assert!(matches!(err, fcs::Error::ImplausibleEventCount { tot: 1_000_000_000_000, .. }), "{err}");
    let huge_par = "/$BYTEORD/1,2/$DATATYPE/I/$MODE/L/$PAR/99999999999/$TOT/1/";
    assert!(strict(build("2.0", huge_par, &[1, 0], None)).is_err());
    // lenient keeps the whole events that are there
    let file = lenient(build("2.0", &text("1000000000000", ""), &[1, 0, 2, 0], None)).unwrap();
    assert_eq!(file.datasets[0].event_count, 2);
}

#[test]
fn keyword_faults() {
    let missing_tot = "/$BYTEORD/1,2/$DATATYPE/I/$MODE/L/$PAR/1/$P1N/FL1/$P1B/16/$P1R/1024/";
    assert!(
        matches!(strict(build("2.0", missing_tot, &[1, 0, 2, 0], None)), Err(fcs::Error::MissingKeyword { ref key }) if key == "$TOT")
    );
    let file = lenient(build("2.0", missing_tot, &[1, 0, 2, 0], None)).unwrap();
    assert_eq!(file.datasets[0].event_count, 2);
    assert!(matches!(file.datasets[0].warnings[0], fcs::Warning::MissingKeywordAssumed { .. }));

    let bad_type = text("2", "").replace("$DATATYPE/I", "$DATATYPE/X");
    assert!(matches!(strict(build("2.0", &bad_type, &[1, 0, 2, 0], None)), Err(fcs::Error::InvalidKeyword { .. })));
    let bad_bits = text("2", "").replace("$P1B/16", "$P1B/12");
    assert!(matches!(
        strict(build("2.0", &bad_bits, &[1, 0, 2, 0], None)),
        Err(fcs::Error::UnsupportedBitWidth { bits: 12, .. })
    ));
    let bad_order = text("2", "").replace("$BYTEORD/1,2", "$BYTEORD/1,1");
    assert!(strict(build("2.0", &bad_order, &[1, 0, 2, 0], None)).is_err());
    let bad_mode = text("2", "").replace("$MODE/L", "$MODE/C");
    assert!(matches!(strict(build("2.0", &bad_mode, &[1, 0, 2, 0], None)), Err(fcs::Error::UnsupportedMode { .. })));
    let bad_tot = text("two", "");
    assert!(matches!(strict(build("2.0", &bad_tot, &[1, 0, 2, 0], None)), Err(fcs::Error::InvalidKeyword { .. })));
}

#[test]
fn data_length_faults() {
    // one byte too many: tolerated by default, rejected by strict
    let file = strict(build("2.0", &text("2", ""), &[1, 0, 2, 0, 9], None)).unwrap();
    assert!(matches!(file.datasets[0].warnings[0], fcs::Warning::EnddataOffByOne { expected: 4 }));
    let err =
        fcs::Reader::new(fcs::ReadOptions::strict()).read_bytes(build("2.0", &text("2", ""), &[1, 0, 2, 0, 9], None));
    assert!(matches!(err, Err(fcs::Error::EnddataOffByOne { .. })));
    // trailing bytes
    let bytes = build("2.0", &text("2", ""), &[1, 0, 2, 0, 9, 9, 9], None);
    assert!(matches!(strict(bytes.clone()), Err(fcs::Error::TrailingDataBytes { expected: 4, found: 7 })));
    let file = lenient(bytes).unwrap();
    assert_eq!(file.datasets[0].events::<f64>(fcs::Values::Raw).unwrap().column(0), &[1.0, 2.0]);
    // too short
    let bytes = build("2.0", &text("3", ""), &[1, 0, 2, 0], None);
    assert!(matches!(strict(bytes.clone()), Err(fcs::Error::DataTooShort { tot: 3, .. })));
    assert_eq!(lenient(bytes).unwrap().datasets[0].event_count, 2);
    // DATA past the end of the file
    let bytes = build("2.0", &text("2", ""), &[1, 0, 2, 0], Some((62 + 120, 62 + 123)));
    assert!(strict(bytes).is_err());
}

#[test]
fn offset_faults_in_fcs3() {
    let data = [1u8, 0, 2, 0];
    let t = |begin: u64, end: u64| text("2", &format!("$BEGINDATA/{begin}/$ENDDATA/{end}/"));
    // compute where DATA lands for a TEXT of this length
    let probe = t(100, 103);
    let start = 58 + probe.len() as u64;
    let good = t(start, start + 3);
    assert_eq!(good.len(), probe.len());
    strict(build("3.1", &good, &data, None)).unwrap();
    // HEADER disagrees with TEXT
    let bytes = build("3.1", &good, &data, Some((start - 2, start + 3)));
    assert!(matches!(strict(bytes.clone()), Err(fcs::Error::OffsetMismatch { .. })));
    let file = lenient(bytes).unwrap();
    assert_eq!(file.datasets[0].data_range.start, start);
    // zero HEADER offsets in a small file: read by default, with a warning naming the offsets
    // that would have fit in the HEADER; only the strict options refuse it
    let bytes = build("3.1", &good, &data, Some((0, 0)));
    let strictest = fcs::Reader::new(fcs::ReadOptions::strict()).read_bytes(bytes.clone());
    assert!(matches!(strictest, Err(fcs::Error::ZeroHeaderOffsets { .. })));
    let file = strict(bytes.clone()).unwrap();
    let ds = &file.datasets[0];
    assert_eq!(ds.event_count, 2);
    assert_eq!(ds.data_range, start..start + 4);
    assert_eq!(ds.events::<f64>(fcs::Values::Raw).unwrap().column(0), &[1.0, 2.0]);
    assert_eq!(ds.warnings, vec![fcs::Warning::ZeroHeaderOffsets { start, end: start + 3 }]);
    assert!(ds.warnings[0].to_string().contains("8 digits"));
    assert_eq!(lenient(bytes).unwrap().datasets[0].event_count, 2);
    // missing $BEGINDATA in FCS 3.1
    let bytes = build("3.1", &text("2", ""), &data, None);
    assert!(matches!(strict(bytes.clone()), Err(fcs::Error::MissingKeyword { .. })));
    assert_eq!(lenient(bytes).unwrap().datasets[0].event_count, 2);
}

#[test]
fn header_and_text_without_data() {
    // a truncated download: HEADER and TEXT intact, DATA (and anything after it) gone
    let data = [1u8, 0, 2, 0];
    let t = |begin: u64, end: u64| text("2", &format!("$BEGINDATA/{begin}/$ENDDATA/{end}/"));
    let start = 58 + t(100, 103).len() as u64;
    let whole = build("3.1", &t(start, start + 3), &data, None);
    let cut = whole[..start as usize].to_vec();
    assert!(matches!(strict(cut.clone()), Err(fcs::Error::SegmentOutOfBounds { segment: fcs::SegmentKind::Data, .. })));
    let file = lenient(cut.clone()).unwrap();
    let ds = &file.datasets[0];
    assert_eq!(ds.event_count, 0);
    assert_eq!(ds.keywords.get("$P1N"), Some("FL1"));
    assert_eq!(ds.warnings, vec![fcs::Warning::DataMissing { start, end: start + 3, file_len: start }]);
    assert!(ds.warnings[0].to_string().contains("DATA is missing"));
    assert_eq!(ds.events::<f64>(fcs::Values::Raw).unwrap().n_events(), 0);
    // the same for FCS 2.0, where only the HEADER says where DATA is
    let whole = build("2.0", &text("2", ""), &data, None);
    let cut = whole[..whole.len() - data.len()].to_vec();
    let file = lenient(cut).unwrap();
    assert!(matches!(file.datasets[0].warnings[..], [fcs::Warning::DataMissing { .. }]));
}

#[test]
fn nextdata_loops_and_overruns_are_errors() {
    let looped = build("2.0", &text("2", "$NEXTDATA/0/"), &[1, 0, 2, 0], None);
    strict(looped).unwrap();
    // a data set that points at itself cannot be reached through $NEXTDATA = 0, so point past it
    let past = build("2.0", &text("2", "$NEXTDATA/999999/"), &[1, 0, 2, 0], None);
    assert!(matches!(strict(past), Err(fcs::Error::InvalidNextData { .. })));
    // two data sets where the second points back to the first
    let first_text = text("2", "$NEXTDATA/00000000/");
    let first = build("2.0", &first_text, &[1, 0, 2, 0], None);
    let second_offset = first.len();
    let mut file = build("2.0", &first_text.replace("00000000", &format!("{second_offset:08}")), &[1, 0, 2, 0], None);
    file.extend(build("2.0", &text("2", "$NEXTDATA/1/"), &[1, 0, 2, 0], None));
    // the second data set's $NEXTDATA = 1 lands inside the file but is not a HEADER
    assert!(strict(file).is_err());
}

#[test]
fn ascii_data_faults() {
    let t = "/$DATATYPE/A/$MODE/L/$PAR/2/$TOT/2/$P1N/A/$P1B/*/$P1R/1024/$P2N/B/$P2B/*/$P2R/1024/";
    let file = strict(build("2.0", t, b"1 2 3 4", None)).unwrap();
    assert_eq!(file.datasets[0].events::<f64>(fcs::Values::Raw).unwrap().column(1), &[2.0, 4.0]);
    let file = strict(build("2.0", t, b"1 2 x 4", None)).unwrap();
    assert!(matches!(file.datasets[0].events::<f64>(fcs::Values::Raw), Err(fcs::Error::InvalidAsciiValue { .. })));
    let file = strict(build("2.0", t, b"1 2 3 4 ", None)).unwrap();
    assert_eq!(file.datasets[0].event_count, 2);
    let tot_too_big = t.replace("$TOT/2", "$TOT/2000000");
    assert!(matches!(
        strict(build("2.0", &tot_too_big, b"1 2 3 4", None)),
        Err(fcs::Error::ImplausibleEventCount { .. })
    ));
}

#[test]
fn corpus_files_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        count += 1;
        let bytes = std::fs::read(&path).unwrap();
        for options in [fcs::ReadOptions::strict(), fcs::ReadOptions::default(), fcs::ReadOptions::lenient()] {
            if let Ok(file) = fcs::Reader::new(options).read_bytes(bytes.clone()) {
                for ds in &file.datasets {
                    let _ = ds.events::<f32>(fcs::Values::Scaled);
                    let _ = ds.spillover();
                }
            }
        }
    }
    assert!(count > 0, "the corpus is empty");
}
