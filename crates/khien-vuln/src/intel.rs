//! Threat-intelligence files that raise a finding's priority: CISA's Known Exploited
//! Vulnerabilities catalogue (JSON, as published at cisa.gov and its GitHub mirror) and
//! FIRST's EPSS scores (CSV, optionally gzip-compressed, with a `#model_version…` comment
//! line before the `cve,epss,percentile` header).

use crate::ParseError;
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read};

/// One entry of the KEV catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KevEntry {
    #[serde(rename = "cveID")]
    pub cve: String,
    #[serde(rename = "vendorProject", default)]
    pub vendor: String,
    #[serde(default)]
    pub product: String,
    #[serde(rename = "vulnerabilityName", default)]
    pub name: String,
    #[serde(rename = "dateAdded", default)]
    pub date_added: String,
    #[serde(rename = "dueDate", default)]
    pub due_date: String,
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    pub ransomware: String,
}

#[derive(Deserialize)]
struct Catalogue {
    #[serde(rename = "catalogVersion", default)]
    version: String,
    vulnerabilities: Vec<KevEntry>,
}

/// A parsed KEV catalogue.
#[derive(Debug, Clone)]
pub struct Kev {
    pub version: String,
    pub entries: Vec<KevEntry>,
}

/// Largest KEV file accepted (the real one is about 1.3 MB).
const MAX_KEV: u64 = 64 << 20;

/// Parse a KEV catalogue. Entries whose `cveID` is not a CVE id are refused with its index.
pub fn parse_kev<R: Read>(input: R) -> Result<Kev, ParseError> {
    let mut limited = input.take(MAX_KEV + 1);
    let mut text = Vec::new();
    limited.read_to_end(&mut text)?;
    if text.len() as u64 > MAX_KEV {
        return Err(ParseError::WrongFormat { format: "kev", message: "larger than 64 MiB".into() });
    }
    let c: Catalogue = serde_json::from_slice(&text).map_err(|e| ParseError::Json {
        line: e.line(),
        column: e.column(),
        context: "the KEV catalogue".into(),
        message: e.to_string(),
    })?;
    for (i, e) in c.vulnerabilities.iter().enumerate() {
        if !is_cve(&e.cve) {
            return Err(ParseError::WrongFormat {
                format: "kev",
                message: format!("vulnerabilities[{i}].cveID {:?} is not a CVE id", e.cve),
            });
        }
    }
    Ok(Kev { version: c.version, entries: c.vulnerabilities })
}

/// `CVE-YYYY-NNNN…`.
pub fn is_cve(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() >= 13
        && s.len() <= 24
        && s.starts_with("CVE-")
        && b[4..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'-'
        && b[9..].iter().all(u8::is_ascii_digit)
}

/// One EPSS score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpssScore<'a> {
    pub cve: &'a str,
    pub score: f64,
    pub percentile: f64,
}

/// Stream an EPSS CSV (plain or gzip), calling `emit` per row; returns the row count.
pub fn parse_epss<R: Read>(input: R, emit: &mut dyn FnMut(EpssScore<'_>)) -> Result<usize, ParseError> {
    let mut input = BufReader::new(input);
    let gz = input.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead> =
        if gz { Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(input))) } else { Box::new(input) };
    let mut n = 0usize;
    let mut header = false;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| ParseError::Csv { line: i as u64 + 1, message: e.to_string() })?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !header {
            if !line.to_ascii_lowercase().starts_with("cve,epss") {
                return Err(ParseError::WrongFormat {
                    format: "epss",
                    message: format!("line {}: expected the header cve,epss,percentile", i + 1),
                });
            }
            header = true;
            continue;
        }
        let mut parts = line.split(',');
        let (Some(cve), Some(score), percentile) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ParseError::Csv { line: i as u64 + 1, message: "expected cve,epss,percentile".into() });
        };
        let bad = |what: &str| ParseError::Csv { line: i as u64 + 1, message: format!("{what} is not valid") };
        if !is_cve(cve) {
            return Err(bad("the CVE id"));
        }
        let score: f64 = score.trim().parse().map_err(|_| bad("the score"))?;
        let percentile: f64 = percentile.unwrap_or("0").trim().parse().map_err(|_| bad("the percentile"))?;
        if !(0.0..=1.0).contains(&score) || !(0.0..=1.0).contains(&percentile) {
            return Err(bad("a probability between 0 and 1"));
        }
        emit(EpssScore { cve, score, percentile });
        n += 1;
    }
    if !header && n == 0 {
        return Err(ParseError::WrongFormat { format: "epss", message: "no cve,epss,percentile header".into() });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epss_plain_and_gzip() {
        let text = "#model_version:v2025.03.14,score_date:2025-09-03T12:55:00Z\ncve,epss,percentile\nCVE-1999-0001,0.0142,0.7991\nCVE-2024-4577,0.94,0.999\n";
        let mut got = Vec::new();
        assert_eq!(parse_epss(text.as_bytes(), &mut |s| got.push((s.cve.to_string(), s.score))).unwrap(), 2);
        assert_eq!(got[1], ("CVE-2024-4577".to_string(), 0.94));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        assert_eq!(parse_epss(&bytes[..], &mut |_| {}).unwrap(), 2);
        let e = parse_epss("cve,epss,percentile\nCVE-1,x,0\n".as_bytes(), &mut |_| {}).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse_epss("a,b\n".as_bytes(), &mut |_| {}).is_err());
        assert!(parse_epss("cve,epss,percentile\nCVE-2024-0001,1.5,0.2\n".as_bytes(), &mut |_| {}).is_err());
    }

    #[test]
    fn kev_errors() {
        assert!(
            parse_kev(&b"{\"vulnerabilities\": [{\"cveID\": \"nope\"}]}"[..]).unwrap_err().to_string().contains("[0]")
        );
        assert!(parse_kev(&b"{\"vulnerabilities\": ["[..]).is_err());
        assert!(is_cve("CVE-2024-4577") && !is_cve("CVE-24-1") && !is_cve("CVE-2024-"));
    }
}
