//! The event a rule is matched against: a flat list of named values plus the few facts a
//! detection reports (time, computer, channel, EventID, record id).
//!
//! Flattening, for every input shape:
//! - EVTX (the `evtx` crate's JSON): `System` children by name (`EventID`, `Channel`, ...),
//!   their attributes as `<Element>_<Attribute>` (`Provider_Name`, `TimeCreated_SystemTime`),
//!   `EventData`/`UserData` leaves by their own name. Unnamed `<Data>` items are values of
//!   the field `Data`.
//! - Winlogbeat / ECS: `winlog.channel`, `winlog.event_id`, ... become the EVTX names, and
//!   `winlog.event_data.*` the EventData names; every leaf is also kept under its dotted path.
//! - NXLog flat JSON: top-level keys as they are, with `Hostname`→`Computer`,
//!   `SourceName`→`Provider_Name`, `RecordNumber`→`EventRecordID`.

use serde_json::Value as J;

/// One field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    /// A number, with its text as the source wrote it.
    Num(String),
    Bool(bool),
}

impl Val {
    /// The value as text (`None` for null).
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Null => None,
            Val::Str(s) | Val::Num(s) => Some(s),
            Val::Bool(true) => Some("true"),
            Val::Bool(false) => Some("false"),
        }
    }

    fn from_json(v: &J) -> Option<Val> {
        Some(match v {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => Val::Num(n.to_string()),
            J::String(s) => Val::Str(s.clone()),
            _ => return None,
        })
    }
}

/// The shape an event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Evtx,
    Winlogbeat,
    Nxlog,
}

/// A flattened event.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// Flattened fields in document order; a name may repeat (multi-valued field).
    pub fields: Vec<(String, Val)>,
    /// Product of the log source: "windows" for every shape read today.
    pub product: &'static str,
    pub channel: String,
    pub event_id: Option<u32>,
    pub record_id: Option<u64>,
    pub computer: String,
    pub provider: String,
    /// Event time as written by the source (RFC 3339 for EVTX).
    pub time_text: String,
    /// Event time in microseconds since the Unix epoch, when it could be read.
    pub time_us: Option<i64>,
}

impl Event {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn push(&mut self, name: String, v: Val) {
        self.fields.push((name, v));
    }

    pub(crate) fn finish(&mut self) {
        if let Some(Val::Str(s) | Val::Num(s)) = self.get("Channel").cloned() {
            self.channel = s;
        }
        if let Some(v) = self.get("EventID").and_then(|v| v.text()) {
            self.event_id = v.trim().parse().ok();
        }
        if let Some(v) = self.get("EventRecordID").and_then(|v| v.text()) {
            self.record_id = v.trim().parse().ok();
        }
        if let Some(v) = self.get("Computer").and_then(|v| v.text()) {
            self.computer = v.to_string();
        }
        if let Some(v) = self.get("Provider_Name").and_then(|v| v.text()) {
            self.provider = v.to_string();
        }
        if self.time_us.is_none() {
            self.time_us = parse_time_us(&self.time_text);
        }
    }
}

/// Parses an RFC 3339 time (or `YYYY-MM-DD hh:mm:ss[.f]`, taken as UTC) to microseconds.
pub fn parse_time_us(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts.as_microsecond());
    }
    let civil: jiff::civil::DateTime = t.replace(' ', "T").parse().ok()?;
    civil.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp().as_microsecond())
}

/// Why a JSON value could not be read as an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnEvent(pub String);

/// Reads a JSON document in any supported shape.
pub fn from_json(doc: &J) -> Result<(Event, Shape), NotAnEvent> {
    let obj = doc.as_object().ok_or_else(|| NotAnEvent(format!("expected a JSON object, found {}", kind(doc))))?;
    if let Some(ev) = obj.get("Event").and_then(|e| e.as_object())
        && ev.contains_key("System")
    {
        return Ok((from_evtx_json(doc), Shape::Evtx));
    }
    if obj.get("winlog").is_some_and(|w| w.is_object()) {
        return Ok((from_winlogbeat(doc), Shape::Winlogbeat));
    }
    if obj.contains_key("EventID") && (obj.contains_key("Channel") || obj.contains_key("SourceName")) {
        return Ok((from_nxlog(doc), Shape::Nxlog));
    }
    Err(NotAnEvent(
        "not a Windows event: expected EVTX JSON (Event.System), Winlogbeat/ECS (winlog.*) or NXLog (EventID with Channel or SourceName)"
            .into(),
    ))
}

