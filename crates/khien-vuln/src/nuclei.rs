//! Nuclei results, streamed: JSON Lines (`-jsonl`, one result object per line, blank lines
//! skipped) or a JSON array (`-json-export`), told apart by the first non-blank byte (a
//! pretty-printed object, or several, is read too). One finding per result.
//!
//! Severity mapping (`info.severity`, any case): critical → critical, high → high,
//! medium → medium, low → low; info, unknown and anything else → info.
//!
//! Fields: `info.name` → title (else the template id); `template-id` (or `templateID`) →
//! rule_id; `info.classification.cvss-score` / `cvss-metrics` → cvss_score / cvss_vector;
//! `cve-id` (string or array, under `info.classification` or at the top) → cves (upper-cased);
//! `cwe-id` → cwes (values that are not CWE numbers, e.g. "nvd-cve-other", are skipped);
//! `host` → host (the host name of the URL or authority); `ip` → ip; `port` (string or number;
//! else the port written in `matched-at`, else in `host`) → port; `matched-at` (or `matched`)
//! → url when it is an http(s) URL, else location; `type` → protocol; `info.description` →
//! description; `info.remediation` → solution; `matcher-name`, `extracted-results` and
//! `curl-command` → evidence (capped); `info.reference` → references; `timestamp`
//! (RFC 3339) → scan_time; `info.classification.epss-score` → epss_score;
//! `"matcher-status": false` (a non-match reported with `-ms`) → suppressed. Raw `request`
//! and `response` are not read.

use crate::jsonstream::{
    self, Handler, MAX_ELEMENT, MAX_TEXT, Seg, Want, add_cves_in, add_cwes, capped, host_port, is_http_url, number,
    rfc3339, strings, text, text_or_empty, truncate,
};
use crate::{Finding, Format, ParseError, Severity};
use serde_json::Value;
use std::io::{BufRead, Cursor, Read};

const FORMAT: &str = "nuclei";
/// Members of a result not kept (bulky and unused).
const SKIP: &[&str] = &["request", "response", "interaction"];

/// Parse Nuclei output, calling `emit` for each finding; returns how many there were.
/// An empty input is a report with no results.
pub fn parse<R: BufRead>(mut input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let (first, skipped) = jsonstream::skip_blank(&mut input)?;
    match first {
        None => Ok(0),
        Some(b'[') => {
            let mut h = ArrayHandler { emit, count: 0 };
            jsonstream::walk(input, skipped, &mut h)?;
            Ok(h.count)
        }
        Some(b'{') => parse_lines(input, skipped, emit),
        Some(b) => Err(ParseError::WrongFormat {
            format: FORMAT,
            message: format!(
                "expected JSON Lines or a JSON array, but the content starts with {:?}",
                char::from(b).escape_default().to_string()
            ),
        }),
    }
}

/// JSON Lines: each non-blank line one result object; errors name the line.
fn parse_lines<R: BufRead>(mut input: R, skipped: usize, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let mut line = Vec::new();
    let mut line_no = skipped;
    let mut count = 0usize;
    loop {
        line.clear();
        line_no += 1;
        if !read_line(&mut input, &mut line, MAX_ELEMENT as usize)? {
            return Ok(count);
        }
        if line.len() > MAX_ELEMENT as usize {
            return Err(ParseError::Json {
                line: line_no,
                column: 1,
                context: format!("the result on line {line_no}"),
                message: format!("the line is longer than the {} MiB limit", MAX_ELEMENT >> 20),
            });
        }
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        if count == 0 && trimmed == b"{" {
            // Not JSON Lines but a pretty-printed object (or several): stream them.
            let rest = Cursor::new(b"{\n".to_vec()).chain(input);
            let mut h = ArrayHandler { emit, count: 0 };
            jsonstream::walk_values(rest, line_no - 1, &mut h)?;
            return Ok(h.count);
        }
        let value = jsonstream::parse_slice(trimmed, SKIP).map_err(|e| ParseError::Json {
            line: line_no,
            column: e.column(),
            context: format!("the result on line {line_no}"),
            message: jsonstream::json_message(&e),
        })?;
        emit(finding(&value, &format!("line {line_no}"))?);
        count += 1;
    }
}

/// Read one line (without its `\n`) into `buf`, keeping at most `max + 1` bytes so an
/// over-long line shows as longer than `max`. Returns false at the end of the input.
fn read_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>, max: usize) -> std::io::Result<bool> {
    let mut any = false;
    loop {
        let avail = input.fill_buf()?;
        if avail.is_empty() {
            return Ok(any);
        }
        any = true;
        let (take, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (avail.len(), false),
        };
        let room = (max + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&avail[..take.min(room)]);
        input.consume(if done { take + 1 } else { take });
        if done || buf.len() > max {
            return Ok(true);
        }
    }
}

/// Results as the elements of a top-level array (or of a stream of objects).
struct ArrayHandler<'a> {
    emit: &'a mut dyn FnMut(Finding),
    count: usize,
}

