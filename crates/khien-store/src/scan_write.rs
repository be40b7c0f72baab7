//! The bulk writes of a scan import, one implementation per backend: insert a batch of
//! findings that are new (and return the rows that already existed), update the rows a scan
//! saw again, list the stale findings of the targets a scan covered and mark them fixed.
//!
//! SQLite goes through rusqlite on sqlx's own connection (the transaction's, locked for the
//! duration): prepared statements stepped once per row. sqlx binds SQLite parameters by name,
//! which costs O(P²) in a statement's P parameters, so multi-row statements were the import's
//! bottleneck; a stepped statement costs a few microseconds per row. PostgreSQL gets one
//! statement per batch, the columns sent as arrays and expanded with `UNNEST`; imports into
//! the same owner serialise on an advisory lock, so a batch's existing rows are looked up
//! first and the rest inserted plainly (`ON CONFLICT` costs PostgreSQL a speculative
//! insertion per row), new rows by `COPY` in CSV ([`copy_row`]). Batches that can only hold
//! new rows skip this module's lookup and share one `COPY` kept open across batches
//! (`ScanImporter::add_batches`).

use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::scan_key::Hex;
use crate::sqlite_static::{Param, StaticStatement};
use rusqlite::OptionalExtension;
use std::collections::HashMap;
use std::sync::Arc;

/// A finding of the report, resolved to its owner and identity, ready to be written.
pub(crate) struct Prepared {
    pub owner_key: Arc<str>,
    pub system_id: Option<i64>,
    /// Set for unassigned findings of an agency user (the agency whose list holds them).
    pub agency_id: Option<i64>,
    pub fingerprint: Hex<32>,
    pub vuln_id: i64,
    pub severity: i64,
    pub kev: bool,
    pub family: &'static str,
    pub target: String,
    pub seen_at: i64,
    /// The deadline of a new finding (from `seen_at`).
    pub due_at: Option<i64>,
    /// The deadline in days after first seen, for a finding seen again.
    pub due_days: Option<i64>,
    pub content_hash: Hex<24>,
    pub f: khien_vuln::Finding,
}

/// A finding that already existed when the import tried to insert it.
#[derive(Debug, Clone)]
pub(crate) struct Existing {
    pub id: i64,
    pub vuln_id: i64,
    pub status: String,
    pub content_hash: String,
    pub last_seen: i64,
}

/// What a covered target's finding needs to be judged stale.
pub(crate) struct CoveredTarget<'a> {
    pub owner_key: &'a str,
    pub family: &'static str,
    pub target: &'a str,
    /// The latest time this scan saw the target.
    pub at: i64,
}

/// An active finding of a covered target last seen before the scan saw the target.
pub(crate) struct Stale {
    pub id: i64,
    pub status: String,
    pub at: i64,
}

/// A finding seen again: its new content, and its last-seen time when the scan is newer.
pub(crate) struct Seen<'a> {
    pub id: i64,
    pub p: &'a Prepared,
    pub newer: bool,
}

/// An existing finding as PostgreSQL returns it: id, fingerprint, owner, status, content
/// hash, last seen, vulnerability.
type FoundRow = (i64, String, String, String, String, i64, i64);

fn lite(e: rusqlite::Error) -> StoreError {
    StoreError::Other(format!("database: {e}"))
}

/// Run `f` on the SQLite transaction's own connection.
async fn with_sqlite<T>(
    t: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> StoreResult<T> {
    let mut handle = t.lock_handle().await?;
    // SAFETY: the handle stays locked (no other user of the connection) while `conn` lives;
    // a connection made by `from_handle` does not close the handle when dropped, and every
    // statement `f` prepares borrows `conn`, so it is finalized before `conn` is dropped.
    let conn = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }.map_err(lite)?;
    let out = f(&conn).map_err(lite);
    drop(conn);
    out
}

const INSERT_COLUMNS: &str = "owner_key, system_id, agency_id, fingerprint, vuln_id, scanner, severity_rank, target, \
    host, ip, port, protocol, url, location, component, fixed_version, evidence, content_hash, suppressed, status, \
    first_seen, last_seen, due_at, first_scan_id, last_scan_id, updated_at";

