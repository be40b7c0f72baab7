//! The Trivy parser on the sample reports of `shared/testdata/scans/trivy/` (SchemaVersion 2,
//! legacy list, Kubernetes), with values taken from the files, and on malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, trivy};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/trivy").join(name)
}

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = trivy::parse(BufReader::new(f), &mut |x| out.push(x)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(n, out.len());
    out
}

fn parse_str(s: &str) -> Result<Vec<Finding>, ParseError> {
    parse_bytes(s.as_bytes())
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    let n = trivy::parse(s, &mut |x| out.push(x))?;
    assert_eq!(n, out.len());
    Ok(out)
}

/// Every sample with its finding count (README: vulns + misconfigs + secrets).
const SAMPLES: [(&str, usize); 14] = [
    ("cvss_severity_source.json", 2),
    ("cvssv4_severity_source.json", 3),
    ("issue_14136.json", 1),
    ("issue_9092.json", 1),
    ("issue_9170.json", 37),
    ("issue_9263.json", 1),
    ("kubernetes_fabricated_internal_duplicates.json", 13),
    ("kubernetes_fabricated_internal_duplicates_subset.json", 5),
    ("kubernetes_fabricated_subset.json", 13),
    ("legacy_no_vuln.json", 0),
    ("legacy_trivy_mix.json", 7),
    ("license_scheme.json", 0),
    ("scheme_2_no_vuln.json", 0),
    ("severity_prio.json", 2),
];

