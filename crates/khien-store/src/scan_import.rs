//! Importing a scanner report: findings streamed in batches into one transaction, attached to
//! systems, deduplicated by fingerprint, and the re-scan rules applied:
//!
//! - a fingerprint not known for its owner is **new**;
//! - a known one reported again by a newer scan (or with changed content) is **updated**
//!   (last seen, severity, evidence...); reported again by a scan that is not newer and with
//!   the same content it is **unchanged** — so importing the same file twice changes nothing;
//! - a fixed or verified one reported again by a newer scan is **reopened**, marked as a
//!   regression;
//! - an active finding of a target this scan covered (same scanner family), not reported
//!   any more and last seen before this scan, becomes **fixed** (pending verification).
//!
//! The time of a scan is the report's own time per finding, else the time of the import;
//! importing a file already imported the same way (same SHA-256) is a replay and changes nothing. Nothing is visible
//! to others until [`ScanImporter::finish`] commits; dropping the importer rolls back.

use crate::audit;
use crate::db::{Store, Tx};
use crate::error::{StoreError, StoreResult};
use crate::now;
use crate::sql::Sql;
use khien_core::vuln::fingerprint::scanner_family;
use khien_core::vuln::{AssetIndex, DeadlinePolicy, FindingStatus, FingerprintInput, fingerprint, target_key};
use khien_core::{Action, Principal, Scope};
use khien_vuln::Finding;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Where the findings of a report go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportTarget {
    /// All to this system (by id).
    System(i64),
    /// Each to the system whose assets match it; the rest to the unassigned list.
    Auto,
}

/// What an import did; the keys are those of `khien import scan --json` and `POST /api/v1/scans`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub file: String,
    pub format: String,
    pub parsed: u64,
    pub new: u64,
    pub updated: u64,
    pub reopened: u64,
    pub fixed: u64,
    pub unchanged: u64,
    pub unassigned: u64,
    pub scan_id: i64,
}

/// The description of an import before its findings arrive.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file_name: String,
    /// The format name (`nessus`, ...).
    pub format: String,
    pub target: ImportTarget,
}

/// The vulnerability content shared by instances; compared to reuse a `vulns` row.
#[derive(Debug, Clone, PartialEq)]
struct VulnContent {
    scanner: String,
    rule_id: String,
    title: String,
    severity: i64,
    cvss_score: Option<f64>,
    cvss_vector: String,
    cves: String,
    cwes: String,
    description: String,
    solution: String,
    refs: String,
    epss: Option<f64>,
}

impl VulnContent {
    fn of(f: &Finding, family: &str) -> VulnContent {
        VulnContent {
            scanner: family.to_string(),
            rule_id: f.rule_id.clone(),
            title: f.title.clone(),
            severity: f.severity.rank(),
            cvss_score: f.cvss_score,
            cvss_vector: f.cvss_vector.clone(),
            cves: join_padded(f.cves.iter().map(|c| c.trim().to_ascii_uppercase())),
            cwes: join_padded(f.cwes.iter().map(|c| c.to_string())),
            description: f.description.clone(),
            solution: f.solution.clone(),
            refs: f.references.join("\n"),
            epss: f.epss_score,
        }
    }

    fn digest(&self) -> String {
        let mut h = Sha256::new();
        let score = self.cvss_score.map(|s| format!("{s:.1}")).unwrap_or_default();
        let epss = self.epss.map(|s| format!("{s:.5}")).unwrap_or_default();
        let sev = self.severity.to_string();
        for p in [
            &self.scanner,
            &self.rule_id,
            &self.title,
            &sev,
            &score,
            &self.cvss_vector,
            &self.cves,
            &self.cwes,
            &self.description,
            &self.solution,
            &self.refs,
            &epss,
        ] {
            h.update(p.len().to_string().as_bytes());
            h.update(b":");
            h.update(p.as_bytes());
        }
        hex::encode(&h.finalize()[..16])
    }
}