/// Insert the rows that are new; for each row, `None` when inserted, else the existing row.
///
/// `fresh` remembers, per owner, whether it had no findings when this import first met it:
/// then none of its rows can exist yet (PostgreSQL skips the lookup) and none can be stale.
pub(crate) async fn insert_or_find(
    tx: &mut Tx,
    rows: &[Prepared],
    scan_id: i64,
    now: i64,
    fresh: &mut HashMap<Arc<str>, bool>,
) -> StoreResult<Vec<Option<Existing>>> {
    match tx {
        Tx::Sqlite(t) => {
            with_sqlite(t, |c| {
                for p in rows {
                    if !fresh.contains_key(&p.owner_key) {
                        let any: bool = c.query_row(
                            "SELECT EXISTS (SELECT 1 FROM findings WHERE owner_key = ?1)",
                            [&*p.owner_key],
                            |r| r.get(0),
                        )?;
                        fresh.insert(p.owner_key.clone(), !any);
                    }
                }
                let mut ins = StaticStatement::prepare(
                    c,
                    &format!(
                        "INSERT INTO findings ({INSERT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, \
                         ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 'open', ?20, ?20, ?21, ?22, ?22, ?23) \
                         ON CONFLICT (owner_key, target, fingerprint) DO NOTHING"
                    ),
                )?;
                let mut sel = c.prepare(
                    "SELECT id, status, content_hash, last_seen, vuln_id FROM findings WHERE owner_key = ?1 AND target = ?2 AND fingerprint = ?3",
                )?;
                let mut out = Vec::with_capacity(rows.len());
                for p in rows {
                    let f = &p.f;
                    let n = ins.execute(&[
                        Param::Text(&p.owner_key),
                        p.system_id.into(),
                        p.agency_id.into(),
                        Param::Text(&p.fingerprint),
                        Param::Int(p.vuln_id),
                        Param::Text(p.family),
                        Param::Int(p.severity),
                        Param::Text(&p.target),
                        Param::Text(&f.host),
                        Param::Text(&f.ip),
                        f.port.map(i64::from).into(),
                        Param::Text(&f.protocol),
                        Param::Text(&f.url),
                        Param::Text(&f.location),
                        Param::Text(&f.component),
                        Param::Text(&f.fixed_version),
                        Param::Text(&f.evidence),
                        Param::Text(&p.content_hash),
                        Param::Int(f.suppressed.into()),
                        Param::Int(p.seen_at),
                        p.due_at.into(),
                        Param::Int(scan_id),
                        Param::Int(now),
                    ])?;
                    if n == 1 {
                        out.push(None);
                    } else {
                        out.push(Some(sel.query_row(rusqlite::params![&*p.owner_key, p.target, p.fingerprint.as_str()], |r| {
                            Ok(Existing {
                                id: r.get(0)?,
                                status: r.get(1)?,
                                content_hash: r.get(2)?,
                                last_seen: r.get(3)?,
                                vuln_id: r.get(4)?,
                            })
                        })?));
                    }
                }
                Ok(out)
            })
            .await
        }
        Tx::Postgres(t) => {
            // Imports into the same owner take turns (until commit), so that looking up the
            // existing rows and then inserting the others cannot race with another import.
            for p in rows {
                if fresh.contains_key(&p.owner_key) {
                    continue;
                }
                lock_owner(t, &p.owner_key).await?;
                let (any,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM findings WHERE owner_key = $1)")
                    .bind(&*p.owner_key)
                    .fetch_one(&mut **t)
                    .await?;
                fresh.insert(p.owner_key.clone(), !any);
            }
            let look: Vec<&Prepared> = rows.iter().filter(|p| !fresh[&p.owner_key]).collect();
            let found: Vec<FoundRow> = sqlx::query_as(
                "SELECT f.id, f.fingerprint, f.owner_key, f.status, f.content_hash, f.last_seen, f.vuln_id FROM findings f \
                 JOIN UNNEST($1::text[], $2::text[], $3::text[]) AS k(fp, owner, target) \
                 ON f.owner_key = k.owner AND f.target = k.target AND f.fingerprint = k.fp",
            )
            .bind(look.iter().map(|p| p.fingerprint.to_string()).collect::<Vec<_>>())
            .bind(look.iter().map(|p| p.owner_key.to_string()).collect::<Vec<_>>())
            .bind(look.iter().map(|p| p.target.clone()).collect::<Vec<_>>())
            .fetch_all(&mut **t)
            .await?;
            let by_key: HashMap<(&str, &str), &FoundRow> =
                found.iter().map(|r| ((r.1.as_str(), r.2.as_str()), r)).collect();
            let out: Vec<Option<Existing>> = rows
                .iter()
                .map(|p| {
                    by_key.get(&(p.fingerprint.as_str(), &*p.owner_key)).map(|r| Existing {
                        id: r.0,
                        status: r.3.clone(),
                        content_hash: r.4.clone(),
                        last_seen: r.5,
                        vuln_id: r.6,
                    })
                })
                .collect();
            let new: Vec<&Prepared> = rows.iter().zip(&out).filter(|(_, e)| e.is_none()).map(|(p, _)| p).collect();
            if new.is_empty() {
                return Ok(out);
            }
            // COPY: a fifth cheaper for the server than INSERT ... SELECT FROM UNNEST.
            let mut data = Vec::with_capacity(new.len() * 400);
            for p in &new {
                copy_row(&mut data, p, scan_id, now);
            }
            let mut copy = t.copy_in_raw(&copy_statement()).await?;
            copy.send(data).await?;
            copy.finish().await?;
            Ok(out)
        }
    }
}