#[test]
fn every_sample_count_and_detection() {
    for entry in std::fs::read_dir(sample("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(SAMPLES.iter().any(|(s, _)| *s == name), "sample {name} is not tested");
    }
    for (name, count) in SAMPLES {
        assert_eq!(parse_file(name).len(), count, "{name}");
        let bytes = std::fs::read(sample(name)).unwrap();
        assert_eq!(detect(&bytes), Detected::Format(Format::Trivy), "{name}");
        let parsed = khien_vuln::parse_file(&sample(name), None, &mut |_| {}).unwrap();
        assert_eq!((parsed.format, parsed.findings), (Some(Format::Trivy), count), "{name}");
    }
}

#[test]
fn cvss_from_severity_source_or_nvd() {
    let v = parse_file("cvss_severity_source.json");
    let f = &v[0];
    assert_eq!(f.format, "trivy");
    assert_eq!(f.rule_id, "CVE-2023-46218");
    assert_eq!(f.cves, ["CVE-2023-46218"]);
    assert_eq!(f.title, "curl: information disclosure by exploiting a mixed case flaw");
    assert_eq!(f.severity, Severity::Medium);
    // SeveritySource "ubuntu" has no CVSS entry: nvd.
    assert_eq!(f.cvss_score, Some(6.5));
    assert_eq!(f.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N");
    assert_eq!(f.component, "curl 7.81.0-1ubuntu1.14");
    assert_eq!(f.fixed_version, "7.81.0-1ubuntu1.15");
    assert_eq!(f.solution, "Upgrade curl to 7.81.0-1ubuntu1.15");
    assert_eq!(f.location, "requirements.txt");
    assert_eq!(f.references[0], "https://avd.aquasec.com/nvd/cve-2023-46218");
    assert_eq!(f.references.len(), 26);
    assert!(f.description.starts_with("This flaw allows a malicious HTTP server to set \"super cookies\""));
    let f = &v[1];
    assert_eq!(f.rule_id, "CVE-2023-37920");
    assert_eq!(f.severity, Severity::High);
    // SeveritySource "ghsa" is present: 7.5, not nvd's 9.8.
    assert_eq!((f.cvss_score, f.cvss_vector.as_str()), (Some(7.5), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"));
    assert_eq!(f.cwes, [345]);
    assert_eq!(f.component, "certifi 2022.5.18.1");
    assert_eq!(f.scan_time, None);
}

#[test]
fn cvss_v4_and_v2() {
    let v = parse_file("cvssv4_severity_source.json");
    assert_eq!(v.iter().map(|f| f.severity).collect::<Vec<_>>(), [Severity::Medium, Severity::Low, Severity::Low]);
    let f = &v[0];
    assert_eq!(f.rule_id, "CVE-2025-66614");
    assert_eq!(f.cvss_score, Some(6.3));
    assert_eq!(f.cvss_vector, "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N");
    assert_eq!(f.component, "org.apache.tomcat:tomcat-catalina 9.0.109");
    assert_eq!(f.fixed_version, "11.0.14, 10.1.49, 9.0.112");
    assert_eq!(f.cwes, [20]);
    assert_eq!(f.location, "Java");
    assert_eq!(f.scan_time, Some(1771916873)); // CreatedAt 2026-02-24T07:07:53.487381Z

    let v = parse_file("issue_9263.json");
    let f = &v[0];
    assert_eq!(f.rule_id, "CVE-2013-7445");
    assert_eq!((f.cvss_score, f.cvss_vector.as_str()), (Some(7.8), "AV:N/AC:L/Au:N/C:N/I:N/A:C"));
    assert_eq!(f.cwes, [399]);
    assert_eq!(f.fixed_version, "");
    assert_eq!(f.solution, "");

    let v = parse_file("issue_9092.json");
    assert_eq!((v[0].rule_id.as_str(), v[0].severity), ("CVE-2023-37920", Severity::High));
}

#[test]
fn severity_field_wins() {
    let v = parse_file("severity_prio.json");
    assert_eq!((v[0].severity, v[1].severity), (Severity::Low, Severity::Critical));
}

#[test]
fn misconfiguration() {
    let v = parse_file("issue_14136.json");
    let f = &v[0];
    assert_eq!(f.rule_id, "AVD-AWS-0143");
    assert_eq!(f.title, "IAM policies should not be granted directly to users.");
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.evidence, "One or more policies are attached directly to a user");
    assert_eq!(f.solution, "Grant policies at the group level instead.");
    assert_eq!(f.location, "../../aws-credentials/main.tf:20");
    assert_eq!(f.references, ["https://avd.aquasec.com/misconfig/avd-aws-0143", "https://console.aws.amazon.com/iam/"]);
    assert!(f.cves.is_empty() && f.component.is_empty());
    assert_eq!(f.scan_time, Some(1768987162)); // 2026-01-21T10:19:22.484900675+01:00
}

#[test]
fn kubernetes_reports() {
    let v = parse_file("issue_9170.json");
    let count = |s| v.iter().filter(|f| f.severity == s).count();
    assert_eq!((count(Severity::Low), count(Severity::Medium), count(Severity::High)), (31, 5, 1));
    assert_eq!(v[0].rule_id, "KSV116");
    assert_eq!(v[0].title, "Runs with a root primary or supplementary GID");
    assert_eq!(v[0].location, "default/Service/kubernetes", "target Service/kubernetes repeats the resource");

    let v = parse_file("kubernetes_fabricated_subset.json");
    let f = &v[0];
    assert_eq!(f.rule_id, "CVE-2020-27350");
    assert_eq!(
        f.location,
        "default/Deployment/redis-follower: gcr.io/google_samples/gb-redis-follower:v2 (debian 10.4)"
    );
    assert_eq!(f.component, "apt 1.8.2.1");
    assert_eq!(f.severity, Severity::Medium);
    let misconf: Vec<&Finding> = v.iter().filter(|f| f.rule_id.starts_with("KSV")).collect();
    assert_eq!(misconf.len(), 6);
    assert_eq!(misconf[0].rule_id, "KSV001");
    assert_eq!(misconf[0].title, "Process can elevate its own privileges");
    assert_eq!(misconf[0].location, "default/Deployment/redis-follower:132");
    assert_eq!(misconf[1].location, "default/Deployment/redis-leader:132");

    let v = parse_file("kubernetes_fabricated_internal_duplicates_subset.json");
    assert_eq!(v.iter().filter(|f| f.rule_id == "CVE-2020-27350").count(), 2, "duplicates are kept");
    assert_eq!(v[0].location, "default/Deployment/redis-follower: docker.io/redis:6.0.5 (debian 10.4)");
    assert_eq!(v[4].rule_id, "KSV014");
}

#[test]
fn legacy_layouts() {
    assert!(parse_file("legacy_no_vuln.json").is_empty());
    let v = parse_file("legacy_trivy_mix.json");
    assert_eq!(v[0].title, "simplito/elliptic-php", "no id and no title: the package name");
    assert_eq!((v[0].severity, v[0].location.as_str()), (Severity::Info, "php-app/composer.lock"));
    let f = &v[1];
    assert_eq!(f.rule_id, "CVE-2018-16487");
    assert_eq!(f.title, "lodash: Prototype pollution in utilities function");
    assert_eq!(f.severity, Severity::High);
    assert_eq!((f.fixed_version.as_str(), f.cwes.as_slice()), (">=4.17.11", &[190][..]));
    assert_eq!(f.location, "node-app/package-lock.json");
    assert_eq!(v[2].location, "trivy-ci-test (alpine 3.7.1)");
    assert_eq!(v[2].component, "curl 7.61.0-r0");
    assert!(parse_file("license_scheme.json").is_empty(), "licenses are not findings");
    assert!(parse_file("scheme_2_no_vuln.json").is_empty());
    assert!(parse_str("").unwrap().is_empty());
    assert!(parse_str(" null ").unwrap().is_empty());
}

#[test]
fn secrets_are_redacted() {
    let report = r#"{"SchemaVersion": 2, "ArtifactName": ".", "Results": [{"Target": "deploy/.env", "Class": "secret",
      "Secrets": [{"RuleID": "aws-access-key-id", "Category": "AWS", "Severity": "CRITICAL",
        "Title": "AWS Access Key ID", "StartLine": 3, "EndLine": 3,
        "Code": {"Lines": [{"Number": 3, "Content": "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"}]},
        "Match": "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"}],
      "Misconfigurations": [{"ID": "DS002", "Title": "root user", "Severity": "HIGH", "Status": "PASS"},
        {"AVDID": "AVD-DS-0001", "Title": "latest tag", "Severity": "MEDIUM", "Status": "EXCEPTION"}]}]}"#;
    let v = parse_str(report).unwrap();
    assert_eq!(v.len(), 2, "a PASS misconfiguration is no finding");
    let f = &v[0];
    assert_eq!(
        (f.rule_id.as_str(), f.title.as_str(), f.severity),
        ("aws-access-key-id", "AWS Access Key ID", Severity::Critical)
    );
    assert_eq!(f.location, "deploy/.env:3");
    assert_eq!(f.evidence, "AWS_…");
    let all = format!("{v:?}");
    assert!(!all.contains("AKIAIOSFODNN7EXAMPLE"), "the secret must not be copied: {all}");
    assert_eq!((v[1].rule_id.as_str(), v[1].suppressed), ("AVD-DS-0001", true));
}

