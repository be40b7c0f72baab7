//! SARIF 2.1.0 logs (static analysis, secret and dependency scanners), streamed: one finding
//! per `runs[].results[]`. The rules of `runs[].tool.driver.rules[]` and of the tool's
//! `extensions[].rules[]` are kept per run (id, name, short and full description, help,
//! helpUri, `defaultConfiguration.level`, `properties.security-severity`, CWE tags) and a
//! result finds its rule by `ruleIndex` (with `rule.toolComponent.index` for extensions) or by
//! `ruleId` (also its part before a `/`).
//!
//! Severity mapping, first that applies:
//! 1. `properties.security-severity` of the result, else of its rule: a CVSS-like number
//!    (≥ 9 critical, ≥ 7 high, ≥ 4 medium, > 0 low, 0 info), or a word some tools write
//!    (critical / high / medium / low / info, any case).
//! 2. The level: the result's `level`, else the rule's `defaultConfiguration.level`, else the
//!    spec's default ("warning", or "none" when the result's `kind` is not "fail"):
//!    error → high, warning → medium, note → low, none → info.
//!
//! Fields: rule_id = `ruleId` (or `rule.id`, or the rule's id); title = the rule's
//! shortDescription, else its name, else the first line of the message, else the rule id;
//! description = `message.text` (or the rule's / driver's `messageStrings[message.id]`) with
//! `{0}`-style arguments filled in, then the rule's fullDescription when different; solution =
//! the result's `fixes[].description`, else the rule's help text (unless it only repeats the
//! description or is a bare URL); references = the rule's helpUri (and a help text that is a
//! URL); location = the first location's `artifactLocation.uri` + ":" + `region.startLine`
//! (else its logical location's fully qualified name); url = that uri when it is http(s);
//! evidence = the region's `snippet.text` (capped; for secret scanners — Gitleaks,
//! TruffleHog, ggshield, tools named "secret…" — only its first 4 characters and "…"); cwes
//! from CWE tags ("CWE-79", "external/cwe/cwe-79"), `properties.cwe` and `taxa` / rule
//! `relationships` into a "CWE" taxonomy; cves from CVE ids in the rule id, the rule's name
//! and tags; suppressed = some `suppressions[]` entry whose status is not "rejected".
//! Fingerprints, code flows, stacks and related locations are not read; host, ip, port and
//! component stay empty.
//!
//! Streaming: the tool (and so the rules) normally comes before the results in a run. When
//! the results come first (Semgrep writes members in alphabetical order), they are held until
//! the run closes — up to 64 MiB of them; past that they are reported with what the result
//! itself has (ruleId, level, message), without rule details. At most 64 MiB of rule text is
//! kept per run; rules past that are not known.

use crate::jsonstream::{
    self, Handler, MAX_ELEMENT, MAX_TEXT, Seg, Want, add_cves_in, add_cwes, at, capped, is_http_url, number,
    push_unique, strings, text, text_or_empty, truncate,
};
use crate::{Finding, Format, ParseError, Severity};
use serde_json::Value;
use std::collections::HashMap;
use std::io::BufRead;

const FORMAT: &str = "sarif";
/// Members of a result not read (bulky and unused).
const RESULT_SKIP: &[&str] = &[
    "codeFlows",
    "stacks",
    "graphs",
    "graphTraversals",
    "relatedLocations",
    "attachments",
    "webRequest",
    "webResponse",
    "provenance",
    "fingerprints",
    "partialFingerprints",
];
/// Longest text kept from a rule.
const MAX_RULE_TEXT: usize = 64 * 1024;

