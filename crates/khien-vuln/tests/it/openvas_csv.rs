//! The OpenVAS CSV parser on the real sample exports of `shared/testdata/scans/openvas/`, with
//! counts and values taken from the files themselves, and on malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, openvas};
use std::io::BufReader;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/openvas").join(name)
}

const SAMPLES: [&str; 4] = ["no_vuln.csv", "one_vuln.csv", "many_vuln.csv", "report_combine_v2.csv"];

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = openvas::parse_csv(BufReader::new(f), &mut |x| out.push(x)).unwrap();
    assert_eq!(n, out.len());
    out
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    openvas::parse_csv(s, &mut |x| out.push(x))?;
    Ok(out)
}

#[test]
fn one_vuln() {
    let v = parse_file("one_vuln.csv");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.format, "openvas-csv");
    assert_eq!(f.title, "SSH Weak Encryption Algorithms Supported");
    assert_eq!(f.rule_id, "1.3.6.1.4.1.25623.1.0.105611");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.cvss_score, Some(4.3));
    assert_eq!((f.ip.as_str(), f.host.as_str()), ("10.0.0.8", "10.0.0.8"));
    assert_eq!((f.port, f.protocol.as_str()), (Some(22), "tcp"));
    assert!(f.cves.is_empty());
    assert_eq!(f.solution, "Disable the weak encryption algorithms.");
    assert!(f.description.starts_with("The remote SSH server is configured to allow weak encryption algorithms."));
    assert!(f.description.contains("Vulnerability insight: The `arcfour` cipher"), "{}", f.description);
    assert!(f.evidence.starts_with("The following weak client-to-server encryption algorithms"));
    assert!(f.evidence.contains("aes256-cbc"));
    assert_eq!(f.scan_time, Some(1614283287)); // 2021-02-25T20:01:27Z
}

#[test]
fn many_vuln() {
    let v = parse_file("many_vuln.csv");
    assert_eq!(v.len(), 4);
    assert!(v.iter().all(|f| f.host == "LOGSRV" && f.ip == "192.168.118.212"));
    assert!(v.iter().all(|f| f.scan_time == Some(1622062218))); // 2021-05-26T20:50:18Z
    assert_eq!(
        v.iter().map(|f| f.severity).collect::<Vec<_>>(),
        [Severity::Low, Severity::Medium, Severity::Medium, Severity::Critical]
    );
    let f = &v[0];
    assert_eq!(f.title, "TCP timestamps");
    assert_eq!((f.port, f.protocol.as_str()), (None, ""));
    assert_eq!(f.cvss_score, Some(2.6));
    assert!(f.description.contains("Impact: A side effect of this feature"), "{}", f.description);
    let f = &v[2];
    assert_eq!(f.title, "SSL/TLS: Deprecated TLSv1.0 and TLSv1.1 Protocol Detection");
    assert_eq!((f.port, f.protocol.as_str()), (Some(9200), "tcp"));
    assert_eq!(f.cves, ["CVE-2011-3389", "CVE-2015-0204"]);
    assert_eq!(f.references.first().map(String::as_str), Some("DFN-CERT-2020-0177"));
    assert_eq!(f.references.last().map(String::as_str), Some("CB-K13/0790"));
    assert_eq!(f.references.len(), 99);
    // High with CVSS 9.0 maps to critical, as in the XML parser.
    let f = &v[3];
    assert_eq!(f.title, "HTTP Brute Force Logins With Default Credentials Reporting");
    assert_eq!(f.cvss_score, Some(9.0));
    assert_eq!(f.rule_id, "1.3.6.1.4.1.25623.1.0.103240");
    assert_eq!(f.solution, "Change the password as soon as possible.");
    assert!(f.evidence.contains("https://192.168.118.212:9200/:admin:admin:HTTP/1.1 200 OK"));
}

#[test]
fn with_qod_column_and_empty() {
    let v = parse_file("report_combine_v2.csv");
    assert_eq!(v.len(), 2);
    for f in &v {
        assert_eq!(f.title, "TCP Timestamps Information Disclosure");
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.rule_id, "1.3.6.1.4.1.25623.1.0.80091");
        assert_eq!((f.ip.as_str(), f.port), ("45.33.32.156", None));
        assert_eq!(f.scan_time, Some(1710765991)); // 2024-03-18T12:46:31Z
    }
    assert!(v[0].evidence.contains("Packet 1: 1912048204"));
    assert!(v[1].evidence.contains("Packet 1: 1912048205"));
    assert!(parse_file("no_vuln.csv").is_empty());
    assert!(parse_bytes(b"").unwrap().is_empty());
}

#[test]
fn detected_from_content() {
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        assert_eq!(detect(&bytes), Detected::Format(Format::OpenvasCsv), "{name}");
    }
}

#[test]
fn bad_input_names_the_line() {
    let full = std::fs::read(sample("many_vuln.csv")).unwrap();
    // Cut inside the quoted Specific Result of the second row (which starts on line 27).
    let at = full.windows(24).position(|w| w == b"Server Temporary Key Siz").unwrap();
    let e = parse_bytes(&full[..at]).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 27, .. }), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
    // Cut between fields of a row: a short row.
    let head = "IP,Hostname,Port,Port Protocol,CVSS,Severity,NVT Name,NVT OID\n";
    let e = parse_bytes(format!("{head}10.0.0.1,,22,tcp,5.0,Medium,X,1.2\n10.0.0.2,,22").as_bytes()).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 3, .. }), "{e}");
    // Invalid UTF-8.
    let e = parse_bytes(&[head.as_bytes(), b"10.0.0.1,,22,tcp,5.0,Medium,X\xff,1.2\n"].concat()).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 2, .. }), "{e}");
    // Not an OpenVAS export.
    let e = parse_bytes(b"Title,Severity\nx,High\n").unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }), "{e}");
    let e = parse_bytes(b"<report><results/></report>").unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }), "{e}");
    // Words and scores.
    let v = parse_bytes(
        format!("{head}10.0.0.1,srv,general,tcp,0.0,Log,A,1\n10.0.0.1,srv,80,tcp,10.0,High,B,2\n,,,,7.5,Odd,C,3\n")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        v.iter().map(|f| (f.severity, f.port)).collect::<Vec<_>>(),
        [(Severity::Info, None), (Severity::Critical, Some(80)), (Severity::High, None)]
    );
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
