//! The NDJSON line format of schema/README.md ("Events"): parsing with errors that name
//! the line and the field, and writing lines for export.
//!
//! Lines are read into their fields and then taken apart by hand, so every
//! error can name the field it is about. GraphQL inputs arrive as JSON
//! values (`parse_value`) and are taken apart by the same code
//! (`parse_fields`), so both doors give the same messages.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::vocabulary::Effect;
use crate::{
    ClaimStatus, EntityDecl, EntityId, EntityRef, EntityType, Event, EventId, InvalidEvent, Location, RecordedEvent,
};
use crate::{Source, Timestamp, ValidTime, Vocabulary};

/// One parsed line: the event, and what an exported line carries besides.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedLine {
    /// The event.
    pub event: Event,
    /// Whether the input named the id (otherwise one was assigned).
    pub id_given: bool,
    /// `recordedAt`, present on exported lines (a restore).
    pub recorded_at: Option<Timestamp>,
    /// `position`, present on exported lines; informational on import.
    pub position: Option<u64>,
}

/// The fields an event line may have, in the order export writes them.
pub const LINE_FIELDS: [&str; 14] = [
    "id",
    "kind",
    "at",
    "subject",
    "object",
    "about",
    "attrs",
    "source",
    "status",
    "disputes",
    "retracts",
    "note",
    "recordedAt",
    "position",
];

const SOURCE_FIELDS: [&str; 5] = ["publisher", "url", "title", "published", "via"];

/// Parses one NDJSON line.
///
/// The line is read straight into its fields (strings borrowed from the
/// line where they have no escapes, `attrs` built once and moved into the
/// event), not into a `serde_json::Value` first; it accepts and refuses
/// exactly what [`parse_value`] does on the line's value, with the same
/// messages (see `raw.rs`).
pub fn parse_line(text: &str, location: Location, vocab: &Vocabulary) -> Result<ParsedLine, InvalidEvent> {
    let raw: raw::RawLine<'_> =
        serde_json::from_str(text).map_err(|e| InvalidEvent::new(location, "", format!("malformed JSON: {e}")))?;
    match raw {
        raw::RawLine::Fields(fields) => parse_fields(*fields, location, vocab),
        raw::RawLine::Other(value) => parse_value(&value, location, vocab),
    }
}

/// The old way of [`parse_line`], kept to hold the new one to it in tests.
#[cfg(test)]
fn parse_line_via_value(text: &str, location: Location, vocab: &Vocabulary) -> Result<ParsedLine, InvalidEvent> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| InvalidEvent::new(location, "", format!("malformed JSON: {e}")))?;
    parse_value(&value, location, vocab)
}

fn err(location: Location, field: impl Into<String>, reason: impl Into<String>) -> InvalidEvent {
    InvalidEvent::new(location, field, reason)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string<'a>(v: &'a Value, loc: Location, field: &str) -> Result<&'a str, InvalidEvent> {
    v.as_str().ok_or_else(|| err(loc, field, format!("expected a string, found {}", type_name(v))))
}

/// Absent and `null` both count as "not given".
fn given<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// Parses an event given as a JSON value (an NDJSON line, or a GraphQL input
/// turned into JSON).
pub fn parse_value(value: &Value, loc: Location, vocab: &Vocabulary) -> Result<ParsedLine, InvalidEvent> {
    let Value::Object(obj) = value else {
        return Err(err(loc, "", format!("an event must be a JSON object, found {}", type_name(value))));
    };
    let mut fields = Fields::default();
    for (k, v) in obj {
        match fields.slot(k) {
            Some(slot) => *slot = Some(Field::Val(Cow::Borrowed(v))),
            None => {
                if fields.unknown.is_none() {
                    fields.unknown = Some(Cow::Borrowed(k.as_str()));
                }
            }
        }
    }
    parse_fields(fields, loc, vocab)
}

