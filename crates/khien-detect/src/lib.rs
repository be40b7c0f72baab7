//! `khien-detect`: the Sigma detection engine (spec v2.1.0) over Windows event logs and JSON
//! events. No database and no HTTP: the `khien hunt` command and, later, the SOC pipeline
//! drive it.
//!
//! The path of an event: an input reader ([`input`]) turns EVTX records or JSON documents
//! into a flat [`event::Event`]; [`ruleset::RuleSet::matches`] looks up the rules of the
//! event's channel and EventID in its index and evaluates their compiled expressions.
//!
//! Crates used, and why:
//! - `evtx`: the maintained, fast, safe-Rust EVTX parser (used by the tools we are measured
//!   against).
//! - `saphyr-parser`: a YAML 1.2 event parser with line/column marks, so rule problems name
//!   their line; we build our own bounded tree on top (depth, node and alias limits).
//! - `regex`: linear-time matching, so no rule can cause catastrophic backtracking.
//! - `aho-corasick`: one pass per field finds every rule literal (the prefilter).
//! - `rustc-hash`: a fast hash for field-name lookups (no untrusted-key DoS concern: names
//!   come from the rules, lookups from events, and a collision only costs time).
//! - `memchr` (substring search), `ipnet` (CIDR), `base64`, `jiff` (event
//!   times; already used by `evtx`), `flate2` (gzip inputs).

pub mod compile;
pub mod condition;
pub mod correlation;
pub mod eval;
pub mod event;
pub mod evtx_json;
pub mod fuzzing;
pub mod hunt;
pub mod input;
pub mod mapping;
pub mod modifiers;
pub mod pattern;
pub mod prefilter;
pub mod rule;
pub mod ruleset;
pub mod yaml;

pub use event::Event;
pub use rule::Level;
pub use ruleset::{Hit, Options, RuleSet};
