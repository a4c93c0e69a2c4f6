//! Events as strata holds them: checked, typed, and kept as given.

use serde_json::{Map, Value};

use crate::{EntityId, EntityType, EventId, Timestamp, ValidTime};

/// Where a claim comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    /// Who published it (`Reuters`).
    pub publisher: Option<String>,
    /// Where to read it.
    pub url: Option<String>,
    /// The article's title.
    pub title: Option<String>,
    /// When it was published, as given (any valid-time precision).
    pub published: Option<String>,
}

/// An inline declaration carried by an entity reference.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityDecl {
    /// The entity's type; required the first time an entity is declared.
    pub entity_type: Option<EntityType>,
    /// A display name.
    pub name: Option<String>,
    /// Further attributes (`country`, ...), merged over earlier ones.
    pub attrs: Map<String, Value>,
}

/// A reference to an entity, possibly declaring or updating it inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRef {
    /// The entity's id.
    pub id: EntityId,
    /// The declaration, when the reference was an object with more than an id.
    pub decl: Option<EntityDecl>,
}

impl EntityRef {
    /// A plain reference by id.
    pub fn by_id(id: EntityId) -> EntityRef {
        EntityRef { id, decl: None }
    }
}

/// One event, checked against the vocabulary's shape rules (not yet against
/// the state of the log: that is `strata-graph`'s job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its id (assigned as a UUIDv7 when the input had none).
    pub id: EventId,
    /// Its kind, a key of the vocabulary.
    pub kind: String,
    /// When it happened in the world.
    pub at: ValidTime,
    /// Who or what it is about first.
    pub subject: EntityRef,
    /// The other side of its relation, if the kind takes one.
    pub object: Option<EntityRef>,
    /// What the event concerns (usually chips).
    pub about: Vec<EntityRef>,
    /// Quantities, conditions, quotes, as given.
    pub attrs: Map<String, Value>,
    /// Where the claim comes from.
    pub source: Option<Source>,
    /// For a retraction: the event it withdraws.
    pub retracts: Option<EventId>,
}

impl Event {
    /// Every entity reference of the event: subject, object, then about.
    pub fn refs(&self) -> impl Iterator<Item = &EntityRef> {
        std::iter::once(&self.subject).chain(self.object.iter()).chain(self.about.iter())
    }
}

/// An event as the log holds it: with its position and recorded time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// Its place in the log, counting from 1.
    pub position: u64,
    /// When the store accepted it; strictly increasing with position.
    pub recorded_at: Timestamp,
    /// The event.
    pub event: Event,
}
