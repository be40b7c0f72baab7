//! Reading events: EVTX files (the `evtx` crate), JSON and JSON Lines (EVTX-JSON,
//! Winlogbeat/ECS, NXLog), gzip-compressed variants, and folders of them (recursive; files
//! are recognised by extension or by their first bytes).
//!
//! A damaged file never stops a hunt: each bad record or file is reported through the
//! `problem` callback and reading goes on with the next.

use crate::event::{self, Event};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Largest decompressed size read from one gzip file.
pub const MAX_GZIP_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Longest JSON Lines line accepted.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// The kind of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Evtx,
    Json,
    JsonLines,
}

/// An input file and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    pub kind: Kind,
    pub gzip: bool,
}

const EVTX_MAGIC: &[u8] = b"ElfFile\0";

/// Classifies a file by its name and its first bytes; `None` when it is not an event file.
pub fn classify(path: &Path) -> std::io::Result<Option<Input>> {
    let mut head = [0u8; 64];
    let n = {
        let mut f = std::fs::File::open(path)?;
        read_up_to(&mut f, &mut head)?
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
    let gzip = n >= 2 && head[..2] == [0x1f, 0x8b];
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let by_ext = if stem.ends_with(".evtx") {
        Some(Kind::Evtx)
    } else if stem.ends_with(".jsonl") || stem.ends_with(".ndjson") {
        Some(Kind::JsonLines)
    } else if stem.ends_with(".json") {
        Some(Kind::Json)
    } else {
        None
    };
    let kind = if gzip {
        // Look inside for the magic when the name does not say.
        match by_ext {
            Some(k) => Some(k),
            None => {
                let mut dec = flate2::read::MultiGzDecoder::new(std::fs::File::open(path)?);
                let mut inner = [0u8; 64];
                let m = read_up_to(&mut dec, &mut inner).unwrap_or(0);
                sniff(&inner[..m])
            }
        }
    } else {
        by_ext.or_else(|| sniff(&head[..n]))
    };
    Ok(kind.map(|kind| Input { path: path.to_path_buf(), kind, gzip }))
}

fn sniff(head: &[u8]) -> Option<Kind> {
    if head.starts_with(EVTX_MAGIC) {
        return Some(Kind::Evtx);
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace())?;
    (*first == b'{' || *first == b'[').then_some(Kind::Json)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Event files under `paths`. Files given by name are read whatever they look like
/// (an unknown kind is a problem); folders are searched recursively for event files.
pub fn discover(paths: &[PathBuf], problem: &mut dyn FnMut(String)) -> Vec<Input> {
    let mut out = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => problem(format!("{}: {e}", p.display())),
            Ok(m) if m.is_dir() => walk(p, &mut out, problem),
            Ok(_) => match classify(p) {
                Ok(Some(i)) => out.push(i),
                Ok(None) => problem(format!("{}: not an EVTX or JSON event file", p.display())),
                Err(e) => problem(format!("{}: {e}", p.display())),
            },
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup();
    out
}

fn walk(dir: &Path, out: &mut Vec<Input>, problem: &mut dyn FnMut(String)) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return problem(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(ft) if ft.is_dir() => walk(&path, out, problem),
            Ok(ft) if ft.is_file() => match classify(&path) {
                Ok(Some(i)) => out.push(i),
                Ok(None) => {}
                Err(e) => problem(format!("{}: {e}", path.display())),
            },
            _ => {}
        }
    }
}

/// Reads every event of `input`, calling `on_event` for each; returns the number of events.
pub fn read(input: &Input, on_event: &mut dyn FnMut(Event), problem: &mut dyn FnMut(String)) -> u64 {
    let name = input.path.display().to_string();
    let opened = std::fs::File::open(&input.path);
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            problem(format!("{name}: {e}"));
            return 0;
        }
    };
    let reader: Box<dyn Read> = if input.gzip {
        Box::new(flate2::read::MultiGzDecoder::new(file).take(MAX_GZIP_BYTES))
    } else {
        Box::new(file)
    };
    match input.kind {
        Kind::Evtx => read_evtx(&name, reader, input.gzip, on_event, problem),
        Kind::Json => read_json(&name, reader, on_event, problem),
        Kind::JsonLines => read_jsonl(&name, reader, on_event, problem),
    }
}

