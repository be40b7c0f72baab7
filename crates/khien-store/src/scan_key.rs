//! What a scan import computes for a finding before the database looks at it: its
//! vulnerability texts interned, then its fingerprint, target key and instance-content hash,
//! both on the parser's thread (which has had more room on two cores since the Nessus parser
//! passes unused elements by a byte search; keying ran on the database's thread before).
//!
//! Interning is what keeps a large import's memory traffic local: a Nessus report repeats
//! each plugin's description, solution and references in every instance (500,000 copies of
//! ~2,000 texts in the benchmark). The parser's thread compares a new instance's texts with
//! the plugin's interned ones and drops its own copies there and then, so the allocator
//! reuses that memory at once on the same thread instead of having the database thread free
//! it later; and the database thread recognises a vulnerability it has already stored by
//! pointer instead of comparing kilobytes of text.

use khien_core::vuln::fingerprint::{hash_part, scanner_family};
use khien_core::vuln::{FingerprintInput, fingerprint_and_target};
use khien_vuln::Finding;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// What a scanner says about a vulnerability, shared by all its instances in a report.
#[derive(Debug, PartialEq)]
pub(crate) struct VulnText {
    pub rule_id: String,
    pub title: String,
    pub severity: i64,
    pub cvss_score: Option<f64>,
    pub cvss_vector: String,
    pub cves: Vec<String>,
    pub cwes: Vec<u32>,
    pub description: String,
    pub solution: String,
    pub references: Vec<String>,
    pub epss: Option<f64>,
}

impl VulnText {
    /// The finding's vulnerability fields are these.
    fn same(&self, f: &Finding) -> bool {
        self.severity == f.severity.rank()
            && self.cvss_score == f.cvss_score
            && self.epss == f.epss_score
            && self.rule_id == f.rule_id
            && self.title == f.title
            && self.cvss_vector == f.cvss_vector
            && self.cves == f.cves
            && self.cwes == f.cwes
            && self.description == f.description
            && self.solution == f.solution
            && self.references == f.references
    }

    /// The bytes its texts hold (about; allocated, not just used: a text read in pieces can
    /// have room to spare).
    fn size(&self) -> usize {
        let list = |v: &[String]| v.iter().map(|s| s.capacity() + 24).sum::<usize>();
        self.rule_id.capacity()
            + self.title.capacity()
            + self.cvss_vector.capacity()
            + self.description.capacity()
            + self.solution.capacity()
            + list(&self.cves)
            + list(&self.references)
            + self.cwes.len() * 4
            + 256
    }

    /// Move the finding's vulnerability fields out (leaving them empty).
    fn take(f: &mut Finding) -> VulnText {
        VulnText {
            rule_id: std::mem::take(&mut f.rule_id),
            title: std::mem::take(&mut f.title),
            severity: f.severity.rank(),
            cvss_score: f.cvss_score,
            cvss_vector: std::mem::take(&mut f.cvss_vector),
            cves: std::mem::take(&mut f.cves),
            cwes: std::mem::take(&mut f.cwes),
            description: std::mem::take(&mut f.description),
            solution: std::mem::take(&mut f.solution),
            references: std::mem::take(&mut f.references),
            epss: f.epss_score,
        }
    }
}

/// Distinct texts kept per rule, in all, and their bytes in all: beyond them a text is still
/// used, just not remembered, so a report whose every instance differs costs comparisons and
/// memory in proportion to these caps, not to its size.
const PER_RULE: usize = 8;
const MAX_TEXTS: usize = 50_000;
const MAX_BYTES: usize = 64 << 20;

/// The rule's interned texts, by rule id (a seeded foldhash: one lookup per finding, where
/// SipHash was a visible share of the parser thread's time).
type ByRule = HashMap<String, Vec<Arc<VulnText>>, foldhash::fast::RandomState>;

/// The interned vulnerability texts of one import (lives on the parser's thread).
#[derive(Default)]
pub struct Interner {
    by_rule: HashMap<&'static str, ByRule, foldhash::fast::RandomState>,
    count: usize,
    bytes: usize,
}

impl Interner {
    /// The shared texts for `f`'s vulnerability fields, which are taken out of `f` (and,
    /// when an equal text is already interned, dropped here).
    fn intern(&mut self, family: &'static str, f: &mut Finding) -> Arc<VulnText> {
        let rule: &str = if f.rule_id.is_empty() { &f.title } else { &f.rule_id };
        let known = self.by_rule.get(family).and_then(|m| m.get(rule));
        if let Some(hit) = known.and_then(|list| list.iter().find(|k| k.same(f))) {
            let hit = hit.clone();
            drop(VulnText::take(f));
            return hit;
        }
        let room = self.count < MAX_TEXTS && known.is_none_or(|list| list.len() < PER_RULE);
        let rule = rule.to_string();
        let text = Arc::new(VulnText::take(f));
        // The map's copy of the rule counts too (a crafted report can make it large).
        let size = text.size() + rule.len();
        if room && self.bytes + size <= MAX_BYTES {
            self.by_rule.entry(family).or_default().entry(rule).or_default().push(text.clone());
            self.count += 1;
            self.bytes += size;
        }
        text
    }
}

/// A parsed finding with its vulnerability texts interned (the parser thread's part).
pub struct Interned {
    family: &'static str,
    vuln: Arc<VulnText>,
    /// The instance: its vulnerability fields are empty (they are in `vuln`).
    f: Finding,
}

/// Intern a parsed finding's texts (on the parser's thread; see the module's doc).
pub fn intern(mut f: Finding, interner: &mut Interner) -> Interned {
    let family: &'static str = match scanner_family(f.format) {
        "tenable" => "tenable",
        "openvas" => "openvas",
        "zap" => "zap",
        "generic" => "generic",
        _ => f.format,
    };
    let vuln = interner.intern(family, &mut f);
    Interned { family, vuln, f }
}