/// The value of one field of a line: a string (borrowed from the line when
/// it can be) or any other JSON value.
#[derive(Debug)]
pub(crate) enum Field<'a> {
    Str(Cow<'a, str>),
    Val(Cow<'a, Value>),
}

impl Field<'_> {
    /// `null` counts as not given.
    fn given(f: Option<Field<'_>>) -> Option<Field<'_>> {
        f.filter(|f| !matches!(f, Field::Val(v) if v.is_null()))
    }

    fn as_str(&self, loc: Location, field: &str) -> Result<&str, InvalidEvent> {
        match self {
            Field::Str(s) => Ok(s),
            Field::Val(v) => string(v, loc, field),
        }
    }

    /// As a JSON value (a string is copied into one).
    fn value(&self) -> Cow<'_, Value> {
        match self {
            Field::Str(s) => Cow::Owned(Value::String(s.as_ref().to_owned())),
            Field::Val(v) => Cow::Borrowed(v.as_ref()),
        }
    }
}

/// The fields of a line, each as last given; `unknown` is the first key
/// that is not a field, in the order of the line.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    pub(crate) id: Option<Field<'a>>,
    pub(crate) kind: Option<Field<'a>>,
    pub(crate) at: Option<Field<'a>>,
    pub(crate) subject: Option<Field<'a>>,
    pub(crate) object: Option<Field<'a>>,
    pub(crate) about: Option<Field<'a>>,
    pub(crate) attrs: Option<Field<'a>>,
    pub(crate) source: Option<Field<'a>>,
    pub(crate) status: Option<Field<'a>>,
    pub(crate) disputes: Option<Field<'a>>,
    pub(crate) retracts: Option<Field<'a>>,
    pub(crate) note: Option<Field<'a>>,
    pub(crate) recorded_at: Option<Field<'a>>,
    pub(crate) position: Option<Field<'a>>,
    pub(crate) unknown: Option<Cow<'a, str>>,
}

impl<'a> Fields<'a> {
    /// The slot of the field named `key`, if it is one of [`LINE_FIELDS`].
    pub(crate) fn slot(&mut self, key: &str) -> Option<&mut Option<Field<'a>>> {
        Some(match key {
            "id" => &mut self.id,
            "kind" => &mut self.kind,
            "at" => &mut self.at,
            "subject" => &mut self.subject,
            "object" => &mut self.object,
            "about" => &mut self.about,
            "attrs" => &mut self.attrs,
            "source" => &mut self.source,
            "status" => &mut self.status,
            "disputes" => &mut self.disputes,
            "retracts" => &mut self.retracts,
            "note" => &mut self.note,
            "recordedAt" => &mut self.recorded_at,
            "position" => &mut self.position,
            _ => return None,
        })
    }
}

