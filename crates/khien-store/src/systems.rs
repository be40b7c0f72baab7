//! Information systems and their assets: scoped listing, detail, create, edit, and asset
//! add/remove. A system is visible to callers whose scope holds its owner, its operator or
//! (for a shared platform) one of its user agencies; it may be changed by callers whose
//! scope holds its owner or operator.

use crate::agencies::get_in_tx;
use crate::audit;
use crate::db::{Store, Tx};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{Page, Paged, now};
use khien_core::text::{fold, like_escape};
use khien_core::{Action, AssetKind, Principal, Problem, Scope, SystemInput, normalise_asset};
use serde::Serialize;

/// A stored system with its owner's and operator's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InfoSystem {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: String,
    pub owner_agency_id: i64,
    pub owner_code: String,
    pub owner_name: String,
    pub operator_agency_id: i64,
    pub operator_code: String,
    pub operator_name: String,
    pub category: String,
    pub shared: bool,
    pub status: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An asset of a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Asset {
    pub id: i64,
    pub system_id: i64,
    pub kind: String,
    pub value: String,
    pub note: String,
    pub created_at: i64,
}

/// An agency that uses a shared platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SystemUser {
    pub agency_id: i64,
    pub code: String,
    pub name: String,
}

/// Filter for system lists.
#[derive(Debug, Clone, Default)]
pub struct SystemFilter {
    pub q: Option<String>,
    /// Systems owned or operated by this agency or any agency under it.
    pub agency: Option<i64>,
    pub category: Option<String>,
    pub shared: Option<bool>,
}

const SELECT: &str = "SELECT s.id, s.code, s.name, s.description, s.owner_agency_id, o.code AS owner_code, o.name AS owner_name, \
    s.operator_agency_id, op.code AS operator_code, op.name AS operator_name, s.category, s.shared, s.status, \
    s.contact_name, s.contact_email, s.contact_phone, s.created_at, s.updated_at \
    FROM systems s JOIN agencies o ON o.id = s.owner_agency_id JOIN agencies op ON op.id = s.operator_agency_id";

impl Store {
    pub async fn systems_list(&self, scope: &Scope, f: &SystemFilter, page: Page) -> StoreResult<Paged<InfoSystem>> {
        let mut w = Sql::new(" WHERE ");
        w.system_visible("s", scope);
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let pat = format!("%{}%", like_escape(&fold(q)));
            w.push(" AND (s.name_folded LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\' OR lower(s.code) = ")
                .bind(q.to_lowercase())
                .push(")");
        }
        if let Some(c) = &f.category {
            w.push(" AND s.category = ").bind(c);
        }
        if let Some(sh) = f.shared {
            w.push(" AND s.shared = ").bind(sh);
        }
        if let Some(agency) = f.agency {
            let Some(root) = self.agency_get(scope, agency).await? else {
                return Ok(Paged { items: vec![], total: 0, next: None });
            };
            // Owned or operated within that subtree (not its shared-platform use).
            let sub = Scope::Subtrees(vec![root.path]);
            w.push(" AND ").system_writable("s", &sub);
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM systems s");
        count.push(&w.text);
        count.args = w.args.clone();
        let mut q = Sql::new(SELECT);
        q.push(&w.text);
        q.args = w.args;
        if let Some(after) = page.after {
            q.push(" AND s.id > ").bind(after);
        }
        q.push(" ORDER BY s.id LIMIT ").bind(page.limit);
        let items: Vec<InfoSystem> = self.all(q).await?;
        // A first page that is not full is everything: no need to count.
        let total = if page.after.is_none() && (items.len() as i64) < page.limit {
            items.len() as i64
        } else {
            self.scalar(count).await?
        };
        let next = (items.len() as i64 == page.limit).then(|| items.last().map(|a| a.id.to_string())).flatten();
        Ok(Paged { items, total, next })
    }

    /// One system visible in `scope`.
    pub async fn system_get(&self, scope: &Scope, id: i64) -> StoreResult<Option<InfoSystem>> {
        let mut q = Sql::new(SELECT);
        q.push(" WHERE s.id = ").bind(id).push(" AND ").system_visible("s", scope);
        self.optional(q).await
    }

    /// True when a caller with `scope` may change the system (owner or operator in scope).
    /// The id of the system with `code`, if visible in `scope`.
    pub async fn system_id_by_code(&self, scope: &Scope, code: &str) -> StoreResult<Option<i64>> {
        let mut q = Sql::new("SELECT s.id FROM systems s WHERE s.code = ");
        q.bind(code.trim()).push(" AND ").system_visible("s", scope);
        Ok(self.optional::<(i64,)>(q).await?.map(|r| r.0))
    }

    pub async fn system_writable(&self, scope: &Scope, id: i64) -> StoreResult<bool> {
        let mut q = Sql::new("SELECT COUNT(*) FROM systems s WHERE s.id = ");
        q.bind(id).push(" AND ").system_writable("s", scope);
        Ok(self.scalar(q).await? > 0)
    }

