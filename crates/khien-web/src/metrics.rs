//! Prometheus metrics: request counts by route and status, in-flight requests, and request
//! duration sums, rendered in the text exposition format at `/metrics`.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

/// (method, route, status) → (count, seconds)
type RequestTable = BTreeMap<(String, String, u16), (u64, f64)>;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<RequestTable>,
    in_flight: AtomicI64,
}

/// Middleware: count and time every request.
pub async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().to_string();
    s.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let resp = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    s.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    if let Ok(mut m) = s.metrics.requests.lock() {
        let e = m.entry((method, route, resp.status().as_u16())).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += secs;
    }
    resp
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn render(State(s): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    out.push_str("# HELP khien_http_requests_total HTTP requests by method, route and status.\n");
    out.push_str("# TYPE khien_http_requests_total counter\n");
    let snapshot: Vec<_> =
        s.metrics.requests.lock().map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect()).unwrap_or_default();
    for ((m, r, st), (n, _)) in &snapshot {
        out.push_str(&format!(
            "khien_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{st}\"}} {n}\n",
            esc(m),
            esc(r)
        ));
    }
    out.push_str("# HELP khien_http_request_duration_seconds_sum Time spent answering, by method and route.\n");
    out.push_str("# TYPE khien_http_request_duration_seconds_sum counter\n");
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    for ((m, r, _), (_, secs)) in &snapshot {
        *sums.entry((m.clone(), r.clone())).or_default() += secs;
    }
    for ((m, r), secs) in sums {
        out.push_str(&format!(
            "khien_http_request_duration_seconds_sum{{method=\"{}\",route=\"{}\"}} {secs:.6}\n",
            esc(&m),
            esc(&r)
        ));
    }
    out.push_str("# HELP khien_http_requests_in_flight Requests being answered now.\n");
    out.push_str("# TYPE khien_http_requests_in_flight gauge\n");
    out.push_str(&format!("khien_http_requests_in_flight {}\n", s.metrics.in_flight.load(Ordering::Relaxed)));
    let backend = match s.store.backend() {
        khien_store::Backend::Sqlite => "sqlite",
        khien_store::Backend::Postgres => "postgres",
    };
    out.push_str("# HELP khien_info Build and storage information.\n# TYPE khien_info gauge\n");
    out.push_str(&format!("khien_info{{version=\"{}\",backend=\"{backend}\"}} 1\n", env!("CARGO_PKG_VERSION")));
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out)
}
