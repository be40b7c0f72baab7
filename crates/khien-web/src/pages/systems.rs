//! Information-system pages: the scoped list with search and filters, the system page
//! (details, assets, users of a shared platform), the create/edit form, and asset changes.

use super::agencies::FormPage;
use super::{CsrfForm, parse_id, store_err};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, render};
use crate::i18n::Tr;
use crate::views::{Field, Layout, Opt};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use khien_core::{Action, FieldError, SystemCategory, SystemInput, SystemStatus};
use khien_store::agencies::AgencyFilter;
use khien_store::systems::{InfoSystem, SystemFilter};
use khien_store::{Page, StoreError};
use serde::Deserialize;

pub struct Row {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub owner: String,
    pub operator: String,
    pub category: String,
    pub status: String,
    pub shared: bool,
}

#[derive(Template)]
#[template(path = "systems.html")]
struct ListPage {
    t: Tr,
    l: Layout,
    q: String,
    categories: Vec<Opt>,
    agency_id: i64,
    rows: Vec<Row>,
    total: i64,
    next: String,
    can_add: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    category: Option<String>,
    agency: Option<String>,
    shared: Option<String>,
    after: Option<String>,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let t = ctx.t;
    let category = q.category.clone().filter(|c| !c.is_empty());
    let agency = q.agency.as_deref().and_then(|a| a.parse::<i64>().ok());
    let f = SystemFilter {
        q: q.q.clone(),
        agency,
        category: category.clone(),
        shared: q.shared.as_deref().map(|v| v == "1" || v == "true"),
    };
    let after = q.after.as_deref().and_then(|a| a.parse().ok());
    let res =
        s.store.systems_list(&ctx.principal.scope, &f, Page::new(after, Some(100))).await.map_err(store_err(&ctx))?;
    let next = res
        .next
        .as_ref()
        .map(|n| {
            let mut u = format!("/systems?after={n}");
            if let Some(x) = &q.q {
                u.push_str(&format!("&q={}", crate::auth::urlencode(x)));
            }
            if let Some(c) = &category {
                u.push_str(&format!("&category={}", crate::auth::urlencode(c)));
            }
            if let Some(a) = agency {
                u.push_str(&format!("&agency={a}"));
            }
            u
        })
        .unwrap_or_default();
    let page = ListPage {
        t,
        l: Layout::new(&ctx),
        q: q.q.unwrap_or_default(),
        categories: SystemCategory::ALL
            .iter()
            .map(|c| Opt {
                value: c.as_str().into(),
                label: t.label("cat", c.as_str()),
                selected: category.as_deref() == Some(c.as_str()),
            })
            .collect(),
        agency_id: agency.unwrap_or(0),
        total: res.total,
        rows: res
            .items
            .into_iter()
            .map(|x| Row {
                category: t.label("cat", &x.category),
                status: t.label("status", &x.status),
                id: x.id,
                code: x.code,
                name: x.name,
                owner: x.owner_name,
                operator: x.operator_name,
                shared: x.shared,
            })
            .collect(),
        next,
        can_add: ctx.principal.can(Action::ManageSystems),
    };
    Ok(render(StatusCode::OK, &page))
}

pub struct AssetRow {
    pub id: i64,
    pub kind: String,
    pub value: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "system.html")]
struct SystemPage {
    t: Tr,
    l: Layout,
    s: InfoSystem,
    category: String,
    status: String,
    assets: Vec<AssetRow>,
    users: Vec<khien_store::systems::SystemUser>,
    can_edit: bool,
    flash: String,
    asset_value: String,
    asset_error: String,
    /// Active findings by severity (key, label, count) and overdue ones.
    findings: Vec<(&'static str, &'static str, i64)>,
    overdue: i64,
}

