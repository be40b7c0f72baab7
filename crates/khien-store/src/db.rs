//! Opening the store on SQLite or PostgreSQL, migrations, and running [`Sql`] on either pool
//! or inside a transaction.

use crate::error::{StoreError, StoreResult};
use crate::sql::{Arg, Sql};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{AssertSqlSafe, FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: a connection pool on one of the two backends. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either backend. Dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Rows that decode on both backends.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::OptI64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::OptF64(v) => q.bind(v),
            };
        }
        q
    }};
}

macro_rules! run {
    ($target:expr, $sql:expr, |$exec:ident| $query:ident . $method:ident) => {
        match $target {
            Target::Sqlite($exec) => {
                let q = bind_all!(sqlx::$query(AssertSqlSafe($sql.text)), $sql.args);
                q.$method($exec).await
            }
            Target::Postgres($exec) => {
                let q = bind_all!(sqlx::$query(AssertSqlSafe($sql.text)), $sql.args);
                q.$method($exec).await
            }
        }
    };
}

enum Target<'a, S, P> {
    Sqlite(&'a mut S),
    Postgres(&'a mut P),
}

impl Store {
    /// Open `database`: a `postgres://` or `postgresql://` URL, a `sqlite:` URL, or else a
    /// data directory in which `khien.db` is created on first run.
    pub async fn open(database: &str) -> StoreResult<Store> {
        if database.starts_with("postgres://") || database.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(database)
                .await?;
            return Ok(Store::Postgres(pool));
        }
        let opts = if let Some(rest) = database.strip_prefix("sqlite:") {
            SqliteConnectOptions::from_str(&format!("sqlite:{rest}"))?
        } else {
            let dir = Path::new(database);
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Other(format!("cannot create data directory {}: {e}", dir.display())))?;
            SqliteConnectOptions::new().filename(dir.join("khien.db"))
        };
        let opts = opts
            .create_if_missing(true)
            // 16 KiB pages for a new database (an existing one keeps its page size): fewer,
            // fuller b-tree pages, so a large scan import does a fifth less b-tree work
            // (page splits, cell moves) and writes fewer WAL frame headers; see
            // docs/decisions.md.
            .page_size(16384)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: every commit syncs the WAL before it returns, so an acknowledged import
            // or change survives a power cut or kernel crash, not only a process crash
            // (NORMAL could lose the last commits then). The cost is one fsync per commit;
            // see docs/decisions.md.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache per connection (at most; it grows as used) and temporary
            // b-trees in memory: a large import keeps its indexes' working set cached.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
        Ok(Store::Sqlite(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Apply pending migrations of this backend.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Store::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Write a consistent copy of the live SQLite database to `out` (`VACUUM INTO`: a
    /// transactionally consistent snapshot, safe while the server runs).
    pub async fn backup_sqlite(&self, out: &Path) -> StoreResult<()> {
        match self {
            Store::Sqlite(p) => {
                let path = out.to_string_lossy().into_owned();
                sqlx::query("VACUUM INTO $1").bind(path).execute(p).await?;
                Ok(())
            }
            Store::Postgres(_) => Err(StoreError::Other("backup_sqlite needs a SQLite store; use pg_dump".into())),
        }
    }

    /// Close the pool (waits for connections to be returned).
    pub async fn close(&self) {
        match self {
            Store::Sqlite(p) => p.close().await,
            Store::Postgres(p) => p.close().await,
        }
    }

    /// Begin a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so writers queue on the
    /// busy timeout instead of failing when they upgrade from reading.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Store::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn all<T: Row>(&self, sql: Sql) -> StoreResult<Vec<T>> {
        let mut a = self.acquire().await?;
        a.all(sql).await
    }

    pub async fn optional<T: Row>(&self, sql: Sql) -> StoreResult<Option<T>> {
        let mut a = self.acquire().await?;
        a.optional(sql).await
    }

    pub async fn one<T: Row>(&self, sql: Sql) -> StoreResult<T> {
        self.optional(sql).await?.ok_or(StoreError::NotFound)
    }

    pub async fn execute(&self, sql: Sql) -> StoreResult<u64> {
        let mut a = self.acquire().await?;
        let n = a.execute(sql).await?;
        crate::bump_generation();
        Ok(n)
    }

    /// A single `i64` (e.g. a count).
    pub async fn scalar(&self, sql: Sql) -> StoreResult<i64> {
        let (v,): (i64,) = self.one(sql).await?;
        Ok(v)
    }

    async fn acquire(&self) -> StoreResult<Conn> {
        Ok(match self {
            Store::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Store::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }
}

enum Conn {
    Sqlite(sqlx::pool::PoolConnection<Sqlite>),
    Postgres(sqlx::pool::PoolConnection<Postgres>),
}

impl Conn {
    fn target(&mut self) -> Target<'_, sqlx::SqliteConnection, sqlx::PgConnection> {
        match self {
            Conn::Sqlite(c) => Target::Sqlite(&mut **c),
            Conn::Postgres(c) => Target::Postgres(&mut **c),
        }
    }

    async fn all<T: Row>(&mut self, sql: Sql) -> StoreResult<Vec<T>> {
        Ok(run!(self.target(), sql, |e| query_as.fetch_all)?)
    }

    async fn optional<T: Row>(&mut self, sql: Sql) -> StoreResult<Option<T>> {
        Ok(run!(self.target(), sql, |e| query_as.fetch_optional)?)
    }

    async fn execute(&mut self, sql: Sql) -> StoreResult<u64> {
        let n = match self.target() {
            Target::Sqlite(e) => {
                bind_all!(sqlx::query(AssertSqlSafe(sql.text)), sql.args).execute(e).await?.rows_affected()
            }
            Target::Postgres(e) => {
                bind_all!(sqlx::query(AssertSqlSafe(sql.text)), sql.args).execute(e).await?.rows_affected()
            }
        };
        Ok(n)
    }
}

impl Tx {
    fn target(&mut self) -> Target<'_, sqlx::SqliteConnection, sqlx::PgConnection> {
        match self {
            Tx::Sqlite(c) => Target::Sqlite(&mut **c),
            Tx::Postgres(c) => Target::Postgres(&mut **c),
        }
    }

    pub async fn all<T: Row>(&mut self, sql: Sql) -> StoreResult<Vec<T>> {
        Ok(run!(self.target(), sql, |e| query_as.fetch_all)?)
    }

    pub async fn optional<T: Row>(&mut self, sql: Sql) -> StoreResult<Option<T>> {
        Ok(run!(self.target(), sql, |e| query_as.fetch_optional)?)
    }

    pub async fn one<T: Row>(&mut self, sql: Sql) -> StoreResult<T> {
        self.optional(sql).await?.ok_or(StoreError::NotFound)
    }

    pub async fn scalar(&mut self, sql: Sql) -> StoreResult<i64> {
        let (v,): (i64,) = self.one(sql).await?;
        Ok(v)
    }

    pub async fn execute(&mut self, sql: Sql) -> StoreResult<u64> {
        let n = match self.target() {
            Target::Sqlite(e) => {
                bind_all!(sqlx::query(AssertSqlSafe(sql.text)), sql.args).execute(e).await?.rows_affected()
            }
            Target::Postgres(e) => {
                bind_all!(sqlx::query(AssertSqlSafe(sql.text)), sql.args).execute(e).await?.rows_affected()
            }
        };
        Ok(n)
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        crate::bump_generation();
        Ok(())
    }
}
