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

/// How long an authenticated session is trusted without asking the database again, when no
/// write happened in this process meanwhile (logout, password change and disabling an
/// account are writes, so they take effect at once on this node, and within this time on
/// other nodes).
pub const AUTH_TTL: Duration = Duration::from_secs(5);
const MAX_SESSIONS: usize = 20_000;

/// What a session cookie resolves to.
#[derive(Clone)]
pub struct SessionInfo {
    pub principal: khien_core::Principal,
    pub csrf: String,
    pub must_change_password: bool,
}

type AuthEntry = (u64, Instant, Option<SessionInfo>);

/// Cache of session cookie → principal.
#[derive(Default)]
pub struct AuthCache {
    entries: Mutex<HashMap<String, AuthEntry>>,
}

impl AuthCache {
    /// The session behind `token` (None when it is unknown, expired or its user disabled).
    pub async fn session(&self, store: &Store, token: &str) -> StoreResult<Option<SessionInfo>> {
        let generation = khien_store::generation();
        if let Ok(map) = self.entries.lock()
            && let Some((g, at, info)) = map.get(token)
            && *g == generation
            && at.elapsed() < AUTH_TTL
        {
            return Ok(info.clone());
        }
        let info = store.session_principal(token).await?.map(|(principal, csrf, must_change_password)| SessionInfo {
            principal,
            csrf,
            must_change_password,
        });
        // Only live sessions are remembered, so random cookies cannot fill the map.
        if info.is_some()
            && let Ok(mut map) = self.entries.lock()
        {
            if map.len() >= MAX_SESSIONS {
                map.clear();
            }
            map.insert(token.to_string(), (generation, Instant::now(), info.clone()));
        }
        Ok(info)
    }
}
