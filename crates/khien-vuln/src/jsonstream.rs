//! Streaming JSON for the JSON report parsers (Nuclei, Trivy, ZAP JSON, SARIF): a report is
//! walked with serde_json's streaming deserializer, never built whole. A [`Handler`] decides,
//! for every object member and array element it meets, whether to skip it (read and dropped
//! with `IgnoredAny`, no memory kept), to descend into it, or to take it as ONE bounded
//! `serde_json::Value` (a result, an alert, a vulnerability) handed to [`Handler::value`].
//!
//! Bounds: one element may take at most [`MAX_ELEMENT`] bytes of the file (a counting reader
//! fails past that), at most [`MAX_NODES`] JSON values, and its strings are cut to
//! [`MAX_STRING`] bytes; serde_json's recursion limit (128 levels) stays on, so deeply nested
//! input is an error, not a stack overflow. Errors become [`ParseError::Json`] with the line,
//! the column and the path being read ("runs[0].results[3]").
//!
//! Also the small helpers the JSON parsers share: reading fields out of a `Value`, capping
//! text, CWE/CVE extraction, RFC 3339 timestamps.

use crate::ParseError;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

/// Largest number of bytes one element (a result, an alert) may take in the file.
pub(crate) const MAX_ELEMENT: u64 = 64 << 20;
/// Largest number of JSON values (objects, arrays, strings, numbers…) in one element.
pub(crate) const MAX_NODES: usize = 1 << 20;
/// Longest string kept inside an element; longer ones are cut.
pub(crate) const MAX_STRING: usize = 1 << 20;
/// Longest text kept in one `Finding` field.
pub(crate) const MAX_TEXT: usize = 1 << 20;

/// One step of the path from the document root to what is being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// What to do with a member or element.
pub(crate) enum Want {
    /// Read and drop it.
    Skip,
    /// Deserialize it whole into a bounded `Value` (members of its top-level object named in
    /// the list are skipped unread, e.g. bulky HTTP responses) and pass it to `value`.
    Value(&'static [&'static str]),
    /// Walk into it: `want` is asked again for each of its members or elements, and `end` is
    /// called when it closes. A scalar met here goes to `value`.
    Descend,
}

/// The format-specific side of a walk.
pub(crate) trait Handler {
    /// What to do with the value at `path` (never called for the root, which is descended).
    fn want(&mut self, path: &[Seg]) -> Want;
    /// A value taken whole (or a scalar met while descending).
    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), ParseError>;
    /// A descended object or array at `path` has closed.
    fn end(&mut self, _path: &[Seg]) -> Result<(), ParseError> {
        Ok(())
    }
}

/// The path as text: `runs[0].results[3]`; the root is "the top level".
pub(crate) fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(truncate(k, 100));
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() { "the top level".to_string() } else { s }
}

/// The path with every index written `[]`, for matching against patterns in handlers:
/// `["runs", "[]", "results", "[]"]`.
pub(crate) fn shape(path: &[Seg]) -> Vec<&str> {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => k.as_str(),
            Seg::Index(_) => "[]",
        })
        .collect()
}

/// State shared by the counting reader and the visitors.
struct Shared {
    /// Bytes read from the input so far.
    pos: Cell<u64>,
    /// 1-based line and 0-based byte column of the reading position.
    line: Cell<usize>,
    col: Cell<usize>,
    /// Where the element being read started (`None` while skipping).
    element_start: Cell<Option<u64>>,
    max_element: u64,
    too_big: Cell<bool>,
    path: RefCell<Vec<Seg>>,
    /// An error raised by the handler, reported as is rather than as a JSON error.
    abort: RefCell<Option<ParseError>>,
}

impl Shared {
    fn begin_element(&self) {
        self.element_start.set(Some(self.pos.get()));
    }
}

/// A reader that counts bytes and lines and refuses to go past the element limit.
struct Counting<R> {
    inner: R,
    sh: Rc<Shared>,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.inner.fill_buf()?;
        let mut n = avail.len().min(out.len());
        if n == 0 {
            return Ok(0);
        }
        if let Some(start) = self.sh.element_start.get() {
            let used = self.sh.pos.get().saturating_sub(start);
            if used >= self.sh.max_element {
                self.sh.too_big.set(true);
                return Err(io::Error::other(format!(
                    "one element is larger than the {} MiB limit",
                    self.sh.max_element >> 20
                )));
            }
            n = n.min((self.sh.max_element - used).min(usize::MAX as u64) as usize);
        }
        out[..n].copy_from_slice(&avail[..n]);
        let (mut line, mut col) = (self.sh.line.get(), self.sh.col.get());
        for &b in &out[..n] {
            if b == b'\n' {
                line += 1;
                col = 0;
            } else {
                col += 1;
            }
        }
        self.sh.line.set(line);
        self.sh.col.set(col);
        self.inner.consume(n);
        self.sh.pos.set(self.sh.pos.get() + n as u64);
        Ok(n)
    }
}

