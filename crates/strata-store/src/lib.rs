//! strata's append-only event log, durable in sled or in a NATS JetStream
//! stream; the only crate that knows sled or NATS.
//!
//! A [`Store`] holds [`RecordedEvent`]s at positions 1, 2, 3, ... with
//! strictly increasing recorded times, in chunks of consecutive events
//! compressed together; an index from event id to position and one from
//! entity to the positions of the events that mention it are kept in memory
//! and built on first use.
//! It checks that a batch continues the log; what an event means is the
//! graph's business, not the store's.
//!
//! This file is the facade: append, get, scan, head. Opening (every path
//! and every check of what is found) is in `open.rs`, the write path in
//! `append.rs`, following a shared log in `shared.rs`, the checkpoint file
//! in `checkpoint.rs`, the stream itself in `jetstream/`.
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

mod append;
mod backend;
mod checkpoint;
mod chunk;
mod codec;
mod durable;
mod error;
mod headfile;
mod index;
mod jetstream;
mod keys;
mod open;
mod read;
mod shared;

use std::collections::BTreeMap;
use std::path::Path;

use parking_lot::{Mutex, RwLock};
use strata_core::{EntityId, EventId, RecordedEvent, Timestamp};

use crate::append::Origin;
pub use crate::append::Prepared;
use crate::backend::Backend;
pub use crate::error::Error;
use crate::headfile::HeadFile;
use crate::index::Indexes;
pub use crate::jetstream::{JetStreamConfig, StreamStatus, COPY_DIR, MAX_BATCH, PART_BYTES, STREAM_FORMAT};
use crate::shared::Shared;

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
    /// With JetStream, the stream sequence of the last message in the copy
    /// (the stream counts chunks, not events); 0 otherwise.
    sequence: u64,
    /// Set when a write failed after sled may have taken part of it: the
    /// store no longer knows what is on disk, so it refuses further writes.
    failed: Option<String>,
}

/// The event log: on disk with sled, in a NATS JetStream stream, or in
/// memory for tests.
///
/// One process may open a data directory at a time. Reads and writes may
/// come from any number of threads; appends are serialized.
///
/// With JetStream the stream is the log and `inner` is this node's copy of
/// it, in memory, filled from the stream in order (see the module
/// `jetstream`): every read is served from the copy, every append goes to
/// the stream first and into the copy once the stream has acknowledged it.
pub struct Store {
    inner: Backend,
    /// What only a log shared through JetStream has: the stream, this
    /// node's own directory, what the open took from its copy on disk.
    shared: Option<Shared>,
    writer: Mutex<Writer>,
    /// The head as readers see it: the last acknowledged append.
    head: RwLock<Head>,
    /// What the last acknowledged append left, for a disk store.
    head_file: Option<HeadFile>,
    /// What the head file said when the store was opened.
    acknowledged: Head,
    indexes: Indexes,
    /// One checkpoint write at a time (they share a temporary file).
    checkpoint: Mutex<()>,
    /// The chunk `get` decoded last, by its first position: reading
    /// neighbouring positions one by one (a retried import compares every
    /// event with the stored one) decodes each chunk once, not once per event.
    /// Stored events never change, so it is never stale.
    last_chunk: Mutex<Option<(u64, std::sync::Arc<Vec<RecordedEvent>>)>>,
}

impl Store {
    /// The end of the log, as of the last acknowledged append.
    pub fn head(&self) -> Head {
        *self.head.read()
    }

    /// What the head file recorded as the last acknowledged append when the
    /// store was opened (for a memory store, the head then). Opening checks
    /// that the log holds it; the log may go further (a crash after sled's
    /// flush, before the head file's write: stored, never acknowledged).
    pub fn acknowledged(&self) -> Head {
        self.acknowledged
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
        // Nothing else to do meanwhile: encode on every core.
        let prepared = Store::prepare_with(events, chunk::encode_all)?;
        self.append_prepared(events, prepared)
    }

    /// Encodes a batch for [`Store::append_prepared`]: the costly part of an
    /// append (the chunks, compressed), done without any lock and without
    /// writing anything, so a caller can run it on one thread while it
    /// checks the batch on another. It encodes on the calling thread only
    /// ([`Store::append`] spreads the encoding over the cores).
    pub fn prepare(events: &[RecordedEvent]) -> Result<Prepared, Error> {
        Store::prepare_with(events, chunk::encode_part)
    }

