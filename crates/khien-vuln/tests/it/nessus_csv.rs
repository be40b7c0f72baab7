//! The Nessus / Tenable CSV parser on the real sample exports of `shared/testdata/scans/nessus/`,
//! with counts and values taken from the files themselves, and on malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, nessus_csv};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/nessus").join(name)
}

const SAMPLES: [&str; 8] = [
    "nessus-template.csv",
    "nessus_many_vuln.csv",
    "nessus_many_vuln2-default.csv",
    "issue_11102.csv",
    "issue_9612.csv",
    "nessus_was_many_vuln.csv",
    "nessus_was_no_vuln.csv",
    "nessus_was_one_vuln.csv",
];

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = nessus_csv::parse(BufReader::new(f), &mut |x| out.push(x)).unwrap();
    assert_eq!(n, out.len());
    out
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    nessus_csv::parse(s, &mut |x| out.push(x))?;
    Ok(out)
}

#[test]
fn nessus_template_with_scaled_scores() {
    let v = parse_file("nessus-template.csv");
    assert_eq!(v.len(), 5);
    let f = &v[0];
    assert_eq!(f.format, "nessus-csv");
    assert_eq!(f.rule_id, "42873");
    assert_eq!(f.title, "SSL Medium Strength Cipher Suites Supported (SWEET32)");
    assert_eq!(f.severity, Severity::High, "Risk (High) is preferred over Risk Factor (Medium)");
    assert_eq!((f.host.as_str(), f.ip.as_str()), ("192.168.0.100", "192.168.0.100"));
    assert_eq!((f.port, f.protocol.as_str()), (Some(3389), "tcp"));
    assert_eq!(f.cves, ["CVE-2016-2183"]);
    assert_eq!(f.cvss_score, Some(7.5), "\"CVSS v3.0 Base Score\" 75 is 7.5");
    assert_eq!(f.references, ["http://www.nessus.org/u?df5555f5", "https://sweet32.info"]);
    assert_eq!(f.epss_score, Some(0.3833));
    assert!(f.evidence.starts_with("Medium Strength Ciphers (> 64-bit and < 112-bit key, or 3DES)"));
    assert_eq!(
        f.solution,
        "Reconfigure the affected application if possible to avoid use of\n medium strength ciphers."
    );
    assert_eq!(f.scan_time, None);
    let f = &v[1];
    assert_eq!((f.rule_id.as_str(), f.severity, f.port), ("11213", Severity::Medium, Some(443)));
    assert_eq!(f.cwes, [16, 200]);
    assert_eq!(f.cvss_score, Some(5.3));
    let f = &v[3];
    assert_eq!(f.title, "PHP 8.2.x < 8.2.20 Multiple Vulnerabilities");
    assert_eq!((f.severity, f.cvss_score, f.epss_score), (Severity::Critical, Some(9.8), Some(0.9438)));
    assert_eq!(f.cves, ["CVE-2024-4577"]);
    assert_eq!((f.ip.as_str(), f.port), ("192.168.0.101", Some(8080)));
    assert_eq!(
        v.iter().map(|f| f.severity).collect::<Vec<_>>(),
        [Severity::High, Severity::Medium, Severity::Medium, Severity::Critical, Severity::Medium]
    );
}

#[test]
fn tenable_sc_with_empty_rows() {
    let v = parse_file("nessus_many_vuln.csv");
    assert_eq!(v.len(), 4, "the 529 all-empty rows are skipped");
    assert!(v.iter().all(|f| f.severity == Severity::Medium && f.port == Some(443) && f.protocol == "tcp"));
    let f = &v[0];
    assert_eq!(
        (f.rule_id.as_str(), f.title.as_str()),
        ("35291", "SSL Certificate Signed Using Weak Hashing Algorithm")
    );
    assert_eq!((f.host.as_str(), f.ip.as_str()), ("10.1.1.1", "10.1.1.1"));
    assert_eq!(f.cves, ["CVE-2004-2761"]);
    assert_eq!(f.cwes, [310]);
    assert_eq!(f.cvss_score, Some(7.5));
    assert_eq!(f.cvss_vector, "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N/E:P/RL:O/RC:C");
    assert_eq!(f.component, "cpe:/a:ietf:md5, cpe:/a:ietf:x.509_certificate");
    assert_eq!(f.references.len(), 6);
    assert!(f.evidence.starts_with("The following certificates were part of the certificate chain"), "{}", f.evidence);
    assert_eq!(f.solution, "Contact the Certificate Authority to have the SSL certificate reissued.");
    assert_eq!(f.scan_time, Some(1609867448)); // Jan 5, 2021 10:24:08 MST
    let f = &v[2];
    assert_eq!(f.rule_id, "57582");
    assert_eq!((f.cvss_score, f.cvss_vector.as_str()), (Some(6.4), "AV:N/AC:L/Au:N/C:P/I:P/A:N"), "v2 when no v3");
    assert_eq!(v[3].cves, ["CVE-2013-2566", "CVE-2015-2808"]);
    assert_eq!(v[3].ip, "10.2.1.1");
}

#[test]
fn nessus_default_columns() {
    let v = parse_file("nessus_many_vuln2-default.csv");
    assert_eq!(v.len(), 30);
    assert_eq!(v.iter().filter(|f| f.severity == Severity::Info).count(), 29, "Risk None is info");
    let m: Vec<_> = v.iter().filter(|f| f.severity == Severity::Medium).collect();
    assert_eq!((m[0].rule_id.as_str(), m[0].title.as_str()), ("104743", "TLS Version 1.0 Protocol Detection"));
    assert_eq!(m[0].cvss_score, Some(6.1));
    assert!(v.iter().all(|f| f.host == "52.208.101.182" && f.ip == "52.208.101.182"));
    let trace = v.iter().find(|f| f.rule_id == "10287").unwrap();
    assert_eq!((trace.protocol.as_str(), trace.port), ("udp", None));
    assert!(trace.evidence.contains("Hop Count: 9"));
    assert_eq!(v.iter().find(|f| f.rule_id == "95631").unwrap().cves, ["CVE-2004-2761"]);
    assert_eq!(v[0].title, "HTTP Server Type and Version");
    assert_eq!(v[0].solution, "n/a");
}

