//! strata's temporal projection of the event log over petgraph; pure, no I/O.
//!
//! A [`Projection`] is built by applying [`RecordedEvent`]s in log order. Its
//! nodes are entities, its edges relations; every edge carries the event that
//! opened it, its role, its valid interval and (through its events) its
//! recorded interval, so one graph answers every `asOf`/`knownAt` pair
//! without replaying the log.
//!
//! The projection also checks batches before they are stored
//! ([`Projection::check`]): the rules that need the state of the log (does the
//! entity exist, is there an open relation to close) live here, next to the
//! state they read, in one place (`rules.rs`) that both the check and
//! [`Projection::apply`] go through, so whatever the check accepts, apply
//! applies.
//!
//! Architecture invariant: this crate does no I/O and knows neither sled nor
//! GraphQL. Everything it holds can be rebuilt from the log.

mod checkpoint;
mod error;
mod evidence;
mod knowledge;
mod merge;
mod projection;
mod query;
mod rules;
mod scratch;
mod search;
mod traverse;
mod view;

pub use checkpoint::{CheckpointError, CheckpointMark};
pub use error::ApplyError;
pub use evidence::values_conflict;
pub use projection::Projection;
pub use view::{
    Connection, Direction, Disagreement, DisagreementFilter, DisagreementReason, EntityView, EventFilter, EventStatus,
    GraphDiff, KnowledgeDiff, KnowledgeQuery, PathQuery, PathStep, PathView, RelationView, Role, SearchHit, Stats,
    Subgraph, TemporalQuery, TimeFilter,
};

pub use strata_core::{RecordedEvent, Timestamp};
