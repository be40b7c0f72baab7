//! The logsource pipeline: which events a rule's `logsource` means, and how its field names
//! map to the event's.
//!
//! The mapping file uses the format of SigmaHQ's THOR table (`logsources:` entries with
//! `category`/`product`/`service`, and either `conditions` + `rewrite` + `fieldmappings`, or
//! `sources: [WinEventLog:<channel>]`). A rule resolves in two steps: its category (if any)
//! becomes one target per matching conditions entry (Sysmon EID 1, or Security 4688 with
//! `Image→NewProcessName`), then the rewritten product/service becomes a channel list.

use crate::rule::{Logsource, Problem};
use crate::yaml::{self, Node, Value};

/// The default mapping (built from SigmaHQ's table; see the file's header).
pub const DEFAULT_WINDOWS: &str = include_str!("../mapping/windows.yml");

#[derive(Debug, Clone, Default)]
struct Entry {
    category: Option<String>,
    product: Option<String>,
    service: Option<String>,
    conditions: Vec<(String, Vec<String>)>,
    rewrite_product: Option<String>,
    rewrite_service: Option<String>,
    sources: Vec<String>,
    fieldmappings: Vec<(String, String)>,
}

/// A loaded mapping.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    entries: Vec<Entry>,
}

/// One place a rule applies: channels (`None` = any Windows channel), extra conditions on
/// the event (field = one of the values), and field renames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    pub channels: Option<Vec<String>>,
    pub conditions: Vec<(String, Vec<String>)>,
    pub renames: Vec<(String, String)>,
}

impl Target {
    /// The event field a rule field reads.
    pub fn rename<'a>(&'a self, field: &'a str) -> &'a str {
        self.renames.iter().find(|(from, _)| from == field).map(|(_, to)| to.as_str()).unwrap_or(field)
    }
}

/// Where a rule applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Windows(Vec<Target>),
    /// The rule is for other logs (the reason names the product, category or service).
    Elsewhere(String),
}

impl Mapping {
    /// The default Windows mapping.
    pub fn default_windows() -> Mapping {
        Mapping::parse(DEFAULT_WINDOWS).unwrap_or_default()
    }

    /// Parses a mapping file.
    pub fn parse(text: &str) -> Result<Mapping, Problem> {
        let docs = yaml::load_all(text).map_err(|e| Problem::invalid(e.line, format!("YAML: {}", e.message)))?;
        let doc = docs.into_iter().next().ok_or_else(|| Problem::invalid(1, "empty mapping file"))?;
        let ls = doc.get("logsources").ok_or_else(|| Problem::invalid(doc.line, "a mapping needs 'logsources'"))?;
        let Value::Map(items) = &ls.value else {
            return Err(Problem::invalid(ls.line, "'logsources' must be a map"));
        };
        let mut entries = Vec::new();
        for (_, e) in items {
            if !matches!(e.value, Value::Map(_)) {
                return Err(Problem::invalid(e.line, "each logsource entry must be a map"));
            }
            let text = |n: &Node, k: &str| n.get(k).and_then(|v| v.scalar_text()).map(|s| s.to_lowercase());
            let mut entry = Entry {
                category: text(e, "category"),
                product: text(e, "product"),
                service: text(e, "service"),
                ..Entry::default()
            };
            if let Some(Value::Map(conds)) = e.get("conditions").map(|c| &c.value) {
                for (k, v) in conds {
                    let values = match &v.value {
                        Value::Seq(list) => list.iter().filter_map(|x| x.scalar_text()).collect(),
                        _ => v.scalar_text().into_iter().collect(),
                    };
                    entry.conditions.push((k.scalar_text().unwrap_or_default(), values));
                }
            }
            if let Some(r) = e.get("rewrite") {
                entry.rewrite_product = text(r, "product");
                entry.rewrite_service = text(r, "service");
            }
            if let Some(Value::Seq(srcs)) = e.get("sources").map(|s| &s.value) {
                entry.sources = srcs.iter().filter_map(|s| s.scalar_text()).collect();
            }
            if let Some(Value::Map(fm)) = e.get("fieldmappings").map(|f| &f.value) {
                for (k, v) in fm {
                    if let (Some(k), Some(v)) = (k.scalar_text(), v.scalar_text()) {
                        entry.fieldmappings.push((k, v));
                    }
                }
            }
            entries.push(entry);
        }
        Ok(Mapping { entries })
    }

