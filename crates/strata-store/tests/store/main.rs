//! The event log as its users see it: what is appended reads back, what
//! does not continue the log is refused whole, and a data directory that is
//! locked, foreign, newer or damaged gives an error that says so.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "clippy.toml allows these in #[test] functions only; the helpers of a test binary are test code too"
)]

mod checkpoint;
mod crash;
mod damage;
mod disk;
mod jetstream;
mod log;
mod roundtrip;

use std::path::Path;

use strata_core::{parse_line, Location, RecordedEvent, Timestamp, Vocabulary};
use strata_store::Store;
use tempfile::TempDir;

/// The recorded time of the event at `position` in the test logs.
pub fn time_of(position: u64) -> Timestamp {
    Timestamp(1_769_600_000_000_000 + 1_000 * position as i64)
}

/// An event from an NDJSON line, recorded at `position`.
pub fn recorded(position: u64, line: &str) -> RecordedEvent {
    let parsed = parse_line(line, Location::Line(position as usize), &Vocabulary::builtin())
        .unwrap_or_else(|e| panic!("test line {position} does not parse: {e}"));
    RecordedEvent { position, recorded_at: time_of(position), event: parsed.event }
}

/// Five events: declarations, an approval about a chip, a letter that names
/// the same entity twice, a statement at instant precision.
pub const SAMPLE: [&str; 5] = [
    r#"{"kind":"entity_declared","at":"2025","subject":{"id":"cn-miit","type":"agency","name":"MIIT"}}"#,
    r#"{"kind":"entity_declared","at":"2025-04","subject":{"id":"bytedance","type":"actor","name":"ByteDance","country":"CN"},"attrs":{"note":{"founded":2012,"tags":["a",1.5,null]}}}"#,
    r#"{"kind":"approval_granted","at":"2026-Q1","subject":"cn-miit","object":"bytedance","about":[{"id":"nvidia-h200","type":"chip","name":"H200"}],"attrs":{"quantity":400000},"source":{"publisher":"Reuters","published":"2026-01-28"}}"#,
    r#"{"kind":"letter_sent","at":"2026-01-28","subject":"bytedance","object":"cn-miit","about":["nvidia-h200","bytedance"]}"#,
    r#"{"kind":"statement_made","at":"2026-02-03T09:30:00+08:00","subject":"cn-miit","object":"nvidia-h200"}"#,
];

/// The sample as recorded events at positions `first`, `first + 1`, ...
pub fn sample_from(first: u64) -> Vec<RecordedEvent> {
    SAMPLE.iter().zip(first..).map(|(line, p)| recorded(p, line)).collect()
}

/// Runs `check` on a memory store, on a fresh sled store and on a fresh
/// JetStream stream (of the one nats-server this test binary starts).
pub fn on_both(check: fn(&Store)) {
    check(&Store::memory());
    let dir = TempDir::new().unwrap();
    check(&Store::open(dir.path()).unwrap());
    let (store, _server) = jetstream::fresh_store();
    check(&store);
}

/// Every event of the store, in log order.
pub fn all(store: &Store) -> Vec<RecordedEvent> {
    store.scan(1).collect::<Result<_, _>>().unwrap()
}

/// sled itself, for writing what a foreign or damaged store would hold.
/// Retries while a just-dropped `Db` of this process still holds the lock
/// (sled releases it from a background thread).
pub fn raw_sled(dir: &Path) -> sled::Db {
    for _ in 0..200 {
        match sled::open(dir) {
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other.unwrap(),
        }
    }
    panic!("sled's lock on {dir:?} was never released");
}

/// The names in a directory, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}
