//! Report formats and detection from content (the first bytes of the file), never from the
//! file name: users rename exports freely.

/// A report format; names are those of `khien parse scan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    OpenvasXml,
    OpenvasCsv,
    Nessus,
    NessusCsv,
    Nuclei,
    Trivy,
    ZapXml,
    ZapJson,
    Sarif,
    Burp,
    GenericCsv,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::OpenvasXml,
        Format::OpenvasCsv,
        Format::Nessus,
        Format::NessusCsv,
        Format::Nuclei,
        Format::Trivy,
        Format::ZapXml,
        Format::ZapJson,
        Format::Sarif,
        Format::Burp,
        Format::GenericCsv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::OpenvasXml => "openvas-xml",
            Format::OpenvasCsv => "openvas-csv",
            Format::Nessus => "nessus",
            Format::NessusCsv => "nessus-csv",
            Format::Nuclei => "nuclei",
            Format::Trivy => "trivy",
            Format::ZapXml => "zap-xml",
            Format::ZapJson => "zap-json",
            Format::Sarif => "sarif",
            Format::Burp => "burp",
            Format::GenericCsv => "generic-csv",
        }
    }

    /// Every format name, for help texts and errors.
    pub fn names() -> String {
        Self::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
    }

    /// The format named `s`.
    pub fn parse(s: &str) -> Result<Format, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| format!("unknown format {s:?}; known: {}", Self::names()))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the start of a file says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// Nothing but whitespace: an empty report.
    Empty,
    /// A ZIP container (an XLSX workbook): the generic spreadsheet format.
    Xlsx,
    Format(Format),
    Unknown,
}

/// Whether `text` has a start tag of element `name` (`<name>`, `<name ...`, `<name/>`), not
/// merely a tag whose name starts the same.
fn has_element(text: &str, name: &str) -> bool {
    let open = format!("<{name}");
    text.match_indices(&open)
        .any(|(i, _)| matches!(text.as_bytes().get(i + open.len()), Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')))
}

/// Guess the format from the start of a report (64 KiB is plenty).
pub fn detect(head: &[u8]) -> Detected {
    let head = &head[..head.len().min(64 * 1024)];
    if head.starts_with(b"PK\x03\x04") {
        return Detected::Xlsx;
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start();
    if t.is_empty() {
        return Detected::Empty;
    }
    if t.starts_with('<') {
        let xml = [
            ("<NessusClientData_v2", Format::Nessus),
            ("<OWASPZAPReport", Format::ZapXml),
            ("<issues burpVersion", Format::Burp),
            ("<!DOCTYPE issues", Format::Burp),
        ];
        for (needle, f) in xml {
            if t.contains(needle) {
                return Detected::Format(f);
            }
        }
        if has_element(t, "issues") {
            return Detected::Format(Format::Burp);
        }
        if (has_element(t, "report") && (t.contains("<nvt") || t.contains("<results") || t.contains("format_id=")))
            || has_element(t, "get_reports_response")
            || has_element(t, "get_results_response")
        {
            return Detected::Format(Format::OpenvasXml);
        }
        return Detected::Unknown;
    }
    if t.starts_with('{') || t.starts_with('[') || t.starts_with("null") {
        if t.contains("\"runs\"")
            && (t.contains("sarif")
                || t.contains("\"2.1.0\"")
                || t.contains("\"driver\"")
                || (t.contains("\"results\"") && t.contains("\"ruleId\"")))
        {
            return Detected::Format(Format::Sarif);
        }
        if t.contains("\"SchemaVersion\"")
            || t.contains("\"ClusterName\"")
            || t.contains("\"ArtifactName\"")
            || t.starts_with("null")
            || (t.contains("\"Target\"") && t.contains("\"Vulnerabilities\""))
        {
            return Detected::Format(Format::Trivy);
        }
        if t.contains("\"@programName\"") || (t.contains("\"site\"") && t.contains("\"alerts\"")) {
            return Detected::Format(Format::ZapJson);
        }
        if t.contains("\"template-id\"") || t.contains("\"templateID\"") || t.contains("\"matched-at\"") {
            return Detected::Format(Format::Nuclei);
        }
        return Detected::Unknown;
    }
    // A CSV export: decide from the header line.
    let header = t.lines().next().unwrap_or("").to_ascii_lowercase();
    let has = |c: &str| header.contains(c);
    if has("nvt oid") || has("nvt name") {
        return Detected::Format(Format::OpenvasCsv);
    }
    if (has("plugin id") || has("\"plugin\"") || header.starts_with("plugin,")) && (has("risk") || has("severity")) {
        return Detected::Format(Format::NessusCsv);
    }
    if has("title") && (has("severity") || has("description")) {
        return Detected::Format(Format::GenericCsv);
    }
    // The generic format's Vietnamese headers ("Tiêu đề", "Mức độ", "Mô tả"), with or without
    // diacritics.
    let folded = crate::tabular::fold(&header);
    if folded.contains("tieu de") && (folded.contains("muc do") || folded.contains("mo ta")) {
        return Detected::Format(Format::GenericCsv);
    }
    Detected::Unknown
}
