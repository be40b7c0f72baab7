//! The store test suite. Every test runs on SQLite, and on PostgreSQL too when
//! `KHIEN_TEST_PG` is set (see `khien_testkit::databases`).

mod agencies;
mod audit;
mod findings;
mod import;
mod schema;
mod systems;
mod users;

/// Define tests whose body runs once per available backend with `$s: &Store`.
#[macro_export]
macro_rules! on_each_backend {
    ($(async fn $name:ident($s:ident) $body:block)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                for db in khien_testkit::databases().await {
                    eprintln!("-- {} on {}", stringify!($name), db.label);
                    let $s: &khien_store::Store = &db.store;
                    $body
                }
            }
        )*
    };
}