/// " A B " so that `LIKE '% A %'` finds one item.
fn join_padded(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.filter(|s| !s.is_empty()).collect();
    if v.is_empty() { String::new() } else { format!(" {} ", v.join(" ")) }
}

/// A vulns row met in this import: its content, id and KEV flag.
type KnownVuln = (VulnContent, i64, bool);

/// An active finding on a covered target (id, owner, fingerprint, status, last seen, scanner, target).
#[derive(sqlx::FromRow)]
struct Covered {
    id: i64,
    owner_key: String,
    fingerprint: String,
    status: String,
    last_seen: i64,
    scanner: String,
    target: String,
}

/// A finding of the report, resolved to its owner and identity.
struct Prepared {
    owner_key: String,
    system_id: Option<i64>,
    fingerprint: String,
    vuln_id: i64,
    severity: i64,
    kev: bool,
    family: &'static str,
    target: String,
    seen_at: i64,
    content_hash: String,
    f: Finding,
}

#[derive(sqlx::FromRow)]
struct Existing {
    id: i64,
    owner_key: String,
    fingerprint: String,
    status: String,
    content_hash: String,
    last_seen: i64,
}

/// An import in progress (an open transaction).
pub struct ScanImporter {
    tx: Tx,
    actor: String,
    target: ImportTarget,
    index: AssetIndex,
    unassigned_key: String,
    unassigned_agency: Option<i64>,
    fallback_time: i64,
    scan_id: i64,
    policy: DeadlinePolicy,
    vulns: HashMap<(String, String), Vec<KnownVuln>>,
    seen: HashSet<(String, String)>,
    /// (owner, scanner family, target) → latest time the scan saw it.
    covered: HashMap<(String, &'static str, String), i64>,
    summary: ImportSummary,
    now: i64,
}

const BATCH_ROWS: usize = 400;

impl Store {
    /// Start importing a report for `p`. Checks the caller may import into the target.
    pub async fn scan_import_begin(&self, p: &Principal, req: ImportRequest) -> StoreResult<ScanImporter> {
        if !p.can(Action::ImportScans) {
            return Err(StoreError::Forbidden);
        }
        let policy = self.deadline_policy().await?;
        let mut tx = self.begin().await?;
        let mut index = AssetIndex::default();
        let system_id = match req.target {
            ImportTarget::System(id) => {
                let mut q = Sql::new("SELECT COUNT(*) FROM systems s WHERE s.id = ");
                q.bind(id).push(" AND ").system_visible("s", &p.scope);
                if tx.scalar(q).await? == 0 {
                    return Err(StoreError::NotFound);
                }
                let mut q = Sql::new("SELECT COUNT(*) FROM systems s WHERE s.id = ");
                q.bind(id).push(" AND ").system_writable("s", &p.scope);
                if tx.scalar(q).await? == 0 {
                    return Err(StoreError::Forbidden);
                }
                Some(id)
            }
            ImportTarget::Auto => {
                let mut q = Sql::new(
                    "SELECT a.system_id, a.kind, a.value FROM assets a JOIN systems s ON s.id = a.system_id WHERE ",
                );
                q.system_writable("s", &p.scope);
                let rows: Vec<(i64, String, String)> = tx.all(q).await?;
                for (sid, kind, value) in rows {
                    index.add(sid, &kind, &value);
                }
                index.finish();
                None
            }
        };
        // Unassigned findings of an agency user stay within that user's agency.
        let unassigned_agency = match &p.scope {
            Scope::All => None,
            Scope::Subtrees(roots) => roots.first().and_then(|r| khien_core::agency::path_ids(r).last().copied()),
        };
        let unassigned_key = format!("u{}", unassigned_agency.unwrap_or(0));
        let now = now();
        let fallback_time = now;
        let mut q = Sql::new(
            "INSERT INTO scans (format, file_name, sha256, system_id, agency_id, mode, actor, imported_at, scan_time, \
             parsed, new_count, updated_count, reopened_count, fixed_count, unchanged_count, unassigned_count) VALUES (",
        );
        q.bind(req.format.as_str()).push(", ").bind(truncate(&req.file_name, 255)).push(", ''");
        q.push(", ").bind(system_id).push(", ").bind(unassigned_agency).push(", ");
        q.bind(if system_id.is_some() { "system" } else { "auto" }).push(", ").bind(p.username.as_str());
        q.push(", ").bind(now).push(", ").bind(fallback_time).push(", 0, 0, 0, 0, 0, 0, 0) RETURNING id");
        let (scan_id,): (i64,) = tx.one(q).await?;
        Ok(ScanImporter {
            tx,
            actor: p.username.clone(),
            target: req.target,
            index,
            unassigned_key,
            unassigned_agency,
            fallback_time,
            scan_id,
            policy,
            vulns: HashMap::new(),
            seen: HashSet::new(),
            covered: HashMap::new(),
            summary: ImportSummary { file: req.file_name, format: req.format, scan_id, ..ImportSummary::default() },
            now,
        })
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl ScanImporter {
    /// Add a batch of parsed findings (any size; a few thousand is a good batch).
    pub async fn add_batch(&mut self, batch: Vec<Finding>) -> StoreResult<()> {
        self.summary.parsed += batch.len() as u64;
        let mut prepared = Vec::with_capacity(batch.len());
        for f in batch {
            if let Some(p) = self.prepare(f).await? {
                prepared.push(p);
            }
        }
        for chunk in prepared.chunks(BATCH_ROWS) {
            self.apply(chunk).await?;
        }
        Ok(())
    }

    async fn prepare(&mut self, f: Finding) -> StoreResult<Option<Prepared>> {
        let family: &'static str = match scanner_family(f.format) {
            "tenable" => "tenable",
            "openvas" => "openvas",
            "zap" => "zap",
            "generic" => "generic",
            _ => f.format,
        };
        let system_id = match self.target {
            ImportTarget::System(id) => Some(id),
            ImportTarget::Auto => self.index.find(&f.ip, &f.host, &f.url),
        };
        let owner_key = match system_id {
            Some(id) => format!("s{id}"),
            None => self.unassigned_key.clone(),
        };
        let fp = fingerprint(&FingerprintInput {
            format: f.format,
            rule_id: &f.rule_id,
            title: &f.title,
            ip: &f.ip,
            host: &f.host,
            port: f.port,
            protocol: &f.protocol,
            url: &f.url,
            location: &f.location,
            component: &f.component,
        });
        // A report that lists the same finding twice (internal duplicates) counts it once.
        if !self.seen.insert((owner_key.clone(), fp.clone())) {
            return Ok(None);
        }
        if system_id.is_none() {
            self.summary.unassigned += 1;
        }
        let (vuln_id, kev) = self.vuln_id(&f, family).await?;
        let target = target_key(&f.ip, &f.host, &f.url, &f.location);
        let seen_at = f.scan_time.unwrap_or(self.fallback_time);
        let t = self.covered.entry((owner_key.clone(), family, target.clone())).or_insert(seen_at);
        *t = (*t).max(seen_at);
        let mut h = Sha256::new();
        let port = f.port.map(|p| p.to_string()).unwrap_or_default();
        for p in [
            vuln_id.to_string().as_str(),
            &f.host,
            &f.ip,
            &port,
            &f.protocol,
            &f.url,
            &f.location,
            &f.component,
            &f.fixed_version,
            &f.evidence,
            if f.suppressed { "1" } else { "0" },
        ] {
            h.update(p.len().to_string().as_bytes());
            h.update(b":");
            h.update(p.as_bytes());
        }
        let content_hash = hex::encode(&h.finalize()[..12]);
        Ok(Some(Prepared {
            owner_key,
            system_id,
            fingerprint: fp,
            vuln_id,
            severity: f.severity.rank(),
            kev,
            family,
            target,
            seen_at,
            content_hash,
            f,
        }))
    }

    /// The `vulns` row for this finding's content: from the import's cache, the table, or new.
    async fn vuln_id(&mut self, f: &Finding, family: &str) -> StoreResult<(i64, bool)> {
        let key = (family.to_string(), if f.rule_id.is_empty() { f.title.clone() } else { f.rule_id.clone() });
        let content = VulnContent::of(f, family);
        if let Some(list) = self.vulns.get(&key)
            && let Some((_, id, kev)) = list.iter().find(|(c, _, _)| *c == content)
        {
            return Ok((*id, *kev));
        }
        let digest = content.digest();
        let found: Option<(i64, bool)> =
            self.tx.optional(Sql::new("SELECT id, kev FROM vulns WHERE digest = $1").arg(&digest)).await?;
        let (id, kev) = match found {
            Some(v) => v,
            None => {
                let kev = if content.cves.is_empty() {
                    false
                } else {
                    let mut q = Sql::new("SELECT COUNT(*) FROM kev WHERE cve IN (");
                    for (i, c) in content.cves.split_whitespace().enumerate() {
                        if i > 0 {
                            q.push(", ");
                        }
                        q.bind(c);
                    }
                    q.push(")");
                    self.tx.scalar(q).await? > 0
                };
                let mut q = Sql::new(
                    "INSERT INTO vulns (digest, scanner, rule_id, title, title_folded, severity_rank, cvss_score, \
                     cvss_vector, cves, cwes, description, solution, refs, epss, kev, created_at) VALUES (",
                );
                q.bind(digest.as_str()).push(", ").bind(content.scanner.as_str()).push(", ");
                q.bind(content.rule_id.as_str()).push(", ").bind(content.title.as_str()).push(", ");
                q.bind(khien_core::text::fold(&content.title)).push(", ").bind(content.severity).push(", ");
                q.bind(content.cvss_score).push(", ").bind(content.cvss_vector.as_str()).push(", ");
                q.bind(content.cves.as_str()).push(", ").bind(content.cwes.as_str()).push(", ");
                q.bind(content.description.as_str()).push(", ").bind(content.solution.as_str()).push(", ");
                q.bind(content.refs.as_str()).push(", ").bind(content.epss).push(", ").bind(kev).push(", ");
                q.bind(self.now).push(") RETURNING id");
                let (id,): (i64,) = self.tx.one(q).await?;
                // A known score from the EPSS table wins over none in the report.
                if content.epss.is_none() && !content.cves.is_empty() {
                    self.tx
                        .execute(
                            Sql::new(
                                "UPDATE vulns SET epss = (SELECT MAX(e.score) FROM epss e WHERE vulns.cves LIKE '% ' || e.cve || ' %') WHERE id = $1",
                            )
                            .arg(id),
                        )
                        .await?;
                }
                (id, kev)
            }
        };
        self.vulns.entry(key).or_default().push((content, id, kev));
        Ok((id, kev))
    }

    async fn apply(&mut self, chunk: &[Prepared]) -> StoreResult<()> {
        let mut q = Sql::new(
            "SELECT id, owner_key, fingerprint, status, content_hash, last_seen FROM findings WHERE fingerprint IN (",
        );
        for (i, p) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(p.fingerprint.as_str());
        }
        q.push(")");
        let rows: Vec<Existing> = self.tx.all(q).await?;
        let existing: HashMap<(&str, &str), &Existing> =
            rows.iter().map(|e| ((e.owner_key.as_str(), e.fingerprint.as_str()), e)).collect();
        let mut new = Vec::new();
        let mut reopened = Vec::new();
        for p in chunk {
            match existing.get(&(p.owner_key.as_str(), p.fingerprint.as_str())) {
                None => new.push(p),
                Some(e) => {
                    let status = FindingStatus::parse(&e.status).unwrap_or(FindingStatus::Open);
                    let newer = p.seen_at > e.last_seen;
                    if matches!(status, FindingStatus::Fixed | FindingStatus::Verified) && newer {
                        reopened.push((e.id, status, p));
                    } else if newer || e.content_hash != p.content_hash {
                        self.update(e.id, p, newer).await?;
                        self.summary.updated += 1;
                    } else {
                        self.summary.unchanged += 1;
                    }
                }
            }
        }
        if !new.is_empty() {
            self.insert_new(&new).await?;
        }
        for (id, from, p) in reopened {
            self.update(id, p, true).await?;
            // A regression's deadline runs again from when it reappeared.
            let due = self.policy.due(khien_core::vuln::Severity::from_rank(p.severity), p.seen_at, p.kev);
            let mut q = Sql::new(
                "UPDATE findings SET status = 'open', regression = TRUE, fixed_at = NULL, status_reason = '', \
                 status_by = $2, status_at = $3, due_at = $4 WHERE id = $1",
            );
            q = q.arg(id).arg(self.actor.as_str()).arg(self.now).arg(due);
            self.tx.execute(q).await?;
            self.event(id, from.as_str(), "open", "reported again by a newer scan (regression)").await?;
            self.summary.reopened += 1;
        }
        Ok(())
    }

