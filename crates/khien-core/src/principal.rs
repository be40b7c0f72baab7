//! Who is calling and what they may do: roles, scopes over the agency tree, and the
//! permission rule every handler asks before acting.
//!
//! A scope is either everything or a set of agency subtrees, each named by its materialised
//! path (`/1/17/230/`). "This agency and everything under it" is then a prefix test, here and
//! in SQL.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The five roles of PRODUCT.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Analyst,
    Inspector,
    Officer,
    Leader,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Analyst, Role::Inspector, Role::Officer, Role::Leader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Inspector => "inspector",
            Role::Officer => "officer",
            Role::Leader => "leader",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị cấp tỉnh",
            Role::Analyst => "Chuyên viên SOC",
            Role::Inspector => "Thanh tra, kiểm tra",
            Role::Officer => "Cán bộ phụ trách đơn vị",
            Role::Leader => "Lãnh đạo",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Province admin",
            Role::Analyst => "SOC analyst",
            Role::Inspector => "Inspector",
            Role::Officer => "Agency officer",
            Role::Leader => "Leader",
        }
    }

    /// Roles that must be bound to agency subtrees (they never see everything).
    pub fn requires_agency(self) -> bool {
        matches!(self, Role::Officer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a caller may see: everything, or the subtrees rooted at these agency paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    All,
    Subtrees(Vec<String>),
}

impl Scope {
    /// True when the agency with materialised path `path` lies in the scope.
    pub fn contains_path(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|r| path.starts_with(r.as_str())),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }
}

/// Actions that the permission rule decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read registry data in scope.
    Read,
    /// Create, edit, move agencies.
    ManageAgencies,
    /// Create and edit systems and their assets (within scope).
    ManageSystems,
    /// Manage user accounts and API tokens of others.
    ManageUsers,
    /// Browse the audit trail.
    ReadAudit,
    /// Import registry files.
    Import,
    /// Import scanner reports (into systems in scope).
    ImportScans,
    /// Change findings' status, comment, assign unassigned findings (within scope); the
    /// lifecycle rule decides which transitions each role may make.
    ManageFindings,
    /// Change province settings such as remediation deadlines, load KEV/EPSS files.
    ManageSettings,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// Set when the caller authenticated with an API token.
    pub token_id: Option<i64>,
}

impl Principal {
    /// The permission rule: may this caller perform `action` at all? Where the action touches
    /// an agency, the store also checks that the agency lies in [`Principal::scope`].
    pub fn can(&self, action: Action) -> bool {
        match action {
            Action::Read => true,
            Action::ManageAgencies | Action::ManageUsers | Action::Import => self.role == Role::Admin,
            Action::ManageSystems => matches!(self.role, Role::Admin | Role::Officer),
            Action::ReadAudit => matches!(self.role, Role::Admin | Role::Inspector),
            Action::ImportScans => matches!(self.role, Role::Admin | Role::Analyst | Role::Inspector | Role::Officer),
            Action::ManageFindings => matches!(self.role, Role::Admin | Role::Analyst | Role::Officer | Role::Leader),
            Action::ManageSettings => self.role == Role::Admin,
        }
    }

    /// A principal for command-line administration (full rights).
    pub fn system(username: &str) -> Principal {
        Principal {
            user_id: 0,
            username: username.to_string(),
            display_name: username.to_string(),
            role: Role::Admin,
            scope: Scope::All,
            token_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_prefix() {
        let s = Scope::Subtrees(vec!["/1/17/".into()]);
        assert!(s.contains_path("/1/17/"));
        assert!(s.contains_path("/1/17/230/"));
        assert!(!s.contains_path("/1/171/"));
        assert!(!s.contains_path("/1/"));
        assert!(Scope::All.contains_path("/9/"));
    }

    #[test]
    fn roles_round_trip_and_rights() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        let mut p = Principal::system("x");
        assert!(p.can(Action::ManageUsers));
        p.role = Role::Officer;
        assert!(p.can(Action::ManageSystems));
        assert!(!p.can(Action::ManageAgencies));
        p.role = Role::Leader;
        assert!(!p.can(Action::ManageSystems));
        assert!(!p.can(Action::ReadAudit));
    }
}
