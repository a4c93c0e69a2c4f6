//! The log's contract on both backends: reads return what was appended, and
//! a batch that does not continue the log is refused whole.

use strata_core::{EntityId, EventId};
use strata_store::{Error, Head, Store};

use crate::{all, on_both, recorded, sample_from, time_of};

fn entity(id: &str) -> EntityId {
    EntityId::parse(id).unwrap()
}

/// The state a refused batch must leave untouched.
fn snapshot(store: &Store) -> (Head, Vec<strata_core::RecordedEvent>, Vec<u64>) {
    (store.head(), all(store), store.entity_positions(&entity("cn-miit")).unwrap())
}

fn reads_return_what_was_appended(store: &Store) {
    assert!(store.is_empty());
    assert_eq!(store.head(), Head { position: 0, recorded_at: None });
    let events = sample_from(1);
    store.append(&events[..2]).unwrap();
    store.append(&events[2..]).unwrap();

    assert_eq!(store.len(), 5);
    assert_eq!(store.head(), Head { position: 5, recorded_at: Some(time_of(5)) });
    assert_eq!(all(store), events);
    for e in &events {
        assert_eq!(store.get(e.position).unwrap().as_ref(), Some(e));
        assert_eq!(store.position_of(e.event.id).unwrap(), Some(e.position));
    }
    assert_eq!(store.get(0).unwrap(), None);
    assert_eq!(store.get(6).unwrap(), None);
    assert_eq!(store.position_of(EventId::new_v7()).unwrap(), None);

    let from_three: Vec<_> = store.scan(3).collect::<Result<_, _>>().unwrap();
    assert_eq!(from_three, events[2..]);
    assert_eq!(store.scan(0).count(), 5, "scan(0) starts at the first position");
    assert_eq!(store.scan(6).count(), 0);
    assert_eq!(store.scan(u64::MAX).count(), 0);

    // Subject, object and about all count; an entity named twice in one
    // event (subject and about of the letter) is listed once.
    assert_eq!(store.entity_positions(&entity("cn-miit")).unwrap(), [1, 3, 4, 5]);
    assert_eq!(store.entity_positions(&entity("bytedance")).unwrap(), [2, 3, 4]);
    assert_eq!(store.entity_positions(&entity("nvidia-h200")).unwrap(), [3, 4, 5]);
    assert_eq!(store.entity_positions(&entity("nvidia")).unwrap(), [] as [u64; 0], "a prefix of an id is not that id");
    assert_eq!(store.entity_positions(&entity("cn")).unwrap(), [] as [u64; 0]);
}

#[test]
fn appended_events_read_back() {
    on_both(reads_return_what_was_appended);
}

fn wrong_positions_conflict(store: &Store) {
    store.append(&sample_from(1)[..2]).unwrap();
    let before = snapshot(store);

    let skip = sample_from(4);
    match store.append(&skip[..1]) {
        Err(Error::Conflict { expected: 3, actual: 4 }) => {}
        other => panic!("a batch starting at 4 after 2 must conflict, got {other:?}"),
    }
    let again = sample_from(2);
    assert!(matches!(store.append(&again[..1]), Err(Error::Conflict { expected: 3, actual: 2 })));

    // A gap inside the batch refuses all of it, the good first event too.
    let mut gap = sample_from(3);
    gap.remove(1);
    let err = store.append(&gap).unwrap_err();
    assert!(matches!(err, Error::Conflict { expected: 4, actual: 5 }), "{err:?}");
    assert!(err.to_string().contains("next position is 4"), "{err}");

    assert_eq!(snapshot(store), before, "a refused batch stores nothing");
    assert_eq!(store.position_of(gap[0].event.id).unwrap(), None);
    store.append(&sample_from(3)).unwrap();
    assert_eq!(store.len(), 7);
}

#[test]
fn a_batch_that_does_not_continue_the_log_is_a_conflict_and_stores_nothing() {
    on_both(wrong_positions_conflict);
}

fn recorded_time_increases(store: &Store) {
    store.append(&sample_from(1)[..2]).unwrap();
    let before = snapshot(store);

    let mut same_time = sample_from(3);
    same_time[0].recorded_at = time_of(2);
    let err = store.append(&same_time).unwrap_err();
    assert!(matches!(err, Error::Other(_)), "{err:?}");
    assert!(err.to_string().contains("strictly increase"), "{err}");

    let mut backwards = sample_from(3);
    backwards[2].recorded_at = backwards[1].recorded_at;
    let err = store.append(&backwards).unwrap_err();
    assert!(err.to_string().contains("position 5"), "{err}");

    assert_eq!(snapshot(store), before, "a refused batch stores nothing");
}

#[test]
fn recorded_time_must_increase_and_a_refused_batch_stores_nothing() {
    on_both(recorded_time_increases);
}

