//! Remediation deadlines by severity. The province may change the number of days; the
//! defaults follow common government practice (CISA BOD 19-02 asks 15 days for critical and
//! 30 for high; medium and low get a quarter and half a year). Informational findings have
//! no deadline.

use super::Severity;
use serde::{Deserialize, Serialize};

/// Days allowed to remediate a finding, counted from when it was first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlinePolicy {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy { critical: 15, high: 30, medium: 90, low: 180 }
    }
}

pub const DAY: i64 = 86_400;

impl DeadlinePolicy {
    pub fn days(&self, s: Severity) -> Option<i64> {
        match s {
            Severity::Critical => Some(self.critical),
            Severity::High => Some(self.high),
            Severity::Medium => Some(self.medium),
            Severity::Low => Some(self.low),
            Severity::Info => None,
        }
    }

    /// The due time of a finding first seen at `first_seen`. A known-exploited vulnerability
    /// is due no later than the critical deadline, whatever its severity.
    pub fn due(&self, s: Severity, first_seen: i64, kev: bool) -> Option<i64> {
        let days = match (self.days(s), kev) {
            (Some(d), true) => Some(d.min(self.critical)),
            (None, true) => Some(self.critical),
            (d, false) => d,
        };
        days.map(|d| first_seen + d * DAY)
    }

    /// Every number must be 1..=3650 and never longer for a more severe level.
    pub fn validate(&self) -> Result<(), String> {
        let all = [self.critical, self.high, self.medium, self.low];
        if all.iter().any(|d| !(1..=3650).contains(d)) {
            return Err("each deadline must be between 1 and 3650 days".into());
        }
        if !(self.critical <= self.high && self.high <= self.medium && self.medium <= self.low) {
            return Err("a more severe level cannot have a longer deadline".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates() {
        let p = DeadlinePolicy::default();
        assert_eq!(p.due(Severity::High, 0, false), Some(30 * DAY));
        assert_eq!(p.due(Severity::Low, 0, true), Some(15 * DAY), "KEV tightens the deadline");
        assert_eq!(p.due(Severity::Info, 0, false), None);
        assert!(p.validate().is_ok());
        assert!(DeadlinePolicy { critical: 40, ..p }.validate().is_err());
        assert!(DeadlinePolicy { low: 0, ..p }.validate().is_err());
    }
}
