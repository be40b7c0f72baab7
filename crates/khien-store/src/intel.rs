//! Loading the KEV catalogue and EPSS scores, and re-deriving each vulnerability's KEV flag,
//! EPSS score and its findings' deadlines from them. Each load replaces the previous one in
//! one transaction.

use crate::audit;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::findings::recompute_due;
use crate::sql::Sql;
use khien_core::{Action, Principal};
use std::collections::{HashMap, HashSet};

/// What a load changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IntelSummary {
    pub entries: u64,
    /// Vulnerabilities whose flag or score changed.
    pub vulns_changed: u64,
}

const CHUNK: usize = 400;

impl Store {
    /// Replace the KEV catalogue; flag the vulnerabilities whose CVEs are in it and
    /// tighten (or relax) their findings' deadlines accordingly.
    pub async fn kev_replace(&self, p: &Principal, kev: &khien_vuln::intel::Kev) -> StoreResult<IntelSummary> {
        if !p.can(Action::ManageSettings) {
            return Err(StoreError::Forbidden);
        }
        let policy = self.deadline_policy().await?;
        let mut tx = self.begin().await?;
        tx.execute(Sql::new("DELETE FROM kev")).await?;
        let mut seen = HashSet::new();
        let entries: Vec<_> = kev.entries.iter().filter(|e| seen.insert(e.cve.clone())).collect();
        for chunk in entries.chunks(CHUNK) {
            let mut q =
                Sql::new("INSERT INTO kev (cve, vendor, product, name, date_added, due_date, ransomware) VALUES ");
            for (i, e) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(").bind(e.cve.as_str()).push(", ").bind(e.vendor.as_str()).push(", ");
                q.bind(e.product.as_str()).push(", ").bind(e.name.as_str()).push(", ").bind(e.date_added.as_str());
                q.push(", ").bind(e.due_date.as_str()).push(", ").bind(e.ransomware == "Known").push(")");
            }
            tx.execute(q).await?;
        }
        let set: HashSet<&str> = entries.iter().map(|e| e.cve.as_str()).collect();
        let vulns: Vec<(i64, String, bool)> =
            tx.all(Sql::new("SELECT id, cves, kev FROM vulns WHERE cves <> '' OR kev")).await?;
        let mut changed = Vec::new();
        for (id, cves, was) in vulns {
            let now = cves.split_whitespace().any(|c| set.contains(c));
            if now != was {
                changed.push((id, now));
            }
        }
        for (id, flag) in &changed {
            tx.execute(Sql::new("UPDATE vulns SET kev = $2 WHERE id = $1").arg(*id).arg(*flag)).await?;
        }
        let ids: Vec<i64> = changed.iter().map(|c| c.0).collect();
        for chunk in ids.chunks(CHUNK) {
            recompute_due(&mut tx, &policy, Some(chunk)).await?;
        }
        let summary = IntelSummary { entries: entries.len() as u64, vulns_changed: changed.len() as u64 };
        audit::append(
            &mut tx,
            &p.username,
            "load",
            "intel",
            "kev",
            String::new(),
            serde_json::json!({"version": kev.version, "entries": summary.entries, "vulns_changed": summary.vulns_changed})
                .to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Replace the EPSS scores; each vulnerability gets the highest score of its CVEs (a
    /// score the report itself carried is kept when no CVE of it is scored).
    pub async fn epss_replace(&self, p: &Principal, scores: &[(String, f64, f64)]) -> StoreResult<IntelSummary> {
        if !p.can(Action::ManageSettings) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        tx.execute(Sql::new("DELETE FROM epss")).await?;
        let mut map: HashMap<&str, f64> = HashMap::with_capacity(scores.len());
        let mut unique = Vec::with_capacity(scores.len());
        for s in scores {
            if map.insert(s.0.as_str(), s.1).is_none() {
                unique.push(s);
            }
        }
        for chunk in unique.chunks(CHUNK) {
            let mut q = Sql::new("INSERT INTO epss (cve, score, percentile) VALUES ");
            for (i, (cve, score, pct)) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(").bind(cve.as_str()).push(", ").bind(Some(*score)).push(", ").bind(Some(*pct)).push(")");
            }
            tx.execute(q).await?;
        }
        let vulns: Vec<(i64, String, Option<f64>)> =
            tx.all(Sql::new("SELECT id, cves, epss FROM vulns WHERE cves <> ''")).await?;
        let mut changed = 0u64;
        for (id, cves, old) in vulns {
            let best = cves
                .split_whitespace()
                .filter_map(|c| map.get(c).copied())
                .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
            if best.is_some() && best != old {
                tx.execute(Sql::new("UPDATE vulns SET epss = $2 WHERE id = $1").arg(id).arg(best)).await?;
                changed += 1;
            }
        }
        let summary = IntelSummary { entries: unique.len() as u64, vulns_changed: changed };
        audit::append(
            &mut tx,
            &p.username,
            "load",
            "intel",
            "epss",
            String::new(),
            serde_json::json!({"entries": summary.entries, "vulns_changed": changed}).to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}
