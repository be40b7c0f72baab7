//! The Burp Suite XML parser on the real sample exports of `shared/testdata/scans/burp/`, with
//! counts and values taken from the files themselves, and on synthetic and malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, burp, detect};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/burp").join(name)
}

const SAMPLES: [(&str, usize); 3] =
    [("one_finding.xml", 3), ("one_finding_with_blank_response.xml", 1), ("one_finding_with_cwe.xml", 1)];

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = burp::parse(BufReader::new(f), &mut |x| out.push(x)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(n, out.len());
    out
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    let n = burp::parse(s, &mut |x| out.push(x))?;
    assert_eq!(n, out.len());
    Ok(out)
}

fn parse_str(s: &str) -> Result<Vec<Finding>, ParseError> {
    parse_bytes(s.as_bytes())
}

/// An export around `issues`, with a DOCTYPE like Burp's.
fn export(issues: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE issues [\n<!ELEMENT issues (issue*)>\n<!ATTLIST issues burpVersion CDATA \"\">\n]>\n\
         <issues burpVersion=\"2023.1\" exportTime=\"Mon Jan 02 10:00:00 ICT 2023\">{issues}</issues>"
    )
}

#[test]
fn every_sample_parses_and_is_detected() {
    for (name, n) in SAMPLES {
        assert_eq!(parse_file(name).len(), n, "{name}");
        let bytes = std::fs::read(sample(name)).unwrap();
        assert_eq!(detect(&bytes), Detected::Format(Format::Burp), "{name}");
    }
}

#[test]
fn burp_1_6_export() {
    let v = parse_file("one_finding.xml");
    assert_eq!(v.len(), 3);
    for f in &v {
        assert_eq!(f.format, "burp");
        assert_eq!((f.title.as_str(), f.rule_id.as_str(), f.severity), ("SQL injection", "1049088", Severity::High));
        assert_eq!(
            (f.host.as_str(), f.ip.as_str(), f.port, f.protocol.as_str()),
            ("bwa", "192.168.187.137", Some(80), "tcp")
        );
        assert!(f.description.starts_with("SQL injection vulnerabilities arise when user-controllable data"));
        assert!(
            f.solution
                .starts_with("The most effective way to prevent SQL injection attacks is to use parameterized queries")
        );
        assert!(f.cwes.is_empty() && f.references.is_empty() && !f.suppressed);
        // exportTime="Sat Sep 13 22:39:44 CEST 2014"
        assert_eq!(f.scan_time, Some(1_410_640_784));
    }
    assert_eq!(
        v.iter().map(|f| (f.url.as_str(), f.location.as_str())).collect::<Vec<_>>(),
        [
            ("http://bwa/bodgeit/basket.jsp", "/bodgeit/basket.jsp [b_id cookie]"),
            ("http://bwa/bodgeit/login.jsp", "/bodgeit/login.jsp [password parameter]"),
            ("http://bwa/bodgeit/login.jsp", "/bodgeit/login.jsp [username parameter]"),
        ]
    );
    // <br><br> is a paragraph break; <b> tags are gone.
    assert!(v[0].description.contains("surrounding query.\n\nVarious attacks can be delivered"));
    assert!(v[0].description.contains(
        "\n\nThe b_id cookie appears to be vulnerable to SQL injection attacks. The payload ' was submitted"
    ));
    assert!(v[0].solution.ends_with("The application should handle errors gracefully and prevent SQL error messages from being returned in responses."));
    assert!(v[0].solution.contains("\n- One common defense is to double up any single quotation marks"));
    // Request and status lines decoded from base64, one line per request/response pair.
    assert_eq!(v[0].evidence, "POST /bodgeit/basket.jsp HTTP/1.1 → HTTP/1.1 500 Internal Server Error");
    assert_eq!(
        v[1].evidence,
        "POST /bodgeit/login.jsp HTTP/1.1 → HTTP/1.1 200 OK\nPOST /bodgeit/login.jsp HTTP/1.1 → HTTP/1.1 200 OK"
    );
}

