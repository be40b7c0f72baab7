//! Vulnerability pages: the dashboard (the province table of systems × open findings by
//! severity, totals, trend chart), the filtered findings list with bulk actions and CSV/XLSX
//! export, a finding's page (why it is urgent, what to do, status, comments, history,
//! assignment), and the scanner-report upload.

use super::{parse_id, store_err};
use crate::AppState;
use crate::api::vuln::{FindingQuery, import_error, import_target, parse_until};
use crate::auth::{Ctx, urlencode};
use crate::charts;
use crate::error::{PageError, render};
use crate::i18n::Tr;
use crate::views::{Layout, Opt, fmt_time};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use khien_core::Action;
use khien_core::vuln::{FindingStatus, Severity, Transition};
use khien_store::findings::{FindingDetail, FindingRow, SystemVulnRow, VulnDashboard};
use serde::Deserialize;

/// A finding as a table row.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub system: String,
    pub system_id: i64,
    pub target: String,
    pub status_label: &'static str,
    pub due: String,
    pub overdue: bool,
    pub kev: bool,
    pub regression: bool,
    pub cves: String,
}

impl Row {
    fn of(t: Tr, f: &FindingRow, now: i64) -> Row {
        let sev = f.severity();
        let st = f.status();
        let port = f.port.map(|p| format!(":{p}")).unwrap_or_default();
        Row {
            id: f.id,
            title: f.title.clone(),
            severity: sev.as_str(),
            severity_label: sev.label(t.code()),
            system: f.system_name.clone().unwrap_or_else(|| t.s("vulns.unassigned").to_string()),
            system_id: f.system_id.unwrap_or(0),
            target: if f.url.is_empty() { format!("{}{port}", f.target) } else { f.url.clone() },
            status_label: st.label(t.code()),
            due: f.due_at.map(|d| fmt_time(d).chars().take(10).collect()).unwrap_or_default(),
            overdue: f.overdue(now),
            kev: f.kev,
            regression: f.regression,
            cves: f.cve_list().iter().take(3).copied().collect::<Vec<_>>().join(" "),
        }
    }
}

#[derive(Template)]
#[template(path = "vulns.html")]
struct DashboardPage {
    t: Tr,
    l: Layout,
    d: VulnDashboard,
    active: i64,
    trend_svg: String,
    bars_svg: String,
    can_upload: bool,
    /// Each system's line and its last-seen time, formatted.
    rows: Vec<(SystemVulnRow, String)>,
    scans: Vec<(khien_store::findings::ScanRow, String)>,
}

pub async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let t = ctx.t;
    let now = khien_store::now();
    let d = s.store.vuln_dashboard(&ctx.principal.scope, now, 12).await.map_err(store_err(&ctx))?;
    let sev: Vec<_> =
        Severity::DESC.iter().zip(d.by_severity).map(|(s, n)| (s.as_str(), s.label(t.code()), n)).collect();
    let active = d.by_severity.iter().sum();
    let trend_svg = charts::line(
        &d.trend.iter().map(|(at, n)| (fmt_time(*at).chars().take(10).collect(), *n)).collect::<Vec<_>>(),
        t.s("vulns.trend_label"),
    );
    let bars_svg = charts::severity_bars(&sev.iter().map(|(k, label, n)| (*k, *label, *n)).collect::<Vec<_>>());
    let rows = d.systems.iter().map(|r| (r.clone(), r.last_seen.map(fmt_time).unwrap_or_default())).collect();
    let scans = d.recent_scans.iter().map(|r| (r.clone(), fmt_time(r.imported_at))).collect();
    let page = DashboardPage {
        t,
        l: Layout::new(&ctx),
        active,
        trend_svg,
        bars_svg,
        can_upload: ctx.principal.can(Action::ImportScans),
        rows,
        scans,
        d,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "findings.html")]
struct ListPage {
    t: Tr,
    l: Layout,
    rows: Vec<Row>,
    total: i64,
    next: String,
    q: String,
    severity_opts: Vec<Opt>,
    status_opts: Vec<Opt>,
    system: String,
    overdue: bool,
    kev: bool,
    unassigned: bool,
    query: String,
    bulk_opts: Vec<Opt>,
    flash: String,
    error: String,
}

