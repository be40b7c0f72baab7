//! Turns a rule's search identifiers and condition into an expression over field tests.
//!
//! A map ANDs its entries; a list of maps ORs them; a list of plain values (or a plain
//! value) is a keyword search, ORed (ANDed under the field-less key `'|all'`). The
//! condition picks identifiers by name or by `1 of`/`all of` patterns.

use crate::condition::{self, Cond};
use crate::modifiers::{FieldTest, Placeholders, compile_entry};
use crate::rule::Problem;
use crate::yaml::{Node, Value};

/// A boolean expression over tests (indices into a test table).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Test(u32),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Const(bool),
}

/// A compiled detection: the expression and the tests it refers to.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    pub tests: Vec<FieldTest>,
    pub expr: Option<Expr>,
}

impl Compiled {
    fn push(&mut self, t: FieldTest) -> Expr {
        self.tests.push(t);
        Expr::Test(self.tests.len() as u32 - 1)
    }

    /// Adds the tests of one entry (ANDed when there are several).
    fn push_all(&mut self, tests: Vec<FieldTest>) -> Expr {
        let mut exprs: Vec<Expr> = tests.into_iter().map(|t| self.push(t)).collect();
        if exprs.len() == 1 { exprs.remove(0) } else { Expr::And(exprs) }
    }
}

/// Compiles search identifiers and conditions into `out.tests` and returns the expression.
pub fn compile_detection(
    selections: &[(String, Node)],
    conditions: &[(String, usize)],
    placeholders: &Placeholders,
    out: &mut Compiled,
) -> Result<Expr, Problem> {
    let mut named: Vec<(String, Expr)> = Vec::with_capacity(selections.len());
    for (name, node) in selections {
        named.push((name.clone(), selection(node, placeholders, out)?));
    }
    let mut ors = Vec::new();
    for (text, line) in conditions {
        let cond = condition::parse(text).map_err(|e| Problem::invalid(*line, format!("condition: {e}")))?;
        ors.push(resolve(&cond, &named, *line)?);
    }
    Ok(if ors.len() == 1 { ors.remove(0) } else { Expr::Or(ors) })
}

fn selection(node: &Node, placeholders: &Placeholders, out: &mut Compiled) -> Result<Expr, Problem> {
    match &node.value {
        Value::Map(entries) => {
            if entries.is_empty() {
                return Err(Problem::invalid(node.line, "an empty search identifier"));
            }
            let mut ands = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key = k.scalar_text().ok_or_else(|| Problem::invalid(k.line, "field names must be strings"))?;
                if let Value::Map(_) = v.value {
                    return Err(Problem::invalid(
                        v.line,
                        format!("'{key}' holds a map; values must be scalars or a list"),
                    ));
                }
                if let Value::Seq(items) = &v.value
                    && items.iter().any(|i| matches!(i.value, Value::Map(_)))
                {
                    return Err(Problem::invalid(
                        v.line,
                        format!("'{key}' holds a list of maps; values must be scalars"),
                    ));
                }
                let tests = compile_entry(&key, v, placeholders)?;
                ands.push(out.push_all(tests));
            }
            Ok(if ands.len() == 1 { ands.remove(0) } else { Expr::And(ands) })
        }
        Value::Seq(items) => {
            if items.is_empty() {
                return Err(Problem::invalid(node.line, "an empty search identifier"));
            }
            let (maps, scalars): (Vec<&Node>, Vec<&Node>) =
                items.iter().partition(|i| matches!(i.value, Value::Map(_)));
            let mut ors = Vec::new();
            for m in maps {
                ors.push(selection(m, placeholders, out)?);
            }
            if !scalars.is_empty() {
                if scalars.iter().any(|s| matches!(s.value, Value::Seq(_))) {
                    return Err(Problem::invalid(node.line, "nested lists in a search identifier"));
                }
                let list = Node { line: node.line, value: Value::Seq(scalars.into_iter().cloned().collect()) };
                ors.push(out.push_all(compile_entry("", &list, placeholders)?));
            }
            Ok(if ors.len() == 1 { ors.remove(0) } else { Expr::Or(ors) })
        }
        Value::Null => Err(Problem::invalid(node.line, "an empty search identifier")),
        _ => Ok(out.push_all(compile_entry("", node, placeholders)?)),
    }
}

fn resolve(cond: &Cond, named: &[(String, Expr)], line: usize) -> Result<Expr, Problem> {
    let pick = |pattern: &Option<String>| -> Result<Vec<Expr>, Problem> {
        let chosen: Vec<Expr> = named
            .iter()
            .filter(|(n, _)| match pattern {
                Some(p) => condition::pattern_matches(p, n),
                None => !n.starts_with('_'),
            })
            .map(|(_, e)| e.clone())
            .collect();
        if chosen.is_empty() {
            return Err(Problem::invalid(
                line,
                format!("condition: no search identifier matches '{}'", pattern.as_deref().unwrap_or("them")),
            ));
        }
        Ok(chosen)
    };
    Ok(match cond {
        Cond::Ident(name) => named.iter().find(|(n, _)| n == name).map(|(_, e)| e.clone()).ok_or_else(|| {
            Problem::invalid(line, format!("condition: '{name}' is not a search identifier of this rule"))
        })?,
        Cond::OneOf(p) => {
            let mut v = pick(p)?;
            if v.len() == 1 { v.remove(0) } else { Expr::Or(v) }
        }
        Cond::AllOf(p) => {
            let mut v = pick(p)?;
            if v.len() == 1 { v.remove(0) } else { Expr::And(v) }
        }
        Cond::Not(inner) => Expr::Not(Box::new(resolve(inner, named, line)?)),
        Cond::And(items) => Expr::And(items.iter().map(|c| resolve(c, named, line)).collect::<Result<_, _>>()?),
        Cond::Or(items) => Expr::Or(items.iter().map(|c| resolve(c, named, line)).collect::<Result<_, _>>()?),
    })
}
