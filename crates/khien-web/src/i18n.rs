//! Message catalogues (Vietnamese default, English switchable), loaded once from the TOML
//! files compiled into the binary, and the language choice (a `lang` cookie).

use std::collections::HashMap;
use std::sync::OnceLock;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

type Catalogue = HashMap<String, String>;

fn load(src: &str) -> Catalogue {
    toml::from_str(src).unwrap_or_else(|e| panic!("built-in message catalogue is invalid: {e}"))
}

fn catalogues() -> &'static (Catalogue, Catalogue) {
    static C: OnceLock<(Catalogue, Catalogue)> = OnceLock::new();
    C.get_or_init(|| (load(include_str!("../i18n/vi.toml")), load(include_str!("../i18n/en.toml"))))
}

/// Translator for one language, used by templates as `t.s("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    /// The message for `key`; the key itself when missing (a test keeps that from happening).
    pub fn s<'a>(&self, key: &'a str) -> &'a str {
        let (vi, en) = catalogues();
        let cat = if self.lang == Lang::En { en } else { vi };
        match cat.get(key) {
            Some(v) => v.as_str(),
            None => key,
        }
    }

    /// The message for `prefix.value` (labels of enum values), the value when missing.
    pub fn label(&self, prefix: &str, value: &str) -> String {
        let key = format!("{prefix}.{value}");
        let (vi, en) = catalogues();
        let cat = if self.lang == Lang::En { en } else { vi };
        cat.get(&key).cloned().unwrap_or_else(|| value.to_string())
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_have_the_same_keys() {
        let (vi, en) = catalogues();
        let mut a: Vec<_> = vi.keys().collect();
        let mut b: Vec<_> = en.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert_eq!(Tr { lang: Lang::Vi }.s("nav.overview"), "Tổng quan");
        assert_eq!(Tr { lang: Lang::En }.s("nav.overview"), "Overview");
    }

    #[test]
    fn every_enum_value_has_a_label() {
        let (vi, _) = catalogues();
        for k in khien_core::AgencyKind::ALL {
            assert!(vi.contains_key(&format!("kind.{}", k.as_str())));
        }
        for k in khien_core::SystemCategory::ALL {
            assert!(vi.contains_key(&format!("cat.{}", k.as_str())));
        }
        for k in khien_core::SystemStatus::ALL {
            assert!(vi.contains_key(&format!("status.{}", k.as_str())));
        }
        for k in khien_core::Role::ALL {
            assert!(vi.contains_key(&format!("role.{}", k.as_str())));
        }
        for k in khien_core::AssetKind::ALL {
            assert!(vi.contains_key(&format!("asset.{}", k.as_str())));
        }
    }
}