/// The query string of a filter (for export and "next page" links).
fn query_string(q: &FindingQuery) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("system", &q.system),
        ("severity", &q.severity),
        ("status", &q.status),
        ("q", &q.q),
        ("overdue", &q.overdue),
        ("kev", &q.kev),
        ("unassigned", &q.unassigned),
        ("agency", &q.agency),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    }
    parts.join("&")
}

fn status_opts(t: Tr, current: &str) -> Vec<Opt> {
    let mut v =
        vec![Opt { value: "active".into(), label: t.s("vulns.status_active").into(), selected: current == "active" }];
    v.push(Opt { value: "all".into(), label: t.s("common.all").into(), selected: current == "all" });
    for s in FindingStatus::ALL {
        v.push(Opt { value: s.as_str().into(), label: s.label(t.code()).into(), selected: current == s.as_str() });
    }
    v
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    f: FindingQuery,
    after: Option<String>,
    flash: Option<String>,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(mut p): Query<ListParams>) -> Result<Response, PageError> {
    if p.f.status.is_none() {
        p.f.status = Some("active".into());
    }
    list_page(
        &s,
        &ctx,
        &p.f,
        p.after.as_deref(),
        p.flash.as_deref().map(|f| ctx.t.s(f).to_string()).unwrap_or_default(),
        String::new(),
    )
    .await
}

async fn list_page(
    s: &AppState,
    ctx: &Ctx,
    fq: &FindingQuery,
    after: Option<&str>,
    flash: String,
    error: String,
) -> Result<Response, PageError> {
    let t = ctx.t;
    let now = khien_store::now();
    let filter = match fq.filter(s, &ctx.principal.scope).await {
        Ok(f) => f,
        Err(_) => khien_store::findings::FindingFilter { status: Some("active".into()), ..Default::default() },
    };
    let page = match s.store.findings_list(&ctx.principal.scope, &filter, after, 100).await {
        Ok(p) => p,
        Err(khien_store::StoreError::Invalid(_)) => {
            s.store.findings_list(&ctx.principal.scope, &filter, None, 100).await.map_err(store_err(ctx))?
        }
        Err(e) => return Err(store_err(ctx)(e)),
    };
    let query = query_string(fq);
    let next = page.next.map(|n| format!("/findings?{query}&after={n}")).unwrap_or_default();
    let sev = fq.severity.clone().unwrap_or_default();
    let severity_opts = Severity::DESC
        .iter()
        .map(|s| Opt { value: s.as_str().into(), label: s.label(t.code()).into(), selected: sev == s.as_str() })
        .collect();
    let role = ctx.principal.role;
    let bulk_opts = FindingStatus::ALL
        .iter()
        .filter(|to| {
            let tr = Transition { to: **to, reason: "x".into(), until: Some(now + 86_400) };
            [FindingStatus::Open, FindingStatus::InRemediation, FindingStatus::Fixed]
                .iter()
                .any(|from| khien_core::vuln::lifecycle::check(role, *from, &tr, now).is_ok())
        })
        .map(|s| Opt { value: s.as_str().into(), label: s.label(t.code()).into(), selected: false })
        .collect();
    let pg = ListPage {
        t,
        l: Layout::new(ctx),
        rows: page.items.iter().map(|f| Row::of(t, f, now)).collect(),
        total: page.total,
        next,
        q: fq.q.clone().unwrap_or_default(),
        severity_opts,
        status_opts: status_opts(t, fq.status.as_deref().unwrap_or("active")),
        system: fq.system.clone().unwrap_or_default(),
        overdue: matches!(fq.overdue.as_deref(), Some("1" | "true" | "on")),
        kev: matches!(fq.kev.as_deref(), Some("1" | "true" | "on")),
        unassigned: matches!(fq.unassigned.as_deref(), Some("1" | "true" | "on")),
        query,
        bulk_opts,
        flash,
        error,
    };
    Ok(render(StatusCode::OK, &pg))
}

