//! Khiên's domain core: the agency tree and access scopes, roles, registry types and their
//! validation rules, asset normalisation, text folding for search, the audit hash chain, and
//! the vulnerability-management rules (severities, lifecycle, deadlines, fingerprints).
//!
//! Nothing here does I/O or is async, so every rule can be tested and reused from the CLI, the
//! web layer and the store alike.

pub mod agency;
pub mod asset;
pub mod audit;
pub mod demo;
pub mod principal;
pub mod problem;
pub mod system;
pub mod text;
pub mod vuln;

pub use agency::{AgencyInput, AgencyKind};
pub use asset::{AssetKind, NormalisedAsset, normalise_asset};
pub use principal::{Action, Principal, Role, Scope};
pub use problem::{FieldError, Problem};
pub use system::{SystemCategory, SystemInput, SystemStatus};
