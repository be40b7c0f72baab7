//! A loaded rule set: rule files read and compiled, each rule resolved to the Windows
//! channels it applies to, and an index so an event is tested only against the rules of its
//! (channel, EventID).

use crate::compile::{Compiled, Expr, compile_detection};
use crate::correlation::Correlation;
use crate::eval::{CValue, FieldId, FieldTable, Test, View};
use crate::event::Event;
use crate::mapping::{Mapping, Resolved, Target};
use crate::modifiers::{FieldTest, Placeholders, ValueTest};
use crate::pattern::StrMatcher;
use crate::prefilter::{self, Prefilter};
use crate::rule::{Doc, FilterDoc, Logsource, Meta, Problem, ProblemKind, RuleDoc, read_file};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Loading options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub mapping: Mapping,
    pub placeholders: Placeholders,
}

impl Options {
    /// The default Windows mapping and no placeholders.
    pub fn windows() -> Options {
        Options { mapping: Mapping::default_windows(), placeholders: Placeholders::new() }
    }
}

/// A rule file's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// What loading found.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub files: usize,
    /// Detection rules compiled (including those for other logs).
    pub loaded: usize,
    /// Loaded rules whose logsource is not a Windows event log (they never fire on one).
    pub elsewhere: usize,
    pub correlations: usize,
    pub filters: usize,
    pub unsupported: Vec<FileProblem>,
    pub invalid: Vec<FileProblem>,
}

/// A loaded rule.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub meta: Meta,
    pub logsource: Logsource,
    /// False when a correlation uses the rule and does not ask to `generate` it.
    pub standalone: bool,
    /// Why the rule never fires on Windows event logs, if it does not.
    pub elsewhere: Option<String>,
}

#[derive(Debug, Clone)]
struct Variant {
    rule: u32,
    tests: Vec<Test>,
    expr: Expr,
}

#[derive(Debug, Default)]
struct ChannelIndex {
    by_eid: HashMap<u32, Vec<u32>>,
    any_eid: Vec<u32>,
}

#[derive(Debug, Default)]
struct Index {
    by_channel: HashMap<String, ChannelIndex>,
    /// Variants with no channel constraint.
    anywhere: ChannelIndex,
}

/// A detection of one rule on one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: u32,
    /// The fields whose tests held, with the event's value.
    pub fields: Vec<(String, String)>,
}

/// The compiled rule set.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<RuleInfo>,
    variants: Vec<Variant>,
    fields: FieldTable,
    index: Index,
    prefilter: Prefilter,
    /// Correlation rules, in an order where each comes after those it uses.
    pub correlations: Vec<CorrEntry>,
    /// Base rule → (correlation, position in its `rules`) pairs that use it.
    capture: HashMap<u32, Vec<(usize, usize)>>,
    pub report: LoadReport,
}

/// What a correlation refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Rule(u32),
    Correlation(usize),
}

/// A loaded correlation rule.
#[derive(Debug, Clone)]
pub struct CorrEntry {
    pub corr: Correlation,
    /// Its entry in `RuleSet::rules` (metadata for its detections).
    pub rule: u32,
    pub refs: Vec<Ref>,
}

thread_local! {
    /// Per-thread scratch: which literal sets the prefilter saw for the current event.
    static SEEN: RefCell<prefilter::Seen> = RefCell::new(prefilter::Seen::default());
}

/// Rule files under `paths` (files as given; folders searched recursively for `.yml` and
/// `.yaml`), sorted.
pub fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out).map_err(|e| format!("{}: {e}", p.display()))?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

impl RuleSet {
    /// Loads every rule file under `paths`. Fails only when a path cannot be read; problems
    /// in rules are in the report.
    pub fn load(paths: &[PathBuf], opts: &Options) -> Result<RuleSet, String> {
        let files = rule_files(paths)?;
        let mut sources = Vec::with_capacity(files.len());
        for f in files {
            let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            let name = f.display().to_string();
            match String::from_utf8(bytes) {
                Ok(text) => sources.push((name, text)),
                Err(_) => sources.push((name, String::from("\u{0}invalid utf-8"))),
            }
        }
        Ok(RuleSet::from_sources(sources, opts))
    }

