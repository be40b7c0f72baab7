//! Reading registry lists from CSV (UTF-8, optional BOM, `,` `;` or tab separated) and XLSX
//! (first worksheet), and mapping their columns to agency or system inputs. Column names are
//! matched without case or diacritics, in English or Vietnamese ("Mã", "Tên", "Cấp trên"...).
//! Every problem is reported with its row and column; nothing is guessed.

use khien_core::text::fold;
use khien_core::{AgencyInput, Problem, SystemInput};
use khien_store::import::{RowError, SystemRow};
use std::io::Cursor;

/// A table: header and data rows (row numbers count the header as 1).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

fn err(row: usize, field: &str, vi: String, en: String) -> RowError {
    RowError { row, field: field.to_string(), problem: Problem::Other { vi, en } }
}

/// Parse CSV or XLSX bytes (detected from content).
pub fn read_table(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    read_csv(bytes)
}

fn read_csv(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(vec![err(1, "", "Tệp rỗng.".into(), "The file is empty.".into())]);
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delim =
        [b';', b'\t', b','].into_iter().max_by_key(|d| first_line.iter().filter(|b| *b == d).count()).unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new().delimiter(delim).has_headers(false).flexible(true).from_reader(bytes);
    let mut table = Table::default();
    for (i, rec) in rdr.byte_records().enumerate() {
        let row = i + 1;
        let rec = rec.map_err(|e| {
            vec![err(row, "", format!("Không đọc được dòng {row}: {e}"), format!("Cannot read row {row}: {e}"))]
        })?;
        let mut cells = Vec::with_capacity(rec.len());
        for (c, field) in rec.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) => cells.push(s.trim().to_string()),
                Err(_) => {
                    return Err(vec![err(
                        row,
                        &format!("#{}", c + 1),
                        format!("Dòng {row}, cột {} không phải văn bản UTF-8. Hãy lưu tệp dạng «CSV UTF-8».", c + 1),
                        format!("Row {row}, column {} is not UTF-8 text. Save the file as “CSV UTF-8”.", c + 1),
                    )]);
                }
            }
        }
        if row == 1 {
            table.header = cells;
        } else if cells.iter().any(|c| !c.is_empty()) {
            table.rows.push((row, cells));
        }
    }
    Ok(table)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    use calamine::{Reader, Xlsx};
    let bad = |e: String| {
        vec![err(1, "", format!("Không đọc được tệp Excel: {e}"), format!("Cannot read the Excel file: {e}"))]
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let Some(Ok(range)) = wb.worksheet_range_at(0) else {
        return Err(bad("no worksheet".into()));
    };
    let mut table = Table::default();
    for (i, r) in range.rows().enumerate() {
        let row = i + 1;
        let cells: Vec<String> = r
            .iter()
            .map(|c| match c {
                calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                other => other.to_string().trim().to_string(),
            })
            .collect();
        if row == 1 {
            table.header = cells;
        } else if cells.iter().any(|c| !c.is_empty()) {
            table.rows.push((row, cells));
        }
    }
    if table.header.is_empty() {
        return Err(bad("the first worksheet is empty".into()));
    }
    Ok(table)
}

/// Columns of the agency list: (field, accepted names folded).
pub const AGENCY_COLUMNS: &[(&str, &[&str])] = &[
    ("code", &["code", "ma", "ma don vi", "ma co quan"]),
    ("name", &["name", "ten", "ten don vi", "ten co quan"]),
    ("kind", &["kind", "loai", "cap", "loai don vi"]),
    ("parent_code", &["parent_code", "parent", "ma cap tren", "cap tren", "don vi cap tren"]),
    ("address", &["address", "dia chi"]),
    ("email", &["email", "thu dien tu"]),
    ("phone", &["phone", "dien thoai", "so dien thoai"]),
];

