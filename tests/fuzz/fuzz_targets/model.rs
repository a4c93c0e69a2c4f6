//! Fuzz target, grammar-driven: the input's bytes are the decisions of the
//! event grammar generator (`strata_testkit::grammar`), so the fuzzer steers
//! which kinds, references, declarations, dates, closes, retractions,
//! retries and reopens it tries, and coverage guides it through the grammar.
//!
//! Properties: nothing panics; a batch or retraction the engine accepts
//! leaves a store that reopens and answers every question as before; one it
//! refuses leaves the log's bytes as they were and a store that opens; at
//! the end, the log exported and imported into an empty store gives the
//! same bytes and the same answers (entities, relations, histories,
//! neighborhoods, paths, diffs, stats) at several `knownAt` and `asOf`.

#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use strata_core::{to_line, EntityRef, EventId, Timestamp};
use strata_engine::{Config, Day, Direction, Engine, EntityId, NeighborhoodQuery, PathQuery, StatusSet, TimeFilter};
use strata_testkit::grammar::{ByteChoices, Grammar, Op};

/// Every id the log names.
fn ids(engine: &Engine) -> Vec<EntityId> {
    let ids: BTreeSet<EntityId> = engine
        .scan(1)
        .flat_map(|r| r.expect("the log reads back").event.refs().map(|x| x.id.clone()).collect::<Vec<_>>())
        .collect();
    ids.into_iter().collect()
}

/// Every answer the projection gives about the log's entities, as text.
fn fingerprint(engine: &Engine, known: &[Timestamp]) -> String {
    let snap = engine.snapshot();
    let days = [None, Some("2019-06-01"), Some("2020-07-01"), Some("2021-12-31")];
    let ids = ids(engine);
    let mut out = String::new();
    for &k in known {
        out.push_str(&format!("{k}: {:?}\n", snap.stats(k)));
        let (from, to) = (Day::parse("2019-06-01").expect("day"), Day::parse("2021-06-01").expect("day"));
        out.push_str(&format!("{:?}\n", snap.diff(from, to, k, StatusSet::ALL)));
        for d in days {
            // Every claim, so that expected and denied ones are compared too.
            let t = TimeFilter { as_of: d.map(|d| Day::parse(d).expect("day")), known_at: k, statuses: StatusSet::ALL };
            out.push_str(&format!("{:?}\n", snap.entities(None, None, t)));
            for id in &ids {
                out.push_str(&format!("{:?}\n{:?}\n", snap.relations(id, t, Direction::Both, None), snap.history(id, t)));
            }
            if let (Some(a), Some(b)) = (ids.first(), ids.last()) {
                out.push_str(&format!("{:?}\n", snap.neighborhood(a, NeighborhoodQuery { time: t, hops: 2, relations: None })));
                let q = PathQuery { time: t, max_hops: 4, relations: None, directed: false };
                out.push_str(&format!("{:?}\n{:?}\n", snap.path(a, b, q.clone()), snap.paths(b, a, q, 5)));
            }
        }
    }
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

/// Drops the engine, opens the store again and checks it answers as before.
fn reopen(engine: Engine, config: &dyn Fn() -> Config, what: &str) -> Engine {
    let known = known_times(&engine);
    let (log, was) = (export(&engine), fingerprint(&engine, &known));
    drop(engine);
    let engine = Engine::open(config()).unwrap_or_else(|e| panic!("the store does not reopen after {what}: {e}\n{log}"));
    assert!(export(&engine) == log, "the reopened log differs after {what}");
    assert!(was == fingerprint(&engine, &known), "the projection rebuilt on reopen answers differently after {what}");
    engine
}

fuzz_target!(|data: &[u8]| {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("a temp dir");
    let config = || Config::at(dir.path());
    let mut engine = Engine::open(config()).expect("the engine opens");
    let mut grammar = Grammar::new(&engine.vocabulary());
    let mut choices = ByteChoices::new(data);
    for _ in 0..40 {
        if choices.exhausted() {
            break;
        }
        let op = grammar.next(&mut choices);
        let before = export(&engine);
        let head = engine.head().position;
        let result = match &op {
            Op::Reopen => {
                engine = reopen(engine, &config, "a reopen");
                grammar.outcome(true);
                continue;
            }
            Op::Append { text, expected } => {
                let expected = expected.map(|d| (head as i64 + d).max(0) as u64);
                engine.append_text(text, expected).map(|_| ())
            }
            Op::Retract { target, by } => {
                let target = EventId::parse(target).expect("the grammar writes UUIDs");
                let by = by.as_ref().map(|b| EntityRef::by_id(b.parse().expect("the grammar writes slugs")));
                engine.retract(target, "fuzz", by, None).map(|_| ())
            }
        };
        grammar.outcome(result.is_ok());
        match result {
            Ok(()) => engine = reopen(engine, &config, &format!("an accepted {}", op.script())),
            Err(e) => {
                assert!(export(&engine) == before, "a refused operation changed the log: {e}\n{}", op.script());
                drop(engine);
                engine = Engine::open(config())
                    .unwrap_or_else(|e2| panic!("the store does not open after a refusal ({e}): {e2}\n{}", op.script()));
                assert!(export(&engine) == before, "a refused operation changed the log: {e}\n{}", op.script());
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
