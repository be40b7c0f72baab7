//! Reading tabular reports (CSV exports and XLSX workbooks) row by row for the CSV-shaped
//! parsers (OpenVAS CSV, Nessus/Tenable CSV, the generic spreadsheet format), plus the value
//! helpers they share (header names, lists, numbers, dates).
//!
//! CSV is streamed with `csv-core`, the engine of the `csv` crate, driven field by field so
//! that memory stays bounded whatever the file: every field is capped at [`MAX_FIELD`] bytes,
//! a row at [`MAX_ROW`] bytes and [`MAX_COLUMNS`] columns (the rest is read and dropped). A
//! UTF-8 byte-order mark is stripped; the delimiter is sniffed from the header line among
//! `,` `;` and tab (Vietnamese Excel exports use `;`); rows whose fields are all empty are
//! skipped; invalid UTF-8 and a file ending inside a quoted field are errors naming the
//! 1-based line of the file where the row starts. Rows may be ragged ("flexible") unless the
//! caller asks for the header's width ([`CsvTable::strict`]), which catches truncated rows.
//!
//! XLSX workbooks are read with calamine: the first worksheet's cells are streamed in row
//! order, but calamine keeps the workbook's shared-string table in memory, so a workbook is
//! bounded by its file size: files over [`MAX_XLSX`] bytes are refused.

use crate::ParseError;
use std::io::{BufRead, Chain, Cursor, Read};
use std::path::Path;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Largest text kept from one field (the rest is dropped).
pub(crate) const MAX_FIELD: usize = 1 << 20;
/// Largest text kept from one row, all fields together.
pub(crate) const MAX_ROW: usize = 8 << 20;
/// Most columns kept from one row.
pub(crate) const MAX_COLUMNS: usize = 1024;
/// Largest XLSX workbook accepted (bytes on disk).
pub(crate) const MAX_XLSX: u64 = 50 * 1024 * 1024;

/// Lowercase `s`, drop diacritics (Vietnamese included: "Mức độ" → "muc do") and collapse
/// runs of whitespace into one space, trimmed.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = if c == 'đ' || c == 'Đ' { 'd' } else { c };
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A header name as matched against aliases: folded, with underscores as spaces
/// (" Url" → "url", "epss_score" → "epss score", "Tiêu đề" → "tieu de").
pub(crate) fn normalise_header(s: &str) -> String {
    fold(&s.replace('_', " "))
}

/// The header row, names normalised.
#[derive(Debug, Clone, Default)]
pub(crate) struct Header {
    pub names: Vec<String>,
}

impl Header {
    pub fn new<S: AsRef<str>>(raw: &[S]) -> Header {
        Header { names: raw.iter().map(|s| normalise_header(s.as_ref())).collect() }
    }

    /// The first of `aliases` (normalised names, in order of preference) that is a column.
    pub fn col(&self, aliases: &[&str]) -> Option<usize> {
        aliases.iter().find_map(|a| self.names.iter().position(|n| n == a))
    }

    /// The first column whose name contains every one of `words`.
    pub fn col_containing(&self, words: &[&str]) -> Option<usize> {
        self.names.iter().position(|n| words.iter().all(|w| n.contains(w)))
    }
}

/// One data row; `line` is the 1-based line of the file (CSV) or row of the sheet (XLSX)
/// where it starts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

impl Row {
    /// The trimmed field at `col`, or "" when the column is absent or the row is short.
    pub fn get(&self, col: Option<usize>) -> &str {
        col.and_then(|i| self.fields.get(i)).map(|s| s.trim()).unwrap_or("")
    }

    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

fn csv_err(line: u64, message: impl Into<String>) -> ParseError {
    ParseError::Csv { line, message: message.into() }
}

/// Where the CSV reader is, tracked independently of `csv-core` over the same bytes: the
/// line numbers of rows and whether the input ended inside a quoted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pos {
    RecordStart,
    FieldStart,
    Unquoted,
    Quoted,
    AfterQuote,
}

