//! The engine's error: what went wrong with an append or a read.

use strata_core::InvalidEvent;

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An event of the batch was refused; nothing of the batch was stored.
    #[error(transparent)]
    Invalid(#[from] InvalidEvent),
    /// The append named the position it expected the log to be at, and the
    /// log had moved on; nothing was stored.
    #[error("the log is at position {actual}, not at the expected position {expected}; read the new events and retry")]
    Conflict {
        /// The position the writer expected.
        expected: u64,
        /// The log's actual position.
        actual: u64,
    },
    /// The store failed or is damaged.
    #[error(transparent)]
    Store(#[from] strata_store::Error),
    /// The log holds an event the projection cannot apply (e.g. its kind was
    /// removed from the vocabulary).
    #[error("cannot rebuild the graph from the log: {0}")]
    Rebuild(#[from] strata_graph::ApplyError),
}
