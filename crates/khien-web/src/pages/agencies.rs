//! Agency pages: tree browsing and search, the agency page (sub-units, systems, users), and
//! the create/edit form for province admins.

use super::{parse_id, store_err};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, render};
use crate::i18n::Tr;
use crate::views::{Field, Layout};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use khien_core::{Action, AgencyInput, AgencyKind, FieldError};
use khien_store::agencies::{AgencyFilter, AgencyNode};
use khien_store::systems::SystemFilter;
use khien_store::{Page, StoreError};
use serde::Deserialize;

pub struct NodeRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub children: i64,
    pub systems: i64,
}

fn rows(t: Tr, nodes: Vec<AgencyNode>) -> Vec<NodeRow> {
    nodes
        .into_iter()
        .map(|n| NodeRow {
            kind: t.label("kind", &n.kind),
            id: n.id,
            code: n.code,
            name: n.name,
            children: n.children,
            systems: n.systems,
        })
        .collect()
}

pub struct ResultRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct TreePage {
    t: Tr,
    l: Layout,
    q: String,
    searching: bool,
    results: Vec<ResultRow>,
    total: i64,
    crumbs: Vec<(i64, String)>,
    current: Option<(i64, String)>,
    nodes: Vec<NodeRow>,
    children_total: i64,
    /// "12–100 of 1,507" and links to the neighbouring pages ("" when none).
    range: String,
    prev_href: String,
    next_href: String,
    can_manage: bool,
}

/// Sub-units shown per page of the tree.
const TREE_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct TreeQuery {
    q: Option<String>,
    parent: Option<String>,
    page: Option<i64>,
}

pub async fn tree(State(s): State<AppState>, ctx: Ctx, Query(q): Query<TreeQuery>) -> Result<Response, PageError> {
    let t = ctx.t;
    let scope = &ctx.principal.scope;
    let text = q.q.unwrap_or_default().trim().to_string();
    let mut page = TreePage {
        t,
        l: Layout::new(&ctx),
        q: text.clone(),
        searching: !text.is_empty(),
        results: vec![],
        total: 0,
        crumbs: vec![],
        current: None,
        nodes: vec![],
        children_total: 0,
        range: String::new(),
        prev_href: String::new(),
        next_href: String::new(),
        can_manage: ctx.principal.can(Action::ManageAgencies),
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let offset = (page_no - 1) * TREE_PAGE;
    if page.searching {
        let f = AgencyFilter { q: Some(text), ..Default::default() };
        let found = s.store.agencies_list(scope, &f, Page::new(None, Some(200))).await.map_err(store_err(&ctx))?;
        page.total = found.total;
        page.results = found
            .items
            .into_iter()
            .map(|a| ResultRow { kind: t.label("kind", &a.kind), id: a.id, code: a.code, name: a.name })
            .collect();
        return Ok(render(StatusCode::OK, &page));
    }
    match q.parent.as_deref().filter(|p| !p.is_empty()) {
        Some(raw) => {
            let id = parse_id(&ctx, raw)?;
            let a = s
                .store
                .agency_get(scope, id)
                .await
                .map_err(store_err(&ctx))?
                .ok_or_else(|| PageError::not_found(&ctx))?;
            let anc = s.store.agency_ancestors(scope, &a).await.map_err(store_err(&ctx))?;
            page.crumbs = anc.into_iter().map(|x| (x.id, x.name)).collect();
            page.crumbs.push((a.id, a.name.clone()));
            page.current = Some((a.id, a.name));
            let (nodes, total) =
                s.store.agency_children(scope, id, offset, TREE_PAGE).await.map_err(store_err(&ctx))?;
            page.nodes = rows(t, nodes);
            page.children_total = total;
        }
        None => {
            let roots = s.store.agency_roots(scope).await.map_err(store_err(&ctx))?;
            // A single root (the province) is opened right away: its children are what people browse.
            if let [only] = roots.as_slice() {
                page.current = Some((only.id, only.name.clone()));
                page.crumbs.push((only.id, only.name.clone()));
                let (nodes, total) =
                    s.store.agency_children(scope, only.id, offset, TREE_PAGE).await.map_err(store_err(&ctx))?;
                page.nodes = rows(t, nodes);
                page.children_total = total;
            } else {
                page.children_total = roots.len() as i64;
                page.nodes = rows(t, roots);
            }
        }
    }
    if page.children_total > TREE_PAGE {
        let parent = page.current.as_ref().map(|c| format!("parent={}&", c.0)).unwrap_or_default();
        let shown = page.nodes.len() as i64;
        page.range = format!("{}–{} / {}", offset + 1, offset + shown, page.children_total);
        if page_no > 1 {
            page.prev_href = format!("/agencies?{parent}page={}", page_no - 1);
        }
        if offset + shown < page.children_total {
            page.next_href = format!("/agencies?{parent}page={}", page_no + 1);
        }
    }
    Ok(render(StatusCode::OK, &page))
}

pub struct SysRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub owner: String,
    pub category: String,
}

