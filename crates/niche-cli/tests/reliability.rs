//! Reliability of the `niche` binary as a user meets it: one readable error per failure, hostile
//! files refused within seconds and under 1 GiB, outputs that appear whole or not at all when a run
//! is killed, and inputs never modified.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_niche")
}

fn niche(args: &[&str], dir: &Path) -> Output {
    Command::new(bin()).args(args).current_dir(dir).output().expect("niche runs")
}

/// Runs niche under a 1 GiB address-space limit (`ulimit -v`), killed after `seconds`.
fn niche_limited(args: &[&str], dir: &Path, seconds: u64) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(bin())
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(seconds) {
            let _ = child.kill();
            panic!("niche {args:?} ran longer than {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().expect("output"), start.elapsed())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failure as users must see it: exit code 1 and one line `error: …` in which no cause repeats.
fn assert_one_error(o: &Output, what: &str) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{what}: exit {:?}, stderr {err}", o.status);
    assert_eq!(err.lines().count(), 1, "{what}: not one line: {err}");
    assert!(err.starts_with("error: "), "{what}: {err}");
    let parts: Vec<&str> = err.trim_end().split(": ").collect();
    for (i, a) in parts.iter().enumerate() {
        for b in &parts[i + 1..] {
            assert!(a.len() < 8 || !b.contains(a), "{what}: the cause {a:?} is printed twice: {err}");
        }
    }
    err.trim_end().to_string()
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../niche-fcs/tests/data/niche_demo.fcs").canonicalize().unwrap()
}

/// A minimal FCS 3.1 file with one float parameter and the given `$TOT` and `$P1B` text.
fn fcs_with(tot: &str, bits: &str, events: &[f32]) -> Vec<u8> {
    let data: Vec<u8> = events.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut text_len = 0;
    loop {
        let (ds, de) = (58 + text_len, 58 + text_len + data.len().max(1) - 1);
        let text = format!(
            "/$BEGINANALYSIS/0/$ENDANALYSIS/0/$BEGINSTEXT/0/$ENDSTEXT/0/$BEGINDATA/{ds}/$ENDDATA/{de}/$BYTEORD/1,2,3,4/$DATATYPE/F/$MODE/L/$NEXTDATA/0/$PAR/1/$TOT/{tot}/$P1B/{bits}/$P1E/0,0/$P1N/FSC-A/$P1R/262144/"
        );
        if text.len() == text_len {
            let header = format!("FCS3.1    {:>8}{:>8}{:>8}{:>8}{:>8}{:>8}", 58, 57 + text_len, ds, de, 0, 0);
            return [header.as_bytes(), text.as_bytes(), &data].concat();
        }
        text_len = text.len();
    }
}

/// One little-endian TIFF IFD claiming `width` × `height` 16-bit grey pixels and holding none.
fn tiff_claiming(width: u32, height: u32) -> Vec<u8> {
    let entries: [(u16, u16, u32); 8] = [
        (256, 4, width),
        (257, 4, height),
        (258, 3, 16),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 8 + 2 + 8 * 12 + 4),
        (278, 4, height),
        (279, 4, u32::MAX),
    ];
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        if kind == 3 {
            out.extend((value as u16).to_le_bytes());
            out.extend([0, 0]);
        } else {
            out.extend(value.to_le_bytes());
        }
    }
    out.extend(0u32.to_le_bytes());
    out.extend([0u8; 64]);
    out
}

const BLOT_LAYOUT: &str = "radius = 4\nloading_control = \"a\"\nreference = \"g\"\n[[lanes]]\ngroup = \"g\"\n[[targets]]\nname = \"a\"\n[[targets]]\nname = \"b\"\n";
const PLATE_LAYOUT: &str =
    "blanks = [\"A1\"]\n[standards]\nB1 = 1.0\nB2 = 2.0\nB3 = 4.0\nB4 = 8.0\nB5 = 16.0\n[samples]\ns = [\"C1\"]\n";

