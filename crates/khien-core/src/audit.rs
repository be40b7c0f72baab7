//! The audit trail's hash chain: every entry's hash covers the previous entry's hash and the
//! entry's own fields, so editing or deleting a stored row breaks the chain from that row on.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one audit entry that the hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFields<'a> {
    pub seq: i64,
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

/// hash = SHA-256(prev_hash ‖ 0x1f ‖ each field, separated by 0x1f), hex.
pub fn entry_hash(prev_hash: &str, f: &AuditFields<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    for part in [
        f.seq.to_string().as_str(),
        f.at.to_string().as_str(),
        f.actor,
        f.action,
        f.entity,
        f.entity_id,
        f.before,
        f.after,
    ] {
        h.update([0x1f]);
        h.update(part.len().to_string().as_bytes());
        h.update(b":");
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A break found while verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Incremental verifier: feed entries in sequence order.
#[derive(Debug)]
pub struct ChainVerifier {
    prev_hash: String,
    prev_seq: i64,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { prev_hash: GENESIS.to_string(), prev_seq: 0, checked: 0 }
    }
}

impl ChainVerifier {
    /// Check one stored entry with its stored `prev_hash` and `hash`.
    pub fn check(&mut self, f: &AuditFields<'_>, prev_hash: &str, hash: &str) -> Result<(), ChainBreak> {
        self.checked += 1;
        if f.seq != self.prev_seq + 1 {
            return Err(ChainBreak {
                seq: f.seq,
                reason: format!("sequence gap: expected {}, found {} (a row was deleted)", self.prev_seq + 1, f.seq),
            });
        }
        if prev_hash != self.prev_hash {
            return Err(ChainBreak { seq: f.seq, reason: "previous-hash link does not match".into() });
        }
        let expect = entry_hash(prev_hash, f);
        if expect != hash {
            return Err(ChainBreak { seq: f.seq, reason: "content does not match its hash (row was altered)".into() });
        }
        self.prev_hash = hash.to_string();
        self.prev_seq = f.seq;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(seq: i64, after: &str) -> AuditFields<'_> {
        AuditFields { seq, at: 1, actor: "a", action: "create", entity: "agency", entity_id: "1", before: "", after }
    }

    #[test]
    fn detects_tampering() {
        let h1 = entry_hash(GENESIS, &f(1, "x"));
        let h2 = entry_hash(&h1, &f(2, "y"));
        let mut v = ChainVerifier::default();
        v.check(&f(1, "x"), GENESIS, &h1).unwrap();
        v.check(&f(2, "y"), &h1, &h2).unwrap();

        let mut v = ChainVerifier::default();
        v.check(&f(1, "x"), GENESIS, &h1).unwrap();
        assert!(v.check(&f(2, "Y"), &h1, &h2).is_err());

        let mut v = ChainVerifier::default();
        assert!(v.check(&f(2, "y"), &h1, &h2).is_err());
    }
}
