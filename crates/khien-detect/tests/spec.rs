//! Sigma v2.1 semantics, one behaviour per test, from the specification's own examples
//! where it gives them: every value modifier, wildcards and escaping, keywords, null and
//! empty values, and the condition grammar, each checked on real events.

use khien_detect::event::from_json;
use khien_detect::modifiers::Placeholders;
use khien_detect::{Options, RuleSet};
use serde_json::{Value, json};

fn set_with(detection: &str, placeholders: Placeholders) -> RuleSet {
    let rule = format!("title: T\nid: t\nlogsource: {{product: windows}}\ndetection:\n{detection}");
    let mut opts = Options::windows();
    opts.placeholders = placeholders;
    let set = RuleSet::from_sources(vec![("t.yml".into(), rule)], &opts);
    let r = &set.report;
    assert!(r.invalid.is_empty() && r.unsupported.is_empty(), "{:?} {:?}", r.invalid, r.unsupported);
    set
}

/// Does the rule (its `detection:` body) match the event (flat fields)?
fn hits(detection: &str, fields: Value) -> bool {
    hits_with(detection, fields, Placeholders::new())
}

fn hits_with(detection: &str, fields: Value, ph: Placeholders) -> bool {
    let set = set_with(detection, ph);
    let mut doc = json!({"Channel": "Test", "EventID": 1, "Hostname": "pc", "EventTime": "2024-03-05 22:15:30"});
    for (k, v) in fields.as_object().unwrap() {
        doc[k] = v.clone();
    }
    let (ev, _) = from_json(&doc).unwrap();
    let mut out = Vec::new();
    set.matches(&ev, &mut out);
    !out.is_empty()
}

fn problem(detection: &str) -> String {
    let rule = format!("title: T\nlogsource: {{product: windows}}\ndetection:\n{detection}");
    let set = RuleSet::from_sources(vec![("t.yml".into(), rule)], &Options::windows());
    let r = &set.report;
    r.invalid.iter().chain(&r.unsupported).map(|p| p.reason.clone()).next().unwrap_or_default()
}

#[test]
fn plain_values_are_case_insensitive_and_whole() {
    let d = "  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel\n";
    assert!(hits(d, json!({"Image": "c:\\windows\\system32\\CMD.EXE"})));
    assert!(!hits(d, json!({"Image": "C:\\Windows\\System32\\cmd.exe.bak"})));
    assert!(!hits(d, json!({"Other": "C:\\Windows\\System32\\cmd.exe"})));
}

#[test]
fn case_folding_is_per_character() {
    // A final sigma lowercases by context in `str::to_lowercase`; matching folds per character.
    let d = "  s:\n    Name|contains: 'Σ'\n  condition: s\n";
    assert!(hits(d, json!({"Name": "ΟΔΥΣΣΕΥΣ"})));
    let c = "  s:\n    Name|contains|cased: 'ΥΣ'\n  condition: s\n";
    assert!(hits(c, json!({"Name": "ΟΔΥΣ"})));
}

#[test]
fn contains_startswith_endswith() {
    assert!(hits(
        "  s:\n    CommandLine|contains: 'mimikatz'\n  condition: s\n",
        json!({"CommandLine": "x MIMIKATZ y"})
    ));
    assert!(hits("  s:\n    Image|startswith: 'C:\\Temp\\'\n  condition: s\n", json!({"Image": "c:\\temp\\a.exe"})));
    assert!(!hits(
        "  s:\n    Image|startswith: 'C:\\Temp\\'\n  condition: s\n",
        json!({"Image": "D:\\c:\\temp\\a.exe"})
    ));
    assert!(hits("  s:\n    Image|endswith: '\\a.exe'\n  condition: s\n", json!({"Image": "c:\\temp\\A.exe"})));
}

#[test]
fn lists_or_and_all_ands() {
    let or = "  s:\n    CommandLine|contains:\n      - 'alpha'\n      - 'beta'\n  condition: s\n";
    assert!(hits(or, json!({"CommandLine": "beta only"})));
    let all = "  s:\n    CommandLine|contains|all:\n      - 'alpha'\n      - 'beta'\n  condition: s\n";
    assert!(!hits(all, json!({"CommandLine": "beta only"})));
    assert!(hits(all, json!({"CommandLine": "beta and alpha"})));
    assert!(problem("  s:\n    CommandLine|contains|all: 'x'\n  condition: s\n").contains("list"));
}

