//! Byte-level skipping for [`EventLimit`]: passing over XML the Nessus parser does not keep
//! (a `ReportItem`'s two dozen unused children, the white space between them) by searching
//! bytes instead of having quick-xml build, decode and check an event for every tag and text.
//! A report holds about ninety events per finding and the parser keeps about ten, so this is
//! most of the parser's events. What is skipped is not decoded or checked for well-formedness
//! beyond finding where it ends (comments, CDATA sections, processing instructions and nested
//! elements of the same name are followed; a declaration inside an element is refused); the
//! elements kept still go through quick-xml.

use super::EventLimit;
use std::io::{self, Read};

/// Longest element name the byte search handles (a longer one is left to the events).
const MAX_NAME: usize = 64;

fn ends(name: &[u8]) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the file ends inside <{}> (truncated?)", String::from_utf8_lossy(name)),
    )
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether the tag at the start of `at` (its `<` first) is a start or end tag of `name`:
/// Some(true) for an end tag, Some(false) for a start tag, None for another tag.
fn names(at: &[u8], name: &[u8]) -> Option<bool> {
    let closing = at.get(1) == Some(&b'/');
    let from = if closing { 2 } else { 1 };
    let same = at.len() > from + name.len()
        && &at[from..from + name.len()] == name
        && (is_space(at[from + name.len()]) || matches!(at[from + name.len()], b'>' | b'/'));
    same.then_some(closing)
}

