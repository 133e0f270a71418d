//! Property tests: what the writer writes, the reader reads back to the same values and keywords,
//! over data types, widths, byte orders, versions and keyword sets.

use niche_fcs as fcs;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    version: fcs::Version,
    datatype: fcs::DataType,
    big_endian: bool,
    bits: Vec<u32>,
    columns: Vec<Vec<f64>>,
    keywords: Vec<(String, String)>,
}

fn value_strategy(datatype: fcs::DataType, bits: u32) -> BoxedStrategy<f64> {
    match datatype {
        fcs::DataType::Integer => {
            let max = if bits >= 53 { (1u64 << 53) - 1 } else { (1u64 << bits) - 1 };
            (0..=max).prop_map(|v| v as f64).boxed()
        }
        fcs::DataType::Float => any::<f32>().prop_filter("finite", |v| v.is_finite()).prop_map(|v| v as f64).boxed(),
        _ => any::<f64>().prop_filter("finite", |v| v.is_finite()).boxed(),
    }
}

fn case_strategy() -> impl Strategy<Value = Case> {
    let version = prop_oneof![
        Just(fcs::Version::Fcs2_0),
        Just(fcs::Version::Fcs3_0),
        Just(fcs::Version::Fcs3_1),
        Just(fcs::Version::Fcs3_2)
    ];
    let datatype = prop_oneof![Just(fcs::DataType::Integer), Just(fcs::DataType::Float), Just(fcs::DataType::Double)];
    (version, datatype, any::<bool>(), 1usize..6, 0usize..40)
        .prop_flat_map(|(version, datatype, big_endian, p, n)| {
            let bits = match datatype {
                fcs::DataType::Integer => prop::collection::vec((1u32..=8).prop_map(|b| b * 8), p).boxed(),
                fcs::DataType::Float => Just(vec![32; p]).boxed(),
                _ => Just(vec![64; p]).boxed(),
            };
            (Just(version), Just(datatype), Just(big_endian), bits, Just(n))
        })
        .prop_flat_map(|(version, datatype, big_endian, bits, n)| {
            let columns: Vec<_> = bits.iter().map(|&b| prop::collection::vec(value_strategy(datatype, b), n)).collect();
            let keywords = prop::collection::btree_map("X[A-Z0-9]{1,8}", "[a-zA-Z0-9 |,/\\\\é]{0,12}", 0..6)
                .prop_map(|m| m.into_iter().collect::<Vec<_>>());
            (Just(version), Just(datatype), Just(big_endian), Just(bits), columns, keywords).prop_map(
                |(version, datatype, big_endian, bits, columns, keywords)| Case {
                    version,
                    datatype,
                    big_endian,
                    bits,
                    columns,
                    keywords,
                },
            )
        })
}

fn parameters(case: &Case) -> Vec<fcs::Parameter> {
    case.bits
        .iter()
        .enumerate()
        .map(|(i, &bits)| fcs::Parameter {
            index: i + 1,
            name: format!("Ch{}-A", i + 1),
            label: (i % 2 == 0).then(|| format!("marker {i}")),
            bits: Some(bits),
            range: if bits < 64 { 2f64.powi(bits as i32) } else { 2f64.powi(64) },
            amplification: fcs::Amplification::LINEAR,
            gain: None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn write_then_read_returns_the_same_values_and_keywords(case in case_strategy()) {
        let params = parameters(&case);
        let names = params.iter().map(|p| p.name.clone()).collect();
        let events = fcs::Events::from_columns(names, case.columns.clone()).unwrap();
        let mut keywords = fcs::Keywords::new();
        for (k, v) in &case.keywords {
            keywords.insert(k.clone(), v.clone());
        }
        let mut bytes = Vec::new();
        fcs::Writer::new(case.version, case.datatype)
            .big_endian(case.big_endian)
            .write(&mut bytes, &params, &events, &keywords, None)
            .unwrap();

        let file = fcs::Reader::new(fcs::ReadOptions::strict()).read_bytes(bytes).unwrap();
        let ds = &file.datasets[0];
        prop_assert_eq!(ds.header.version, case.version);
        prop_assert!(ds.warnings.is_empty(), "{:?}", ds.warnings);
        prop_assert_eq!(&ds.parameters, &params);
        let raw = ds.events::<f64>(fcs::Values::Raw).unwrap();
        prop_assert_eq!(raw.n_events(), events.n_events());
        for (j, column) in case.columns.iter().enumerate() {
            prop_assert_eq!(raw.column(j), &column[..]);
        }
        for (k, v) in &case.keywords {
            let expected = if v.is_empty() { " " } else { v.as_str() };
            prop_assert_eq!(ds.keywords.get(k), Some(expected));
        }
    }

    #[test]
    fn any_byte_order_permutation_decodes_integers(values in prop::collection::vec(any::<u32>(), 1..20), perm in Just([1u8, 2, 3, 4]).prop_shuffle()) {
        // Build a 1-parameter I32 file by hand with $BYTEORD = perm.
        let order: Vec<String> = perm.iter().map(|b| b.to_string()).collect();
        let mut data = Vec::new();
        for v in &values {
            let le = v.to_le_bytes();
            for &significance in &perm {
                data.push(le[significance as usize - 1]);
            }
        }
        let text = format!(
            "/$BYTEORD/{}/$DATATYPE/I/$MODE/L/$NEXTDATA/0/$PAR/1/$TOT/{}/$P1N/A/$P1B/32/$P1R/4294967296/$P1E/0,0/",
            order.join(","),
            values.len()
        );
        let bytes = hand_made_fcs(&text, &data);
        let file = fcs::Reader::new(fcs::ReadOptions::strict()).read_bytes(bytes).unwrap();
        let raw = file.datasets[0].events::<f64>(fcs::Values::Raw).unwrap();
        let expected: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        prop_assert_eq!(raw.column(0), &expected[..]);
    }
}

/// An FCS 2.0 file from a TEXT segment and DATA bytes.
fn hand_made_fcs(text: &str, data: &[u8]) -> Vec<u8> {
    let text_start = 58;
    let text_end = text_start + text.len() - 1;
    let data_start = text_end + 1;
    let data_end = data_start + data.len() - 1;
    let mut bytes =
        format!("FCS2.0    {text_start:>8}{text_end:>8}{data_start:>8}{data_end:>8}{:>8}{:>8}", 0, 0).into_bytes();
    bytes.extend(text.as_bytes());
    bytes.extend(data);
    bytes
}
