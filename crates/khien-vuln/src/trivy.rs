//! Trivy JSON reports, streamed: SchemaVersion 2 (`Results[]`), the legacy layout (a
//! top-level array of results, or literal `null`) and Kubernetes reports (`ClusterName` with
//! `Resources[]` and/or top-level `Vulnerabilities[]` / `Misconfigurations[]` lists of
//! resources, each with `Namespace`, `Kind`, `Name` and `Results[]`). One finding per
//! vulnerability, per failed misconfiguration and per secret; `Licenses` are ignored.
//!
//! Severity mapping (`Severity`, any case): CRITICAL → critical, HIGH → high, MEDIUM →
//! medium, LOW → low; UNKNOWN, missing or anything else → info.
//!
//! Vulnerabilities: `VulnerabilityID` → rule_id (and cves when it is a CVE id); `Title` (else
//! "ID in PkgName") → title; CVSS from the vendor named by `SeveritySource` when `CVSS` has it,
//! else `nvd`, else the first vendor by name; within the vendor `V40Score`/`V40Vector`, else
//! `V3Score`/`V3Vector`, else `V2Score`/`V2Vector` → cvss_score / cvss_vector; `CweIDs` → cwes;
//! `PkgName` + `InstalledVersion` → component; `FixedVersion` → fixed_version (and an
//! "Upgrade … to …" solution); `Description` → description; `PrimaryURL` + `References` →
//! references.
//! Misconfigurations: `ID` (else `AVDID`) → rule_id; `Title`, `Description`; `Message` →
//! evidence; `Resolution` → solution; `PrimaryURL` + `References` → references; status PASS
//! is not a finding, EXCEPTION is reported as suppressed.
//! Secrets: `RuleID` → rule_id; `Title`; `Category` → description; `Match` → evidence, but
//! REDACTED (its first 4 characters and "…"): secrets are not copied out of the report.
//! Location: the result's `Target`, prefixed for Kubernetes by "Namespace/Kind/Name: " (the
//! target is left out when it only repeats "Kind/Name"); misconfigurations and secrets add
//! ":StartLine". scan_time: the report's `CreatedAt` when it comes before the results.
//!
//! Streaming needs `Target` before the result's lists and a resource's `Namespace`/`Kind`/
//! `Name` before its `Results`, as Trivy writes them; members that come later are not seen.

use crate::jsonstream::{
    self, Handler, MAX_TEXT, Seg, Want, add_cwes, capped, number, push_unique, rfc3339, strings, text, text_or_empty,
    truncate,
};
use crate::{Finding, Format, ParseError, Severity};
use serde_json::Value;
use std::io::BufRead;

const FORMAT: &str = "trivy";

/// Parse a Trivy JSON report, calling `emit` for each finding; returns how many there were.
/// An empty input or `null` is a report with no findings.
pub fn parse<R: BufRead>(mut input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    let (first, skipped) = jsonstream::skip_blank(&mut input)?;
    match first {
        None => return Ok(0),
        Some(b'{' | b'[' | b'n') => {}
        Some(b) => {
            return Err(ParseError::WrongFormat {
                format: FORMAT,
                message: format!(
                    "expected a JSON object, array or null, but the content starts with {:?}",
                    char::from(b).escape_default().to_string()
                ),
            });
        }
    }
    let mut h = TrivyHandler {
        emit,
        count: 0,
        root: Root::Unknown,
        recognised: false,
        result_recognised: false,
        scan_time: None,
        resource: None,
        target: String::new(),
    };
    jsonstream::walk(input, skipped, &mut h)?;
    if h.root == Root::Object && !h.recognised {
        return Err(ParseError::WrongFormat {
            format: FORMAT,
            message: "the top-level object has none of SchemaVersion, Results, ClusterName, Resources".into(),
        });
    }
    Ok(h.count)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    Unknown,
    Array,
    Object,
}

/// What is known about the Kubernetes resource being read.
#[derive(Default)]
struct Resource {
    namespace: String,
    kind: String,
    name: String,
}

struct TrivyHandler<'a> {
    emit: &'a mut dyn FnMut(Finding),
    count: usize,
    root: Root,
    /// The top-level object had a Trivy member.
    recognised: bool,
    /// The result being read had a Target or a findings list.
    result_recognised: bool,
    scan_time: Option<i64>,
    resource: Option<Resource>,
    target: String,
}

