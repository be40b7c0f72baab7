//! `khien hunt` and `khien rules check` as real processes: the JSON Lines keys scripts rely
//! on, damaged inputs skipped with a message, exit codes, and the linter's report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn khien(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_khien")).args(args).output().expect("run khien")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn sigma() -> PathBuf {
    std::env::var_os("KHIEN_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"))
        .join("sigma")
}

const SC_STOP: &str = "regression/rules/windows/process_creation/proc_creation_win_sc_stop_service";
const SC_STOP_ID: &str = "81bcb81b-5b1f-474b-b373-52c871aaa7b1";

fn write_rule(dir: &Path, name: &str, body: &str) {
    std::fs::write(dir.join(name), body).unwrap();
}

const GOOD_RULE: &str = "title: Sc Stop\nid: 11111111-1111-1111-1111-111111111111\nauthor: Khiên tests\nlevel: high\ntags: [attack.t1489]\nlogsource: {category: process_creation, product: windows}\ndetection:\n  sel:\n    Image|endswith: '\\sc.exe'\n    CommandLine|contains: ' stop '\n  condition: sel\n";

#[test]
fn hunt_jsonl_carries_the_keys_scripts_rely_on() {
    let sample = sigma().join(SC_STOP).join(format!("{SC_STOP_ID}.evtx"));
    let rules = tempfile::tempdir().unwrap();
    write_rule(rules.path(), "good.yml", GOOD_RULE);
    let o = khien(&["hunt", sample.to_str().unwrap(), "--rules", rules.path().to_str().unwrap(), "--jsonl"]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8(o.stdout.clone()).unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let d = &lines[0];
    for key in [
        "rule_id",
        "rule_title",
        "level",
        "timestamp",
        "computer",
        "channel",
        "event_id",
        "record_id",
        "file",
        "author",
        "tags",
        "fields",
    ] {
        assert!(d.get(key).is_some(), "missing {key}: {d}");
    }
    assert_eq!(d["rule_id"], "11111111-1111-1111-1111-111111111111");
    assert_eq!(d["level"], "high");
    assert_eq!(d["author"], "Khiên tests");
    assert_eq!(d["channel"], "Microsoft-Windows-Sysmon/Operational");
    assert_eq!(d["event_id"], 1);
    assert_eq!(d["computer"], "ar-win-1");
    assert!(d["record_id"].as_u64().is_some());
    assert!(d["fields"]["CommandLine"].as_str().unwrap().contains("stop"));
    // The summary is on stderr, never on stdout.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 detections"), "{err}");

    // CSV and the table carry the same detection.
    let o = khien(&["hunt", sample.to_str().unwrap(), "--rules", rules.path().to_str().unwrap(), "--csv"]);
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(csv.starts_with("timestamp,level,rule_title,rule_id,author"), "{csv}");
    assert_eq!(csv.lines().count(), 2);
    let o = khien(&["hunt", sample.to_str().unwrap(), "--rules", rules.path().to_str().unwrap()]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("== HIGH (1) ==") && table.contains("Sc Stop") && table.contains("by Khiên tests"),
        "{table}"
    );

    // Filters: a higher minimum level, and a time window before the event, report nothing.
    let o = khien(&[
        "hunt",
        sample.to_str().unwrap(),
        "--rules",
        rules.path().to_str().unwrap(),
        "--jsonl",
        "--min-level",
        "critical",
    ]);
    assert!(o.status.success() && o.stdout.is_empty(), "{}", text(&o));
    let o = khien(&[
        "hunt",
        sample.to_str().unwrap(),
        "--rules",
        rules.path().to_str().unwrap(),
        "--jsonl",
        "--to",
        "2020-01-01",
    ]);
    assert!(o.status.success() && o.stdout.is_empty(), "{}", text(&o));
}

#[test]
fn damaged_inputs_are_reported_and_the_hunt_goes_on() {
    let sample = sigma().join(SC_STOP).join(format!("{SC_STOP_ID}.evtx"));
    let bytes = std::fs::read(&sample).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.evtx"), &bytes).unwrap();
    std::fs::write(d.join("truncated.evtx"), &bytes[..bytes.len().min(4096 + 700)]).unwrap();
    std::fs::write(d.join("zeroed.evtx"), vec![0u8; 70_000]).unwrap();
    let mut bad_chunk = bytes.clone();
    if bad_chunk.len() > 4096 + 8 {
        bad_chunk[4096..4104].copy_from_slice(b"NotChunk");
    }
    std::fs::write(d.join("bad_chunk_header.evtx"), &bad_chunk).unwrap();
    std::fs::write(d.join("not_an_event.json"), "{\"hello\": \"world\"}\n[1, 2]\n").unwrap();
    std::fs::write(d.join("broken.jsonl"), "{\"winlog\": {\"channel\": \"Security\", \"event_id\": 4624}}\n{oops\n")
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &bytes).unwrap();
    std::fs::write(d.join("copy.evtx.gz"), gz.finish().unwrap()).unwrap();
    let rules = tempfile::tempdir().unwrap();
    write_rule(rules.path(), "good.yml", GOOD_RULE);
    let o =
        khien(&["hunt", d.to_str().unwrap(), "--rules", rules.path().to_str().unwrap(), "--jsonl", "--threads", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let files: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["file"].as_str().unwrap().to_string())
        .collect();
    assert!(files.iter().any(|f| f.ends_with("good.evtx")), "{stdout}");
    assert!(files.iter().any(|f| f.ends_with("copy.evtx.gz")), "{stdout}");
    let err = String::from_utf8_lossy(&o.stderr);
    for name in ["zeroed.evtx", "not_an_event.json", "broken.jsonl"] {
        assert!(err.contains(name), "no message names {name}:\n{err}");
    }
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn hunt_fails_without_rules_or_with_bad_arguments() {
    let sample = sigma().join(SC_STOP);
    let empty = tempfile::tempdir().unwrap();
    let o = khien(&["hunt", sample.to_str().unwrap(), "--rules", empty.path().to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("no rules"), "{}", text(&o));
    let o = khien(&["hunt", sample.to_str().unwrap(), "--rules", "/nonexistent/rules"]);
    assert!(!o.status.success());
    let o = khien(&["hunt", sample.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o =
        khien(&["hunt", sample.to_str().unwrap(), "--rules", empty.path().to_str().unwrap(), "--min-level", "severe"]);
    assert!(!o.status.success());
}

#[test]
fn rules_check_reports_loaded_unsupported_and_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_rule(d, "good.yml", GOOD_RULE);
    write_rule(d, "yaml_error.yml", "title: [unclosed\n");
    write_rule(
        d,
        "unknown_modifier.yml",
        "title: X\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|sortof: x\n  condition: sel\n",
    );
    write_rule(
        d,
        "missing_selection.yml",
        "title: X\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image: x\n  condition: sel and filter\n",
    );
    write_rule(
        d,
        "bad_regex.yml",
        "title: X\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|re: '(['\n  condition: sel\n",
    );
    write_rule(
        d,
        "placeholder.yml",
        "title: X\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|expand: '%admins%'\n  condition: sel\n",
    );
    let o = khien(&["rules", "check", d.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["loaded"], 1, "{r}");
    let invalid = r["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 4, "{r}");
    for o in invalid {
        assert!(o["file"].is_string() && o["reason"].is_string() && o["line"].is_u64(), "{o}");
    }
    let by_file = |name: &str| {
        invalid
            .iter()
            .find(|o| o["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not reported: {r}"))
    };
    assert!(by_file("unknown_modifier.yml")["reason"].as_str().unwrap().contains("sortof"));
    assert_eq!(by_file("unknown_modifier.yml")["line"], 5);
    assert!(by_file("missing_selection.yml")["reason"].as_str().unwrap().contains("filter"));
    assert!(by_file("yaml_error.yml")["reason"].as_str().unwrap().starts_with("YAML"));
    let unsupported = r["unsupported"].as_array().unwrap();
    assert_eq!(unsupported.len(), 1);
    assert!(unsupported[0]["reason"].as_str().unwrap().contains("%admins%"));

    // Placeholder values make the rule load.
    let ph = d.join("placeholders.yaml.txt");
    std::fs::write(&ph, "admins: [alice, bob]\n").unwrap();
    let o = khien(&[
        "rules",
        "check",
        d.join("placeholder.yml").to_str().unwrap(),
        "--placeholders",
        ph.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["loaded"], 1);

    // Rules for other logs are counted by reason.
    write_rule(
        d,
        "linux.yml",
        "title: L\nlogsource: {product: linux, category: process_creation}\ndetection:\n  s: {Image: x}\n  condition: s\n",
    );
    let o = khien(&["rules", "check", d.join("linux.yml").to_str().unwrap(), "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["not_for_windows_event_logs"], 1, "{r}");
    assert_eq!(r["not_for_windows_event_logs_by_reason"][0]["reason"], "product linux", "{r}");

    // Human output names file and line.
    let o = khien(&["rules", "check", d.join("unknown_modifier.yml").to_str().unwrap()]);
    assert!(text(&o).contains("unknown_modifier.yml:5: invalid: unknown modifier 'sortof'"), "{}", text(&o));
}
