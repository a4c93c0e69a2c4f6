//! The log alone: read a store's events without building the graph, so a
//! store whose graph cannot be built (a vocabulary that lacks a kind the
//! log uses, say) can still be exported, mended and imported again.

use std::path::Path;

use strata_core::RecordedEvent;
use strata_store::{Head, Store};

use crate::Error;

/// A store's log, opened for reading without a vocabulary or a projection.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// {
///     let engine = strata_engine::Engine::open(strata_engine::Config::at(dir.path()))?;
///     engine.append_text(r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"}}"#, None)?;
/// }
/// let log = strata_engine::Log::open(dir.path())?;
/// assert_eq!(log.head().position, 1);
/// let first = log.scan(1).next().transpose()?;
/// assert_eq!(first.map(|r| r.event.kind), Some("entity_declared".to_owned()));
/// # Ok(()) }
/// ```
pub struct Log {
    store: Store,
}

impl Log {
    /// Opens the log in data directory `dir` (creating an empty store if the
    /// directory is missing or empty), with the same checks as
    /// [`Engine::open`](crate::Engine::open) makes of it: a damaged, foreign
    /// or locked directory is an error.
    pub fn open(dir: &Path) -> Result<Log, Error> {
        Ok(Log { store: Store::open(dir)? })
    }

    /// Opens the log kept in a JetStream stream, read whole as it stands.
    pub fn open_jetstream(config: &strata_store::JetStreamConfig) -> Result<Log, Error> {
        Ok(Log { store: Store::open_jetstream(config)? })
    }

    /// The log's last position and recorded time.
    pub fn head(&self) -> Head {
        self.store.head()
    }

    /// Events from position `from` (inclusive) in log order, up to the head
    /// as it was when the scan began.
    pub fn scan(&self, from: u64) -> impl Iterator<Item = Result<RecordedEvent, Error>> + '_ {
        self.store.scan(from).map(|r| r.map_err(Error::from))
    }
}
