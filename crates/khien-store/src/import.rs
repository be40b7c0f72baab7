//! Applying a whole registry file (agencies or systems) in one transaction: every row is
//! checked, every problem is reported with its row, and nothing is written unless all rows
//! are valid. Re-importing the same file changes nothing (rows are matched by code).

use crate::agencies::{get_in_tx, insert_agency, update_agency};
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::systems::{add_asset, save_system};
use khien_core::{Action, AgencyInput, FieldError, Principal, Problem, Scope, SystemInput};
use serde::Serialize;

/// A problem in one row of an imported file (row numbers count the header as row 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub problem: Problem,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Either the summary, or every problem found (and nothing written).
#[derive(Debug)]
pub enum ImportOutcome {
    Done(ImportSummary),
    Rejected(Vec<RowError>),
}

fn row_errors(row: usize, errs: Vec<FieldError>) -> impl Iterator<Item = RowError> {
    errs.into_iter().map(move |e| RowError { row, field: e.field, problem: e.problem })
}

/// A system row with its assets (raw strings).
#[derive(Debug, Clone)]
pub struct SystemRow {
    pub row: usize,
    pub input: SystemInput,
    pub assets: Vec<String>,
}

impl Store {
    /// Import agencies; parents may be earlier rows of the same file or existing agencies.
    /// `progress` is called after each row.
    pub async fn import_agencies(
        &self,
        p: &Principal,
        rows: Vec<(usize, AgencyInput)>,
        progress: &(dyn Fn(usize) + Sync),
    ) -> StoreResult<ImportOutcome> {
        if !p.can(Action::Import) {
            return Err(StoreError::Forbidden);
        }
        let mut sum = ImportSummary { rows: rows.len(), ..Default::default() };
        let mut errors = Vec::new();
        let mut tx = self.begin().await?;
        for (i, (row, input)) in rows.into_iter().enumerate() {
            progress(i + 1);
            let input = input.trimmed();
            let kind = match input.validate() {
                Ok(k) => k,
                Err(e) => {
                    errors.extend(row_errors(row, e));
                    continue;
                }
            };
            if !errors.is_empty() {
                // Keep validating shapes, but stop writing once the file is known bad.
                if get_in_tx(&mut tx, &Scope::All, &input.parent_code).await?.is_none() && !input.parent_code.is_empty()
                {
                    // The parent may be an earlier row that was not written; report nothing more.
                }
                continue;
            }
            let existing = get_in_tx(&mut tx, &Scope::All, &input.code).await?;
            let result = match existing {
                None => insert_agency(&mut tx, p, &input, kind.as_str()).await.map(|_| 1),
                Some(a) => {
                    let parent_code = match a.parent_id {
                        Some(pid) => {
                            let r: Option<(String,)> =
                                tx.optional(Sql::new("SELECT code FROM agencies WHERE id = $1").arg(pid)).await?;
                            r.map(|(c,)| c).unwrap_or_default()
                        }
                        None => String::new(),
                    };
                    let same = a.name == input.name
                        && a.kind == kind.as_str()
                        && parent_code == input.parent_code
                        && a.address == input.address
                        && a.email == input.email
                        && a.phone == input.phone;
                    if same { Ok(0) } else { update_agency(&mut tx, p, a.id, &input, kind.as_str()).await.map(|_| 2) }
                }
            };
            match result {
                Ok(0) => sum.unchanged += 1,
                Ok(1) => sum.created += 1,
                Ok(_) => sum.updated += 1,
                Err(StoreError::Invalid(e)) => errors.extend(row_errors(row, e)),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Ok(ImportOutcome::Rejected(errors));
        }
        tx.commit().await?;
        Ok(ImportOutcome::Done(sum))
    }

    /// Import systems with their assets. Systems are matched by code: an identical row is
    /// unchanged; assets are added when missing (never removed by an import).
    pub async fn import_systems(
        &self,
        p: &Principal,
        rows: Vec<SystemRow>,
        progress: &(dyn Fn(usize) + Sync),
    ) -> StoreResult<ImportOutcome> {
        if !p.can(Action::Import) {
            return Err(StoreError::Forbidden);
        }
        let mut sum = ImportSummary { rows: rows.len(), ..Default::default() };
        let mut errors = Vec::new();
        let mut tx = self.begin().await?;
        for (i, r) in rows.into_iter().enumerate() {
            progress(i + 1);
            let input = r.input.trimmed();
            if let Err(e) = input.validate() {
                errors.extend(row_errors(r.row, e));
            }
            let mut assets = Vec::new();
            for raw in &r.assets {
                match khien_core::normalise_asset(None, raw) {
                    Ok(a) => assets.push(a),
                    Err(problem) => errors.push(RowError { row: r.row, field: "assets".into(), problem }),
                }
            }
            if !errors.is_empty() {
                continue;
            }
            let existing: Option<(i64,)> =
                tx.optional(Sql::new("SELECT id FROM systems WHERE code = $1").arg(&input.code)).await?;
            let changed = match existing {
                None => true,
                Some((id,)) => !system_same(&mut tx, id, &input).await?,
            };
            let sys = if changed {
                match save_system(&mut tx, p, existing.map(|(id,)| id), input).await {
                    Ok(s) => {
                        if existing.is_some() {
                            sum.updated += 1
                        } else {
                            sum.created += 1
                        }
                        s.id
                    }
                    Err(StoreError::Invalid(e)) => {
                        errors.extend(row_errors(r.row, e));
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            } else {
                existing.map(|(id,)| id).unwrap_or_default()
            };
            let mut added = false;
            for a in assets {
                let have: Option<(i64,)> = tx
                    .optional(
                        Sql::new("SELECT id FROM assets WHERE system_id = $1 AND kind = $2 AND value = $3")
                            .arg(sys)
                            .arg(a.kind.as_str())
                            .arg(&a.value),
                    )
                    .await?;
                if have.is_none() {
                    match add_asset(&mut tx, p, sys, Some(a.kind), &a.value, "").await {
                        Ok(_) => added = true,
                        Err(StoreError::Invalid(e)) => errors.extend(row_errors(r.row, e)),
                        Err(e) => return Err(e),
                    }
                }
            }
            if !changed {
                if added { sum.updated += 1 } else { sum.unchanged += 1 }
            }
        }
        if !errors.is_empty() {
            return Ok(ImportOutcome::Rejected(errors));
        }
        tx.commit().await?;
        Ok(ImportOutcome::Done(sum))
    }
}

async fn system_same(tx: &mut crate::db::Tx, id: i64, input: &SystemInput) -> StoreResult<bool> {
    #[derive(sqlx::FromRow)]
    struct Cur {
        name: String,
        description: String,
        owner_code: String,
        operator_code: String,
        category: String,
        shared: bool,
        status: String,
        contact_name: String,
        contact_email: String,
        contact_phone: String,
    }
    let c: Cur = tx
        .one(
            Sql::new(
                "SELECT s.name, s.description, o.code AS owner_code, op.code AS operator_code, s.category, s.shared, s.status, \
                 s.contact_name, s.contact_email, s.contact_phone FROM systems s JOIN agencies o ON o.id = s.owner_agency_id \
                 JOIN agencies op ON op.id = s.operator_agency_id WHERE s.id = $1",
            )
            .arg(id),
        )
        .await?;
    let users: Vec<(String,)> = tx
        .all(
            Sql::new("SELECT a.code FROM system_users u JOIN agencies a ON a.id = u.agency_id WHERE u.system_id = $1 ORDER BY a.code")
                .arg(id),
        )
        .await?;
    let users: Vec<String> = users.into_iter().map(|(c,)| c).collect();
    Ok(c.name == input.name
        && c.description == input.description
        && c.owner_code == input.owner_code
        && c.operator_code == input.operator_code
        && c.category == input.category
        && c.shared == input.shared
        && c.status == input.status
        && c.contact_name == input.contact_name
        && c.contact_email == input.contact_email
        && c.contact_phone == input.contact_phone
        && users == input.user_codes)
}
