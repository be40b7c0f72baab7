//! OpenVAS / Greenbone GVM reports.
//!
//! **XML** (`parse_xml`: the GMP `<report>` export, also wrapped in `<get_reports_response>`,
//! or a `<get_results_response>`), streamed: one finding per `<result>` that is a direct child
//! of `<results>` (or of `<get_results_response>`). GVM nests a `<report>` inside the exported
//! `<report>`, and `<result>` elements also occur inside a result's `<delta>` or `<detection>`;
//! those are not findings. Fields:
//!
//! * title: the result's `<name>` (else the NVT's); rule_id: the NVT `oid`.
//! * ip: the `<host>` text when it is an address; host: its `<hostname>` child, else that text.
//! * port/protocol: `<port>` "443/tcp" → 443 and "tcp"; "general/tcp" → no port, "tcp";
//!   non-transport pseudo-ports ("general/CPE-T") give no protocol.
//! * cvss_score: the result's `<severity>` score when above 0 (else the NVT's `<severities
//!   score>` or `<cvss_base>`); cvss_vector: the first `<severities><severity><value>`, else the
//!   `cvss_base_vector` tag, as given (v2, v3.x or v4).
//! * cves: `<refs><ref type="cve">` (and the older `<nvt><cve>` list); cwes: `<ref type="cwe">`;
//!   references: the other refs (`url` as the URL; `cert-bund`, `dfn-cert` as their ids; other
//!   types as "type:id") and the older `<xref>` list.
//! * description: from the NVT `<tags>` (`key=value` pairs separated by `|`): the summary, then
//!   "Insight:", "Impact:", "Affected:" and "Detection:" paragraphs; solution: the NVT
//!   `<solution>` element (GVM 20+), else the `solution` tag.
//! * evidence: the result's `<description>` (the scanner's output); fixed_version: its
//!   "Fixed version:" line when there is one.
//! * epss_score: `<epss><max_epss><score>` (the highest EPSS among the NVT's CVEs), else
//!   `<max_severity><score>`.
//! * scan_time: the result's `<creation_time>`, else its `<modification_time>`, else the
//!   report's `<scan_start>`, `<timestamp>` or `<creation_time>` (ISO 8601, or the older
//!   ctime form, to Unix seconds).
//!
//! **Severity mapping** (one for both OpenVAS formats): the numeric severity score, which is
//! CVSS-based, decides when it is above 0: 9.0–10.0 critical, 7.0–8.9 high, 4.0–6.9 medium,
//! 0.1–3.9 low. So GVM's threat "High" with score 9.8 is critical. Without a positive score the
//! threat label decides: Critical/High/Medium/Low map to the same names; Log, Debug, Error and
//! anything else are info. Threat "False Positive" or score -1.0 (a false-positive override) is
//! info and marks the finding suppressed.

use crate::finding::Severity;
use crate::xmlutil::{NO_ROOT, Node, Walker, attr, ends_with, parse_time, push_capped, rel_is, truncate};
use crate::{Finding, ParseError};
use std::io::BufRead;

/// Largest text kept from one element (descriptions, tags).
const MAX_TEXT: usize = 1 << 20;
/// Largest text kept from short elements (names, hosts, scores, times).
const MAX_SHORT: usize = 4096;
/// Most references (CVEs, URLs...) kept per result.
const MAX_REFS: usize = 10_000;

/// Marks: which field the text of an element goes to.
mod mark {
    pub const NAME: u16 = 1;
    pub const HOST: u16 = 2;
    pub const HOSTNAME: u16 = 3;
    pub const PORT: u16 = 4;
    pub const THREAT: u16 = 5;
    pub const SEVERITY: u16 = 6;
    pub const DESCRIPTION: u16 = 7;
    pub const CREATED: u16 = 8;
    pub const MODIFIED: u16 = 9;
    pub const TAGS: u16 = 10;
    pub const SOLUTION: u16 = 11;
    pub const CVSS_BASE: u16 = 12;
    pub const VECTOR: u16 = 13;
    pub const EPSS_MAX: u16 = 14;
    pub const EPSS_SEV: u16 = 15;
    pub const NVT_NAME: u16 = 16;
    pub const OLD_CVE: u16 = 17;
    pub const OLD_XREF: u16 = 18;
    pub const SCAN_START: u16 = 20;
    pub const TIMESTAMP: u16 = 21;
    pub const REPORT_CREATED: u16 = 22;
}

