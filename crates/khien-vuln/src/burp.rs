//! Burp Suite XML issue export (root `<issues burpVersion=...>`, with the inline DTD Burp
//! writes), streamed: one finding per `<issue>`. The DOCTYPE is accepted and ignored: entities
//! are never expanded, and a reference to one (`&name;` other than the five XML ones) is an
//! error naming the element.
//!
//! Fields:
//!
//! * title: `<name>`; rule_id: `<type>` (Burp's numeric issue type).
//! * host: the host name of the `<host>` URL; ip: its `ip` attribute; port: the URL's port, else
//!   the scheme's default (80/443); protocol "tcp"; url: the `<host>` URL followed by `<path>`.
//! * location: Burp's `<location>` (the path with the insertion point, e.g.
//!   "/login.jsp [password parameter]").
//! * description: `<issueBackground>` then `<issueDetail>`; solution: `<remediationBackground>`
//!   then `<remediationDetail>` (Burp's HTML converted to plain text).
//! * cwes: the "CWE-nnn" named in `<vulnerabilityClassifications>`; references: the links in
//!   `<references>` and `<vulnerabilityClassifications>`.
//! * evidence: the `<issueDetailItems>` entries, then for each of the first five
//!   `<requestresponse>` the request line and the response status line ("POST /login.jsp
//!   HTTP/1.1 → HTTP/1.1 500 Internal Server Error"), decoded from base64 when `base64="true"`;
//!   only the first few KiB of each message are ever decoded, the rest is not kept.
//! * scan_time: the root's `exportTime` ("Sat Sep 13 22:39:44 CEST 2014"; known zone
//!   abbreviations applied, others read as UTC).
//!
//! **Severity mapping** (`<severity>`): High → high, Medium → medium, Low → low, Information →
//! info; "False positive" → info and suppressed. Burp has no critical level; `<confidence>`
//! (Certain/Firm/Tentative) does not change the severity.

use crate::ParseError;
use crate::finding::{Finding, Severity};
use crate::xmlutil::{
    NO_ROOT, Node, Walker, attr, base64_prefix, find_cwes, find_urls, html_to_text, parse_time, push_capped, rel_is,
    truncate, url_parts,
};
use std::io::BufRead;

/// Largest text kept from one element (backgrounds, details).
const MAX_TEXT: usize = 1 << 20;
/// Largest text kept from short elements (names, hosts, paths).
const MAX_SHORT: usize = 8192;
/// Base64 text kept from a request or response: enough for its first line.
const MAX_MESSAGE: usize = 8192;
/// Longest request or status line kept.
const MAX_LINE: usize = 1024;
/// Request/response pairs summarised in the evidence.
const MAX_PAIRS: usize = 5;
/// Detail items kept in the evidence.
const MAX_ITEMS: usize = 100;

// Marks: which field the text of an element goes to.
const TYPE: u16 = 1;
const NAME: u16 = 2;
const HOST: u16 = 3;
const PATH: u16 = 4;
const LOCATION: u16 = 5;
const SEVERITY: u16 = 6;
const BACKGROUND: u16 = 7;
const DETAIL: u16 = 8;
const REMEDIATION_BACKGROUND: u16 = 9;
const REMEDIATION_DETAIL: u16 = 10;
const REFERENCES: u16 = 11;
const CLASSIFICATIONS: u16 = 12;
const DETAIL_ITEM: u16 = 13;
const REQUEST: u16 = 14;
const RESPONSE: u16 = 15;

/// An `<issue>` being read.
#[derive(Default)]
struct Issue {
    depth: usize,
    kind: String,
    name: String,
    host: String,
    ip: String,
    path: String,
    location: String,
    severity: String,
    background: String,
    detail: String,
    remediation_background: String,
    remediation_detail: String,
    references: String,
    classifications: String,
    items: Vec<String>,
    item: String,
    /// Evidence lines, one per request/response pair.
    pairs: Vec<String>,
    request: String,
    request_base64: bool,
    response: String,
    response_base64: bool,
}

