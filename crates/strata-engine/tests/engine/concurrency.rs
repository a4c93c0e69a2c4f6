//! Readers never see half a batch: while one thread appends batches, two
//! others take snapshots and check that each one stands at a batch boundary
//! and that every count it gives is the count of that boundary.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use strata_engine::{Config, Day, Direction, Engine, EntityId, Snapshot};

const BATCHES: u64 = 200;

/// Batch `i`. An even one declares a member, opens its membership of the hub
/// in 2021 and closes it in 2022 (three events, and no relation left open);
/// an odd one is a single event, a letter from the last member to the hub (a
/// mark, which stays).
fn batch(i: u64) -> String {
    if i % 2 == 0 {
        format!(
            r#"{{"kind":"entity_declared","at":"2020","subject":{{"id":"m{i}","type":"actor"}}}}
{{"kind":"membership_began","at":"2021","subject":"m{i}","object":"hub"}}
{{"kind":"membership_ended","at":"2022","subject":"m{i}","object":"hub"}}"#
        )
    } else {
        format!(r#"{{"kind":"letter_sent","at":"2021","subject":"m{}","object":"hub"}}"#, i - 1)
    }
}

/// What a snapshot at a batch boundary must count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    entities: u64,
    /// Relations with no asOf bound: the letters.
    open: u64,
    /// Relations reaching the hub as of 2021-06-01: memberships and letters.
    mid: u64,
}

/// The counts at every batch boundary, by position; the hub is at 1.
fn boundaries() -> BTreeMap<u64, Counts> {
    let mut at = BTreeMap::new();
    let (mut position, mut c) = (1, Counts { entities: 1, open: 0, mid: 0 });
    at.insert(position, c);
    for i in 0..BATCHES {
        if i % 2 == 0 {
            position += 3;
            c.entities += 1;
        } else {
            position += 1;
            c.open += 1;
        }
        c.mid += 1;
        at.insert(position, c);
    }
    at
}

/// Checks one snapshot; returns its position.
fn check(snap: &Snapshot<'_>, expected: &BTreeMap<u64, Counts>, hub: &EntityId, mid: Day) -> u64 {
    let position = snap.position();
    let Some(want) = expected.get(&position) else { panic!("a snapshot at position {position} is inside a batch") };
    let stats = snap.stats(snap.known_at());
    assert_eq!(stats.events, position);
    let mid_count = snap.relations(hub, snap.filter(Some(mid), None), Direction::In, None).len() as u64;
    let open_count = snap.relations(hub, snap.filter(None, None), Direction::In, None).len() as u64;
    let got = Counts { entities: stats.entities, open: stats.relations, mid: mid_count };
    assert_eq!(got, *want, "counts at position {position}");
    assert_eq!(open_count, want.open, "relations of the hub with no asOf at position {position}");
    position
}

#[test]
fn snapshots_never_see_half_a_batch() {
    let engine = Engine::open(Config::in_memory()).unwrap();
    engine
        .append_text(r#"{"kind":"entity_declared","at":"2020","subject":{"id":"hub","type":"actor"}}"#, None)
        .unwrap();
    let expected = boundaries();
    let last = *expected.keys().next_back().unwrap();
    let hub: EntityId = "hub".parse().unwrap();
    let mid = Day::parse("2021-06-01").unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..BATCHES {
                let outcome = engine.append_text(&batch(i), None).unwrap();
                assert!(expected.contains_key(&outcome.position));
            }
            done.store(true, Ordering::Release);
        });
        for _ in 0..2 {
            s.spawn(|| {
                let mut seen = 0;
                loop {
                    // Read the flag first, so that the last round sees the last batch.
                    let finished = done.load(Ordering::Acquire);
                    let position = check(&engine.snapshot(), &expected, &hub, mid);
                    assert!(position >= seen, "snapshots went back from {seen} to {position}");
                    seen = position;
                    if finished {
                        break;
                    }
                }
                assert_eq!(seen, last, "the last snapshot sees every batch");
            });
        }
    });
}

#[test]
fn a_snapshot_keeps_its_view_while_appends_land() {
    let engine = Engine::open(Config::in_memory()).unwrap();
    engine
        .append_text(r#"{"kind":"entity_declared","at":"2020","subject":{"id":"hub","type":"actor"}}"#, None)
        .unwrap();
    let expected = boundaries();
    let hub: EntityId = "hub".parse().unwrap();
    let mid = Day::parse("2021-06-01").unwrap();
    engine.append_text(&batch(0), None).unwrap();
    let snap = engine.snapshot();
    for i in 1..5 {
        engine.append_text(&batch(i), None).unwrap();
    }
    assert_eq!(check(&snap, &expected, &hub, mid), 4);
    assert!(snap.event_at(5).unwrap().is_none(), "the snapshot does not see later events");
    assert_eq!(check(&engine.snapshot(), &expected, &hub, mid), 12);
}
