//! Findings: scoped lists with filters, a finding's detail and history, lifecycle transitions
//! (one or a filtered set), comments, assigning unassigned findings to a system (remembered
//! as an asset of that system for the next scans), and the remediation-deadline setting.

use crate::audit;
use crate::db::{Store, Tx};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{Paged, now};
use khien_core::vuln::lifecycle::check;
use khien_core::vuln::{DeadlinePolicy, FindingStatus, Severity, Transition};
use khien_core::{Action, AssetKind, Principal, Problem, Scope};
use serde::Serialize;

/// A finding as lists show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FindingRow {
    pub id: i64,
    pub system_id: Option<i64>,
    pub system_code: Option<String>,
    pub system_name: Option<String>,
    pub title: String,
    pub severity_rank: i64,
    pub cvss_score: Option<f64>,
    pub cves: String,
    pub rule_id: String,
    pub scanner: String,
    pub target: String,
    pub host: String,
    pub ip: String,
    pub port: Option<i64>,
    pub protocol: String,
    pub url: String,
    pub location: String,
    pub component: String,
    pub status: String,
    pub regression: bool,
    pub kev: bool,
    pub epss: Option<f64>,
    pub first_seen: i64,
    pub last_seen: i64,
    pub due_at: Option<i64>,
    pub fixed_at: Option<i64>,
}

impl FindingRow {
    pub fn severity(&self) -> Severity {
        Severity::from_rank(self.severity_rank)
    }

    pub fn status(&self) -> FindingStatus {
        FindingStatus::parse(&self.status).unwrap_or(FindingStatus::Open)
    }

    /// Active and past its deadline at `now`.
    pub fn overdue(&self, now: i64) -> bool {
        self.status().is_active() && self.due_at.is_some_and(|d| d < now)
    }

    pub fn cve_list(&self) -> Vec<&str> {
        self.cves.split_whitespace().collect()
    }
}

/// The text of a finding's vulnerability and its instance details.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FindingText {
    pub cvss_vector: String,
    pub cwes: String,
    pub description: String,
    pub solution: String,
    pub refs: String,
    pub evidence: String,
    pub fixed_version: String,
    pub suppressed: bool,
    pub status_reason: String,
    pub status_by: String,
    pub status_at: Option<i64>,
    pub accepted_until: Option<i64>,
    pub agency_id: Option<i64>,
}

/// One entry of a finding's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FindingEvent {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub from_status: String,
    pub to_status: String,
    pub note: String,
    pub scan_id: Option<i64>,
}

/// A finding's page: the row, its texts, its history, and the KEV entries of its CVEs.
#[derive(Debug, Clone, Serialize)]
pub struct FindingDetail {
    pub row: FindingRow,
    pub text: FindingText,
    pub events: Vec<FindingEvent>,
    pub kev: Vec<KevEntry>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct KevEntry {
    pub cve: String,
    pub vendor: String,
    pub product: String,
    pub name: String,
    pub date_added: String,
    pub due_date: String,
    pub ransomware: bool,
}

/// Filters of finding lists (all optional; combined with AND).
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub system_id: Option<i64>,
    /// Only unassigned findings.
    pub unassigned: bool,
    pub severities: Vec<Severity>,
    /// A status, or `active` for open + in remediation.
    pub status: Option<String>,
    /// Words in the title, a CVE, a host, IP or URL; diacritics ignored.
    pub q: String,
    pub overdue: bool,
    pub kev: bool,
    /// Findings of systems owned or operated in this agency's subtree.
    pub agency_id: Option<i64>,
}

pub(crate) const ROW_SELECT: &str = "SELECT f.id, f.system_id, s.code AS system_code, s.name AS system_name, v.title, \
     f.severity_rank, v.cvss_score, v.cves, v.rule_id, f.scanner, f.target, f.host, f.ip, f.port, f.protocol, f.url, \
     f.location, f.component, f.status, f.regression, v.kev, v.epss, f.first_seen, f.last_seen, f.due_at, f.fixed_at \
     FROM findings f JOIN vulns v ON v.id = f.vuln_id LEFT JOIN systems s ON s.id = f.system_id";