#[test]
fn blank_response() {
    let v = parse_file("one_finding_with_blank_response.xml");
    assert_eq!(v[0].evidence, "POST /bodgeit/basket.jsp HTTP/1.1");
    assert_eq!(v[0].location, "/bodgeit/basket.jsp [b_id cookie]");
}

#[test]
fn burp_2020_export_with_cwes() {
    let v = parse_file("one_finding_with_cwe.xml");
    let f = &v[0];
    assert_eq!(
        (f.title.as_str(), f.rule_id.as_str(), f.severity),
        ("Cacheable HTTPS response", "7340288", Severity::Info)
    );
    assert_eq!((f.host.as_str(), f.ip.as_str(), f.port), ("example.com", "54.12.18.21", Some(443)));
    assert_eq!(f.url, "https://example.com/test/v4/public/users/fake");
    assert_eq!(f.cwes, [524, 525]);
    assert_eq!(
        f.references,
        ["https://cwe.mitre.org/data/definitions/524.html", "https://cwe.mitre.org/data/definitions/525.html"]
    );
    assert!(f.description.starts_with("Unless directed otherwise, browsers may store a local cached copy"));
    assert!(f.solution.ends_with("containing sensitive content:\n\n- Cache-control: no-store\n- Pragma: no-cache"));
    assert_eq!(f.evidence, "GET /test/v4/public/users/fake HTTP/1.1");
    assert!(!f.evidence.contains("Authorization"), "only the request line is kept");
    // exportTime="Wed Jan 27 22:43:35 WIB 2021"
    assert_eq!(f.scan_time, Some(1_611_762_215));
}

#[test]
fn severities_and_fields() {
    let issue = |sev: &str, extra: &str| {
        format!(
            "<issue><serialNumber>1</serialNumber><type>5245344</type><name>N {sev}</name>\
             <host ip=\"10.0.0.9\">https://app.example:8443</host><path>/a?b=1</path><location>/a [b parameter]</location>\
             <severity>{sev}</severity><confidence>Firm</confidence>{extra}</issue>"
        )
    };
    let extra = "<references><![CDATA[<ul><li><a href=\"https://portswigger.net/web-security/x\">Web Security Academy</a></li></ul>]]></references>\
        <vulnerabilityClassifications><![CDATA[<ul><li><a href=\"https://cwe.mitre.org/data/definitions/79.html\">CWE-79: XSS</a></li>\
        <li><a href=\"https://cwe.mitre.org/data/definitions/116.html\">CWE-116: Encoding</a></li></ul>]]></vulnerabilityClassifications>\
        <issueDetailItems><issueDetailItem><![CDATA[Item <b>one</b>]]></issueDetailItem><issueDetailItem>Item two</issueDetailItem></issueDetailItems>\
        <requestresponse><request method=\"GET\" base64=\"false\"><![CDATA[GET /a?b=1 HTTP/2\r\nHost: app.example\r\n\r\n]]></request>\
        <response base64=\"false\"><![CDATA[HTTP/2 200 OK\r\n\r\n<html>]]></response></requestresponse>\
        <collaboratorEvent><interactionType>DNS</interactionType><requestresponse><request base64=\"false\">NOT THIS</request></requestresponse></collaboratorEvent>";
    let xml = export(
        &[
            issue("High", extra),
            issue("Medium", ""),
            issue("Low", ""),
            issue("Information", ""),
            issue("False positive", ""),
        ]
        .concat(),
    );
    let v = parse_str(&xml).unwrap();
    assert_eq!(
        v.iter().map(|f| (f.severity, f.suppressed)).collect::<Vec<_>>(),
        [
            (Severity::High, false),
            (Severity::Medium, false),
            (Severity::Low, false),
            (Severity::Info, false),
            (Severity::Info, true)
        ]
    );
    let f = &v[0];
    assert_eq!(
        (f.host.as_str(), f.port, f.url.as_str()),
        ("app.example", Some(8443), "https://app.example:8443/a?b=1")
    );
    assert_eq!(f.cwes, [79, 116]);
    assert_eq!(
        f.references,
        [
            "https://portswigger.net/web-security/x",
            "https://cwe.mitre.org/data/definitions/79.html",
            "https://cwe.mitre.org/data/definitions/116.html"
        ]
    );
    assert_eq!(f.evidence, "Item one\nItem two\nGET /a?b=1 HTTP/2 → HTTP/2 200 OK");
    // exportTime="Mon Jan 02 10:00:00 ICT 2023" (UTC+7).
    assert_eq!(f.scan_time, Some(1_672_628_400));
    // An empty export is a success with no findings.
    assert!(parse_str(&export("")).unwrap().is_empty());
    assert!(parse_str("<issues/>").unwrap().is_empty());
}

