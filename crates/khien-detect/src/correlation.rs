//! Sigma correlation rules (spec v2.1): `event_count`, `value_count`, `temporal`,
//! `temporal_ordered`, and the metric types `value_sum`, `value_avg`, `value_percentile`,
//! `value_median`, with `group-by`, `timespan`, `aliases` and chaining (a correlation may
//! use another correlation's results).
//!
//! Windows: a condition with only lower bounds (`gt`, `gte`) is checked on a sliding window
//! ending at each new event, and fires as soon as it holds; a condition with an upper bound
//! (`lt`, `lte`, `eq`, `neq`, ranges) can only be decided when a window is over, so it is
//! checked on windows that start at a group's first event and close `timespan` later (or
//! at the end of the input). After firing, a group starts afresh.

use crate::rule::{CorrelationDoc, Problem};
use crate::yaml::{Node, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Correlation types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    ValueMedian,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "event_count" => Kind::EventCount,
            "value_count" => Kind::ValueCount,
            "temporal" => Kind::Temporal,
            "temporal_ordered" => Kind::TemporalOrdered,
            "value_sum" => Kind::ValueSum,
            "value_avg" => Kind::ValueAvg,
            "value_percentile" => Kind::ValuePercentile,
            "value_median" => Kind::ValueMedian,
            _ => return None,
        })
    }

    fn needs_field(self) -> bool {
        !matches!(self, Kind::EventCount | Kind::Temporal | Kind::TemporalOrdered)
    }
}

/// A correlation condition: every bound must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
    pub eq: Option<f64>,
    pub neq: Option<f64>,
}

impl Condition {
    pub fn holds(&self, x: f64) -> bool {
        self.gt.is_none_or(|b| x > b)
            && self.gte.is_none_or(|b| x >= b)
            && self.lt.is_none_or(|b| x < b)
            && self.lte.is_none_or(|b| x <= b)
            && self.eq.is_none_or(|b| x == b)
            && self.neq.is_none_or(|b| x != b)
    }

    /// Only lower bounds: the measure can be decided as soon as it holds.
    fn rising(&self) -> bool {
        self.lt.is_none() && self.lte.is_none() && self.eq.is_none() && self.neq.is_none()
    }
}

/// A compiled correlation rule.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub kind: Kind,
    /// Referenced rules or correlations, as written (ids or names).
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    /// alias → (rule id or name → field).
    pub aliases: HashMap<String, HashMap<String, String>>,
    pub timespan_us: i64,
    pub condition: Option<Condition>,
    pub field: Option<String>,
    pub percentile: f64,
    pub generate: bool,
}

/// Longest timespan accepted (ten years).
pub const MAX_TIMESPAN_US: i64 = 3650 * 86_400 * 1_000_000;
/// Most inputs a group's window holds; older ones are dropped first (bounds memory and the
/// cost of percentiles).
pub const MAX_WINDOW_ITEMS: usize = 100_000;

/// Parses `1h`, `30m`, `15s`, `2d`, `1w`.
pub fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "M" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    n.checked_mul(secs)?.checked_mul(1_000_000)
}

fn strings(node: &Node) -> Vec<String> {
    match &node.value {
        Value::Seq(items) => items.iter().filter_map(|i| i.scalar_text()).collect(),
        _ => node.scalar_text().into_iter().collect(),
    }
}

