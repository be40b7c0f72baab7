//! The Nessus parser on the real sample reports of `shared/testdata/scans/nessus/`, with
//! counts and values taken from the files themselves, and on malformed input.

use khien_vuln::{Finding, Severity, nessus};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/nessus").join(name)
}

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = nessus::parse(BufReader::new(f), &mut |x| out.push(x)).unwrap();
    assert_eq!(n, out.len());
    out
}

fn parse_str(s: &str) -> Result<Vec<Finding>, khien_vuln::ParseError> {
    let mut out = Vec::new();
    nessus::parse(s.as_bytes(), &mut |x| out.push(x))?;
    Ok(out)
}

#[test]
fn with_cwe_report() {
    let v = parse_file("nessus_with_cwe-.nessus");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.rule_id, "31649");
    assert_eq!((f.port, f.protocol.as_str()), (Some(80), "tcp"));
    assert_eq!(f.host, "testphp.vulnweb.com");
    assert_eq!(f.ip, "44.228.249.3");
    assert_eq!(f.cves.len(), 15);
    assert_eq!(f.cves[0], "CVE-2006-1015");
    assert_eq!(f.cwes, [94, 119, 399]);
    assert_eq!(f.cvss_score, Some(7.5));
    assert_eq!(f.cvss_vector, "CVSS2#AV:N/AC:L/Au:N/C:P/I:P/A:P");
    assert_eq!(f.solution, "Upgrade to PHP version 5.2.0 or later.");
    assert!(f.description.starts_with("According to its banner, the version of PHP 5.x"));
    assert_eq!(f.scan_time, Some(1648042311));
}

#[test]
fn other_samples() {
    let v = parse_file("issue_6992.nessus");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].severity, Severity::Medium);
    let v = parse_file("nessus_many_vuln.xml");
    assert_eq!(v.len(), 7);
    assert!(v.iter().all(|f| f.severity == Severity::Info), "severity 0 is info");
}

#[test]
fn bad_input_names_the_problem() {
    let e = parse_str(
        "<NessusClientData_v2><Report><ReportHost name=\"h\"><ReportItem severity=\"4\" pluginID=\"1\"><description>x",
    )
    .unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    let e = parse_str("<html><body/></html>").unwrap_err();
    assert!(e.to_string().contains("<html>"), "{e}");
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><NessusClientData_v2>&lol2;</NessusClientData_v2>";
    assert!(parse_str(bomb).is_err());
    let e = parse_str("<NessusClientData_v2><Report><ReportItem><description>&xxe;</description></ReportItem></Report></NessusClientData_v2>").unwrap_err();
    assert!(e.to_string().contains("description"), "{e}");
    assert!(parse_str("").is_err());
    let ok = parse_str("<NessusClientData_v2><Report><ReportHost name=\"10.0.0.1\"><ReportItem port=\"0\" severity=\"4\" pluginID=\"9\" pluginName=\"A &amp; B\"/></ReportHost></Report></NessusClientData_v2>").unwrap();
    assert_eq!(
        (ok[0].title.as_str(), ok[0].ip.as_str(), ok[0].port, ok[0].severity),
        ("A & B", "10.0.0.1", None, Severity::Critical)
    );
}

#[test]
fn enormous_attribute_is_refused_with_bounded_memory() {
    // 80 MiB in one attribute: beyond the 64 MiB event limit.
    let big = "A".repeat(80 << 20);
    let doc =
        format!("<NessusClientData_v2><Report><ReportHost name=\"{big}\"></ReportHost></Report></NessusClientData_v2>");
    let e = parse_str(&doc).unwrap_err();
    assert!(e.to_string().contains("larger than 64 MiB"), "{e}");
    // A large but acceptable description is kept, capped at 1 MiB.
    let text = "x".repeat(3 << 20);
    let doc = format!(
        "<NessusClientData_v2><Report><ReportHost name=\"h\"><ReportItem severity=\"1\" pluginID=\"1\"><description>{text}</description></ReportItem></ReportHost></Report></NessusClientData_v2>"
    );
    let v = parse_str(&doc).unwrap();
    assert_eq!(v[0].description.len(), 1 << 20);
}

#[test]
fn nessus_was_reports() {
    let v = parse_file("nessus_was_one_vuln.xml");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(
        (f.title.as_str(), f.rule_id.as_str(), f.severity),
        ("Cross-Site Scripting (XSS)", "98104", Severity::High)
    );
    assert_eq!((f.host.as_str(), f.url.as_str(), f.port), ("google.com", "http://google.com/", Some(80)));
    assert_eq!(f.cvss_score, Some(7.1), "the CVSS v3 score wins");
    assert!(f.references.iter().any(|r| r.contains("owasp.org")));
    assert_eq!(
        khien_vuln::detect(&std::fs::read(sample("nessus_was_one_vuln.xml")).unwrap()),
        khien_vuln::Detected::Format(khien_vuln::Format::Nessus)
    );
    assert!(parse_file("nessus_was_no_vuln.xml").is_empty(), "a host without items is no finding");
}

/// The children of a ReportItem the parser does not keep are passed by a byte search: what
/// they hold (comments, CDATA, nested elements, `>` in attribute values, markup-like text) does
/// not change what is read from the kept ones around them, and a report cut inside one is an
/// error naming it, at its offset in the file.
#[test]
fn unused_children_are_passed_without_disturbing_kept_ones() {
    let doc = "<NessusClientData_v2><Report><ReportHost name=\"10.0.0.5\"><ReportItem port=\"443\" severity=\"3\" pluginID=\"7\" pluginName=\"P\">\n\
        <fname>a.nasl</fname>\n<synopsis>one <!-- </synopsis> --> two <![CDATA[</synopsis><cve>X</cve>]]></synopsis>\n\
        <xref a=\"x>y\">IAVA:1</xref><plugin_type><plugin_type>n</plugin_type><plugin_type/></plugin_type>\n\
        <cve>CVE-2024-0001</cve>\n<risk_factor><?pi </risk_factor>?>High</risk_factor>\n\
        <description>D &amp; E</description><vpr_score/><cve>CVE-2024-0002</cve>\n\
        </ReportItem></ReportHost></Report></NessusClientData_v2>";
    let v = parse_str(doc).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].cves, ["CVE-2024-0001", "CVE-2024-0002"]);
    assert_eq!((v[0].description.as_str(), v[0].port, v[0].severity), ("D & E", Some(443), Severity::High));
    let cut = &doc[..doc.find("two").unwrap()];
    let e = parse_str(cut).unwrap_err();
    assert!(e.to_string().contains("<synopsis>") && e.to_string().contains("truncated"), "{e}");
    match e {
        khien_vuln::ParseError::Xml { offset, .. } => assert_eq!(offset as usize, cut.len()),
        other => panic!("{other}"),
    }
    // A host property inside an item is still read, as it was before the byte search.
    let odd = "<NessusClientData_v2><Report><ReportHost name=\"h\"><ReportItem pluginID=\"1\"><fname>f</fname>\
        <tag name=\"host-ip\">9.9.9.9</tag></ReportItem><ReportItem pluginID=\"2\"/></ReportHost></Report></NessusClientData_v2>";
    let v = parse_str(odd).unwrap();
    assert_eq!((v[0].ip.as_str(), v[1].ip.as_str()), ("", "9.9.9.9"));
}
