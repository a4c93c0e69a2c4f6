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
    /// The outlet that first reported what this publisher relays (an article
    /// citing Reuters: `Reuters`); absent when the publisher reported it
    /// itself. `corroboration` counts originating outlets, so two relays of
    /// one report count once.
    pub via: Option<String>,
}

impl Source {
    /// The outlet a claim originates with: `via` when given, else the
    /// publisher. This is what `corroboration` counts.
    pub fn origin(&self) -> Option<&str> {
        self.via.as_deref().or(self.publisher.as_deref())
    }
}

/// How firm a claim is: what an event says about its own evidence.
///
/// `Reported` is the default, for an event that does not say. Only
/// `Confirmed` and `Reported` claims are believed to have happened: they are
/// what traversals show unless asked otherwise, and only a close with one of
/// them ends a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ClaimStatus {
    /// An official act or record.
    Confirmed,
    /// An outlet citing sources.
    #[default]
    Reported,
    /// Announced or forecast, not yet done.
    Expected,
    /// The subject or a party says it did not happen.
    Denied,
}

impl ClaimStatus {
    /// Every status, firmest first.
    pub const ALL: [ClaimStatus; 4] =
        [ClaimStatus::Confirmed, ClaimStatus::Reported, ClaimStatus::Expected, ClaimStatus::Denied];

    /// The name used in event lines (`confirmed`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Confirmed => "confirmed",
            ClaimStatus::Reported => "reported",
            ClaimStatus::Expected => "expected",
            ClaimStatus::Denied => "denied",
        }
    }

    /// Reads the name used in event lines.
    pub fn parse(s: &str) -> Result<ClaimStatus, String> {
        ClaimStatus::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            format!(
                "unknown status {s:?}; a status is one of confirmed, reported, expected, denied (reported when absent)"
            )
        })
    }

    /// Whether the claim is believed to have happened (`confirmed` or
    /// `reported`): a close ends relations only then.
    pub fn is_believed(self) -> bool {
        matches!(self, ClaimStatus::Confirmed | ClaimStatus::Reported)
    }

    /// A bit for this status, for sets of statuses kept as one byte.
    #[inline]
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of claim statuses: which claims a read shows.
///
/// The default is [`StatusSet::BELIEVED`] (`confirmed` and `reported`):
/// what is believed to have happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusSet(u8);

impl StatusSet {
    /// `confirmed` and `reported`.
    pub const BELIEVED: StatusSet = StatusSet(1 | 2);
    /// Every status.
    pub const ALL: StatusSet = StatusSet(1 | 2 | 4 | 8);
    /// No status.
    pub const NONE: StatusSet = StatusSet(0);

    /// Whether `s` is in the set.
    #[inline]
    pub fn contains(self, s: ClaimStatus) -> bool {
        self.0 & s.bit() != 0
    }

    /// The set of the statuses given.
    pub fn of(statuses: impl IntoIterator<Item = ClaimStatus>) -> StatusSet {
        StatusSet(statuses.into_iter().fold(0, |acc, s| acc | s.bit()))
    }

    /// The statuses in the set, firmest first.
    pub fn iter(self) -> impl Iterator<Item = ClaimStatus> {
        ClaimStatus::ALL.into_iter().filter(move |&s| self.contains(s))
    }
}

impl Default for StatusSet {
    fn default() -> Self {
        StatusSet::BELIEVED
    }
}

/// An inline declaration carried by an entity reference.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityDecl {
    /// The entity's type; required the first time an entity is declared.
    pub entity_type: Option<EntityType>,
    /// A display name.
    pub name: Option<String>,
    /// Other names of the entity ("HUAWEI TECHNOLOGIES CO., LTD.", "华为"),
    /// in the order given; they add to its names from this declaration on.
    pub aliases: Vec<String>,
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
    /// How firm the claim is (`Reported` when the input did not say).
    pub status: ClaimStatus,
    /// Earlier events this one contradicts, in the order given, without repeats.
    pub disputes: Vec<EventId>,
    /// The encoder's remark (why a date is coarse, what the source left
    /// open): not a claim, so it is never compared between sources.
    pub note: Option<String>,
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