struct Tracker {
    delim: u8,
    state: Pos,
    line: u64,
    record_line: u64,
}

impl Tracker {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.state == Pos::RecordStart {
                match b {
                    b'\n' => {
                        self.line += 1;
                        continue;
                    }
                    b'\r' => continue,
                    _ => {
                        self.record_line = self.line;
                        self.state = Pos::FieldStart;
                    }
                }
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.state = match (self.state, b) {
                (Pos::Quoted, b'"') => Pos::AfterQuote,
                (Pos::Quoted, _) => Pos::Quoted,
                (Pos::AfterQuote, b'"') => Pos::Quoted,
                (Pos::FieldStart, b'"') => Pos::Quoted,
                (_, b'\n' | b'\r') => Pos::RecordStart,
                (_, d) if d == self.delim => Pos::FieldStart,
                _ => Pos::Unquoted,
            };
        }
    }
}

/// Count `delim` in `line` outside double quotes.
fn count_outside_quotes(line: &[u8], delim: u8) -> usize {
    let mut quoted = false;
    line.iter()
        .filter(|&&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            !quoted && b == delim
        })
        .count()
}

/// A CSV file being read row by row.
pub(crate) struct CsvTable<R: BufRead> {
    src: Chain<Cursor<Vec<u8>>, R>,
    csv: csv_core::Reader,
    track: Tracker,
    scratch: Vec<u8>,
    strict: bool,
    done: bool,
    pub header: Header,
}

impl<R: BufRead> CsvTable<R> {
    /// Start reading: sniff the delimiter and read the header (the first non-blank row).
    /// `None` for an empty file (nothing but whitespace).
    pub fn open(mut input: R) -> Result<Option<CsvTable<R>>, ParseError> {
        // The first non-blank line (at most 64 KiB) decides the delimiter.
        let mut prefix = Vec::new();
        loop {
            let start = prefix.len();
            let n = (&mut input).take(64 * 1024 - start as u64).read_until(b'\n', &mut prefix)?;
            let line = &prefix[start..];
            let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            if n == 0 || prefix.len() >= 64 * 1024 || !line.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        let body = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&prefix);
        let first = body.split(|b| *b == b'\n').find(|l| !l.iter().all(u8::is_ascii_whitespace)).unwrap_or(&[]);
        let delim = [b',', b';', b'\t']
            .into_iter()
            .max_by_key(|d| (count_outside_quotes(first, *d), *d == b','))
            .unwrap_or(b',');
        if prefix.starts_with(b"\xEF\xBB\xBF") {
            prefix.drain(..3);
        }
        let mut t = CsvTable {
            src: Cursor::new(prefix).chain(input),
            csv: csv_core::ReaderBuilder::new().delimiter(delim).build(),
            track: Tracker { delim, state: Pos::RecordStart, line: 1, record_line: 1 },
            scratch: vec![0; 64 * 1024],
            strict: false,
            done: false,
            header: Header::default(),
        };
        let Some(h) = t.next_row()? else { return Ok(None) };
        t.header = Header::new(&h.fields);
        Ok(Some(t))
    }

