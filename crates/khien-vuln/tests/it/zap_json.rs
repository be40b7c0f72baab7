//! The ZAP "Traditional JSON" parser on the sample of `shared/testdata/scans/zap/`, on an
//! excerpt of a real ZAP 2.14 report, and on malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, zap};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/zap").join(name)
}

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = zap::parse_json(BufReader::new(f), &mut |x| out.push(x)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(n, out.len());
    out
}

fn parse_str(s: &str) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    let n = zap::parse_json(s.as_bytes(), &mut |x| out.push(x))?;
    assert_eq!(n, out.len());
    Ok(out)
}

const SAMPLE: &str = "zap-extensions_basic-traditional-json.json";

#[test]
fn every_json_sample_is_tested() {
    for entry in std::fs::read_dir(sample("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.ends_with(".json") || name == SAMPLE, "sample {name} is not tested");
    }
}

#[test]
fn traditional_json_sample() {
    let bytes = std::fs::read(sample(SAMPLE)).unwrap();
    assert_eq!(detect(&bytes), Detected::Format(Format::ZapJson));
    let parsed = khien_vuln::parse_file(&sample(SAMPLE), None, &mut |_| {}).unwrap();
    assert_eq!((parsed.format, parsed.findings), (Some(Format::ZapJson), 2));
    let v = parse_file(SAMPLE);
    assert_eq!(v.len(), 2, "one finding per instance");
    let f = &v[0];
    assert_eq!(f.format, "zap-json");
    assert_eq!(f.title, "XSS");
    assert_eq!(f.rule_id, "1");
    assert_eq!(f.severity, Severity::High, "riskcode \"3\"");
    assert_eq!(f.cwes, [123]);
    assert_eq!(f.url, "http://example.com/example_3");
    assert_eq!((f.host.as_str(), f.port, f.protocol.as_str()), ("example.com", Some(80), "tcp"));
    assert_eq!(f.description, "XSS Description", "HTML stripped");
    assert_eq!(f.solution, "Test Solution");
    assert_eq!(f.references, ["Test Reference"]);
    assert_eq!(
        f.evidence,
        "method: GET\nparam: Test Param\nattack: Test \"Attack\\\"\nevidence: Test <p>Evidence\nother info: Test 'Other\\"
    );
    assert_eq!(f.scan_time, Some(1623945868)); // "Thu, 17 Jun 2021 16:04:28", read as UTC
    assert!(!f.suppressed);
    assert!(v[1].evidence.ends_with("other info: Test Another 'Other\\"));
}

/// An excerpt (four of the alerts, some instances left out) of a real ZAP 2.14.0 baseline
/// report: github.com/bcgov/common-hosted-form-service, `report_json.json` at commit
/// 03beab97b497f3a8335f88d2f8ff3c9827873149, Apache-2.0 (Copyright 2020 Province of British
/// Columbia).
const BCGOV: &str = r#"{
	"@programName": "ZAP",
	"@version": "2.14.0",
	"@generated": "Mon, 22 Jan 2024 17:11:12",
	"site":[ 
		{
			"@name": "https://chefs-dev.apps.silver.devops.gov.bc.ca",
			"@host": "chefs-dev.apps.silver.devops.gov.bc.ca",
			"@port": "443",
			"@ssl": "true",
			"alerts": [ 
				{
					"pluginid": "10055",
					"alertRef": "10055-4",
					"alert": "CSP: Wildcard Directive",
					"name": "CSP: Wildcard Directive",
					"riskcode": "2",
					"confidence": "3",
					"riskdesc": "Medium (High)",
					"desc": "<p>Content Security Policy (CSP) is an added layer of security that helps to detect and mitigate certain types of attacks. Including (but not limited to) Cross Site Scripting (XSS), and data injection attacks. These attacks are used for everything from data theft to site defacement or distribution of malware. CSP provides a set of standard HTTP headers that allow website owners to declare approved sources of content that browsers should be allowed to load on that page \u2014 covered types are JavaScript, CSS, HTML frames, fonts, images and embeddable objects such as Java applets, ActiveX, audio and video files.</p>",
					"instances":[ 
						{
							"uri": "https://chefs-dev.apps.silver.devops.gov.bc.ca/pr-1253",
							"method": "GET",
							"param": "content-security-policy",
							"attack": "",
							"evidence": "default-src 'none'",
							"otherinfo": "The following directives either allow wildcard sources (or ancestors), are not defined, or are overly broadly defined: \nframe-ancestors, form-action\n\nThe directive(s): frame-ancestors, form-action are among the directives that do not fallback to default-src, missing/excluding them is the same as allowing anything."
						}
					],
					"count": "1",
					"solution": "<p>Ensure that your web server, application server, load balancer, etc. is properly configured to set the Content-Security-Policy header.</p>",
					"otherinfo": "<p>The following directives either allow wildcard sources (or ancestors), are not defined, or are overly broadly defined: </p><p>frame-ancestors, form-action</p><p></p><p>The directive(s): frame-ancestors, form-action are among the directives that do not fallback to default-src, missing/excluding them is the same as allowing anything.</p>",
					"reference": "<p>https://www.w3.org/TR/CSP/</p><p>https://caniuse.com/#search=content+security+policy</p><p>https://content-security-policy.com/</p><p>https://github.com/shapesecurity/salvation</p><p>https://developers.google.com/web/fundamentals/security/csp#policy_applies_to_a_wide_variety_of_resources</p>",
					"cweid": "693",
					"wascid": "15",
					"sourceid": "1"
				},
				{
					"pluginid": "10054",
					"alertRef": "10054",
					"alert": "Cookie with SameSite Attribute None",
					"name": "Cookie with SameSite Attribute None",
					"riskcode": "1",
					"confidence": "2",
					"riskdesc": "Low (Medium)",
					"desc": "<p>A cookie has been set with its SameSite attribute set to \"none\", which means that the cookie can be sent as a result of a 'cross-site' request. The SameSite attribute is an effective counter measure to cross-site request forgery, cross-site script inclusion, and timing attacks.</p>",
					"instances":[ 
						{
							"uri": "https://chefs-dev.apps.silver.devops.gov.bc.ca/pr-1253",
							"method": "GET",
							"param": "eed6a67d093ebd7ab21b438a506ffb35",
							"attack": "",
							"evidence": "set-cookie: eed6a67d093ebd7ab21b438a506ffb35",
							"otherinfo": ""
						}
					],
					"count": "1",
					"solution": "<p>Ensure that the SameSite attribute is set to either 'lax' or ideally 'strict' for all cookies.</p>",
					"otherinfo": "",
					"reference": "<p>https://tools.ietf.org/html/draft-ietf-httpbis-cookie-same-site</p>",
					"cweid": "1275",
					"wascid": "13",
					"sourceid": "1"
				},
				{
					"pluginid": "10109",
					"alertRef": "10109",
					"alert": "Modern Web Application",
					"name": "Modern Web Application",
					"riskcode": "0",
					"confidence": "2",
					"riskdesc": "Informational (Medium)",
					"desc": "<p>The application appears to be a modern web application. If you need to explore it automatically then the Ajax Spider may well be more effective than the standard one.</p>",
					"instances":[ 
						{
							"uri": "https://chefs-dev.apps.silver.devops.gov.bc.ca/pr-1253/",
							"method": "GET",
							"param": "",
							"attack": "",
							"evidence": "<script type=\"module\" crossorigin src=\"/pr-1253/assets/index-abc27496.js\"></script>",
							"otherinfo": "No links have been found while there are scripts, which is an indication that this is a modern web application."
						}
					],
					"count": "1",
					"solution": "<p>This is an informational alert and so no changes are required.</p>",
					"otherinfo": "<p>No links have been found while there are scripts, which is an indication that this is a modern web application.</p>",
					"reference": "",
					"cweid": "-1",
					"wascid": "-1",
					"sourceid": "3"
				},
				{
					"pluginid": "10104",
					"alertRef": "10104",
					"alert": "User Agent Fuzzer",
					"name": "User Agent Fuzzer",
					"riskcode": "0",
					"confidence": "2",
					"riskdesc": "Informational (Medium)",
					"desc": "<p>Check for differences in response based on fuzzed User Agent (eg. mobile sites, access as a Search Engine Crawler). Compares the response statuscode and the hashcode of the response body with the original response.</p>",
					"instances":[ 
						{
							"uri": "https://chefs-dev.apps.silver.devops.gov.bc.ca/pr-1253",
							"method": "GET",
							"param": "Header User-Agent",
							"attack": "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
							"evidence": "",
							"otherinfo": ""
						},
						{
							"uri": "https://chefs-dev.apps.silver.devops.gov.bc.ca/pr-1253",
							"method": "GET",
							"param": "Header User-Agent",
							"attack": "msnbot/1.1 (+http://search.msn.com/msnbot.htm)",
							"evidence": "",
							"otherinfo": ""
						}
					],
					"count": "12",
					"solution": "",
					"otherinfo": "",
					"reference": "<p>https://owasp.org/wstg</p>",
					"cweid": "0",
					"wascid": "0",
					"sourceid": "221"
				}
			]
		}
	]
}
"#;