impl Correlation {
    /// Compiles a correlation document.
    pub fn compile(doc: &CorrelationDoc) -> Result<Correlation, Problem> {
        let body = &doc.body;
        let line = body.line;
        if !matches!(body.value, Value::Map(_)) {
            return Err(Problem::invalid(line, "'correlation' must be a map"));
        }
        let kind_text = body
            .get("type")
            .and_then(|t| t.as_str())
            .ok_or_else(|| Problem::invalid(line, "a correlation needs a 'type'"))?;
        let kind = Kind::parse(kind_text).ok_or_else(|| {
            let known = "event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile, value_median";
            Problem::invalid(line, format!("unknown correlation type '{kind_text}' (known: {known})"))
        })?;
        let rules = body.get("rules").map(strings).unwrap_or_default();
        if rules.is_empty() {
            return Err(Problem::invalid(line, "a correlation needs 'rules'"));
        }
        let group_by = body.get("group-by").map(strings).unwrap_or_default();
        let ts_node = body.get("timespan").ok_or_else(|| Problem::invalid(line, "a correlation needs a 'timespan'"))?;
        let ts_text = ts_node.scalar_text().unwrap_or_default();
        let timespan_us = parse_timespan(&ts_text).filter(|t| *t > 0 && *t <= MAX_TIMESPAN_US).ok_or_else(|| {
            Problem::invalid(
                ts_node.line,
                format!("timespan '{ts_text}' is not <number><s|m|h|d|w|M|y> of at most ten years"),
            )
        })?;
        let condition = match body.get("condition") {
            None => None,
            Some(c) => Some(condition(c)?),
        };
        if condition.is_none() && !matches!(kind, Kind::Temporal | Kind::TemporalOrdered) {
            return Err(Problem::invalid(line, format!("a {kind_text} correlation needs a 'condition'")));
        }
        let mut field =
            condition.as_ref().and(body.get("condition")).and_then(|c| c.get("field")).and_then(|f| f.scalar_text());
        if field.is_none() {
            field = body.get("field").and_then(|f| f.scalar_text());
        }
        if kind.needs_field() && field.is_none() {
            return Err(Problem::invalid(line, format!("a {kind_text} correlation needs a 'field'")));
        }
        let percentile =
            match body.get("percentile").or_else(|| body.get("condition").and_then(|c| c.get("percentile"))) {
                None => 50.0,
                Some(p) => match &p.value {
                    Value::Int(i) if (0..=100).contains(i) => *i as f64,
                    Value::Float(f) if (0.0..=100.0).contains(f) => *f,
                    _ => return Err(Problem::invalid(p.line, "'percentile' must be a number from 0 to 100")),
                },
            };
        let percentile = if kind == Kind::ValueMedian { 50.0 } else { percentile };
        let mut aliases = HashMap::new();
        if let Some(Value::Map(entries)) = body.get("aliases").map(|a| &a.value) {
            for (alias, per_rule) in entries {
                let mut m = HashMap::new();
                if let Value::Map(pairs) = &per_rule.value {
                    for (r, f) in pairs {
                        if let (Some(r), Some(f)) = (r.scalar_text(), f.scalar_text()) {
                            m.insert(r, f);
                        }
                    }
                } else {
                    return Err(Problem::invalid(per_rule.line, "each alias maps rule names to fields"));
                }
                aliases.insert(alias.scalar_text().unwrap_or_default(), m);
            }
        }
        Ok(Correlation {
            kind,
            rules,
            group_by,
            aliases,
            timespan_us,
            condition,
            field,
            percentile,
            generate: doc.generate,
        })
    }

    /// The event field that carries `group` for the rule known as `rule_keys` (id, name).
    pub fn source_field<'a>(&'a self, group: &'a str, rule_keys: &[&str]) -> &'a str {
        if let Some(m) = self.aliases.get(group) {
            for k in rule_keys {
                if let Some(f) = m.get(*k) {
                    return f;
                }
            }
        }
        group
    }
}

