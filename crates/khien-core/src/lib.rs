//! Khiên's domain core: the agency tree and access scopes, roles, registry types and their
//! validation rules, asset normalisation, text folding for search, and the audit hash chain.
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

pub use agency::{AgencyInput, AgencyKind};
pub use asset::{AssetKind, NormalisedAsset, normalise_asset};
pub use principal::{Action, Principal, Role, Scope};
pub use problem::{FieldError, Problem};
pub use system::{SystemCategory, SystemInput, SystemStatus};
