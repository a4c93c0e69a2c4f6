//! Publishing a batch: one message per chunk, cut into atomic parts that
//! are pipelined, each expecting the stream to end where the one before it
//! ends.

use async_nats::jetstream;
use async_nats::HeaderMap;
use bytes::Bytes;

use super::{unavailable, JetStreamConfig, Remote, BATCH_END, HEADER_ALLOWANCE, MAX_BATCH, PART_BYTES, POSITION};
use crate::chunk::{self, Header};
use crate::Error;

impl Remote {
    /// Refuses a batch with a chunk larger than the servers take in one
    /// message (their `max_payload`, 1 MiB unless configured), before any
    /// of it is published: a chunk holds one event or more, so only an
    /// event near that size (its attributes, mostly) can cause it.
    fn check_sizes(&self, chunks: &chunk::Encoded) -> Result<(), Error> {
        let max = self.client.server_info().max_payload;
        if max == 0 {
            return Ok(());
        }
        for (first, value) in chunks {
            // The headers travel in the same message.
            if value.len() + HEADER_ALLOWANCE <= max {
                continue;
            }
            let header = Header::read(value).map_err(|e| Error::Other(format!("the chunk at {first}: {e}")))?;
            let (n, id) = (header.count(), header.ids().last().map(|id| id.to_string()).unwrap_or_default());
            let what = match n {
                1 => format!("event {id} (position {first})"),
                _ => format!("the {n} events at positions {first} to {} (the last is {id})", first + n - 1),
            };
            return Err(Error::Other(format!(
                "{what} take {} bytes compressed, more than the stream's servers take in one message \
                 (max_payload {max} bytes): nothing of the batch was stored; make the event smaller (its attrs) \
                 or raise max_payload in the servers' configuration",
                value.len()
            )));
        }
        Ok(())
    }

    /// The number of chunks in each atomic part of a batch.
    pub(crate) fn parts_of(&self, chunks: &chunk::Encoded) -> Vec<usize> {
        parts_of(chunks, self.config.part_messages)
    }

    /// Publishes `chunks` (which continue a stream ending at sequence
    /// `last`), one message each, in atomic parts (see [`parts_of`]); when it
    /// fails after the first part, returns how many chunks were stored
    /// (whole parts).
    pub(crate) fn publish(&self, chunks: &chunk::Encoded, last: u64) -> Result<(), (usize, Error)> {
        self.check_sizes(chunks).map_err(|e| (0, e))?;
        let mut parts = Vec::new();
        let mut at = 0;
        for n in self.parts_of(chunks) {
            let mut messages = Vec::with_capacity(n);
            for (first, value) in chunks.iter().skip(at).take(n) {
                let header =
                    Header::read(value).map_err(|e| (0, Error::Other(format!("the chunk at {first}: {e}"))))?;
                let id = header.ids().next().map(|id| id.to_string()).unwrap_or_default();
                messages.push(Outgoing { id, first: *first, payload: Bytes::copy_from_slice(value) });
            }
            at += n;
            parts.push(messages);
        }
        let handle = self.handle().map_err(|e| (0, e))?;
        let limit = self.config.timeout * (2 + parts.len() as u32);
        let (client, js, cfg) = (self.client.clone(), self.js.clone(), self.config.clone());
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        handle.spawn(async move {
            let out = tokio::time::timeout(limit, publish_parts(client, js, cfg.clone(), parts, last))
                .await
                .unwrap_or_else(|_| (0, Err(unavailable(&cfg, format!("no answer within {} ms", limit.as_millis())))));
            let _ = tx.send(out);
        });
        let (stored, published) = rx
            .recv()
            .unwrap_or_else(|_| (0, Err(Error::Other("the NATS client's task ended without an answer".into()))));
        match published {
            Ok(()) => {
                *self.status.failed.lock() = None;
                Ok(())
            }
            Err(e) => {
                if matches!(e, Error::Unavailable { .. }) {
                    // Until the stream answers again, this node may be behind it.
                    *self.status.failed.lock() = Some(format!("a write was not acknowledged: {e}"));
                }
                Err((stored, e))
            }
        }
    }
}

