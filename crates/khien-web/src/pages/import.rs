//! The import page: upload a CSV/XLSX list of agencies or systems; either everything is
//! written, or nothing is and every problem is listed by row and column.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, render};
use crate::i18n::Tr;
use crate::tabular::{self, AGENCY_COLUMNS, SYSTEM_COLUMNS};
use crate::views::Layout;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use khien_core::Action;
use khien_store::import::{ImportOutcome, RowError};

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    t: Tr,
    l: Layout,
    what: String,
    summary: String,
    errors: Vec<(usize, String, String)>,
    agency_columns: String,
    system_columns: String,
}

fn page_with(
    ctx: &Ctx,
    what: &str,
    summary: String,
    errors: Vec<(usize, String, String)>,
    status: StatusCode,
) -> Response {
    let p = ImportPage {
        t: ctx.t,
        l: Layout::new(ctx),
        what: what.to_string(),
        summary,
        errors,
        agency_columns: tabular::column_names(AGENCY_COLUMNS),
        system_columns: tabular::column_names(SYSTEM_COLUMNS),
    };
    render(status, &p)
}

pub async fn page(ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.principal.can(Action::Import) {
        return Err(PageError::forbidden(&ctx));
    }
    Ok(page_with(&ctx, "agencies", String::new(), vec![], StatusCode::OK))
}

pub async fn upload(State(s): State<AppState>, ctx: Ctx, mut mp: Multipart) -> Result<Response, PageError> {
    if !ctx.principal.can(Action::Import) {
        return Err(PageError::forbidden(&ctx));
    }
    let t = ctx.t;
    let mut csrf = String::new();
    let mut what = String::from("agencies");
    let mut file: Option<Vec<u8>> = None;
    let bad = |m: String| {
        Ok(page_with(&ctx, "agencies", String::new(), vec![(0, String::new(), m)], StatusCode::BAD_REQUEST))
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return bad(e.body_text()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let data = match field.bytes().await {
            Ok(d) => d,
            Err(e) => return bad(e.body_text()),
        };
        match name.as_str() {
            "_csrf" => csrf = String::from_utf8_lossy(&data).into_owned(),
            "what" => what = String::from_utf8_lossy(&data).into_owned(),
            "file" => file = Some(data.to_vec()),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return bad(t.s("import.file").to_string() + ": " + &khien_core::Problem::Required.message(t.code()));
    };
    let (outcome, table, cols) = match tabular::read_table(&bytes) {
        Err(errs) => (Ok(ImportOutcome::Rejected(errs)), tabular::Table::default(), AGENCY_COLUMNS),
        Ok(table) if what == "systems" => match tabular::systems(&table) {
            Err(errs) => (Ok(ImportOutcome::Rejected(errs)), table, SYSTEM_COLUMNS),
            Ok(rows) => (s.store.import_systems(&ctx.principal, rows, &|_| {}).await, table, SYSTEM_COLUMNS),
        },
        Ok(table) => match tabular::agencies(&table) {
            Err(errs) => (Ok(ImportOutcome::Rejected(errs)), table, AGENCY_COLUMNS),
            Ok(rows) => (s.store.import_agencies(&ctx.principal, rows, &|_| {}).await, table, AGENCY_COLUMNS),
        },
    };
    match outcome {
        Ok(ImportOutcome::Done(sum)) => {
            let summary = format!(
                "{} {}, {} {}, {} {}",
                sum.created,
                t.s("import.created"),
                sum.updated,
                t.s("import.updated"),
                sum.unchanged,
                t.s("import.unchanged")
            );
            Ok(page_with(&ctx, &what, summary, vec![], StatusCode::OK))
        }
        Ok(ImportOutcome::Rejected(errs)) => {
            let rows = errs
                .into_iter()
                .map(|e: RowError| (e.row, tabular::column_of(&table, cols, &e.field), e.problem.message(t.code())))
                .collect();
            Ok(page_with(&ctx, &what, String::new(), rows, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(PageError::from_store(&ctx, e)),
    }
}