async fn system_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    asset_value: String,
    asset_error: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let t = ctx.t;
    let scope = &ctx.principal.scope;
    let sys = s.store.system_get(scope, id).await.map_err(store_err(ctx))?.ok_or_else(|| PageError::not_found(ctx))?;
    let assets = s.store.assets_list(scope, id).await.map_err(store_err(ctx))?;
    let users = s.store.system_users(scope, id).await.map_err(store_err(ctx))?;
    let can_edit =
        ctx.principal.can(Action::ManageSystems) && s.store.system_writable(scope, id).await.map_err(store_err(ctx))?;
    let filter = khien_store::findings::FindingFilter { system_id: Some(id), ..Default::default() };
    let (counts, overdue) = s.store.finding_counts(scope, &filter).await.map_err(store_err(ctx))?;
    let findings = khien_core::vuln::Severity::DESC
        .iter()
        .zip(counts)
        .map(|(sev, n)| (sev.as_str(), sev.label(t.code()), n))
        .collect();
    let page = SystemPage {
        findings,
        overdue,
        t,
        l: Layout::new(ctx),
        category: t.label("cat", &sys.category),
        status: t.label("status", &sys.status),
        s: sys,
        assets: assets
            .into_iter()
            .map(|a| AssetRow { kind: t.label("asset", &a.kind), id: a.id, value: a.value, note: a.note })
            .collect(),
        users,
        can_edit,
        flash: String::new(),
        asset_value,
        asset_error,
    };
    Ok(render(status, &page))
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    system_page(&s, &ctx, id, String::new(), String::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct SystemForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    owner_code: String,
    #[serde(default)]
    operator_code: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    shared: Option<String>,
    #[serde(default)]
    user_codes: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
}

impl SystemForm {
    fn input(&self) -> SystemInput {
        SystemInput {
            code: self.code.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            owner_code: self.owner_code.clone(),
            operator_code: self.operator_code.clone(),
            category: self.category.clone(),
            shared: self.shared.is_some(),
            user_codes: self
                .user_codes
                .split(['\n', ',', ';'])
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            status: self.status.clone(),
            contact_name: self.contact_name.clone(),
            contact_email: self.contact_email.clone(),
            contact_phone: self.contact_phone.clone(),
        }
    }

    fn from_system(s: &InfoSystem, users: &[khien_store::systems::SystemUser]) -> SystemForm {
        SystemForm {
            csrf: String::new(),
            code: s.code.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            owner_code: s.owner_code.clone(),
            operator_code: s.operator_code.clone(),
            category: s.category.clone(),
            status: s.status.clone(),
            shared: s.shared.then(|| "on".to_string()),
            user_codes: users.iter().map(|u| u.code.as_str()).collect::<Vec<_>>().join("\n"),
            contact_name: s.contact_name.clone(),
            contact_email: s.contact_email.clone(),
            contact_phone: s.contact_phone.clone(),
        }
    }
}

async fn system_form(
    s: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    f: &SystemForm,
    errs: &[FieldError],
    status: StatusCode,
) -> Response {
    let t = ctx.t;
    let cats: Vec<&str> = SystemCategory::ALL.iter().map(|c| c.as_str()).collect();
    let statuses: Vec<&str> = SystemStatus::ALL.iter().map(|c| c.as_str()).collect();
    let fields = vec![
        Field::text(t, "code", "systems.code", &f.code).required().hint(t, "systems.code_hint").errors(t, errs),
        Field::text(t, "name", "systems.name", &f.name).required().errors(t, errs),
        Field::text(t, "description", "systems.description", &f.description).kind("textarea").errors(t, errs),
        Field::text(t, "owner_code", "systems.owner", &f.owner_code)
            .required()
            .hint(t, "systems.owner_hint")
            .list("agency-codes")
            .errors(t, errs),
        Field::text(t, "operator_code", "systems.operator", &f.operator_code)
            .hint(t, "systems.operator_hint")
            .list("agency-codes")
            .errors(t, errs),
        Field::select(t, "category", "systems.category", &f.category, "cat", &cats).errors(t, errs),
        Field::select(t, "status", "systems.status", &f.status, "status", &statuses).errors(t, errs),
        Field::checkbox(t, "shared", "systems.shared", f.shared.is_some()).hint(t, "systems.shared_hint"),
        Field::text(t, "user_codes", "systems.users", &f.user_codes).kind("textarea").errors(t, errs),
        Field::text(t, "contact_name", "systems.contact_name", &f.contact_name).errors(t, errs),
        Field::text(t, "contact_email", "systems.contact_email", &f.contact_email).errors(t, errs),
        Field::text(t, "contact_phone", "systems.contact_phone", &f.contact_phone).errors(t, errs),
    ];
    // Suggest the caller's own agencies as owners (at most 300, in scope only).
    let datalist = s
        .store
        .agencies_list(&ctx.principal.scope, &AgencyFilter::default(), Page::new(None, Some(300)))
        .await
        .map(|p| p.items.into_iter().map(|a| (a.code, a.name)).collect())
        .unwrap_or_default();
    let page = FormPage {
        t,
        l: Layout::new(ctx),
        title: t.s(if id.is_some() { "systems.edit" } else { "systems.new" }).to_string(),
        form_id: "system-form",
        action: id.map(|i| format!("/systems/{i}")).unwrap_or_else(|| "/systems".into()),
        back: id.map(|i| format!("/systems/{i}")).unwrap_or_else(|| "/systems".into()),
        has_errors: !errs.is_empty(),
        fields,
        datalist,
    };
    render(status, &page)
}