impl Handler for ArrayHandler<'_> {
    fn want(&mut self, path: &[Seg]) -> Want {
        if path.len() == 1 { Want::Value(SKIP) } else { Want::Skip }
    }

    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), ParseError> {
        if path.is_empty() {
            // A scalar document (e.g. `[` was not an array after all): nothing to read.
            return Err(ParseError::WrongFormat { format: FORMAT, message: "expected an array of results".into() });
        }
        let f = finding(&value, &jsonstream::path_string(path))?;
        (self.emit)(f);
        self.count += 1;
        Ok(())
    }
}

fn severity(s: &str) -> Severity {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Info,
    }
}

/// The finding of one result object; `whence` names it in errors ("line 3", "[2]").
fn finding(v: &Value, whence: &str) -> Result<Finding, ParseError> {
    let Some(obj) = v.as_object() else {
        return Err(ParseError::WrongFormat {
            format: FORMAT,
            message: format!("the result at {whence} is not a JSON object"),
        });
    };
    let rule_id = text_or_empty(obj.get("template-id").or_else(|| obj.get("templateID")));
    let info = obj.get("info");
    if rule_id.is_empty() && info.is_none() && !obj.contains_key("template") {
        return Err(ParseError::WrongFormat {
            format: FORMAT,
            message: format!("the object at {whence} has no template-id and no info: not a Nuclei result"),
        });
    }
    let mut f = Finding::new(Format::Nuclei.name());
    let class = info.and_then(|i| i.get("classification"));
    f.title = capped(&text_or_empty(info.and_then(|i| i.get("name"))));
    if f.title.is_empty() {
        f.title = rule_id.clone();
    }
    f.rule_id = capped(&rule_id);
    f.severity = severity(&text_or_empty(info.and_then(|i| i.get("severity"))));
    if let Some(c) = class {
        f.cvss_score = number(c.get("cvss-score"));
        f.cvss_vector = capped(&text_or_empty(c.get("cvss-metrics")));
        f.epss_score = number(c.get("epss-score"));
        for s in strings(c.get("cve-id")) {
            add_cves_in(&mut f.cves, &s);
        }
        add_cwes(&mut f.cwes, strings(c.get("cwe-id")));
    }
    for s in strings(obj.get("cve-id")) {
        add_cves_in(&mut f.cves, &s);
    }
    add_cwes(&mut f.cwes, strings(obj.get("cwe-id")));

    let host_field = text_or_empty(obj.get("host"));
    let (host, host_port_no) = host_port(&host_field);
    f.host = capped(&host);
    f.ip = text_or_empty(obj.get("ip"));
    if let Some(stripped) = f.ip.strip_suffix('.')
        && stripped.parse::<std::net::IpAddr>().is_ok()
    {
        f.ip = stripped.to_string();
    }
    f.ip = capped(&f.ip);
    let matched = text_or_empty(obj.get("matched-at").or_else(|| obj.get("matched")));
    let matched_port = if matched.is_empty() { None } else { host_port(&matched).1 };
    f.port = number(obj.get("port"))
        .filter(|p| *p >= 1.0 && *p <= 65535.0 && p.fract() == 0.0)
        .map(|p| p as u16)
        .or(matched_port)
        .or(host_port_no);
    if f.host.is_empty() && !matched.is_empty() {
        f.host = capped(&host_port(&matched).0);
    }
    if is_http_url(&matched) {
        f.url = capped(&matched);
    } else {
        f.location = capped(&matched);
    }
    f.protocol = capped(&text_or_empty(obj.get("type")));
    f.description = capped(&text_or_empty(info.and_then(|i| i.get("description"))));
    f.solution = capped(&text_or_empty(info.and_then(|i| i.get("remediation"))));
    f.evidence = evidence(obj);
    for r in strings(info.and_then(|i| i.get("reference"))) {
        for part in r.split_whitespace() {
            jsonstream::push_unique(&mut f.references, truncate(part, MAX_TEXT));
        }
    }
    f.scan_time = text(obj.get("timestamp")).and_then(|t| rfc3339(&t));
    if let Some(s) = obj.get("matcher-status")
        && s == &Value::Bool(false)
    {
        // A result with a failed matcher (nuclei -ms) is reported but did not match.
        f.suppressed = true;
    }
    Ok(f)
}

/// `matcher-name`, `extracted-results` and `curl-command`, one per line, capped.
fn evidence(obj: &serde_json::Map<String, Value>) -> String {
    let mut out = String::new();
    let mut add = |label: &str, value: String| {
        if !value.is_empty() && out.len() < MAX_TEXT {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(label);
            out.push_str(": ");
            out.push_str(&value);
        }
    };
    add("matcher-name", text_or_empty(obj.get("matcher-name")));
    add("extracted-results", strings(obj.get("extracted-results")).join(", "));
    add("curl-command", text_or_empty(obj.get("curl-command")));
    truncate(&out, MAX_TEXT).to_string()
}
