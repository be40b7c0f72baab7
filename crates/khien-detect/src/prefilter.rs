//! The literal prefilter: most rules can only match when some literal text occurs in some
//! field (`Image|endswith: '\psexec.exe'` needs `\psexec.exe` in `Image`). For every rule
//! target we derive such a set of (field, literal) pairs; per field, one Aho-Corasick
//! automaton finds every literal of every rule in one pass over the event's value. A rule
//! whose literals are all absent is skipped without evaluating it.
//!
//! The requirement is a conjunction of up to eight literal sets, each of which must have a
//! literal present. It is derived from the expression: a test's values each contribute their
//! longest literal (ORed values give one set of all of them, `all` a set of one); `and`
//! keeps its children's sets (the most selective eight); `or` unions the best set of each
//! child into one; `not`, regexes and numeric tests give nothing, and a rule with no set at
//! all is always evaluated.

use crate::compile::Expr;
use crate::eval::{CValue, FieldId, Test};
use crate::modifiers::ValueTest;
use crate::pattern::StrMatcher;
use aho_corasick::AhoCorasick;
use std::collections::{BTreeSet, HashMap};

/// Literals shorter than this are too common to filter on.
const MIN_LITERAL: usize = 3;

/// At least one of these (field, literal) pairs occurs.
pub type OneOf = BTreeSet<(FieldId, String)>;

/// A rule target's requirement: every set has a pair that occurs.
pub type Needs = Vec<OneOf>;

/// Most sets kept per target (one bit each).
const MAX_SETS: usize = 8;

/// The literal sets of an expression, if it has any. Tests on `skip` fields (the channel and
/// EventID, already fixed by the index) never count.
pub fn needs(expr: &Expr, tests: &[Test], skip: &[FieldId]) -> Option<Needs> {
    match expr {
        Expr::Test(i) => test_needs(&tests[*i as usize], skip).map(|s| vec![s]),
        Expr::And(items) => {
            let mut all: Needs = items.iter().filter_map(|e| needs(e, tests, skip)).flatten().collect();
            if all.is_empty() {
                return None;
            }
            all.sort_by_key(|s| std::cmp::Reverse(score(s)));
            all.dedup();
            all.truncate(MAX_SETS);
            Some(all)
        }
        Expr::Or(items) => {
            let mut union = OneOf::new();
            for e in items {
                let best = needs(e, tests, skip)?.into_iter().max_by_key(score)?;
                union.extend(best);
            }
            Some(vec![union])
        }
        Expr::Not(_) | Expr::Const(_) => None,
    }
}

/// Higher is more selective: longer shortest literal first, then fewer literals.
fn score(s: &OneOf) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = s.iter().map(|(_, l)| l.len()).min().unwrap_or(0);
    (shortest.min(12), std::cmp::Reverse(s.len()))
}

fn literal_of(v: &CValue) -> Option<String> {
    let CValue::Plain(ValueTest::Str { m, cased }) = v else {
        return None;
    };
    let lit = match m {
        StrMatcher::Exact(s) | StrMatcher::Prefix(s) | StrMatcher::Suffix(s) => s.clone(),
        StrMatcher::Contains(f) => String::from_utf8(f.needle().to_vec()).ok()?,
        StrMatcher::Glob(parts) => crate::pattern::SigmaStr { parts: parts.clone() }.longest_literal()?.to_string(),
        StrMatcher::Any => return None,
    };
    let lit = if *cased { crate::pattern::lower(&lit) } else { lit };
    (lit.len() >= MIN_LITERAL).then_some(lit)
}

fn test_needs(t: &Test, skip: &[FieldId]) -> Option<OneOf> {
    let field = t.field?;
    if skip.contains(&field) || t.values.is_empty() {
        return None;
    }
    let lits: Vec<Option<String>> = t.values.iter().map(literal_of).collect();
    if t.all {
        let best = lits.into_iter().flatten().max_by_key(|l| l.len())?;
        return Some([(field, best)].into_iter().collect());
    }
    let mut set = OneOf::new();
    for l in lits {
        set.insert((field, l?));
    }
    Some(set)
}

/// Literals of one field while building: patterns, their ids, the (target, set bit) pairs of
/// each.
#[derive(Default)]
struct Pending {
    pats: Vec<String>,
    ids: HashMap<String, usize>,
    targets: Vec<Vec<(u32, u8)>>,
}

