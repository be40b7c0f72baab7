//! API handlers for vulnerability management: pushing a scanner report (`POST /scans`),
//! listing, reading and changing findings, comments, assignment and bulk transitions.

use super::{JsonBody, id};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use khien_core::vuln::{FindingStatus, Severity, Transition};
use khien_store::findings::FindingFilter;
use khien_store::scan_import::{ImportTarget, ScanFileError};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::io::AsyncWriteExt;

#[derive(Deserialize, Default)]
pub struct ScanQuery {
    format: Option<String>,
    /// A system code; without it findings attach by assets.
    system: Option<String>,
    /// The file name to record (defaults to "upload").
    name: Option<String>,
}

/// Stream a request body into a temporary file, refusing more than `limit` bytes.
pub async fn spool(body: Body, limit: u64) -> Result<tempfile::NamedTempFile, ApiError> {
    use http_body_util::BodyExt;
    let tmp = tempfile::NamedTempFile::new().map_err(internal)?;
    let mut file = tokio::fs::File::from_std(tmp.reopen().map_err(internal)?);
    let mut body = body;
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::bad_request(format!("the upload was interrupted: {e}")))?;
        let Ok(chunk) = frame.into_data() else { continue };
        total += chunk.len() as u64;
        if total > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the report is larger than the server's limit of {} MiB", limit >> 20),
            ));
        }
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    Ok(tmp)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "upload spool");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "cannot store the upload on the server; try again later")
}

/// Resolve `?system=CODE` for the caller.
pub async fn import_target(
    s: &AppState,
    scope: &khien_core::Scope,
    code: Option<&str>,
) -> Result<ImportTarget, ApiError> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(ImportTarget::Auto),
        Some(code) => match s.store.system_id_by_code(scope, code).await? {
            Some(id) => Ok(ImportTarget::System(id)),
            None => Err(ApiError::new(StatusCode::NOT_FOUND, format!("no system with code {code:?} that you may see"))),
        },
    }
}

/// Map an import failure to an API error.
pub fn import_error(e: ScanFileError) -> ApiError {
    match e {
        ScanFileError::Parse(p) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the report cannot be read: {p}. Nothing was imported."),
        ),
        ScanFileError::Store(s) => s.into(),
    }
}

pub async fn upload_scan(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Query(q): Query<ScanQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    if !p.can(khien_core::Action::ImportScans) {
        return Err(ApiError::forbidden("your role may not import scanner reports"));
    }
    let format = match q.format.as_deref().filter(|f| !f.is_empty()) {
        Some(f) => Some(khien_vuln::Format::parse(f).map_err(ApiError::bad_request)?),
        None => None,
    };
    let target = import_target(&s, &p.scope, q.system.as_deref()).await?;
    let tmp = spool(body, s.config.scan_upload_limit).await?;
    let name = q.name.unwrap_or_else(|| "upload".into());
    let summary = s
        .store
        .scan_import_file(&p, tmp.path(), &name, format, target, Arc::new(AtomicU64::new(0)))
        .await
        .map_err(import_error)?;
    Ok(Json(json!({
        "file": summary.file, "format": summary.format, "parsed": summary.parsed, "new": summary.new,
        "updated": summary.updated, "reopened": summary.reopened, "fixed": summary.fixed,
        "unchanged": summary.unchanged, "unassigned": summary.unassigned,
        "scan_id": if summary.scan_id > 0 { Some(summary.scan_id) } else { None },
    }))
    .into_response())
}

/// Filters shared by the list, the export and bulk changes.
#[derive(Deserialize, Default, Clone)]
pub struct FindingQuery {
    /// System code (or numeric id).
    pub system: Option<String>,
    /// One severity or several separated by commas.
    pub severity: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub overdue: Option<String>,
    pub kev: Option<String>,
    pub unassigned: Option<String>,
    pub agency: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "true" | "on" | "yes"))
}

