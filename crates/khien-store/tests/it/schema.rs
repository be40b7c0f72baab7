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
    ]
    .concat();
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
