//! Correlation rules end to end: multi-document rule files, event sequences written here as
//! JSON Lines, the hunt's output (suppressed base rules, `generate`, chaining, meta filters).

use khien_detect::hunt::{HuntOptions, Message, hunt};
use khien_detect::input;
use khien_detect::{Options, RuleSet};

fn logon(time: &str, eid: u32, user: &str, ip: &str, rec: u64) -> String {
    serde_json::json!({"@timestamp": time, "winlog": {"channel": "Security", "event_id": eid,
        "computer_name": "dc1", "record_id": rec,
        "event_data": {"TargetUserName": user, "IpAddress": ip, "LogonType": "3"}}})
    .to_string()
}

/// (rule title, reported fields) of each detection.
type Reported = Vec<(String, Vec<(String, String)>)>;

fn run(rules: &str, events: &[String]) -> (RuleSet, Reported) {
    let set = RuleSet::from_sources(vec![("rules.yml".into(), rules.into())], &Options::windows());
    assert!(set.report.invalid.is_empty(), "{:?}", set.report.invalid);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    std::fs::write(&path, events.join("\n")).unwrap();
    let inputs = input::discover(&[path], &mut |p| panic!("{p}"));
    let mut out = Vec::new();
    hunt(&set, &inputs, &HuntOptions { threads: 1, ..Default::default() }, &mut |m| {
        if let Message::Detection(d) = m {
            out.push((set.rules[d.rule as usize].meta.title.clone(), d.fields));
        }
    });
    (set, out)
}

const BASE: &str = "title: Failed logon\nid: 8c8e0f1c-0000-4000-8000-000000000001\nname: failed_logon\nlogsource: {product: windows, service: security}\ndetection:\n  sel: {EventID: 4625}\n  condition: sel\nlevel: low\n---\ntitle: Successful logon\nid: 8c8e0f1c-0000-4000-8000-000000000002\nname: good_logon\nlogsource: {product: windows, service: security}\ndetection:\n  sel: {EventID: 4624}\n  condition: sel\nlevel: informational\n";

#[test]
fn brute_force_then_success_chains_and_hides_base_rules() {
    let rules = format!(
        "{BASE}---\ntitle: Many failed logons for one user\nid: 8c8e0f1c-0000-4000-8000-000000000003\nname: many_failures\nlevel: medium\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {{gte: 3}}\n---\ntitle: Brute force then success\nid: 8c8e0f1c-0000-4000-8000-000000000004\nlevel: high\ncorrelation:\n  type: temporal_ordered\n  rules: [many_failures, good_logon]\n  group-by: [TargetUserName]\n  timespan: 10m\n"
    );
    let events = vec![
        logon("2024-05-01T10:00:00Z", 4625, "alice", "10.0.0.9", 1),
        logon("2024-05-01T10:00:30Z", 4625, "alice", "10.0.0.9", 2),
        logon("2024-05-01T10:01:00Z", 4625, "bob", "10.0.0.7", 3),
        logon("2024-05-01T10:02:00Z", 4625, "alice", "10.0.0.9", 4),
        logon("2024-05-01T10:03:00Z", 4624, "alice", "10.0.0.9", 5),
        logon("2024-05-01T10:04:00Z", 4624, "bob", "10.0.0.7", 6),
    ];
    let (set, out) = run(&rules, &events);
    assert_eq!(set.report.correlations, 2);
    let titles: Vec<&str> = out.iter().map(|(t, _)| t.as_str()).collect();
    // Base rules and the inner correlation are used by correlations without `generate`:
    // only the outermost detection is reported.
    assert_eq!(titles, ["Brute force then success"], "{out:?}");
    assert!(out[0].1.contains(&("TargetUserName".to_string(), "alice".to_string())));
}

#[test]
fn generate_true_keeps_base_rules_and_value_count_uses_aliases() {
    let rules = format!(
        "{BASE}---\ntitle: Password spray\nid: 8c8e0f1c-0000-4000-8000-000000000005\ngenerate: true\nlevel: high\ncorrelation:\n  type: value_count\n  rules: [failed_logon]\n  group-by: [source]\n  aliases:\n    source:\n      failed_logon: IpAddress\n  timespan: 1h\n  condition: {{gte: 3, field: TargetUserName}}\n"
    );
    let events = vec![
        logon("2024-05-01T10:00:00Z", 4625, "alice", "10.0.0.66", 1),
        logon("2024-05-01T10:00:05Z", 4625, "bob", "10.0.0.66", 2),
        logon("2024-05-01T10:00:09Z", 4625, "bob", "10.0.0.66", 3),
        logon("2024-05-01T10:00:10Z", 4625, "carol", "10.0.0.66", 4),
    ];
    let (_, out) = run(&rules, &events);
    let spray: Vec<_> = out.iter().filter(|(t, _)| t == "Password spray").collect();
    assert_eq!(spray.len(), 1, "{out:?}");
    assert!(spray[0].1.contains(&("source".to_string(), "10.0.0.66".to_string())));
    assert!(spray[0].1.contains(&("correlation_value".to_string(), "3".to_string())));
    assert_eq!(out.iter().filter(|(t, _)| t == "Failed logon").count(), 4);
}

