//! The Nuclei parser on the sample reports of `shared/testdata/scans/nuclei/` (JSON Lines and
//! JSON array), with values taken from the files, and on malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, nuclei};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/nuclei").join(name)
}

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = nuclei::parse(BufReader::new(f), &mut |x| out.push(x)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(n, out.len());
    out
}

fn parse_str(s: &str) -> Result<Vec<Finding>, ParseError> {
    parse_bytes(s.as_bytes())
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    let n = nuclei::parse(s, &mut |x| out.push(x))?;
    assert_eq!(n, out.len());
    Ok(out)
}

const SAMPLES: [&str; 7] = [
    "empty.jsonl",
    "no_findings.json",
    "invalid_cwe.json",
    "issue_9201.json",
    "many_findings_new.json",
    "many_findings_third.json",
    "multi_cwe_fabricated.json",
];

#[test]
fn empty_files_have_no_findings() {
    assert!(parse_file("empty.jsonl").is_empty());
    assert!(parse_file("no_findings.json").is_empty());
    assert!(parse_str("\n  \n").unwrap().is_empty());
    assert!(parse_str("[]").unwrap().is_empty());
}

#[test]
fn jsonl_new_field_names() {
    let v = parse_file("many_findings_new.json");
    assert_eq!(v.len(), 2);
    let f = &v[0];
    assert_eq!(f.format, "nuclei");
    assert_eq!(f.title, "OpenSSH Username Enumeration v7.7");
    assert_eq!(f.rule_id, "CVE-2018-15473");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.cvss_score, Some(5.3));
    assert_eq!(f.cvss_vector, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N");
    assert_eq!(f.cves, ["CVE-2018-15473"]);
    assert_eq!(f.cwes, [362]);
    assert_eq!(f.host, "nuclei-example.com");
    assert_eq!(f.ip, "127.0.0.1");
    assert_eq!(f.port, Some(22));
    assert_eq!(f.url, "");
    assert_eq!(f.location, "nuclei-example.com:22");
    assert_eq!(f.protocol, "network");
    assert!(f.description.starts_with("OpenSSH through 7.7 is prone to a user enumeration"));
    assert_eq!(f.references, ["https://nvd.nist.gov/vuln/detail/cve-2018-15473"]);
    assert_eq!(f.evidence, "extracted-results: SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7");
    assert_eq!(f.scan_time, Some(1647827011)); // 2022-03-20T22:43:31.231312071-03:00
    let f = &v[1];
    assert_eq!((f.title.as_str(), f.rule_id.as_str()), ("Exposed Prometheus metrics", "prometheus-metrics"));
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.url, "https://nuclei-example.com/metrics");
    assert_eq!((f.protocol.as_str(), f.port), ("http", None));
    assert_eq!(f.references, ["https://github.com/prometheus/prometheus", "https://hackerone.com/reports/1026196"]);
    assert!(f.evidence.starts_with("curl-command: curl -X 'GET'"), "{}", f.evidence);
    assert!(f.cves.is_empty() && f.cvss_score.is_none());
}

#[test]
fn jsonl_third_and_single_line() {
    let v = parse_file("many_findings_third.json");
    assert_eq!(v.len(), 2);
    assert!(v.iter().all(|f| f.severity == Severity::Info));
    assert_eq!(v[0].title, "HTTP Missing Security Headers");
    assert_eq!(v[0].rule_id, "http-missing-security-headers");
    assert_eq!(v[0].url, "https://example.com");
    assert!(v[0].references.is_empty(), "reference: null");
    assert!(v[0].evidence.starts_with("matcher-name: x-content-type-options\ncurl-command: curl"));
    assert_eq!(v[0].scan_time, Some(1678694531)); // 2023-03-13T11:02:11.8+03:00
    assert_eq!(v[1].title, "favicon-detection");
    assert_eq!(v[1].ip, "10.10.10.10", "the trailing dot of the sample's ip is dropped");
    assert_eq!(v[1].references.len(), 5);

    let v = parse_file("issue_9201.json");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].rule_id, "favicon-detect");
    assert_eq!(v[0].url, "https://example.com/favicon.ico%c0");
    assert_eq!(v[0].host, "example.com");
    assert_eq!(v[0].scan_time, Some(1678694707));
}

#[test]
fn invalid_cwe_is_skipped() {
    let v = parse_file("invalid_cwe.json");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.rule_id, "mysql-native-password-bruteforce", "templateID (old field name)");
    assert_eq!(f.title, "MySQL DB with enabled native password");
    assert!(f.cwes.is_empty(), "cwe-id [\"nvd-cve-other\"] is no CWE");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!((f.host.as_str(), f.ip.as_str(), f.port), ("nuclei-example.com", "178.21.15.56", Some(3306)));
    assert_eq!(f.location, "nuclei-example.com:3306", "old `matched` field");
    assert_eq!(f.scan_time, Some(1621498322)); // 2021-05-20T11:12:02.301031+03:00
}

