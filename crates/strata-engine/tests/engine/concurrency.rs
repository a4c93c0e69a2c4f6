//! Readers never see half a batch: while one thread appends batches, two
//! others take snapshots and check that every count each one gives is that
//! of a whole number of batches.

use std::sync::atomic::{AtomicBool, Ordering};

use strata_engine::{Config, Day, Direction, Engine, EntityId, Snapshot};

const BATCHES: u64 = 200;

/// Declares a member, opens its membership of the hub in 2021 and closes it
/// in 2022: after each whole batch no relation is open, and one more holds
/// as of 2021-06-01.
fn batch(i: u64) -> String {
    format!(
        r#"{{"kind":"entity_declared","at":"2020","subject":{{"id":"m{i}","type":"actor"}}}}
{{"kind":"membership_began","at":"2021","subject":"m{i}","object":"hub"}}
{{"kind":"membership_ended","at":"2022","subject":"m{i}","object":"hub"}}"#
    )
}

/// Checks one snapshot; returns its position.
fn check(snap: &Snapshot<'_>, hub: &EntityId, mid: Day) -> u64 {
    let position = snap.position();
    assert_eq!((position - 1) % 3, 0, "a snapshot at position {position} is inside a batch");
    let batches = (position - 1) / 3;
    let stats = snap.read(|g| g.stats(snap.known_at()));
    assert_eq!(stats.events, position);
    assert_eq!(stats.entities, 1 + batches, "entities at position {position}");
    assert_eq!(stats.relations, 0, "open relations at position {position}");
    let members = snap.read(|g| g.relations(hub, snap.filter(Some(mid), None), Direction::In, None));
    assert_eq!(members.len() as u64, batches, "members as of 2021-06-01 at position {position}");
    assert!(members.iter().all(|r| r.closed_by.is_some_and(|c| c <= position)));
    let open = snap.read(|g| g.relations(hub, snap.filter(None, None), Direction::In, None));
    assert!(open.is_empty(), "open memberships at position {position}: {open:?}");
    position
}

#[test]
fn snapshots_never_see_half_a_batch() {
    let engine = Engine::open(Config::in_memory()).unwrap();
    engine.append_text(r#"{"kind":"entity_declared","at":"2020","subject":{"id":"hub","type":"actor"}}"#, None).unwrap();
    let hub: EntityId = "hub".parse().unwrap();
    let mid = Day::parse("2021-06-01").unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..BATCHES {
                let outcome = engine.append_text(&batch(i), None).unwrap();
                assert_eq!(outcome.position, 1 + 3 * (i + 1));
            }
            done.store(true, Ordering::Release);
        });
        for _ in 0..2 {
            s.spawn(|| {
                let mut last = 0;
                let mut snapshots = 0u64;
                loop {
                    // Read the flag first, so the last round sees the last batch.
                    let finished = done.load(Ordering::Acquire);
                    let position = check(&engine.snapshot(), &hub, mid);
                    assert!(position >= last, "snapshots went back from {last} to {position}");
                    last = position;
                    snapshots += 1;
                    if finished {
                        break;
                    }
                }
                assert_eq!(last, 1 + 3 * BATCHES, "the last snapshot sees every batch");
                assert!(snapshots >= 1);
            });
        }
    });
}

#[test]
fn a_snapshot_keeps_its_view_while_appends_land() {
    let engine = Engine::open(Config::in_memory()).unwrap();
    engine.append_text(r#"{"kind":"entity_declared","at":"2020","subject":{"id":"hub","type":"actor"}}"#, None).unwrap();
    engine.append_text(&batch(0), None).unwrap();
    let hub: EntityId = "hub".parse().unwrap();
    let mid = Day::parse("2021-06-01").unwrap();
    let snap = engine.snapshot();
    for i in 1..5 {
        engine.append_text(&batch(i), None).unwrap();
    }
    assert_eq!(check(&snap, &hub, mid), 4);
    assert!(snap.event_at(5).unwrap().is_none(), "the snapshot does not see later events");
    assert_eq!(check(&engine.snapshot(), &hub, mid), 16);
}
