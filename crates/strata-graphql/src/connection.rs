//! Relay cursor pagination for `entities` and `events`.
//!
//! A cursor is the base64 of the sort key of the edge it stands for (an
//! entity's id; an event's first valid day and position), not of an offset,
//! so a page taken after new events arrived continues where the last one
//! stopped instead of repeating or skipping edges.

use async_graphql::SimpleObject;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use strata_core::{Day, EntityId};

use crate::error::{over_limit, Error};
use crate::types::{Entity, Event};

/// The page size when `first` is not given.
pub const DEFAULT_FIRST: usize = 100;
/// The largest page a client may ask for.
pub const MAX_FIRST: usize = 1000;

/// What a list of `first` items costs, for the complexity limit: its
/// selection once per item it may return. A `first` over the limit counts
/// as the limit, so that the resolver (not the complexity rule) refuses it
/// with the message that names `first`.
pub(crate) fn cost(first: Option<i32>, default: usize, max: usize, child: usize) -> usize {
    let items = first.map_or(default, |n| usize::try_from(n).unwrap_or(0).min(max));
    items.max(1).saturating_mul(child)
}

/// Where a page is in its list.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct PageInfo {
    /// Whether edges follow this page.
    pub has_next_page: bool,
    /// Whether edges precede this page.
    pub has_previous_page: bool,
    /// The cursor of the page's first edge.
    pub start_cursor: Option<String>,
    /// The cursor of the page's last edge; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// An entity and its cursor.
#[derive(SimpleObject)]
pub struct EntityEdge {
    /// Where this edge is in the list.
    pub cursor: String,
    /// The entity.
    pub node: Entity,
}

/// A page of entities, by id.
#[derive(SimpleObject)]
pub struct EntityConnection {
    /// The entities of the page.
    pub edges: Vec<EntityEdge>,
    /// Where the page is in the list.
    pub page_info: PageInfo,
    /// How many entities the whole list has.
    pub total_count: u64,
}

/// An event and its cursor.
#[derive(SimpleObject)]
pub struct EventEdge {
    /// Where this edge is in the list.
    pub cursor: String,
    /// The event.
    pub node: Event,
}

/// A page of events, in valid-time order then log order.
#[derive(SimpleObject)]
pub struct EventConnection {
    /// The events of the page.
    pub edges: Vec<EventEdge>,
    /// Where the page is in the list.
    pub page_info: PageInfo,
    /// How many events the whole list has.
    pub total_count: u64,
}

/// The page size asked for, checked.
pub(crate) fn page_size(first: Option<i32>) -> Result<usize, Error> {
    match first {
        None => Ok(DEFAULT_FIRST),
        Some(n) if n < 0 => Err(Error::arg("first", format!("first must be between 0 and {MAX_FIRST}, not {n}"))),
        Some(n) => usize::try_from(n).ok().filter(|&n| n <= MAX_FIRST).ok_or_else(|| over_limit("first", n, MAX_FIRST)),
    }
}

fn bad_cursor() -> Error {
    Error::arg("after", "not a cursor of this list; pass a `cursor` or `endCursor` this API returned")
}

fn decode(cursor: &str, prefix: &str) -> Result<String, Error> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    text.strip_prefix(prefix).map(str::to_owned).ok_or_else(bad_cursor)
}

/// The cursor of an entity edge.
pub(crate) fn entity_cursor(id: &EntityId) -> String {
    URL_SAFE_NO_PAD.encode(format!("entity:{id}"))
}

/// The entity id an `after` cursor names.
pub(crate) fn entity_after(cursor: &str) -> Result<EntityId, Error> {
    EntityId::parse(&decode(cursor, "entity:")?).map_err(|_| bad_cursor())
}

/// The cursor of an event edge: its sort key.
pub(crate) fn event_cursor(day: Day, position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("event:{}:{position}", day.0))
}

/// The sort key an `after` cursor names.
pub(crate) fn event_after(cursor: &str) -> Result<(Day, u64), Error> {
    let text = decode(cursor, "event:")?;
    let (day, position) = text.split_once(':').ok_or_else(bad_cursor)?;
    Ok((Day(day.parse().map_err(|_| bad_cursor())?), position.parse().map_err(|_| bad_cursor())?))
}

/// The first index of a sorted list whose key is past `after`; `key` may fail
/// (it may read the log).
pub(crate) fn start_after<T, K: Ord>(
    items: &[T],
    after: &K,
    mut key: impl FnMut(&T) -> Result<K, Error>,
) -> Result<usize, Error> {
    let (mut lo, mut hi) = (0, items.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if key(&items[mid])? <= *after {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// The page info of `items[start..start + taken]` out of `total`.
pub(crate) fn page_info(start: usize, taken: usize, total: usize, cursors: &[String]) -> PageInfo {
    PageInfo {
        has_next_page: start + taken < total,
        has_previous_page: start > 0,
        start_cursor: cursors.first().cloned(),
        end_cursor: cursors.last().cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None).ok(), Some(100));
        assert_eq!(page_size(Some(0)).ok(), Some(0));
        assert_eq!(page_size(Some(1000)).ok(), Some(1000));
        for bad in [-1, 1001, 5000] {
            let err = page_size(Some(bad)).err();
            let msg = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
            assert!(msg.contains("first must be between 0 and 1000"), "{msg}");
            let code = err.map(|e| e.code().as_str()).unwrap_or_default();
            assert_eq!(code, if bad < 0 { "BAD_INPUT" } else { "LIMIT_EXCEEDED" });
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_strangers() {
        let id = EntityId::parse("bytedance").map_err(|e| e.to_string());
        let id = id.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entity_after(&entity_cursor(&id)).ok(), Some(id));
        assert_eq!(event_after(&event_cursor(Day(-3), 42)).ok(), Some((Day(-3), 42)));
        assert!(entity_after(&event_cursor(Day(0), 1)).is_err());
        assert!(event_after("not base64!").is_err());
        assert!(event_after(&URL_SAFE_NO_PAD.encode("event:x:1")).is_err());
    }

    #[test]
    fn start_after_finds_the_next_key() {
        let items = [1, 3, 3, 5, 8];
        let start = |after: i32| start_after(&items, &after, |x| Ok(*x)).ok();
        assert_eq!(start(0), Some(0));
        assert_eq!(start(3), Some(3));
        assert_eq!(start(4), Some(3));
        assert_eq!(start(8), Some(5));
    }
}
