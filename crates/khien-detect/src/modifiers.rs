//! Sigma value modifiers (spec v2.1.0 appendix): they turn one `field|m1|m2: values` entry
//! into a [`FieldTest`], the unit the engine evaluates.
//!
//! Transformation modifiers rewrite the values (`contains`, `startswith`, `endswith`,
//! `windash`, `base64`, `base64offset`, `utf16le`/`utf16be`/`utf16`/`wide`, `expand`);
//! type modifiers say how to compare (`re` with `i`/`m`/`s`, `cidr`, `gt`/`gte`/`lt`/`lte`,
//! `exists`, `fieldref`, the time parts `minute`..`year`); `all`, `cased` and `neq` change
//! the linkage, the case rule and the polarity.

use crate::pattern::{SigmaStr, StrMatcher};
use crate::rule::Problem;
use crate::yaml::{Node, Value};
use base64::Engine as _;
use std::collections::HashMap;

/// Values for `expand` placeholders (`%name%` → values).
pub type Placeholders = HashMap<String, Vec<String>>;

/// Numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
}

impl Cmp {
    pub fn test(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Gt => a > b,
            Cmp::Gte => a >= b,
            Cmp::Lt => a < b,
            Cmp::Lte => a <= b,
            Cmp::Eq => a == b,
        }
    }
}

/// A part of a date for the time modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// How a `fieldref` compares the two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefMode {
    Equal,
    Prefix,
    Suffix,
    Contains,
}

/// One compiled value.
#[derive(Debug, Clone)]
pub enum ValueTest {
    /// String match; `cased` matchers see the raw text, others the lowercased text.
    Str {
        m: StrMatcher,
        cased: bool,
    },
    Re(regex::Regex),
    Cidr(ipnet::IpNet),
    Num(Cmp, f64),
    /// The field is absent or null.
    Null,
    Exists(bool),
    FieldRef {
        other: String,
        mode: RefMode,
        cased: bool,
    },
    Time(TimePart, Cmp, f64),
    /// Negation (`neq`): the field is present and its value fails the inner test.
    Not(Box<ValueTest>),
}

impl ValueTest {
    /// Does the test look at presence only (so absent fields can satisfy it)?
    pub fn is_presence(&self) -> bool {
        matches!(self, ValueTest::Null | ValueTest::Exists(_))
    }
}

/// A field (or, with `field == None`, keyword) test: the values are ORed, or ANDed with `all`.
#[derive(Debug, Clone)]
pub struct FieldTest {
    pub field: Option<String>,
    pub values: Vec<ValueTest>,
    pub all: bool,
}

const KNOWN: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "all",
    "windash",
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "re",
    "i",
    "m",
    "s",
    "cidr",
    "gt",
    "gte",
    "lt",
    "lte",
    "neq",
    "exists",
    "cased",
    "fieldref",
    "expand",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
];

/// Most values one entry may expand to (windash, expand).
pub const MAX_VARIANTS: usize = 4096;
/// Most compiled values one `field|modifiers` entry may have in all.
pub const MAX_VALUES: usize = 20_000;
/// Largest compiled regex program, in bytes (SigmaHQ's largest, `\w{1,64}` with Unicode
/// classes, needs about 3 MB).
pub const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;
/// Cache limit of one regex's lazy DFA, in bytes.
pub const REGEX_DFA_LIMIT: usize = 2 * 1024 * 1024;

enum W {
    S(SigmaStr),
    Bytes(Vec<u8>),
}

