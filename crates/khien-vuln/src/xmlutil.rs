//! Shared helpers for the streaming XML report parsers (OpenVAS/GVM, ZAP, Burp):
//!
//! * [`Bounded`], a byte-level guard between the file and quick-xml so that no single XML token
//!   (a text run, a CDATA section, a comment, a start tag) is ever buffered whole when it is
//!   enormous: over [`MAX_TOKEN`] bytes the rest of a text run, CDATA section, comment or
//!   attribute value is dropped (the token stays well-formed and the field is simply truncated);
//!   an over-long declaration, DOCTYPE, processing instruction or element name is an error.
//! * [`Walker`], an element walker over quick-xml that keeps the path of open elements (bounded
//!   depth), resolves character and predefined entity references, refuses custom entities
//!   (they are never expanded) and reports truncation naming the open element.
//! * Text helpers: capped appends, HTML-to-text, URL and CWE extraction, URL parts, a small
//!   base64 decoder, and date parsing (ISO 8601 and the loose "Tue, 12 May 2020 20:57:30" /
//!   "Sat Sep 13 22:39:44 CEST 2014" forms) to Unix seconds.

use crate::ParseError;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// Largest XML token handed to quick-xml whole (longer text, CDATA, comments and attribute
/// values are truncated to about this size; fields are capped lower anyway).
pub(crate) const MAX_TOKEN: usize = 4 << 20;

/// The [`ParseError::WrongFormat`] message for a file without any element.
pub(crate) const NO_ROOT: &str = "no XML element found (the file is empty or not XML)";

/// Deepest element nesting accepted.
pub(crate) const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Nothing of the token seen yet.
    Start,
    /// Seen `<`.
    Lt,
    /// Seen `<!`.
    LtBang,
    /// Character data or a reference.
    Text,
    /// A start or end tag.
    Tag,
    CData,
    Comment,
    /// Declaration, DOCTYPE, processing instruction: never truncated.
    Other,
}

/// A [`BufRead`] adapter that bounds the bytes of one XML token seen by quick-xml. The owner
/// calls [`Bounded::next_token`] after each event quick-xml returns (quick-xml consumes exactly
/// the bytes of the event it returns). Bytes are classified as they are consumed; once a token
/// exceeds the limit, `fill_buf` skips the rest of its content up to its terminator.
pub(crate) struct Bounded<R> {
    inner: R,
    st: Guard,
}

/// The classification state of [`Bounded`].
struct Guard {
    limit: usize,
    /// Bytes of the current token passed on.
    used: usize,
    kind: Kind,
    /// Inside a tag: the quote of the attribute value being read, or 0.
    quote: u8,
    /// Inside an attribute value: bytes since an `&` not yet closed by `;` (0 = none).
    in_ref: u8,
    /// UTF-8 continuation bytes still expected.
    cont: u8,
    /// Consecutive `]` (CDATA) or `-` (comment) bytes at the end of what was passed on.
    run: u8,
    /// The same, counting dropped bytes too, once dropping has started.
    drop_run: Option<u8>,
    /// After a truncated CDATA section or comment: its terminator was restored; pass freely.
    release: bool,
    /// Synthetic bytes to hand out before the inner stream (a restored `]]` or `--`).
    pending: &'static [u8],
    dropped: u64,
    injected: u64,
}

