//! Khiên's persistence. One [`Store`] over either SQLite (the embedded default: a file in the
//! data directory, WAL mode, created on first run) or PostgreSQL (scale-out).
//!
//! SQL is written once with `$n` placeholders (both backends accept them) through the small
//! [`sql::Sql`] builder, and run on whichever pool is open. Every read and write of registry
//! data takes the caller's [`khien_core::Scope`] and applies it in SQL; nothing is filtered
//! after loading.

pub mod agencies;
pub mod audit;
mod db;
pub mod error;
pub mod findings;
pub mod import;
pub mod intel;
pub mod scan_import;
pub mod scan_key;
mod scan_write;
pub mod sessions;
pub mod sql;
mod sqlite_static;
pub mod stats;
pub mod systems;
pub mod tokens;
pub mod users;

pub use db::{Backend, Store, Tx};
pub use error::{StoreError, StoreResult};

static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A number that grows whenever this process commits a write. Caches of derived figures
/// (the overview, sessions) compare it to know they are stale.
pub fn generation() -> u64 {
    GENERATION.load(std::sync::atomic::Ordering::Acquire)
}

pub(crate) fn bump_generation() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A page request: items with id greater than `after`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub after: Option<i64>,
    pub limit: i64,
}

impl Page {
    pub const MAX_LIMIT: i64 = 1000;

    pub fn new(after: Option<i64>, limit: Option<i64>) -> Page {
        Page { after, limit: limit.unwrap_or(100).clamp(1, Self::MAX_LIMIT) }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(None, None)
    }
}

/// One page of a list and the total that matches the filter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// Cursor for the following page (the last item's id), or None at the end.
    pub next: Option<String>,
}
