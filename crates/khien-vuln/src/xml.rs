//! Small helpers over quick-xml's streaming reader: text of an element with entity and
//! character references resolved, and error conversion that names the element.

use crate::ParseError;
use quick_xml::events::Event;
use std::io::BufRead;

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
