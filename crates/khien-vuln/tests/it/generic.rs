//! The generic findings parser (CSV and XLSX) on the DefectDojo "Generic Findings Import"
//! samples of `shared/testdata/scans/generic_csv/`, on Vietnamese `;`-separated CSV with a
//! BOM, on an XLSX workbook written here, and on malformed input.

use khien_vuln::{Detected, Finding, Format, ParseError, Severity, detect, generic};
use std::io::{BufReader, Read};
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("scans/generic_csv").join(name)
}

const SAMPLES: [&str; 4] =
    ["generic_csv_with_epss.csv", "generic_report1.csv", "generic_report4.csv", "generic_report_fix_version.csv"];

fn parse_file(name: &str) -> Vec<Finding> {
    let f = std::fs::File::open(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    let n = generic::parse_csv(BufReader::new(f), &mut |x| out.push(x)).unwrap();
    assert_eq!(n, out.len());
    out
}

fn parse_bytes(s: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut out = Vec::new();
    generic::parse_csv(s, &mut |x| out.push(x))?;
    Ok(out)
}

/// Unix seconds of a UTC midnight.
fn day(y: i64, m: i64, d: i64) -> i64 {
    // Days from civil (Howard Hinnant), enough for tests.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    (era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468) * 86400
}

#[test]
fn defectdojo_samples() {
    let v = parse_file("generic_csv_with_epss.csv");
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.format, "generic-csv");
    assert_eq!(
        f.title,
        "Server leaks inodes via ETags, header found with file /, fields: 0xW/109b 0xpqG8TolgxCnpM/7cGOOI0GRS+rc"
    );
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.url, "https://192.168.1.1/", "the \" Url\" header with a leading space");
    assert_eq!((f.host.as_str(), f.ip.as_str(), f.port), ("192.168.1.1", "192.168.1.1", None));
    assert_eq!(f.epss_score, Some(0.00042));
    assert!(f.cwes.is_empty(), "CweId 0 is no CWE");
    assert_eq!(f.scan_time, Some(day(2018, 1, 30)), "01/30/2018 is mm/dd/yyyy");
    assert!(!f.suppressed);

    let v = parse_file("generic_report1.csv");
    assert_eq!(v.len(), 5);
    for (i, f) in v.iter().enumerate() {
        assert_eq!((f.title.as_str(), f.severity), ("ASDF", Severity::Low));
        assert_eq!(f.cwes, [i as u32 + 1]);
        assert_eq!(f.host, "vulnerable.endpoint.com");
        assert_eq!(f.description, "Some description\n\nImpact: Some Impact");
        assert_eq!(f.solution, "Some mitigation advice");
        assert_eq!(f.scan_time, Some(day(2021, 2, 28)), "28/02/2021 is dd/mm/yyyy");
    }
    assert_eq!(v[0].url, "https://vulnerable.endpoint.com/resource1/asdf");
    assert_eq!(v[1].url, "https://vulnerable.endpoint.com/resource2/qwerty");

    let v = parse_file("generic_report4.csv");
    assert_eq!(v.len(), 4);
    assert!(v.iter().all(|f| f.severity == Severity::Info), "an empty severity is info");
    assert_eq!(v.iter().map(|f| f.title.as_str()).collect::<Vec<_>>(), ["Title1", "Title2", "Title3", "Title4"]);
    assert_eq!((v[0].host.as_str(), v[0].cves.clone()), ("www.example.com", vec!["CVE-2015-9235".to_string()]));
    assert_eq!((v[1].host.as_str(), v[1].references.clone()), ("localhost", vec!["GHSA-5mrr-rgp6-x4gr".to_string()]));
    assert!(v[1].cves.is_empty());
    assert_eq!((v[2].host.as_str(), v[2].ip.as_str(), v[2].port), ("127.0.0.1", "127.0.0.1", Some(80)));
    assert_eq!((v[3].host.as_str(), v[3].url.as_str()), ("foo.bar", "foo.bar/path"));

    let v = parse_file("generic_report_fix_version.csv");
    assert_eq!(v.len(), 2);
    assert_eq!((v[0].title.as_str(), v[0].severity), ("Test finding with fix_version", Severity::High));
    assert_eq!((v[0].cwes.clone(), v[0].fixed_version.as_str()), (vec![502], "2.1.3"));
    assert_eq!(v[0].solution, "Upgrade to 2.1.3");
    assert_eq!(v[0].scan_time, Some(day(2025, 1, 15)));
    assert_eq!((v[1].severity, v[1].cwes.clone(), v[1].fixed_version.as_str()), (Severity::Medium, vec![611], ""));
}

