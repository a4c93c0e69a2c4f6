//! The id and entity indexes, kept in memory and built when first needed.
//!
//! On disk they cost two to four sled inserts per event, most of an
//! import's time. The engine answers both questions from its projection, so
//! the store builds them only when asked: the id index from the chunks'
//! headers (no decompression), the entity index by a scan of the log.

use parking_lot::{Mutex, MutexGuard};
use rustc_hash::FxHashMap;
use strata_core::{EntityId, EventId, RecordedEvent};

use crate::backend::Backend;
use crate::chunk::Header;
use crate::keys;
use crate::read::log_end;
use crate::{Error, Store};

pub(crate) type Ids = FxHashMap<EventId, u64>;
pub(crate) type Entities = FxHashMap<EntityId, Vec<u64>>;

#[derive(Default)]
pub(crate) struct Indexes {
    ids: Mutex<Option<Ids>>,
    entities: Mutex<Option<Entities>>,
}

/// Both indexes, locked, as an append updates them.
pub(crate) struct Locked<'a> {
    pub(crate) ids: MutexGuard<'a, Option<Ids>>,
    pub(crate) entities: MutexGuard<'a, Option<Entities>>,
}

impl Locked<'_> {
    /// Adds appended events to the indexes that have been built.
    pub(crate) fn add(&mut self, events: &[RecordedEvent]) {
        if let Some(ids) = self.ids.as_mut() {
            ids.extend(events.iter().map(|r| (r.event.id, r.position)));
        }
        if let Some(entities) = self.entities.as_mut() {
            for r in events {
                add_entities(entities, r);
            }
        }
    }
}

fn add_entities(entities: &mut Entities, r: &RecordedEvent) {
    for e in r.event.refs() {
        let positions = entities.entry(e.id.clone()).or_default();
        // An entity named twice in one event is listed once.
        if positions.last() != Some(&r.position) {
            positions.push(r.position);
        }
    }
}

impl Indexes {
    pub(crate) fn lock(&self) -> Locked<'_> {
        Locked { ids: self.ids.lock(), entities: self.entities.lock() }
    }

    /// The id index, built from the chunk headers if this is its first use.
    pub(crate) fn ids<'a>(&'a self, inner: &Backend) -> Result<MutexGuard<'a, Option<Ids>>, Error> {
        let mut ids = self.ids.lock();
        if ids.is_none() {
            *ids = Some(build_ids(inner)?);
        }
        Ok(ids)
    }

    /// The entity index, built by a scan of the log if this is its first use.
    pub(crate) fn entities<'a>(&'a self, store: &Store) -> Result<MutexGuard<'a, Option<Entities>>, Error> {
        let mut entities = self.entities.lock();
        if entities.is_none() {
            let mut built = Entities::default();
            for r in store.scan(1) {
                add_entities(&mut built, &r?);
            }
            *entities = Some(built);
        }
        Ok(entities)
    }
}

fn build_ids(inner: &Backend) -> Result<Ids, Error> {
    let mut ids = Ids::default();
    for entry in inner.range(keys::log_key(0).to_vec(), log_end()) {
        let (key, value) = entry?;
        let first = keys::log_position(&key).ok_or_else(|| Error::corrupt(inner.dir(), "a log key is malformed"))?;
        let header = Header::read(&value)
            .map_err(|what| Error::corrupt(inner.dir(), format!("the chunk at position {first}: {what}")))?;
        ids.extend(header.ids().zip(first..));
    }
    Ok(ids)
}
