//! The OpenVAS / GVM XML parser on the real sample reports of `shared/testdata/scans/openvas/`,
//! with counts and values taken from the files themselves, and on synthetic and malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, openvas};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/openvas").join(name)
}

const SAMPLES: [&str; 3] = ["no_vuln.xml", "one_vuln.xml", "report_detail_v2.xml"];

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = openvas::parse_xml(BufReader::new(f), &mut |x| out.push(x)).unwrap();
    assert_eq!(n, out.len());
    out
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    let n = openvas::parse_xml(s, &mut |x| out.push(x))?;
    assert_eq!(n, out.len());
    Ok(out)
}

fn parse_str(s: &str) -> Result<Vec<Finding>, ParseError> {
    parse_bytes(s.as_bytes())
}

/// A minimal GVM report around `results` (the inner `<report>` nested like GVM writes it).
fn report(results: &str) -> String {
    format!(
        "<report id=\"r\" format_id=\"x\"><creation_time>2024-01-02T03:04:05Z</creation_time>\
         <report id=\"r\"><scan_start>2024-01-01T00:00:00Z</scan_start><results start=\"1\">{results}</results>\
         <host><ip>10.0.0.1</ip><detail><name>best_os_cpe</name><value>cpe:/o:x</value></detail></host>\
         </report></report>"
    )
}

#[test]
fn no_vuln_report() {
    assert!(parse_file("no_vuln.xml").is_empty());
}

#[test]
fn one_vuln_report() {
    let v = parse_file("one_vuln.xml");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.format, "openvas-xml");
    assert_eq!(f.title, "Mozilla Firefox Security Update (mfsa_2023-32_2023-36) - Windows");
    assert_eq!(f.rule_id, "1.3.6.1.4.1.25623.1.0.832260");
    // Threat "High" with score 10.0: critical by the score.
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.cvss_score, Some(10.0));
    assert_eq!(f.cvss_vector, "");
    assert_eq!((f.host.as_str(), f.ip.as_str()), ("10.0.101.2", "10.0.101.2"));
    assert_eq!((f.port, f.protocol.as_str()), (None, "tcp"), "general/tcp has no port");
    assert_eq!(f.cves.len(), 12);
    assert_eq!(f.cves[0], "CVE-2023-4573");
    assert!(f.cves.contains(&"CVE-2023-4585".to_string()));
    assert_eq!(f.references, ["https://www.mozilla.org/en-US/security/advisories/mfsa2023-34/"]);
    assert!(
        f.description.starts_with("Mozilla Firefox is prone to multiple vulnerabilities.\n\nInsight: Multiple flaws")
    );
    assert!(f.description.contains("\n- Memory corruption in IPC CanvasTranslator.\n- Memory corruption in IPC"));
    assert!(f.description.contains("Affected: Mozilla Firefox version before 117 on Windows."));
    assert!(!f.description.contains("qodType"), "{}", f.description);
    assert!(f.solution.starts_with("Upgrade to version 117 or later, Please see the references"));
    assert!(f.evidence.starts_with("Installed version: 116.0.3\nFixed version:     117"));
    assert_eq!(f.fixed_version, "117");
    assert_eq!(f.epss_score, None);
    assert!(!f.suppressed);
    // The result's creation_time, 2023-10-04T21:40:07.211472Z.
    assert_eq!(f.scan_time, Some(1_696_455_607));
}