#[derive(Deserialize)]
pub struct NewQuery {
    owner: Option<String>,
}

pub async fn new_form(State(s): State<AppState>, ctx: Ctx, Query(q): Query<NewQuery>) -> Response {
    if !ctx.principal.can(Action::ManageSystems) {
        return PageError::forbidden(&ctx).into_response();
    }
    let f = SystemForm {
        owner_code: q.owner.unwrap_or_default(),
        category: "internal".into(),
        status: "operating".into(),
        ..Default::default()
    };
    system_form(&s, &ctx, None, &f, &[], StatusCode::OK).await
}

pub async fn edit_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    let scope = &ctx.principal.scope;
    let sys =
        s.store.system_get(scope, id).await.map_err(store_err(&ctx))?.ok_or_else(|| PageError::not_found(&ctx))?;
    if !ctx.principal.can(Action::ManageSystems)
        || !s.store.system_writable(scope, id).await.map_err(store_err(&ctx))?
    {
        return Err(PageError::forbidden(&ctx));
    }
    let users = s.store.system_users(scope, id).await.map_err(store_err(&ctx))?;
    Ok(system_form(&s, &ctx, Some(id), &SystemForm::from_system(&sys, &users), &[], StatusCode::OK).await)
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(f): Form<SystemForm>) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    match s.store.system_create(&ctx.principal, f.input()).await {
        Ok(sys) => Ok(Redirect::to(&format!("/systems/{}", sys.id)).into_response()),
        Err(StoreError::Invalid(errs)) => {
            Ok(system_form(&s, &ctx, None, &f, &errs, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}

pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<SystemForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &id)?;
    match s.store.system_update(&ctx.principal, id, f.input()).await {
        Ok(sys) => Ok(Redirect::to(&format!("/systems/{}", sys.id)).into_response()),
        Err(StoreError::Invalid(errs)) => {
            Ok(system_form(&s, &ctx, Some(id), &f, &errs, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}

#[derive(Deserialize)]
pub struct AssetForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
}

pub async fn add_asset(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AssetForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &id)?;
    match s.store.asset_add(&ctx.principal, id, None, &f.value, &f.note).await {
        Ok(_) => Ok(Redirect::to(&format!("/systems/{id}#assets")).into_response()),
        Err(StoreError::Invalid(errs)) => {
            let msg = errs.first().map(|e| e.problem.message(ctx.t.code())).unwrap_or_default();
            system_page(&s, &ctx, id, f.value, msg, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}

pub async fn delete_asset(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, asset)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &id)?;
    let asset = parse_id(&ctx, &asset)?;
    // The asset must belong to this (visible) system.
    let assets = s.store.assets_list(&ctx.principal.scope, id).await.map_err(store_err(&ctx))?;
    if !assets.iter().any(|a| a.id == asset) {
        return Err(PageError::not_found(&ctx));
    }
    s.store.asset_delete(&ctx.principal, asset).await.map_err(store_err(&ctx))?;
    Ok(Redirect::to(&format!("/systems/{id}#assets")).into_response())
}
