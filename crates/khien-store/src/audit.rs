//! The audit trail: every change appends who, when, what and before/after in the same
//! transaction as the change, linked in a SHA-256 hash chain (see `khien_core::audit`).

use crate::db::{Store, Tx};
use crate::error::StoreResult;
use crate::sql::Sql;
use crate::{Page, Paged, now};
use khien_core::audit::{AuditFields, ChainBreak, ChainVerifier, entry_hash};
use serde::Serialize;

/// One stored audit entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: String,
    pub after_json: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            before: &self.before_json,
            after: &self.after_json,
        }
    }
}

/// Serialize a before/after value (empty string for none).
pub fn json<T: Serialize>(v: Option<&T>) -> String {
    v.map(|v| serde_json::to_string(v).unwrap_or_default()).unwrap_or_default()
}

/// Append an entry inside `tx`. The head row update serialises concurrent writers, so the
/// chain has no forks on either backend.
pub async fn append(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: String,
    after: String,
) -> StoreResult<()> {
    let (seq, prev): (i64, String) =
        tx.one(Sql::new("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")).await?;
    let at = now();
    let fields = AuditFields { seq, at, actor, action, entity, entity_id, before: &before, after: &after };
    let hash = entry_hash(&prev, &fields);
    tx.execute(
        Sql::new(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .arg(seq)
        .arg(at)
        .arg(actor)
        .arg(action)
        .arg(entity)
        .arg(entity_id)
        .arg(before)
        .arg(after)
        .arg(prev)
        .arg(hash.clone()),
    )
    .await?;
    tx.execute(Sql::new("UPDATE audit_head SET hash = $1 WHERE id = 1").arg(hash)).await?;
    Ok(())
}

/// Filter for browsing the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
}

/// The result of verifying the whole chain.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub checked: u64,
    pub head_seq: i64,
    pub first_break: Option<ChainBreak>,
}

impl Store {
    /// Newest first. `page.after` is a sequence number to continue below.
    pub async fn audit_list(&self, f: &AuditFilter, page: Page) -> StoreResult<Paged<AuditEntry>> {
        let mut w = Sql::new(" WHERE TRUE");
        if let Some(e) = &f.entity {
            w.push(" AND entity = ").bind(e);
        }
        if let Some(e) = &f.entity_id {
            w.push(" AND entity_id = ").bind(e);
        }
        if let Some(a) = &f.actor {
            w.push(" AND actor = ").bind(a);
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM audit_log");
        count.push(&w.text);
        count.args = w.args.clone();
        let total = self.scalar(count).await?;
        let mut q = Sql::new("SELECT * FROM audit_log");
        q.push(&w.text);
        q.args = w.args;
        if let Some(after) = page.after {
            q.push(" AND seq < ").bind(after);
        }
        q.push(" ORDER BY seq DESC LIMIT ").bind(page.limit);
        let items: Vec<AuditEntry> = self.all(q).await?;
        let next = (items.len() as i64 == page.limit).then(|| items.last().map(|e| e.seq.to_string())).flatten();
        Ok(Paged { items, total, next })
    }

    /// Walk the whole chain in order and report the first break, if any. Also checks that
    /// the head row agrees with the last entry (so deleting the newest rows shows too).
    pub async fn audit_verify(&self) -> StoreResult<VerifyReport> {
        let mut v = ChainVerifier::default();
        let mut after = 0i64;
        let mut last: Option<AuditEntry> = None;
        loop {
            let batch: Vec<AuditEntry> =
                self.all(Sql::new("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000").arg(after)).await?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                if let Err(b) = v.check(&e.fields(), &e.prev_hash, &e.hash) {
                    return Ok(VerifyReport { checked: v.checked, head_seq: e.seq, first_break: Some(b) });
                }
            }
            after = batch.last().map(|e| e.seq).unwrap_or(after);
            last = batch.into_iter().last();
        }
        let (head_seq, head_hash): (i64, String) =
            self.one(Sql::new("SELECT seq, hash FROM audit_head WHERE id = 1")).await?;
        let (last_seq, last_hash) = last.map(|e| (e.seq, e.hash)).unwrap_or((0, khien_core::audit::GENESIS.into()));
        let first_break = (head_seq != last_seq || head_hash != last_hash).then(|| ChainBreak {
            seq: last_seq + 1,
            reason: format!(
                "the chain ends at {last_seq} but the head records {head_seq}: newest entries were removed"
            ),
        });
        Ok(VerifyReport { checked: v.checked, head_seq, first_break })
    }
}