impl<R: Read> EventLimit<R> {
    /// Keep the unread bytes and read more after them until at least `n` are buffered (fewer
    /// only at the end of the input).
    #[cold]
    pub(super) fn top_up(&mut self, n: usize) -> io::Result<()> {
        self.buf.copy_within(self.pos..self.filled, 0);
        self.filled -= self.pos;
        self.pos = 0;
        while self.filled < n {
            match self.inner.read(&mut self.buf[self.filled..]) {
                Ok(0) => break,
                Ok(k) => self.filled += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn pass(&mut self, n: usize) {
        self.pos += n;
        self.skipped += n as u64;
    }

    /// Pass over the content of the element whose start tag quick-xml has just returned (named
    /// `name`), by a byte search instead of events, up to its end tag, which is left for
    /// quick-xml to read and check. Nothing of the content is kept, so nothing of it is decoded
    /// or checked. This stops early, at the `<` of anything the search does not follow (a
    /// comment, CDATA section, processing instruction or nested element of the same name) and
    /// at the end of the input; the caller goes on from there with events.
    pub(crate) fn skip_content(&mut self, name: &[u8]) -> io::Result<()> {
        // A long name is left to the events: looking ahead by nearly a block would move the
        // block at every `<`.
        if name.len() > MAX_NAME {
            return Ok(());
        }
        loop {
            if !self.pass_to_markup()? {
                return Ok(());
            }
            // "</", the name and the byte after it.
            let at = self.ahead(name.len() + 3)?;
            if at.len() < name.len() + 3 || matches!(at[1], b'!' | b'?') || names(at, name).is_some() {
                return Ok(());
            }
            self.pass(1);
        }
    }

    /// The bytes at the read position: at least `n` of them unless the input ends first
    /// (`n` at most a block).
    fn ahead(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.filled - self.pos < n {
            self.top_up(n)?;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    /// Make sure unread bytes are buffered; false at the end of the input.
    fn buffered(&mut self) -> io::Result<bool> {
        if self.pos >= self.filled {
            self.refill()?;
        }
        Ok(self.pos < self.filled)
    }

    /// Pass the bytes before the next `<` (which stays unread); false at the end of the input.
    fn pass_to_markup(&mut self) -> io::Result<bool> {
        loop {
            if !self.buffered()? {
                return Ok(false);
            }
            let avail = &self.buf[self.pos..self.filled];
            match memchr::memchr(b'<', avail) {
                Some(i) => {
                    self.pass(i);
                    return Ok(true);
                }
                None => self.pass(avail.len()),
            }
        }
    }

    /// Pass the bytes through the next occurrence of `end`; false at the end of the input.
    fn past(&mut self, end: &[u8]) -> io::Result<bool> {
        loop {
            let avail = self.ahead(end.len())?;
            if avail.len() < end.len() {
                return Ok(false);
            }
            match memchr::memmem::find(avail, end) {
                Some(i) => {
                    self.pass(i + end.len());
                    return Ok(true);
                }
                // Keep what could be the start of `end` cut by the block's end.
                None => {
                    let n = avail.len() + 1 - end.len();
                    self.pass(n);
                }
            }
        }
    }

    /// Pass a tag from its `<` through its `>` (quoted attribute values may hold `>`): whether
    /// it closes itself (`/>`), or None at the end of the input.
    fn past_tag(&mut self) -> io::Result<Option<bool>> {
        self.pass(1);
        // Inside a quoted value, the quote that ends it; and the last byte passed.
        let (mut quote, mut prev) = (0u8, 0u8);
        loop {
            if !self.buffered()? {
                return Ok(None);
            }
            let avail = &self.buf[self.pos..self.filled];
            let found =
                if quote != 0 { memchr::memchr(quote, avail) } else { memchr::memchr3(b'"', b'\'', b'>', avail) };
            let Some(i) = found else {
                prev = avail[avail.len() - 1];
                let n = avail.len();
                self.pass(n);
                continue;
            };
            let (b, before) = (avail[i], if i > 0 { avail[i - 1] } else { prev });
            if quote != 0 {
                quote = 0;
            } else if b == b'>' {
                self.pass(i + 1);
                return Ok(Some(before == b'/'));
            } else {
                quote = b;
            }
            prev = b;
            self.pass(i + 1);
        }
    }

    /// Pass the content and end tag of the element `name` whose start tag was just passed.
    fn past_element(&mut self, name: &[u8]) -> io::Result<()> {
        let mut depth = 0usize;
        loop {
            if !self.pass_to_markup()? {
                return Err(ends(name));
            }
            let at = self.ahead((name.len() + 3).max(9))?;
            let skip_to: Option<(usize, &'static [u8])> = if at.starts_with(b"<!--") {
                Some((4, b"-->"))
            } else if at.starts_with(b"<![CDATA[") {
                Some((9, b"]]>"))
            } else if at.starts_with(b"<?") {
                Some((2, b"?>"))
            } else if at.starts_with(b"<!") {
                if at.len() < 9 {
                    // Too short for any declaration: the input ends here.
                    return Err(ends(name));
                }
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a declaration inside <{}>", String::from_utf8_lossy(name)),
                ));
            } else {
                None
            };
            if let Some((open, close)) = skip_to {
                self.pass(open);
                if !self.past(close)? {
                    return Err(ends(name));
                }
                continue;
            }
            let same = names(at, name);
            let Some(self_closing) = self.past_tag()? else {
                return Err(ends(name));
            };
            match same {
                Some(true) if depth == 0 => return Ok(()),
                Some(true) => depth -= 1,
                Some(false) if !self_closing => depth += 1,
                _ => {}
            }
        }
    }

    /// Inside an element's content, pass the child elements that `wanted` declines (with all
    /// they hold) and the text around them, stopping at the `<` of the next markup the events
    /// must see: a wanted child, an end tag (the parent's), a comment, CDATA section or
    /// processing instruction, a name too long to look at, or the end of the input.
    pub(crate) fn skip_children(&mut self, wanted: impl Fn(&[u8]) -> bool) -> io::Result<()> {
        loop {
            if !self.pass_to_markup()? {
                return Ok(());
            }
            let at = self.ahead(MAX_NAME + 2)?;
            if at.len() < 2 || matches!(at[1], b'/' | b'!' | b'?') {
                return Ok(());
            }
            let Some(len) = at[1..].iter().position(|&b| is_space(b) || b == b'>' || b == b'/') else {
                return Ok(());
            };
            if len == 0 || len > MAX_NAME || wanted(&at[1..1 + len]) {
                return Ok(());
            }
            let mut name = [0u8; MAX_NAME];
            name[..len].copy_from_slice(&at[1..1 + len]);
            let name = &name[..len];
            match self.past_tag()? {
                None => return Err(ends(name)),
                Some(true) => {}
                Some(false) => self.past_element(name)?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;

    /// A reader handing out `step` bytes per read, so that every boundary case is met.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// What is left unread after skipping the children of a content, and the bytes skipped.
    fn after_skip(content: &str, step: usize) -> io::Result<(String, u64)> {
        let mut r = EventLimit::new(Trickle(content.as_bytes(), step), 1 << 20);
        r.skip_children(|n| n == b"keep")?;
        let skipped = r.skipped;
        let mut rest = Vec::new();
        loop {
            let chunk = r.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            rest.extend_from_slice(chunk);
            let n = chunk.len();
            r.consume(n);
            r.reset();
        }
        Ok((String::from_utf8(rest).unwrap(), skipped))
    }

    #[test]
    fn passes_unwanted_children_and_stops_where_events_are_needed() {
        let cases = [
            ("\n<a>x</a>\n<b k='>'>y &amp; z</b><keep>k</keep>", "<keep>k</keep>"),
            ("<a/><b x=\"/>\"/>\n</ReportItem>", "</ReportItem>"),
            ("<a><a>in</a><a/><!-- </a> --><![CDATA[</a>]]><?p </a>?><c>t</c></a><keep/>", "<keep/>"),
            ("<a>x</a ><!-- c --><keep>", "<!-- c --><keep>"),
            ("<a>x</a><![CDATA[t]]>", "<![CDATA[t]]>"),
            ("<ab>x</ab><keepx>y</keepx><keep>", "<keep>"),
            ("text only", ""),
        ];
        for (content, rest) in cases {
            for step in [1, 2, 3, 7, 1 << 20] {
                let (left, skipped) = after_skip(content, step).unwrap();
                assert_eq!(left, rest, "{content:?} by {step}");
                assert_eq!(skipped as usize, content.len() - rest.len(), "{content:?} by {step}");
            }
        }
    }

    #[test]
    fn a_cut_child_is_an_error_naming_it() {
        for content in ["<fname>x", "<fname>x</fn", "<fname a='>", "<fname><!-- x", "<fname><fname>x</fname>"] {
            let e = after_skip(content, 3).unwrap_err();
            assert!(e.to_string().contains("<fname>"), "{content:?}: {e}");
        }
        let e = after_skip("<fname><![CDA", 4).unwrap_err();
        assert!(e.to_string().contains("ends inside <fname>"), "{e}");
        let e = after_skip("<a><!DOCTYPE x></a>", 5).unwrap_err();
        assert!(e.to_string().contains("declaration inside <a>"), "{e}");
    }

    #[test]
    fn a_long_name_is_left_to_the_events() {
        // Looking ahead by a name of nearly a block would move the block at every `<`.
        let name = "n".repeat(MAX_NAME + 1);
        let content = format!("{}</{name}>", "<x/>".repeat(1000));
        let mut r = EventLimit::new(content.as_bytes(), 1 << 20);
        r.skip_content(name.as_bytes()).unwrap();
        assert_eq!(r.skipped, 0);
        // A short one is followed to its end tag, which is left unread.
        let content = "ab <y a='1'/> cd</x >";
        let mut r = EventLimit::new(content.as_bytes(), 1 << 20);
        r.skip_content(b"x").unwrap();
        assert_eq!(r.skipped as usize, content.len() - "</x >".len());
    }
}