/// The `COPY` that inserts new findings on PostgreSQL, fed by [`copy_row`].
pub(crate) fn copy_statement() -> String {
    format!("COPY findings ({INSERT_COLUMNS}) FROM STDIN (FORMAT csv)")
}

/// One CSV line of COPY for a new finding (columns of [`INSERT_COLUMNS`]): text quoted,
/// NULL unquoted and empty, NUL characters (which PostgreSQL text cannot hold) dropped.
pub(crate) fn copy_row(out: &mut Vec<u8>, p: &Prepared, scan_id: i64, now: i64) {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.push(b'"');
        for b in s.bytes() {
            match b {
                b'"' => out.extend_from_slice(b"\"\""),
                0 => {}
                _ => out.push(b),
            }
        }
        out.extend_from_slice(b"\",");
    }
    fn int(out: &mut Vec<u8>, v: Option<i64>) {
        if let Some(v) = v {
            out.extend_from_slice(v.to_string().as_bytes());
        }
        out.push(b',');
    }
    let f = &p.f;
    text(out, &p.owner_key);
    int(out, p.system_id);
    int(out, p.agency_id);
    text(out, &p.fingerprint);
    int(out, Some(p.vuln_id));
    text(out, p.family);
    int(out, Some(p.severity));
    for s in [&p.target, &f.host, &f.ip] {
        text(out, s);
    }
    int(out, f.port.map(i64::from));
    for s in [&f.protocol, &f.url, &f.location, &f.component, &f.fixed_version, &f.evidence, p.content_hash.as_str()] {
        text(out, s);
    }
    out.extend_from_slice(if f.suppressed { b"t," } else { b"f," });
    text(out, "open");
    int(out, Some(p.seen_at));
    int(out, Some(p.seen_at));
    int(out, p.due_at);
    int(out, Some(scan_id));
    int(out, Some(scan_id));
    out.extend_from_slice(now.to_string().as_bytes());
    out.push(b'\n');
}

/// Make other imports into (and assignments to) `owner` wait until this transaction ends.
pub(crate) async fn lock_owner(t: &mut sqlx::Transaction<'static, sqlx::Postgres>, owner: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('khien-findings:' || $1))")
        .bind(owner)
        .execute(&mut **t)
        .await?;
    Ok(())
}