#[test]
fn detected_from_content() {
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        assert_eq!(detect(&bytes), Detected::Format(Format::GenericCsv), "{name}");
    }
    assert_eq!(detect(VIETNAMESE.as_bytes()), Detected::Format(Format::GenericCsv));
    assert_eq!(detect(b"tieu de,muc do\nx,cao\n"), Detected::Format(Format::GenericCsv));
}

const VIETNAMESE: &str = "\u{feff}Tiêu đề;Mức độ;Mô tả;Giải pháp;Địa chỉ IP;Máy chủ;Cổng;Giao thức;CVE;CWE;URL;Mã quy tắc;Ngày\r\n\
Lỗ hổng SQL injection ở trang đăng nhập;Nghiêm trọng;\"Tham số \"\"user\"\" không được lọc;\r\ncó thể chèn SQL\";Dùng truy vấn tham số hoá;10.20.0.5;his.syt.vn;443;tcp;CVE-2024-1234, CVE-2024-5678;CWE-89;https://his.syt.vn/dang-nhap;SQLI-01;15/03/2024\r\n\
Máy chủ dùng TLS 1.0;Trung bình;;Tắt TLS 1.0;10.20.0.6;;8443/tcp;;;;;;2024-03-16\r\n\
;;;;;;;;;;;;\r\n\
Cổng quản trị mở ra Internet;thấp;;;;quantri.syt.vn;;;;;;;\r\n\
Phiên bản máy chủ web;Thông tin;;;10.20.0.7;;80;;;;;;\r\n";

#[test]
fn vietnamese_semicolon_csv_with_bom() {
    let v = parse_bytes(VIETNAMESE.as_bytes()).unwrap();
    assert_eq!(v.len(), 4);
    let f = &v[0];
    assert_eq!(f.title, "Lỗ hổng SQL injection ở trang đăng nhập");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.description, "Tham số \"user\" không được lọc;\r\ncó thể chèn SQL");
    assert_eq!(f.solution, "Dùng truy vấn tham số hoá");
    assert_eq!(
        (f.ip.as_str(), f.host.as_str(), f.port, f.protocol.as_str()),
        ("10.20.0.5", "his.syt.vn", Some(443), "tcp")
    );
    assert_eq!(f.cves, ["CVE-2024-1234", "CVE-2024-5678"]);
    assert_eq!(f.cwes, [89]);
    assert_eq!(f.url, "https://his.syt.vn/dang-nhap");
    assert_eq!(f.rule_id, "SQLI-01");
    assert_eq!(f.scan_time, Some(day(2024, 3, 15)));
    let f = &v[1];
    assert_eq!((f.severity, f.port, f.protocol.as_str()), (Severity::Medium, Some(8443), "tcp"));
    assert_eq!((f.host.as_str(), f.ip.as_str()), ("10.20.0.6", "10.20.0.6"));
    assert_eq!(f.scan_time, Some(day(2024, 3, 16)));
    assert_eq!((v[2].severity, v[2].host.as_str()), (Severity::Low, "quantri.syt.vn"));
    assert_eq!((v[3].severity, v[3].port), (Severity::Info, Some(80)));
}

