//! Small helpers over quick-xml's streaming reader: text of an element with entity and
//! character references resolved, and error conversion that names the element.

use crate::ParseError;
use quick_xml::events::Event;
use std::io::{BufRead, Read};

/// A [`BufRead`] that refuses to hand out more than `limit` bytes between two calls of
/// [`EventLimit::reset`] (made before each event): quick-xml keeps a whole event in memory,
/// so this bounds memory for a crafted enormous attribute or text at the cost of a counter.
pub(crate) struct EventLimit<R> {
    inner: R,
    since: usize,
    limit: usize,
}

impl<R> EventLimit<R> {
    pub(crate) fn new(inner: R, limit: usize) -> EventLimit<R> {
        EventLimit { inner, since: 0, limit }
    }

    pub(crate) fn reset(&mut self) {
        self.since = 0;
    }

    fn check(&self) -> std::io::Result<()> {
        if self.since > self.limit {
            return Err(std::io::Error::other(format!(
                "a tag, attribute or text larger than {} MiB; the report is refused",
                self.limit >> 20
            )));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for EventLimit<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.check()?;
        let n = self.inner.read(out)?;
        self.since += n;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for EventLimit<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.check()?;
        let room = self.limit + 1 - self.since;
        let buf = self.inner.fill_buf()?;
        Ok(&buf[..buf.len().min(room)])
    }

    fn consume(&mut self, n: usize) {
        self.since += n;
        self.inner.consume(n);
    }
}

pub(crate) fn err<R>(reader: &quick_xml::Reader<R>, element: &str, e: impl std::fmt::Display) -> ParseError {
    ParseError::Xml { offset: reader.buffer_position(), element: element.to_string(), message: e.to_string() }
}

/// Read the text content of the element just opened (named `name`) up to its end tag,
/// skipping nested markup. At most `max` bytes are kept (the rest is read and dropped).
pub(crate) fn read_text<R: BufRead>(
    reader: &mut quick_xml::Reader<R>,
    buf: &mut Vec<u8>,
    name: &str,
    max: usize,
) -> Result<String, ParseError> {
    let mut out = String::new();
    let mut depth = 0usize;
    let push = |out: &mut String, s: &str| {
        if out.len() < max {
            let room = max - out.len();
            let mut end = s.len().min(room);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            out.push_str(&s[..end]);
        }
    };
    loop {
        buf.clear();
        match reader.read_event_into(buf).map_err(|e| err(reader, name, e))? {
            Event::Text(t) => push(&mut out, &t.xml10_content()),
            Event::CData(t) => push(&mut out, &t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| err(reader, name, e))? {
                    let mut b = [0u8; 4];
                    push(&mut out, c.encode_utf8(&mut b));
                } else {
                    let n: &str = r.as_ref();
                    match quick_xml::escape::resolve_predefined_entity(n) {
                        Some(v) => push(&mut out, v),
                        None => {
                            return Err(err(reader, name, format!("unknown entity &{n}; (entities are not expanded)")));
                        }
                    }
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth > 0 => depth -= 1,
            Event::End(_) => return Ok(out),
            Event::Eof => return Err(err(reader, name, "the file ends inside this element (truncated?)")),
            _ => {}
        }
    }
}

/// Skip the element just opened (named `name`) up to its end tag, keeping nothing.
pub(crate) fn skip<R: BufRead>(
    reader: &mut quick_xml::Reader<R>,
    buf: &mut Vec<u8>,
    name: &str,
) -> Result<(), ParseError> {
    let mut depth = 0usize;
    loop {
        buf.clear();
        match reader.read_event_into(buf).map_err(|e| err(reader, name, e))? {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth > 0 => depth -= 1,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(err(reader, name, "the file ends inside this element (truncated?)")),
            _ => {}
        }
    }
}
