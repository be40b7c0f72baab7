//! The SARIF parser on the sample logs of `shared/testdata/scans/sarif/` (spec examples and
//! many producers), with values taken from the files, and on malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, sarif};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/sarif").join(name)
}

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = sarif::parse(BufReader::new(f), &mut |x| out.push(x)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(n, out.len());
    out
}

fn parse_str(s: &str) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    let n = sarif::parse(s.as_bytes(), &mut |x| out.push(x))?;
    assert_eq!(n, out.len());
    Ok(out)
}

/// Every sample with its result count (README).
const SAMPLES: [(&str, usize); 18] = [
    ("SuppressionTestCurrent.sarif", 4),
    ("suppression_test.sarif", 5),
    ("appendix_k.sarif", 1),
    ("appendix_k1.sarif", 0),
    ("appendix_k1_double.sarif", 0),
    ("appendix_k2.sarif", 1),
    ("appendix_k3.sarif", 1),
    ("appendix_k4.sarif", 1),
    ("no_runs.sarif", 0),
    ("bash-report-fabricated-no-internal-dupes.sarif", 5),
    ("bash-report-fabricated-no-internal-dupes-subset.sarif", 4),
    ("bash-report-subset-same-hash-code-same-unique-id.sarif", 4),
    ("blackduck_nested_fingerprints.sarif", 5),
    ("dockle_0_3_15.sarif", 4),
    ("gitleaks_7.5.0.sarif", 8),
    ("issue_10191.json", 77),
    ("mobsfscan.json", 9),
    ("njsscan.sarif", 2),
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
        assert_eq!(detect(&bytes), Detected::Format(Format::Sarif), "{name}");
        let parsed = khien_vuln::parse_file(&sample(name), None, &mut |_| {}).unwrap();
        assert_eq!((parsed.format, parsed.findings), (Some(Format::Sarif), count), "{name}");
    }
}

#[test]
fn detection_without_schema() {
    // No "$schema", "version" last (members in alphabetical order), results first.
    let log = r#"{"runs": [{"results": [{"message": {"text": "m"}, "ruleId": "r1"}], "tool": {"driver": {"name": "t"}}}], "version": "2.1.0"}"#;
    assert_eq!(detect(log.as_bytes()), Detected::Format(Format::Sarif));
    assert_eq!(detect(&log.as_bytes()[..60]), Detected::Format(Format::Sarif));
    assert_eq!(parse_str(log).unwrap()[0].rule_id, "r1");
}

#[test]
fn spec_appendix_k() {
    let v = parse_file("appendix_k.sarif");
    let f = &v[0];
    assert_eq!(f.format, "sarif");
    assert_eq!(f.rule_id, "C2001");
    assert_eq!(f.title, "A variable was used without being initialized.");
    assert_eq!(f.severity, Severity::High, "level error");
    // message.id "default" with arguments, from the rule's messageStrings.
    assert!(
        f.description
            .starts_with("Variable \"ptr\" was used without being initialized. It was declared [here](0).\n\n"),
        "{}",
        f.description
    );
    assert!(f.description.ends_with("This can result in runtime errors such as null reference exceptions."));
    assert_eq!(f.location, "collections/list.h:15");
    assert_eq!(f.evidence, "add_core(ptr, offset, val);\n    return;");
    assert_eq!(f.solution, "Initialize the variable to null");
    assert!(f.suppressed, "suppression with state accepted");
    assert!(f.host.is_empty() && f.component.is_empty() && f.url.is_empty());
    assert_eq!(parse_file("appendix_k4.sarif")[0].rule_id, "C2001");

    let f = &parse_file("appendix_k2.sarif")[0];
    assert_eq!(f.title, "Variable \"count\" was used without being initialized.", "rule without short description");
    assert_eq!(f.severity, Severity::Medium, "no level anywhere: the default warning");
    assert_eq!(f.location, "src/collections/list.cpp:15");

    let f = &parse_file("appendix_k3.sarif")[0];
    assert_eq!((f.rule_id.as_str(), f.severity), ("B6412", Severity::Medium));
    assert_eq!(f.title, "The insecure method \"Crypto.Sha1.Encrypt\" should not be used.");
    assert_eq!(f.location, "Example.Worker.DoWork", "logical location only");
}

#[test]
fn suppressions() {
    let v = parse_file("SuppressionTestCurrent.sarif");
    assert_eq!(v.iter().map(|f| f.suppressed).collect::<Vec<_>>(), [true, true, true, false]);
    assert_eq!(v[0].rule_id, "TST0001");
    assert_eq!(v[0].title, "New suppressed result.");
    assert_eq!(v[0].description, "New suppressed result.\n\nRule 001");
    assert_eq!(v[3].location, "file:///C:/code/file4.c");
    let v = parse_file("suppression_test.sarif");
    assert_eq!(v.iter().map(|f| f.suppressed).collect::<Vec<_>>(), [true, true, true, false, false]);
    assert_eq!(v[4].rule_id, "TST0005");
    let rejected = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [
        {"ruleId": "a", "message": {"text": "m"}, "suppressions": [{"kind": "inSource", "status": "rejected"}]},
        {"ruleId": "b", "message": {"text": "m"}, "suppressions": [{"kind": "inSource", "status": "rejected"}, {"kind": "external", "status": "accepted"}]}]}]}"#;
    let v = parse_str(rejected).unwrap();
    assert_eq!((v[0].suppressed, v[1].suppressed), (false, true));
}

