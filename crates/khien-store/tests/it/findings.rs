//! Scan imports and findings: dedup across re-scans (new, updated, unchanged, reopened,
//! fixed), replay of the same file, all-or-nothing on a bad file or a dropped import,
//! attachment by assets and the unassigned list, lifecycle transitions with roles, tenancy.

use crate::on_each_backend;
use khien_core::vuln::{FindingStatus, Transition};
use khien_core::{Principal, Role, Scope};
use khien_store::findings::FindingFilter;
use khien_store::scan_import::{ImportSummary, ImportTarget, ScanFileError};
use khien_store::{Store, StoreError};
use khien_testkit::{admin, agency, system};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

fn officer(path: &str) -> Principal {
    Principal { role: Role::Officer, scope: Scope::Subtrees(vec![path.to_string()]), ..admin() }
}

fn with_role(role: Role) -> Principal {
    Principal { role, ..admin() }
}

/// A host of a test report: IP, start time, items (plugin id, severity 0-4).
type Host<'a> = (&'a str, i64, &'a [(u32, u8)]);

/// A .nessus report of these hosts.
fn nessus(hosts: &[Host<'_>]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" ?>\n<NessusClientData_v2><Report name=\"t\">");
    for (ip, start, items) in hosts {
        s.push_str(&format!(
            "<ReportHost name=\"{ip}\"><HostProperties><tag name=\"host-ip\">{ip}</tag><tag name=\"HOST_START_TIMESTAMP\">{start}</tag></HostProperties>"
        ));
        for (plugin, sev) in *items {
            s.push_str(&format!(
                "<ReportItem port=\"443\" svc_name=\"www\" protocol=\"tcp\" severity=\"{sev}\" pluginID=\"{plugin}\" pluginName=\"Plugin {plugin}\">\
                 <description>Description of {plugin}</description><solution>Upgrade.</solution><cve>CVE-2024-{plugin}</cve>\
                 <plugin_output>seen on {ip}</plugin_output></ReportItem>"
            ));
        }
        s.push_str("</ReportHost>");
    }
    s.push_str("</Report></NessusClientData_v2>");
    s
}

/// A report of 70,000 findings (35 batches): 700 hosts `{net}.x.y`, plugins 1-100 on each.
fn seventy_thousand(net: &str) -> String {
    let items: Vec<(u32, u8)> = (1..=100).map(|i| (i, (i % 5) as u8)).collect();
    let ips: Vec<String> = (0..700).map(|h| format!("{net}.{}.{}", h / 200, h % 200)).collect();
    let hosts: Vec<Host<'_>> = ips.iter().map(|ip| (ip.as_str(), 1000, &items[..])).collect();
    nessus(&hosts)
}

async fn import(s: &Store, p: &Principal, body: &str, target: ImportTarget) -> Result<ImportSummary, ScanFileError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.nessus");
    std::fs::write(&path, body).unwrap();
    s.scan_import_file(p, &path, "scan.nessus", None, target, Arc::new(AtomicU64::new(0))).await
}

fn counts(x: &ImportSummary) -> [u64; 7] {
    [x.parsed, x.new, x.updated, x.reopened, x.fixed, x.unchanged, x.unassigned]
}

async fn statuses(s: &Store) -> Vec<(String, String, bool)> {
    let page = s.findings_list(&Scope::All, &FindingFilter::default(), None, 1000).await.unwrap();
    let mut v: Vec<_> =
        page.items.iter().map(|f| (format!("{}@{}", f.rule_id, f.target), f.status.clone(), f.regression)).collect();
    v.sort();
    v
}

