//! The KEV parser on the real CISA catalogue snapshot in `shared/testdata/intel/`.

use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    crate::testdata("intel").join(name)
}

#[test]
fn real_kev_catalogue() {
    let f = std::fs::File::open(sample("known_exploited_vulnerabilities.json")).unwrap();
    let kev = khien_vuln::intel::parse_kev(f).unwrap();
    assert_eq!(kev.version, "2025.08.25");
    assert_eq!(kev.entries.len(), 1404);
    assert_eq!(kev.entries.iter().filter(|e| e.ransomware == "Known").count(), 293);
    let php = kev.entries.iter().find(|e| e.cve == "CVE-2024-4577").unwrap();
    assert_eq!(php.vendor, "PHP Group");
    assert_eq!(kev.entries[0].cve, "CVE-2025-48384");
    assert_eq!(kev.entries[0].date_added, "2025-08-25");
}