#[test]
fn semgrep_results_before_tool() {
    // Semgrep writes run members alphabetically: "results" before "tool".
    let v = parse_file("issue_10191.json");
    let count = |s| v.iter().filter(|f| f.severity == s).count();
    // The rules' security-severity words: MEDIUM 42, CRITICAL 34, HIGH 1.
    assert_eq!((count(Severity::Critical), count(Severity::High), count(Severity::Medium)), (34, 1, 42));
    let f = &v[0];
    assert_eq!(
        f.rule_id,
        "vulnerability-management-registry.semgrep-rules.gitlab-rules.sast-rules.javascript.pathtraversal.javascript_pathtraversal_rule-non-literal-fs-filename"
    );
    assert_eq!(f.title, "Improper limitation of a pathname to a restricted directory ('Path Traversal')");
    assert_eq!(f.cwes, [22]);
    assert_eq!(f.location, "Gruntfile.js:75");
    assert_eq!(f.evidence, "const buffer = fs.readFileSync('dist/' + file)");
    assert!(f.description.starts_with("The application dynamically constructs file or path information."));
}

#[test]
fn producers() {
    let v = parse_file("blackduck_nested_fingerprints.sarif");
    let f = &v[0];
    assert_eq!(f.rule_id, "BDSA-2020-1001 (CVE-2020-11022)");
    assert_eq!((f.cves.as_slice(), f.cwes.as_slice()), (&["CVE-2020-11022".to_string()][..], &[79][..]));
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.references, ["https://nvd.nist.gov/vuln/detail/CVE-2020-11022"]);
    assert_eq!(f.solution, "Upgrade/patch dependency: example-frontend-lib 1.0.0.");
    assert_eq!(f.location, "npm/example-frontend-lib@1.0.0");
    assert!(f.description.ends_with("jQuery is vulnerable to XSS via the HTML passed to certain jQuery methods."));
    assert_eq!(
        v.iter().map(|f| f.severity).collect::<Vec<_>>(),
        [Severity::Medium, Severity::High, Severity::High, Severity::Low, Severity::High]
    );
    assert!(v[3].cves.is_empty(), "BDSA-2022-1004 has no CVE");

    let v = parse_file("dockle_0_3_15.sarif");
    assert_eq!((v[0].rule_id.as_str(), v[0].severity), ("CIS-DI-0010", Severity::High));
    assert_eq!(v[0].title, "Do not store credential in ENVIRONMENT vars/files");
    assert_eq!(v[0].references, ["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#CIS-DI-0010"]);
    assert!(v[0].location.is_empty());
    assert!(v[1..].iter().all(|f| f.severity == Severity::Low));

    let v = parse_file("njsscan.sarif");
    assert_eq!(
        (v[0].rule_id.as_str(), v[0].title.as_str()),
        ("node_insecure_random_generator", "NodeInsecureRandomGenerator")
    );
    assert_eq!(v[0].cwes, [327], "properties.cwe \"CWE-327: Use of a Broken…\"");
    assert_eq!(v[0].location, "file:///src/index.js:321");
    assert_eq!(v[0].severity, Severity::Medium);
    assert_eq!(v[1].severity, Severity::High);

    let v = parse_file("mobsfscan.json");
    assert_eq!(
        (v[0].rule_id.as_str(), v[0].title.as_str(), v[0].severity),
        ("android_logging", "AndroidLogging", Severity::Low)
    );
    assert_eq!(v[0].location, "app/src/main/java/jakhar/aseem/diva/InsecureDataStorage2Activity.java:57");

    let v = parse_file("bash-report-fabricated-no-internal-dupes.sarif");
    assert!(v.iter().all(|f| f.severity == Severity::Low), "level note");
    assert_eq!(v[0].rule_id, "2076");
    assert_eq!(v[0].references, ["https://github.com/koalaman/shellcheck/wiki/SC2076"]);
    assert_eq!(v[0].location, "file:///home/damien/dd/docker/setEnv.sh:134");
}

#[test]
fn gitleaks_secrets_are_redacted() {
    let v = parse_file("gitleaks_7.5.0.sarif");
    assert_eq!(v[0].title, "AWS Access Key secret detected");
    assert_eq!(
        v[0].location,
        "dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json:13"
    );
    assert_eq!(v[2].title, "Asymmetric Private Key secret detected");
    let all = format!("{v:?}");
    assert!(!all.contains("AKIAIOSFODNN7EXAMPLE") && !all.contains("PRIVATE KEY-----"), "{all}");
    assert!(v.iter().all(|f| f.evidence.is_empty() || f.evidence.ends_with('…')));
}