#[test]
fn gvm_22_report_with_epss() {
    let v = parse_file("report_detail_v2.xml");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.title, "Microsoft Windows Multiple Vulnerabilities (KB5062557)");
    assert_eq!(f.rule_id, "1.3.6.1.4.1.25623.1.0.836484");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.cvss_score, Some(9.8));
    assert_eq!(f.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!((f.host.as_str(), f.ip.as_str()), ("server99", "10.99.99.99"));
    assert_eq!((f.port, f.protocol.as_str()), (Some(42), "tcp"));
    assert_eq!(f.cves.len(), 93);
    assert_eq!(f.cves[0], "CVE-2025-49659");
    assert_eq!(f.cves[92], "CVE-2025-49757");
    assert_eq!(
        f.references,
        [
            "https://support.microsoft.com/en-us/help/5062557",
            "WID-SEC-2025-1850",
            "WID-SEC-2025-1790",
            "WID-SEC-2025-1495",
            "DFN-CERT-2025-2181",
            "DFN-CERT-2025-1825"
        ]
    );
    assert_eq!(f.epss_score, Some(0.09023));
    assert_eq!(f.solution, "The vendor has released updates. Please see the references for more information.");
    assert!(
        f.description.starts_with("This host is missing an important security update according to Microsoft KB5062557")
    );
    assert!(f.description.contains(
        "Affected:\n- Microsoft Windows 10 Version 1809 for 32-bit Systems\n- Microsoft Windows 10 Version 1809 for x64-based"
    ));
    assert!(f.evidence.starts_with("Vulnerable range:  10.0.17763.0 - 10.0.17763.7557"));
    assert_eq!(f.fixed_version, "");
    // 2025-08-22T16:55:31+02:00
    assert_eq!(f.scan_time, Some(1_755_874_531));
}

#[test]
fn every_sample_is_detected() {
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        assert_eq!(detect(&bytes), Detected::Format(Format::OpenvasXml), "{name}");
    }
    for wrapped in ["<get_reports_response status=\"200\"><report/>", "<get_results_response status=\"200\">"] {
        assert_eq!(detect(wrapped.as_bytes()), Detected::Format(Format::OpenvasXml), "{wrapped}");
    }
}

#[test]
fn only_real_results_count() {
    let result = "<result id=\"a\"><name>Real</name><host>10.0.0.5</host><port>80/tcp</port>\
        <nvt oid=\"1.2.3\"><name>NVT name</name><tags>summary=S|solution=Fix it</tags></nvt>\
        <threat>Medium</threat><severity>5.0</severity><description>out</description>\
        <detection><result id=\"d\"><details><detail><name>product</name><value>cpe:/a:x</value></detail></details></result></detection>\
        <overrides><override><nvt oid=\"9.9\"><name>Other</name></nvt><new_severity>10</new_severity></override></overrides>\
        <delta><result id=\"old\"><name>Old</name><severity>9.0</severity></result></delta>\
        </result>";
    let v = parse_str(&report(result)).unwrap();
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!((f.title.as_str(), f.rule_id.as_str()), ("Real", "1.2.3"));
    assert_eq!((f.severity, f.cvss_score), (Severity::Medium, Some(5.0)));
    assert_eq!(
        (f.port, f.protocol.as_str(), f.ip.as_str(), f.host.as_str()),
        (Some(80), "tcp", "10.0.0.5", "10.0.0.5")
    );
    assert_eq!((f.description.as_str(), f.solution.as_str()), ("S", "Fix it"));
    // No result time: the report's scan_start.
    assert_eq!(f.scan_time, Some(1_704_067_200));

    // A GMP get_results response: results directly under the root.
    let v = parse_str(
        "<get_results_response status=\"200\"><result id=\"1\"><name>A</name><threat>Log</threat>\
         <severity>0.0</severity></result><result id=\"2\"><name>B</name><threat>Low</threat></result>\
         <filters/></get_results_response>",
    )
    .unwrap();
    assert_eq!(
        v.iter().map(|f| (f.title.as_str(), f.severity)).collect::<Vec<_>>(),
        [("A", Severity::Info), ("B", Severity::Low)]
    );
    assert_eq!(v[0].cvss_score, None);
}

#[test]
fn severity_mapping() {
    let one = |threat: &str, score: &str| {
        let r = format!("<result><name>x</name><threat>{threat}</threat><severity>{score}</severity></result>");
        let f = parse_str(&report(&r)).unwrap().remove(0);
        (f.severity, f.suppressed)
    };
    assert_eq!(one("High", "9.0"), (Severity::Critical, false));
    assert_eq!(one("High", "8.9"), (Severity::High, false));
    assert_eq!(one("Medium", "4.0"), (Severity::Medium, false));
    assert_eq!(one("Low", "3.9"), (Severity::Low, false));
    assert_eq!(one("Log", "0.0"), (Severity::Info, false));
    assert_eq!(one("Critical", ""), (Severity::Critical, false));
    assert_eq!(one("High", ""), (Severity::High, false));
    assert_eq!(one("Debug", "-2.0"), (Severity::Info, false));
    assert_eq!(one("False Positive", "-1.0"), (Severity::Info, true));
    assert_eq!(one("", "-1.0"), (Severity::Info, true));
}

