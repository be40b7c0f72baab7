//! Who is calling: session cookies for people (with a CSRF token per session), bearer API
//! tokens for machines, and the language cookie. Extractors turn a request into a
//! [`khien_core::Principal`] or reject it (a redirect to the login page, or JSON 401).

use crate::AppState;
use crate::error::ApiError;
use crate::i18n::{Lang, Tr};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use khien_core::Principal;

pub const SESSION_COOKIE: &str = "khien_session";
pub const LANG_COOKIE: &str = "lang";

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language the caller chose (cookie), Vietnamese by default.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).and_then(Lang::parse).unwrap_or(Lang::Vi)
}

/// True when cookies should carry `Secure` for this request.
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value with the project's flags.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, http_only: bool, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// A logged-in person on a page: principal, CSRF token and language.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Principal,
    pub csrf: String,
    pub t: Tr,
    /// Path and query of the request (for "come back here" links).
    pub uri: String,
    pub must_change_password: bool,
}

impl Ctx {
    /// Reject a state-changing form whose `_csrf` does not match the session's token.
    pub fn check_csrf(&self, token: &str) -> Result<(), crate::error::PageError> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(crate::error::PageError::csrf(self))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Rejection of [`Ctx`]: go to the login page and come back.
pub struct LoginRedirect(String);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        let next = urlencode(&self.0);
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

/// Minimal percent-encoding for a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only local paths are accepted as "next" targets (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let uri = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let t = Tr { lang: lang_of(&parts.headers) };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(LoginRedirect(uri).into_response());
        };
        let (principal, csrf, must_change_password) = match state.sessions.session(&state.store, token).await {
            Ok(Some(x)) => (x.principal, x.csrf, x.must_change_password),
            Ok(None) => return Err(LoginRedirect(uri).into_response()),
            Err(e) => return Err(crate::error::internal_page(t, e)),
        };
        Ok(Ctx { principal, csrf, t, uri, must_change_password })
    }
}

/// An API caller: a bearer token, or a browser session (which must send `X-CSRF-Token` on
/// state-changing requests).
#[derive(Debug, Clone)]
pub struct ApiCaller(pub Principal);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let auth = auth.to_str().unwrap_or_default();
            let Some(tok) = auth.strip_prefix("Bearer ").map(str::trim) else {
                return Err(ApiError::unauthorized(
                    "use 'Authorization: Bearer TOKEN' with a token from 'khien token create'",
                ));
            };
            return match state.store.principal_for_token(tok).await? {
                Some(p) => Ok(ApiCaller(p)),
                None => Err(ApiError::unauthorized("the API token is unknown or revoked")),
            };
        }
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some(session) = state.sessions.session(&state.store, token).await?
        {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !safe && !constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
                return Err(ApiError::forbidden(
                    "missing or wrong X-CSRF-Token header for a session-authenticated request",
                ));
            }
            return Ok(ApiCaller(session.principal));
        }
        Err(ApiError::unauthorized("authentication required: send 'Authorization: Bearer TOKEN'"))
    }
}