#[test]
fn a_map_ands_and_a_list_of_maps_ors() {
    let d = "  s:\n    - Image|endswith: '\\a.exe'\n      User: bob\n    - Image|endswith: '\\b.exe'\n  condition: s\n";
    assert!(hits(d, json!({"Image": "x\\a.exe", "User": "bob"})));
    assert!(!hits(d, json!({"Image": "x\\a.exe", "User": "eve"})));
    assert!(hits(d, json!({"Image": "x\\b.exe"})));
}

#[test]
fn wildcards_and_escapes() {
    let glob = "  s:\n    Image: 'C:\\\\*\\\\evil?.exe'\n  condition: s\n";
    assert!(hits(glob, json!({"Image": "C:\\Users\\bob\\evil1.exe"})));
    assert!(!hits(glob, json!({"Image": "C:\\Users\\bob\\evil12.exe"})));
    // A lone backslash before `*` escapes it.
    assert!(hits("  s:\n    Image: 'C:\\*'\n  condition: s\n", json!({"Image": "c:*"})));
    // `\*` is a literal star; `\\*` a backslash and a wildcard.
    assert!(hits("  s:\n    Query: 'select \\*'\n  condition: s\n", json!({"Query": "SELECT *"})));
    assert!(!hits("  s:\n    Query: 'select \\*'\n  condition: s\n", json!({"Query": "select x"})));
    let share = "  s:\n    ShareName: '\\\\\\\\\\*\\\\IPC$'\n  condition: s\n";
    assert!(hits(share, json!({"ShareName": "\\\\*\\IPC$"})));
    assert!(!hits(share, json!({"ShareName": "\\\\server\\IPC$"})));
}

#[test]
fn windash_accepts_every_dash() {
    let d = "  s:\n    CommandLine|windash|contains: ' -enc '\n  condition: s\n";
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        assert!(hits(d, json!({"CommandLine": format!("powershell {dash}enc AAA")})), "{dash}");
    }
    assert!(!hits(d, json!({"CommandLine": "powershell +enc AAA"})));
}

#[test]
fn all_ands_the_values_and_ors_each_values_variants() {
    let d = "  s:\n    CommandLine|contains|all|windash:\n      - ' -s '\n      - ' -i '\n  condition: s\n";
    assert!(hits(d, json!({"CommandLine": "findstr -s -i pwd"})));
    assert!(hits(d, json!({"CommandLine": "findstr /s \u{2013}i pwd"})));
    assert!(!hits(d, json!({"CommandLine": "findstr -s pwd"})));
    let b =
        "  s:\n    CommandLine|base64offset|contains|all:\n      - 'IEX'\n      - 'Net.WebClient'\n  condition: s\n";
    use base64::Engine as _;
    let enc = base64::engine::general_purpose::STANDARD.encode("x IEX (New-Object Net.WebClient)");
    assert!(hits(b, json!({"CommandLine": format!("powershell -enc {enc}")})));
    let only = base64::engine::general_purpose::STANDARD.encode("x IEX (New-Object Foo)");
    assert!(!hits(b, json!({"CommandLine": format!("powershell -enc {only}")})));
}

#[test]
fn base64_and_base64offset() {
    // The specification's example: `/bin/bash` under the three offsets.
    let d = "  s:\n    CommandLine|base64offset|contains: '/bin/bash'\n  condition: s\n";
    for encoded in ["L2Jpbi9iYXNo", "IC9iaW4vYmFzaA==", "ICAvYmluL2Jhc2g="] {
        assert!(hits(d, json!({"CommandLine": format!("echo {encoded} | base64 -d")})), "{encoded}");
    }
    assert!(!hits(d, json!({"CommandLine": "echo L2Jpbi9zaA=="})));
    let plain = "  s:\n    CommandLine|base64|contains: 'cmd'\n  condition: s\n";
    assert!(hits(plain, json!({"CommandLine": "x Y21k y"})));
}

