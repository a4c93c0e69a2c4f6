//! Following the stream: an ordered consumer reads it from the sequence
//! after this node's copy, in order, and hands whole atomic parts to the
//! store through a bounded channel.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer};
use bytes::Bytes;
use futures_util::StreamExt;
use strata_core::RecordedEvent;

use super::{unavailable, JetStreamConfig, Remote, Status, BATCH_END, READ_AHEAD};
use crate::chunk::Header;
use crate::Error;

/// A whole atomic part as delivered: (stream sequence, payload) of each message.
pub(crate) type Part = Vec<(u64, Bytes)>;

/// What the follower task sends.
pub(crate) enum Delivery {
    Part(Part),
}

/// Parts received from the follower, waiting for the writer's lock.
pub(crate) struct Incoming {
    rx: Receiver<Delivery>,
    pub(crate) stash: std::collections::VecDeque<Part>,
}

impl Incoming {
    /// A new channel from a follower, holding up to [`READ_AHEAD`] parts.
    pub(super) fn channel() -> (SyncSender<Delivery>, Incoming) {
        let (tx, rx) = std::sync::mpsc::sync_channel(READ_AHEAD);
        (tx, Incoming { rx, stash: Default::default() })
    }
}

impl Remote {
    /// Starts the follower task from stream sequence `from`.
    pub(crate) fn follow_from(&self, from: u64) -> Result<(), Error> {
        let (tx, incoming) = Incoming::channel();
        *self.incoming.lock() = incoming;
        let handle = self.handle()?;
        handle.spawn(follow(self.js.clone(), self.config.clone(), from, tx, self.status.clone()));
        Ok(())
    }

    /// The next whole part the follower delivered, waiting until `deadline`.
    pub(crate) fn next_part(&self, incoming: &mut Incoming, deadline: Option<Instant>) -> Result<Option<Part>, Error> {
        if let Some(part) = incoming.stash.pop_front() {
            return Ok(Some(part));
        }
        let got = match deadline {
            None => match incoming.rx.try_recv() {
                Ok(d) => Some(d),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return Err(self.stopped()),
            },
            Some(deadline) => match incoming.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(d) => Some(d),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Err(self.stopped()),
            },
        };
        Ok(got.map(|Delivery::Part(p)| p))
    }

    fn stopped(&self) -> Error {
        let why = self.status.failed.lock().clone().unwrap_or_else(|| "it stopped".into());
        unavailable(&self.config, format!("following the stream failed: {why}"))
    }

    /// The error of a copy left behind the stream: the stream said it
    /// reaches sequence `last`, and nothing more came.
    pub(crate) fn behind(&self, last: u64, have: u64) -> Error {
        let why = self.status.failed.lock().clone().map(|w| format!(" ({w})")).unwrap_or_default();
        unavailable(
            &self.config,
            format!(
                "the stream holds {last} messages, this node has read {have}, and nothing more came within {} ms{why}",
                self.config.timeout.as_millis()
            ),
        )
    }

    /// Notes that the copy now holds the stream up to sequence `sequence`.
    pub(crate) fn copied(&self, sequence: u64) {
        self.status.copied.store(sequence, Ordering::Relaxed);
        self.status.stream_last.fetch_max(sequence, Ordering::Relaxed);
    }
}

/// The follower: reads the stream in order from `from` and sends whole
/// parts; on any failure it starts again from the first message of the
/// part it was reading, after a pause.
async fn follow(
    js: jetstream::Context,
    cfg: JetStreamConfig,
    from: u64,
    tx: SyncSender<Delivery>,
    status: Arc<Status>,
) {
    let mut next = from.max(1);
    loop {
        if status.stopped.load(Ordering::Relaxed) {
            return;
        }
        match follow_once(&js, &cfg, &mut next, &tx, &status).await {
            Ok(()) => return,
            Err(why) => {
                tracing::warn!(stream = %cfg.stream, %why, "following the stream stopped; starting again");
                *status.failed.lock() = Some(why);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}

/// One ordered consumer's life; `Ok` only when the receiving side is gone.
async fn follow_once(
    js: &jetstream::Context,
    cfg: &JetStreamConfig,
    next: &mut u64,
    tx: &SyncSender<Delivery>,
    status: &Status,
) -> Result<(), String> {
    let stream = js.get_stream(&cfg.stream).await.map_err(|e| e.to_string())?;
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: cfg.subject(),
            deliver_policy: consumer::DeliverPolicy::ByStartSequence { start_sequence: *next },
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
    // Following again: the stream answers.
    *status.failed.lock() = None;
    let mut part: Part = Vec::new();
    while let Some(m) = messages.next().await {
        let m = m.map_err(|e| e.to_string())?;
        let info = m.info().map_err(|e| e.to_string())?;
        let seq = info.stream_sequence;
        status.stream_last.fetch_max(seq + info.pending, Ordering::Relaxed);
        let expected = *next + part.len() as u64;
        if seq < expected {
            continue;
        }
        if seq != expected {
            return Err(format!("the stream jumped from sequence {} to {seq}", expected - 1));
        }
        let end = m.headers.as_ref().is_some_and(|h| h.get(BATCH_END).is_some());
        part.push((seq, m.payload.clone()));
        if end {
            *next = seq + 1;
            *status.failed.lock() = None;
            let whole = std::mem::take(&mut part);
            // The receiver may be slow (a large catch-up): wait for room
            // without holding up the runtime's other tasks.
            let sent = tokio::task::block_in_place(|| tx.send(Delivery::Part(whole)));
            if sent.is_err() || status.stopped.load(Ordering::Relaxed) {
                return Ok(());
            }
        }
    }
    Err("the consumer's message stream ended".into())
}

/// Decodes the message at `sequence` as the chunk whose first event is at
/// position `first`: every record must carry its position, so a message
/// that does not continue the log is damage, named by its sequence.
pub(crate) fn decode_message(sequence: u64, payload: &[u8], first: u64) -> Result<Vec<RecordedEvent>, Error> {
    let corrupt = |what: String| Error::Corruption {
        path: None,
        what: format!("the stream's message at sequence {sequence} (positions from {first}): {what}"),
    };
    let header = Header::read(payload).map_err(corrupt)?;
    header.events(first).map_err(corrupt)
}
