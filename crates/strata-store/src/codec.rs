//! The on-disk form of an event: a format byte, then postcard of
//! `StoredEvent`, converted by hand to and from `RecordedEvent`.
//!
//! Format 1 is `StoredEvent` alone: an event with the default evidence
//! (status `reported`, no disputes), which is every event stored before
//! events could carry evidence. Format 2 is `StoredEvent` followed by
//! `StoredEvidence`. An event with the default evidence is still written as
//! format 1, so a store that never uses evidence keeps the bytes (and the
//! readers) it had. Format 3 is format 2 followed by `StoredRemarks` (the
//! encoder's `note` and the source's `via`); it is written only for an event
//! that has one of them, so every record an earlier build wrote still reads
//! as it did, and a store that uses neither keeps its bytes.
//!
//! Format 4 is format 3 (whose remarks may then both be absent) followed by
//! `StoredNames`: the aliases each entity reference declares. It is written
//! only for an event that declares an alias, so every other event keeps
//! format 1, 2 or 3.
//!
//! Only this boundary type is serializable (only types on disk or on the wire derive serde), so a change to a
//! core type cannot silently change what is on disk. Decoding trusts nothing:
//! every id, date and JSON text is re-checked, and any failure is returned as
//! a description of what is damaged, never a panic.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use strata_core::{
    ClaimStatus, EntityDecl, EntityId, EntityRef, EntityType, Event, EventId, Precision, RecordedEvent, Source,
    Timestamp, ValidTime,
};

/// The first byte of a stored event without evidence; a new layout gets a new byte.
const RECORD_FORMAT: u8 = 1;
/// The first byte of a stored event followed by its evidence.
const RECORD_FORMAT_EVIDENCE: u8 = 2;

/// The first byte of a stored event followed by its evidence and its remarks.
const RECORD_FORMAT_REMARKS: u8 = 3;

/// What format 3 adds after the evidence: the encoder's note and the
/// outlet a relayed source cites. At least one is present.
#[derive(Serialize, Deserialize)]
struct StoredRemarks {
    note: Option<String>,
    via: Option<String>,
}

/// The first byte of a stored event followed by its evidence, its remarks and its aliases.
const RECORD_FORMAT_NAMES: u8 = 4;

/// What format 4 adds: the aliases of each entity reference, in the order of
/// `Event::refs` (subject, object, about), one list per reference.
#[derive(Serialize, Deserialize)]
struct StoredNames {
    aliases: Vec<Vec<String>>,
}

/// What format 2 adds: the claim's status and the events it disputes.
#[derive(Serialize, Deserialize)]
struct StoredEvidence {
    status: u8,
    disputes: Vec<[u8; 16]>,
}

fn status_byte(s: ClaimStatus) -> u8 {
    match s {
        ClaimStatus::Confirmed => 0,
        ClaimStatus::Reported => 1,
        ClaimStatus::Expected => 2,
        ClaimStatus::Denied => 3,
    }
}

fn status_of(b: u8) -> Result<ClaimStatus, String> {
    match b {
        0 => Ok(ClaimStatus::Confirmed),
        1 => Ok(ClaimStatus::Reported),
        2 => Ok(ClaimStatus::Expected),
        3 => Ok(ClaimStatus::Denied),
        other => Err(format!("unknown claim status code {other}")),
    }
}

#[derive(Serialize, Deserialize)]
struct StoredEvent {
    /// Repeats the key's position, so a record under the wrong key is caught.
    position: u64,
    /// Recorded time, microseconds since the epoch.
    recorded_at: i64,
    id: [u8; 16],
    kind: String,
    /// The valid time exactly as given; re-parsed on decode.
    at: String,
    precision: u8,
    subject: StoredRef,
    object: Option<StoredRef>,
    about: Vec<StoredRef>,
    /// JSON text of the attrs; postcard cannot carry `serde_json::Value`.
    attrs: Option<String>,
    source: Option<StoredSource>,
    retracts: Option<[u8; 16]>,
}

#[derive(Serialize, Deserialize)]
struct StoredRef {
    id: String,
    decl: Option<StoredDecl>,
}

