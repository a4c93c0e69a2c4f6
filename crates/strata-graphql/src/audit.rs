//! The answers of the audits across time: `KnowledgeDiff` (what we learned
//! and stopped believing between two `knownAt` instants) and `Connection`
//! (a valid-time interval during which two entities were joined).

use async_graphql::{Context, Object};
use strata_core::Timestamp;
use strata_engine::SnapshotCap;

use crate::context::engine;
use crate::error::Error;
use crate::scalars::Date;
use crate::types::{Event, Path, Relation};

/// What we learned and stopped believing between two `knownAt` instants.
pub struct KnowledgeDiff {
    pub(crate) learned: Vec<Relation>,
    pub(crate) withdrawn: Vec<Relation>,
    /// The positions recorded in between, in log order.
    pub(crate) events: Vec<u64>,
    /// The later instant: what `retractedBy` of the events is read at.
    pub(crate) known: Timestamp,
    pub(crate) cap: SnapshotCap,
}

/// What we learned and stopped believing between two `knownAt` instants,
/// at one `asOf`.
#[Object]
impl KnowledgeDiff {
    /// Relations visible at `to` and not at `from` (read as at `to`), in
    /// the order of their events.
    async fn learned(&self) -> &[Relation] {
        &self.learned
    }

    /// Relations visible at `from` and not at `to`, retracted or ended by
    /// a close recorded in between (read as at `from`), in the order of
    /// their events.
    async fn withdrawn(&self) -> &[Relation] {
        &self.withdrawn
    }

    /// Every event recorded after `from` and at or before `to`, in log
    /// order, retractions and retracted events included.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
        let engine = engine(ctx)?;
        let Some(&first) = self.events.first() else { return Ok(Vec::new()) };
        // One run of positions: read in one pass, each chunk decoded once.
        let mut out = Vec::with_capacity(self.events.len());
        for rec in engine.scan(first).take(self.events.len()) {
            out.push(Event::from_record(rec?, self.known, self.cap));
        }
        if out.len() != self.events.len() {
            return Err(Error::internal(format!(
                "the log holds {} of the {} events recorded from position {first}",
                out.len(),
                self.events.len()
            )));
        }
        Ok(out)
    }
}

/// A valid-time interval during which two entities were joined.
pub struct Connection {
    pub(crate) valid_from: Date,
    pub(crate) valid_to: Option<Date>,
    pub(crate) path: Path,
}

/// A maximal valid-time interval during which a path of at most `maxHops`
/// joined two entities.
#[Object]
impl Connection {
    /// Its first day.
    async fn valid_from(&self) -> Date {
        self.valid_from
    }

    /// The first day no such path remained; null while one still does.
    async fn valid_to(&self) -> Option<Date> {
        self.valid_to
    }

    /// A shortest path on `validFrom` (its entities and relations answer as of that day).
    async fn path(&self) -> &Path {
        &self.path
    }
}
