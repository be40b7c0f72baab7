//! Report formats and detection from content (the first bytes of the file).

/// A report format; names are those of `khien parse scan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Nessus,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Nessus => "nessus",
        }
    }

    /// Every documented format name (only some are implemented yet).
    pub const NAMES: [&'static str; 11] = [
        "openvas-xml",
        "openvas-csv",
        "nessus",
        "nessus-csv",
        "nuclei",
        "trivy",
        "zap-xml",
        "zap-json",
        "sarif",
        "burp",
        "generic-csv",
    ];

    /// The format named `s`: Ok(Some) when implemented, Ok(None) when documented but not yet
    /// implemented, Err when unknown.
    pub fn parse(s: &str) -> Result<Option<Format>, String> {
        match s {
            "nessus" => Ok(Some(Format::Nessus)),
            other if Self::NAMES.contains(&other) => Ok(None),
            other => Err(format!("unknown format {other:?}; known: {}", Self::NAMES.join(", "))),
        }
    }
}

/// Guess the format from the start of a report.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    if text.contains("<NessusClientData_v2") {
        return Some(Format::Nessus);
    }
    None
}
