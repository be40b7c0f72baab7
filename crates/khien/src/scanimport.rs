//! `khien import scan`: scanner reports into the database, one transaction per file, with a
//! progress bar on a terminal and a summary per file (text, or JSON with `--json`).

use crate::EXIT_INVALID;
use anyhow::{Result, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use khien_store::Store;
use khien_store::scan_import::{ImportTarget, ScanFileError};
use khien_vuln::Format;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub async fn run(
    store: &Store,
    files: &[PathBuf],
    format: Option<&str>,
    system: Option<&str>,
    json: bool,
) -> Result<u8> {
    let format = format.map(Format::parse).transpose().map_err(|e| anyhow!(e))?;
    let p = crate::ops::cli_principal();
    let target = match system {
        Some(code) => match store.system_id_by_code(&p.scope, code).await? {
            Some(id) => ImportTarget::System(id),
            None => {
                eprintln!(
                    "error: no system with code {code:?}; see `khien` web UI → Hệ thống, or import systems first"
                );
                return Ok(EXIT_INVALID);
            }
        },
        None => ImportTarget::Auto,
    };
    let mut failed = false;
    for file in files {
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        let progress = Arc::new(AtomicU64::new(0));
        let pb = if std::io::stderr().is_terminal() { ProgressBar::new(size) } else { ProgressBar::hidden() };
        pb.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb.set_message(file.display().to_string());
        let ticker = {
            let (pb, progress) = (pb.clone(), progress.clone());
            tokio::spawn(async move {
                loop {
                    pb.set_position(progress.load(Ordering::Relaxed));
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            })
        };
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let started = std::time::Instant::now();
        let result = store.scan_import_file(&p, file, &name, format, target.clone(), progress).await;
        ticker.abort();
        pb.finish_and_clear();
        match result {
            Ok(mut s) => {
                s.file = file.display().to_string();
                if json {
                    let v = serde_json::json!({
                        "file": s.file, "format": s.format, "parsed": s.parsed, "new": s.new, "updated": s.updated,
                        "reopened": s.reopened, "fixed": s.fixed, "unchanged": s.unchanged, "unassigned": s.unassigned,
                        "scan_id": if s.scan_id > 0 { Some(s.scan_id) } else { None },
                        "seconds": started.elapsed().as_secs_f64(),
                    });
                    println!("{v}");
                } else {
                    println!(
                        "{}: {} ({}) — {} findings: {} new, {} updated, {} reopened, {} fixed, {} unchanged, {} unassigned ({:.1} s)",
                        s.file,
                        if s.scan_id > 0 { "imported" } else { "nothing to change" },
                        if s.format.is_empty() { "empty" } else { &s.format },
                        s.parsed,
                        s.new,
                        s.updated,
                        s.reopened,
                        s.fixed,
                        s.unchanged,
                        s.unassigned,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            Err(ScanFileError::Parse(e)) => {
                eprintln!("error: {}: {e} (nothing was imported from this file)", file.display());
                failed = true;
            }
            Err(ScanFileError::Store(e)) => return Err(anyhow!("{}: {e}", file.display())),
        }
    }
    Ok(if failed { EXIT_INVALID } else { 0 })
}

/// `khien import kev FILE`.
pub async fn kev(store: &Store, file: &std::path::Path) -> Result<u8> {
    let f = std::fs::File::open(file).map_err(|e| anyhow!("cannot open {}: {e}", file.display()))?;
    let kev = match khien_vuln::intel::parse_kev(f) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {}: {e} (nothing was loaded)", file.display());
            return Ok(EXIT_INVALID);
        }
    };
    let s = store.kev_replace(&crate::ops::cli_principal(), &kev).await?;
    println!(
        "loaded KEV catalogue {} — {} CVEs; {} vulnerabilities changed priority",
        kev.version, s.entries, s.vulns_changed
    );
    Ok(0)
}

/// `khien import epss FILE`.
pub async fn epss(store: &Store, file: &std::path::Path) -> Result<u8> {
    let f = std::fs::File::open(file).map_err(|e| anyhow!("cannot open {}: {e}", file.display()))?;
    let mut rows = Vec::new();
    if let Err(e) = khien_vuln::intel::parse_epss(f, &mut |s| rows.push((s.cve.to_string(), s.score, s.percentile))) {
        eprintln!("error: {}: {e} (nothing was loaded)", file.display());
        return Ok(EXIT_INVALID);
    }
    let s = store.epss_replace(&crate::ops::cli_principal(), &rows).await?;
    println!("loaded EPSS scores — {} CVEs; {} vulnerabilities changed score", s.entries, s.vulns_changed);
    Ok(0)
}