enum Action {
    Pass(usize),
    Drop(usize),
    Restore(usize, &'static [u8]),
    Fail(&'static str),
}

impl<R: BufRead> Bounded<R> {
    pub(crate) fn new(inner: R, limit: usize) -> Bounded<R> {
        let st = Guard {
            limit: limit.max(16),
            used: 0,
            kind: Kind::Start,
            quote: 0,
            in_ref: 0,
            cont: 0,
            run: 0,
            drop_run: None,
            release: false,
            pending: b"",
            dropped: 0,
            injected: 0,
        };
        Bounded { inner, st }
    }

    /// Start a new token (call after every event quick-xml returned).
    pub(crate) fn next_token(&mut self) {
        let st = &mut self.st;
        st.used = 0;
        st.kind = Kind::Start;
        st.quote = 0;
        st.in_ref = 0;
        st.cont = 0;
        st.run = 0;
        st.drop_run = None;
        st.release = false;
    }

    /// Bytes of the file skipped minus bytes inserted: add to quick-xml's position for an offset
    /// in the file.
    pub(crate) fn offset_shift(&self) -> i64 {
        self.st.dropped as i64 - self.st.injected as i64
    }
}

impl Guard {
    fn scan(&mut self, bytes: &[u8]) {
        self.used += bytes.len();
        let mut rest = bytes;
        // Classify the token from its first bytes.
        while let Some((&b, tail)) = rest.split_first() {
            let next = match self.kind {
                // A UTF-8 byte-order mark before the first token does not start a text run.
                Kind::Start if matches!(b, 0xEF | 0xBB | 0xBF) && self.used - rest.len() < 3 => Kind::Start,
                Kind::Start if b == b'<' => Kind::Lt,
                Kind::Start => {
                    // Text: this byte is content, scanned below.
                    self.kind = Kind::Text;
                    break;
                }
                Kind::Lt if b == b'!' => Kind::LtBang,
                Kind::Lt if b == b'?' => Kind::Other,
                Kind::Lt => Kind::Tag,
                Kind::LtBang if b == b'-' => Kind::Comment,
                Kind::LtBang if b == b'[' => Kind::CData,
                Kind::LtBang => Kind::Other,
                _ => break,
            };
            self.kind = next;
            self.cont = 0;
            rest = tail;
        }
        if rest.is_empty() {
            return;
        }
        match self.kind {
            Kind::Tag => {
                for &b in rest {
                    if self.quote == 0 {
                        if b == b'"' || b == b'\'' {
                            self.quote = b;
                        }
                    } else if b == self.quote {
                        self.quote = 0;
                        self.in_ref = 0;
                    } else if b == b'&' {
                        self.in_ref = 1;
                    } else if self.in_ref > 0 {
                        self.in_ref = if b == b';' { 0 } else { self.in_ref.saturating_add(1) };
                    }
                }
            }
            Kind::CData | Kind::Comment => {
                let mark = if self.kind == Kind::CData { b']' } else { b'-' };
                let trailing = rest.iter().rev().take_while(|b| **b == mark).count();
                let base = if trailing == rest.len() { self.run as usize } else { 0 };
                self.run = (base + trailing).min(255) as u8;
            }
            _ => {}
        }
        // Only the last bytes tell whether a character is still incomplete.
        let trailing = rest.iter().rev().take(4).take_while(|b| **b & 0xC0 == 0x80).count();
        self.cont = if trailing == rest.len() {
            self.cont.saturating_sub(trailing as u8)
        } else {
            let lead = rest[rest.len() - 1 - trailing];
            let need: u8 = if lead >= 0xF0 {
                3
            } else if lead >= 0xE0 {
                2
            } else if lead >= 0xC0 {
                1
            } else {
                0
            };
            need.saturating_sub(trailing as u8)
        };
    }

    /// What to do with `buf` (the inner reader's buffer, not empty) once the token is over the
    /// limit.
    fn decide(&mut self, buf: &[u8]) -> Action {
        if self.cont > 0 {
            // Finish the character cut by the limit.
            let n = buf.iter().take(self.cont as usize).take_while(|b| **b & 0xC0 == 0x80).count();
            if n > 0 {
                return Action::Pass(n);
            }
            self.cont = 0;
        }
        match self.kind {
            Kind::Text => match buf.iter().position(|b| *b == b'<' || *b == b'&') {
                Some(0) => Action::Pass(buf.len()),
                Some(i) => Action::Drop(i),
                None => Action::Drop(buf.len()),
            },
            Kind::CData | Kind::Comment => {
                let (mark, restore): (u8, &'static [u8]) =
                    if self.kind == Kind::CData { (b']', b"]]") } else { (b'-', b"--") };
                let mut run = self.drop_run.unwrap_or(self.run);
                for (i, &b) in buf.iter().enumerate() {
                    if b == b'>' && run >= 2 {
                        // quick-xml already has the passed trailing marks; add what is missing.
                        return Action::Restore(i, &restore[(self.run as usize).min(2)..]);
                    }
                    run = if b == mark { run.saturating_add(1) } else { 0 };
                }
                self.drop_run = Some(run);
                Action::Drop(buf.len())
            }
            Kind::Tag if self.quote == 0 => {
                if self.used >= 2 * self.limit {
                    return Action::Fail("an XML tag longer than the limit (enormous element or attribute names?)");
                }
                let room = 2 * self.limit - self.used;
                let n = buf.iter().position(|b| *b == b'"' || *b == b'\'').map_or(buf.len(), |i| i + 1);
                Action::Pass(n.min(room))
            }
            Kind::Tag => {
                if self.in_ref > 0 && self.in_ref < 32 {
                    return Action::Pass(1);
                }
                match buf.iter().position(|b| *b == self.quote) {
                    Some(0) => Action::Pass(1),
                    Some(i) => Action::Drop(i),
                    None => Action::Drop(buf.len()),
                }
            }
            Kind::Start | Kind::Lt | Kind::LtBang | Kind::Other => {
                Action::Fail("an XML declaration, DOCTYPE or processing instruction longer than the limit")
            }
        }
    }
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buf = self.fill_buf()?;
        let n = buf.len().min(out.len());
        out[..n].copy_from_slice(&buf[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.st.pending.is_empty() {
            return Ok(self.st.pending);
        }
        loop {
            if self.st.release || self.st.used < self.st.limit {
                let room = if self.st.release { usize::MAX } else { self.st.limit - self.st.used };
                let buf = self.inner.fill_buf()?;
                let n = buf.len().min(room);
                return Ok(&buf[..n]);
            }
            let action = {
                let buf = self.inner.fill_buf()?;
                if buf.is_empty() {
                    return Ok(&[]);
                }
                self.st.decide(buf)
            };
            match action {
                Action::Pass(n) => return Ok(&self.inner.fill_buf()?[..n]),
                Action::Drop(n) => {
                    self.inner.consume(n);
                    self.st.dropped += n as u64;
                }
                Action::Restore(n, restore) => {
                    self.inner.consume(n);
                    self.st.dropped += n as u64;
                    self.st.injected += restore.len() as u64;
                    self.st.pending = restore;
                    self.st.release = true;
                    if !restore.is_empty() {
                        return Ok(self.st.pending);
                    }
                }
                Action::Fail(msg) => return Err(io::Error::new(io::ErrorKind::InvalidData, msg)),
            }
        }
    }

    fn consume(&mut self, amt: usize) {
        if !self.st.pending.is_empty() {
            let n = amt.min(self.st.pending.len());
            self.st.pending = &self.st.pending[n..];
            return;
        }
        if amt > 0 && !self.st.release {
            // Classify what quick-xml takes: the bytes are still in the inner buffer.
            if let Ok(buf) = self.inner.fill_buf() {
                self.st.scan(&buf[..amt.min(buf.len())]);
            }
        }
        self.inner.consume(amt);
    }
}

/// What [`Walker::next`] read.
pub(crate) enum Node<'a> {
    /// An element opened (the path now ends with it).
    Open(BytesStart<'a>),
    /// Character data (text, CDATA, a resolved reference) directly inside the innermost element.
    Text(Cow<'a, str>),
    /// The element at the end of the path closed.
    Close,
    /// A comment, processing instruction, declaration or (allowed) DOCTYPE: nothing to do.
    Other,
    /// The document ended (after its root element closed).
    Eof,
}

pub(crate) struct Step<'a> {
    pub node: Node<'a>,
    /// Names of the open elements, outermost first (for `Close`, still including the one closing).
    pub path: &'a [String],
    /// The mark set with [`Walker::set_mark`] on the innermost element of `path` (0 if none).
    pub mark: u16,
}

/// A streaming element walker over quick-xml; see the module documentation.
pub(crate) struct Walker<R: BufRead> {
    reader: quick_xml::Reader<Bounded<R>>,
    buf: Vec<u8>,
    names: Vec<String>,
    marks: Vec<u16>,
    depth: usize,
    /// Names the document in errors before its root element opens.
    root: &'static str,
    allow_doctype: bool,
    started: bool,
    /// The encoding named by the XML declaration when it is not UTF-8 (for error messages).
    declared: Option<String>,
}

fn xml_error<R: BufRead>(
    reader: &quick_xml::Reader<Bounded<R>>,
    element: &str,
    message: impl std::fmt::Display,
) -> ParseError {
    let pos = reader.buffer_position() as i64 + reader.get_ref().offset_shift();
    ParseError::Xml { offset: pos.max(0) as u64, element: element.to_string(), message: message.to_string() }
}

impl<R: BufRead> Walker<R> {
    /// A walker over `input`; `root` is the expected root element (for error messages);
    /// `allow_doctype` accepts (and ignores) a DOCTYPE, never expanding its entities.
    pub(crate) fn new(input: R, root: &'static str, allow_doctype: bool) -> Walker<R> {
        Self::with_limit(input, root, allow_doctype, MAX_TOKEN)
    }

    pub(crate) fn with_limit(input: R, root: &'static str, allow_doctype: bool, limit: usize) -> Walker<R> {
        let mut reader = quick_xml::Reader::from_reader(Bounded::new(input, limit));
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        Walker {
            reader,
            buf: Vec::new(),
            names: Vec::new(),
            marks: Vec::new(),
            depth: 0,
            root,
            allow_doctype,
            started: false,
            declared: None,
        }
    }

    /// Mark the innermost open element (a parser's own tag for where text should go).
    pub(crate) fn set_mark(&mut self, mark: u16) {
        if self.depth > 0 {
            self.marks[self.depth - 1] = mark;
        }
    }

    /// The next element boundary, piece of text, or other (ignorable) event.
    pub(crate) fn next(&mut self) -> Result<Step<'_>, ParseError> {
        if !self.started {
            self.started = true;
            let utf16 = match self.reader.get_mut().inner.fill_buf() {
                Ok(head) => {
                    head.starts_with(&[0xFF, 0xFE])
                        || head.starts_with(&[0xFE, 0xFF])
                        || head.starts_with(&[0, b'<'])
                        || head.starts_with(&[b'<', 0])
                }
                Err(e) => return Err(xml_error(&self.reader, self.root, e)),
            };
            if utf16 {
                let msg = "the file is UTF-16 encoded; only UTF-8 is supported (convert it first)";
                return Err(xml_error(&self.reader, self.root, msg));
            }
        }
        let Walker { reader, buf, names, marks, depth, root, allow_doctype, declared, .. } = self;
        let current = |names: &[String], depth: usize| -> String {
            if depth > 0 { names[depth - 1].clone() } else { root.to_string() }
        };
        buf.clear();
        let ev = reader.read_event_into(buf);
        reader.get_mut().next_token();
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                let mut msg = e.to_string();
                if let (Some(enc), quick_xml::Error::Encoding(_)) = (declared.as_ref(), &e) {
                    msg.push_str(&format!(" (the file declares encoding {enc}; only UTF-8 is supported)"));
                }
                return Err(xml_error(reader, &current(names, *depth), msg));
            }
        };
        let text_mark = if *depth > 0 { marks[*depth - 1] } else { 0 };
        let node = match ev {
            Event::Start(e) => {
                if *depth >= MAX_DEPTH {
                    let msg = format!("elements nested deeper than {MAX_DEPTH} levels");
                    return Err(xml_error(reader, &current(names, *depth), msg));
                }
                let qname = e.name();
                let name: &str = qname.as_ref();
                if names.len() > *depth {
                    names[*depth].clear();
                    names[*depth].push_str(name);
                    marks[*depth] = 0;
                } else {
                    names.push(name.to_string());
                    marks.push(0);
                }
                *depth += 1;
                return Ok(Step { node: Node::Open(e), path: &names[..*depth], mark: 0 });
            }
            Event::End(_) => {
                if *depth == 0 {
                    return Err(xml_error(reader, root, "an end tag without a start tag"));
                }
                *depth -= 1;
                return Ok(Step { node: Node::Close, path: &names[..*depth + 1], mark: marks[*depth] });
            }
            Event::Text(t) => Node::Text(t.xml10_content()),
            Event::CData(t) => Node::Text(t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(c) => c,
                    Err(e) => return Err(xml_error(reader, &current(names, *depth), e)),
                };
                match resolved {
                    Some(c) => Node::Text(Cow::Owned(c.to_string())),
                    None => {
                        let n: &str = r.as_ref();
                        match quick_xml::escape::resolve_predefined_entity(n) {
                            Some(v) => Node::Text(Cow::Borrowed(v)),
                            None => {
                                let msg = format!("unknown entity &{n}; (entities are not expanded)");
                                return Err(xml_error(reader, &current(names, *depth), msg));
                            }
                        }
                    }
                }
            }
            Event::Decl(d) => {
                let enc = d.encoding().and_then(|e| e.ok()).map(|e| e.trim().to_ascii_lowercase());
                if let Some(enc) = enc.filter(|e| !matches!(e.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii")) {
                    *declared = Some(enc);
                }
                Node::Other
            }
            Event::DocType(_) if !*allow_doctype => {
                let msg = "a DOCTYPE is not allowed in this report format";
                return Err(xml_error(reader, &current(names, *depth), msg));
            }
            Event::Eof => {
                if *depth > 0 {
                    let msg = "the file ends inside this element (truncated?)";
                    return Err(xml_error(reader, &current(names, *depth), msg));
                }
                Node::Eof
            }
            _ => Node::Other,
        };
        Ok(Step { node, path: &names[..*depth], mark: text_mark })
    }
}

/// Whether `path` ends with the element names `tail`.
pub(crate) fn ends_with(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len() && path[path.len() - tail.len()..].iter().zip(tail).all(|(a, b)| a == b)
}

/// Whether `path[base..]` is exactly `rel`.
pub(crate) fn rel_is(path: &[String], base: usize, rel: &[&str]) -> bool {
    path.len() == base + rel.len() && path[base..].iter().zip(rel).all(|(a, b)| a == b)
}

/// The value of attribute `key` of `e` (entity references resolved; a custom one gives `None`).
pub(crate) fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// Append `s` to `out` keeping `out` at most `max` bytes (cut at a character boundary).
pub(crate) fn push_capped(out: &mut String, s: &str, max: usize) {
    if out.len() >= max {
        return;
    }
    let mut end = s.len().min(max - out.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(&s[..end]);
}

/// `s` cut to at most `max` bytes at a character boundary.
pub(crate) fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// The lower-case name of an HTML tag's inside ("/P class=x" → "p").
fn tag_name(tag: &str) -> String {
    let name = tag.trim_start_matches('/');
    name.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("").to_ascii_lowercase()
}

/// Line breaks a tag stands for: 2 for paragraphs, 1 for other block tags, 0 for inline tags.
fn tag_breaks(name: &str) -> u8 {
    match name {
        "p" | "table" | "pre" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => 2,
        "br" | "div" | "ul" | "ol" | "li" | "tr" | "dd" | "dt" | "hr" => 1,
        _ => 0,
    }
}

fn html_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "copy" => '©',
        _ => return None,
    })
}

