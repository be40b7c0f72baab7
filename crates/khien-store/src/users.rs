//! User accounts: argon2id password hashes, login with lock-out after repeated failures,
//! agency-bound scopes, and turning a user into a [`Principal`].

use crate::audit;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{Page, Paged, now};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use khien_core::{Action, FieldError, Principal, Problem, Role, Scope};
use serde::Serialize;

/// Failed logins in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts, in seconds.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// Minimum password length.
pub const MIN_PASSWORD: usize = 10;

/// A stored user (never carries the password hash out of the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

/// A user with the codes of the agencies that bound their scope.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    #[serde(flatten)]
    pub user: User,
    pub agencies: Vec<String>,
}

/// A new account.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub agency_codes: Vec<String>,
    pub password: String,
    pub must_change_password: bool,
}

const USER_COLS: &str = "u.id, u.username, u.display_name, u.role, u.disabled, u.must_change_password, u.failed_logins, u.locked_until, u.created_at, u.last_login_at";

/// Hash a password with argon2id (the crate's default parameters).
pub fn hash_password(password: &str) -> StoreResult<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| StoreError::Other(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Check a new password against the policy.
pub fn check_password(password: &str) -> Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(FieldError::new("password", Problem::TooShort { min: MIN_PASSWORD }));
    }
    if password.len() > 1024 {
        return Err(FieldError::new("password", Problem::TooLong { max: 1024 }));
    }
    Ok(())
}

/// A random password for first-run and demo accounts.
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

