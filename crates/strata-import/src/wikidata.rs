//! Wikidata entity JSON (a dump's array, one entity per line, an
//! `{"entities": {...}}` answer, or one entity object): each item an entity
//! (label, aliases, QID), each dated statement of a mapped property an
//! event of the vocabulary at Wikidata's precision, its reference the
//! event's source, a deprecated rank `denied`.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Map, Value};
use strata_core::EntityType;

use crate::ids::{content_hash, event_id, slug};
use crate::{kind_allows, set_note, Context, Error, Import, Line, Skipped};

/// The importer's name, in `attrs.importer` and in event id keys.
pub const IMPORTER: &str = "wikidata";

/// How a mapped property becomes events: the opening and closing kinds,
/// whether the item is the subject (else the statement's value is), and
/// `attrs.role` for roles.
struct Property {
    id: &'static str,
    label: &'static str,
    open: &'static str,
    close: &'static str,
    item_is_subject: bool,
    role: Option<&'static str>,
}

/// The properties this importer maps.
const PROPERTIES: [Property; 8] = [
    Property {
        id: "P749",
        label: "parent organization",
        open: "membership_began",
        close: "membership_ended",
        item_is_subject: true,
        role: None,
    },
    Property {
        id: "P355",
        label: "subsidiary",
        open: "membership_began",
        close: "membership_ended",
        item_is_subject: false,
        role: None,
    },
    Property {
        id: "P463",
        label: "member of",
        open: "membership_began",
        close: "membership_ended",
        item_is_subject: true,
        role: None,
    },
    Property {
        id: "P169",
        label: "chief executive officer",
        open: "role_assumed",
        close: "role_ended",
        item_is_subject: false,
        role: Some("chief executive officer"),
    },
    Property {
        id: "P6",
        label: "head of government",
        open: "role_assumed",
        close: "role_ended",
        item_is_subject: false,
        role: Some("head of government"),
    },
    Property {
        id: "P39",
        label: "position held",
        open: "role_assumed",
        close: "role_ended",
        item_is_subject: true,
        role: Some("position held"),
    },
    Property {
        id: "P1056",
        label: "product or material produced",
        open: "product_announced",
        close: "product_discontinued",
        item_is_subject: true,
        role: None,
    },
    Property {
        id: "P176",
        label: "manufacturer",
        open: "product_announced",
        close: "product_discontinued",
        item_is_subject: false,
        role: None,
    },
];

/// Items whose "instance of" (P31) makes them an agency: government agency,
/// ministry.
const AGENCY_CLASSES: [&str; 2] = ["Q327333", "Q192350"];

const JULIAN: &str = "Q1985786";

/// A Wikidata time value as a strata valid time, and a note when it was coarsened.
pub fn time(value: &Value) -> Result<(String, Option<String>), String> {
    let t = value.get("time").and_then(Value::as_str).ok_or("a time value without `time`")?;
    let precision = value.get("precision").and_then(Value::as_u64).ok_or("a time value without `precision`")?;
    let julian = value.get("calendarmodel").and_then(Value::as_str).is_some_and(|c| c.ends_with(JULIAN));
    let Some(rest) = t.strip_prefix('+') else {
        return Err(format!("time {t} is before the common era or unsigned"));
    };
    let date = rest.split('T').next().unwrap_or("");
    let parts: Vec<&str> = date.split('-').collect();
    let (Some(y), Some(m), Some(d)) = (parts.first(), parts.get(1), parts.get(2)) else {
        return Err(format!("time {t} is not +YYYY-MM-DDT..."));
    };
    if y.len() > 4 {
        return Err(format!("time {t} has a year of more than four digits"));
    }
    let y = format!("{:0>4}", y);
    let (text, note) = match (precision, julian) {
        (11 | 10, true) => {
            (y.clone(), Some(format!("Wikidata gives {date} in the Julian calendar: kept at year precision")))
        }
        (11, false) => (format!("{y}-{m}-{d}"), None),
        (10, false) => (format!("{y}-{m}"), None),
        (9, _) => (y.clone(), None),
        (p, _) => return Err(format!("time {t} has precision {p}, coarser than a year")),
    };
    strata_core::ValidTime::parse(&text).map_err(|e| format!("time {t}: {e}"))?;
    Ok((text, note))
}

fn qid_of(snak: &Value) -> Option<&str> {
    if snak.get("snaktype").and_then(Value::as_str) != Some("value") {
        return None;
    }
    snak.pointer("/datavalue/value/id").and_then(Value::as_str)
}

