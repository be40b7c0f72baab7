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

/// Parse a ZAP "Traditional JSON" report (`{"@programName", "@generated", "site": [{"@name",
/// "@host", "@port", "@ssl", "alerts": [...]}]}`; numbers are often strings), streamed, calling
/// `emit` once per alert INSTANCE (an alert without instances gives one finding); returns how
/// many there were. An empty input is a report with no findings.
///
/// Severity mapping (`riskcode`): 0 → info, 1 → low, 2 → medium, 3 → high (ZAP has no
/// critical); a missing code falls back on the first word of `riskdesc`. `confidence` 0
/// ("False Positive") → suppressed.
///
/// Fields: `name` (else `alert`) → title; `pluginid` → rule_id; `cweid` (> 0) → cwes; `desc`,
/// `solution` (HTML, stripped to text) → description, solution; `reference` (HTML) →
/// references, one per paragraph or URL; site `@host` → host; site `@port` (else the URL's) →
/// port; "tcp" → protocol (as in the XML parser); instance `param` → location; instance `uri` (else site
/// `@name`) → url; instance `method`, `param`, `attack`, `evidence`, `otherinfo` (else the
/// alert's `otherinfo`) → evidence; `@generated` (ZAP writes local time without a zone; read
/// as UTC) → scan_time. The instances of one alert are held until the alert closes (ZAP
/// writes them before `solution` and `reference`), at most 64 MiB of them.
pub fn parse_json<R: BufRead>(mut input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let (first, skipped) = crate::jsonstream::skip_blank(&mut input)?;
    match first {
        None => return Ok(0),
        Some(b'{') => {}
        Some(b) => {
            return Err(ParseError::WrongFormat {
                format: "zap-json",
                message: format!(
                    "expected a JSON object, but the content starts with {:?}",
                    char::from(b).escape_default().to_string()
                ),
            });
        }
    }
    let mut h = zap_json::ZapHandler::new(emit);
    crate::jsonstream::walk(input, skipped, &mut h)?;
    h.finish()
}

/// The streaming side of [`parse_json`].
mod zap_json {
    use crate::jsonstream::{
        self, Handler, MAX_ELEMENT, MAX_TEXT, Seg, Want, capped, days_from_civil, host_port, is_http_url, push_unique,
        text, text_or_empty, truncate,
    };
    use crate::{Finding, Format, ParseError, Severity};
    use serde_json::Value;

    /// Alert members kept (as text); others are skipped.
    const ALERT_FIELDS: [&str; 12] = [
        "pluginid",
        "alertRef",
        "alert",
        "name",
        "riskcode",
        "confidence",
        "riskdesc",
        "desc",
        "solution",
        "otherinfo",
        "reference",
        "cweid",
    ];
    /// Bulky members of "JSON plus" instances, not read.
    const INSTANCE_SKIP: &[&str] = &["request-header", "request-body", "response-header", "response-body"];

    #[derive(Default)]
    struct Site {
        name: String,
        host: String,
        port: String,
        ssl: String,
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
        fn size(&self) -> usize {
            64 + self.uri.len()
                + self.method.len()
                + self.param.len()
                + self.attack.len()
                + self.evidence.len()
                + self.otherinfo.len()
        }
    }

    pub(super) struct ZapHandler<'a> {
        emit: &'a mut dyn FnMut(Finding),
        count: usize,
        recognised: bool,
        scan_time: Option<i64>,
        site: Site,
        alert: Vec<(&'static str, String)>,
        instances: Vec<Instance>,
        instance_bytes: usize,
    }

    impl<'a> ZapHandler<'a> {
        pub(super) fn new(emit: &'a mut dyn FnMut(Finding)) -> ZapHandler<'a> {
            ZapHandler {
                emit,
                count: 0,
                recognised: false,
                scan_time: None,
                site: Site::default(),
                alert: vec![],
                instances: vec![],
                instance_bytes: 0,
            }
        }

        pub(super) fn finish(self) -> Result<usize, ParseError> {
            if !self.recognised {
                return Err(ParseError::WrongFormat {
                    format: "zap-json",
                    message: "the top-level object has no \"site\" list".into(),
                });
            }
            Ok(self.count)
        }

        fn field(&self, key: &str) -> &str {
            self.alert.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| v.as_str()).unwrap_or("")
        }

