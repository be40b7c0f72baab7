//! Sigma string values: wildcards (`*`, `?`) with the specification's escaping, and the
//! compiled matchers they turn into (exact, prefix, suffix, substring or a general glob).
//!
//! Escaping follows Sigma v2: a backslash before `*`, `?` or `\` escapes it; a backslash
//! before anything else is a literal backslash. So `\\*` is a backslash then a wildcard,
//! `\\\*` a backslash then a literal star.

use memchr::memmem;

/// One piece of a Sigma string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A Sigma string value after escaping is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SigmaStr {
    pub parts: Vec<Part>,
}

impl SigmaStr {
    /// Parses a value written in a rule (wildcards active, escapes resolved).
    pub fn parse(text: &str) -> SigmaStr {
        let mut out = SigmaStr::default();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => out.push(Part::Star),
                '?' => out.push(Part::One),
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        chars.next();
                        out.push_char(n);
                    }
                    _ => out.push_char('\\'),
                },
                c => out.push_char(c),
            }
        }
        out
    }

    /// A value with no wildcards at all.
    pub fn literal(text: &str) -> SigmaStr {
        let mut out = SigmaStr::default();
        if !text.is_empty() {
            out.parts.push(Part::Lit(text.to_string()));
        }
        out
    }

    fn push(&mut self, part: Part) {
        // `**` is the same as `*`.
        if part == Part::Star && self.parts.last() == Some(&Part::Star) {
            return;
        }
        self.parts.push(part);
    }

    fn push_char(&mut self, c: char) {
        if let Some(Part::Lit(s)) = self.parts.last_mut() {
            s.push(c);
        } else {
            self.parts.push(Part::Lit(c.to_string()));
        }
    }

    /// Appends another value.
    pub fn append(&mut self, other: &SigmaStr) {
        for p in &other.parts {
            match p {
                Part::Lit(s) => s.chars().for_each(|c| self.push_char(c)),
                p => self.push(p.clone()),
            }
        }
    }

    pub fn starts_with_star(&self) -> bool {
        self.parts.first() == Some(&Part::Star)
    }

    pub fn ends_with_star(&self) -> bool {
        self.parts.last() == Some(&Part::Star)
    }

    /// Adds a leading `*` unless there is one.
    pub fn star_front(&mut self) {
        if !self.starts_with_star() {
            self.parts.insert(0, Part::Star);
        }
    }

    /// Adds a trailing `*` unless there is one.
    pub fn star_back(&mut self) {
        if !self.ends_with_star() {
            self.parts.push(Part::Star);
        }
    }

    /// True when the value has `*` or `?`.
    pub fn has_wildcards(&self) -> bool {
        self.parts.iter().any(|p| !matches!(p, Part::Lit(_)))
    }

    /// The plain text when there are no wildcards.
    pub fn as_plain(&self) -> Option<String> {
        if self.has_wildcards() {
            return None;
        }
        Some(
            self.parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.as_str(),
                    _ => "",
                })
                .collect(),
        )
    }

    /// Rewrites every literal run.
    pub fn map_literals(&self, f: impl Fn(&str) -> String) -> SigmaStr {
        SigmaStr {
            parts: self
                .parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => Part::Lit(f(s)),
                    p => p.clone(),
                })
                .collect(),
        }
    }

    /// The longest literal run (for prefilters).
    pub fn longest_literal(&self) -> Option<&str> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(s) => Some(s.as_str()),
                _ => None,
            })
            .max_by_key(|s| s.len())
    }
}

/// Lowercases character by character, so that a substring's lowercase is always a substring
/// of the whole text's lowercase (`str::to_lowercase` treats a final Greek sigma by context,
/// which would break that).
pub fn lower(s: &str) -> String {
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.chars().flat_map(char::to_lowercase).collect() }
}

