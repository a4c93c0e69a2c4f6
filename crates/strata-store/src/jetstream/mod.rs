//! The log in a NATS JetStream stream, shared by any number of strata nodes.
//!
//! **One message per chunk.** A message on the subject `<stream>.log` holds
//! a chunk of consecutive events: the very bytes the store keeps for them
//! (`chunk.rs`: the ids in the clear, the records compressed together), so
//! a write encodes once, and a follower stores what it reads without
//! encoding it again. A chunk closes at about 48 KiB of records, some
//! hundreds of events. Positions stay the events' own, gapless from 1: the
//! first message holds positions 1 to n, the next starts at n + 1, and each
//! record carries its position, checked when it is read. The stream's
//! sequence counts messages, so the stream must hold strata's messages
//! only (it is created with deletes and purges denied, and marked with
//! [`STREAM_FORMAT`]).
//!
//! One message per event made every event a Raft entry replicated to three
//! servers: an import ran at about a quarter of sled's speed, and a node
//! read a million messages to catch up. A chunk per message makes both a
//! few thousand messages.
//!
//! **A batch is one atomic publish.** A batch of one chunk is one publish;
//! a larger one is a JetStream atomic batch (server 2.12 and later; the
//! stream is created with `allow_atomic`), at most [`MAX_BATCH`] messages
//! (the server's limit) and [`PART_BYTES`] bytes: a batch of up to about a
//! hundred thousand events is one atomic write. A larger batch is published
//! as consecutive atomic parts, each all or nothing. The last message of
//! every part carries the header `Strata-Batch-End`, so a follower applies
//! whole parts only: no reader ever sees part of one.
//!
//! The parts of one batch are pipelined: each is sent as soon as the one
//! before it is, expecting the stream to end where that one ends, and up to
//! eight await their acknowledgements at once. A part whose predecessor did
//! not land is refused whole by that same expectation.
//!
//! **Concurrency.** The first message of a part carries
//! `Nats-Expected-Last-Sequence`: the sequence the writer's copy of the log
//! ends at. If another writer got there first the server refuses the whole
//! part ([`Error::Behind`]); the caller catches up and checks again. Every
//! message carries `Nats-Msg-Id` (its chunk's first event id), so a retried
//! publish within the stream's duplicate window is not stored twice; beyond
//! it, the engine's id index makes a retry idempotent.
//!
//! **Following.** An ordered pull consumer delivers the stream from the
//! sequence after the local copy's end, in order, part by part, into a
//! channel; [`Store::ingest`] and [`Store::catch_up`] take the parts from it
//! into the local copy (a `Store` with the same chunks as on disk), from
//! which every read is served.
//!
//! A stream that cannot be reached, or has lost its quorum, makes a publish
//! time out or fail: [`Error::Unavailable`], and nothing is acknowledged.
//!
//! [`Store::ingest`]: crate::Store::ingest
//! [`Store::catch_up`]: crate::Store::catch_up
//!
//! `connect.rs` opens the connection and checks the stream, `publish.rs`
//! writes batches in atomic parts, `follow.rs` reads the stream in order
//! into this node's copy.

mod connect;
mod follow;
mod publish;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use parking_lot::Mutex;

pub(crate) use crate::jetstream::follow::{decode_message, Incoming, Part};
use crate::Error;

/// The subdirectory of a node's `data_dir` that holds its copy of the stream.
pub const COPY_DIR: &str = "stream-copy";

/// The most messages the server takes in one atomic batch.
pub const MAX_BATCH: usize = 1000;

/// The most bytes of chunks one atomic part carries: the server holds a
/// batch in memory until its commit and stores it as one replicated entry.
pub const PART_BYTES: usize = 8 << 20;

/// The stream's metadata key naming the layout of its messages.
const FORMAT_KEY: &str = "strata-format";

/// The layout of the messages this build writes and reads: one chunk of
/// consecutive events per message.
pub const STREAM_FORMAT: &str = "strata-stream/2";

/// The header on the last message of every atomic part.
const BATCH_END: &str = "Strata-Batch-End";

/// The header giving the position of a message's first event.
const POSITION: &str = "Strata-Position";

/// The room a message's headers take, at most (ids, batch headers).
const HEADER_ALLOWANCE: usize = 512;

/// How many `--log-timeout`s opening waits for the stream to answer.
const OPEN_PATIENCE: u32 = 6;

/// How many whole parts the follower may read ahead of the local copy.
const READ_AHEAD: usize = 256;