#[test]
fn defectdojo_flags_and_scores() {
    let csv = "Title,Severity,FalsePositive,Active,CVSSV3,cvssv3_score,Component Name,Component Version,Date,References\n\
A,Critical,TRUE,TRUE,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,9.8,openssl,1.1.1k,2024-05-01T10:00:00Z,\"https://a.example/1 https://b.example/2\"\n\
B,informational,false,,,,,,,See the vendor advisory\n";
    let v = parse_bytes(csv.as_bytes()).unwrap();
    assert_eq!(v.len(), 2);
    assert!(v[0].suppressed && !v[1].suppressed);
    assert_eq!(v[0].cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(v[0].cvss_score, Some(9.8));
    assert_eq!(v[0].component, "openssl 1.1.1k");
    assert_eq!(v[0].scan_time, Some(day(2024, 5, 1) + 36000));
    assert_eq!(v[0].references, ["https://a.example/1", "https://b.example/2"]);
    assert_eq!(v[1].references, ["See the vendor advisory"]);
    assert_eq!(v[1].severity, Severity::Info);
}

#[test]
fn bad_rows_name_the_line() {
    let e = parse_bytes(b"Title,Severity\nA,High\n\n,Low\n").unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 4, .. }), "{e}");
    assert!(e.to_string().contains("title"), "{e}");
    let e = parse_bytes("Tiêu đề;Mức độ\nA;Cao\nB;Khẩn cấp\n".as_bytes()).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("\"Khẩn cấp\""), "{e}");
    let e = parse_bytes(b"Title,Date\nA,31/02/2024\n").unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 2, .. }) && e.to_string().contains("31/02/2024"), "{e}");
    let e = parse_bytes(b"Title,Port\nA,http\n").unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 2, .. }), "{e}");
    let e = parse_bytes(b"Title,cvssv3_score\nA,11\n").unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 2, .. }), "{e}");
    let e = parse_bytes(b"Title,Severity\nA,High\nB,\xff\xfe\n").unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 3, .. }) && e.to_string().contains("UTF-8"), "{e}");
    let e = parse_bytes(b"Title,Description\nA,\"never closed\nB,x\n").unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 2, .. }) && e.to_string().contains("truncated"), "{e}");
    let e = parse_bytes(b"Name of thing;Colour\nx;y\n").unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }), "{e}");
    assert!(parse_bytes(b"").unwrap().is_empty());
    assert!(parse_bytes(b"\xEF\xBB\xBFTitle,Severity\r\n").unwrap().is_empty());
}

#[test]
fn fields_stay_bounded_and_rows_stream() {
    // One 5 MiB description is kept to 1 MiB.
    let mut csv = b"Title,Description\nBig,\"".to_vec();
    csv.resize(csv.len() + 5 * 1024 * 1024, b'a');
    csv.extend_from_slice(b"\"\nSmall,b\n");
    let v = parse_bytes(&csv).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].description.len(), 1 << 20);
    assert_eq!(v[1].description, "b");

    // 200,000 rows generated on the fly are streamed, not collected.
    struct Rows(usize, Vec<u8>);
    impl Read for Rows {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.1.is_empty() {
                if self.0 == 200_000 {
                    return Ok(0);
                }
                self.0 += 1;
                self.1 =
                    format!("Finding {},Medium,10.0.{}.{}\n", self.0, self.0 / 256 % 256, self.0 % 256).into_bytes();
            }
            let n = buf.len().min(self.1.len());
            buf[..n].copy_from_slice(&self.1[..n]);
            self.1.drain(..n);
            Ok(n)
        }
    }
    let input = std::io::Cursor::new(b"Title,Severity,IP\n".to_vec()).chain(Rows(0, Vec::new()));
    let mut n = 0usize;
    let mut last = String::new();
    let count = generic::parse_csv(BufReader::new(input), &mut |f| {
        n += 1;
        last = f.title;
    })
    .unwrap();
    assert_eq!((count, n, last.as_str()), (200_000, 200_000, "Finding 200000"));
}

