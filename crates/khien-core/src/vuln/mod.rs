//! Vulnerability-management rules: severities, the finding lifecycle, remediation deadlines,
//! finding fingerprints and the matching of scanner targets to systems' assets. Pure: the
//! store and the web layer call these rules, nothing here does I/O.

pub mod deadline;
pub mod fingerprint;
pub mod lifecycle;
pub mod matching;
pub mod severity;

pub use deadline::DeadlinePolicy;
pub use fingerprint::{FingerprintInput, fingerprint, fingerprint_and_target, target_key};
pub use lifecycle::{FindingStatus, Transition, TransitionError};
pub use matching::AssetIndex;
pub use severity::Severity;
