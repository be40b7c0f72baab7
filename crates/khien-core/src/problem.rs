//! Validation problems: what is wrong with one field, in words a non-expert can act on, in
//! Vietnamese (the default) and English.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: &str, problem: Problem) -> Self {
        Self { field: field.to_string(), problem }
    }
}

/// A validation problem. Each has a message in both UI languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong { max: usize },
    TooShort { min: usize },
    BadCode,
    ControlChars,
    UnknownValue { allowed: Vec<String> },
    BadEmail,
    BadPhone,
    BadAsset,
    NotFound { what: String },
    Duplicate { what: String },
    OutOfScope,
    Cycle,
    Other { vi: String, en: String },
}

impl Problem {
    /// The message in Vietnamese.
    pub fn vi(&self) -> String {
        match self {
            Problem::Required => "Bắt buộc nhập.".into(),
            Problem::TooLong { max } => format!("Quá dài: tối đa {max} ký tự."),
            Problem::TooShort { min } => format!("Quá ngắn: tối thiểu {min} ký tự."),
            Problem::BadCode => {
                "Mã chỉ gồm chữ không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới (tối đa 40 ký tự).".into()
            }
            Problem::ControlChars => "Có ký tự điều khiển không hợp lệ.".into(),
            Problem::UnknownValue { allowed } => {
                format!("Giá trị không hợp lệ. Chọn một trong: {}.", allowed.join(", "))
            }
            Problem::BadEmail => "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@nghean.gov.vn).".into(),
            Problem::BadPhone => "Số điện thoại chỉ gồm chữ số, khoảng trắng, +, -, dấu chấm (8–20 ký tự).".into(),
            Problem::BadAsset => {
                "Không nhận ra tài sản: nhập địa chỉ IP (10.0.0.5), dải CIDR (10.0.0.0/24), tên máy (mail.nghean.gov.vn) hoặc URL (https://...).".into()
            }
            Problem::NotFound { what } => format!("Không tìm thấy {what}."),
            Problem::Duplicate { what } => format!("{what} đã tồn tại."),
            Problem::OutOfScope => "Bạn không có quyền với cơ quan, đơn vị này.".into(),
            Problem::Cycle => "Không thể chuyển một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.".into(),
            Problem::Other { vi, .. } => vi.clone(),
        }
    }

    /// The message in English.
    pub fn en(&self) -> String {
        match self {
            Problem::Required => "Required.".into(),
            Problem::TooLong { max } => format!("Too long: at most {max} characters."),
            Problem::TooShort { min } => format!("Too short: at least {min} characters."),
            Problem::BadCode => {
                "A code may hold only unaccented letters, digits, '.', '-' or '_' (at most 40).".into()
            }
            Problem::ControlChars => "Contains invalid control characters.".into(),
            Problem::UnknownValue { allowed } => {
                format!("Invalid value. Choose one of: {}.", allowed.join(", "))
            }
            Problem::BadEmail => "Not a valid e-mail address (e.g. name@nghean.gov.vn).".into(),
            Problem::BadPhone => "A phone number holds digits, spaces, +, - or . (8–20 characters).".into(),
            Problem::BadAsset => {
                "Not a recognised asset: enter an IP (10.0.0.5), a CIDR range (10.0.0.0/24), a host name (mail.nghean.gov.vn) or a URL (https://...).".into()
            }
            Problem::NotFound { what } => format!("{what} not found."),
            Problem::Duplicate { what } => format!("{what} already exists."),
            Problem::OutOfScope => "You have no access to this agency.".into(),
            Problem::Cycle => "An agency cannot be moved under itself or one of its sub-units.".into(),
            Problem::Other { en, .. } => en.clone(),
        }
    }

    /// The message in the given language code (`vi` or `en`).
    pub fn message(&self, lang: &str) -> String {
        if lang == "en" { self.en() } else { self.vi() }
    }
}

/// Shared field checks used by several inputs.
pub mod check {
    use super::{FieldError, Problem};
    use crate::text::has_control_chars;

    /// A required, trimmed text of at most `max` characters.
    pub fn text(errs: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            errs.push(FieldError::new(field, Problem::Required));
        } else {
            optional_text(errs, field, value, max);
        }
    }

    /// An optional text of at most `max` characters.
    pub fn optional_text(errs: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            errs.push(FieldError::new(field, Problem::TooLong { max }));
        } else if has_control_chars(value) {
            errs.push(FieldError::new(field, Problem::ControlChars));
        }
    }

    /// A registry code: 1–40 of `[A-Za-z0-9._-]`.
    pub fn code(errs: &mut Vec<FieldError>, field: &str, value: &str) {
        if value.is_empty() {
            errs.push(FieldError::new(field, Problem::Required));
        } else if value.len() > 40
            || !value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            errs.push(FieldError::new(field, Problem::BadCode));
        }
    }

    /// An optional e-mail address (simple shape check: one `@`, a dot in the domain).
    pub fn email(errs: &mut Vec<FieldError>, field: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let ok = value.len() <= 200
            && value.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty()
                    && d.contains('.')
                    && !d.starts_with('.')
                    && !d.ends_with('.')
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control())
                    && !d.contains('@')
            });
        if !ok {
            errs.push(FieldError::new(field, Problem::BadEmail));
        }
    }

    /// An optional phone number.
    pub fn phone(errs: &mut Vec<FieldError>, field: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let ok = (8..=20).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '.'))
            && value.chars().filter(|c| c.is_ascii_digit()).count() >= 8;
        if !ok {
            errs.push(FieldError::new(field, Problem::BadPhone));
        }
    }
}