/// Plain text from an HTML fragment as scanners embed it (ZAP, Burp): tags removed (block tags
/// become line breaks, list items "- "), common character references decoded, runs of blanks
/// collapsed, at most one empty line in a row, trimmed.
pub(crate) fn html_to_text(s: &str) -> String {
    let mut raw = String::with_capacity(s.len());
    // Breaks owed by tags (the most any of them asked for) and a list bullet, written before
    // the next text.
    let mut breaks = 0u8;
    let mut bullet = false;
    let push = |raw: &mut String, text: &str, breaks: &mut u8, bullet: &mut bool| {
        if text.trim().is_empty() && (*breaks > 0 || *bullet) {
            return;
        }
        for _ in 0..*breaks {
            raw.push('\n');
        }
        if *bullet {
            raw.push_str("- ");
        }
        *breaks = 0;
        *bullet = false;
        raw.push_str(text);
    };
    let mut rest = s;
    while let Some(i) = rest.find(['<', '&']) {
        push(&mut raw, &rest[..i], &mut breaks, &mut bullet);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('<') {
            let next = after.chars().next();
            if matches!(next, Some(c) if c.is_ascii_alphabetic() || c == '/' || c == '!') {
                match after.find('>') {
                    Some(j) => {
                        let tag = &after[..j];
                        let name = tag_name(tag);
                        // Each <br> is a line break; other block tags ask for at least theirs.
                        breaks = if name == "br" { (breaks + 1).min(2) } else { breaks.max(tag_breaks(&name)) };
                        if name == "li" && !tag.starts_with('/') {
                            bullet = true;
                        }
                        rest = &after[j + 1..];
                    }
                    None => rest = "",
                }
                continue;
            }
            push(&mut raw, "<", &mut breaks, &mut bullet);
            rest = after;
        } else {
            let end = tail[1..].find(';').filter(|j| *j <= 10).map(|j| j + 1);
            match end.and_then(|j| html_entity(&tail[1..j]).map(|c| (j, c))) {
                Some((j, c)) => {
                    let mut b = [0u8; 4];
                    push(&mut raw, c.encode_utf8(&mut b), &mut breaks, &mut bullet);
                    rest = &tail[j + 1..];
                }
                None => {
                    push(&mut raw, "&", &mut breaks, &mut bullet);
                    rest = &tail[1..];
                }
            }
        }
    }
    push(&mut raw, rest, &mut breaks, &mut bullet);
    normalize_space(&raw)
}