#[derive(Deserialize)]
pub struct BulkForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    until: String,
    #[serde(flatten)]
    f: FindingQuery,
}

pub async fn bulk(State(s): State<AppState>, ctx: Ctx, Form(form): Form<BulkForm>) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let t = ctx.t;
    let Some(to) = FindingStatus::parse(&form.to) else {
        return list_page(&s, &ctx, &form.f, None, String::new(), t.s("vulns.pick_status").into()).await;
    };
    let tr = Transition { to, reason: form.reason.clone(), until: parse_until(&form.until) };
    let filter = match form.f.filter(&s, &ctx.principal.scope).await {
        Ok(f) => f,
        Err(e) => return list_page(&s, &ctx, &form.f, None, String::new(), e).await,
    };
    match s.store.findings_bulk_transition(&ctx.principal, &filter, &tr).await {
        Ok(n) => {
            let flash = format!("{} {n}", t.s("vulns.bulk_done"));
            list_page(&s, &ctx, &form.f, None, flash, String::new()).await
        }
        Err(khien_store::StoreError::Invalid(errs)) => {
            let msg = errs
                .iter()
                .map(|e| format!("{} — {}", e.field, e.problem.message(t.code())))
                .collect::<Vec<_>>()
                .join("; ");
            list_page(&s, &ctx, &form.f, None, String::new(), msg).await
        }
        Err(khien_store::StoreError::Other(m)) => list_page(&s, &ctx, &form.f, None, String::new(), m).await,
        Err(e) => Err(store_err(&ctx)(e)),
    }
}

#[derive(Template)]
#[template(path = "finding.html")]
struct DetailPage {
    t: Tr,
    l: Layout,
    d: FindingDetail,
    sev: &'static str,
    sev_label: &'static str,
    status_label: &'static str,
    why: Vec<String>,
    next_step: String,
    transitions: Vec<Opt>,
    can_comment: bool,
    can_assign: bool,
    systems: Vec<Opt>,
    cwes: Vec<String>,
    refs: Vec<String>,
    history: Vec<(String, String, String)>,
    first_seen: String,
    last_seen: String,
    due: String,
    overdue: bool,
    accepted_until: String,
    flash: String,
    error: String,
}

#[derive(Deserialize)]
pub struct FlashQuery {
    flash: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &raw)?;
    detail(&s, &ctx, id, q.flash.as_deref().map(|f| ctx.t.s(f).to_string()).unwrap_or_default(), String::new()).await
}