fn parse_fields(fields: Fields<'_>, loc: Location, vocab: &Vocabulary) -> Result<ParsedLine, InvalidEvent> {
    if let Some(unknown) = &fields.unknown {
        return Err(err(
            loc,
            unknown.as_ref(),
            format!("unknown field; an event has the fields {}", LINE_FIELDS.join(", ")),
        ));
    }

    let kind_v = Field::given(fields.kind).ok_or_else(|| err(loc, "kind", "is required"))?;
    let kind = kind_v.as_str(loc, "kind")?;
    let spec = vocab
        .get(kind)
        .ok_or_else(|| err(loc, "kind", format!("unknown kind {kind:?}; the vocabulary has {}", vocab.kind_list())))?;

    let (id, id_given) = match Field::given(fields.id) {
        Some(v) => (EventId::parse(v.as_str(loc, "id")?).map_err(|e| err(loc, "id", e))?, true),
        None => (EventId::new_v7(), false),
    };

    let at_v = Field::given(fields.at).ok_or_else(|| err(loc, "at", "is required"))?;
    let at = ValidTime::parse(at_v.as_str(loc, "at")?).map_err(|e| err(loc, "at", e))?;

    let subject_v = Field::given(fields.subject).ok_or_else(|| err(loc, "subject", "is required"))?;
    let subject = parse_field_ref(&subject_v, loc, "subject")?;
    if spec.effect == Effect::Declares && subject.decl.is_none() {
        return Err(err(
            loc,
            "subject",
            format!(
                "{kind} needs an inline declaration, e.g. {{\"id\": \"{}\", \"type\": \"actor\", \"name\": \"...\"}}",
                subject.id
            ),
        ));
    }

    let object = match (Field::given(fields.object), &spec.object) {
        (Some(_), crate::ObjectRule::None) => {
            return Err(err(loc, "object", format!("kind {kind} takes no object")));
        }
        (None, crate::ObjectRule::Required(_)) => {
            return Err(err(loc, "object", format!("is required for kind {kind}")));
        }
        (Some(v), _) => Some(parse_field_ref(&v, loc, "object")?),
        (None, _) => None,
    };

    let about = match Field::given(fields.about).as_ref().map(Field::value).as_deref() {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(parse_ref(item, loc, &format!("about[{i}]"))?);
            }
            out
        }
        Some(other) => {
            return Err(err(loc, "about", format!("expected a list of entity references, found {}", type_name(other))))
        }
    };

    let attrs = match Field::given(fields.attrs) {
        None => Map::new(),
        Some(Field::Val(v)) => match v {
            Cow::Owned(Value::Object(m)) => m,
            Cow::Borrowed(Value::Object(m)) => m.clone(),
            other => return Err(err(loc, "attrs", format!("expected an object, found {}", type_name(&other)))),
        },
        Some(Field::Str(_)) => return Err(err(loc, "attrs", "expected an object, found a string")),
    };

    let source = match Field::given(fields.source) {
        None => None,
        Some(v) => parse_source(&v.value(), loc)?,
    };

    let status = match Field::given(fields.status) {
        None => ClaimStatus::default(),
        Some(v) => ClaimStatus::parse(v.as_str(loc, "status")?).map_err(|e| err(loc, "status", e))?,
    };

    let disputes = match Field::given(fields.disputes).as_ref().map(Field::value).as_deref() {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out: Vec<EventId> = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let field = format!("disputes[{i}]");
                let d = EventId::parse(string(item, loc, &field)?).map_err(|e| err(loc, &field, e))?;
                if d == id {
                    return Err(err(loc, &field, "an event cannot dispute itself; name an earlier event"));
                }
                if out.contains(&d) {
                    return Err(err(loc, &field, format!("event {d} is named twice; name each disputed event once")));
                }
                out.push(d);
            }
            out
        }
        Some(other) => {
            return Err(err(loc, "disputes", format!("expected a list of event ids, found {}", type_name(other))))
        }
    };

    let retracts = match (Field::given(fields.retracts), spec.effect == Effect::Retracts) {
        (Some(v), true) => Some(EventId::parse(v.as_str(loc, "retracts")?).map_err(|e| err(loc, "retracts", e))?),
        (None, true) => {
            return Err(err(loc, "retracts", format!("is required for kind {kind}: name the event to withdraw")))
        }
        (Some(_), false) => {
            return Err(err(
                loc,
                "retracts",
                format!("only a retraction (kind with effect \"retracts\") may name one; {kind} is not"),
            ))
        }
        (None, false) => None,
    };

    let note = match Field::given(fields.note) {
        None => None,
        Some(v) => {
            let n = v.as_str(loc, "note")?;
            if n.trim().is_empty() {
                return Err(err(loc, "note", "cannot be blank; leave it out when there is nothing to say"));
            }
            Some(n.to_owned())
        }
    };

    let recorded_at = match Field::given(fields.recorded_at) {
        None => None,
        Some(v) => Some(Timestamp::parse(v.as_str(loc, "recordedAt")?).map_err(|e| err(loc, "recordedAt", e))?),
    };
    let position = match Field::given(fields.position) {
        None => None,
        Some(v) => match v.value().as_u64() {
            Some(p) if p >= 1 => Some(p),
            _ => return Err(err(loc, "position", "expected a whole number from 1 (positions count from 1)")),
        },
    };

    Ok(ParsedLine {
        event: Event {
            id,
            kind: kind.to_owned(),
            at,
            subject,
            object,
            about,
            attrs,
            source,
            retracts,
            status,
            disputes,
            note,
        },
        id_given,
        recorded_at,
        position,
    })
}