#[test]
fn hostile_files_end_in_one_clear_line_within_seconds_and_1_gib() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fcs = demo();
    let fcs = fcs.to_str().unwrap();
    let n = 200_000;
    std::fs::write(dir.join("deep.xml"), format!("{}{}", "<a>".repeat(n), "</a>".repeat(n))).unwrap();
    let lol = (1..=9).map(|i| format!("<!ENTITY l{i} \"{}\">", format!("&l{};", i - 1).repeat(10))).collect::<String>();
    std::fs::write(
        dir.join("laughs.xml"),
        format!("<?xml version=\"1.0\"?><!DOCTYPE g [<!ENTITY l0 \"lol\">{lol}]><Gating-ML>&l9;</Gating-ML>"),
    )
    .unwrap();
    std::fs::write(dir.join("huge.tif"), tiff_claiming(200_000, 200_000)).unwrap();
    std::fs::write(dir.join("blot.toml"), BLOT_LAYOUT).unwrap();
    std::fs::write(dir.join("wide.csv"), ",".repeat(2_000_000)).unwrap();
    std::fs::write(dir.join("layout.toml"), PLATE_LAYOUT).unwrap();
    std::fs::write(dir.join("wide_table.csv"), format!("group,value\n{}", ",".repeat(40_000_000))).unwrap();
    std::fs::write(dir.join("tot.fcs"), fcs_with("18446744073709551616", "32", &[1.0])).unwrap();
    std::fs::write(dir.join("tot_big.fcs"), fcs_with("4000000000000", "32", &[1.0])).unwrap();
    std::fs::write(dir.join("bits.fcs"), fcs_with("1", "4294967328", &[1.0])).unwrap();
    std::fs::write(dir.join("deep.toml"), format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000))).unwrap();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("deep Gating-ML", vec!["gate", "--gatingml", "deep.xml", fcs]),
        ("deep workspace", vec!["wsp", "info", "deep.xml"]),
        ("entity expansion", vec!["gate", "--gatingml", "laughs.xml", fcs]),
        ("entity expansion in a workspace", vec!["wsp", "info", "laughs.xml"]),
        ("a TIFF of 200,000 × 200,000 pixels", vec!["blot", "quantify", "huge.tif", "--layout", "blot.toml"]),
        ("a plate line of two million fields", vec!["elisa", "fit", "wide.csv", "--layout", "layout.toml"]),
        ("$TOT beyond u64", vec!["fcs", "info", "tot.fcs"]),
        ("$TOT beyond the file", vec!["fcs", "info", "tot_big.fcs"]),
        ("$PnB beyond u32", vec!["fcs", "info", "bits.fcs"]),
        ("a CSV table of 40 million empty fields", vec!["stats", "compare", "--test", "student", "wide_table.csv"]),
        ("deeply nested TOML", vec!["lab", "run", "--study", "deep.toml", "-o", "out"]),
        ("deeply nested study TOML", vec!["analyze", "deep.toml"]),
    ];
    for (what, args) in cases {
        let (o, took) = niche_limited(&args, dir, 20);
        let err = assert_one_error(&o, what);
        assert!(took < Duration::from_secs(10), "{what}: {took:?}");
        eprintln!("{what}: {err} ({took:.1?})");
    }
}

#[test]
fn an_fcs_file_truncated_at_every_segment_boundary_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(demo()).unwrap();
    let field = |i: usize| String::from_utf8_lossy(&bytes[10 + 8 * i..18 + 8 * i]).trim().parse::<usize>().unwrap();
    let (text_start, text_end, data_start, data_end) = (field(0), field(1), field(2), field(3));
    let cuts = [0, 6, 10, 57, 58, text_start + 1, text_end, text_end + 1, data_start, data_start + 1, data_end];
    for cut in cuts.into_iter().filter(|&c| c < bytes.len()) {
        std::fs::write(tmp.path().join("cut.fcs"), &bytes[..cut]).unwrap();
        let (o, _) = niche_limited(&["fcs", "info", "cut.fcs"], tmp.path(), 20);
        let err = assert_one_error(&o, &format!("cut at byte {cut}"));
        assert!(err.contains("cut.fcs"), "{err}");
    }
}

/// One typical error of each command, pinned: the file, what went wrong, each cause once.
#[test]
fn one_error_per_command_reads_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("bad.toml"), "groups = [\n").unwrap();
    std::fs::write(dir.join("bad.xml"), "<Gating-ML><x").unwrap();
    std::fs::write(dir.join("bad.csv"), "not a plate\n").unwrap();
    std::fs::write(dir.join("layout.toml"), PLATE_LAYOUT).unwrap();
    std::fs::write(dir.join("blot.toml"), BLOT_LAYOUT).unwrap();
    std::fs::write(dir.join("bad.tif"), b"II*\0garbage").unwrap();
    std::fs::write(dir.join("short.fcs"), b"FCS3.1  ").unwrap();
    std::fs::write(dir.join("groups.csv"), "group,value\na,1\n").unwrap();
    std::fs::create_dir(dir.join("full")).unwrap();
    std::fs::write(dir.join("full/notes.txt"), "mine").unwrap();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("fcs info", vec!["fcs", "info", "missing.fcs"]),
        ("fcs export", vec!["fcs", "export", "short.fcs"]),
        ("gate", vec!["gate", "--gatingml", "bad.xml", "short.fcs"]),
        ("wsp info", vec!["wsp", "info", "bad.xml"]),
        ("comp", vec!["comp", "--unstained", "missing.fcs", "short.fcs"]),
        ("elisa fit", vec!["elisa", "fit", "bad.csv", "--layout", "layout.toml"]),
        ("blot quantify", vec!["blot", "quantify", "bad.tif", "--layout", "blot.toml"]),
        ("lab run", vec!["lab", "run", "--study", "bad.toml", "-o", "out"]),
        ("lab run into a folder of the user's", vec!["lab", "run", "-o", "full", "--force"]),
        ("analyze", vec!["analyze", "bad.toml"]),
        ("reproduce", vec!["reproduce", "-o", "full"]),
        ("stats compare", vec!["stats", "compare", "--test", "student", "groups.csv"]),
        ("model scan", vec!["model", "scan", "--vcr=-1", "--amd", "0"]),
        ("merge", vec!["merge", "bad.toml", "-o", "merged.csv"]),
    ];
    let mut rendered = String::new();
    for (what, args) in cases {
        let o = niche(&args, dir);
        let err = assert_one_error(&o, what);
        rendered.push_str(&format!("{what}\n    {}\n", err.replace(dir.to_str().unwrap(), "TMP")));
    }
    insta::assert_snapshot!(rendered);
}