#[test]
fn older_openvas_fields() {
    // OpenVAS 8/9: <cve>/<xref> lists in the NVT, ctime dates, "www (80/tcp)" ports, "|" in a tag value.
    let r = "<result><name>Old</name><host>scanme.example</host><port>www (80/tcp)</port>\
        <creation_time>Tue Aug 25 21:48:25 2015</creation_time>\
        <nvt oid=\"1.3.6.1.4.1.25623.1.0.1\"><cvss_base>6.8</cvss_base><cve>CVE-2015-0001, CVE-2015-0002</cve>\
        <bid>NOBID</bid><xref>URL:http://a.example/1, CERT-BUND:CB-K15/0001</xref>\
        <tags>cvss_base_vector=AV:N/AC:M/Au:N/C:P/I:P/A:P|summary=a|b c|insight=x</tags></nvt>\
        <threat>Medium</threat><severity>6.8</severity></result>";
    let f = parse_str(&report(r)).unwrap().remove(0);
    assert_eq!(f.cves, ["CVE-2015-0001", "CVE-2015-0002"]);
    assert_eq!(f.references, ["http://a.example/1", "CERT-BUND:CB-K15/0001"]);
    assert_eq!(f.cvss_vector, "AV:N/AC:M/Au:N/C:P/I:P/A:P");
    assert_eq!(f.description, "a|b c\n\nInsight: x");
    assert_eq!((f.host.as_str(), f.ip.as_str(), f.port), ("scanme.example", "", Some(80)));
    assert_eq!(f.scan_time, Some(1_440_539_305));
}

#[test]
fn malformed_input_names_the_problem() {
    // Truncated inside a result.
    let full = report("<result><name>x</name><description>partial");
    let cut = &full[..full.find("partial").unwrap() + 7];
    let e = parse_str(cut).unwrap_err();
    assert!(e.to_string().contains("truncated") && e.to_string().contains("<description>"), "{e}");
    // Every truncation of every sample is an error, never a panic.
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap();
        for cut in (0..end).step_by(end / 40 + 1).chain([end]) {
            assert!(parse_bytes(&bytes[..cut]).is_err(), "{name} cut at {cut}");
        }
    }
    // Mismatched tags.
    let e =
        parse_str("<report><report><results><result><name>x</nam></result></results></report></report>").unwrap_err();
    assert!(e.to_string().contains("<name>"), "{e}");
    // Wrong format.
    let e = parse_str("<NessusClientData_v2/>").unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }) && e.to_string().contains("<NessusClientData_v2>"), "{e}");
    assert!(matches!(
        parse_str("{\"runs\": []}").unwrap_err(),
        ParseError::Xml { .. } | ParseError::WrongFormat { .. }
    ));
    assert!(parse_str("").is_err());
    // Entities are never expanded: no DOCTYPE, and an unknown entity names its element.
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><report>&lol2;</report>";
    assert!(parse_str(bomb).is_err());
    let e = parse_str(&report("<result><description>&xxe;</description></result>")).unwrap_err();
    assert!(e.to_string().contains("<description>") && e.to_string().contains("&xxe;"), "{e}");
    // Invalid UTF-8 is an error, not a panic.
    let mut bad = report("<result><name>X</name></result>").into_bytes();
    let at = bad.windows(1).position(|w| w == b"X").unwrap();
    bad[at] = 0xFF;
    let e = parse_bytes(&bad).unwrap_err();
    assert!(e.to_string().contains("<name>"), "{e}");
}

#[test]
fn enormous_fields_stay_bounded() {
    let big = "A".repeat(6 << 20);
    let r = format!(
        "<result><name>n</name><host>10.0.0.1<hostname>{big}</hostname></host><nvt oid=\"{big}\"/><description>{big}</description></result>"
    );
    let f = parse_str(&report(&r)).unwrap().remove(0);
    assert!(f.evidence.len() <= 1 << 20 && f.evidence.len() > 1000);
    assert!(f.host.len() <= 4096 && f.rule_id.len() <= 4096);
    assert_eq!(f.ip, "10.0.0.1");
}