/// When the path is at or below a result object (`Results[i]`, a legacy top-level `[i]`, or a
/// resource's `Results[i]`): the part of the path below the result.
fn split_result<'p>(shape: &'p [&'p str]) -> Option<&'p [&'p str]> {
    match shape {
        ["[]", rest @ ..] => Some(rest),
        ["Results", "[]", rest @ ..] => Some(rest),
        ["Resources" | "Vulnerabilities" | "Misconfigurations", "[]", "Results", "[]", rest @ ..] => Some(rest),
        _ => None,
    }
}

impl Handler for TrivyHandler<'_> {
    fn want(&mut self, path: &[Seg]) -> Want {
        let shape = jsonstream::shape(path);
        if self.root == Root::Unknown {
            self.root = if shape[0] == "[]" { Root::Array } else { Root::Object };
        }
        if let Some(rest) = split_result(&shape) {
            return match rest {
                [] => {
                    self.target.clear();
                    self.result_recognised = false;
                    Want::Descend
                }
                ["Target"] => {
                    self.result_recognised = true;
                    Want::Value(&[])
                }
                ["Vulnerabilities" | "Misconfigurations" | "Secrets"] => {
                    self.result_recognised = true;
                    Want::Descend
                }
                ["Licenses" | "Class" | "Type" | "Packages" | "MisconfSummary"] => {
                    self.result_recognised = true;
                    Want::Skip
                }
                // A secret's `Code` holds the source lines around the secret: never read.
                ["Vulnerabilities" | "Misconfigurations" | "Secrets", "[]"] => Want::Value(&["Layer", "Code"]),
                _ => Want::Skip,
            };
        }
        match shape.as_slice() {
            ["SchemaVersion" | "ArtifactName"] => {
                self.recognised = true;
                Want::Skip
            }
            ["ClusterName"] => {
                self.recognised = true;
                Want::Skip
            }
            ["CreatedAt"] => Want::Value(&[]),
            ["Results" | "Resources" | "Vulnerabilities" | "Misconfigurations"] => {
                self.recognised = true;
                Want::Descend
            }
            ["Resources" | "Vulnerabilities" | "Misconfigurations", "[]"] => {
                self.resource = Some(Resource::default());
                Want::Descend
            }
            ["Resources" | "Vulnerabilities" | "Misconfigurations", "[]", "Namespace" | "Kind" | "Name"] => {
                Want::Value(&[])
            }
            ["Resources" | "Vulnerabilities" | "Misconfigurations", "[]", "Results"] => Want::Descend,
            _ => Want::Skip,
        }
    }

    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), ParseError> {
        let shape = jsonstream::shape(path);
        if path.is_empty() {
            // A scalar document: `null` is the legacy "no findings"; anything else is not Trivy.
            return match value {
                Value::Null => Ok(()),
                _ => Err(ParseError::WrongFormat { format: FORMAT, message: "the document is not an object".into() }),
            };
        }
        if let Some(rest) = split_result(&shape) {
            match rest {
                ["Target"] => self.target = capped(&text_or_empty(Some(&value))),
                [list @ ("Vulnerabilities" | "Misconfigurations" | "Secrets"), "[]"] => {
                    if !value.is_object() {
                        return Ok(());
                    }
                    let location = self.location();
                    let f = match *list {
                        "Vulnerabilities" => Some(vulnerability(&value, location)),
                        "Misconfigurations" => misconfiguration(&value, location),
                        _ => Some(secret(&value, location)),
                    };
                    if let Some(mut f) = f {
                        f.scan_time = self.scan_time;
                        (self.emit)(f);
                        self.count += 1;
                    }
                }
                [] if !value.is_null() && self.root == Root::Array => {
                    return Err(ParseError::WrongFormat {
                        format: FORMAT,
                        message: format!("{} is not a result object", jsonstream::path_string(path)),
                    });
                }
                _ => {}
            }
            return Ok(());
        }
        match shape.as_slice() {
            ["CreatedAt"] => self.scan_time = text(Some(&value)).and_then(|t| rfc3339(&t)),
            [_, "[]", field @ ("Namespace" | "Kind" | "Name")] => {
                if let Some(r) = self.resource.as_mut() {
                    let v = capped(&text_or_empty(Some(&value)));
                    match *field {
                        "Namespace" => r.namespace = v,
                        "Kind" => r.kind = v,
                        _ => r.name = v,
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, path: &[Seg]) -> Result<(), ParseError> {
        match path {
            [Seg::Index(i)] if self.root == Root::Array && !self.result_recognised => Err(ParseError::WrongFormat {
                format: FORMAT,
                message: format!("element [{i}] of the top-level array has no Target and no Vulnerabilities"),
            }),
            [Seg::Key(k), Seg::Index(_)] if k != "Results" => {
                self.resource = None;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl TrivyHandler<'_> {
    fn location(&self) -> String {
        let Some(r) = &self.resource else { return self.target.clone() };
        let mut res = String::new();
        for part in [&r.namespace, &r.kind, &r.name] {
            if !part.is_empty() {
                if !res.is_empty() {
                    res.push('/');
                }
                res.push_str(part);
            }
        }
        let kind_name = format!("{}/{}", r.kind, r.name);
        if self.target.is_empty() || self.target == kind_name || res.is_empty() {
            if res.is_empty() { self.target.clone() } else { res }
        } else {
            format!("{res}: {}", self.target)
        }
    }
}

fn severity(v: &Value) -> Severity {
    match text_or_empty(v.get("Severity")).to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        _ => Severity::Info,
    }
}

fn field(v: &Value, key: &str) -> String {
    capped(&text_or_empty(v.get(key)))
}

fn references(v: &Value, f: &mut Finding) {
    let primary = text_or_empty(v.get("PrimaryURL"));
    push_unique(&mut f.references, truncate(&primary, MAX_TEXT));
    for r in strings(v.get("References")) {
        push_unique(&mut f.references, truncate(&r, MAX_TEXT));
    }
}

fn vulnerability(v: &Value, location: String) -> Finding {
    let mut f = Finding::new(Format::Trivy.name());
    let id = field(v, "VulnerabilityID");
    let pkg = field(v, "PkgName");
    f.title = field(v, "Title");
    if f.title.is_empty() {
        f.title = match (id.is_empty(), pkg.is_empty()) {
            (false, false) => format!("{id} in {pkg}"),
            (false, true) => id.clone(),
            _ => pkg.clone(),
        };
    }
    if id.to_ascii_uppercase().starts_with("CVE-") {
        f.cves.push(id.to_ascii_uppercase());
    }
    f.rule_id = id;
    f.severity = severity(v);
    (f.cvss_score, f.cvss_vector) = cvss(v);
    add_cwes(&mut f.cwes, strings(v.get("CweIDs")));
    let installed = field(v, "InstalledVersion");
    f.component = capped(format!("{pkg} {installed}").trim());
    f.fixed_version = field(v, "FixedVersion");
    if !f.fixed_version.is_empty() && !pkg.is_empty() {
        f.solution = format!("Upgrade {pkg} to {}", f.fixed_version);
    }
    f.description = field(v, "Description");
    references(v, &mut f);
    f.location = location;
    f
}

/// The CVSS score and vector of the chosen vendor (see the module documentation).
fn cvss(v: &Value) -> (Option<f64>, String) {
    let Some(Value::Object(vendors)) = v.get("CVSS") else { return (None, String::new()) };
    let source = text_or_empty(v.get("SeveritySource"));
    let chosen = vendors.get(&source).or_else(|| vendors.get("nvd")).or_else(|| vendors.values().next());
    let Some(c) = chosen else { return (None, String::new()) };
    for (score, vector) in [("V40Score", "V40Vector"), ("V3Score", "V3Vector"), ("V2Score", "V2Vector")] {
        let s = number(c.get(score));
        let vec = capped(&text_or_empty(c.get(vector)));
        if s.is_some() || !vec.is_empty() {
            return (s, vec);
        }
    }
    (None, String::new())
}

fn with_line(location: String, line: Option<&Value>) -> String {
    match number(line) {
        Some(n) if n >= 1.0 => format!("{location}:{}", n as u64),
        _ => location,
    }
}

fn misconfiguration(v: &Value, location: String) -> Option<Finding> {
    let status = text_or_empty(v.get("Status")).to_ascii_uppercase();
    if status == "PASS" {
        return None;
    }
    let mut f = Finding::new(Format::Trivy.name());
    f.rule_id = field(v, "ID");
    if f.rule_id.is_empty() {
        f.rule_id = field(v, "AVDID");
    }
    f.title = field(v, "Title");
    if f.title.is_empty() {
        f.title = f.rule_id.clone();
    }
    f.severity = severity(v);
    f.description = field(v, "Description");
    f.evidence = field(v, "Message");
    f.solution = field(v, "Resolution");
    references(v, &mut f);
    f.location = with_line(location, v.get("CauseMetadata").and_then(|c| c.get("StartLine")));
    f.suppressed = status == "EXCEPTION";
    Some(f)
}

fn secret(v: &Value, location: String) -> Finding {
    let mut f = Finding::new(Format::Trivy.name());
    f.rule_id = field(v, "RuleID");
    f.title = field(v, "Title");
    if f.title.is_empty() {
        f.title = f.rule_id.clone();
    }
    f.severity = severity(v);
    let category = field(v, "Category");
    if !category.is_empty() {
        f.description = format!("Secret of category {category}");
    }
    f.evidence = redact(&text_or_empty(v.get("Match")));
    f.location = with_line(location, v.get("StartLine"));
    f
}

/// The first 4 characters of a secret match and "…" (nothing for an empty match).
pub(crate) fn redact(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        return String::new();
    }
    let head: String = s.chars().take(4).collect();
    format!("{head}…")
}