/// Columns of the system list.
pub const SYSTEM_COLUMNS: &[(&str, &[&str])] = &[
    ("code", &["code", "ma", "ma he thong"]),
    ("name", &["name", "ten", "ten he thong"]),
    ("description", &["description", "mo ta"]),
    ("owner_code", &["owner_code", "owner", "chu quan", "ma chu quan", "don vi chu quan"]),
    ("operator_code", &["operator_code", "operator", "van hanh", "ma van hanh", "don vi van hanh"]),
    ("category", &["category", "loai", "loai he thong"]),
    ("shared", &["shared", "dung chung"]),
    ("user_codes", &["user_codes", "don vi su dung"]),
    ("status", &["status", "trang thai"]),
    ("contact_name", &["contact_name", "nguoi phu trach"]),
    ("contact_email", &["contact_email", "email nguoi phu trach", "email"]),
    ("contact_phone", &["contact_phone", "dien thoai nguoi phu trach", "dien thoai"]),
    ("assets", &["assets", "tai san", "ip", "dia chi ip"]),
];

/// The columns' canonical names, for help texts.
pub fn column_names(cols: &[(&str, &[&str])]) -> String {
    cols.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")
}

/// Map header cells to fields; unknown or duplicated columns and missing required ones are errors.
fn map_header(
    table: &Table,
    cols: &[(&'static str, &[&str])],
    required: &[&str],
) -> Result<Vec<Option<&'static str>>, Vec<RowError>>
where
{
    let mut errs = Vec::new();
    let mut map: Vec<Option<&'static str>> = Vec::new();
    for h in &table.header {
        let f = fold(h).replace('_', " ");
        let found = cols
            .iter()
            .find(|(field, names)| f == field.replace('_', " ") || names.iter().any(|n| n.replace('_', " ") == f));
        match found {
            Some((field, _)) => {
                let field: &'static str = cols.iter().find(|(x, _)| x == field).map(|(x, _)| *x).unwrap_or("");
                if map.contains(&Some(field)) {
                    errs.push(err(1, h, format!("Cột «{h}» bị lặp."), format!("Column “{h}” appears twice.")));
                }
                map.push(Some(field));
            }
            None if h.is_empty() => map.push(None),
            None => errs.push(err(
                1,
                h,
                format!("Cột «{h}» không được hỗ trợ. Các cột hợp lệ: {}.", column_names(cols)),
                format!("Unknown column “{h}”. Valid columns: {}.", column_names(cols)),
            )),
        }
    }
    for r in required {
        if !map.contains(&Some(r)) {
            errs.push(err(
                1,
                r,
                format!("Thiếu cột bắt buộc «{r}»."),
                format!("The required column “{r}” is missing."),
            ));
        }
    }
    if errs.is_empty() { Ok(map) } else { Err(errs) }
}

fn cell<'a>(map: &[Option<&'static str>], row: &'a [String], field: &str) -> &'a str {
    map.iter().position(|m| *m == Some(field)).and_then(|i| row.get(i)).map(String::as_str).unwrap_or("")
}

fn truthy(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "" | "0" | "no" | "false" | "khong" | "n" => Some(false),
        "1" | "yes" | "true" | "co" | "x" | "y" => Some(true),
        _ => None,
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([';', ',', '\n', ' ']).map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
}

/// Agency rows of a table.
pub fn agencies(table: &Table) -> Result<Vec<(usize, AgencyInput)>, Vec<RowError>> {
    let map = map_header(table, AGENCY_COLUMNS, &["code", "name", "kind"])?;
    Ok(table
        .rows
        .iter()
        .map(|(row, r)| {
            let c = |f| cell(&map, r, f).to_string();
            (
                *row,
                AgencyInput {
                    code: c("code"),
                    name: c("name"),
                    kind: c("kind"),
                    parent_code: c("parent_code"),
                    address: c("address"),
                    email: c("email"),
                    phone: c("phone"),
                },
            )
        })
        .collect())
}

/// System rows of a table.
pub fn systems(table: &Table) -> Result<Vec<SystemRow>, Vec<RowError>> {
    let map = map_header(table, SYSTEM_COLUMNS, &["code", "name", "owner_code", "category"])?;
    let mut errs = Vec::new();
    let mut out = Vec::new();
    for (row, r) in &table.rows {
        let c = |f| cell(&map, r, f).to_string();
        let shared = match truthy(&c("shared")) {
            Some(b) => b,
            None => {
                errs.push(err(
                    *row,
                    "shared",
                    "Cột «shared» chỉ nhận: có/không, x, 1/0, yes/no.".into(),
                    "Column “shared” accepts yes/no, x, 1/0.".into(),
                ));
                false
            }
        };
        out.push(SystemRow {
            row: *row,
            input: SystemInput {
                code: c("code"),
                name: c("name"),
                description: c("description"),
                owner_code: c("owner_code"),
                operator_code: c("operator_code"),
                category: c("category"),
                shared,
                user_codes: split_list(&c("user_codes")),
                status: c("status"),
                contact_name: c("contact_name"),
                contact_email: c("contact_email"),
                contact_phone: c("contact_phone"),
            },
            assets: split_list(&c("assets")),
        });
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// The column header a field came from (for error reports).
pub fn column_of(table: &Table, cols: &[(&str, &[&str])], field: &str) -> String {
    if field.is_empty() || field.starts_with('#') {
        return field.to_string();
    }
    for h in &table.header {
        let f = fold(h).replace('_', " ");
        if cols.iter().any(|(x, names)| {
            *x == field && (f == x.replace('_', " ") || names.iter().any(|n| n.replace('_', " ") == f))
        }) {
            return h.clone();
        }
    }
    field.to_string()
}

/// A cell for a CSV export: a value that a spreadsheet would read as a formula (starting with
/// `=`, `+`, `-`, `@`, tab or CR) gets a leading apostrophe, so an exported scanner text can
/// never run as a formula on an officer's computer.
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// An XLSX workbook with one sheet: a bold header row and text cells (never formulas).
pub fn write_xlsx(sheet: &str, head: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let name: String = sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    ws.set_name(if name.is_empty() { "Sheet1" } else { &name }).map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(|e| e.to_string())?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let v: String = v.chars().take(32_000).collect();
            ws.write_string((r + 1) as u32, c as u16, &v).map_err(|e| e.to_string())?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    wb.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vietnamese_semicolon_csv_with_bom() {
        let csv =
            "\u{feff}Mã;Tên;Loại;Cấp trên\nUBND;Ủy ban nhân dân tỉnh;province;\nSYT;Sở Y tế;department;UBND\n;;;\n";
        let t = read_table(csv.as_bytes()).unwrap();
        let rows = agencies(&t).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        assert_eq!(rows[1].1.name, "Sở Y tế");
        assert_eq!(rows[1].1.parent_code, "UBND");
    }

    #[test]
    fn reports_unknown_and_missing_columns() {
        let t = read_table(b"code,ten,colour\nA,B,red\n").unwrap();
        let errs = agencies(&t).unwrap_err();
        assert!(errs.iter().any(|e| e.field == "colour"));
        assert!(errs.iter().any(|e| e.field == "kind"));
    }

    #[test]
    fn rejects_invalid_utf8() {
        let errs = read_table(b"code,name,kind\nA,\xff\xfe,unit\n").unwrap_err();
        assert_eq!(errs[0].row, 2);
    }

    #[test]
    fn parses_systems_with_assets() {
        let t = read_table(
            b"code,name,owner_code,category,shared,user_codes,assets\nX,Y,UBND,internal,x,SYT;STC,10.0.0.1 mail.a.vn\n",
        )
        .unwrap();
        let s = systems(&t).unwrap();
        assert!(s[0].input.shared);
        assert_eq!(s[0].input.user_codes, ["SYT", "STC"]);
        assert_eq!(s[0].assets, ["10.0.0.1", "mail.a.vn"]);
    }
}