#[test]
fn real_report_excerpt() {
    assert_eq!(detect(BCGOV.as_bytes()), Detected::Format(Format::ZapJson));
    let v = parse_str(BCGOV).unwrap();
    assert_eq!(v.len(), 5);
    let f = &v[0];
    assert_eq!((f.title.as_str(), f.rule_id.as_str()), ("CSP: Wildcard Directive", "10055"));
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.cwes, [693]);
    assert_eq!(f.url, "https://chefs-dev.apps.silver.devops.gov.bc.ca/pr-1253");
    assert_eq!(
        (f.host.as_str(), f.port, f.protocol.as_str()),
        ("chefs-dev.apps.silver.devops.gov.bc.ca", Some(443), "tcp")
    );
    assert!(f.description.contains("on that page \u{2014} covered types"), "{}", f.description);
    assert!(!f.description.contains("<p>"));
    assert_eq!(f.references.len(), 5);
    assert_eq!(f.references[0], "https://www.w3.org/TR/CSP/");
    assert_eq!(
        f.references[4],
        "https://developers.google.com/web/fundamentals/security/csp#policy_applies_to_a_wide_variety_of_resources"
    );
    assert!(f.evidence.starts_with(
        "method: GET\nparam: content-security-policy\nevidence: default-src 'none'\nother info: The following"
    ));
    assert_eq!(f.scan_time, Some(1705943472)); // Mon, 22 Jan 2024 17:11:12
    assert_eq!((v[1].severity, v[1].cwes.as_slice()), (Severity::Low, &[1275][..]));
    assert_eq!(v[1].references, ["https://tools.ietf.org/html/draft-ietf-httpbis-cookie-same-site"]);
    let f = &v[2];
    assert_eq!((f.title.as_str(), f.severity), ("Modern Web Application", Severity::Info));
    assert!(f.cwes.is_empty() && f.references.is_empty(), "cweid -1, empty reference");
    assert!(f.evidence.contains("evidence: <script type=\"module\""), "instance fields are not HTML: kept as is");
    assert_eq!(v[3].title, "User Agent Fuzzer");
    assert!(v[3].cwes.is_empty(), "cweid 0");
    assert_eq!(
        v[4].evidence,
        "method: GET\nparam: Header User-Agent\nattack: msnbot/1.1 (+http://search.msn.com/msnbot.htm)"
    );
    assert_eq!(v[4].solution, "");
}

