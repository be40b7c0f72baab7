//! The five-level severity scale every scanner's own scale is mapped to.

use serde::{Deserialize, Serialize};

/// Severity on Khiên's scale (nghiêm trọng / cao / trung bình / thấp / thông tin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// From the most to the least severe (the order of tables and charts).
    pub const DESC: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// 0 (info) to 4 (critical), stored for sorting and range filters.
    pub fn rank(self) -> i64 {
        self as i64
    }

    pub fn from_rank(r: i64) -> Severity {
        match r {
            4.. => Severity::Critical,
            3 => Severity::High,
            2 => Severity::Medium,
            1 => Severity::Low,
            _ => Severity::Info,
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        let s = s.trim().to_ascii_lowercase();
        Severity::DESC.into_iter().find(|v| v.as_str() == s)
    }

    /// The severity a CVSS base score falls in (CVSS v3/v4 qualitative ratings; 0.0 = info).
    pub fn from_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Severity::Critical => "Nghiêm trọng",
            Severity::High => "Cao",
            Severity::Medium => "Trung bình",
            Severity::Low => "Thấp",
            Severity::Info => "Thông tin",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::High => "High",
            Severity::Medium => "Medium",
            Severity::Low => "Low",
            Severity::Info => "Info",
        }
    }

    pub fn label(self, lang: &str) -> &'static str {
        if lang == "en" { self.label_en() } else { self.label_vi() }
    }
}
