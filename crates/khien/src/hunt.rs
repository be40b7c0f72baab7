//! `khien hunt` and `khien rules check`: the command-line face of `khien-detect`.
//!
//! Output of a hunt: a table grouped by level (colour on a terminal), CSV, or JSON Lines on
//! stdout; the summary always goes to stderr so that stdout stays machine-readable.

use crate::EXIT_INVALID;
use crate::cli::{HuntArgs, RuleLoadArgs};
use anyhow::{Context, Result, anyhow, bail};
use khien_detect::hunt::{Detection, HuntOptions, Message};
use khien_detect::input;
use khien_detect::mapping::Mapping;
use khien_detect::modifiers::Placeholders;
use khien_detect::{Level, Options, RuleSet};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn options(load: &RuleLoadArgs) -> Result<Options> {
    let mapping = match &load.mapping {
        None => Mapping::default_windows(),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?;
            Mapping::parse(&text).map_err(|e| anyhow!("{}: line {}: {}", p.display(), e.line, e.message))?
        }
    };
    let placeholders = match &load.placeholders {
        None => Placeholders::new(),
        Some(p) => read_placeholders(p)?,
    };
    Ok(Options { mapping, placeholders })
}

fn read_placeholders(p: &Path) -> Result<Placeholders> {
    use khien_detect::yaml::{self, Value};
    let text = std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?;
    let docs = yaml::load_all(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?;
    let mut out = Placeholders::new();
    if let Some(Value::Map(entries)) = docs.first().map(|d| &d.value) {
        for (k, v) in entries {
            let name =
                k.scalar_text().ok_or_else(|| anyhow!("{}: line {}: names must be strings", p.display(), k.line))?;
            let values = match &v.value {
                Value::Seq(items) => items.iter().filter_map(|i| i.scalar_text()).collect(),
                _ => v.scalar_text().into_iter().collect(),
            };
            out.insert(name, values);
        }
        Ok(out)
    } else {
        bail!("{}: expected a map of placeholder name to values", p.display())
    }
}

fn load(paths: &[PathBuf], load: &RuleLoadArgs) -> Result<RuleSet> {
    let opts = options(load)?;
    RuleSet::load(paths, &opts).map_err(|e| anyhow!(e))
}

/// `khien rules check`.
pub fn check(paths: &[PathBuf], load_args: &RuleLoadArgs, json: bool) -> Result<u8> {
    let set = load(paths, load_args)?;
    let r = &set.report;
    if json {
        let list = |v: &[khien_detect::ruleset::FileProblem]| {
            v.iter()
                .map(|p| serde_json::json!({"file": p.file, "line": p.line, "reason": p.reason}))
                .collect::<Vec<_>>()
        };
        let obj = serde_json::json!({
            "files": r.files,
            "loaded": r.loaded,
            "not_for_windows_event_logs": r.elsewhere,
            "not_for_windows_event_logs_by_reason": elsewhere_reasons(&set)
                .into_iter()
                .map(|(reason, n)| serde_json::json!({"reason": reason, "rules": n}))
                .collect::<Vec<_>>(),
            "filters": r.filters,
            "unsupported": list(&r.unsupported),
            "invalid": list(&r.invalid),
        });
        println!("{obj}");
    } else {
        for p in &r.invalid {
            println!("{}:{}: invalid: {}", p.file, p.line, p.reason);
        }
        for p in &r.unsupported {
            println!("{}:{}: unsupported: {}", p.file, p.line, p.reason);
        }
        for (reason, n) in elsewhere_reasons(&set) {
            println!("note: {n} rules do not run on Windows event logs: {reason}");
        }
        println!(
            "{} files: {} rules loaded ({} for other logs than Windows event logs), {} unsupported, {} invalid",
            r.files,
            r.loaded,
            r.elsewhere,
            r.unsupported.len(),
            r.invalid.len()
        );
    }
    Ok(if r.invalid.is_empty() { 0 } else { EXIT_INVALID })
}

/// Loaded rules that never run on Windows event logs, counted by reason (most first).
fn elsewhere_reasons(set: &RuleSet) -> Vec<(String, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &set.rules {
        if let Some(reason) = &r.elsewhere {
            *counts.entry(reason.as_str()).or_default() += 1;
        }
    }
    let mut v: Vec<(String, usize)> = counts.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn parse_time(s: &str, what: &str) -> Result<i64> {
    khien_detect::event::parse_time_us(s)
        .or_else(|| khien_detect::event::parse_time_us(&format!("{s} 00:00:00")))
        .ok_or_else(|| anyhow!("--{what}: '{s}' is not a time (use RFC 3339 or YYYY-MM-DD)"))
}

/// `khien hunt`.
pub fn run(args: HuntArgs) -> Result<u8> {
    let min_level = args
        .min_level
        .as_deref()
        .map(|l| {
            Level::parse(l)
                .ok_or_else(|| anyhow!("--min-level: '{l}' is not informational, low, medium, high or critical"))
        })
        .transpose()?;
    let from_us = args.from.as_deref().map(|s| parse_time(s, "from")).transpose()?;
    let to_us = args.to.as_deref().map(|s| parse_time(s, "to")).transpose()?;
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let started = Instant::now();
    let set = if args.parse_only {
        RuleSet::from_sources(Vec::new(), &options(&args.load)?)
    } else {
        load(&args.rules, &args.load)?
    };
    let load_time = started.elapsed();
    let active = set.rules.iter().filter(|r| r.elsewhere.is_none()).count();
    if set.report.loaded == 0 && !args.parse_only {
        bail!(
            "no rules loaded from {}",
            args.rules.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let stderr = std::io::stderr();
    let mut problems = 0u64;
    let mut report_problem = |p: String| {
        problems += 1;
        let _ = writeln!(stderr.lock(), "warning: {p}");
    };
    let inputs = input::discover(&args.paths, &mut report_problem);
    let total_bytes: u64 = inputs.iter().filter_map(|i| std::fs::metadata(&i.path).ok()).map(|m| m.len()).sum();
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let opts = HuntOptions { threads, min_level, from_us, to_us, split_chunks: 0 };
    let progress = (!args.no_progress && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new(total_bytes);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let hunt_started = Instant::now();
    let mut detections: Vec<Detection> = Vec::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_err: Option<std::io::Error> = None;
    let mut by_level: HashMap<Level, u64> = HashMap::new();
    let mut by_rule: HashMap<u32, u64> = HashMap::new();
    let stats = khien_detect::hunt::hunt(&set, &inputs, &opts, &mut |msg| match msg {
        Message::Detection(d) => {
            let level = set.rules[d.rule as usize].meta.level.unwrap_or(Level::Informational);
            *by_level.entry(level).or_default() += 1;
            *by_rule.entry(d.rule).or_default() += 1;
            if args.jsonl {
                if write_err.is_none()
                    && let Err(e) = writeln!(out, "{}", json_line(&set, &d))
                {
                    write_err = Some(e);
                }
            } else {
                detections.push(d);
            }
        }
        Message::Problem(p) => report_problem(p),
        Message::FileDone { bytes, .. } => {
            if let Some(pb) = &progress {
                pb.inc(bytes);
            }
        }
    });
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    let hunt_time = hunt_started.elapsed();
    if !args.jsonl {
        detections
            .sort_by(|a, b| (a.time_us, &a.file, a.record_id, a.rule).cmp(&(b.time_us, &b.file, b.record_id, b.rule)));
        let r =
            if args.csv { write_csv(&set, &detections, &mut out) } else { write_table(&set, &detections, &mut out) };
        if let Err(e) = r {
            write_err.get_or_insert(e);
        }
    }
    if let Err(e) = out.flush() {
        write_err.get_or_insert(e);
    }
    if let Some(e) = write_err
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    // Summary.
    let mut e = stderr.lock();
    let secs = hunt_time.as_secs_f64();
    let _ = writeln!(
        e,
        "\nHunt: {} events in {} files ({:.1} MB) with {} rules ({} apply to Windows event logs) on {} thread(s)",
        stats.events,
        stats.files,
        total_bytes as f64 / 1e6,
        set.report.loaded,
        active,
        threads.min(inputs.len().max(1))
    );
    if from_us.is_some() || to_us.is_some() {
        let _ = writeln!(e, "  in the time window: {} events", stats.events_matched_against);
    }
    let _ = writeln!(
        e,
        "  rules loaded in {:.2} s ({} unsupported, {} invalid: run `khien rules check` for the list)",
        load_time.as_secs_f64(),
        set.report.unsupported.len(),
        set.report.invalid.len()
    );
    let _ = writeln!(
        e,
        "  hunted in {:.2} s ({:.0} events/s); {} detections; {} problems",
        secs,
        stats.events as f64 / secs.max(1e-9),
        stats.detections,
        problems
    );
    {
        let levels = [Level::Critical, Level::High, Level::Medium, Level::Low, Level::Informational];
        let parts: Vec<String> =
            levels.iter().map(|l| format!("{} {}", l.as_str(), by_level.get(l).copied().unwrap_or(0))).collect();
        let _ = writeln!(e, "  by level: {}", parts.join(", "));
        let mut top: Vec<(u32, u64)> = by_rule.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if !top.is_empty() {
            let _ = writeln!(e, "  top rules:");
            for (rule, n) in top.iter().take(10) {
                let m = &set.rules[*rule as usize].meta;
                let _ = writeln!(e, "    {n:>6}  {} [{}]", m.title, m.level.unwrap_or(Level::Informational).as_str());
            }
        }
    }
    Ok(0)
}

fn json_line(set: &RuleSet, d: &Detection) -> serde_json::Value {
    let m = &set.rules[d.rule as usize].meta;
    let fields: serde_json::Map<String, serde_json::Value> =
        d.fields.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    serde_json::json!({
        "rule_id": m.id,
        "rule_title": m.title,
        "level": m.level.unwrap_or(Level::Informational).as_str(),
        "author": m.author,
        "tags": m.tags,
        "timestamp": d.timestamp,
        "computer": d.computer,
        "channel": d.channel,
        "event_id": d.event_id,
        "record_id": d.record_id,
        "file": d.file,
        "fields": fields,
        "rule_file": m.file,
    })
}

fn fields_text(d: &Detection) -> String {
    d.fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

fn write_csv(set: &RuleSet, ds: &[Detection], out: &mut impl Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header = [
        "timestamp",
        "level",
        "rule_title",
        "rule_id",
        "author",
        "tags",
        "computer",
        "channel",
        "event_id",
        "record_id",
        "file",
        "fields",
    ];
    w.write_record(header)?;
    for d in ds {
        let m = &set.rules[d.rule as usize].meta;
        w.write_record([
            d.timestamp.as_str(),
            m.level.unwrap_or(Level::Informational).as_str(),
            &m.title,
            &m.id,
            &m.author,
            &m.tags.join(" "),
            &d.computer,
            &d.channel,
            &d.event_id.map(|e| e.to_string()).unwrap_or_default(),
            &d.record_id.map(|e| e.to_string()).unwrap_or_default(),
            &d.file,
            &fields_text(d),
        ])?;
    }
    w.flush()
}

fn write_table(set: &RuleSet, ds: &[Detection], out: &mut impl Write) -> std::io::Result<()> {
    let color = std::io::stdout().is_terminal();
    let paint = |level: Level, s: &str| -> String {
        if !color {
            return s.to_string();
        }
        let code = match level {
            Level::Critical => "1;31",
            Level::High => "31",
            Level::Medium => "33",
            Level::Low => "32",
            Level::Informational => "36",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    };
    for level in [Level::Critical, Level::High, Level::Medium, Level::Low, Level::Informational] {
        let group: Vec<&Detection> = ds
            .iter()
            .filter(|d| set.rules[d.rule as usize].meta.level.unwrap_or(Level::Informational) == level)
            .collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "{}", paint(level, &format!("== {} ({}) ==", level.as_str().to_uppercase(), group.len())))?;
        for d in group {
            let m = &set.rules[d.rule as usize].meta;
            let mut fields = fields_text(d);
            if fields.chars().count() > 160 {
                fields = fields.chars().take(157).collect::<String>() + "...";
            }
            writeln!(
                out,
                "{}  {}  {}  {} {}  #{}  {}",
                d.timestamp,
                paint(level, &m.title),
                d.computer,
                d.channel,
                d.event_id.map(|e| e.to_string()).unwrap_or_default(),
                d.record_id.map(|e| e.to_string()).unwrap_or_default(),
                Path::new(&d.file).file_name().and_then(|n| n.to_str()).unwrap_or(&d.file),
            )?;
            writeln!(out, "    {fields}")?;
            writeln!(out, "    rule {} by {}", m.id, m.author)?;
        }
    }
    Ok(())
}