/// A compiled string matcher. Case-insensitive matchers hold lowercased text and are run
/// on the lowercased event value.
#[derive(Debug, Clone)]
pub enum StrMatcher {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(Box<memmem::Finder<'static>>),
    /// `*` alone: any value, including the empty string.
    Any,
    Glob(Vec<Part>),
}

impl StrMatcher {
    /// Compiles a value; `lower` lowercases its literals (case-insensitive matching).
    pub fn compile(value: &SigmaStr, lower: bool) -> StrMatcher {
        let v = if lower { value.map_literals(self::lower) } else { value.clone() };
        match v.parts.as_slice() {
            [] => StrMatcher::Exact(String::new()),
            [Part::Star] => StrMatcher::Any,
            [Part::Lit(s)] => StrMatcher::Exact(s.clone()),
            [Part::Lit(s), Part::Star] => StrMatcher::Prefix(s.clone()),
            [Part::Star, Part::Lit(s)] => StrMatcher::Suffix(s.clone()),
            [Part::Star, Part::Lit(s), Part::Star] => {
                StrMatcher::Contains(Box::new(memmem::Finder::new(s.as_bytes()).into_owned()))
            }
            parts => StrMatcher::Glob(parts.to_vec()),
        }
    }

    /// Matches `text` (already lowercased when the matcher is case-insensitive).
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            StrMatcher::Exact(s) => text == s,
            StrMatcher::Prefix(s) => text.starts_with(s.as_str()),
            StrMatcher::Suffix(s) => text.ends_with(s.as_str()),
            StrMatcher::Contains(f) => f.find(text.as_bytes()).is_some(),
            StrMatcher::Any => true,
            StrMatcher::Glob(parts) => glob_match(parts, text),
        }
    }
}

/// Glob matching with `*` and `?` by the classic two-pointer method with one backtrack point:
/// O(len(text) × len(pattern)) in the worst case, no recursion.
pub fn glob_match(parts: &[Part], text: &str) -> bool {
    // Flatten to tokens over chars.
    #[derive(Clone, Copy, PartialEq)]
    enum T {
        C(char),
        Star,
        One,
    }
    let mut pat: Vec<T> = Vec::new();
    for p in parts {
        match p {
            Part::Lit(s) => pat.extend(s.chars().map(T::C)),
            Part::Star => pat.push(T::Star),
            Part::One => pat.push(T::One),
        }
    }
    let txt: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < txt.len() {
        match pat.get(p) {
            Some(T::Star) => {
                star = Some((p, t));
                p += 1;
            }
            Some(T::One) => {
                p += 1;
                t += 1;
            }
            Some(T::C(c)) if *c == txt[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|x| *x == T::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(value: &str, text: &str) -> bool {
        StrMatcher::compile(&SigmaStr::parse(value), true).is_match(&lower(text))
    }

    #[test]
    fn escaping_follows_the_specification_table() {
        assert_eq!(SigmaStr::parse(r"\\\\\*\\IPC$").as_plain().unwrap(), r"\\*\IPC$");
        assert_eq!(SigmaStr::parse(r"a\b").as_plain().unwrap(), r"a\b");
        assert_eq!(SigmaStr::parse(r"a\\b").as_plain().unwrap(), r"a\b");
        assert_eq!(SigmaStr::parse(r"a\\\b").as_plain().unwrap(), r"a\\b");
        assert_eq!(SigmaStr::parse(r"a\\\\b").as_plain().unwrap(), r"a\\b");
        assert_eq!(SigmaStr::parse(r"\\*").parts, vec![Part::Lit("\\".into()), Part::Star]);
        assert_eq!(SigmaStr::parse(r"select \*").as_plain().unwrap(), "select *");
        assert_eq!(SigmaStr::parse(r"k\?x").as_plain().unwrap(), "k?x");
    }

    #[test]
    fn wildcards_anywhere() {
        assert!(m("*\\cmd.exe", "C:\\Windows\\System32\\CMD.EXE"));
        assert!(!m("*\\cmd.exe", "C:\\Windows\\System32\\cmd.exe.bak"));
        assert!(m("C:\\Windows\\\\*", "c:\\windows\\x"));
        // `\*` alone escapes the star: a literal `*`.
        assert!(!m("C:\\Windows\\*", "c:\\windows\\x"));
        assert!(m("C:\\Windows\\*", "c:\\windows*"));
        assert!(m("*mimikatz*", "run Mimikatz now"));
        assert!(m("a*b?d*", "axxbcdyy"));
        assert!(!m("a*b?d", "axxbcdyy"));
        assert!(m("*", ""));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("?", "é"));
        assert!(m(r"*\\Modules\\*\.ps", r"C:\x\Modules\y\.ps"));
        assert!(m("a**b", "ab"));
    }

    #[test]
    fn cased_matching_keeps_case() {
        let c = StrMatcher::compile(&SigmaStr::parse("*Evil*"), false);
        assert!(c.is_match("an Evil one"));
        assert!(!c.is_match("an evil one"));
    }
}