/// Skip a UTF-8 byte-order mark and leading whitespace; return the first other byte (not
/// consumed) and how many line breaks were skipped. `None`: the input is empty.
pub(crate) fn skip_blank<R: BufRead>(input: &mut R) -> io::Result<(Option<u8>, usize)> {
    let mut lines = 0usize;
    let mut first = true;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok((None, lines));
        }
        if first {
            first = false;
            if buf.starts_with(b"\xEF\xBB\xBF") {
                input.consume(3);
                continue;
            }
        }
        let ws = buf.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')).count();
        lines += buf[..ws].iter().filter(|&&b| b == b'\n').count();
        let next = buf.get(ws).copied();
        input.consume(ws);
        if let Some(b) = next {
            return Ok((Some(b), lines));
        }
    }
}

/// Walk the JSON document in `input` (already past [`skip_blank`], which skipped
/// `skipped_lines` line breaks) with `handler`. Trailing non-blank data is an error.
pub(crate) fn walk<R: BufRead, H: Handler>(input: R, skipped_lines: usize, handler: &mut H) -> Result<(), ParseError> {
    let sh = Rc::new(Shared {
        pos: Cell::new(0),
        line: Cell::new(1 + skipped_lines),
        col: Cell::new(0),
        element_start: Cell::new(None),
        max_element: MAX_ELEMENT,
        too_big: Cell::new(false),
        path: RefCell::new(Vec::new()),
        abort: RefCell::new(None),
    });
    let reader = Counting { inner: input, sh: sh.clone() };
    let mut de = serde_json::Deserializer::from_reader(reader);
    sh.begin_element();
    let result = Walk { h: handler, sh: &sh }.deserialize(&mut de).and_then(|()| de.end());
    result.map_err(|e| to_parse_error(e, &sh, skipped_lines))
}

/// Walk a sequence of top-level JSON values separated by whitespace (concatenated or
/// pretty-printed objects), each seen by `handler` at path `[i]` as if they were the elements
/// of an array.
pub(crate) fn walk_values<R: BufRead, H: Handler>(
    input: R,
    skipped_lines: usize,
    handler: &mut H,
) -> Result<(), ParseError> {
    let sh = Rc::new(Shared {
        pos: Cell::new(0),
        line: Cell::new(1 + skipped_lines),
        col: Cell::new(0),
        element_start: Cell::new(None),
        max_element: MAX_ELEMENT,
        too_big: Cell::new(false),
        path: RefCell::new(Vec::new()),
        abort: RefCell::new(None),
    });
    let reader = Counting { inner: input, sh: sh.clone() };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut i = 0usize;
    let result = (|| -> Result<(), serde_json::Error> {
        loop {
            sh.begin_element();
            match de.end() {
                Ok(()) => return Ok(()),
                Err(e) if e.is_io() => return Err(e),
                Err(_) => {} // more data: the next value
            }
            sh.path.borrow_mut().push(Seg::Index(i));
            let w = Walk { h: &mut *handler, sh: &sh };
            let want = w.h.want(&sh.path.borrow());
            match want {
                Want::Skip => {
                    sh.element_start.set(None);
                    IgnoredAny::deserialize(&mut de)?;
                }
                Want::Value(skip) => {
                    let nodes = Cell::new(0usize);
                    let v = Bounded { nodes: &nodes, skip, top: true }.deserialize(&mut de)?;
                    let path = sh.path.borrow().clone();
                    if let Err(e) = w.h.value(&path, v) {
                        return Err(w.fail(e));
                    }
                }
                Want::Descend => w.deserialize(&mut de)?,
            }
            sh.path.borrow_mut().pop();
            i += 1;
        }
    })();
    result.map_err(|e| to_parse_error(e, &sh, skipped_lines))
}