    async fn update(&mut self, id: i64, p: &Prepared, newer: bool) -> StoreResult<()> {
        let mut q = Sql::new("UPDATE findings SET vuln_id = ");
        q.bind(p.vuln_id).push(", severity_rank = ").bind(p.severity);
        q.push(", host = ").bind(p.f.host.as_str()).push(", ip = ").bind(p.f.ip.as_str());
        q.push(", protocol = ").bind(p.f.protocol.as_str()).push(", url = ").bind(p.f.url.as_str());
        q.push(", component = ")
            .bind(p.f.component.as_str())
            .push(", fixed_version = ")
            .bind(p.f.fixed_version.as_str());
        q.push(", evidence = ").bind(p.f.evidence.as_str()).push(", suppressed = ").bind(p.f.suppressed);
        q.push(", content_hash = ").bind(p.content_hash.as_str()).push(", updated_at = ").bind(self.now);
        q.push(", due_at = first_seen + ").bind(self.due_days(p)).push(" * 86400");
        if newer {
            q.push(", last_seen = ").bind(p.seen_at).push(", last_scan_id = ").bind(self.scan_id);
        }
        q.push(" WHERE id = ").bind(id);
        self.tx.execute(q).await?;
        Ok(())
    }

    fn due_days(&self, p: &Prepared) -> Option<i64> {
        self.policy.due(khien_core::vuln::Severity::from_rank(p.severity), 0, p.kev).map(|d| d / 86_400)
    }

