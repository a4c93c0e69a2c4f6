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

use std::collections::BTreeMap;
use std::path::Path;

use parking_lot::{Mutex, RwLock};
use strata_core::{EntityId, EventId, RecordedEvent, Timestamp};

use crate::backend::Backend;
pub use crate::error::Error;
use crate::headfile::{Acked, HeadFile};
use crate::index::Indexes;
pub use crate::jetstream::{JetStreamConfig, StreamStatus, COPY_DIR, MAX_BATCH, PART_BYTES, STREAM_FORMAT};
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
    /// The stream, when the log is in JetStream.
    remote: Option<jetstream::Remote>,
    /// The directory for checkpoints when the log is in JetStream.
    local_dir: Option<std::path::PathBuf>,
    /// With JetStream, how many events the open took from this node's copy
    /// on disk rather than from the stream.
    from_copy: u64,
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
        let inner = Backend::Sled(opened.sled);
        let created = check_format(&inner, opened.may_create)?;
        let (head, acked) = read::head_on_open(&inner)?;
        let (head_file, recorded) = if created {
            (HeadFile::create(dir)?, Acked::default())
        } else {
            let (file, recorded) = HeadFile::open(dir)?;
            check_acked(&inner, dir, acked, recorded)?;
            (file, recorded)
        };
        let mut store = Store::start(inner, head, Some(head_file));
        store.acknowledged = recorded.head();
        Ok(store)
    }

    /// A new, empty store in memory.
    pub fn memory() -> Store {
        let inner = Backend::Memory(Mutex::new(BTreeMap::new()));
        // Writing to a map cannot fail.
        let _ = inner.apply(vec![(FORMAT_KEY.to_vec(), FORMAT.as_bytes().to_vec())]);
        Store::start(inner, Head::default(), None)
    }

    fn start(inner: Backend, head: Head, head_file: Option<HeadFile>) -> Store {
        Store {
            inner,
            remote: None,
            local_dir: None,
            from_copy: 0,
            writer: Mutex::new(Writer { head, sequence: 0, failed: None }),
            head: RwLock::new(head),
            head_file,
            acknowledged: head,
            indexes: Indexes::default(),
            checkpoint: Mutex::new(()),
            last_chunk: Mutex::new(None),
        }
    }

    /// Opens the log kept in a JetStream stream (creating the stream if it
    /// is missing) and reads into this node's copy what the copy lacks:
    /// with a `data_dir` (and [`JetStreamConfig::local_copy`]), the copy is
    /// kept on disk and only the messages after it are read; otherwise the
    /// copy is in memory and the stream is read whole.
    ///
    /// A copy on disk is a cache of the stream, never a source of truth: it
    /// is used only if it opens cleanly and the stream holds, at the copy's
    /// last sequence, the very chunk the copy ends with. Otherwise (damaged
    /// files, another stream of the same name) it is deleted, with a
    /// warning, and the stream read whole; while another process has it
    /// open, this one reads the stream whole into memory.
    ///
    /// Fails with [`Error::Unavailable`] if no server answers, and
    /// [`Error::Other`] if the stream cannot hold strata's log (other
    /// subjects, no atomic publish, messages removed, another layout).
    pub fn open_jetstream(config: &JetStreamConfig) -> Result<Store, Error> {
        if let Some(dir) = &config.data_dir {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let remote = jetstream::Remote::connect(config)?;
        let mut store = match (&config.data_dir, config.local_copy) {
            (Some(dir), true) => Store::open_copy(&dir.join(COPY_DIR), &remote)?,
            _ => Store::memory(),
        };
        let (from_copy, sequence) = (store.len(), store.writer.get_mut().sequence);
        remote.copied(sequence);
        remote.follow_from(sequence + 1)?;
        store.remote = Some(remote);
        store.local_dir = config.data_dir.clone();
        store.from_copy = from_copy;
        store.catch_up()?;
        tracing::info!(
            stream = %config.stream,
            events = store.len(),
            from_copy,
            from_stream = store.len() - from_copy,
            "read the log: this node's copy, then the stream"
        );
        Ok(store)
    }

    /// Opens this node's copy of the stream in `dir`, checked against the
    /// stream; deletes it and starts an empty one if it cannot be used.
    fn open_copy(dir: &Path, remote: &jetstream::Remote) -> Result<Store, Error> {
        match Store::try_open_copy(dir, remote) {
            Ok(store) => Ok(store),
            Err(Error::Locked { path }) => {
                // A server of this node is running (an export or a query
                // beside it, say): read the stream into memory instead.
                tracing::info!(
                    dir = %path.display(),
                    "another strata process has this node's copy of the stream open; reading the stream whole"
                );
                Ok(Store::memory())
            }
            Err(e @ (Error::Io { .. } | Error::Unavailable { .. })) => Err(e),
            Err(why) => {
                tracing::warn!(
                    dir = %dir.display(),
                    %why,
                    "this node's copy of the stream cannot be used; deleting it and reading the stream whole"
                );
                match std::fs::remove_dir_all(dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(dir, e)),
                }
                Store::try_open_copy(dir, remote)
            }
        }
    }

    fn try_open_copy(dir: &Path, remote: &jetstream::Remote) -> Result<Store, Error> {
        let mut opened = open::open_sled(dir)?;
        opened.sled.durable = false;
        let inner = Backend::Sled(opened.sled);
        check_format(&inner, opened.may_create)?;
        let (head, _) = read::head_on_open(&inner)?;
        let corrupt = |what: String| Error::corrupt(Some(dir), what);
        let sequence = match inner.get(keys::SEQUENCE_KEY)? {
            None if head.position == 0 => 0,
            None => return Err(corrupt("the copy holds events but not the stream sequence they end at".into())),
            Some(v) => u64::from_be_bytes(
                v.as_slice().try_into().map_err(|_| corrupt("the copy's stream sequence is malformed".into()))?,
            ),
        };
        if sequence > 0 {
            let (first, value) = read::chunk_at(&inner, head.position)?
                .ok_or_else(|| corrupt(format!("the copy has no chunk at its last position {}", head.position)))?;
            let found = remote.message_at(sequence)?;
            if found.as_deref() != Some(&value[..]) {
                let what = match found {
                    Some(_) => "is not the copy's last chunk",
                    None => "is missing",
                };
                return Err(Error::Other(format!(
                    "the stream's message at sequence {sequence}, where the copy ends (positions from {first}), \
                     {what}: the stream is not the one this copy was taken from"
                )));
            }
        }
        let mut store = Store::start(inner, head, None);
        store.writer.get_mut().sequence = sequence;
        Ok(store)
    }

    /// With JetStream, how many events the open took from this node's copy
    /// of the stream on disk (the rest it read from the stream); 0 for a
    /// log of its own.
    pub fn from_copy(&self) -> u64 {
        self.from_copy
    }

    /// Whether the log is in a JetStream stream (shared with other nodes).
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// What this node knows of the stream it follows; `None` for a log of
    /// its own (sled or memory).
    pub fn stream_status(&self) -> Option<StreamStatus> {
        self.remote.as_ref().map(jetstream::Remote::status)
    }

    /// Waits up to `wait` for the stream to deliver events this node does
    /// not have yet; says whether some came. They are taken into the copy
    /// by [`Store::ingest`], which a caller runs under its own writer's lock.
    pub fn wait_incoming(&self, wait: std::time::Duration) -> Result<bool, Error> {
        let Some(remote) = &self.remote else { return Ok(false) };
        let mut incoming = remote.incoming().lock();
        if !incoming.stash.is_empty() {
            return Ok(true);
        }
        match remote.next_part(&mut incoming, Some(std::time::Instant::now() + wait))? {
            Some(part) => {
                incoming.stash.push_back(part);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Takes every whole batch the stream has delivered into this node's
    /// copy, without waiting; returns how many events came. A no-op for a
    /// log of its own.
    pub fn ingest(&self) -> Result<u64, Error> {
        let Some(remote) = &self.remote else { return Ok(0) };
        let mut incoming = remote.incoming().lock();
        let mut added = 0;
        let mut messages = Vec::new();
        while let Some(part) = remote.next_part(&mut incoming, None)? {
            messages.extend(part);
            if messages.len() >= 64 {
                added += self.store_copy(std::mem::take(&mut messages))?;
            }
        }
        added += self.store_copy(messages)?;
        Ok(added)
    }

    /// Reads the stream up to its last position as of now into this node's
    /// copy; returns how many events came. [`Error::Unavailable`] if the
    /// stream does not answer, or stops delivering for longer than the
    /// configured timeout before the copy reaches that position.
    pub fn catch_up(&self) -> Result<u64, Error> {
        let Some(remote) = &self.remote else { return Ok(0) };
        let last = remote.last_sequence()?;
        let timeout = remote.timeout();
        let mut incoming = remote.incoming().lock();
        let mut added = 0;
        let mut messages: jetstream::Part = Vec::new();
        loop {
            let have = messages.last().map_or(0, |(seq, _)| *seq).max(self.sequence());
            if have >= last {
                break;
            }
            match remote.next_part(&mut incoming, Some(std::time::Instant::now() + timeout))? {
                Some(part) => messages.extend(part),
                None => {
                    self.store_copy(messages)?;
                    return Err(remote.behind(last, self.sequence()));
                }
            }
            if messages.len() >= 64 {
                added += self.store_copy(std::mem::take(&mut messages))?;
            }
        }
        added += self.store_copy(messages)?;
        Ok(added)
    }

    /// The stream sequence of the last message in this node's copy (0 for
    /// a log of its own).
    fn sequence(&self) -> u64 {
        self.writer.lock().sequence
    }

    /// Adds whole parts read from the stream to this node's copy, skipping
    /// the messages it has (its own appends, delivered again); returns how
    /// many events came.
    fn store_copy(&self, messages: jetstream::Part) -> Result<u64, Error> {
        let mut writer = self.writer.lock();
        let mut sequence = writer.sequence;
        let mut next = writer.head.position + 1;
        let mut chunks = Vec::new();
        let mut events = Vec::new();
        for (seq, payload) in messages {
            if seq <= sequence {
                continue;
            }
            if seq != sequence + 1 {
                return Err(Error::Corruption {
                    path: None,
                    what: format!("the stream jumped from sequence {sequence} to {seq}"),
                });
            }
            let decoded = jetstream::decode_message(seq, &payload, next)?;
            chunks.push((next, payload.to_vec()));
            next += decoded.len() as u64;
            sequence = seq;
            events.extend(decoded);
        }
        if events.is_empty() {
            return Ok(0);
        }
        let prepared = Prepared::new(chunks, &events);
        self.store_checked(&mut writer, &events, prepared, Origin::Stream { sequence })?;
        Ok(events.len() as u64)
    }

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

    /// Where checkpoints are kept: the data directory, or with JetStream
    /// this node's own directory; `None` keeps none.
    pub fn checkpoint_dir(&self) -> Option<&Path> {
        self.local_dir.as_deref().or(self.inner.dir())
    }

    /// The bytes the store's files take on disk (0 for a memory store).
    pub fn size_on_disk(&self) -> Result<u64, Error> {
        match self.inner.dir() {
            Some(dir) => open::size_of_dir(dir),
            None => Ok(0),
        }
    }

    /// Replaces the checkpoint kept beside the log with `bytes`, atomically
    /// and durably (see the module `checkpoint`); returns the bytes it takes
    /// on disk. A memory store keeps none and returns 0.
    ///
    /// What the bytes mean is the caller's business: the store only gives
    /// back exactly what was written, or an error.
    pub fn write_checkpoint(&self, bytes: &[u8]) -> Result<u64, Error> {
        let _one = self.checkpoint.lock();
        if self.remote.is_some() {
            // A node's copy of the stream reaches the checkpoint on disk
            // before the checkpoint does.
            self.inner.flush()?;
        }
        match self.checkpoint_dir() {
            Some(dir) => checkpoint::write(dir, bytes),
            None => Ok(0),
        }
    }

    /// The checkpoint in data directory `dir`, read without opening the
    /// store (so that it can be read and decoded while the store opens):
    /// like [`Store::read_checkpoint`]. The caller must check it against the
    /// store once open, since another process may write one meanwhile.
    pub fn read_checkpoint_in(dir: &Path) -> Result<Option<Vec<u8>>, Error> {
        checkpoint::read(dir)
    }

    /// The file the checkpoint of the store in `dir` is kept in.
    pub fn checkpoint_path(dir: &Path) -> std::path::PathBuf {
        dir.join(checkpoint::NAME)
    }

    /// The checkpoint last written: `None` if there is none (or the store is
    /// in memory), [`Error::Corruption`] if it does not read back whole.
    pub fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        match self.checkpoint_dir() {
            Some(dir) => checkpoint::read(dir),
            None => Ok(None),
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

    fn prepare_with(
        events: &[RecordedEvent],
        encode: fn(&[RecordedEvent]) -> Result<chunk::Encoded, String>,
    ) -> Result<Prepared, Error> {
        Ok(Prepared::new(encode(events).map_err(Error::Other)?, events))
    }

    /// How many atomic writes a batch takes: 1 on a log of this node's own;
    /// on a JetStream log, the parts it is cut into (see the module
    /// `jetstream`).
    pub fn atomic_parts(&self, prepared: &Prepared) -> usize {
        match &self.remote {
            Some(remote) => remote.parts_of(&prepared.chunks).len(),
            None => usize::from(prepared.count > 0),
        }
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

    /// Checks that `events` continue the log and stores them: a writer's
    /// batch goes to the stream first when the log is in JetStream, then to
    /// `inner`.
    fn store_checked(
        &self,
        writer: &mut Writer,
        events: &[RecordedEvent],
        prepared: Prepared,
        origin: Origin,
    ) -> Result<(), Error> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        let mut indexes = self.indexes.lock();
        if indexes.ids.is_none() {
            drop(indexes);
            drop(self.indexes.ids(&self.inner)?);
            indexes = self.indexes.lock();
        }
        let ids = indexes.ids.as_ref().ok_or_else(|| Error::Other("the id index was not built".into()))?;
        let started = std::time::Instant::now();
        check_continues(writer.head, events, ids)?;
        let chunks = prepared.chunks.len();
        let sequence = match (&self.remote, origin) {
            (Some(remote), Origin::Writer) => {
                if let Err((stored, e)) = remote.publish(&prepared.chunks, writer.sequence) {
                    drop(indexes);
                    return Err(self.keep_stored_parts(writer, events, prepared, stored, e));
                }
                writer.sequence + chunks as u64
            }
            (_, Origin::Stream { sequence }) => sequence,
            (None, Origin::Writer) => 0,
        };
        let (mut writes, acked) = batch_writes(prepared.chunks, last);
        if self.remote.is_some() {
            writes.push((keys::SEQUENCE_KEY.to_vec(), sequence.to_be_bytes().to_vec()));
        }
        if let Err(e) = self.inner.apply(writes) {
            writer.failed = Some(e.to_string());
            return Err(e);
        }
        let written = started.elapsed();
        if let Some(file) = &self.head_file {
            if let Err(e) = file.write(acked) {
                writer.failed = Some(e.to_string());
                return Err(e);
            }
        }
        tracing::debug!(
            events = events.len(),
            chunks,
            sled_and_sync_ms = written.as_millis() as u64,
            head_file_ms = (started.elapsed() - written).as_millis() as u64,
            "stored a batch"
        );
        indexes.add(events);
        let head = Head { position: last.position, recorded_at: Some(last.recorded_at) };
        writer.head = head;
        writer.sequence = sequence;
        if let Some(remote) = &self.remote {
            remote.copied(sequence);
        }
        *self.head.write() = head;
        Ok(())
    }

    /// After a publish failed having stored the first `stored` chunks
    /// (whole atomic parts), keeps them in the copy too (the follower would
    /// bring them) and returns the error, saying what was stored.
    fn keep_stored_parts(
        &self,
        writer: &mut Writer,
        events: &[RecordedEvent],
        mut prepared: Prepared,
        stored: usize,
        e: Error,
    ) -> Error {
        if stored == 0 {
            return e;
        }
        let first = events.first().map_or(0, |r| r.position);
        let end = prepared.chunks.get(stored).map_or(events.len(), |(p, _)| (p - first) as usize);
        let part = events.get(..end).unwrap_or_default();
        prepared.chunks.truncate(stored);
        let kept = Prepared::new(prepared.chunks, part);
        let sequence = writer.sequence + stored as u64;
        if let Err(kept) = self.store_checked(writer, part, kept, Origin::Stream { sequence }) {
            return kept;
        }
        let note = format!(
            "; the first {} events of the batch (positions {first} to {}) were stored in whole atomic parts before it",
            part.len(),
            first + part.len() as u64 - 1
        );
        match e {
            Error::Unavailable { stream, servers, reason } => {
                Error::Unavailable { stream, servers, reason: reason + &note }
            }
            Error::Other(why) => Error::Other(why + &note),
            other => other,
        }
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

/// Where a batch being stored comes from.
#[derive(Clone, Copy)]
enum Origin {
    /// A writer of this node: published to the stream first, if shared.
    Writer,
    /// The stream, up to this sequence: into the copy only.
    Stream { sequence: u64 },
}

/// A batch encoded by [`Store::prepare`], ready for [`Store::append_prepared`].
pub struct Prepared {
    /// (first position, value) of each chunk, in log order.
    chunks: chunk::Encoded,
    /// The batch's first position, last id and length, to match it with its events.
    first: Option<u64>,
    last_id: Option<EventId>,
    count: usize,
}

impl Prepared {
    /// The chunks encoded from `events`, with what identifies that batch.
    fn new(chunks: chunk::Encoded, events: &[RecordedEvent]) -> Prepared {
        Prepared {
            chunks,
            first: events.first().map(|r| r.position),
            last_id: events.last().map(|r| r.event.id),
            count: events.len(),
        }
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("first", &self.first)
            .field("count", &self.count)
            .field("chunks", &self.chunks.len())
            .finish()
    }
}

/// Checks that a batch continues the log: positions, recorded times, ids.
fn check_continues(head: Head, events: &[RecordedEvent], stored: &index::Ids) -> Result<(), Error> {
    let mut expected = head.position;
    let mut previous = head.recorded_at;
    let mut ids = rustc_hash::FxHashSet::default();
    ids.reserve(events.len());
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
        if let Some(p) = stored.get(&r.event.id) {
            return Err(Error::Other(format!("event id {} is already stored at position {p}", r.event.id)));
        }
    }
    Ok(())
}

/// A checked batch's writes (its chunks and the new head) and the head
/// file's record.
fn batch_writes(chunks: chunk::Encoded, last: &RecordedEvent) -> (Vec<backend::Entry>, Acked) {
    let mut acked = Acked::default();
    let mut writes = Vec::with_capacity(chunks.len() + 1);
    for (first, value) in chunks {
        acked.chunk_first = first;
        acked.chunk_crc = crc32fast::hash(&value);
        writes.push((keys::log_key(first).to_vec(), value));
    }
    acked.position = last.position;
    acked.recorded_at = last.recorded_at.0;
    writes.push((HEAD_KEY.to_vec(), keys::head_value(last.position, last.recorded_at).to_vec()));
    (writes, acked)
}

/// Checks the format key, writing it if the store is new; says whether it was.
fn check_format(inner: &Backend, may_create: bool) -> Result<bool, Error> {
    let path = inner.dir().unwrap_or(Path::new(":memory:")).to_path_buf();
    match inner.get(FORMAT_KEY)? {
        Some(found) if found == FORMAT.as_bytes() => Ok(false),
        Some(found) => {
            let found = String::from_utf8_lossy(&found).into_owned();
            let newer = found
                .strip_prefix(FORMAT_FAMILY)
                .and_then(|n| n.parse::<u64>().ok())
                .zip(FORMAT.strip_prefix(FORMAT_FAMILY).and_then(|n| n.parse::<u64>().ok()))
                .is_some_and(|(found, ours)| found > ours);
            let older = found.strip_prefix(FORMAT_FAMILY).is_some() && !newer;
            if newer {
                Err(Error::NewerFormat { path, found, supported: FORMAT.into() })
            } else if older {
                Err(Error::Foreign {
                    path,
                    reason: format!(
                        "it was written by an older strata in format {found}, which this build ({FORMAT}) does not read; \
                         export it with the strata that wrote it and import the export into a new directory"
                    ),
                })
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
            inner.apply(vec![(FORMAT_KEY.to_vec(), FORMAT.as_bytes().to_vec())])?;
            Ok(true)
        }
    }
}

/// Holds the log found on open against what the head file says was
/// acknowledged: a log that lost acknowledged events is damaged, even when
/// what is left reads as a valid log.
fn check_acked(inner: &Backend, dir: &Path, found: Acked, recorded: Acked) -> Result<(), Error> {
    let corrupt = |what: String| Error::corrupt(Some(dir), what);
    if found.position < recorded.position {
        return Err(corrupt(format!(
            "its log ends at position {}, but {} events were acknowledged (the last recorded at {}): \
             the end of sled's log was lost",
            found.position,
            recorded.position,
            recorded.time()
        )));
    }
    if recorded.position == 0 {
        return Ok(());
    }
    let chunk = read::chunk_at(inner, recorded.position)?;
    let matches = chunk
        .as_ref()
        .is_some_and(|(first, value)| *first == recorded.chunk_first && crc32fast::hash(value) == recorded.chunk_crc);
    if !matches || (found.position == recorded.position && found.recorded_at != recorded.recorded_at) {
        return Err(corrupt(format!(
            "the chunk holding position {} (the last acknowledged) differs from the one that was acknowledged",
            recorded.position
        )));
    }
    Ok(())
}
