//! Evaluating compiled tests on one event: the event's values are indexed by field id once,
//! lowercased once, and every candidate rule reads them from there.

use crate::event::{Event, Val};
use crate::modifiers::{RefMode, TimePart, ValueTest};

/// Field ids are dense indices into a rule set's field table.
pub type FieldId = u32;

/// A test with its field resolved.
#[derive(Debug, Clone)]
pub struct Test {
    pub field: Option<FieldId>,
    pub name: String,
    pub values: Vec<CValue>,
    pub all: bool,
}

/// A value test with any referenced field resolved.
#[derive(Debug, Clone)]
pub enum CValue {
    Plain(ValueTest),
    FieldRef { other: FieldId, mode: RefMode, cased: bool },
    Not(Box<CValue>),
}

/// One value of the event, with its lowercase form when it differs.
#[derive(Debug)]
pub struct PVal<'e> {
    pub raw: Option<&'e str>,
    lower: Option<String>,
    next: u32,
}

impl<'e> PVal<'e> {
    fn new(v: &'e Val) -> PVal<'e> {
        let raw = v.text();
        let lower = raw.and_then(|r| {
            let needs = r.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80);
            if !needs {
                return None;
            }
            let l = crate::pattern::lower(r);
            (l != r).then_some(l)
        });
        PVal { raw, lower, next: NONE }
    }

    /// The text as compared case-insensitively (null reads as the empty string).
    pub fn lower(&self) -> &str {
        self.lower.as_deref().or(self.raw).unwrap_or("")
    }

    /// The text as compared case-sensitively (null reads as the empty string).
    pub fn cased(&self) -> &str {
        self.raw.unwrap_or("")
    }
}

const NONE: u32 = u32::MAX;

/// Field name → id.
pub type FieldTable = rustc_hash::FxHashMap<String, FieldId>;

/// An event prepared for matching.
pub struct View<'e> {
    pub event: &'e Event,
    vals: Vec<PVal<'e>>,
    /// Per field id: index of its first value, or NONE.
    first: Vec<u32>,
    all: Vec<PVal<'e>>,
}

impl<'e> View<'e> {
    /// Indexes the event's values by the ids of `fields`.
    pub fn new(event: &'e Event, fields: &FieldTable) -> View<'e> {
        let mut vals: Vec<PVal<'e>> = Vec::with_capacity(event.fields.len());
        let mut first = vec![NONE; fields.len()];
        let mut last = vec![NONE; fields.len()];
        for (name, v) in &event.fields {
            let Some(&id) = fields.get(name.as_str()) else { continue };
            let idx = vals.len() as u32;
            vals.push(PVal::new(v));
            let prev = last[id as usize];
            if prev == NONE {
                first[id as usize] = idx;
            } else {
                vals[prev as usize].next = idx;
            }
            last[id as usize] = idx;
        }
        View { event, vals, first, all: Vec::new() }
    }

    /// Calls `f` with the lowercased text of every value of `id`.
    pub fn each_lower(&self, id: FieldId, f: &mut dyn FnMut(&str)) {
        for v in self.values(id) {
            f(v.lower());
        }
    }

    fn values(&self, id: FieldId) -> impl Iterator<Item = &PVal<'e>> {
        let mut cur = self.first.get(id as usize).copied().unwrap_or(NONE);
        std::iter::from_fn(move || {
            if cur == NONE {
                return None;
            }
            let v = &self.vals[cur as usize];
            cur = v.next;
            Some(v)
        })
    }

    fn present(&self, id: FieldId) -> bool {
        self.first.get(id as usize).is_some_and(|&i| i != NONE)
    }

    fn keyword_values(&mut self) -> &[PVal<'e>] {
        if self.all.is_empty() {
            self.all = self.event.fields.iter().map(|(_, v)| PVal::new(v)).collect();
        }
        &self.all
    }

    /// Evaluates one test.
    pub fn test(&mut self, t: &Test) -> bool {
        match t.field {
            None => {
                let all = self.keyword_values();
                let hit = |c: &CValue| all.iter().any(|v| plain_match(c, v));
                if t.all { t.values.iter().all(hit) } else { t.values.iter().any(hit) }
            }
            Some(id) => {
                if t.all {
                    t.values.iter().all(|c| self.value_test(id, c))
                } else {
                    t.values.iter().any(|c| self.value_test(id, c))
                }
            }
        }
    }

    fn value_test(&self, id: FieldId, c: &CValue) -> bool {
        match c {
            CValue::Plain(ValueTest::Null) => self.values(id).all(|v| v.raw.is_none_or(str::is_empty)),
            CValue::Plain(ValueTest::Exists(b)) => self.present(id) == *b,
            CValue::Not(inner) => self.present(id) && !self.value_test(id, inner),
            CValue::FieldRef { other, mode, cased } => self.values(id).any(|v| {
                self.values(*other).any(|o| {
                    let (a, b) = if *cased { (v.cased(), o.cased()) } else { (v.lower(), o.lower()) };
                    match mode {
                        RefMode::Equal => a == b,
                        RefMode::Prefix => a.starts_with(b),
                        RefMode::Suffix => a.ends_with(b),
                        RefMode::Contains => a.contains(b),
                    }
                })
            }),
            c => self.values(id).any(|v| plain_match(c, v)),
        }
    }
}

fn plain_match(c: &CValue, v: &PVal<'_>) -> bool {
    match c {
        CValue::Plain(t) => vt_match(t, v),
        CValue::Not(inner) => !plain_match(inner, v),
        CValue::FieldRef { .. } => false,
    }
}

fn vt_match(t: &ValueTest, v: &PVal<'_>) -> bool {
    match t {
        ValueTest::Str { m, cased } => m.is_match(if *cased { v.cased() } else { v.lower() }),
        ValueTest::Re(re) => v.raw.is_some_and(|r| re.is_match(r)),
        ValueTest::Cidr(net) => {
            v.raw.and_then(|r| r.trim().parse::<std::net::IpAddr>().ok()).is_some_and(|ip| net.contains(&ip))
        }
        ValueTest::Num(cmp, n) => v.raw.and_then(parse_num).is_some_and(|x| cmp.test(x, *n)),
        ValueTest::Time(part, cmp, n) => {
            v.raw.and_then(|r| time_part(r, *part)).is_some_and(|x| cmp.test(x as f64, *n))
        }
        ValueTest::Null => v.raw.is_none_or(str::is_empty),
        ValueTest::Exists(b) => *b,
        ValueTest::FieldRef { .. } => false,
        ValueTest::Not(inner) => !vt_match(inner, v),
    }
}

fn parse_num(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    s.parse().ok()
}

fn time_part(text: &str, part: TimePart) -> Option<i64> {
    let us = crate::event::parse_time_us(text)?;
    let ts = jiff::Timestamp::from_microsecond(us).ok()?;
    let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    Some(match part {
        TimePart::Minute => dt.minute() as i64,
        TimePart::Hour => dt.hour() as i64,
        TimePart::Day => dt.day() as i64,
        TimePart::Week => dt.date().iso_week_date().week() as i64,
        TimePart::Month => dt.month() as i64,
        TimePart::Year => dt.year() as i64,
    })
}
