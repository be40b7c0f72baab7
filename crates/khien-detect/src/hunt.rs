//! A hunt: every event of a set of input files matched against a rule set, spread over
//! worker threads (one file at a time per worker), results streamed back to the caller.

use crate::correlation::{self, Runner};
use crate::input::{self, Input};
use crate::rule::Level;
use crate::ruleset::{Ref, RuleSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Hunt settings.
#[derive(Debug, Clone, Default)]
pub struct HuntOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Report only rules at or above this level (rules without a level count as informational).
    pub min_level: Option<Level>,
    /// Only events at or after this time (µs since the epoch).
    pub from_us: Option<i64>,
    /// Only events before this time (µs since the epoch).
    pub to_us: Option<i64>,
    /// EVTX files with more chunks than this are shared between threads, this many chunks
    /// per unit of work; 0 means [`SPLIT_CHUNKS`].
    pub split_chunks: u64,
}

/// One detection: a rule that matched an event, with what a responder needs to find it.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Index into `RuleSet::rules`.
    pub rule: u32,
    pub timestamp: String,
    pub time_us: Option<i64>,
    pub computer: String,
    pub channel: String,
    pub event_id: Option<u32>,
    pub record_id: Option<u64>,
    pub file: String,
    /// The fields whose tests held, with the event's values.
    pub fields: Vec<(String, String)>,
}

/// What happened during a hunt.
#[derive(Debug, Clone, Default)]
pub struct HuntStats {
    pub files: usize,
    pub events: u64,
    /// Events inside the time window (all events without one).
    pub events_matched_against: u64,
    pub detections: u64,
    pub problems: u64,
}

/// Messages from workers.
pub enum Message {
    Detection(Detection),
    Problem(String),
    /// A file is done: its bytes and events.
    FileDone {
        bytes: u64,
        events: u64,
    },
}

/// A base rule fired for a correlation: which one, and the detection's context.
struct CorrHit {
    corr: usize,
    input: correlation::Input,
    context: Detection,
}

enum Msg {
    Out(Message),
    Corr(CorrHit),
}

fn level_ok(set: &RuleSet, rule: u32, opts: &HuntOptions) -> bool {
    let level = set.rules[rule as usize].meta.level.unwrap_or(Level::Informational);
    opts.min_level.is_none_or(|m| level >= m)
}

/// EVTX files larger than this are shared between threads, this many chunks at a time.
pub const SPLIT_CHUNKS: u64 = 128;

/// A unit of work: a whole file, or a range of chunks of a large EVTX file.
struct Unit<'a> {
    input: &'a Input,
    chunks: Option<(u64, u64)>,
    bytes: u64,
}

fn units(inputs: &[Input], split: u64) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    for input in inputs {
        let bytes = std::fs::metadata(&input.path).map(|m| m.len()).unwrap_or(0);
        let chunks = bytes.saturating_sub(input::EVTX_HEADER_BYTES).div_ceil(input::EVTX_CHUNK_BYTES);
        if input.kind == input::Kind::Evtx && !input.gzip && chunks > split && evtx_magic(input) {
            let mut first = 0;
            while first < chunks {
                let count = split.min(chunks - first);
                out.push(Unit { input, chunks: Some((first, count)), bytes: count * input::EVTX_CHUNK_BYTES });
                first += count;
            }
        } else {
            out.push(Unit { input, chunks: None, bytes });
        }
    }
    out
}

