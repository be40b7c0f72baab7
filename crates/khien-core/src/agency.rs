//! Agencies (cơ quan, đơn vị): kinds, input validation and materialised-path helpers.
//!
//! Kinds are data, not hierarchy rules: the 2025 reorganisation removed districts, so any
//! kind may sit under any other and the tree may have any depth.

use crate::problem::{FieldError, Problem, check};
use serde::{Deserialize, Serialize};

/// The tier of an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// Provincial People's Committee (UBND tỉnh).
    Province,
    /// Department or provincial body (sở, ban, ngành).
    Department,
    /// District, town or city (huyện, thị xã, thành phố) — kept for history.
    District,
    /// Commune or ward (xã, phường, thị trấn).
    Commune,
    /// Other unit (đơn vị sự nghiệp, trung tâm, trường, bệnh viện...).
    Unit,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 5] =
        [AgencyKind::Province, AgencyKind::Department, AgencyKind::District, AgencyKind::Commune, AgencyKind::Unit];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Province => "province",
            AgencyKind::Department => "department",
            AgencyKind::District => "district",
            AgencyKind::Commune => "commune",
            AgencyKind::Unit => "unit",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyKind> {
        let s = s.trim().to_ascii_lowercase();
        AgencyKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            AgencyKind::Province => "Cấp tỉnh",
            AgencyKind::Department => "Sở, ban, ngành",
            AgencyKind::District => "Huyện, thị xã, thành phố",
            AgencyKind::Commune => "Xã, phường, thị trấn",
            AgencyKind::Unit => "Đơn vị trực thuộc",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AgencyKind::Province => "Province",
            AgencyKind::Department => "Department",
            AgencyKind::District => "District",
            AgencyKind::Commune => "Commune / ward",
            AgencyKind::Unit => "Unit",
        }
    }

    fn allowed() -> Vec<String> {
        AgencyKind::ALL.iter().map(|k| k.as_str().to_string()).collect()
    }
}

/// A new or edited agency as the user typed it (trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// Code of the parent agency; empty for a root.
    #[serde(default)]
    pub parent_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

impl AgencyInput {
    /// Trim every field.
    pub fn trimmed(mut self) -> Self {
        for f in [
            &mut self.code,
            &mut self.name,
            &mut self.kind,
            &mut self.parent_code,
            &mut self.address,
            &mut self.email,
            &mut self.phone,
        ] {
            *f = f.trim().to_string();
        }
        self.kind = self.kind.to_ascii_lowercase();
        self
    }

    /// Check shapes (not existence of the parent: that is the store's job).
    pub fn validate(&self) -> Result<AgencyKind, Vec<FieldError>> {
        let mut errs = Vec::new();
        check::code(&mut errs, "code", &self.code);
        check::text(&mut errs, "name", &self.name, 200);
        check::optional_text(&mut errs, "address", &self.address, 300);
        check::email(&mut errs, "email", &self.email);
        check::phone(&mut errs, "phone", &self.phone);
        if !self.parent_code.is_empty() {
            check::code(&mut errs, "parent_code", &self.parent_code);
        }
        let kind = AgencyKind::parse(&self.kind);
        if kind.is_none() {
            errs.push(FieldError::new(
                "kind",
                if self.kind.is_empty() {
                    Problem::Required
                } else {
                    Problem::UnknownValue { allowed: AgencyKind::allowed() }
                },
            ));
        }
        match kind {
            Some(k) if errs.is_empty() => Ok(k),
            _ => Err(errs),
        }
    }
}

/// The materialised path of a child with id `id` under `parent_path` (or a root).
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// Agency ids along a path, root first: `/1/17/230/` → `[1, 17, 230]`.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|p| p.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        let ok =
            AgencyInput {
                code: "SYT".into(), name: "Sở Y tế".into(), kind: "Department".into(), ..Default::default()
            }
            .trimmed();
        assert_eq!(ok.validate(), Ok(AgencyKind::Department));
        let bad = AgencyInput { code: "S Y T".into(), kind: "x".into(), ..Default::default() };
        let errs = bad.validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "name", "kind"]);
    }

    #[test]
    fn paths() {
        assert_eq!(child_path(None, 1), "/1/");
        assert_eq!(child_path(Some("/1/"), 17), "/1/17/");
        assert_eq!(path_ids("/1/17/230/"), [1, 17, 230]);
    }
}
