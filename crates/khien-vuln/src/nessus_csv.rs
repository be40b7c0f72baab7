//! Nessus, Tenable.sc, Tenable.io and Nessus WAS (web application scanning) CSV exports,
//! streamed: one finding per data row (rows whose fields are all empty are skipped; a row
//! whose field count differs from the header's is an error naming its line). The exports'
//! column sets differ; names are matched without case, underscores or extra spaces, the first
//! present alias winning.
//!
//! Severity mapping: the risk word, taken from "Risk" (Nessus, Nessus WAS), else "Severity"
//! (Tenable.sc, Tenable.io), else "Risk Factor": Critical → critical, High → high, Medium →
//! medium, Low → low, None / Info / Informational → info, any case; a digit 0–4 (Tenable's
//! numeric severity) maps as in `.nessus` files (0 info … 4 critical). An empty or unknown
//! value is info.
//!
//! Fields:
//! * "Plugin ID" / "Plugin" → rule_id; "Name" / "Plugin Name" → title;
//! * host: "DNS Name", else "Host", else "IP Address"; ip: "IP Address" / "IP", else the
//!   "Host" value when it is an address; "Protocol" → protocol (lowercase); "Port" → port (0 →
//!   none); Nessus WAS rows (protocol http/https) get url = protocol://host[:port];
//! * CVSS: v4 ("CVSS v4.0 Base Score"), else v3 ("CVSSv3", "CVSS V3 Base Score", "CVSS v3.0
//!   Base Score"), else v2 ("CVSS", "CVSS V2 Base Score", "CVSS v2.0 Base Score"), with the
//!   matching vector column ("CVSS V3 Vector", ...) as given. Some Nessus export templates
//!   write scores multiplied by ten without a decimal point ("50" for 5.0, "100" for 10.0): a
//!   whole number above 10 and at most 100 is divided by ten;
//! * "CVE" (one or many, comma / semicolon / newline separated) → cves; CWE ids in "Cross
//!   References" / "XREF" ("CWE #310", "CWE:200") → cwes;
//! * "Description" (else "Synopsis") → description; "Solution" / "Steps to Remediate" →
//!   solution; "Plugin Output" / "Plugin Text" → evidence (Tenable.sc's leading "Plugin
//!   Output:" label removed); "See Also" (whitespace separated URLs) → references;
//! * "CPE" → component (several CPEs joined with ", ");
//! * "EPSS Score" → epss_score: a probability (0–1) as is; a value with a decimal point up to
//!   100 is a percentage; a whole number above 1 is in ten-thousandths, as in the Nessus
//!   template export ("3833" → 0.3833);
//! * "Last Observed", else "First Discovered" ("Jun 8, 2022 11:21:43 UTC"; zones UTC/GMT and
//!   the common US/European/Indochina abbreviations; ISO 8601 also read) → scan_time; other
//!   forms leave it unset.
//!
//! Not mapped: MAC Address, NetBIOS Name, VPR, STIG severity, exploitability columns.

use crate::ParseError;
use crate::finding::{Finding, Severity};
use crate::tabular::{CsvTable, Row, cwes_in, number, parse_iso8601, parse_month_day_year, split_list};
use std::io::BufRead;

