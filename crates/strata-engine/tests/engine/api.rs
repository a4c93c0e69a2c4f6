//! What a fixture cannot say: the kinds of error, and a durable store
//! that, reopened, answers every read as it did before.

use strata_core::Timestamp;
use strata_engine::{
    Config, Day, Direction, Engine, EntityType, Error, EventFilter, NeighborhoodQuery, PathQuery, Snapshot, StatusSet,
};

use crate::harness::workspace_root;

/// The demo dataset as NDJSON text.
pub fn demo() -> String {
    std::fs::read_to_string(workspace_root().join("examples/h200-china.ndjson")).unwrap()
}

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

#[test]
fn error_codes() {
    let engine = Engine::open(Config::in_memory()).unwrap();
    let bad = engine.append_text(r#"{"kind":"approval_granded","at":"2026","subject":"x"}"#, None).unwrap_err();
    assert!(matches!(bad, Error::Invalid(_)), "{bad:?}");

    let decl = r#"{"kind":"entity_declared","at":"2026","subject":{"id":"x","type":"actor"}}"#;
    let conflict = engine.append_text(decl, Some(5)).unwrap_err();
    assert!(matches!(conflict, Error::Conflict { expected: 5, actual: 0 }), "{conflict:?}");

    engine.append_text(decl, Some(0)).unwrap();
    let unknown = engine.retract(strata_core::EventId::new_v7(), "no such event", None, None).unwrap_err();
    assert!(matches!(unknown, Error::Invalid(_)), "{unknown:?}");
    assert_eq!(engine.head().position, 1, "a refused retraction stores nothing");
}

/// Many reads over the whole graph, at several asOf and knownAt, as text.
fn answers(snap: &Snapshot<'_>) -> String {
    let known: Vec<Option<Timestamp>> = [None, Some(28), Some(43), Some(60)]
        .into_iter()
        .map(|p| p.map(|p| snap.event_at(p).unwrap().unwrap().recorded_at))
        .collect();
    let dates = [None, Some(day("2025-05-01")), Some(day("2026-01-29")), Some(day("2026-02-01"))];
    let mut out = String::new();
    out.push_str(&format!("{:?}\n", snap.stats(snap.known_at())));
    for &k in &known {
        out.push_str(&format!("{:?}\n", snap.stats(snap.clamp(k))));
        for &a in &dates {
            let t = snap.filter(a, k);
            let entities = snap.entities(None, None, t);
            out.push_str(&format!("{entities:?}\n"));
            for e in &entities {
                out.push_str(&format!("{:?}\n", snap.relations(&e.id, t, Direction::Both, None)));
                out.push_str(&format!("{:?}\n", snap.history(&e.id, t)));
            }
            let q = PathQuery { time: t, max_hops: 4, relations: None, directed: false };
            let (from, to) = ("john-moolenaar".parse().unwrap(), "deepseek".parse().unwrap());
            out.push_str(&format!("{:?}\n", snap.paths(&from, &to, q, 20)));
            out.push_str(&format!(
                "{:?}\n",
                snap.neighborhood(&to, NeighborhoodQuery { time: t, hops: 2, relations: None })
            ));
        }
        out.push_str(&format!(
            "{:?}\n",
            snap.diff(day("2025-07-01"), day("2026-02-01"), snap.clamp(k), StatusSet::BELIEVED)
        ));
        let f = EventFilter { known_at: Some(snap.clamp(k)), include_retracted: true, ..EventFilter::default() };
        out.push_str(&format!("{:?}\n", snap.events(f)));
        out.push_str(&format!("{:?}\n", snap.entities(Some(EntityType::Chip), Some("nvidia"), snap.filter(None, k))));
    }
    out
}

#[test]
fn a_reopened_store_answers_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let (before, head) = {
        let engine = Engine::open(Config::at(dir.path())).unwrap();
        engine.append_text(&demo(), None).unwrap();
        let approval = strata_core::EventId::parse("0194f000-0000-7000-8000-000000000057").unwrap();
        engine.retract(approval, "test", None, None).unwrap();
        engine
            .append_text(r#"{"kind":"approval_revoked","at":"2026-03","subject":"cn-miit","object":"bytedance"}"#, None)
            .unwrap();
        let snap = engine.snapshot();
        (answers(&snap), engine.head())
    };
    assert!(before.contains("approved"), "the reads found the approvals");

    let engine = Engine::open(Config::at(dir.path())).unwrap();
    assert_eq!(engine.head(), head);
    let after = answers(&engine.snapshot());
    assert!(before == after, "{}", crate::diff::lines(&before, &after));

    // The log goes on where it stopped.
    let more =
        engine.append_text(r#"{"kind":"entity_declared","at":"2026","subject":{"id":"newco","type":"actor"}}"#, None);
    let rec = &more.unwrap().events[0];
    assert_eq!(rec.position, head.position + 1);
    assert!(Some(rec.recorded_at) > head.recorded_at);
}

#[test]
fn a_store_open_elsewhere_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Engine::open(Config::at(dir.path())).unwrap();
    let second = Engine::open(Config::at(dir.path())).err().expect("a second open of the same directory is refused");
    assert!(matches!(second, Error::Store(_)), "{second}");
}

#[test]
fn append_takes_parsed_lines_and_values() {
    use strata_core::{parse_line, Location, Vocabulary};
    let engine = Engine::open(Config::in_memory()).unwrap();
    let vocab = Vocabulary::builtin();
    let lines = [
        r#"{"kind":"entity_declared","at":"2008","subject":{"id":"miit","type":"agency"}}"#,
        r#"{"kind":"entity_declared","at":"2012","subject":{"id":"bytedance","type":"actor"}}"#,
    ];
    let parsed = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (Location::Line(i + 1), parse_line(l, Location::Line(i + 1), &vocab).unwrap()))
        .collect();
    let outcome = engine.append(parsed, Some(0)).unwrap();
    assert_eq!((outcome.position, outcome.appended), (2, 2));

    // GraphQL inputs come as values, and errors name their index.
    let values: Vec<serde_json::Value> = vec![
        serde_json::json!({"kind": "approval_granted", "at": "2026-01-28", "subject": "miit", "object": "bytedance"}),
        serde_json::json!({"kind": "approval_revoked", "at": "2026-13-01", "subject": "miit", "object": "bytedance"}),
    ];
    let e = engine.append_values(&values, None).unwrap_err();
    assert!(e.to_string().starts_with("events[1], field `at`: invalid date"), "{e}");
    let outcome = engine.append_values(&values[..1], Some(2)).unwrap();
    assert_eq!((outcome.position, outcome.appended), (3, 1));
}