#[derive(Template)]
#[template(path = "agency.html")]
struct AgencyPage {
    t: Tr,
    l: Layout,
    a: khien_store::agencies::Agency,
    kind: String,
    crumbs: Vec<(i64, String)>,
    children: Vec<NodeRow>,
    children_total: i64,
    systems: Vec<SysRow>,
    systems_total: i64,
    users: Vec<(String, String, String)>,
    can_manage: bool,
    can_add_system: bool,
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    let t = ctx.t;
    let id = parse_id(&ctx, &id)?;
    let scope = &ctx.principal.scope;
    let a = s.store.agency_get(scope, id).await.map_err(store_err(&ctx))?.ok_or_else(|| PageError::not_found(&ctx))?;
    let crumbs = s
        .store
        .agency_ancestors(scope, &a)
        .await
        .map_err(store_err(&ctx))?
        .into_iter()
        .map(|x| (x.id, x.name))
        .collect();
    let (children, children_total) = s.store.agency_children(scope, id, 0, TREE_PAGE).await.map_err(store_err(&ctx))?;
    let children = rows(t, children);
    let f = SystemFilter { agency: Some(id), ..Default::default() };
    let systems = s.store.systems_list(scope, &f, Page::new(None, Some(100))).await.map_err(store_err(&ctx))?;
    let users = s.store.users_list(scope, Some(id), Page::new(None, Some(100))).await.map_err(store_err(&ctx))?;
    let page = AgencyPage {
        t,
        l: Layout::new(&ctx),
        kind: t.label("kind", &a.kind),
        crumbs,
        children,
        children_total,
        systems_total: systems.total,
        systems: systems
            .items
            .into_iter()
            .map(|x| SysRow {
                category: t.label("cat", &x.category),
                id: x.id,
                code: x.code,
                name: x.name,
                owner: x.owner_name,
            })
            .collect(),
        users: users
            .items
            .into_iter()
            .map(|u| (u.user.username, u.user.display_name, t.label("role", &u.user.role)))
            .collect(),
        can_manage: ctx.principal.can(Action::ManageAgencies),
        can_add_system: ctx.principal.can(Action::ManageSystems),
        a,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub t: Tr,
    pub l: Layout,
    pub title: String,
    pub form_id: &'static str,
    pub action: String,
    pub back: String,
    pub has_errors: bool,
    pub fields: Vec<Field>,
    pub datalist: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct AgencyForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

impl AgencyForm {
    fn input(&self) -> AgencyInput {
        AgencyInput {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            parent_code: self.parent_code.clone(),
            address: self.address.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        }
    }
}

fn agency_form(ctx: &Ctx, id: Option<i64>, f: &AgencyForm, errs: &[FieldError], status: StatusCode) -> Response {
    let t = ctx.t;
    let kinds: Vec<&str> = AgencyKind::ALL.iter().map(|k| k.as_str()).collect();
    let fields = vec![
        Field::text(t, "code", "common.code", &f.code).required().errors(t, errs),
        Field::text(t, "name", "common.name", &f.name).required().errors(t, errs),
        Field::select(t, "kind", "common.kind", &f.kind, "kind", &kinds).errors(t, errs),
        Field::text(t, "parent_code", "agencies.parent", &f.parent_code)
            .hint(t, "agencies.parent_hint")
            .errors(t, errs),
        Field::text(t, "address", "agencies.address", &f.address).errors(t, errs),
        Field::text(t, "email", "agencies.email", &f.email).errors(t, errs),
        Field::text(t, "phone", "agencies.phone", &f.phone).errors(t, errs),
    ];
    let page = FormPage {
        t,
        l: Layout::new(ctx),
        title: t.s(if id.is_some() { "agencies.edit" } else { "agencies.new" }).to_string(),
        form_id: "agency-form",
        action: id.map(|i| format!("/agencies/{i}")).unwrap_or_else(|| "/agencies".into()),
        back: id.map(|i| format!("/agencies/{i}")).unwrap_or_else(|| "/agencies".into()),
        has_errors: !errs.is_empty(),
        fields,
        datalist: vec![],
    };
    render(status, &page)
}

pub async fn new_form(ctx: Ctx) -> Response {
    if !ctx.principal.can(Action::ManageAgencies) {
        return PageError::forbidden(&ctx).into_response();
    }
    let f = AgencyForm { kind: "unit".into(), ..Default::default() };
    agency_form(&ctx, None, &f, &[], StatusCode::OK)
}

pub async fn edit_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    if !ctx.principal.can(Action::ManageAgencies) {
        return Err(PageError::forbidden(&ctx));
    }
    let id = parse_id(&ctx, &id)?;
    let scope = &ctx.principal.scope;
    let a = s.store.agency_get(scope, id).await.map_err(store_err(&ctx))?.ok_or_else(|| PageError::not_found(&ctx))?;
    let parent_code = match a.parent_id {
        Some(p) => s.store.agency_get(scope, p).await.map_err(store_err(&ctx))?.map(|p| p.code).unwrap_or_default(),
        None => String::new(),
    };
    let f = AgencyForm {
        csrf: String::new(),
        code: a.code,
        name: a.name,
        kind: a.kind,
        parent_code,
        address: a.address,
        email: a.email,
        phone: a.phone,
    };
    Ok(agency_form(&ctx, Some(id), &f, &[], StatusCode::OK))
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(f): Form<AgencyForm>) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    match s.store.agency_create(&ctx.principal, f.input()).await {
        Ok(a) => Ok(Redirect::to(&format!("/agencies/{}", a.id)).into_response()),
        Err(StoreError::Invalid(errs)) => Ok(agency_form(&ctx, None, &f, &errs, StatusCode::UNPROCESSABLE_ENTITY)),
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}

pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AgencyForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let id = parse_id(&ctx, &id)?;
    match s.store.agency_update(&ctx.principal, id, f.input()).await {
        Ok(a) => Ok(Redirect::to(&format!("/agencies/{}", a.id)).into_response()),
        Err(StoreError::Invalid(errs)) => Ok(agency_form(&ctx, Some(id), &f, &errs, StatusCode::UNPROCESSABLE_ENTITY)),
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}