/// Compiles one detection entry `key: value` (`key` = `field|modifiers`).
pub fn compile_entry(key: &str, value: &Node, placeholders: &Placeholders) -> Result<Vec<FieldTest>, Problem> {
    let line = value.line;
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default().to_string();
    let mods: Vec<&str> = parts.collect();
    for m in &mods {
        if !KNOWN.contains(m) {
            return Err(Problem::invalid(line, format!("unknown modifier '{m}' in '{key}'")));
        }
    }
    let has = |m: &str| mods.contains(&m);
    let items: Vec<&Node> = match &value.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    let all = has("all");
    if all && !matches!(value.value, Value::Seq(_)) {
        return Err(Problem::invalid(line, format!("'all' needs a list of values in '{key}'")));
    }
    if items.is_empty() {
        return Err(Problem::invalid(line, format!("'{key}' has an empty list of values")));
    }
    for i in &items {
        if matches!(i.value, Value::Seq(_) | Value::Map(_)) {
            return Err(Problem::invalid(i.line, format!("values of '{key}' must be scalars, found {}", i.kind())));
        }
    }
    let field_opt = if field.is_empty() { None } else { Some(field.clone()) };
    let cased = has("cased");
    let neq = has("neq");
    let re_pos = mods.iter().position(|m| *m == "re");
    for flag in ["i", "m", "s"] {
        if has(flag) && re_pos.is_none() {
            return Err(Problem::invalid(line, format!("modifier '{flag}' only applies after 're'")));
        }
    }
    let time_part = mods.iter().find_map(|m| {
        Some(match *m {
            "minute" => TimePart::Minute,
            "hour" => TimePart::Hour,
            "day" => TimePart::Day,
            "week" => TimePart::Week,
            "month" => TimePart::Month,
            "year" => TimePart::Year,
            _ => return None,
        })
    });
    let cmp = mods.iter().find_map(|m| {
        Some(match *m {
            "gt" => Cmp::Gt,
            "gte" => Cmp::Gte,
            "lt" => Cmp::Lt,
            "lte" => Cmp::Lte,
            _ => return None,
        })
    });
    let type_mods = ["re", "cidr", "exists", "fieldref"].iter().filter(|m| has(m)).count()
        + usize::from(cmp.is_some() || time_part.is_some());
    if type_mods > 1 {
        return Err(Problem::invalid(line, format!("'{key}' combines comparison modifiers that exclude each other")));
    }
    // One group per value as written: its variants (windash, base64offset, expand) are ORed.
    let mut groups: Vec<Vec<ValueTest>> = Vec::new();
    let mut total = 0usize;
    for item in items {
        let vline = item.line;
        if item.value == Value::Null {
            if mods.iter().any(|m| !matches!(*m, "all" | "cased")) {
                return Err(Problem::invalid(vline, format!("null cannot take modifiers in '{key}'")));
            }
            groups.push(vec![ValueTest::Null]);
            continue;
        }
        let raw = item.scalar_text().unwrap_or_default();
        let mut tests: Vec<ValueTest> = if has("exists") {
            match item.value {
                Value::Bool(b) => vec![ValueTest::Exists(b)],
                _ => return Err(Problem::invalid(vline, "'exists' takes true or false")),
            }
        } else if let Some(part) = time_part {
            let n = number(item).ok_or_else(|| Problem::invalid(vline, format!("'{key}' needs a number")))?;
            vec![ValueTest::Time(part, cmp.unwrap_or(Cmp::Eq), n)]
        } else if let Some(c) = cmp {
            let n = number(item).ok_or_else(|| Problem::invalid(vline, format!("'{key}' needs a number")))?;
            vec![ValueTest::Num(c, n)]
        } else if has("cidr") {
            let net: ipnet::IpNet = raw
                .trim()
                .parse()
                .or_else(|_| raw.trim().parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| Problem::invalid(vline, format!("'{raw}' is not a CIDR network")))?;
            vec![ValueTest::Cidr(net)]
        } else if has("fieldref") {
            let mode = if has("contains") {
                RefMode::Contains
            } else if has("startswith") {
                RefMode::Prefix
            } else if has("endswith") {
                RefMode::Suffix
            } else {
                RefMode::Equal
            };
            vec![ValueTest::FieldRef { other: raw.clone(), mode, cased }]
        } else if let Some(pos) = re_pos {
            if pos != 0 && mods[..pos].iter().any(|m| !matches!(*m, "all" | "cased" | "neq")) {
                return Err(Problem::invalid(vline, "'re' cannot follow value transformations"));
            }
            vec![ValueTest::Re(compile_regex(&raw, has("i"), has("m"), has("s"), vline)?)]
        } else {
            transform(&raw, &mods, placeholders, vline)?
                .into_iter()
                .map(|mut s| {
                    // A keyword is a search of the whole event: it matches inside a value.
                    if field.is_empty() {
                        s.star_front();
                        s.star_back();
                    }
                    s
                })
                .map(|s| ValueTest::Str { m: StrMatcher::compile(&s, !cased), cased })
                .collect()
        };
        if neq {
            tests = tests.into_iter().map(|t| ValueTest::Not(Box::new(t))).collect();
        }
        total += tests.len();
        if total > MAX_VALUES {
            return Err(Problem::unsupported(line, format!("'{key}' expands to more than {MAX_VALUES} values")));
        }
        groups.push(tests);
    }
    if neq {
        // The field differs from every value and every variant.
        let values: Vec<ValueTest> = groups.into_iter().flatten().collect();
        let all = values.len() > 1;
        return Ok(vec![FieldTest { field: field_opt, values, all }]);
    }
    if all && groups.iter().any(|g| g.len() > 1) {
        // `all` ANDs the values as written; each one's variants stay ORed.
        return Ok(groups
            .into_iter()
            .map(|values| FieldTest { field: field_opt.clone(), values, all: false })
            .collect());
    }
    Ok(vec![FieldTest { field: field_opt, values: groups.into_iter().flatten().collect(), all }])
}

