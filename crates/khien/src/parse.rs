//! `khien parse scan`: a scanner report to normalised findings on stdout (JSON Lines), with no
//! database.

use anyhow::{Context, Result, anyhow};
use khien_vuln::{Finding, Format};
use std::io::Write;
use std::path::Path;

/// The JSON Lines object of one finding (the keys scripts rely on, then the rest).
pub fn json_line(f: &Finding) -> serde_json::Value {
    serde_json::json!({
        "title": f.title, "severity": f.severity.as_str(), "cvss_score": f.cvss_score,
        "cvss_vector": f.cvss_vector, "cves": f.cves, "cwes": f.cwes, "host": f.host, "ip": f.ip,
        "port": f.port, "protocol": f.protocol, "url": f.url, "rule_id": f.rule_id, "format": f.format,
        "description": f.description, "solution": f.solution, "evidence": f.evidence,
        "references": f.references, "location": f.location, "component": f.component,
        "fixed_version": f.fixed_version, "epss_score": f.epss_score, "suppressed": f.suppressed,
        "scan_time": f.scan_time,
    })
}

pub fn scan(file: &Path, format: Option<&str>) -> Result<u8> {
    let format = format.map(Format::parse).transpose().map_err(|e| anyhow!(e))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_err = None;
    let result = khien_vuln::parse_file(file, format, &mut |f| {
        if write_err.is_none()
            && let Err(e) = writeln!(out, "{}", json_line(&f))
        {
            write_err = Some(e);
        }
    });
    out.flush()?;
    if let Some(e) = write_err {
        return Err(e.into());
    }
    result.with_context(|| format!("{}", file.display()))?;
    Ok(0)
}
