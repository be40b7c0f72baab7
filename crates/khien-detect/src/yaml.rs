//! A small YAML tree with line numbers, built from `saphyr-parser`'s event stream.
//!
//! Rule files come from anywhere, so the loader is bounded: nesting depth, node count and
//! alias expansion all have limits (a billion-laughs file is an error, not an allocation).
//! Scalars are resolved with the YAML 1.2 core schema (null, booleans, integers, floats);
//! quoted scalars are always strings.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;
use std::rc::Rc;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Most nodes (after alias expansion) in one file.
pub const MAX_NODES: usize = 200_000;

/// One YAML node and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Value,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string; `quoted` is true when the source quoted it.
    Str(String),
    Seq(Vec<Node>),
    /// Keys in source order.
    Map(Vec<(Node, Node)>),
}

/// A YAML syntax or limit error.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl Node {
    /// The value of `key` when this node is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => {
                entries.iter().find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key)).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    /// The string when this node is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar as text (numbers and booleans in their canonical spelling); `None` for
    /// null and collections.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A short name of the node's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

enum Frame {
    Seq(usize, usize, Vec<Node>),
    Map(usize, usize, Vec<(Node, Node)>, Option<Node>),
}

/// Parses every document of `text`.
pub fn load_all(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut nodes = 0usize;
    let mut doc_root: Option<Node> = None;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError { line: e.marker().line(), message: e.info().to_string() })?;
        let line = span.start.line();
        let finished: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                docs.push(doc_root.take().unwrap_or(Node { line, value: Value::Null }));
                None
            }
            Event::Alias(id) => {
                let node =
                    anchors.get(&id).ok_or_else(|| YamlError { line, message: "alias to an unknown anchor".into() })?;
                nodes += count(node);
                if nodes > MAX_NODES {
                    return Err(too_big(line));
                }
                Some(((**node).clone(), 0))
            }
            Event::Scalar(text, style, anchor, _tag) => {
                nodes += 1;
                let value =
                    if style == ScalarStyle::Plain { resolve_plain(&text) } else { Value::Str(text.into_owned()) };
                Some((Node { line, value }, anchor))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(line, anchor, Vec::new()));
                depth_check(&stack, line)?;
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(line, anchor, Vec::new(), None));
                depth_check(&stack, line)?;
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(l, anchor, items)) => Some((Node { line: l, value: Value::Seq(items) }, anchor)),
                _ => return Err(unbalanced(line)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(l, anchor, entries, None)) => {
                    Some((Node { line: l, value: Value::Map(entries) }, anchor))
                }
                _ => return Err(unbalanced(line)),
            },
        };
        if nodes > MAX_NODES {
            return Err(too_big(line));
        }
        if let Some((node, anchor)) = finished {
            if anchor > 0 {
                anchors.insert(anchor, Rc::new(node.clone()));
            }
            match stack.last_mut() {
                None => doc_root = Some(node),
                Some(Frame::Seq(_, _, items)) => items.push(node),
                Some(Frame::Map(_, _, entries, pending)) => match pending.take() {
                    None => *pending = Some(node),
                    Some(key) => {
                        if entries.iter().any(|(k, _)| k.value == key.value) {
                            return Err(YamlError {
                                line: key.line,
                                message: format!("duplicate key {}", describe_key(&key)),
                            });
                        }
                        entries.push((key, node))
                    }
                },
            }
        }
    }
    Ok(docs)
}

fn describe_key(key: &Node) -> String {
    key.scalar_text().map(|s| format!("'{s}'")).unwrap_or_else(|| key.kind().to_string())
}

/// Number of nodes in a tree.
pub fn count(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|(k, v)| count(k) + count(v)).sum::<usize>(),
        _ => 1,
    }
}

fn depth_check(stack: &[Frame], line: usize) -> Result<(), YamlError> {
    if stack.len() > MAX_DEPTH {
        return Err(YamlError { line, message: format!("nested more than {MAX_DEPTH} levels deep") });
    }
    Ok(())
}

fn too_big(line: usize) -> YamlError {
    YamlError { line, message: format!("more than {MAX_NODES} nodes (after expanding aliases)") }
}

fn unbalanced(line: usize) -> YamlError {
    YamlError { line, message: "unbalanced collection".into() }
}

/// YAML 1.2 core schema for plain scalars.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    let looks_float = digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if looks_float && let Ok(f) = text.parse::<f64>() {
        return Value::Float(f);
    }
    match text {
        ".inf" | "+.inf" | ".Inf" | "+.Inf" | ".INF" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => Value::Str(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_follow_the_core_schema_and_quotes_keep_strings() {
        let docs = load_all("a: 1\nb: '1'\nc: null\nd: ''\ne: true\nf: 1.5\ng: x\n").unwrap();
        let d = &docs[0];
        assert_eq!(d.get("a").unwrap().value, Value::Int(1));
        assert_eq!(d.get("b").unwrap().value, Value::Str("1".into()));
        assert_eq!(d.get("c").unwrap().value, Value::Null);
        assert_eq!(d.get("d").unwrap().value, Value::Str(String::new()));
        assert_eq!(d.get("e").unwrap().value, Value::Bool(true));
        assert_eq!(d.get("f").unwrap().value, Value::Float(1.5));
        assert_eq!(d.get("g").unwrap().line, 7);
    }

    #[test]
    fn several_documents_and_lines() {
        let docs = load_all("a: 1\n---\nb:\n  - x\n  - y\n").unwrap();
        assert_eq!(docs.len(), 2);
        let b = docs[1].get("b").unwrap();
        assert_eq!(b.line, 4);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let err = load_all(&text).unwrap_err();
        assert!(err.message.contains("nodes"), "{err}");
    }

    #[test]
    fn deep_nesting_and_syntax_errors_name_a_line() {
        let deep = "[".repeat(10_000);
        assert!(load_all(&deep).is_err());
        let err = load_all("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
        let dup = load_all("a: 1\na: 2\n").unwrap_err();
        assert_eq!(dup.line, 2);
        assert!(dup.message.contains("duplicate"));
    }
}