fn number(node: &Node) -> Option<f64> {
    match &node.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Compiles a Sigma `re` value with the linear-time `regex` crate. Patterns that need a
/// backtracking engine (lookaround, backreferences) are reported as unsupported.
pub fn compile_regex(raw: &str, i: bool, m: bool, s: bool, line: usize) -> Result<regex::Regex, Problem> {
    regex::RegexBuilder::new(raw)
        .case_insensitive(i)
        .multi_line(m)
        .dot_matches_new_line(s)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_LIMIT)
        .build()
        .map_err(|e| {
            let needs_backtracking = ["(?=", "(?!", "(?<=", "(?<!"].iter().any(|p| raw.contains(p))
                || (1..=9).any(|d| raw.contains(&format!("\\{d}")));
            if needs_backtracking {
                Problem::unsupported(
                    line,
                    format!(
                        "regex '{raw}' needs lookaround or backreferences, which a linear-time engine does not run"
                    ),
                )
            } else {
                let msg = e.to_string();
                let last = msg.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&msg);
                Problem::invalid(line, format!("bad regex '{raw}': {}", last.trim()))
            }
        })
}

fn transform(raw: &str, mods: &[&str], placeholders: &Placeholders, line: usize) -> Result<Vec<SigmaStr>, Problem> {
    let mut cur = vec![W::S(SigmaStr::parse(raw))];
    for m in mods {
        let mut next = Vec::new();
        for w in cur {
            match (*m, w) {
                ("contains", W::S(mut s)) => {
                    s.star_front();
                    s.star_back();
                    next.push(W::S(s));
                }
                ("startswith", W::S(mut s)) => {
                    s.star_back();
                    next.push(W::S(s));
                }
                ("endswith", W::S(mut s)) => {
                    s.star_front();
                    next.push(W::S(s));
                }
                ("windash", W::S(s)) => next.extend(windash(&s).into_iter().map(W::S)),
                ("expand", W::S(s)) => next.extend(expand(&s, placeholders, line)?.into_iter().map(W::S)),
                ("utf16le" | "wide" | "utf16be" | "utf16", W::S(s)) => {
                    let text = s
                        .as_plain()
                        .ok_or_else(|| Problem::invalid(line, format!("'{m}' cannot encode a value with wildcards")))?;
                    let mut bytes = Vec::new();
                    if *m == "utf16" {
                        bytes.extend([0xFF, 0xFE]);
                    }
                    for u in text.encode_utf16() {
                        if *m == "utf16be" {
                            bytes.extend(u.to_be_bytes());
                        } else {
                            bytes.extend(u.to_le_bytes());
                        }
                    }
                    next.push(W::Bytes(bytes));
                }
                ("base64", w) => {
                    let bytes = plain_bytes(w, m, line)?;
                    let enc = base64::engine::general_purpose::STANDARD.encode(&bytes);
                    next.push(W::S(SigmaStr::literal(&enc)));
                }
                ("base64offset", w) => {
                    let bytes = plain_bytes(w, m, line)?;
                    for v in base64_offsets(&bytes) {
                        next.push(W::S(SigmaStr::literal(&v)));
                    }
                }
                ("all" | "cased" | "neq", w) => next.push(w),
                (m, W::Bytes(_)) => {
                    return Err(Problem::invalid(
                        line,
                        format!("'{m}' cannot follow a utf16 encoding; add base64 or base64offset"),
                    ));
                }
                (m, W::S(_)) => {
                    return Err(Problem::invalid(line, format!("modifier '{m}' does not apply here")));
                }
            }
        }
        if next.len() > MAX_VARIANTS {
            return Err(Problem::unsupported(line, format!("value expands to more than {MAX_VARIANTS} variants")));
        }
        cur = next;
    }
    cur.into_iter()
        .map(|w| match w {
            W::S(s) => Ok(s),
            W::Bytes(_) => Err(Problem::invalid(line, "a utf16 encoding must be followed by base64 or base64offset")),
        })
        .collect()
}

