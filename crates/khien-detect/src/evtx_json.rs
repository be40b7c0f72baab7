//! Flattens the `evtx` crate's JSON rendering of a record straight into an [`Event`],
//! without building a `serde_json::Value` first (a fifth of the parsing time). The result is
//! the same as [`crate::event::from_evtx_json`] on the parsed value; a test checks it on
//! every shared sample.

use crate::event::{Event, Val};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Flattens one record's JSON text.
pub fn flatten(json: &str) -> Result<Event, serde_json::Error> {
    let mut ev = Event { product: "windows", ..Event::default() };
    let mut de = serde_json::Deserializer::from_str(json);
    Root(&mut ev).deserialize(&mut de)?;
    de.end()?;
    ev.finish();
    Ok(ev)
}

fn num_u(v: u64) -> Val {
    Val::Num(v.to_string())
}

fn num_i(v: i64) -> Val {
    Val::Num(v.to_string())
}

fn num_f(v: f64) -> Val {
    match serde_json::Number::from_f64(v) {
        Some(n) => Val::Num(n.to_string()),
        None => Val::Null,
    }
}

/// `{"Event": {...}}`.
struct Root<'a>(&'a mut Event);

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an EVTX record")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "Event" {
                map.next_value_seed(EventBody(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `Event`: `System`, `EventData`, `UserData`.
struct EventBody<'a>(&'a mut Event);

impl<'de> DeserializeSeed<'de> for EventBody<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventBody<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an Event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // System first in the rendering, but do not rely on it: sections are collected in
        // order and EventData/UserData come after System in the flattened list.
        let mut data = Event::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "System" => map.next_value_seed(System(&mut *self.0))?,
                "EventData" | "UserData" => map.next_value_seed(Data { ev: &mut data, name: None, depth: 0 })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.0.fields.append(&mut data.fields);
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// `System`: children by name, attributes as `<Element>_<Attribute>`.
struct System<'a>(&'a mut Event);

impl<'de> DeserializeSeed<'de> for System<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for System<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a System object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            map.next_value_seed(SysElem { ev: &mut *self.0, name: key })?;
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// One `System` child: a scalar, or `{"#text": .., "#attributes": {..}}`.
struct SysElem<'a> {
    ev: &'a mut Event,
    name: String,
}

impl<'de> DeserializeSeed<'de> for SysElem<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SysElem<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a System element")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // The element's text comes before its attributes, whatever the key order.
        let mut attrs = Event::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "#text" => {
                    if let Some(v) = map.next_value_seed(Scalar)? {
                        self.ev.fields.push((self.name.clone(), v));
                    }
                }
                "#attributes" => map.next_value_seed(Attrs { ev: &mut attrs, element: &self.name })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !attrs.time_text.is_empty() {
            self.ev.time_text = std::mem::take(&mut attrs.time_text);
        }
        self.ev.fields.append(&mut attrs.fields);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.ev.fields.push((self.name, Val::Str(v.to_string())));
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.ev.fields.push((self.name, Val::Str(v)));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.ev.fields.push((self.name, num_u(v)));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.ev.fields.push((self.name, num_i(v)));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.ev.fields.push((self.name, num_f(v)));
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.ev.fields.push((self.name, Val::Bool(v)));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.ev.fields.push((self.name, Val::Null));
        Ok(())
    }
}

/// `#attributes` of a `System` element.
struct Attrs<'a> {
    ev: &'a mut Event,
    element: &'a str,
}

impl<'de> DeserializeSeed<'de> for Attrs<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Attrs<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("attributes")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if let Some(v) = map.next_value_seed(Scalar)? {
                if self.element == "TimeCreated"
                    && key == "SystemTime"
                    && let Val::Str(s) = &v
                {
                    self.ev.time_text = s.clone();
                }
                self.ev.fields.push((format!("{}_{}", self.element, key), v));
            }
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A scalar value (`None` for objects and arrays, which are skipped).
struct Scalar;

impl<'de> DeserializeSeed<'de> for Scalar {
    type Value = Option<Val>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Val>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scalar {
    type Value = Option<Val>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Option<Val>, E> {
        Ok(Some(Val::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Option<Val>, E> {
        Ok(Some(Val::Str(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Option<Val>, E> {
        Ok(Some(num_u(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Option<Val>, E> {
        Ok(Some(num_i(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Option<Val>, E> {
        Ok(Some(num_f(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Option<Val>, E> {
        Ok(Some(Val::Bool(v)))
    }
    fn visit_unit<E>(self) -> Result<Option<Val>, E> {
        Ok(Some(Val::Null))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Val>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Val>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// `EventData` / `UserData`: leaves by their own name (see `event::flatten_data`).
struct Data<'a> {
    ev: &'a mut Event,
    name: Option<&'a str>,
    depth: usize,
}

impl Data<'_> {
    fn leaf(self, v: Val) {
        let Some(n) = self.name else { return };
        crate::event::push_data(self.ev, n, v);
    }
}

impl<'de> DeserializeSeed<'de> for Data<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Data<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("event data")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if self.depth > 16 || key == "#attributes" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let name = if key == "#text" { self.name } else { Some(key.as_str()) };
            map.next_value_seed(Data { ev: &mut *self.ev, name, depth: self.depth + 1 })?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Data { ev: &mut *self.ev, name: self.name, depth: self.depth + 1 })?.is_some() {}
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.leaf(Val::Str(v.to_string()));
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.leaf(Val::Str(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.leaf(num_u(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.leaf(num_i(v));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.leaf(num_f(v));
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.leaf(Val::Bool(v));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.leaf(Val::Null);
        Ok(())
    }
}
