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
//! importing a report already imported the same way (same findings, same content: see
//! [`ScanImporter::finish`]) is a replay and changes nothing. Nothing is visible
//! to others until [`ScanImporter::finish`] commits; dropping the importer rolls back.

use crate::audit;
use crate::db::{Store, Tx};
use crate::error::{StoreError, StoreResult};
use crate::now;
use crate::scan_key::{Interner, Keyed, VulnText, key};
use crate::scan_write::{self, CoveredTarget, Prepared, Seen};
use crate::sql::Sql;
use khien_core::vuln::fingerprint::hash_part;
use khien_core::vuln::{AssetIndex, DeadlinePolicy, FindingStatus};
use khien_core::{Action, Principal, Scope};
use khien_vuln::Finding;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

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
    /// New findings that went into PostgreSQL through the `COPY` streamed across batches
    /// (see [`ScanImporter::add_batches`]); not part of the summary users see.
    #[serde(skip)]
    pub streamed: u64,
    /// The streamed `COPY` statements those went through (one per run of at most
    /// `STREAM_BATCHES` batches); not part of the summary users see.
    #[serde(skip)]
    pub copies: u64,
}

/// The description of an import before its findings arrive.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file_name: String,
    /// The format name (`nessus`, ...).
    pub format: String,
    pub target: ImportTarget,
}

/// The vulnerability content shared by instances, as stored; its digest finds the row.
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
    fn of(v: &VulnText, family: &str) -> VulnContent {
        VulnContent {
            scanner: family.to_string(),
            rule_id: v.rule_id.clone(),
            title: v.title.clone(),
            severity: v.severity,
            cvss_score: v.cvss_score,
            cvss_vector: v.cvss_vector.clone(),
            cves: join_padded(v.cves.iter().map(|c| c.trim().to_ascii_uppercase())),
            cwes: join_padded(v.cwes.iter().map(|c| c.to_string())),
            description: v.description.clone(),
            solution: v.solution.clone(),
            refs: v.references.join("\n"),
            epss: v.epss,
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
            hash_part(&mut h, p.as_bytes());
        }
        hex::encode(&h.finalize()[..16])
    }
}

/// " A B " so that `LIKE '% A %'` finds one item.
fn join_padded(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.filter(|s| !s.is_empty()).collect();
    if v.is_empty() { String::new() } else { format!(" {} ", v.join(" ")) }
}

/// A fingerprint as a number (they are 32 hex digits); anything else is hashed.
fn fp_key(fp: &str) -> u128 {
    u128::from_str_radix(fp, 16).unwrap_or_else(|_| {
        let d = Sha256::digest(fp.as_bytes());
        u128::from_be_bytes(d[..16].try_into().unwrap_or([0; 16]))
    })
}

/// The fingerprints a report holds, one set per owner (by the owner's index): 16 bytes an
/// entry instead of 32 for an (owner, fingerprint) pair, so half the memory to grow and
/// rehash on a large report.
#[derive(Default)]
struct Reported(Vec<HashSet<u128, foldhash::fast::RandomState>>);

impl Reported {
    /// Note `fp` for `owner`; false when it was already there.
    fn insert(&mut self, owner: u32, fp: u128) -> bool {
        let i = owner as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, HashSet::default);
        }
        self.0[i].insert(fp)
    }

    fn contains(&self, owner: u32, fp: u128) -> bool {
        self.0.get(owner as usize).is_some_and(|s| s.contains(&fp))
    }
}

/// Add a finding to the report digest (see [`ScanImporter::finish`]): owner and fingerprint,
/// then, unless it repeats one already met, what else the import writes for it: the
/// vulnerability row (by its content), the instance's content hash and the report's own time
/// (not the import's, which differs between imports). Every part has a fixed size or a
/// length or tag before it, so no two sequences of findings feed the same bytes.
fn digest_finding(d: &mut blake3::Hasher, owner_key: &str, fp: u128, written: Option<(i64, &str, Option<i64>)>) {
    d.update(&(owner_key.len() as u64).to_le_bytes());
    d.update(owner_key.as_bytes());
    d.update(&fp.to_le_bytes());
    let Some((vuln_id, content_hash, scan_time)) = written else {
        d.update(b"d");
        return;
    };
    d.update(b"f");
    d.update(&vuln_id.to_le_bytes());
    d.update(&(content_hash.len() as u64).to_le_bytes());
    d.update(content_hash.as_bytes());
    match scan_time {
        Some(t) => d.update(b"t").update(&t.to_le_bytes()),
        None => d.update(b"n"),
    };
}

