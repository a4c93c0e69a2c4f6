//! The store on disk: it survives reopening and being killed, holds its
//! directory against a second opener, and refuses directories that are
//! foreign, newer or damaged with an error instead of a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use strata_core::RecordedEvent;
use strata_store::{Error, Head, Store};
use tempfile::TempDir;

use crate::{all, names_in, recorded, sample_from, time_of, SAMPLE};

/// Writes raw key/value pairs with sled itself, as a damaged or foreign store would hold.
fn poke(dir: &Path, writes: &[(&[u8], Option<&[u8]>)]) {
    let db = crate::raw_sled(dir);
    for (k, v) in writes {
        match v {
            Some(v) => db.insert(k, *v).unwrap(),
            None => db.remove(k).unwrap(),
        };
    }
    db.flush().unwrap();
}

fn log_key(position: u64) -> Vec<u8> {
    let mut k = b"L".to_vec();
    k.extend_from_slice(&position.to_be_bytes());
    k
}

/// Opens without letting a panic escape: a panic fails the test with a message.
fn open_no_panic(dir: &Path) -> Result<Store, Error> {
    catch_unwind(AssertUnwindSafe(|| Store::open(dir))).unwrap_or_else(|_| panic!("opening {dir:?} panicked"))
}

/// The sample appended one event per batch, so each event is a chunk of its own.
fn store_with_sample(dir: &Path) -> Vec<RecordedEvent> {
    let events = sample_from(1);
    let store = Store::open(dir).unwrap();
    for e in &events {
        store.append(std::slice::from_ref(e)).unwrap();
    }
    events
}

#[test]
fn a_reopened_store_has_everything() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("nested").join("data");
    let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/h200-china.ndjson"))
        .unwrap_or_else(|_| SAMPLE.join("\n"));
    let events: Vec<_> = seed.lines().filter(|l| !l.trim().is_empty()).zip(1..).map(|(l, p)| recorded(p, l)).collect();
    let (first, rest) = events.split_at(events.len() / 2);
    {
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.dir(), Some(dir.as_path()));
        store.append(first).unwrap();
        store.append(rest).unwrap();
    }
    let store = Store::open(&dir).unwrap();
    let n = events.len() as u64;
    assert_eq!(store.head(), Head { position: n, recorded_at: Some(time_of(n)) });
    assert_eq!(all(&store), events);
    let exported: Vec<_> = all(&store).iter().map(strata_core::to_line).collect();
    assert_eq!(exported, events.iter().map(strata_core::to_line).collect::<Vec<_>>());
    for e in &events {
        assert_eq!(store.position_of(e.event.id).unwrap(), Some(e.position));
        for r in e.event.refs() {
            assert!(store.entity_positions(&r.id).unwrap().contains(&e.position));
        }
    }
    assert!(store.size_on_disk().unwrap() > 0);

    // Appending continues after a reopen, and that survives another.
    let more = recorded(n + 1, SAMPLE[4]);
    store.append(std::slice::from_ref(&more)).unwrap();
    drop(store);
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.get(n + 1).unwrap(), Some(more));
    assert_eq!(store.head().recorded_at, Some(time_of(n + 1)));
}

#[test]
fn a_second_open_of_the_same_directory_is_locked() {
    let tmp = TempDir::new().unwrap();
    let first = Store::open(tmp.path()).unwrap();
    let err = Store::open(tmp.path()).err().unwrap();
    assert!(matches!(&err, Error::Locked { path } if path == tmp.path()), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("in use by another strata process"), "{msg}");
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    drop(first);
    Store::open(tmp.path()).unwrap();
}

#[test]
fn a_directory_of_other_files_is_foreign_and_left_untouched() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "my notes").unwrap();
    std::fs::create_dir(tmp.path().join("photos")).unwrap();
    let err = open_no_panic(tmp.path()).err().unwrap();
    assert!(matches!(err, Error::Foreign { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("not a strata store") && msg.contains("notes.txt"), "{msg}");
    assert_eq!(names_in(tmp.path()), ["notes.txt", "photos"], "nothing was written there");

    let file = tmp.path().join("notes.txt");
    assert!(matches!(open_no_panic(&file), Err(Error::Foreign { .. })));
}

#[test]
fn a_sled_database_strata_did_not_write_is_foreign() {
    let tmp = TempDir::new().unwrap();
    poke(tmp.path(), &[(b"hello", Some(b"world"))]);
    let err = open_no_panic(tmp.path()).err().unwrap();
    assert!(matches!(err, Error::Foreign { .. }), "{err:?}");
    assert!(err.to_string().contains("did not write"), "{err}");
}

#[test]
fn a_store_of_a_newer_format_is_refused() {
    let tmp = TempDir::new().unwrap();
    store_with_sample(tmp.path());
    poke(tmp.path(), &[(b"Mformat", Some(b"strata-log/99"))]);
    let err = open_no_panic(tmp.path()).err().unwrap();
    match &err {
        Error::NewerFormat { found, supported, .. } => {
            assert_eq!((found.as_str(), supported.as_str()), ("strata-log/99", "strata-log/2"));
        }
        other => panic!("expected NewerFormat, got {other:?}"),
    }
    assert!(err.to_string().contains("upgrade strata"), "{err}");

    poke(tmp.path(), &[(b"Mformat", Some(b"something-else/2"))]);
    assert!(matches!(open_no_panic(tmp.path()), Err(Error::Foreign { .. })));
}

fn corruption(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(e @ Error::Corruption { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("restore it from an export"), "{msg}");
            msg
        }
        other => panic!("expected Corruption, got {other:?}"),
    }
}