#[test]
fn utf16_encodings_before_base64() {
    // PowerShell -EncodedCommand is base64 of UTF-16LE.
    let d = "  s:\n    CommandLine|wide|base64offset|contains: 'Invoke-Mimikatz'\n  condition: s\n";
    let encoded = {
        use base64::Engine as _;
        let bytes: Vec<u8> = "IEX Invoke-Mimikatz".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    assert!(hits(d, json!({"CommandLine": format!("powershell -enc {encoded}")})));
    let le = "  s:\n    Data|utf16le|base64: 'cmd'\n  condition: s\n";
    assert!(hits(le, json!({"Data": "YwBtAGQA"})));
    let be = "  s:\n    Data|utf16be|base64: 'cmd'\n  condition: s\n";
    assert!(hits(be, json!({"Data": "AGMAbQBk"})));
    let bom = "  s:\n    Data|utf16|base64: 'cmd'\n  condition: s\n";
    assert!(hits(bom, json!({"Data": "//5jAG0AZAA="})));
    assert!(problem("  s:\n    Data|utf16le: 'cmd'\n  condition: s\n").contains("base64"));
}

#[test]
fn regular_expressions_and_their_flags() {
    let d = "  s:\n    CommandLine|re: 'net\\s+user\\s+\\w+\\s+/add'\n  condition: s\n";
    assert!(hits(d, json!({"CommandLine": "net  user bob /add"})));
    // Case-sensitive unless `i`.
    assert!(!hits(d, json!({"CommandLine": "NET USER bob /ADD"})));
    let i = "  s:\n    CommandLine|re|i: 'net\\s+user'\n  condition: s\n";
    assert!(hits(i, json!({"CommandLine": "NET USER bob"})));
    let m = "  s:\n    Script|re|m: '^Invoke-Expression$'\n  condition: s\n";
    assert!(hits(m, json!({"Script": "$a = 1\nInvoke-Expression\n$b"})));
    let no_m = "  s:\n    Script|re: '^Invoke-Expression$'\n  condition: s\n";
    assert!(!hits(no_m, json!({"Script": "$a = 1\nInvoke-Expression\n$b"})));
    let s = "  s:\n    Script|re|s: 'begin.end'\n  condition: s\n";
    assert!(hits(s, json!({"Script": "begin\nend"})));
    assert!(!hits("  s:\n    Script|re: 'begin.end'\n  condition: s\n", json!({"Script": "begin\nend"})));
    // Linear time: a pattern that is catastrophic for backtracking engines.
    let evil = "  s:\n    X|re: '(a+)+$'\n  condition: s\n";
    let started = std::time::Instant::now();
    assert!(!hits(evil, json!({"X": format!("{}!", "a".repeat(50_000))})));
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn cidr_v4_and_v6() {
    let d = "  s:\n    IpAddress|cidr:\n      - '10.0.0.0/8'\n      - 'fd00::/8'\n  condition: s\n";
    assert!(hits(d, json!({"IpAddress": "10.20.30.40"})));
    assert!(hits(d, json!({"IpAddress": "fd12::1"})));
    assert!(!hits(d, json!({"IpAddress": "192.168.1.1"})));
    assert!(!hits(d, json!({"IpAddress": "not an ip"})));
}

#[test]
fn numeric_comparisons() {
    assert!(hits("  s:\n    Count|gt: 10\n  condition: s\n", json!({"Count": 11})));
    assert!(!hits("  s:\n    Count|gt: 10\n  condition: s\n", json!({"Count": "10"})));
    assert!(hits("  s:\n    Count|gte: 10\n  condition: s\n", json!({"Count": "10"})));
    assert!(hits("  s:\n    Count|lt: 10\n  condition: s\n", json!({"Count": "9.5"})));
    assert!(hits("  s:\n    Count|lte: 10\n  condition: s\n", json!({"Count": 10})));
    assert!(hits("  s:\n    Mask|gte: 16\n  condition: s\n", json!({"Mask": "0x10"})));
    assert!(!hits("  s:\n    Count|lt: 10\n  condition: s\n", json!({"Count": "many"})));
}

#[test]
fn exists_cased_and_neq() {
    assert!(hits("  s:\n    Parent|exists: true\n  condition: s\n", json!({"Parent": ""})));
    assert!(!hits("  s:\n    Parent|exists: true\n  condition: s\n", json!({})));
    assert!(hits("  s:\n    Parent|exists: false\n  condition: s\n", json!({})));
    assert!(hits("  s:\n    Name|cased: 'Evil'\n  condition: s\n", json!({"Name": "Evil"})));
    assert!(!hits("  s:\n    Name|cased: 'Evil'\n  condition: s\n", json!({"Name": "evil"})));
    assert!(hits("  s:\n    Name|contains|cased: 'Evil'\n  condition: s\n", json!({"Name": "an Evil one"})));
    let neq = "  s:\n    LogonType|neq:\n      - 2\n      - 10\n  condition: s\n";
    assert!(hits(neq, json!({"LogonType": "3"})));
    assert!(!hits(neq, json!({"LogonType": "10"})));
    assert!(!hits(neq, json!({})), "an absent field does not differ");
}

#[test]
fn fieldref_compares_two_fields() {
    let d = "  s:\n    TargetUserName|fieldref: SubjectUserName\n  condition: s\n";
    assert!(hits(d, json!({"TargetUserName": "Bob", "SubjectUserName": "bob"})));
    assert!(!hits(d, json!({"TargetUserName": "bob", "SubjectUserName": "alice"})));
    assert!(!hits(d, json!({"TargetUserName": "bob"})));
    let c = "  s:\n    CommandLine|fieldref|contains: Image\n  condition: s\n";
    assert!(hits(c, json!({"CommandLine": "\"C:\\x.exe\" -a", "Image": "C:\\x.exe"})));
    let n = "  s:\n    TargetUserName|fieldref|neq: SubjectUserName\n  condition: s\n";
    assert!(hits(n, json!({"TargetUserName": "bob", "SubjectUserName": "alice"})));
}

#[test]
fn expand_uses_placeholders_or_is_unsupported() {
    let d = "  s:\n    User|expand: '%admins%'\n  condition: s\n";
    let mut ph = Placeholders::new();
    ph.insert("admins".into(), vec!["alice".into(), "ad*".into()]);
    assert!(hits_with(d, json!({"User": "alice"}), ph.clone()));
    assert!(hits_with(d, json!({"User": "administrator"}), ph.clone()));
    assert!(!hits_with(d, json!({"User": "bob"}), ph));
    assert!(problem(d).contains("%admins%"));
}

#[test]
fn time_part_modifiers() {
    // EventTime 2024-03-05 22:15:30 is a Tuesday in ISO week 10.
    let h = |m: &str, v: &str| hits(&format!("  s:\n    EventTime|{m}: {v}\n  condition: s\n"), json!({}));
    assert!(h("hour", "22"));
    assert!(!h("hour", "21"));
    assert!(h("minute", "15"));
    assert!(h("day", "5"));
    assert!(h("week", "10"));
    assert!(h("month", "3"));
    assert!(h("year", "2024"));
    assert!(h("hour|gte", "20"));
    assert!(!h("hour|lt", "6"));
}

#[test]
fn null_and_empty_values() {
    let null = "  s:\n    Image: 'x'\n  f:\n    OriginalFileName: null\n  condition: s and f\n";
    assert!(hits(null, json!({"Image": "x"})), "absent is null");
    assert!(hits(null, json!({"Image": "x", "OriginalFileName": null})));
    assert!(hits(null, json!({"Image": "x", "OriginalFileName": ""})));
    assert!(!hits(null, json!({"Image": "x", "OriginalFileName": "a.exe"})));
    let empty = "  s:\n    OriginalFileName: ''\n  condition: s\n";
    assert!(hits(empty, json!({"OriginalFileName": ""})));
    assert!(!hits(empty, json!({})), "an absent field is not the empty string");
    assert!(!hits(empty, json!({"OriginalFileName": "a"})));
}

#[test]
fn keywords_search_every_value() {
    let d = "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: keywords\n";
    assert!(hits(d, json!({"Whatever": "run sekurlsa::logonpasswords"})));
    assert!(!hits(d, json!({"Whatever": "benign"})));
    let all = "  keywords:\n    '|all':\n      - 'sekurlsa'\n      - 'logonpasswords'\n  condition: keywords\n";
    assert!(hits(all, json!({"A": "sekurlsa::", "B": "logonpasswords"})));
    assert!(!hits(all, json!({"A": "sekurlsa::"})));
}

#[test]
fn yaml_types_compare_as_text() {
    assert!(hits("  s:\n    Signed: false\n  condition: s\n", json!({"Signed": "false"})));
    assert!(hits("  s:\n    Signed: false\n  condition: s\n", json!({"Signed": false})));
    assert!(hits("  s:\n    EventID: 1\n  condition: s\n", json!({})));
    assert!(hits("  s:\n    ProcessId: 3424\n  condition: s\n", json!({"ProcessId": 3424})));
}

#[test]
fn condition_grammar() {
    let sel = "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  filter_x:\n    X: 1\n  _aux:\n    Z: 1\n";
    let c = |cond: &str, f: Value| hits(&format!("{sel}  condition: {cond}\n"), f);
    assert!(c("1 of sel_*", json!({"B": 1})));
    assert!(!c("all of sel_*", json!({"B": 1})));
    assert!(c("all of sel_*", json!({"A": 1, "B": 1})));
    assert!(c("all of sel_* and not 1 of filter_*", json!({"A": 1, "B": 1})));
    assert!(!c("all of sel_* and not 1 of filter_*", json!({"A": 1, "B": 1, "X": 1})));
    // `them` leaves out names starting with an underscore.
    assert!(c("all of them", json!({"A": 1, "B": 1, "X": 1})));
    assert!(c("1 of them", json!({"X": 1})));
    assert!(!c("1 of them", json!({"Z": 1})));
    assert!(c("sel_a or sel_b and filter_x", json!({"A": 1})));
    assert!(!c("(sel_a or sel_b) and filter_x", json!({"A": 1})));
    assert!(c("not sel_a and not sel_b", json!({})));
    assert!(c("any of sel_*", json!({"A": 1})));
    // A list of conditions is their OR.
    assert!(hits(&format!("{sel}  condition:\n    - sel_a\n    - sel_b\n"), json!({"B": 1})));
    assert!(problem(&format!("{sel}  condition: sel_a and missing\n")).contains("missing"));
    assert!(problem(&format!("{sel}  condition: 1 of nothing_*\n")).contains("nothing_*"));
    assert!(problem(&format!("{sel}  condition: sel_a and (sel_b\n")).contains(")"));
}

#[test]
fn a_cased_channel_test_keeps_the_rule_in_the_index() {
    let rule = "title: C\nlogsource: {product: windows, service: security}\ndetection:\n  s:\n    Channel|cased: Security\n    EventID: 4624\n  condition: s\n";
    let set = RuleSet::from_sources(vec![("c.yml".into(), rule.into())], &Options::windows());
    let (ev, _) = from_json(&json!({"Channel": "Security", "EventID": 4624, "Hostname": "dc"})).unwrap();
    let mut out = Vec::new();
    set.matches(&ev, &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn other_products_never_fire_on_windows_events() {
    let rule = "title: L\nlogsource: {product: linux, category: process_creation}\ndetection:\n  s:\n    Image|endswith: '/bash'\n  condition: s\n";
    let set = RuleSet::from_sources(vec![("l.yml".into(), rule.into())], &Options::windows());
    assert_eq!(set.report.loaded, 1);
    assert_eq!(set.report.elsewhere, 1);
    let (ev, _) = from_json(&json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Hostname": "pc", "Image": "/bin/bash"})).unwrap();
    let mut out = Vec::new();
    set.matches(&ev, &mut out);
    assert!(out.is_empty());
}

#[test]
fn process_creation_runs_on_sysmon_and_on_security_4688_with_renamed_fields() {
    let rule = "title: P\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    Image|endswith: '\\whoami.exe'\n  condition: s\n";
    let set = RuleSet::from_sources(vec![("p.yml".into(), rule.into())], &Options::windows());
    let check = |doc: Value| {
        let (ev, _) = from_json(&doc).unwrap();
        let mut out = Vec::new();
        set.matches(&ev, &mut out);
        !out.is_empty()
    };
    assert!(check(
        json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Hostname": "pc", "Image": "C:\\Windows\\whoami.exe"})
    ));
    assert!(check(
        json!({"Channel": "Security", "EventID": 4688, "Hostname": "pc", "NewProcessName": "C:\\Windows\\whoami.exe"})
    ));
    // Sysmon EID 3 is not process creation; Security 4688 does not carry `Image`.
    assert!(!check(
        json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 3, "Hostname": "pc", "Image": "C:\\Windows\\whoami.exe"})
    ));
    assert!(!check(
        json!({"Channel": "Security", "EventID": 4688, "Hostname": "pc", "Image": "C:\\Windows\\whoami.exe"})
    ));
}
