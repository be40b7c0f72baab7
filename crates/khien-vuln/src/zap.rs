//! OWASP ZAP reports.
//!
//! **XML** (`parse_xml`: the "Traditional XML" and "XML plus" reports, root
//! `<OWASPZAPReport>`), streamed: one finding per alert instance, i.e. per
//! `<alertitem><instances><instance>`; an `<alertitem>` without instances (older reports carry
//! one `<uri>` in the alertitem itself) is one finding. Fields:
//!
//! * title: `<alert>` (else `<name>`); rule_id: `<pluginid>`.
//! * url: the instance's `<uri>` (else the alertitem's, else the site's `name`); host and port
//!   from that URL (the scheme's default port when none is given), else from the `<site>`
//!   attributes `host`/`port`; ip: the host when it is an address; protocol "tcp".
//! * location: the instance's `<param>` (the parameter, header or cookie concerned).
//! * description: `<desc>`, solution: `<solution>` (ZAP embeds HTML as escaped text: converted
//!   to plain text); references: the URLs in `<reference>` (also when run together without
//!   separators); cwes: `<cweid>` when positive (`<wascid>` is not kept).
//! * evidence: the instance's `<evidence>`, then "Attack: " and its `<attack>`, then
//!   `<otherinfo>` (the instance's, else the alertitem's) as plain text. Request and response
//!   headers and bodies of the "XML plus" report are not kept.
//! * scan_time: the root's `generated` attribute ("Tue, 12 May 2020 20:57:30"; it has no time
//!   zone and is read as UTC).
//! * suppressed: `<confidence>` 0 (ZAP's "False Positive").
//!
//! **Severity mapping** (one for both ZAP formats): `riskcode` 3 high, 2 medium, 1 low, 0 (and
//! anything else) info. ZAP has no critical level.
//!
//! An alertitem's fields after its instances (solution, reference, cweid...) are needed by each
//! instance, so instances are held until the alertitem ends; to keep memory bounded, instance
//! fields are capped at 64 KiB and, past 32 MiB of held instances, they are emitted early with
//! the alert fields known so far.

use crate::finding::Severity;
use crate::xmlutil::{
    NO_ROOT, Node, Walker, attr, find_urls, html_to_text, parse_time, push_capped, rel_is, truncate, url_parts,
};
use crate::{Finding, ParseError};
use std::io::BufRead;

/// Largest text kept from one alert-level element (descriptions, solutions).
const MAX_TEXT: usize = 1 << 20;
/// Largest text kept from one instance element.
const MAX_INSTANCE_FIELD: usize = 64 << 10;
/// Largest text kept from short elements (ids, codes).
const MAX_SHORT: usize = 4096;
/// Held instance bytes past which instances are emitted before their alertitem ends.
const MAX_HELD: usize = 32 << 20;

/// Marks: which field the text of an element goes to.
mod mark {
    pub const PLUGIN: u16 = 1;
    pub const ALERT: u16 = 2;
    pub const NAME: u16 = 3;
    pub const RISK: u16 = 4;
    pub const CONFIDENCE: u16 = 5;
    pub const DESC: u16 = 6;
    pub const SOLUTION: u16 = 7;
    pub const OTHERINFO: u16 = 8;
    pub const REFERENCE: u16 = 9;
    pub const CWE: u16 = 10;
    // Instance fields (also used for the alertitem-level ones of old reports).
    pub const URI: u16 = 20;
    pub const METHOD: u16 = 21;
    pub const PARAM: u16 = 22;
    pub const ATTACK: u16 = 23;
    pub const EVIDENCE: u16 = 24;
    pub const INSTANCE_OTHERINFO: u16 = 25;
}

#[derive(Default)]
struct Site {
    name: String,
    host: String,
    port: Option<u16>,
}

#[derive(Default)]
struct Instance {
    uri: String,
    method: String,
    param: String,
    attack: String,
    evidence: String,
    otherinfo: String,
}

impl Instance {
    fn field(&mut self, mark: u16) -> Option<&mut String> {
        Some(match mark {
            mark::URI => &mut self.uri,
            mark::METHOD => &mut self.method,
            mark::PARAM => &mut self.param,
            mark::ATTACK => &mut self.attack,
            mark::EVIDENCE => &mut self.evidence,
            mark::INSTANCE_OTHERINFO => &mut self.otherinfo,
            _ => return None,
        })
    }

