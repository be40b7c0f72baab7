//! Finding fingerprints: the identity of one vulnerability on one target, stable across
//! re-scans, so that a newer scan updates the finding instead of adding a copy.
//!
//! fingerprint = first 128 bits of SHA-256 over, each length-prefixed:
//! 1. the scanner family (`tenable` for Nessus XML and CSV, `openvas` for both OpenVAS
//!    formats, `zap` for both ZAP formats, else the format name): a Nessus finding and an
//!    OpenVAS finding of the same CVE stay two findings, as each scanner re-checks its own;
//! 2. the scanner's rule id (plugin, NVT OID, template, rule), or the folded title if none;
//! 3. the target key (IP, else host, else the URL's host, else the location);
//! 4. port and protocol; 5. the URL without its fragment, scheme and host lower-cased;
//! 6. the location (file and line, resource); 7. the component (package and version).
//!
//! What is *not* in it: severity, CVSS, description, evidence and scan time, which change
//! between scans of the same vulnerability. The system is not in it either: the same
//! fingerprint is unique per owner (a system, or the unassigned list).

use sha2::{Digest, Sha256};

/// The parts of a finding that make its identity.
#[derive(Debug, Clone, Copy)]
pub struct FingerprintInput<'a> {
    pub format: &'a str,
    pub rule_id: &'a str,
    pub title: &'a str,
    pub ip: &'a str,
    pub host: &'a str,
    pub port: Option<u16>,
    pub protocol: &'a str,
    pub url: &'a str,
    pub location: &'a str,
    pub component: &'a str,
}

/// The scanner family of a format name.
pub fn scanner_family(format: &str) -> &str {
    match format {
        "nessus" | "nessus-csv" => "tenable",
        "openvas-xml" | "openvas-csv" => "openvas",
        "zap-xml" | "zap-json" => "zap",
        "generic-csv" => "generic",
        other => other,
    }
}

/// The target a finding is about: its IP, else its host name, else its URL's host, else its
/// location. Lower-case. Findings of the targets a scan covered and no longer reported are
/// the ones it marks fixed.
pub fn target_key(ip: &str, host: &str, url: &str, location: &str) -> String {
    let ip = ip.trim();
    if !ip.is_empty() {
        // The standard parser takes IPv4 only in its canonical dotted form (no leading zeros,
        // no spaces), so an IPv4 that parses is kept as written: no formatting per finding.
        if ip.parse::<std::net::Ipv4Addr>().is_ok() {
            return ip.to_string();
        }
        return ip.parse::<std::net::IpAddr>().map(|a| a.to_string()).unwrap_or_else(|_| ip.to_ascii_lowercase());
    }
    let host = host.trim().trim_end_matches('.');
    if !host.is_empty() {
        return host.to_ascii_lowercase();
    }
    if let Some(h) = url_host(url) {
        return h;
    }
    location.trim().to_string()
}

/// The lower-case host of an absolute URL.
pub fn url_host(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    u.host_str().map(|h| h.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase())
}

fn normalise_url(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.trim().to_string(),
    }
}

/// Feed one length-prefixed part to a digest ("<decimal length>:<bytes>"), so that ("ab",
/// "c") and ("a", "bc") differ. Fingerprints and the importer's content digests use it.
pub fn hash_part(h: &mut Sha256, p: &[u8]) {
    let mut len = itoa::Buffer::new();
    h.update(len.format(p.len()).as_bytes());
    h.update(b":");
    h.update(p);
}

/// The fingerprint (32 lower-case hex digits).
pub fn fingerprint(f: &FingerprintInput<'_>) -> String {
    hex::encode(fingerprint_and_target(f).0)
}

