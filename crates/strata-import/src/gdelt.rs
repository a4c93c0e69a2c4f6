//! GDELT 2.0 event exports (tab-separated, 61 columns, no header): each row
//! whose CAMEO code the mapping (`schema/gdelt-cameo.json`) names becomes a
//! `reported` event from Actor1 to Actor2 at `SQLDATE`, with `SOURCEURL` as
//! its source; every other row is counted and skipped.
//!
//! A code may give another status (a threat is `expected`). A code whose
//! kind closes a relation (easing sanctions lifts a ban) closes only a
//! relation open at the row's date, in the store or earlier in the file;
//! otherwise the row is kept as a `statement_made`, since a believed close
//! that finds nothing open is refused.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};
use strata_core::{ClaimStatus, Day, Effect, EntityType, Vocabulary};

use crate::ids::{event_id, slug};
use crate::{kind_allows, Context, Error, Import, Line, Skipped};

/// The importer's name, in `attrs.importer` and in event id keys.
pub const IMPORTER: &str = "gdelt";

/// How many columns a GDELT 2.0 export row has.
pub const COLUMNS: usize = 61;

// Column indexes (GDELT 2.0 event codebook).
const GLOBALEVENTID: usize = 0;
const SQLDATE: usize = 1;
const ACTOR1: usize = 5;
const ACTOR2: usize = 15;
// Within an actor block: code, name, country, known group, ethnic, religion 1 and 2, type 1..3.
const NAME: usize = 1;
const TYPE1: usize = 7;
const IS_ROOT: usize = 25;
const EVENTCODE: usize = 26;
const EVENTBASECODE: usize = 27;
const EVENTROOTCODE: usize = 28;
const GOLDSTEIN: usize = 30;
const NUMARTICLES: usize = 33;
const AVGTONE: usize = 34;
const DATEADDED: usize = 59;
const SOURCEURL: usize = 60;

/// Actor type codes that make an actor an `agency`: government, military,
/// police, judiciary, legislature, intelligence.
const AGENCY_TYPES: [&str; 6] = ["GOV", "MIL", "COP", "JUD", "LEG", "SPY"];

/// Which CAMEO codes become which kinds: data read from `schema/gdelt-cameo.json`.
#[derive(Debug, Clone, Default)]
pub struct CameoMap {
    codes: HashMap<String, Mapping>,
}

/// What one CAMEO code becomes (`kind` `None`: explicitly not mapped).
#[derive(Debug, Clone)]
struct Mapping {
    kind: Option<String>,
    label: String,
    status: ClaimStatus,
}

impl CameoMap {
    /// Reads the mapping: `{"codes": {"163": {"kind": "ban_imposed", "label": "...",
    /// "status": "reported"}, ...}}` (`status` is optional, `reported` by default).
    /// A row's EventCode is looked up, then its base code, then its root
    /// code; `"kind": null` keeps a code unmapped. Every kind must be in `vocab`.
    pub fn from_json(text: &str, vocab: &Vocabulary) -> Result<CameoMap, Error> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| Error::Unreadable(format!("CAMEO mapping: malformed JSON: {e}")))?;
        let Some(Value::Object(codes)) = value.get("codes") else {
            return Err(Error::Unreadable("CAMEO mapping: expected {\"codes\": {CODE: {\"kind\": ...}}}".into()));
        };
        let mut map = HashMap::new();
        for (code, m) in codes {
            let kind = match m.get("kind") {
                Some(Value::String(k)) => Some(k.clone()),
                Some(Value::Null) => None,
                _ => {
                    return Err(Error::Unreadable(format!(
                        "CAMEO mapping: code {code} needs a `kind` (a string or null)"
                    )))
                }
            };
            if let Some(kind) = &kind {
                if vocab.get(kind).is_none() {
                    return Err(Error::Unreadable(format!(
                        "CAMEO mapping: code {code} maps to {kind:?}, which the vocabulary lacks"
                    )));
                }
            }
            let label = m.get("label").and_then(Value::as_str).unwrap_or("").to_owned();
            let status = match m.get("status") {
                None | Some(Value::Null) => ClaimStatus::Reported,
                Some(Value::String(st)) => {
                    ClaimStatus::parse(st).map_err(|e| Error::Unreadable(format!("CAMEO mapping: code {code}: {e}")))?
                }
                Some(_) => {
                    return Err(Error::Unreadable(format!("CAMEO mapping: code {code}: `status` must be a string")))
                }
            };
            map.insert(code.clone(), Mapping { kind, label, status });
        }
        Ok(CameoMap { codes: map })
    }

    /// The mapping of a row: its code, else its base code, else its root
    /// code; the first of them listed decides (a null kind: not mapped).
    fn get<'a>(&'a self, codes: [&str; 3]) -> Option<(&'a str, &'a str, &'a Mapping)> {
        let (key, m) = codes.iter().find_map(|c| self.codes.get_key_value(*c))?;
        let kind = m.kind.as_deref()?;
        Some((key.as_str(), kind, m))
    }

    /// The codes it maps, each with its kind (`None`: explicitly unmapped).
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether it maps nothing.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// An actor of a row: its entity id, type and name.
struct Actor {
    id: String,
    entity_type: EntityType,
    name: String,
}

