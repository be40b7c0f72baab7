//! Scanner-report parsers. Each format module turns a report into normalised [`Finding`]s,
//! streaming, so memory stays bounded whatever the file's size; nothing here knows about the
//! database or HTTP, so parsers can be tested, benchmarked and fuzzed alone and used by
//! `khien parse scan` without a server.
//!
//! This first increment has the finding type, format detection and the Nessus v2 parser; the
//! other formats of issue 4 follow.

pub mod detect;
pub mod finding;
pub mod nessus;
mod xml;

pub use detect::{Format, detect};
pub use finding::{Finding, Severity};

/// Why a report could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The XML is malformed or truncated; names the element being read and the byte offset.
    #[error("malformed XML at byte {offset} (in <{element}>): {message}")]
    Xml { offset: u64, element: String, message: String },
    /// The content is not the format asked for.
    #[error("not a {format} report: {message}")]
    WrongFormat { format: &'static str, message: String },
    /// The format is not implemented yet.
    #[error("format {0} is not supported yet")]
    Unsupported(String),
    #[error("cannot read the report: {0}")]
    Io(#[from] std::io::Error),
}
