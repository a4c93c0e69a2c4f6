//! The write path behind [`Store::append`]: a batch checked against the
//! log's end, published first when the log is shared, then written to this
//! node's copy with the new head in one atomic write, and acknowledged.

use strata_core::{EventId, RecordedEvent};

use crate::backend;
use crate::chunk;
use crate::headfile::Acked;
use crate::index;
use crate::keys::{self, HEAD_KEY};
use crate::shared::Shared;
use crate::{Error, Head, Store, Writer};

impl Store {
    pub(crate) fn prepare_with(
        events: &[RecordedEvent],
        encode: fn(&[RecordedEvent]) -> Result<chunk::Encoded, String>,
    ) -> Result<Prepared, Error> {
        Ok(Prepared::new(encode(events).map_err(Error::Other)?, events))
    }

    /// Checks that `events` continue the log and stores them: a writer's
    /// batch goes to the stream first when the log is in JetStream, then to
    /// `inner`.
    pub(crate) fn store_checked(
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
        let sequence = match (&self.shared, origin) {
            (Some(Shared { remote, .. }), Origin::Writer) => {
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
        if self.shared.is_some() {
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
        if let Some(Shared { remote, .. }) = &self.shared {
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
}

/// Where a batch being stored comes from.
#[derive(Clone, Copy)]
pub(crate) enum Origin {
    /// A writer of this node: published to the stream first, if shared.
    Writer,
    /// The stream, up to this sequence: into the copy only.
    Stream { sequence: u64 },
}

/// A batch encoded by [`Store::prepare`], ready for [`Store::append_prepared`].
pub struct Prepared {
    /// (first position, value) of each chunk, in log order.
    pub(crate) chunks: chunk::Encoded,
    /// The batch's first position, last id and length, to match it with its events.
    pub(crate) first: Option<u64>,
    pub(crate) last_id: Option<EventId>,
    pub(crate) count: usize,
}

impl Prepared {
    /// The chunks encoded from `events`, with what identifies that batch.
    pub(crate) fn new(chunks: chunk::Encoded, events: &[RecordedEvent]) -> Prepared {
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
