//! View models shared by templates: the page layout (navigation that shows only what the
//! caller may use, language switch, user badge) and form fields with their error messages.

use crate::auth::{Ctx, urlencode};
use crate::i18n::Tr;
use khien_core::{Action, FieldError};

/// One navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub lang: &'static str,
    pub user: String,
    pub role: String,
    pub logged_in: bool,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    /// Links that switch language and come back to this page.
    pub lang_vi_href: String,
    pub lang_en_href: String,
    pub must_change_password: bool,
}

impl Layout {
    pub fn new(ctx: &Ctx) -> Layout {
        let t = ctx.t;
        let p = &ctx.principal;
        let path = ctx.uri.split('?').next().unwrap_or("/");
        let mut nav = vec![
            ("/", "nav.overview", true),
            ("/agencies", "nav.agencies", true),
            ("/systems", "nav.systems", true),
            ("/vulns", "nav.vulns", true),
            ("/users", "nav.users", p.can(Action::ManageUsers)),
            ("/import", "nav.import", p.can(Action::Import)),
            ("/audit", "nav.audit", p.can(Action::ReadAudit)),
            ("/settings", "nav.settings", p.can(Action::ManageSettings)),
        ];
        nav.retain(|(_, _, show)| *show);
        let nav = nav
            .into_iter()
            .map(|(href, key, _)| NavItem {
                href,
                label: t.s(key).to_string(),
                active: if href == "/" {
                    path == "/"
                } else if href == "/vulns" {
                    path.starts_with("/vulns") || path.starts_with("/findings") || path.starts_with("/scans")
                } else {
                    path.starts_with(href)
                },
            })
            .collect();
        let next = urlencode(&ctx.uri);
        Layout {
            lang: t.code(),
            user: p.display_name.clone(),
            role: t.label("role", p.role.as_str()),
            logged_in: true,
            nav,
            csrf: ctx.csrf.clone(),
            lang_vi_href: format!("/lang/vi?next={next}"),
            lang_en_href: format!("/lang/en?next={next}"),
            must_change_password: ctx.must_change_password,
        }
    }

    /// The frame for pages shown before login.
    pub fn anonymous(t: Tr) -> Layout {
        Layout {
            lang: t.code(),
            user: String::new(),
            role: String::new(),
            logged_in: false,
            nav: vec![],
            csrf: String::new(),
            lang_vi_href: "/lang/vi?next=/login".into(),
            lang_en_href: "/lang/en?next=/login".into(),
            must_change_password: false,
        }
    }
}

/// A choice in a select box.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One form field as rendered: label, current value, hint and error.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub hint: String,
    pub error: String,
    /// `text`, `email`, `password`, `textarea`, `select`, `checkbox`.
    pub kind: &'static str,
    pub options: Vec<Opt>,
    pub required: bool,
    pub checked: bool,
    pub list: &'static str,
}

impl Field {
    pub fn text(t: Tr, name: &'static str, label_key: &str, value: &str) -> Field {
        Field { name, label: t.s(label_key).to_string(), value: value.to_string(), kind: "text", ..Default::default() }
    }

    pub fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    pub fn hint(mut self, t: Tr, key: &str) -> Field {
        self.hint = t.s(key).to_string();
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn list(mut self, id: &'static str) -> Field {
        self.list = id;
        self
    }

    pub fn select(t: Tr, name: &'static str, label_key: &str, value: &str, prefix: &str, values: &[&str]) -> Field {
        let options = values
            .iter()
            .map(|v| Opt { value: v.to_string(), label: t.label(prefix, v), selected: *v == value })
            .collect();
        Field {
            name,
            label: t.s(label_key).to_string(),
            value: value.to_string(),
            kind: "select",
            options,
            ..Default::default()
        }
    }

    pub fn checkbox(t: Tr, name: &'static str, label_key: &str, checked: bool) -> Field {
        Field { name, label: t.s(label_key).to_string(), kind: "checkbox", checked, ..Default::default() }
    }

    /// Attach the first error for this field, in the page's language.
    pub fn errors(mut self, t: Tr, errs: &[FieldError]) -> Field {
        if let Some(e) = errs.iter().find(|e| e.field == self.name) {
            self.error = e.problem.message(t.code());
        }
        self
    }
}

/// "dd/mm/yyyy HH:MM" in Vietnam time (UTC+7).
pub fn fmt_time(ts: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(ts + 7 * 3600) else { return String::new() };
    format!("{:02}/{:02}/{} {:02}:{:02}", t.day(), t.month() as u8, t.year(), t.hour(), t.minute())
}

/// Optional time, "—" when absent.
pub fn fmt_opt_time(ts: Option<i64>) -> String {
    ts.map(fmt_time).unwrap_or_else(|| "—".into())
}