/// Where the log lives when it is in JetStream.
#[derive(Debug, Clone)]
pub struct JetStreamConfig {
    /// The servers, `nats://HOST:PORT` each; any one reachable will do.
    pub urls: Vec<String>,
    /// The stream's name (created if missing).
    pub stream: String,
    /// The replicas of the stream when strata creates it (1, 3 or 5).
    pub replicas: usize,
    /// This node's own directory: its checkpoints and, when
    /// [`JetStreamConfig::local_copy`], its copy of the stream (in
    /// [`COPY_DIR`]), both rebuildable from the stream.
    pub data_dir: Option<PathBuf>,
    /// Whether the node keeps its copy of the stream on disk in `data_dir`,
    /// so that a restart reads only the messages after it (default); when
    /// not, or without a `data_dir`, the copy is in memory and every open
    /// reads the whole stream (`strata verify` does, to check the stream
    /// itself).
    pub local_copy: bool,
    /// How long a publish, or a request to the stream, may take before it
    /// counts as unavailable.
    pub timeout: Duration,
    /// The most messages (chunks) in one atomic part: [`MAX_BATCH`], the
    /// server's limit, unless set lower (tests use a few, to see batches
    /// cut into parts without writing a hundred thousand events).
    pub part_messages: usize,
}

impl JetStreamConfig {
    /// The stream `stream` on the servers `urls`, one replica when
    /// created, a five-second timeout, no local directory.
    pub fn new(urls: Vec<String>, stream: impl Into<String>) -> JetStreamConfig {
        JetStreamConfig {
            urls,
            stream: stream.into(),
            replicas: 1,
            data_dir: None,
            timeout: Duration::from_secs(5),
            part_messages: MAX_BATCH,
            local_copy: true,
        }
    }

    fn subject(&self) -> String {
        format!("{}.log", self.stream)
    }
}

/// What a node knows about the stream it follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamStatus {
    /// Whether the client is connected to a server.
    pub connected: bool,
    /// The stream's last sequence (its message count) as last heard from
    /// it (0 if never).
    pub stream_last: u64,
    /// The last sequence this node's copy holds.
    pub copied: u64,
    /// Why the stream did not answer last, if it did not: following
    /// stopped, or a write was not acknowledged (cleared when it answers).
    pub error: Option<String>,
}

/// The shared state the follower task updates.
#[derive(Default)]
struct Status {
    stream_last: AtomicU64,
    copied: AtomicU64,
    failed: Mutex<Option<String>>,
    stopped: AtomicBool,
}

/// The connection to the stream, its follower, and the parts it delivered.
pub(crate) struct Remote {
    runtime: Option<tokio::runtime::Runtime>,
    client: async_nats::Client,
    js: jetstream::Context,
    config: JetStreamConfig,
    incoming: Mutex<Incoming>,
    status: Arc<Status>,
}

impl Remote {
    fn handle(&self) -> Result<&tokio::runtime::Handle, Error> {
        self.runtime.as_ref().map(|r| r.handle()).ok_or_else(|| Error::Other("the NATS client has stopped".into()))
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.config.timeout
    }

    pub(crate) fn incoming(&self) -> &Mutex<Incoming> {
        &self.incoming
    }

    pub(crate) fn status(&self) -> StreamStatus {
        StreamStatus {
            connected: self.client.connection_state() == async_nats::connection::State::Connected,
            stream_last: self.status.stream_last.load(Ordering::Relaxed),
            copied: self.status.copied.load(Ordering::Relaxed),
            error: self.status.failed.lock().clone(),
        }
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.status.stopped.store(true, Ordering::Relaxed);
        // Dropping a runtime waits for its tasks, which may not be done from
        // inside another runtime (the server's); this returns at once.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The error of a stream that cannot take or answer a request.
fn unavailable(cfg: &JetStreamConfig, reason: String) -> Error {
    Error::Unavailable { stream: cfg.stream.clone(), servers: cfg.urls.join(","), reason }
}

/// Runs `fut` on the client's runtime and waits for it, from any thread
/// (also from inside another runtime, where `block_on` is not allowed).
fn run<T: Send + 'static>(
    handle: &tokio::runtime::Handle,
    cfg: &JetStreamConfig,
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, Error>> + Send + 'static,
) -> Result<T, Error> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let late = unavailable(cfg, format!("no answer within {} ms", limit.as_millis()));
    handle.spawn(async move {
        let out = match tokio::time::timeout(limit, fut).await {
            Ok(out) => out,
            Err(_) => Err(late),
        };
        let _ = tx.send(out);
    });
    rx.recv().unwrap_or_else(|_| Err(Error::Other("the NATS client's task ended without an answer".into())))
}
