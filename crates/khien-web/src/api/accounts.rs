//! API handlers for the caller, users, API tokens and the audit trail.

use super::{JsonBody, PageQuery, id};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use khien_core::Action;
use khien_store::audit::AuditFilter;
use khien_store::users::NewUser;
use serde::Deserialize;
use serde_json::json;

pub async fn me(ApiCaller(p): ApiCaller) -> Response {
    Json(p).into_response()
}

pub async fn list_users(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    if !p.can(Action::ManageUsers) {
        return Err(ApiError::forbidden("only province admins list accounts"));
    }
    Ok(Json(s.store.users_list(&p.scope, None, q.page()?).await?).into_response())
}

#[derive(Deserialize)]
pub struct NewUserBody {
    username: String,
    #[serde(default)]
    display_name: String,
    role: String,
    #[serde(default)]
    agencies: Vec<String>,
    password: String,
}

pub async fn create_user(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    JsonBody(b): JsonBody<NewUserBody>,
) -> Result<Response, ApiError> {
    let u = s
        .store
        .user_create(
            &p,
            NewUser {
                username: b.username,
                display_name: b.display_name,
                role: b.role,
                agency_codes: b.agencies,
                password: b.password,
                must_change_password: true,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(u)).into_response())
}

#[derive(Deserialize)]
pub struct UpdateUserBody {
    #[serde(default)]
    display_name: String,
    role: String,
    #[serde(default)]
    agencies: Vec<String>,
}

pub async fn update_user(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    JsonBody(b): JsonBody<UpdateUserBody>,
) -> Result<Response, ApiError> {
    let u = s.store.user_update(&p, id(&raw)?, &b.display_name, &b.role, &b.agencies).await?;
    Ok(Json(u).into_response())
}

pub async fn list_tokens(State(s): State<AppState>, ApiCaller(p): ApiCaller) -> Result<Response, ApiError> {
    let items = s.store.tokens_list(&p, p.can(Action::ManageUsers)).await?;
    let total = items.len();
    Ok(Json(json!({"items": items, "total": total, "next": null})).into_response())
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    JsonBody(b): JsonBody<NewToken>,
) -> Result<Response, ApiError> {
    let username = b.username.unwrap_or_else(|| p.username.clone());
    let (tok, secret) = s.store.token_create(&p, &username, &b.name).await?;
    let mut v = serde_json::to_value(&tok).map_err(|e| ApiError::bad_request(e.to_string()))?;
    v["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub async fn revoke_token(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    s.store.token_revoke(&p, id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct AuditQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    actor: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

pub async fn audit(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    if !p.can(Action::ReadAudit) {
        return Err(ApiError::forbidden("only admins and inspectors read the audit trail"));
    }
    let f = AuditFilter { entity: q.entity, entity_id: q.entity_id, actor: q.actor };
    Ok(Json(s.store.audit_list(&f, q.page.page()?).await?).into_response())
}