impl Issue {
    fn field(&mut self, mark: u16) -> Option<(&mut String, usize)> {
        Some(match mark {
            TYPE => (&mut self.kind, MAX_SHORT),
            NAME => (&mut self.name, MAX_SHORT),
            HOST => (&mut self.host, MAX_SHORT),
            PATH => (&mut self.path, MAX_SHORT),
            LOCATION => (&mut self.location, MAX_SHORT),
            SEVERITY => (&mut self.severity, MAX_SHORT),
            BACKGROUND => (&mut self.background, MAX_TEXT),
            DETAIL => (&mut self.detail, MAX_TEXT),
            REMEDIATION_BACKGROUND => (&mut self.remediation_background, MAX_TEXT),
            REMEDIATION_DETAIL => (&mut self.remediation_detail, MAX_TEXT),
            REFERENCES => (&mut self.references, MAX_TEXT),
            CLASSIFICATIONS => (&mut self.classifications, MAX_TEXT),
            DETAIL_ITEM => (&mut self.item, MAX_SHORT),
            REQUEST => (&mut self.request, MAX_MESSAGE),
            RESPONSE => (&mut self.response, MAX_MESSAGE),
            _ => return None,
        })
    }

    fn finish(self, scan_time: Option<i64>) -> Finding {
        let mut f = Finding::new("burp");
        f.title = self.name.trim().to_string();
        f.rule_id = self.kind.trim().to_string();
        (f.severity, f.suppressed) = match self.severity.trim().to_ascii_lowercase().as_str() {
            "high" => (Severity::High, false),
            "medium" => (Severity::Medium, false),
            "low" => (Severity::Low, false),
            "false positive" => (Severity::Info, true),
            _ => (Severity::Info, false),
        };
        let base = self.host.trim().trim_end_matches('/');
        let path = self.path.trim();
        f.url =
            if path.is_empty() || path.starts_with('/') { format!("{base}{path}") } else { format!("{base}/{path}") };
        match url_parts(base) {
            Some(u) => {
                f.host = u.host.to_string();
                f.port = u.port;
            }
            None => f.host = base.to_string(),
        }
        f.ip = self.ip.trim().to_string();
        if f.ip.is_empty() && f.host.parse::<std::net::IpAddr>().is_ok() {
            f.ip = f.host.clone();
        }
        f.protocol = "tcp".into();
        f.location = self.location.trim().to_string();
        f.description = join_paragraphs(&[html_to_text(&self.background), html_to_text(&self.detail)]);
        f.solution =
            join_paragraphs(&[html_to_text(&self.remediation_background), html_to_text(&self.remediation_detail)]);
        f.cwes = find_cwes(&self.classifications);
        f.references = find_urls(&self.references);
        for u in find_urls(&self.classifications) {
            if !f.references.contains(&u) {
                f.references.push(u);
            }
        }
        let mut evidence: Vec<String> = self.items.iter().map(|i| html_to_text(i)).filter(|i| !i.is_empty()).collect();
        evidence.extend(self.pairs);
        f.evidence = evidence.join("\n");
        f.scan_time = scan_time;
        f
    }
}

fn join_paragraphs(parts: &[String]) -> String {
    parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join("\n\n")
}

/// The first line of an HTTP message (decoded from base64 when `base64`), at most `MAX_LINE` bytes.
fn first_line(text: &str, base64: bool) -> String {
    let bytes = if base64 { base64_prefix(text, MAX_MESSAGE) } else { text.trim_start().as_bytes().to_vec() };
    let end = bytes.iter().position(|b| *b == b'\r' || *b == b'\n').unwrap_or(bytes.len());
    let line = String::from_utf8_lossy(&bytes[..end]);
    let line: String = line.chars().filter(|c| !c.is_control()).collect();
    truncate(line.trim().to_string(), MAX_LINE)
}

