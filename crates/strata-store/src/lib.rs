//! strata's append-only event log, durable in sled; the only crate that knows sled.
//!
//! A [`Store`] holds [`RecordedEvent`]s at positions 1, 2, 3, ... with
//! strictly increasing recorded times, an index from event id to position,
//! and an index from entity to the positions of the events that mention it.
//! It checks that a batch continues the log; what an event means is the
//! graph's business, not the store's.
//!
//! ```
//! use strata_core::{parse_line, Location, RecordedEvent, Timestamp, Vocabulary};
//! use strata_store::Store;
//!
//! let line = r#"{"kind":"entity_declared","at":"2025","subject":{"id":"acme","type":"actor","name":"Acme"}}"#;
//! let event = parse_line(line, Location::Line(1), &Vocabulary::builtin())?.event;
//! let store = Store::memory();
//! store.append(&[RecordedEvent { position: 1, recorded_at: Timestamp(1), event }])?;
//! assert_eq!(store.head().position, 1);
//! assert_eq!(store.entity_positions(&"acme".parse()?)?, [1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backend;
mod codec;
mod durable;
mod error;
mod keys;
mod open;
mod read;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use parking_lot::{Mutex, RwLock};
use strata_core::{EntityId, EventId, RecordedEvent, Timestamp};

use crate::backend::Backend;
pub use crate::error::Error;
use crate::keys::{FORMAT, FORMAT_FAMILY, FORMAT_KEY, HEAD_KEY};

/// The end of the log: its last position and that event's recorded time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Head {
    /// The last position; 0 for an empty log.
    pub position: u64,
    /// The recorded time of the last event; `None` for an empty log.
    pub recorded_at: Option<Timestamp>,
}

/// The writer's state; its lock is held for a whole append.
struct Writer {
    head: Head,
    /// Set when a write failed after sled may have taken part of it: the
    /// store no longer knows what is on disk, so it refuses further writes.
    failed: Option<String>,
}

/// The event log: on disk with sled, or in memory for tests.
///
/// One process may open a data directory at a time. Reads and writes may
/// come from any number of threads; appends are serialized.
pub struct Store {
    inner: Backend,
    writer: Mutex<Writer>,
    /// The head as readers see it: the last acknowledged append.
    head: RwLock<Head>,
}

impl Store {
    /// Opens the store in `dir`, creating the directory and the store if the
    /// directory is missing or empty.
    ///
    /// Fails with [`Error::Locked`] if another process has it open,
    /// [`Error::Foreign`] if it holds something else, [`Error::NewerFormat`]
    /// if a newer strata wrote it, and [`Error::Corruption`] if its files
    /// cannot be read back.
    pub fn open(dir: &Path) -> Result<Store, Error> {
        let opened = open::open_sled(dir)?;
        tracing::debug!(dir = %dir.display(), "opened the event log");
        Store::start(Backend::Sled(opened.sled), opened.may_create)
    }

    /// A new, empty store in memory.
    pub fn memory() -> Store {
        let inner = Backend::Memory(Mutex::new(BTreeMap::new()));
        let head = Head::default();
        let store = Store { inner, writer: Mutex::new(Writer { head, failed: None }), head: RwLock::new(head) };
        // Writing to a map cannot fail.
        let _ = store.inner.apply(vec![(FORMAT_KEY.to_vec(), FORMAT.as_bytes().to_vec())]);
        store
    }

    fn start(inner: Backend, may_create: bool) -> Result<Store, Error> {
        check_format(&inner, may_create)?;
        let head = read::head_on_open(&inner)?;
        Ok(Store { inner, writer: Mutex::new(Writer { head, failed: None }), head: RwLock::new(head) })
    }

    /// The end of the log, as of the last acknowledged append.
    pub fn head(&self) -> Head {
        *self.head.read()
    }

    /// The number of events in the log (positions count from 1).
    pub fn len(&self) -> u64 {
        self.head().position
    }

    /// Whether the log has no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The data directory, for a store on disk.
    pub fn dir(&self) -> Option<&Path> {
        self.inner.dir()
    }

