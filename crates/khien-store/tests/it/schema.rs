//! Both backends' schemas have the same tables and columns.

use khien_store::Store;
use khien_store::sql::Sql;
use std::collections::BTreeSet;

async fn columns(s: &Store) -> BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> = match s.backend() {
        khien_store::Backend::Sqlite => s
            .all(Sql::new(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
            ))
            .await
            .unwrap(),
        khien_store::Backend::Postgres => s
            .all(Sql::new(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
            ))
            .await
            .unwrap(),
    };
    rows.into_iter().collect()
}

#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let sqlite = khien_testkit::sqlite().await;
    let lite = columns(&sqlite.store).await;
    assert!(lite.contains(&("agencies".into(), "path".into())));
    // Always: compare against the PostgreSQL migration text, so a forgotten column shows
    // even without a PostgreSQL server.
    let pg_sql = [
        include_str!("../../migrations/postgres/0001_foundation.sql"),
        include_str!("../../migrations/postgres/0002_browse_indexes.sql"),
        include_str!("../../migrations/postgres/0003_findings.sql"),
        include_str!("../../migrations/postgres/0004_findings_import_keys.sql"),
        include_str!("../../migrations/postgres/0005_scan_file_hash.sql"),
        include_str!("../../migrations/postgres/0006_drop_findings_target.sql"),
        include_str!("../../migrations/postgres/0007_scan_report_digest.sql"),
        include_str!("../../migrations/postgres/0008_findings_key_collation.sql"),
    ]
    .concat();
    // Apply `ALTER TABLE t RENAME COLUMN a TO b` to the CREATE TABLE text it changes.
    let mut pg_sql = pg_sql;
    let renames: Vec<(String, String, String)> = pg_sql
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.trim().trim_end_matches(';').split_whitespace().collect();
            (w.len() == 8 && w[0] == "ALTER" && w[3] == "RENAME" && w[4] == "COLUMN" && w[6] == "TO")
                .then(|| (w[2].to_string(), w[5].to_string(), w[7].to_string()))
        })
        .collect();
    for (table, from, to) in renames {
        let create = format!("CREATE TABLE {table} (");
        if let Some((head, rest)) = pg_sql.split_once(&create) {
            let (body, tail) = rest.split_once(");").unwrap_or((rest, ""));
            let body = body.replace(&format!("\n    {from} "), &format!("\n    {to} "));
            pg_sql = format!("{head}{create}{body});{tail}");
        }
    }
    for (table, col) in &lite {
        let create = format!("CREATE TABLE {table} (");
        let body = pg_sql.split(&create).nth(1).unwrap_or_else(|| panic!("postgres migration lacks table {table}"));
        let body = body.split(");").next().unwrap_or_default();
        assert!(
            body.lines().any(|l| l.trim_start().starts_with(&format!("{col} "))),
            "postgres migration lacks {table}.{col}"
        );
    }
    let Some(pg) = khien_testkit::postgres().await else {
        eprintln!("KHIEN_TEST_PG not set: compared with the PostgreSQL migration text only");
        return;
    };
    assert_eq!(lite, columns(&pg.store).await);
}

/// SQLite's migration 4 rebuilds the findings table: rows and their history survive (no
/// cascade from dropping the old table), the new unique key holds, foreign keys are back on.
#[tokio::test]
async fn sqlite_migration_4_keeps_findings_and_their_history() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let dir = tempfile::tempdir().unwrap();
    let opts = SqliteConnectOptions::new().filename(dir.path().join("m.db")).create_if_missing(true).foreign_keys(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap();
    let migrator = sqlx::migrate!("migrations/sqlite");
    migrator.run_to(3, &pool).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO agencies (id, code, name, name_folded, kind, parent_id, path, depth, created_at, updated_at) \
         VALUES (1, 'P', 'P', 'p', 'province', NULL, '/1/', 0, 0, 0); \
         INSERT INTO systems (id, code, name, name_folded, owner_agency_id, operator_agency_id, category, status, \
         created_at, updated_at) VALUES (1, 'S', 'S', 's', 1, 1, 'internal', 'operating', 0, 0); \
         INSERT INTO vulns (id, digest, scanner, rule_id, title, title_folded, severity_rank, cvss_vector, cves, cwes, \
         description, solution, refs, created_at) VALUES (1, 'd', 'tenable', '1', 't', 't', 2, '', '', '', '', '', '', 0); \
         INSERT INTO findings (id, owner_key, system_id, fingerprint, vuln_id, scanner, severity_rank, target, host, ip, \
         protocol, url, location, component, fixed_version, evidence, content_hash, status, first_seen, last_seen, \
         first_scan_id, last_scan_id, updated_at) VALUES (7, 's1', 1, 'fp', 1, 'tenable', 2, '10.0.0.1', '', '10.0.0.1', \
         'tcp', '', '', '', '', 'kept', 'h', 'open', 1, 1, 1, 1, 1); \
         INSERT INTO finding_events (finding_id, at, actor, kind, note) VALUES (7, 1, 'a', 'comment', 'history');",
    )
    .execute(&pool)
    .await
    .unwrap();
    migrator.run(&pool).await.unwrap();
    let (evidence,): (String,) =
        sqlx::query_as("SELECT evidence FROM findings WHERE id = 7").fetch_one(&pool).await.unwrap();
    assert_eq!(evidence, "kept");
    let (events,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM finding_events WHERE finding_id = 7").fetch_one(&pool).await.unwrap();
    assert_eq!(events, 1, "dropping the old table must not cascade to the history");
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(&pool).await.unwrap();
    assert_eq!(fk, 1, "foreign keys are enforced again after the migration");
    let insert = |target: &str| {
        format!(
            "INSERT INTO findings (owner_key, system_id, fingerprint, vuln_id, scanner, severity_rank, target, host, ip, \
             protocol, url, location, component, fixed_version, evidence, content_hash, status, first_seen, last_seen, \
             first_scan_id, last_scan_id, updated_at) VALUES ('s1', 1, 'fp', 1, 'tenable', 2, '{target}', '', '', 'tcp', \
             '', '', '', '', '', 'h', 'open', 1, 1, 1, 1, 1)"
        )
    };
    let dup = sqlx::raw_sql(sqlx::AssertSqlSafe(insert("10.0.0.1"))).execute(&pool).await;
    assert!(dup.is_err(), "(owner, target, fingerprint) is unique");
    sqlx::raw_sql(sqlx::AssertSqlSafe(insert("10.0.0.2"))).execute(&pool).await.unwrap();
}