/// A target the scan covered: owner (index into `owners`), scanner family, target key.
type CoveredKey = (u32, &'static str, String);

/// An import in progress (an open transaction).
pub struct ScanImporter {
    tx: Tx,
    st: ImportState,
}

/// What an import remembers besides its transaction (kept apart so that a PostgreSQL `COPY`
/// can hold the transaction's connection while findings are prepared; see
/// [`ScanImporter::add_batches`]).
struct ImportState {
    actor: String,
    target: ImportTarget,
    index: AssetIndex,
    unassigned_key: String,
    unassigned_agency: Option<i64>,
    fallback_time: i64,
    scan_id: i64,
    policy: DeadlinePolicy,
    /// The `vulns` row (id, KEV flag) of each interned text met so far, by the text's
    /// address (the entry keeps the text alive, so the address cannot be reused).
    vulns: HashMap<usize, (Arc<VulnText>, i64, bool)>,
    /// Owner keys met so far, by system (None: the unassigned list), with their index.
    owners: HashMap<Option<i64>, (Arc<str>, u32)>,
    owner_index: HashMap<Arc<str>, u32>,
    /// The fingerprint of every finding the report holds, by owner.
    seen: Reported,
    /// Covered targets with the latest time the scan saw each, in order of first sight.
    covered: Vec<(CoveredKey, i64)>,
    covered_index: HashMap<CoveredKey, usize>,
    /// The last asset match ((ip, host, url) → system): reports list a host's findings together.
    last_match: Option<(String, String, String, Option<i64>)>,
    /// Owners that had no findings before this import (PostgreSQL: no lookups needed).
    fresh: HashMap<Arc<str>, bool>,
    /// The report as the import reads it (see [`ScanImporter::finish`]).
    digest: blake3::Hasher,
    summary: ImportSummary,
    now: i64,
}

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
            "INSERT INTO scans (format, file_name, report_digest, system_id, agency_id, mode, actor, imported_at, scan_time, \
             parsed, new_count, updated_count, reopened_count, fixed_count, unchanged_count, unassigned_count) VALUES (",
        );
        q.bind(req.format.as_str()).push(", ").bind(truncate(&req.file_name, 255)).push(", ''");
        q.push(", ").bind(system_id).push(", ").bind(unassigned_agency).push(", ");
        q.bind(if system_id.is_some() { "system" } else { "auto" }).push(", ").bind(p.username.as_str());
        q.push(", ").bind(now).push(", ").bind(fallback_time).push(", 0, 0, 0, 0, 0, 0, 0) RETURNING id");
        let (scan_id,): (i64,) = tx.one(q).await?;
        let st = ImportState {
            actor: p.username.clone(),
            target: req.target,
            index,
            unassigned_key,
            unassigned_agency,
            fallback_time,
            scan_id,
            policy,
            vulns: HashMap::new(),
            owners: HashMap::new(),
            owner_index: HashMap::new(),
            seen: Reported::default(),
            covered: Vec::new(),
            covered_index: HashMap::new(),
            last_match: None,
            fresh: HashMap::new(),
            digest: blake3::Hasher::new(),
            summary: ImportSummary { file: req.file_name, format: req.format, scan_id, ..ImportSummary::default() },
            now,
        };
        Ok(ScanImporter { tx, st })
    }
}

/// A finding admitted to the import (not a repeat of one the report already listed), with
/// its owner resolved.
struct Admitted {
    k: Keyed,
    system_id: Option<i64>,
    owner_key: Arc<str>,
    owner: u32,
}

