//! `khien parse scan`: a scanner report to normalised findings on stdout (JSON Lines), with no
//! database.

use anyhow::{Context, Result, bail};
use khien_vuln::{Finding, Format};
use std::io::{BufReader, Read, Write};
use std::path::Path;

fn json_line(f: &Finding) -> serde_json::Value {
    serde_json::json!({
        "title": f.title, "severity": f.severity.as_str(), "cvss_score": f.cvss_score,
        "cvss_vector": f.cvss_vector, "cves": f.cves, "cwes": f.cwes, "host": f.host, "ip": f.ip,
        "port": f.port, "protocol": f.protocol, "url": f.url, "rule_id": f.rule_id, "format": f.format,
        "description": f.description, "solution": f.solution, "evidence": f.evidence,
        "references": f.references, "scan_time": f.scan_time,
    })
}

pub fn scan(file: &Path, format: Option<&str>) -> Result<u8> {
    let open = || std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()));
    let fmt = match format {
        Some(name) => match Format::parse(name) {
            Ok(Some(f)) => f,
            Ok(None) => bail!("format {name} is not implemented yet (implemented: nessus)"),
            Err(e) => bail!(e),
        },
        None => {
            let mut head = Vec::new();
            open()?.take(64 * 1024).read_to_end(&mut head)?;
            match khien_vuln::detect(&head) {
                Some(f) => f,
                None => bail!("cannot tell the report's format from its content; give --format"),
            }
        }
    };
    let reader = BufReader::with_capacity(256 * 1024, open()?);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_err = None;
    let result = match fmt {
        Format::Nessus => khien_vuln::nessus::parse(reader, &mut |f| {
            if write_err.is_none()
                && let Err(e) = writeln!(out, "{}", json_line(&f))
            {
                write_err = Some(e);
            }
        }),
    };
    out.flush()?;
    if let Some(e) = write_err {
        return Err(e.into());
    }
    result.with_context(|| format!("{}", file.display()))?;
    Ok(0)
}
