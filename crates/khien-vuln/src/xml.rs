//! Small helpers over quick-xml's streaming reader: text of an element with entity and
//! character references resolved, and error conversion that names the element.

use crate::ParseError;
use quick_xml::events::Event;
use std::io::{BufRead, Read};

mod skip;

/// A [`BufRead`] that refuses to hand out more than `limit` bytes between two calls of
/// [`EventLimit::reset`] (made before each event): quick-xml keeps a whole event in memory,
/// so this bounds memory for a crafted enormous attribute or text at the cost of a counter.
/// It keeps its own buffer (reading from `inner` in large blocks) so that the calls quick-xml
/// makes several times per event inline to a few instructions.
pub(crate) struct EventLimit<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    since: usize,
    limit: usize,
    /// Bytes passed over by [`EventLimit::skip_content`] and [`EventLimit::skip_children`],
    /// which quick-xml's positions miss.
    skipped: u64,
}

/// The block read from the input at a time.
const BLOCK: usize = 256 * 1024;

impl<R> EventLimit<R> {
    pub(crate) fn new(inner: R, limit: usize) -> EventLimit<R> {
        EventLimit { inner, buf: vec![0; BLOCK].into_boxed_slice(), pos: 0, filled: 0, since: 0, limit, skipped: 0 }
    }

    pub(crate) fn reset(&mut self) {
        self.since = 0;
    }

    #[cold]
    fn too_large(&self) -> std::io::Error {
        std::io::Error::other(format!(
            "a tag, attribute or text larger than {} MiB; the report is refused",
            self.limit >> 20
        ))
    }
}

impl<R: Read> EventLimit<R> {
    #[cold]
    fn refill(&mut self) -> std::io::Result<()> {
        self.pos = 0;
        self.filled = 0;
        self.filled = loop {
            match self.inner.read(&mut self.buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        Ok(())
    }
}

impl<R: Read> Read for EventLimit<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(out.len());
            out[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for EventLimit<R> {
    #[inline]
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.since > self.limit {
            return Err(self.too_large());
        }
        if self.pos >= self.filled {
            self.refill()?;
        }
        let room = self.limit + 1 - self.since;
        Ok(&self.buf[self.pos..self.filled.min(self.pos + room)])
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.since += n;
        self.pos += n;
    }
}

/// A parse error at the reader's position in the file, naming `element`.
pub(crate) fn err<R>(
    reader: &quick_xml::Reader<EventLimit<R>>,
    element: &str,
    e: impl std::fmt::Display,
) -> ParseError {
    let offset = reader.buffer_position() + reader.get_ref().skipped;
    ParseError::Xml { offset, element: element.to_string(), message: e.to_string() }
}

/// Read the text content of the element just opened (named `name`) up to its end tag into
/// `out` (cleared first: a reused buffer, so that a text costs no reallocation as it grows),
/// skipping nested markup. At most `max` bytes are kept (the rest is read and dropped).
pub(crate) fn read_text<R: Read>(
    reader: &mut quick_xml::Reader<EventLimit<R>>,
    buf: &mut Vec<u8>,
    out: &mut String,
    name: &str,
    max: usize,
) -> Result<(), ParseError> {
    out.clear();
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
            Event::Text(t) => push(out, &t.xml10_content()),
            Event::CData(t) => push(out, &t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| err(reader, name, e))? {
                    let mut b = [0u8; 4];
                    push(out, c.encode_utf8(&mut b));
                } else {
                    let n: &str = r.as_ref();
                    match quick_xml::escape::resolve_predefined_entity(n) {
                        Some(v) => push(out, v),
                        None => {
                            return Err(err(reader, name, format!("unknown entity &{n}; (entities are not expanded)")));
                        }
                    }
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth > 0 => depth -= 1,
            Event::End(_) => return Ok(()),
            Event::Eof => return Err(err(reader, name, "the file ends inside this element (truncated?)")),
            _ => {}
        }
    }
}

/// Skip the element just opened (named `name`) up to its end tag, keeping nothing: its
/// content by a byte search where it can ([`EventLimit::skip_content`]), the rest by events.
pub(crate) fn skip<R: Read>(
    reader: &mut quick_xml::Reader<EventLimit<R>>,
    buf: &mut Vec<u8>,
    name: &str,
) -> Result<(), ParseError> {
    reader.get_mut().skip_content(name.as_bytes()).map_err(|e| err(reader, name, e))?;
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