impl FindingFilter {
    /// Append the filter's conditions (after a WHERE that already holds the scope).
    pub(crate) fn apply(&self, q: &mut Sql, now: i64) -> StoreResult<()> {
        if let Some(id) = self.system_id {
            q.push(" AND f.system_id = ").bind(id);
        }
        if self.unassigned {
            q.push(" AND f.system_id IS NULL");
        }
        if !self.severities.is_empty() {
            q.push(" AND f.severity_rank IN (");
            for (i, s) in self.severities.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(s.rank());
            }
            q.push(")");
        }
        match self.status.as_deref().map(str::trim) {
            None | Some("") | Some("all") => {}
            Some("active") => {
                q.push(" AND f.status IN ('open', 'in_remediation')");
            }
            Some(s) => {
                let st = FindingStatus::parse(s)
                    .ok_or_else(|| StoreError::invalid("status", Problem::UnknownValue { allowed: status_names() }))?;
                q.push(" AND f.status = ").bind(st.as_str());
            }
        }
        if self.overdue {
            q.push(" AND f.status IN ('open', 'in_remediation') AND f.due_at < ").bind(now);
        }
        if self.kev {
            q.push(" AND v.kev");
        }
        if let Some(a) = self.agency_id {
            q.push(" AND (s.owner_agency_id IN (SELECT xa.id FROM agencies xa, agencies xr WHERE xr.id = ");
            q.bind(a).push(" AND xa.path >= xr.path AND xa.path < ");
            q.push("SUBSTR(xr.path, 1, LENGTH(xr.path) - 1) || '0') OR f.agency_id = ").bind(a).push(")");
        }
        for word in self.q.split_whitespace().take(8) {
            let w = khien_core::text::like_escape(&khien_core::text::fold(word));
            let raw = khien_core::text::like_escape(&word.to_ascii_lowercase());
            q.push(" AND (v.title_folded LIKE ").bind(format!("%{w}%")).push(" ESCAPE '\\'");
            q.push(" OR LOWER(v.cves) LIKE ").bind(format!("%{raw}%")).push(" ESCAPE '\\'");
            q.push(" OR f.target LIKE ").bind(format!("%{raw}%")).push(" ESCAPE '\\'");
            q.push(" OR LOWER(f.url) LIKE ").bind(format!("%{raw}%")).push(" ESCAPE '\\'");
            q.push(" OR LOWER(v.rule_id) = ").bind(raw.clone()).push(")");
        }
        Ok(())
    }
}

fn status_names() -> Vec<String> {
    let mut v: Vec<String> = FindingStatus::ALL.iter().map(|s| s.as_str().to_string()).collect();
    v.push("active".into());
    v
}

