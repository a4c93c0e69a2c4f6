//! The enums of the GraphQL contract (schema/README.md) and their conversions to and from the engine's types.

use async_graphql::Enum;

/// What kind of thing an entity is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    /// Companies, people, investors.
    Actor,
    /// Ministries, regulators, legislatures, governments.
    Agency,
    /// Products.
    Chip,
}

impl From<strata_core::EntityType> for EntityType {
    fn from(t: strata_core::EntityType) -> Self {
        match t {
            strata_core::EntityType::Actor => EntityType::Actor,
            strata_core::EntityType::Agency => EntityType::Agency,
            strata_core::EntityType::Chip => EntityType::Chip,
        }
    }
}

impl From<EntityType> for strata_core::EntityType {
    fn from(t: EntityType) -> Self {
        match t {
            EntityType::Actor => strata_core::EntityType::Actor,
            EntityType::Agency => strata_core::EntityType::Agency,
            EntityType::Chip => strata_core::EntityType::Chip,
        }
    }
}

/// How firm a claim is (an event's `status`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    /// An official act or record.
    Confirmed,
    /// An outlet citing sources; the status of an event that does not say.
    Reported,
    /// Announced or forecast, not yet done.
    Expected,
    /// The subject or a party says it did not happen.
    Denied,
}

impl From<strata_core::ClaimStatus> for ClaimStatus {
    fn from(s: strata_core::ClaimStatus) -> Self {
        match s {
            strata_core::ClaimStatus::Confirmed => ClaimStatus::Confirmed,
            strata_core::ClaimStatus::Reported => ClaimStatus::Reported,
            strata_core::ClaimStatus::Expected => ClaimStatus::Expected,
            strata_core::ClaimStatus::Denied => ClaimStatus::Denied,
        }
    }
}

impl From<ClaimStatus> for strata_core::ClaimStatus {
    fn from(s: ClaimStatus) -> Self {
        match s {
            ClaimStatus::Confirmed => strata_core::ClaimStatus::Confirmed,
            ClaimStatus::Reported => strata_core::ClaimStatus::Reported,
            ClaimStatus::Expected => strata_core::ClaimStatus::Expected,
            ClaimStatus::Denied => strata_core::ClaimStatus::Denied,
        }
    }
}

/// The statuses a traversal shows: `statuses` as given, or (omitted or
/// null) `[CONFIRMED, REPORTED]`, what is believed to have happened.
pub(crate) fn status_set(statuses: Option<&[ClaimStatus]>) -> strata_core::StatusSet {
    match statuses {
        None => strata_core::StatusSet::BELIEVED,
        Some(list) => strata_core::StatusSet::of(list.iter().map(|&s| s.into())),
    }
}

/// Why two events disagree.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisagreementReason {
    /// One event disputes the other (names it in `disputes`).
    Disputed,
    /// Two visible events state the same relation, from different
    /// publishers, and their `attrs` give different values for a shared key.
    ConflictingValues,
    /// A `DENIED` event and an event of another status state the same relation.
    Denied,
}

impl From<strata_engine::DisagreementReason> for DisagreementReason {
    fn from(r: strata_engine::DisagreementReason) -> Self {
        match r {
            strata_engine::DisagreementReason::Disputed => DisagreementReason::Disputed,
            strata_engine::DisagreementReason::ConflictingValues => DisagreementReason::ConflictingValues,
            strata_engine::DisagreementReason::Denied => DisagreementReason::Denied,
        }
    }
}

/// Which edges of an entity to follow.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Edges leaving the entity.
    Out,
    /// Edges arriving at the entity.
    In,
    /// Both.
    #[default]
    Both,
}

impl From<Direction> for strata_engine::Direction {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Out => strata_engine::Direction::Out,
            Direction::In => strata_engine::Direction::In,
            Direction::Both => strata_engine::Direction::Both,
        }
    }
}

/// How an edge belongs to its event.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationRole {
    /// The edge from the event's subject to its object.
    SubjectObject,
    /// An edge from the event's subject (or object) to an entity the event was about.
    About,
}

impl From<strata_engine::Role> for RelationRole {
    fn from(r: strata_engine::Role) -> Self {
        match r {
            strata_engine::Role::SubjectObject => RelationRole::SubjectObject,
            strata_engine::Role::About => RelationRole::About,
        }
    }
}

/// How precisely the valid time of an event was given.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// `YYYY-MM-DD`
    Day,
    /// `YYYY-MM`
    Month,
    /// `YYYY-Qn`
    Quarter,
    /// `YYYY`
    Year,
    /// An RFC 3339 date-time.
    Instant,
}

impl From<strata_core::Precision> for Precision {
    fn from(p: strata_core::Precision) -> Self {
        match p {
            strata_core::Precision::Day => Precision::Day,
            strata_core::Precision::Month => Precision::Month,
            strata_core::Precision::Quarter => Precision::Quarter,
            strata_core::Precision::Year => Precision::Year,
            strata_core::Precision::Instant => Precision::Instant,
        }
    }
}