fn parse_field_ref(f: &Field<'_>, loc: Location, field: &str) -> Result<EntityRef, InvalidEvent> {
    match f {
        Field::Str(s) => Ok(EntityRef::by_id(EntityId::parse(s).map_err(|e| err(loc, field, e))?)),
        Field::Val(v) => parse_ref(v, loc, field),
    }
}

fn parse_ref(v: &Value, loc: Location, field: &str) -> Result<EntityRef, InvalidEvent> {
    match v {
        Value::String(s) => Ok(EntityRef::by_id(EntityId::parse(s).map_err(|e| err(loc, field, e))?)),
        Value::Object(m) => {
            let id_v = given(m, "id").ok_or_else(|| err(loc, format!("{field}.id"), "is required"))?;
            let id = EntityId::parse(string(id_v, loc, &format!("{field}.id"))?)
                .map_err(|e| err(loc, format!("{field}.id"), e))?;
            let entity_type = match given(m, "type") {
                None => None,
                Some(t) => {
                    let t = string(t, loc, &format!("{field}.type"))?;
                    Some(EntityType::parse(t).map_err(|e| err(loc, format!("{field}.type"), e))?)
                }
            };
            let name = match given(m, "name") {
                None => None,
                Some(n) => {
                    let n = string(n, loc, &format!("{field}.name"))?;
                    if n.trim().is_empty() {
                        return Err(err(loc, format!("{field}.name"), "cannot be blank"));
                    }
                    Some(n.to_owned())
                }
            };
            let aliases = match given(m, "aliases") {
                None => Vec::new(),
                Some(Value::Array(items)) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        let f = format!("{field}.aliases[{i}]");
                        let a = string(item, loc, &f)?;
                        if a.trim().is_empty() {
                            return Err(err(loc, f, "cannot be blank"));
                        }
                        out.push(a.to_owned());
                    }
                    out
                }
                Some(other) => {
                    return Err(err(
                        loc,
                        format!("{field}.aliases"),
                        format!("expected a list of names, found {}", type_name(other)),
                    ))
                }
            };
            let mut attrs = match given(m, "attrs") {
                None => Map::new(),
                Some(Value::Object(a)) => a.clone(),
                Some(other) => {
                    return Err(err(
                        loc,
                        format!("{field}.attrs"),
                        format!("expected an object, found {}", type_name(other)),
                    ))
                }
            };
            // Any other key is an attribute, as `"country": "CN"` in schema/README.md's example.
            for (k, val) in m {
                if !matches!(k.as_str(), "id" | "type" | "name" | "aliases" | "attrs") {
                    attrs.insert(k.clone(), val.clone());
                }
            }
            let decl = if entity_type.is_none() && name.is_none() && aliases.is_empty() && attrs.is_empty() {
                None
            } else {
                Some(EntityDecl { entity_type, name, aliases, attrs })
            };
            Ok(EntityRef { id, decl })
        }
        other => Err(err(
            loc,
            field,
            format!(
                "expected an entity id or an inline declaration {{\"id\", \"type\", \"name\"}}, found {}",
                type_name(other)
            ),
        )),
    }
}