/// Update findings seen again: content, severity and deadline; last seen when newer.
pub(crate) async fn update_seen(tx: &mut Tx, rows: &[Seen<'_>], scan_id: i64, now: i64) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Sqlite(t) => {
            with_sqlite(t, |c| {
                let mut st = c.prepare(
                    "UPDATE findings SET vuln_id = ?2, severity_rank = ?3, host = ?4, ip = ?5, protocol = ?6, \
                     url = ?7, component = ?8, fixed_version = ?9, evidence = ?10, suppressed = ?11, \
                     content_hash = ?12, updated_at = ?13, due_at = first_seen + ?14 * 86400, \
                     last_seen = CASE WHEN ?15 THEN ?16 ELSE last_seen END, \
                     last_scan_id = CASE WHEN ?15 THEN ?17 ELSE last_scan_id END WHERE id = ?1",
                )?;
                for s in rows {
                    let (p, f) = (s.p, &s.p.f);
                    st.execute(rusqlite::params![
                        s.id,
                        p.vuln_id,
                        p.severity,
                        f.host,
                        f.ip,
                        f.protocol,
                        f.url,
                        f.component,
                        f.fixed_version,
                        f.evidence,
                        f.suppressed,
                        p.content_hash.as_str(),
                        now,
                        p.due_days,
                        s.newer,
                        p.seen_at,
                        scan_id,
                    ])?;
                }
                Ok(())
            })
            .await
        }
        Tx::Postgres(t) => {
            let col = |g: &dyn Fn(&Seen<'_>) -> String| rows.iter().map(g).collect::<Vec<String>>();
            sqlx::query(
                "UPDATE findings f SET vuln_id = u.vuln_id, severity_rank = u.severity_rank, host = u.host, ip = u.ip, \
                 protocol = u.protocol, url = u.url, component = u.component, fixed_version = u.fixed_version, \
                 evidence = u.evidence, suppressed = u.suppressed, content_hash = u.content_hash, updated_at = $16, \
                 due_at = f.first_seen + u.due_days * 86400, \
                 last_seen = CASE WHEN u.newer THEN u.seen ELSE f.last_seen END, \
                 last_scan_id = CASE WHEN u.newer THEN $17 ELSE f.last_scan_id END \
                 FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], \
                 $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[], $13::int8[], $14::bool[], $15::int8[]) \
                 AS u(id, vuln_id, severity_rank, host, ip, protocol, url, component, fixed_version, evidence, \
                 suppressed, content_hash, due_days, newer, seen) WHERE f.id = u.id",
            )
            .bind(rows.iter().map(|s| s.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.p.vuln_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.p.severity).collect::<Vec<_>>())
            .bind(col(&|s| s.p.f.host.clone()))
            .bind(col(&|s| s.p.f.ip.clone()))
            .bind(col(&|s| s.p.f.protocol.clone()))
            .bind(col(&|s| s.p.f.url.clone()))
            .bind(col(&|s| s.p.f.component.clone()))
            .bind(col(&|s| s.p.f.fixed_version.clone()))
            .bind(col(&|s| s.p.f.evidence.clone()))
            .bind(rows.iter().map(|s| s.p.f.suppressed).collect::<Vec<_>>())
            .bind(col(&|s| s.p.content_hash.to_string()))
            .bind(rows.iter().map(|s| s.p.due_days).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.newer).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.p.seen_at).collect::<Vec<_>>())
            .bind(now)
            .bind(scan_id)
            .execute(&mut **t)
            .await?;
            Ok(())
        }
    }
}