async fn detail(s: &AppState, ctx: &Ctx, id: i64, flash: String, error: String) -> Result<Response, PageError> {
    let t = ctx.t;
    let now = khien_store::now();
    let d = s
        .store
        .finding_get(&ctx.principal.scope, id)
        .await
        .map_err(store_err(ctx))?
        .ok_or_else(|| PageError::not_found(ctx))?;
    let sev = d.row.severity();
    let st = d.row.status();
    let mut why = Vec::new();
    for k in &d.kev {
        let ransom = if k.ransomware { t.s("vulns.why_ransomware") } else { "" };
        why.push(format!(
            "{} {} ({} {}). {}",
            t.s("vulns.why_kev"),
            k.cve,
            t.s("vulns.kev_added"),
            k.date_added,
            ransom
        ));
    }
    if d.kev.is_empty() && d.row.kev {
        why.push(t.s("vulns.why_kev_generic").to_string());
    }
    if let Some(e) = d.row.epss.filter(|e| *e >= 0.1) {
        why.push(format!("{} {:.0}%.", t.s("vulns.why_epss"), e * 100.0));
    }
    if matches!(sev, Severity::Critical | Severity::High) {
        why.push(format!("{} {}.", t.s("vulns.why_severity"), sev.label(t.code())));
    }
    if d.row.overdue(now) {
        why.push(t.s("vulns.why_overdue").to_string());
    }
    if d.row.regression {
        why.push(t.s("vulns.why_regression").to_string());
    }
    let next_step = match st {
        FindingStatus::Open => t.s("vulns.next_open"),
        FindingStatus::InRemediation => t.s("vulns.next_in_remediation"),
        FindingStatus::Fixed => t.s("vulns.next_fixed"),
        FindingStatus::Verified => t.s("vulns.next_verified"),
        FindingStatus::Accepted => t.s("vulns.next_accepted"),
        FindingStatus::FalsePositive => t.s("vulns.next_false_positive"),
    }
    .to_string();
    let writable = ctx.principal.can(Action::ManageFindings);
    let transitions = if writable {
        FindingStatus::ALL
            .iter()
            .filter(|to| {
                let tr = Transition { to: **to, reason: "x".into(), until: Some(now + 86_400) };
                khien_core::vuln::lifecycle::check(ctx.principal.role, st, &tr, now).is_ok()
            })
            .map(|s| Opt { value: s.as_str().into(), label: s.label(t.code()).into(), selected: false })
            .collect()
    } else {
        vec![]
    };
    let can_assign = d.row.system_id.is_none() && writable && ctx.principal.can(Action::ImportScans);
    let systems = if can_assign {
        let f = khien_store::systems::SystemFilter::default();
        s.store
            .systems_list(&ctx.principal.scope, &f, khien_store::Page::new(None, Some(1000)))
            .await
            .map_err(store_err(ctx))?
            .items
            .into_iter()
            .map(|x| Opt { value: x.code.clone(), label: format!("{} — {}", x.code, x.name), selected: false })
            .collect()
    } else {
        vec![]
    };
    let history = d
        .events
        .iter()
        .map(|e| {
            let what = match e.kind.as_str() {
                "status" => format!(
                    "{} → {}",
                    FindingStatus::parse(&e.from_status).map(|s| s.label(t.code())).unwrap_or(&e.from_status),
                    FindingStatus::parse(&e.to_status).map(|s| s.label(t.code())).unwrap_or(&e.to_status)
                ),
                "comment" => t.s("vulns.comment").to_string(),
                "assign" => t.s("vulns.assigned").to_string(),
                other => other.to_string(),
            };
            (format!("{} · {}", fmt_time(e.at), e.actor), what, e.note.clone())
        })
        .collect();
    let page = DetailPage {
        t,
        l: Layout::new(ctx),
        sev: sev.as_str(),
        sev_label: sev.label(t.code()),
        status_label: st.label(t.code()),
        why,
        next_step,
        transitions,
        can_comment: writable || ctx.principal.role == khien_core::Role::Inspector,
        can_assign,
        systems,
        cwes: d.text.cwes.split_whitespace().map(|c| format!("CWE-{c}")).collect(),
        refs: d.text.refs.lines().filter(|l| !l.trim().is_empty()).map(String::from).collect(),
        history,
        first_seen: fmt_time(d.row.first_seen),
        last_seen: fmt_time(d.row.last_seen),
        due: d.row.due_at.map(fmt_time).unwrap_or_default(),
        overdue: d.row.overdue(now),
        accepted_until: d.text.accepted_until.map(fmt_time).unwrap_or_default(),
        flash,
        error,
        d,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    until: String,
}

pub async fn set_status(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<StatusForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &raw)?;
    let Some(to) = FindingStatus::parse(&f.to) else {
        return detail(&s, &ctx, id, String::new(), ctx.t.s("vulns.pick_status").into()).await;
    };
    let tr = Transition { to, reason: f.reason, until: parse_until(&f.until) };
    match s.store.finding_transition(&ctx.principal, id, &tr).await {
        Ok(_) => Ok(Redirect::to(&format!("/findings/{id}?flash=vulns.saved")).into_response()),
        Err(khien_store::StoreError::Invalid(errs)) => {
            let msg = errs.iter().map(|e| e.problem.message(ctx.t.code())).collect::<Vec<_>>().join(" ");
            let mut r = detail(&s, &ctx, id, String::new(), msg).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(store_err(&ctx)(e)),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    text: String,
}

pub async fn comment(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<CommentForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &raw)?;
    match s.store.finding_comment(&ctx.principal, id, &f.text).await {
        Ok(()) => Ok(Redirect::to(&format!("/findings/{id}?flash=vulns.comment_saved")).into_response()),
        Err(khien_store::StoreError::Invalid(errs)) => {
            let msg = errs.iter().map(|e| e.problem.message(ctx.t.code())).collect::<Vec<_>>().join(" ");
            detail(&s, &ctx, id, String::new(), msg).await
        }
        Err(e) => Err(store_err(&ctx)(e)),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    system: String,
}

pub async fn assign(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(f): Form<AssignForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &raw)?;
    let Some(sid) = s.store.system_id_by_code(&ctx.principal.scope, &f.system).await.map_err(store_err(&ctx))? else {
        return detail(&s, &ctx, id, String::new(), ctx.t.s("vulns.pick_system").into()).await;
    };
    s.store.finding_assign(&ctx.principal, id, sid).await.map_err(store_err(&ctx))?;
    Ok(Redirect::to(&format!("/findings/{id}?flash=vulns.assigned")).into_response())
}

/// CSV or XLSX of the filtered list (at most 100,000 rows).
pub async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(ext): Path<String>,
    Query(q): Query<FindingQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter(&s, &ctx.principal.scope).await.map_err(|_| PageError::not_found(&ctx))?;
    let rows = s.store.findings_export(&ctx.principal.scope, &filter, 100_000).await.map_err(store_err(&ctx))?;
    let now = khien_store::now();
    let t = ctx.t;
    let head: Vec<&str> = [
        "vulns.col_id",
        "vulns.col_system",
        "vulns.col_title",
        "vulns.col_severity",
        "vulns.col_cvss",
        "vulns.col_cves",
        "vulns.col_target",
        "vulns.col_port",
        "vulns.col_url",
        "vulns.col_status",
        "vulns.col_first_seen",
        "vulns.col_last_seen",
        "vulns.col_due",
        "vulns.col_overdue",
        "vulns.col_kev",
        "vulns.col_rule",
        "vulns.col_scanner",
    ]
    .iter()
    .map(|k| t.s(k))
    .collect();
    let date = |v: Option<i64>| v.map(|d| fmt_time(d).chars().take(10).collect::<String>()).unwrap_or_default();
    let data: Vec<Vec<String>> = rows
        .iter()
        .map(|f| {
            vec![
                f.id.to_string(),
                f.system_code.clone().unwrap_or_default(),
                f.title.clone(),
                f.severity().label(t.code()).to_string(),
                f.cvss_score.map(|c| format!("{c:.1}")).unwrap_or_default(),
                f.cve_list().join(" "),
                f.target.clone(),
                f.port.map(|p| p.to_string()).unwrap_or_default(),
                f.url.clone(),
                f.status().label(t.code()).to_string(),
                date(Some(f.first_seen)),
                date(Some(f.last_seen)),
                date(f.due_at),
                if f.overdue(now) { t.s("common.yes") } else { "" }.to_string(),
                if f.kev { "KEV" } else { "" }.to_string(),
                f.rule_id.clone(),
                f.scanner.clone(),
            ]
        })
        .collect();
    match ext.as_str() {
        "csv" => {
            let mut w = csv::WriterBuilder::new().from_writer(vec![0xEF, 0xBB, 0xBF]);
            let _ = w.write_record(&head);
            for r in &data {
                // Cells starting with = + - @ are neutralised so spreadsheets do not run them.
                let _ = w.write_record(r.iter().map(|c| crate::tabular::safe_cell(c)));
            }
            let body = w.into_inner().unwrap_or_default();
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"khien-findings.csv\""),
                ],
                body,
            )
                .into_response())
        }
        "xlsx" => {
            let body = crate::tabular::write_xlsx(t.s("vulns.findings"), &head, &data).map_err(|e| {
                tracing::error!(error = %e, "xlsx export");
                PageError::from_store(&ctx, khien_store::StoreError::Other(e))
            })?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"khien-findings.xlsx\""),
                ],
                body,
            )
                .into_response())
        }
        _ => Err(PageError::not_found(&ctx)),
    }
}