    async fn insert_new(&mut self, rows: &[&Prepared]) -> StoreResult<()> {
        let mut q = Sql::new(
            "INSERT INTO findings (owner_key, system_id, agency_id, fingerprint, vuln_id, scanner, severity_rank, target, \
             host, ip, port, protocol, url, location, component, fixed_version, evidence, content_hash, suppressed, \
             status, first_seen, last_seen, due_at, first_scan_id, last_scan_id, updated_at) VALUES ",
        );
        for (i, p) in rows.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            let agency = if p.system_id.is_none() { self.unassigned_agency } else { None };
            let due = self.policy.due(khien_core::vuln::Severity::from_rank(p.severity), p.seen_at, p.kev);
            q.push("(").bind(p.owner_key.as_str()).push(", ").bind(p.system_id).push(", ").bind(agency);
            q.push(", ").bind(p.fingerprint.as_str()).push(", ").bind(p.vuln_id).push(", ").bind(p.family);
            q.push(", ").bind(p.severity).push(", ").bind(p.target.as_str()).push(", ").bind(p.f.host.as_str());
            q.push(", ").bind(p.f.ip.as_str()).push(", ").bind(p.f.port.map(i64::from)).push(", ");
            q.bind(p.f.protocol.as_str()).push(", ").bind(p.f.url.as_str()).push(", ").bind(p.f.location.as_str());
            q.push(", ").bind(p.f.component.as_str()).push(", ").bind(p.f.fixed_version.as_str()).push(", ");
            q.bind(p.f.evidence.as_str()).push(", ").bind(p.content_hash.as_str()).push(", ").bind(p.f.suppressed);
            q.push(", 'open', ").bind(p.seen_at).push(", ").bind(p.seen_at).push(", ").bind(due).push(", ");
            q.bind(self.scan_id).push(", ").bind(self.scan_id).push(", ").bind(self.now).push(")");
        }
        self.tx.execute(q).await?;
        self.summary.new += rows.len() as u64;
        Ok(())
    }

