//! (OpenVAS parsers: not written yet.)

use crate::{Finding, ParseError};
use std::io::BufRead;

pub fn parse_xml<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("openvas-xml".into()))
}

/// Parse a Greenbone/OpenVAS CSV results export: one finding per data row (blank rows are
/// skipped; a row whose field count differs from the header's is an error naming its line).
///
/// Severity mapping: a CVSS score of 9.0 or more is critical (as for the XML report, where
/// threat "High" with a score of at least 9.0 maps to critical); otherwise the Severity
/// column's word: Critical, High, Medium, Low, and Log → info (None, Debug, False Positive and
/// an empty cell → info too); an unknown word falls back to the CVSS score (≥ 7 high, ≥ 4
/// medium, > 0 low, else info).
///
/// Columns (names matched without case, diacritics, underscores or extra spaces):
///
/// * NVT Name → title (the NVT OID when the name is empty); NVT OID → rule_id;
/// * IP → ip; Hostname → host (the IP when there is no hostname); Port → port (0 and
///   non-numeric ports such as "general" → none); Port Protocol → protocol;
/// * CVSS → cvss_score (the export has no vector); Severity (with CVSS) → severity;
/// * CVEs (comma separated) → cves; CWE ids mentioned in Other References → cwes;
/// * Summary, then "Impact:", "Affected software/OS:" and "Vulnerability insight:" sections
///   → description; Solution → solution; Specific Result → evidence;
/// * Other References and CERTs (comma separated) → references;
/// * an EPSS score column ("EPSS Score", "Max Severity EPSS score", ...) → epss_score;
/// * Timestamp (ISO 8601, e.g. 2018-04-16T12:57:25Z) → scan_time.
pub fn parse_csv<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    csv_parse(input, emit)
}

// ---------------------------------------------------------------------------------------------
// OpenVAS CSV export (`parse_csv`) helpers.
// ---------------------------------------------------------------------------------------------

fn csv_parse<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    use crate::tabular::{CsvTable, MAX_FIELD, cap, cwes_in, number, parse_iso8601, split_list};

    let Some(table) = CsvTable::open(input)? else { return Ok(0) };
    let mut table = table.strict();
    let h = table.header.clone();
    let name = h.col(&["nvt name"]);
    let oid = h.col(&["nvt oid", "oid"]);
    if name.is_none() && oid.is_none() {
        return Err(ParseError::WrongFormat {
            format: "openvas-csv",
            message: "the header has no \"NVT Name\" or \"NVT OID\" column".into(),
        });
    }
    let ip = h.col(&["ip", "ip address"]);
    let hostname = h.col(&["hostname", "host"]);
    let port = h.col(&["port"]);
    let proto = h.col(&["port protocol", "protocol"]);
    let cvss = h.col(&["cvss", "severity score", "cvss base score"]);
    let severity = h.col(&["severity", "threat"]);
    let summary = h.col(&["summary"]);
    let impact = h.col(&["impact"]);
    let affected = h.col(&["affected software/os"]);
    let insight = h.col(&["vulnerability insight"]);
    let solution = h.col(&["solution"]);
    let result = h.col(&["specific result"]);
    let cves = h.col(&["cves", "cve"]);
    let refs = h.col(&["other references", "references"]);
    let certs = h.col(&["certs"]);
    let epss = h
        .col(&["epss score", "max severity epss score", "max epss score", "epss"])
        .or_else(|| h.col_containing(&["epss", "score"]));
    let stamp = h.col(&["timestamp"]);

    let mut count = 0usize;
    while let Some(row) = table.next_row()? {
        let mut f = Finding::new("openvas-csv");
        f.rule_id = row.get(oid).to_string();
        f.title = row.get(name).to_string();
        if f.title.is_empty() {
            f.title = f.rule_id.clone();
        }
        f.ip = row.get(ip).to_string();
        f.host = match row.get(hostname) {
            "" => f.ip.clone(),
            h => h.to_string(),
        };
        f.port = row.get(port).parse::<u16>().ok().filter(|p| *p != 0);
        f.protocol = row.get(proto).to_ascii_lowercase();
        f.cvss_score = number(row.get(cvss)).filter(|s| (0.0..=10.0).contains(s));
        f.severity = csv_severity(row.get(severity), f.cvss_score);
        f.cves = split_list(row.get(cves))
            .filter(|c| c.to_ascii_uppercase().starts_with("CVE-"))
            .map(String::from)
            .collect();
        let mut description = row.get(summary).to_string();
        for (label, col) in [("Impact", impact), ("Affected software/OS", affected), ("Vulnerability insight", insight)]
        {
            let v = row.get(col);
            if !v.is_empty() {
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(label);
                description.push_str(": ");
                description.push_str(v);
            }
        }
        f.description = cap(description, MAX_FIELD);
        f.solution = row.get(solution).to_string();
        f.evidence = row.get(result).to_string();
        f.references = split_list(row.get(refs)).chain(split_list(row.get(certs))).map(String::from).collect();
        f.cwes = cwes_in(row.get(refs));
        f.epss_score = number(row.get(epss)).filter(|e| (0.0..=1.0).contains(e));
        f.scan_time = parse_iso8601(row.get(stamp));
        emit(f);
        count += 1;
    }
    Ok(count)
}

/// The CSV export's severity: see [`parse_csv`].
fn csv_severity(word: &str, score: Option<f64>) -> crate::Severity {
    use crate::Severity;
    if score.is_some_and(|s| s >= 9.0) {
        return Severity::Critical;
    }
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        "log" | "none" | "debug" | "false positive" | "" => Severity::Info,
        _ => match score {
            Some(s) if s >= 7.0 => Severity::High,
            Some(s) if s >= 4.0 => Severity::Medium,
            Some(s) if s > 0.0 => Severity::Low,
            _ => Severity::Info,
        },
    }
}
