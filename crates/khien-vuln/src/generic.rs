//! Khiên's generic findings spreadsheet (CSV or XLSX), which also accepts DefectDojo's
//! "Generic Findings Import" CSV columns: one finding per non-blank row. The format, its
//! column names (English and Vietnamese) and value rules are documented for users in
//! `docs/generic-findings-format.md`; keep the two in step.
//!
//! Severity mapping (the Severity / Mức độ cell, without case or diacritics): Critical,
//! Nghiêm trọng → critical; High, Cao → high; Medium, Moderate, Trung bình → medium; Low,
//! Thấp → low; Info, Informational, Information, None, Thông tin → info; an empty cell → info.
//! Any other word is an error naming the line and the value.
//!
//! Fields: Title → title (required: a non-blank row without one is an error); Description,
//! then Impact ("Impact: …") → description; Mitigation / Solution → solution; Url → url, and
//! its host (and port) → host, ip (when the host is an address), port; Host, IP, Port ("443"
//! or "443/tcp"), Protocol columns override; CVE / Vulnerability Id → cves (ids that are not
//! CVE-… go to references); CweId → cwes; Rule ID → rule_id; CVSS score → cvss_score (0–10);
//! CVSSV3 / CVSS vector → cvss_vector; epss_score → epss_score (0–1, or "n%");
//! Component name + version → component; fix_version → fixed_version; Evidence → evidence;
//! Location / File path (+ Line) → location; References → references (one per line);
//! FalsePositive true → suppressed; Date → scan_time (yyyy-mm-dd[ hh:mm[:ss]], or
//! dd/mm/yyyy and mm/dd/yyyy told apart by which part exceeds 12; when both parts are 12 or
//! less the date is read as mm/dd/yyyy, as DefectDojo does). Active, Verified, Duplicate and
//! unknown columns are ignored.

use crate::ParseError;
use crate::finding::{Finding, Severity, parse_cwe};
use crate::tabular::{CsvTable, Header, MAX_FIELD, Row, cap, fold, number, parse_iso8601, read_xlsx, split_list, unix};
use std::io::BufRead;
use std::path::Path;

const FORMAT: &str = "generic-csv";

/// Where each field is in the header (normalised names: see `tabular::normalise_header`).
struct Columns {
    title: Option<usize>,
    severity: Option<usize>,
    description: Option<usize>,
    impact: Option<usize>,
    solution: Option<usize>,
    references: Option<usize>,
    date: Option<usize>,
    url: Option<usize>,
    host: Option<usize>,
    ip: Option<usize>,
    port: Option<usize>,
    protocol: Option<usize>,
    cve: Option<usize>,
    cwe: Option<usize>,
    rule: Option<usize>,
    score: Option<usize>,
    vector: Option<usize>,
    epss: Option<usize>,
    component: Option<usize>,
    version: Option<usize>,
    fixed: Option<usize>,
    evidence: Option<usize>,
    location: Option<usize>,
    line: Option<usize>,
    false_positive: Option<usize>,
}

impl Columns {
    fn new(h: &Header) -> Result<Columns, ParseError> {
        let c = Columns {
            title: h.col(&["title", "tieu de", "ten lo hong", "ten", "name"]),
            severity: h.col(&["severity", "muc do", "muc do nghiem trong", "muc do rui ro", "risk"]),
            description: h.col(&["description", "mo ta", "mo ta chi tiet"]),
            impact: h.col(&["impact", "anh huong", "tac dong"]),
            solution: h.col(&[
                "mitigation",
                "solution",
                "remediation",
                "giai phap",
                "khac phuc",
                "bien phap khac phuc",
                "huong khac phuc",
            ]),
            references: h.col(&["references", "reference", "tham khao", "tai lieu tham khao"]),
            date: h.col(&["date", "ngay", "ngay phat hien", "ngay quet", "thoi gian", "scan date"]),
            url: h.col(&["url", "endpoint", "duong dan"]),
            host: h.col(&["host", "hostname", "may chu", "ten may chu"]),
            ip: h.col(&["ip", "ip address", "dia chi ip"]),
            port: h.col(&["port", "cong"]),
            protocol: h.col(&["protocol", "giao thuc"]),
            cve: h.col(&["cve", "cves", "vulnerability id", "vulnerability ids", "cve id", "ma cve"]),
            cwe: h.col(&["cweid", "cwe", "cwe id", "ma cwe"]),
            rule: h.col(&["rule id", "ma quy tac", "unique id from tool", "vuln id from tool", "plugin id"]),
            score: h.col(&["cvssv3 score", "cvssv4 score", "cvss score", "cvss", "diem cvss"]),
            vector: h.col(&["cvssv3", "cvssv4", "cvss vector", "vector cvss"]),
            epss: h.col(&["epss score", "epss", "diem epss"]),
            component: h.col(&["component name", "component", "thanh phan", "ten thanh phan"]),
            version: h.col(&["component version", "phien ban", "phien ban thanh phan"]),
            fixed: h.col(&["fix version", "fixed version", "phien ban sua loi", "phien ban khac phuc"]),
            evidence: h.col(&["evidence", "proof", "bang chung"]),
            location: h.col(&["location", "file path", "vi tri", "duong dan tep"]),
            line: h.col(&["line number", "line", "dong"]),
            false_positive: h.col(&["falsepositive", "false positive", "suppressed", "duong tinh gia", "canh bao sai"]),
        };
        if c.title.is_none() {
            return Err(ParseError::WrongFormat {
                format: FORMAT,
                message:
                    "the header has no title column (\"Title\" or \"Tiêu đề\"); see docs/generic-findings-format.md"
                        .into(),
            });
        }
        Ok(c)
    }
}