#[test]
fn retract_by_someone_with_a_source() {
    let engine = Engine::open(Config::in_memory()).unwrap();
    let out = engine
        .append_text(
            r#"{"kind":"entity_declared","at":"2020","subject":{"id":"editor","type":"actor","name":"Editor"}}
{"kind":"entity_declared","at":"2008","subject":{"id":"miit","type":"agency"}}
{"kind":"entity_declared","at":"2012","subject":{"id":"bytedance","type":"actor"}}
{"kind":"approval_granted","at":"2026-01-28","subject":"miit","object":"bytedance"}"#,
            None,
        )
        .unwrap();
    let approval = out.events[3].event.id;
    let source = strata_engine::Source { publisher: Some("Reuters".into()), ..Default::default() };
    let by = strata_engine::EntityRef::by_id("editor".parse().unwrap());
    let rec = engine.retract(approval, "denied", Some(by), Some(source.clone())).unwrap();
    assert_eq!(rec.position, 5);
    assert_eq!(rec.event.subject.id.as_str(), "editor");
    assert_eq!(rec.event.retracts, Some(approval));
    assert_eq!(rec.event.source, Some(source));
    assert_eq!(rec.event.attrs.get("reason"), Some(&serde_json::json!("denied")));
    let snap = engine.snapshot();
    let status = snap.event_status(approval, snap.known_at()).unwrap();
    assert_eq!(status.retracted_by, Some(5));

    // A retraction by an agency is refused like any event of the wrong type.
    let by = strata_engine::EntityRef::by_id("miit".parse().unwrap());
    let e = engine.retract(out.events[2].event.id, "x", Some(by), None).unwrap_err();
    assert!(e.to_string().contains("needs an actor as subject"), "{e}");
}

#[test]
fn subscribers_see_each_stored_event_once_in_order() {
    let engine = Engine::open(Config::in_memory()).unwrap();
    let mut rx = engine.subscribe();
    let decl = r#"{"id":"0194f000-0000-7000-8000-000000000001","kind":"entity_declared","at":"2008","subject":{"id":"miit","type":"agency"}}
{"kind":"entity_declared","at":"2012","subject":{"id":"bytedance","type":"actor"}}"#;
    engine.append_text(decl, None).unwrap();
    // Refused batches and idempotent retries send nothing.
    engine
        .append_text(r#"{"kind":"approval_revoked","at":"2026","subject":"miit","object":"bytedance"}"#, None)
        .unwrap_err();
    engine.append_text(decl.lines().next().unwrap(), None).unwrap();
    let positions: Vec<u64> = std::iter::from_fn(|| rx.try_recv().ok()).map(|r| r.position).collect();
    assert_eq!(positions, [1, 2]);
}