/// Collapse blanks inside lines, trim lines, keep at most one empty line in a row, trim.
pub(crate) fn normalize_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_lines = 0usize;
    for line in s.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            blank_lines += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
        }
        blank_lines = 0;
        for (k, w) in words.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

/// The http(s) URLs in `s`, in order, without duplicates. A URL ends at whitespace, a quote,
/// `<` or `>`, or where another `http://`/`https://` starts (some reports run them together);
/// trailing punctuation and an unbalanced closing parenthesis are not part of it.
pub(crate) fn find_urls(s: &str) -> Vec<String> {
    fn scheme_at(s: &str, i: usize) -> bool {
        let t = &s.as_bytes()[i..];
        (t.len() >= 7 && t[..7].eq_ignore_ascii_case(b"http://"))
            || (t.len() >= 8 && t[..8].eq_ignore_ascii_case(b"https://"))
    }
    let mut out: Vec<String> = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !scheme_at(s, i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 7;
        while j < bytes.len() {
            let b = bytes[j];
            if b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>') || scheme_at(s, j) {
                break;
            }
            j += 1;
        }
        let mut url = &s[start..j];
        loop {
            let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?']);
            let trimmed = if trimmed.ends_with(')') && trimmed.matches('(').count() < trimmed.matches(')').count() {
                &trimmed[..trimmed.len() - 1]
            } else {
                trimmed
            };
            if trimmed.len() == url.len() {
                break;
            }
            url = trimmed;
        }
        let host_part = url.split_once("://").map_or("", |(_, r)| r);
        if !host_part.is_empty() && !out.iter().any(|u| u == url) {
            out.push(url.to_string());
        }
        i = j;
    }
    out
}