fn bad(line: u64, message: String) -> ParseError {
    ParseError::Csv { line, message }
}

/// Parse a generic findings CSV (`,` `;` or tab separated, optional UTF-8 BOM).
pub fn parse_csv<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let Some(mut table) = CsvTable::open(input)? else { return Ok(0) };
    let cols = Columns::new(&table.header)?;
    let mut count = 0usize;
    while let Some(row) = table.next_row()? {
        emit(finding(&cols, &row)?);
        count += 1;
    }
    Ok(count)
}

/// Parse the first worksheet of a generic findings XLSX workbook (at most 50 MB).
pub fn parse_xlsx(path: &Path, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let mut cols: Option<Columns> = None;
    let mut count = 0usize;
    read_xlsx(path, FORMAT, &mut |row| {
        match cols.as_ref() {
            None => cols = Some(Columns::new(&Header::new(&row.fields))?),
            Some(c) => {
                emit(finding(c, &row)?);
                count += 1;
            }
        }
        Ok(())
    })?;
    Ok(count)
}

fn finding(c: &Columns, row: &Row) -> Result<Finding, ParseError> {
    let line = row.line;
    let mut f = Finding::new(FORMAT);
    f.title = row.get(c.title).to_string();
    if f.title.is_empty() {
        return Err(bad(line, "the row has no title (the Title / Tiêu đề column is required)".into()));
    }
    let sev = row.get(c.severity);
    f.severity = severity(sev).ok_or_else(|| {
        bad(
            line,
            format!(
                "unknown severity {sev:?} (expected Critical, High, Medium, Low, Info or Nghiêm trọng, Cao, Trung bình, \
                 Thấp, Thông tin)"
            ),
        )
    })?;

    let mut description = row.get(c.description).to_string();
    let impact = row.get(c.impact);
    if !impact.is_empty() {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str("Impact: ");
        description.push_str(impact);
    }
    f.description = cap(description, MAX_FIELD);
    f.solution = row.get(c.solution).to_string();
    f.evidence = row.get(c.evidence).to_string();

    // Where: the URL first, then explicit columns override.
    f.url = row.get(c.url).to_string();
    if !f.url.is_empty() {
        let (host, port) = url_host(&f.url);
        f.host = host.to_string();
        f.port = port;
    }
    let host = row.get(c.host);
    if !host.is_empty() {
        f.host = host.to_string();
    }
    f.ip = match row.get(c.ip) {
        "" if f.host.parse::<std::net::IpAddr>().is_ok() => f.host.clone(),
        ip => ip.to_string(),
    };
    if f.host.is_empty() {
        f.host = f.ip.clone();
    }
    let port = row.get(c.port);
    if !port.is_empty() {
        let (number, proto) = port.split_once('/').unwrap_or((port, ""));
        let p: u16 = number.trim().parse().map_err(|_| bad(line, format!("invalid port {port:?}")))?;
        f.port = (p != 0).then_some(p);
        f.protocol = proto.trim().to_ascii_lowercase();
    }
    let protocol = row.get(c.protocol);
    if !protocol.is_empty() {
        f.protocol = protocol.to_ascii_lowercase();
    }

    for id in split_list(row.get(c.cve)) {
        if id.len() > 4 && id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CVE-")) {
            f.cves.push(id.to_ascii_uppercase());
        } else {
            f.references.push(id.to_string());
        }
    }
    f.cwes = split_list(row.get(c.cwe)).filter_map(parse_cwe).filter(|n| *n != 0).collect();
    f.rule_id = row.get(c.rule).to_string();

    let score = row.get(c.score);
    if score.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("CVSS:")) {
        f.cvss_vector = score.to_string();
    } else if !score.is_empty() {
        f.cvss_score = Some(
            number(score)
                .filter(|s| (0.0..=10.0).contains(s))
                .ok_or_else(|| bad(line, format!("invalid CVSS score {score:?} (expected 0 to 10)")))?,
        );
    }
    let vector = row.get(c.vector);
    if !vector.is_empty() {
        match number(vector) {
            // A DefectDojo "CVSSV3" column holding a score rather than a vector.
            Some(s) if f.cvss_score.is_none() && (0.0..=10.0).contains(&s) => f.cvss_score = Some(s),
            _ => f.cvss_vector = vector.to_string(),
        }
    }
    let epss = row.get(c.epss);
    if !epss.is_empty() {
        let v = match epss.strip_suffix('%') {
            Some(p) => number(p).map(|v| v / 100.0),
            None => number(epss),
        };
        f.epss_score = Some(
            v.filter(|v| (0.0..=1.0).contains(v))
                .ok_or_else(|| bad(line, format!("invalid EPSS score {epss:?} (expected a probability 0 to 1)")))?,
        );
    }

    f.component =
        [row.get(c.component), row.get(c.version)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    f.fixed_version = row.get(c.fixed).to_string();
    f.location = match (row.get(c.location), row.get(c.line)) {
        ("", _) => String::new(),
        (loc, "") => loc.to_string(),
        (loc, n) => format!("{loc}:{n}"),
    };
    for l in row.get(c.references).lines().map(str::trim).filter(|l| !l.is_empty()) {
        let tokens: Vec<&str> = split_list(l).collect();
        if tokens.len() > 1 && tokens.iter().all(|t| t.contains("://")) {
            f.references.extend(tokens.into_iter().map(String::from));
        } else {
            f.references.push(l.to_string());
        }
    }
    let fp = row.get(c.false_positive);
    f.suppressed =
        truthy(fp).ok_or_else(|| bad(line, format!("invalid FalsePositive value {fp:?} (expected true or false)")))?;
    let date = row.get(c.date);
    if !date.is_empty() {
        f.scan_time = Some(parse_date(date).ok_or_else(|| {
            bad(line, format!("invalid date {date:?} (expected yyyy-mm-dd, dd/mm/yyyy or mm/dd/yyyy)"))
        })?);
    }
    Ok(f)
}