/// A `<result>` being read.
#[derive(Default)]
struct Pending {
    /// Path length of the `<result>` element.
    depth: usize,
    name: String,
    nvt_name: String,
    oid: String,
    host: String,
    hostname: String,
    port: String,
    threat: String,
    severity: String,
    severities_score: String,
    cvss_base: String,
    vector: String,
    vector_seen: bool,
    description: String,
    created: String,
    modified: String,
    tags: String,
    solution: String,
    epss_max: String,
    epss_sev: String,
    old_cve: String,
    old_xref: String,
    cves: Vec<String>,
    cwes: Vec<u32>,
    references: Vec<String>,
}

impl Pending {
    fn field(&mut self, mark: u16) -> Option<(&mut String, usize)> {
        Some(match mark {
            mark::NAME => (&mut self.name, MAX_SHORT),
            mark::NVT_NAME => (&mut self.nvt_name, MAX_SHORT),
            mark::HOST => (&mut self.host, MAX_SHORT),
            mark::HOSTNAME => (&mut self.hostname, MAX_SHORT),
            mark::PORT => (&mut self.port, MAX_SHORT),
            mark::THREAT => (&mut self.threat, MAX_SHORT),
            mark::SEVERITY => (&mut self.severity, MAX_SHORT),
            mark::CVSS_BASE => (&mut self.cvss_base, MAX_SHORT),
            mark::VECTOR => (&mut self.vector, MAX_SHORT),
            mark::DESCRIPTION => (&mut self.description, MAX_TEXT),
            mark::CREATED => (&mut self.created, MAX_SHORT),
            mark::MODIFIED => (&mut self.modified, MAX_SHORT),
            mark::TAGS => (&mut self.tags, MAX_TEXT),
            mark::SOLUTION => (&mut self.solution, MAX_TEXT),
            mark::EPSS_MAX => (&mut self.epss_max, MAX_SHORT),
            mark::EPSS_SEV => (&mut self.epss_sev, MAX_SHORT),
            mark::OLD_CVE => (&mut self.old_cve, MAX_TEXT),
            mark::OLD_XREF => (&mut self.old_xref, MAX_TEXT),
            _ => return None,
        })
    }

    fn reference(&mut self, kind: &str, id: &str) {
        let id = id.trim();
        if id.is_empty() || self.cves.len() + self.references.len() + self.cwes.len() >= MAX_REFS {
            return;
        }
        match kind.trim().to_ascii_lowercase().as_str() {
            "cve" => self.cves.push(id.to_string()),
            "cwe" => self.cwes.extend(crate::finding::parse_cwe(id)),
            "url" | "cert-bund" | "dfn-cert" | "" => self.references.push(id.to_string()),
            other => self.references.push(format!("{other}:{id}")),
        }
    }
}

/// Report-level times, read before the results.
#[derive(Default)]
struct ReportTimes {
    scan_start: String,
    timestamp: String,
    created: String,
}

impl ReportTimes {
    fn best(&self) -> Option<i64> {
        parse_time(&self.scan_start).or_else(|| parse_time(&self.timestamp)).or_else(|| parse_time(&self.created))
    }
}

