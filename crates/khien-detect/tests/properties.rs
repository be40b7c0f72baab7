//! Property tests (run in CI): the matchers agree with a reference implementation, the
//! condition grammar round-trips, and the fuzzing entry points never panic on random or
//! mutated input.

use khien_detect::condition::{self, Cond};
use khien_detect::pattern::{SigmaStr, StrMatcher, glob_match};
use proptest::prelude::*;

/// A reference: the Sigma value as a regex over the whole text.
fn reference(value: &SigmaStr, text: &str) -> bool {
    let mut re = String::from("(?s)^");
    for p in &value.parts {
        match p {
            khien_detect::pattern::Part::Lit(s) => re.push_str(&regex::escape(s)),
            khien_detect::pattern::Part::Star => re.push_str(".*"),
            khien_detect::pattern::Part::One => re.push('.'),
        }
    }
    re.push('$');
    regex::Regex::new(&re).unwrap().is_match(text)
}

fn cond_strategy() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        // Keywords of the grammar (`or`, `and`, `not`, `of`, `them`, `all`, `any`) are not names.
        "[a-z][a-z0-9_]{0,6}"
            .prop_filter("a keyword", |s| !["or", "and", "not", "of", "them", "all", "any"].contains(&s.as_str()))
            .prop_map(Cond::Ident),
        "[a-z][a-z0-9_]{0,4}\\*".prop_map(|p| Cond::OneOf(Some(p))),
        "[a-z][a-z0-9_]{0,4}\\*".prop_map(|p| Cond::AllOf(Some(p))),
        Just(Cond::OneOf(None)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
            prop::collection::vec(inner, 2..4).prop_map(Cond::Or),
        ]
    })
}

fn render(c: &Cond) -> String {
    match c {
        Cond::Ident(s) => s.clone(),
        Cond::OneOf(p) => format!("1 of {}", p.as_deref().unwrap_or("them")),
        Cond::AllOf(p) => format!("all of {}", p.as_deref().unwrap_or("them")),
        Cond::Not(i) => format!("not ({})", render(i)),
        Cond::And(v) => v.iter().map(|c| format!("({})", render(c))).collect::<Vec<_>>().join(" and "),
        Cond::Or(v) => v.iter().map(|c| format!("({})", render(c))).collect::<Vec<_>>().join(" or "),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compiled_matchers_agree_with_the_reference(value in "[a-c*?\\\\]{0,8}", text in "[a-cA-C\\\\]{0,12}") {
        let v = SigmaStr::parse(&value);
        let m = StrMatcher::compile(&v, true);
        let lower = v.map_literals(|s| s.to_lowercase());
        prop_assert_eq!(m.is_match(&text.to_lowercase()), reference(&lower, &text.to_lowercase()));
        prop_assert_eq!(glob_match(&lower.parts, &text.to_lowercase()), reference(&lower, &text.to_lowercase()));
    }

    #[test]
    fn conditions_round_trip(c in cond_strategy()) {
        let text = render(&c);
        let parsed = condition::parse(&text).unwrap();
        // Parenthesised rendering keeps the tree; compare by rendering again.
        prop_assert_eq!(render(&parsed), render(&normalise(&c)));
    }

    #[test]
    fn the_condition_parser_never_panics(s in "[a-z01 ()*|_]{0,40}") {
        let _ = condition::parse(&s);
    }

    #[test]
    fn the_rule_parser_never_panics(s in ".{0,300}") {
        khien_detect::fuzzing::rule_parser(s.as_bytes());
    }

    #[test]
    fn mutated_rules_never_panic(pos in 0usize..400, byte in any::<u8>()) {
        let mut rule = b"title: T\nid: x\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\\\a.exe'\n    CommandLine|contains|all: ['-x', '/y']\n  filter:\n    User|re: '^S-1-5-18$'\n  condition: sel and not filter\n---\ntitle: C\ncorrelation: {type: event_count, rules: [x], timespan: 5m, condition: {gte: 2}}\n".to_vec();
        let p = pos % rule.len();
        rule[p] = byte;
        khien_detect::fuzzing::rule_parser(&rule);
    }

    #[test]
    fn the_event_path_never_panics(data in prop::collection::vec(any::<u8>(), 0..600)) {
        khien_detect::fuzzing::event_path(&data);
    }

    #[test]
    fn mutated_evtx_never_panics(offset in 0usize..70_000, bytes in prop::collection::vec(any::<u8>(), 1..16)) {
        static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let sample = SAMPLE.get_or_init(|| {
            let p = testdata().join("sigma/regression/rules/windows/process_creation/proc_creation_win_sc_stop_service/81bcb81b-5b1f-474b-b373-52c871aaa7b1.evtx");
            std::fs::read(p).unwrap()
        });
        let mut data = sample.clone();
        let at = offset % data.len();
        for (i, b) in bytes.iter().enumerate() {
            if let Some(slot) = data.get_mut(at + i) {
                *slot = *b;
            }
        }
        khien_detect::fuzzing::event_path(&data);
    }
}

/// Flattens nested and/or the way the parser does (a chain of `and`s is one node).
fn normalise(c: &Cond) -> Cond {
    match c {
        Cond::Not(i) => Cond::Not(Box::new(normalise(i))),
        Cond::And(v) => Cond::And(v.iter().map(normalise).collect()),
        Cond::Or(v) => Cond::Or(v.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// `shared/testdata` beside the checkout, or at `KHIEN_TESTDATA`.
pub fn testdata() -> std::path::PathBuf {
    std::env::var_os("KHIEN_TESTDATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"))
}