/// Parse a SARIF log, calling `emit` for each finding; returns how many there were. An empty
/// input is a log with no results.
pub fn parse<R: BufRead>(mut input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let (first, skipped) = jsonstream::skip_blank(&mut input)?;
    match first {
        None => return Ok(0),
        Some(b'{') => {}
        Some(b) => {
            return Err(ParseError::WrongFormat {
                format: FORMAT,
                message: format!(
                    "expected a JSON object, but the content starts with {:?}",
                    char::from(b).escape_default().to_string()
                ),
            });
        }
    }
    let mut h = SarifHandler { emit, count: 0, recognised: false, run: Run::default() };
    jsonstream::walk(input, skipped, &mut h)?;
    if !h.recognised {
        return Err(ParseError::WrongFormat { format: FORMAT, message: "the top-level object has no \"runs\"".into() });
    }
    Ok(h.count)
}

#[derive(Default, Clone)]
struct Rule {
    id: String,
    name: String,
    short: String,
    full: String,
    help: String,
    help_uri: String,
    level: String,
    security_severity: Option<String>,
    cwes: Vec<u32>,
    cves: Vec<String>,
    messages: Vec<(String, String)>,
}

impl Rule {
    fn size(&self) -> usize {
        256 + self.id.len()
            + self.name.len()
            + self.short.len()
            + self.full.len()
            + self.help.len()
            + self.help_uri.len()
            + self.level.len()
            + self.cves.iter().map(|c| c.len() + 24).sum::<usize>()
            + self.messages.iter().map(|(a, b)| a.len() + b.len() + 48).sum::<usize>()
    }
}

/// What one result says, before its rule is known.
#[derive(Default)]
struct Pending {
    rule_id: String,
    rule_index: Option<usize>,
    component: Option<usize>,
    level: String,
    kind: String,
    message: String,
    message_id: String,
    arguments: Vec<String>,
    security_severity: Option<String>,
    cwes: Vec<u32>,
    cves: Vec<String>,
    uri: String,
    start_line: Option<u64>,
    snippet: String,
    logical: String,
    suppressed: bool,
    fixes: String,
}

impl Pending {
    fn size(&self) -> usize {
        256 + self.rule_id.len()
            + self.level.len()
            + self.kind.len()
            + self.message.len()
            + self.message_id.len()
            + self.arguments.iter().map(|a| a.len() + 24).sum::<usize>()
            + self.cves.iter().map(|c| c.len() + 24).sum::<usize>()
            + self.uri.len()
            + self.snippet.len()
            + self.logical.len()
            + self.fixes.len()
    }
}

#[derive(Default)]
struct Run {
    tool_seen: bool,
    tool_name: String,
    /// Rules of the driver (0) and of each extension (1 + its index).
    components: Vec<Vec<Rule>>,
    by_id: HashMap<String, (usize, usize)>,
    global_messages: Vec<(String, String)>,
    rule_bytes: usize,
    pending: Vec<Pending>,
    pending_bytes: usize,
    /// Results came before the tool and overflowed the holding budget.
    no_defer: bool,
}

struct SarifHandler<'a> {
    emit: &'a mut dyn FnMut(Finding),
    count: usize,
    recognised: bool,
    run: Run,
}