    /// Compiles rules from (file name, text) pairs.
    pub fn from_sources(sources: Vec<(String, String)>, opts: &Options) -> RuleSet {
        let mut report = LoadReport { files: sources.len(), ..LoadReport::default() };
        let mut rule_docs: Vec<RuleDoc> = Vec::new();
        let mut filters: Vec<FilterDoc> = Vec::new();
        let mut correlations = Vec::new();
        for (file, text) in &sources {
            if text.starts_with('\u{0}') {
                report.invalid.push(FileProblem { file: file.clone(), line: 1, reason: "not UTF-8 text".into() });
                continue;
            }
            for doc in read_file(file, text) {
                match doc {
                    Ok(Doc::Rule(r)) => rule_docs.push(r),
                    Ok(Doc::Filter(f)) => filters.push(f),
                    Ok(Doc::Correlation(c)) => correlations.push(c),
                    Err(p) => push_problem(&mut report, file, p),
                }
            }
        }
        let mut set = RuleSet {
            rules: Vec::new(),
            variants: Vec::new(),
            fields: FieldTable::default(),
            index: Index::default(),
            prefilter: Prefilter::default(),
            correlations: Vec::new(),
            capture: HashMap::new(),
            report,
        };
        let mut seen_ids: HashMap<String, String> = HashMap::new();
        for doc in rule_docs {
            if !doc.meta.id.is_empty()
                && let Some(other) = seen_ids.get(&doc.meta.id)
            {
                let p = Problem::invalid(doc.meta.line, format!("duplicate rule id {} (also in {other})", doc.meta.id));
                push_problem(&mut set.report, &doc.meta.file, p);
                continue;
            }
            let file = doc.meta.file.clone();
            match set.add_rule(doc.clone(), &filters, opts) {
                Ok(()) => {
                    if !doc.meta.id.is_empty() {
                        seen_ids.insert(doc.meta.id.clone(), file);
                    }
                }
                Err(p) => push_problem(&mut set.report, &file, p),
            }
        }
        set.report.filters = filters.len();
        set.add_correlations(correlations);
        set.build_index();
        set
    }