/// The key columns of findings order byte by byte on both backends (SQLite compares bytes;
/// PostgreSQL's migration 8 gives them `COLLATE "C"`), so lists sorted by them agree whatever
/// the server's locale.
#[tokio::test]
async fn finding_keys_sort_byte_by_byte_on_both_backends() {
    let mut dbs = vec![khien_testkit::sqlite().await];
    dbs.extend(khien_testkit::postgres().await);
    // Byte order. A locale would put "_" first and "a" next to "B".
    let values = ["b", "_", "a", "é", "B", "1"];
    let expected = ["1", "B", "_", "a", "b", "é"];
    for db in &dbs {
        let s = &db.store;
        for (i, v) in values.iter().enumerate() {
            // No foreign keys on findings (docs/decisions.md), so no vulnerability row is needed.
            let q = Sql::new(
                "INSERT INTO findings (owner_key, fingerprint, vuln_id, scanner, severity_rank, target, host, ip, \
                 protocol, url, location, component, fixed_version, evidence, content_hash, status, first_seen, \
                 last_seen, first_scan_id, last_scan_id, updated_at) \
                 VALUES ($1, $2, 1, 'tenable', 2, $3, '', '', '', '', '', '', '', '', '', $4, 1, 1, 1, 1, 1)",
            )
            .arg(*v)
            .arg(format!("{v}-{i}"))
            .arg(*v)
            .arg(*v);
            s.execute(q).await.unwrap();
        }
        for column in ["owner_key", "target", "fingerprint", "status"] {
            let rows: Vec<(String,)> =
                s.all(Sql::new(&format!("SELECT {column} FROM findings ORDER BY {column}"))).await.unwrap();
            let got: Vec<String> =
                rows.into_iter().map(|(v,)| v.split('-').next().unwrap_or_default().to_string()).collect();
            assert_eq!(got, expected, "{column} on {}", db.label);
        }
        // The order above is also what a `C.UTF-8` database gives by default, so check the
        // columns' own collation too: it must not depend on the database's locale.
        if s.backend() == khien_store::Backend::Postgres {
            let rows: Vec<(String, Option<String>)> = s
                .all(Sql::new(
                    "SELECT column_name::text, collation_name::text FROM information_schema.columns \
                     WHERE table_name = 'findings' AND column_name IN ('owner_key', 'target', 'fingerprint', 'status') \
                     ORDER BY column_name",
                ))
                .await
                .unwrap();
            let want: Vec<(String, Option<String>)> = ["fingerprint", "owner_key", "status", "target"]
                .iter()
                .map(|c| (c.to_string(), Some("C".to_string())))
                .collect();
            assert_eq!(rows, want);
        }
    }
}

/// What the store stores survives a power cut: the pool's connections run in WAL mode with
/// `synchronous=FULL` (2), which syncs the WAL at each commit.
#[tokio::test]
async fn sqlite_commits_are_synced_to_disk() {
    let db = khien_testkit::sqlite().await;
    let read = || async {
        let (mode,): (String,) = db.store.one(Sql::new("PRAGMA journal_mode")).await.unwrap();
        let (sync,): (i64,) = db.store.one(Sql::new("PRAGMA synchronous")).await.unwrap();
        (mode, sync)
    };
    // Three reads at once, so that more than one pooled connection answers.
    let (a, b, c) = tokio::join!(read(), read(), read());
    for (mode, sync) in [a, b, c] {
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous=FULL");
    }
}
