//! Identifiers: entity slugs, event UUIDs, and the three entity types.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// An entity id: a lowercase slug `[a-z0-9][a-z0-9-]*`, at most 128 bytes.
///
/// Cheap to clone (shared string), and valid by construction.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(Arc<str>);

impl EntityId {
    /// The longest id accepted, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Checks `s` as a slug.
    pub fn parse(s: &str) -> Result<EntityId, String> {
        let bytes = s.as_bytes();
        let Some(first) = bytes.first() else {
            return Err("an entity id cannot be empty".into());
        };
        if bytes.len() > Self::MAX_LEN {
            return Err(format!("entity id is {} bytes long; at most {} are allowed", bytes.len(), Self::MAX_LEN));
        }
        if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
            return Err(format!(
                "{s:?} is not a valid entity id: ids are lowercase slugs [a-z0-9][a-z0-9-]* and must start with a letter or digit"
            ));
        }
        if let Some(bad) = s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
            return Err(format!(
                "{s:?} is not a valid entity id: {bad:?} is not allowed (ids are lowercase slugs [a-z0-9][a-z0-9-]*)"
            ));
        }
        Ok(EntityId(Arc::from(s)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl FromStr for EntityId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntityId::parse(s)
    }
}

/// An event id (a UUID; the store assigns a UUIDv7 when the input has none).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub uuid::Uuid);

impl EventId {
    /// A new time-ordered id (UUIDv7).
    pub fn new_v7() -> EventId {
        EventId(uuid::Uuid::now_v7())
    }

    /// Parses the hyphenated (or simple) text form of a UUID.
    pub fn parse(s: &str) -> Result<EventId, String> {
        uuid::Uuid::parse_str(s).map(EventId).map_err(|e| format!("{s:?} is not a UUID: {e}"))
    }

    /// The 16 bytes of the UUID.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// Rebuilds an id from its 16 bytes.
    pub fn from_bytes(b: [u8; 16]) -> EventId {
        EventId(uuid::Uuid::from_bytes(b))
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

/// What kind of thing an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    /// Companies, people, investors.
    Actor,
    /// Ministries, regulators, legislatures, governments.
    Agency,
    /// Products.
    Chip,
}

impl EntityType {
    /// All types, in a fixed order.
    pub const ALL: [EntityType; 3] = [EntityType::Actor, EntityType::Agency, EntityType::Chip];

    /// The lowercase name used in event lines and the vocabulary.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Actor => "actor",
            EntityType::Agency => "agency",
            EntityType::Chip => "chip",
        }
    }

    /// Parses `actor`, `agency` or `chip`.
    pub fn parse(s: &str) -> Result<EntityType, String> {
        match s {
            "actor" => Ok(EntityType::Actor),
            "agency" => Ok(EntityType::Agency),
            "chip" => Ok(EntityType::Chip),
            other => Err(format!("unknown entity type {other:?}; expected one of actor, agency, chip")),
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["bytedance", "nvidia-h200", "0day", "a", "cn-miit-2"] {
            assert!(EntityId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-x", "ByteDance", "nvidia_h200", "a b", "é", "x.y"] {
            assert!(EntityId::parse(bad).is_err(), "{bad}");
        }
        assert!(EntityId::parse(&"a".repeat(129)).is_err());
        let msg = EntityId::parse("Nvidia").err().unwrap_or_default();
        assert!(msg.contains("lowercase slugs"), "{msg}");
    }

    #[test]
    fn uuids_round_trip() {
        let id = EventId::new_v7();
        assert_eq!(EventId::parse(&id.to_string()), Ok(id));
        assert!(EventId::parse("not-a-uuid").is_err());
    }
}