/// Parse an OpenVAS / GVM XML report, calling `emit` for each finding; returns how many.
pub fn parse_xml<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let mut w = Walker::new(input, "report", false);
    let mut seen_root = false;
    let mut times = ReportTimes::default();
    let mut cur: Option<Pending> = None;
    let mut count = 0usize;
    loop {
        let step = w.next()?;
        let path = step.path;
        match step.node {
            Node::Open(e) => {
                let name = path.last().map(String::as_str).unwrap_or("");
                if !seen_root {
                    if !matches!(name, "report" | "get_reports_response" | "get_results_response") {
                        return Err(ParseError::WrongFormat {
                            format: "openvas-xml",
                            message: format!("the root element is <{name}>, not <report>"),
                        });
                    }
                    seen_root = true;
                    continue;
                }
                let mark = match cur.as_mut() {
                    None => {
                        let parent = path.len().checked_sub(2).map(|i| path[i].as_str());
                        let is_result = name == "result"
                            && (parent == Some("results") || (path.len() == 2 && path[0] == "get_results_response"));
                        if is_result {
                            cur = Some(Pending { depth: path.len(), ..Pending::default() });
                            0
                        } else if ends_with(path, &["report", "scan_start"]) {
                            mark::SCAN_START
                        } else if ends_with(path, &["report", "timestamp"]) {
                            mark::TIMESTAMP
                        } else if ends_with(path, &["report", "creation_time"]) {
                            mark::REPORT_CREATED
                        } else {
                            0
                        }
                    }
                    Some(r) => {
                        let b = r.depth;
                        let rel = |p: &[&str]| rel_is(path, b, p);
                        if rel(&["name"]) {
                            mark::NAME
                        } else if rel(&["host"]) {
                            mark::HOST
                        } else if rel(&["host", "hostname"]) {
                            mark::HOSTNAME
                        } else if rel(&["port"]) {
                            mark::PORT
                        } else if rel(&["threat"]) {
                            mark::THREAT
                        } else if rel(&["severity"]) {
                            mark::SEVERITY
                        } else if rel(&["description"]) {
                            mark::DESCRIPTION
                        } else if rel(&["creation_time"]) {
                            mark::CREATED
                        } else if rel(&["modification_time"]) {
                            mark::MODIFIED
                        } else if rel(&["nvt"]) {
                            r.oid = truncate(attr(&e, "oid").unwrap_or_default(), MAX_SHORT);
                            0
                        } else if rel(&["nvt", "name"]) {
                            mark::NVT_NAME
                        } else if rel(&["nvt", "tags"]) {
                            mark::TAGS
                        } else if rel(&["nvt", "solution"]) {
                            mark::SOLUTION
                        } else if rel(&["nvt", "cvss_base"]) {
                            mark::CVSS_BASE
                        } else if rel(&["nvt", "severities"]) {
                            r.severities_score = truncate(attr(&e, "score").unwrap_or_default(), MAX_SHORT);
                            0
                        } else if rel(&["nvt", "severities", "severity", "value"]) && !r.vector_seen {
                            r.vector_seen = true;
                            mark::VECTOR
                        } else if rel(&["nvt", "epss", "max_epss", "score"]) {
                            mark::EPSS_MAX
                        } else if rel(&["nvt", "epss", "max_severity", "score"]) {
                            mark::EPSS_SEV
                        } else if rel(&["nvt", "refs", "ref"]) {
                            let kind = attr(&e, "type").unwrap_or_default();
                            let id = attr(&e, "id").unwrap_or_default();
                            r.reference(&kind, &id);
                            0
                        } else if rel(&["nvt", "cve"]) {
                            mark::OLD_CVE
                        } else if rel(&["nvt", "xref"]) {
                            mark::OLD_XREF
                        } else {
                            0
                        }
                    }
                };
                if mark != 0 {
                    w.set_mark(mark);
                }
            }
            Node::Text(t) => match cur.as_mut() {
                Some(r) => {
                    if let Some((field, max)) = r.field(step.mark) {
                        push_capped(field, &t, max);
                    }
                }
                None => {
                    let field = match step.mark {
                        mark::SCAN_START => &mut times.scan_start,
                        mark::TIMESTAMP => &mut times.timestamp,
                        mark::REPORT_CREATED => &mut times.created,
                        _ => continue,
                    };
                    push_capped(field, &t, MAX_SHORT);
                }
            },
            Node::Close => {
                if cur.as_ref().is_some_and(|r| r.depth == path.len())
                    && let Some(r) = cur.take()
                {
                    emit(finish(r, &times));
                    count += 1;
                }
            }
            Node::Other => {}
            Node::Eof => {
                if !seen_root {
                    return Err(ParseError::WrongFormat { format: "openvas-xml", message: NO_ROOT.into() });
                }
                return Ok(count);
            }
        }
    }
}

/// Severity and "suppressed" from the score and the threat label (see the module documentation).
fn severity(score: Option<f64>, threat: &str) -> (Severity, bool) {
    let threat = threat.trim().to_ascii_lowercase();
    if threat == "false positive" || score.is_some_and(|s| (s + 1.0).abs() < 1e-9) {
        return (Severity::Info, true);
    }
    let sev = match score {
        Some(s) if s >= 9.0 => Severity::Critical,
        Some(s) if s >= 7.0 => Severity::High,
        Some(s) if s >= 4.0 => Severity::Medium,
        Some(s) if s > 0.0 => Severity::Low,
        _ => match threat.as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            _ => Severity::Info,
        },
    };
    (sev, false)
}

/// "443/tcp" → (Some(443), "tcp"); "general/tcp" → (None, "tcp"); "www (80/tcp)" → (Some(80), "tcp").
fn parse_port(s: &str) -> (Option<u16>, String) {
    let s = s.trim();
    let inner = match (s.find('('), s.rfind(')')) {
        (Some(a), Some(b)) if a < b && s[a + 1..b].contains('/') => &s[a + 1..b],
        _ => s.split_whitespace().next().unwrap_or(""),
    };
    let Some((num, proto)) = inner.split_once('/') else {
        return (inner.parse::<u16>().ok().filter(|p| *p != 0), String::new());
    };
    let proto = proto.trim().to_ascii_lowercase();
    let proto = if matches!(proto.as_str(), "tcp" | "udp" | "sctp" | "icmp") { proto } else { String::new() };
    (num.trim().parse::<u16>().ok().filter(|p| *p != 0), proto)
}

