//! The parsers on the real sample reports of `shared/testdata/scans/` (counts and values
//! taken from the files themselves), on malformed input, and the intel loaders; one test
//! binary for the crate (linking is the slow part of a build).

mod burp;
mod generic;
mod intel;
mod nessus;
mod nessus_csv;
mod nuclei;
mod openvas_csv;
mod openvas_xml;
mod sarif;
mod trivy;
mod zap_json;
mod zap_xml;

use std::path::PathBuf;

/// A folder of `shared/testdata` (beside the checkout, or at `KHIEN_TESTDATA`).
pub fn testdata(dir: &str) -> PathBuf {
    let root = std::env::var_os("KHIEN_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"));
    root.join(dir)
}

/// Deterministic mutations of `bytes` (flips, CSV-special bytes, bad UTF-8, cuts).
pub fn mutations(bytes: &[u8], count: usize) -> Vec<Vec<u8>> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let special = [b'"', b',', b';', b'\t', b'\n', b'\r', 0xff, 0xc3, 0xe1, b' '];
    (0..count)
        .map(|_| {
            let mut m = bytes.to_vec();
            for _ in 0..1 + next() % 4 {
                if m.is_empty() {
                    break;
                }
                let at = (next() % m.len() as u64) as usize;
                match next() % 4 {
                    0 => m[at] = special[(next() % special.len() as u64) as usize],
                    1 => m.insert(at, special[(next() % special.len() as u64) as usize]),
                    2 => m.truncate(at),
                    _ => m[at] = next() as u8,
                }
            }
            m
        })
        .collect()
}
