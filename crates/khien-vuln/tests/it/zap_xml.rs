//! The ZAP XML parser on the real sample reports of `shared/testdata/scans/zap/`, with counts
//! and values taken from the files themselves, and on synthetic and malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, zap};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/zap").join(name)
}

/// Every XML sample with its count of findings (alert instances; README of the test data).
const SAMPLES: [(&str, usize); 12] = [
    ("0_zap_sample.xml", 12),
    ("0_zap_sample_without_zap3.xml", 11),
    ("1_zap_sample_0_and_new_absent.xml", 12),
    ("2_zap_sample_0_and_new_endpoint.xml", 13),
    ("3_zap_sampl_0_and_different_severities.xml", 12),
    ("5_zap_sample_one.xml", 6),
    ("dvwa_baseline_dojo_subset.xml", 97),
    ("dvwa_baseline_dojo_fabricated_internal_duplicates.xml", 123),
    ("dvwa_baseline_dojo_fabricated_internal_duplicates_subset.xml", 75),
    ("empty_2.9.0.xml", 0),
    ("some_2.9.0.xml", 17),
    ("zap-xml-plus-format.xml", 1),
];

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = zap::parse_xml(BufReader::new(f), &mut |x| out.push(x)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(n, out.len());
    out
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    let n = zap::parse_xml(s, &mut |x| out.push(x))?;
    assert_eq!(n, out.len());
    Ok(out)
}

fn parse_str(s: &str) -> Result<Vec<Finding>, ParseError> {
    parse_bytes(s.as_bytes())
}

fn count_titles(v: &[Finding], prefix: &str) -> usize {
    v.iter().filter(|f| f.title.starts_with(prefix)).count()
}

fn count_severity(v: &[Finding], s: Severity) -> usize {
    v.iter().filter(|f| f.severity == s).count()
}

#[test]
fn every_sample_parses_to_its_instance_count() {
    for (name, n) in SAMPLES {
        assert_eq!(parse_file(name).len(), n, "{name}");
    }
}

#[test]
fn every_sample_is_detected() {
    for (name, _) in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        assert_eq!(detect(&bytes), Detected::Format(Format::ZapXml), "{name}");
    }
}

#[test]
fn traditional_report_2_9() {
    let v = parse_file("0_zap_sample.xml");
    // One finding per instance; the commented-out alertitem "zap4" is not there.
    assert_eq!(
        [count_titles(&v, "zap1:"), count_titles(&v, "zap2:"), count_titles(&v, "zap3:"), count_titles(&v, "zap4:")],
        [3, 4, 1, 0]
    );
    assert_eq!(count_titles(&v, "zap5:"), 4);
    let f = &v[0];
    assert_eq!(f.format, "zap-xml");
    assert_eq!(f.title, "zap1: Cookie Without Secure Flag");
    assert_eq!(f.rule_id, "10011");
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.cwes, [614]);
    assert_eq!(f.url, "https://mainsite.com/dashboard");
    assert_eq!((f.host.as_str(), f.ip.as_str(), f.port, f.protocol.as_str()), ("mainsite.com", "", Some(443), "tcp"));
    assert_eq!((f.location.as_str(), f.evidence.as_str()), ("opvc", "Set-Cookie: opvc"));
    assert_eq!(f.references, ["http://www.owasp.org/index.php/Testing_for_cookies_attributes_(OWASP-SM-002)"]);
    assert!(f.description.starts_with("A cookie has been set without the secure flag"));
    assert!(f.solution.starts_with("Whenever a cookie contains sensitive information or is a session token"));
    assert_eq!(f.scan_time, Some(1_589_317_050), "generated=\"Tue, 12 May 2020 20:57:30\"");
    assert!(!f.suppressed);
    assert_eq!(v[1].location, "dmid");
    assert_eq!((v[2].url.as_str(), v[2].location.as_str()), ("https://mainsite.com", "sitevisitscookie"));

    // References run together without separators are split.
    let csp = v.iter().find(|f| f.title.starts_with("zap3:")).unwrap();
    assert_eq!(csp.severity, Severity::Medium);
    assert_eq!(csp.rule_id, "10055");
    assert_eq!(csp.evidence, "frame-ancestors 'self';");
    assert_eq!(
        csp.references,
        [
            "http://www.w3.org/TR/CSP2/",
            "http://www.w3.org/TR/CSP/",
            "http://caniuse.com/#search=content+security+policy",
            "http://content-security-policy.com/",
            "https://github.com/shapesecurity/salvation"
        ]
    );
    // Instance without param; the alert's otherinfo joins the instance's evidence.
    let ts = v.iter().find(|f| f.title.starts_with("zap5:")).unwrap();
    assert_eq!((ts.rule_id.as_str(), ts.location.as_str(), ts.cwes.as_slice()), ("10096", "", &[200][..]));
    assert_eq!(ts.evidence, "265151019\n\n265151019, which evaluates to: 1978-05-27 22:03:39");
    assert_eq!(ts.references.len(), 2);
}

