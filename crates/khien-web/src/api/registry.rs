//! API handlers for agencies, systems and assets.

use super::{JsonBody, PageQuery, id};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use khien_core::{AgencyInput, AssetKind, SystemInput};
use khien_store::agencies::AgencyFilter;
use khien_store::systems::SystemFilter;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct AgencyQuery {
    q: Option<String>,
    parent_id: Option<i64>,
    kind: Option<String>,
    under: Option<i64>,
    #[serde(flatten)]
    page: PageQuery,
}

pub async fn list_agencies(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, ApiError> {
    let f = AgencyFilter { q: q.q, parent_id: q.parent_id, kind: q.kind, under: q.under };
    Ok(Json(s.store.agencies_list(&p.scope, &f, q.page.page()?).await?).into_response())
}

pub async fn get_agency(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let a = s.store.agency_get(&p.scope, id(&raw)?).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(a).into_response())
}

pub async fn agency_children(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let pid = id(&raw)?;
    s.store.agency_get(&p.scope, pid).await?.ok_or_else(ApiError::not_found)?;
    // Children are ordered by kind and name; the cursor is an offset.
    let page = q.page()?;
    let offset = page.after.unwrap_or(0);
    let (items, total) = s.store.agency_children(&p.scope, pid, offset, page.limit).await?;
    let end = offset + items.len() as i64;
    let next = (end < total).then(|| end.to_string());
    Ok(Json(json!({"items": items, "total": total, "next": next})).into_response())
}

pub async fn create_agency(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    JsonBody(input): JsonBody<AgencyInput>,
) -> Result<Response, ApiError> {
    let a = s.store.agency_create(&p, input).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

pub async fn update_agency(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    JsonBody(input): JsonBody<AgencyInput>,
) -> Result<Response, ApiError> {
    let a = s.store.agency_update(&p, id(&raw)?, input).await?;
    Ok(Json(a).into_response())
}

#[derive(Deserialize)]
pub struct SystemQuery {
    q: Option<String>,
    agency: Option<i64>,
    category: Option<String>,
    shared: Option<bool>,
    #[serde(flatten)]
    page: PageQuery,
}

pub async fn list_systems(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Query(q): Query<SystemQuery>,
) -> Result<Response, ApiError> {
    let f = SystemFilter { q: q.q, agency: q.agency, category: q.category, shared: q.shared };
    Ok(Json(s.store.systems_list(&p.scope, &f, q.page.page()?).await?).into_response())
}

pub async fn get_system(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let sid = id(&raw)?;
    let sys = s.store.system_get(&p.scope, sid).await?.ok_or_else(ApiError::not_found)?;
    let assets = s.store.assets_list(&p.scope, sid).await?;
    let users = s.store.system_users(&p.scope, sid).await?;
    let mut v = serde_json::to_value(&sys).map_err(|e| ApiError::bad_request(e.to_string()))?;
    v["assets"] = json!(assets);
    v["user_agencies"] = json!(users);
    Ok(Json(v).into_response())
}

pub async fn create_system(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    JsonBody(input): JsonBody<SystemInput>,
) -> Result<Response, ApiError> {
    let sys = s.store.system_create(&p, input).await?;
    Ok((StatusCode::CREATED, Json(sys)).into_response())
}

pub async fn update_system(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    JsonBody(input): JsonBody<SystemInput>,
) -> Result<Response, ApiError> {
    let sys = s.store.system_update(&p, id(&raw)?, input).await?;
    Ok(Json(sys).into_response())
}

pub async fn list_assets(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let items = s.store.assets_list(&p.scope, id(&raw)?).await?;
    let total = items.len();
    Ok(Json(json!({"items": items, "total": total, "next": null})).into_response())
}

#[derive(Deserialize)]
pub struct NewAsset {
    #[serde(default)]
    kind: Option<String>,
    value: String,
    #[serde(default)]
    note: String,
}

pub async fn add_asset(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    JsonBody(a): JsonBody<NewAsset>,
) -> Result<Response, ApiError> {
    let kind = match a.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(AssetKind::parse(k).ok_or_else(|| {
            ApiError::bad_request("kind must be one of ip, cidr, hostname, url (or omitted to detect it)")
        })?),
    };
    let asset = s.store.asset_add(&p, id(&raw)?, kind, &a.value, &a.note).await?;
    Ok((StatusCode::CREATED, Json(asset)).into_response())
}

pub async fn delete_asset(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    s.store.asset_delete(&p, id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