/// Yields the lowercased values of a field to a callback.
pub type ValuesOf<'v> = dyn FnMut(FieldId, &mut dyn FnMut(&str)) + 'v;

struct FieldAutomaton {
    ac: AhoCorasick,
    /// Pattern id → (rule target, set bit) pairs that need it.
    targets: Vec<Vec<(u32, u8)>>,
}

/// The automata of a rule set.
#[derive(Default)]
pub struct Prefilter {
    fields: Vec<(FieldId, FieldAutomaton)>,
    /// Per target: the bits of all its sets (0: not filtered, always evaluated).
    pub full: Vec<u8>,
}

/// Per-thread state of a scan: which sets of which targets were seen for the current event.
#[derive(Debug, Default)]
pub struct Seen {
    stamp: Vec<u32>,
    mask: Vec<u8>,
    current: u32,
}

impl Seen {
    /// Starts a new event over `targets` targets.
    pub fn reset(&mut self, targets: usize) {
        if self.stamp.len() != targets {
            self.stamp = vec![0; targets];
            self.mask = vec![0; targets];
            self.current = 0;
        }
        self.current = self.current.wrapping_add(1);
        if self.current == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.current = 1;
        }
    }

    fn mark(&mut self, target: u32, bit: u8) {
        let t = target as usize;
        if self.stamp[t] != self.current {
            self.stamp[t] = self.current;
            self.mask[t] = 0;
        }
        self.mask[t] |= bit;
    }
}

impl std::fmt::Debug for Prefilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Prefilter({} fields)", self.fields.len())
    }
}

impl Prefilter {
    /// Builds the automata from each target's literal set (`None` = always evaluated).
    pub fn build(sets: &[Option<Needs>]) -> Prefilter {
        let mut per_field: HashMap<FieldId, Pending> = HashMap::new();
        for (target, sets) in sets.iter().enumerate() {
            let Some(sets) = sets else { continue };
            for (i, set) in sets.iter().enumerate() {
                let bit = 1u8 << i;
                for (field, lit) in set {
                    let Pending { pats, ids, targets } = per_field.entry(*field).or_default();
                    let id = *ids.entry(lit.clone()).or_insert_with(|| {
                        pats.push(lit.clone());
                        targets.push(Vec::new());
                        pats.len() - 1
                    });
                    targets[id].push((target as u32, bit));
                }
            }
        }
        let mut fields = Vec::new();
        for (field, Pending { pats, targets, .. }) in per_field {
            // Patterns are built from valid literals; failure would only come from size
            // limits, in which case these targets stay unfiltered.
            match AhoCorasick::new(&pats) {
                Ok(ac) => fields.push((field, FieldAutomaton { ac, targets })),
                Err(_) => continue,
            }
        }
        fields.sort_by_key(|(f, _)| *f);
        let built: BTreeSet<FieldId> = fields.iter().map(|(f, _)| *f).collect();
        let full = sets
            .iter()
            .map(|s| match s {
                Some(s) if s.iter().flatten().all(|(f, _)| built.contains(f)) => ((1u16 << s.len()) - 1) as u8,
                _ => 0,
            })
            .collect();
        Prefilter { fields, full }
    }

    /// Can `target` be skipped for the event `seen` describes?
    pub fn skips(&self, target: u32, seen: &Seen) -> bool {
        let t = target as usize;
        let full = self.full[t];
        full != 0 && (seen.stamp[t] != seen.current || seen.mask[t] != full)
    }

    /// Is `target` filtered at all?
    pub fn filters(&self, target: u32) -> bool {
        self.full[target as usize] != 0
    }

    /// Records in `seen` which literal sets of which targets occur in the event;
    /// `values(field)` yields the lowercased values of a field.
    pub fn scan(&self, values: &mut ValuesOf<'_>, seen: &mut Seen) {
        for (field, fa) in &self.fields {
            values(*field, &mut |text: &str| {
                for m in fa.ac.find_overlapping_iter(text) {
                    for &(t, bit) in &fa.targets[m.pattern().as_usize()] {
                        seen.mark(t, bit);
                    }
                }
            });
        }
    }
}
