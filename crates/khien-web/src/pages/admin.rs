//! Administration pages: user accounts (list, create, disable/enable) for province admins,
//! and the audit trail for admins and inspectors.

use super::agencies::FormPage;
use super::{CsrfForm, parse_id, store_err};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, render};
use crate::i18n::Tr;
use crate::views::{Field, Layout, fmt_opt_time, fmt_time};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use khien_core::{Action, FieldError, Role};
use khien_store::audit::AuditFilter;
use khien_store::users::NewUser;
use khien_store::{Page, StoreError};
use serde::Deserialize;

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope: String,
    pub status: String,
    pub disabled: bool,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    t: Tr,
    l: Layout,
    rows: Vec<UserRow>,
    me: i64,
}

pub async fn users(State(s): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.principal.can(Action::ManageUsers) {
        return Err(PageError::forbidden(&ctx));
    }
    let t = ctx.t;
    let now = khien_store::now();
    let list =
        s.store.users_list(&ctx.principal.scope, None, Page::new(None, Some(1000))).await.map_err(store_err(&ctx))?;
    let rows = list
        .items
        .into_iter()
        .map(|u| {
            let status = if u.user.disabled {
                t.s("users.disabled").to_string()
            } else if let Some(until) = u.user.locked_until.filter(|x| *x > now) {
                format!("{} {}", t.s("users.locked"), fmt_time(until))
            } else {
                t.s("users.active").to_string()
            };
            UserRow {
                id: u.user.id,
                role: t.label("role", &u.user.role),
                scope: if u.agencies.is_empty() {
                    t.s("overview.scope_all").to_string()
                } else {
                    u.agencies.join(", ")
                },
                status,
                disabled: u.user.disabled,
                last_login: fmt_opt_time(u.user.last_login_at),
                username: u.user.username,
                display_name: u.user.display_name,
            }
        })
        .collect();
    Ok(render(StatusCode::OK, &UsersPage { t, l: Layout::new(&ctx), rows, me: ctx.principal.user_id }))
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    password: String,
}

/// Agency codes typed as "A, B; C".
fn split_codes(s: &str) -> Vec<String> {
    s.split([',', ';', ' ']).map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
}

fn user_form(ctx: &Ctx, f: &UserForm, errs: &[FieldError], status: StatusCode) -> Response {
    let t = ctx.t;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let fields = vec![
        Field::text(t, "username", "users.username", &f.username).required().errors(t, errs),
        Field::text(t, "display_name", "users.display_name", &f.display_name).errors(t, errs),
        Field::select(t, "role", "users.role", &f.role, "role", &roles).errors(t, errs),
        Field::text(t, "agency", "users.agency", &f.agency).hint(t, "users.agency_hint").errors(t, errs),
        Field::text(t, "password", "users.password", "")
            .kind("password")
            .required()
            .hint(t, "users.password_hint")
            .errors(t, errs),
    ];
    let page = FormPage {
        t,
        l: Layout::new(ctx),
        title: t.s("users.new").to_string(),
        form_id: "user-form",
        action: "/users".into(),
        back: "/users".into(),
        has_errors: !errs.is_empty(),
        fields,
        datalist: vec![],
    };
    render(status, &page)
}

pub async fn new_user(ctx: Ctx) -> Response {
    if !ctx.principal.can(Action::ManageUsers) {
        return PageError::forbidden(&ctx).into_response();
    }
    user_form(&ctx, &UserForm { role: "officer".into(), ..Default::default() }, &[], StatusCode::OK)
}

pub async fn create_user(State(s): State<AppState>, ctx: Ctx, Form(f): Form<UserForm>) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let agency_codes = split_codes(&f.agency);
    let nu = NewUser {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        agency_codes,
        password: f.password.clone(),
        must_change_password: true,
    };
    match s.store.user_create(&ctx.principal, nu).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(StoreError::Invalid(errs)) => Ok(user_form(&ctx, &f, &errs, StatusCode::UNPROCESSABLE_ENTITY)),
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}

