//! Nessus v2 (`.nessus`, `NessusClientData_v2`) reports, streamed: one finding per
//! `ReportItem`. Severity mapping (the `severity` attribute): 0 info, 1 low, 2 medium,
//! 3 high, 4 critical. Host: the `host-fqdn` property or the `ReportHost` name; IP: the
//! `host-ip` property (or the name when it is an address); a Nessus WAS host named by its URL
//! gives url and host. CVSS: v4, else v3, else v2, as given (WAS: `cvssv3`, `cvss`).
//! Inside a `ReportItem`, the children not kept (two dozen of the thirty a plugin writes) are
//! passed by a byte search instead of events (`xml/skip.rs`): their content is not decoded or
//! checked, only followed to its end.

use crate::ParseError;
use crate::finding::{Finding, Severity, parse_cwe};
use crate::xml::{err, read_text, skip};
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::io::BufRead;

/// Largest text kept from one element (descriptions, plugin output).
const MAX_TEXT: usize = 1 << 20;

/// Largest piece of XML (a tag with its attributes, a text run, an element read as text) the
/// parser accepts; beyond it the report is refused instead of filling memory.
const MAX_EVENT: usize = 64 << 20;

#[derive(Default)]
struct Host {
    name: String,
    fqdn: String,
    ip: String,
    start: Option<i64>,
}

/// The attributes of `e` named in `keys`, unescaped, in the order of `keys` (one pass over
/// the tag; the first of duplicated attributes wins). Borrowed from the tag unless unescaping
/// changed them, so that values only looked at cost no allocation.
fn attrs<'a, const N: usize>(e: &'a BytesStart<'_>, keys: [&str; N]) -> [Option<Cow<'a, str>>; N] {
    let mut out: [Option<Cow<'a, str>>; N] = std::array::from_fn(|_| None);
    for a in e.attributes().with_checks(false).flatten() {
        if let Some(i) = keys.iter().position(|k| *k == a.key.as_ref())
            && out[i].is_none()
        {
            out[i] = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok();
        }
    }
    out
}

/// Remove leading and trailing white space without reallocating.
fn trim_in_place(s: &mut String) {
    s.truncate(s.trim_end().len());
    let lead = s.len() - s.trim_start().len();
    if lead > 0 {
        s.drain(..lead);
    }
}

fn owned(v: Option<Cow<'_, str>>) -> String {
    v.map(Cow::into_owned).unwrap_or_default()
}

fn item_from(e: &BytesStart<'_>, host: &Host) -> Finding {
    let mut f = Finding::new("nessus");
    let [name, id, protocol, port, severity] = attrs(e, ["pluginName", "pluginID", "protocol", "port", "severity"]);
    f.title = owned(name);
    f.rule_id = owned(id);
    f.protocol = owned(protocol);
    f.port = port.and_then(|p| p.trim().parse::<u16>().ok()).filter(|p| *p != 0);
    f.severity = match severity.as_deref().map(str::trim) {
        Some("4") => Severity::Critical,
        Some("3") => Severity::High,
        Some("2") => Severity::Medium,
        Some("1") => Severity::Low,
        _ => Severity::Info,
    };
    f.host = if host.fqdn.is_empty() { host.name.clone() } else { host.fqdn.clone() };
    // Nessus WAS names the host by its URL ("http://example.com/").
    if f.host.contains("://")
        && let Some((scheme, rest)) = f.host.split_once("://")
    {
        let authority = rest.split('/').next().unwrap_or("");
        let name = authority.rsplit_once(':').map(|(h, _)| h).unwrap_or(authority).to_string();
        if matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") && !name.is_empty() {
            f.url = f.host.clone();
            f.host = name;
        }
    }
    f.ip = if !host.ip.is_empty() {
        host.ip.clone()
    } else if host.name.parse::<std::net::IpAddr>().is_ok() {
        host.name.clone()
    } else {
        String::new()
    };
    f.scan_time = host.start;
    f
}

/// The children of a `ReportItem` the parser keeps; the others are skipped unread.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Cve,
    Cwe,
    V4Score,
    V4Vector,
    V3Score,
    V3Vector,
    V2Score,
    V2Vector,
    Description,
    Solution,
    Output,
    SeeAlso,
}

impl Field {
    fn of(name: &[u8]) -> Option<Field> {
        Some(match name {
            b"cve" => Field::Cve,
            b"cwe" => Field::Cwe,
            b"cvss4_base_score" => Field::V4Score,
            b"cvss4_vector" => Field::V4Vector,
            b"cvss3_base_score" => Field::V3Score,
            b"cvss3_vector" => Field::V3Vector,
            // Nessus WAS writes bare scores.
            b"cvssv3" => Field::V3Score,
            b"cvss_base_score" | b"cvss" => Field::V2Score,
            b"cvss_vector" => Field::V2Vector,
            b"description" => Field::Description,
            b"solution" => Field::Solution,
            b"plugin_output" => Field::Output,
            b"see_also" => Field::SeeAlso,
            _ => return None,
        })
    }
}