impl ImportState {
    /// The system a finding belongs to (auto mode: by its assets; the last match is reused).
    fn system_of(&mut self, f: &Finding) -> Option<i64> {
        match self.target {
            ImportTarget::System(id) => Some(id),
            ImportTarget::Auto => {
                if let Some((ip, host, url, sid)) = &self.last_match
                    && *ip == f.ip
                    && *host == f.host
                    && *url == f.url
                {
                    return *sid;
                }
                let sid = self.index.find(&f.ip, &f.host, &f.url);
                self.last_match = Some((f.ip.clone(), f.host.clone(), f.url.clone(), sid));
                sid
            }
        }
    }

    fn owner(&mut self, system_id: Option<i64>) -> (Arc<str>, u32) {
        if let Some(o) = self.owners.get(&system_id) {
            return o.clone();
        }
        let key: Arc<str> = match system_id {
            Some(id) => format!("s{id}").into(),
            None => self.unassigned_key.as_str().into(),
        };
        let idx = self.owner_index.len() as u32;
        self.owner_index.insert(key.clone(), idx);
        self.owners.insert(system_id, (key.clone(), idx));
        (key, idx)
    }

    /// Note that the scan saw `target` of this owner at `at`.
    fn cover(&mut self, owner: u32, family: &'static str, target: &str, at: i64) {
        if let Some(((o, fam, t), seen)) = self.covered.last_mut()
            && *o == owner
            && *fam == family
            && t == target
        {
            *seen = (*seen).max(at);
            return;
        }
        let key = (owner, family, target.to_string());
        match self.covered_index.get(&key) {
            Some(&i) => self.covered[i].1 = self.covered[i].1.max(at),
            None => {
                self.covered_index.insert(key.clone(), self.covered.len());
                self.covered.push((key, at));
            }
        }
    }

    /// The stored `vulns` row (id, KEV flag) of an interned text, when this import has met it.
    fn cached_vuln(&self, v: &Arc<VulnText>) -> Option<(i64, bool)> {
        self.vulns.get(&(Arc::as_ptr(v) as usize)).map(|(_, id, kev)| (*id, *kev))
    }

    /// Every finding of the batch can only be new and needs no statement but its insert: its
    /// owner had no findings before this import and its vulnerability row is known.
    fn only_new(&mut self, batch: &[Keyed]) -> bool {
        batch.iter().all(|k| {
            let system_id = self.system_of(&k.f);
            let (owner_key, _) = self.owner(system_id);
            self.fresh.get(&owner_key).copied().unwrap_or(false) && self.cached_vuln(&k.vuln).is_some()
        })
    }

    /// Resolve a finding's owner; `None` (after adding it to the digest) when the report
    /// already listed it: a report that lists the same finding twice counts it once.
    fn admit(&mut self, k: Keyed) -> Option<Admitted> {
        let system_id = self.system_of(&k.f);
        let (owner_key, owner) = self.owner(system_id);
        if !self.seen.insert(owner, k.fp) {
            digest_finding(&mut self.digest, &owner_key, k.fp, None);
            return None;
        }
        if system_id.is_none() {
            self.summary.unassigned += 1;
        }
        Some(Admitted { k, system_id, owner_key, owner })
    }

