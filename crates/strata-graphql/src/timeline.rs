//! What a time control needs to know: the span of valid time the log's
//! events cover and the instants it was recorded at (`Query.timeRange`),
//! and the size of a neighborhood before it is drawn (`Subgraph.nodeCount`,
//! `Subgraph.counts`).

use async_graphql::{Object, SimpleObject};
use strata_core::Timestamp;
use strata_engine::{Engine, EventFilter, Snapshot};

use crate::enums::EntityType;
use crate::error::Error;
use crate::scalars::{Date, DateTime};
use crate::types::Event;

/// The most recorded instants `TimeRange.recordedTimes` returns.
pub const MAX_RECORDED_TIMES: usize = 1000;

/// The span of the log on both time axes, at a `knownAt`.
pub struct TimeRange {
    pub(crate) valid_from: Option<Date>,
    pub(crate) valid_to: Option<Date>,
    /// Every distinct recorded instant, oldest first (recorded time never
    /// runs backwards, so one pass in log order finds them).
    pub(crate) recorded: Vec<Timestamp>,
}

impl TimeRange {
    /// The range of what `snap` holds at `known`.
    pub(crate) fn load(engine: &Engine, snap: &Snapshot<'_>, known: Timestamp) -> Result<TimeRange, Error> {
        let visible = snap.events(EventFilter { known_at: Some(known), ..EventFilter::default() });
        let first_day = |position: Option<&u64>| -> Result<Option<Date>, Error> {
            position
                .map(|&p| Event::load(engine, p, known, snap.cap()).map(|e| Date(e.rec.event.at.start())))
                .transpose()
        };
        let (valid_from, valid_to) = (first_day(visible.first())?, first_day(visible.last())?);
        let recorded = snap.recorded_times(known);
        Ok(TimeRange { valid_from, valid_to, recorded })
    }
}

/// The span of the log on both time axes, at a `knownAt`: what a date
/// slider and a recorded-time slider range over.
#[Object]
impl TimeRange {
    /// The first day of the earliest valid time among the visible events;
    /// null when there are none.
    async fn valid_from(&self) -> Option<Date> {
        self.valid_from
    }

    /// The first day of the latest valid time among the visible events;
    /// null when there are none.
    async fn valid_to(&self) -> Option<Date> {
        self.valid_to
    }

    /// When the first event was recorded; null for an empty log.
    async fn first_recorded_at(&self) -> Option<DateTime> {
        self.recorded.first().copied().map(DateTime)
    }

    /// When the last event counted was recorded; null for an empty log.
    async fn last_recorded_at(&self) -> Option<DateTime> {
        self.recorded.last().copied().map(DateTime)
    }

    /// How many distinct instants the events were recorded at.
    async fn recordings(&self) -> usize {
        self.recorded.len()
    }

    /// The distinct instants the events were recorded at, oldest first.
    /// When there are more than `limit` (default 200, at most 1000),
    /// `limit` of them spread evenly, the first and the last included.
    async fn recorded_times(&self, #[graphql(default = 200)] limit: i32) -> Result<Vec<DateTime>, Error> {
        let limit = match usize::try_from(limit) {
            Ok(v) if v <= MAX_RECORDED_TIMES => v,
            Ok(_) => return Err(crate::error::over_limit("limit", limit, MAX_RECORDED_TIMES)),
            Err(_) => {
                return Err(Error::arg(
                    "limit",
                    format!("limit must be between 0 and {MAX_RECORDED_TIMES}, not {limit}"),
                ))
            }
        };
        Ok(spread(&self.recorded, limit).into_iter().map(DateTime).collect())
    }
}

/// `limit` items of `all` spread evenly, the first and the last included
/// (all of them when there are no more than `limit`).
fn spread<T: Copy>(all: &[T], limit: usize) -> Vec<T> {
    match (all.len(), limit) {
        (n, l) if n <= l => all.to_vec(),
        (_, 0) => Vec::new(),
        (_, 1) => all.last().copied().into_iter().collect(),
        (n, l) => (0..l).filter_map(|i| all.get(i * (n - 1) / (l - 1)).copied()).collect(),
    }
}

/// How many entities of one type a neighborhood holds.
#[derive(SimpleObject)]
pub struct TypeCount {
    /// The type.
    #[graphql(name = "type")]
    pub entity_type: EntityType,
    /// How many entities of it.
    pub count: usize,
}

/// Entities counted by type, in the order of [`EntityType`]; types with
/// none are left out.
pub(crate) fn count_by_type(nodes: &[strata_engine::EntityView]) -> Vec<TypeCount> {
    [EntityType::Actor, EntityType::Agency, EntityType::Chip]
        .into_iter()
        .map(|t| TypeCount {
            entity_type: t,
            count: nodes.iter().filter(|n| EntityType::from(n.entity_type) == t).count(),
        })
        .filter(|c| c.count > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_keeps_the_ends_and_never_repeats() {
        let all: Vec<u32> = (0..1000).collect();
        for limit in 2..=1000 {
            let picked = spread(&all, limit);
            assert_eq!(picked.len(), limit);
            assert_eq!((picked.first(), picked.last()), (Some(&0), Some(&999)));
            assert!(picked.windows(2).all(|w| w[0] < w[1]), "limit {limit}: {picked:?}");
        }
        assert_eq!(spread(&all[..3], 10), vec![0, 1, 2]);
        assert_eq!(spread(&all, 1), vec![999]);
        assert!(spread(&all, 0).is_empty());
    }
}