fn kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

/// Flattens the `evtx` crate's JSON rendering of one record.
pub fn from_evtx_json(doc: &J) -> Event {
    let mut ev = Event { product: "windows", ..Event::default() };
    let root = &doc["Event"];
    if let Some(sys) = root.get("System").and_then(|s| s.as_object()) {
        for (name, v) in sys {
            match v {
                J::Object(o) => {
                    if let Some(text) = o.get("#text").and_then(Val::from_json) {
                        ev.push(name.clone(), text);
                    }
                    if let Some(attrs) = o.get("#attributes").and_then(|a| a.as_object()) {
                        for (a, av) in attrs {
                            if let Some(val) = Val::from_json(av) {
                                ev.push(format!("{name}_{a}"), val);
                            }
                        }
                    }
                }
                v => {
                    if let Some(val) = Val::from_json(v) {
                        ev.push(name.clone(), val);
                    }
                }
            }
        }
        if let Some(t) = sys
            .get("TimeCreated")
            .and_then(|t| t.get("#attributes"))
            .and_then(|a| a.get("SystemTime"))
            .and_then(|s| s.as_str())
        {
            ev.time_text = t.to_string();
        }
    }
    for section in ["EventData", "UserData"] {
        if let Some(data) = root.get(section) {
            flatten_data(data, None, &mut ev, 0);
        }
    }
    ev.finish();
    ev
}

/// EventData / UserData: leaves by their own name; `#attributes` skipped (namespaces);
/// `#text` belongs to the enclosing name.
fn flatten_data(v: &J, name: Option<&str>, ev: &mut Event, depth: usize) {
    if depth > 16 {
        return;
    }
    match v {
        J::Object(o) => {
            for (k, child) in o {
                match k.as_str() {
                    "#attributes" => {}
                    "#text" => flatten_data(child, name, ev, depth + 1),
                    k => flatten_data(child, Some(k), ev, depth + 1),
                }
            }
        }
        J::Array(items) => items.iter().for_each(|i| flatten_data(i, name, ev, depth + 1)),
        v => {
            if let (Some(n), Some(val)) = (name, Val::from_json(v)) {
                push_data(ev, n, val);
            }
        }
    }
}

/// Adds an EventData/UserData value. Some providers (Windows Defender) name data with spaces
/// ("Threat Name"); rules and mappings write them without ("ThreatName"), so both names work.
pub(crate) fn push_data(ev: &mut Event, n: &str, val: Val) {
    if n.contains(' ') {
        let joined: String = n.chars().filter(|c| *c != ' ').collect();
        if !ev.fields.iter().any(|(k, _)| *k == joined) {
            ev.push(joined, val.clone());
        }
    }
    ev.push(n.to_string(), val);
}

fn flatten_dotted(v: &J, path: &mut String, ev: &mut Event, depth: usize) {
    if depth > 16 {
        return;
    }
    match v {
        J::Object(o) => {
            for (k, child) in o {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                flatten_dotted(child, path, ev, depth + 1);
                path.truncate(len);
            }
        }
        J::Array(items) => items.iter().for_each(|i| flatten_dotted(i, path, ev, depth + 1)),
        v => {
            if let Some(val) = Val::from_json(v) {
                ev.push(path.clone(), val);
            }
        }
    }
}

fn from_winlogbeat(doc: &J) -> Event {
    let mut ev = Event { product: "windows", ..Event::default() };
    let w = &doc["winlog"];
    let renames = [
        ("channel", "Channel"),
        ("event_id", "EventID"),
        ("computer_name", "Computer"),
        ("record_id", "EventRecordID"),
        ("provider_name", "Provider_Name"),
        ("provider_guid", "Provider_Guid"),
    ];
    for (from, to) in renames {
        if let Some(val) = w.get(from).and_then(Val::from_json) {
            ev.push(to.to_string(), val);
        }
    }
    for section in ["event_data", "user_data"] {
        if let Some(data) = w.get(section) {
            flatten_data(data, None, &mut ev, 0);
        }
    }
    let mut path = String::new();
    flatten_dotted(doc, &mut path, &mut ev, 0);
    if let Some(t) = doc.get("@timestamp").and_then(|t| t.as_str()) {
        ev.time_text = t.to_string();
    }
    ev.finish();
    ev
}