#[derive(Template)]
#[template(path = "scan_upload.html")]
struct UploadPage {
    t: Tr,
    l: Layout,
    systems: Vec<Opt>,
    formats: Vec<Opt>,
    result: Option<khien_store::scan_import::ImportSummary>,
    error: String,
}

async fn upload_page(
    s: &AppState,
    ctx: &Ctx,
    result: Option<khien_store::scan_import::ImportSummary>,
    error: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let t = ctx.t;
    if !ctx.principal.can(Action::ImportScans) {
        return Err(PageError::forbidden(ctx));
    }
    let f = khien_store::systems::SystemFilter::default();
    let systems = s
        .store
        .systems_list(&ctx.principal.scope, &f, khien_store::Page::new(None, Some(1000)))
        .await
        .map_err(store_err(ctx))?
        .items
        .into_iter()
        .map(|x| Opt { value: x.code.clone(), label: format!("{} — {}", x.code, x.name), selected: false })
        .collect();
    let formats = khien_vuln::Format::ALL
        .iter()
        .map(|f| Opt { value: f.name().into(), label: t.label("scanformat", f.name()), selected: false })
        .collect();
    Ok(render(status, &UploadPage { t, l: Layout::new(ctx), systems, formats, result, error }))
}

pub async fn upload_form(State(s): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    upload_page(&s, &ctx, None, String::new(), StatusCode::OK).await
}

