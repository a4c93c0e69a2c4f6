//! The errors of the core crate: every one names where the bad input was.

use std::fmt;

/// Where in a batch an event came from, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A line of an NDJSON file (1-based), as people count lines in an editor.
    Line(usize),
    /// An element of a GraphQL `events` list (0-based, as in the query).
    Index(usize),
    /// A single event with no position in a batch (e.g. `retractEvent`).
    Single,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Index(i) => write!(f, "events[{i}]"),
            Location::Single => write!(f, "event"),
        }
    }
}

/// One event that cannot be accepted: where, which field, and why.
///
/// Displayed as `line 3, field `at`: invalid date "2024-13-02": ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEvent {
    /// Where the event is in its batch.
    pub location: Location,
    /// The offending field, as a path (`subject`, `about[1]`, `source.published`).
    pub field: String,
    /// Why it was refused, in a sentence a user can act on.
    pub reason: String,
}

impl InvalidEvent {
    /// Builds an error for `field` at `location`.
    pub fn new(location: Location, field: impl Into<String>, reason: impl Into<String>) -> Self {
        InvalidEvent { location, field: field.into(), reason: reason.into() }
    }
}

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.location, self.reason)
        } else {
            write!(f, "{}, field `{}`: {}", self.location, self.field, self.reason)
        }
    }
}

impl std::error::Error for InvalidEvent {}

/// Errors of the core crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An event was refused.
    #[error(transparent)]
    Invalid(#[from] InvalidEvent),
    /// A vocabulary file could not be read as a vocabulary.
    #[error("vocabulary: {0}")]
    Vocabulary(String),
}
