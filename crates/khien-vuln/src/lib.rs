//! Scanner-report parsers. Each format module turns a report into normalised [`Finding`]s,
//! streaming, so memory stays bounded whatever the file's size; nothing here knows about the
//! database or HTTP, so parsers can be tested, benchmarked and fuzzed alone and used by
//! `khien parse scan` without a server.
//!
//! Every parser has the shape `parse(reader, emit) -> Result<count, ParseError>`: it calls
//! `emit` once per finding as the scanner reported it (before deduplication). [`parse_file`]
//! detects the format from content and dispatches.

pub mod burp;
pub mod detect;
pub mod finding;
pub mod generic;
pub mod intel;
pub mod nessus;
pub mod nessus_csv;
pub mod nuclei;
pub mod openvas;
pub mod sarif;
pub mod trivy;
pub mod zap;

mod jsonstream;
mod tabular;
mod xml;
mod xmlutil;

pub use detect::{Detected, Format, detect};
pub use finding::{Finding, Severity};

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Why a report could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The XML is malformed or truncated; names the element being read and the byte offset.
    #[error("malformed XML at byte {offset} (in <{element}>): {message}")]
    Xml { offset: u64, element: String, message: String },
    /// The JSON is malformed or truncated; names the line and column and what was being read.
    #[error("malformed JSON at line {line}, column {column} (in {context}): {message}")]
    Json { line: usize, column: usize, context: String, message: String },
    /// A CSV row (1-based line of the file) is malformed.
    #[error("malformed CSV at line {line}: {message}")]
    Csv { line: u64, message: String },
    /// The content is not the format asked for.
    #[error("not a {format} report: {message}")]
    WrongFormat { format: &'static str, message: String },
    /// The format is not implemented.
    #[error("format {0} is not supported")]
    Unsupported(String),
    /// The file's format could not be told from its content.
    #[error("cannot tell the report's format from its content; name it (one of: {})", Format::names())]
    Undetected,
    #[error("cannot read the report: {0}")]
    Io(#[from] std::io::Error),
}

/// Parse a report of a known format from a stream. XLSX workbooks need [`parse_file`].
pub fn parse_reader<R: BufRead>(format: Format, input: R, emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    match format {
        Format::OpenvasXml => openvas::parse_xml(input, emit),
        Format::OpenvasCsv => openvas::parse_csv(input, emit),
        Format::Nessus => nessus::parse(input, emit),
        Format::NessusCsv => nessus_csv::parse(input, emit),
        Format::Nuclei => nuclei::parse(input, emit),
        Format::Trivy => trivy::parse(input, emit),
        Format::ZapXml => zap::parse_xml(input, emit),
        Format::ZapJson => zap::parse_json(input, emit),
        Format::Sarif => sarif::parse(input, emit),
        Format::Burp => burp::parse(input, emit),
        Format::GenericCsv => generic::parse_csv(input, emit),
    }
}

/// What [`parse_file`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// The format used; `None` for an empty file (a success with no findings).
    pub format: Option<Format>,
    pub findings: usize,
}

/// The format of the report at `path`: `format` when given, else detected from content.
/// `Ok(None)` for an empty file.
pub fn detect_file(path: &Path, format: Option<Format>) -> Result<Option<Format>, ParseError> {
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    match (format, detect(&head)) {
        (_, Detected::Empty) => Ok(None),
        (Some(f), _) => Ok(Some(f)),
        (None, Detected::Format(f)) => Ok(Some(f)),
        (None, Detected::Xlsx) => Ok(Some(Format::GenericCsv)),
        (None, Detected::Unknown) => Err(ParseError::Undetected),
    }
}

/// Parse the report at `path`, detecting its format unless `format` is given.
pub fn parse_file(path: &Path, format: Option<Format>, emit: &mut dyn FnMut(Finding)) -> Result<Parsed, ParseError> {
    parse_file_tapped(path, format, &mut |_| Ok(()), emit)
}

/// [`parse_file`], showing every chunk of bytes read to `tap` (to hash the file or show
/// progress in the same pass). An error from `tap` stops the parse with that error.
pub fn parse_file_tapped(
    path: &Path,
    format: Option<Format>,
    tap: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    emit: &mut dyn FnMut(Finding),
) -> Result<Parsed, ParseError> {
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    let detected = detect(&head);
    if detected == Detected::Xlsx && matches!(format, None | Some(Format::GenericCsv)) {
        let mut f = std::fs::File::open(path)?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            tap(&buf[..n])?;
        }
        let n = generic::parse_xlsx(path, emit)?;
        return Ok(Parsed { format: Some(Format::GenericCsv), findings: n });
    }
    let format = match (format, detected) {
        (_, Detected::Empty) => {
            tap(&head)?;
            return Ok(Parsed { format, findings: 0 });
        }
        (Some(f), _) => f,
        (None, Detected::Format(f)) => f,
        (None, _) => return Err(ParseError::Undetected),
    };
    let reader = BufReader::with_capacity(256 * 1024, Tap { inner: std::fs::File::open(path)?, tap });
    let n = parse_reader(format, reader, emit)?;
    Ok(Parsed { format: Some(format), findings: n })
}

struct Tap<'a, R> {
    inner: R,
    tap: &'a mut dyn FnMut(&[u8]) -> std::io::Result<()>,
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.tap)(&buf[..n])?;
        Ok(n)
    }
}
