//! The answers of `search` and `duplicates`: entities with the name that
//! matched and how well.

use async_graphql::Object;
use strata_engine::{SnapshotCap, TimeFilter};

use crate::types::Entity;

/// An entity found by `search` or suggested by `duplicates`.
pub struct SearchHit {
    pub(crate) hit: strata_engine::SearchHit,
    pub(crate) time: TimeFilter,
    pub(crate) cap: SnapshotCap,
}

/// An entity whose id, name or an alias matched, and how well.
#[Object]
impl SearchHit {
    /// The entity (for a merged id, the entity it was merged into), at the
    /// `asOf`/`knownAt` asked.
    async fn entity(&self) -> Entity {
        Entity { view: self.hit.entity.clone(), time: self.time, cap: self.cap }
    }

    /// How well it matched, from 0 to 1 (1: the same words, whatever their
    /// case, accents, punctuation, order or corporate suffix).
    async fn score(&self) -> f64 {
        self.hit.score
    }

    /// The id, name or alias that matched best, as given.
    async fn matched(&self) -> &str {
        &self.hit.matched
    }
}