fn to_parse_error(e: serde_json::Error, sh: &Shared, skipped_lines: usize) -> ParseError {
    if let Some(err) = sh.abort.borrow_mut().take() {
        return err;
    }
    let context = path_string(&sh.path.borrow());
    let (line, column) =
        if e.line() > 0 { (e.line() + skipped_lines, e.column()) } else { (sh.line.get(), sh.col.get()) };
    if sh.too_big.get() {
        return ParseError::Json {
            line,
            column,
            context,
            message: format!("one element is larger than the {} MiB limit", sh.max_element >> 20),
        };
    }
    if e.is_io() {
        // A real read error (not a syntax error) keeps its I/O kind.
        return ParseError::Io(io::Error::other(format!("{e} (in {context})")));
    }
    ParseError::Json { line, column, context, message: json_message(&e) }
}

/// serde_json's message without its " at line L column C" suffix (reported separately).
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) if s[i..].contains(" column ") => s[..i].to_string(),
        _ => s,
    }
}

/// The seed that walks a descended value.
struct Walk<'a, H> {
    h: &'a mut H,
    sh: &'a Shared,
}

impl<H: Handler> Walk<'_, H> {
    fn fail<E: de::Error>(&self, err: ParseError) -> E {
        let msg = err.to_string();
        *self.sh.abort.borrow_mut() = Some(err);
        E::custom(msg)
    }

    fn scalar<E: de::Error>(self, v: Value) -> Result<(), E> {
        let path = self.sh.path.borrow().clone();
        self.h.value(&path, v).map_err(|e| self.fail(e))
    }

    /// Read the value of the member or element just entered (its path pushed).
    fn member<'de, A>(&mut self, read: A) -> Result<(), A::Error>
    where
        A: MemberReader<'de>,
    {
        let want = self.h.want(&self.sh.path.borrow());
        match want {
            Want::Skip => {
                self.sh.element_start.set(None);
                read.skip()?;
            }
            Want::Value(skip) => {
                let nodes = Cell::new(0usize);
                let v = read.value(Bounded { nodes: &nodes, skip, top: true })?;
                let path = self.sh.path.borrow().clone();
                self.h.value(&path, v).map_err(|e| self.fail(e))?;
            }
            Want::Descend => read.walk(Walk { h: &mut *self.h, sh: self.sh })?,
        }
        Ok(())
    }

    fn close<E: de::Error>(&mut self) -> Result<(), E> {
        let path = self.sh.path.borrow().clone();
        self.h.end(&path).map_err(|e| self.fail(e))
    }
}

/// Reading one member value (from a map) or one element (from a seq) in the three ways.
trait MemberReader<'de> {
    type Error: de::Error;
    fn skip(self) -> Result<(), Self::Error>;
    fn value(self, seed: Bounded<'_>) -> Result<Value, Self::Error>;
    fn walk<H: Handler>(self, seed: Walk<'_, H>) -> Result<(), Self::Error>;
}

struct FromMap<'m, A>(&'m mut A);

impl<'de, A: MapAccess<'de>> MemberReader<'de> for FromMap<'_, A> {
    type Error = A::Error;
    fn skip(self) -> Result<(), A::Error> {
        self.0.next_value::<IgnoredAny>().map(|_| ())
    }
    fn value(self, seed: Bounded<'_>) -> Result<Value, A::Error> {
        self.0.next_value_seed(seed)
    }
    fn walk<H: Handler>(self, seed: Walk<'_, H>) -> Result<(), A::Error> {
        self.0.next_value_seed(seed)
    }
}

/// An element of a sequence, read through a one-shot seed so the element is consumed by
/// `next_element_seed` in whichever way was chosen.
enum ElementMode<'a, H> {
    Skip,
    Value(Bounded<'a>),
    Walk(Walk<'a, H>),
}

enum ElementOut {
    Unit,
    Value(Value),
}

impl<'de, H: Handler> DeserializeSeed<'de> for ElementMode<'_, H> {
    type Value = ElementOut;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<ElementOut, D::Error> {
        match self {
            ElementMode::Skip => IgnoredAny::deserialize(d).map(|_| ElementOut::Unit),
            ElementMode::Value(b) => b.deserialize(d).map(ElementOut::Value),
            ElementMode::Walk(w) => w.deserialize(d).map(|()| ElementOut::Unit),
        }
    }
}

