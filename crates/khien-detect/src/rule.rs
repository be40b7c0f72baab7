//! Sigma documents as read from YAML: detection rules, correlation rules and meta filters,
//! with the multi-document `action: global | reset | repeat` collections resolved.
//!
//! Nothing here is compiled yet; `compile` turns a [`RuleDoc`] into matchers.

use crate::yaml::{self, Node, Value};

/// Why a document was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub line: usize,
    pub message: String,
}

/// Invalid: the rule breaks the specification. Unsupported: valid, but uses something this
/// engine cannot run (the reason says what).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Invalid,
    Unsupported,
}

impl Problem {
    pub fn invalid(line: usize, message: impl Into<String>) -> Problem {
        Problem { kind: ProblemKind::Invalid, line, message: message.into() }
    }

    pub fn unsupported(line: usize, message: impl Into<String>) -> Problem {
        Problem { kind: ProblemKind::Unsupported, line, message: message.into() }
    }
}

/// Severity of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "informational" | "info" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// A rule's `logsource`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logsource {
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
}

/// Metadata carried into every detection.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub id: String,
    pub name: Option<String>,
    pub title: String,
    pub author: String,
    pub level: Option<Level>,
    pub status: String,
    pub tags: Vec<String>,
    pub description: String,
    pub file: String,
    pub line: usize,
}

/// A detection rule before compilation.
#[derive(Debug, Clone)]
pub struct RuleDoc {
    pub meta: Meta,
    pub logsource: Logsource,
    /// Search identifiers in source order.
    pub selections: Vec<(String, Node)>,
    /// Condition strings (a list means OR) with their lines.
    pub conditions: Vec<(String, usize)>,
}

/// A correlation rule before compilation.
#[derive(Debug, Clone)]
pub struct CorrelationDoc {
    pub meta: Meta,
    pub generate: bool,
    pub body: Node,
}

/// A meta filter before compilation.
#[derive(Debug, Clone)]
pub struct FilterDoc {
    pub meta: Meta,
    pub logsource: Logsource,
    pub rules: Vec<String>,
    pub selections: Vec<(String, Node)>,
    pub conditions: Vec<(String, usize)>,
}

/// One document of a rule file.
#[derive(Debug, Clone)]
pub enum Doc {
    Rule(RuleDoc),
    Correlation(CorrelationDoc),
    Filter(FilterDoc),
}

/// Largest rule file read.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Most documents one file may yield, and most YAML nodes they may hold in all once
/// `action: global`/`repeat` are merged in (a small file must not expand without bound).
pub const MAX_DOCS: usize = 10_000;
pub const MAX_MERGED_NODES: usize = 1_000_000;

/// Reads every document of one rule file. Each entry is a document or the problem that
/// stopped it; a YAML syntax error stops the whole file.
pub fn read_file(file: &str, text: &str) -> Vec<Result<Doc, Problem>> {
    if text.len() > MAX_FILE_BYTES {
        return vec![Err(Problem::invalid(1, format!("file larger than {} MB", MAX_FILE_BYTES / 1024 / 1024)))];
    }
    let docs = match yaml::load_all(text) {
        Ok(d) => d,
        Err(e) => return vec![Err(Problem::invalid(e.line, format!("YAML: {}", e.message)))],
    };
    let mut out = Vec::new();
    let mut global: Option<Node> = None;
    let mut previous: Option<Node> = None;
    let mut merged_nodes = 0usize;
    for doc in docs {
        if out.len() >= MAX_DOCS {
            out.push(Err(Problem::invalid(doc.line, format!("more than {MAX_DOCS} rule documents in one file"))));
            break;
        }
        if doc.value == Value::Null {
            continue;
        }
        if !matches!(doc.value, Value::Map(_)) {
            out.push(Err(Problem::invalid(doc.line, format!("a rule document must be a map, found {}", doc.kind()))));
            continue;
        }
        let action = doc.get("action").map(|a| (a.as_str().map(str::to_string), a.line));
        let doc = without(&doc, "action");
        let merged = match action {
            Some((Some(a), _)) if a == "global" => {
                global = Some(match global.take() {
                    Some(g) => deep_merge(&g, &doc),
                    None => doc,
                });
                continue;
            }
            Some((Some(a), _)) if a == "reset" => {
                global = None;
                continue;
            }
            Some((Some(a), line)) if a == "repeat" => match &previous {
                Some(p) => deep_merge(p, &doc),
                None => {
                    out.push(Err(Problem::invalid(line, "'action: repeat' with no rule before it")));
                    continue;
                }
            },
            Some((a, line)) => {
                out.push(Err(Problem::invalid(
                    line,
                    format!("unknown action {}; expected global, reset or repeat", a.unwrap_or_default()),
                )));
                continue;
            }
            None => match &global {
                Some(g) => deep_merge(g, &doc),
                None => doc,
            },
        };
        merged_nodes += yaml::count(&merged);
        if merged_nodes > MAX_MERGED_NODES {
            out.push(Err(Problem::invalid(
                merged.line,
                format!("the documents hold more than {MAX_MERGED_NODES} YAML nodes once merged with 'action: global'"),
            )));
            break;
        }
        previous = Some(merged.clone());
        out.push(to_doc(file, &merged));
    }
    out
}