fn edit_user_form(
    ctx: &Ctx,
    id: i64,
    username: &str,
    f: &UserForm,
    errs: &[FieldError],
    status: StatusCode,
) -> Response {
    let t = ctx.t;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let fields = vec![
        Field::text(t, "display_name", "users.display_name", &f.display_name).errors(t, errs),
        Field::select(t, "role", "users.role", &f.role, "role", &roles).errors(t, errs),
        Field::text(t, "agency", "users.agency", &f.agency).hint(t, "users.agency_hint").errors(t, errs),
        Field::text(t, "password", "users.reset_password", "")
            .kind("password")
            .hint(t, "users.reset_hint")
            .errors(t, errs),
    ];
    let page = FormPage {
        t,
        l: Layout::new(ctx),
        title: format!("{} · {username}", t.s("users.edit")),
        form_id: "user-edit-form",
        action: format!("/users/{id}/edit"),
        back: "/users".into(),
        has_errors: !errs.is_empty(),
        fields,
        datalist: vec![],
    };
    render(status, &page)
}

pub async fn edit_user(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    if !ctx.principal.can(Action::ManageUsers) {
        return Err(PageError::forbidden(&ctx));
    }
    let id = parse_id(&ctx, &id)?;
    let u = s.store.user_by_id(id).await.map_err(store_err(&ctx))?.ok_or_else(|| PageError::not_found(&ctx))?;
    let codes = s.store.user_agency_codes(id).await.map_err(store_err(&ctx))?;
    let f = UserForm { display_name: u.display_name, role: u.role, agency: codes.join(", "), ..Default::default() };
    Ok(edit_user_form(&ctx, id, &u.username, &f, &[], StatusCode::OK))
}

pub async fn update_user(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    if !ctx.principal.can(Action::ManageUsers) {
        return Err(PageError::forbidden(&ctx));
    }
    let id = parse_id(&ctx, &id)?;
    let u = s.store.user_by_id(id).await.map_err(store_err(&ctx))?.ok_or_else(|| PageError::not_found(&ctx))?;
    let codes = split_codes(&f.agency);
    // Check the new password first, so that a bad one leaves everything unchanged.
    if !f.password.is_empty()
        && let Err(e) = khien_store::users::check_password(&f.password)
    {
        return Ok(edit_user_form(&ctx, id, &u.username, &f, &[e], StatusCode::UNPROCESSABLE_ENTITY));
    }
    match s.store.user_update(&ctx.principal, id, &f.display_name, &f.role, &codes).await {
        Ok(_) => {}
        Err(StoreError::Invalid(errs)) => {
            return Ok(edit_user_form(&ctx, id, &u.username, &f, &errs, StatusCode::UNPROCESSABLE_ENTITY));
        }
        Err(e) => return Err(PageError::from_store(&ctx, e)),
    }
    if !f.password.is_empty() {
        s.store.user_set_password(&ctx.principal, id, None, &f.password).await.map_err(store_err(&ctx))?;
    }
    Ok(Redirect::to("/users").into_response())
}

pub async fn set_disabled(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &id)?;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(PageError::not_found(&ctx)),
    };
    s.store.user_set_disabled(&ctx.principal, id, disabled).await.map_err(store_err(&ctx))?;
    Ok(Redirect::to("/users").into_response())
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub summary: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Tr,
    l: Layout,
    rows: Vec<AuditRow>,
    total: i64,
    next: String,
    verify_ok: bool,
    checked: u64,
    break_seq: i64,
    break_reason: String,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    after: Option<i64>,
    entity: Option<String>,
    id: Option<String>,
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| json.to_string())
}

pub async fn audit(State(s): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Result<Response, PageError> {
    if !ctx.principal.can(Action::ReadAudit) {
        return Err(PageError::forbidden(&ctx));
    }
    let f = AuditFilter { entity: q.entity.clone(), entity_id: q.id.clone(), actor: None };
    let list = s.store.audit_list(&f, Page::new(q.after, Some(100))).await.map_err(store_err(&ctx))?;
    let report = s.store.audit_verify().await.map_err(store_err(&ctx))?;
    let rows = list
        .items
        .into_iter()
        .map(|e| AuditRow {
            summary: format!(
                "{} → {}",
                if e.before_json.is_empty() { "∅" } else { "…" },
                if e.after_json.is_empty() { "∅" } else { "…" }
            ),
            before: pretty(&e.before_json),
            after: pretty(&e.after_json),
            seq: e.seq,
            at: fmt_time(e.at),
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
        })
        .collect();
    let page = AuditPage {
        t: ctx.t,
        l: Layout::new(&ctx),
        rows,
        total: list.total,
        next: list.next.map(|n| format!("/audit?after={n}")).unwrap_or_default(),
        verify_ok: report.first_break.is_none(),
        checked: report.checked,
        break_seq: report.first_break.as_ref().map(|b| b.seq).unwrap_or(0),
        break_reason: report.first_break.map(|b| b.reason).unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &page))
}