fn evtx_magic(input: &Input) -> bool {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(&input.path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == b"ElfFile\0"
}

/// Runs the hunt. `on_message` runs on the calling thread, in arrival order; correlation
/// detections come last, once every event has been read.
pub fn hunt(set: &RuleSet, inputs: &[Input], opts: &HuntOptions, on_message: &mut dyn FnMut(Message)) -> HuntStats {
    let split = if opts.split_chunks == 0 { SPLIT_CHUNKS } else { opts.split_chunks };
    let units = units(inputs, split);
    let units = &units;
    let threads = opts.threads.max(1).min(units.len().max(1));
    let next = AtomicUsize::new(0);
    // Messages travel in batches (one per file or per 1,024 messages): a send per detection
    // would wake the receiving thread thousands of times.
    let (tx, rx) = mpsc::sync_channel::<Vec<Msg>>(64);
    let mut corr_hits: Vec<CorrHit> = Vec::new();
    let mut stats = HuntStats { files: inputs.len(), ..HuntStats::default() };
    let in_window = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            let in_window = &in_window;
            scope.spawn(move || {
                let mut hits = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(unit) = units.get(i) else { break };
                    let inp = unit.input;
                    let file = inp.path.display().to_string();
                    let bytes = unit.bytes;
                    let mut counted = 0u64;
                    let batch: std::cell::RefCell<Vec<Msg>> = std::cell::RefCell::new(Vec::new());
                    let push = |m: Msg| {
                        let mut b = batch.borrow_mut();
                        b.push(m);
                        if b.len() >= 1024 {
                            let _ = tx.send(std::mem::take(&mut *b));
                        }
                    };
                    let mut on_event = |ev: crate::event::Event| {
                        if let Some(t) = ev.time_us {
                            if opts.from_us.is_some_and(|f| t < f) || opts.to_us.is_some_and(|to| t >= to) {
                                return;
                            }
                        } else if opts.from_us.is_some() || opts.to_us.is_some() {
                            return;
                        }
                        counted += 1;
                        hits.clear();
                        set.matches(&ev, &mut hits);
                        for h in hits.drain(..) {
                            let rule = &set.rules[h.rule as usize];
                            let d = Detection {
                                rule: h.rule,
                                timestamp: ev.time_text.clone(),
                                time_us: ev.time_us,
                                computer: ev.computer.clone(),
                                channel: ev.channel.clone(),
                                event_id: ev.event_id,
                                record_id: ev.record_id,
                                file: file.clone(),
                                fields: h.fields,
                            };
                            for &(ci, pos) in set.correlations_of(h.rule) {
                                let Some(time_us) = ev.time_us else { continue };
                                let c = &set.correlations[ci].corr;
                                let keys = [rule.meta.id.as_str(), rule.meta.name.as_deref().unwrap_or("")];
                                let text = |f: &str| ev.get(f).and_then(|v| v.text()).map(str::to_string);
                                let group = c
                                    .group_by
                                    .iter()
                                    .map(|g| text(c.source_field(g, &keys)).unwrap_or_default())
                                    .collect();
                                let value = c.field.as_deref().and_then(|f| text(c.source_field(f, &keys)));
                                let input = correlation::Input { rule_pos: pos, time_us, group, value, origin: 0 };
                                push(Msg::Corr(CorrHit { corr: ci, input, context: d.clone() }));
                            }
                            if rule.standalone && level_ok(set, h.rule, opts) {
                                push(Msg::Out(Message::Detection(d)));
                            }
                        }
                    };
                    let mut on_problem = |p: String| push(Msg::Out(Message::Problem(p)));
                    let events = match unit.chunks {
                        Some((first, count)) => {
                            input::read_evtx_chunks(inp, first, count, &mut on_event, &mut on_problem)
                        }
                        None => input::read(inp, &mut on_event, &mut on_problem),
                    };
                    in_window.fetch_add(counted as usize, Ordering::Relaxed);
                    let mut b = batch.into_inner();
                    b.push(Msg::Out(Message::FileDone { bytes, events }));
                    let _ = tx.send(b);
                }
            });
        }
        drop(tx);
        for msg in rx.into_iter().flatten() {
            let msg = match msg {
                Msg::Out(m) => m,
                Msg::Corr(c) => {
                    corr_hits.push(c);
                    continue;
                }
            };
            match &msg {
                Message::Detection(_) => stats.detections += 1,
                Message::Problem(_) => stats.problems += 1,
                Message::FileDone { events, .. } => stats.events += events,
            }
            on_message(msg);
        }
    });
    stats.events_matched_against = in_window.load(Ordering::Relaxed) as u64;
    stats.detections += run_correlations(set, opts, corr_hits, on_message);
    stats
}

/// Runs every correlation over its inputs in time order (chained correlations after the
/// ones they use) and reports what fired; returns the number of detections reported.
fn run_correlations(set: &RuleSet, opts: &HuntOptions, hits: Vec<CorrHit>, on_message: &mut dyn FnMut(Message)) -> u64 {
    if set.correlations.is_empty() {
        return 0;
    }
    let mut contexts: Vec<Detection> = Vec::with_capacity(hits.len());
    let mut per_corr: Vec<Vec<correlation::Input>> = vec![Vec::new(); set.correlations.len()];
    for mut h in hits {
        h.input.origin = contexts.len();
        contexts.push(h.context);
        per_corr[h.corr].push(h.input);
    }
    let mut reported = 0;
    for ci in 0..set.correlations.len() {
        let entry = &set.correlations[ci];
        let mut inputs = std::mem::take(&mut per_corr[ci]);
        inputs.sort_by_key(|i| (i.time_us, i.origin));
        let mut runner = Runner::new(&entry.corr);
        let mut fired = Vec::new();
        for i in inputs {
            fired.extend(runner.feed(i));
        }
        fired.extend(runner.finish());
        for f in fired {
            let mut d = contexts[f.origin].clone();
            d.rule = entry.rule;
            d.time_us = Some(f.time_us);
            d.fields = entry.corr.group_by.iter().cloned().zip(f.group.iter().cloned()).collect();
            d.fields.push(("correlation_value".into(), format_measure(f.measure)));
            // Feed correlations that use this one.
            for (cj, later) in set.correlations.iter().enumerate().skip(ci + 1) {
                for (pos, r) in later.refs.iter().enumerate() {
                    if *r == Ref::Correlation(ci) {
                        let group = later
                            .corr
                            .group_by
                            .iter()
                            .map(|g| {
                                // The later correlation's aliases may name this one's field.
                                let meta = &set.rules[entry.rule as usize].meta;
                                let keys = [meta.id.as_str(), meta.name.as_deref().unwrap_or("")];
                                let src = later.corr.source_field(g, &keys);
                                entry
                                    .corr
                                    .group_by
                                    .iter()
                                    .position(|x| x == src)
                                    .map(|p| f.group[p].clone())
                                    .unwrap_or_default()
                            })
                            .collect();
                        per_corr[cj].push(correlation::Input {
                            rule_pos: pos,
                            time_us: f.time_us,
                            group,
                            value: Some(format_measure(f.measure)),
                            origin: contexts.len(),
                        });
                        contexts.push(d.clone());
                    }
                }
            }
            if set.rules[entry.rule as usize].standalone && level_ok(set, entry.rule, opts) {
                reported += 1;
                on_message(Message::Detection(d));
            }
        }
    }
    reported
}

fn format_measure(m: f64) -> String {
    if m.fract() == 0.0 && m.abs() < 1e15 { format!("{}", m as i64) } else { format!("{m}") }
}
