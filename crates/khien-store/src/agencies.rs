//! Agencies: the tree (materialised paths), scoped listing and search, create, edit and move
//! (re-parenting keeps the agency's id, so its history and links stay).

use crate::audit;
use crate::db::{Store, Tx};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{Page, Paged, now};
use khien_core::agency::child_path;
use khien_core::text::{fold, like_escape};
use khien_core::{Action, AgencyInput, Principal, Problem, Scope};
use serde::Serialize;

/// A stored agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Agency {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i64,
    pub address: String,
    pub email: String,
    pub phone: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An agency with counts, for tree browsing.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AgencyNode {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub children: i64,
    pub systems: i64,
}

/// Filter for agency lists.
#[derive(Debug, Clone, Default)]
pub struct AgencyFilter {
    /// Text searched in names (accent- and case-insensitive) and codes.
    pub q: Option<String>,
    pub parent_id: Option<i64>,
    pub kind: Option<String>,
    /// Only this agency's subtree.
    pub under: Option<i64>,
}

const COLS: &str = "a.id, a.code, a.name, a.kind, a.parent_id, a.path, a.depth, a.address, a.email, a.phone, a.created_at, a.updated_at";

impl Store {
    /// Agencies in `scope` matching `f`, ordered by id.
    pub async fn agencies_list(&self, scope: &Scope, f: &AgencyFilter, page: Page) -> StoreResult<Paged<Agency>> {
        let mut w = Sql::new(" WHERE ");
        w.scope("a.path", scope);
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let pat = format!("%{}%", like_escape(&fold(q)));
            w.push(" AND (a.name_folded LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\' OR lower(a.code) = ")
                .bind(q.to_lowercase())
                .push(")");
        }
        if let Some(p) = f.parent_id {
            w.push(" AND a.parent_id = ").bind(p);
        }
        if let Some(k) = &f.kind {
            w.push(" AND a.kind = ").bind(k);
        }
        if let Some(u) = f.under {
            let Some(root) = self.agency_get(scope, u).await? else {
                return Ok(Paged { items: vec![], total: 0, next: None });
            };
            w.push(" AND ").scope("a.path", &Scope::Subtrees(vec![root.path]));
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM agencies a");
        count.push(&w.text);
        count.args = w.args.clone();
        let mut q = Sql::new(&format!("SELECT {COLS} FROM agencies a"));
        q.push(&w.text);
        q.args = w.args;
        if let Some(after) = page.after {
            q.push(" AND a.id > ").bind(after);
        }
        q.push(" ORDER BY a.id LIMIT ").bind(page.limit);
        let items: Vec<Agency> = self.all(q).await?;
        // A first page that is not full is everything: no need to count.
        let total = if page.after.is_none() && (items.len() as i64) < page.limit {
            items.len() as i64
        } else {
            self.scalar(count).await?
        };
        let next = (items.len() as i64 == page.limit).then(|| items.last().map(|a| a.id.to_string())).flatten();
        Ok(Paged { items, total, next })
    }