#[test]
fn rules_by_index_extension_and_taxa() {
    let log = r#"{"version": "2.1.0", "runs": [{
      "tool": {"driver": {"name": "X", "rules": [{"id": "R1", "name": "First", "properties": {"security-severity": "9.1", "tags": ["external/cwe/cwe-89"]}}]},
               "extensions": [{"name": "Ext", "rules": [{"id": "E1", "shortDescription": {"text": "Ext rule"}, "defaultConfiguration": {"level": "note"},
                 "relationships": [{"target": {"id": "352", "toolComponent": {"name": "CWE"}}}]}]}]},
      "results": [
        {"ruleIndex": 0, "message": {"text": "a"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "https://app.example/login"}, "region": {"startLine": 3}}}]},
        {"rule": {"id": "E1", "index": 0, "toolComponent": {"index": 0}}, "message": {"text": "b"}, "taxa": [{"id": "CWE-20", "toolComponent": {"name": "CWE"}}]},
        {"ruleId": "R1/sub", "level": "none", "kind": "fail", "message": {"text": "c"}, "properties": {"security-severity": "3.0"}},
        {"ruleId": "unknown", "kind": "pass", "message": {"text": "d"}}
      ]}]}"#;
    let v = parse_str(log).unwrap();
    assert_eq!(v.len(), 4);
    assert_eq!((v[0].rule_id.as_str(), v[0].title.as_str(), v[0].severity), ("R1", "First", Severity::Critical));
    assert_eq!(v[0].cwes, [89]);
    assert_eq!(
        (v[0].url.as_str(), v[0].location.as_str()),
        ("https://app.example/login", "https://app.example/login:3")
    );
    assert_eq!((v[1].rule_id.as_str(), v[1].title.as_str(), v[1].severity), ("E1", "Ext rule", Severity::Low));
    assert_eq!(v[1].cwes, [20, 352]);
    assert_eq!((v[2].title.as_str(), v[2].severity), ("First", Severity::Low), "result security-severity wins");
    assert_eq!((v[3].title.as_str(), v[3].severity), ("d", Severity::Info), "kind pass: default level none");
}

#[test]
fn empty_malformed_and_wrong_format() {
    assert!(parse_str("").unwrap().is_empty());
    assert!(parse_str(r#"{"version": "2.1.0", "runs": null}"#).unwrap().is_empty());
    let text = std::fs::read_to_string(sample("mobsfscan.json")).unwrap();
    let e = parse_str(&text[..text.len() - 200]).unwrap_err();
    assert!(
        matches!(&e, ParseError::Json { line, context, .. } if *line == 494 && context == "runs[0].results[8]"),
        "{e}"
    );
    let e = parse_str(r#"{"runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a"}, {"ruleId": }]}]}"#)
        .unwrap_err();
    assert!(matches!(&e, ParseError::Json { line: 1, context, .. } if context == "runs[0].results[1]"), "{e}");
    assert!(matches!(parse_str(r#"{"SchemaVersion": 2, "Results": []}"#).unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str("[]").unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str("<sarif/>").unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str(r#"{"runs": []} {"runs": []}"#).unwrap_err(), ParseError::Json { .. }));
    let mut bad = br#"{"runs": [{"results": [{"message": {"text": ""#.to_vec();
    bad.extend_from_slice(b"\xed\xa0\x80"); // an encoded surrogate: not UTF-8
    bad.extend_from_slice(br#""}}]}]}"#);
    let e = sarif::parse(&bad[..], &mut |_| {}).unwrap_err();
    assert!(matches!(&e, ParseError::Json { context, .. } if context == "runs[0].results[0]"), "{e}");
}

#[test]
fn limits() {
    let deep = format!("{{\"runs\": [{{\"results\": [{}", "[".repeat(100_000));
    let e = parse_str(&deep).unwrap_err();
    assert!(
        matches!(&e, ParseError::Json { context, message, .. }
        if context == "runs[0].results[0]" && message.contains("recursion limit")),
        "{e}"
    );
    let big = format!(
        "{{\"runs\": [{{\"tool\": {{\"driver\": {{\"name\": \"x\"}}}}, \"results\": [{{\"message\": {{\"text\": \"ok\"}}}}, {{\"message\": {{\"text\": \"{}\"}}}}]}}]}}",
        "x".repeat(65 << 20)
    );
    let mut n = 0;
    let e = sarif::parse(big.as_bytes(), &mut |_| n += 1).unwrap_err();
    assert_eq!(n, 1);
    assert!(
        matches!(&e, ParseError::Json { context, message, .. }
        if context == "runs[0].results[1]" && message.contains("64 MiB")),
        "{e}"
    );
    // Many small values in one element: the node limit, not memory, stops it.
    let many =
        format!("{{\"runs\": [{{\"results\": [{{\"properties\": {{\"x\": [{}0]}}}}]}}]}}", "0,".repeat(1_100_000));
    let e = parse_str(&many).unwrap_err();
    assert!(e.to_string().contains("JSON values"), "{e}");
}
