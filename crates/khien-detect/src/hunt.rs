//! A hunt: every event of a set of input files matched against a rule set, spread over
//! worker threads (one file at a time per worker), results streamed back to the caller.

use crate::input::{self, Input};
use crate::rule::Level;
use crate::ruleset::RuleSet;
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

/// Runs the hunt. `on_message` runs on the calling thread, in arrival order.
pub fn hunt(set: &RuleSet, inputs: &[Input], opts: &HuntOptions, on_message: &mut dyn FnMut(Message)) -> HuntStats {
    let threads = opts.threads.max(1).min(inputs.len().max(1));
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<Message>(4096);
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
                    let Some(inp) = inputs.get(i) else { break };
                    let file = inp.path.display().to_string();
                    let bytes = std::fs::metadata(&inp.path).map(|m| m.len()).unwrap_or(0);
                    let mut counted = 0u64;
                    let events = input::read(
                        inp,
                        &mut |ev| {
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
                                if !rule.standalone {
                                    continue;
                                }
                                let level = rule.meta.level.unwrap_or(Level::Informational);
                                if opts.min_level.is_some_and(|m| level < m) {
                                    continue;
                                }
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
                                let _ = tx.send(Message::Detection(d));
                            }
                        },
                        &mut |p| {
                            let _ = tx.send(Message::Problem(p));
                        },
                    );
                    in_window.fetch_add(counted as usize, Ordering::Relaxed);
                    let _ = tx.send(Message::FileDone { bytes, events });
                }
            });
        }
        drop(tx);
        for msg in rx {
            match &msg {
                Message::Detection(_) => stats.detections += 1,
                Message::Problem(_) => stats.problems += 1,
                Message::FileDone { events, .. } => stats.events += events,
            }
            on_message(msg);
        }
    });
    stats.events_matched_against = in_window.load(Ordering::Relaxed) as u64;
    stats
}
