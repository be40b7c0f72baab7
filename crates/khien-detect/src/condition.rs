//! The Sigma condition grammar: `and`, `or`, `not`, parentheses, `1 of X` / `any of X` /
//! `all of X` over identifier patterns with `*`, and `them`.
//!
//! Precedence, loosest first: `or` < `and` < `not` < `x of` < `( )`. Keywords are
//! case-insensitive; newlines count as spaces (folded multi-line conditions).

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Ident(String),
    /// `1 of` (also `any of`) a pattern (`None` = `them`).
    OneOf(Option<String>),
    /// `all of` a pattern (`None` = `them`).
    AllOf(Option<String>),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

/// Longest condition text accepted.
pub const MAX_LEN: usize = 16 * 1024;
/// Deepest parenthesis / `not` nesting accepted.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    OneOf,
    AllOf,
    Them,
    Word(String),
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, words: &mut Vec<String>| {
        if !cur.is_empty() {
            words.push(std::mem::take(cur));
        }
    };
    // First split into words and parentheses.
    let mut raw: Vec<String> = Vec::new();
    for c in text.chars() {
        match c {
            '(' | ')' => {
                flush(&mut cur, &mut words);
                raw.append(&mut words);
                raw.push(c.to_string());
            }
            c if c.is_whitespace() => flush(&mut cur, &mut words),
            c => cur.push(c),
        }
    }
    flush(&mut cur, &mut words);
    raw.append(&mut words);
    let mut i = 0;
    while i < raw.len() {
        let w = &raw[i];
        let lower = w.to_ascii_lowercase();
        let next_is_of = raw.get(i + 1).map(|n| n.eq_ignore_ascii_case("of")) == Some(true);
        let tok = match lower.as_str() {
            "(" => Tok::LParen,
            ")" => Tok::RParen,
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            "them" => Tok::Them,
            "1" | "any" if next_is_of => {
                i += 1;
                Tok::OneOf
            }
            "all" if next_is_of => {
                i += 1;
                Tok::AllOf
            }
            "of" => return Err("'of' without '1' or 'all' before it".into()),
            "|" => {
                return Err("pipe aggregations ('| count() ...') are Sigma v1 syntax; write a correlation rule".into());
            }
            "near" => return Err("'near' is obsolete Sigma v1 syntax".into()),
            _ => {
                if !w.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '*' | '.')) {
                    return Err(format!("unexpected '{w}'"));
                }
                Tok::Word(w.clone())
            }
        };
        toks.push(tok);
        i += 1;
    }
    Ok(toks)
}

struct P {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.pop().unwrap_or(Cond::Or(vec![])) } else { Cond::Or(items) })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 { items.pop().unwrap_or(Cond::And(vec![])) } else { Cond::And(items) })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(format!("nested more than {MAX_DEPTH} levels deep"));
            }
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Cond, String> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            Some(Tok::LParen) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(format!("nested more than {MAX_DEPTH} levels deep"));
                }
                let inner = self.or()?;
                self.depth -= 1;
                match self.toks.get(self.pos) {
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err("missing ')'".into()),
                }
            }
            Some(t @ (Tok::OneOf | Tok::AllOf)) => {
                let target = match self.toks.get(self.pos).cloned() {
                    Some(Tok::Them) => None,
                    Some(Tok::Word(w)) => Some(w),
                    _ => return Err("'of' must be followed by a name pattern or 'them'".into()),
                };
                self.pos += 1;
                Ok(if t == Tok::OneOf { Cond::OneOf(target) } else { Cond::AllOf(target) })
            }
            Some(Tok::Word(w)) => {
                if w.contains('*') {
                    return Err(format!("'{w}' is a pattern; write '1 of {w}' or 'all of {w}'"));
                }
                Ok(Cond::Ident(w))
            }
            Some(Tok::Them) => Err("'them' must follow '1 of' or 'all of'".into()),
            Some(Tok::RParen) => Err("unexpected ')'".into()),
            Some(t) => Err(format!("unexpected {}", describe(&t))),
            None => Err("the condition ends too early".into()),
        }
    }
}

fn describe(t: &Tok) -> &'static str {
    match t {
        Tok::And => "'and'",
        Tok::Or => "'or'",
        Tok::Not => "'not'",
        _ => "token",
    }
}

/// Parses a condition string.
pub fn parse(text: &str) -> Result<Cond, String> {
    if text.len() > MAX_LEN {
        return Err(format!("condition longer than {MAX_LEN} bytes"));
    }
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Err("empty condition".into());
    }
    let mut p = P { toks, pos: 0, depth: 0 };
    let cond = p.or()?;
    if p.pos != p.toks.len() {
        return Err(match &p.toks[p.pos] {
            Tok::RParen => "unexpected ')'".into(),
            Tok::Word(w) => format!("unexpected '{w}' (missing 'and' or 'or'?)"),
            t => format!("unexpected {}", describe(t)),
        });
    }
    Ok(cond)
}

/// Does `name` match a `1 of`/`all of` pattern (`*` anywhere)?
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    let parts = crate::pattern::SigmaStr::parse(pattern);
    crate::pattern::glob_match(&parts.parts, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Cond {
        Cond::Ident(s.into())
    }

    #[test]
    fn precedence_is_or_and_not() {
        assert_eq!(
            parse("a or b and not c").unwrap(),
            Cond::Or(vec![id("a"), Cond::And(vec![id("b"), Cond::Not(Box::new(id("c")))])])
        );
        assert_eq!(parse("(a or b) and c").unwrap(), Cond::And(vec![Cond::Or(vec![id("a"), id("b")]), id("c")]));
        assert_eq!(parse("not a and b").unwrap(), Cond::And(vec![Cond::Not(Box::new(id("a"))), id("b")]));
    }

    #[test]
    fn quantifiers_and_them() {
        assert_eq!(
            parse("selection and not 1 of filter_main_*").unwrap(),
            Cond::And(vec![id("selection"), Cond::Not(Box::new(Cond::OneOf(Some("filter_main_*".into()))))])
        );
        assert_eq!(parse("all of them").unwrap(), Cond::AllOf(None));
        assert_eq!(parse("any of sel*").unwrap(), Cond::OneOf(Some("sel*".into())));
        assert_eq!(
            parse("ALL OF sel_*\n  AND\n  NOT filter").unwrap(),
            Cond::And(vec![Cond::AllOf(Some("sel_*".into())), Cond::Not(Box::new(id("filter")))])
        );
    }

    #[test]
    fn errors_are_explained() {
        for bad in ["a and", "(a or b", "a b", "1 of", "them", "sel*", "a | count() > 5", ")", ""] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().contains("nested"));
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("filter_*", "filter_main_x"));
        assert!(!pattern_matches("filter_*", "selection"));
        assert!(pattern_matches("*", "x"));
    }
}