/// The active findings of the covered targets (same owner and scanner family) that this scan
/// did not report (`reported(owner_key, fingerprint)` is false) and last saw before it saw
/// their target.
///
/// SQLite reads each target's (row id, fingerprint) pairs from the unique key's index alone
/// and looks at a row only when its fingerprint was not reported, so a re-scan that sees most
/// findings again reads few rows; PostgreSQL filters in one statement.
pub(crate) async fn stale(
    tx: &mut Tx,
    covered: &[CoveredTarget<'_>],
    reported: &(dyn Fn(&str, &str) -> bool + Sync),
) -> StoreResult<Vec<Stale>> {
    if covered.is_empty() {
        return Ok(Vec::new());
    }
    match tx {
        Tx::Sqlite(t) => {
            with_sqlite(t, |c| {
                let mut keys =
                    c.prepare("SELECT id, fingerprint FROM findings WHERE owner_key = ?1 AND target = ?2")?;
                let mut row = c.prepare(
                    "SELECT status FROM findings WHERE id = ?1 AND last_seen < ?2 AND scanner = ?3 \
                     AND status IN ('open', 'in_remediation')",
                )?;
                let mut out = Vec::new();
                let mut unreported: Vec<i64> = Vec::new();
                for ct in covered {
                    unreported.clear();
                    let mut rows = keys.query(rusqlite::params![ct.owner_key, ct.target])?;
                    while let Some(r) = rows.next()? {
                        let fp = r.get_ref(1)?.as_str().map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
                        })?;
                        if !reported(ct.owner_key, fp) {
                            unreported.push(r.get(0)?);
                        }
                    }
                    drop(rows);
                    for id in unreported.drain(..) {
                        let status: Option<String> =
                            row.query_row(rusqlite::params![id, ct.at, ct.family], |r| r.get(0)).optional()?;
                        if let Some(status) = status {
                            out.push(Stale { id, status, at: ct.at });
                        }
                    }
                }
                Ok(out)
            })
            .await
        }
        Tx::Postgres(t) => {
            let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
                "SELECT f.id, c.owner_key, f.fingerprint, f.status, c.at \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[]) AS c(owner_key, scanner, target, at) \
                 CROSS JOIN LATERAL (SELECT f.id, f.fingerprint, f.status FROM findings f WHERE f.owner_key = c.owner_key \
                 AND f.target = c.target AND f.last_seen < c.at AND f.scanner = c.scanner \
                 AND f.status IN ('open', 'in_remediation')) f",
            )
            .bind(covered.iter().map(|c| c.owner_key.to_string()).collect::<Vec<_>>())
            .bind(covered.iter().map(|c| c.family.to_string()).collect::<Vec<_>>())
            .bind(covered.iter().map(|c| c.target.to_string()).collect::<Vec<_>>())
            .bind(covered.iter().map(|c| c.at).collect::<Vec<_>>())
            .fetch_all(&mut **t)
            .await?;
            Ok(rows
                .into_iter()
                .filter(|(_, owner_key, fingerprint, _, _)| !reported(owner_key, fingerprint))
                .map(|(id, _, _, status, at)| Stale { id, status, at })
                .collect())
        }
    }
}

/// Mark stale findings fixed (pending verification), each with a history event.
pub(crate) async fn mark_fixed(tx: &mut Tx, rows: &[Stale], actor: &str, now: i64, scan_id: i64) -> StoreResult<()> {
    const REASON: &str = "not reported by a newer scan";
    const NOTE: &str = "not reported by a newer scan; pending verification";
    if rows.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Sqlite(t) => {
            with_sqlite(t, |c| {
                let mut up = c.prepare(
                    "UPDATE findings SET status = 'fixed', fixed_at = ?2, status_by = ?3, status_at = ?4, \
                     status_reason = ?5, updated_at = ?4 WHERE id = ?1",
                )?;
                let mut ev = c.prepare(
                    "INSERT INTO finding_events (finding_id, at, actor, kind, from_status, to_status, note, scan_id) \
                     VALUES (?1, ?2, ?3, 'status', ?4, 'fixed', ?5, ?6)",
                )?;
                for s in rows {
                    up.execute(rusqlite::params![s.id, s.at, actor, now, REASON])?;
                    ev.execute(rusqlite::params![s.id, now, actor, s.status, NOTE, scan_id])?;
                }
                Ok(())
            })
            .await
        }
        Tx::Postgres(t) => {
            let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
            sqlx::query(
                "UPDATE findings f SET status = 'fixed', fixed_at = u.at, status_by = $3, status_at = $4, \
                 status_reason = $5, updated_at = $4 FROM UNNEST($1::int8[], $2::int8[]) AS u(id, at) WHERE f.id = u.id",
            )
            .bind(&ids)
            .bind(rows.iter().map(|s| s.at).collect::<Vec<_>>())
            .bind(actor)
            .bind(now)
            .bind(REASON)
            .execute(&mut **t)
            .await?;
            sqlx::query(
                "INSERT INTO finding_events (finding_id, at, actor, kind, from_status, to_status, note, scan_id) \
                 SELECT u.id, $3, $4, 'status', u.from_status, 'fixed', $5, $6 \
                 FROM UNNEST($1::int8[], $2::text[]) AS u(id, from_status)",
            )
            .bind(&ids)
            .bind(rows.iter().map(|s| s.status.clone()).collect::<Vec<_>>())
            .bind(now)
            .bind(actor)
            .bind(NOTE)
            .bind(scan_id)
            .execute(&mut **t)
            .await?;
            Ok(())
        }
    }
}