    /// [`Store::append`] of a batch already encoded by [`Store::prepare`]
    /// from the same `events`: the same checks, the same atomic and durable
    /// write. `prepared` must come from these very events; one made from
    /// another batch (other positions or length) is refused.
    pub fn append_prepared(&self, events: &[RecordedEvent], prepared: Prepared) -> Result<(), Error> {
        let mut writer = self.writer.lock();
        if let Some(why) = &writer.failed {
            return Err(Error::Other(format!(
                "an earlier write to the log failed ({why}); reopen the store to see what was stored"
            )));
        }
        let Some(last) = events.last() else {
            return Ok(());
        };
        if prepared.count != events.len()
            || prepared.first != events.first().map(|r| r.position)
            || prepared.last_id != Some(last.event.id)
        {
            return Err(Error::Other("the prepared chunks were encoded from another batch".into()));
        }
        self.store_checked(&mut writer, events, prepared, Origin::Writer)
    }

    /// The event at `position`, if the log has one there.
    pub fn get(&self, position: u64) -> Result<Option<RecordedEvent>, Error> {
        let head = self.head();
        if position == 0 || position > head.position {
            return Ok(None);
        }
        if let Some((first, events)) = &*self.last_chunk.lock() {
            if let Some(rec) = position.checked_sub(*first).and_then(|i| events.get(i as usize)) {
                return Ok(Some(rec.clone()));
            }
        }
        let missing =
            || self.corrupt(format!("position {position} is missing from the log, which ends at {}", head.position));
        let Some((first, value)) = read::chunk_at(&self.inner, position)? else { return Err(missing()) };
        let header = chunk::Header::read(&value)
            .map_err(|what| self.corrupt(format!("the chunk at position {first}: {what}")))?;
        if first + header.count() <= position {
            return Err(missing());
        }
        let events = std::sync::Arc::new(header.events(first).map_err(|what| self.corrupt(what))?);
        let found = events.get((position - first) as usize).cloned();
        *self.last_chunk.lock() = Some((first, events));
        Ok(found)
    }

    /// The position of the event with id `id`, if it is stored.
    ///
    /// The first call builds the id index from the log's chunk headers.
    pub fn position_of(&self, id: EventId) -> Result<Option<u64>, Error> {
        let head = self.head().position;
        let ids = self.indexes.ids(&self.inner)?;
        Ok(ids.as_ref().and_then(|ids| ids.get(&id).copied()).filter(|p| *p <= head))
    }

    /// The events at positions `from_position` and later, in log order, up to
    /// the head as it was when the scan began.
    pub fn scan(&self, from_position: u64) -> impl Iterator<Item = Result<RecordedEvent, Error>> + '_ {
        read::Scan::new(self, from_position.max(1), self.head().position)
    }

    /// The positions of the events that mention the entity (as subject,
    /// object or about), ascending.
    ///
    /// The first call builds the entity index by reading the whole log.
    pub fn entity_positions(&self, id: &EntityId) -> Result<Vec<u64>, Error> {
        let head = self.head().position;
        let entities = self.indexes.entities(self)?;
        let positions = entities.as_ref().and_then(|e| e.get(id)).map(Vec::as_slice).unwrap_or_default();
        Ok(positions.iter().copied().take_while(|p| *p <= head).collect())
    }

    fn corrupt(&self, what: String) -> Error {
        Error::corrupt(self.inner.dir(), what)
    }
}

impl Drop for Store {
    /// After a failed write, sled 0.34 is left with an I/O buffer that never
    /// becomes stable, and dropping its `Db` flushes and waits for it
    /// forever (seen on a full disk). The write was refused and reported;
    /// nothing acknowledged is waiting in sled, so its handle is leaked
    /// instead of flushed, and the process can exit. Its threads and file
    /// lock go with the process.
    fn drop(&mut self) {
        if self.writer.get_mut().failed.is_none() {
            return;
        }
        let inner = std::mem::replace(&mut self.inner, Backend::Memory(Mutex::new(BTreeMap::new())));
        if let Backend::Sled(sled) = inner {
            tracing::warn!(dir = %sled.dir.display(), "closing the event log without a final flush after a failed write");
            std::mem::forget(sled);
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir()).field("head", &self.head()).finish()
    }
}