#[test]
fn a_garbled_record_is_corruption_not_a_panic() {
    let tmp = TempDir::new().unwrap();
    let events = store_with_sample(tmp.path());
    poke(tmp.path(), &[(&log_key(2), Some(&[1, 0xff, 0xff, 0xff, 0x07, 0x42]))]);

    let store = open_no_panic(tmp.path()).unwrap();
    assert!(corruption(store.get(2)).contains("position 2"));
    let mut scan = store.scan(1);
    assert_eq!(scan.next().unwrap().unwrap(), events[0]);
    corruption(scan.next().unwrap());
    assert!(scan.next().is_none(), "a scan stops at the damage");
    assert_eq!(store.get(3).unwrap().as_ref(), Some(&events[2]));
    drop(scan);
    drop(store);

    // The last record is read on open, so damage there stops the open.
    poke(tmp.path(), &[(&log_key(5), Some(b"\x01garbage"))]);
    corruption(open_no_panic(tmp.path()));
}

#[test]
fn a_missing_record_or_a_wrong_head_is_corruption() {
    let tmp = TempDir::new().unwrap();
    let events = store_with_sample(tmp.path());
    poke(tmp.path(), &[(&log_key(3), None)]);
    let store = open_no_panic(tmp.path()).unwrap();
    assert!(corruption(store.get(3)).contains("missing"));
    let mut scan = store.scan(1);
    assert_eq!(scan.next().unwrap().unwrap(), events[0]);
    assert_eq!(scan.next().unwrap().unwrap(), events[1]);
    assert!(corruption(scan.next().unwrap()).contains("position 3 is missing"));
    drop(scan);
    drop(store);

    let mut head = 7u64.to_be_bytes().to_vec();
    head.extend_from_slice(&time_of(7).0.to_be_bytes());
    poke(tmp.path(), &[(b"Mhead", Some(&head))]);
    assert!(corruption(open_no_panic(tmp.path())).contains("head"));
}

#[test]
fn an_event_larger_than_a_sled_page_survives_reopen() {
    // sled keeps values above ~128 KiB in files of their own under blobs/.
    let tmp = TempDir::new().unwrap();
    let quote = "x".repeat(300_000);
    let line = format!(
        r#"{{"kind":"statement_made","at":"2026","subject":{{"id":"nvidia","type":"actor"}},"attrs":{{"quote":"{quote}"}}}}"#
    );
    let big = recorded(1, &line);
    Store::open(tmp.path()).unwrap().append(std::slice::from_ref(&big)).unwrap();
    let store = Store::open(tmp.path()).unwrap();
    assert_eq!(store.get(1).unwrap(), Some(big));
    assert!(store.size_on_disk().unwrap() > 300_000);
}

#[test]
fn a_log_that_lost_acknowledged_events_is_corruption_not_a_shorter_log() {
    // What sled does with damage after its last snapshot: the end of the
    // log is gone, and what is left reads as a valid, shorter log.
    let tmp = TempDir::new().unwrap();
    store_with_sample(tmp.path());
    let mut head = 4u64.to_be_bytes().to_vec();
    head.extend_from_slice(&time_of(4).0.to_be_bytes());
    poke(tmp.path(), &[(&log_key(5), None), (b"Mhead", Some(&head))]);
    let msg = corruption(open_no_panic(tmp.path()));
    assert!(msg.contains("ends at position 4, but 5 events were acknowledged"), "{msg}");
    assert!(msg.contains(&tmp.path().display().to_string()), "the error names the directory: {msg}");

    // Without its head file the store cannot tell, so it refuses to open.
    let tmp = TempDir::new().unwrap();
    store_with_sample(tmp.path());
    std::fs::remove_file(tmp.path().join("strata-head")).unwrap();
    assert!(corruption(open_no_panic(tmp.path())).contains("head file"));
}

#[test]
fn a_head_file_torn_in_one_copy_still_opens() {
    let tmp = TempDir::new().unwrap();
    let events = store_with_sample(tmp.path());
    let path = tmp.path().join("strata-head");
    let mut bytes = std::fs::read(&path).unwrap();
    // The newer copy of the five appends is in the first slot (the sixth write).
    bytes[20] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let store = open_no_panic(tmp.path()).unwrap();
    assert_eq!(all(&store), events);
    for b in &mut bytes[64..] {
        *b = 0;
    }
    std::fs::write(&path, &bytes).unwrap();
    drop(store);
    assert!(corruption(open_no_panic(tmp.path())).contains("head file"));
}

#[test]
fn a_store_of_the_older_format_is_refused_with_what_to_do() {
    let tmp = TempDir::new().unwrap();
    poke(tmp.path(), &[(b"Mformat", Some(b"strata-log/1")), (b"L\0\0\0\0\0\0\0\x01", Some(b"\x01"))]);
    let err = open_no_panic(tmp.path()).err().unwrap();
    assert!(matches!(err, Error::Foreign { .. }), "{err:?}");
    assert!(err.to_string().contains("older strata in format strata-log/1"), "{err}");
    assert!(err.to_string().contains("export it"), "{err}");
}
