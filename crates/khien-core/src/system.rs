//! Information systems (hệ thống thông tin): the Decree 85 Art 6.2 categories, lifecycle
//! status, and input validation.

use crate::problem::{FieldError, Problem, check};
use serde::{Deserialize, Serialize};

/// System type of Decree 85/2016 Art 6.2 (codes as in `regulation.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemCategory {
    Internal,
    CitizenBusiness,
    Infrastructure,
    IndustrialControl,
    Other,
}

impl SystemCategory {
    pub const ALL: [SystemCategory; 5] = [
        SystemCategory::Internal,
        SystemCategory::CitizenBusiness,
        SystemCategory::Infrastructure,
        SystemCategory::IndustrialControl,
        SystemCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SystemCategory::Internal => "internal",
            SystemCategory::CitizenBusiness => "citizen_business",
            SystemCategory::Infrastructure => "infrastructure",
            SystemCategory::IndustrialControl => "industrial_control",
            SystemCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<SystemCategory> {
        let s = s.trim().to_ascii_lowercase();
        SystemCategory::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            SystemCategory::Internal => "Phục vụ hoạt động nội bộ",
            SystemCategory::CitizenBusiness => "Phục vụ người dân, doanh nghiệp",
            SystemCategory::Infrastructure => "Cơ sở hạ tầng thông tin",
            SystemCategory::IndustrialControl => "Điều khiển công nghiệp",
            SystemCategory::Other => "Hệ thống thông tin khác",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SystemCategory::Internal => "Internal operations",
            SystemCategory::CitizenBusiness => "Services to citizens and businesses",
            SystemCategory::Infrastructure => "Information infrastructure",
            SystemCategory::IndustrialControl => "Industrial control",
            SystemCategory::Other => "Other",
        }
    }
}

/// Where a system is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemStatus {
    Planned,
    Operating,
    Upgrading,
    Retired,
}

impl SystemStatus {
    pub const ALL: [SystemStatus; 4] =
        [SystemStatus::Planned, SystemStatus::Operating, SystemStatus::Upgrading, SystemStatus::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            SystemStatus::Planned => "planned",
            SystemStatus::Operating => "operating",
            SystemStatus::Upgrading => "upgrading",
            SystemStatus::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<SystemStatus> {
        let s = s.trim().to_ascii_lowercase();
        SystemStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            SystemStatus::Planned => "Đang xây dựng",
            SystemStatus::Operating => "Đang vận hành",
            SystemStatus::Upgrading => "Đang nâng cấp",
            SystemStatus::Retired => "Dừng vận hành",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SystemStatus::Planned => "Planned / being built",
            SystemStatus::Operating => "Operating",
            SystemStatus::Upgrading => "Being upgraded",
            SystemStatus::Retired => "Retired",
        }
    }
}

/// A new or edited system as the user typed it; agencies by code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub owner_code: String,
    #[serde(default)]
    pub operator_code: String,
    pub category: String,
    #[serde(default)]
    pub shared: bool,
    /// Codes of the agencies that use a shared platform.
    #[serde(default)]
    pub user_codes: Vec<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// A validated system input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSystem {
    pub category: SystemCategory,
    pub status: SystemStatus,
}

impl SystemInput {
    /// Trim every field; an empty operator means the owner operates it.
    pub fn trimmed(mut self) -> Self {
        for f in [
            &mut self.code,
            &mut self.name,
            &mut self.description,
            &mut self.owner_code,
            &mut self.operator_code,
            &mut self.category,
            &mut self.status,
            &mut self.contact_name,
            &mut self.contact_email,
            &mut self.contact_phone,
        ] {
            *f = f.trim().to_string();
        }
        if self.operator_code.is_empty() {
            self.operator_code = self.owner_code.clone();
        }
        if self.status.is_empty() {
            self.status = SystemStatus::Operating.as_str().into();
        }
        self.user_codes = self.user_codes.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
        self.user_codes.sort();
        self.user_codes.dedup();
        self
    }

    pub fn validate(&self) -> Result<ValidSystem, Vec<FieldError>> {
        let mut errs = Vec::new();
        check::code(&mut errs, "code", &self.code);
        check::text(&mut errs, "name", &self.name, 200);
        check::optional_text(&mut errs, "description", &self.description, 4000);
        if self.owner_code.is_empty() {
            errs.push(FieldError::new("owner_code", Problem::Required));
        } else {
            check::code(&mut errs, "owner_code", &self.owner_code);
        }
        check::code(&mut errs, "operator_code", &self.operator_code);
        for c in &self.user_codes {
            let mut e = Vec::new();
            check::code(&mut e, "user_codes", c);
            if !e.is_empty() {
                errs.push(FieldError::new("user_codes", Problem::NotFound { what: format!("cơ quan mã «{c}»") }));
                break;
            }
        }
        if !self.shared && !self.user_codes.is_empty() {
            errs.push(FieldError::new(
                "user_codes",
                Problem::Other {
                    vi: "Chỉ hệ thống dùng chung mới có danh sách đơn vị sử dụng.".into(),
                    en: "Only a shared platform has user agencies.".into(),
                },
            ));
        }
        check::optional_text(&mut errs, "contact_name", &self.contact_name, 120);
        check::email(&mut errs, "contact_email", &self.contact_email);
        check::phone(&mut errs, "contact_phone", &self.contact_phone);
        let category = SystemCategory::parse(&self.category);
        if category.is_none() {
            errs.push(FieldError::new(
                "category",
                if self.category.is_empty() {
                    Problem::Required
                } else {
                    Problem::UnknownValue { allowed: SystemCategory::ALL.iter().map(|c| c.as_str().into()).collect() }
                },
            ));
        }
        let status = SystemStatus::parse(&self.status);
        if status.is_none() {
            errs.push(FieldError::new(
                "status",
                Problem::UnknownValue { allowed: SystemStatus::ALL.iter().map(|c| c.as_str().into()).collect() },
            ));
        }
        match (category, status) {
            (Some(category), Some(status)) if errs.is_empty() => Ok(ValidSystem { category, status }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SystemInput {
        SystemInput {
            code: "IOFFICE".into(),
            name: "Quản lý văn bản".into(),
            owner_code: "UBND".into(),
            category: "internal".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_operator_and_status() {
        let s = base().trimmed();
        assert_eq!(s.operator_code, "UBND");
        assert_eq!(s.validate().unwrap().status, SystemStatus::Operating);
    }

    #[test]
    fn rejects_bad_fields() {
        let mut s = base();
        s.category = "database".into();
        s.contact_email = "no-at-sign".into();
        s.user_codes = vec!["A".into()];
        let errs = s.trimmed().validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["user_codes", "contact_email", "category"]);
    }
}