#[test]
fn tenable_sc_issue_exports() {
    let v = parse_file("issue_11102.csv");
    assert_eq!(v.len(), 3);
    assert_eq!(
        v.iter().map(|f| (f.ip.as_str(), f.port)).collect::<Vec<_>>(),
        [("1.2.3.4", Some(443)), ("2.3.4.5", Some(443)), ("1.2.3.4", Some(8443))]
    );
    for f in &v {
        assert_eq!(f.title, "SSL Medium Strength Cipher Suites Supported (SWEET32)");
        assert_eq!(f.severity, Severity::High, "Severity (High) is preferred over Risk Factor (Medium)");
        assert_eq!(f.cves, ["CVE-2016-2183"]);
        assert_eq!((f.cvss_score, f.cvss_vector.as_str()), (Some(7.5), "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"));
        assert_eq!(
            f.solution,
            "Reconfigure the affected application if possible to avoid use of medium strength ciphers."
        );
        assert!(f.evidence.starts_with("Medium Strength Ciphers"), "{}", f.evidence);
        assert_eq!(f.references, ["https://www.openssl.org/blog/blog/2016/08/24/sweet32/", "https://sweet32.info"]);
        assert_eq!(f.scan_time, Some(1729185894)); // Oct 17, 2024 17:24:54 UTC
    }
    let v = parse_file("issue_9612.csv");
    assert_eq!(v.len(), 3);
    assert_eq!(v.iter().map(|f| f.port).collect::<Vec<_>>(), [Some(1433), Some(5555), Some(1433)]);
    for f in &v {
        assert_eq!((f.rule_id.as_str(), f.severity), ("73756", Severity::Critical));
        assert_eq!(f.title, "Microsoft SQL Server Unsupported Version Detection (remote check)");
        assert_eq!(f.cvss_score, Some(10.0));
        assert_eq!(f.component, "cpe:/a:microsoft:sql_server");
        assert!(f.cves.is_empty());
        assert_eq!(f.scan_time, Some(1708376461)); // Feb 19, 2024 21:01:01 UTC
    }
}

#[test]
fn nessus_was() {
    let v = parse_file("nessus_was_many_vuln.csv");
    assert_eq!(v.len(), 5, "the 24 all-empty rows are skipped");
    assert_eq!(
        v.iter().map(|f| f.severity).collect::<Vec<_>>(),
        [Severity::High, Severity::Info, Severity::Low, Severity::Low, Severity::Low]
    );
    for f in &v {
        assert_eq!((f.host.as_str(), f.ip.as_str(), f.protocol.as_str()), ("google.com", "", "http"));
        assert_eq!((f.url.as_str(), f.port), ("http://google.com", None));
    }
    let f = &v[0];
    assert_eq!((f.rule_id.as_str(), f.title.as_str()), ("98104", "Cross-Site Scripting (XSS)"));
    assert_eq!(f.cvss_score, Some(7.1));
    assert!(f.evidence.contains("http://google.com/search.jsp"));
    assert_eq!(f.references.len(), 2);
    assert_eq!(v[1].cvss_score, None);
    assert_eq!(v[2].title, "Missing 'X-Frame-Options' Header");
    assert_eq!(v[2].evidence, "Page http://google.com/ has no X-Frame-Option header defined");
    assert_eq!(parse_file("nessus_was_one_vuln.csv").len(), 1);
    assert!(parse_file("nessus_was_no_vuln.csv").is_empty());
    assert!(parse_bytes(b"").unwrap().is_empty());
}

#[test]
fn detected_from_content() {
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        assert_eq!(detect(&bytes), Detected::Format(Format::NessusCsv), "{name}");
    }
}

#[test]
fn bad_input_names_the_line() {
    let full = std::fs::read(sample("issue_9612.csv")).unwrap();
    let e = parse_bytes(&full[..full.len() - 900]).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 20, .. }), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
    let head = b"Plugin ID,CVE,CVSS,Risk,Host,Protocol,Port,Name\n";
    let e = parse_bytes(&[&head[..], b"1,,,Low,h,tcp,1,A\n2,,,Low,h,tcp\n"].concat()).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 3, .. }), "{e}");
    let e = parse_bytes(&[&head[..], b"1,,,Low,h\xc3,tcp,1,A\n"].concat()).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 2, .. }) && e.to_string().contains("UTF-8"), "{e}");
    let e = parse_bytes(b"IP,Hostname,NVT Name,NVT OID\n1,2,3,4\n").unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }), "{e}");
    let e = parse_bytes(br#"{"runs": []}"#).unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }), "{e}");
    let v =
        parse_bytes(&[&head[..], b"1,,100,4,10.0.0.1,TCP,0,A\n2,,x,Weird,h.example,tcp,99999,B\n"].concat()).unwrap();
    assert_eq!(
        (v[0].severity, v[0].cvss_score, v[0].port, v[0].protocol.as_str()),
        (Severity::Critical, Some(10.0), None, "tcp")
    );
    assert_eq!((v[1].severity, v[1].cvss_score, v[1].port, v[1].ip.as_str()), (Severity::Info, None, None, ""));
}

#[test]
fn mutated_samples_never_panic() {
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        for m in crate::mutations(&bytes, 300) {
            let _ = parse_bytes(&m);
        }
    }
}