impl<'de, H: Handler> DeserializeSeed<'de> for Walk<'_, H> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, H: Handler> Visitor<'de> for Walk<'_, H> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.scalar(Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.scalar(Value::String(truncate(v, MAX_STRING).to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        loop {
            self.sh.begin_element();
            let Some(key) = map.next_key_seed(CappedKey)? else { break };
            self.sh.path.borrow_mut().push(Seg::Key(key));
            self.member(FromMap(&mut map))?;
            self.sh.path.borrow_mut().pop();
        }
        self.close()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            self.sh.begin_element();
            self.sh.path.borrow_mut().push(Seg::Index(i));
            let want = self.h.want(&self.sh.path.borrow());
            let nodes = Cell::new(0usize);
            let mode = match want {
                Want::Skip => {
                    self.sh.element_start.set(None);
                    ElementMode::Skip
                }
                Want::Value(skip) => ElementMode::Value(Bounded { nodes: &nodes, skip, top: true }),
                Want::Descend => ElementMode::Walk(Walk { h: &mut *self.h, sh: self.sh }),
            };
            match seq.next_element_seed(mode)? {
                None => {
                    self.sh.path.borrow_mut().pop();
                    break;
                }
                Some(ElementOut::Value(v)) => {
                    let path = self.sh.path.borrow().clone();
                    self.h.value(&path, v).map_err(|e| self.fail(e))?;
                }
                Some(ElementOut::Unit) => {}
            }
            self.sh.path.borrow_mut().pop();
            i += 1;
        }
        self.close()
    }
}

/// An object key, cut to [`MAX_STRING`].
struct CappedKey;

impl<'de> DeserializeSeed<'de> for CappedKey {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        String::deserialize(d).map(|mut s| {
            truncate_in_place(&mut s, MAX_STRING);
            s
        })
    }
}

/// Builds a `Value` while counting its nodes and cutting its strings.
struct Bounded<'a> {
    nodes: &'a Cell<usize>,
    /// Members of the top-level object not to keep.
    skip: &'static [&'static str],
    top: bool,
}

impl Bounded<'_> {
    fn tick<E: de::Error>(&self) -> Result<(), E> {
        let n = self.nodes.get() + 1;
        self.nodes.set(n);
        if n > MAX_NODES {
            return Err(E::custom(format!("one element has more than {MAX_NODES} JSON values")));
        }
        Ok(())
    }
    fn child(&self) -> Bounded<'_> {
        Bounded { nodes: self.nodes, skip: &[], top: false }
    }
}

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.tick()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.tick()?;
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.tick()?;
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.tick()?;
        Ok(Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.tick()?;
        Ok(Value::String(truncate(v, MAX_STRING).to_string()))
    }
    fn visit_string<E: de::Error>(self, mut v: String) -> Result<Value, E> {
        self.tick()?;
        truncate_in_place(&mut v, MAX_STRING);
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.tick()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.tick()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self.child())? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.tick()?;
        let mut out = Map::new();
        while let Some(k) = map.next_key_seed(CappedKey)? {
            self.tick()?;
            if self.top && self.skip.contains(&k.as_str()) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let v = map.next_value_seed(self.child())?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parse one complete JSON text held in memory (a JSON Lines line) into a bounded `Value`.
/// Errors carry serde_json's column; the caller names the line.
pub(crate) fn parse_slice(bytes: &[u8], skip: &'static [&'static str]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let nodes = Cell::new(0usize);
    let v = Bounded { nodes: &nodes, skip, top: true }.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

// ---- Helpers over `Value` shared by the JSON parsers ----

/// The value at `keys` below `v` (objects only).
pub(crate) fn at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(*k))
}

/// A string member, or a number written as text; `None` for null, objects and arrays.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// [`text`] trimmed, or an empty string.
pub(crate) fn text_or_empty(v: Option<&Value>) -> String {
    text(v).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// A number given as a JSON number or as a numeric string.
pub(crate) fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    }
}

/// A string or an array of strings (null and other values: nothing), trimmed, non-empty.
pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    let items: Vec<&Value> = match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
        None => vec![],
    };
    items.into_iter().filter_map(|x| text(Some(x))).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// The first `max` bytes of `s`, cut at a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

pub(crate) fn truncate_in_place(s: &mut String, max: usize) {
    let n = truncate(s, max).len();
    s.truncate(n);
}

/// `s` trimmed and cut to [`MAX_TEXT`].
pub(crate) fn capped(s: &str) -> String {
    truncate(s.trim(), MAX_TEXT).to_string()
}

