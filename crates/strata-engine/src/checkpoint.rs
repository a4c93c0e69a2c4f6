//! Writing checkpoints: the projection kept beside the log, so that an
//! open replays only the events after it (`open.rs` loads it).
//!
//! New checkpoints are written on a background thread once the log has
//! grown [`Config::checkpoint_every`](crate::Config) events past the last
//! one: the thread encodes the projection under a read lock (readers go on;
//! the next writer waits for the encoding) and writes the file without any
//! lock. Dropping the engine waits for a write in progress.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use strata_graph::Projection;
use strata_store::Store;

use crate::{Engine, Error};

/// The default of `Config::checkpoint_every`: replaying this many events
/// takes about half a second on two cores.
pub(crate) const DEFAULT_EVERY: u64 = 100_000;

/// What [`Engine::checkpoint`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointOutcome {
    /// The last position it holds.
    pub position: u64,
    /// Its size on disk, compressed (0 for a store in memory).
    pub bytes: u64,
    /// The time taken to encode and write it.
    pub elapsed: Duration,
}

/// The engine's checkpointing state.
pub(crate) struct Checkpoints {
    every: u64,
    /// The position of the newest checkpoint on disk (written or loaded).
    written: Arc<AtomicU64>,
    running: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpoints {
    pub(crate) fn new(every: u64, loaded: u64) -> Checkpoints {
        Checkpoints { every, written: Arc::new(AtomicU64::new(loaded)), running: Mutex::new(None) }
    }
}

/// Encodes the projection (under its read lock) and writes it.
fn write(store: &Store, graph: &RwLock<Projection>, written: &AtomicU64) -> Result<CheckpointOutcome, Error> {
    let started = Instant::now();
    let (position, bytes) = {
        let g = graph.read();
        (g.len(), g.to_checkpoint())
    };
    let on_disk = store.write_checkpoint(&bytes)?;
    written.fetch_max(position, Ordering::SeqCst);
    Ok(CheckpointOutcome { position, bytes: on_disk, elapsed: started.elapsed() })
}

impl Engine {
    /// Writes a checkpoint of the projection now, after waiting for one in
    /// progress. The engine also writes them by itself, in the background
    /// (see [`Config::checkpoint_every`](crate::Config)); call this to have
    /// one before a planned restart.
    pub fn checkpoint(&self) -> Result<CheckpointOutcome, Error> {
        let mut running = self.checkpoints.running.lock();
        if let Some(h) = running.take() {
            let _ = h.join();
        }
        write(&self.store, &self.graph, &self.checkpoints.written)
    }

    /// Starts a background checkpoint if the log has grown enough since the
    /// last one and none is being written.
    pub(crate) fn checkpoint_in_background(&self) {
        let c = &self.checkpoints;
        if c.every == 0 || self.store.checkpoint_dir().is_none() {
            return;
        }
        let len = self.graph.read().len();
        if len.saturating_sub(c.written.load(Ordering::SeqCst)) < c.every {
            return;
        }
        let mut running = c.running.lock();
        if running.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let (store, graph, written) = (Arc::clone(&self.store), Arc::clone(&self.graph), Arc::clone(&c.written));
        let spawned = std::thread::Builder::new().name("strata-checkpoint".into()).spawn(move || {
            match write(&store, &graph, &written) {
                Ok(o) => tracing::info!(
                    position = o.position,
                    bytes = o.bytes,
                    elapsed_ms = o.elapsed.as_millis() as u64,
                    "checkpoint written"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "could not write a checkpoint; the next open replays more of the log")
                }
            }
        });
        match spawned {
            Ok(h) => *running = Some(h),
            Err(e) => tracing::warn!(error = %e, "could not start the checkpoint thread"),
        }
    }
}

impl Engine {
    /// For a process about to exit: waits for a checkpoint being written,
    /// then lets the process end without freeing the projection item by
    /// item, which at a million events took about a tenth of a one-shot
    /// `strata query`. Nothing is lost that was acknowledged: an append is
    /// durable before it returns, so exiting now is no different from being
    /// stopped after it (what the crash tests prove).
    pub fn exit(engine: Arc<Engine>) {
        if let Some(h) = engine.checkpoints.running.lock().take() {
            let _ = h.join();
        }
        std::mem::forget(engine);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(h) = self.checkpoints.running.get_mut().take() {
            let _ = h.join();
        }
    }
}
