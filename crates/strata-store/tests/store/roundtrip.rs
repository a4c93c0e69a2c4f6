//! Any event the core can hold comes back from the store exactly: every
//! valid-time precision, nested JSON attrs in their order, floats to the
//! last bit, inline declarations, optional sources and retractions.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use strata_core::{
    to_line, ClaimStatus, EntityDecl, EntityId, EntityRef, EntityType, Event, EventId, RecordedEvent, Source,
    Timestamp, ValidTime,
};
use strata_store::Store;

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            attrs_of(inner).prop_map(Value::Object),
        ]
    })
}

fn attrs_of(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((".{0,8}", value), 0..4).prop_map(|pairs| pairs.into_iter().collect())
}

fn valid_time() -> impl Strategy<Value = ValidTime> {
    let ymd = (1000..=9999i32, 1..=12u32, 1..=28u32);
    let text = prop_oneof![
        ymd.clone().prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (1000..=9999i32, 1..=12u32).prop_map(|(y, m)| format!("{y:04}-{m:02}")),
        (1000..=9999i32, 1..=4u32).prop_map(|(y, q)| format!("{y:04}-Q{q}")),
        (1000..=9999i32).prop_map(|y| format!("{y:04}")),
        (
            ymd,
            0..24u32,
            0..60u32,
            prop::option::of(0..1_000_000u32),
            prop::sample::select(vec!["Z", "+08:00", "-05:30"])
        )
            .prop_map(|((y, m, d), h, min, frac, zone)| {
                let frac = frac.map(|f| format!(".{f:06}")).unwrap_or_default();
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:07{frac}{zone}")
            }),
    ];
    text.prop_map(|t| ValidTime::parse(&t).unwrap())
}

fn entity_ref() -> impl Strategy<Value = EntityRef> {
    let decl = (
        prop::option::of(prop::sample::select(EntityType::ALL.to_vec())),
        prop::option::of(".{1,10}"),
        prop::collection::vec("[a-zA-Z0-9华为].{0,10}", 0..3),
        attrs_of(json()),
    )
        .prop_map(|(entity_type, name, aliases, attrs)| EntityDecl { entity_type, name, aliases, attrs });
    ("[a-z0-9][a-z0-9-]{0,10}", prop::option::of(decl))
        .prop_map(|(id, decl)| EntityRef { id: EntityId::parse(&id).unwrap(), decl })
}

fn source() -> impl Strategy<Value = Source> {
    let text = || prop::option::of(".{0,16}");
    (text(), text(), text(), prop::option::of(valid_time().prop_map(|v| v.as_str().to_owned())), text())
        .prop_map(|(publisher, url, title, published, via)| Source { publisher, url, title, published, via })
}

fn event() -> impl Strategy<Value = Event> {
    (
        any::<[u8; 16]>(),
        "[a-z_]{1,20}",
        valid_time(),
        entity_ref(),
        prop::option::of(entity_ref()),
        prop::collection::vec(entity_ref(), 0..4),
        attrs_of(json()),
        prop::option::of(source()),
        prop::option::of(any::<[u8; 16]>().prop_map(EventId::from_bytes)),
        prop::sample::select(ClaimStatus::ALL.to_vec()),
        prop::collection::vec(any::<[u8; 16]>().prop_map(EventId::from_bytes), 0..3),
        prop::option::of(".{1,16}"),
    )
        .prop_map(|(id, kind, at, subject, object, about, attrs, source, retracts, status, disputes, note)| {
            Event {
                id: EventId::from_bytes(id),
                kind,
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
            }
        })
}

/// A batch that continues an empty log: positions from 1, increasing times.
fn batch() -> impl Strategy<Value = Vec<RecordedEvent>> {
    (any::<i64>(), prop::collection::vec((event(), 1..1_000_000i64), 1..6)).prop_map(|(start, events)| {
        let mut at = start / 2;
        events
            .into_iter()
            .zip(1u64..)
            .map(|((mut event, step), position)| {
                at += step;
                // Distinct ids, even when shrinking makes the random ones equal.
                let mut id = *event.id.as_bytes();
                id[..8].copy_from_slice(&position.to_be_bytes());
                event.id = EventId::from_bytes(id);
                RecordedEvent { position, recorded_at: Timestamp(at), event }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn any_event_round_trips_exactly(events in batch()) {
        let store = Store::memory();
        store.append(&events).unwrap();
        for e in &events {
            let back = store.get(e.position).unwrap().unwrap();
            prop_assert_eq!(&back, e);
            // Equality of JSON maps ignores order; the export line does not.
            prop_assert_eq!(to_line(&back), to_line(e));
            prop_assert_eq!(store.position_of(e.event.id).unwrap(), Some(e.position));
            for r in e.event.refs() {
                prop_assert!(store.entity_positions(&r.id).unwrap().contains(&e.position));
            }
        }
        let scanned: Vec<_> = store.scan(1).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(scanned, events);
    }
}