#[derive(Serialize, Deserialize)]
struct StoredDecl {
    entity_type: Option<u8>,
    name: Option<String>,
    attrs: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredSource {
    publisher: Option<String>,
    url: Option<String>,
    title: Option<String>,
    published: Option<String>,
}

fn precision_byte(p: Precision) -> u8 {
    match p {
        Precision::Day => 0,
        Precision::Month => 1,
        Precision::Quarter => 2,
        Precision::Year => 3,
        Precision::Instant => 4,
    }
}

fn type_byte(t: EntityType) -> u8 {
    match t {
        EntityType::Actor => 0,
        EntityType::Agency => 1,
        EntityType::Chip => 2,
    }
}

fn type_of(b: u8) -> Result<EntityType, String> {
    match b {
        0 => Ok(EntityType::Actor),
        1 => Ok(EntityType::Agency),
        2 => Ok(EntityType::Chip),
        other => Err(format!("unknown entity type code {other}")),
    }
}

fn attrs_text(attrs: &Map<String, Value>) -> Result<Option<String>, String> {
    if attrs.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(attrs).map(Some).map_err(|e| format!("attrs cannot be written as JSON: {e}"))
}

fn attrs_of(text: Option<String>) -> Result<Map<String, Value>, String> {
    match text {
        None => Ok(Map::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| format!("attrs are not a JSON object: {e}")),
    }
}

fn store_ref(r: &EntityRef) -> Result<StoredRef, String> {
    let decl = match &r.decl {
        None => None,
        Some(d) => Some(StoredDecl {
            entity_type: d.entity_type.map(type_byte),
            name: d.name.clone(),
            attrs: attrs_text(&d.attrs)?,
        }),
    };
    Ok(StoredRef { id: r.id.as_str().to_owned(), decl })
}

fn load_ref(r: StoredRef) -> Result<EntityRef, String> {
    let id = EntityId::parse(&r.id)?;
    let decl = match r.decl {
        None => None,
        Some(d) => Some(EntityDecl {
            entity_type: d.entity_type.map(type_of).transpose()?,
            name: d.name,
            aliases: Vec::new(),
            attrs: attrs_of(d.attrs)?,
        }),
    };
    Ok(EntityRef { id, decl })
}

/// Encodes an event for the `L` record. Fails only if attrs cannot be
/// written as JSON, which a `serde_json::Map` always can.
pub(crate) fn encode(r: &RecordedEvent) -> Result<Vec<u8>, String> {
    let e = &r.event;
    let stored = StoredEvent {
        position: r.position,
        recorded_at: r.recorded_at.0,
        id: *e.id.as_bytes(),
        kind: e.kind.clone(),
        at: e.at.as_str().to_owned(),
        precision: precision_byte(e.at.precision()),
        subject: store_ref(&e.subject)?,
        object: e.object.as_ref().map(store_ref).transpose()?,
        about: e.about.iter().map(store_ref).collect::<Result<_, _>>()?,
        attrs: attrs_text(&e.attrs)?,
        source: e.source.as_ref().map(|s| StoredSource {
            publisher: s.publisher.clone(),
            url: s.url.clone(),
            title: s.title.clone(),
            published: s.published.clone(),
        }),
        retracts: e.retracts.map(|id| *id.as_bytes()),
    };
    let remarks = StoredRemarks { note: e.note.clone(), via: e.source.as_ref().and_then(|s| s.via.clone()) };
    let has_remarks = remarks.note.is_some() || remarks.via.is_some();
    let names: Vec<Vec<String>> =
        e.refs().map(|r| r.decl.as_ref().map(|d| d.aliases.clone()).unwrap_or_default()).collect();
    let has_names = names.iter().any(|a| !a.is_empty());
    if e.status == ClaimStatus::default() && e.disputes.is_empty() && !has_remarks && !has_names {
        return postcard::to_extend(&stored, vec![RECORD_FORMAT]).map_err(|e| format!("postcard: {e}"));
    }
    let format = match (has_names, has_remarks) {
        (true, _) => RECORD_FORMAT_NAMES,
        (false, true) => RECORD_FORMAT_REMARKS,
        (false, false) => RECORD_FORMAT_EVIDENCE,
    };
    let bytes = postcard::to_extend(&stored, vec![format]).map_err(|e| format!("postcard: {e}"))?;
    let evidence =
        StoredEvidence { status: status_byte(e.status), disputes: e.disputes.iter().map(|d| *d.as_bytes()).collect() };
    let bytes = postcard::to_extend(&evidence, bytes).map_err(|e| format!("postcard: {e}"))?;
    if !has_remarks && !has_names {
        return Ok(bytes);
    }
    let bytes = postcard::to_extend(&remarks, bytes).map_err(|e| format!("postcard: {e}"))?;
    if !has_names {
        return Ok(bytes);
    }
    postcard::to_extend(&StoredNames { aliases: names }, bytes).map_err(|e| format!("postcard: {e}"))
}

/// Puts the aliases of format 4 back on the event's references, checking
/// that they fit: one list per reference, aliases only on a declaration,
/// none blank, and at least one (else the record would be format 2 or 3).
fn load_names(event: &mut Event, names: StoredNames) -> Result<(), String> {
    let refs = 1 + usize::from(event.object.is_some()) + event.about.len();
    if names.aliases.len() != refs {
        return Err(format!("the record holds aliases for {} references, not {refs}", names.aliases.len()));
    }
    if names.aliases.iter().all(Vec::is_empty) {
        return Err("a record with aliases holds none (written as format 2 or 3)".into());
    }
    let targets = std::iter::once(&mut event.subject).chain(event.object.as_mut()).chain(event.about.iter_mut());
    for (r, aliases) in targets.zip(names.aliases) {
        if aliases.is_empty() {
            continue;
        }
        if aliases.iter().any(|a| a.trim().is_empty()) {
            return Err(format!("a blank alias of {}", r.id));
        }
        match r.decl.as_mut() {
            Some(d) => d.aliases = aliases,
            None => return Err(format!("aliases on {}, which the event does not declare", r.id)),
        }
    }
    Ok(())
}

/// Decodes an `L` record stored under `position`; the error says what is wrong.
pub(crate) fn decode(bytes: &[u8], position: u64) -> Result<RecordedEvent, String> {
    let (format, body) = bytes.split_first().ok_or("the record is empty")?;
    if ![RECORD_FORMAT, RECORD_FORMAT_EVIDENCE, RECORD_FORMAT_REMARKS, RECORD_FORMAT_NAMES].contains(format) {
        return Err(format!(
            "unknown record format {format} (this build reads {RECORD_FORMAT} to {RECORD_FORMAT_NAMES}); \
             a newer strata wrote it: open the store with that version"
        ));
    }
    let (s, mut rest): (StoredEvent, &[u8]) =
        postcard::take_from_bytes(body).map_err(|e| format!("undecodable record: {e}"))?;
    let (status, disputes) = if *format != RECORD_FORMAT {
        let (ev, after): (StoredEvidence, &[u8]) =
            postcard::take_from_bytes(rest).map_err(|e| format!("undecodable evidence: {e}"))?;
        rest = after;
        let status = status_of(ev.status)?;
        if *format == RECORD_FORMAT_EVIDENCE && status == ClaimStatus::default() && ev.disputes.is_empty() {
            return Err("a record with evidence holds only the default evidence (written as format 1)".into());
        }
        (status, ev.disputes.into_iter().map(EventId::from_bytes).collect())
    } else {
        (ClaimStatus::default(), Vec::new())
    };
    let remarks = if *format == RECORD_FORMAT_REMARKS || *format == RECORD_FORMAT_NAMES {
        let (r, after): (StoredRemarks, &[u8]) =
            postcard::take_from_bytes(rest).map_err(|e| format!("undecodable remarks: {e}"))?;
        rest = after;
        if *format == RECORD_FORMAT_REMARKS && r.note.is_none() && r.via.is_none() {
            return Err("a record with remarks holds none (written as format 1 or 2)".into());
        }
        if r.via.is_some() && s.source.is_none() {
            return Err("a record names the outlet its source relays, but has no source".into());
        }
        r
    } else {
        StoredRemarks { note: None, via: None }
    };
    let names = if *format == RECORD_FORMAT_NAMES {
        let (names, after): (StoredNames, &[u8]) =
            postcard::take_from_bytes(rest).map_err(|e| format!("undecodable aliases: {e}"))?;
        rest = after;
        Some(names)
    } else {
        None
    };
    if !rest.is_empty() {
        return Err(format!("{} unexpected bytes after the record", rest.len()));
    }
    if s.position != position {
        return Err(format!("the record under position {position} says it is position {}", s.position));
    }
    let at = ValidTime::parse(&s.at)?;
    if precision_byte(at.precision()) != s.precision {
        return Err(format!("valid time {:?} is stored with precision code {}", s.at, s.precision));
    }
    let mut event = Event {
        id: EventId::from_bytes(s.id),
        kind: s.kind,
        at,
        subject: load_ref(s.subject)?,
        object: s.object.map(load_ref).transpose()?,
        about: s.about.into_iter().map(load_ref).collect::<Result<_, _>>()?,
        attrs: attrs_of(s.attrs)?,
        source: s.source.map(|s| Source {
            publisher: s.publisher,
            url: s.url,
            title: s.title,
            published: s.published,
            via: remarks.via,
        }),
        retracts: s.retracts.map(EventId::from_bytes),
        status,
        disputes,
        note: remarks.note,
    };
    if let Some(names) = names {
        load_names(&mut event, names)?;
    }
    Ok(RecordedEvent { position, recorded_at: Timestamp(s.recorded_at), event })
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::{parse_line, Location, Vocabulary};

    fn sample() -> RecordedEvent {
        let line = r#"{"id":"0190f3a2-7b1c-7cc0-8a01-9d2b1c3e4f50","kind":"approval_granted","at":"2026-Q1","subject":"cn-miit","object":{"id":"bytedance","type":"actor","name":"ByteDance","country":"CN"},"about":["nvidia-h200"],"attrs":{"quantity":400000,"ratio":0.1,"nested":{"list":[1,"two",null,true]}},"source":{"publisher":"Reuters","published":"2026-01-28"}}"#;
        let parsed = parse_line(line, Location::Line(1), &Vocabulary::builtin()).unwrap();
        RecordedEvent { position: 3, recorded_at: Timestamp(1_769_600_000_123_456), event: parsed.event }
    }

    #[test]
    fn an_event_round_trips() {
        let r = sample();
        let bytes = encode(&r).unwrap();
        assert_eq!(bytes[0], RECORD_FORMAT);
        assert_eq!(decode(&bytes, 3).unwrap(), r);
    }

    fn with_evidence() -> RecordedEvent {
        let mut r = sample();
        r.event.status = ClaimStatus::Denied;
        r.event.disputes = vec![EventId::from_bytes([7; 16]), EventId::from_bytes([9; 16])];
        r
    }

    #[test]
    fn evidence_round_trips_and_the_default_keeps_format_1() {
        for status in ClaimStatus::ALL {
            for disputes in [vec![], vec![EventId::from_bytes([7; 16])]] {
                let mut r = sample();
                r.event.status = status;
                r.event.disputes = disputes;
                let bytes = encode(&r).unwrap();
                let default = status == ClaimStatus::Reported && r.event.disputes.is_empty();
                assert_eq!(bytes[0], if default { RECORD_FORMAT } else { RECORD_FORMAT_EVIDENCE });
                assert_eq!(decode(&bytes, 3).unwrap(), r);
            }
        }
    }

    #[test]
    fn a_record_written_before_evidence_reads_as_reported_without_disputes() {
        // The bytes an earlier build wrote: format 1, nothing after the event.
        let r = sample();
        let old = encode(&r).unwrap();
        let back = decode(&old, 3).unwrap();
        assert_eq!(back.event.status, ClaimStatus::Reported);
        assert!(back.event.disputes.is_empty());
        // Evidence bytes after a format-1 record are damage, not evidence.
        let mut tail = old.clone();
        tail.extend_from_slice(&[3, 0]);
        assert!(decode(&tail, 3).unwrap_err().contains("unexpected bytes"));
    }

    fn with_remarks(status: ClaimStatus, note: Option<&str>, via: Option<&str>) -> RecordedEvent {
        let mut r = sample();
        r.event.status = status;
        r.event.note = note.map(str::to_owned);
        if let Some(s) = r.event.source.as_mut() {
            s.via = via.map(str::to_owned);
        }
        r
    }

    #[test]
    fn notes_and_relays_round_trip_and_only_they_take_format_3() {
        for status in [ClaimStatus::Reported, ClaimStatus::Expected] {
            for (note, via) in
                [(None, None), (Some("no day given"), None), (None, Some("Reuters")), (Some("n"), Some("v"))]
            {
                let r = with_remarks(status, note, via);
                let bytes = encode(&r).unwrap();
                let want = match (note.is_some() || via.is_some(), status == ClaimStatus::Reported) {
                    (true, _) => RECORD_FORMAT_REMARKS,
                    (false, true) => RECORD_FORMAT,
                    (false, false) => RECORD_FORMAT_EVIDENCE,
                };
                assert_eq!(bytes[0], want, "{status:?} {note:?} {via:?}");
                assert_eq!(decode(&bytes, 3).unwrap(), r);
            }
        }
    }

    #[test]
    fn damaged_remarks_are_described() {
        let bytes = encode(&with_remarks(ClaimStatus::Reported, Some("note"), Some("Reuters"))).unwrap();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len], 3).is_err(), "truncated to {len} bytes");
        }
        // Format 3 with no remark at all is not how this build writes.
        let mut empty = encode(&with_remarks(ClaimStatus::Expected, None, None)).unwrap();
        empty[0] = RECORD_FORMAT_REMARKS;
        empty.extend_from_slice(&[0, 0]);
        assert!(decode(&empty, 3).unwrap_err().contains("holds none"));
        // A relay without a source.
        let mut r = with_remarks(ClaimStatus::Reported, None, None);
        r.event.source = None;
        let mut orphan = encode(&r).unwrap();
        orphan[0] = RECORD_FORMAT_REMARKS;
        orphan.extend_from_slice(&[1, 0]);
        orphan.extend_from_slice(&[0, 1, 1, b'R']);
        assert!(decode(&orphan, 3).unwrap_err().contains("no source"));
    }

    #[test]
    fn damaged_evidence_is_described() {
        let bytes = encode(&with_evidence()).unwrap();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len], 3).is_err(), "truncated to {len} bytes");
        }
        let base = encode(&sample()).unwrap();
        let mut bad = base.clone();
        bad[0] = RECORD_FORMAT_EVIDENCE;
        bad.extend_from_slice(&[9, 0]);
        assert!(decode(&bad, 3).unwrap_err().contains("unknown claim status code 9"));
        let mut default = base;
        default[0] = RECORD_FORMAT_EVIDENCE;
        default.extend_from_slice(&[1, 0]);
        assert!(decode(&default, 3).unwrap_err().contains("only the default evidence"));
    }

    #[test]
    fn every_truncation_and_byte_flip_is_an_error_or_a_valid_event_never_a_panic() {
        let remarks = encode(&with_remarks(ClaimStatus::Denied, Some("a note"), Some("Reuters"))).unwrap();
        let names = encode(&with_aliases()).unwrap();
        for bytes in [encode(&sample()).unwrap(), encode(&with_evidence()).unwrap(), remarks, names] {
            for len in 0..bytes.len() {
                assert!(decode(&bytes[..len], 3).is_err(), "truncated to {len} bytes");
            }
            for i in 0..bytes.len() {
                for flip in [0x01u8, 0x80, 0xff] {
                    let mut b = bytes.clone();
                    b[i] ^= flip;
                    // A flip inside a string may still decode; it must not panic.
                    let _ = decode(&b, 3);
                }
            }
        }
    }

    fn with_aliases() -> RecordedEvent {
        let mut r = sample();
        if let Some(d) = r.event.object.as_mut().and_then(|o| o.decl.as_mut()) {
            d.aliases = vec!["ByteDance Ltd.".into(), "字节跳动".into()];
        }
        r
    }

    #[test]
    fn aliases_round_trip_as_format_4_and_other_events_keep_their_format() {
        for (status, note) in [(ClaimStatus::Reported, None), (ClaimStatus::Denied, Some("a note"))] {
            let mut r = with_aliases();
            r.event.status = status;
            r.event.note = note.map(str::to_owned);
            let bytes = encode(&r).unwrap();
            assert_eq!(bytes[0], RECORD_FORMAT_NAMES);
            assert_eq!(decode(&bytes, 3).unwrap(), r);
        }
        assert_eq!(encode(&sample()).unwrap()[0], RECORD_FORMAT);
        assert_eq!(encode(&with_evidence()).unwrap()[0], RECORD_FORMAT_EVIDENCE);
    }

    #[test]
    fn damaged_aliases_are_described() {
        let bytes = encode(&with_aliases()).unwrap();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len], 3).is_err(), "truncated to {len} bytes");
        }
        // Format 4 whose lists do not fit the event's references.
        let base = encode(&sample()).unwrap();
        let with = |names: StoredNames| {
            let mut b = base.clone();
            b[0] = RECORD_FORMAT_NAMES;
            b.extend_from_slice(&[1, 0, 0, 0]);
            postcard::to_extend(&names, b).unwrap()
        };
        let s = |x: &str| x.to_owned();
        let cases = [
            (StoredNames { aliases: vec![vec![s("A")]] }, "for 1 references, not 3"),
            (StoredNames { aliases: vec![vec![], vec![], vec![]] }, "holds none"),
            (StoredNames { aliases: vec![vec![s("A")], vec![], vec![]] }, "does not declare"),
            (StoredNames { aliases: vec![vec![], vec![s(" ")], vec![]] }, "blank alias"),
        ];
        for (names, what) in cases {
            let err = decode(&with(names), 3).unwrap_err();
            assert!(err.contains(what), "{err}");
        }
    }

    #[test]
    fn damage_is_described() {
        let mut bytes = encode(&sample()).unwrap();
        assert!(decode(&bytes, 4).unwrap_err().contains("says it is position 3"));
        bytes.push(0);
        assert!(decode(&bytes, 3).unwrap_err().contains("unexpected bytes"));
        bytes[0] = 9;
        let newer = decode(&bytes, 3).unwrap_err();
        assert!(newer.contains("unknown record format 9") && newer.contains("a newer strata"), "{newer}");
        assert!(decode(&[], 3).unwrap_err().contains("empty"));
    }
}