fn plain_bytes(w: W, m: &str, line: usize) -> Result<Vec<u8>, Problem> {
    match w {
        W::Bytes(b) => Ok(b),
        W::S(s) => s
            .as_plain()
            .map(String::into_bytes)
            .ok_or_else(|| Problem::invalid(line, format!("'{m}' cannot encode a value with wildcards"))),
    }
}

/// The three base64 renderings of `bytes` at offsets 0, 1 and 2 with the characters that
/// depend on unknown neighbours removed, so each is a substring of any encoding that
/// contains `bytes`.
pub fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    let mut out = Vec::new();
    for i in 0..3 {
        let mut padded = vec![b' '; i];
        padded.extend_from_slice(bytes);
        let enc = base64::engine::general_purpose::STANDARD.encode(&padded);
        let end_cut = END[(bytes.len() + i) % 3];
        let stop = enc.len().saturating_sub(end_cut);
        let start = START[i].min(stop);
        out.push(enc[start..stop].to_string());
    }
    out
}

/// Dash characters `windash` interchanges.
pub const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// `windash`: every combination of the five dash characters at each `-` or `/` that starts
/// a word (preceded by start or a non-word character, followed by a word character), as
/// command-line flags are written.
pub fn windash(s: &SigmaStr) -> Vec<SigmaStr> {
    use crate::pattern::Part;
    let mut out = vec![SigmaStr::default()];
    let parts = &s.parts;
    for part in parts {
        match part {
            Part::Lit(text) => {
                let chars: Vec<char> = text.chars().collect();
                for (ci, &c) in chars.iter().enumerate() {
                    // At the start of a literal run (string start or after a wildcard)
                    // there is no word character before.
                    let prev_word = ci > 0 && is_word(chars[ci - 1]);
                    let next_word = chars.get(ci + 1).map(|&n| is_word(n)).unwrap_or(false);
                    if (c == '-' || c == '/') && !prev_word && next_word {
                        let mut grown = Vec::with_capacity(out.len() * DASHES.len());
                        for o in &out {
                            for d in DASHES {
                                let mut o = o.clone();
                                o.append(&SigmaStr::literal(&d.to_string()));
                                grown.push(o);
                            }
                        }
                        out = grown;
                        if out.len() > MAX_VARIANTS {
                            return out;
                        }
                    } else {
                        for o in &mut out {
                            o.append(&SigmaStr::literal(&c.to_string()));
                        }
                    }
                }
            }
            p => {
                for o in &mut out {
                    o.append(&SigmaStr { parts: vec![p.clone()] });
                }
            }
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn expand(s: &SigmaStr, placeholders: &Placeholders, line: usize) -> Result<Vec<SigmaStr>, Problem> {
    use crate::pattern::Part;
    // Placeholders live inside literal runs: `%name%`.
    let mut out = vec![SigmaStr::default()];
    for part in &s.parts {
        match part {
            Part::Lit(text) => {
                let mut rest = text.as_str();
                while let Some(start) = rest.find('%') {
                    let (before, after) = rest.split_at(start);
                    let after = &after[1..];
                    let Some(end) = after.find('%') else { break };
                    let name = &after[..end];
                    for o in &mut out {
                        o.append(&SigmaStr::literal(before));
                    }
                    let values = placeholders.get(name).ok_or_else(|| {
                        Problem::unsupported(
                            line,
                            format!("placeholder %{name}% has no values (give them with --placeholders FILE)"),
                        )
                    })?;
                    let mut grown = Vec::new();
                    for o in &out {
                        for v in values {
                            let mut o = o.clone();
                            o.append(&SigmaStr::parse(v));
                            grown.push(o);
                        }
                    }
                    out = grown;
                    if out.len() > MAX_VARIANTS {
                        return Err(Problem::unsupported(line, "placeholders expand to too many values"));
                    }
                    rest = &after[end + 1..];
                }
                for o in &mut out {
                    o.append(&SigmaStr::literal(rest));
                }
            }
            p => {
                for o in &mut out {
                    o.append(&SigmaStr { parts: vec![p.clone()] });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load_all;

    fn entry(yaml: &str) -> Result<FieldTest, Problem> {
        let doc = load_all(yaml).unwrap().remove(0);
        let Value::Map(entries) = &doc.value else { panic!() };
        let (k, v) = &entries[0];
        compile_entry(k.as_str().unwrap(), v, &Placeholders::new()).map(|mut t| t.remove(0))
    }

    #[test]
    fn base64offset_matches_the_specification_example() {
        // The spec's example: "/bin/bash" at the three offsets.
        assert_eq!(base64_offsets(b"/bin/bash"), ["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]);
        assert_eq!(base64_offsets(b"/bin/sh"), ["L2Jpbi9za", "9iaW4vc2", "vYmluL3No"]);
    }

    #[test]
    fn windash_expands_flag_dashes_only() {
        let v = windash(&SigmaStr::parse(" -exec "));
        assert_eq!(v.len(), 5);
        let texts: Vec<String> = v.iter().map(|s| s.as_plain().unwrap()).collect();
        assert!(texts.contains(&" /exec ".to_string()));
        assert!(texts.contains(&" \u{2015}exec ".to_string()));
        assert_eq!(windash(&SigmaStr::parse("-param-name")).len(), 5);
        assert_eq!(windash(&SigmaStr::parse("a-b")).len(), 1);
        assert_eq!(windash(&SigmaStr::parse("-a -b")).len(), 25);
    }

    #[test]
    fn modifier_errors() {
        assert!(entry("a|foo: x").unwrap_err().message.contains("unknown modifier"));
        assert!(entry("a|all: x").unwrap_err().message.contains("list"));
        assert!(entry("a|re: '(unclosed'").unwrap_err().message.contains("bad regex"));
        let p = entry("a|re: 'x(?=y)'").unwrap_err();
        assert_eq!(p.kind, crate::rule::ProblemKind::Unsupported);
        assert!(entry("a|cidr: 'x.y'").is_err());
        assert!(entry("a|gt: abc").is_err());
        assert!(entry("a|i: x").is_err());
        assert!(entry("a|exists: maybe").is_err());
        assert!(entry("a|wide: x").is_err());
        assert_eq!(entry("a|contains|expand: '%nope%'").unwrap_err().kind, crate::rule::ProblemKind::Unsupported);
        // Expansion is bounded across the values of an entry, not only per value.
        let many = format!("a|windash: [{}]", vec!["'-a -b -c -d -e'"; 20].join(", "));
        assert!(entry(&many).unwrap_err().message.contains("more than"));
    }
}
