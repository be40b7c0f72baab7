//! The caller's own account: change password, and create or revoke personal API tokens.

use super::{CsrfForm, parse_id, store_err};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, render};
use crate::i18n::Tr;
use crate::views::{Field, Layout, fmt_time};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use khien_core::FieldError;
use khien_store::StoreError;
use serde::Deserialize;

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    l: Layout,
    flash: String,
    has_errors: bool,
    fields: Vec<Field>,
    tokens: Vec<TokenRow>,
    new_token: String,
}

async fn account_page(
    s: &AppState,
    ctx: &Ctx,
    errs: &[FieldError],
    flash: String,
    new_token: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let t = ctx.t;
    let fields = vec![
        Field::text(t, "current_password", "account.current", "").kind("password").errors(t, errs),
        Field::text(t, "password", "account.new", "").kind("password").hint(t, "users.password_hint").errors(t, errs),
    ];
    let tokens = s
        .store
        .tokens_list(&ctx.principal, false)
        .await
        .map_err(store_err(ctx))?
        .into_iter()
        .map(|k| TokenRow {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created: fmt_time(k.created_at),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    let mut l = Layout::new(ctx);
    if !errs.is_empty() || !flash.is_empty() {
        l.must_change_password = false;
    }
    let page = AccountPage { t, l, flash, has_errors: !errs.is_empty(), fields, tokens, new_token };
    Ok(render(status, &page))
}

pub async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    account_page(&s, &ctx, &[], String::new(), String::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
}

pub async fn change_password(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let uid = ctx.principal.user_id;
    match s.store.user_set_password(&ctx.principal, uid, Some(&f.current_password), &f.password).await {
        // Changing the password ends every session, this one included: log in again.
        Ok(()) => Ok(Redirect::to("/login?next=/account").into_response()),
        Err(StoreError::Invalid(errs)) => {
            account_page(&s, &ctx, &errs, String::new(), String::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    match s.store.token_create(&ctx.principal, &ctx.principal.username, &f.name).await {
        Ok((_, secret)) => account_page(&s, &ctx, &[], String::new(), secret, StatusCode::OK).await,
        Err(StoreError::Invalid(errs)) => {
            account_page(&s, &ctx, &errs, String::new(), String::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}

pub async fn revoke_token(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &id)?;
    s.store.token_revoke(&ctx.principal, id).await.map_err(store_err(&ctx))?;
    Ok(Redirect::to("/account#tokens").into_response())
}