#[test]
fn entities_are_never_expanded() {
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE issues [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\
        <issues><issue><name>&lol2;</name></issue></issues>";
    let e = parse_str(bomb).unwrap_err();
    assert!(e.to_string().contains("<name>") && e.to_string().contains("&lol2;"), "{e}");
    let xxe = "<!DOCTYPE issues [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><issues><issue><issueDetail>&xxe;</issueDetail></issue></issues>";
    let e = parse_str(xxe).unwrap_err();
    assert!(e.to_string().contains("<issueDetail>"), "{e}");
    // The five XML entities and character references are fine.
    let v = parse_str("<issues><issue><name>A &amp; B &#x2014; &lt;C&gt;</name></issue></issues>").unwrap();
    assert_eq!(v[0].title, "A & B — <C>");
}

#[test]
fn malformed_input_names_the_problem() {
    let e = parse_str(&export("<issue><name>x</name><issueBackground><![CDATA[cut")).unwrap_err();
    assert!(e.to_string().contains("issueBackground"), "{e}");
    let e = parse_str(&export("<issue><name>x</name><path>/p")).unwrap_err();
    assert!(e.to_string().contains("expected `</path>`") && e.to_string().contains("<path>"), "{e}");
    let e = parse_str("<issues><issue><name>x</name><path>/p").unwrap_err();
    assert!(e.to_string().contains("truncated") && e.to_string().contains("<path>"), "{e}");
    for (name, _) in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap();
        for cut in (0..end).step_by(end / 60 + 1).chain([end]) {
            assert!(parse_bytes(&bytes[..cut]).is_err(), "{name} cut at {cut}");
        }
    }
    let e = parse_str("<OWASPZAPReport/>").unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }) && e.to_string().contains("<OWASPZAPReport>"), "{e}");
    assert!(parse_str("").is_err());
    let e = parse_bytes(b"<issues><issue><name>\xFF\xFE</name></issue></issues>").unwrap_err();
    assert!(e.to_string().contains("<name>"), "{e}");
}

#[test]
fn enormous_messages_stay_bounded() {
    // A 12 MiB base64 response: only its start is decoded, the rest is never kept.
    let body = "SFRUUC8xLjEgMjAwIE9LDQo".to_string() + &"QUFB".repeat(3 << 20);
    let issue = format!(
        "<issue><name>Big</name><host>http://h</host><severity>Low</severity><issueDetail><![CDATA[{}]]></issueDetail>\
         <requestresponse><request base64=\"true\">R0VUIC8gSFRUUC8xLjENCg==</request><response base64=\"true\"><![CDATA[{body}]]></response></requestresponse></issue>",
        "d".repeat(5 << 20)
    );
    let v = parse_str(&export(&issue)).unwrap();
    assert_eq!(v[0].evidence, "GET / HTTP/1.1 → HTTP/1.1 200 OK");
    assert!(v[0].description.len() <= 1 << 20);
}
