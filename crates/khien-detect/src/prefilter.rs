//! The literal prefilter: most rules can only match when some literal text occurs in some
//! field (`Image|endswith: '\psexec.exe'` needs `\psexec.exe` in `Image`). For every rule
//! target we derive such a set of (field, literal) pairs; per field, one Aho-Corasick
//! automaton finds every literal of every rule in one pass over the event's value. A rule
//! whose literals are all absent is skipped without evaluating it.
//!
//! A set is derived from the expression: a test's values each contribute their longest
//! literal (ORed values need all of them, `all` needs only one); `and` keeps the most
//! selective child's set; `or` unions its children's sets; `not`, regexes and numeric tests
//! give no set, and such a rule is always evaluated.

use crate::compile::Expr;
use crate::eval::{CValue, FieldId, Test};
use crate::modifiers::ValueTest;
use crate::pattern::StrMatcher;
use aho_corasick::AhoCorasick;
use std::collections::{BTreeSet, HashMap};

/// Literals shorter than this are too common to filter on.
const MIN_LITERAL: usize = 3;

/// A rule target's requirement: at least one of these (field, literal) pairs occurs.
pub type Needs = BTreeSet<(FieldId, String)>;

/// The literal set of an expression, if it has a useful one. Tests on `skip` fields (the
/// channel and EventID, already fixed by the index) never count.
pub fn needs(expr: &Expr, tests: &[Test], skip: &[FieldId]) -> Option<Needs> {
    match expr {
        Expr::Test(i) => test_needs(&tests[*i as usize], skip),
        Expr::And(items) => items.iter().filter_map(|e| needs(e, tests, skip)).max_by_key(score),
        Expr::Or(items) => {
            let mut all = Needs::new();
            for e in items {
                all.extend(needs(e, tests, skip)?);
            }
            Some(all)
        }
        Expr::Not(_) | Expr::Const(_) => None,
    }
}

/// Higher is more selective: longer shortest literal first, then fewer literals.
fn score(s: &Needs) -> (usize, std::cmp::Reverse<usize>) {
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
    let lit = if *cased { lit.to_lowercase() } else { lit };
    (lit.len() >= MIN_LITERAL).then_some(lit)
}

fn test_needs(t: &Test, skip: &[FieldId]) -> Option<Needs> {
    let field = t.field?;
    if skip.contains(&field) || t.values.is_empty() {
        return None;
    }
    let lits: Vec<Option<String>> = t.values.iter().map(literal_of).collect();
    if t.all {
        let best = lits.into_iter().flatten().max_by_key(|l| l.len())?;
        return Some([(field, best)].into_iter().collect());
    }
    let mut set = Needs::new();
    for l in lits {
        set.insert((field, l?));
    }
    Some(set)
}

/// Literals of one field while building: patterns, their ids, the targets of each.
#[derive(Default)]
struct Pending {
    pats: Vec<String>,
    ids: HashMap<String, usize>,
    targets: Vec<Vec<u32>>,
}

/// Yields the lowercased values of a field to a callback.
pub type ValuesOf<'v> = dyn FnMut(FieldId, &mut dyn FnMut(&str)) + 'v;

struct FieldAutomaton {
    ac: AhoCorasick,
    /// Pattern id → rule targets that need it.
    targets: Vec<Vec<u32>>,
}

/// The automata of a rule set.
#[derive(Default)]
pub struct Prefilter {
    fields: Vec<(FieldId, FieldAutomaton)>,
    /// Per target: true when it has a literal set (and can be skipped).
    pub filtered: Vec<bool>,
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
        for (target, set) in sets.iter().enumerate() {
            let Some(set) = set else { continue };
            for (field, lit) in set {
                let Pending { pats, ids, targets } = per_field.entry(*field).or_default();
                let id = *ids.entry(lit.clone()).or_insert_with(|| {
                    pats.push(lit.clone());
                    targets.push(Vec::new());
                    pats.len() - 1
                });
                targets[id].push(target as u32);
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
        let filtered =
            sets.iter().map(|s| s.as_ref().is_some_and(|s| s.iter().all(|(f, _)| built.contains(f)))).collect();
        Prefilter { fields, filtered }
    }

    /// Marks (in `active`, stamped with `stamp`) every target whose literals occur in the
    /// event; `value(field)` yields the lowercased values of a field.
    pub fn scan(&self, values: &mut ValuesOf<'_>, active: &mut [u32], stamp: u32) {
        for (field, fa) in &self.fields {
            values(*field, &mut |text: &str| {
                for m in fa.ac.find_overlapping_iter(text) {
                    for &t in &fa.targets[m.pattern().as_usize()] {
                        active[t as usize] = stamp;
                    }
                }
            });
        }
    }

    /// Number of fields with an automaton.
    pub fn field_count(&self) -> usize {
        self.fields.len()
    }
}