#[test]
fn xlsx_workbook() {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("findings.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = ["Tiêu đề", "Mức độ", "Mô tả", "Địa chỉ IP", "Cổng", "CVE", "CVSS", "URL", "Ngày", "FalsePositive"];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date = CellFormat::new().set_num_format("dd/mm/yyyy");
    ws.write_string(1, 0, "Apache Struts RCE").unwrap();
    ws.write_string(1, 1, "Nghiêm trọng").unwrap();
    ws.write_string(1, 2, "Thực thi mã từ xa qua OGNL").unwrap();
    ws.write_string(1, 3, "10.1.2.3").unwrap();
    ws.write_number(1, 4, 8080).unwrap();
    ws.write_string(1, 5, "CVE-2017-5638").unwrap();
    ws.write_number(1, 6, 10.0).unwrap();
    ws.write_string(1, 7, "http://10.1.2.3:8080/struts2-showcase/").unwrap();
    ws.write_datetime_with_format(1, 8, ExcelDateTime::from_ymd(2024, 3, 5).unwrap(), &date).unwrap();
    ws.write_boolean(1, 9, false).unwrap();
    // Row 3 left empty; row 4 a low finding with few cells.
    ws.write_string(3, 0, "Thiếu HSTS").unwrap();
    ws.write_string(3, 1, "Thấp").unwrap();
    ws.write_boolean(3, 9, true).unwrap();
    wb.save(&path).unwrap();

    let mut v = Vec::new();
    let n = generic::parse_xlsx(&path, &mut |f| v.push(f)).unwrap();
    assert_eq!(n, 2);
    let f = &v[0];
    assert_eq!((f.title.as_str(), f.severity), ("Apache Struts RCE", Severity::Critical));
    assert_eq!(f.description, "Thực thi mã từ xa qua OGNL");
    assert_eq!((f.ip.as_str(), f.host.as_str(), f.port), ("10.1.2.3", "10.1.2.3", Some(8080)));
    assert_eq!((f.cves.clone(), f.cvss_score), (vec!["CVE-2017-5638".to_string()], Some(10.0)));
    assert_eq!(f.scan_time, Some(day(2024, 3, 5)), "a date cell, whatever its display format");
    assert!(!f.suppressed);
    assert_eq!((v[1].title.as_str(), v[1].severity, v[1].suppressed), ("Thiếu HSTS", Severity::Low, true));

    // Detection and dispatch from the file.
    let mut w = Vec::new();
    let parsed = khien_vuln::parse_file(&path, None, &mut |f| w.push(f)).unwrap();
    assert_eq!((parsed.format, parsed.findings), (Some(Format::GenericCsv), 2));
    assert_eq!(w, v);

    // A bad row names its sheet row.
    let bad = dir.path().join("bad.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Title").unwrap();
    ws.write_string(0, 1, "Severity").unwrap();
    ws.write_string(1, 0, "ok").unwrap();
    ws.write_string(4, 0, "x").unwrap();
    ws.write_string(4, 1, "Urgent").unwrap();
    wb.save(&bad).unwrap();
    let e = generic::parse_xlsx(&bad, &mut |_| {}).unwrap_err();
    assert!(matches!(e, ParseError::Csv { line: 5, .. }) && e.to_string().contains("Urgent"), "{e}");
}

#[test]
fn xlsx_refused_when_broken_or_too_big() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.xlsx");
    std::fs::write(&junk, b"PK\x03\x04 this is not a workbook").unwrap();
    let e = generic::parse_xlsx(&junk, &mut |_| {}).unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }), "{e}");
    let big = dir.path().join("big.xlsx");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(51 * 1024 * 1024).unwrap();
    let e = generic::parse_xlsx(&big, &mut |_| {}).unwrap_err();
    assert!(matches!(e, ParseError::WrongFormat { .. }) && e.to_string().contains("50 MB"), "{e}");
}

#[test]
fn mutated_samples_never_panic() {
    for name in SAMPLES {
        let bytes = std::fs::read(sample(name)).unwrap();
        for m in crate::mutations(&bytes, 300) {
            let _ = parse_bytes(&m);
        }
    }
}