on_each_backend! {
    async fn large_reports_cross_batches_and_keep_texts_exact(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        let t = ImportTarget::System(sys.id);
        let a = admin();
        // 3,000 findings: more than one parser batch and one write batch.
        let items: Vec<(u32, u8)> = (1..=100).map(|i| (i, (i % 5) as u8)).collect();
        let hosts: Vec<String> = (1..=30).map(|h| format!("10.9.0.{h}")).collect();
        let report = |start: i64, n: usize| {
            let hs: Vec<Host<'_>> = hosts[..n].iter().map(|h| (h.as_str(), start, &items[..])).collect();
            nessus(&hs)
        };
        let r = import(s, &a, &report(1000, 30), t.clone()).await.unwrap();
        assert_eq!(counts(&r), [3000, 3000, 0, 0, 0, 0, 0]);
        // A newer scan of the first 20 hosts: their findings are updated, the other 10
        // hosts were not scanned, so nothing is fixed.
        let r = import(s, &a, &report(2000, 20), t.clone()).await.unwrap();
        assert_eq!(counts(&r), [2000, 0, 2000, 0, 0, 0, 0]);
        // Evidence with quotes, commas, new lines, a backslash and Vietnamese survives as is
        // (PostgreSQL receives new rows through COPY in CSV).
        let tricky = "Mật khẩu \"admin\", port 443\nC:\\Windows; 'x'";
        let xml = nessus(&[("10.9.1.1", 3000, &[(7, 3)])]).replace(
            "<plugin_output>seen on 10.9.1.1</plugin_output>",
            "<plugin_output>Mật khẩu &quot;admin&quot;, port 443\nC:\\Windows; 'x'</plugin_output>",
        );
        let r = import(s, &a, &xml, t.clone()).await.unwrap();
        assert_eq!(r.new, 1);
        let rows: Vec<(String,)> = s
            .all(khien_store::sql::Sql::new("SELECT evidence FROM findings WHERE target = '10.9.1.1'"))
            .await
            .unwrap();
        assert_eq!(rows, [(tricky.to_string(),)]);
        // A newer scan of one host that no longer reports half of its findings fixes them.
        let half: Vec<(u32, u8)> = items[..50].to_vec();
        let r = import(s, &a, &nessus(&[("10.9.0.1", 4000, &half[..])]), t.clone()).await.unwrap();
        assert_eq!((r.updated, r.fixed, r.new), (50, 50, 0));
        let events: Vec<(i64,)> = s
            .all(khien_store::sql::Sql::new(
                "SELECT COUNT(*) FROM finding_events e JOIN findings f ON f.id = e.finding_id \
                 WHERE f.target = '10.9.0.1' AND e.to_status = 'fixed'",
            ))
            .await
            .unwrap();
        assert_eq!(events, [(50,)], "each fix is in the history");
    }

    async fn new_findings_stream_across_batches_and_stop_for_new_vulnerabilities(s) {
        // PostgreSQL keeps one COPY open across batches whose findings can only be new; a
        // batch with a vulnerability not yet stored ends it. 2,000 findings a batch: the
        // first batch stores plugins 1-100, the second and third are only new findings of
        // them (streamed), the fourth brings plugin 101 (the COPY ends, the normal path runs)
        // and the fifth streams again.
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        let sys2 = system(s, "S2", "P", &[]).await;
        let a = admin();
        let items: Vec<(u32, u8)> = (1..=100).map(|i| (i, (i % 5) as u8)).collect();
        let with_new: Vec<(u32, u8)> = (2..=101).map(|i| (i, (i % 5) as u8)).collect();
        let ips: Vec<String> = (1..=100).map(|h| format!("10.8.{}.{}", h / 50, h % 50)).collect();
        let hosts: Vec<Host<'_>> = ips
            .iter()
            .enumerate()
            .map(|(i, ip)| (ip.as_str(), 1000, if i == 70 { &with_new[..] } else { &items[..] }))
            .collect();
        let report = nessus(&hosts);
        // Cut inside the last batch: nothing of the streamed batches may remain.
        let cut = &report[..report.len() - 20_000];
        let e = import(s, &a, cut, ImportTarget::System(sys2.id)).await.unwrap_err();
        assert!(matches!(e, ScanFileError::Parse(_)), "{e}");
        assert_eq!(s.scalar(khien_store::sql::Sql::new("SELECT COUNT(*) FROM findings")).await.unwrap(), 0);
        assert_eq!(s.scalar(khien_store::sql::Sql::new("SELECT COUNT(*) FROM vulns")).await.unwrap(), 0);

        let r = import(s, &a, &report, ImportTarget::System(sys.id)).await.unwrap();
        assert_eq!(counts(&r), [10_000, 10_000, 0, 0, 0, 0, 0]);
        // Batches 2, 3 and 5 went through the streamed COPY (PostgreSQL only).
        // ... in two COPY statements (the fourth batch ended the first).
        let streamed = if s.backend() == khien_store::Backend::Postgres { (6000, 2) } else { (0, 0) };
        assert_eq!((r.streamed, r.copies), streamed);
        let rows: Vec<(String, i64, i64)> = s
            .all(khien_store::sql::Sql::new(
                "SELECT v.rule_id, COUNT(*), COUNT(DISTINCT f.target) FROM findings f JOIN vulns v ON v.id = f.vuln_id \
                 WHERE v.rule_id IN ('1', '50', '101') GROUP BY v.rule_id ORDER BY v.rule_id",
            ))
            .await
            .unwrap();
        assert_eq!(rows, [("1".to_string(), 99, 99), ("101".to_string(), 1, 1), ("50".to_string(), 100, 100)]);
        let evidence: Vec<(String,)> = s
            .all(khien_store::sql::Sql::new(
                "SELECT f.evidence FROM findings f JOIN vulns v ON v.id = f.vuln_id \
                 WHERE f.target = '10.8.1.49' AND v.rule_id = '7'",
            ))
            .await
            .unwrap();
        assert_eq!(evidence, [("seen on 10.8.1.49".to_string(),)]);
        // The same report again: nothing changes (a replay); a newer one updates them all.
        let r = import(s, &a, &report, ImportTarget::System(sys.id)).await.unwrap();
        assert_eq!(counts(&r), [10_000, 0, 0, 0, 0, 10_000, 0]);
        let newer = report.replace(">1000</tag>", ">2000</tag>");
        let r = import(s, &a, &newer, ImportTarget::System(sys.id)).await.unwrap();
        assert_eq!(counts(&r), [10_000, 0, 10_000, 0, 0, 0, 0]);
    }

    async fn a_streamed_copy_ends_every_32_batches(s) {
        // 70,000 new findings, 35 batches of 2,000: the first stores the vulnerabilities (the
        // ordinary path), the other 34 stream, in a COPY of 32 batches and then one of 2.
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        let r = import(s, &admin(), &seventy_thousand("10.9"), ImportTarget::System(sys.id)).await.unwrap();
        assert_eq!(counts(&r), [70_000, 70_000, 0, 0, 0, 0, 0]);
        let pg = s.backend() == khien_store::Backend::Postgres;
        assert_eq!((r.streamed, r.copies), if pg { (68_000, 2) } else { (0, 0) });
        let stored = s.scalar(khien_store::sql::Sql::new("SELECT COUNT(DISTINCT target) FROM findings")).await.unwrap();
        assert_eq!(stored, 700);
    }

    async fn an_import_dropped_midway_leaves_nothing_and_the_pool_works(s) {
        // A client that goes away (an HTTP upload cancelled, a CLI interrupted) drops the
        // import while the database is writing, on PostgreSQL inside a streamed COPY. Nothing
        // of it may remain, and the connection it held must not come back to the pool in the
        // middle of a COPY or transaction: the next import on the same pool succeeds.
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        let report = seventy_thousand("10.7");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.nessus");
        std::fs::write(&path, &report).unwrap();
        let progress = Arc::new(AtomicU64::new(0));
        let task = {
            let (store, path, progress) = (s.clone(), path.clone(), progress.clone());
            tokio::spawn(async move {
                store.scan_import_file(&admin(), &path, "scan.nessus", None, ImportTarget::System(sys.id), progress).await
            })
        };
        // Half the file read: the database has taken several batches and is still writing.
        while progress.load(std::sync::atomic::Ordering::Relaxed) < report.len() as u64 / 2 {
            assert!(!task.is_finished(), "the import ended before half the file was read");
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let pg = s.backend() == khien_store::Backend::Postgres;
        if pg {
            // Batches 2 to 33 go through one streamed COPY, and at this point the database is
            // between batch 8 and 18 (the parser runs at most 8 batches ahead): it is in it.
            let q = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'COPY%'";
            assert_eq!(s.scalar(khien_store::sql::Sql::new(q)).await.unwrap(), 1, "the import is inside its COPY");
        }
        task.abort();
        let ended = task.await;
        assert!(ended.as_ref().is_err_and(|e| e.is_cancelled()), "the import was cut, not finished: {ended:?}");
        if pg {
            // No session of this database is left inside a COPY or a transaction (a closed
            // connection leaves the server at once; wait a little for its goodbye).
            let q = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND (query ILIKE 'COPY%' OR state LIKE 'idle in transaction%')";
            let mut left = -1;
            for _ in 0..200 {
                left = s.scalar(khien_store::sql::Sql::new(q)).await.unwrap();
                if left == 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert_eq!(left, 0, "a session of the dropped import is still in a COPY or transaction");
        }
        for table in ["findings", "vulns", "scans", "finding_events"] {
            let n = s.scalar(khien_store::sql::Sql::new(&format!("SELECT COUNT(*) FROM {table}"))).await.unwrap();
            assert_eq!(n, 0, "{table} keeps nothing of the dropped import");
        }
        // Every pooled connection is usable: the full import, and reads on several at once.
        let r = import(s, &admin(), &report, ImportTarget::System(sys.id)).await.unwrap();
        assert_eq!(counts(&r), [70_000, 70_000, 0, 0, 0, 0, 0]);
        let count = || s.scalar(khien_store::sql::Sql::new("SELECT COUNT(*) FROM findings"));
        let (a, b, c, d) = tokio::join!(count(), count(), count(), count());
        for n in [a, b, c, d] {
            assert_eq!(n.unwrap(), 70_000);
        }
    }

    async fn rescans_deduplicate_reopen_and_fix(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        let t = ImportTarget::System(sys.id);
        let a = admin();
        let first = nessus(&[("10.0.0.1", 1000, &[(1, 4), (2, 2), (2, 2)]), ("10.0.0.2", 1000, &[(3, 0)])]);
        let r = import(s, &a, &first, t.clone()).await.unwrap();
        assert_eq!(counts(&r), [4, 3, 0, 0, 0, 0, 0], "internal duplicate counted once");
        // The same file again changes nothing.
        let r = import(s, &a, &first, t.clone()).await.unwrap();
        assert_eq!(counts(&r), [4, 0, 0, 0, 0, 3, 0]);
        assert_eq!(r.scan_id, 0, "a replay records no scan");
        // A newer scan: plugin 2 gone from host 1, plugin 4 new; host 2 not scanned.
        let second = nessus(&[("10.0.0.1", 2000, &[(1, 3), (4, 1)])]);
        let r = import(s, &a, &second, t.clone()).await.unwrap();
        assert_eq!(counts(&r), [2, 1, 1, 0, 1, 0, 0]);
        assert_eq!(
            statuses(s).await,
            [
                ("1@10.0.0.1".to_string(), "open".to_string(), false),
                ("2@10.0.0.1".into(), "fixed".into(), false),
                ("3@10.0.0.2".into(), "open".into(), false),
                ("4@10.0.0.1".into(), "open".into(), false),
            ]
        );
        // The severity follows the newer scan.
        let page = s.findings_list(&Scope::All, &FindingFilter { q: "Plugin 1".into(), ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(page.items[0].severity_rank, 3);
        // An older report does not undo what a newer one said.
        let r = import(s, &a, &nessus(&[("10.0.0.1", 1500, &[(1, 4)])]), t.clone()).await.unwrap();
        assert_eq!((r.fixed, r.reopened, r.updated), (0, 0, 1), "content changed, but not newer");
        // Plugin 2 comes back later: a regression.
        let third = nessus(&[("10.0.0.1", 3000, &[(1, 3), (2, 2), (4, 1)])]);
        let r = import(s, &a, &third, t.clone()).await.unwrap();
        assert_eq!((r.reopened, r.updated, r.new, r.fixed), (1, 2, 0, 0));
        let st = statuses(s).await;
        assert_eq!(st[1], ("2@10.0.0.1".to_string(), "open".to_string(), true));
        // A truncated report changes nothing and says where it broke.
        let before = statuses(s).await;
        let bad = &nessus(&[("10.0.0.9", 4000, &[(9, 4), (10, 4)])])[..300];
        let e = import(s, &a, bad, t.clone()).await.unwrap_err();
        assert!(matches!(e, ScanFileError::Parse(_)), "{e}");
        assert_eq!(statuses(s).await, before);
        let n = s.scalar(khien_store::sql::Sql::new("SELECT COUNT(*) FROM scans")).await.unwrap();
        assert_eq!(n, 4, "failed and replayed imports leave no scan row");
    }

    async fn replays_are_the_same_findings_not_the_same_bytes(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let a = admin();
        let report = nessus(&[("10.3.0.1", 100, &[(1, 4), (2, 2)])]);
        let r = import(s, &a, &report, ImportTarget::Auto).await.unwrap();
        assert_eq!((r.new, r.unassigned), (2, 2));
        // The same report exported again with other spacing and attribute order: a replay.
        let reexported = report.replace("<ReportItem port=\"443\" svc_name=\"www\"", "<ReportItem  svc_name=\"www\"\n port=\"443\"");
        assert_ne!(reexported, report);
        let r = import(s, &a, &reexported, ImportTarget::Auto).await.unwrap();
        assert_eq!((r.scan_id, r.unchanged, r.new), (0, 2, 0), "a replay records nothing");
        // Changed evidence is not a replay (it updates the finding's content).
        let changed = report.replace("seen on 10.3.0.1</plugin_output></ReportItem></ReportHost>", "seen again</plugin_output></ReportItem></ReportHost>");
        assert_ne!(changed, report);
        let r = import(s, &a, &changed, ImportTarget::Auto).await.unwrap();
        assert!(r.scan_id > 0);
        assert_eq!((r.updated, r.unchanged), (1, 1));
        // The very same file, once its host belongs to a system, is not a replay either: its
        // findings now go to that system.
        let sys = system(s, "S3", "P", &[]).await;
        s.asset_add(&a, sys.id, None, "10.3.0.1", "").await.unwrap();
        let r = import(s, &a, &report, ImportTarget::Auto).await.unwrap();
        assert!(r.scan_id > 0);
        assert_eq!((r.new, r.unassigned), (2, 0));
    }

    async fn rescans_fix_only_their_scanner_family(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        let t = ImportTarget::System(sys.id);
        let a = admin();
        let r = import(s, &a, &nessus(&[("10.0.0.1", 1_700_000_000, &[(1, 2), (2, 2)])]), t.clone()).await.unwrap();
        assert_eq!(r.new, 2);
        // A newer Nuclei scan of the same address does not judge what Nessus found there.
        let nuclei = r#"{"template-id":"tls-weak","info":{"name":"Weak TLS","severity":"medium"},"host":"10.0.0.1","ip":"10.0.0.1","matched-at":"10.0.0.1:443","timestamp":"2024-06-01T00:00:00Z"}"#;
        let r = import(s, &a, nuclei, t.clone()).await.unwrap();
        assert_eq!((r.new, r.fixed), (1, 0));
        // A newer Nessus scan that no longer reports plugin 2 fixes it, and only it.
        let r = import(s, &a, &nessus(&[("10.0.0.1", 1_800_000_000, &[(1, 2)])]), t.clone()).await.unwrap();
        assert_eq!((r.updated, r.fixed, r.new), (1, 1, 0));
        let st = statuses(s).await;
        assert_eq!(
            st,
            [
                ("1@10.0.0.1".to_string(), "open".to_string(), false),
                ("2@10.0.0.1".into(), "fixed".into(), false),
                ("tls-weak@10.0.0.1".into(), "open".into(), false),
            ]
        );
    }

    async fn auto_attach_unassigned_and_tenancy(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let a = agency(s, "A", "Sở A", "department", "P").await;
        let b = agency(s, "B", "Sở B", "department", "P").await;
        let sa = system(s, "SA", "A", &[]).await;
        let sb = system(s, "SB", "B", &[]).await;
        s.asset_add(&admin(), sa.id, None, "10.1.0.0/16", "").await.unwrap();
        s.asset_add(&admin(), sb.id, None, "10.2.0.5", "").await.unwrap();
        let report = nessus(&[("10.1.3.4", 100, &[(1, 4)]), ("10.2.0.5", 100, &[(2, 3)]), ("192.168.9.9", 100, &[(3, 2)])]);
        let r = import(s, &admin(), &report, ImportTarget::Auto).await.unwrap();
        assert_eq!((r.new, r.unassigned), (3, 1));
        let oa = officer(&a.path);
        let ob = officer(&b.path);
        let la = s.findings_list(&oa.scope, &FindingFilter::default(), None, 100).await.unwrap();
        assert_eq!(la.items.iter().map(|f| f.system_code.clone().unwrap_or_default()).collect::<Vec<_>>(), ["SA"]);
        let lb = s.findings_list(&ob.scope, &FindingFilter::default(), None, 100).await.unwrap();
        assert_eq!(lb.total, 1, "the province's unassigned list is not an agency's");
        let fa = la.items[0].id;
        let fb = lb.items[0].id;
        // Officer A cannot read, change, comment or upload into B.
        assert!(s.finding_get(&oa.scope, fb).await.unwrap().is_none());
        let t = Transition { to: FindingStatus::InRemediation, reason: String::new(), until: None };
        assert!(matches!(s.finding_transition(&oa, fb, &t).await, Err(StoreError::NotFound)));
        assert!(matches!(s.finding_comment(&oa, fb, "x").await, Err(StoreError::NotFound)));
        let e = import(s, &oa, &report, ImportTarget::System(sb.id)).await.unwrap_err();
        assert!(matches!(e, ScanFileError::Store(StoreError::NotFound)), "{e}");
        let bulk = s
            .findings_bulk_transition(&oa, &FindingFilter::default(), &t)
            .await
            .unwrap();
        assert_eq!(bulk, 1, "bulk actions reach only the caller's findings");
        assert_eq!(s.finding_get(&Scope::All, fb).await.unwrap().unwrap().row.status, "open");
        assert_eq!(s.finding_get(&Scope::All, fa).await.unwrap().unwrap().row.status, "in_remediation");
        // Officer A's own auto import: what does not match A's systems stays in A's unassigned list.
        let r = import(s, &oa, &nessus(&[("10.2.0.5", 200, &[(7, 2)])]), ImportTarget::Auto).await.unwrap();
        assert_eq!(r.unassigned, 1);
        let mine = s.findings_list(&oa.scope, &FindingFilter { unassigned: true, ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(mine.total, 1);
        assert!(s.findings_list(&ob.scope, &FindingFilter { unassigned: true, ..Default::default() }, None, 10).await.unwrap().items.is_empty());
        // Assigning remembers the target as an asset: the next scan attaches by itself.
        let un = s.findings_list(&Scope::All, &FindingFilter { unassigned: true, q: "192.168".into(), ..Default::default() }, None, 10).await.unwrap();
        let moved = s.finding_assign(&admin(), un.items[0].id, sa.id).await.unwrap();
        assert_eq!(moved, 1);
        let r = import(s, &admin(), &nessus(&[("192.168.9.9", 300, &[(3, 2)])]), ImportTarget::Auto).await.unwrap();
        assert_eq!((r.unassigned, r.updated, r.new), (0, 1, 0));
        assert!(s.assets_list(&Scope::All, sa.id).await.unwrap().iter().any(|x| x.value == "192.168.9.9"));
    }

    async fn lifecycle_roles_and_history(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        import(s, &admin(), &nessus(&[("10.0.0.1", 100, &[(1, 4)])]), ImportTarget::System(sys.id)).await.unwrap();
        let id = s.findings_list(&Scope::All, &FindingFilter::default(), None, 1).await.unwrap().items[0].id;
        let now = khien_store::now();
        let accept = Transition { to: FindingStatus::Accepted, reason: "Chờ nâng cấp".into(), until: Some(now + 86_400) };
        let r = s.finding_transition(&with_role(Role::Analyst), id, &accept).await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "an analyst cannot accept a risk: {r:?}");
        s.finding_transition(&with_role(Role::Leader), id, &accept).await.unwrap();
        s.finding_comment(&with_role(Role::Analyst), id, "Đã báo đơn vị").await.unwrap();
        let d = s.finding_get(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(d.row.status, "accepted");
        assert_eq!(d.text.accepted_until, Some(now + 86_400));
        assert_eq!(d.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["comment", "status"]);
        // Expiry reopens it.
        s.execute(khien_store::sql::Sql::new("UPDATE findings SET accepted_until = 1")).await.unwrap();
        assert_eq!(khien_store::findings::expire_acceptances(s).await.unwrap(), 1);
        assert_eq!(s.finding_get(&Scope::All, id).await.unwrap().unwrap().row.status, "open");
        // Every manual transition is in the audit trail.
        let audit = s.scalar(khien_store::sql::Sql::new("SELECT COUNT(*) FROM audit_log WHERE entity = 'finding'")).await.unwrap();
        assert_eq!(audit, 3);
        // Deadlines: critical 15 days by default, recomputed when the province changes them.
        let d = s.finding_get(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(d.row.due_at, Some(100 + 15 * 86_400));
        let pol = khien_core::vuln::DeadlinePolicy { critical: 7, ..Default::default() };
        s.deadline_policy_set(&admin(), pol).await.unwrap();
        assert_eq!(s.finding_get(&Scope::All, id).await.unwrap().unwrap().row.due_at, Some(100 + 7 * 86_400));
        let overdue = s.findings_list(&Scope::All, &FindingFilter { overdue: true, ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(overdue.total, 1);
    }

    async fn kev_and_epss_raise_priority(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        import(s, &admin(), &nessus(&[("10.0.0.1", 100, &[(4577, 1), (1, 1)])]), ImportTarget::System(sys.id)).await.unwrap();
        let kev = khien_vuln::intel::Kev {
            version: "t".into(),
            entries: vec![khien_vuln::intel::KevEntry {
                cve: "CVE-2024-4577".into(),
                vendor: "PHP Group".into(),
                product: "PHP".into(),
                name: "PHP-CGI OS Command Injection".into(),
                date_added: "2024-06-12".into(),
                due_date: "2024-07-03".into(),
                ransomware: "Known".into(),
            }],
        };
        let r = s.kev_replace(&with_role(Role::Analyst), &kev).await;
        assert!(matches!(r, Err(StoreError::Forbidden)));
        let r = s.kev_replace(&admin(), &kev).await.unwrap();
        assert_eq!((r.entries, r.vulns_changed), (1, 1));
        let kevs = s.findings_list(&Scope::All, &FindingFilter { kev: true, ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(kevs.total, 1);
        let f = &kevs.items[0];
        assert_eq!(f.due_at, Some(100 + 15 * 86_400), "a low finding of a KEV gets the critical deadline");
        let d = s.finding_get(&Scope::All, f.id).await.unwrap().unwrap();
        assert_eq!(d.kev[0].name, "PHP-CGI OS Command Injection");
        let other = s.findings_list(&Scope::All, &FindingFilter { q: "CVE-2024-1".into(), ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(other.items[0].due_at, Some(100 + 180 * 86_400));
        let r = s.epss_replace(&admin(), &[("CVE-2024-4577".into(), 0.94, 0.999), ("CVE-2099-0001".into(), 0.1, 0.5)]).await.unwrap();
        assert_eq!((r.entries, r.vulns_changed), (2, 1));
        assert_eq!(s.finding_get(&Scope::All, f.id).await.unwrap().unwrap().row.epss, Some(0.94));
        // A new scan of a KEV CVE is flagged at import.
        import(s, &admin(), &nessus(&[("10.0.0.2", 200, &[(4577, 1)])]), ImportTarget::System(sys.id)).await.unwrap();
        let kevs = s.findings_list(&Scope::All, &FindingFilter { kev: true, ..Default::default() }, None, 10).await.unwrap();
        assert_eq!(kevs.total, 2);
    }
}