/// The severity word: see the module documentation. `None` for an unknown word.
fn severity(word: &str) -> Option<Severity> {
    Some(match fold(word).as_str() {
        "critical" | "nghiem trong" => Severity::Critical,
        "high" | "cao" => Severity::High,
        "medium" | "moderate" | "trung binh" => Severity::Medium,
        "low" | "thap" => Severity::Low,
        "info" | "informational" | "information" | "none" | "thong tin" | "" => Severity::Info,
        _ => return None,
    })
}

fn truthy(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "true" | "yes" | "y" | "1" | "x" | "co" | "dung" => Some(true),
        "false" | "no" | "n" | "0" | "khong" | "sai" | "" => Some(false),
        _ => None,
    }
}

/// The host and port of a URL or of "host[:port][/path]" written without a scheme.
fn url_host(url: &str) -> (&str, Option<u16>) {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map(|(_, a)| a).unwrap_or(authority);
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').unwrap_or((v6, ""));
        return (host, after.strip_prefix(':').and_then(|p| p.parse().ok()).filter(|p| *p != 0));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, port.parse().ok().filter(|p| *p != 0)),
        Some(_) => (authority, None),
        None => (authority, None),
    }
}

/// A date (optionally with a time) as the format allows: see the module documentation.
fn parse_date(s: &str) -> Option<i64> {
    if let Some(t) = parse_iso8601(s) {
        return Some(t);
    }
    let (date, time) = s.split_once([' ', 'T']).unwrap_or((s, ""));
    let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
    let [a, b, y] = parts[..] else { return None };
    if a.is_empty() || a.len() > 2 || b.is_empty() || b.len() > 2 || y.len() != 4 {
        return None;
    }
    let (a, b, y): (u32, u32, i64) = (a.parse().ok()?, b.parse().ok()?, y.parse().ok()?);
    let (d, m) = if a > 12 { (a, b) } else { (b, a) };
    let (h, mi, sec) = match time.trim() {
        "" => (0, 0, 0),
        t => {
            let mut it = t.split(':').map(|x| x.parse::<u32>());
            let h = it.next()?.ok()?;
            let mi = it.next()?.ok()?;
            let sec = it.next().transpose().ok()?.unwrap_or(0);
            (h, mi, sec)
        }
    };
    unix(y, m, d, h, mi, sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_hosts() {
        let day = |y, m, d| unix(y, m, d, 0, 0, 0);
        assert_eq!(parse_date("28/02/2021"), day(2021, 2, 28));
        assert_eq!(parse_date("01/30/2018"), day(2018, 1, 30));
        assert_eq!(parse_date("01/02/2021"), day(2021, 1, 2), "ambiguous → mm/dd/yyyy");
        assert_eq!(parse_date("2021-02-28"), day(2021, 2, 28));
        assert_eq!(parse_date("28.02.2021 10:30"), unix(2021, 2, 28, 10, 30, 0));
        assert_eq!(parse_date("31/02/2021"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(url_host("https://a.example:8443/x?y"), ("a.example", Some(8443)));
        assert_eq!(url_host("127.0.0.1:80"), ("127.0.0.1", Some(80)));
        assert_eq!(url_host("foo.bar/path"), ("foo.bar", None));
        assert_eq!(url_host("http://[::1]:8080/"), ("::1", Some(8080)));
        assert_eq!(severity("Trung Bình"), Some(Severity::Medium));
        assert_eq!(severity("NGHIÊM TRỌNG"), Some(Severity::Critical));
        assert_eq!(severity("urgent"), None);
    }
}