    /// Require every non-blank data row to have as many fields as the header (scanner
    /// exports always do; a short row means a truncated or broken file).
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// The next non-blank row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row>, ParseError> {
        loop {
            let Some(row) = self.read_record()? else { return Ok(None) };
            if row.is_blank() {
                continue;
            }
            let width = self.header.names.len();
            if self.strict && width > 0 && row.fields.len() != width.min(MAX_COLUMNS) {
                return Err(csv_err(
                    row.line,
                    format!(
                        "the row has {} fields but the header has {width} (truncated or malformed row?)",
                        row.fields.len()
                    ),
                ));
            }
            return Ok(Some(row));
        }
    }

    fn read_record(&mut self) -> Result<Option<Row>, ParseError> {
        if self.done {
            return Ok(None);
        }
        let mut raw: Vec<(Vec<u8>, bool)> = Vec::new();
        let mut field: Vec<u8> = Vec::new();
        let mut cut = false;
        let mut row_bytes = 0usize;
        loop {
            let input = self.src.fill_buf()?;
            let eof = input.is_empty();
            if eof && self.track.state == Pos::Quoted {
                return Err(csv_err(self.track.record_line, "the file ends inside a quoted field (truncated?)"));
            }
            let (res, nin, nout) = self.csv.read_field(input, &mut self.scratch);
            self.track.feed(&input[..nin]);
            self.src.consume(nin);
            let room = MAX_FIELD.saturating_sub(field.len()).min(MAX_ROW.saturating_sub(row_bytes));
            let keep = nout.min(room);
            field.extend_from_slice(&self.scratch[..keep]);
            row_bytes += keep;
            cut |= keep < nout;
            match res {
                csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {}
                csv_core::ReadFieldResult::Field { record_end } => {
                    if raw.len() < MAX_COLUMNS {
                        raw.push((std::mem::take(&mut field), cut));
                    } else {
                        field.clear();
                    }
                    cut = false;
                    if record_end {
                        break;
                    }
                }
                csv_core::ReadFieldResult::End => {
                    self.done = true;
                    if raw.is_empty() {
                        return Ok(None);
                    }
                    break;
                }
            }
        }
        let line = self.track.record_line;
        let mut fields = Vec::with_capacity(raw.len());
        for (i, (bytes, cut)) in raw.into_iter().enumerate() {
            fields.push(utf8(bytes, cut).map_err(|_| {
                csv_err(line, format!("field {} is not valid UTF-8 text (save the file as UTF-8 CSV)", i + 1))
            })?);
        }
        Ok(Some(Row { line, fields }))
    }
}

/// Bytes to text; a field cut at the size cap may end inside a character, which is dropped.
fn utf8(mut bytes: Vec<u8>, cut: bool) -> Result<String, ()> {
    match std::str::from_utf8(&bytes) {
        Ok(_) => {}
        Err(e) if cut && e.error_len().is_none() => bytes.truncate(e.valid_up_to()),
        Err(_) => return Err(()),
    }
    String::from_utf8(bytes).map_err(|_| ())
}

/// Keep at most `max` bytes of `s`, cut at a character boundary.
pub(crate) fn cap(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Read the first worksheet of the XLSX workbook at `path`, calling `on_row` with each
/// non-blank row in order; the first one is the header (see [`Header::new`]).
pub(crate) fn read_xlsx(
    path: &Path,
    format: &'static str,
    on_row: &mut dyn FnMut(Row) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    use calamine::{DataRef, Reader, Xlsx};
    let wrong = |message: String| ParseError::WrongFormat { format, message };
    let size = std::fs::metadata(path)?.len();
    if size > MAX_XLSX {
        return Err(wrong(format!(
            "the XLSX workbook is {size} bytes; at most {} MB are accepted (export it as CSV instead)",
            MAX_XLSX / (1024 * 1024)
        )));
    }
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut wb: Xlsx<_> = Xlsx::new(file).map_err(|e| wrong(format!("cannot read the XLSX workbook: {e}")))?;
    let Some(sheet) = wb.sheet_names().into_iter().next() else {
        return Err(wrong("the XLSX workbook has no worksheet".into()));
    };
    let mut cells =
        wb.worksheet_cells_reader(&sheet).map_err(|e| wrong(format!("cannot read worksheet {sheet:?}: {e}")))?;
    let mut row = Row::default();
    let mut row_bytes = 0usize;
    let mut flush = |row: Row| if row.is_blank() { Ok(()) } else { on_row(row) };
    loop {
        let cell = cells.next_cell().map_err(|e| ParseError::Csv {
            line: row.line.max(1),
            message: format!("cannot read worksheet {sheet:?} after this row: {e}"),
        })?;
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        let line = u64::from(r) + 1;
        if line != row.line {
            flush(std::mem::take(&mut row))?;
            row.line = line;
            row_bytes = 0;
        }
        let c = c as usize;
        if c >= MAX_COLUMNS {
            continue;
        }
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            DataRef::DateTime(d) if d.is_datetime() => {
                let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
                if (h, mi, s) == (0, 0, 0) {
                    format!("{y:04}-{mo:02}-{da:02}")
                } else {
                    format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}")
                }
            }
            DataRef::DateTime(d) => d.as_f64().to_string(),
            DataRef::Error(e) => e.to_string(),
        };
        let text = cap(text, MAX_FIELD.min(MAX_ROW.saturating_sub(row_bytes)));
        row_bytes += text.len();
        if row.fields.len() <= c {
            row.fields.resize(c + 1, String::new());
        }
        row.fields[c] = text;
    }
    flush(row)
}

