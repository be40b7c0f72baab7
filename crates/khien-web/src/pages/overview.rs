//! The overview page: what exists in the caller's scope and what needs attention next.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, render};
use crate::i18n::Tr;
use crate::views::Layout;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use khien_store::stats::Count;

/// One bar of a bar chart.
pub struct Bar {
    pub key: String,
    pub label: String,
    pub n: i64,
    pub pct: i64,
}

fn bars(t: Tr, prefix: Option<&str>, counts: &[Count]) -> Vec<Bar> {
    let max = counts.iter().map(|c| c.n).max().unwrap_or(1).max(1);
    counts
        .iter()
        .map(|c| Bar {
            key: c.key.clone(),
            label: prefix.map(|p| t.label(p, &c.key)).unwrap_or_else(|| c.key.clone()),
            n: c.n,
            pct: (c.n * 100 / max).max(1),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    t: Tr,
    l: Layout,
    scope_label: String,
    o: std::sync::Arc<khien_store::stats::Overview>,
    by_category: Vec<Bar>,
    by_kind: Vec<Bar>,
    by_owner: Vec<Bar>,
    by_status: Vec<Bar>,
    /// (count, link, text)
    attention: Vec<(i64, String, String)>,
}

pub async fn page(State(s): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t;
    let o = match s.overview.get(&s.store, &ctx.principal.scope).await {
        Ok(o) => o,
        Err(e) => return PageError::from_store(&ctx, e).into_response(),
    };
    let mut attention = Vec::new();
    if o.systems_without_assets > 0 {
        attention.push((o.systems_without_assets, "/systems".to_string(), t.s("overview.no_assets").to_string()));
    }
    if o.systems_without_contact > 0 {
        attention.push((o.systems_without_contact, "/systems".to_string(), t.s("overview.no_contact").to_string()));
    }
    if o.locked_users > 0 {
        attention.push((o.locked_users, "/users".to_string(), t.s("overview.locked").to_string()));
    }
    let page = OverviewPage {
        t,
        l: Layout::new(&ctx),
        scope_label: t
            .s(if ctx.principal.scope.is_all() { "overview.scope_all" } else { "overview.scope_some" })
            .to_string(),
        by_category: bars(t, Some("cat"), &o.systems_by_category),
        by_kind: bars(t, Some("kind"), &o.agencies_by_kind),
        by_owner: bars(t, None, &o.systems_by_owner),
        by_status: bars(t, Some("status"), &o.systems_by_status),
        o,
        attention,
    };
    render(StatusCode::OK, &page)
}