/// The CWE numbers named "CWE-nnn" (any case) in `s`, in order, without duplicates.
pub(crate) fn find_cwes(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i + 4 < bytes.len() {
        if bytes[i..i + 4].eq_ignore_ascii_case(b"cwe-") {
            let digits = bytes[i + 4..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0
                && let Ok(n) = s[i + 4..i + 4 + digits].parse::<u32>()
                && !out.contains(&n)
            {
                out.push(n);
            }
            i += 4 + digits;
        } else {
            i += 1;
        }
    }
    out
}

/// The host and port of an absolute URL (`http://[::1]:8080/x` → "::1", 8080); the port is
/// the scheme's default when not given.
pub(crate) struct UrlParts<'a> {
    pub host: &'a str,
    pub port: Option<u16>,
}

pub(crate) fn url_parts(url: &str) -> Option<UrlParts<'_>> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    };
    let port = match port {
        Some(p) if !p.is_empty() => p.parse::<u16>().ok().filter(|p| *p != 0),
        _ => default,
    };
    if host.is_empty() {
        return None;
    }
    Some(UrlParts { host, port })
}

/// Decode base64 (standard or URL-safe alphabet, whitespace ignored) up to `max` output bytes;
/// stops at padding or at the first byte outside the alphabet.
pub(crate) fn base64_prefix(s: &str, max: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(max.min(s.len()));
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => break,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
            if out.len() >= max {
                break;
            }
        }
    }
    out
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn unix(year: i64, month: u32, day: u32, h: u32, mi: u32, s: u32, offset_secs: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + i64::from(h * 3600 + mi * 60 + s) - offset_secs)
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// "+02:00", "+0200", "-05", "Z" → seconds east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    if s.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let rest = rest.replace(':', "");
    let (h, m) = match rest.len() {
        2 => (digits(&rest)?, 0),
        4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * i64::from(h * 3600 + m * 60))
}