fn from_nxlog(doc: &J) -> Event {
    let mut ev = Event { product: "windows", ..Event::default() };
    let mut path = String::new();
    flatten_dotted(doc, &mut path, &mut ev, 0);
    for (from, to) in [("Hostname", "Computer"), ("SourceName", "Provider_Name"), ("RecordNumber", "EventRecordID")] {
        if ev.get(to).is_none()
            && let Some(v) = ev.get(from).cloned()
        {
            ev.push(to.to_string(), v);
        }
    }
    for key in ["EventTime", "EventReceivedTime", "@timestamp"] {
        if let Some(t) = doc.get(key).and_then(|t| t.as_str()) {
            ev.time_text = t.to_string();
            break;
        }
    }
    ev.finish();
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evtx_json_flattens_system_attributes_and_event_data() {
        let doc = json!({"Event": {"System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
            "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 1},
            "TimeCreated": {"#attributes": {"SystemTime": "2025-10-22T20:33:27.276702Z"}},
            "EventRecordID": 256875, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Computer": "ar-win-1"},
            "EventData": {"Image": "C:\\x.exe", "ProcessId": 3424, "Empty": null}}});
        let (ev, shape) = from_json(&doc).unwrap();
        assert_eq!(shape, Shape::Evtx);
        assert_eq!(ev.event_id, Some(1));
        assert_eq!(ev.record_id, Some(256875));
        assert_eq!(ev.provider, "Microsoft-Windows-Sysmon");
        assert_eq!(ev.get("EventEventID_Qualifiers"), None);
        assert_eq!(ev.get("EventID_Qualifiers"), Some(&Val::Num("0".into())));
        assert_eq!(ev.get("ProcessId"), Some(&Val::Num("3424".into())));
        assert_eq!(ev.get("Empty"), Some(&Val::Null));
        assert_eq!(ev.time_us, Some(1_761_165_207_276_702));
    }

    #[test]
    fn unnamed_data_and_user_data() {
        let doc = json!({"Event": {"System": {"EventID": 104, "Channel": "System"},
            "EventData": {"Data": ["a", "b"]},
            "UserData": {"LogFileCleared": {"#attributes": {"xmlns": "x"}, "SubjectUserName": "bob"}}}});
        let (ev, _) = from_json(&doc).unwrap();
        let data: Vec<_> = ev.fields.iter().filter(|(n, _)| n == "Data").collect();
        let doc = json!({"Event": {"System": {"EventID": 1116, "Channel": "Microsoft-Windows-Windows Defender/Operational"},
            "EventData": {"Threat Name": "HackTool:Win32/Mimikatz"}}});
        let (defender, _) = from_json(&doc).unwrap();
        assert_eq!(defender.get("ThreatName"), defender.get("Threat Name"));
        assert!(defender.get("ThreatName").is_some());
        assert_eq!(data.len(), 2);
        assert_eq!(ev.get("SubjectUserName"), Some(&Val::Str("bob".into())));
    }

    #[test]
    fn winlogbeat_and_nxlog_shapes() {
        let wb = json!({"@timestamp": "2024-01-01T00:00:00Z", "winlog": {"channel": "Security",
            "event_id": 4624, "computer_name": "dc1", "record_id": 7,
            "event_data": {"LogonType": "3"}}, "host": {"name": "dc1"}});
        let (ev, shape) = from_json(&wb).unwrap();
        assert_eq!(shape, Shape::Winlogbeat);
        assert_eq!((ev.channel.as_str(), ev.event_id, ev.record_id), ("Security", Some(4624), Some(7)));
        assert_eq!(ev.get("LogonType"), Some(&Val::Str("3".into())));
        assert_eq!(ev.get("host.name"), Some(&Val::Str("dc1".into())));
        let nx = json!({"EventTime": "2024-01-01 10:00:00", "Hostname": "pc", "SourceName": "Microsoft-Windows-Security-Auditing",
            "Channel": "Security", "EventID": 4688, "RecordNumber": 9, "NewProcessName": "C:\\a.exe"});
        let (ev, shape) = from_json(&nx).unwrap();
        assert_eq!(shape, Shape::Nxlog);
        assert_eq!(ev.computer, "pc");
        assert_eq!(ev.record_id, Some(9));
        assert!(ev.time_us.is_some());
        assert!(from_json(&json!([1, 2])).is_err());
        assert!(from_json(&json!({"message": "hello"})).is_err());
    }
}