    /// The user agencies of a shared platform (the system must be visible).
    pub async fn system_users(&self, scope: &Scope, id: i64) -> StoreResult<Vec<SystemUser>> {
        if self.system_get(scope, id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        self.all(
            Sql::new(
                "SELECT a.id AS agency_id, a.code, a.name FROM system_users u JOIN agencies a ON a.id = u.agency_id \
                 WHERE u.system_id = $1 ORDER BY a.name",
            )
            .arg(id),
        )
        .await
    }

    /// Assets of a visible system.
    pub async fn assets_list(&self, scope: &Scope, system_id: i64) -> StoreResult<Vec<Asset>> {
        if self.system_get(scope, system_id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        self.all(Sql::new("SELECT * FROM assets WHERE system_id = $1 ORDER BY kind, value").arg(system_id)).await
    }

    pub async fn system_create(&self, p: &Principal, input: SystemInput) -> StoreResult<InfoSystem> {
        let mut tx = self.begin().await?;
        let s = save_system(&mut tx, p, None, input).await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn system_update(&self, p: &Principal, id: i64, input: SystemInput) -> StoreResult<InfoSystem> {
        let mut tx = self.begin().await?;
        let s = save_system(&mut tx, p, Some(id), input).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Add an asset (kind detected when None) to a system the caller may change.
    pub async fn asset_add(
        &self,
        p: &Principal,
        system_id: i64,
        kind: Option<AssetKind>,
        value: &str,
        note: &str,
    ) -> StoreResult<Asset> {
        let mut tx = self.begin().await?;
        let a = add_asset(&mut tx, p, system_id, kind, value, note).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Remove an asset of a system the caller may change.
    pub async fn asset_delete(&self, p: &Principal, asset_id: i64) -> StoreResult<()> {
        if !p.can(Action::ManageSystems) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let asset: Asset = tx
            .optional(Sql::new("SELECT * FROM assets WHERE id = $1").arg(asset_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        writable_in_tx(&mut tx, p, asset.system_id).await?;
        tx.execute(Sql::new("DELETE FROM assets WHERE id = $1").arg(asset_id)).await?;
        audit::append(
            &mut tx,
            &p.username,
            "delete",
            "asset",
            &asset_id.to_string(),
            audit::json(Some(&asset)),
            String::new(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn writable_in_tx(tx: &mut Tx, p: &Principal, system_id: i64) -> StoreResult<()> {
    let mut q = Sql::new("SELECT COUNT(*) FROM systems s WHERE s.id = ");
    q.bind(system_id).push(" AND ").system_visible("s", &p.scope);
    if tx.scalar(q).await? == 0 {
        return Err(StoreError::NotFound);
    }
    let mut q = Sql::new("SELECT COUNT(*) FROM systems s WHERE s.id = ");
    q.bind(system_id).push(" AND ").system_writable("s", &p.scope);
    if tx.scalar(q).await? == 0 {
        return Err(StoreError::Forbidden);
    }
    Ok(())
}

async fn get_in_tx_by_id(tx: &mut Tx, id: i64) -> StoreResult<InfoSystem> {
    let mut q = Sql::new(SELECT);
    q.push(" WHERE s.id = ").bind(id);
    tx.one(q).await
}

pub(crate) async fn add_asset(
    tx: &mut Tx,
    p: &Principal,
    system_id: i64,
    kind: Option<AssetKind>,
    value: &str,
    note: &str,
) -> StoreResult<Asset> {
    if !p.can(Action::ManageSystems) {
        return Err(StoreError::Forbidden);
    }
    writable_in_tx(tx, p, system_id).await?;
    let n = normalise_asset(kind, value).map_err(|e| StoreError::invalid("value", e))?;
    let note = note.trim();
    if note.chars().count() > 300 {
        return Err(StoreError::invalid("note", Problem::TooLong { max: 300 }));
    }
    let existing: Option<Asset> = tx
        .optional(
            Sql::new("SELECT * FROM assets WHERE system_id = $1 AND kind = $2 AND value = $3")
                .arg(system_id)
                .arg(n.kind.as_str())
                .arg(&n.value),
        )
        .await?;
    if existing.is_some() {
        return Err(StoreError::invalid("value", Problem::Duplicate { what: format!("Tài sản «{}»", n.value) }));
    }
    let a: Asset = tx
        .one(
            Sql::new(
                "INSERT INTO assets (system_id, kind, value, note, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
            )
            .arg(system_id)
            .arg(n.kind.as_str())
            .arg(&n.value)
            .arg(note)
            .arg(now()),
        )
        .await?;
    audit::append(tx, &p.username, "create", "asset", &a.id.to_string(), String::new(), audit::json(Some(&a))).await?;
    Ok(a)
}

/// Resolve an agency code for a system field. Owners must lie in the caller's scope;
/// operators and user agencies may be any agency (a provincial data centre operates many).
async fn resolve(tx: &mut Tx, scope: &Scope, field: &str, code: &str) -> StoreResult<crate::agencies::Agency> {
    get_in_tx(tx, scope, code)
        .await?
        .ok_or_else(|| StoreError::invalid(field, Problem::NotFound { what: format!("cơ quan, đơn vị mã «{code}»") }))
}

/// Create (id None) or update a system; returns the stored system.
pub(crate) async fn save_system(
    tx: &mut Tx,
    p: &Principal,
    id: Option<i64>,
    input: SystemInput,
) -> StoreResult<InfoSystem> {
    if !p.can(Action::ManageSystems) {
        return Err(StoreError::Forbidden);
    }
    let input = input.trimmed();
    let valid = input.validate().map_err(StoreError::Invalid)?;
    let before = match id {
        Some(id) => {
            writable_in_tx(tx, p, id).await?;
            Some(get_in_tx_by_id(tx, id).await?)
        }
        None => None,
    };
    let mut errs = Vec::new();
    let owner = match get_in_tx(tx, &Scope::All, &input.owner_code).await? {
        Some(o) if p.scope.contains_path(&o.path) => Some(o),
        Some(_) => {
            errs.push(khien_core::FieldError::new("owner_code", Problem::OutOfScope));
            None
        }
        None => {
            errs.push(khien_core::FieldError::new(
                "owner_code",
                Problem::NotFound { what: format!("cơ quan, đơn vị mã «{}»", input.owner_code) },
            ));
            None
        }
    };
    let operator = match resolve(tx, &Scope::All, "operator_code", &input.operator_code).await {
        Ok(a) => Some(a),
        Err(StoreError::Invalid(mut e)) => {
            errs.append(&mut e);
            None
        }
        Err(e) => return Err(e),
    };
    let mut users = Vec::new();
    for c in &input.user_codes {
        match resolve(tx, &Scope::All, "user_codes", c).await {
            Ok(a) => users.push(a.id),
            Err(StoreError::Invalid(mut e)) => errs.append(&mut e),
            Err(e) => return Err(e),
        }
    }
    let dup: Option<(i64,)> = tx.optional(Sql::new("SELECT id FROM systems WHERE code = $1").arg(&input.code)).await?;
    if let Some((other,)) = dup
        && Some(other) != id
    {
        errs.push(khien_core::FieldError::new("code", Problem::Duplicate { what: format!("Mã «{}»", input.code) }));
    }
    let (Some(owner), Some(operator), true) = (owner, operator, errs.is_empty()) else {
        return Err(StoreError::Invalid(errs));
    };
    let t = now();
    let sys_id = match id {
        None => {
            let (new_id,): (i64,) = tx
                .one(
                    Sql::new(
                        "INSERT INTO systems (code, name, name_folded, description, owner_agency_id, operator_agency_id, category, shared, status, contact_name, contact_email, contact_phone, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
                    )
                    .arg(&input.code)
                    .arg(&input.name)
                    .arg(fold(&input.name))
                    .arg(&input.description)
                    .arg(owner.id)
                    .arg(operator.id)
                    .arg(valid.category.as_str())
                    .arg(input.shared)
                    .arg(valid.status.as_str())
                    .arg(&input.contact_name)
                    .arg(&input.contact_email)
                    .arg(&input.contact_phone)
                    .arg(t),
                )
                .await?;
            new_id
        }
        Some(id) => {
            tx.execute(
                Sql::new(
                    "UPDATE systems SET code = $1, name = $2, name_folded = $3, description = $4, owner_agency_id = $5, \
                     operator_agency_id = $6, category = $7, shared = $8, status = $9, contact_name = $10, contact_email = $11, \
                     contact_phone = $12, updated_at = $13 WHERE id = $14",
                )
                .arg(&input.code)
                .arg(&input.name)
                .arg(fold(&input.name))
                .arg(&input.description)
                .arg(owner.id)
                .arg(operator.id)
                .arg(valid.category.as_str())
                .arg(input.shared)
                .arg(valid.status.as_str())
                .arg(&input.contact_name)
                .arg(&input.contact_email)
                .arg(&input.contact_phone)
                .arg(t)
                .arg(id),
            )
            .await?;
            tx.execute(Sql::new("DELETE FROM system_users WHERE system_id = $1").arg(id)).await?;
            id
        }
    };
    for u in users {
        tx.execute(Sql::new("INSERT INTO system_users (system_id, agency_id) VALUES ($1, $2)").arg(sys_id).arg(u))
            .await?;
    }
    let after = get_in_tx_by_id(tx, sys_id).await?;
    let after_json = serde_json::json!({ "system": &after, "user_codes": &input.user_codes }).to_string();
    let before_json = before.as_ref().map(|b| serde_json::to_string(b).unwrap_or_default()).unwrap_or_default();
    let action = if before.is_some() { "update" } else { "create" };
    audit::append(tx, &p.username, action, "system", &sys_id.to_string(), before_json, after_json).await?;
    Ok(after)
}