impl FindingQuery {
    /// The store filter, with the system code resolved in the caller's scope.
    pub async fn filter(&self, s: &AppState, scope: &khien_core::Scope) -> Result<FindingFilter, String> {
        let mut f = FindingFilter {
            status: self.status.clone().filter(|x| !x.is_empty()),
            q: self.q.clone().unwrap_or_default(),
            overdue: flag(&self.overdue),
            kev: flag(&self.kev),
            unassigned: flag(&self.unassigned),
            agency_id: self.agency.as_deref().and_then(|a| a.parse().ok()),
            ..Default::default()
        };
        if let Some(sev) = self.severity.as_deref().filter(|x| !x.is_empty()) {
            for part in sev.split(',') {
                f.severities
                    .push(Severity::parse(part).ok_or_else(|| {
                        format!("unknown severity {part:?}; use critical, high, medium, low or info")
                    })?);
            }
        }
        if let Some(st) = &f.status
            && st != "active"
            && st != "all"
            && FindingStatus::parse(st).is_none()
        {
            return Err(format!(
                "unknown status {st:?}; use open, in_remediation, fixed, verified, accepted, false_positive or active"
            ));
        }
        if let Some(code) = self.system.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
            let id = match s.store.system_id_by_code(scope, code).await.map_err(|e| e.to_string())? {
                Some(id) => id,
                // An unknown or invisible system matches nothing (never an error that would
                // reveal whether it exists).
                None => code.parse::<i64>().unwrap_or(-1),
            };
            f.system_id = Some(id);
        }
        Ok(f)
    }
}

pub async fn list_findings(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Query(q): Query<FindingQuery>,
) -> Result<Response, ApiError> {
    let f = q.filter(&s, &p.scope).await.map_err(ApiError::bad_request)?;
    let limit = match q.limit.as_deref() {
        None | Some("") => 100,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be a whole number from 1 to 1000"))?,
    };
    let page = s.store.findings_list(&p.scope, &f, q.cursor.as_deref().filter(|c| !c.is_empty()), limit).await?;
    let items: Vec<_> = page.items.iter().map(finding_json).collect();
    Ok(Json(json!({"items": items, "total": page.total, "next": page.next})).into_response())
}

/// The JSON of a finding in lists.
pub fn finding_json(f: &khien_store::findings::FindingRow) -> serde_json::Value {
    let now = khien_store::now();
    json!({
        "id": f.id, "system_id": f.system_id, "system_code": f.system_code, "system_name": f.system_name,
        "title": f.title, "severity": f.severity().as_str(), "cvss_score": f.cvss_score,
        "cves": f.cve_list(), "rule_id": f.rule_id, "scanner": f.scanner, "target": f.target, "host": f.host,
        "ip": f.ip, "port": f.port, "protocol": f.protocol, "url": f.url, "location": f.location,
        "component": f.component, "status": f.status, "regression": f.regression, "kev": f.kev, "epss": f.epss,
        "first_seen": f.first_seen, "last_seen": f.last_seen, "due_at": f.due_at, "overdue": f.overdue(now),
        "fixed_at": f.fixed_at,
    })
}

pub async fn get_finding(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let d = s.store.finding_get(&p.scope, id(&raw)?).await?.ok_or_else(ApiError::not_found)?;
    let mut v = finding_json(&d.row);
    v["cvss_vector"] = json!(d.text.cvss_vector);
    v["cwes"] = json!(d.text.cwes.split_whitespace().filter_map(|c| c.parse::<u32>().ok()).collect::<Vec<_>>());
    v["description"] = json!(d.text.description);
    v["solution"] = json!(d.text.solution);
    v["references"] = json!(d.text.refs.lines().collect::<Vec<_>>());
    v["evidence"] = json!(d.text.evidence);
    v["fixed_version"] = json!(d.text.fixed_version);
    v["status_reason"] = json!(d.text.status_reason);
    v["status_by"] = json!(d.text.status_by);
    v["accepted_until"] = json!(d.text.accepted_until);
    v["history"] = json!(d.events);
    v["kev_entries"] = json!(d.kev);
    Ok(Json(v).into_response())
}