#[test]
fn rescan_series() {
    let v = parse_file("0_zap_sample_without_zap3.xml");
    assert_eq!(count_titles(&v, "zap3:"), 0);
    let v = parse_file("1_zap_sample_0_and_new_absent.xml");
    assert_eq!((count_titles(&v, "zap1:"), count_titles(&v, "zap4:")), (0, 3));
    let v = parse_file("2_zap_sample_0_and_new_endpoint.xml");
    let new = v.iter().find(|f| f.evidence == "Set-Cookie: NEW_END_POINT").unwrap();
    assert_eq!((new.url.as_str(), new.host.as_str(), new.port), ("https://othersite.com", "othersite.com", Some(443)));
    let v = parse_file("3_zap_sampl_0_and_different_severities.xml");
    assert!(
        v.iter()
            .filter(|f| f.title.starts_with("zap2:") || f.title.starts_with("zap5:"))
            .all(|f| f.severity == Severity::Medium)
    );
    assert_eq!(count_severity(&v, Severity::Medium), 9);
    let v = parse_file("5_zap_sample_one.xml");
    assert_eq!((count_titles(&v, "zap1:"), count_titles(&v, "zap2:")), (3, 3));
}

#[test]
fn dvwa_baseline_with_html_text() {
    let v = parse_file("dvwa_baseline_dojo_subset.xml");
    assert_eq!(
        [count_severity(&v, Severity::Info), count_severity(&v, Severity::Low), count_severity(&v, Severity::Medium)],
        [38, 26, 33]
    );
    let f = &v[0];
    assert_eq!(f.title, "X-Frame-Options Header Not Set");
    assert_eq!((f.rule_id.as_str(), f.severity, f.cwes.as_slice()), ("10020", Severity::Medium, &[16][..]));
    assert_eq!(f.url, "http://172.17.0.2/vulnerabilities/brute/");
    assert_eq!((f.host.as_str(), f.ip.as_str(), f.port), ("172.17.0.2", "172.17.0.2", Some(80)));
    assert_eq!(f.location, "X-Frame-Options");
    // Escaped <p> markup becomes plain text.
    assert_eq!(
        f.description,
        "X-Frame-Options header is not included in the HTTP response to protect against 'ClickJacking' attacks."
    );
    assert!(
        f.solution
            .ends_with("Alternatively consider implementing Content Security Policy's \"frame-ancestors\" directive.")
    );
    assert_eq!(f.references, ["https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options"]);
    assert_eq!(f.scan_time, Some(1_619_420_612));
    let ts = v.iter().find(|f| f.title == "Timestamp Disclosure - Unix").unwrap();
    assert_eq!((ts.severity, ts.url.as_str()), (Severity::Info, "http://172.17.0.2/vulnerabilities/javascript/"));
    let xss = v.iter().find(|f| f.title == "User Controllable HTML Element Attribute (Potential XSS)").unwrap();
    assert!(
        xss.evidence.contains("User-controlled HTML attribute values were found.") && !xss.evidence.contains("<p>")
    );

    let v = parse_file("dvwa_baseline_dojo_fabricated_internal_duplicates.xml");
    assert_eq!(
        [count_severity(&v, Severity::Info), count_severity(&v, Severity::Low), count_severity(&v, Severity::Medium)],
        [38, 41, 44]
    );
    let v = parse_file("some_2.9.0.xml");
    assert_eq!(
        [count_severity(&v, Severity::Info), count_severity(&v, Severity::Low), count_severity(&v, Severity::Medium)],
        [4, 12, 1]
    );
}

#[test]
fn xml_plus_report() {
    let v = parse_file("zap-xml-plus-format.xml");
    let f = &v[0];
    assert_eq!(f.title, "Insecure HTTP Method - PUT");
    assert_eq!((f.rule_id.as_str(), f.severity, f.cwes.as_slice()), ("90028", Severity::Medium, &[200][..]));
    assert_eq!(f.url, "http://localhost:8080/bodgeit/js/qndto7n63d");
    assert_eq!((f.host.as_str(), f.port), ("localhost", Some(8080)));
    assert!(
        f.evidence.starts_with(
            "response code 403 for potentially insecure HTTP METHOD\n\nSee the discussion on stackexchange"
        )
    );
    assert!(!f.evidence.contains("Apache Tomcat"), "response bodies are not kept");
    assert!(f.description.contains("PUT is most-often utilized for **update** capabilities"));
    assert_eq!(f.solution, "TBA");
    assert_eq!(f.references, ["http://projects.webappsec.org/Fingerprinting"]);
    assert_eq!(f.scan_time, Some(1_664_527_235), "generated=\"Fr., 30 Sep. 2022 08:40:35\"");
}

