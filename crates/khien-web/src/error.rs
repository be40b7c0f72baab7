//! Errors as users see them: JSON for the API (`{"error": {"status", "message", "fields"}}`)
//! and an HTML page for browsers, each with a message the user can act on.

use crate::auth::Ctx;
use crate::i18n::{Lang, Tr};
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use khien_core::FieldError;
use khien_store::StoreError;
use serde_json::json;

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), fields: vec![] }
    }
    pub fn unauthorized(m: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, m)
    }
    pub fn forbidden(m: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, m)
    }
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not found, or outside the agencies you may see")
    }
    pub fn bad_request(m: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, m)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden => ApiError::forbidden("your role does not allow this action"),
            StoreError::Invalid(fields) => {
                let summary =
                    fields.iter().map(|f| format!("{}: {}", f.field, f.problem.en())).collect::<Vec<_>>().join("; ");
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: format!("invalid input — {summary}"),
                    fields,
                }
            }
            StoreError::Locked { until } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, format!("account locked until {until}"))
            }
            StoreError::BadCredentials => ApiError::unauthorized("wrong user name or password"),
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; the administrator can find details in the server log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let fields: Vec<_> = self
            .fields
            .iter()
            .map(|f| json!({"field": f.field, "problem": f.problem, "message": f.problem.en(), "message_vi": f.problem.vi()}))
            .collect();
        (
            self.status,
            Json(json!({"error": {"status": self.status.as_u16(), "message": self.message, "fields": fields}})),
        )
            .into_response()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: Tr,
    l: crate::views::Layout,
    title: &'a str,
    text: &'a str,
}

/// An error shown as a page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title_key: &'static str,
    pub text_key: &'static str,
    pub t: Tr,
    pub layout: Option<Box<crate::views::Layout>>,
}

impl PageError {
    pub fn not_found(ctx: &Ctx) -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            title_key: "common.not_found",
            text_key: "common.not_found_text",
            t: ctx.t,
            layout: Some(Box::new(crate::views::Layout::new(ctx))),
        }
    }
    pub fn forbidden(ctx: &Ctx) -> PageError {
        PageError {
            status: StatusCode::FORBIDDEN,
            title_key: "common.forbidden",
            text_key: "common.forbidden",
            t: ctx.t,
            layout: Some(Box::new(crate::views::Layout::new(ctx))),
        }
    }
    pub fn csrf(ctx: &Ctx) -> PageError {
        PageError {
            status: StatusCode::FORBIDDEN,
            title_key: "common.error",
            text_key: "common.csrf",
            t: ctx.t,
            layout: Some(Box::new(crate::views::Layout::new(ctx))),
        }
    }
    pub fn from_store(ctx: &Ctx, e: StoreError) -> PageError {
        match e {
            StoreError::NotFound => PageError::not_found(ctx),
            StoreError::Forbidden => PageError::forbidden(ctx),
            other => {
                tracing::error!(error = %other, "store error on a page");
                PageError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    title_key: "common.error",
                    text_key: "common.error_text",
                    t: ctx.t,
                    layout: Some(Box::new(crate::views::Layout::new(ctx))),
                }
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let l = self.layout.map(|b| *b).unwrap_or_else(|| crate::views::Layout::anonymous(self.t));
        let page = ErrorPage { t: self.t, l, title: self.t.s(self.title_key), text: self.t.s(self.text_key) };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.t.s(self.title_key).to_string()).into_response(),
        }
    }
}

/// A 500 page for failures before a [`Ctx`] exists.
pub fn internal_page(t: Tr, e: StoreError) -> Response {
    tracing::error!(error = %e, "store error while authenticating");
    PageError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        title_key: "common.error",
        text_key: "common.error_text",
        t,
        layout: None,
    }
    .into_response()
}

/// Render a template into a response (500 page if rendering fails).
pub fn render<T: Template>(status: StatusCode, tpl: &T) -> Response {
    match tpl.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Tr { lang: Lang::Vi }.s("common.error").to_string()).into_response()
        }
    }
}

/// Middleware: a page request whose body was refused before a handler ran (too large: 413;
/// not a form: 415) gets a page in the user's language instead of the framework's plain text.
/// API routes already answer JSON.
pub async fn friendly_body_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let t = Tr { lang: crate::auth::lang_of(req.headers()) };
    let resp = next.run(req).await;
    let status = resp.status();
    let plain = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if is_api || !plain || !matches!(status.as_u16(), 413 | 415 | 400 | 422) {
        return resp;
    }
    let key = if status == StatusCode::PAYLOAD_TOO_LARGE { "common.too_large" } else { "common.bad_form" };
    PageError { status, title_key: "common.error", text_key: key, t, layout: None }.into_response()
}