fn stored_ids_refused(store: &Store) {
    let first = recorded(1, crate::SAMPLE[0]);
    store.append(std::slice::from_ref(&first)).unwrap();
    let mut dup = recorded(2, crate::SAMPLE[1]);
    dup.event.id = first.event.id;
    let err = store.append(&[dup.clone()]).unwrap_err();
    assert!(err.to_string().contains("already stored at position 1"), "{err}");

    let mut twice = sample_from(2)[..2].to_vec();
    twice[1].event.id = twice[0].event.id;
    let err = store.append(&twice).unwrap_err();
    assert!(err.to_string().contains("twice in the batch"), "{err}");
    assert_eq!(store.len(), 1);
}

#[test]
fn an_event_id_already_stored_is_refused() {
    on_both(stored_ids_refused);
}

fn empty_batch(store: &Store) {
    store.append(&[]).unwrap();
    assert_eq!(store.head(), Head::default());
    store.append(&sample_from(1)).unwrap();
    store.append(&[]).unwrap();
    assert_eq!(store.len(), 5);
}

#[test]
fn an_empty_batch_changes_nothing() {
    on_both(empty_batch);
}

/// Writers that race on the head: every event lands exactly once, in order.
fn racing_writers(store: &Store) {
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..10 {
                    loop {
                        let head = store.head();
                        let line = crate::SAMPLE[(head.position % 5) as usize];
                        match store.append(&[recorded(head.position + 1, line)]) {
                            Ok(()) => break,
                            Err(Error::Conflict { .. }) => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            });
        }
    });
    let events = all(store);
    assert_eq!(events.len(), 40);
    assert!(events.iter().zip(1..).all(|(e, p)| e.position == p));
}

#[test]
fn concurrent_appends_serialize() {
    fn assert_shareable<T: Send + Sync>() {}
    assert_shareable::<Store>();
    on_both(racing_writers);
}

/// A batch bigger than a chunk: every position reads back, by get, by scan
/// from any point, and by id, across chunk boundaries and later batches.
fn many_chunks(store: &Store) {
    let n = 3000u64;
    let batch: Vec<_> = (1..=n).map(|p| recorded(p, crate::SAMPLE[(p % 5) as usize])).collect();
    store.append(&batch).unwrap();
    let more: Vec<_> = (n + 1..=n + 7).map(|p| recorded(p, crate::SAMPLE[(p % 5) as usize])).collect();
    store.append(&more).unwrap();
    let all: Vec<_> = batch.iter().chain(&more).cloned().collect();
    assert_eq!(crate::all(store), all);
    for p in [1, 2, 511, 512, 513, 1000, 2047, 2999, 3000, 3001, 3007] {
        assert_eq!(store.get(p).unwrap().as_ref(), Some(&all[p as usize - 1]), "get({p})");
        let tail: Vec<_> = store.scan(p).collect::<Result<_, _>>().unwrap();
        assert_eq!(tail, all[p as usize - 1..], "scan({p})");
        assert_eq!(store.position_of(all[p as usize - 1].event.id).unwrap(), Some(p));
    }
    assert_eq!(store.get(n + 8).unwrap(), None);
}

#[test]
fn batches_larger_than_a_chunk_read_back() {
    on_both(many_chunks);
}

fn prepared_apart(store: &Store) {
    let batch = sample_from(1);
    let prepared = Store::prepare(&batch).unwrap();
    // Chunks encoded from another batch (here: one event fewer) are refused.
    let other = Store::prepare(&batch[..4]).unwrap();
    let before = snapshot(store);
    assert!(matches!(store.append_prepared(&batch, other), Err(Error::Other(_))));
    assert_eq!(snapshot(store), before, "a refused batch stores nothing");
    // Prepared chunks go through the same checks as `append`.
    let late = sample_from(2);
    let prepared_late = Store::prepare(&late).unwrap();
    assert!(matches!(store.append_prepared(&late, prepared_late), Err(Error::Conflict { .. })));
    assert_eq!(snapshot(store), before);
    store.append_prepared(&batch, prepared).unwrap();
    assert_eq!(all(store), batch);
    assert_eq!(store.head(), Head { position: 5, recorded_at: Some(time_of(5)) });
}

#[test]
fn a_batch_prepared_apart_appends_like_any_other_and_only_with_its_own_events() {
    on_both(prepared_apart);
}

fn large_batch(store: &Store) {
    // Enough events for the encoding to be spread over threads and cut into
    // several chunks; every event reads back at its position.
    let batch: Vec<_> = (1..=9000u64)
        .map(|p| {
            let mut r = recorded(p, crate::SAMPLE[(p % 5) as usize]);
            r.event.id = EventId::new_v7();
            r
        })
        .collect();
    store.append(&batch).unwrap();
    assert_eq!(all(store), batch);
    for p in [1, 4096, 4500, 4501, 9000] {
        assert_eq!(store.get(p).unwrap().as_ref(), batch.get(p as usize - 1));
    }
}

#[test]
fn a_large_batch_encoded_on_several_threads_reads_back_in_order() {
    on_both(large_batch);
}
