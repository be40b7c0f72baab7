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