        /// Emit the findings of the alert just closed.
        fn flush_alert(&mut self) {
            let instances = std::mem::take(&mut self.instances);
            self.instance_bytes = 0;
            let base = self.base_finding();
            self.alert.clear();
            if instances.is_empty() {
                let mut f = base;
                f.url = capped(&self.site.name);
                if f.host.is_empty() && !f.url.is_empty() {
                    f.host = host_port(&f.url).0;
                }
                (self.emit)(f);
                self.count += 1;
                return;
            }
            for inst in instances {
                let mut f = base.clone();
                let url = if inst.uri.is_empty() { capped(&self.site.name) } else { inst.uri };
                let (host, port) = host_port(&url);
                if f.host.is_empty() {
                    f.host = host;
                }
                if f.port.is_none() {
                    f.port = port.or(match url.split("://").next().map(str::to_ascii_lowercase).as_deref() {
                        Some("https") if is_http_url(&url) => Some(443),
                        Some("http") if is_http_url(&url) => Some(80),
                        _ => None,
                    });
                }
                // As the XML parser does, so that a finding keeps its fingerprint whichever
                // ZAP report format is imported: transport protocol, parameter as location.
                f.protocol = "tcp".into();
                f.location = truncate(inst.param.trim(), MAX_TEXT).to_string();
                f.url = url;
                let mut ev = String::new();
                let other = if inst.otherinfo.is_empty() { f.evidence.clone() } else { inst.otherinfo };
                for (label, value) in [
                    ("method", inst.method),
                    ("param", inst.param),
                    ("attack", inst.attack),
                    ("evidence", inst.evidence),
                    ("other info", other),
                ] {
                    if !value.is_empty() {
                        if !ev.is_empty() {
                            ev.push('\n');
                        }
                        ev.push_str(label);
                        ev.push_str(": ");
                        ev.push_str(&value);
                    }
                }
                f.evidence = truncate(&ev, MAX_TEXT).to_string();
                (self.emit)(f);
                self.count += 1;
            }
        }

        /// The finding fields every instance of the alert shares. `evidence` holds the alert's
        /// `otherinfo` for instances without their own.
        fn base_finding(&self) -> Finding {
            let mut f = Finding::new(Format::ZapJson.name());
            f.title = capped(self.field("name"));
            if f.title.is_empty() {
                f.title = capped(self.field("alert"));
            }
            f.rule_id = capped(self.field("pluginid"));
            f.severity = match self.field("riskcode").trim() {
                "0" => Severity::Info,
                "1" => Severity::Low,
                "2" => Severity::Medium,
                "3" => Severity::High,
                _ => match self.field("riskdesc").split_whitespace().next().map(str::to_ascii_lowercase).as_deref() {
                    Some("high") => Severity::High,
                    Some("medium") => Severity::Medium,
                    Some("low") => Severity::Low,
                    _ => Severity::Info,
                },
            };
            f.suppressed = self.field("confidence").trim() == "0";
            if let Some(n) = jsonstream::cwe_number(self.field("cweid")) {
                f.cwes.push(n);
            }
            f.description = capped(&html_to_text(self.field("desc")));
            f.solution = capped(&html_to_text(self.field("solution")));
            f.evidence = capped(&html_to_text(self.field("otherinfo")));
            for line in html_to_text(self.field("reference")).lines() {
                let tokens: Vec<&str> = line.split_whitespace().collect();
                if !tokens.is_empty() && tokens.iter().all(|t| is_http_url(t)) {
                    for t in tokens {
                        push_unique(&mut f.references, truncate(t, MAX_TEXT));
                    }
                } else {
                    push_unique(&mut f.references, truncate(line, MAX_TEXT));
                }
            }
            f.host = capped(&self.site.host);
            f.port = self.site.port.trim().parse::<u16>().ok().filter(|p| *p != 0);
            f.protocol = "tcp".into();
            f.scan_time = self.scan_time;
            f
        }
    }

    impl Handler for ZapHandler<'_> {
        fn want(&mut self, path: &[Seg]) -> Want {
            match jsonstream::shape(path).as_slice() {
                ["@generated"] => Want::Value(&[]),
                ["site"] => {
                    self.recognised = true;
                    Want::Descend
                }
                ["site", "[]"] => {
                    self.site = Site::default();
                    Want::Descend
                }
                ["site", "[]", "@name" | "@host" | "@port" | "@ssl"] => Want::Value(&[]),
                ["site", "[]", "alerts"] => Want::Descend,
                ["site", "[]", "alerts", "[]"] => {
                    self.alert.clear();
                    self.instances.clear();
                    self.instance_bytes = 0;
                    Want::Descend
                }
                ["site", "[]", "alerts", "[]", "instances"] => Want::Descend,
                ["site", "[]", "alerts", "[]", "instances", "[]"] => Want::Value(INSTANCE_SKIP),
                ["site", "[]", "alerts", "[]", key] if ALERT_FIELDS.contains(key) => Want::Value(&[]),
                _ => Want::Skip,
            }
        }

