//! The projection's error: an event from the log that it cannot apply.

use strata_core::EventId;

/// An event read from the log that does not fit the projection: only possible
/// when the vocabulary changed since the event was stored, or the log was
/// altered outside strata.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The event's kind is not in the vocabulary.
    #[error("event {event} at position {position} has kind {kind:?}, which the vocabulary does not define")]
    UnknownKind {
        /// The event's position.
        position: u64,
        /// The event's id.
        event: EventId,
        /// Its kind.
        kind: String,
    },
    /// The event refers to an entity or event the log does not have before it.
    #[error("event {event} at position {position} does not apply to the log before it: {reason}")]
    Inconsistent {
        /// The event's position.
        position: u64,
        /// The event's id.
        event: EventId,
        /// What is wrong.
        reason: String,
    },
    /// Events must be applied in log order, from position 1, without gaps.
    #[error("event at position {got} applied out of order: the projection expected position {expected}")]
    OutOfOrder {
        /// The position the projection expected.
        expected: u64,
        /// The position it was given.
        got: u64,
    },
}

impl ApplyError {
    /// Why the event does not apply, without its position and id (for a
    /// caller that names them itself).
    pub fn reason(&self) -> String {
        match self {
            ApplyError::UnknownKind { kind, .. } => {
                format!("its kind {kind:?} is not in the vocabulary")
            }
            ApplyError::Inconsistent { reason, .. } => reason.clone(),
            ApplyError::OutOfOrder { expected, .. } => {
                format!("it came out of order (the graph expected position {expected})")
            }
        }
    }
}