fn parse_source(v: &Value, loc: Location) -> Result<Option<Source>, InvalidEvent> {
    let Value::Object(m) = v else {
        return Err(err(
            loc,
            "source",
            format!("expected an object {{publisher, url, title, published, via}}, found {}", type_name(v)),
        ));
    };
    if let Some(unknown) = m.keys().find(|k| !SOURCE_FIELDS.contains(&k.as_str())) {
        return Err(err(
            loc,
            format!("source.{unknown}"),
            format!("unknown field; a source has {}", SOURCE_FIELDS.join(", ")),
        ));
    }
    let field = |key: &str| -> Result<Option<String>, InvalidEvent> {
        match given(m, key) {
            None => Ok(None),
            Some(v) => Ok(Some(string(v, loc, &format!("source.{key}"))?.to_owned())),
        }
    };
    let source = Source {
        publisher: field("publisher")?,
        url: field("url")?,
        title: field("title")?,
        published: field("published")?,
        via: field("via")?,
    };
    if let Some(p) = &source.published {
        ValidTime::parse(p).map_err(|e| err(loc, "source.published", e))?;
    }
    if source == Source::default() {
        return Ok(None);
    }
    Ok(Some(source))
}

fn ref_value(r: &EntityRef) -> Value {
    match &r.decl {
        None => Value::String(r.id.to_string()),
        Some(d) => {
            let mut m = Map::new();
            m.insert("id".into(), Value::String(r.id.to_string()));
            if let Some(t) = d.entity_type {
                m.insert("type".into(), Value::String(t.as_str().into()));
            }
            if let Some(n) = &d.name {
                m.insert("name".into(), Value::String(n.clone()));
            }
            if !d.aliases.is_empty() {
                m.insert("aliases".into(), Value::Array(d.aliases.iter().cloned().map(Value::String).collect()));
            }
            if !d.attrs.is_empty() {
                m.insert("attrs".into(), Value::Object(d.attrs.clone()));
            }
            Value::Object(m)
        }
    }
}

/// The source as a JSON object with only the fields given.
pub fn source_value(s: &Source) -> Value {
    let mut m = Map::new();
    for (k, v) in [
        ("publisher", &s.publisher),
        ("url", &s.url),
        ("title", &s.title),
        ("published", &s.published),
        ("via", &s.via),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    }
    Value::Object(m)
}

/// The event as a JSON object in line format, without `recordedAt`/`position`.
pub fn event_value(e: &Event) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(e.id.to_string()));
    m.insert("kind".into(), Value::String(e.kind.clone()));
    m.insert("at".into(), Value::String(e.at.as_str().to_owned()));
    m.insert("subject".into(), ref_value(&e.subject));
    if let Some(o) = &e.object {
        m.insert("object".into(), ref_value(o));
    }
    if !e.about.is_empty() {
        m.insert("about".into(), Value::Array(e.about.iter().map(ref_value).collect()));
    }
    if !e.attrs.is_empty() {
        m.insert("attrs".into(), Value::Object(e.attrs.clone()));
    }
    if let Some(s) = &e.source {
        m.insert("source".into(), source_value(s));
    }
    // The default status and an empty `disputes` are left out, so a line
    // that did not give them exports as it was given, and one that gave
    // `"status": "reported"` exports without it: both mean the same event.
    if e.status != ClaimStatus::default() {
        m.insert("status".into(), Value::String(e.status.as_str().into()));
    }
    if !e.disputes.is_empty() {
        m.insert("disputes".into(), Value::Array(e.disputes.iter().map(|d| Value::String(d.to_string())).collect()));
    }
    if let Some(r) = e.retracts {
        m.insert("retracts".into(), Value::String(r.to_string()));
    }
    if let Some(n) = &e.note {
        m.insert("note".into(), Value::String(n.clone()));
    }
    m
}

/// One export line (no trailing newline): the event with its id,
/// `recordedAt` and `position`, fields in a fixed order so that exporting
/// the same log twice gives the same bytes.
pub fn to_line(r: &RecordedEvent) -> String {
    let mut m = event_value(&r.event);
    m.insert("recordedAt".into(), Value::String(r.recorded_at.to_string()));
    m.insert("position".into(), Value::from(r.position));
    Value::Object(m).to_string()
}

mod raw;

#[cfg(test)]
mod tests;