fn without(node: &Node, key: &str) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            line: node.line,
            value: Value::Map(entries.iter().filter(|(k, _)| k.as_str() != Some(key)).cloned().collect()),
        },
        _ => node.clone(),
    }
}

/// Maps merge key by key (recursively); anything else is replaced by `over`.
fn deep_merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let mut entries = b.clone();
            for (k, v) in o {
                match entries.iter_mut().find(|(bk, _)| bk.value == k.value) {
                    Some(slot) => slot.1 = deep_merge(&slot.1, v),
                    None => entries.push((k.clone(), v.clone())),
                }
            }
            Node { line: over.line, value: Value::Map(entries) }
        }
        _ => over.clone(),
    }
}

fn text_field(doc: &Node, key: &str) -> Option<String> {
    doc.get(key).and_then(|v| v.scalar_text())
}

fn meta(file: &str, doc: &Node) -> Result<Meta, Problem> {
    let title = text_field(doc, "title")
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Problem::invalid(doc.line, "missing 'title'"))?;
    let level =
        match doc.get("level") {
            None => None,
            Some(l) => Some(l.as_str().and_then(Level::parse).ok_or_else(|| {
                Problem::invalid(l.line, "'level' must be informational, low, medium, high or critical")
            })?),
        };
    let tags = match doc.get("tags").map(|t| &t.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(|t| t.scalar_text()).collect(),
        _ => Vec::new(),
    };
    let author = text_field(doc, "author").unwrap_or_default();
    Ok(Meta {
        id: text_field(doc, "id").unwrap_or_default(),
        name: text_field(doc, "name"),
        title,
        author,
        level,
        status: text_field(doc, "status").unwrap_or_default(),
        tags,
        description: text_field(doc, "description").unwrap_or_default(),
        file: file.to_string(),
        line: doc.line,
    })
}

fn logsource(doc: &Node) -> Result<Logsource, Problem> {
    let Some(ls) = doc.get("logsource") else {
        return Err(Problem::invalid(doc.line, "missing 'logsource'"));
    };
    if !matches!(ls.value, Value::Map(_)) {
        return Err(Problem::invalid(ls.line, "'logsource' must be a map"));
    }
    let get = |k: &str| ls.get(k).and_then(|v| v.scalar_text()).map(|s| s.to_lowercase());
    Ok(Logsource { category: get("category"), product: get("product"), service: get("service") })
}

/// Splits a `detection` (or `filter`) map into search identifiers and conditions.
/// Search identifiers (name, node) and conditions (text, line) of a detection.
type Split = (Vec<(String, Node)>, Vec<(String, usize)>);

fn detection(node: &Node, what: &str) -> Result<Split, Problem> {
    let Value::Map(entries) = &node.value else {
        return Err(Problem::invalid(node.line, format!("'{what}' must be a map")));
    };
    let mut selections = Vec::new();
    let mut conditions = Vec::new();
    for (k, v) in entries {
        let Some(name) = k.scalar_text() else {
            return Err(Problem::invalid(k.line, "search identifiers must be names"));
        };
        match name.as_str() {
            "condition" => match &v.value {
                Value::Str(s) => conditions.push((s.clone(), v.line)),
                Value::Seq(items) => {
                    for c in items {
                        match c.as_str() {
                            Some(s) => conditions.push((s.to_string(), c.line)),
                            None => {
                                return Err(Problem::invalid(c.line, "a condition must be a string"));
                            }
                        }
                    }
                }
                _ => return Err(Problem::invalid(v.line, "a condition must be a string")),
            },
            "timeframe" => {}
            "rules" if what == "filter" => {}
            _ => selections.push((name, v.clone())),
        }
    }
    if conditions.is_empty() {
        return Err(Problem::invalid(node.line, format!("'{what}' has no 'condition'")));
    }
    Ok((selections, conditions))
}