/// Push `s` to `v` unless empty or already there.
pub(crate) fn push_unique(v: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// A CWE number from "CWE-79", "cwe-79", "79", "CWE:79", "CWE-327: Use of…" or
/// "external/cwe/cwe-79". Anything else (e.g. "nvd-cwe-other", "-1", "0") gives `None`.
pub(crate) fn cwe_number(s: &str) -> Option<u32> {
    let lower = s.trim().to_ascii_lowercase();
    let rest = match lower.rfind("cwe") {
        Some(i) => lower[i + 3..].trim_start_matches([':', '-', '/', '_', ' ']),
        None => lower.as_str(),
    };
    let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    if digits.is_empty() || (lower.find("cwe").is_none() && digits.len() != rest.len()) {
        return None;
    }
    digits.parse::<u32>().ok().filter(|n| *n > 0)
}

/// Add the CWE numbers of `items` to `cwes` (no duplicates).
pub(crate) fn add_cwes<S: AsRef<str>>(cwes: &mut Vec<u32>, items: impl IntoIterator<Item = S>) {
    for s in items {
        if let Some(n) = cwe_number(s.as_ref())
            && !cwes.contains(&n)
        {
            cwes.push(n);
        }
    }
}

/// Every CVE identifier ("CVE-2021-44228", any case) in `s`, upper-cased, added to `cves`.
pub(crate) fn add_cves_in(cves: &mut Vec<String>, s: &str) {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 4 <= b.len() {
        if b[i..i + 4].eq_ignore_ascii_case(b"cve-") && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let year = b[i + 4..].iter().take_while(|c| c.is_ascii_digit()).count();
            let after_year = i + 4 + year;
            if year == 4 && b.get(after_year) == Some(&b'-') {
                let num = b[after_year + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if num >= 4 {
                    let id = format!("CVE-{}", &s[i + 4..after_year + 1 + num]);
                    push_unique(cves, &id);
                    i = after_year + 1 + num;
                    continue;
                }
            }
        }
        i += 1;
    }
}

/// The host and explicit port of a URL ("https://h:8443/x"), an authority ("h:22",
/// "[::1]:443") or a bare host name. The port is `None` when not written or 0.
pub(crate) fn host_port(s: &str) -> (String, Option<u16>) {
    let s = s.trim();
    let rest = match s.find("://") {
        Some(i) => &s[i + 3..],
        None => s,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let auth = auth.rsplit_once('@').map(|(_, h)| h).unwrap_or(auth);
    let port = |p: &str| p.parse::<u16>().ok().filter(|p| *p != 0);
    if let Some(r) = auth.strip_prefix('[')
        && let Some((h, after)) = r.split_once(']')
    {
        return (h.to_string(), after.strip_prefix(':').and_then(port));
    }
    match auth.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), port(p)),
        _ => (auth.to_string(), None),
    }
}

/// Whether `s` is an http(s) URL.
pub(crate) fn is_http_url(s: &str) -> bool {
    let b = s.trim_start().as_bytes();
    (b.len() > 7 && b[..7].eq_ignore_ascii_case(b"http://"))
        || (b.len() > 8 && b[..8].eq_ignore_ascii_case(b"https://"))
}

/// Unix seconds from an RFC 3339 timestamp ("2023-03-13T11:05:07.373496332+03:00",
/// "2021-05-20T11:12:02Z"; a space may replace the `T`; no offset means UTC).
pub(crate) fn rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) { t.parse().ok() } else { None }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        rest = &r[n..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        r if (r.starts_with('+') || r.starts_with('-')) && r.len() == 6 && r.as_bytes()[3] == b':' => {
            let oh: i64 = r.get(1..3)?.parse().ok()?;
            let om: i64 = r.get(4..6)?.parse().ok()?;
            let o = oh * 3600 + om * 60;
            if r.starts_with('-') { -o } else { o }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_numbers() {
        assert_eq!(cwe_number("CWE-79"), Some(79));
        assert_eq!(cwe_number("cwe-362"), Some(362));
        assert_eq!(cwe_number("external/cwe/cwe-089"), Some(89));
        assert_eq!(cwe_number("CWE-327: Use of a Broken or Risky Cryptographic Algorithm"), Some(327));
        assert_eq!(cwe_number("693"), Some(693));
        assert_eq!(cwe_number("nvd-cve-other"), None);
        assert_eq!(cwe_number("NVD-CWE-Other"), None);
        assert_eq!(cwe_number("-1"), None);
        assert_eq!(cwe_number("0"), None);
        assert_eq!(cwe_number("12abc"), None);
        assert_eq!(cwe_number("OWASP-A05:2021"), None);
    }

    #[test]
    fn cves_in_text() {
        let mut v = vec![];
        add_cves_in(&mut v, "BDSA-2020-1001 (CVE-2020-11022) and cve-2018-15473, XCVE-2000-1111");
        assert_eq!(v, ["CVE-2020-11022", "CVE-2018-15473"]);
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339("2022-03-20T22:43:31.231312071-03:00"), Some(1647827011));
        assert_eq!(rfc3339("2023-03-13T11:05:07.373496332+03:00"), Some(1678694707));
        assert_eq!(rfc3339("yesterday"), None);
    }
}