/// ISO 8601 / RFC 3339 ("2023-10-04T21:34:09.251181Z", "2025-08-22T15:00:08+02:00",
/// "2023-09-25 10:46:09", "2023-09-25") to Unix seconds; no zone means UTC.
pub(crate) fn parse_iso8601(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 10 || !s.is_char_boundary(10) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let mut d = date.split('-');
    let (y, mo, da) = (digits(d.next()?)?, digits(d.next()?)?, digits(d.next()?)?);
    if date.as_bytes()[4] != b'-' || date.as_bytes()[7] != b'-' {
        return None;
    }
    let rest = rest.strip_prefix(['T', 't', ' ']).unwrap_or(rest);
    if rest.is_empty() {
        return unix(i64::from(y), mo, da, 0, 0, 0, 0);
    }
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(zone_at);
    let time = time.trim();
    let time = time.split(['.', ',']).next().unwrap_or("");
    let mut t = time.split(':');
    let h = digits(t.next()?)?;
    let mi = digits(t.next()?)?;
    let sec = match t.next() {
        Some(x) => digits(x)?,
        None => 0,
    };
    let offset = if zone.is_empty() { 0 } else { parse_offset(zone.trim())? };
    unix(i64::from(y), mo, da, h, mi, sec, offset)
}

fn month_number(token: &str) -> Option<u32> {
    let t: String = token.chars().take(3).collect::<String>().to_lowercase();
    Some(match t.as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" | "mär" | "mrz" => 3,
        "apr" => 4,
        "may" | "mai" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" | "okt" => 10,
        "nov" => 11,
        "dec" | "dez" => 12,
        _ => return None,
    })
}

/// Common time-zone abbreviations (hours east of UTC); ambiguous ones (CST, IST...) only in
/// their most common reading.
fn zone_abbreviation(token: &str) -> Option<i64> {
    let h = match token.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "UT" | "Z" | "WET" => 0.0,
        "CET" | "WEST" | "BST" | "MEZ" => 1.0,
        "CEST" | "EET" | "MESZ" | "SAST" => 2.0,
        "EEST" | "MSK" => 3.0,
        "IST" => 5.5,
        "ICT" | "WIB" => 7.0,
        "SGT" | "HKT" | "AWST" | "WITA" | "PHT" => 8.0,
        "JST" | "KST" | "WIT" => 9.0,
        "AEST" => 10.0,
        "AEDT" => 11.0,
        "EST" | "CDT" => -5.0,
        "EDT" => -4.0,
        "MST" => -7.0,
        "MDT" => -6.0,
        "PST" => -8.0,
        "PDT" => -7.0,
        _ => return None,
    };
    Some((h * 3600.0) as i64)
}

/// Loose human date-times: "Tue, 12 May 2020 20:57:30", "Fr., 30 Sep. 2022 08:40:35",
/// "Sat Sep 13 22:39:44 CEST 2014", "Tue Aug 25 21:48:25 2015" (ctime). English month names
/// (and the German ones that differ); a known zone abbreviation or numeric offset is applied,
/// otherwise the time is read as UTC.
pub(crate) fn parse_loose_datetime(s: &str) -> Option<i64> {
    let (mut year, mut month, mut day) = (None, None, None);
    let (mut h, mut mi, mut sec) = (0, 0, 0);
    let mut offset = 0i64;
    for token in s.split(|c: char| c.is_whitespace() || c == ',') {
        let token = token.trim_end_matches('.');
        if token.is_empty() {
            continue;
        }
        if token.contains(':') && token.as_bytes()[0].is_ascii_digit() {
            let mut t = token.split(':');
            h = digits(t.next()?)?;
            mi = digits(t.next()?)?;
            sec = match t.next() {
                Some(x) => digits(x.split('.').next().unwrap_or(""))?,
                None => 0,
            };
        } else if let Some(n) = digits(token) {
            match token.len() {
                4 => year = Some(i64::from(n)),
                1 | 2 => day = Some(n),
                _ => return None,
            }
        } else if token.starts_with(['+', '-']) {
            offset = parse_offset(token)?;
        } else if let Some(m) = month_number(token).filter(|_| month.is_none()) {
            month = Some(m);
        } else if let Some(z) = zone_abbreviation(token) {
            offset = z;
        }
    }
    unix(year?, month?, day?, h, mi, sec, offset)
}