/// The fingerprint's 128 bits and the target key, computed together (an import needs both).
pub fn fingerprint_and_target(f: &FingerprintInput<'_>) -> ([u8; 16], String) {
    let trimmed = f.rule_id.trim();
    let folded;
    let rule = if trimmed.is_empty() {
        folded = crate::text::fold(f.title);
        folded.as_str()
    } else {
        trimmed
    };
    let target = target_key(f.ip, f.host, f.url, f.location);
    let mut port_digits = itoa::Buffer::new();
    let port = f.port.map(|p| port_digits.format(p).as_bytes()).unwrap_or_default();
    let protocol = f.protocol.trim();
    let protocol_lower;
    let protocol = if protocol.bytes().any(|b| b.is_ascii_uppercase()) {
        protocol_lower = protocol.to_ascii_lowercase();
        protocol_lower.as_str()
    } else {
        protocol
    };
    let url = if f.url.trim().is_empty() { String::new() } else { normalise_url(f.url) };
    let parts: [&[u8]; 8] = [
        scanner_family(f.format).as_bytes(),
        rule.as_bytes(),
        target.as_bytes(),
        port,
        protocol.as_bytes(),
        url.as_bytes(),
        f.location.trim().as_bytes(),
        f.component.trim().as_bytes(),
    ];
    let mut h = Sha256::new();
    for p in parts {
        hash_part(&mut h, p);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    (out, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(format: &'a str, ip: &'a str, url: &'a str) -> FingerprintInput<'a> {
        FingerprintInput {
            format,
            rule_id: "10107",
            title: "HTTP Server Type",
            ip,
            host: "",
            port: Some(80),
            protocol: "TCP",
            url,
            location: "",
            component: "",
        }
    }

    #[test]
    fn stable_and_discriminating() {
        let a = fingerprint(&input("nessus", "10.0.0.1", ""));
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint(&input("nessus-csv", "10.0.0.1", "")), "XML and CSV exports are one scanner");
        assert_ne!(a, fingerprint(&input("nessus", "10.0.0.2", "")));
        assert_ne!(a, fingerprint(&input("openvas-xml", "10.0.0.1", "")));
        assert_eq!(
            fingerprint(&input("zap-xml", "", "HTTP://Example.COM/a#x")),
            fingerprint(&input("zap-json", "", "http://example.com/a"))
        );
    }

    #[test]
    fn pinned_value() {
        // The documented construction, computed independently: stored fingerprints must not
        // change between versions (a re-scan would otherwise duplicate every finding).
        assert_eq!(fingerprint(&input("nessus", "10.0.0.1", "")), "14390852f2efe79de784d59d8f72c688");
        let (bytes, target) = fingerprint_and_target(&input("nessus", " 10.0.0.1 ", ""));
        assert_eq!(hex::encode(bytes), "14390852f2efe79de784d59d8f72c688");
        assert_eq!(target, "10.0.0.1");
    }

    #[test]
    fn hash_part_is_length_prefixed_decimal() {
        let mut a = Sha256::new();
        hash_part(&mut a, b"0123456789ab");
        let mut b = Sha256::new();
        b.update(b"12:0123456789ab");
        assert_eq!(a.finalize(), b.finalize());
    }

    #[test]
    fn targets() {
        assert_eq!(target_key(" 10.0.0.1 ", "h", "", ""), "10.0.0.1");
        assert_eq!(target_key("", "Mail.Gov.VN.", "", ""), "mail.gov.vn");
        assert_eq!(target_key("", "", "https://DVC.vn:8443/x", ""), "dvc.vn");
        assert_eq!(target_key("", "", "", "app/main.go"), "app/main.go");
        // IPv6 in canonical form, whatever the scanner wrote; IPv4 with leading zeros is not an
        // address to the standard parser and is kept as text.
        assert_eq!(target_key("2001:DB8:0:0::1", "", "", ""), "2001:db8::1");
        assert_eq!(target_key("010.0.0.1", "", "", ""), "010.0.0.1");
    }

    /// Every IPv4 the parser accepts is already in the form it would print, so keeping the
    /// text as written (the fast path) gives the same key as formatting the address.
    #[test]
    fn ipv4_targets_are_canonical_as_written() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = std::net::Ipv4Addr::from((x >> 16) as u32);
            let text = a.to_string();
            assert_eq!(target_key(&text, "", "", ""), text);
            // Forms that parse differently or not at all are never taken by the fast path.
            let padded = format!("0{text}");
            assert_eq!(target_key(&padded, "", "", ""), padded.to_ascii_lowercase());
        }
    }
}
