//! A short-lived cache of overview figures per scope. Dashboards are read far more often than
//! the registry changes: an entry is reused until this process commits any write (the store's
//! generation moves) or, for writes made by other nodes sharing PostgreSQL, for at most
//! [`TTL`].

use khien_core::Scope;
use khien_store::stats::Overview;
use khien_store::{Store, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest time an entry is reused without a local write.
pub const TTL: Duration = Duration::from_secs(10);
const MAX_ENTRIES: usize = 2048;

type Entry = (u64, Instant, Arc<Overview>);

#[derive(Default)]
pub struct OverviewCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl OverviewCache {
    /// The overview of `scope`, computed at most once per generation and TTL.
    pub async fn get(&self, store: &Store, scope: &Scope) -> StoreResult<Arc<Overview>> {
        let key = format!("{scope:?}");
        let generation = khien_store::generation();
        if let Ok(map) = self.entries.lock()
            && let Some((g, at, o)) = map.get(&key)
            && *g == generation
            && at.elapsed() < TTL
        {
            return Ok(o.clone());
        }
        let o = Arc::new(store.overview(scope).await?);
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, (generation, Instant::now(), o.clone()));
        }
        Ok(o)
    }
}