/// How many atomic parts of one batch may await their acknowledgement at
/// once (the server takes 50 batches in flight per stream).
const PARTS_IN_FLIGHT: usize = 8;

/// A message to publish: one chunk.
struct Outgoing {
    /// Its `Nats-Msg-Id`: the chunk's first event id.
    id: String,
    /// The position of the chunk's first event (the header `Strata-Position`).
    first: u64,
    payload: Bytes,
}

/// How a batch of chunks is cut into atomic parts: the number of chunks in
/// each, in order; a part closes at `messages` (at most [`MAX_BATCH`]) or
/// once it reaches [`PART_BYTES`].
pub(crate) fn parts_of(chunks: &chunk::Encoded, messages: usize) -> Vec<usize> {
    cut(chunks.iter().map(|(_, value)| value.len()), messages)
}

/// [`parts_of`] over the chunks' sizes.
fn cut(sizes: impl Iterator<Item = usize>, messages: usize) -> Vec<usize> {
    let messages = messages.clamp(1, MAX_BATCH);
    let mut parts = Vec::new();
    let (mut n, mut bytes) = (0usize, 0usize);
    for size in sizes {
        if n == messages || (n > 0 && bytes + size > PART_BYTES) {
            parts.push(n);
            (n, bytes) = (0, 0);
        }
        n += 1;
        bytes += size;
    }
    if n > 0 {
        parts.push(n);
    }
    parts
}

/// Publishes the parts of one batch in order, each expecting the stream to
/// end where the part before it ends, without waiting for one part's
/// acknowledgement before sending the next (each is still all or nothing,
/// and refused whole if the one before it did not land). Returns how many
/// messages were acknowledged, in order, before the first failure.
async fn publish_parts(
    client: async_nats::Client,
    js: jetstream::Context,
    cfg: JetStreamConfig,
    parts: Vec<Vec<Outgoing>>,
    last: u64,
) -> (usize, Result<(), Error>) {
    let mut pending = std::collections::VecDeque::new();
    let mut sent = 0usize;
    let mut stored = 0usize;
    for messages in parts {
        if pending.len() >= PARTS_IN_FLIGHT {
            if let Some(waiting) = pending.pop_front() {
                match confirm(&cfg, waiting).await {
                    Ok(n) => stored += n,
                    Err(e) => return (stored, Err(e)),
                }
            }
        }
        let n = messages.len();
        let expected = last + sent as u64;
        match send_part(&client, &js, &cfg, messages, expected).await {
            Ok(ack) => pending.push_back((ack, expected, n)),
            Err(e) => {
                // What was sent before may still land: confirm it first.
                for waiting in pending {
                    match confirm(&cfg, waiting).await {
                        Ok(n) => stored += n,
                        Err(_) => break,
                    }
                }
                return (stored, Err(e));
            }
        }
        sent += n;
    }
    for waiting in pending {
        match confirm(&cfg, waiting).await {
            Ok(n) => stored += n,
            Err(e) => return (stored, Err(e)),
        }
    }
    (stored, Ok(()))
}

/// A part sent: its commit's acknowledgement to come, where it must start, its length.
type Sent = (Option<jetstream::context::PublishAckFuture>, u64, usize);

/// Waits for a sent part's acknowledgement and checks it; returns its length.
async fn confirm(cfg: &JetStreamConfig, (ack, expected, n): Sent) -> Result<usize, Error> {
    let Some(ack) = ack else { return Ok(n) };
    let ack = ack.await.map_err(|e| publish_error(cfg, e))?;
    if ack.duplicate {
        // A retry of a publish that landed before: the events are there.
        return Err(Error::Behind { position: ack.sequence });
    }
    let want = expected + n as u64;
    if ack.sequence != want {
        return Err(Error::Other(format!(
            "the stream {} stored the batch ending at sequence {}, not {want}: it holds messages strata did not write",
            cfg.stream, ack.sequence
        )));
    }
    Ok(n)
}