/// Every file under `dir` with its bytes, sorted.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn no_command_modifies_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = niche(&["reproduce", "--events", "300", "--repeats", "0", "--no-validate", "-o", "rep"], dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let raw = dir.join("rep/raw");
    std::fs::copy(demo(), raw.join("demo.fcs")).unwrap();
    let gating = Path::new(env!("CARGO_MANIFEST_DIR")).join("../niche-cyto/strategies/seed_flow.xml");
    std::fs::copy(gating, raw.join("gates.xml")).unwrap();
    let before = contents(&raw);
    let flow = "flow/coculture_r1_cxcr4.fcs";
    let runs: Vec<Vec<&str>> = vec![
        vec!["fcs", "info", flow],
        vec!["fcs", "export", flow, "--format", "csv"],
        vec!["gate", "--gatingml", "gates.xml", flow, "--membership", "../members"],
        vec!["comp", "--unstained", "flow/coculture_r1_isotype.fcs", flow],
        vec!["elisa", "fit", "elisa/cxcl12_plate.csv", "--layout", "elisa/cxcl12_layout.toml"],
        vec!["blot", "quantify", "blot/blot_1.tif", "--layout", "blot/blot_1_layout.toml"],
        vec!["analyze", "study.toml", "-o", "../analysis"],
        vec!["analyze", "study.toml", "-o", "../analysis", "--force"],
    ];
    for args in runs {
        let o = niche(&args, &raw);
        // some of these fail on purpose (comp with one stained tube may); none may write an input
        let _ = o.status;
        assert_eq!(contents(&raw), before, "niche {args:?} changed its inputs");
    }
    assert!(dir.join("rep/analysis/report.html").is_file());
}

/// Kills `args` at `after` and checks that `out` is absent or a complete output (`complete` files).
fn kill_and_check(dir: &Path, args: &[&str], after: Duration, out: &Path, complete: &[(PathBuf, Vec<u8>)]) {
    let mut child =
        Command::new(bin()).args(args).current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
    if out.exists() {
        let names: Vec<PathBuf> = contents(out).into_iter().map(|(p, _)| p).collect();
        let expected: Vec<PathBuf> = complete.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(names, expected, "killed after {after:?}: {} holds a partial output", out.display());
    }
}

#[test]
fn a_run_killed_at_any_moment_leaves_nothing_or_a_complete_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // reference runs, timed
    let start = Instant::now();
    let lab = ["lab", "run", "--events", "2000", "-o", "lab"];
    assert!(niche(&lab, dir).status.success());
    let lab_time = start.elapsed();
    let lab_files = contents(&dir.join("lab"));
    let start = Instant::now();
    let rep = ["reproduce", "--events", "500", "--repeats", "1", "--no-validate", "-o", "rep"];
    let o = niche(&rep, dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let rep_time = start.elapsed();
    let rep_files = contents(&dir.join("rep"));
    std::fs::rename(dir.join("lab"), dir.join("lab_ref")).unwrap();
    std::fs::rename(dir.join("rep"), dir.join("rep_ref")).unwrap();

    // pseudo-random kill times across each run's duration (xorshift, fixed seed: repeatable)
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut fraction = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 1000) as f64 / 1000.0
    };
    for _ in 0..6 {
        kill_and_check(dir, &lab, lab_time.mul_f64(fraction()), &dir.join("lab"), &lab_files);
    }
    for _ in 0..4 {
        kill_and_check(dir, &rep, rep_time.mul_f64(fraction()), &dir.join("rep"), &rep_files);
    }
    // with --force over a previous output: the old output or the new one, never a mix
    std::fs::remove_dir_all(dir.join("rep")).ok();
    std::fs::rename(dir.join("rep_ref"), dir.join("rep")).unwrap();
    let forced = ["reproduce", "--events", "500", "--repeats", "1", "--no-validate", "-o", "rep", "--force"];
    for _ in 0..3 {
        kill_and_check(dir, &forced, rep_time.mul_f64(fraction()), &dir.join("rep"), &rep_files);
        assert!(dir.join("rep/provenance.json").is_file(), "the previous output is gone");
    }
    // nothing is left beside the outputs once a later run has finished
    assert!(niche(&lab, dir).status.success() || dir.join("lab").exists());
    let debris: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-"))
        .filter(|n| !n.starts_with(".rep."))
        .collect();
    assert!(debris.is_empty(), "staging directories left: {debris:?}");
}