/// The `key=value` pairs of an NVT's `<tags>`; a piece without `key=` belongs to the previous
/// value (a `|` inside a value).
fn split_tags(tags: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for piece in tags.split('|') {
        let key = piece
            .split_once('=')
            .map(|(k, _)| k)
            .filter(|k| !k.is_empty() && k.len() <= 32 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        match (key, out.last_mut()) {
            (Some(k), _) => out.push((k, piece[k.len() + 1..].to_string())),
            (None, Some(last)) => {
                last.1.push('|');
                last.1.push_str(piece);
            }
            (None, None) => {}
        }
    }
    out
}

/// Unwrap hard-wrapped tag text: lines of a paragraph are joined with spaces, blank lines
/// separate paragraphs, list items ("- ", "* ") get a line each (no blank line between items).
fn reflow(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = false;
    let mut prev_item = false;
    for line in s.lines() {
        let line = line.trim();
        if line.is_empty() {
            blank = true;
            continue;
        }
        let item = line.starts_with("- ") || line.starts_with("* ");
        if !out.is_empty() {
            if item && prev_item {
                out.push('\n');
            } else if blank {
                out.push_str("\n\n");
            } else if item {
                out.push('\n');
            } else {
                out.push(' ');
            }
        }
        blank = false;
        prev_item = item;
        out.push_str(line);
    }
    out
}

fn finish(r: Pending, times: &ReportTimes) -> Finding {
    let mut f = Finding::new("openvas-xml");
    f.title = if r.name.trim().is_empty() { r.nvt_name.trim().to_string() } else { r.name.trim().to_string() };
    f.rule_id = r.oid.trim().to_string();
    let host_text = r.host.trim();
    if host_text.parse::<std::net::IpAddr>().is_ok() {
        f.ip = host_text.to_string();
    }
    f.host = if r.hostname.trim().is_empty() { host_text.to_string() } else { r.hostname.trim().to_string() };
    (f.port, f.protocol) = parse_port(&r.port);

    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let score = num(&r.severity).or_else(|| num(&r.severities_score)).or_else(|| num(&r.cvss_base));
    (f.severity, f.suppressed) = severity(score, &r.threat);
    f.cvss_score = score.filter(|s| *s > 0.0);

    let tags = split_tags(&r.tags);
    let tag = |key: &str| tags.iter().find(|(k, _)| *k == key).map(|(_, v)| reflow(v)).unwrap_or_default();
    f.cvss_vector = if r.vector.trim().is_empty() { tag("cvss_base_vector") } else { r.vector.trim().to_string() };
    let mut description = tag("summary");
    for (key, label) in
        [("insight", "Insight"), ("impact", "Impact"), ("affected", "Affected"), ("vuldetect", "Detection")]
    {
        let v = tag(key);
        if !v.is_empty() {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(label);
            description.push_str(if v.starts_with("- ") { ":\n" } else { ": " });
            description.push_str(&v);
        }
    }
    f.description = truncate(description, MAX_TEXT);
    f.solution = if r.solution.trim().is_empty() { tag("solution") } else { reflow(&r.solution) };

    f.evidence = r.description.trim().to_string();
    f.fixed_version = f
        .evidence
        .lines()
        .find_map(|l| l.trim().strip_prefix("Fixed version:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default();

    let mut cves = r.cves;
    for c in r.old_cve.split([',', ' ', '\n']).map(str::trim) {
        if c.to_ascii_uppercase().starts_with("CVE-") && cves.len() < MAX_REFS {
            cves.push(c.to_string());
        }
    }
    let mut references = r.references;
    for x in r.old_xref.split(", ").map(str::trim).filter(|x| !x.is_empty() && *x != "NOXREF") {
        if references.len() < MAX_REFS {
            references.push(x.strip_prefix("URL:").unwrap_or(x).to_string());
        }
    }
    dedup(&mut cves);
    dedup(&mut references);
    f.cves = cves;
    f.cwes = r.cwes;
    f.references = references;

    f.epss_score = num(&r.epss_max).or_else(|| num(&r.epss_sev)).filter(|v| (0.0..=1.0).contains(v));
    f.scan_time = parse_time(&r.created).or_else(|| parse_time(&r.modified)).or_else(|| times.best());
    f
}

/// Remove repeated entries, keeping the first of each.
fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
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