impl Handler for SarifHandler<'_> {
    fn want(&mut self, path: &[Seg]) -> Want {
        let shape = jsonstream::shape(path);
        match shape.as_slice() {
            ["runs"] => {
                self.recognised = true;
                Want::Descend
            }
            ["runs", "[]"] => {
                self.run = Run::default();
                Want::Descend
            }
            ["runs", "[]", "tool"] => {
                self.run.tool_seen = true;
                Want::Descend
            }
            ["runs", "[]", "tool", "driver"] | ["runs", "[]", "tool", "extensions", "[]"] => Want::Descend,
            ["runs", "[]", "tool", "extensions"] => Want::Descend,
            ["runs", "[]", "tool", "driver", "name"] => Want::Value(&[]),
            ["runs", "[]", "tool", "driver", "globalMessageStrings"] => Want::Value(&[]),
            ["runs", "[]", "tool", "driver", "rules"] | ["runs", "[]", "tool", "extensions", "[]", "rules"] => {
                Want::Descend
            }
            ["runs", "[]", "tool", "driver", "rules", "[]"]
            | ["runs", "[]", "tool", "extensions", "[]", "rules", "[]"] => Want::Value(&[]),
            ["runs", "[]", "results"] => Want::Descend,
            ["runs", "[]", "results", "[]"] => Want::Value(RESULT_SKIP),
            _ => Want::Skip,
        }
    }

    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), ParseError> {
        let shape = jsonstream::shape(path);
        match shape.as_slice() {
            [] => {
                return Err(ParseError::WrongFormat {
                    format: FORMAT,
                    message: "the document is not an object".into(),
                });
            }
            ["runs", "[]", "tool", "driver", "name"] => self.run.tool_name = capped(&text_or_empty(Some(&value))),
            ["runs", "[]", "tool", "driver", "globalMessageStrings"] => {
                self.run.global_messages = message_strings(Some(&value));
            }
            ["runs", "[]", "tool", "driver", "rules", "[]"] => self.add_rule(0, &value),
            ["runs", "[]", "tool", "extensions", "[]", "rules", "[]"] => {
                if let Some(Seg::Index(e)) = path.get(4) {
                    self.add_rule(e + 1, &value);
                }
            }
            ["runs", "[]", "results", "[]"] => {
                if !value.is_object() {
                    return Ok(());
                }
                let p = pending(&value);
                if self.run.tool_seen || self.run.no_defer {
                    self.finish(p);
                } else {
                    self.run.pending_bytes += p.size();
                    self.run.pending.push(p);
                    if self.run.pending_bytes > MAX_ELEMENT as usize {
                        // Too many results before the tool: report them without rule details.
                        self.run.no_defer = true;
                        for p in std::mem::take(&mut self.run.pending) {
                            self.finish(p);
                        }
                        self.run.pending_bytes = 0;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, path: &[Seg]) -> Result<(), ParseError> {
        if let [Seg::Key(k), Seg::Index(_)] = path
            && k == "runs"
        {
            for p in std::mem::take(&mut self.run.pending) {
                self.finish(p);
            }
            self.run = Run::default();
        }
        Ok(())
    }
}

impl SarifHandler<'_> {
    fn add_rule(&mut self, component: usize, v: &Value) {
        let rule = rule(v);
        let size = rule.size();
        if self.run.rule_bytes + size > MAX_ELEMENT as usize {
            return;
        }
        self.run.rule_bytes += size;
        while self.run.components.len() <= component {
            self.run.components.push(vec![]);
        }
        let index = self.run.components[component].len();
        if !rule.id.is_empty() {
            self.run.by_id.entry(rule.id.clone()).or_insert((component, index));
        }
        self.run.components[component].push(rule);
    }

    fn find_rule(&self, p: &Pending) -> Option<&Rule> {
        if let Some(i) = p.rule_index {
            let c = p.component.unwrap_or(0);
            if let Some(r) = self.run.components.get(c).and_then(|rules| rules.get(i))
                && (p.rule_id.is_empty() || r.id.is_empty() || rule_id_matches(&p.rule_id, &r.id))
            {
                return Some(r);
            }
        }
        if p.rule_id.is_empty() {
            return None;
        }
        let key = self.run.by_id.get(&p.rule_id).or_else(|| {
            let base = p.rule_id.split('/').next().unwrap_or("");
            self.run.by_id.get(base)
        });
        key.and_then(|(c, i)| self.run.components.get(*c).and_then(|r| r.get(*i)))
    }

    fn secret_scanner(&self) -> bool {
        let t = self.run.tool_name.to_ascii_lowercase();
        ["gitleaks", "trufflehog", "ggshield", "secret"].iter().any(|n| t.contains(n))
    }

    fn finish(&mut self, p: Pending) {
        let f = {
            let rule = self.find_rule(&p);
            build(&p, rule, &self.run.global_messages, self.secret_scanner())
        };
        (self.emit)(f);
        self.count += 1;
    }
}

/// A result's rule id names the rule `id` itself or a sub-rule `id/…`.
fn rule_id_matches(result_rule: &str, id: &str) -> bool {
    result_rule == id || result_rule.strip_prefix(id).is_some_and(|r| r.starts_with('/'))
}

fn rule_text(v: Option<&Value>) -> String {
    truncate(text_or_empty(v).as_str(), MAX_RULE_TEXT).to_string()
}

/// `messageStrings` / `globalMessageStrings`: id → text.
fn message_strings(v: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(m)) = v else { return vec![] };
    m.iter()
        .filter_map(|(k, v)| text(v.get("text")).map(|t| (k.clone(), truncate(&t, MAX_RULE_TEXT).to_string())))
        .collect()
}

/// CWE numbers and CVE ids from a `properties` bag: `tags`, `cwe`, `cve`.
fn from_properties(props: Option<&Value>, cwes: &mut Vec<u32>, cves: &mut Vec<String>) {
    let Some(props) = props else { return };
    let tags = strings(props.get("tags"));
    add_cwes(cwes, tags.iter().filter(|t| t.to_ascii_lowercase().contains("cwe")));
    for t in &tags {
        add_cves_in(cves, t);
    }
    for key in ["cwe", "CWE", "cwe-id", "cwe_id"] {
        add_cwes(cwes, strings(props.get(key)));
    }
    for key in ["cve", "CVE", "cve-id"] {
        for s in strings(props.get(key)) {
            add_cves_in(cves, &s);
        }
    }
}

/// CWE numbers from references into a taxonomy named "CWE" (`taxa[]` of a result, the
/// `relationships[].target` of a rule).
fn from_taxa(items: Option<&Value>, target: bool, cwes: &mut Vec<u32>) {
    let Some(Value::Array(items)) = items else { return };
    for item in items {
        let t = if target { item.get("target") } else { Some(item) };
        let Some(t) = t else { continue };
        let component = text_or_empty(at(t, &["toolComponent", "name"]));
        let id = text_or_empty(t.get("id"));
        if component.eq_ignore_ascii_case("cwe") {
            let n = if id.bytes().all(|b| b.is_ascii_digit()) { id.parse().ok() } else { jsonstream::cwe_number(&id) };
            if let Some(n) = n.filter(|n: &u32| *n > 0)
                && !cwes.contains(&n)
            {
                cwes.push(n);
            }
        }
    }
}

fn security_severity(props: Option<&Value>) -> Option<String> {
    text(props?.get("security-severity")).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn rule(v: &Value) -> Rule {
    let mut r = Rule {
        id: rule_text(v.get("id")),
        name: rule_text(v.get("name")),
        short: rule_text(at(v, &["shortDescription", "text"])),
        full: rule_text(at(v, &["fullDescription", "text"])),
        help: rule_text(at(v, &["help", "text"])),
        help_uri: rule_text(v.get("helpUri")),
        level: rule_text(at(v, &["defaultConfiguration", "level"])),
        security_severity: security_severity(v.get("properties")),
        messages: message_strings(v.get("messageStrings")),
        ..Rule::default()
    };
    from_properties(v.get("properties"), &mut r.cwes, &mut r.cves);
    from_taxa(v.get("relationships"), true, &mut r.cwes);
    add_cves_in(&mut r.cves, &r.id.clone());
    add_cves_in(&mut r.cves, &r.name.clone());
    r
}

fn pending(v: &Value) -> Pending {
    let mut p = Pending {
        rule_id: capped(&text_or_empty(v.get("ruleId"))),
        rule_index: number(v.get("ruleIndex"))
            .or_else(|| number(at(v, &["rule", "index"])))
            .filter(|i| *i >= 0.0 && i.fract() == 0.0)
            .map(|i| i as usize),
        component: number(at(v, &["rule", "toolComponent", "index"]))
            .filter(|i| *i >= 0.0 && i.fract() == 0.0)
            .map(|i| i as usize + 1),
        level: text_or_empty(v.get("level")),
        kind: text_or_empty(v.get("kind")),
        message: capped(&text_or_empty(at(v, &["message", "text"]))),
        message_id: text_or_empty(at(v, &["message", "id"])),
        arguments: strings(at(v, &["message", "arguments"])).into_iter().map(|a| capped(&a)).collect(),
        security_severity: security_severity(v.get("properties")),
        ..Pending::default()
    };
    if p.rule_id.is_empty() {
        p.rule_id = capped(&text_or_empty(at(v, &["rule", "id"])));
    }
    add_cves_in(&mut p.cves, &p.rule_id.clone());
    from_properties(v.get("properties"), &mut p.cwes, &mut p.cves);
    from_taxa(v.get("taxa"), false, &mut p.cwes);
    if let Some(loc) = v.get("locations").and_then(|l| l.get(0)) {
        let phys = loc.get("physicalLocation");
        if let Some(phys) = phys {
            p.uri = capped(&text_or_empty(at(phys, &["artifactLocation", "uri"])));
            p.start_line = number(at(phys, &["region", "startLine"])).filter(|n| *n >= 1.0).map(|n| n as u64);
            p.snippet = capped(&text_or_empty(at(phys, &["region", "snippet", "text"])));
        }
        if let Some(logical) = loc.get("logicalLocations").and_then(|l| l.get(0)) {
            p.logical = capped(&text_or_empty(logical.get("fullyQualifiedName").or_else(|| logical.get("name"))));
        }
    }
    if p.uri.is_empty() {
        p.uri = capped(&text_or_empty(at(v, &["analysisTarget", "uri"])));
    }
    if let Some(Value::Array(sups)) = v.get("suppressions") {
        // "state" is the name of "status" in pre-release drafts of 2.1.0 (spec appendix K).
        p.suppressed = sups.iter().any(|s| {
            let status = text_or_empty(s.get("status").or_else(|| s.get("state")));
            !status.eq_ignore_ascii_case("rejected")
        });
    }
    if let Some(Value::Array(fixes)) = v.get("fixes") {
        let texts: Vec<String> = fixes.iter().filter_map(|f| text(at(f, &["description", "text"]))).collect();
        p.fixes = capped(&texts.join("\n"));
    }
    p
}

/// Fill `{0}`, `{1}`… of a SARIF message string; `{{` and `}}` are literal braces.
fn fill_arguments(template: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(close) = tail.find('}')
            && close > 1
            && tail[1..close].bytes().all(|b| b.is_ascii_digit())
            && let Some(arg) = tail[1..close].parse::<usize>().ok().and_then(|n| args.get(n))
        {
            out.push_str(arg);
            rest = &tail[close + 1..];
            continue;
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
        if out.len() > MAX_TEXT {
            break;
        }
    }
    out.push_str(rest);
    capped(&out)
}

fn level_severity(level: &str) -> Option<Severity> {
    match level.to_ascii_lowercase().as_str() {
        "error" => Some(Severity::High),
        "warning" => Some(Severity::Medium),
        "note" => Some(Severity::Low),
        "none" => Some(Severity::Info),
        _ => None,
    }
}

fn security_severity_level(s: &str) -> Option<Severity> {
    if let Ok(x) = s.parse::<f64>() {
        if !x.is_finite() {
            return None;
        }
        return Some(if x >= 9.0 {
            Severity::Critical
        } else if x >= 7.0 {
            Severity::High
        } else if x >= 4.0 {
            Severity::Medium
        } else if x > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        });
    }
    match s.to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" => Some(Severity::High),
        "medium" | "moderate" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "info" | "informational" | "none" => Some(Severity::Info),
        _ => None,
    }
}

