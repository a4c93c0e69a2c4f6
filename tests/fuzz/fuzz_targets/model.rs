//! Fuzz target, model-based: random appends (good and bad batches, inline
//! declarations, reused ids), retractions and reopens applied to an engine,
//! checked against a plain replay of its log.
//!
//! Properties: nothing panics; a refused append or retraction stores
//! nothing; a reopen (the projection rebuilt from the log on disk) answers
//! every question as before; and at the end, the log exported and imported
//! into an empty store gives the same bytes and the same answers (entities,
//! relations, histories, neighbourhoods, paths, diffs, stats) at every
//! `knownAt` of the log and several `asOf` dates.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use strata_core::{to_line, EventId, Timestamp};
use strata_engine::{Config, Day, Direction, Engine, EntityId, PathQuery, TimeFilter};

/// The entities events may name: (id, type).
const ENTITIES: [(&str, &str); 6] =
    [("gov", "agency"), ("reg", "agency"), ("acme", "actor"), ("bolt", "actor"), ("h1", "chip"), ("h2", "chip")];
const KINDS: [&str; 14] = [
    "entity_declared",
    "approval_granted",
    "approval_revoked",
    "ban_imposed",
    "ban_lifted",
    "membership_began",
    "membership_ended",
    "letter_sent",
    "order_placed",
    "statement_made",
    "role_assumed",
    "role_ended",
    "investment_made",
    "agreement_signed",
];
const DATES: [&str; 7] = ["2020", "2021-03", "2021-Q2", "2022-05-06", "2023", "2024-01-01T23:30:00-05:00", "2022"];

#[derive(Arbitrary, Debug)]
struct Ev {
    kind: u8,
    subject: u8,
    object: Option<u8>,
    about: Option<u8>,
    at: u8,
    /// Declare the subject (and object) inline, with their types.
    declare: bool,
    /// Reuse the id of an earlier event (an idempotent retry, or a clash).
    reuse: Option<u8>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Append(Vec<Ev>),
    Retract(u8),
    Reopen,
}

/// The entity types each kind of `KINDS` allows as (subject, object):
/// a = agency, c = actor, p = chip (product). Mostly valid events, so that
/// batches get stored; the input still picks invalid ones by reusing ids,
/// closing what is not open and naming undeclared entities.
const RULES: [(&str, &str); 14] = [
    ("acp", ""),
    ("a", "c"),
    ("a", "c"),
    ("a", "acp"),
    ("a", "acp"),
    ("ac", "ac"),
    ("ac", "ac"),
    ("c", "ac"),
    ("c", "p"),
    ("ac", "acp"),
    ("c", "ac"),
    ("c", "ac"),
    ("c", "c"),
    ("a", "a"),
];

/// An entity of one of `types`, picked by `i`: (id, type).
fn pick(types: &str, i: u8) -> (&'static str, &'static str) {
    let letter = |ty: &str| match ty {
        "agency" => 'a',
        "actor" => 'c',
        _ => 'p',
    };
    let options: Vec<_> = ENTITIES.iter().filter(|(_, ty)| types.contains(letter(ty))).collect();
    *options[i as usize % options.len()]
}