    fn size(&self) -> usize {
        self.uri.len()
            + self.method.len()
            + self.param.len()
            + self.attack.len()
            + self.evidence.len()
            + self.otherinfo.len()
    }
}

/// An `<alertitem>` being read.
#[derive(Default)]
struct Alert {
    depth: usize,
    plugin: String,
    alert: String,
    name: String,
    risk: String,
    confidence: String,
    desc: String,
    solution: String,
    otherinfo: String,
    reference: String,
    cwe: String,
    /// The alertitem-level uri/param/... of old reports.
    own: Instance,
    /// Instances read, waiting for the end of the alertitem.
    held: Vec<Instance>,
    held_bytes: usize,
    /// Instances already emitted (early, or at the end).
    emitted: usize,
    /// The instance being read.
    instance: Option<Instance>,
}

impl Alert {
    fn field(&mut self, mark: u16) -> Option<(&mut String, usize)> {
        Some(match mark {
            mark::PLUGIN => (&mut self.plugin, MAX_SHORT),
            mark::ALERT => (&mut self.alert, MAX_SHORT),
            mark::NAME => (&mut self.name, MAX_SHORT),
            mark::RISK => (&mut self.risk, MAX_SHORT),
            mark::CONFIDENCE => (&mut self.confidence, MAX_SHORT),
            mark::DESC => (&mut self.desc, MAX_TEXT),
            mark::SOLUTION => (&mut self.solution, MAX_TEXT),
            mark::OTHERINFO => (&mut self.otherinfo, MAX_TEXT),
            mark::REFERENCE => (&mut self.reference, MAX_TEXT),
            mark::CWE => (&mut self.cwe, MAX_SHORT),
            _ => {
                let target = match self.instance.as_mut() {
                    Some(i) => i,
                    None => &mut self.own,
                };
                return target.field(mark).map(|f| (f, MAX_INSTANCE_FIELD));
            }
        })
    }

    /// The alert-level part of its findings (converted once per alertitem, not per instance).
    fn template(&self, scan_time: Option<i64>) -> Finding {
        let mut f = Finding::new("zap-xml");
        f.title = if self.alert.trim().is_empty() { self.name.trim() } else { self.alert.trim() }.to_string();
        f.rule_id = self.plugin.trim().to_string();
        f.severity = risk_severity(&self.risk);
        f.suppressed = self.confidence.trim() == "0";
        f.cwes = self.cwe.trim().parse::<u32>().ok().filter(|c| *c > 0).into_iter().collect();
        f.description = html_to_text(&self.desc);
        f.solution = html_to_text(&self.solution);
        f.references = find_urls(&self.reference);
        // The alert-level otherinfo, for instances without their own.
        f.evidence = html_to_text(&self.otherinfo);
        f.protocol = "tcp".into();
        f.scan_time = scan_time;
        f
    }

    /// The finding for `inst` (or for the alertitem itself when it has no instances).
    fn finding(&self, template: &Finding, inst: Option<&Instance>, site: &Site) -> Finding {
        let inst = inst.unwrap_or(&self.own);
        let mut f = template.clone();
        f.url = if inst.uri.trim().is_empty() { site.name.trim() } else { inst.uri.trim() }.to_string();
        match url_parts(&f.url) {
            Some(u) => {
                f.host = u.host.to_string();
                f.port = u.port;
            }
            None => {
                f.host = site.host.clone();
                f.port = site.port;
            }
        }
        if f.host.parse::<std::net::IpAddr>().is_ok() {
            f.ip = f.host.clone();
        }
        f.location = inst.param.trim().to_string();
        let mut evidence = inst.evidence.trim().to_string();
        let attack = inst.attack.trim();
        if !attack.is_empty() {
            if !evidence.is_empty() {
                evidence.push_str("\n\n");
            }
            evidence.push_str("Attack: ");
            evidence.push_str(attack);
        }
        let other = if inst.otherinfo.trim().is_empty() {
            std::mem::take(&mut f.evidence)
        } else {
            html_to_text(&inst.otherinfo)
        };
        if !other.is_empty() {
            if !evidence.is_empty() {
                evidence.push_str("\n\n");
            }
            evidence.push_str(&other);
        }
        f.evidence = evidence;
        f
    }
}

/// The severity for a ZAP `riskcode` (see the module documentation).
fn risk_severity(code: &str) -> Severity {
    match code.trim() {
        "3" => Severity::High,
        "2" => Severity::Medium,
        "1" => Severity::Low,
        _ => Severity::Info,
    }
}

