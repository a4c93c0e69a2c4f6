//! The owned answers the projection gives, and the parameters of its queries.

use serde_json::{Map, Value};
use strata_core::{ClaimStatus, Day, EntityId, EntityType, StatusSet, Timestamp};

/// The two time coordinates of a read, and which claims it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeFilter {
    /// Valid time: `None` means no bound (open relations, including those
    /// opening in the future, are shown; closed ones are hidden).
    pub as_of: Option<Day>,
    /// Recorded time: only events recorded at or before it are seen, and
    /// retractions recorded after it are ignored. `Timestamp::MAX` is "latest".
    pub known_at: Timestamp,
    /// The statuses of the relations shown: a relation is shown only when
    /// its event's status is in the set (by default, `confirmed` and
    /// `reported`: what is believed to have happened).
    pub statuses: StatusSet,
}

impl TimeFilter {
    /// The latest knowledge, with no valid-time bound, believed claims only.
    pub const LATEST: TimeFilter = TimeFilter { as_of: None, known_at: Timestamp::MAX, statuses: StatusSet::BELIEVED };

    /// A filter at `as_of`, with the latest knowledge, believed claims only.
    pub fn as_of(day: Day) -> TimeFilter {
        TimeFilter { as_of: Some(day), ..TimeFilter::LATEST }
    }

    /// A filter at these times, believed claims only.
    pub fn at(as_of: Option<Day>, known_at: Timestamp) -> TimeFilter {
        TimeFilter { as_of, known_at, statuses: StatusSet::BELIEVED }
    }

    /// The same filter showing the claims of `statuses`.
    pub fn with_statuses(self, statuses: StatusSet) -> TimeFilter {
        TimeFilter { statuses, ..self }
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

/// An entity found by `search` or suggested by `duplicates`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The entity (a merged id's survivor), at the read's `asOf`.
    pub entity: EntityView,
    /// How well it matched, from 0 to 1 (1: the same tokens).
    pub score: f64,
    /// The id, name or alias that matched best, as given.
    pub matched: String,
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
    /// Its event's status.
    pub status: ClaimStatus,
}

/// Why two events disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DisagreementReason {
    /// One event disputes the other (names it in `disputes`).
    Disputed,
    /// Two events state the same relation, from different publishers, and
    /// their attributes give different values for the same key.
    ConflictingValues,
    /// A `denied` event and an event of another status on the same relation.
    Denied,
}

/// Two events that disagree, in valid-time order then log order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disagreement {
    /// The positions of the two events: the earlier (valid time, then
    /// position) first.
    pub events: [u64; 2],
    /// Why they disagree.
    pub reason: DisagreementReason,
}

/// Which disagreements to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DisagreementFilter {
    /// Only pairs where either event names this entity.
    pub entity: Option<EntityId>,
    /// Only pairs where either event's valid time starts on or after this day...
    pub from: Option<Day>,
    /// ...and on or before this day.
    pub to: Option<Day>,
    /// Only pairs whose events are both visible at this valid date: a
    /// relation's event while its relation holds then (whatever its
    /// status), any other event from its date on.
    pub as_of: Option<Day>,
    /// Only events recorded, and not retracted, by this instant (`None`: latest).
    pub known_at: Option<Timestamp>,
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
    /// The day the step was taken, on a time-respecting path
    /// ([`crate::Projection::journey`]); `None` on the paths of one `asOf`.
    pub at: Option<Day>,
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
    /// Only events recorded at or after this instant.
    pub recorded_from: Option<Timestamp>,
    /// Only events recorded at or before this instant (unlike `known_at`,
    /// it does not change what is retracted).
    pub recorded_to: Option<Timestamp>,
}

/// What to compare between two `knownAt` instants
/// ([`crate::Projection::knowledge_diff`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeQuery {
    /// The earlier instant (what we knew then)...
    pub from: Timestamp,
    /// ...and the later one.
    pub to: Timestamp,
    /// The valid time both reads are at (`None`: no bound).
    pub as_of: Option<Day>,
    /// Only relations with this entity at either end (the events are not filtered).
    pub entity: Option<EntityId>,
    /// The statuses of the relations compared.
    pub statuses: StatusSet,
}

/// What we learned and stopped believing between two `knownAt` instants,
/// at one `asOf`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KnowledgeDiff {
    /// Edges visible at `to` and not at `from`, as read at `to`.
    pub learned: Vec<RelationView>,
    /// Edges visible at `from` and not at `to` (retracted, or ended by a
    /// close recorded in between), as read at `from`.
    pub withdrawn: Vec<RelationView>,
    /// The positions of every event recorded in (`from`, `to`], in log
    /// order, retracted ones and retractions included.
    pub events: Vec<u64>,
}

/// How to search across valid time: [`crate::Projection::connections`]
/// and [`crate::Projection::journey`]. Relations are followed either way,
/// about-links included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporalQuery {
    /// Recorded time: what was known then (`Timestamp::MAX`: latest).
    pub known_at: Timestamp,
    /// The statuses of the relations followed.
    pub statuses: StatusSet,
    /// The longest path, in hops.
    pub max_hops: usize,
    /// Only follow relations with these names (all when `None`).
    pub relations: Option<Vec<String>>,
    /// A journey starts on this day or later (`None`: no bound); not used by connections.
    pub after: Option<Day>,
    /// A journey's steps are all taken on or before this day (`None`: no
    /// bound); not used by connections.
    pub before: Option<Day>,
}

impl TemporalQuery {
    /// Everything known, believed claims, up to `max_hops`, any relation, no day bounds.
    pub fn latest(max_hops: usize) -> TemporalQuery {
        TemporalQuery {
            known_at: Timestamp::MAX,
            statuses: StatusSet::BELIEVED,
            max_hops,
            relations: None,
            after: None,
            before: None,
        }
    }
}

/// A maximal valid-time interval during which two entities were joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Its first day.
    pub valid_from: Day,
    /// The first day no path of at most `max_hops` remains; `None` while one still does.
    pub valid_to: Option<Day>,
    /// A shortest path on `valid_from`.
    pub path: PathView,
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