#[test]
fn older_layouts_and_flags() {
    let xml = "<OWASPZAPReport version=\"2.4.0\" generated=\"Mon, 1 Jun 2015 10:00:00\">\
        <site name=\"http://10.1.1.1:8080\" host=\"10.1.1.1\" port=\"8080\" ssl=\"false\"><alerts>\
        <alertitem><pluginid>40012</pluginid><alert>Cross Site Scripting (Reflected)</alert><riskcode>3</riskcode>\
        <confidence>2</confidence><uri>http://10.1.1.1:8080/search?q=x</uri><param>q</param>\
        <attack>&lt;script&gt;alert(1)&lt;/script&gt;</attack><evidence>&lt;script&gt;alert(1)&lt;/script&gt;</evidence>\
        <cweid>79</cweid><wascid>8</wascid></alertitem>\
        <alertitem><pluginid>1</pluginid><alert>FP</alert><riskcode>2</riskcode><confidence>0</confidence><cweid>-1</cweid></alertitem>\
        </alerts></site></OWASPZAPReport>";
    let v = parse_str(xml).unwrap();
    assert_eq!(v.len(), 2);
    let f = &v[0];
    assert_eq!((f.severity, f.cwes.as_slice(), f.location.as_str()), (Severity::High, &[79][..], "q"));
    assert_eq!(f.url, "http://10.1.1.1:8080/search?q=x");
    assert_eq!((f.ip.as_str(), f.port), ("10.1.1.1", Some(8080)));
    assert_eq!(f.evidence, "<script>alert(1)</script>\n\nAttack: <script>alert(1)</script>");
    assert_eq!(f.scan_time, Some(1_433_152_800));
    // No uri at all: the site; confidence 0 is ZAP's false positive.
    let fp = &v[1];
    assert_eq!((fp.url.as_str(), fp.port, fp.suppressed, fp.cwes.len()), ("http://10.1.1.1:8080", Some(8080), true, 0));
}

#[test]
fn many_large_instances_are_emitted_early() {
    // Past 32 MiB of held instances, they are emitted before the fields that follow them.
    let evidence = "E".repeat(64 << 10);
    let instances: String = (0..600)
        .map(|k| format!("<instance><uri>http://h/{k}</uri><evidence>{evidence}</evidence></instance>"))
        .collect();
    let xml = format!(
        "<OWASPZAPReport><site name=\"http://h\" host=\"h\" port=\"80\"><alerts><alertitem><pluginid>1</pluginid>\
         <alert>A</alert><riskcode>1</riskcode><instances>{instances}</instances><solution>S</solution></alertitem>\
         </alerts></site></OWASPZAPReport>"
    );
    let v = parse_str(&xml).unwrap();
    assert_eq!(v.len(), 600);
    assert!(v.iter().all(|f| f.title == "A" && f.severity == Severity::Low && f.evidence.len() == 64 << 10));
    assert_eq!(v[0].solution, "");
    assert_eq!(v[599].solution, "S");
    assert_eq!(v[599].url, "http://h/599");
}

#[test]
fn malformed_input_names_the_problem() {
    let e = parse_str("<OWASPZAPReport><site><alerts><alertitem><alert>x</alert><desc>cut").unwrap_err();
    assert!(e.to_string().contains("truncated") && e.to_string().contains("<desc>"), "{e}");
    for (name, _) in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap();
        for cut in (0..end).step_by(end / 40 + 1).chain([end]) {
            assert!(parse_bytes(&bytes[..cut]).is_err(), "{name} cut at {cut}");
        }
    }
    let e = parse_str("<issues burpVersion=\"1\"/>").unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }) && e.to_string().contains("<issues>"), "{e}");
    assert!(parse_str("").is_err());
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><OWASPZAPReport>&lol2;</OWASPZAPReport>";
    assert!(parse_str(bomb).is_err());
    let e = parse_str(
        "<OWASPZAPReport><site><alerts><alertitem><desc>&xxe;</desc></alertitem></alerts></site></OWASPZAPReport>",
    )
    .unwrap_err();
    assert!(e.to_string().contains("<desc>") && e.to_string().contains("&xxe;"), "{e}");
    let e = parse_bytes(b"<OWASPZAPReport><site><alerts><alertitem><alert>\xC3\x28</alert></alertitem></alerts></site></OWASPZAPReport>")
        .unwrap_err();
    assert!(e.to_string().contains("<alert>"), "{e}");
    // An empty report is a success with no findings.
    assert!(parse_str("<OWASPZAPReport version=\"2.9.0\"/>").unwrap().is_empty());
}

#[test]
fn enormous_fields_stay_bounded() {
    let big = "x".repeat(6 << 20);
    let xml = format!(
        "<OWASPZAPReport generated=\"{big}\"><site name=\"{big}\"><alerts><alertitem><alert>A</alert><desc>{big}</desc>\
         <instances><instance><uri>http://h/{big}</uri></instance></instances></alertitem></alerts></site></OWASPZAPReport>"
    );
    let v = parse_str(&xml).unwrap();
    assert_eq!(v.len(), 1);
    assert!(v[0].description.len() <= 1 << 20 && v[0].url.len() <= 64 << 10);
    assert_eq!(v[0].scan_time, None);
}