/// An event line; `ids` are the ids used so far (for retries).
fn line(e: &Ev, ids: &mut Vec<String>, fresh: &mut u64) -> String {
    let kind = e.kind as usize % KINDS.len();
    let (subject_types, object_types) = RULES[kind];
    let (subject, ty) = pick(subject_types, e.subject);
    let subject = if e.declare || kind == 0 {
        format!(r#"{{"id":"{subject}","type":"{ty}"}}"#)
    } else {
        format!(r#""{subject}""#)
    };
    let id = match e.reuse {
        Some(i) if i % 4 == 0 && !ids.is_empty() => ids[i as usize / 4 % ids.len()].clone(),
        _ => {
            *fresh += 1;
            let id = format!("00000000-0000-4000-8000-{:012x}", *fresh);
            ids.push(id.clone());
            id
        }
    };
    let mut s = format!(
        r#"{{"id":"{id}","kind":"{}","at":"{}","subject":{subject}"#,
        KINDS[kind],
        DATES[e.at as usize % DATES.len()]
    );
    if !object_types.is_empty() {
        let (object, ty) = pick(object_types, e.object.unwrap_or(e.subject.wrapping_add(1)));
        // Declared inline unless the input names it as known.
        if e.declare || e.object.is_none() {
            s.push_str(&format!(r#","object":{{"id":"{object}","type":"{ty}"}}"#));
        } else {
            s.push_str(&format!(r#","object":"{object}""#));
        }
    }
    if let Some(a) = e.about {
        s.push_str(&format!(r#","about":["{}"]"#, pick("p", a).0));
    }
    s.push('}');
    s
}

/// Every answer the projection gives about the test's entities, as text.
fn fingerprint(engine: &Engine, known: &[Timestamp]) -> String {
    let snap = engine.snapshot();
    let days = [None, Some("2021-06-01"), Some("2023-06-01")];
    let mut ids: Vec<EntityId> = ENTITIES.iter().map(|(id, _)| id.parse().expect("a slug")).collect();
    ids.push("analyst".parse().expect("a slug"));
    let mut out = String::new();
    snap.read(|g| {
        for &k in known {
            out.push_str(&format!("{k}: {:?}\n", g.stats(k)));
            let (from, to) = (Day::parse("2020-06-01").expect("day"), Day::parse("2023-06-01").expect("day"));
            out.push_str(&format!("{:?}\n", g.diff(from, to, k)));
            for d in days {
                let t = TimeFilter { as_of: d.map(|d| Day::parse(d).expect("day")), known_at: k };
                out.push_str(&format!("{:?}\n", g.entities(None, None, t)));
                for id in &ids {
                    out.push_str(&format!("{:?}\n{:?}\n", g.relations(id, t, Direction::Both, None), g.history(id, t)));
                }
                out.push_str(&format!("{:?}\n", g.neighborhood(&ids[0], 2, t, None)));
                let q = PathQuery { time: t, max_hops: 4, relations: None, directed: false };
                out.push_str(&format!("{:?}\n{:?}\n", g.path(&ids[0], &ids[3], &q), g.paths(&ids[2], &ids[4], &q, 5)));
            }
        }
    });
    out
}

fn export(engine: &Engine) -> String {
    engine.scan(1).map(|r| to_line(&r.expect("the log reads back")) + "\n").collect()
}

/// The recorded times to ask at: before everything, a few of the log's, latest.
fn known_times(engine: &Engine) -> Vec<Timestamp> {
    let times: Vec<Timestamp> = engine.scan(1).map(|r| r.expect("the log reads back").recorded_at).collect();
    let step = (times.len() / 3).max(1);
    let mut known = vec![Timestamp::MIN];
    known.extend(times.iter().step_by(step).copied());
    known.push(Timestamp::MAX);
    known
}

fuzz_target!(|ops: Vec<Op>| {
    if ops.len() > 40 {
        return;
    }
    let needs_disk = ops.iter().any(|o| matches!(o, Op::Reopen));
    let dir = if needs_disk {
        let shm = std::path::Path::new("/dev/shm");
        Some(if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("a temp dir"))
    } else {
        None
    };
    let config = || dir.as_ref().map_or_else(Config::in_memory, |d| Config::at(d.path()));
    let mut engine = Engine::open(config()).expect("the engine opens");
    // Every entity declared up front, so that most generated events are
    // valid and get stored; inline declarations later update them.
    let setup: Vec<String> = ENTITIES
        .iter()
        .map(|(id, ty)| format!(r#"{{"kind":"entity_declared","at":"2019","subject":{{"id":"{id}","type":"{ty}"}}}}"#))
        .collect();
    engine.append_text(&setup.join("\n"), None).expect("the entities are declared");
    let (mut ids, mut fresh) = (Vec::new(), 0u64);
    for op in &ops {
        let before = engine.head();
        match op {
            Op::Append(evs) => {
                if evs.is_empty() {
                    continue;
                }
                let text: Vec<String> = evs.iter().take(8).map(|e| line(e, &mut ids, &mut fresh)).collect();
                match engine.append_text(&text.join("\n"), None) {
                    Ok(o) => assert_eq!(engine.head().position, before.position + o.appended as u64),
                    Err(_) => assert_eq!(engine.head(), before, "a refused batch stored something"),
                }
            }
            Op::Retract(i) => {
                let Some(id) = (!ids.is_empty()).then(|| ids[*i as usize % ids.len()].clone()) else { continue };
                let id = EventId::parse(&id).expect("a uuid");
                match engine.retract(id, "fuzz", None, None) {
                    Ok(rec) => assert_eq!(rec.position, before.position + 1),
                    Err(_) => assert_eq!(engine.head(), before, "a refused retraction stored something"),
                }
            }
            Op::Reopen => {
                let known = known_times(&engine);
                let was = fingerprint(&engine, &known);
                drop(engine);
                engine = Engine::open(config()).expect("the store reopens");
                assert_eq!(engine.head(), before, "the reopened log differs");
                assert!(was == fingerprint(&engine, &known), "the projection rebuilt on reopen answers differently");
            }
        }
    }

    let log = export(&engine);
    let replay = Engine::open(Config::in_memory()).expect("an in-memory engine");
    replay.append_text(&log, None).unwrap_or_else(|e| panic!("the exported log does not import: {e}\n{log}"));
    assert!(export(&replay) == log, "the replayed log exports other bytes");
    let known = known_times(&engine);
    assert!(
        fingerprint(&engine, &known) == fingerprint(&replay, &known),
        "the projection differs from a replay of its log"
    );
});