    /// One agency, if it exists and lies in `scope`.
    pub async fn agency_get(&self, scope: &Scope, id: i64) -> StoreResult<Option<Agency>> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM agencies a WHERE a.id = "));
        q.bind(id).push(" AND ").scope("a.path", scope);
        self.optional(q).await
    }

    /// One agency by code, if it exists and lies in `scope`.
    pub async fn agency_by_code(&self, scope: &Scope, code: &str) -> StoreResult<Option<Agency>> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM agencies a WHERE a.code = "));
        q.bind(code).push(" AND ").scope("a.path", scope);
        self.optional(q).await
    }

    /// The roots visible to `scope`: the top of the tree, or the scope's subtree roots.
    pub async fn agency_roots(&self, scope: &Scope) -> StoreResult<Vec<AgencyNode>> {
        let mut q = node_select();
        match scope {
            Scope::All => {
                q.push(" WHERE a.parent_id IS NULL");
            }
            Scope::Subtrees(roots) if roots.is_empty() => {
                q.push(" WHERE FALSE");
            }
            Scope::Subtrees(roots) => {
                q.push(" WHERE a.path IN (");
                for (i, r) in roots.iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    q.bind(r);
                }
                q.push(")");
            }
        }
        q.push(" ORDER BY a.name");
        self.all(q).await
    }

    /// Children of `parent_id` in `scope`, by kind and name, with their child and system
    /// counts: `limit` of them from `offset`, and how many there are in all.
    pub async fn agency_children(
        &self,
        scope: &Scope,
        parent_id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<AgencyNode>, i64)> {
        let mut w = Sql::new(" WHERE a.parent_id = ");
        w.bind(parent_id).push(" AND ").scope("a.path", scope);
        let mut count = Sql::new("SELECT COUNT(*) FROM agencies a");
        count.push(&w.text);
        count.args = w.args.clone();
        let (limit, offset) = (limit.clamp(1, 1000), offset.max(0));
        let mut q = node_select();
        q.push(&w.text);
        q.args = w.args;
        q.push(" ORDER BY a.parent_id, a.kind, a.name LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
        let items: Vec<AgencyNode> = self.all(q).await?;
        // A first page that is not full is everything: no need to count.
        let total =
            if offset == 0 && (items.len() as i64) < limit { items.len() as i64 } else { self.scalar(count).await? };
        Ok((items, total))
    }

    /// Ancestors of an agency (root first, the agency excluded) that lie in `scope`.
    pub async fn agency_ancestors(&self, scope: &Scope, a: &Agency) -> StoreResult<Vec<Agency>> {
        let ids = khien_core::agency::path_ids(&a.path);
        let ids: Vec<i64> = ids.into_iter().filter(|i| *i != a.id).collect();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!("SELECT {COLS} FROM agencies a WHERE a.id IN ("));
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(") AND ").scope("a.path", scope).push(" ORDER BY a.depth");
        self.all(q).await
    }

    /// Create an agency. Checks rights, shape, the parent (which must be in scope) and
    /// uniqueness of the code; records the audit entry in the same transaction.
    pub async fn agency_create(&self, p: &Principal, input: AgencyInput) -> StoreResult<Agency> {
        if !p.can(Action::ManageAgencies) {
            return Err(StoreError::Forbidden);
        }
        let input = input.trimmed();
        let kind = input.validate().map_err(StoreError::Invalid)?;
        let mut tx = self.begin().await?;
        let a = insert_agency(&mut tx, p, &input, kind.as_str()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Edit an agency's fields (code, name, kind, contacts) and move it when the parent code
    /// changed.
    pub async fn agency_update(&self, p: &Principal, id: i64, input: AgencyInput) -> StoreResult<Agency> {
        if !p.can(Action::ManageAgencies) {
            return Err(StoreError::Forbidden);
        }
        let input = input.trimmed();
        let kind = input.validate().map_err(StoreError::Invalid)?;
        let mut tx = self.begin().await?;
        let a = update_agency(&mut tx, p, id, &input, kind.as_str()).await?;
        tx.commit().await?;
        Ok(a)
    }
}

fn node_select() -> Sql {
    Sql::new(
        "SELECT a.id, a.code, a.name, a.kind, a.parent_id, \
         (SELECT COUNT(*) FROM agencies c WHERE c.parent_id = a.id) AS children, \
         (SELECT COUNT(*) FROM systems s WHERE s.owner_agency_id = a.id) AS systems \
         FROM agencies a",
    )
}

pub(crate) async fn get_in_tx(tx: &mut Tx, scope: &Scope, code: &str) -> StoreResult<Option<Agency>> {
    let mut q = Sql::new(&format!("SELECT {COLS} FROM agencies a WHERE a.code = "));
    q.bind(code).push(" AND ").scope("a.path", scope);
    tx.optional(q).await
}

async fn get_by_id_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<Agency>> {
    let mut q = Sql::new(&format!("SELECT {COLS} FROM agencies a WHERE a.id = "));
    q.bind(id);
    tx.optional(q).await
}

/// Resolve the parent code of an input inside `tx`; the parent must be in the caller's scope.
async fn parent_of(tx: &mut Tx, p: &Principal, input: &AgencyInput) -> StoreResult<Option<Agency>> {
    if input.parent_code.is_empty() {
        if !p.scope.is_all() {
            return Err(StoreError::invalid("parent_code", Problem::OutOfScope));
        }
        return Ok(None);
    }
    match get_in_tx(tx, &p.scope, &input.parent_code).await? {
        Some(a) => Ok(Some(a)),
        None => Err(StoreError::invalid(
            "parent_code",
            Problem::NotFound { what: format!("cơ quan cấp trên mã «{}»", input.parent_code) },
        )),
    }
}

pub(crate) async fn insert_agency(tx: &mut Tx, p: &Principal, input: &AgencyInput, kind: &str) -> StoreResult<Agency> {
    if get_in_tx(tx, &Scope::All, &input.code).await?.is_some() {
        return Err(StoreError::invalid("code", Problem::Duplicate { what: format!("Mã «{}»", input.code) }));
    }
    let parent = parent_of(tx, p, input).await?;
    let t = now();
    let (id,): (i64,) = tx
        .one(
            Sql::new(
                "INSERT INTO agencies (code, name, name_folded, kind, parent_id, path, depth, address, email, phone, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, '', 0, $6, $7, $8, $9, $9) RETURNING id",
            )
            .arg(&input.code)
            .arg(&input.name)
            .arg(fold(&input.name))
            .arg(kind)
            .arg(parent.as_ref().map(|a| a.id))
            .arg(&input.address)
            .arg(&input.email)
            .arg(&input.phone)
            .arg(t),
        )
        .await?;
    let path = child_path(parent.as_ref().map(|a| a.path.as_str()), id);
    let depth = parent.as_ref().map(|a| a.depth + 1).unwrap_or(0);
    tx.execute(Sql::new("UPDATE agencies SET path = $1, depth = $2 WHERE id = $3").arg(path).arg(depth).arg(id))
        .await?;
    let a = get_by_id_in_tx(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::append(tx, &p.username, "create", "agency", &id.to_string(), String::new(), audit::json(Some(&a))).await?;
    Ok(a)
}

pub(crate) async fn update_agency(
    tx: &mut Tx,
    p: &Principal,
    id: i64,
    input: &AgencyInput,
    kind: &str,
) -> StoreResult<Agency> {
    let mut q = Sql::new(&format!("SELECT {COLS} FROM agencies a WHERE a.id = "));
    q.bind(id).push(" AND ").scope("a.path", &p.scope);
    let before: Agency = tx.optional(q).await?.ok_or(StoreError::NotFound)?;
    if input.code != before.code && get_in_tx(tx, &Scope::All, &input.code).await?.is_some() {
        return Err(StoreError::invalid("code", Problem::Duplicate { what: format!("Mã «{}»", input.code) }));
    }
    let parent = parent_of(tx, p, input).await?;
    if parent.as_ref().map(|a| a.id) != before.parent_id {
        // Moving: the new parent must not be the agency itself or inside its subtree.
        if let Some(np) = &parent
            && np.path.starts_with(&before.path)
        {
            return Err(StoreError::invalid("parent_code", Problem::Cycle));
        }
        let new_path = child_path(parent.as_ref().map(|a| a.path.as_str()), id);
        let depth_delta = parent.as_ref().map(|a| a.depth + 1).unwrap_or(0) - before.depth;
        let (lo, hi) = crate::sql::subtree_range(&before.path);
        tx.execute(
            Sql::new(
                "UPDATE agencies SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3 \
                 WHERE path >= $4 AND path < $5",
            )
            .arg(new_path)
            .arg(before.path.len() as i64 + 1)
            .arg(depth_delta)
            .arg(lo)
            .arg(hi),
        )
        .await?;
    }
    tx.execute(
        Sql::new(
            "UPDATE agencies SET code = $1, name = $2, name_folded = $3, kind = $4, parent_id = $5, \
             address = $6, email = $7, phone = $8, updated_at = $9 WHERE id = $10",
        )
        .arg(&input.code)
        .arg(&input.name)
        .arg(fold(&input.name))
        .arg(kind)
        .arg(parent.as_ref().map(|a| a.id))
        .arg(&input.address)
        .arg(&input.email)
        .arg(&input.phone)
        .arg(now())
        .arg(id),
    )
    .await?;
    let after = get_by_id_in_tx(tx, id).await?.ok_or(StoreError::NotFound)?;
    let action = if after.parent_id != before.parent_id { "move" } else { "update" };
    audit::append(
        tx,
        &p.username,
        action,
        "agency",
        &id.to_string(),
        audit::json(Some(&before)),
        audit::json(Some(&after)),
    )
    .await?;
    Ok(after)
}