thread_local! {
    /// The bytes of the EVTX file being read, reused from file to file: fresh multi-megabyte
    /// buffers cost more in page faults than the parse itself.
    static EVTX_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn read_evtx(
    name: &str,
    mut reader: Box<dyn Read>,
    gzip: bool,
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> u64 {
    EVTX_BUF.with_borrow_mut(|bytes| {
        bytes.clear();
        if let Err(e) = reader.read_to_end(bytes) {
            problem(format!("{name}: {e}"));
            return 0;
        }
        if gzip && bytes.len() as u64 >= MAX_GZIP_BYTES {
            problem(format!(
                "{name}: decompressed size over the limit; read the first {} MB only",
                MAX_GZIP_BYTES >> 20
            ));
        }
        let count = read_evtx_bytes(name, bytes, on_event, problem);
        if bytes.capacity() > 64 << 20 {
            // Do not keep a huge buffer for the rest of the hunt.
            *bytes = Vec::new();
        }
        count
    })
}

/// Size of an EVTX file header and of one chunk.
pub const EVTX_HEADER_BYTES: u64 = 4096;
pub const EVTX_CHUNK_BYTES: u64 = 65536;

/// Reads chunks `first .. first + count` of an uncompressed EVTX file, so that several
/// threads can share one large file (chunks are independent: each carries its own string
/// and template tables).
pub fn read_evtx_chunks(
    input: &Input,
    first: u64,
    count: u64,
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> u64 {
    use std::io::{Seek, SeekFrom};
    let name = input.path.display().to_string();
    let mut file = match std::fs::File::open(&input.path) {
        Ok(f) => f,
        Err(e) => {
            problem(format!("{name}: {e}"));
            return 0;
        }
    };
    let settings = std::sync::Arc::new(evtx::ParserSettings::default());
    let mut events = 0;
    for n in first..first + count {
        let mut data = vec![0u8; EVTX_CHUNK_BYTES as usize];
        let read = file
            .seek(SeekFrom::Start(EVTX_HEADER_BYTES + n * EVTX_CHUNK_BYTES))
            .and_then(|_| read_up_to(&mut file, &mut data));
        match read {
            Ok(0) => break,
            Ok(k) if (k as u64) < EVTX_CHUNK_BYTES => {
                problem(format!("{name}: chunk {n} is truncated ({k} bytes); skipped"));
                break;
            }
            Ok(_) => {}
            Err(e) => {
                problem(format!("{name}: chunk {n}: {e}"));
                break;
            }
        }
        if data[..8].iter().all(|b| *b == 0) {
            continue; // an unused chunk
        }
        let mut chunk = match evtx::EvtxChunkData::new(data, false) {
            Ok(c) => c,
            Err(e) => {
                problem(format!("{name}: chunk {n}: {}", one_line(&e.to_string())));
                continue;
            }
        };
        let mut parsed = match chunk.parse(settings.clone()) {
            Ok(p) => p,
            Err(e) => {
                problem(format!("{name}: chunk {n}: {}", one_line(&e.to_string())));
                continue;
            }
        };
        let place = format!("{name}: chunk {n}");
        for rec in parsed.iter() {
            events += u64::from(emit(&place, rec.and_then(|r| r.into_json()), on_event, problem));
        }
    }
    events
}

/// Passes one rendered record on as an event, or reports why it cannot; true when passed on.
fn emit(
    place: &str,
    rec: evtx::err::Result<evtx::SerializedEvtxRecord<String>>,
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> bool {
    match rec.map_err(|e| one_line(&e.to_string())).and_then(evtx_event) {
        Ok(ev) => {
            on_event(ev);
            true
        }
        Err(e) => {
            problem(format!("{place}: {e}"));
            false
        }
    }
}

fn evtx_event(r: evtx::SerializedEvtxRecord<String>) -> Result<Event, String> {
    let mut ev = crate::evtx_json::flatten(&r.data)
        .map_err(|e| format!("record {}: unreadable rendering ({e})", r.event_record_id))?;
    // The event's own EventRecordID is what Event Viewer and other tools show; the record
    // header's id is the fallback.
    ev.record_id = ev.record_id.or(Some(r.event_record_id));
    if ev.time_text.is_empty() {
        ev.time_text = r.timestamp.to_string();
    }
    if ev.time_us.is_none() {
        ev.time_us = Some(r.timestamp.as_microsecond());
    }
    Ok(ev)
}

/// Reads the events of an EVTX file held in memory.
pub fn read_evtx_bytes(
    name: &str,
    bytes: &[u8],
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> u64 {
    let mut parser = match evtx::EvtxParser::from_read_seek(std::io::Cursor::new(bytes)) {
        Ok(p) => p.with_configuration(evtx::ParserSettings::default()),
        Err(e) => {
            problem(format!("{name}: not a readable EVTX file: {e}"));
            return 0;
        }
    };
    let mut count = 0;
    for rec in parser.records_json() {
        count += u64::from(emit(name, rec, on_event, problem));
    }
    count
}

/// Reads a JSON file held in memory.
pub fn read_json_bytes(
    name: &str,
    data: &[u8],
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> u64 {
    read_json(name, Box::new(std::io::Cursor::new(data.to_vec())), on_event, problem)
}

/// Reads a JSON Lines file held in memory.
pub fn read_jsonl_bytes(
    name: &str,
    data: &[u8],
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> u64 {
    read_jsonl(name, Box::new(std::io::Cursor::new(data.to_vec())), on_event, problem)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read_json(
    name: &str,
    reader: Box<dyn Read>,
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> u64 {
    let stream = serde_json::Deserializer::from_reader(BufReader::new(reader)).into_iter::<serde_json::Value>();
    let mut count = 0;
    let mut n = 0u64;
    for doc in stream {
        n += 1;
        match doc {
            Ok(serde_json::Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match event::from_json(item) {
                        Ok((ev, _)) => {
                            count += 1;
                            on_event(ev);
                        }
                        Err(e) => problem(format!("{name}: document {n}, item {}: {}", i + 1, e.0)),
                    }
                }
            }
            Ok(doc) => match event::from_json(&doc) {
                Ok((ev, _)) => {
                    count += 1;
                    on_event(ev);
                }
                Err(e) => problem(format!("{name}: document {n}: {}", e.0)),
            },
            Err(e) => {
                problem(format!(
                    "{name}: line {} column {}: invalid JSON ({}); the rest of the file is skipped",
                    e.line(),
                    e.column(),
                    e
                ));
                break;
            }
        }
    }
    count
}

fn read_jsonl(
    name: &str,
    reader: Box<dyn Read>,
    on_event: &mut dyn FnMut(Event),
    problem: &mut dyn FnMut(String),
) -> u64 {
    let mut r = BufReader::new(reader);
    let mut count = 0;
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        line_no += 1;
        let read = (&mut r).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buf);
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                problem(format!("{name}: line {line_no}: {e}"));
                break;
            }
        }
        if buf.len() > MAX_LINE_BYTES {
            problem(format!(
                "{name}: line {line_no}: longer than {} MB; the rest of the file is skipped",
                MAX_LINE_BYTES >> 20
            ));
            break;
        }
        if buf.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match serde_json::from_slice::<serde_json::Value>(&buf) {
            Ok(doc) => match event::from_json(&doc) {
                Ok((ev, _)) => {
                    count += 1;
                    on_event(ev);
                }
                Err(e) => problem(format!("{name}: line {line_no}: {}", e.0)),
            },
            Err(e) => problem(format!("{name}: line {line_no}: invalid JSON ({e})")),
        }
    }
    count
}