/// The upload: multipart with `_csrf`, `system` (code or empty for by-assets), `format`
/// (empty to detect) and `file`; the file is streamed to disk, never held in memory.
pub async fn upload(State(s): State<AppState>, ctx: Ctx, mut mp: Multipart) -> Result<Response, PageError> {
    use tokio::io::AsyncWriteExt;
    let t = ctx.t;
    if !ctx.principal.can(Action::ImportScans) {
        return Err(PageError::forbidden(&ctx));
    }
    let (mut csrf, mut system, mut format, mut name) = (String::new(), String::new(), String::new(), String::new());
    let tmp = tempfile::NamedTempFile::new()
        .map_err(|e| PageError::from_store(&ctx, khien_store::StoreError::Other(e.to_string())))?;
    let mut got_file = false;
    let limit = s.config.scan_upload_limit;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return upload_page(
                    &s,
                    &ctx,
                    None,
                    format!("{} ({e})", t.s("scans.upload_broken")),
                    StatusCode::BAD_REQUEST,
                )
                .await;
            }
        };
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "system" => system = field.text().await.unwrap_or_default(),
            "format" => format = field.text().await.unwrap_or_default(),
            "file" => {
                // The CSRF token comes first in the form, so it is checked before any byte
                // of the file is written.
                ctx.check_csrf(&csrf)?;
                name = field.file_name().unwrap_or("upload").to_string();
                let mut out = tokio::fs::File::from_std(
                    tmp.reopen()
                        .map_err(|e| PageError::from_store(&ctx, khien_store::StoreError::Other(e.to_string())))?,
                );
                let mut field = field;
                let mut total = 0u64;
                loop {
                    match field.chunk().await {
                        Ok(Some(c)) => {
                            total += c.len() as u64;
                            if total > limit {
                                return upload_page(
                                    &s,
                                    &ctx,
                                    None,
                                    t.s("scans.too_large").into(),
                                    StatusCode::PAYLOAD_TOO_LARGE,
                                )
                                .await;
                            }
                            if out.write_all(&c).await.is_err() {
                                return upload_page(
                                    &s,
                                    &ctx,
                                    None,
                                    t.s("scans.upload_broken").into(),
                                    StatusCode::INTERNAL_SERVER_ERROR,
                                )
                                .await;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            return upload_page(
                                &s,
                                &ctx,
                                None,
                                format!("{} ({e})", t.s("scans.upload_broken")),
                                StatusCode::BAD_REQUEST,
                            )
                            .await;
                        }
                    }
                }
                let _ = out.flush().await;
                got_file = total > 0 || !name.is_empty();
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if !got_file {
        return upload_page(&s, &ctx, None, t.s("scans.no_file").into(), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let format = match format.trim() {
        "" => None,
        f => match khien_vuln::Format::parse(f) {
            Ok(f) => Some(f),
            Err(e) => return upload_page(&s, &ctx, None, e, StatusCode::UNPROCESSABLE_ENTITY).await,
        },
    };
    let target = match import_target(&s, &ctx.principal.scope, Some(&system)).await {
        Ok(t) => t,
        Err(e) => return upload_page(&s, &ctx, None, e.message, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    match s.store.scan_import_file(&ctx.principal, tmp.path(), &name, format, target, progress).await {
        Ok(sum) => upload_page(&s, &ctx, Some(sum), String::new(), StatusCode::OK).await,
        Err(e) => {
            let api = import_error(e);
            if api.status == StatusCode::NOT_FOUND || api.status == StatusCode::FORBIDDEN {
                return Err(if api.status == StatusCode::NOT_FOUND {
                    PageError::not_found(&ctx)
                } else {
                    PageError::forbidden(&ctx)
                });
            }
            upload_page(&s, &ctx, None, api.message, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    t: Tr,
    l: Layout,
    critical: String,
    high: String,
    medium: String,
    low: String,
    kev_count: i64,
    epss_count: i64,
    flash: String,
    error: String,
}

async fn settings_page(
    s: &AppState,
    ctx: &Ctx,
    values: Option<[String; 4]>,
    flash: String,
    error: String,
) -> Result<Response, PageError> {
    if !ctx.principal.can(Action::ManageSettings) {
        return Err(PageError::forbidden(ctx));
    }
    let p = s.store.deadline_policy().await.map_err(store_err(ctx))?;
    let [critical, high, medium, low] =
        values.unwrap_or_else(|| [p.critical, p.high, p.medium, p.low].map(|d| d.to_string()));
    let count = |table: &str| khien_store::sql::Sql::new(&format!("SELECT COUNT(*) FROM {table}"));
    let kev_count = s.store.scalar(count("kev")).await.map_err(store_err(ctx))?;
    let epss_count = s.store.scalar(count("epss")).await.map_err(store_err(ctx))?;
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(
        status,
        &SettingsPage {
            t: ctx.t,
            l: Layout::new(ctx),
            critical,
            high,
            medium,
            low,
            kev_count,
            epss_count,
            flash,
            error,
        },
    ))
}

pub async fn settings(State(s): State<AppState>, ctx: Ctx, Query(q): Query<FlashQuery>) -> Result<Response, PageError> {
    let flash = q.flash.as_deref().map(|f| ctx.t.s(f).to_string()).unwrap_or_default();
    settings_page(&s, &ctx, None, flash, String::new()).await
}

#[derive(Deserialize)]
pub struct DeadlineForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    critical: String,
    #[serde(default)]
    high: String,
    #[serde(default)]
    medium: String,
    #[serde(default)]
    low: String,
}

pub async fn save_settings(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<DeadlineForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let values = [f.critical.clone(), f.high.clone(), f.medium.clone(), f.low.clone()];
    let nums: Vec<Option<i64>> = values.iter().map(|v| v.trim().parse().ok()).collect();
    let policy = match nums.as_slice() {
        [Some(c), Some(h), Some(m), Some(l)] => {
            khien_core::vuln::DeadlinePolicy { critical: *c, high: *h, medium: *m, low: *l }
        }
        _ => return settings_page(&s, &ctx, Some(values), String::new(), ctx.t.s("settings.bad_days").into()).await,
    };
    match s.store.deadline_policy_set(&ctx.principal, policy).await {
        Ok(()) => Ok(Redirect::to("/settings?flash=vulns.saved").into_response()),
        Err(khien_store::StoreError::Invalid(errs)) => {
            let msg = errs.iter().map(|e| e.problem.message(ctx.t.code())).collect::<Vec<_>>().join(" ");
            settings_page(&s, &ctx, Some(values), String::new(), msg).await
        }
        Err(e) => Err(store_err(&ctx)(e)),
    }
}
