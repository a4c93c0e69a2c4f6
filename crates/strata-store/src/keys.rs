//! The key layout shared by both backends: one ordered keyspace, two prefixes.
//!
//! - `L` + first position (u64 big-endian) -> a chunk of consecutive events
//!   (`chunk.rs`)
//! - `M` + name -> metadata (`format`, `head`; `sequence` in a node's copy
//!   of a JetStream stream)
//!
//! Big-endian positions make byte order equal numeric order, so range scans
//! run in log order, and the chunk holding position p is the last one whose
//! key is at most `L` + p. The id and entity indexes live in memory
//! (`index.rs`): on disk they cost two to four sled inserts per event.

use strata_core::Timestamp;

pub(crate) const LOG: u8 = b'L';
/// The key naming the store's format.
pub(crate) const FORMAT_KEY: &[u8] = b"Mformat";
/// The key holding the last position and its recorded time.
pub(crate) const HEAD_KEY: &[u8] = b"Mhead";
/// With JetStream, the key holding the stream sequence of the copy's last
/// message (u64 big-endian).
pub(crate) const SEQUENCE_KEY: &[u8] = b"Msequence";
/// The format this build writes and reads.
pub(crate) const FORMAT: &str = "strata-log/2";
/// The family prefix of strata's formats; the number after it orders them.
pub(crate) const FORMAT_FAMILY: &str = "strata-log/";

/// The key of the chunk whose first event is at `position`.
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
    fn head_values_round_trip_and_reject_wrong_lengths() {
        let v = head_value(9, Timestamp(-5));
        assert_eq!(head_of_value(&v), Some((9, Timestamp(-5))));
        assert_eq!(head_of_value(&v[..15]), None);
    }
}
