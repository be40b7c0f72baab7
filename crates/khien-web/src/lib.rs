//! Khiên's HTTP side: the JSON API under `/api/v1`, the server-rendered Vietnamese/English
//! pages, sessions with CSRF protection, API tokens, `/healthz` and `/metrics`.
//!
//! Handlers stay thin: they authenticate the caller, validate input, call one store function
//! with the caller's scope, and render JSON or a template.

#![recursion_limit = "512"]

pub mod api;
pub mod auth;
pub mod cache;
pub mod charts;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod pages;
pub mod tabular;
mod views;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use khien_store::Store;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Set the `Secure` flag on cookies (serve behind TLS). Also set per request when a proxy
    /// says `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    /// Largest accepted request body for ordinary requests, in bytes.
    pub body_limit: usize,
    /// Largest accepted upload (registry imports), in bytes.
    pub upload_limit: usize,
    /// Largest accepted scanner report (streamed to a temporary file, never held in memory).
    pub scan_upload_limit: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: false, body_limit: 1 << 20, upload_limit: 20 << 20, scan_upload_limit: 4 << 30 }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
    pub overview: Arc<cache::OverviewCache>,
    pub sessions: Arc<cache::AuthCache>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            overview: Arc::new(cache::OverviewCache::default()),
            sessions: Arc::new(cache::AuthCache::default()),
        }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.upload_limit;
    let body_limit = state.config.body_limit;
    Router::new()
        .merge(pages::routes(upload_limit))
        .nest("/api/v1", api::routes())
        .route("/api/openapi.json", get(api::openapi::document))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/static/style.css", get(static_css))
        .route("/static/app.js", get(static_js))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(error::friendly_body_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// 200 when the database answers.
async fn healthz(axum::extract::State(s): axum::extract::State<AppState>) -> (axum::http::StatusCode, &'static str) {
    match s.store.scalar(khien_store::sql::Sql::new("SELECT CAST(1 AS BIGINT)")).await {
        Ok(_) => (axum::http::StatusCode::OK, "ok\n"),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n"),
    }
}

async fn static_css() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/style.css"),
    )
}

async fn static_js() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.js"),
    )
}

pub use axum::Router;

/// Serve until Ctrl-C / SIGTERM, then finish in-flight requests.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
}

/// Serve an already built router (tests).
pub async fn serve_router(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
