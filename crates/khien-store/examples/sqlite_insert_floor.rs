//! A second floor for the vulnerability-import benchmark (`bench/vuln.sh`): the time SQLite
//! alone needs to store N findings shaped like the benchmark's (100 per host, random plugin,
//! ~100 bytes of evidence) into Khiên's real `findings` table, with its indexes, in one
//! transaction, with the statements prepared once and no parsing, matching or classifying.
//! An import can be no faster than the slower of this floor and the XML floor (parsing and
//! writing run on two threads), so the two together show where the import's time goes.
//!
//! `cargo run --release -p khien-store --example sqlite_insert_floor -- N` prints
//! `rows=N seconds=S`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(500_000);
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // The schema comes from the store's own migrations.
    rt.block_on(async {
        let store = khien_store::Store::open(&dir.path().to_string_lossy()).await?;
        store.migrate().await?;
        store.close().await;
        Ok::<_, khien_store::StoreError>(())
    })?;
    let mut db = rusqlite::Connection::open(dir.path().join("khien.db"))?;
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    )?;
    db.execute_batch(
        "INSERT INTO agencies (id, code, name, name_folded, kind, parent_id, path, depth, created_at, updated_at) \
         VALUES (1, 'B', 'Bench', 'bench', 'province', NULL, '/1/', 0, 0, 0); \
         INSERT INTO systems (id, code, name, name_folded, owner_agency_id, operator_agency_id, category, status, \
         created_at, updated_at) VALUES (1, 'S', 'Bench', 'bench', 1, 1, 'internal', 'operating', 0, 0);",
    )?;
    let tx = db.transaction()?;
    for v in 1..=2000 {
        tx.execute(
            "INSERT INTO vulns (id, digest, scanner, rule_id, title, title_folded, severity_rank, cvss_vector, \
             cves, cwes, description, solution, refs, created_at) VALUES (?1, ?2, 'tenable', ?1, 't', 't', 2, '', '', '', \
             '', '', '', 0)",
            rusqlite::params![v, format!("{v:032x}")],
        )?;
    }
    tx.commit()?;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let evidence = "Port 443/tcp was found to be open; the remote service answered with a banner. ".repeat(2);
    let started = Instant::now();
    let tx = db.transaction()?;
    {
        let mut ins = tx.prepare(
            "INSERT INTO findings (owner_key, system_id, agency_id, fingerprint, vuln_id, scanner, severity_rank, target, \
             host, ip, port, protocol, url, location, component, fixed_version, evidence, content_hash, suppressed, status, \
             first_seen, last_seen, due_at, first_scan_id, last_scan_id, updated_at) VALUES ('s1', 1, NULL, ?1, ?2, \
             'tenable', ?3, ?4, ?5, ?4, 443, 'tcp', '', '', '', '', ?6, ?7, FALSE, 'open', 1700000000, 1700000000, ?8, \
             1, 1, 1700000000) ON CONFLICT (owner_key, target, fingerprint) DO NOTHING",
        )?;
        for i in 0..n {
            let host = i / 100;
            let ip = format!("10.{}.{}.{}", host >> 16 & 255, host >> 8 & 255, host & 255);
            let severity = (next() % 5) as i64;
            ins.execute(rusqlite::params![
                format!("{:016x}{:016x}", next(), next()),
                (next() % 2000 + 1) as i64,
                severity,
                ip,
                format!("host-{host}.example.gov.vn"),
                &evidence[..(next() % 90) as usize + 60],
                format!("{:024x}", next() as u128 * 31),
                1_700_000_000 + 86_400 * (15 + 30 * severity),
            ])?;
        }
    }
    tx.commit()?;
    println!("rows={n} seconds={:.3}", started.elapsed().as_secs_f64());
    Ok(())
}