/// Parse a `.nessus` report, calling `emit` for each finding; returns how many there were.
pub fn parse<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let mut reader = quick_xml::Reader::from_reader(crate::xml::EventLimit::new(input, MAX_EVENT));
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut text = Vec::with_capacity(64 * 1024);
    let mut scratch = String::with_capacity(64 * 1024);
    let mut seen_root = false;
    let mut host = Host::default();
    let mut item: Option<Finding> = None;
    let (mut v4, mut v3, mut v2) = ((None, String::new()), (None, String::new()), (None, String::new()));
    let mut count = 0usize;
    loop {
        if item.is_some() {
            // Inside a ReportItem: its children not kept are passed by a byte search.
            // Elements the loop below acts on wherever they are stay with the events.
            let wanted =
                |name: &[u8]| matches!(name, b"ReportItem" | b"ReportHost" | b"tag") || Field::of(name).is_some();
            reader.get_mut().skip_children(wanted).map_err(|e| err(&reader, "ReportItem", e))?;
        }
        buf.clear();
        reader.get_mut().reset();
        let ev = reader.read_event_into(&mut buf).map_err(|e| err(&reader, "NessusClientData_v2", e))?;
        match ev {
            Event::Start(e) | Event::Empty(e) if !seen_root => {
                if e.name().as_ref() != "NessusClientData_v2" {
                    return Err(ParseError::WrongFormat {
                        format: "nessus",
                        message: format!("the root element is <{}>, not <NessusClientData_v2>", e.name().as_ref()),
                    });
                }
                seen_root = true;
            }
            Event::Start(e) => match e.name().as_ref() {
                "ReportHost" => {
                    let [name] = attrs(&e, ["name"]);
                    host = Host { name: owned(name), ..Host::default() };
                }
                "tag" => {
                    let [key] = attrs(&e, ["name"]);
                    match key.as_deref() {
                        Some(k @ ("host-ip" | "host-fqdn" | "HOST_START_TIMESTAMP")) => {
                            read_text(&mut reader, &mut text, &mut scratch, "tag", MAX_TEXT)?;
                            let value = scratch.trim();
                            match k {
                                "host-ip" => host.ip = value.to_string(),
                                "host-fqdn" => host.fqdn = value.to_string(),
                                _ => host.start = value.parse().ok(),
                            }
                        }
                        _ => skip(&mut reader, &mut text, "tag")?,
                    }
                }
                "ReportItem" => {
                    item = Some(item_from(&e, &host));
                    (v4, v3, v2) = ((None, String::new()), (None, String::new()), (None, String::new()));
                }
                name if item.is_some() => {
                    let field_name: &str = name;
                    let Some(field) = Field::of(name.as_bytes()) else {
                        skip(&mut reader, &mut text, field_name)?;
                        continue;
                    };
                    let Some(f) = item.as_mut() else { continue };
                    // Long texts go straight into the finding, without a copy through `scratch`.
                    let whole = match field {
                        Field::Description => Some(&mut f.description),
                        Field::Solution => Some(&mut f.solution),
                        Field::Output => Some(&mut f.evidence),
                        Field::V4Vector => Some(&mut v4.1),
                        Field::V3Vector => Some(&mut v3.1),
                        Field::V2Vector => Some(&mut v2.1),
                        _ => None,
                    };
                    if let Some(out) = whole {
                        read_text(&mut reader, &mut text, out, field_name, MAX_TEXT)?;
                        trim_in_place(out);
                        continue;
                    }
                    read_text(&mut reader, &mut text, &mut scratch, field_name, MAX_TEXT)?;
                    let v = scratch.trim();
                    match field {
                        Field::Cve => f.cves.push(v.to_string()),
                        Field::Cwe => f.cwes.extend(parse_cwe(v)),
                        Field::V4Score => v4.0 = v.parse::<f64>().ok(),
                        Field::V3Score => v3.0 = v.parse::<f64>().ok(),
                        Field::V2Score => v2.0 = v.parse::<f64>().ok(),
                        Field::SeeAlso => f.references.extend(v.split_whitespace().map(String::from)),
                        // Read into the finding above.
                        Field::V4Vector
                        | Field::V3Vector
                        | Field::V2Vector
                        | Field::Description
                        | Field::Solution
                        | Field::Output => {}
                    }
                }
                _ => {}
            },
            Event::Empty(e) if e.name().as_ref() == "ReportItem" => {
                emit(item_from(&e, &host));
                count += 1;
            }
            Event::End(e) if e.name().as_ref() == "ReportItem" => {
                if let Some(mut f) = item.take() {
                    let (score, vector) = if v4.0.is_some() || !v4.1.is_empty() {
                        std::mem::take(&mut v4)
                    } else if v3.0.is_some() || !v3.1.is_empty() {
                        std::mem::take(&mut v3)
                    } else {
                        std::mem::take(&mut v2)
                    };
                    f.cvss_score = score;
                    f.cvss_vector = vector;
                    emit(f);
                    count += 1;
                }
            }
            Event::End(e) if e.name().as_ref() == "ReportHost" => host = Host::default(),
            Event::DocType(_) => {
                return Err(err(&reader, "NessusClientData_v2", "a DOCTYPE is not allowed in a scan report"));
            }
            Event::Eof => {
                if !seen_root {
                    return Err(ParseError::WrongFormat { format: "nessus", message: "the file is empty".into() });
                }
                if item.is_some() {
                    return Err(err(&reader, "ReportItem", "the file ends inside a ReportItem (truncated?)"));
                }
                return Ok(count);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::trim_in_place;

    #[test]
    fn trim_in_place_matches_trim() {
        for s in ["", " ", "\n\t x y \r\n", "x", "  Mật khẩu  ", "a\u{3000}", "\u{3000}b c\n"] {
            let mut owned = s.to_string();
            trim_in_place(&mut owned);
            assert_eq!(owned, s.trim(), "{s:?}");
        }
    }
}