#[test]
fn meta_filters_suppress_matches_of_the_rules_they_name() {
    let rules = format!(
        "{BASE}---\ntitle: Ignore the scanner\nid: 8c8e0f1c-0000-4000-8000-000000000006\nlogsource: {{product: windows, service: security}}\nfilter:\n  rules: [failed_logon]\n  scanner:\n    IpAddress: 10.0.0.5\n  condition: scanner\n"
    );
    let events = vec![
        logon("2024-05-01T10:00:00Z", 4625, "alice", "10.0.0.5", 1),
        logon("2024-05-01T10:00:01Z", 4625, "alice", "10.0.0.6", 2),
    ];
    let (set, out) = run(&rules, &events);
    assert_eq!(set.report.filters, 1);
    let failed: Vec<_> = out.iter().filter(|(t, _)| t == "Failed logon").collect();
    assert_eq!(failed.len(), 1, "{out:?}");
}

#[test]
fn chained_correlations_follow_aliases() {
    let rules = format!(
        "{BASE}---\ntitle: Many failures\nid: 8c8e0f1c-0000-4000-8000-000000000007\nname: many\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {{gte: 2}}\n---\ntitle: Then success\nid: 8c8e0f1c-0000-4000-8000-000000000008\nlevel: high\ncorrelation:\n  type: temporal\n  rules: [many, good_logon]\n  group-by: [user]\n  aliases:\n    user:\n      many: TargetUserName\n      good_logon: TargetUserName\n  timespan: 10m\n"
    );
    let events = vec![
        logon("2024-05-01T10:00:00Z", 4625, "alice", "10.0.0.9", 1),
        logon("2024-05-01T10:00:30Z", 4625, "alice", "10.0.0.9", 2),
        logon("2024-05-01T10:01:00Z", 4624, "alice", "10.0.0.9", 3),
        logon("2024-05-01T10:01:30Z", 4624, "bob", "10.0.0.7", 4),
    ];
    let (_, out) = run(&rules, &events);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0, "Then success");
    assert!(out[0].1.contains(&("user".to_string(), "alice".to_string())));
}

#[test]
fn many_filters_on_one_rule_stay_flat() {
    let mut rules = BASE.to_string();
    for i in 0..3000 {
        rules.push_str(&format!(
            "---\ntitle: F{i}\nlogsource: {{product: windows, service: security}}\nfilter:\n  rules: [failed_logon]\n  f:\n    IpAddress: 10.9.{}.{}\n  condition: f\n",
            i / 256,
            i % 256
        ));
    }
    let events = vec![
        logon("2024-05-01T10:00:00Z", 4625, "alice", "10.9.0.5", 1),
        logon("2024-05-01T10:00:01Z", 4625, "alice", "10.8.0.5", 2),
    ];
    let (set, out) = run(&rules, &events);
    assert_eq!(set.report.filters, 3000);
    let failed: Vec<_> = out.iter().filter(|(t, _)| t == "Failed logon").collect();
    assert_eq!(failed.len(), 1, "{out:?}");
}

#[test]
fn unknown_references_are_invalid() {
    let rules = format!(
        "{BASE}---\ntitle: Broken\ncorrelation:\n  type: event_count\n  rules: [no_such_rule]\n  timespan: 5m\n  condition: {{gte: 3}}\n"
    );
    let set = RuleSet::from_sources(vec![("r.yml".into(), rules)], &Options::windows());
    assert_eq!(set.report.invalid.len(), 1);
    assert!(set.report.invalid[0].reason.contains("no_such_rule"));
}

#[test]
fn a_large_evtx_file_split_between_threads_gives_the_same_detections() {
    let sample = testdata().join("evtx/EVTX-ATTACK-SAMPLES/Persistence/persistence_sysmon_11_13_1_shime_appfix.evtx");
    let sigma = testdata().join("sigma/rules/windows");
    let set = RuleSet::load(&[sigma], &Options::windows()).unwrap();
    let inputs = input::discover(&[sample], &mut |p| panic!("{p}"));
    let collect =
        |split: u64, threads: usize| {
            let mut out = Vec::new();
            let mut problems = Vec::new();
            let stats =
                hunt(&set, &inputs, &HuntOptions { threads, split_chunks: split, ..Default::default() }, &mut |m| {
                    match m {
                        Message::Detection(d) => out.push((d.rule, d.record_id)),
                        Message::Problem(p) => problems.push(p),
                        _ => {}
                    }
                });
            out.sort();
            (out, stats.events, problems)
        };
    let (whole, events, p1) = collect(1_000_000, 1);
    let (split, events_split, p2) = collect(2, 2);
    assert!(p1.is_empty() && p2.is_empty(), "{p1:?} {p2:?}");
    assert!(events > 100, "{events}");
    assert_eq!(events, events_split);
    assert!(!whole.is_empty());
    assert_eq!(whole, split);
}

/// `shared/testdata` beside the checkout, or at `KHIEN_TESTDATA`.
pub fn testdata() -> std::path::PathBuf {
    std::env::var_os("KHIEN_TESTDATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"))
}