fn actor(fields: &[&str], base: usize, cx: &Context<'_>) -> Option<Actor> {
    let code = fields.get(base).map(|c| c.trim()).filter(|c| !c.is_empty())?;
    let name = fields.get(base + NAME).map(|n| n.trim()).filter(|n| !n.is_empty()).unwrap_or(code);
    let role = fields.get(base + TYPE1).map(|t| t.trim()).unwrap_or("");
    let id = match cx.crosswalk.get(&format!("gdelt:{code}")) {
        Some(id) => id.to_owned(),
        None => format!("gdelt-{}", slug(code)?),
    };
    let entity_type = cx.store.entity_type(&id).unwrap_or(if AGENCY_TYPES.contains(&role) {
        EntityType::Agency
    } else {
        EntityType::Actor
    });
    Some(Actor { id, entity_type, name: name.to_owned() })
}

fn domain(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    host.strip_prefix("www.").unwrap_or(host)
}

fn number(s: &str) -> Value {
    s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
}

/// Maps a GDELT 2.0 export to events. `counts` in the result has
/// `mapped CODE -> KIND` per CAMEO code mapped, `not mapped: WHY` for rows
/// the mapping leaves out (their code; actors missing, the same, or of types
/// the kind does not take), and `skipped: WHY` for malformed rows, which are
/// also in `skipped` (and refuse the file under `--strict`).
pub fn import(bytes: &[u8], cameo: &CameoMap, cx: &Context<'_>) -> Result<Import, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Unreadable(format!("not UTF-8: {e}")))?;
    let mut out = Import::default();
    let mut declared: HashMap<String, EntityType> = HashMap::new();
    // Relations this file opens (relation, subject, object: the earliest
    // date) and closes, so that a close in the file finds its open.
    let mut opened: HashMap<(String, String, String), Day> = HashMap::new();
    let mut closed: HashSet<(String, String, String)> = HashSet::new();
    for (i, raw) in text.split('\n').enumerate() {
        let row = raw.trim_end_matches('\r');
        if row.trim().is_empty() {
            continue;
        }
        out.records += 1;
        let (record, line) = (out.records, i + 1);
        // A malformed row is skipped and reported; a row the mapping leaves out by design (its
        // code, its actors) is only counted.
        let skip = |out: &mut Import, tag: &str, reason: String| {
            *out.counts.entry(format!("skipped: {tag}")).or_default() += 1;
            out.skipped.push(Skipped { record, line, reason });
        };
        let leave = |out: &mut Import, tag: &str| {
            *out.counts.entry(format!("not mapped: {tag}")).or_default() += 1;
        };
        let fields: Vec<&str> = row.split('\t').collect();
        if fields.len() != COLUMNS {
            skip(
                &mut out,
                "not 61 columns",
                format!("has {} tab-separated columns, a GDELT 2.0 export row has {COLUMNS}", fields.len()),
            );
            continue;
        }
        let field = |i: usize| fields.get(i).map_or("", |f| f.trim());
        let code = field(EVENTCODE);
        let Some((mapped, mut kind, mapping)) = cameo.get([code, field(EVENTBASECODE), field(EVENTROOTCODE)]) else {
            leave(&mut out, "CAMEO code");
            continue;
        };
        let sqldate = field(SQLDATE);
        let at = match (sqldate.len(), sqldate.get(..4), sqldate.get(4..6), sqldate.get(6..8)) {
            (8, Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
            _ => {
                skip(&mut out, "bad SQLDATE", format!("SQLDATE {sqldate:?} is not YYYYMMDD"));
                continue;
            }
        };
        if strata_core::ValidTime::parse(&at).is_err() {
            skip(&mut out, "bad SQLDATE", format!("SQLDATE {sqldate:?} is not a date"));
            continue;
        }
        let (Some(a1), Some(a2)) = (actor(&fields, ACTOR1, cx), actor(&fields, ACTOR2, cx)) else {
            leave(&mut out, "an actor missing");
            continue;
        };
        if a1.id == a2.id {
            leave(&mut out, "one entity on both sides");
            continue;
        }
        let t1 = *declared.get(&a1.id).unwrap_or(&a1.entity_type);
        let t2 = *declared.get(&a2.id).unwrap_or(&a2.entity_type);
        if kind_allows(cx.vocabulary, kind, t1, Some(t2)).is_err() {
            leave(&mut out, &format!("{kind} with actors of types {} -> {}", t1.as_str(), t2.as_str()));
            continue;
        }
        // A believed close needs an open relation at its date; an open is remembered for the closes after it.
        let day = Day::parse(&at).map_err(|e| Error::Unreadable(format!("SQLDATE {sqldate:?}: {e}")))?;
        let mut unmatched_close = None;
        if let Some(spec) = cx.vocabulary.get(kind).filter(|_| mapping.status.is_believed()) {
            if let Some(relation) = &spec.relation {
                let key = (relation.clone(), a1.id.clone(), a2.id.clone());
                match spec.effect {
                    Effect::Opens => {
                        opened.entry(key).and_modify(|d| *d = (*d).min(day)).or_insert(day);
                    }
                    Effect::Closes => {
                        let open_here = opened.get(&key).is_some_and(|d| *d <= day);
                        let open =
                            !closed.contains(&key) && (open_here || cx.store.is_open(relation, &a1.id, &a2.id, day));
                        if open {
                            closed.insert(key);
                        } else {
                            unmatched_close = Some(kind);
                            kind = "statement_made";
                        }
                    }
                    _ => {}
                }
            }
        }
        let dateadded = field(DATEADDED);
        for (a, t) in [(&a1, t1), (&a2, t2)] {
            if cx.store.entity_type(&a.id).is_none() && !declared.contains_key(&a.id) {
                declared.insert(a.id.clone(), t);
                out.lines.push(Line {
                    record,
                    line,
                    event: json!({
                        "id": event_id(IMPORTER, &format!("decl|{}|{}|{}|{at}", a.id, t.as_str(), a.name)).to_string(),
                        "kind": "entity_declared",
                        "at": at,
                        "subject": {"id": a.id, "type": t.as_str(), "name": a.name},
                        "attrs": {"importer": IMPORTER, "gdelt_actor": a.id.trim_start_matches("gdelt-").to_uppercase()},
                        "status": "reported",
                    }),
                });
            }
        }
        let url = field(SOURCEURL);
        let mut attrs = Map::new();
        attrs.insert("importer".into(), json!(IMPORTER));
        attrs.insert("gdelt_id".into(), json!(field(GLOBALEVENTID)));
        attrs.insert("cameo".into(), json!(code));
        if !mapping.label.is_empty() {
            attrs.insert("cameo_label".into(), json!(mapping.label));
        }
        if let Some(wanted) = unmatched_close {
            attrs.insert(
                "note".into(),
                json!(format!(
                    "CAMEO {code} maps to {wanted}, but no such relation was open from {} to {} on {at}: kept as a statement",
                    a1.id, a2.id
                )),
            );
        }
        attrs.insert("goldstein".into(), number(field(GOLDSTEIN)));
        attrs.insert("avg_tone".into(), number(field(AVGTONE)));
        attrs.insert("num_articles".into(), number(field(NUMARTICLES)));
        attrs.insert("is_root".into(), json!(field(IS_ROOT) == "1"));
        attrs.insert("dateadded".into(), json!(dateadded));
        let mut source = Map::new();
        source.insert("publisher".into(), json!(domain(url)));
        source.insert("url".into(), json!(url));
        if let (Some(y), Some(m), Some(d)) = (dateadded.get(..4), dateadded.get(4..6), dateadded.get(6..8)) {
            source.insert("published".into(), json!(format!("{y}-{m}-{d}")));
        }
        out.lines.push(Line {
            record,
            line,
            event: json!({
                "id": event_id(IMPORTER, field(GLOBALEVENTID)).to_string(),
                "kind": kind,
                "at": at,
                "subject": a1.id,
                "object": a2.id,
                "attrs": attrs,
                "source": source,
                "status": mapping.status.as_str(),
            }),
        });
        let count = match unmatched_close {
            Some(wanted) => format!("mapped {mapped} -> {kind} ({wanted} with nothing open)"),
            None => format!("mapped {mapped} -> {kind}"),
        };
        *out.counts.entry(count).or_default() += 1;
    }
    Ok(out)
}
