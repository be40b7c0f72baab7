//! The JSON API under `/api/v1`. Lists answer `{"items": [...], "total": N, "next": CURSOR|null}`
//! and take `?limit=` (1–1000) and `?cursor=`. Errors are JSON with a message to act on.

mod accounts;
pub mod openapi;
mod registry;
pub mod vuln;

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::routing::{delete, get};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(accounts::me))
        .route("/agencies", get(registry::list_agencies).post(registry::create_agency))
        .route("/agencies/{id}", get(registry::get_agency).put(registry::update_agency))
        .route("/agencies/{id}/children", get(registry::agency_children))
        .route("/systems", get(registry::list_systems).post(registry::create_system))
        .route("/systems/{id}", get(registry::get_system).put(registry::update_system))
        .route("/systems/{id}/assets", get(registry::list_assets).post(registry::add_asset))
        .route("/assets/{id}", delete(registry::delete_asset))
        .route("/users", get(accounts::list_users).post(accounts::create_user))
        .route("/users/{id}", axum::routing::put(accounts::update_user))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/audit", get(accounts::audit))
        .route("/scans", axum::routing::post(vuln::upload_scan))
        .route("/findings", get(vuln::list_findings))
        .route("/findings/bulk", axum::routing::post(vuln::bulk_status))
        .route("/findings/{id}", get(vuln::get_finding))
        .route("/findings/{id}/status", axum::routing::post(vuln::set_status))
        .route("/findings/{id}/comments", axum::routing::post(vuln::add_comment))
        .route("/findings/{id}/assign", axum::routing::post(vuln::assign))
        .route("/settings/deadlines", get(vuln::get_deadlines).put(vuln::put_deadlines))
        .route("/openapi.json", get(openapi::document))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "no such API route; see /api/openapi.json")
}

/// `?limit=&cursor=` of list endpoints.
#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<khien_store::Page, ApiError> {
        let limit = match self.limit.as_deref() {
            None | Some("") => None,
            Some(l) => match l.parse::<i64>() {
                Ok(n) if (1..=khien_store::Page::MAX_LIMIT).contains(&n) => Some(n),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "limit must be a whole number from 1 to {}",
                        khien_store::Page::MAX_LIMIT
                    )));
                }
            },
        };
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(
                c.parse::<i64>()
                    .map_err(|_| ApiError::bad_request("cursor must be the 'next' value of the previous page"))?,
            ),
        };
        Ok(khien_store::Page::new(after, limit))
    }
}

/// Parse a path id or answer 404.
pub fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// A JSON body whose rejections are JSON errors with a clear message (413 for oversized
/// bodies, 415 for a wrong content type, 400/422 for malformed JSON).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(rej) => {
                let status = rej.status();
                let msg = match status {
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
                    axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                        "send the body as JSON with 'Content-Type: application/json'".to_string()
                    }
                    _ => format!("the JSON body is not valid: {}", rej.body_text()),
                };
                Err(ApiError::new(status, msg))
            }
        }
    }
}