fn qualifier<'a>(statement: &'a Value, p: &str) -> Option<&'a Value> {
    statement
        .pointer(&format!("/qualifiers/{p}/0"))
        .filter(|s| s.get("snaktype").and_then(Value::as_str) == Some("value"))
}

fn label(item: &Value) -> Option<&str> {
    item.pointer("/labels/en/value").and_then(Value::as_str)
}

/// An item of a file: its line (0 when the shape has none), and the entity or why not.
type Item = (usize, Result<Value, String>);

/// The items of a file in any of the accepted shapes, each with its line
/// (0 when the shape has none), or the reason a line is not an entity.
fn items(text: &str) -> Result<Vec<Item>, Error> {
    let t = text.trim_start_matches('\u{feff}').trim();
    if let Ok(value) = serde_json::from_str::<Value>(t) {
        return match value {
            Value::Array(a) => Ok(a.into_iter().map(|v| (0, Ok(v))).collect()),
            Value::Object(mut o) => match o.remove("entities") {
                Some(Value::Object(e)) => Ok(e.into_iter().map(|(_, v)| (0, Ok(v))).collect()),
                Some(_) => Err(Error::Unreadable("`entities` is not an object".into())),
                None => Ok(vec![(1, Ok(Value::Object(o)))]),
            },
            _ => Err(Error::Unreadable("Wikidata entity JSON is an object or an array".into())),
        };
    }
    // One entity per line, as in the dump (inside `[` and `]`, lines ending in commas).
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim().trim_end_matches(',');
        if l.is_empty() || l == "[" || l == "]" {
            continue;
        }
        out.push((i + 1, serde_json::from_str::<Value>(l).map_err(|e| format!("not JSON: {e}"))));
    }
    Ok(out)
}