fn condition(node: &Node) -> Result<Condition, Problem> {
    let Value::Map(entries) = &node.value else {
        return Err(Problem::invalid(node.line, "a correlation condition is a map such as {gte: 10}"));
    };
    let mut c = Condition::default();
    let mut any = false;
    for (k, v) in entries {
        let key = k.scalar_text().unwrap_or_default();
        if key == "field" || key == "percentile" {
            continue;
        }
        let n = match &v.value {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => return Err(Problem::invalid(v.line, format!("condition '{key}' needs a number"))),
        };
        let slot = match key.as_str() {
            "gt" => &mut c.gt,
            "gte" => &mut c.gte,
            "lt" => &mut c.lt,
            "lte" => &mut c.lte,
            "eq" => &mut c.eq,
            "neq" => &mut c.neq,
            other => return Err(Problem::invalid(k.line, format!("unknown condition operator '{other}'"))),
        };
        *slot = Some(n);
        any = true;
    }
    if !any {
        return Err(Problem::invalid(node.line, "the condition has no operator (gt, gte, lt, lte, eq, neq)"));
    }
    Ok(c)
}

/// One input to a correlation: a referenced rule fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Position of the referenced rule in `Correlation::rules`.
    pub rule_pos: usize,
    pub time_us: i64,
    /// Group-by values, in `group_by` order (missing fields are empty).
    pub group: Vec<String>,
    /// The `field` value, for value_count and the metric types.
    pub value: Option<String>,
    /// Who triggered it (an opaque index the caller uses to report the last event).
    pub origin: usize,
}

/// A correlation that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub time_us: i64,
    pub group: Vec<String>,
    /// The measure: count, distinct count, number of rules, or the aggregate.
    pub measure: f64,
    /// The input that completed it.
    pub origin: usize,
}

/// (time, rule position, value, origin) of one input inside a window.
type Item = (i64, usize, Option<String>, usize);

/// The window's measure: count, distinct count, number of rules, or the aggregate.
fn measure(c: &Correlation, g: &GroupState) -> Option<f64> {
    Some(match c.kind {
        Kind::EventCount => g.items.len() as f64,
        Kind::ValueCount => g.distinct.len() as f64,
        Kind::Temporal => g.rule_counts.iter().filter(|n| **n > 0).count() as f64,
        Kind::TemporalOrdered => {
            // Length of the longest prefix of `rules` seen in order.
            let mut next = 0;
            for i in &g.items {
                if i.1 == next {
                    next += 1;
                    if next == c.rules.len() {
                        break;
                    }
                }
            }
            next as f64
        }
        Kind::ValueSum | Kind::ValueAvg if g.nums == 0 => return None,
        Kind::ValueSum => g.sum,
        Kind::ValueAvg => g.sum / g.nums as f64,
        Kind::ValuePercentile | Kind::ValueMedian => {
            let mut nums: Vec<f64> = g.items.iter().filter_map(|i| number(&i.2)).collect();
            if nums.is_empty() {
                return None;
            }
            nums.sort_by(|a, b| a.total_cmp(b));
            // Nearest-rank percentile.
            let rank = ((c.percentile / 100.0) * nums.len() as f64).ceil().max(1.0) as usize;
            nums[rank.min(nums.len()) - 1]
        }
    })
}

fn number(v: &Option<String>) -> Option<f64> {
    v.as_deref().and_then(|v| v.trim().parse::<f64>().ok()).filter(|x| x.is_finite())
}

fn holds(c: &Correlation, m: f64) -> bool {
    match &c.condition {
        Some(cond) => cond.holds(m),
        // temporal without a condition: every referenced rule.
        None => m >= c.rules.len() as f64,
    }
}

/// One group's window, with its running aggregates kept as inputs enter and leave.
#[derive(Debug, Default)]
struct GroupState {
    /// (time, rule position, value, origin) inside the current window.
    items: VecDeque<Item>,
    window_start: Option<i64>,
    /// Value → how many inputs in the window carry it.
    distinct: HashMap<String, u32>,
    /// Inputs per referenced rule.
    rule_counts: Vec<u32>,
    sum: f64,
    nums: usize,
}

impl GroupState {
    fn push(&mut self, item: Item, rules: usize) {
        if self.rule_counts.len() < rules {
            self.rule_counts.resize(rules, 0);
        }
        if let Some(n) = self.rule_counts.get_mut(item.1) {
            *n += 1;
        }
        if let Some(v) = &item.2 {
            *self.distinct.entry(v.clone()).or_default() += 1;
        }
        if let Some(x) = number(&item.2) {
            self.sum += x;
            self.nums += 1;
        }
        self.items.push_back(item);
    }

