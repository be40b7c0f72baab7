//! Assets of a system (IP addresses, CIDR ranges, host names, URLs), validated and normalised
//! so that scanner findings and log events can later be matched to systems by exact value or
//! containment.

use crate::problem::Problem;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Ip,
    Cidr,
    Hostname,
    Url,
}

impl AssetKind {
    pub const ALL: [AssetKind; 4] = [AssetKind::Ip, AssetKind::Cidr, AssetKind::Hostname, AssetKind::Url];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Ip => "ip",
            AssetKind::Cidr => "cidr",
            AssetKind::Hostname => "hostname",
            AssetKind::Url => "url",
        }
    }

    pub fn parse(s: &str) -> Option<AssetKind> {
        let s = s.trim().to_ascii_lowercase();
        AssetKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An asset in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormalisedAsset {
    pub kind: AssetKind,
    /// Canonical text: compressed IP, network address of a range, lower-case punycode host,
    /// URL with lower-case scheme and host and no default port.
    pub value: String,
}

/// Validate and normalise `raw`. With `kind` = None the kind is detected.
pub fn normalise_asset(kind: Option<AssetKind>, raw: &str) -> Result<NormalisedAsset, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Problem::Required);
    }
    if raw.len() > 2000 {
        return Err(Problem::TooLong { max: 2000 });
    }
    let detected = match kind {
        Some(k) => k,
        None if raw.contains("://") => AssetKind::Url,
        None if raw.contains('/') => AssetKind::Cidr,
        None if raw.parse::<IpAddr>().is_ok() => AssetKind::Ip,
        None => AssetKind::Hostname,
    };
    let value = match detected {
        AssetKind::Ip => raw.parse::<IpAddr>().map_err(|_| Problem::BadAsset)?.to_string(),
        AssetKind::Cidr => {
            let net: IpNet = raw.parse().map_err(|_| Problem::BadAsset)?;
            let net = net.trunc();
            if net.prefix_len() == net.max_prefix_len() {
                return Ok(NormalisedAsset { kind: AssetKind::Ip, value: net.addr().to_string() });
            }
            net.to_string()
        }
        AssetKind::Hostname => hostname(raw)?,
        AssetKind::Url => {
            let u = url::Url::parse(raw).map_err(|_| Problem::BadAsset)?;
            if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
                return Err(Problem::BadAsset);
            }
            let mut u = u;
            u.set_fragment(None);
            u.to_string()
        }
    };
    Ok(NormalisedAsset { kind: detected, value })
}

fn hostname(raw: &str) -> Result<String, Problem> {
    let raw = raw.strip_suffix('.').unwrap_or(raw);
    if raw.parse::<IpAddr>().is_ok() {
        return Err(Problem::BadAsset);
    }
    let host = url::Host::parse(raw).map_err(|_| Problem::BadAsset)?;
    let name = match host {
        url::Host::Domain(d) => d,
        _ => return Err(Problem::BadAsset),
    };
    let ok = name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if ok { Ok(name.to_ascii_lowercase()) } else { Err(Problem::BadAsset) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(raw: &str) -> (AssetKind, String) {
        let a = normalise_asset(None, raw).unwrap();
        (a.kind, a.value)
    }

    #[test]
    fn normalises() {
        assert_eq!(n(" 10.0.0.5 "), (AssetKind::Ip, "10.0.0.5".into()));
        assert_eq!(n("2001:DB8:0:0::1"), (AssetKind::Ip, "2001:db8::1".into()));
        assert_eq!(n("10.1.2.3/24"), (AssetKind::Cidr, "10.1.2.0/24".into()));
        assert_eq!(n("10.1.2.3/32"), (AssetKind::Ip, "10.1.2.3".into()));
        assert_eq!(n("Mail.NgheAn.gov.vn."), (AssetKind::Hostname, "mail.nghean.gov.vn".into()));
        assert_eq!(n("HTTPS://DVC.NgheAn.gov.vn:443/a#x"), (AssetKind::Url, "https://dvc.nghean.gov.vn/a".into()));
        assert_eq!(n("sở.vn").1, "xn--s-lym.vn");
    }

    #[test]
    fn rejects() {
        for bad in ["", "10.0.0.256/8", "ftp://x.vn", "bad host", "-a.vn", "<script>", "1.2.3.4/99"] {
            assert!(normalise_asset(None, bad).is_err(), "{bad}");
        }
        assert!(normalise_asset(Some(AssetKind::Ip), "mail.vn").is_err());
    }
}
