//! The key layout shared by both backends: one ordered keyspace, four prefixes.
//!
//! - `L` + position (u64 big-endian) -> encoded event (the log)
//! - `I` + 16 uuid bytes -> position (u64 big-endian)
//! - `E` + entity id + `0x00` + position -> empty (the entity index)
//! - `M` + name -> metadata (`format`, `head`)
//!
//! Big-endian positions make byte order equal numeric order, so range scans
//! run in log order. `0x00` cannot occur in an id (ids are `[a-z0-9-]`), so
//! `E` + id + `0x00` is a prefix of that entity's keys only.

use strata_core::{EntityId, EventId, Timestamp};

pub(crate) const LOG: u8 = b'L';
pub(crate) const ID: u8 = b'I';
pub(crate) const ENTITY: u8 = b'E';

/// The key naming the store's format.
pub(crate) const FORMAT_KEY: &[u8] = b"Mformat";
/// The key holding the last position and its recorded time.
pub(crate) const HEAD_KEY: &[u8] = b"Mhead";
/// The format this build writes and reads.
pub(crate) const FORMAT: &str = "strata-log/1";
/// The family prefix of strata's formats; the number after it orders them.
pub(crate) const FORMAT_FAMILY: &str = "strata-log/";

pub(crate) fn log_key(position: u64) -> [u8; 9] {
    let mut k = [LOG; 9];
    k[1..].copy_from_slice(&position.to_be_bytes());
    k
}

/// The position of an `L` key, if it is one.
pub(crate) fn log_position(key: &[u8]) -> Option<u64> {
    match key {
        [LOG, rest @ ..] => Some(u64::from_be_bytes(rest.try_into().ok()?)),
        _ => None,
    }
}

pub(crate) fn id_key(id: EventId) -> [u8; 17] {
    let mut k = [ID; 17];
    k[1..].copy_from_slice(id.as_bytes());
    k
}

pub(crate) fn entity_prefix(id: &EntityId) -> Vec<u8> {
    let mut k = Vec::with_capacity(id.as_str().len() + 10);
    k.push(ENTITY);
    k.extend_from_slice(id.as_str().as_bytes());
    k.push(0);
    k
}

pub(crate) fn entity_key(id: &EntityId, position: u64) -> Vec<u8> {
    let mut k = entity_prefix(id);
    k.extend_from_slice(&position.to_be_bytes());
    k
}

/// The position at the end of an `E` key whose prefix has been checked.
pub(crate) fn entity_key_position(key: &[u8], prefix_len: usize) -> Option<u64> {
    Some(u64::from_be_bytes(key.get(prefix_len..)?.try_into().ok()?))
}

/// The smallest key after every key that starts with `prefix`.
pub(crate) fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    // Prefixes here never end in 0xff (a tag letter or the 0x00 separator).
    if let Some(last) = end.last_mut() {
        *last = last.saturating_add(1);
    }
    end
}

pub(crate) fn position_value(position: u64) -> [u8; 8] {
    position.to_be_bytes()
}

pub(crate) fn position_of_value(v: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(v.try_into().ok()?))
}

pub(crate) fn head_value(position: u64, recorded_at: Timestamp) -> [u8; 16] {
    let mut v = [0; 16];
    v[..8].copy_from_slice(&position.to_be_bytes());
    v[8..].copy_from_slice(&recorded_at.0.to_be_bytes());
    v
}

pub(crate) fn head_of_value(v: &[u8]) -> Option<(u64, Timestamp)> {
    let v: &[u8; 16] = v.try_into().ok()?;
    let (p, t) = v.split_at(8);
    Some((u64::from_be_bytes(p.try_into().ok()?), Timestamp(i64::from_be_bytes(t.try_into().ok()?))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_keys_sort_by_position() {
        let mut keys: Vec<_> = [300u64, 1, 256, 2, u64::MAX].iter().map(|p| log_key(*p)).collect();
        keys.sort();
        let positions: Vec<_> = keys.iter().filter_map(|k| log_position(k)).collect();
        assert_eq!(positions, [1, 2, 256, 300, u64::MAX]);
    }

    #[test]
    fn an_entity_prefix_does_not_cover_a_longer_id() {
        let ab = EntityId::parse("ab").unwrap();
        let ab_c = EntityId::parse("ab-c").unwrap();
        let prefix = entity_prefix(&ab);
        assert!(entity_key(&ab, 7).starts_with(&prefix));
        assert!(!entity_key(&ab_c, 7).starts_with(&prefix));
        let end = prefix_end(&prefix);
        assert!(entity_key(&ab, u64::MAX).as_slice() < end.as_slice());
        assert_eq!(entity_key_position(&entity_key(&ab, 42), prefix.len()), Some(42));
    }

    #[test]
    fn head_values_round_trip_and_reject_wrong_lengths() {
        let v = head_value(9, Timestamp(-5));
        assert_eq!(head_of_value(&v), Some((9, Timestamp(-5))));
        assert_eq!(head_of_value(&v[..15]), None);
        assert_eq!(position_of_value(&[1, 2, 3]), None);
    }
}
