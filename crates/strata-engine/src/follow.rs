//! Following a log shared with other nodes (a JetStream stream): what the
//! stream delivers is taken into the store's copy and applied to the
//! projection, under the writers' lock, so that the copy and the graph
//! never disagree; readers may wait for a position to be applied.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::{Engine, Error};

/// How long the following thread waits for the stream before it looks
/// again whether the engine is still there.
const POLL: Duration = Duration::from_millis(200);

impl Engine {
    /// Applies to the projection what the store holds beyond it (events
    /// another node wrote, taken from the stream), shows them to
    /// subscribers, and returns how many. The caller holds the writers' lock.
    pub(crate) fn apply_from_store(&self) -> Result<u64, Error> {
        let head = self.store.head().position;
        let from = self.graph.read().len() + 1;
        if from > head {
            return Ok(0);
        }
        let mut records = Vec::with_capacity((head + 1 - from) as usize);
        for position in from..=head {
            match self.store.get(position)? {
                Some(rec) => records.push(rec),
                None => break,
            }
        }
        {
            let mut graph = self.graph.write();
            for rec in &records {
                graph.apply(rec).map_err(|e| Error::unbuildable(rec.position, rec.event.id, None, e))?;
            }
        }
        self.applied.send_replace(self.graph.read().len());
        self.publish(&records);
        Ok(records.len() as u64)
    }

    /// Takes what the stream has delivered into the log and the projection,
    /// waiting up to `wait` for something to come; returns how many events
    /// were applied. A no-op (0) for a log of this node's own.
    pub fn pull(&self, wait: Duration) -> Result<u64, Error> {
        if !self.store.is_remote() || !self.store.wait_incoming(wait)? {
            return Ok(0);
        }
        let _writer = self.writer.lock();
        self.store.ingest()?;
        self.apply_from_store()
    }

    /// Reads the stream up to its end as of now and applies it: after this,
    /// the node has every event acknowledged before the call. A no-op for a
    /// log of this node's own.
    pub fn catch_up(&self) -> Result<u64, Error> {
        if !self.store.is_remote() {
            return Ok(0);
        }
        let _writer = self.writer.lock();
        self.store.catch_up()?;
        self.apply_from_store()
    }

    /// Starts a thread that follows the shared log for as long as the
    /// engine lives, so that reads and subscriptions on this node see what
    /// every node writes. Does nothing for a log of this node's own.
    pub fn start_following(self: &Arc<Engine>) {
        if !self.store.is_remote() {
            return;
        }
        let weak: Weak<Engine> = Arc::downgrade(self);
        let spawned = std::thread::Builder::new().name("strata-follow".into()).spawn(move || {
            let mut failing = false;
            loop {
                let Some(engine) = weak.upgrade() else { return };
                let store = engine.store.clone();
                drop(engine);
                let ready = match store.wait_incoming(POLL) {
                    Ok(ready) => ready,
                    Err(e) => {
                        if !failing {
                            tracing::warn!(error = %e, "following the log's stream failed; retrying");
                        }
                        failing = true;
                        std::thread::sleep(POLL);
                        continue;
                    }
                };
                if !ready {
                    continue;
                }
                let Some(engine) = weak.upgrade() else { return };
                let result = {
                    let _writer = engine.writer.lock();
                    store.ingest().map_err(Error::from).and_then(|_| engine.apply_from_store())
                };
                match result {
                    Ok(_) => failing = false,
                    Err(e) => {
                        if !failing {
                            tracing::error!(error = %e, "an event from the log's stream could not be applied");
                        }
                        failing = true;
                        std::thread::sleep(POLL);
                    }
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the thread that follows the log's stream");
        }
    }

    /// Waits until the projection has applied `position` (read-your-writes
    /// across nodes), at most `timeout`; says whether it has.
    pub async fn wait_for_position(&self, position: u64, timeout: Duration) -> bool {
        let mut applied = self.applied.subscribe();
        let deadline = Instant::now() + timeout;
        loop {
            if *applied.borrow_and_update() >= position {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match tokio::time::timeout(left, applied.changed()).await {
                Ok(Ok(())) => continue,
                _ => return *applied.borrow() >= position,
            }
        }
    }

    /// The last position this node's projection has applied.
    pub fn applied(&self) -> u64 {
        *self.applied.borrow()
    }

    /// Why this node is behind the shared log, if it is: not connected to
    /// the stream, or the stream is known to hold events not applied yet.
    /// `None` when caught up, and always for a log of this node's own.
    pub fn behind(&self) -> Option<String> {
        let status = self.store.stream_status()?;
        let applied = self.applied();
        if !status.connected {
            return Some(format!(
                "not connected to the log's stream; serving what this node has applied (position {applied})"
            ));
        }
        if let Some(error) = status.error {
            return Some(format!(
                "the log's stream does not answer ({error}); serving what this node has applied (position {applied})"
            ));
        }
        if status.stream_last > status.copied {
            return Some(format!(
                "applied position {applied}; the stream holds {} more messages (chunks of events) not read yet",
                status.stream_last - status.copied
            ));
        }
        None
    }

    /// What this node knows of the shared log's stream; `None` for a log of
    /// its own.
    pub fn stream_status(&self) -> Option<strata_store::StreamStatus> {
        self.store.stream_status()
    }
}