/// A requested status change.
#[derive(Deserialize)]
pub struct StatusInput {
    status: String,
    #[serde(default)]
    reason: String,
    /// Accepted-risk expiry: `YYYY-MM-DD` or Unix seconds.
    #[serde(default)]
    until: Option<serde_json::Value>,
}

/// Parse `YYYY-MM-DD` (end of that day, UTC) or Unix seconds.
pub fn parse_until(v: &str) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(n) = v.parse::<i64>() {
        return Some(n);
    }
    let mut parts = v.splitn(3, '-').map(|p| p.parse::<i32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() + 86_399)
}

impl StatusInput {
    fn transition(&self) -> Result<Transition, ApiError> {
        let to = FindingStatus::parse(&self.status).ok_or_else(|| {
            ApiError::bad_request(
                "status must be one of open, in_remediation, fixed, verified, accepted, false_positive",
            )
        })?;
        let until = match &self.until {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => Some(
                parse_until(s)
                    .ok_or_else(|| ApiError::bad_request("until must be a date YYYY-MM-DD or Unix seconds"))?,
            ),
            Some(_) => return Err(ApiError::bad_request("until must be a date YYYY-MM-DD or Unix seconds")),
        };
        Ok(Transition { to, reason: self.reason.clone(), until })
    }
}

pub async fn set_status(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    JsonBody(input): JsonBody<StatusInput>,
) -> Result<Response, ApiError> {
    let t = input.transition()?;
    let row = s.store.finding_transition(&p, id(&raw)?, &t).await?;
    Ok(Json(finding_json(&row)).into_response())
}

#[derive(Deserialize)]
pub struct BulkInput {
    #[serde(flatten)]
    change: StatusInput,
    #[serde(default)]
    filter: FindingQuery,
}

pub async fn bulk_status(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    JsonBody(input): JsonBody<BulkInput>,
) -> Result<Response, ApiError> {
    let t = input.change.transition()?;
    let f = input.filter.filter(&s, &p.scope).await.map_err(ApiError::bad_request)?;
    let n = s.store.findings_bulk_transition(&p, &f, &t).await.map_err(|e| match e {
        khien_store::StoreError::Other(m) => ApiError::bad_request(m),
        other => other.into(),
    })?;
    Ok(Json(json!({"changed": n})).into_response())
}

#[derive(Deserialize)]
pub struct CommentInput {
    text: String,
}

pub async fn add_comment(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    JsonBody(input): JsonBody<CommentInput>,
) -> Result<Response, ApiError> {
    s.store.finding_comment(&p, id(&raw)?, &input.text).await?;
    Ok(StatusCode::CREATED.into_response())
}

#[derive(Deserialize)]
pub struct AssignInput {
    /// The code of the system that owns the finding's target.
    system: String,
}

pub async fn assign(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(raw): Path<String>,
    JsonBody(input): JsonBody<AssignInput>,
) -> Result<Response, ApiError> {
    let sid = s.store.system_id_by_code(&p.scope, &input.system).await?.ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("no system with code {:?}", input.system))
    })?;
    let moved = s.store.finding_assign(&p, id(&raw)?, sid).await?;
    Ok(Json(json!({"moved": moved})).into_response())
}

pub async fn get_deadlines(State(s): State<AppState>, ApiCaller(_p): ApiCaller) -> Result<Response, ApiError> {
    Ok(Json(s.store.deadline_policy().await?).into_response())
}

pub async fn put_deadlines(
    State(s): State<AppState>,
    ApiCaller(p): ApiCaller,
    JsonBody(policy): JsonBody<khien_core::vuln::DeadlinePolicy>,
) -> Result<Response, ApiError> {
    s.store.deadline_policy_set(&p, policy).await?;
    Ok(Json(s.store.deadline_policy().await?).into_response())
}
