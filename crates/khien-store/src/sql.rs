//! A tiny SQL builder: text with `$n` placeholders and the values bound to them, valid on both
//! SQLite and PostgreSQL. Scope conditions are appended through [`Sql::scope`].

use khien_core::Scope;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    Bool(bool),
    OptF64(Option<f64>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I64(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptI64(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Arg::OptF64(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// SQL text and its arguments.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    /// Append raw SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Append a placeholder bound to `v`.
    pub fn bind(&mut self, v: impl Into<Arg>) -> &mut Self {
        self.args.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Bind a value without writing a placeholder (for SQL that already names `$n`).
    pub fn arg(mut self, v: impl Into<Arg>) -> Sql {
        self.args.push(v.into());
        self
    }

    /// Append a condition that `path_col` (a materialised path column) lies in `scope`.
    /// `Scope::All` appends `TRUE`; an empty subtree list appends `FALSE`.
    pub fn scope(&mut self, path_col: &str, scope: &Scope) -> &mut Self {
        match scope {
            Scope::All => {
                self.push("TRUE");
            }
            Scope::Subtrees(roots) if roots.is_empty() => {
                self.push("FALSE");
            }
            Scope::Subtrees(roots) => {
                self.push("(");
                for (i, root) in roots.iter().enumerate() {
                    if i > 0 {
                        self.push(" OR ");
                    }
                    let (lo, hi) = subtree_range(root);
                    self.push(&format!("({path_col} >= ")).bind(lo);
                    self.push(&format!(" AND {path_col} < ")).bind(hi).push(")");
                }
                self.push(")");
            }
        }
        self
    }

    /// Append a condition that the system aliased `s` is visible in `scope`: its owner or
    /// operator lies in scope, or (for a shared platform) one of its user agencies does.
    /// Written as `IN (subquery)` so that both planners drive it from the agency-path index
    /// instead of testing every system.
    pub fn system_visible(&mut self, s: &str, scope: &Scope) -> &mut Self {
        if scope.is_all() {
            return self.push("TRUE");
        }
        self.push(&format!("({s}.owner_agency_id IN (SELECT va.id FROM agencies va WHERE "));
        self.scope("va.path", scope);
        self.push(&format!(") OR {s}.operator_agency_id IN (SELECT vb.id FROM agencies vb WHERE "));
        self.scope("vb.path", scope);
        self.push(&format!(
            ") OR {s}.id IN (SELECT vu.system_id FROM system_users vu JOIN agencies vc ON vc.id = vu.agency_id WHERE "
        ));
        self.scope("vc.path", scope);
        self.push("))")
    }

    /// Append a condition that the finding aliased `f` is visible in `scope`: its system is,
    /// or it is unassigned and kept by an agency in scope (the province's own unassigned list,
    /// `agency_id` NULL, is visible to province-wide users only).
    pub fn finding_visible(&mut self, f: &str, scope: &Scope) -> &mut Self {
        if scope.is_all() {
            return self.push("TRUE");
        }
        self.push(&format!("({f}.system_id IN (SELECT fs.id FROM systems fs WHERE "));
        self.system_visible("fs", scope);
        self.push(&format!(") OR ({f}.system_id IS NULL AND {f}.agency_id IN (SELECT fa.id FROM agencies fa WHERE "));
        self.scope("fa.path", scope);
        self.push(")))")
    }

    /// Append a condition that the finding aliased `f` may be changed in `scope`: its system
    /// may be, or it is an unassigned finding visible in scope.
    pub fn finding_writable(&mut self, f: &str, scope: &Scope) -> &mut Self {
        if scope.is_all() {
            return self.push("TRUE");
        }
        self.push(&format!("({f}.system_id IN (SELECT fs.id FROM systems fs WHERE "));
        self.system_writable("fs", scope);
        self.push(&format!(") OR ({f}.system_id IS NULL AND {f}.agency_id IN (SELECT fa.id FROM agencies fa WHERE "));
        self.scope("fa.path", scope);
        self.push(")))")
    }

    /// Append a condition that the system aliased `s` may be changed in `scope`: its owner
    /// or operator lies in scope.
    pub fn system_writable(&mut self, s: &str, scope: &Scope) -> &mut Self {
        if scope.is_all() {
            return self.push("TRUE");
        }
        self.push(&format!("({s}.owner_agency_id IN (SELECT wa.id FROM agencies wa WHERE "));
        self.scope("wa.path", scope);
        self.push(&format!(") OR {s}.operator_agency_id IN (SELECT wb.id FROM agencies wb WHERE "));
        self.scope("wb.path", scope);
        self.push("))")
    }
}

/// The half-open byte range of paths in the subtree rooted at `root` (`/1/17/`): from the
/// root itself up to the root with its final `/` replaced by `0`, the next byte. Works as an
/// indexed range on SQLite and on PostgreSQL (paths use the C collation there).
pub fn subtree_range(root: &str) -> (String, String) {
    let mut hi = root.strip_suffix('/').unwrap_or(root).to_string();
    hi.push('0');
    (root.to_string(), hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_placeholders() {
        let mut s = Sql::new("SELECT 1 WHERE a = ");
        s.bind(1i64).push(" AND ").scope("p", &Scope::Subtrees(vec!["/1/2/".into()]));
        assert_eq!(s.text, "SELECT 1 WHERE a = $1 AND ((p >= $2 AND p < $3))");
        assert_eq!(s.args.len(), 3);
    }

    #[test]
    fn range() {
        let (lo, hi) = subtree_range("/1/17/");
        assert_eq!((lo.as_str(), hi.as_str()), ("/1/17/", "/1/170"));
        for p in ["/1/17/", "/1/17/2/", "/1/17/999/5/"] {
            assert!(p >= lo.as_str() && p < hi.as_str(), "{p}");
        }
        for p in ["/1/", "/1/170/", "/1/18/", "/1/1/"] {
            assert!(!(p >= lo.as_str() && p < hi.as_str()), "{p}");
        }
    }
}
