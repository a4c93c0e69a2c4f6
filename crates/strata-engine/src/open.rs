//! Opening fast: the projection is checkpointed beside the log, loaded on
//! open, and only the events after it are replayed.
//!
//! The checkpoint is an accelerator, never a source of truth. Loading one
//! checks, in order: that the file reads back whole (the store's CRC), that
//! it decodes with every index in range (the graph's decoder), that it was
//! written with the vocabulary in force, and that the log still holds, at
//! the checkpoint's last position, the very event (id and recorded time) it
//! was taken after. Anything else, and the checkpoint is ignored with a
//! warning and the projection rebuilt from the whole log, which is always
//! correct, only slower. Writing checkpoints is `checkpoint.rs`'s.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use strata_core::{RecordedEvent, Vocabulary};
use strata_graph::Projection;
use strata_store::{JetStreamConfig, Store};
use tokio::sync::broadcast;

use crate::checkpoint::Checkpoints;
use crate::{Config, Engine, Error};

/// How [`Engine::open`] built the projection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Opened {
    /// The position of the checkpoint it started from (0: none, the whole log was replayed).
    pub from_checkpoint: u64,
    /// The events replayed from the log after it.
    pub replayed: u64,
    /// Whether a checkpoint was there but could not be used (the reason was logged).
    pub checkpoint_ignored: bool,
    /// The time it took, from the start of the open (the store's opening
    /// included) to the projection being ready.
    pub elapsed: Duration,
}

impl Engine {
    /// Opens (or creates) the store and builds the projection: from the
    /// checkpoint kept beside the log and the events after it when there is
    /// a usable one, from the whole log otherwise (see [`Engine::opened`]).
    pub fn open(config: Config) -> Result<Engine, Error> {
        let started = std::time::Instant::now();
        // The checkpoint is read and decoded while sled opens the log.
        let (store, decoded) = std::thread::scope(|s| {
            let decoding = config.data_dir.as_deref().map(|dir| s.spawn(|| decode(dir, &config.vocabulary)));
            let store = match (&config.log, &config.data_dir) {
                (Some(log), dir) => Store::open_jetstream(&JetStreamConfig { data_dir: dir.clone(), ..log.clone() }),
                (None, Some(dir)) => Store::open(dir),
                (None, None) => Ok(Store::memory()),
            };
            let decoded = decoding.map(|h| h.join().unwrap_or_else(|_| Err("decoding the checkpoint failed".into())));
            (store, decoded)
        });
        let store = store?;
        let (graph, mut opened) = load(&store, &config.vocabulary, decoded.unwrap_or(Ok(None)))?;
        opened.elapsed = started.elapsed();
        tracing::info!(
            events = graph.len(),
            from_checkpoint = opened.from_checkpoint,
            replayed = opened.replayed,
            elapsed_ms = opened.elapsed.as_millis() as u64,
            "projection ready"
        );
        let (appended, _) = broadcast::channel(config.subscription_buffer.max(1));
        let checkpoints = Checkpoints::new(config.checkpoint_every, opened.from_checkpoint);
        let (applied, _) = tokio::sync::watch::channel(graph.len());
        let engine = Engine {
            applied,
            store: Arc::new(store),
            graph: Arc::new(RwLock::new(graph)),
            writer: Mutex::new(()),
            appended,
            checkpoints,
            opened,
        };
        engine.checkpoint_in_background();
        Ok(engine)
    }
}

/// The checkpoint in data directory `dir`, decoded: `None` if there is
/// none, why not if it cannot be used. Reads no part of the log.
pub(crate) fn decode(dir: &Path, vocab: &Vocabulary) -> Result<Option<Projection>, String> {
    let Some(bytes) = Store::read_checkpoint_in(dir).map_err(|e| e.to_string())? else { return Ok(None) };
    Projection::from_checkpoint(&bytes, vocab.clone()).map(Some).map_err(|e| e.to_string())
}

