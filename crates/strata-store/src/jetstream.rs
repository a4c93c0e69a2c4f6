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

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, stream};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures_util::StreamExt;
use parking_lot::Mutex;
use strata_core::RecordedEvent;

use crate::chunk::{self, Header};
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

/// A whole atomic part as delivered: (stream sequence, payload) of each message.
pub(crate) type Part = Vec<(u64, Bytes)>;

/// What the follower task sends.
enum Delivery {
    Part(Part),
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

/// Parts received from the follower, waiting for the writer's lock.
pub(crate) struct Incoming {
    rx: Receiver<Delivery>,
    pub(crate) stash: std::collections::VecDeque<Part>,
}

impl Remote {
    /// Connects, creates the stream if it is missing, and starts following
    /// it from `from` (a position).
    pub(crate) fn connect(config: &JetStreamConfig) -> Result<Remote, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("strata-nats")
            .enable_all()
            .build()
            .map_err(|e| Error::Other(format!("cannot start the NATS client's threads: {e}")))?;
        let addrs = config
            .urls
            .iter()
            .map(|u| u.parse::<async_nats::ServerAddr>().map_err(|e| Error::Other(format!("--log {u}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if addrs.is_empty() {
            return Err(Error::Other("--log names no server".into()));
        }
        let timeout = config.timeout;
        let patience = timeout * OPEN_PATIENCE;
        let cfg = config.clone();
        let (client, js) = run(runtime.handle(), config, patience + timeout * 2, async move {
            // Servers just started (the README's recipe starts them a
            // moment before the first import) refuse connections, then
            // answer JetStream requests only once their cluster has
            // elected a leader: wait for that, saying so, up to `patience`.
            let started = Instant::now();
            let mut said = false;
            loop {
                let tried = async {
                    let client = async_nats::ConnectOptions::new()
                        .connection_timeout(timeout)
                        .request_timeout(Some(timeout))
                        .connect(addrs.clone())
                        .await
                        .map_err(|e| unavailable(&cfg, format!("cannot connect: {e}")))?;
                    let mut js = jetstream::new(client.clone());
                    js.set_timeout(timeout);
                    ensure_stream(&js, &cfg).await?;
                    Ok((client, js))
                }
                .await;
                match tried {
                    Err(Error::Unavailable { stream, servers, reason }) if started.elapsed() < patience => {
                        if !said {
                            tracing::info!(%stream, %servers, %reason, "waiting for the log's stream to answer");
                            said = true;
                        }
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Err(Error::Unavailable { stream, servers, reason }) if said => {
                        let waited = started.elapsed().as_secs();
                        return Err(Error::Unavailable {
                            stream,
                            servers,
                            reason: format!("{reason} (waited {waited} s)"),
                        });
                    }
                    other => return other,
                }
            }
        })?;
        let (_tx, rx) = std::sync::mpsc::sync_channel(READ_AHEAD);
        Ok(Remote {
            runtime: Some(runtime),
            client,
            js,
            config: config.clone(),
            incoming: Mutex::new(Incoming { rx, stash: Default::default() }),
            status: Arc::new(Status::default()),
        })
    }

    /// Starts the follower task from stream sequence `from`.
    pub(crate) fn follow_from(&self, from: u64) -> Result<(), Error> {
        let (tx, rx) = std::sync::mpsc::sync_channel(READ_AHEAD);
        *self.incoming.lock() = Incoming { rx, stash: Default::default() };
        let handle = self.handle()?;
        handle.spawn(follow(self.js.clone(), self.config.clone(), from, tx, self.status.clone()));
        Ok(())
    }

    fn handle(&self) -> Result<&tokio::runtime::Handle, Error> {
        self.runtime.as_ref().map(|r| r.handle()).ok_or_else(|| Error::Other("the NATS client has stopped".into()))
    }

    /// The stream's last sequence, asked of the stream.
    pub(crate) fn last_sequence(&self) -> Result<u64, Error> {
        let js = self.js.clone();
        let cfg = self.config.clone();
        let last = run(self.handle()?, &self.config, self.config.timeout, async move {
            let mut s = js.get_stream(&cfg.stream).await.map_err(|e| unavailable(&cfg, e.to_string()))?;
            let info = s.info().await.map_err(|e| unavailable(&cfg, e.to_string()))?;
            Ok(info.state.last_sequence)
        })?;
        self.status.stream_last.fetch_max(last, Ordering::Relaxed);
        Ok(last)
    }

    /// The payload of the message at `sequence`, asked of the stream's
    /// leader; `None` if the stream holds no such message.
    pub(crate) fn message_at(&self, sequence: u64) -> Result<Option<Bytes>, Error> {
        let js = self.js.clone();
        let cfg = self.config.clone();
        run(self.handle()?, &self.config, self.config.timeout, async move {
            let s = js.get_stream(&cfg.stream).await.map_err(|e| unavailable(&cfg, e.to_string()))?;
            match s.get_raw_message(sequence).await {
                Ok(m) => Ok(Some(m.payload)),
                Err(e) if matches!(e.kind(), stream::LastRawMessageErrorKind::NoMessageFound) => Ok(None),
                Err(e) => Err(unavailable(&cfg, format!("reading the message at sequence {sequence}: {e}"))),
            }
        })
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

    pub(crate) fn timeout(&self) -> Duration {
        self.config.timeout
    }

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

/// Creates the stream if it is missing; checks that it can hold strata's log.
async fn ensure_stream(js: &jetstream::Context, cfg: &JetStreamConfig) -> Result<(), Error> {
    let wanted = stream::Config {
        name: cfg.stream.clone(),
        subjects: vec![cfg.subject()],
        num_replicas: cfg.replicas.max(1),
        allow_atomic_publish: true,
        deny_delete: true,
        deny_purge: true,
        allow_direct: true,
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        metadata: [(FORMAT_KEY.to_owned(), STREAM_FORMAT.to_owned())].into_iter().collect(),
        ..Default::default()
    };
    let mut stream = js.get_or_create_stream(wanted).await.map_err(|e| unavailable(cfg, e.to_string()))?;
    let info = stream.info().await.map_err(|e| unavailable(cfg, e.to_string()))?;
    let subject = cfg.subject();
    if !info.config.subjects.contains(&subject) || info.config.subjects.len() != 1 {
        return Err(Error::Other(format!(
            "the stream {} exists but holds other subjects ({}); strata needs a stream of its own (subject {subject})",
            cfg.stream,
            info.config.subjects.join(", ")
        )));
    }
    if !info.config.allow_atomic_publish {
        return Err(Error::Other(format!(
            "the stream {} does not allow atomic batch publish (allow_atomic); strata needs it (nats-server 2.12 or later)",
            cfg.stream
        )));
    }
    let format = info.config.metadata.get(FORMAT_KEY).map(String::as_str);
    if format != Some(STREAM_FORMAT) && (info.state.messages > 0 || format.is_some()) {
        return Err(Error::Other(format!(
            "the stream {} holds messages in the layout {}, which this build does not read (it writes {STREAM_FORMAT}); \
             export the log with the strata that wrote it and import the export into a new stream (--stream NAME)",
            cfg.stream,
            format.unwrap_or("of one event per message (strata-stream/1)")
        )));
    }
    if info.state.messages > 0 && info.state.first_sequence != 1 {
        return Err(Error::Other(format!(
            "the stream {} starts at sequence {}, not 1: messages were removed, and the log must be gapless",
            cfg.stream, info.state.first_sequence
        )));
    }
    Ok(())
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
