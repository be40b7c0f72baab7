//! Nessus v2 (`.nessus`, `NessusClientData_v2`) reports, streamed: one finding per
//! `ReportItem`. Severity mapping (the `severity` attribute): 0 info, 1 low, 2 medium,
//! 3 high, 4 critical. Host: the `host-fqdn` property or the `ReportHost` name; IP: the
//! `host-ip` property (or the name when it is an address); a Nessus WAS host named by its URL
//! gives url and host. CVSS: v4, else v3, else v2, as given (WAS: `cvssv3`, `cvss`).

use crate::ParseError;
use crate::finding::{Finding, Severity, parse_cwe};
use crate::xml::{err, read_text};
use quick_xml::events::{BytesStart, Event};
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

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

fn item_from(e: &BytesStart<'_>, host: &Host) -> Finding {
    let mut f = Finding::new("nessus");
    f.title = attr(e, "pluginName").unwrap_or_default();
    f.rule_id = attr(e, "pluginID").unwrap_or_default();
    f.protocol = attr(e, "protocol").unwrap_or_default();
    f.port = attr(e, "port").and_then(|p| p.parse::<u16>().ok()).filter(|p| *p != 0);
    f.severity = match attr(e, "severity").as_deref().map(str::trim) {
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

/// Parse a `.nessus` report, calling `emit` for each finding; returns how many there were.
pub fn parse<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let mut reader = quick_xml::Reader::from_reader(crate::xml::EventLimit::new(input, MAX_EVENT));
    let mut buf = Vec::new();
    let mut text = Vec::new();
    let mut seen_root = false;
    let mut host = Host::default();
    let mut item: Option<Finding> = None;
    let (mut v4, mut v3, mut v2) = ((None, String::new()), (None, String::new()), (None, String::new()));
    let mut count = 0usize;
    loop {
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
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                match name.as_str() {
                    "ReportHost" => host = Host { name: attr(&e, "name").unwrap_or_default(), ..Host::default() },
                    "tag" => {
                        let key = attr(&e, "name").unwrap_or_default();
                        let value = read_text(&mut reader, &mut text, "tag", MAX_TEXT)?;
                        match key.as_str() {
                            "host-ip" => host.ip = value.trim().to_string(),
                            "host-fqdn" => host.fqdn = value.trim().to_string(),
                            "HOST_START_TIMESTAMP" => host.start = value.trim().parse().ok(),
                            _ => {}
                        }
                    }
                    "ReportItem" => {
                        item = Some(item_from(&e, &host));
                        (v4, v3, v2) = ((None, String::new()), (None, String::new()), (None, String::new()));
                    }
                    field if item.is_some() => {
                        let value = read_text(&mut reader, &mut text, field, MAX_TEXT)?;
                        let Some(f) = item.as_mut() else { continue };
                        let v = value.trim();
                        match field {
                            "cve" => f.cves.push(v.to_string()),
                            "cwe" => f.cwes.extend(parse_cwe(v)),
                            "cvss4_base_score" => v4.0 = v.parse::<f64>().ok(),
                            "cvss4_vector" => v4.1 = v.to_string(),
                            "cvss3_base_score" => v3.0 = v.parse::<f64>().ok(),
                            "cvss3_vector" => v3.1 = v.to_string(),
                            "cvss_base_score" | "cvss" => v2.0 = v.parse::<f64>().ok(),
                            // Nessus WAS writes bare scores.
                            "cvssv3" => v3.0 = v.parse::<f64>().ok(),
                            "cvss_vector" => v2.1 = v.to_string(),
                            "description" => f.description = v.to_string(),
                            "solution" => f.solution = v.to_string(),
                            "plugin_output" => f.evidence = v.to_string(),
                            "see_also" => f.references.extend(v.split_whitespace().map(String::from)),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            Event::Empty(e) if e.name().as_ref() == "ReportItem" => {
                emit(item_from(&e, &host));
                count += 1;
            }
            Event::End(e) if e.name().as_ref() == "ReportItem" => {
                if let Some(mut f) = item.take() {
                    let (score, vector) = if v4.0.is_some() || !v4.1.is_empty() {
                        v4.clone()
                    } else if v3.0.is_some() || !v3.1.is_empty() {
                        v3.clone()
                    } else {
                        v2.clone()
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