/// Builds the projection for `store`: from its `decoded` checkpoint if it
/// fits the log, then the tail.
pub(crate) fn load(
    store: &Store,
    vocab: &Vocabulary,
    decoded: Result<Option<Projection>, String>,
) -> Result<(Projection, Opened), Error> {
    let mut opened = Opened::default();
    let mut graph = match decoded.and_then(|graph| fits(store, graph)) {
        Ok(Some(graph)) => graph,
        Ok(None) => Projection::new(vocab.clone()),
        Err(reason) => {
            tracing::warn!(%reason, "ignoring the checkpoint; rebuilding the graph from the whole log");
            opened.checkpoint_ignored = true;
            Projection::new(vocab.clone())
        }
    };
    opened.from_checkpoint = graph.len();
    match replay(store, &mut graph) {
        Ok(n) => opened.replayed = n,
        // The checkpoint passed every check yet the log does not continue
        // it: trust the log.
        Err(Error::Rebuild { cause: e, .. }) if opened.from_checkpoint > 0 => {
            tracing::warn!(reason = %e, "the log does not continue the checkpoint; rebuilding the graph from the whole log");
            graph = Projection::new(vocab.clone());
            opened = Opened { checkpoint_ignored: true, replayed: replay(store, &mut graph)?, ..Opened::default() };
        }
        Err(e) => return Err(e),
    }
    Ok((graph, opened))
}

/// The decoded checkpoint if the log still holds, at its last position,
/// the event it was taken after; why not otherwise.
fn fits(store: &Store, graph: Option<Projection>) -> Result<Option<Projection>, String> {
    let Some(graph) = graph else { return Ok(None) };
    let mark = graph.mark();
    let Some((id, recorded_at)) = mark.last else { return Ok(Some(graph)) };
    let log_len = store.len();
    if mark.position > log_len {
        return Err(format!(
            "the checkpoint ends at position {}, after the log's last position {log_len}",
            mark.position
        ));
    }
    match store.get(mark.position).map_err(|e| e.to_string())? {
        Some(rec) if rec.event.id == id && rec.recorded_at == recorded_at => Ok(Some(graph)),
        _ => {
            Err(format!("the log's event at position {} is not the one the checkpoint was taken after", mark.position))
        }
    }
}

/// Events handed from the reading thread to the applying one at a time.
const REPLAY_BATCH: usize = 1024;

/// Applies the log's events after the projection's last one; returns how
/// many. An event that does not apply is an [`Error::Rebuild`] naming its
/// position and id.
fn replay(store: &Store, graph: &mut Projection) -> Result<u64, Error> {
    read_ahead(store, graph.len() + 1, |rec| {
        graph.apply(rec).map_err(|e| Error::unbuildable(rec.position, rec.event.id, store.dir(), e))
    })
}

/// Hands `each` the log's events from position `from`, in order, and
/// returns how many it took; the first error (the log's or `each`'s) stops
/// it. Reading (decompressing, decoding) and applying take about the same
/// time, so the log is read on a second thread while this one runs `each`.
/// The events go back to the reading thread to be dropped: freed on the
/// thread that allocated them, they cost the allocator a third less than
/// freed on this one (measured on a replay of a million events).
pub(crate) fn read_ahead(
    store: &Store,
    from: u64,
    mut each: impl FnMut(&RecordedEvent) -> Result<(), Error>,
) -> Result<u64, Error> {
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<RecordedEvent>, Error>>(8);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Vec<RecordedEvent>>();
        s.spawn(move || {
            let mut batch = Vec::with_capacity(REPLAY_BATCH);
            for rec in store.scan(from) {
                match rec {
                    Ok(rec) => batch.push(rec),
                    Err(e) => {
                        // The events before the failure go first.
                        let _ = tx.send(Ok(batch));
                        let _ = tx.send(Err(e.into()));
                        return;
                    }
                }
                if batch.len() == REPLAY_BATCH {
                    let next = match done_rx.try_recv() {
                        Ok(mut used) => {
                            used.clear();
                            used
                        }
                        Err(_) => Vec::with_capacity(REPLAY_BATCH),
                    };
                    let full = std::mem::replace(&mut batch, next);
                    // The receiver hangs up only after `each` failed.
                    if tx.send(Ok(full)).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(Ok(batch));
        });
        let mut taken = 0u64;
        for batch in rx {
            let batch = batch?;
            for rec in &batch {
                each(rec)?;
                taken += 1;
            }
            // Dropped by the reader, or here if it has finished.
            let _ = done_tx.send(batch);
        }
        Ok(taken)
    })
}
