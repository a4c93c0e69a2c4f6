//! Following a log shared through a JetStream stream: this node's copy
//! takes in, in order and in whole atomic parts, what other nodes wrote, and
//! says how far behind the stream it is. A log of its own has nothing to
//! follow: every method here is then a no-op.

use std::path::PathBuf;

use crate::append::{Origin, Prepared};
use crate::jetstream::{self, StreamStatus};
use crate::{Error, Store};

/// What a store has only when its log is a JetStream stream.
pub(crate) struct Shared {
    /// The connection to the stream and its follower.
    pub(crate) remote: jetstream::Remote,
    /// This node's own directory (checkpoints, its copy of the stream).
    pub(crate) local_dir: Option<PathBuf>,
    /// How many events the open took from this node's copy on disk rather
    /// than from the stream.
    pub(crate) from_copy: u64,
}

impl Store {
    /// With JetStream, how many events the open took from this node's copy
    /// of the stream on disk (the rest it read from the stream); 0 for a
    /// log of its own.
    pub fn from_copy(&self) -> u64 {
        self.shared.as_ref().map_or(0, |s| s.from_copy)
    }

    /// Whether the log is in a JetStream stream (shared with other nodes).
    pub fn is_remote(&self) -> bool {
        self.shared.is_some()
    }

    /// What this node knows of the stream it follows; `None` for a log of
    /// its own (sled or memory).
    pub fn stream_status(&self) -> Option<StreamStatus> {
        self.shared.as_ref().map(|s| s.remote.status())
    }

    /// Waits up to `wait` for the stream to deliver events this node does
    /// not have yet; says whether some came. They are taken into the copy
    /// by [`Store::ingest`], which a caller runs under its own writer's lock.
    pub fn wait_incoming(&self, wait: std::time::Duration) -> Result<bool, Error> {
        let Some(Shared { remote, .. }) = &self.shared else { return Ok(false) };
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
        let Some(Shared { remote, .. }) = &self.shared else { return Ok(0) };
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
        let Some(Shared { remote, .. }) = &self.shared else { return Ok(0) };
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

    /// How many atomic writes a batch takes: 1 on a log of this node's own;
    /// on a JetStream log, the parts it is cut into (see the module
    /// `jetstream`).
    pub fn atomic_parts(&self, prepared: &Prepared) -> usize {
        match &self.shared {
            Some(Shared { remote, .. }) => remote.parts_of(&prepared.chunks).len(),
            None => usize::from(prepared.count > 0),
        }
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
}