/// Parse a Burp Suite XML export, calling `emit` for each finding; returns how many.
pub fn parse<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let mut w = Walker::new(input, "issues", true);
    let mut seen_root = false;
    let mut scan_time = None;
    let mut cur: Option<Issue> = None;
    let mut count = 0usize;
    loop {
        let step = w.next()?;
        let path = step.path;
        match step.node {
            Node::Open(e) => {
                let name = path.last().map(String::as_str).unwrap_or("");
                if !seen_root {
                    if name != "issues" {
                        return Err(ParseError::WrongFormat {
                            format: "burp",
                            message: format!("the root element is <{name}>, not <issues>"),
                        });
                    }
                    scan_time = attr(&e, "exportTime").and_then(|t| parse_time(&t));
                    seen_root = true;
                    continue;
                }
                let mark = match cur.as_mut() {
                    None => {
                        if path.len() == 2 && name == "issue" {
                            cur = Some(Issue { depth: 2, ..Issue::default() });
                        }
                        0
                    }
                    Some(i) if path.len() == i.depth + 1 => match name {
                        "type" => TYPE,
                        "name" => NAME,
                        "host" => {
                            i.ip = truncate(attr(&e, "ip").unwrap_or_default(), MAX_SHORT);
                            HOST
                        }
                        "path" => PATH,
                        "location" => LOCATION,
                        "severity" => SEVERITY,
                        "issueBackground" => BACKGROUND,
                        "issueDetail" => DETAIL,
                        "remediationBackground" => REMEDIATION_BACKGROUND,
                        "remediationDetail" => REMEDIATION_DETAIL,
                        "references" => REFERENCES,
                        "vulnerabilityClassifications" => CLASSIFICATIONS,
                        _ => 0,
                    },
                    Some(i) => {
                        let b = i.depth;
                        let base64 = || attr(&e, "base64").is_some_and(|v| v.trim() == "true");
                        if rel_is(path, b, &["issueDetailItems", "issueDetailItem"]) {
                            i.item.clear();
                            DETAIL_ITEM
                        } else if rel_is(path, b, &["requestresponse", "request"]) && i.pairs.len() < MAX_PAIRS {
                            i.request.clear();
                            i.request_base64 = base64();
                            REQUEST
                        } else if rel_is(path, b, &["requestresponse", "response"]) && i.pairs.len() < MAX_PAIRS {
                            i.response.clear();
                            i.response_base64 = base64();
                            RESPONSE
                        } else {
                            0
                        }
                    }
                };
                if mark != 0 {
                    w.set_mark(mark);
                }
            }
            Node::Text(t) => {
                if let Some(i) = cur.as_mut()
                    && let Some((field, max)) = i.field(step.mark)
                {
                    push_capped(field, &t, max);
                }
            }
            Node::Close => {
                let Some(i) = cur.as_mut() else { continue };
                if path.len() == i.depth {
                    if let Some(i) = cur.take() {
                        emit(i.finish(scan_time));
                        count += 1;
                    }
                } else if step.mark == DETAIL_ITEM {
                    if i.items.len() < MAX_ITEMS {
                        let item = std::mem::take(&mut i.item);
                        i.items.push(item);
                    }
                } else if rel_is(path, i.depth, &["requestresponse"]) && i.pairs.len() < MAX_PAIRS {
                    let request = first_line(&std::mem::take(&mut i.request), i.request_base64);
                    let response = first_line(&std::mem::take(&mut i.response), i.response_base64);
                    let line = match (request.is_empty(), response.is_empty()) {
                        (false, false) => format!("{request} → {response}"),
                        (false, true) => request,
                        (true, false) => format!("→ {response}"),
                        (true, true) => continue,
                    };
                    i.pairs.push(line);
                }
            }
            Node::Other => {}
            Node::Eof => {
                if !seen_root {
                    return Err(ParseError::WrongFormat { format: "burp", message: NO_ROOT.into() });
                }
                return Ok(count);
            }
        }
    }
}