/// A position in a list ordered by severity (desc) then id (asc): "rank.id".
fn parse_cursor(c: &str) -> Option<(i64, i64)> {
    let (a, b) = c.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

impl Store {
    /// Findings visible to `scope` that match `filter`, most severe first, `limit` per page
    /// after the cursor `after` (from a previous page's `next`).
    pub async fn findings_list(
        &self,
        scope: &Scope,
        filter: &FindingFilter,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Paged<FindingRow>> {
        let now = now();
        let limit = limit.clamp(1, 1000);
        let mut count = Sql::new(
            "SELECT COUNT(*) FROM findings f JOIN vulns v ON v.id = f.vuln_id LEFT JOIN systems s ON s.id = f.system_id WHERE ",
        );
        count.finding_visible("f", scope);
        filter.apply(&mut count, now)?;
        let total = self.scalar(count).await?;
        let mut q = Sql::new(ROW_SELECT);
        q.push(" WHERE ").finding_visible("f", scope);
        filter.apply(&mut q, now)?;
        if let Some(c) = after {
            let (rank, id) = parse_cursor(c).ok_or_else(|| {
                StoreError::invalid(
                    "after",
                    Problem::Other {
                        vi: "Con trỏ trang không hợp lệ.".into(), en: "Invalid page cursor.".into()
                    },
                )
            })?;
            q.push(" AND (f.severity_rank < ").bind(rank).push(" OR (f.severity_rank = ").bind(rank);
            q.push(" AND f.id > ").bind(id).push("))");
        }
        q.push(" ORDER BY f.severity_rank DESC, f.id LIMIT ").bind(limit + 1);
        let mut items: Vec<FindingRow> = self.all(q).await?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|r| format!("{}.{}", r.severity_rank, r.id))
        } else {
            None
        };
        Ok(Paged { items, total, next })
    }

    /// Every finding matching the filter (for exports), up to `max` rows.
    pub async fn findings_export(
        &self,
        scope: &Scope,
        filter: &FindingFilter,
        max: i64,
    ) -> StoreResult<Vec<FindingRow>> {
        let mut q = Sql::new(ROW_SELECT);
        q.push(" WHERE ").finding_visible("f", scope);
        filter.apply(&mut q, now())?;
        q.push(" ORDER BY f.severity_rank DESC, f.id LIMIT ").bind(max);
        self.all(q).await
    }

    /// One finding with its texts and history, if visible.
    pub async fn finding_get(&self, scope: &Scope, id: i64) -> StoreResult<Option<FindingDetail>> {
        let mut q = Sql::new(ROW_SELECT);
        q.push(" WHERE f.id = ").bind(id).push(" AND ").finding_visible("f", scope);
        let Some(row) = self.optional::<FindingRow>(q).await? else { return Ok(None) };
        let text: FindingText = self
            .one(
                Sql::new(
                    "SELECT v.cvss_vector, v.cwes, v.description, v.solution, v.refs, f.evidence, f.fixed_version, \
                     f.suppressed, f.status_reason, f.status_by, f.status_at, f.accepted_until, f.agency_id \
                     FROM findings f JOIN vulns v ON v.id = f.vuln_id WHERE f.id = $1",
                )
                .arg(id),
            )
            .await?;
        let events = self
            .all(Sql::new("SELECT id, at, actor, kind, from_status, to_status, note, scan_id FROM finding_events WHERE finding_id = $1 ORDER BY id DESC LIMIT 200").arg(id))
            .await?;
        let mut kev = Vec::new();
        let cves: Vec<String> = row.cve_list().iter().map(|s| s.to_string()).collect();
        if !cves.is_empty() {
            let mut q = Sql::new("SELECT * FROM kev WHERE cve IN (");
            for (i, c) in cves.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(c.as_str());
            }
            q.push(") ORDER BY cve");
            kev = self.all(q).await?;
        }
        Ok(Some(FindingDetail { row, text, events, kev }))
    }

    /// Change one finding's status as `t` asks.
    pub async fn finding_transition(&self, p: &Principal, id: i64, t: &Transition) -> StoreResult<FindingRow> {
        let mut tx = self.begin().await?;
        transition_in_tx(&mut tx, p, id, t).await?;
        let mut q = Sql::new(ROW_SELECT);
        q.push(" WHERE f.id = ").bind(id);
        let row = tx.one(q).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Apply `t` to every finding matching `filter` that the caller may change, all or
    /// nothing: if one finding cannot make the transition, nothing changes and the error
    /// names it. At most 10,000 findings at once.
    pub async fn findings_bulk_transition(
        &self,
        p: &Principal,
        filter: &FindingFilter,
        t: &Transition,
    ) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let mut q = Sql::new(
            "SELECT f.id FROM findings f JOIN vulns v ON v.id = f.vuln_id LEFT JOIN systems s ON s.id = f.system_id WHERE ",
        );
        q.finding_writable("f", &p.scope);
        filter.apply(&mut q, now())?;
        q.push(" ORDER BY f.id LIMIT 10001");
        let ids: Vec<(i64,)> = tx.all(q).await?;
        if ids.len() > 10_000 {
            return Err(StoreError::Other("more than 10,000 findings match; narrow the filter".into()));
        }
        for (id,) in &ids {
            transition_in_tx(&mut tx, p, *id, t).await.map_err(|e| match e {
                StoreError::Invalid(errs) => StoreError::Invalid(
                    errs.into_iter()
                        .map(|mut fe| {
                            fe.field = format!("finding {id}: {}", fe.field);
                            fe
                        })
                        .collect(),
                ),
                other => other,
            })?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// Add a comment to a finding the caller can see (and may work on).
    pub async fn finding_comment(&self, p: &Principal, id: i64, text: &str) -> StoreResult<()> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("comment", Problem::Required));
        }
        if text.chars().count() > 5000 {
            return Err(StoreError::invalid("comment", Problem::TooLong { max: 5000 }));
        }
        if !p.can(Action::ManageFindings) && p.role != khien_core::Role::Inspector {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let mut q = Sql::new("SELECT COUNT(*) FROM findings f WHERE f.id = ");
        q.bind(id).push(" AND ").finding_visible("f", &p.scope);
        if tx.scalar(q).await? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            Sql::new(
                "INSERT INTO finding_events (finding_id, at, actor, kind, note) VALUES ($1, $2, $3, 'comment', $4)",
            )
            .arg(id)
            .arg(now())
            .arg(p.username.as_str())
            .arg(text),
        )
        .await?;
        audit::append(&mut tx, &p.username, "comment", "finding", &id.to_string(), String::new(), text.to_string())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Give an unassigned finding's target to a system: the target becomes an asset of the
    /// system (so the next scans attach it by themselves) and every unassigned finding of
    /// that target visible to the caller moves to the system. Returns how many moved.
    pub async fn finding_assign(&self, p: &Principal, id: i64, system_id: i64) -> StoreResult<u64> {
        if !p.can(Action::ManageFindings) || !p.can(Action::ImportScans) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let mut q = Sql::new("SELECT f.target, f.ip, f.host FROM findings f WHERE f.system_id IS NULL AND f.id = ");
        q.bind(id).push(" AND ").finding_visible("f", &p.scope);
        let (target, ip, host): (String, String, String) = tx.optional(q).await?.ok_or(StoreError::NotFound)?;
        let mut q = Sql::new("SELECT COUNT(*) FROM systems s WHERE s.id = ");
        q.bind(system_id).push(" AND ").system_writable("s", &p.scope);
        if tx.scalar(q).await? == 0 {
            return Err(StoreError::invalid("system", Problem::NotFound { what: format!("Hệ thống {system_id}") }));
        }
        // Remember the target as an asset (an IP, else the host name) unless already there.
        let (kind, value) = if !ip.is_empty() { (AssetKind::Ip, ip) } else { (AssetKind::Hostname, host) };
        if let Ok(n) = khien_core::normalise_asset(Some(kind), &value) {
            let exists = tx
                .scalar(
                    Sql::new("SELECT COUNT(*) FROM assets WHERE system_id = $1 AND kind = $2 AND value = $3")
                        .arg(system_id)
                        .arg(n.kind.as_str())
                        .arg(&n.value),
                )
                .await?;
            if exists == 0 {
                crate::systems::add_asset(
                    &mut tx,
                    p,
                    system_id,
                    Some(n.kind),
                    &n.value,
                    "gán từ lỗ hổng chưa phân loại",
                )
                .await?;
            }
        }
        // Read through the index on system_id: the unassigned list, which assigning shrinks.
        let mut q = Sql::new("SELECT f.id, f.fingerprint FROM findings f WHERE f.system_id IS NULL AND f.target = ");
        q.bind(target.as_str()).push(" AND ").finding_visible("f", &p.scope);
        let rows: Vec<(i64, String)> = tx.all(q).await?;
        let owner = format!("s{system_id}");
        if let Tx::Postgres(t) = &mut tx {
            // An import into this system checks for existing rows under the same lock.
            crate::scan_write::lock_owner(t, &owner).await?;
        }
        let mut moved = 0u64;
        for (fid, fp) in rows {
            let dup = tx
                .scalar(
                    Sql::new("SELECT COUNT(*) FROM findings WHERE owner_key = $1 AND target = $2 AND fingerprint = $3")
                        .arg(owner.as_str())
                        .arg(target.as_str())
                        .arg(fp.as_str()),
                )
                .await?;
            if dup > 0 {
                // The system already tracks this vulnerability: the unassigned copy goes.
                tx.execute(Sql::new("DELETE FROM findings WHERE id = $1").arg(fid)).await?;
                continue;
            }
            tx.execute(
                Sql::new("UPDATE findings SET owner_key = $2, system_id = $3, agency_id = NULL, updated_at = $4 WHERE id = $1")
                    .arg(fid)
                    .arg(owner.as_str())
                    .arg(system_id)
                    .arg(now()),
            )
            .await?;
            tx.execute(
                Sql::new(
                    "INSERT INTO finding_events (finding_id, at, actor, kind, note) VALUES ($1, $2, $3, 'assign', $4)",
                )
                .arg(fid)
                .arg(now())
                .arg(p.username.as_str())
                .arg(format!("system {system_id}")),
            )
            .await?;
            moved += 1;
        }
        audit::append(
            &mut tx,
            &p.username,
            "assign",
            "finding",
            &id.to_string(),
            String::new(),
            serde_json::json!({"target": target, "system_id": system_id, "moved": moved}).to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// The province's remediation deadlines (defaults until set).
    pub async fn deadline_policy(&self) -> StoreResult<DeadlinePolicy> {
        let v: Option<(String,)> =
            self.optional(Sql::new("SELECT value FROM settings WHERE key = 'deadline_days'")).await?;
        Ok(v.and_then(|(s,)| serde_json::from_str(&s).ok()).unwrap_or_default())
    }

    /// Set the deadlines and recompute every finding's due date.
    pub async fn deadline_policy_set(&self, p: &Principal, policy: DeadlinePolicy) -> StoreResult<()> {
        if !p.can(Action::ManageSettings) {
            return Err(StoreError::Forbidden);
        }
        policy.validate().map_err(|_| {
            StoreError::invalid(
                "deadline",
                Problem::Other {
                    vi: "Thời hạn phải từ 1 đến 3650 ngày và mức nghiêm trọng hơn không được có thời hạn dài hơn."
                        .into(),
                    en: "Deadlines must be 1 to 3650 days, never longer for a more severe level.".into(),
                },
            )
        })?;
        let before = self.deadline_policy().await?;
        let mut tx = self.begin().await?;
        let value = serde_json::to_string(&policy).unwrap_or_default();
        tx.execute(Sql::new("DELETE FROM settings WHERE key = 'deadline_days'")).await?;
        tx.execute(Sql::new("INSERT INTO settings (key, value) VALUES ('deadline_days', $1)").arg(value.as_str()))
            .await?;
        recompute_due(&mut tx, &policy, None).await?;
        audit::append(&mut tx, &p.username, "update", "setting", "deadline_days", audit::json(Some(&before)), value)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Recompute due dates (of the findings of `vuln_ids`, or all) from first seen, severity and
/// KEV status. A regression keeps the later due date it got when it reappeared only until the
/// policy changes; then its deadline counts from first seen like the others.
pub(crate) async fn recompute_due(tx: &mut Tx, policy: &DeadlinePolicy, vuln_ids: Option<&[i64]>) -> StoreResult<()> {
    let mut q = Sql::new(
        "UPDATE findings SET due_at = first_seen + 86400 * (CASE WHEN (SELECT v.kev FROM vulns v WHERE v.id = findings.vuln_id) THEN ",
    );
    q.bind(policy.critical).push(" ELSE CASE severity_rank WHEN 4 THEN ").bind(policy.critical);
    q.push(" WHEN 3 THEN ").bind(policy.high).push(" WHEN 2 THEN ").bind(policy.medium);
    q.push(" WHEN 1 THEN ").bind(policy.low).push(" ELSE NULL END END)");
    if let Some(ids) = vuln_ids {
        if ids.is_empty() {
            return Ok(());
        }
        q.push(" WHERE vuln_id IN (");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
    }
    tx.execute(q).await?;
    Ok(())
}

async fn transition_in_tx(tx: &mut Tx, p: &Principal, id: i64, t: &Transition) -> StoreResult<()> {
    if !p.can(Action::ManageFindings) {
        return Err(StoreError::Forbidden);
    }
    let mut q = Sql::new("SELECT f.status FROM findings f WHERE f.id = ");
    q.bind(id).push(" AND ").finding_visible("f", &p.scope);
    let (status,): (String,) = tx.optional(q).await?.ok_or(StoreError::NotFound)?;
    let mut q = Sql::new("SELECT COUNT(*) FROM findings f WHERE f.id = ");
    q.bind(id).push(" AND ").finding_writable("f", &p.scope);
    if tx.scalar(q).await? == 0 {
        return Err(StoreError::Forbidden);
    }
    let from = FindingStatus::parse(&status).unwrap_or(FindingStatus::Open);
    let now = now();
    check(p.role, from, t, now)
        .map_err(|e| StoreError::invalid("status", Problem::Other { vi: e.vi(), en: e.to_string() }))?;
    let reason = t.reason.trim();
    let mut q = Sql::new("UPDATE findings SET status = ");
    q.bind(t.to.as_str()).push(", status_reason = ").bind(reason).push(", status_by = ").bind(p.username.as_str());
    q.push(", status_at = ").bind(now).push(", updated_at = ").bind(now);
    q.push(", accepted_until = ").bind(if t.to == FindingStatus::Accepted { t.until } else { None });
    match t.to {
        FindingStatus::Fixed => {
            q.push(", fixed_at = ").bind(now);
        }
        FindingStatus::Open | FindingStatus::InRemediation => {
            q.push(", fixed_at = NULL");
        }
        _ => {}
    }
    q.push(" WHERE id = ").bind(id);
    tx.execute(q).await?;
    tx.execute(
        Sql::new(
            "INSERT INTO finding_events (finding_id, at, actor, kind, from_status, to_status, note) \
             VALUES ($1, $2, $3, 'status', $4, $5, $6)",
        )
        .arg(id)
        .arg(now)
        .arg(p.username.as_str())
        .arg(from.as_str())
        .arg(t.to.as_str())
        .arg(reason),
    )
    .await?;
    audit::append(
        tx,
        &p.username,
        "transition",
        "finding",
        &id.to_string(),
        serde_json::json!({"status": from.as_str()}).to_string(),
        serde_json::json!({"status": t.to.as_str(), "reason": reason, "until": t.until}).to_string(),
    )
    .await?;
    Ok(())
}

/// Reopen accepted risks whose acceptance has expired; returns how many.
pub async fn expire_acceptances(store: &Store) -> StoreResult<u64> {
    let now = now();
    let mut tx = store.begin().await?;
    let ids: Vec<(i64,)> =
        tx.all(Sql::new("SELECT id FROM findings WHERE status = 'accepted' AND accepted_until <= $1").arg(now)).await?;
    for (id,) in &ids {
        tx.execute(
            Sql::new(
                "UPDATE findings SET status = 'open', status_reason = 'risk acceptance expired', status_by = 'khien', \
                 status_at = $2, accepted_until = NULL, updated_at = $2 WHERE id = $1",
            )
            .arg(*id)
            .arg(now),
        )
        .await?;
        tx.execute(
            Sql::new(
                "INSERT INTO finding_events (finding_id, at, actor, kind, from_status, to_status, note) \
                 VALUES ($1, $2, 'khien', 'status', 'accepted', 'open', 'risk acceptance expired')",
            )
            .arg(*id)
            .arg(now),
        )
        .await?;
    }
    if !ids.is_empty() {
        audit::append(
            &mut tx,
            "khien",
            "expire",
            "finding",
            "acceptances",
            String::new(),
            serde_json::json!({"reopened": ids.iter().map(|i| i.0).collect::<Vec<_>>()}).to_string(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}

/// One system's line of the province table: active findings by severity, overdue ones.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SystemVulnRow {
    pub system_id: i64,
    pub code: String,
    pub name: String,
    pub owner_name: String,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub info: i64,
    pub overdue: i64,
    pub kev: i64,
    pub last_seen: Option<i64>,
}

impl SystemVulnRow {
    /// Active findings that need work (informational ones excluded).
    pub fn actionable(&self) -> i64 {
        self.critical + self.high + self.medium + self.low
    }
}

/// A recorded import.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ScanRow {
    pub id: i64,
    pub format: String,
    pub file_name: String,
    pub system_code: Option<String>,
    pub actor: String,
    pub imported_at: i64,
    pub parsed: i64,
    pub new_count: i64,
    pub updated_count: i64,
    pub reopened_count: i64,
    pub fixed_count: i64,
    pub unchanged_count: i64,
    pub unassigned_count: i64,
}

/// The vulnerability dashboard of a scope.
#[derive(Debug, Clone, Serialize)]
pub struct VulnDashboard {
    pub systems: Vec<SystemVulnRow>,
    /// Systems in scope that have at least one active finding.
    pub systems_with_findings: i64,
    /// Active findings by severity, most severe first (critical..info).
    pub by_severity: [i64; 5],
    pub overdue: i64,
    pub kev: i64,
    pub unassigned: i64,
    pub regressions: i64,
    /// Active (non-info) findings at the end of each of the last weeks, oldest first.
    pub trend: Vec<(i64, i64)>,
    pub recent_scans: Vec<ScanRow>,
}

impl Store {
    /// The province table and the figures around it, for `scope`, at time `now`.
    pub async fn vuln_dashboard(&self, scope: &Scope, now: i64, weeks: i64) -> StoreResult<VulnDashboard> {
        let mut q = Sql::new(
            "SELECT s.id AS system_id, s.code, s.name, o.name AS owner_name, \
             SUM(CASE WHEN f.severity_rank = 4 THEN 1 ELSE 0 END) AS critical, \
             SUM(CASE WHEN f.severity_rank = 3 THEN 1 ELSE 0 END) AS high, \
             SUM(CASE WHEN f.severity_rank = 2 THEN 1 ELSE 0 END) AS medium, \
             SUM(CASE WHEN f.severity_rank = 1 THEN 1 ELSE 0 END) AS low, \
             SUM(CASE WHEN f.severity_rank = 0 THEN 1 ELSE 0 END) AS info, \
             SUM(CASE WHEN f.due_at < ",
        );
        q.bind(now).push(
            " THEN 1 ELSE 0 END) AS overdue, SUM(CASE WHEN v.kev THEN 1 ELSE 0 END) AS kev, MAX(f.last_seen) AS last_seen \
             FROM findings f JOIN vulns v ON v.id = f.vuln_id JOIN systems s ON s.id = f.system_id \
             JOIN agencies o ON o.id = s.owner_agency_id \
             WHERE f.status IN ('open', 'in_remediation') AND ",
        );
        q.system_visible("s", scope);
        q.push(" GROUP BY s.id, s.code, s.name, o.name");
        let mut systems: Vec<SystemVulnRow> = self.all(q).await?;
        systems.sort_by(|a, b| {
            (b.critical, b.high, b.overdue, b.medium, b.low).cmp(&(a.critical, a.high, a.overdue, a.medium, a.low))
        });
        let mut q = Sql::new("SELECT f.severity_rank, COUNT(*), SUM(CASE WHEN f.due_at < ");
        q.bind(now).push(
            " THEN 1 ELSE 0 END), SUM(CASE WHEN v.kev THEN 1 ELSE 0 END), SUM(CASE WHEN f.system_id IS NULL THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.regression THEN 1 ELSE 0 END) FROM findings f JOIN vulns v ON v.id = f.vuln_id \
             WHERE f.status IN ('open', 'in_remediation') AND ",
        );
        q.finding_visible("f", scope).push(" GROUP BY f.severity_rank");
        let rows: Vec<(i64, i64, i64, i64, i64, i64)> = self.all(q).await?;
        let mut d = VulnDashboard {
            systems_with_findings: systems.iter().filter(|s| s.actionable() + s.info > 0).count() as i64,
            systems,
            by_severity: [0; 5],
            overdue: 0,
            kev: 0,
            unassigned: 0,
            regressions: 0,
            trend: vec![],
            recent_scans: vec![],
        };
        for (rank, n, overdue, kev, unassigned, regressions) in rows {
            d.by_severity[(4 - rank.clamp(0, 4)) as usize] += n;
            d.overdue += overdue;
            d.kev += kev;
            d.unassigned += unassigned;
            d.regressions += regressions;
        }
        // Trend: findings open at each week's end, from first seen and fixed times (a
        // false positive never counts; an accepted risk counts until now, as it is still there).
        let weeks = weeks.clamp(1, 52);
        let ends: Vec<i64> = (0..weeks).rev().map(|i| now - i * 7 * 86_400).collect();
        let mut q = Sql::new("SELECT ");
        for (i, end) in ends.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("COALESCE(SUM(CASE WHEN f.first_seen <= ").bind(*end);
            q.push(" AND (f.fixed_at IS NULL OR f.fixed_at > ").bind(*end).push(") THEN 1 ELSE 0 END), 0)");
        }
        q.push(" FROM findings f WHERE f.severity_rank > 0 AND f.status <> 'false_positive' AND ");
        q.finding_visible("f", scope);
        let counts = match self {
            Store::Sqlite(p) => trend_row_sqlite(p, q).await?,
            Store::Postgres(p) => trend_row_pg(p, q).await?,
        };
        d.trend = ends.into_iter().zip(counts).collect();
        let mut q = Sql::new(
            "SELECT sc.id, sc.format, sc.file_name, s.code AS system_code, sc.actor, sc.imported_at, sc.parsed, sc.new_count, \
             sc.updated_count, sc.reopened_count, sc.fixed_count, sc.unchanged_count, sc.unassigned_count \
             FROM scans sc LEFT JOIN systems s ON s.id = sc.system_id WHERE ",
        );
        if scope.is_all() {
            q.push("TRUE");
        } else {
            q.push("(sc.system_id IN (SELECT ss.id FROM systems ss WHERE ").system_visible("ss", scope);
            q.push(") OR sc.agency_id IN (SELECT sa.id FROM agencies sa WHERE ").scope("sa.path", scope).push("))");
        }
        q.push(" ORDER BY sc.id DESC LIMIT 10");
        d.recent_scans = self.all(q).await?;
        Ok(d)
    }
}

async fn trend_row_sqlite(p: &sqlx::SqlitePool, q: Sql) -> StoreResult<Vec<i64>> {
    use sqlx::Row;
    let mut query = sqlx::query(sqlx::AssertSqlSafe(q.text));
    for a in q.args {
        query = match a {
            crate::sql::Arg::I64(v) => query.bind(v),
            crate::sql::Arg::OptI64(v) => query.bind(v),
            crate::sql::Arg::Text(v) => query.bind(v),
            crate::sql::Arg::Bool(v) => query.bind(v),
            crate::sql::Arg::OptF64(v) => query.bind(v),
        };
    }
    let row = query.fetch_one(p).await?;
    Ok((0..row.len()).map(|i| row.try_get::<i64, _>(i).unwrap_or(0)).collect())
}

async fn trend_row_pg(p: &sqlx::PgPool, q: Sql) -> StoreResult<Vec<i64>> {
    use sqlx::Row;
    let mut query = sqlx::query(sqlx::AssertSqlSafe(q.text));
    for a in q.args {
        query = match a {
            crate::sql::Arg::I64(v) => query.bind(v),
            crate::sql::Arg::OptI64(v) => query.bind(v),
            crate::sql::Arg::Text(v) => query.bind(v),
            crate::sql::Arg::Bool(v) => query.bind(v),
            crate::sql::Arg::OptF64(v) => query.bind(v),
        };
    }
    let row = query.fetch_one(p).await?;
    Ok((0..row.len()).map(|i| row.try_get::<i64, _>(i).unwrap_or(0)).collect())
}

impl Store {
    /// Active findings matching `filter` in `scope`, by severity (critical first), and how
    /// many of them are overdue: `([critical, high, medium, low, info], overdue)`.
    pub async fn finding_counts(&self, scope: &Scope, filter: &FindingFilter) -> StoreResult<([i64; 5], i64)> {
        let now = now();
        let mut q = Sql::new("SELECT f.severity_rank, COUNT(*), SUM(CASE WHEN f.due_at < ");
        q.bind(now).push(
            " THEN 1 ELSE 0 END) FROM findings f JOIN vulns v ON v.id = f.vuln_id LEFT JOIN systems s ON s.id = f.system_id \
             WHERE f.status IN ('open', 'in_remediation') AND ",
        );
        q.finding_visible("f", scope);
        filter.apply(&mut q, now)?;
        q.push(" GROUP BY f.severity_rank");
        let rows: Vec<(i64, i64, i64)> = self.all(q).await?;
        let mut out = [0i64; 5];
        let mut overdue = 0;
        for (rank, n, o) in rows {
            out[(4 - rank.clamp(0, 4)) as usize] += n;
            overdue += o;
        }
        Ok((out, overdue))
    }
}
