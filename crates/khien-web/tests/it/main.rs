//! Web tests against the real application on 127.0.0.1:0, on SQLite and (with
//! `KHIEN_TEST_PG`) PostgreSQL: tenancy across every API route and page, authentication,
//! CSRF, bad input, and operations endpoints.

mod api;
mod pages;
mod tenancy;
mod vulns;

use khien_store::Store;
use khien_testkit::{TestApp, agency, system, user};

/// Ids of the seeded world.
pub struct World {
    pub app: TestApp,
    pub a: i64,
    pub a1: i64,
    pub b: i64,
    pub b1: i64,
    pub sys_a: i64,
    pub sys_b: i64,
    pub shared: i64,
    pub asset_b: i64,
    pub asset_a: i64,
    /// Findings of SYS-A, of SYS-B, and one on the province's unassigned list.
    pub finding_a: i64,
    pub finding_b: i64,
    pub finding_unassigned: i64,
}

/// A small .nessus report: (ip, plugin id, plugin name, severity 0-4) per item.
pub fn nessus(items: &[(&str, u32, &str, u8)]) -> String {
    let mut s = String::from("<NessusClientData_v2><Report name=\"t\">");
    for (ip, plugin, name, sev) in items {
        s.push_str(&format!(
            "<ReportHost name=\"{ip}\"><HostProperties><tag name=\"host-ip\">{ip}</tag><tag name=\"HOST_START_TIMESTAMP\">1700000000</tag></HostProperties>\
             <ReportItem port=\"443\" protocol=\"tcp\" severity=\"{sev}\" pluginID=\"{plugin}\" pluginName=\"{name}\"><description>{name}</description></ReportItem></ReportHost>"
        ));
    }
    s.push_str("</Report></NessusClientData_v2>");
    s
}

pub const PW: &str = "mat-khau-kiem-thu";

/// Province P with agencies A (and A1 under it) and B (and B1); systems of A1 and B; a
/// shared platform of P used by A; an admin and officers of A and B.
pub async fn world(store: Store) -> World {
    agency(&store, "P", "Ủy ban nhân dân tỉnh", "province", "").await;
    let a = agency(&store, "A", "Sở Alpha", "department", "P").await;
    let a1 = agency(&store, "A1", "Trung tâm Alpha Một", "unit", "A").await;
    let b = agency(&store, "B", "Sở Bêta bí mật", "department", "P").await;
    let b1 = agency(&store, "B1", "Bệnh viện Bêta", "unit", "B").await;
    let sys_a = system(&store, "SYS-A", "A1", &[]).await;
    let sys_b = system(&store, "SYS-B", "B", &[]).await;
    let shared = system(&store, "SHARED", "P", &["A"]).await;
    let asset_a = store.asset_add(&khien_testkit::admin(), sys_a.id, None, "10.1.0.1", "").await.unwrap();
    let asset_b = store.asset_add(&khien_testkit::admin(), sys_b.id, None, "10.2.0.1", "bí mật B").await.unwrap();
    user(&store, "admin", "admin", &[], PW).await;
    user(&store, "canbo.a", "officer", &["A"], PW).await;
    user(&store, "canbo.b", "officer", &["B"], PW).await;
    user(&store, "lanhdao", "leader", &[], PW).await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("seed.nessus");
    std::fs::write(
        &report,
        nessus(&[
            ("10.1.0.1", 1, "Lỗi Alpha", 4),
            ("10.2.0.1", 2, "Lỗi bí mật Bêta", 4),
            ("10.99.0.9", 3, "Lỗi vô chủ Bêta", 3),
        ]),
    )
    .unwrap();
    let sum = store
        .scan_import_file(
            &khien_testkit::admin(),
            &report,
            "seed.nessus",
            None,
            khien_store::scan_import::ImportTarget::Auto,
            std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
        )
        .await
        .unwrap();
    assert_eq!((sum.new, sum.unassigned), (3, 1));
    let all = store.findings_list(&khien_core::Scope::All, &Default::default(), None, 10).await.unwrap().items;
    let by_ip = |ip: &str| all.iter().find(|f| f.ip == ip).unwrap().id;
    let (finding_a, finding_b, finding_unassigned) = (by_ip("10.1.0.1"), by_ip("10.2.0.1"), by_ip("10.99.0.9"));
    World {
        finding_a,
        finding_b,
        finding_unassigned,
        app: TestApp::start(store).await,
        a: a.id,
        a1: a1.id,
        b: b.id,
        b1: b1.id,
        sys_a: sys_a.id,
        sys_b: sys_b.id,
        shared: shared.id,
        asset_a: asset_a.id,
        asset_b: asset_b.id,
    }
}

/// Define tests whose body runs once per available backend with a seeded `World`.
#[macro_export]
macro_rules! on_each_backend {
    ($(async fn $name:ident($w:ident) $body:block)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                for db in khien_testkit::databases().await {
                    eprintln!("-- {} on {}", stringify!($name), db.label);
                    let $w = $crate::world(db.store.clone()).await;
                    $body
                }
            }
        )*
    };
}