#[test]
fn json_array_export() {
    let v = parse_file("multi_cwe_fabricated.json");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.title, "Multiple CWE Example");
    assert_eq!(f.rule_id, "multi-cwe-template");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.cves, ["CVE-2021-0001"]);
    assert_eq!(f.cwes, [79, 89]);
    assert_eq!(f.url, "https://example.com/login");
    assert_eq!(f.host, "example.com");
    assert_eq!(f.description, "Example nuclei finding classified with multiple CWEs.");
}

#[test]
fn detect_every_sample() {
    for entry in std::fs::read_dir(sample("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(SAMPLES.contains(&name.as_str()), "sample {name} is not tested");
    }
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        let want = if bytes.is_empty() { Detected::Empty } else { Detected::Format(Format::Nuclei) };
        assert_eq!(detect(&bytes), want, "{name}");
        let parsed = khien_vuln::parse_file(&sample(name), None, &mut |_| {}).unwrap();
        let want = if bytes.is_empty() { None } else { Some(Format::Nuclei) };
        assert_eq!(parsed.format, want, "{name}");
    }
}

#[test]
fn flexible_field_shapes() {
    let line = r#"{"template-id":"t","info":{"name":"N","severity":"CRITICAL","reference":"https://a.example https://b.example","remediation":"Patch it.","classification":{"cve-id":"CVE-2024-0001","cwe-id":"CWE-22","cvss-score":"9.8","epss-score":0.97}},"host":"10.0.0.5:8443","port":"8443","ip":"10.0.0.5","type":"ssl","matched-at":"10.0.0.5:8443","timestamp":"2024-01-01T00:00:00Z"}"#;
    let v = parse_str(&format!("\n{line}\n\n{line}\r\n")).unwrap();
    assert_eq!(v.len(), 2);
    let f = &v[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!((f.cves.as_slice(), f.cwes.as_slice()), (&["CVE-2024-0001".to_string()][..], &[22][..]));
    assert_eq!((f.cvss_score, f.epss_score), (Some(9.8), Some(0.97)));
    assert_eq!((f.host.as_str(), f.port, f.protocol.as_str()), ("10.0.0.5", Some(8443), "ssl"));
    assert_eq!(f.references, ["https://a.example", "https://b.example"]);
    assert_eq!(f.solution, "Patch it.");
    assert_eq!(f.scan_time, Some(1704067200));
    // A pretty-printed single object (not JSON Lines) is read too.
    let pretty = "{\n  \"template-id\": \"x\",\n  \"info\": {\"severity\": \"unknown\"}\n}\n";
    let v = parse_str(pretty).unwrap();
    assert_eq!((v.len(), v[0].title.as_str(), v[0].severity), (1, "x", Severity::Info));
}

#[test]
fn bad_lines_are_named() {
    let good = r#"{"template-id":"a","info":{"name":"A","severity":"low"}}"#;
    let e = parse_str(&format!("{good}\n{good}\n{{\"template-id\": \"b\", \"info\": {{\n{good}\n")).unwrap_err();
    assert!(matches!(e, ParseError::Json { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("line 3"), "{e}");
    // Truncated array.
    let e = parse_str(&format!("[{good}, {good}")).unwrap_err();
    assert!(matches!(e, ParseError::Json { .. }), "{e}");
    // Invalid UTF-8 in a string: an error, not a panic, in both layouts.
    let mut bad = br#"{"template-id":"a","info":{"name":""#.to_vec();
    bad.extend_from_slice(b"\xff\xfe");
    bad.extend_from_slice(br#""}}"#);
    let e = parse_bytes(&bad).unwrap_err();
    assert!(matches!(e, ParseError::Json { line: 1, .. }), "{e}");
    let mut arr = b"[".to_vec();
    arr.extend_from_slice(&bad);
    arr.push(b']');
    assert!(matches!(parse_bytes(&arr).unwrap_err(), ParseError::Json { .. }));
}

#[test]
fn wrong_format() {
    assert!(matches!(parse_str("<html></html>").unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str(r#"{"SchemaVersion": 2, "Results": []}"#).unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str("[1, 2]").unwrap_err(), ParseError::WrongFormat { .. }));
    let trivy = std::fs::read(sample("../trivy/cvss_severity_source.json")).unwrap();
    assert!(matches!(parse_bytes(&trivy).unwrap_err(), ParseError::WrongFormat { .. }));
}

#[test]
fn limits() {
    // 100 000 nested arrays: serde_json's recursion limit gives a clean error.
    let deep = "[".repeat(100_000);
    let e = parse_str(&deep).unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e}");
    let deep_line = format!("{{\"template-id\": {}", "[".repeat(100_000));
    let e = parse_str(&deep_line).unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e}");
    // One element above the 64 MiB cap.
    let big = format!("[{{\"template-id\": \"a\", \"info\": {{\"description\": \"{}\"}}}}]", "x".repeat(65 << 20));
    let e = parse_str(&big).unwrap_err();
    assert!(e.to_string().contains("64 MiB"), "{e}");
    assert!(e.to_string().contains("[0]"), "{e}");
    let big_line = format!("{{\"template-id\": \"a\", \"info\": {{\"description\": \"{}\"}}}}\n", "x".repeat(65 << 20));
    let e = parse_str(&big_line).unwrap_err();
    assert!(matches!(e, ParseError::Json { line: 1, .. }) && e.to_string().contains("64 MiB"), "{e}");
}
