//! Entry points for fuzzing (used by the `fuzz/` targets and by the property tests that run
//! in CI): each takes arbitrary bytes and must return without panicking, in bounded time
//! and memory.

use crate::input;
use crate::ruleset::{Options, RuleSet};
use std::sync::OnceLock;

fn options() -> &'static Options {
    static OPTS: OnceLock<Options> = OnceLock::new();
    OPTS.get_or_init(Options::windows)
}

/// Arbitrary bytes as a rule file: loads it and runs the result on a fixed event.
pub fn rule_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let set = RuleSet::from_sources(vec![("fuzz.yml".into(), text)], options());
    let doc = serde_json::json!({"Channel": "Security", "EventID": 4624, "Hostname": "pc",
        "TargetUserName": "bob", "IpAddress": "10.1.2.3", "CommandLine": "cmd /c whoami"});
    if let Ok((ev, _)) = crate::event::from_json(&doc) {
        let mut hits = Vec::new();
        set.matches(&ev, &mut hits);
    }
}

fn small_set() -> &'static RuleSet {
    static SET: OnceLock<RuleSet> = OnceLock::new();
    SET.get_or_init(|| {
        let rule = "title: F\nlogsource: {product: windows}\ndetection:\n  s:\n    - CommandLine|contains: 'whoami'\n    - Image|endswith: '.exe'\n    - EventID: 4624\n  k:\n    - 'mimikatz'\n  condition: s or k\n";
        RuleSet::from_sources(vec![("f.yml".into(), rule.into())], options())
    })
}

/// Arbitrary bytes as an event file (EVTX when it starts with the EVTX magic, else JSON
/// and JSON Lines): every event read is matched.
pub fn event_path(data: &[u8]) {
    let set = small_set();
    let mut hits = Vec::new();
    let mut on_event = |ev: crate::event::Event| {
        hits.clear();
        set.matches(&ev, &mut hits);
    };
    let mut problem = |_p: String| {};
    if data.starts_with(b"ElfFile\0") {
        input::read_evtx_bytes("fuzz.evtx", data, &mut on_event, &mut problem);
    } else {
        input::read_json_bytes("fuzz.json", data, &mut on_event, &mut problem);
        input::read_jsonl_bytes("fuzz.jsonl", data, &mut on_event, &mut problem);
    }
}