#[test]
fn alert_without_instances_and_numbers() {
    let r = r#"{"@programName": "ZAP", "site": [{"@name": "https://h.example:8443", "@host": "h.example", "@port": 8443, "@ssl": true,
        "alerts": [{"pluginid": 40012, "name": "Cross Site Scripting (Reflected)", "riskcode": 3, "confidence": 0,
                    "cweid": 79, "solution": "<ul><li>Encode output</li><li>Validate input</li></ul>"},
                   {"name": "No risk code", "riskdesc": "Medium (Low)", "instances": []}]}]}"#;
    let v = parse_str(r).unwrap();
    assert_eq!(v.len(), 2);
    let f = &v[0];
    assert_eq!((f.rule_id.as_str(), f.severity, f.cwes.as_slice()), ("40012", Severity::High, &[79][..]));
    assert!(f.suppressed, "confidence 0 is ZAP's false positive");
    assert_eq!(f.url, "https://h.example:8443");
    assert_eq!((f.host.as_str(), f.port, f.protocol.as_str()), ("h.example", Some(8443), "tcp"));
    assert_eq!(f.solution, "Encode output\nValidate input");
    assert_eq!(v[1].severity, Severity::Medium, "riskdesc fallback");
}

#[test]
fn empty_and_malformed() {
    assert!(parse_str("").unwrap().is_empty());
    assert!(parse_str(r#"{"@programName": "ZAP", "site": []}"#).unwrap().is_empty());
    assert!(parse_str(r#"{"@programName": "ZAP", "site": [{"@name": "x", "alerts": []}]}"#).unwrap().is_empty());
    let cut = &BCGOV[..BCGOV.len() * 2 / 3];
    let e = parse_str(cut).unwrap_err();
    assert!(
        matches!(&e, ParseError::Json { line, context, .. } if *line == 74 && context == "site[0].alerts[2].desc"),
        "{e}"
    );
    assert!(matches!(parse_str("<OWASPZAPReport/>").unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str(r#"{"runs": []}"#).unwrap_err(), ParseError::WrongFormat { .. }));
    assert!(matches!(parse_str("[]").unwrap_err(), ParseError::WrongFormat { .. }));
    let e = parse_str(r#"{"site": [{"alerts": [{"name": "a", "riskcode": "2",}]}]}"#).unwrap_err();
    assert!(matches!(&e, ParseError::Json { context, .. } if context == "site[0].alerts[0]"), "{e}");
    let mut bad = br#"{"site": [{"alerts": [{"name": ""#.to_vec();
    bad.extend_from_slice(b"\xff");
    bad.extend_from_slice(br#""}]}]}"#);
    let mut n = 0;
    assert!(matches!(zap::parse_json(&bad[..], &mut |_| n += 1).unwrap_err(), ParseError::Json { .. }));
}

#[test]
fn limits() {
    let deep = format!("{{\"site\": [{{\"alerts\": [{{\"instances\": [{}", "[".repeat(100_000));
    let e = parse_str(&deep).unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e}");
    let big = format!("{{\"site\": [{{\"alerts\": [{{\"name\": \"a\", \"desc\": \"{}\"}}]}}]}}", "x".repeat(65 << 20));
    let e = parse_str(&big).unwrap_err();
    assert!(
        matches!(&e, ParseError::Json { context, message, .. }
        if context == "site[0].alerts[0].desc" && message.contains("64 MiB")),
        "{e}"
    );
}