/// Split a list held in one cell on commas, semicolons and whitespace (newlines included).
pub(crate) fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).map(str::trim).filter(|x| !x.is_empty())
}

/// A number as written in a cell ("7.5", " 5 ", "0,5" is not accepted).
pub(crate) fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Every "CWE-79" / "CWE:79" / "CWE #79" mentioned in `s`.
pub(crate) fn cwes_in(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let up = s.to_ascii_uppercase();
    let mut rest = up.as_str();
    while let Some(i) = rest.find("CWE") {
        rest = &rest[i + 3..];
        let digits = rest.trim_start_matches([' ', ':', '-', '#', '_']);
        let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
        if let Ok(n) = digits[..end].parse::<u32>()
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Unix seconds of a date and time of day, if they are valid.
pub(crate) fn unix(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=9999).contains(&y) || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s))
}

/// "HH:MM" or "HH:MM:SS" (fractional seconds dropped).
fn time_of_day(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split(':');
    let h = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let sec = match it.next() {
        Some(x) => x.split(['.', ',']).next()?.parse().ok()?,
        None => 0,
    };
    if it.next().is_some() {
        return None;
    }
    Some((h, m, sec))
}

/// An ISO 8601 date or date-time: "2018-04-16", "2018-04-16T12:57:25Z",
/// "2018-04-16 12:57:25", "2024-03-18T12:46:31+07:00"; no zone means UTC.
pub(crate) fn parse_iso8601(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 10 || !s.is_char_boundary(10) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let b = date.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = date[..4].parse().ok()?;
    let mo: u32 = date[5..7].parse().ok()?;
    let d: u32 = date[8..10].parse().ok()?;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    if rest.is_empty() {
        return unix(y, mo, d, 0, 0, 0);
    }
    // Split off the zone: "Z", " UTC", "+07:00", "-0500".
    let (time, offset) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else if let Some(t) = rest.strip_suffix(" UTC").or_else(|| rest.strip_suffix(" GMT")) {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, z) = rest.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let z = z[1..].replace(':', "");
        if z.len() != 4 || !z.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hh: i64 = z[..2].parse().ok()?;
        let mm: i64 = z[2..].parse().ok()?;
        (t, sign * (hh * 3600 + mm * 60))
    } else {
        (rest, 0)
    };
    let (h, mi, sec) = time_of_day(time.trim())?;
    Some(unix(y, mo, d, h, mi, sec)? - offset)
}

/// Offset in seconds of a time-zone abbreviation Tenable and GVM print.
fn zone_offset(z: &str) -> Option<i64> {
    let hours = match z.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "Z" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "CET" => 1,
        "CEST" => 2,
        "ICT" => 7,
        _ => return None,
    };
    Some(hours * 3600)
}

