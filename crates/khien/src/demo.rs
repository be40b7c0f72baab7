//! Loading the fictional demo province (from `khien_core::demo`) into an empty store, and
//! printing its accounts (`DEMO username=… password=… role=… agency=…`, one per line).

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use khien_core::Principal;
use khien_store::Store;
use khien_store::import::{ImportOutcome, SystemRow};
use khien_store::users::{NewUser, random_password};

/// Credentials of one demo account.
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: String,
    pub agency: String,
}

fn bar(len: usize, what: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(what.to_string());
    pb
}

/// Load the demo at `scale` into `store`, which must hold no agency yet.
pub async fn load(store: &Store, scale: u32, quiet: bool) -> Result<Vec<DemoAccount>> {
    let existing = store.scalar(khien_store::sql::Sql::new("SELECT COUNT(*) FROM agencies")).await?;
    if existing > 0 {
        bail!(
            "the database already holds {existing} agencies; the demo loads only into an empty database (use a fresh --data-dir)"
        );
    }
    let p = Principal::system("demo");
    let province = khien_core::demo::province(scale);
    let rows: Vec<_> = province.agencies.into_iter().enumerate().map(|(i, a)| (i + 2, a.input)).collect();
    let pb = bar(rows.len(), "agencies", quiet);
    match store.import_agencies(&p, rows, &|n| pb.set_position(n as u64)).await? {
        ImportOutcome::Done(_) => pb.finish(),
        ImportOutcome::Rejected(errs) => bail!("demo agencies rejected: {errs:?}"),
    }
    let rows: Vec<_> = province
        .systems
        .into_iter()
        .enumerate()
        .map(|(i, s)| SystemRow { row: i + 2, input: s.input, assets: s.assets })
        .collect();
    let pb = bar(rows.len(), "systems", quiet);
    match store.import_systems(&p, rows, &|n| pb.set_position(n as u64)).await? {
        ImportOutcome::Done(_) => pb.finish(),
        ImportOutcome::Rejected(errs) => bail!("demo systems rejected: {errs:?}"),
    }
    import_reports(store, &p, quiet).await?;
    let mut accounts = Vec::new();
    for u in province.users {
        let password = random_password();
        store
            .user_create(
                &p,
                NewUser {
                    username: u.username.to_string(),
                    display_name: u.display_name.to_string(),
                    role: u.role.as_str().to_string(),
                    agency_codes: u.agency_code.map(|c| vec![c.to_string()]).unwrap_or_default(),
                    password: password.clone(),
                    must_change_password: false,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo user {}: {e:?}", u.username))?;
        accounts.push(DemoAccount {
            username: u.username.to_string(),
            password,
            role: u.role.as_str().to_string(),
            agency: u.agency_code.unwrap_or("-").to_string(),
        });
    }
    Ok(accounts)
}

/// Print the accounts in the documented one-line form.
pub fn print(accounts: &[DemoAccount]) {
    println!("Demo province loaded. Accounts (passwords are shown only now):");
    for a in accounts {
        println!("DEMO username={} password={} role={} agency={}", a.username, a.password, a.role, a.agency);
    }
}

/// Real scanner reports (see `demo/README.md`) and the system each goes to; `None` imports by
/// assets, which leaves its findings on the unassigned list for the demo to resolve.
const REPORTS: &[(&str, Option<&str>, &[u8])] = &[
    ("nessus_many_vuln2-default.csv", Some("DVC"), include_bytes!("../demo/scans/nessus_many_vuln2-default.csv")),
    (
        "dvwa_baseline.xml",
        Some("DVC"),
        include_bytes!("../demo/scans/dvwa_baseline_dojo_fabricated_internal_duplicates.xml"),
    ),
    ("nessus-template.csv", Some("CTTDT"), include_bytes!("../demo/scans/nessus-template.csv")),
    ("zap_some_2.9.0.xml", Some("CTTDT"), include_bytes!("../demo/scans/some_2.9.0.xml")),
    ("tenable_sc.csv", Some("STC-KT"), include_bytes!("../demo/scans/issue_11102.csv")),
    ("openvas_report_detail_v2.xml", Some("IOFFICE"), include_bytes!("../demo/scans/report_detail_v2.xml")),
    ("openvas_many_vuln.csv", Some("TSLCD"), include_bytes!("../demo/scans/many_vuln.csv")),
    ("nuclei_many_findings.json", Some("EMAIL"), include_bytes!("../demo/scans/many_findings_new.json")),
    (
        "trivy_kubernetes.json",
        Some("LGSP"),
        include_bytes!("../demo/scans/kubernetes_fabricated_internal_duplicates.json"),
    ),
    ("njsscan.sarif", Some("SYT-HIS"), include_bytes!("../demo/scans/njsscan.sarif")),
    ("burp_one_finding.xml", Some("SYT-HIS"), include_bytes!("../demo/scans/one_finding.xml")),
    ("generic_report1.csv", Some("SGDDT-CSDL"), include_bytes!("../demo/scans/generic_report1.csv")),
    ("openvas_one_vuln.xml", None, include_bytes!("../demo/scans/one_vuln.xml")),
];

/// Import the demo reports and the matching KEV entries.
async fn import_reports(store: &Store, p: &Principal, quiet: bool) -> Result<()> {
    use khien_store::scan_import::ImportTarget;
    let dir = tempfile::tempdir()?;
    let pb = bar(REPORTS.len(), "scans", quiet);
    for (i, (name, system, bytes)) in REPORTS.iter().enumerate() {
        let target = match system {
            Some(code) => match store.system_id_by_code(&p.scope, code).await? {
                Some(id) => ImportTarget::System(id),
                None => continue,
            },
            None => ImportTarget::Auto,
        };
        let path = dir.path().join(name);
        std::fs::write(&path, bytes)?;
        let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        store
            .scan_import_file(p, &path, name, None, target, progress)
            .await
            .map_err(|e| anyhow::anyhow!("demo report {name}: {e}"))?;
        pb.set_position(i as u64 + 1);
    }
    pb.finish();
    let kev = khien_vuln::intel::parse_kev(&include_bytes!("../demo/kev-subset.json")[..])?;
    store.kev_replace(p, &kev).await?;
    Ok(())
}
