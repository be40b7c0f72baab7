//! API tokens for machines: shown once at creation, stored as SHA-256, revocable, and scoped
//! like the user they belong to.

use crate::audit;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now;
use crate::sessions::{random_token, token_hash};
use crate::sql::Sql;
use khien_core::{Action, Principal, Problem};
use serde::Serialize;

/// Every token starts with this, so leaked tokens are easy to search for.
pub const TOKEN_PREFIX: &str = "khien_";

/// A stored token (without its secret).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLS: &str = "t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at";

impl Store {
    /// Create a token for `username` (oneself, or anyone for an admin). Returns the stored
    /// token and the secret, which is never shown again.
    pub async fn token_create(&self, p: &Principal, username: &str, name: &str) -> StoreResult<(ApiToken, String)> {
        let user = self.user_by_name(username).await?.ok_or_else(|| {
            StoreError::invalid("username", Problem::NotFound { what: format!("tài khoản «{username}»") })
        })?;
        if user.id != p.user_id && !p.can(Action::ManageUsers) {
            return Err(StoreError::Forbidden);
        }
        let name = name.trim();
        if name.chars().count() > 100 {
            return Err(StoreError::invalid("name", Problem::TooLong { max: 100 }));
        }
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let mut tx = self.begin().await?;
        let (id,): (i64,) = tx
            .one(
                Sql::new("INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .arg(user.id)
                    .arg(if name.is_empty() { "api" } else { name })
                    .arg(token_hash(&secret))
                    .arg(&prefix)
                    .arg(now()),
            )
            .await?;
        let mut q =
            Sql::new(&format!("SELECT {COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = "));
        q.bind(id);
        let tok: ApiToken = tx.one(q).await?;
        audit::append(
            &mut tx,
            &p.username,
            "create",
            "api_token",
            &id.to_string(),
            String::new(),
            audit::json(Some(&tok)),
        )
        .await?;
        tx.commit().await?;
        Ok((tok, secret))
    }

    /// The caller's own tokens, or with `all` (admins only) everyone's.
    pub async fn tokens_list(&self, p: &Principal, all: bool) -> StoreResult<Vec<ApiToken>> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id"));
        if !(all && p.can(Action::ManageUsers)) {
            q.push(" WHERE t.user_id = ").bind(p.user_id);
        }
        q.push(" ORDER BY t.id");
        self.all(q).await
    }

    /// Revoke a token (its owner or an admin).
    pub async fn token_revoke(&self, p: &Principal, id: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let mut q =
            Sql::new(&format!("SELECT {COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = "));
        q.bind(id);
        let tok: ApiToken = tx.optional(q).await?.ok_or(StoreError::NotFound)?;
        if tok.user_id != p.user_id && !p.can(Action::ManageUsers) {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            Sql::new("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL").arg(now()).arg(id),
        )
        .await?;
        audit::append(
            &mut tx,
            &p.username,
            "revoke",
            "api_token",
            &id.to_string(),
            audit::json(Some(&tok)),
            String::new(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal of a live token.
    pub async fn principal_for_token(&self, secret: &str) -> StoreResult<Option<Principal>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let row: Option<(i64, i64, Option<i64>)> = self
            .optional(
                Sql::new(
                    "SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                )
                .arg(token_hash(secret)),
            )
            .await?;
        let Some((id, user_id, last_used)) = row else { return Ok(None) };
        // Record use at most once a minute, so that reads do not turn into writes.
        let t = now();
        if last_used.is_none_or(|l| t - l > 60) {
            self.execute(Sql::new("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").arg(t).arg(id)).await?;
        }
        self.principal_for(user_id, Some(id)).await
    }
}
