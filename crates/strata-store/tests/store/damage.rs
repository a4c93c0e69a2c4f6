//! Damaged files: whatever is flipped, cut or garbled, opening and reading
//! give an error or a prefix of the log, never a panic and never events that
//! were not written.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use strata_core::RecordedEvent;
use strata_store::{Error, Store};
use tempfile::TempDir;

use crate::{names_in, recorded, SAMPLE};

/// Copies sled's files (and `blobs/`) from one directory to another.
fn copy_store(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("blobs")).unwrap();
    for sub in ["", "blobs"] {
        for entry in std::fs::read_dir(from.join(sub)).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), to.join(sub).join(entry.file_name())).unwrap();
            }
        }
    }
}

/// Opens and reads everything; returns what was read, or the first error.
fn read_all(dir: &Path) -> Result<Vec<RecordedEvent>, Error> {
    catch_unwind(AssertUnwindSafe(|| Store::open(dir)?.scan(1).collect()))
        .unwrap_or_else(|_| panic!("reading {dir:?} panicked"))
}

enum Damage {
    /// Four bytes of the `db` file flipped at an offset.
    Flip(u64),
    /// The `db` file cut to a length.
    Truncate(u64),
    GarbleConf,
    GarbleSnapshots,
}

impl Damage {
    fn apply(&self, dir: &Path) {
        let db = dir.join("db");
        match self {
            Damage::Flip(offset) => {
                let mut bytes = std::fs::read(&db).unwrap();
                let at = (*offset as usize).min(bytes.len().saturating_sub(4));
                for b in &mut bytes[at..at + 4] {
                    *b ^= 0x5a;
                }
                std::fs::write(&db, bytes).unwrap();
            }
            Damage::Truncate(len) => std::fs::OpenOptions::new().write(true).open(&db).unwrap().set_len(*len).unwrap(),
            Damage::GarbleConf => std::fs::write(dir.join("conf"), [0xab; 40]).unwrap(),
            Damage::GarbleSnapshots => {
                for name in names_in(dir).iter().filter(|n| n.starts_with("snap.")) {
                    std::fs::write(dir.join(name), [0xee; 64]).unwrap();
                }
            }
        }
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Flip(offset) => write!(f, "db flipped at {offset}"),
            Damage::Truncate(len) => write!(f, "db cut to {len} bytes"),
            Damage::GarbleConf => f.write_str("conf garbled"),
            Damage::GarbleSnapshots => f.write_str("snapshots garbled"),
        }
    }
}

#[test]
fn damaged_files_give_an_error_never_a_panic() {
    // Half the log before a reopen (when sled writes a snapshot), half after.
    let base = TempDir::new().unwrap();
    let mut events = Vec::new();
    let mut before_reopen = 0;
    for _ in 0..2 {
        let store = Store::open(base.path()).unwrap();
        before_reopen = events.len();
        for _ in 0..6 {
            let head = store.head().position;
            let batch: Vec<_> = (1..=5).map(|i| recorded(head + i, SAMPLE[i as usize - 1])).collect();
            store.append(&batch).unwrap();
            events.extend(batch);
        }
    }
    let copy = TempDir::new().unwrap();
    copy_store(base.path(), copy.path());
    assert_eq!(read_all(copy.path()).unwrap(), events, "an undamaged copy reads back");

    // Damage the part of sled's 512 KiB segment that holds data.
    let db = std::fs::read(base.path().join("db")).unwrap();
    let used = db.iter().rposition(|b| *b != 0).unwrap_or(0) as u64;
    let damages = (0..24u64).map(|i| Damage::Flip(i * used / 24 + 13)).chain([
        Damage::Truncate(used / 2),
        Damage::GarbleConf,
        Damage::GarbleSnapshots,
    ]);
    let mut outcomes = Vec::new();
    for damage in damages {
        let tmp = TempDir::new().unwrap();
        copy_store(base.path(), tmp.path());
        damage.apply(tmp.path());
        match read_all(tmp.path()) {
            Err(e) => outcomes.push(format!("{damage}: {e}")),
            // sled takes a damaged record after its last snapshot (written
            // when the store was last opened) for a torn write, and drops it
            // and everything after without a word. What is left must be a
            // prefix of the log that keeps everything from before that open.
            Ok(read) => {
                assert!(events.starts_with(&read), "{damage}: read events that were never written");
                assert!(read.len() >= before_reopen, "{damage}: lost events from before the last open");
                outcomes.push(format!("{damage}: read {} of {} events", read.len(), events.len()));
            }
        }
    }
    eprintln!("{}", outcomes.join("\n"));
}

#[test]
fn a_log_unreadable_from_its_start_is_not_taken_for_a_new_store() {
    let tmp = TempDir::new().unwrap();
    {
        let db = crate::raw_sled(tmp.path());
        for i in 0..100u32 {
            db.insert(i.to_be_bytes(), vec![7; 100]).unwrap();
        }
        db.flush().unwrap();
    }
    // Without a snapshot, sled reads damage at the start of its log as an
    // empty database; the store must not quietly start over in it.
    Damage::Flip(0).apply(tmp.path());
    assert_eq!(crate::raw_sled(tmp.path()).len(), 0, "sled sees an empty database");
    let err = catch_unwind(|| Store::open(tmp.path())).unwrap().err().unwrap();
    assert!(matches!(err, Error::Corruption { .. }), "{err:?}");
    assert!(err.to_string().contains("holds no records"), "{err}");
}

#[test]
fn a_creation_that_stopped_before_the_first_record_is_finished() {
    let tmp = TempDir::new().unwrap();
    drop(crate::raw_sled(tmp.path()));
    let store = Store::open(tmp.path()).unwrap();
    assert!(store.is_empty());
    store.append(&crate::sample_from(1)).unwrap();
}