        fn value(&mut self, path: &[Seg], value: Value) -> Result<(), ParseError> {
            let shape = jsonstream::shape(path);
            match shape.as_slice() {
                [] => {
                    return Err(ParseError::WrongFormat {
                        format: "zap-json",
                        message: "the document is not a JSON object".into(),
                    });
                }
                ["@generated"] => self.scan_time = text(Some(&value)).and_then(|t| generated_time(&t)),
                ["site", "[]", field] => {
                    let v = capped(&text_or_empty(Some(&value)));
                    match *field {
                        "@name" => self.site.name = v,
                        "@host" => self.site.host = v,
                        "@port" => self.site.port = v,
                        "@ssl" => self.site.ssl = v,
                        _ => {}
                    }
                }
                ["site", "[]", "alerts", "[]", "instances", "[]"] => {
                    let get = |k: &str| capped(&text_or_empty(value.get(k)));
                    let inst = Instance {
                        uri: get("uri"),
                        method: get("method"),
                        param: get("param"),
                        attack: get("attack"),
                        evidence: get("evidence"),
                        otherinfo: get("otherinfo"),
                    };
                    self.instance_bytes += inst.size();
                    if self.instance_bytes > MAX_ELEMENT as usize {
                        return Err(ParseError::Json {
                            line: 0,
                            column: 0,
                            context: jsonstream::path_string(path),
                            message: format!(
                                "the instances of one alert are larger than the {} MiB limit",
                                MAX_ELEMENT >> 20
                            ),
                        });
                    }
                    self.instances.push(inst);
                }
                ["site", "[]", "alerts", "[]", key] => {
                    if let Some(k) = ALERT_FIELDS.iter().find(|k| *k == key) {
                        self.alert.retain(|(x, _)| x != k);
                        self.alert.push((k, capped(&text_or_empty(Some(&value)))));
                    }
                }
                _ => {}
            }
            Ok(())
        }

        fn end(&mut self, path: &[Seg]) -> Result<(), ParseError> {
            if jsonstream::shape(path).as_slice() == ["site", "[]", "alerts", "[]"] {
                self.flush_alert();
            }
            Ok(())
        }
    }

    /// ZAP's `@generated`: "Thu, 17 Jun 2021 16:04:28" (no zone; taken as UTC).
    fn generated_time(s: &str) -> Option<i64> {
        let s = s.trim();
        let s = s.split_once(',').map(|(_, r)| r.trim()).unwrap_or(s);
        let mut parts = s.split_whitespace();
        let day: i64 = parts.next()?.parse().ok()?;
        let month = parts.next()?.to_ascii_lowercase();
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
        let m = months.iter().position(|x| month.starts_with(x))? as i64 + 1;
        let year: i64 = parts.next()?.parse().ok()?;
        let mut hms = parts.next()?.split(':').map(|x| x.parse::<i64>().ok());
        let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next().flatten().unwrap_or(0));
        if !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        Some(days_from_civil(year, m, day) * 86400 + h * 3600 + mi * 60 + sec)
    }

    /// Plain text from ZAP's HTML snippets: tags dropped, paragraphs and line breaks as new
    /// lines, the common entities decoded, blank lines removed.
    pub(super) fn html_to_text(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find(['<', '&']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix('<') {
                let tag_like = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
                match tail.find('>').filter(|_| tag_like) {
                    Some(j) => {
                        let tag = tail[1..j].trim().trim_start_matches('/').trim_end_matches('/').trim();
                        let name = tag.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                        if matches!(name.as_str(), "p" | "br" | "li" | "div" | "tr" | "ul" | "ol" | "h1" | "h2" | "h3")
                        {
                            out.push('\n');
                        }
                        rest = &tail[j + 1..];
                    }
                    None => {
                        out.push('<');
                        rest = after;
                    }
                }
            } else {
                let end = tail.char_indices().take(12).find(|(_, c)| *c == ';').map(|(j, _)| j);
                let decoded = end.and_then(|j| {
                    let ent = &tail[1..j];
                    let c = match ent {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        "nbsp" => Some(' '),
                        _ => ent
                            .strip_prefix("#x")
                            .or_else(|| ent.strip_prefix("#X"))
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse::<u32>().ok()))
                            .and_then(char::from_u32),
                    };
                    c.map(|c| (c, j))
                });
                match decoded {
                    Some((c, j)) => {
                        out.push(c);
                        rest = &tail[j + 1..];
                    }
                    None => {
                        out.push('&');
                        rest = &tail[1..];
                    }
                }
            }
        }
        out.push_str(rest);
        let lines: Vec<&str> = out.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        lines.join("\n")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn html() {
            assert_eq!(html_to_text("<p>a &amp; b</p><p>c&#39;d &lt;x&gt;</p><p></p>"), "a & b\nc'd <x>");
            assert_eq!(html_to_text("1 < 2 && x"), "1 < 2 && x");
            assert_eq!(html_to_text("<p>caf&#xe9;<br/>ok</p>"), "café\nok");
        }

        #[test]
        fn generated() {
            assert_eq!(generated_time("Thu, 17 Jun 2021 16:04:28"), Some(1623945868));
            assert_eq!(generated_time("nonsense"), None);
        }
    }
}