    /// Resolves a rule's logsource.
    pub fn resolve(&self, ls: &Logsource) -> Resolved {
        if let Some(p) = &ls.product
            && p != "windows"
        {
            return Resolved::Elsewhere(format!("product {p}"));
        }
        // Step 1: category → (product, service, conditions, renames).
        let mut states: Vec<(Option<String>, Option<String>, Target)> = Vec::new();
        match &ls.category {
            Some(cat) => {
                for e in &self.entries {
                    let is_cond =
                        !e.conditions.is_empty() || e.rewrite_product.is_some() || e.rewrite_service.is_some();
                    if !is_cond || e.category.as_ref() != Some(cat) {
                        continue;
                    }
                    if let (Some(ep), Some(rp)) = (&e.product, &ls.product)
                        && ep != rp
                    {
                        continue;
                    }
                    states.push((
                        e.rewrite_product.clone().or_else(|| e.product.clone()).or_else(|| ls.product.clone()),
                        e.rewrite_service.clone().or_else(|| ls.service.clone()),
                        Target { channels: None, conditions: e.conditions.clone(), renames: e.fieldmappings.clone() },
                    ));
                }
                if states.is_empty() {
                    return Resolved::Elsewhere(format!(
                        "category {cat}{}",
                        if ls.product.is_some() { " (no Windows event log source is mapped for it)" } else { "" }
                    ));
                }
            }
            None => states.push((ls.product.clone(), ls.service.clone(), Target::default())),
        }
        // Step 2: product/service → channels.
        let mut targets = Vec::new();
        for (product, service, mut target) in states {
            if product.as_deref().is_some_and(|p| p != "windows") {
                continue;
            }
            match &service {
                Some(svc) => {
                    let mut channels = Vec::new();
                    let mut found = false;
                    for e in &self.entries {
                        if e.sources.is_empty() || e.service.as_ref() != Some(svc) {
                            continue;
                        }
                        if let (Some(ep), Some(p)) = (&e.product, &product)
                            && ep != p
                        {
                            continue;
                        }
                        found = true;
                        channels.extend(
                            e.sources.iter().filter_map(|s| s.strip_prefix("WinEventLog:")).map(str::to_string),
                        );
                    }
                    if !found || channels.is_empty() {
                        continue;
                    }
                    target.channels = Some(channels);
                }
                None => {
                    if product.is_none() && ls.category.is_none() {
                        // No logsource at all beyond what was checked: any event.
                    }
                }
            }
            targets.push(target);
        }
        if targets.is_empty() {
            return Resolved::Elsewhere(match (&ls.service, &ls.product) {
                (Some(s), _) => format!("service {s} (no channel is mapped for it)"),
                (None, None) => "no product".into(),
                (None, Some(p)) => format!("product {p}"),
            });
        }
        if ls.product.is_none() && ls.category.is_none() && ls.service.is_none() {
            return Resolved::Elsewhere("an empty logsource".into());
        }
        Resolved::Windows(targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(c: Option<&str>, p: Option<&str>, s: Option<&str>) -> Logsource {
        Logsource { category: c.map(str::to_string), product: p.map(str::to_string), service: s.map(str::to_string) }
    }

    #[test]
    fn process_creation_is_sysmon_1_or_security_4688_with_renames() {
        let m = Mapping::default_windows();
        let Resolved::Windows(t) = m.resolve(&ls(Some("process_creation"), Some("windows"), None)) else { panic!() };
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].channels.as_deref(), Some(&["Microsoft-Windows-Sysmon/Operational".to_string()][..]));
        assert_eq!(t[0].conditions, vec![("EventID".to_string(), vec!["1".to_string()])]);
        assert_eq!(t[1].channels.as_deref(), Some(&["Security".to_string()][..]));
        assert_eq!(t[1].rename("Image"), "NewProcessName");
        assert_eq!(t[1].rename("CommandLine"), "CommandLine");
    }

    #[test]
    fn services_products_and_other_logs() {
        let m = Mapping::default_windows();
        let Resolved::Windows(t) = m.resolve(&ls(None, Some("windows"), Some("security"))) else { panic!() };
        assert_eq!(t[0].channels.as_deref(), Some(&["Security".to_string()][..]));
        let Resolved::Windows(t) = m.resolve(&ls(None, Some("windows"), None)) else { panic!() };
        assert_eq!(t[0].channels, None);
        assert!(matches!(m.resolve(&ls(Some("process_creation"), Some("linux"), None)), Resolved::Elsewhere(_)));
        assert!(matches!(m.resolve(&ls(Some("webserver"), None, None)), Resolved::Elsewhere(_)));
        assert!(matches!(m.resolve(&ls(None, Some("windows"), Some("nonexistent"))), Resolved::Elsewhere(_)));
        let Resolved::Windows(t) = m.resolve(&ls(Some("antivirus"), None, None)) else { panic!() };
        assert_eq!(t[0].rename("Signature"), "ThreatName");
        assert_eq!(t[0].conditions[0].1.len(), 12);
    }
}
