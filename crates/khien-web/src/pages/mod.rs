//! Server-rendered pages: routes, and the login, logout and language handlers. Each other
//! page lives in its own module.

mod account;
mod admin;
mod agencies;
mod import;
mod overview;
mod systems;
mod vulns;

use crate::AppState;
use crate::auth::{Ctx, LANG_COOKIE, SESSION_COOKIE, cookie, is_secure, lang_of, safe_next, set_cookie};
use crate::error::{PageError, render};
use crate::i18n::{Lang, Tr};
use crate::views::Layout;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use khien_store::StoreError;
use serde::Deserialize;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/agencies", get(agencies::tree).post(agencies::create))
        .route("/agencies/new", get(agencies::new_form))
        .route("/agencies/{id}", get(agencies::show).post(agencies::update))
        .route("/agencies/{id}/edit", get(agencies::edit_form))
        .route("/systems", get(systems::list).post(systems::create))
        .route("/systems/new", get(systems::new_form))
        .route("/systems/{id}", get(systems::show).post(systems::update))
        .route("/systems/{id}/edit", get(systems::edit_form))
        .route("/systems/{id}/assets", post(systems::add_asset))
        .route("/systems/{id}/assets/{asset}/delete", post(systems::delete_asset))
        .route("/users", get(admin::users).post(admin::create_user))
        .route("/users/new", get(admin::new_user))
        .route("/users/{id}/edit", get(admin::edit_user).post(admin::update_user))
        .route("/users/{id}/{action}", post(admin::set_disabled))
        .route("/audit", get(admin::audit))
        .route("/import", get(import::page).post(import::upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/vulns", get(vulns::dashboard))
        .route("/findings", get(vulns::list))
        .route("/findings/bulk", post(vulns::bulk))
        .route("/findings/export/{ext}", get(vulns::export))
        .route("/findings/{id}", get(vulns::show))
        .route("/findings/{id}/status", post(vulns::set_status))
        .route("/findings/{id}/comments", post(vulns::comment))
        .route("/findings/{id}/assign", post(vulns::assign))
        .route("/settings", get(vulns::settings).post(vulns::save_settings))
        .route("/scans/upload", get(vulns::upload_form).post(vulns::upload).layer(DefaultBodyLimit::disable()))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
}

/// A form that only carries the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

/// Parse a numeric path id, or show "not found".
pub fn parse_id(ctx: &Ctx, raw: &str) -> Result<i64, PageError> {
    raw.parse::<i64>().map_err(|_| PageError::not_found(ctx))
}

/// Map a store error to a page error.
pub fn store_err(ctx: &Ctx) -> impl Fn(StoreError) -> PageError + '_ {
    move |e| PageError::from_store(ctx, e)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    l: Layout,
    error: String,
    username: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn login_page(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let t = Tr { lang: lang_of(&headers) };
    let page = LoginPage {
        t,
        l: Layout::anonymous(t),
        error: String::new(),
        username: String::new(),
        next: safe_next(q.next.as_deref()),
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let t = Tr { lang: lang_of(&headers) };
    let fail = |error: String, status: StatusCode| {
        let page = LoginPage {
            t,
            l: Layout::anonymous(t),
            error,
            username: f.username.clone(),
            next: safe_next(Some(&f.next)),
        };
        render(status, &page)
    };
    match s.store.user_login(&f.username, &f.password).await {
        Ok(user) => match s.store.session_create(user.id).await {
            Ok((token, _csrf)) => {
                let cookie = set_cookie(SESSION_COOKIE, &token, None, true, is_secure(&s, &headers));
                let to = if user.must_change_password { "/account".to_string() } else { safe_next(Some(&f.next)) };
                ([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response()
            }
            Err(e) => crate::error::internal_page(t, e),
        },
        Err(StoreError::Locked { until }) => {
            let msg = format!("{} {}.", t.s("login.locked"), crate::views::fmt_time(until));
            fail(msg, StatusCode::TOO_MANY_REQUESTS)
        }
        Err(StoreError::BadCredentials) => fail(t.s("login.bad").to_string(), StatusCode::UNAUTHORIZED),
        Err(e) => crate::error::internal_page(t, e),
    }
}

async fn logout(State(s): State<AppState>, headers: HeaderMap, ctx: Ctx, Form(f): Form<CsrfForm>) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return e.into_response();
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = s.store.session_delete(token).await;
    }
    let clear = set_cookie(SESSION_COOKIE, "", Some(0), true, is_secure(&s, &headers));
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}

async fn set_lang(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = Lang::parse(&lang).unwrap_or(Lang::Vi);
    let c = set_cookie(LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), false, is_secure(&s, &headers));
    ([(header::SET_COOKIE, c)], Redirect::to(&safe_next(q.next.as_deref()))).into_response()
}
