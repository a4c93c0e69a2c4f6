//! The engine's error: what went wrong with an append, a read, or a check
//! of the store, each with what a person can do about it.

use std::fmt;
use std::path::{Path, PathBuf};

use strata_core::{EventId, InvalidEvent};

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
    /// removed from the vocabulary). The log itself is intact: it exports
    /// without the graph.
    #[error("{}", Unbuildable { at: *at, dir: dir.as_deref(), cause })]
    Rebuild {
        /// The event that does not apply: its position and id, when known.
        at: Option<(u64, EventId)>,
        /// The data directory, for a store on disk.
        dir: Option<PathBuf>,
        /// Why it does not apply (part of the message, not a separate
        /// source, so that a chain of errors says it once).
        cause: strata_graph::ApplyError,
    },
    /// The checkpoint kept beside the log is not what a replay of the log
    /// gives (found by `verify`; opening ignores such a checkpoint).
    #[error(
        "the checkpoint {} {reason}; it only saves time on open: delete it, and the next open rebuilds \
         the graph from the log and writes a new one",
        path.display()
    )]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<strata_graph::ApplyError> for Error {
    fn from(cause: strata_graph::ApplyError) -> Error {
        Error::Rebuild { at: None, dir: None, cause }
    }
}

impl Error {
    /// Whether the shared log's stream could not take or answer a request
    /// (nothing was stored); a client may retry later.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Store(strata_store::Error::Unavailable { .. }))
    }

    /// The event at `position` with id `event`, read from the log in
    /// `dir`, does not apply to the graph.
    pub(crate) fn unbuildable(
        position: u64,
        event: EventId,
        dir: Option<&Path>,
        cause: strata_graph::ApplyError,
    ) -> Error {
        Error::Rebuild { at: Some((position, event)), dir: dir.map(Path::to_path_buf), cause }
    }
}

/// Displays a log the graph cannot be built from, with the way out: the
/// log exports without the graph, so it can be mended and imported again.
struct Unbuildable<'a> {
    at: Option<(u64, EventId)>,
    dir: Option<&'a Path>,
    cause: &'a strata_graph::ApplyError,
}

impl fmt::Display for Unbuildable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((position, event)) = self.at else {
            return write!(f, "cannot apply an event to the graph: {}", self.cause);
        };
        write!(
            f,
            "cannot build the graph from the log: the event at position {position} (id {event}) does not apply: {}. \
             The log itself is intact and exports without the graph: run `strata export",
            self.cause.reason()
        )?;
        if let Some(dir) = self.dir {
            write!(f, " --data {}", dir.display())?;
        }
        f.write_str(
            " > log.ndjson`, fix or drop that event's line, and import the file into a new --data directory; \
             or pass the --vocabulary FILE the log was written with",
        )
    }
}