/// A report date-time in any of the forms above.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    parse_iso8601(s).or_else(|| parse_loose_datetime(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(xml: &[u8], limit: usize) -> Result<(Vec<String>, usize), ParseError> {
        let mut w = Walker::with_limit(xml, "root", false, limit);
        let mut texts = Vec::new();
        let mut max_buf = 0;
        loop {
            let step = w.next()?;
            match step.node {
                Node::Open(e) => {
                    if let Some(v) = attr(&e, "a") {
                        texts.push(format!("@{v}"));
                    }
                }
                Node::Text(t) => texts.push(t.into_owned()),
                Node::Close | Node::Other => {}
                Node::Eof => break,
            }
            max_buf = max_buf.max(w.buf.capacity());
        }
        Ok((texts, max_buf))
    }

    #[test]
    fn bounded_reader_truncates_long_tokens() {
        let long = "é".repeat(100);
        let xml = format!(
            "<root a=\"{long}&amp;x\"><t>{long}</t><c><![CDATA[{long}]]]]></c><!-- {long} --><x a='b'/>{long}&lt;z</root>"
        );
        let (texts, max_buf) = walk(xml.as_bytes(), 32).unwrap();
        // Attribute value cut at a character boundary; the rest (incl. the reference) dropped.
        assert!(texts[0].starts_with("@éé") && texts[0].len() < 40, "{texts:?}");
        assert!(texts[1].starts_with("éé") && texts[1].len() < 40);
        assert!(texts[2].starts_with("éé") && texts[2].len() < 40);
        assert_eq!(texts[3], "@b");
        assert!(texts[4].starts_with("éé") && texts[4].len() < 40);
        assert_eq!(texts[5..], ["<", "z"]);
        assert!(max_buf < 256, "{max_buf}");
        // Nothing cut below the limit.
        let (texts, _) = walk(xml.as_bytes(), 1 << 20).unwrap();
        assert_eq!(texts[1], long);
        assert_eq!(texts[2], format!("{long}]]"));
        // A DOCTYPE or declaration over the limit is refused.
        let e = walk(format!("<?xml version=\"1.0\" encoding=\"{long}\"?><root/>").as_bytes(), 32).unwrap_err();
        assert!(e.to_string().contains("longer than the limit"), "{e}");
        // Tags with many attributes: values dropped once over the limit, names kept.
        let many = (0..8).map(|k| format!(" k{k}=\"vvvvvvvv\"")).collect::<String>();
        let (texts, _) = walk(format!("<root{many} a=\"keep\">x</root>").as_bytes(), 64).unwrap();
        assert_eq!(texts, ["@", "x"]);
    }

    /// A tiny deterministic generator for the randomized tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> usize {
            (self.next() % n) as usize
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len() as u64)]
        }
    }

    fn random_content(r: &mut Rng, pieces: &[&str], len: usize) -> String {
        (0..len).map(|_| r.pick(pieces)).collect()
    }

    fn random_doc(r: &mut Rng, depth: usize) -> String {
        let name = r.pick(&["a", "bb", "ccc"]);
        let mut out = format!("<{name}");
        for k in 0..r.below(3) {
            let n = r.below(60) + 1;
            let v = random_content(r, &["x", "é", "€", "😀", "&amp;", "&#233;", "'", ">"], n);
            out.push_str(&format!(" k{k}=\"{v}\""));
        }
        out.push('>');
        for _ in 0..r.below(4) {
            let n = r.below(80) + 1;
            match r.below(5) {
                0 => out.push_str(&random_content(r, &["t", "é", "€", "😀", "&lt;", "&#x41;", "]", ">", "-"], n)),
                1 => out.push_str(&format!(
                    "<![CDATA[{}]]>",
                    random_content(r, &["c", "]", "é", "<", "]]", "x>"], n).replace("]x>", "]x")
                )),
                2 => out
                    .push_str(&format!("<!--{}-->", random_content(r, &["m", "-", "é", "x>"], n).replace("-x>", "-x"))),
                _ if depth < 4 => out.push_str(&random_doc(r, depth + 1)),
                _ => out.push_str("<e/>"),
            }
        }
        out.push_str(&format!("</{name}>"));
        out
    }

    /// Events of `xml` as strings: "<name", ">" (close), "@value" (attribute k0), text.
    fn events(xml: &str, limit: usize) -> Result<Vec<String>, ParseError> {
        let mut w = Walker::with_limit(xml.as_bytes(), "a", false, limit);
        let mut out = Vec::new();
        loop {
            let step = w.next()?;
            match step.node {
                Node::Open(e) => {
                    out.push(format!("<{}", step.path.last().unwrap()));
                    for k in 0..3 {
                        if let Some(v) = attr(&e, &format!("k{k}")) {
                            out.push(format!("@{v}"));
                        }
                    }
                }
                Node::Text(t) => out.push(t.into_owned()),
                Node::Close => out.push(">".into()),
                Node::Other => {}
                Node::Eof => return Ok(out),
            }
        }
    }

    #[test]
    fn bounded_reader_only_truncates() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..400 {
            let doc = random_doc(&mut r, 0);
            let full = events(&doc, 1 << 20).unwrap_or_else(|e| panic!("{e}\n{doc}"));
            let limit = 16 + r.below(48);
            let cut = events(&doc, limit).unwrap_or_else(|e| panic!("limit {limit}: {e}\n{doc}"));
            assert_eq!(full.len(), cut.len(), "round {round}, limit {limit}\n{doc}\n{full:?}\n{cut:?}");
            for (a, b) in full.iter().zip(&cut) {
                assert!(
                    a.starts_with(b.as_str()),
                    "round {round}, limit {limit}: {b:?} is not a prefix of {a:?}\n{doc}"
                );
                assert!(b.len() <= limit + 8 || a == b, "round {round}, limit {limit}: {b:?}");
            }
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut r = Rng(12345);
        let base = random_doc(&mut r, 0).into_bytes();
        for _ in 0..2000 {
            let mut doc = base.clone();
            for _ in 0..1 + r.below(4) {
                let at = r.below(doc.len() as u64);
                doc[at] = *[b'<', b'>', b'&', b'"', b']', b'-', b'!', 0xC3, 0xFF, b'x'].get(r.below(10)).unwrap();
            }
            let cut = r.below(doc.len() as u64 + 1);
            let text = String::from_utf8_lossy(&doc[..cut]).into_owned();
            let _ = events(&text, 16 + r.below(32));
            let mut w = Walker::with_limit(&doc[..cut], "a", true, 16);
            while let Ok(step) = w.next() {
                if matches!(step.node, Node::Eof) {
                    break;
                }
            }
        }
    }

    #[test]
    fn walker_errors() {
        let e = walk(b"<root><a>text", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("<a>") && e.to_string().contains("truncated"), "{e}");
        let e = walk(b"<root>&ent;</root>", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("<root>") && e.to_string().contains("&ent;"), "{e}");
        let e = walk(b"<!DOCTYPE root><root/>", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("DOCTYPE"), "{e}");
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(walk(deep.as_bytes(), 1 << 20).unwrap_err().to_string().contains("nested"));
        let e = walk(b"<root>\xff</root>", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("<root>"), "{e}");
        let e = walk(b"<?xml version='1.0' encoding='ISO-8859-1'?><root>caf\xe9</root>", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("declares encoding iso-8859-1"), "{e}");
        let e = walk(b"\xff\xfe<\0r\0/\0>\0", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("UTF-16"), "{e}");
        let (t, _) = walk(b"\xEF\xBB\xBF<root>&#x41;&#66;&quot;</root>", 16).unwrap();
        assert_eq!(t.concat(), "AB\"");
    }

    #[test]
    fn text_helpers() {
        assert_eq!(
            html_to_text("<p>A &amp;amp; b &lt; c</p><ul><li>one</li><li>two</li></ul>x < y &copy; &bogus;"),
            "A &amp; b < c\n\n- one\n- two\nx < y © &bogus;"
        );
        assert_eq!(html_to_text("<p>a\n\n\n   b</p>"), "a\n\nb");
        assert_eq!(html_to_text("a<br>b<br/><br />c<bR>"), "a\nb\n\nc");
        assert_eq!(html_to_text("<bé>x</bé><lé>y"), "xy");
        assert_eq!(
            find_urls(
                "see http://a.org/x_(y)http://b.org/z. and <a href=\"https://c.org/\">https://c.org/</a> (http://d.org)"
            ),
            ["http://a.org/x_(y)", "http://b.org/z", "https://c.org/", "http://d.org"]
        );
        assert_eq!(find_cwes("CWE-79: x, cwe-89 and CWE-79, CWE-"), [79, 89]);
        let u = url_parts("https://user@[::1]:8443/x").unwrap();
        assert_eq!((u.host, u.port), ("::1", Some(8443)));
        let u = url_parts("http://bwa").unwrap();
        assert_eq!((u.host, u.port), ("bwa", Some(80)));
        assert!(url_parts("bwa").is_none());
        assert_eq!(base64_prefix("R0VUIC8g\nSFRUUA==", 100), b"GET / HTTP");
        assert_eq!(base64_prefix("R0VUIC8gSFRUUA==", 3), b"GET");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2023-10-04T21:34:09.251181Z"), Some(1_696_455_249));
        assert_eq!(parse_time("2025-08-22T15:00:08+02:00"), Some(1_755_867_608));
        assert_eq!(parse_time("2023-09-25"), Some(1_695_600_000));
        assert_eq!(parse_time("Tue, 12 May 2020 20:57:30"), Some(1_589_317_050));
        assert_eq!(parse_time("Fr., 30 Sep. 2022 08:40:35"), Some(1_664_527_235));
        assert_eq!(parse_time("Sat Sep 13 22:39:44 CEST 2014"), Some(1_410_640_784));
        assert_eq!(parse_time("Tue Aug 25 21:48:25 2015"), Some(1_440_539_305));
        assert_eq!(parse_time("2000-02-29T12:00:00-05:00"), Some(951_843_600));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2023-13-01"), None);
        assert_eq!(parse_time(""), None);
    }
}