#[test]
fn malformed_and_wrong_format() {
    let text = std::fs::read_to_string(sample("cvss_severity_source.json")).unwrap();
    let cut = &text[..text.len() / 2];
    let e = parse_str(cut).unwrap_err();
    match &e {
        ParseError::Json { line, context, .. } => {
            assert!(*line > 1);
            assert_eq!(context, "Results[0].Vulnerabilities[0]");
        }
        other => panic!("{other}"),
    }
    let e = parse_str(
        r#"{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [{"VulnerabilityID": 1,}]}]}"#,
    )
    .unwrap_err();
    assert!(
        matches!(&e, ParseError::Json { line: 1, context, .. } if context == "Results[0].Vulnerabilities[0]"),
        "{e}"
    );
    assert!(matches!(parse_str("<xml/>").unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str(r#"{"runs": []}"#).unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str(r#"[{"template-id": "x"}]"#).unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str("42").unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str("nul").unwrap_err(), ParseError::Json { .. }));
    assert!(matches!(parse_str("null null").unwrap_err(), ParseError::Json { .. }));
    // Invalid UTF-8 inside a kept string.
    let mut bad = br#"{"Results": [{"Target": "a", "Vulnerabilities": [{"Title": ""#.to_vec();
    bad.extend_from_slice(b"\xc3\x28");
    bad.extend_from_slice(br#""}]}]}"#);
    let e = parse_bytes(&bad).unwrap_err();
    assert!(matches!(e, ParseError::Json { .. }), "{e}");
}

#[test]
fn limits() {
    // 100 000 nested arrays inside a kept element: serde_json's recursion limit.
    let deep = format!("{{\"Results\": [{{\"Target\": \"t\", \"Vulnerabilities\": [{}", "[".repeat(100_000));
    let e = parse_str(&deep).unwrap_err();
    assert!(
        matches!(&e, ParseError::Json { context, message, .. }
        if context == "Results[0].Vulnerabilities[0]" && message.contains("recursion limit")),
        "{e}"
    );
    // ... and inside a skipped member (skipping is iterative): a clean error at the end.
    let deep = format!("{{\"Metadata\": {}", "[".repeat(100_000));
    assert!(matches!(parse_str(&deep).unwrap_err(), ParseError::Json { .. }));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse_str(&deep).is_err());
    let big = format!(
        "{{\"Results\": [{{\"Target\": \"t\", \"Vulnerabilities\": [{{\"VulnerabilityID\": \"CVE-2020-0001\"}}, {{\"Description\": \"{}\"}}]}}]}}",
        "x".repeat(65 << 20)
    );
    let mut n = 0;
    let e = trivy::parse(big.as_bytes(), &mut |_| n += 1).unwrap_err();
    assert_eq!(n, 1, "the element before the big one was emitted");
    assert!(
        matches!(&e, ParseError::Json { context, message, .. }
        if context == "Results[0].Vulnerabilities[1]" && message.contains("64 MiB")),
        "{e}"
    );
    // A huge skipped member does not count against the element limit.
    let skipped = format!("{{\"SchemaVersion\": 2, \"Metadata\": \"{}\", \"Results\": []}}", "x".repeat(65 << 20));
    assert!(parse_str(&skipped).unwrap().is_empty());
}
