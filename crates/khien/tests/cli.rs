//! The `khien` command line, run as a real process on a fresh SQLite data directory:
//! accounts, tokens, CSV/XLSX imports (all or nothing, idempotent), backup, audit tampering,
//! exit codes, and `serve --demo` printing its accounts.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn khien(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_khien"));
    cmd.args(args).arg("--data-dir").arg(dir).env_remove("KHIEN_DATABASE").env_remove("KHIEN_DATA_DIR");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run khien");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn help_explains_each_command() {
    let o = Command::new(env!("CARGO_BIN_EXE_khien")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for cmd in ["serve", "migrate", "user", "token", "import", "backup", "audit"] {
        assert!(help.contains(cmd), "--help lacks {cmd}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_khien")).arg("frobnicate").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn registry_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = tempfile::tempdir().unwrap();

    // Agencies from CSV: a bad file writes nothing and names row and column.
    let bad = files.path().join("bad.csv");
    std::fs::write(
        &bad,
        "\u{feff}Mã;Tên;Loại;Cấp trên\nUBND;Ủy ban nhân dân tỉnh;province;\nSYT;Sở Y tế;ministry;UBND\n",
    )
    .unwrap();
    let o = khien(d, &["import", "agencies", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("row 3, column Loại"), "{}", text(&o));
    let good = files.path().join("good.csv");
    std::fs::write(
        &good,
        "\u{feff}Mã;Tên;Loại;Cấp trên\nUBND;Ủy ban nhân dân tỉnh;province;\nSYT;Sở Y tế;department;UBND\n",
    )
    .unwrap();
    let o = khien(d, &["import", "agencies", good.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 created"), "{}", text(&o));
    let o = khien(d, &["import", "agencies", good.to_str().unwrap()], None);
    assert!(text(&o).contains("0 created, 0 updated, 2 unchanged"), "{}", text(&o));

    // Systems from XLSX.
    let xlsx = files.path().join("systems.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["Mã hệ thống", "Tên hệ thống", "Chủ quản", "Loại", "Dùng chung", "Tài sản"],
        ["SYT-HIS", "Hệ thống thông tin bệnh viện", "SYT", "internal", "không", "10.20.0.0/24; his.syt.vn"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save(&xlsx).unwrap();
    let o = khien(d, &["import", "systems", xlsx.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 created"), "{}", text(&o));

    // Accounts and tokens.
    let o = khien(
        d,
        &["user", "add", "canbo.syt", "--role", "officer", "--agency", "SYT", "--password-stdin"],
        Some("mat-khau-rat-dai\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = khien(d, &["user", "add", "x", "--role", "officer", "--password-stdin"], Some("mat-khau-rat-dai\n"));
    assert_eq!(o.status.code(), Some(3), "officer without agency: {}", text(&o));
    let o = khien(d, &["user", "add", "y", "--role", "root", "--password-stdin"], Some("mat-khau-rat-dai\n"));
    assert_eq!(o.status.code(), Some(3));
    let o = khien(d, &["token", "create", "canbo.syt"], None);
    assert!(o.status.success());
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(token.starts_with("khien_") && token.len() > 40, "{token}");
    let o = khien(d, &["user", "list"], None);
    assert!(text(&o).contains("canbo.syt") && text(&o).contains("SYT"));

    // Backup is a consistent, openable copy.
    let out = files.path().join("backup.db");
    let o = khien(d, &["backup", out.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    let restored = files.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(&out, restored.join("khien.db")).unwrap();
    let o = khien(&restored, &["user", "list"], None);
    assert!(text(&o).contains("canbo.syt"), "backup holds the data: {}", text(&o));
    let o = khien(d, &["backup", out.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "refuses to overwrite");

    // Audit: intact, then tampered.
    let o = khien(d, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("intact"));
    let db = d.join("khien.db");
    let status = Command::new("python3")
        .arg("-c")
        .arg("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_log SET actor='mallory' WHERE seq=2\"); c.commit()")
        .arg(&db)
        .status();
    if status.map(|s| s.success()).unwrap_or(false) {
        let o = khien(d, &["audit", "verify"], None);
        assert_eq!(o.status.code(), Some(4), "{}", text(&o));
        assert!(text(&o).contains("BROKEN at entry 2"), "{}", text(&o));
    } else {
        panic!("python3 with sqlite3 is needed to tamper with the database in this test");
    }
}

#[test]
fn serve_demo_prints_accounts_and_answers_health() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_khien"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut accounts = Vec::new();
    let mut addr = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.starts_with("DEMO ") {
            accounts.push(line.clone());
        }
        if let Some(a) = line.strip_prefix("listening on http://") {
            addr = a.to_string();
            break;
        }
    }
    assert_eq!(accounts.len(), 6, "{accounts:?}");
    for role in ["admin", "analyst", "inspector", "officer", "leader"] {
        assert!(accounts.iter().any(|a| a.contains(&format!("role={role}"))), "no {role}");
    }
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    std::io::Read::read_to_string(&mut stream, &mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn parse_scan_prints_json_lines() {
    let sample = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/scans/nessus/nessus_with_cwe-.nessus");
    let o = Command::new(env!("CARGO_BIN_EXE_khien")).args(["parse", "scan"]).arg(&sample).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    let f = &lines[0];
    assert_eq!(
        (f["format"].as_str(), f["severity"].as_str(), f["port"].as_i64()),
        (Some("nessus"), Some("high"), Some(80))
    );
    assert_eq!(f["cwes"], serde_json::json!([94, 119, 399]));
    for key in ["title", "cvss_score", "cvss_vector", "cves", "host", "ip", "protocol", "url", "rule_id"] {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "<NessusClientData_v2><Report><ReportItem severity=\"4\"><description>cut").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_khien"))
        .args(["parse", "scan", "--format", "nessus"])
        .arg(bad.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("description"), "{}", text(&o));
}