    /// The bytes the store's files take on disk (0 for a memory store).
    pub fn size_on_disk(&self) -> Result<u64, Error> {
        match self.inner.dir() {
            Some(dir) => open::size_of_dir(dir),
            None => Ok(0),
        }
    }

    /// Appends a batch atomically and durably.
    ///
    /// `events` must continue the log: positions head+1, head+2, ... and
    /// recorded times strictly increasing and after the head's; otherwise
    /// [`Error::Conflict`] (wrong position) or [`Error::Other`] (recorded
    /// time, or an event id already stored) is returned and nothing is
    /// written. An empty batch is a no-op.
    ///
    /// **Acknowledged means on disk.** The whole batch, its index entries and
    /// the new head go to sled as one `sled::Batch`, so after a crash either
    /// all of it is there or none. Before returning `Ok`, the store flushes
    /// sled and then `fsync`s sled's log file (and any new blob file and its
    /// directory) itself, because sled 0.34.7's flush uses `sync_file_range`
    /// on Linux, which persists neither a grown file's size nor the disk's
    /// write cache. Readers see the batch only once it is durable. If the
    /// write or the sync fails, the store refuses further appends until
    /// reopened, since it can no longer say what reached the disk.
    pub fn append(&self, events: &[RecordedEvent]) -> Result<(), Error> {
        let mut writer = self.writer.lock();
        if let Some(why) = &writer.failed {
            return Err(Error::Other(format!(
                "an earlier write to the log failed ({why}); reopen the store to see what was stored"
            )));
        }
        let Some(last) = events.last() else {
            return Ok(());
        };
        let writes = self.batch_writes(writer.head, events)?;
        if let Err(e) = self.inner.apply(writes) {
            writer.failed = Some(e.to_string());
            return Err(e);
        }
        let head = Head { position: last.position, recorded_at: Some(last.recorded_at) };
        writer.head = head;
        *self.head.write() = head;
        Ok(())
    }

    /// Checks a batch against the head and builds its writes.
    fn batch_writes(&self, head: Head, events: &[RecordedEvent]) -> Result<Vec<backend::Entry>, Error> {
        let mut expected = head.position;
        let mut previous = head.recorded_at;
        let mut ids = HashSet::with_capacity(events.len());
        let mut writes = Vec::with_capacity(events.len() * 4 + 1);
        for r in events {
            expected = expected.checked_add(1).ok_or_else(|| Error::Other("the log is full".into()))?;
            if r.position != expected {
                return Err(Error::Conflict { expected, actual: r.position });
            }
            if let Some(previous) = previous.filter(|p| r.recorded_at <= *p) {
                return Err(Error::Other(format!(
                    "event {} at position {}: its recorded time {} is not after {}, the one before it; \
                     recorded time must strictly increase with position",
                    r.event.id, r.position, r.recorded_at, previous
                )));
            }
            previous = Some(r.recorded_at);
            if !ids.insert(r.event.id) {
                return Err(Error::Other(format!("event id {} appears twice in the batch", r.event.id)));
            }
            if let Some(p) = self.stored_position(r.event.id)? {
                return Err(Error::Other(format!("event id {} is already stored at position {p}", r.event.id)));
            }
            let bytes = codec::encode(r).map_err(|e| Error::Other(format!("event {}: {e}", r.event.id)))?;
            writes.push((keys::log_key(r.position).to_vec(), bytes));
            writes.push((keys::id_key(r.event.id).to_vec(), keys::position_value(r.position).to_vec()));
            let mut mentioned: Vec<&EntityId> = Vec::new();
            for entity in r.event.refs() {
                if !mentioned.contains(&&entity.id) {
                    mentioned.push(&entity.id);
                    writes.push((keys::entity_key(&entity.id, r.position), Vec::new()));
                }
            }
        }
        if let Some(last) = events.last() {
            writes.push((HEAD_KEY.to_vec(), keys::head_value(last.position, last.recorded_at).to_vec()));
        }
        Ok(writes)
    }