/// A finding with what can be computed without the database: its scanner family,
/// fingerprint, target key, instance-content hash and interned vulnerability texts.
pub struct Keyed {
    pub(crate) family: &'static str,
    pub(crate) fingerprint: Hex<32>,
    pub(crate) fp: u128,
    pub(crate) target: String,
    pub(crate) content_hash: Hex<24>,
    pub(crate) vuln: Arc<VulnText>,
    /// The instance: its vulnerability fields are empty (they are in `vuln`).
    pub(crate) f: Finding,
}

impl Interned {
    /// Compute the fingerprint, target and content hash (on the parser's thread, after
    /// interning: see the module's doc).
    pub fn key(self) -> Keyed {
        let Interned { family, vuln, f } = self;
        let (fp, target) = fingerprint_and_target(&FingerprintInput {
            format: f.format,
            rule_id: &vuln.rule_id,
            title: &vuln.title,
            ip: &f.ip,
            host: &f.host,
            port: f.port,
            protocol: &f.protocol,
            url: &f.url,
            location: &f.location,
            component: &f.component,
        });
        // What an instance adds to its vulnerability; the vulnerability itself is compared by id.
        let mut h = Sha256::new();
        hash_part(&mut h, f.host.as_bytes());
        hash_part(&mut h, f.ip.as_bytes());
        let mut port = itoa::Buffer::new();
        hash_part(&mut h, f.port.map(|p| port.format(p).as_bytes()).unwrap_or_default());
        for p in [&f.protocol, &f.url, &f.location, &f.component, &f.fixed_version, &f.evidence] {
            hash_part(&mut h, p.as_bytes());
        }
        hash_part(&mut h, if f.suppressed { b"1" } else { b"0" });
        let content_hash = Hex::of(&h.finalize()[..12]);
        Keyed { family, fp: u128::from_be_bytes(fp), fingerprint: Hex::of(&fp), target, content_hash, vuln, f }
    }
}

/// Intern and key a parsed finding (both parts in one call).
pub fn key(f: Finding, interner: &mut Interner) -> Keyed {
    intern(f, interner).key()
}

/// Lower-case hex of a short digest (`N` digits), kept inline: a fingerprint and a content
/// hash per finding cost no allocation on the parser's thread and no free on the database's
/// (`hex::encode` also goes through a char iterator, a visible cost at 500,000 findings).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex<const N: usize>([u8; N]);

impl<const N: usize> Hex<N> {
    /// The hex of `bytes`, which must be `N / 2` long (else the digits are all zero).
    fn of(bytes: &[u8]) -> Hex<N> {
        let mut out = [b'0'; N];
        // Fails only for a wrong length, which the callers' constant sizes rule out.
        let _ = hex::encode_to_slice(bytes, &mut out);
        Hex(out)
    }

    pub fn as_str(&self) -> &str {
        // Hex digits only: always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl<const N: usize> std::ops::Deref for Hex<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> std::fmt::Debug for Hex<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, description: &str, ip: &str) -> Finding {
        let mut f = Finding::new("nessus");
        f.rule_id = rule.into();
        f.title = format!("Plugin {rule}");
        f.description = description.into();
        f.ip = ip.into();
        f
    }

    #[test]
    fn instances_of_one_text_share_it() {
        let mut i = Interner::default();
        let a = key(finding("1", "same", "10.0.0.1"), &mut i);
        let b = key(finding("1", "same", "10.0.0.2"), &mut i);
        let c = key(finding("1", "other", "10.0.0.3"), &mut i);
        assert!(Arc::ptr_eq(&a.vuln, &b.vuln));
        assert!(!Arc::ptr_eq(&a.vuln, &c.vuln));
        assert_eq!(c.vuln.description, "other");
        assert_eq!(b.vuln.title, "Plugin 1");
        assert!(b.f.description.is_empty() && b.f.title.is_empty(), "the instance keeps no copy");
        assert_eq!(b.f.ip, "10.0.0.2");
        assert_ne!(a.fingerprint, b.fingerprint);
        assert_ne!(a.content_hash, b.content_hash);
    }

    #[test]
    fn caps_bound_what_is_remembered() {
        let mut i = Interner::default();
        let firsts: Vec<Keyed> = (0..PER_RULE + 2).map(|n| key(finding("7", &n.to_string(), "h"), &mut i)).collect();
        assert_eq!(i.count, PER_RULE);
        // A remembered text is found again; one beyond the cap is new each time, same content.
        let again = key(finding("7", "0", "h"), &mut i);
        assert!(Arc::ptr_eq(&again.vuln, &firsts[0].vuln));
        let late = key(finding("7", &(PER_RULE + 1).to_string(), "h"), &mut i);
        assert!(!Arc::ptr_eq(&late.vuln, &firsts[PER_RULE + 1].vuln));
        assert_eq!(late.vuln, firsts[PER_RULE + 1].vuln);
    }

    #[test]
    fn a_byte_budget_bounds_memory() {
        let mut i = Interner::default();
        let big = "x".repeat(1 << 20);
        for n in 0..100 {
            key(finding(&n.to_string(), &big, "h"), &mut i);
        }
        assert!(i.bytes <= MAX_BYTES, "{} bytes kept", i.bytes);
        assert!(i.count < 100 && i.count >= 60, "{} texts kept", i.count);
    }

    #[test]
    fn hex_matches_hex_encode() {
        let d = [0u8, 1, 0xab, 0xff, 0x10];
        assert_eq!(Hex::<10>::of(&d).as_str(), hex::encode(d));
        assert_eq!(&*Hex::<4>::of(&[0xc0, 0x01]), "c001");
    }
}