    /// The row to write for an admitted finding whose vulnerability row is known.
    fn prepared(&mut self, a: Admitted, vuln_id: i64, kev: bool) -> Prepared {
        let Admitted { k, system_id, owner_key, owner } = a;
        let Keyed { family, fingerprint, fp, target, content_hash, vuln: _, f } = k;
        digest_finding(&mut self.digest, &owner_key, fp, Some((vuln_id, &content_hash, f.scan_time)));
        let seen_at = f.scan_time.unwrap_or(self.fallback_time);
        self.cover(owner, family, &target, seen_at);
        let severity = f.severity;
        Prepared {
            owner_key,
            system_id,
            agency_id: if system_id.is_none() { self.unassigned_agency } else { None },
            fingerprint,
            vuln_id,
            severity: severity.rank(),
            kev,
            family,
            target,
            seen_at,
            due_at: self.policy.due(severity, seen_at, kev),
            due_days: self.policy.due(severity, 0, kev).map(|d| d / 86_400),
            content_hash,
            f,
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl ScanImporter {
    /// Add every batch `rx` delivers until it closes.
    ///
    /// On PostgreSQL, batches whose findings are all new by construction (their owners had no
    /// findings before this import, and their vulnerabilities are already stored) go into one
    /// `COPY` that stays open from batch to batch: the server stores a batch while this thread
    /// prepares the next, instead of each waiting for the other. A batch that needs
    /// anything else (a lookup, a new vulnerability row) ends the `COPY` first.
    pub async fn add_batches(&mut self, rx: &mut tokio::sync::mpsc::Receiver<Vec<Keyed>>) -> StoreResult<()> {
        let mut next: Option<Vec<Keyed>> = None;
        loop {
            let keyed = match next.take() {
                Some(k) => k,
                None => match rx.recv().await {
                    Some(batch) => batch,
                    None => return Ok(()),
                },
            };
            let Tx::Postgres(t) = &mut self.tx else {
                self.add_keyed(keyed).await?;
                continue;
            };
            if !self.st.only_new(&keyed) {
                self.add_keyed(keyed).await?;
                continue;
            }
            let st = &mut self.st;
            let mut copy = t.copy_in_raw(&scan_write::copy_statement()).await?;
            st.summary.copies += 1;
            let mut batch = Some(keyed);
            let mut data = Vec::new();
            let mut sent = 0usize;
            while let Some(keyed) = batch.take() {
                st.summary.parsed += keyed.len() as u64;
                data.clear();
                for k in keyed {
                    let Some(a) = st.admit(k) else { continue };
                    let Some((vuln_id, kev)) = st.cached_vuln(&a.k.vuln) else {
                        // only_new checked every vulnerability of the batch.
                        let _ = copy.abort("scan import failed").await;
                        return Err(StoreError::Other("scan import: a vulnerability row went missing".into()));
                    };
                    let p = st.prepared(a, vuln_id, kev);
                    scan_write::copy_row(&mut data, &p, st.scan_id, st.now);
                    st.summary.new += 1;
                    st.summary.streamed += 1;
                }
                copy.send(data.as_slice()).await?;
                sent += 1;
                if let Some(keyed) = rx.recv().await {
                    // A COPY is one statement: it ends now and then, so that a statement
                    // timeout or an error the server found is met while the import is young.
                    if sent < STREAM_BATCHES && st.only_new(&keyed) {
                        batch = Some(keyed);
                    } else {
                        next = Some(keyed);
                    }
                }
            }
            copy.finish().await?;
        }
    }

    /// Add keyed findings: look up which exist, insert the others, update what was seen again.
    async fn add_keyed(&mut self, batch: Vec<Keyed>) -> StoreResult<()> {
        self.st.summary.parsed += batch.len() as u64;
        let mut prepared = Vec::with_capacity(batch.len());
        for k in batch {
            if let Some(p) = self.prepare(k).await? {
                prepared.push(p);
            }
        }
        let existing =
            scan_write::insert_or_find(&mut self.tx, &prepared, self.st.scan_id, self.st.now, &mut self.st.fresh)
                .await?;
        let mut seen_again = Vec::new();
        let mut reopened = Vec::new();
        for (p, e) in prepared.iter().zip(existing) {
            let Some(e) = e else {
                self.st.summary.new += 1;
                continue;
            };
            let status = FindingStatus::parse(&e.status).unwrap_or(FindingStatus::Open);
            let newer = p.seen_at > e.last_seen;
            if matches!(status, FindingStatus::Fixed | FindingStatus::Verified) && newer {
                seen_again.push(Seen { id: e.id, p, newer });
                reopened.push((e.id, status, p));
            } else if newer || *e.content_hash != *p.content_hash || e.vuln_id != p.vuln_id {
                seen_again.push(Seen { id: e.id, p, newer });
                self.st.summary.updated += 1;
            } else {
                self.st.summary.unchanged += 1;
            }
        }
        scan_write::update_seen(&mut self.tx, &seen_again, self.st.scan_id, self.st.now).await?;
        for (id, from, p) in reopened {
            // A regression's deadline runs again from when it reappeared.
            let due = self.st.policy.due(khien_core::vuln::Severity::from_rank(p.severity), p.seen_at, p.kev);
            let mut q = Sql::new(
                "UPDATE findings SET status = 'open', regression = TRUE, fixed_at = NULL, status_reason = '', \
                 status_by = $2, status_at = $3, due_at = $4 WHERE id = $1",
            );
            q = q.arg(id).arg(self.st.actor.as_str()).arg(self.st.now).arg(due);
            self.tx.execute(q).await?;
            self.event(id, from.as_str(), "open", "reported again by a newer scan (regression)").await?;
            self.st.summary.reopened += 1;
        }
        Ok(())
    }

    async fn prepare(&mut self, k: Keyed) -> StoreResult<Option<Prepared>> {
        let Some(a) = self.st.admit(k) else { return Ok(None) };
        let (vuln_id, kev) = self.vuln_id(&a.k.vuln, a.k.family).await?;
        Ok(Some(self.st.prepared(a, vuln_id, kev)))
    }

    /// The `vulns` row for this finding's content: from the import's cache, the table, or new.
    async fn vuln_id(&mut self, v: &Arc<VulnText>, family: &'static str) -> StoreResult<(i64, bool)> {
        if let Some(found) = self.st.cached_vuln(v) {
            return Ok(found);
        }
        let (id, kev) = self.store_vuln(&VulnContent::of(v, family)).await?;
        // Only a text the parser's thread interned (it holds another reference) can come
        // again; one beyond its caps is unique to this finding, so remembering it would only
        // cost memory.
        if Arc::strong_count(v) > 1 {
            self.st.vulns.insert(Arc::as_ptr(v) as usize, (v.clone(), id, kev));
        }
        Ok((id, kev))
    }

    /// The id and KEV flag of the `vulns` row with this content, inserted if new: flagged
    /// KEV when one of its CVEs is in the catalogue, and given the highest EPSS score of its
    /// CVEs when the report gives none. One statement on PostgreSQL (a round trip each).
    async fn store_vuln(&mut self, c: &VulnContent) -> StoreResult<(i64, bool)> {
        let digest = c.digest();
        let cves: Vec<&str> = c.cves.split_whitespace().collect();
        let postgres = matches!(self.tx, Tx::Postgres(_));
        if !postgres
            && let Some(found) =
                self.tx.optional(Sql::new("SELECT id, kev FROM vulns WHERE digest = $1").arg(&digest)).await?
        {
            return Ok(found);
        }
        let mut q = Sql::new(if postgres {
            "WITH found AS (SELECT id, kev FROM vulns WHERE digest = $1), ins AS ("
        } else {
            ""
        });
        q.push(
            "INSERT INTO vulns (digest, scanner, rule_id, title, title_folded, severity_rank, cvss_score, \
             cvss_vector, cves, cwes, description, solution, refs, epss, kev, created_at) SELECT ",
        );
        q.bind(digest.as_str()).push(", ").bind(c.scanner.as_str()).push(", ");
        q.bind(c.rule_id.as_str()).push(", ").bind(c.title.as_str()).push(", ");
        q.bind(khien_core::text::fold(&c.title)).push(", ").bind(c.severity).push(", ");
        q.bind(c.cvss_score).push(", ").bind(c.cvss_vector.as_str()).push(", ");
        q.bind(c.cves.as_str()).push(", ").bind(c.cwes.as_str()).push(", ");
        q.bind(c.description.as_str()).push(", ").bind(c.solution.as_str()).push(", ");
        q.bind(c.refs.as_str()).push(", ");
        let in_list = |q: &mut Sql| {
            for (i, cve) in cves.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(*cve);
            }
        };
        match (c.epss, cves.is_empty()) {
            (Some(e), _) => {
                q.bind(Some(e));
            }
            (None, true) => {
                q.push("NULL");
            }
            (None, false) => {
                q.push("(SELECT MAX(e.score) FROM epss e WHERE e.cve IN (");
                in_list(&mut q);
                q.push("))");
            }
        }
        if cves.is_empty() {
            q.push(", FALSE");
        } else {
            q.push(", EXISTS (SELECT 1 FROM kev k WHERE k.cve IN (");
            in_list(&mut q);
            q.push("))");
        }
        q.push(", ").bind(self.st.now);
        if postgres {
            q.push(" WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id, kev) ");
            q.push("SELECT id, kev FROM found UNION ALL SELECT id, kev FROM ins");
        } else {
            q.push(" RETURNING id, kev");
        }
        self.tx.one(q).await
    }

    async fn event(&mut self, finding_id: i64, from: &str, to: &str, note: &str) -> StoreResult<()> {
        let q = Sql::new(
            "INSERT INTO finding_events (finding_id, at, actor, kind, from_status, to_status, note, scan_id) \
             VALUES ($1, $2, $3, 'status', $4, $5, $6, $7)",
        )
        .arg(finding_id)
        .arg(self.st.now)
        .arg(self.st.actor.as_str())
        .arg(from)
        .arg(to)
        .arg(note)
        .arg(self.st.scan_id);
        self.tx.execute(q).await?;
        Ok(())
    }

    /// Mark what the scan no longer reports as fixed, record the summary, commit.
    ///
    /// An import whose report digest was already recorded by an import made the same way is
    /// a replay that teaches nothing, so it is rolled back and reported as all unchanged
    /// (findings without a scan time would otherwise look newer). The digest (BLAKE3, stored
    /// as `findings-blake3:<hex>`) covers, per finding in report order, what the import writes:
    /// owner, fingerprint, vulnerability row, instance content and the report's own time, so
    /// the same report exported again with other whitespace or attribute order is a replay
    /// too, while the same file whose findings now match other systems is not.
    pub async fn finish(mut self) -> StoreResult<ImportSummary> {
        self.st.digest.update(self.st.summary.format.as_bytes());
        self.st.digest.update(&self.st.summary.parsed.to_le_bytes());
        let report_digest = format!("findings-blake3:{}", self.st.digest.finalize().to_hex());
        let mut q = Sql::new("SELECT COUNT(*) FROM scans WHERE report_digest = ");
        q.bind(report_digest.as_str()).push(" AND id <> ").bind(self.st.scan_id).push(" AND ");
        match self.st.target {
            ImportTarget::System(id) => q.push("mode = 'system' AND system_id = ").bind(id),
            ImportTarget::Auto => match self.st.unassigned_agency {
                Some(a) => q.push("mode = 'auto' AND agency_id = ").bind(a),
                None => q.push("mode = 'auto' AND agency_id IS NULL"),
            },
        };
        if self.tx.scalar(q).await? > 0 {
            let s = &self.st.summary;
            let unique = s.new + s.updated + s.reopened + s.unchanged;
            let replay = ImportSummary {
                unchanged: unique,
                new: 0,
                updated: 0,
                reopened: 0,
                fixed: 0,
                scan_id: 0,
                ..self.st.summary.clone()
            };
            return Ok(replay);
        }
        self.tx
            .execute(
                Sql::new("UPDATE scans SET report_digest = $2 WHERE id = $1")
                    .arg(self.st.scan_id)
                    .arg(report_digest.as_str()),
            )
            .await?;
        let owner_names: Vec<Arc<str>> = {
            let mut v: Vec<(u32, Arc<str>)> = self.st.owner_index.iter().map(|(k, i)| (*i, k.clone())).collect();
            v.sort_by_key(|(i, _)| *i);
            v.into_iter().map(|(_, k)| k).collect()
        };
        // An owner without findings before this import has none the scan could have missed.
        let covered: Vec<(CoveredKey, i64)> = std::mem::take(&mut self.st.covered)
            .into_iter()
            .filter(|((owner, _, _), _)| !self.st.fresh.get(&owner_names[*owner as usize]).copied().unwrap_or(false))
            .collect();
        for chunk in covered.chunks(COVERED_CHUNK) {
            let targets: Vec<CoveredTarget<'_>> = chunk
                .iter()
                .map(|((owner, family, target), at)| CoveredTarget {
                    owner_key: &owner_names[*owner as usize],
                    family,
                    target,
                    at: *at,
                })
                .collect();
            let (owner_index, seen) = (&self.st.owner_index, &self.st.seen);
            let reported = |owner_key: &str, fingerprint: &str| {
                owner_index.get(owner_key).is_some_and(|o| seen.contains(*o, fp_key(fingerprint)))
            };
            let stale = scan_write::stale(&mut self.tx, &targets, &reported).await?;
            scan_write::mark_fixed(&mut self.tx, &stale, &self.st.actor, self.st.now, self.st.scan_id).await?;
            self.st.summary.fixed += stale.len() as u64;
        }
        let s = &self.st.summary;
        let q = Sql::new(
            "UPDATE scans SET parsed = $2, new_count = $3, updated_count = $4, reopened_count = $5, fixed_count = $6, \
             unchanged_count = $7, unassigned_count = $8 WHERE id = $1",
        )
        .arg(self.st.scan_id)
        .arg(s.parsed as i64)
        .arg(s.new as i64)
        .arg(s.updated as i64)
        .arg(s.reopened as i64)
        .arg(s.fixed as i64)
        .arg(s.unchanged as i64)
        .arg(s.unassigned as i64);
        self.tx.execute(q).await?;
        let summary = self.st.summary.clone();
        audit::append(
            &mut self.tx,
            &self.st.actor,
            "import",
            "scan",
            &self.st.scan_id.to_string(),
            String::new(),
            audit::json(Some(&summary)),
        )
        .await?;
        self.tx.commit().await?;
        Ok(summary)
    }
}

/// Covered targets looked up per statement when judging what a scan no longer reports.
const COVERED_CHUNK: usize = 5000;

/// Why a report file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ScanFileError {
    #[error(transparent)]
    Parse(#[from] khien_vuln::ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sets the flag when dropped: the parser thread checks it before each block it reads.
struct CancelOnDrop(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Batches streamed into one PostgreSQL `COPY` at most (see [`ScanImporter::add_batches`]):
/// 64,000 findings, about a second of the server's work.
const STREAM_BATCHES: usize = 32;

/// Findings per batch handed from the parser thread to the database.
const PARSE_BATCH: usize = 2000;

impl Store {
    /// Import the report file at `path`: parsed (and its texts interned) on a blocking thread
    /// while the findings are keyed and written, all in one transaction. `progress` counts the
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
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Keyed>>(8);
        let cancel = std::sync::Arc::new(AtomicBool::new(false));
        let cancel2 = cancel.clone();
        // If this future is dropped (a client went away), the parser stops reading too.
        let _stop_parser = CancelOnDrop(cancel.clone());
        let owned = path.to_path_buf();
        // Parsing, interning texts and keying (fingerprints, content hashes) share one thread;
        // the report digest and the database have the other. Keying went back to the parser's
        // thread once the Nessus parser passed unused elements by a byte search (the database's
        // thread became the busier one); a third thread for keying was tried: it cost more CPU
        // in hand-offs than it gained in balance on two cores.
        let parser = tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(PARSE_BATCH);
            let mut interner = Interner::default();
            let mut closed = false;
            let result = khien_vuln::parse_file_tapped(
                &owned,
                Some(format),
                &mut |bytes| {
                    if cancel2.load(Ordering::Relaxed) {
                        return Err(std::io::Error::other("import cancelled"));
                    }
                    progress.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    Ok(())
                },
                &mut |f| {
                    if closed {
                        return;
                    }
                    batch.push(key(f, &mut interner));
                    if batch.len() >= PARSE_BATCH && tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                        closed = true;
                    }
                },
            );
            if !batch.is_empty() && !closed {
                let _ = tx.blocking_send(batch);
            }
            result
        });
        if let Err(e) = importer.add_batches(&mut rx).await {
            cancel.store(true, Ordering::Relaxed);
            drop(rx);
            let _ = parser.await;
            return Err(e.into());
        }
        parser.await.map_err(|e| StoreError::Other(e.to_string()))??;
        Ok(importer.finish().await?)
    }
}