fn first_line(s: &str) -> &str {
    truncate(s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(""), 500)
}

fn build(p: &Pending, rule: Option<&Rule>, global: &[(String, String)], redact: bool) -> Finding {
    let empty = Rule::default();
    let r = rule.unwrap_or(&empty);
    let mut f = Finding::new(Format::Sarif.name());
    f.rule_id = if p.rule_id.is_empty() { r.id.clone() } else { p.rule_id.clone() };

    let mut message = p.message.clone();
    if message.is_empty() && !p.message_id.is_empty() {
        let template = r.messages.iter().chain(global).find(|(id, _)| *id == p.message_id).map(|(_, t)| t.as_str());
        if let Some(t) = template {
            message = t.to_string();
        }
    }
    if !p.arguments.is_empty() {
        message = fill_arguments(&message, &p.arguments);
    }

    f.title = [r.short.as_str(), r.name.as_str(), first_line(&message), f.rule_id.as_str()]
        .into_iter()
        .map(str::trim)
        .find(|t| !t.is_empty())
        .map(|t| capped(first_line(t)))
        .unwrap_or_else(|| "SARIF result".to_string());

    let sec = p.security_severity.as_deref().or(r.security_severity.as_deref()).and_then(security_severity_level);
    f.severity = sec.unwrap_or_else(|| {
        let level = if !p.level.is_empty() {
            p.level.as_str()
        } else if !r.level.is_empty() {
            r.level.as_str()
        } else if p.kind.is_empty() || p.kind.eq_ignore_ascii_case("fail") {
            "warning"
        } else {
            "none"
        };
        level_severity(level).unwrap_or(Severity::Medium)
    });

    let full = r.full.trim();
    f.description = if !full.is_empty() && full != message.trim() {
        if message.trim().is_empty() { capped(full) } else { capped(&format!("{}\n\n{full}", message.trim())) }
    } else {
        capped(&message)
    };

    let help = r.help.trim();
    if !p.fixes.is_empty() {
        f.solution = p.fixes.clone();
    } else if !help.is_empty() && !is_http_url(help) && help != full && help != message.trim() {
        f.solution = capped(help);
    }
    push_unique(&mut f.references, &r.help_uri);
    if is_http_url(help) && !help.contains(char::is_whitespace) {
        push_unique(&mut f.references, help);
    }

    f.location = match (p.uri.is_empty(), p.start_line) {
        (false, Some(line)) => format!("{}:{line}", p.uri),
        (false, None) => p.uri.clone(),
        (true, _) => p.logical.clone(),
    };
    if is_http_url(&p.uri) {
        f.url = p.uri.clone();
    }
    f.evidence = if redact { crate::trivy::redact(&p.snippet) } else { p.snippet.clone() };
    f.cwes = p.cwes.clone();
    add_cwes(&mut f.cwes, r.cwes.iter().map(|n| n.to_string()));
    f.cves = p.cves.clone();
    for c in &r.cves {
        push_unique(&mut f.cves, c);
    }
    f.suppressed = p.suppressed;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let args = vec!["ptr".to_string(), "0".to_string()];
        assert_eq!(
            fill_arguments("Variable \"{0}\" declared [here]({1}).", &args),
            "Variable \"ptr\" declared [here](0)."
        );
        assert_eq!(fill_arguments("{{0}} {2} {x}", &args), "{0} {2} {x}");
    }

    #[test]
    fn security_severity_words_and_numbers() {
        assert_eq!(security_severity_level("9.8"), Some(Severity::Critical));
        assert_eq!(security_severity_level("7.0"), Some(Severity::High));
        assert_eq!(security_severity_level("4"), Some(Severity::Medium));
        assert_eq!(security_severity_level("0.1"), Some(Severity::Low));
        assert_eq!(security_severity_level("0"), Some(Severity::Info));
        assert_eq!(security_severity_level("MEDIUM"), Some(Severity::Medium));
        assert_eq!(security_severity_level("whatever"), None);
    }
}