    /// The event at `position`, if the log has one there.
    pub fn get(&self, position: u64) -> Result<Option<RecordedEvent>, Error> {
        let head = self.head();
        if position == 0 || position > head.position {
            return Ok(None);
        }
        match self.inner.get(&keys::log_key(position))? {
            Some(bytes) => self.decode(&bytes, position).map(Some),
            None => Err(self.corrupt(format!("position {position} is missing from the log, which ends at {}", head.position))),
        }
    }

    /// The position of the event with id `id`, if it is stored.
    pub fn position_of(&self, id: EventId) -> Result<Option<u64>, Error> {
        let head = self.head().position;
        Ok(self.stored_position(id)?.filter(|p| *p <= head))
    }

    /// The position under the id index, including a write in progress.
    fn stored_position(&self, id: EventId) -> Result<Option<u64>, Error> {
        match self.inner.get(&keys::id_key(id))? {
            None => Ok(None),
            Some(v) => match keys::position_of_value(&v) {
                Some(p) => Ok(Some(p)),
                None => Err(self.corrupt(format!("the index entry of event {id} is not a position"))),
            },
        }
    }

    /// The events at positions `from_position` and later, in log order, up to
    /// the head as it was when the scan began.
    pub fn scan(&self, from_position: u64) -> impl Iterator<Item = Result<RecordedEvent, Error>> + '_ {
        read::Scan::new(self, from_position.max(1), self.head().position)
    }

    /// The positions of the events that mention the entity (as subject,
    /// object or about), ascending; read from an index, not the log.
    pub fn entity_positions(&self, id: &EntityId) -> Result<Vec<u64>, Error> {
        let head = self.head().position;
        let prefix = keys::entity_prefix(id);
        let mut out = Vec::new();
        for entry in self.inner.range(prefix.clone(), keys::prefix_end(&prefix)) {
            let (key, _) = entry?;
            let position = keys::entity_key_position(&key, prefix.len())
                .ok_or_else(|| self.corrupt(format!("an index entry of entity {id} is malformed")))?;
            if position > head {
                break;
            }
            out.push(position);
        }
        Ok(out)
    }

    fn decode(&self, bytes: &[u8], position: u64) -> Result<RecordedEvent, Error> {
        codec::decode(bytes, position).map_err(|what| self.corrupt(format!("the record at position {position}: {what}")))
    }

    fn corrupt(&self, what: String) -> Error {
        Error::corrupt(self.inner.dir(), what)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir()).field("head", &self.head()).finish()
    }
}

/// Checks the format key, writing it if the store is new.
fn check_format(inner: &Backend, may_create: bool) -> Result<(), Error> {
    let path = inner.dir().unwrap_or(Path::new(":memory:")).to_path_buf();
    match inner.get(FORMAT_KEY)? {
        Some(found) if found == FORMAT.as_bytes() => Ok(()),
        Some(found) => {
            let found = String::from_utf8_lossy(&found).into_owned();
            let newer = found
                .strip_prefix(FORMAT_FAMILY)
                .and_then(|n| n.parse::<u64>().ok())
                .zip(FORMAT.strip_prefix(FORMAT_FAMILY).and_then(|n| n.parse::<u64>().ok()))
                .is_some_and(|(found, ours)| found > ours);
            if newer {
                Err(Error::NewerFormat { path, found, supported: FORMAT.into() })
            } else {
                Err(Error::Foreign { path, reason: format!("its format is {found:?}, which this build does not read") })
            }
        }
        None => {
            if inner.range(Vec::new(), vec![u8::MAX; 2]).next().transpose()?.is_some() {
                return Err(Error::Foreign {
                    path,
                    reason: "it is a sled database that strata did not write (it has no strata format key)".into(),
                });
            }
            if !may_create {
                return Err(Error::corrupt(
                    Some(&path),
                    "sled's log has been written to but holds no records: its start is unreadable \
                     (if strata was stopped while creating this directory, it holds nothing and may be deleted)",
                ));
            }
            inner.apply(vec![(FORMAT_KEY.to_vec(), FORMAT.as_bytes().to_vec())])
        }
    }
}