    fn pop(&mut self) {
        let Some(item) = self.items.pop_front() else { return };
        if let Some(n) = self.rule_counts.get_mut(item.1) {
            *n = n.saturating_sub(1);
        }
        if let Some(v) = &item.2
            && let Some(n) = self.distinct.get_mut(v)
        {
            *n -= 1;
            if *n == 0 {
                self.distinct.remove(v);
            }
        }
        if let Some(x) = number(&item.2) {
            self.sum -= x;
            self.nums -= 1;
        }
    }

    fn clear(&mut self) {
        *self = GroupState::default();
    }
}

/// Runs one correlation over inputs that arrive in time order.
#[derive(Debug)]
pub struct Runner<'c> {
    corr: &'c Correlation,
    groups: BTreeMap<Vec<String>, GroupState>,
}

impl<'c> Runner<'c> {
    pub fn new(corr: &'c Correlation) -> Runner<'c> {
        Runner { corr, groups: BTreeMap::new() }
    }

    fn measure(&self, g: &GroupState) -> Option<f64> {
        measure(self.corr, g)
    }

    fn holds(&self, m: f64) -> bool {
        holds(self.corr, m)
    }

    fn rising(&self) -> bool {
        self.corr.condition.as_ref().is_none_or(Condition::rising)
    }
    /// Feeds one input; returns what fired.
    pub fn feed(&mut self, input: Input) -> Vec<Fired> {
        let mut out = Vec::new();
        let span = self.corr.timespan_us;
        let rising = self.rising();
        let key = input.group.clone();
        if !rising {
            // Close the group's window first if this input is past it.
            let closed = self
                .groups
                .get(&key)
                .and_then(|g| g.window_start)
                .is_some_and(|s| input.time_us > s.saturating_add(span));
            if closed && let Some(f) = self.close(&key) {
                out.push(f);
            }
        }
        let corr = self.corr;
        let g = self.groups.entry(key.clone()).or_default();
        g.window_start.get_or_insert(input.time_us);
        g.push((input.time_us, input.rule_pos, input.value, input.origin), corr.rules.len());
        while g.items.len() > MAX_WINDOW_ITEMS {
            g.pop();
        }
        if rising {
            let oldest = input.time_us.saturating_sub(span);
            while g.items.front().is_some_and(|f| f.0 < oldest) {
                g.pop();
            }
            if let Some(m) = measure(corr, g)
                && holds(corr, m)
            {
                out.push(Fired { time_us: input.time_us, group: key.clone(), measure: m, origin: input.origin });
                g.clear();
            }
        }
        out
    }

    fn close(&mut self, key: &Vec<String>) -> Option<Fired> {
        let g = self.groups.remove(key)?;
        let last = g.items.back()?.clone();
        let m = self.measure(&g)?;
        self.holds(m).then(|| Fired { time_us: last.0, group: key.clone(), measure: m, origin: last.3 })
    }

    /// The end of the input: decides the windows still open.
    pub fn finish(&mut self) -> Vec<Fired> {
        if self.rising() {
            return Vec::new();
        }
        let keys: Vec<Vec<String>> = self.groups.keys().cloned().collect();
        keys.iter().filter_map(|k| self.close(k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Doc, read_file};

    fn corr(yaml: &str) -> Correlation {
        let docs = read_file("c.yml", yaml);
        let Ok(Doc::Correlation(c)) = &docs[0] else { panic!("{docs:?}") };
        Correlation::compile(c).unwrap()
    }

    fn input(rule_pos: usize, secs: i64, group: &str, value: Option<&str>, origin: usize) -> Input {
        Input {
            rule_pos,
            time_us: secs * 1_000_000,
            group: vec![group.to_string()],
            value: value.map(str::to_string),
            origin,
        }
    }

    fn run(c: &Correlation, inputs: Vec<Input>) -> Vec<Fired> {
        let mut r = Runner::new(c);
        let mut out: Vec<Fired> = inputs.into_iter().flat_map(|i| r.feed(i)).collect();
        out.extend(r.finish());
        out
    }

    const HEAD: &str = "title: C\nid: c1\ncorrelation:\n";

    #[test]
    fn event_count_slides_and_groups() {
        let c = corr(&format!(
            "{HEAD}  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {{gte: 3}}\n"
        ));
        // alice: 3 failures inside 5 minutes (the first two at 0 s and 200 s, a third at 290 s);
        // bob: 3 failures spread over 20 minutes; carol: 2.
        let fired = run(
            &c,
            vec![
                input(0, 0, "alice", None, 1),
                input(0, 10, "bob", None, 2),
                input(0, 200, "alice", None, 3),
                input(0, 290, "alice", None, 4),
                input(0, 600, "bob", None, 5),
                input(0, 1200, "bob", None, 6),
                input(0, 1300, "carol", None, 7),
                input(0, 1310, "carol", None, 8),
            ],
        );
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].group, ["alice"]);
        assert_eq!(fired[0].measure, 3.0);
        assert_eq!(fired[0].origin, 4);
    }

    #[test]
    fn value_count_counts_distinct_values() {
        let c = corr(&format!(
            "{HEAD}  type: value_count\n  rules: [logon]\n  group-by: [IpAddress]\n  timespan: 1h\n  condition: {{gt: 2, field: TargetUserName}}\n"
        ));
        assert_eq!(c.field.as_deref(), Some("TargetUserName"));
        let fired = run(
            &c,
            vec![
                input(0, 0, "10.0.0.5", Some("a"), 1),
                input(0, 1, "10.0.0.5", Some("a"), 2),
                input(0, 2, "10.0.0.5", Some("b"), 3),
                input(0, 3, "10.0.0.6", Some("x"), 4),
                input(0, 4, "10.0.0.5", Some("c"), 5),
            ],
        );
        assert_eq!(fired.len(), 1);
        assert_eq!((fired[0].measure, fired[0].origin), (3.0, 5));
    }

    #[test]
    fn temporal_and_temporal_ordered() {
        let t =
            corr(&format!("{HEAD}  type: temporal\n  rules: [recon, dump]\n  group-by: [Computer]\n  timespan: 10m\n"));
        let fired =
            run(&t, vec![input(1, 0, "pc1", None, 1), input(0, 60, "pc1", None, 2), input(0, 60, "pc2", None, 3)]);
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].group, ["pc1"]);
        // Too far apart: nothing.
        assert!(run(&t, vec![input(0, 0, "pc1", None, 1), input(1, 3600, "pc1", None, 2)]).is_empty());
        let o = corr(&format!(
            "{HEAD}  type: temporal_ordered\n  rules: [recon, dump]\n  group-by: [Computer]\n  timespan: 10m\n"
        ));
        // dump before recon: no; recon then dump: yes.
        assert!(run(&o, vec![input(1, 0, "pc1", None, 1), input(0, 60, "pc1", None, 2)]).is_empty());
        let fired = run(&o, vec![input(0, 0, "pc1", None, 1), input(1, 60, "pc1", None, 2)]);
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].measure, 2.0);
    }

    #[test]
    fn metrics_sum_avg_percentile_median() {
        let vals = |c: &Correlation, xs: &[(i64, &str)]| {
            run(c, xs.iter().enumerate().map(|(i, (t, v))| input(0, *t, "h", Some(v), i)).collect())
        };
        let sum = corr(&format!(
            "{HEAD}  type: value_sum\n  rules: [upload]\n  group-by: [Host]\n  timespan: 1h\n  condition: {{gte: 1000, field: Bytes}}\n"
        ));
        let f = vals(&sum, &[(0, "400"), (10, "500"), (20, "200")]);
        assert_eq!((f.len(), f[0].measure, f[0].origin), (1, 1100.0, 2));
        let avg = corr(&format!(
            "{HEAD}  type: value_avg\n  rules: [upload]\n  group-by: [Host]\n  timespan: 1h\n  condition: {{gt: 300, field: Bytes}}\n"
        ));
        let f = vals(&avg, &[(0, "100"), (10, "200"), (20, "900")]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].measure, 400.0);
        let p = corr(&format!(
            "{HEAD}  type: value_percentile\n  rules: [upload]\n  group-by: [Host]\n  timespan: 1h\n  percentile: 95\n  condition: {{gte: 50, field: Ms}}\n"
        ));
        assert_eq!(p.percentile, 95.0);
        let f = vals(
            &p,
            &[(0, "1"), (1, "2"), (2, "3"), (3, "4"), (4, "5"), (5, "6"), (6, "7"), (7, "8"), (8, "9"), (9, "60")],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].measure, 60.0);
        let med = corr(&format!(
            "{HEAD}  type: value_median\n  rules: [upload]\n  group-by: [Host]\n  timespan: 1h\n  condition: {{gte: 5, field: Ms}}\n"
        ));
        let f = vals(&med, &[(0, "1"), (1, "9"), (2, "8")]);
        assert_eq!((f.len(), f[0].measure), (1, 8.0));
    }

    #[test]
    fn upper_bounds_are_decided_when_the_window_closes() {
        // Fewer than 2 heartbeats in 10 minutes.
        let c = corr(&format!(
            "{HEAD}  type: event_count\n  rules: [heartbeat]\n  group-by: [Computer]\n  timespan: 10m\n  condition: {{lt: 2}}\n"
        ));
        let fired = run(
            &c,
            vec![
                input(0, 0, "pc1", None, 1),
                input(0, 60, "pc1", None, 2),
                input(0, 0, "pc2", None, 3),
                input(0, 2000, "pc1", None, 4),
            ],
        );
        // pc1's first window has 2 (no); pc2's has 1 (yes, at the end); pc1's second has 1 (yes).
        let mut groups: Vec<&str> = fired.iter().map(|f| f.group[0].as_str()).collect();
        groups.sort();
        assert_eq!(groups, ["pc1", "pc2"]);
        let range =
            corr(&format!("{HEAD}  type: event_count\n  rules: [x]\n  timespan: 1h\n  condition: {{gt: 1, lte: 3}}\n"));
        assert!(range.condition.as_ref().unwrap().holds(3.0) && !range.condition.as_ref().unwrap().holds(4.0));
    }

    #[test]
    fn bad_correlations_are_explained() {
        let bad = |body: &str| {
            let docs = read_file("c.yml", &format!("{HEAD}{body}"));
            let Ok(Doc::Correlation(c)) = &docs[0] else { panic!() };
            Correlation::compile(c).unwrap_err().message
        };
        assert!(bad("  type: event_count\n  rules: [a]\n  timespan: 1h\n").contains("condition"));
        assert!(bad("  type: sometimes\n  rules: [a]\n  timespan: 1h\n").contains("unknown correlation type"));
        assert!(
            bad("  type: event_count\n  rules: [a]\n  timespan: soon\n  condition: {gt: 1}\n").contains("timespan")
        );
        assert!(bad("  type: value_count\n  rules: [a]\n  timespan: 1h\n  condition: {gt: 1}\n").contains("field"));
        assert!(bad("  type: event_count\n  rules: [a]\n  timespan: 1h\n  condition: {about: 1}\n").contains("about"));
        assert!(
            bad("  type: event_count\n  rules: [a]\n  timespan: 106751991d\n  condition: {lt: 5}\n")
                .contains("ten years")
        );
        assert_eq!(parse_timespan("90s"), Some(90_000_000));
        assert_eq!(parse_timespan("2d"), Some(172_800_000_000));
    }
}