/// Maps Wikidata entity JSON to events.
pub fn import(bytes: &[u8], cx: &Context<'_>) -> Result<Import, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Unreadable(format!("not UTF-8: {e}")))?;
    let items = items(text)?;
    let mut out = Import { records: items.len(), ..Import::default() };

    // Ids and types of the file's items first: a statement may name an item further on.
    let mut ids: HashMap<String, (String, EntityType)> = HashMap::new();
    for (_, item) in &items {
        let Ok(item) = item else { continue };
        let Some(qid) = item.get("id").and_then(Value::as_str) else { continue };
        let id = match cx.crosswalk.get(&format!("wikidata:{qid}")) {
            Some(id) => Some(id.to_owned()),
            None => label(item).and_then(slug).or_else(|| slug(qid)),
        };
        let Some(id) = id else { continue };
        let classes: BTreeSet<&str> = item
            .pointer("/claims/P31")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|s| s.get("mainsnak").and_then(qid_of)).collect())
            .unwrap_or_default();
        let ty = cx.store.entity_type(&id).unwrap_or(if classes.iter().any(|c| AGENCY_CLASSES.contains(c)) {
            EntityType::Agency
        } else if item.pointer("/claims/P176").is_some() {
            EntityType::Chip
        } else {
            EntityType::Actor
        });
        ids.insert(qid.to_owned(), (id, ty));
    }
    let mut declared: HashMap<String, EntityType> = HashMap::new();
    // Declarations first, then the statements' events: a statement may name an item declared further on.
    let mut event_lines: Vec<Line> = Vec::new();

    for (n, (line, item)) in items.into_iter().enumerate() {
        let record = n + 1;
        let item = match item {
            Ok(v) => v,
            Err(reason) => {
                out.skipped.push(Skipped { record, line, reason });
                continue;
            }
        };
        let Some(qid) = item.get("id").and_then(Value::as_str) else {
            out.skipped.push(Skipped { record, line, reason: "an entity without `id`".into() });
            continue;
        };
        let Some((id, ty)) = ids.get(qid).cloned() else {
            out.skipped.push(Skipped { record, line, reason: format!("{qid} has no label or id to name it by") });
            continue;
        };
        // The statements' events first, to date the declaration by the earliest.
        let mut events: Vec<Map<String, Value>> = Vec::new();
        let mut refs: Vec<(String, String, EntityType)> = Vec::new();
        for prop in &PROPERTIES {
            let Some(statements) = item.pointer(&format!("/claims/{}", prop.id)).and_then(Value::as_array) else {
                continue;
            };
            for st in statements {
                let guid = st.get("id").and_then(Value::as_str).unwrap_or("");
                let skip = |reason: String| Skipped {
                    record,
                    line,
                    reason: format!("{qid} {} ({}) {guid}: {reason}", prop.id, prop.label),
                };
                let Some(value) = st.get("mainsnak").and_then(qid_of) else {
                    *out.counts.entry("not mapped: no item value".into()).or_default() += 1;
                    continue;
                };
                let Some(start) = qualifier(st, "P580") else {
                    *out.counts.entry("not mapped: no start time (P580)".into()).or_default() += 1;
                    continue;
                };
                let (open_at, open_note) = match start.pointer("/datavalue/value").map(time) {
                    Some(Ok(t)) => t,
                    Some(Err(e)) => {
                        out.skipped.push(skip(e));
                        continue;
                    }
                    None => {
                        out.skipped.push(skip("a start time without a value".into()));
                        continue;
                    }
                };
                let end = match qualifier(st, "P582").and_then(|e| e.pointer("/datavalue/value")).map(time) {
                    Some(Ok(t)) => Some(t),
                    Some(Err(e)) => {
                        out.skipped.push(skip(format!("end time: {e}")));
                        continue;
                    }
                    None => None,
                };
                let other_ty_default = match prop.open {
                    "product_announced" => EntityType::Chip,
                    _ => EntityType::Actor,
                };
                let (other, other_ty) = match ids.get(value) {
                    Some((i, t)) => (i.clone(), *t),
                    None => {
                        let i = match cx.crosswalk.get(&format!("wikidata:{value}")) {
                            Some(i) => i.to_owned(),
                            None => slug(value).unwrap_or_default(),
                        };
                        let t =
                            cx.store.entity_type(&i).or_else(|| declared.get(&i).copied()).unwrap_or(other_ty_default);
                        (i, t)
                    }
                };
                let (subject, object, st_ty, ob_ty) = match prop.item_is_subject {
                    true => (id.clone(), other.clone(), ty, other_ty),
                    false => (other.clone(), id.clone(), other_ty, ty),
                };
                if subject == object {
                    *out.counts.entry("not mapped: links the item to itself".into()).or_default() += 1;
                    continue;
                }
                if kind_allows(cx.vocabulary, prop.open, st_ty, Some(ob_ty)).is_err() {
                    *out.counts
                        .entry(format!("not mapped: {} between types the kind does not take", prop.id))
                        .or_default() += 1;
                    continue;
                }
                if !ids.contains_key(value) && cx.store.entity_type(&other).is_none() && !declared.contains_key(&other)
                {
                    declared.insert(other.clone(), other_ty);
                    refs.push((value.to_owned(), other.clone(), other_ty));
                }
                let status = match st.get("rank").and_then(Value::as_str) {
                    Some("deprecated") => "denied",
                    _ => "reported",
                };
                let source = source_of(st, qid);
                let hash = content_hash(st);
                let mut attrs = Map::new();
                attrs.insert("importer".into(), json!(IMPORTER));
                attrs.insert("wikidata_statement".into(), json!(guid));
                attrs.insert("property".into(), json!(prop.id));
                if let Some(role) = prop.role {
                    attrs.insert("role".into(), json!(role));
                }
                if prop.id == "P39" {
                    attrs.insert("position".into(), json!(value));
                }
                let mut open = Map::new();
                open.insert("id".into(), json!(event_id(IMPORTER, &format!("{guid}|open|{hash}")).to_string()));
                open.insert("kind".into(), json!(prop.open));
                open.insert("at".into(), json!(open_at));
                open.insert("subject".into(), json!(subject));
                open.insert("object".into(), json!(object));
                open.insert("attrs".into(), Value::Object(attrs.clone()));
                open.insert("source".into(), source.clone());
                open.insert("status".into(), json!(status));
                if let Some(note) = open_note {
                    set_note(&mut open, note, cx.note_field);
                }
                events.push(open);
                if let Some((end_at, end_note)) = end {
                    let mut close = Map::new();
                    close.insert("id".into(), json!(event_id(IMPORTER, &format!("{guid}|close|{hash}")).to_string()));
                    close.insert("kind".into(), json!(prop.close));
                    close.insert("at".into(), json!(end_at));
                    close.insert("subject".into(), json!(subject));
                    close.insert("object".into(), json!(object));
                    close.insert("attrs".into(), Value::Object(attrs));
                    close.insert("source".into(), source);
                    close.insert("status".into(), json!(status));
                    if let Some(note) = end_note {
                        set_note(&mut close, note, cx.note_field);
                    }
                    events.push(close);
                }
            }
        }
        // Opens before closes on one day, every event in valid-time order.
        events.sort_by_cached_key(|e| {
            let at = e.get("at").and_then(Value::as_str).and_then(|a| strata_core::Day::parse(a).ok());
            let closes = e
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("_ended") || k.ends_with("_discontinued"));
            (at, closes)
        });
        let first = events.first().and_then(|e| e.get("at")).and_then(Value::as_str).map(str::to_owned);
        let at = item
            .pointer("/claims/P571/0/mainsnak/datavalue/value")
            .and_then(|v| time(v).ok())
            .map(|(t, _)| t)
            .or(first)
            .or_else(|| item.get("modified").and_then(Value::as_str).and_then(|m| m.get(..10)).map(str::to_owned));
        let Some(at) = at else {
            out.skipped.push(Skipped {
                record,
                line,
                reason: format!("{qid}: no date to declare it at (no inception, no dated statement, no `modified`)"),
            });
            continue;
        };
        {
            let mut subject = Map::new();
            subject.insert("id".into(), json!(id));
            subject.insert("type".into(), json!(ty.as_str()));
            if let Some(l) = label(&item) {
                subject.insert("name".into(), json!(l));
            }
            let aliases: BTreeSet<&str> = item
                .pointer("/aliases/en")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.get("value").and_then(Value::as_str)).collect())
                .unwrap_or_default();
            if !aliases.is_empty() {
                subject.insert("aliases".into(), json!(aliases));
            }
            subject.insert("wikidata".into(), json!(qid));
            if let Some(d) = item.pointer("/descriptions/en/value") {
                subject.insert("description".into(), d.clone());
            }
            let subject = Value::Object(subject);
            let decl_id = event_id(IMPORTER, &format!("decl|{id}|{}", content_hash(&subject)));
            declared.insert(id.clone(), ty);
            if !cx.store.has_event(decl_id) {
                out.lines.push(Line {
                    record,
                    line,
                    event: json!({
                        "id": decl_id.to_string(),
                        "kind": "entity_declared",
                        "at": at,
                        "subject": subject,
                        "attrs": {"importer": IMPORTER, "lastrevid": item.get("lastrevid"), "modified": item.get("modified")},
                        "source": {"publisher": "Wikidata", "url": format!("https://www.wikidata.org/wiki/{qid}"), "title": label(&item).unwrap_or(qid)},
                        "status": "reported",
                    }),
                });
            }
        }
        for (rqid, rid, rty) in refs {
            out.lines.push(Line {
                record,
                line,
                event: json!({
                    "id": event_id(IMPORTER, &format!("ref|{rid}|{}|{at}", rty.as_str())).to_string(),
                    "kind": "entity_declared",
                    "at": at,
                    "subject": {"id": rid, "type": rty.as_str(), "name": rqid, "wikidata": rqid},
                    "attrs": {"importer": IMPORTER},
                    "source": {"publisher": "Wikidata", "url": format!("https://www.wikidata.org/wiki/{rqid}"), "title": rqid},
                    "status": "reported",
                }),
            });
        }
        for e in events {
            *out.counts.entry(e.get("kind").and_then(Value::as_str).unwrap_or("").to_owned()).or_default() += 1;
            event_lines.push(Line { record, line, event: Value::Object(e) });
        }
    }
    out.lines.append(&mut event_lines);
    Ok(out)
}

/// A statement's source: its first reference's URL (P854) and what it is
/// stated in (P248) or imported from (P143); else the item's page.
fn source_of(statement: &Value, qid: &str) -> Value {
    let guid = statement.get("id").and_then(Value::as_str).unwrap_or("");
    let mut source = Map::new();
    source.insert("publisher".into(), json!("Wikidata"));
    let reference = statement.pointer("/references/0/snaks");
    let url = reference
        .and_then(|r| r.pointer("/P854/0/datavalue/value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://www.wikidata.org/wiki/{qid}"));
    source.insert("url".into(), json!(url));
    let title = if let Some(q) = reference.and_then(|r| r.pointer("/P248/0")).and_then(qid_of) {
        format!("stated in {q} ({guid})")
    } else if let Some(q) = reference.and_then(|r| r.pointer("/P143/0")).and_then(qid_of) {
        format!("imported from {q} ({guid})")
    } else {
        format!("Wikidata statement {guid}")
    };
    source.insert("title".into(), json!(title));
    if let Some(t) = reference.and_then(|r| r.pointer("/P813/0/datavalue/value")).and_then(|v| time(v).ok()) {
        source.insert("published".into(), json!(t.0));
    }
    Value::Object(source)
}