/// Parse a ZAP XML report, calling `emit` for each finding; returns how many.
pub fn parse_xml<R: BufRead>(input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let mut w = Walker::new(input, "OWASPZAPReport", false);
    let mut seen_root = false;
    let mut scan_time = None;
    let mut site = Site::default();
    let mut cur: Option<Alert> = None;
    let mut count = 0usize;
    loop {
        let step = w.next()?;
        let path = step.path;
        match step.node {
            Node::Open(e) => {
                let name = path.last().map(String::as_str).unwrap_or("");
                if !seen_root {
                    if name != "OWASPZAPReport" {
                        return Err(ParseError::WrongFormat {
                            format: "zap-xml",
                            message: format!("the root element is <{name}>, not <OWASPZAPReport>"),
                        });
                    }
                    scan_time = attr(&e, "generated").and_then(|g| parse_time(&g));
                    seen_root = true;
                    continue;
                }
                let mark = match cur.as_mut() {
                    None => {
                        if path.len() == 2 && name == "site" {
                            let port = attr(&e, "port").and_then(|p| p.trim().parse::<u16>().ok()).filter(|p| *p != 0);
                            site = Site {
                                name: truncate(attr(&e, "name").unwrap_or_default(), MAX_INSTANCE_FIELD),
                                host: truncate(attr(&e, "host").unwrap_or_default().trim().to_string(), MAX_SHORT),
                                port,
                            };
                        } else if path.len() == 4 && name == "alertitem" && path[2] == "alerts" {
                            cur = Some(Alert { depth: path.len(), ..Alert::default() });
                        }
                        0
                    }
                    Some(a) => {
                        let b = a.depth;
                        let rel = |p: &[&str]| rel_is(path, b, p);
                        let leaf = |p: &str| -> u16 {
                            match p {
                                "uri" => mark::URI,
                                "method" => mark::METHOD,
                                "param" => mark::PARAM,
                                "attack" => mark::ATTACK,
                                "evidence" => mark::EVIDENCE,
                                "otherinfo" => mark::INSTANCE_OTHERINFO,
                                _ => 0,
                            }
                        };
                        if rel(&["instances", "instance"]) {
                            a.instance = Some(Instance::default());
                            0
                        } else if path.len() == b + 3 && rel_is(&path[..b + 2], b, &["instances", "instance"]) {
                            if a.instance.is_some() { leaf(name) } else { 0 }
                        } else if path.len() == b + 1 {
                            match name {
                                "pluginid" => mark::PLUGIN,
                                "alert" => mark::ALERT,
                                "name" => mark::NAME,
                                "riskcode" => mark::RISK,
                                "confidence" => mark::CONFIDENCE,
                                "desc" => mark::DESC,
                                "solution" => mark::SOLUTION,
                                "otherinfo" => mark::OTHERINFO,
                                "reference" => mark::REFERENCE,
                                "cweid" => mark::CWE,
                                other => match leaf(other) {
                                    mark::INSTANCE_OTHERINFO => 0,
                                    m => m,
                                },
                            }
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
                if let Some(a) = cur.as_mut()
                    && let Some((field, max)) = a.field(step.mark)
                {
                    push_capped(field, &t, max);
                }
            }
            Node::Close => {
                let Some(a) = cur.as_mut() else { continue };
                if path.len() == a.depth + 2 && rel_is(path, a.depth, &["instances", "instance"]) {
                    if let Some(i) = a.instance.take() {
                        a.held_bytes += i.size() + 64;
                        a.held.push(i);
                        if a.held_bytes > MAX_HELD {
                            let template = a.template(scan_time);
                            for i in std::mem::take(&mut a.held) {
                                emit(a.finding(&template, Some(&i), &site));
                                count += 1;
                                a.emitted += 1;
                            }
                            a.held_bytes = 0;
                        }
                    }
                } else if path.len() == a.depth
                    && let Some(a) = cur.take()
                {
                    let template = a.template(scan_time);
                    if a.held.is_empty() && a.emitted == 0 {
                        emit(a.finding(&template, None, &site));
                        count += 1;
                    }
                    for i in &a.held {
                        emit(a.finding(&template, Some(i), &site));
                        count += 1;
                    }
                }
            }
            Node::Other => {}
            Node::Eof => {
                if !seen_root {
                    return Err(ParseError::WrongFormat { format: "zap-xml", message: NO_ROOT.into() });
                }
                return Ok(count);
            }
        }
    }
}

pub fn parse_json<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("zap-json".into()))
}
