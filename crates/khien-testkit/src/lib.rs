//! Test support shared by the store, web and binary test suites.
//!
//! [`databases`] yields a fresh, migrated SQLite store always, and a fresh PostgreSQL database
//! too when `KHIEN_TEST_PG` holds a connection URL (CI sets it). Each PostgreSQL database is
//! created for one test and dropped when its [`TestDb`] goes away. [`TestApp`] starts the real
//! web application on `127.0.0.1:0`.

use khien_core::{AgencyInput, Principal, SystemInput};
use khien_store::Store;
use khien_store::users::NewUser;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh database for one test.
pub struct TestDb {
    pub label: &'static str,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_drop.take() {
            // Drop the database from a separate runtime: Drop cannot await. FORCE ends the
            // test's own pooled connections.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async move {
                    if let Ok(admin) = Store::open(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = admin.execute(khien_store::sql::Sql::new(&sql)).await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh migrated SQLite store in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().to_string_lossy()).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    TestDb { label: "sqlite", store, _dir: Some(dir), pg_drop: None }
}

/// A fresh migrated PostgreSQL database, when `KHIEN_TEST_PG` is set.
pub async fn postgres() -> Option<TestDb> {
    let admin_url = std::env::var("KHIEN_TEST_PG").ok().filter(|u| !u.is_empty())?;
    let name = format!(
        "khien_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let admin = Store::open(&admin_url).await.expect("KHIEN_TEST_PG: cannot connect");
    admin.execute(khien_store::sql::Sql::new(&format!("CREATE DATABASE {name}"))).await.expect("create test database");
    admin.close().await;
    let url = with_database(&admin_url, &name);
    let store = Store::open(&url).await.expect("open test database");
    store.migrate().await.expect("migrate postgres");
    Some(TestDb { label: "postgres", store, _dir: None, pg_drop: Some((admin_url, name)) })
}

/// Replace the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = &base[scheme_end..];
    let root = match host_part.find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

/// Every backend available to this run: SQLite, and PostgreSQL when configured.
pub async fn databases() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// A province admin principal for seeding data.
pub fn admin() -> Principal {
    Principal::system("test")
}

/// Create an agency (panics on failure: seeding must work).
pub async fn agency(store: &Store, code: &str, name: &str, kind: &str, parent: &str) -> khien_store::agencies::Agency {
    store
        .agency_create(
            &admin(),
            AgencyInput {
                code: code.into(),
                name: name.into(),
                kind: kind.into(),
                parent_code: parent.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("seed agency {code}: {e:?}"))
}

/// Create a system owned by `owner`.
pub async fn system(store: &Store, code: &str, owner: &str, shared_with: &[&str]) -> khien_store::systems::InfoSystem {
    store
        .system_create(
            &admin(),
            SystemInput {
                code: code.into(),
                name: format!("Hệ thống {code}"),
                owner_code: owner.into(),
                category: "internal".into(),
                shared: !shared_with.is_empty(),
                user_codes: shared_with.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("seed system {code}: {e:?}"))
}

/// Create a user with a password.
pub async fn user(
    store: &Store,
    username: &str,
    role: &str,
    agencies: &[&str],
    password: &str,
) -> khien_store::users::User {
    store
        .user_create(
            &admin(),
            NewUser {
                username: username.into(),
                display_name: username.into(),
                role: role.into(),
                agency_codes: agencies.iter().map(|s| s.to_string()).collect(),
                password: password.into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("seed user {username}: {e:?}"))
}

/// The real application on a random local port.
pub struct TestApp {
    pub base: String,
    pub store: Store,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestApp {
    pub async fn start(store: Store) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = khien_web::AppState::new(store.clone(), khien_web::WebConfig::default());
        let app = khien_web::router(state);
        let task = tokio::spawn(async move {
            let _ = axum_serve(listener, app).await;
        });
        TestApp { base: format!("http://{addr}"), store, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, app: khien_web::Router) -> std::io::Result<()> {
    khien_web::serve_router(listener, app).await
}

/// An HTTP client that does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// A logged-in browser-like session: cookie and CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// Log in through the real login form and read the CSRF token from a page.
pub async fn login(app: &TestApp, username: &str, password: &str) -> Session {
    let c = client();
    let r = c
        .post(app.url("/login"))
        .form(&[("username", username), ("password", password), ("next", "/")])
        .send()
        .await
        .expect("login request");
    assert_eq!(r.status().as_u16(), 303, "login of {username} should redirect");
    let set = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("session cookie").to_string();
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let html =
        c.get(app.url("/account")).header("cookie", &cookie).send().await.expect("account").text().await.unwrap();
    let csrf = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf token on the page")
        .to_string();
    Session { cookie, csrf }
}