/// Parse a Nessus-family CSV export, calling `emit` for each finding; returns how many.
pub fn parse<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let Some(table) = CsvTable::open(input)? else { return Ok(0) };
    let mut table = table.strict();
    let h = table.header.clone();
    let plugin = h.col(&["plugin id", "plugin", "pluginid"]);
    let name = h.col(&["name", "plugin name", "pluginname"]);
    let risk = h.col(&["risk", "severity", "risk factor"]);
    if plugin.is_none() || name.is_none() || risk.is_none() {
        return Err(ParseError::WrongFormat {
            format: "nessus-csv",
            message:
                "the header lacks a plugin id (\"Plugin ID\"/\"Plugin\"), name (\"Name\"/\"Plugin Name\") or risk \
                      (\"Risk\"/\"Severity\"/\"Risk Factor\") column"
                    .into(),
        });
    }
    let dns = h.col(&["dns name", "fqdn", "host fqdn"]);
    let host = h.col(&["host"]);
    let ip = h.col(&["ip address", "ip", "host ip"]);
    let protocol = h.col(&["protocol"]);
    let port = h.col(&["port"]);
    let cve = h.col(&["cve", "cves"]);
    let v4 = (
        h.col(&["cvss v4.0 base score", "cvss v4 base score", "cvssv4", "cvss4 base score"]),
        h.col(&["cvss v4.0 vector", "cvss v4 vector", "cvss4 vector"]),
    );
    let v3 = (
        h.col(&["cvssv3", "cvss v3.0 base score", "cvss v3 base score", "cvss3 base score"]),
        h.col(&["cvss v3.0 vector", "cvss v3 vector", "cvss3 vector"]),
    );
    let v2 = (
        h.col(&["cvss", "cvss v2.0 base score", "cvss v2 base score", "cvss base score"]),
        h.col(&["cvss v2.0 vector", "cvss v2 vector", "cvss vector"]),
    );
    let synopsis = h.col(&["synopsis"]);
    let description = h.col(&["description"]);
    let solution = h.col(&["solution", "steps to remediate"]);
    let see_also = h.col(&["see also"]);
    let output = h.col(&["plugin output", "plugin text"]);
    let xref = h.col(&["cross references", "xref", "xrefs"]);
    let cpe = h.col(&["cpe"]);
    let epss = h.col(&["epss score", "epss"]);
    let last = h.col(&["last observed", "last seen"]);
    let first = h.col(&["first discovered", "first seen"]);

    let mut count = 0usize;
    while let Some(row) = table.next_row()? {
        let mut f = Finding::new("nessus-csv");
        f.rule_id = row.get(plugin).to_string();
        f.title = row.get(name).to_string();
        f.severity = severity(row.get(risk));
        let host_value = row.get(host);
        f.ip = match row.get(ip) {
            "" if host_value.parse::<std::net::IpAddr>().is_ok() => host_value.to_string(),
            ip => ip.to_string(),
        };
        f.host =
            [row.get(dns), host_value, f.ip.as_str()].into_iter().find(|s| !s.is_empty()).unwrap_or("").to_string();
        f.protocol = row.get(protocol).to_ascii_lowercase();
        f.port = row.get(port).parse::<u16>().ok().filter(|p| *p != 0);
        if matches!(f.protocol.as_str(), "http" | "https") && !f.host.is_empty() {
            f.url = match f.port {
                Some(p) => format!("{}://{}:{p}", f.protocol, f.host),
                None => format!("{}://{}", f.protocol, f.host),
            };
        }
        f.cves = split_list(row.get(cve))
            .filter(|c| c.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CVE-")))
            .map(str::to_ascii_uppercase)
            .collect();
        let (score, vector) = [v4, v3, v2]
            .into_iter()
            .map(|(s, v)| (score_of(row.get(s)), row.get(v)))
            .find(|(s, v)| s.is_some() || !v.is_empty())
            .unwrap_or((None, ""));
        f.cvss_score = score;
        f.cvss_vector = vector.to_string();
        f.cwes = cwes_in(row.get(xref));
        f.description = match row.get(description) {
            "" => row.get(synopsis).to_string(),
            d => d.to_string(),
        };
        f.solution = row.get(solution).to_string();
        let out = row.get(output);
        f.evidence = out.strip_prefix("Plugin Output:").map(str::trim_start).unwrap_or(out).to_string();
        f.references = row.get(see_also).split_whitespace().map(String::from).collect();
        f.component = row.get(cpe).split_whitespace().collect::<Vec<_>>().join(", ");
        f.epss_score = epss_of(row.get(epss));
        f.scan_time = time_of(&row, last).or_else(|| time_of(&row, first));
        emit(f);
        count += 1;
    }
    Ok(count)
}

/// The risk word (or Tenable's numeric severity): see the module documentation.
fn severity(word: &str) -> Severity {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" | "4" => Severity::Critical,
        "high" | "3" => Severity::High,
        "medium" | "2" => Severity::Medium,
        "low" | "1" => Severity::Low,
        _ => Severity::Info,
    }
}

/// A CVSS base score; whole numbers in (10, 100] are scores multiplied by ten.
fn score_of(s: &str) -> Option<f64> {
    let v = number(s)?;
    let v = if v > 10.0 && v <= 100.0 && !s.contains('.') && v.fract() == 0.0 { v / 10.0 } else { v };
    (0.0..=10.0).contains(&v).then_some(v)
}

/// An EPSS probability: see the module documentation.
fn epss_of(s: &str) -> Option<f64> {
    let v = number(s)?;
    let v = if v <= 1.0 {
        v
    } else if s.contains('.') {
        v / 100.0
    } else {
        v / 10_000.0
    };
    (0.0..=1.0).contains(&v).then_some(v)
}

fn time_of(row: &Row, col: Option<usize>) -> Option<i64> {
    let s = row.get(col);
    parse_month_day_year(s).or_else(|| parse_iso8601(s))
}