    fn add_correlations(&mut self, docs: Vec<crate::rule::CorrelationDoc>) {
        let mut compiled = Vec::new();
        for doc in docs {
            match Correlation::compile(&doc) {
                Ok(c) => compiled.push((doc.meta, c)),
                Err(p) => push_problem(&mut self.report, &doc.meta.file, p),
            }
        }
        // Resolve references; a correlation may use one defined anywhere in the set, so
        // repeat until nothing more resolves (what is left refers to unknown names or loops).
        let key_of = |m: &Meta| (m.id.clone(), m.name.clone());
        let mut pending: Vec<(Meta, Correlation)> = compiled;
        let mut by_key: HashMap<String, Ref> = HashMap::new();
        for (i, r) in self.rules.iter().enumerate() {
            if !r.meta.id.is_empty() {
                by_key.insert(r.meta.id.clone(), Ref::Rule(i as u32));
            }
            if let Some(n) = &r.meta.name {
                by_key.insert(n.clone(), Ref::Rule(i as u32));
            }
        }
        loop {
            let before = pending.len();
            let mut rest = Vec::new();
            for (meta, corr) in pending {
                let refs: Option<Vec<Ref>> = corr.rules.iter().map(|r| by_key.get(r).copied()).collect();
                match refs {
                    Some(refs) => {
                        let rule = self.rules.len() as u32;
                        let ci = self.correlations.len();
                        let (id, name) = key_of(&meta);
                        for (pos, r) in refs.iter().enumerate() {
                            if let Ref::Rule(b) = r {
                                self.capture.entry(*b).or_default().push((ci, pos));
                            }
                        }
                        self.rules.push(RuleInfo {
                            meta,
                            logsource: Logsource::default(),
                            standalone: true,
                            elsewhere: None,
                        });
                        self.correlations.push(CorrEntry { corr, rule, refs });
                        self.report.correlations += 1;
                        if !id.is_empty() {
                            by_key.insert(id, Ref::Correlation(ci));
                        }
                        if let Some(n) = name {
                            by_key.insert(n, Ref::Correlation(ci));
                        }
                    }
                    None => rest.push((meta, corr)),
                }
            }
            if rest.len() == before || rest.is_empty() {
                for (meta, corr) in rest {
                    let unknown: Vec<&String> = corr.rules.iter().filter(|r| !by_key.contains_key(*r)).collect();
                    let p = Problem::invalid(
                        meta.line,
                        format!(
                            "correlation refers to unknown or circular rules: {}",
                            unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                    push_problem(&mut self.report, &meta.file, p);
                }
                break;
            }
            pending = rest;
        }
        // `generate: false` (the default) hides the rules a correlation uses, unless another
        // correlation that uses them asks to generate them.
        let mut hidden: HashMap<u32, bool> = HashMap::new();
        let mut hidden_corr: HashMap<usize, bool> = HashMap::new();
        for c in &self.correlations {
            for r in &c.refs {
                match r {
                    Ref::Rule(b) => *hidden.entry(*b).or_insert(true) &= !c.corr.generate,
                    Ref::Correlation(ci) => *hidden_corr.entry(*ci).or_insert(true) &= !c.corr.generate,
                }
            }
        }
        for (b, h) in hidden {
            self.rules[b as usize].standalone = !h;
        }
        for (ci, h) in hidden_corr {
            let r = self.correlations[ci].rule;
            self.rules[r as usize].standalone = !h;
        }
    }

    /// The correlations that use base rule `rule`: (correlation, position) pairs.
    pub fn correlations_of(&self, rule: u32) -> &[(usize, usize)] {
        self.capture.get(&rule).map(Vec::as_slice).unwrap_or(&[])
    }

    fn intern(&mut self, name: &str) -> FieldId {
        if let Some(&id) = self.fields.get(name) {
            return id;
        }
        let id = self.fields.len() as FieldId;
        self.fields.insert(name.to_string(), id);
        id
    }

    fn add_rule(&mut self, doc: RuleDoc, filters: &[FilterDoc], opts: &Options) -> Result<(), Problem> {
        let mut compiled = Compiled::default();
        let expr = compile_detection(&doc.selections, &doc.conditions, &opts.placeholders, &mut compiled)?;
        let mut expr_tests = compiled.tests;
        let mut expr = expr;
        let mut filtered = false;
        // Meta filters that name this rule.
        for f in filters {
            let named = f.rules.iter().any(|r| *r == doc.meta.id || doc.meta.name.as_deref() == Some(r.as_str()));
            if !named || !logsource_compatible(&f.logsource, &doc.logsource) {
                continue;
            }
            let mut fc = Compiled { tests: expr_tests, expr: None };
            let fexpr = compile_detection(&f.selections, &f.conditions, &opts.placeholders, &mut fc).map_err(|p| {
                Problem::invalid(p.line, format!("filter {} ({}): {}", f.meta.title, f.meta.file, p.message))
            })?;
            expr_tests = fc.tests;
            // One flat AND however many filters name the rule (no nesting to recurse into).
            let not = Expr::Not(Box::new(fexpr));
            expr = match expr {
                Expr::And(mut items) if filtered => {
                    items.push(not);
                    Expr::And(items)
                }
                other => Expr::And(vec![other, not]),
            };
            filtered = true;
        }
        let rule_idx = self.rules.len() as u32;
        let resolved = opts.mapping.resolve(&doc.logsource);
        let elsewhere = match &resolved {
            Resolved::Windows(targets) => {
                for t in targets {
                    let v = self.variant(rule_idx, &expr_tests, &expr, t);
                    self.variants.push(v);
                }
                None
            }
            Resolved::Elsewhere(reason) => {
                self.report.elsewhere += 1;
                Some(reason.clone())
            }
        };
        self.report.loaded += 1;
        self.rules.push(RuleInfo { meta: doc.meta, logsource: doc.logsource, standalone: true, elsewhere });
        Ok(())
    }

    fn variant(&mut self, rule: u32, tests: &[FieldTest], expr: &Expr, target: &Target) -> Variant {
        let mut out: Vec<Test> = tests.iter().map(|t| self.resolve_test(t, target)).collect();
        let mut ands = Vec::new();
        let channel_cond = target.channels.as_ref().map(|c| ("Channel".to_string(), c.clone()));
        for (field, values) in target.conditions.iter().chain(channel_cond.iter()) {
            let id = self.intern(field);
            out.push(Test {
                field: Some(id),
                name: field.clone(),
                values: values
                    .iter()
                    .map(|v| {
                        CValue::Plain(ValueTest::Str { m: StrMatcher::Exact(crate::pattern::lower(v)), cased: false })
                    })
                    .collect(),
                all: false,
            });
            ands.push(Expr::Test(out.len() as u32 - 1));
        }
        let expr = if ands.is_empty() {
            expr.clone()
        } else {
            ands.push(expr.clone());
            Expr::And(ands)
        };
        Variant { rule, tests: out, expr }
    }

    fn resolve_test(&mut self, t: &FieldTest, target: &Target) -> Test {
        let name = t.field.as_deref().map(|f| target.rename(f).to_string());
        let field = name.as_deref().map(|n| self.intern(n));
        let values = t.values.iter().map(|v| self.resolve_value(v, target)).collect();
        Test { field, name: name.unwrap_or_default(), values, all: t.all }
    }

    fn resolve_value(&mut self, v: &ValueTest, target: &Target) -> CValue {
        match v {
            ValueTest::FieldRef { other, mode, cased } => {
                CValue::FieldRef { other: self.intern(target.rename(other)), mode: *mode, cased: *cased }
            }
            ValueTest::Not(inner) => CValue::Not(Box::new(self.resolve_value(inner, target))),
            v => CValue::Plain(v.clone()),
        }
    }

    fn build_index(&mut self) {
        let event_id = self.fields.get("EventID").copied();
        let channel = self.fields.get("Channel").copied();
        let mut index = Index::default();
        for (vi, v) in self.variants.iter().enumerate() {
            let vi = vi as u32;
            let eids = event_id.and_then(|id| required_values(&v.expr, &v.tests, id, true));
            let eids: Option<BTreeSet<u32>> = eids.map(|s| s.iter().filter_map(|e| e.parse().ok()).collect());
            // Channels come from the mapping's target (stored as the rule's logsource).
            let chans = self.channels_of(v, channel);
            let slots: Vec<&mut ChannelIndex> = match &chans {
                None => vec![&mut index.anywhere],
                Some(list) => {
                    let mut keys: Vec<String> = list.iter().map(|c| crate::pattern::lower(c)).collect();
                    keys.sort();
                    keys.dedup();
                    for k in &keys {
                        index.by_channel.entry(k.clone()).or_default();
                    }
                    index.by_channel.iter_mut().filter(|(k, _)| keys.contains(k)).map(|(_, ci)| ci).collect()
                }
            };
            for ci in slots {
                match &eids {
                    Some(set) => {
                        for e in set {
                            ci.by_eid.entry(*e).or_default().push(vi);
                        }
                    }
                    None => ci.any_eid.push(vi),
                }
            }
        }
        self.index = index;
        let skip: Vec<FieldId> = [event_id, channel].into_iter().flatten().collect();
        let sets: Vec<Option<prefilter::Needs>> =
            self.variants.iter().map(|v| prefilter::needs(&v.expr, &v.tests, &skip)).collect();
        self.prefilter = Prefilter::build(&sets);
    }

    /// How many rule targets the prefilter can skip, of all.
    pub fn prefilter_coverage(&self) -> (usize, usize) {
        (self.prefilter.full.iter().filter(|f| **f != 0).count(), self.variants.len())
    }

    fn channels_of(&self, v: &Variant, channel: Option<FieldId>) -> Option<Vec<String>> {
        channel.and_then(|id| required_values(&v.expr, &v.tests, id, false).map(|s| s.into_iter().collect()))
    }

    /// Number of compiled (rule, target) pairs.
    pub fn variant_count(&self) -> usize {
        self.variants.len()
    }

    /// Tests `event` against every rule that could match it and appends the hits (one per
    /// rule).
    pub fn matches(&self, event: &Event, out: &mut Vec<Hit>) {
        let chan = crate::pattern::lower(&event.channel);
        let eid = event.event_id;
        let mut lists: [&[u32]; 4] = [&[]; 4];
        let mut n = 0;
        for ci in [self.index.by_channel.get(&chan), Some(&self.index.anywhere)].into_iter().flatten() {
            lists[n] = &ci.any_eid;
            n += 1;
            if let Some(e) = eid
                && let Some(list) = ci.by_eid.get(&e)
            {
                lists[n] = list;
                n += 1;
            }
        }
        let lists = &lists[..n];
        if lists.iter().all(|l| l.is_empty()) {
            return;
        }
        let mut view = View::new(event, &self.fields);
        let first_hit = out.len();
        SEEN.with_borrow_mut(|seen| {
            seen.reset(self.variants.len());
            if lists.iter().any(|l| l.iter().any(|&c| self.prefilter.filters(c))) {
                self.prefilter.scan(&mut |f, cb| view.each_lower(f, cb), seen);
            }
            for &vi in lists.iter().flat_map(|l| l.iter()) {
                if self.prefilter.skips(vi, seen) {
                    continue;
                }
                let v = &self.variants[vi as usize];
                if out[first_hit..].iter().any(|h| h.rule == v.rule) {
                    continue;
                }
                if eval(&v.expr, &v.tests, &mut view) {
                    let mut fields = Vec::new();
                    collect_fields(&v.expr, &v.tests, &mut view, &mut fields);
                    out.push(Hit { rule: v.rule, fields });
                }
            }
        });
    }
}

fn push_problem(report: &mut LoadReport, file: &str, p: Problem) {
    let fp = FileProblem { file: file.to_string(), line: p.line, reason: p.message };
    match p.kind {
        ProblemKind::Invalid => report.invalid.push(fp),
        ProblemKind::Unsupported => report.unsupported.push(fp),
    }
}

fn logsource_compatible(filter: &Logsource, rule: &Logsource) -> bool {
    let ok = |f: &Option<String>, r: &Option<String>| f.is_none() || f == r;
    ok(&filter.category, &rule.category) && ok(&filter.product, &rule.product) && ok(&filter.service, &rule.service)
}

/// The set of exact values `field` must take for `expr` to hold, if the expression pins it.
fn required_values(expr: &Expr, tests: &[Test], field: FieldId, numeric: bool) -> Option<BTreeSet<String>> {
    match expr {
        Expr::Test(i) => {
            let t = &tests[*i as usize];
            if t.field != Some(field) || t.all || t.values.is_empty() {
                return None;
            }
            let mut set = BTreeSet::new();
            for v in &t.values {
                match v {
                    // Index keys are lowercased; a `cased` value keeps its case, so it is not
                    // used as a key (the test still runs on the event).
                    CValue::Plain(ValueTest::Str { m: StrMatcher::Exact(s), cased: false }) => {
                        if numeric && s.parse::<u32>().is_err() {
                            return None;
                        }
                        set.insert(s.clone());
                    }
                    _ => return None,
                }
            }
            Some(set)
        }
        Expr::And(items) => {
            let mut acc: Option<BTreeSet<String>> = None;
            for i in items {
                if let Some(s) = required_values(i, tests, field, numeric) {
                    acc = Some(match acc {
                        None => s,
                        Some(a) => a.intersection(&s).cloned().collect(),
                    });
                }
            }
            acc
        }
        Expr::Or(items) => {
            let mut acc = BTreeSet::new();
            for i in items {
                acc.extend(required_values(i, tests, field, numeric)?);
            }
            Some(acc)
        }
        Expr::Not(_) | Expr::Const(_) => None,
    }
}

/// Evaluates an expression with short-circuiting.
fn eval(expr: &Expr, tests: &[Test], view: &mut View<'_>) -> bool {
    match expr {
        Expr::Test(i) => view.test(&tests[*i as usize]),
        Expr::And(items) => items.iter().all(|e| eval(e, tests, view)),
        Expr::Or(items) => items.iter().any(|e| eval(e, tests, view)),
        Expr::Not(inner) => !eval(inner, tests, view),
        Expr::Const(b) => *b,
    }
}

/// The fields of the tests that held, outside negations (for the report).
fn collect_fields(expr: &Expr, tests: &[Test], view: &mut View<'_>, out: &mut Vec<(String, String)>) {
    match expr {
        Expr::Test(i) => {
            let t = &tests[*i as usize];
            if t.field.is_some() && view.test(t) && !out.iter().any(|(n, _)| *n == t.name) {
                let value = view.event.get(&t.name).and_then(|v| v.text()).unwrap_or_default().to_string();
                out.push((t.name.clone(), value));
            }
        }
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| collect_fields(e, tests, view, out)),
        Expr::Not(_) | Expr::Const(_) => {}
    }
}