/// Sends one atomic part whose first message must land after `expected`;
/// returns its commit's acknowledgement, still to come.
async fn send_part(
    client: &async_nats::Client,
    js: &jetstream::Context,
    cfg: &JetStreamConfig,
    messages: Vec<Outgoing>,
    expected: u64,
) -> Result<Option<jetstream::context::PublishAckFuture>, Error> {
    let subject = cfg.subject();
    let n = messages.len();
    let batch_id = (n > 1).then(|| format!("{:032x}", rand_u128()));
    let mut ack = None;
    for (i, Outgoing { id, first, payload }) in messages.into_iter().enumerate() {
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", id.as_str());
        headers.insert(POSITION, first.to_string().as_str());
        if i == 0 {
            headers.insert("Nats-Expected-Last-Sequence", expected.to_string().as_str());
        }
        if let Some(batch) = &batch_id {
            headers.insert("Nats-Batch-Id", batch.as_str());
            headers.insert("Nats-Batch-Sequence", (i + 1).to_string().as_str());
        }
        let last = i + 1 == n;
        if last {
            headers.insert(BATCH_END, "1");
            if batch_id.is_some() {
                headers.insert("Nats-Batch-Commit", "1");
            }
            let pending =
                js.publish_with_headers(subject.clone(), headers, payload).await.map_err(|e| publish_error(cfg, e))?;
            ack = Some(pending);
        } else if i == 0 {
            // The server answers the first message of a batch: the batch started.
            let reply = client
                .request_with_headers(subject.clone(), headers, payload)
                .await
                .map_err(|e| unavailable(cfg, format!("starting an atomic batch: {e}")))?;
            if let Some(err) = api_error(&reply.payload) {
                return Err(Error::Other(format!("the stream {} refused an atomic batch: {err}", cfg.stream)));
            }
        } else {
            client
                .publish_with_headers(subject.clone(), headers, payload)
                .await
                .map_err(|e| unavailable(cfg, e.to_string()))?;
        }
    }
    Ok(ack)
}

/// The error of an API answer (`{"error":{...}}`), if it is one.
fn api_error(payload: &[u8]) -> Option<String> {
    if payload.is_empty() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(payload).ok()?;
    v.get("error").map(|e| e.to_string())
}

fn publish_error(cfg: &JetStreamConfig, e: jetstream::context::PublishError) -> Error {
    use jetstream::context::PublishErrorKind as K;
    match e.kind() {
        K::WrongLastSequence => Error::Behind { position: 0 },
        K::TimedOut | K::BrokenPipe | K::StreamNotFound | K::MaxAckPending => {
            unavailable(cfg, format!("publish not acknowledged: {e}"))
        }
        _ => unavailable(cfg, format!("publish refused: {e}")),
    }
}

/// A batch id: random enough that two writers never share one.
fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    let a = h.finish();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(a);
    (u128::from(a) << 64) | u128::from(h.finish())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{cut, MAX_BATCH, PART_BYTES};

    proptest! {
        /// Parts cover every chunk in order; each keeps to both limits (a
        /// chunk alone may pass the byte limit: it cannot be cut), and each
        /// but the last is full: one more chunk would break a limit.
        #[test]
        fn parts_keep_to_both_limits_and_are_full(
            sizes in proptest::collection::vec(
                prop_oneof![1usize..64 * 1024, PART_BYTES / 2..PART_BYTES * 2],
                0..3000,
            ),
            messages in 0usize..1200,
        ) {
            let parts = cut(sizes.iter().copied(), messages);
            let limit = messages.clamp(1, MAX_BATCH);
            prop_assert_eq!(parts.iter().sum::<usize>(), sizes.len());
            let mut at = 0;
            for (i, &n) in parts.iter().enumerate() {
                prop_assert!(n >= 1 && n <= limit);
                let bytes: usize = sizes[at..at + n].iter().sum();
                prop_assert!(n == 1 || bytes <= PART_BYTES, "part {} of {} chunks holds {} bytes", i, n, bytes);
                if let Some(&next) = sizes.get(at + n) {
                    prop_assert!(n == limit || bytes + next > PART_BYTES, "part {} could take the next chunk", i);
                }
                at += n;
            }
        }
    }
}
