//! The finding lifecycle: open → in remediation → fixed (pending verification) → verified;
//! accepted risk (reason, approver, expiry: it reopens when the expiry passes); false
//! positive (reason, reviewer). Which role may make which transition, and what each needs.
//! Scans drive three automatic transitions (see the store's import): not reported any more
//! → fixed; reported again after fixed/verified → open with the regression mark; acceptance
//! expired → open.

use crate::principal::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Open,
    InRemediation,
    Fixed,
    Verified,
    Accepted,
    FalsePositive,
}

impl FindingStatus {
    pub const ALL: [FindingStatus; 6] = [
        FindingStatus::Open,
        FindingStatus::InRemediation,
        FindingStatus::Fixed,
        FindingStatus::Verified,
        FindingStatus::Accepted,
        FindingStatus::FalsePositive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::InRemediation => "in_remediation",
            FindingStatus::Fixed => "fixed",
            FindingStatus::Verified => "verified",
            FindingStatus::Accepted => "accepted",
            FindingStatus::FalsePositive => "false_positive",
        }
    }

    pub fn parse(s: &str) -> Option<FindingStatus> {
        FindingStatus::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }

    /// Still needs work: counted in "open findings" and checked against deadlines.
    pub fn is_active(self) -> bool {
        matches!(self, FindingStatus::Open | FindingStatus::InRemediation)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            FindingStatus::Open => "Chưa xử lý",
            FindingStatus::InRemediation => "Đang khắc phục",
            FindingStatus::Fixed => "Đã khắc phục, chờ xác minh",
            FindingStatus::Verified => "Đã xác minh",
            FindingStatus::Accepted => "Chấp nhận rủi ro",
            FindingStatus::FalsePositive => "Cảnh báo sai",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FindingStatus::Open => "Open",
            FindingStatus::InRemediation => "In remediation",
            FindingStatus::Fixed => "Fixed, pending verification",
            FindingStatus::Verified => "Verified",
            FindingStatus::Accepted => "Accepted risk",
            FindingStatus::FalsePositive => "False positive",
        }
    }

    pub fn label(self, lang: &str) -> &'static str {
        if lang == "en" { self.label_en() } else { self.label_vi() }
    }
}

/// A requested manual transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: FindingStatus,
    pub reason: String,
    /// For accepted risk: when the acceptance ends (Unix seconds).
    pub until: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a finding cannot go from {from} to {to}")]
    NotAllowed { from: &'static str, to: &'static str },
    #[error("your role may not set a finding to {0}")]
    Forbidden(&'static str),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("accepting a risk needs an expiry date in the future, at most three years ahead")]
    BadExpiry,
}

impl TransitionError {
    pub fn vi(&self) -> String {
        match self {
            TransitionError::NotAllowed { from, to } => format!(
                "Không thể chuyển lỗ hổng từ trạng thái “{}” sang “{}”.",
                FindingStatus::parse(from).map(|s| s.label_vi()).unwrap_or(from),
                FindingStatus::parse(to).map(|s| s.label_vi()).unwrap_or(to)
            ),
            TransitionError::Forbidden(to) => format!(
                "Vai trò của bạn không được chuyển lỗ hổng sang “{}”.",
                FindingStatus::parse(to).map(|s| s.label_vi()).unwrap_or(to)
            ),
            TransitionError::ReasonRequired => "Cần ghi rõ lý do.".into(),
            TransitionError::BadExpiry => {
                "Chấp nhận rủi ro cần có ngày hết hạn trong tương lai, không quá ba năm.".into()
            }
        }
    }

    pub fn message(&self, lang: &str) -> String {
        if lang == "en" { self.to_string() } else { self.vi() }
    }
}

/// May a user of `role` change a finding from `from` as `t` asks, at time `now`?
pub fn check(role: Role, from: FindingStatus, t: &Transition, now: i64) -> Result<(), TransitionError> {
    use FindingStatus::*;
    let allowed = match from {
        Open => matches!(t.to, InRemediation | Fixed | Accepted | FalsePositive),
        InRemediation => matches!(t.to, Open | Fixed | Accepted | FalsePositive),
        Fixed => matches!(t.to, Verified | Open),
        Verified | Accepted | FalsePositive => t.to == Open,
    };
    if !allowed {
        return Err(TransitionError::NotAllowed { from: from.as_str(), to: t.to.as_str() });
    }
    let role_ok = match t.to {
        Open | InRemediation | Fixed => matches!(role, Role::Admin | Role::Analyst | Role::Officer),
        // Verification and false-positive review are the SOC's call, not the fixer's.
        Verified | FalsePositive => matches!(role, Role::Admin | Role::Analyst),
        // Accepting a risk is a management decision.
        Accepted => matches!(role, Role::Admin | Role::Leader),
    };
    if !role_ok {
        return Err(TransitionError::Forbidden(t.to.as_str()));
    }
    let needs_reason = matches!(t.to, Accepted | FalsePositive) || (t.to == Open && from != InRemediation);
    if needs_reason && t.reason.trim().is_empty() {
        return Err(TransitionError::ReasonRequired);
    }
    if t.to == Accepted {
        match t.until {
            Some(u) if u > now && u <= now + 3 * 366 * 86_400 => {}
            _ => return Err(TransitionError::BadExpiry),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use FindingStatus::*;

    fn t(to: FindingStatus, reason: &str, until: Option<i64>) -> Transition {
        Transition { to, reason: reason.into(), until }
    }

    #[test]
    fn rules() {
        assert!(check(Role::Officer, Open, &t(InRemediation, "", None), 0).is_ok());
        assert!(check(Role::Officer, InRemediation, &t(Fixed, "", None), 0).is_ok());
        assert_eq!(check(Role::Officer, Fixed, &t(Verified, "", None), 0), Err(TransitionError::Forbidden("verified")));
        assert!(check(Role::Analyst, Fixed, &t(Verified, "", None), 0).is_ok());
        assert!(matches!(
            check(Role::Admin, Verified, &t(Fixed, "", None), 0),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert_eq!(check(Role::Analyst, Open, &t(FalsePositive, " ", None), 0), Err(TransitionError::ReasonRequired));
        assert_eq!(
            check(Role::Officer, Open, &t(Accepted, "x", Some(10)), 0),
            Err(TransitionError::Forbidden("accepted"))
        );
        assert_eq!(check(Role::Leader, Open, &t(Accepted, "x", None), 0), Err(TransitionError::BadExpiry));
        assert_eq!(check(Role::Leader, Open, &t(Accepted, "x", Some(-1)), 0), Err(TransitionError::BadExpiry));
        assert!(check(Role::Leader, Open, &t(Accepted, "budget", Some(86_400)), 0).is_ok());
        assert!(check(Role::Inspector, Open, &t(InRemediation, "", None), 0).is_err());
        assert!(check(Role::Admin, Accepted, &t(Open, "", None), 0).is_err(), "reopening needs a reason");
    }
}
