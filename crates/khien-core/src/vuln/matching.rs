//! Attaching a finding to a system by its assets: an exact IP, then an exact host name, then
//! the longest URL asset the finding's URL starts with, then the narrowest CIDR range that
//! contains the IP. When two systems claim the same asset the one with the lower id wins
//! (deterministic; the registry page flags duplicate assets).

use ipnet::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;

/// Assets of the systems a caller may import into, indexed for matching.
#[derive(Debug, Default, Clone)]
pub struct AssetIndex {
    ips: HashMap<IpAddr, i64>,
    hosts: HashMap<String, i64>,
    urls: Vec<(String, i64)>,
    cidrs: Vec<(IpNet, i64)>,
}

impl AssetIndex {
    /// Add a normalised asset (`kind` as stored: ip, cidr, hostname, url).
    pub fn add(&mut self, system_id: i64, kind: &str, value: &str) {
        match kind {
            "ip" => {
                if let Ok(ip) = value.parse() {
                    let e = self.ips.entry(ip).or_insert(system_id);
                    *e = (*e).min(system_id);
                }
            }
            "hostname" => {
                let e = self.hosts.entry(value.to_ascii_lowercase()).or_insert(system_id);
                *e = (*e).min(system_id);
            }
            "url" => self.urls.push((value.to_string(), system_id)),
            "cidr" => {
                if let Ok(net) = value.parse() {
                    self.cidrs.push((net, system_id));
                }
            }
            _ => {}
        }
    }

    /// Sort the range lists once all assets are added: longest URL and narrowest range first.
    pub fn finish(&mut self) {
        self.urls.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        self.cidrs.sort_by(|a, b| b.0.prefix_len().cmp(&a.0.prefix_len()).then(a.1.cmp(&b.1)));
    }

    pub fn is_empty(&self) -> bool {
        self.ips.is_empty() && self.hosts.is_empty() && self.urls.is_empty() && self.cidrs.is_empty()
    }

    /// The system a finding with this IP, host and URL belongs to.
    pub fn find(&self, ip: &str, host: &str, url: &str) -> Option<i64> {
        let ip: Option<IpAddr> = ip.trim().parse().ok().or_else(|| host.trim().parse().ok());
        if let Some(ip) = ip
            && let Some(&s) = self.ips.get(&ip)
        {
            return Some(s);
        }
        let url_host = super::fingerprint::url_host(url);
        for h in [Some(host.trim().trim_end_matches('.').to_ascii_lowercase()), url_host.clone()].into_iter().flatten()
        {
            if let Some(&s) = self.hosts.get(&h) {
                return Some(s);
            }
        }
        if !url.is_empty()
            && let Ok(mut u) = url::Url::parse(url.trim())
        {
            u.set_fragment(None);
            let u = u.to_string();
            if let Some((_, s)) = self.urls.iter().find(|(prefix, _)| u.starts_with(prefix.as_str())) {
                return Some(*s);
            }
        }
        let ip = ip.or_else(|| url_host.and_then(|h| h.parse().ok()))?;
        self.cidrs.iter().find(|(net, _)| net.contains(&ip)).map(|(_, s)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence() {
        let mut ix = AssetIndex::default();
        ix.add(3, "cidr", "10.0.0.0/8");
        ix.add(2, "cidr", "10.1.0.0/16");
        ix.add(5, "ip", "10.1.2.3");
        ix.add(7, "hostname", "dvc.nghean.gov.vn");
        ix.add(8, "url", "https://portal.nghean.gov.vn/");
        ix.add(9, "url", "https://portal.nghean.gov.vn/so-y-te/");
        ix.finish();
        assert_eq!(ix.find("10.1.2.3", "", ""), Some(5));
        assert_eq!(ix.find("10.1.9.9", "", ""), Some(2), "narrowest range");
        assert_eq!(ix.find("10.200.0.1", "", ""), Some(3));
        assert_eq!(ix.find("", "DVC.nghean.gov.vn", ""), Some(7));
        assert_eq!(ix.find("", "", "https://dvc.nghean.gov.vn/login"), Some(7));
        assert_eq!(ix.find("", "", "https://portal.nghean.gov.vn/so-y-te/a?b=1"), Some(9));
        assert_eq!(ix.find("", "", "https://portal.nghean.gov.vn/x"), Some(8));
        assert_eq!(ix.find("192.168.1.1", "other.vn", "https://other.vn/"), None);
        assert_eq!(ix.find("", "", "http://10.9.9.9:8080/"), Some(3), "IP in a URL falls in a range");
    }
}