fn to_doc(file: &str, doc: &Node) -> Result<Doc, Problem> {
    if let Some(body) = doc.get("correlation") {
        let meta = meta(file, doc)?;
        let generate = match doc.get("generate").map(|g| &g.value) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(Problem::invalid(
                    doc.get("generate").map_or(doc.line, |g| g.line),
                    "'generate' must be true or false",
                ));
            }
        };
        return Ok(Doc::Correlation(CorrelationDoc { meta, generate, body: body.clone() }));
    }
    if let Some(filter) = doc.get("filter") {
        let meta = meta(file, doc)?;
        let logsource = logsource(doc)?;
        let rules = match filter.get("rules").map(|r| &r.value) {
            Some(Value::Seq(items)) => items.iter().filter_map(|r| r.scalar_text()).collect(),
            Some(Value::Str(s)) => vec![s.clone()],
            _ => return Err(Problem::invalid(filter.line, "a filter needs 'rules' (a list of rule ids or names)")),
        };
        let (selections, conditions) = detection(filter, "filter")?;
        return Ok(Doc::Filter(FilterDoc { meta, logsource, rules, selections, conditions }));
    }
    let meta = meta(file, doc)?;
    let logsource = logsource(doc)?;
    let det = doc.get("detection").ok_or_else(|| Problem::invalid(doc.line, "missing 'detection'"))?;
    let (selections, conditions) = detection(det, "detection")?;
    Ok(Doc::Rule(RuleDoc { meta, logsource, selections, conditions }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "title: T\nid: 1\nlogsource: {product: windows}\ndetection:\n  sel: {a: 1}\n  condition: sel\n";

    #[test]
    fn reads_a_plain_rule() {
        let docs = read_file("f.yml", BASE);
        let Ok(Doc::Rule(r)) = &docs[0] else { panic!("{docs:?}") };
        assert_eq!(r.meta.title, "T");
        assert_eq!(r.logsource.product.as_deref(), Some("windows"));
        assert_eq!(r.selections.len(), 1);
        assert_eq!(r.conditions[0].0, "sel");
    }

    #[test]
    fn global_reset_and_repeat() {
        let text = "action: global\ntitle: G\nlogsource: {product: windows}\ndetection:\n  condition: sel\n---\nid: a\ndetection:\n  sel: {x: 1}\n---\naction: repeat\nid: b\n---\naction: reset\n---\ntitle: H\nlogsource: {product: linux}\ndetection: {s: {y: 2}, condition: s}\n";
        let docs = read_file("f.yml", text);
        assert_eq!(docs.len(), 3, "{docs:?}");
        let ids: Vec<String> = docs
            .iter()
            .map(|d| match d {
                Ok(Doc::Rule(r)) => format!("{}:{}", r.meta.title, r.meta.id),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, ["G:a", "G:b", "H:"]);
    }

    #[test]
    fn global_documents_cannot_multiply_without_bound() {
        let mut text = String::from(
            "action: global\ntitle: G\nlogsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n",
        );
        for _ in 0..(MAX_DOCS + 5) {
            text.push_str("--- {}\n");
        }
        let docs = read_file("f.yml", &text);
        assert_eq!(docs.len(), MAX_DOCS + 1);
        assert!(docs.last().unwrap().as_ref().unwrap_err().message.contains("documents"));
    }

    #[test]
    fn problems_name_lines() {
        let docs = read_file("f.yml", "title: T\nlogsource: {product: x}\ndetection:\n  sel: {a: 1}\n");
        let Err(p) = &docs[0] else { panic!() };
        assert!(p.message.contains("condition"), "{p:?}");
        let docs = read_file("f.yml", "title: T\nlevel: severe\nlogsource: {}\ndetection: {s: {a: 1}, condition: s}\n");
        let Err(p) = &docs[0] else { panic!() };
        assert_eq!(p.line, 2);
        let docs = read_file("f.yml", "action: explode\ntitle: x\n");
        assert!(docs[0].is_err());
        let docs = read_file("f.yml", "title: [unclosed\n");
        assert!(docs[0].as_ref().unwrap_err().message.starts_with("YAML"));
    }
}
