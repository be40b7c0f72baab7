//! Web tests against the real application on 127.0.0.1:0, on SQLite and (with
//! `KHIEN_TEST_PG`) PostgreSQL: tenancy across every API route and page, authentication,
//! CSRF, bad input, and operations endpoints.

mod api;
mod pages;
mod tenancy;

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
    World {
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