/// Tenable dates: "Jun 8, 2022 11:21:43 UTC" (an abbreviated or full English month, the day,
/// the year, optionally a time and a zone abbreviation from a short list). `None` otherwise.
pub(crate) fn parse_month_day_year(s: &str) -> Option<i64> {
    let mut it = s.split_whitespace();
    let month = it.next()?.to_ascii_lowercase();
    let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let mo = months.iter().position(|m| month.starts_with(m))? as u32 + 1;
    let d: u32 = it.next()?.trim_end_matches(',').parse().ok()?;
    let y: i64 = it.next()?.parse().ok()?;
    let (h, mi, sec) = match it.next() {
        Some(t) => time_of_day(t)?,
        None => (0, 0, 0),
    };
    let offset = match it.next() {
        Some(z) => zone_offset(z)?,
        None => 0,
    };
    if it.next().is_some() {
        return None;
    }
    Some(unix(y, mo, d, h, mi, sec)? - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(s: &[u8]) -> Result<(Header, Vec<Row>), ParseError> {
        let mut t = CsvTable::open(s)?.expect("a header");
        let mut v = Vec::new();
        while let Some(r) = t.next_row()? {
            v.push(r);
        }
        Ok((t.header, v))
    }

    #[test]
    fn headers_fold() {
        assert_eq!(normalise_header(" Url"), "url");
        assert_eq!(normalise_header("epss_score"), "epss score");
        assert_eq!(normalise_header("Tiêu  đề"), "tieu de");
        assert_eq!(normalise_header("ĐỊA CHỈ IP"), "dia chi ip");
    }

    #[test]
    fn delimiter_bom_lines_and_blank_rows() {
        let (h, v) = rows(b"\xEF\xBB\xBFa;\"b;c\";d\n1;\"x\ny\";3\n;;\n\n4;5;6\n").unwrap();
        assert_eq!(h.names, ["a", "b;c", "d"]);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].line, v[0].fields[1].as_str()), (2, "x\ny"));
        assert_eq!(v[1].line, 6);
        let (h, _) = rows(b"a\tb\tc\n").unwrap();
        assert_eq!(h.names.len(), 3);
        assert!(CsvTable::open(&b" \n\n "[..]).unwrap().is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let e = rows(b"a,b\n1,2\n3,\"unterminated\n").unwrap_err();
        assert!(matches!(e, ParseError::Csv { line: 3, .. }), "{e}");
        let e = rows(b"a,b\n1,2\n\n3,\xff\xfe\n").unwrap_err();
        assert!(matches!(e, ParseError::Csv { line: 4, .. }), "{e}");
        let mut t = CsvTable::open(&b"a,b,c\n1,2,3\n4,5\n"[..]).unwrap().unwrap().strict();
        assert!(t.next_row().unwrap().is_some());
        let e = t.next_row().unwrap_err();
        assert!(matches!(e, ParseError::Csv { line: 3, .. }), "{e}");
    }

    #[test]
    fn huge_field_is_capped() {
        let mut s = b"a,b\n\"".to_vec();
        s.extend(std::iter::repeat_n("é", MAX_FIELD).flat_map(|c| c.bytes()));
        s.extend_from_slice(b"\",2\n");
        let (_, v) = rows(&s).unwrap();
        assert!(v[0].fields[0].len() <= MAX_FIELD && v[0].fields[0].len() > MAX_FIELD - 4);
        assert_eq!(v[0].fields[1], "2");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_iso8601("2018-04-16T12:57:25Z"), Some(1523883445));
        assert_eq!(parse_iso8601("2018-04-16T19:57:25+07:00"), Some(1523883445));
        assert_eq!(parse_iso8601("2018-04-16"), Some(1523836800));
        assert_eq!(parse_iso8601("2018-02-30"), None);
        assert_eq!(parse_month_day_year("Jun 8, 2022 11:21:43 UTC"), Some(1654687303));
        assert_eq!(parse_month_day_year("Jan 5, 2021 10:24:08 MST"), Some(1609867448));
        assert_eq!(parse_month_day_year("Jan 5, 2021 10:24:08 XYZ"), None);
        assert_eq!(cwes_in("CERT #836068,CWE #310"), [310]);
        assert_eq!(cwes_in("CERT:288308;CWE:16;CWE:200"), [16, 200]);
    }
}
