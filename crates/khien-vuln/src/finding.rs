//! The normalised finding every parser yields, one per finding as the scanner reported it
//! (before deduplication), and the five-level severity scale.

use serde::Serialize;

/// The severity scale is the domain core's.
pub use khien_core::vuln::Severity;

/// One finding as the scanner reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub format: &'static str,
    pub title: String,
    pub severity: Severity,
    pub cvss_score: Option<f64>,
    pub cvss_vector: String,
    pub cves: Vec<String>,
    pub cwes: Vec<u32>,
    pub host: String,
    pub ip: String,
    pub port: Option<u16>,
    pub protocol: String,
    pub url: String,
    pub rule_id: String,
    pub description: String,
    pub solution: String,
    pub evidence: String,
    pub references: Vec<String>,
    /// Where in the target the finding is when it is not a host/port/URL: a file path with
    /// its line (SARIF, Trivy misconfigurations/secrets), a Kubernetes resource, an image.
    pub location: String,
    /// The affected package or component with its installed version ("openssl 1.1.1k").
    pub component: String,
    /// The version that fixes it, when the scanner says.
    pub fixed_version: String,
    /// EPSS probability (0..1) when the report carries one.
    pub epss_score: Option<f64>,
    /// The scanner itself marked the result as suppressed / false positive.
    pub suppressed: bool,
    /// Scan time as the report gives it (Unix seconds when known).
    pub scan_time: Option<i64>,
}

impl Finding {
    pub fn new(format: &'static str) -> Finding {
        Finding {
            format,
            title: String::new(),
            severity: Severity::Info,
            cvss_score: None,
            cvss_vector: String::new(),
            cves: vec![],
            cwes: vec![],
            host: String::new(),
            ip: String::new(),
            port: None,
            protocol: String::new(),
            url: String::new(),
            rule_id: String::new(),
            description: String::new(),
            solution: String::new(),
            evidence: String::new(),
            references: vec![],
            location: String::new(),
            component: String::new(),
            fixed_version: String::new(),
            epss_score: None,
            suppressed: false,
            scan_time: None,
        }
    }
}

/// Parse "CWE-79", "79" or "CWE:79" into 79.
pub fn parse_cwe(s: &str) -> Option<u32> {
    let t = s.trim();
    let t = t.strip_prefix("CWE").map(|r| r.trim_start_matches([':', '-', ' '])).unwrap_or(t);
    t.parse().ok()
}