impl Store {
    /// Create an account. `p` must be allowed to manage users.
    pub async fn user_create(&self, p: &Principal, u: NewUser) -> StoreResult<User> {
        if !p.can(Action::ManageUsers) {
            return Err(StoreError::Forbidden);
        }
        let mut errs = Vec::new();
        let username = u.username.trim().to_lowercase();
        if username.is_empty() {
            errs.push(FieldError::new("username", Problem::Required));
        } else if username.len() > 64
            || !username.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@'))
        {
            errs.push(FieldError::new("username", Problem::BadCode));
        }
        khien_core::problem::check::optional_text(&mut errs, "display_name", &u.display_name, 120);
        let role = Role::parse(u.role.trim());
        if role.is_none() {
            errs.push(FieldError::new(
                "role",
                Problem::UnknownValue { allowed: Role::ALL.iter().map(|r| r.as_str().to_string()).collect() },
            ));
        }
        if role.is_some_and(|r| r.requires_agency()) && u.agency_codes.is_empty() {
            errs.push(FieldError::new("agency", Problem::Required));
        }
        if let Err(e) = check_password(&u.password) {
            errs.push(e);
        }
        let mut tx = self.begin().await?;
        let mut agency_ids = Vec::new();
        for code in &u.agency_codes {
            match crate::agencies::get_in_tx(&mut tx, &p.scope, code.trim()).await? {
                Some(a) => agency_ids.push(a.id),
                None => errs.push(FieldError::new(
                    "agency",
                    Problem::NotFound { what: format!("cơ quan, đơn vị mã «{}»", code.trim()) },
                )),
            }
        }
        let exists: Option<(i64,)> =
            tx.optional(Sql::new("SELECT id FROM users WHERE username = $1").arg(&username)).await?;
        if exists.is_some() {
            errs.push(FieldError::new("username", Problem::Duplicate { what: format!("Tài khoản «{username}»") }));
        }
        if !errs.is_empty() {
            return Err(StoreError::Invalid(errs));
        }
        let role = role.ok_or(StoreError::NotFound)?;
        let hash = hash_password(&u.password)?;
        let display =
            if u.display_name.trim().is_empty() { username.clone() } else { u.display_name.trim().to_string() };
        let (id,): (i64,) = tx
            .one(
                Sql::new(
                    "INSERT INTO users (username, display_name, role, password_hash, must_change_password, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .arg(&username)
                .arg(&display)
                .arg(role.as_str())
                .arg(hash)
                .arg(u.must_change_password)
                .arg(now()),
            )
            .await?;
        for a in &agency_ids {
            tx.execute(Sql::new("INSERT INTO user_agencies (user_id, agency_id) VALUES ($1, $2)").arg(id).arg(*a))
                .await?;
        }
        let mut q = Sql::new(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = "));
        q.bind(id);
        let user: User = tx.one(q).await?;
        let after = serde_json::json!({ "user": &user, "agencies": &u.agency_codes }).to_string();
        audit::append(&mut tx, &p.username, "create", "user", &id.to_string(), String::new(), after).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Change an account's name, role and agencies (admins only). The user's sessions end, so
    /// the new scope applies at once. Admins cannot remove their own admin role.
    pub async fn user_update(
        &self,
        p: &Principal,
        user_id: i64,
        display_name: &str,
        role: &str,
        agency_codes: &[String],
    ) -> StoreResult<User> {
        if !p.can(Action::ManageUsers) {
            return Err(StoreError::Forbidden);
        }
        let before = self.user_by_id(user_id).await?.ok_or(StoreError::NotFound)?;
        let mut errs = Vec::new();
        khien_core::problem::check::optional_text(&mut errs, "display_name", display_name, 120);
        let role = Role::parse(role.trim());
        match role {
            None => errs.push(FieldError::new(
                "role",
                Problem::UnknownValue { allowed: Role::ALL.iter().map(|r| r.as_str().to_string()).collect() },
            )),
            Some(r) if r != Role::Admin && user_id == p.user_id => errs.push(FieldError::new(
                "role",
                Problem::Other {
                    vi: "Bạn không thể tự bỏ quyền quản trị của chính mình.".into(),
                    en: "You cannot remove your own admin role.".into(),
                },
            )),
            Some(r) if r.requires_agency() && agency_codes.is_empty() => {
                errs.push(FieldError::new("agency", Problem::Required))
            }
            Some(_) => {}
        }
        let mut tx = self.begin().await?;
        let mut agency_ids = Vec::new();
        for code in agency_codes {
            match crate::agencies::get_in_tx(&mut tx, &p.scope, code.trim()).await? {
                Some(a) => agency_ids.push(a.id),
                None => errs.push(FieldError::new(
                    "agency",
                    Problem::NotFound { what: format!("cơ quan, đơn vị mã «{}»", code.trim()) },
                )),
            }
        }
        let (Some(role), true) = (role, errs.is_empty()) else {
            return Err(StoreError::Invalid(errs));
        };
        let display =
            if display_name.trim().is_empty() { before.username.clone() } else { display_name.trim().to_string() };
        tx.execute(
            Sql::new("UPDATE users SET display_name = $1, role = $2 WHERE id = $3")
                .arg(&display)
                .arg(role.as_str())
                .arg(user_id),
        )
        .await?;
        tx.execute(Sql::new("DELETE FROM user_agencies WHERE user_id = $1").arg(user_id)).await?;
        for a in &agency_ids {
            tx.execute(Sql::new("INSERT INTO user_agencies (user_id, agency_id) VALUES ($1, $2)").arg(user_id).arg(*a))
                .await?;
        }
        tx.execute(Sql::new("DELETE FROM sessions WHERE user_id = $1").arg(user_id)).await?;
        let mut q = Sql::new(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = "));
        q.bind(user_id);
        let after: User = tx.one(q).await?;
        let after_json = serde_json::json!({ "user": &after, "agencies": agency_codes }).to_string();
        audit::append(
            &mut tx,
            &p.username,
            "update",
            "user",
            &user_id.to_string(),
            audit::json(Some(&before)),
            after_json,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The agency codes bounding a user's scope.
    pub async fn user_agency_codes(&self, user_id: i64) -> StoreResult<Vec<String>> {
        let codes: Vec<(String,)> = self
            .all(
                Sql::new("SELECT a.code FROM user_agencies ua JOIN agencies a ON a.id = ua.agency_id WHERE ua.user_id = $1 ORDER BY a.code")
                    .arg(user_id),
            )
            .await?;
        Ok(codes.into_iter().map(|(c,)| c).collect())
    }

    /// Verify a login. Counts failures and locks the account after [`MAX_FAILED_LOGINS`].
    pub async fn user_login(&self, username: &str, password: &str) -> StoreResult<User> {
        let username = username.trim().to_lowercase();
        let row: Option<(i64, String, bool, i64, Option<i64>)> = self
            .optional(
                Sql::new(
                    "SELECT id, password_hash, disabled, failed_logins, locked_until FROM users WHERE username = $1",
                )
                .arg(&username),
            )
            .await?;
        let t = now();
        let Some((id, hash, disabled, failed, locked_until)) = row else {
            // Spend the same time as a real check so that user names cannot be probed.
            let _ = verify_password(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$8bYt5Bq+DKb1xJ3Ez5t2Ds0I8WoZ0y8yPIrQp1nWkqo",
            );
            return Err(StoreError::BadCredentials);
        };
        if let Some(until) = locked_until.filter(|u| *u > t) {
            return Err(StoreError::Locked { until });
        }
        if disabled || !verify_password(password, &hash) {
            let failed = failed + 1;
            if failed >= MAX_FAILED_LOGINS {
                let until = t + LOCK_SECONDS;
                self.execute(
                    Sql::new("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2").arg(until).arg(id),
                )
                .await?;
                return Err(StoreError::Locked { until });
            }
            self.execute(Sql::new("UPDATE users SET failed_logins = $1 WHERE id = $2").arg(failed).arg(id)).await?;
            return Err(StoreError::BadCredentials);
        }
        self.execute(
            Sql::new("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2")
                .arg(t)
                .arg(id),
        )
        .await?;
        self.user_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        let mut q = Sql::new(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = "));
        q.bind(id);
        self.optional(q).await
    }

    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<User>> {
        let mut q = Sql::new(&format!("SELECT {USER_COLS} FROM users u WHERE u.username = "));
        q.bind(username.trim().to_lowercase());
        self.optional(q).await
    }

    /// The principal of an enabled user: role plus the scope made of their agencies' subtrees
    /// (or everything for province-wide roles without agencies).
    pub async fn principal_for(&self, user_id: i64, token_id: Option<i64>) -> StoreResult<Option<Principal>> {
        let Some(u) = self.user_by_id(user_id).await? else { return Ok(None) };
        if u.disabled {
            return Ok(None);
        }
        let Some(role) = Role::parse(&u.role) else { return Ok(None) };
        let scope = self.scope_of(user_id, role).await?;
        Ok(Some(Principal { user_id: u.id, username: u.username, display_name: u.display_name, role, scope, token_id }))
    }

    /// A user's scope: the subtrees of their agencies, or everything for a province-wide role
    /// without agencies. Officers without agencies see nothing.
    pub async fn scope_of(&self, user_id: i64, role: Role) -> StoreResult<Scope> {
        let roots: Vec<(String,)> = self
            .all(
                Sql::new(
                    "SELECT a.path FROM user_agencies ua JOIN agencies a ON a.id = ua.agency_id WHERE ua.user_id = $1",
                )
                .arg(user_id),
            )
            .await?;
        Ok(if roots.is_empty() && !role.requires_agency() {
            Scope::All
        } else {
            Scope::Subtrees(roots.into_iter().map(|(p,)| p).collect())
        })
    }

    /// Users visible to `scope`: everyone for a province-wide caller; otherwise users bound to
    /// agencies inside the caller's subtrees.
    pub async fn users_list(&self, scope: &Scope, agency: Option<i64>, page: Page) -> StoreResult<Paged<UserView>> {
        let mut w = Sql::new(" WHERE ");
        if scope.is_all() {
            w.push("TRUE");
        } else {
            w.push("EXISTS (SELECT 1 FROM user_agencies sa JOIN agencies sb ON sb.id = sa.agency_id WHERE sa.user_id = u.id AND ");
            w.scope("sb.path", scope).push(")");
        }
        if let Some(a) = agency {
            w.push(" AND EXISTS (SELECT 1 FROM user_agencies fa WHERE fa.user_id = u.id AND fa.agency_id = ")
                .bind(a)
                .push(")");
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM users u");
        count.push(&w.text);
        count.args = w.args.clone();
        let total = self.scalar(count).await?;
        let mut q = Sql::new(&format!("SELECT {USER_COLS} FROM users u"));
        q.push(&w.text);
        q.args = w.args;
        if let Some(after) = page.after {
            q.push(" AND u.id > ").bind(after);
        }
        q.push(" ORDER BY u.id LIMIT ").bind(page.limit);
        let users: Vec<User> = self.all(q).await?;
        let next = (users.len() as i64 == page.limit).then(|| users.last().map(|u| u.id.to_string())).flatten();
        let mut items = Vec::with_capacity(users.len());
        for user in users {
            let codes: Vec<(String,)> = self
                .all(
                    Sql::new("SELECT a.code FROM user_agencies ua JOIN agencies a ON a.id = ua.agency_id WHERE ua.user_id = $1 ORDER BY a.code")
                        .arg(user.id),
                )
                .await?;
            items.push(UserView { user, agencies: codes.into_iter().map(|(c,)| c).collect() });
        }
        Ok(Paged { items, total, next })
    }

    /// Change a password: the user themself (who must give the current one) or an admin.
    pub async fn user_set_password(
        &self,
        p: &Principal,
        user_id: i64,
        current: Option<&str>,
        new: &str,
    ) -> StoreResult<()> {
        let own = p.user_id == user_id;
        if !own && !p.can(Action::ManageUsers) {
            return Err(StoreError::Forbidden);
        }
        if own {
            let (hash,): (String,) =
                self.one(Sql::new("SELECT password_hash FROM users WHERE id = $1").arg(user_id)).await?;
            if !current.is_some_and(|c| verify_password(c, &hash)) {
                return Err(StoreError::invalid(
                    "current_password",
                    Problem::Other {
                        vi: "Mật khẩu hiện tại không đúng.".into(),
                        en: "The current password is wrong.".into(),
                    },
                ));
            }
        }
        check_password(new).map_err(|e| StoreError::Invalid(vec![e]))?;
        let hash = hash_password(new)?;
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                Sql::new("UPDATE users SET password_hash = $1, must_change_password = $2, failed_logins = 0, locked_until = NULL WHERE id = $3")
                    .arg(hash)
                    .arg(!own)
                    .arg(user_id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // Every other session of that user ends.
        tx.execute(Sql::new("DELETE FROM sessions WHERE user_id = $1").arg(user_id)).await?;
        audit::append(&mut tx, &p.username, "set_password", "user", &user_id.to_string(), String::new(), String::new())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enable or disable an account (admins only).
    pub async fn user_set_disabled(&self, p: &Principal, user_id: i64, disabled: bool) -> StoreResult<()> {
        if !p.can(Action::ManageUsers) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let n = tx.execute(Sql::new("UPDATE users SET disabled = $1 WHERE id = $2").arg(disabled).arg(user_id)).await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.execute(Sql::new("DELETE FROM sessions WHERE user_id = $1").arg(user_id)).await?;
        let action = if disabled { "disable" } else { "enable" };
        audit::append(&mut tx, &p.username, action, "user", &user_id.to_string(), String::new(), String::new()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Number of user accounts (first-run detection).
    pub async fn users_count(&self) -> StoreResult<i64> {
        self.scalar(Sql::new("SELECT COUNT(*) FROM users")).await
    }
}
