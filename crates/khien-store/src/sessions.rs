//! Browser sessions: a random token in an HttpOnly cookie, stored only as its SHA-256, with a
//! per-session CSRF token and a sliding expiry.

use crate::db::Store;
use crate::error::StoreResult;
use crate::now;
use crate::sql::Sql;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Idle lifetime of a session, in seconds.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// A new random token (32 bytes, URL-safe base64).
pub fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 of a token, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub user_id: i64,
    pub csrf: String,
    pub expires_at: i64,
}

impl Store {
    /// Start a session for a user; returns (cookie token, csrf token).
    pub async fn session_create(&self, user_id: i64) -> StoreResult<(String, String)> {
        let token = random_token();
        let csrf = random_token();
        let t = now();
        self.execute(
            Sql::new(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .arg(token_hash(&token))
            .arg(user_id)
            .arg(&csrf)
            .arg(t)
            .arg(t + SESSION_SECONDS),
        )
        .await?;
        Ok((token, csrf))
    }

    /// The live session of a cookie token, extending its expiry when it is past half-life.
    pub async fn session_get(&self, token: &str) -> StoreResult<Option<Session>> {
        let t = now();
        let h = token_hash(token);
        let s: Option<Session> = self
            .optional(
                Sql::new("SELECT user_id, csrf, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                    .arg(&h)
                    .arg(t),
            )
            .await?;
        if let Some(s) = &s
            && s.expires_at - t < SESSION_SECONDS / 2
        {
            self.execute(
                Sql::new("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2").arg(t + SESSION_SECONDS).arg(&h),
            )
            .await?;
        }
        Ok(s)
    }

    /// The principal, CSRF token and "must change password" flag of a live session, in two
    /// queries (session with its user, then the user's scope roots).
    pub async fn session_principal(&self, token: &str) -> StoreResult<Option<(khien_core::Principal, String, bool)>> {
        let Some(sess) = self.session_get(token).await? else { return Ok(None) };
        #[derive(sqlx::FromRow)]
        struct U {
            id: i64,
            username: String,
            display_name: String,
            role: String,
            disabled: bool,
            must_change_password: bool,
        }
        let u: Option<U> = self
            .optional(
                Sql::new(
                    "SELECT id, username, display_name, role, disabled, must_change_password FROM users WHERE id = $1",
                )
                .arg(sess.user_id),
            )
            .await?;
        let Some(u) = u.filter(|u| !u.disabled) else { return Ok(None) };
        let Some(role) = khien_core::Role::parse(&u.role) else { return Ok(None) };
        let scope = self.scope_of(u.id, role).await?;
        let p = khien_core::Principal {
            user_id: u.id,
            username: u.username,
            display_name: u.display_name,
            role,
            scope,
            token_id: None,
        };
        Ok(Some((p, sess.csrf, u.must_change_password)))
    }

    pub async fn session_delete(&self, token: &str) -> StoreResult<()> {
        self.execute(Sql::new("DELETE FROM sessions WHERE token_hash = $1").arg(token_hash(token))).await?;
        Ok(())
    }

    /// Remove expired sessions; returns how many.
    pub async fn sessions_purge(&self) -> StoreResult<u64> {
        self.execute(Sql::new("DELETE FROM sessions WHERE expires_at <= $1").arg(now())).await
    }
}