    async fn event(&mut self, finding_id: i64, from: &str, to: &str, note: &str) -> StoreResult<()> {
        let q = Sql::new(
            "INSERT INTO finding_events (finding_id, at, actor, kind, from_status, to_status, note, scan_id) \
             VALUES ($1, $2, $3, 'status', $4, $5, $6, $7)",
        )
        .arg(finding_id)
        .arg(self.now)
        .arg(self.actor.as_str())
        .arg(from)
        .arg(to)
        .arg(note)
        .arg(self.scan_id);
        self.tx.execute(q).await?;
        Ok(())
    }

    /// Mark what the scan no longer reports as fixed, record the summary, commit. `sha256`
    /// is the report file's hash: when the same file was already imported the same way, the
    /// import is a replay that teaches nothing, so it is rolled back and reported as all
    /// unchanged (findings without a scan time would otherwise look newer).
    pub async fn finish(mut self, sha256: &str) -> StoreResult<ImportSummary> {
        let mut q = Sql::new("SELECT COUNT(*) FROM scans WHERE sha256 = ");
        q.bind(sha256).push(" AND id <> ").bind(self.scan_id).push(" AND ");
        match self.target {
            ImportTarget::System(id) => q.push("mode = 'system' AND system_id = ").bind(id),
            ImportTarget::Auto => match self.unassigned_agency {
                Some(a) => q.push("mode = 'auto' AND agency_id = ").bind(a),
                None => q.push("mode = 'auto' AND agency_id IS NULL"),
            },
        };
        if self.tx.scalar(q).await? > 0 {
            let s = &self.summary;
            let unique = s.new + s.updated + s.reopened + s.unchanged;
            let replay = ImportSummary {
                unchanged: unique,
                new: 0,
                updated: 0,
                reopened: 0,
                fixed: 0,
                scan_id: 0,
                ..self.summary.clone()
            };
            return Ok(replay);
        }
        self.tx.execute(Sql::new("UPDATE scans SET sha256 = $2 WHERE id = $1").arg(self.scan_id).arg(sha256)).await?;
        let covered: Vec<((String, &'static str, String), i64)> = self.covered.drain().collect();
        for chunk in covered.chunks(BATCH_ROWS) {
            let mut q = Sql::new(
                "SELECT id, owner_key, fingerprint, status, content_hash, last_seen, scanner, target FROM findings WHERE status IN ('open', 'in_remediation') AND target IN (",
            );
            for (i, ((_, _, target), _)) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(target.as_str());
            }
            q.push(")");
            let rows: Vec<Covered> = self.tx.all(q).await?;
            let times: HashMap<(&str, &str, &str), i64> =
                chunk.iter().map(|((o, fam, t), at)| ((o.as_str(), *fam, t.as_str()), *at)).collect();
            let mut to_fix = Vec::new();
            for r in &rows {
                let Some(at) = times.get(&(r.owner_key.as_str(), r.scanner.as_str(), r.target.as_str())) else {
                    continue;
                };
                if r.last_seen < *at && !self.seen.contains(&(r.owner_key.clone(), r.fingerprint.clone())) {
                    to_fix.push((r.id, r.status.clone(), *at));
                }
            }
            for (id, from, at) in to_fix {
                let q = Sql::new(
                    "UPDATE findings SET status = 'fixed', fixed_at = $2, status_by = $3, status_at = $4, \
                     status_reason = 'not reported by a newer scan', updated_at = $4 WHERE id = $1",
                )
                .arg(id)
                .arg(at)
                .arg(self.actor.as_str())
                .arg(self.now);
                self.tx.execute(q).await?;
                self.event(id, &from, "fixed", "not reported by a newer scan; pending verification").await?;
                self.summary.fixed += 1;
            }
        }
        let s = &self.summary;
        let q = Sql::new(
            "UPDATE scans SET parsed = $2, new_count = $3, updated_count = $4, reopened_count = $5, fixed_count = $6, \
             unchanged_count = $7, unassigned_count = $8 WHERE id = $1",
        )
        .arg(self.scan_id)
        .arg(s.parsed as i64)
        .arg(s.new as i64)
        .arg(s.updated as i64)
        .arg(s.reopened as i64)
        .arg(s.fixed as i64)
        .arg(s.unchanged as i64)
        .arg(s.unassigned as i64);
        self.tx.execute(q).await?;
        let summary = self.summary.clone();
        audit::append(
            &mut self.tx,
            &self.actor,
            "import",
            "scan",
            &self.scan_id.to_string(),
            String::new(),
            audit::json(Some(&summary)),
        )
        .await?;
        self.tx.commit().await?;
        Ok(summary)
    }
}

/// Why a report file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ScanFileError {
    #[error(transparent)]
    Parse(#[from] khien_vuln::ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Findings per batch handed from the parser thread to the database.
const PARSE_BATCH: usize = 2000;

impl Store {
    /// Import the report file at `path`: parsed on a blocking thread (hashing it in the same
    /// pass) while the findings are written, all in one transaction. `progress` counts the
    /// bytes read so far. Any parse or database error rolls everything back.
    pub async fn scan_import_file(
        &self,
        p: &Principal,
        path: &std::path::Path,
        file_name: &str,
        format: Option<khien_vuln::Format>,
        target: ImportTarget,
        progress: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> Result<ImportSummary, ScanFileError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let owned = path.to_path_buf();
        let detected = tokio::task::spawn_blocking(move || khien_vuln::detect_file(&owned, format))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        let Some(format) = detected else {
            // An empty report: nothing was scanned that we can tell, nothing changes.
            return Ok(ImportSummary { file: file_name.to_string(), format: String::new(), ..Default::default() });
        };
        if !p.can(Action::ImportScans) {
            return Err(StoreError::Forbidden.into());
        }
        let mut importer = self
            .scan_import_begin(
                p,
                ImportRequest { file_name: file_name.to_string(), format: format.name().into(), target },
            )
            .await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Finding>>(4);
        let cancel = std::sync::Arc::new(AtomicBool::new(false));
        let cancel2 = cancel.clone();
        let owned = path.to_path_buf();
        let parser = tokio::task::spawn_blocking(move || {
            let mut hasher = Sha256::new();
            let mut batch = Vec::with_capacity(PARSE_BATCH);
            let mut closed = false;
            let result = khien_vuln::parse_file_tapped(
                &owned,
                Some(format),
                &mut |bytes| {
                    if cancel2.load(Ordering::Relaxed) {
                        return Err(std::io::Error::other("import cancelled"));
                    }
                    hasher.update(bytes);
                    progress.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    Ok(())
                },
                &mut |f| {
                    if closed {
                        return;
                    }
                    batch.push(f);
                    if batch.len() >= PARSE_BATCH && tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                        closed = true;
                    }
                },
            );
            if !batch.is_empty() && !closed {
                let _ = tx.blocking_send(batch);
            }
            result.map(|_| hex::encode(hasher.finalize()))
        });
        while let Some(batch) = rx.recv().await {
            if let Err(e) = importer.add_batch(batch).await {
                cancel.store(true, Ordering::Relaxed);
                drop(rx);
                let _ = parser.await;
                return Err(e.into());
            }
        }
        let sha = parser.await.map_err(|e| StoreError::Other(e.to_string()))??;
        Ok(importer.finish(&sha).await?)
    }
}
