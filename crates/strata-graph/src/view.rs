//! The owned answers the projection gives, and the parameters of its queries.

use serde_json::{Map, Value};
use strata_core::{Day, EntityId, EntityType, Timestamp};

/// The two time coordinates of a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeFilter {
    /// Valid time: `None` means no bound (open relations, including those
    /// opening in the future, are shown; closed ones are hidden).
    pub as_of: Option<Day>,
    /// Recorded time: only events recorded at or before it are seen, and
    /// retractions recorded after it are ignored. `Timestamp::MAX` is "latest".
    pub known_at: Timestamp,
}

impl TimeFilter {
    /// The latest knowledge, with no valid-time bound.
    pub const LATEST: TimeFilter = TimeFilter { as_of: None, known_at: Timestamp::MAX };

    /// A filter at `as_of`, with the latest knowledge.
    pub fn as_of(day: Day) -> TimeFilter {
        TimeFilter { as_of: Some(day), known_at: Timestamp::MAX }
    }
}

impl Default for TimeFilter {
    fn default() -> Self {
        TimeFilter::LATEST
    }
}

/// Which edges of an entity to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Edges leaving the entity.
    Out,
    /// Edges arriving at the entity.
    In,
    /// Both.
    #[default]
    Both,
}

/// How an edge belongs to its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The edge from the event's subject to its object.
    SubjectObject,
    /// An edge from the subject (or the object) to an entity in `about`.
    About,
}

/// An entity as seen at a `TimeFilter`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityView {
    /// Its id.
    pub id: EntityId,
    /// Its type.
    pub entity_type: EntityType,
    /// Its name at the filter's `asOf` (the id when no declaration named it).
    pub name: String,
    /// Its attributes at the filter's `asOf`.
    pub attrs: Map<String, Value>,
    /// The position of the first declaration of it in the log (retracted or not).
    pub declared_by: u64,
}

/// One edge of the graph, with the interval it is valid for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationView {
    /// The relation's name (`approved`).
    pub name: String,
    /// Subject-object edge or about-link.
    pub role: Role,
    /// Where the edge starts.
    pub from: EntityId,
    /// Where it ends.
    pub to: EntityId,
    /// The first day it holds.
    pub valid_from: Day,
    /// The first day it no longer holds; `None` while open (and for marks).
    pub valid_to: Option<Day>,
    /// The entities the event was about.
    pub about: Vec<EntityId>,
    /// The position of the event that opened or marked it.
    pub event: u64,
    /// The position of the event that closed it, when `valid_to` is set.
    pub closed_by: Option<u64>,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    /// The entity the step leaves.
    pub from: EntityId,
    /// The edge it follows (possibly against its direction, for undirected paths).
    pub relation: RelationView,
    /// The entity it reaches.
    pub to: EntityId,
}

/// A path between two entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathView {
    /// Its steps, in order.
    pub steps: Vec<PathStep>,
}

impl PathView {
    /// The number of steps.
    pub fn hops(&self) -> usize {
        self.steps.len()
    }
}

/// How to search for paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathQuery {
    /// When the path must hold.
    pub time: TimeFilter,
    /// The longest path searched, in hops.
    pub max_hops: usize,
    /// Only follow relations with these names (all when `None`).
    pub relations: Option<Vec<String>>,
    /// Follow edges only in their direction.
    pub directed: bool,
}

/// A neighborhood: entities and the edges that reach them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subgraph {
    /// The entities, the centre first, then by distance and id.
    pub nodes: Vec<EntityView>,
    /// The edges followed.
    pub edges: Vec<RelationView>,
}

/// Relations that appeared and disappeared between two dates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphDiff {
    /// Visible at `to` and not at `from`.
    pub added: Vec<RelationView>,
    /// Visible at `from` and not at `to`.
    pub removed: Vec<RelationView>,
}

/// Which events to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter {
    /// Only events referring to this entity.
    pub entity: Option<EntityId>,
    /// Only these kinds.
    pub kinds: Option<Vec<String>>,
    /// Only events whose valid time starts on or after this day.
    pub from: Option<Day>,
    /// Only events whose valid time starts on or before this day.
    pub to: Option<Day>,
    /// Only events recorded at or before this instant (`None`: latest).
    pub known_at: Option<Timestamp>,
    /// Also list retracted events.
    pub include_retracted: bool,
}

/// What the projection knows of an event at a `knownAt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventStatus {
    /// Its position.
    pub position: u64,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The retraction withdrawing it, if recorded by `knownAt`.
    pub retracted_by: Option<u64>,
}

/// Counts at a `knownAt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Events in the log, retracted ones and retractions included.
    pub events: u64,
    /// Entities that exist.
    pub entities: u64,
    /// Relations (opening or marking events) currently visible, with no `asOf` bound.
    pub relations: u64,
    /// The recorded time of the last event counted.
    pub last_recorded_at: Option<Timestamp>,
}
