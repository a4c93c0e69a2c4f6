//! strata's events, entity references, the two time axes and the vocabulary; no I/O.
//!
//! Everything that enters strata is an [`Event`]. This crate turns untrusted
//! input (an NDJSON line, a GraphQL input object) into typed, checked values
//! and back into lines for export. It knows nothing of the store or the graph:
//! checks that need the state of the log (does this entity exist? is there an
//! open relation to close?) live in `strata-graph`.

mod batch;
mod error;
mod event;
mod id;
mod line;
mod time;
mod vocabulary;

pub use batch::{parse_batch, BatchError, ParsedBatch};
pub use error::{Error, InvalidEvent, Location};
pub use event::{ClaimStatus, EntityDecl, EntityRef, Event, RecordedEvent, Source, StatusSet};
pub use id::{EntityId, EntityType, EventId};
pub use line::{event_value, parse_line, parse_value, source_value, to_line, ParsedLine, LINE_FIELDS};
pub use time::{Day, Precision, Timestamp, ValidTime};
pub use vocabulary::{Effect, KindSpec, ObjectRule, Vocabulary, BUILTIN_VOCABULARY};
