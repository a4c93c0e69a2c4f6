//! Consistent read views: a [`Snapshot`] and its `knownAt` cap, the one
//! place where a reader's `knownAt` is bounded by what the view saw.

use rustc_hash::FxHashMap;
use strata_core::{Day, EntityId, EntityType, EventId, RecordedEvent, StatusSet, Timestamp};
use strata_graph::{
    Connection, Direction, Disagreement, DisagreementFilter, EntityView, EventFilter, EventStatus, GraphDiff,
    KnowledgeDiff, KnowledgeQuery, NeighborhoodQuery, PathQuery, PathView, Projection, RelationView, SearchHit, Stats,
    Subgraph, TemporalQuery, TimeFilter,
};

use crate::{Engine, Error};

/// What a snapshot saw: its last position and that event's recorded time.
/// Every read through the snapshot is bounded by it (its `knownAt` cap).
///
/// Only the engine makes one ([`Snapshot::cap`]); keep it (it is `'static`)
/// to read the same view again later with [`Engine::snapshot_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotCap {
    position: u64,
    known_at: Timestamp,
}

impl SnapshotCap {
    /// The last position the view sees.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The recorded time of the last event it sees (`Timestamp::MIN` when empty).
    pub fn known_at(&self) -> Timestamp {
        self.known_at
    }

    /// A `knownAt` asked by a reader, bounded by the cap.
    pub fn clamp(&self, known_at: Option<Timestamp>) -> Timestamp {
        known_at.map_or(self.known_at, |k| k.min(self.known_at))
    }

    /// A time filter bounded by the cap (believed claims only; see
    /// [`TimeFilter::with_statuses`]).
    pub fn filter(&self, as_of: Option<Day>, known_at: Option<Timestamp>) -> TimeFilter {
        TimeFilter::at(as_of, self.clamp(known_at))
    }

    /// `time` with its `knownAt` bounded by the cap.
    fn bound(&self, time: TimeFilter) -> TimeFilter {
        TimeFilter { known_at: self.clamp(Some(time.known_at)), ..time }
    }
}

/// A consistent read view (see [`Engine::snapshot`]).
///
/// Its read methods take the times a reader asks for and bound their
/// `knownAt` by the snapshot's cap, so no read through them sees an event
/// recorded after the snapshot was taken: [`TimeFilter::LATEST`] reads the
/// snapshot as it stands.
#[derive(Clone, Copy)]
pub struct Snapshot<'a> {
    engine: &'a Engine,
    cap: SnapshotCap,
}

impl Engine {
    /// A consistent view: every read through it sees the events recorded up
    /// to now and none recorded later.
    pub fn snapshot(&self) -> Snapshot<'_> {
        let graph = self.graph.read();
        let cap = SnapshotCap { position: graph.len(), known_at: graph.last_recorded_at().unwrap_or(Timestamp::MIN) };
        Snapshot { engine: self, cap }
    }

    /// The view `cap` was taken of, again (never more than the log holds now).
    pub fn snapshot_at(&self, cap: SnapshotCap) -> Snapshot<'_> {
        let now = self.snapshot().cap;
        let cap = SnapshotCap { position: cap.position.min(now.position), known_at: cap.known_at.min(now.known_at) };
        Snapshot { engine: self, cap }
    }
}

impl<'a> Snapshot<'a> {
    /// What the snapshot saw: keep it to take the same view again.
    pub fn cap(&self) -> SnapshotCap {
        self.cap
    }

    /// The last position the snapshot sees.
    pub fn position(&self) -> u64 {
        self.cap.position
    }

    /// The recorded time of the last event it sees (`Timestamp::MIN` when empty).
    pub fn known_at(&self) -> Timestamp {
        self.cap.known_at
    }

    /// A `knownAt` asked by a reader, bounded by the snapshot.
    pub fn clamp(&self, known_at: Option<Timestamp>) -> Timestamp {
        self.cap.clamp(known_at)
    }

    /// A time filter bounded by the snapshot.
    pub fn filter(&self, as_of: Option<Day>, known_at: Option<Timestamp>) -> TimeFilter {
        self.cap.filter(as_of, known_at)
    }

    /// Runs a read of the whole projection: the engine's own, for the read
    /// methods below. The times passed to it are not bounded by the
    /// snapshot, which is why no caller outside the engine gets it.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Projection) -> R) -> R {
        f(&self.engine.graph.read())
    }

    /// The entity at `time` ([`Projection::entity`]).
    pub fn entity(&self, id: &EntityId, time: TimeFilter) -> Option<EntityView> {
        self.read(|g| g.entity(id, self.cap.bound(time)))
    }

    /// The entity's name and aliases at `time` ([`Projection::names`]).
    pub fn names(&self, id: &EntityId, time: TimeFilter) -> Vec<String> {
        self.read(|g| g.names(id, self.cap.bound(time)))
    }

    /// The ids merged into the entity ([`Projection::merged_ids`]).
    pub fn merged_ids(&self, id: &EntityId, time: TimeFilter) -> Vec<EntityId> {
        self.read(|g| g.merged_ids(id, self.cap.bound(time)))
    }

    /// Builds the name index afresh from the projection's declarations, as
    /// a replay of the log does (a checkpoint keeps the index, so loading
    /// one does not), and says how many names it holds (what the rebuild
    /// benchmark times); the live index is left as it is.
    pub fn rebuild_name_index(&self) -> usize {
        self.read(|g| g.build_name_index())
    }

    /// Entities ranked by how well a name matches `text` ([`Projection::search`]).
    pub fn search(&self, text: &str, types: Option<&[EntityType]>, time: TimeFilter, first: usize) -> Vec<SearchHit> {
        self.read(|g| g.search(text, types, self.cap.bound(time), first))
    }

    /// Likely duplicates of an entity ([`Projection::duplicates`]).
    pub fn duplicates(&self, id: &EntityId, time: TimeFilter, first: usize) -> Vec<SearchHit> {
        self.read(|g| g.duplicates(id, self.cap.bound(time), first))
    }

    /// Events whose source title, note or attribute values match `text`,
    /// best first (score, then position), at most `first`: the visible
    /// events `filter` selects, each read from the log and scored by
    /// [`strata_graph::text_match`]; those scoring under 0.5 are left out.
    pub fn event_search(&self, text: &str, filter: EventFilter, first: usize) -> Result<Vec<(u64, f64)>, Error> {
        let mut hits: Vec<(u64, f64)> = Vec::new();
        for p in self.events(filter) {
            let Some(rec) = self.event_at(p)? else { continue };
            let e = &rec.event;
            let mut words: Vec<&str> = Vec::new();
            if let Some(t) = e.source.as_ref().and_then(|s| s.title.as_deref()) {
                words.push(t);
            }
            if let Some(n) = e.note.as_deref() {
                words.push(n);
            }
            fn strings<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
                match v {
                    serde_json::Value::String(s) => out.push(s),
                    serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
                    serde_json::Value::Object(m) => m.values().for_each(|x| strings(x, out)),
                    _ => {}
                }
            }
            e.attrs.values().for_each(|v| strings(v, &mut words));
            let score = strata_graph::text_match(text, &words.join(" "));
            if score >= 0.5 {
                hits.push((p, score));
            }
        }
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.truncate(first);
        Ok(hits)
    }

    /// Entities of a type, matching `search` ([`Projection::entities`]).
    pub fn entities(&self, ty: Option<EntityType>, search: Option<&str>, time: TimeFilter) -> Vec<EntityView> {
        self.read(|g| g.entities(ty, search, self.cap.bound(time)))
    }

    /// An entity's visible edges ([`Projection::relations`]).
    pub fn relations(
        &self,
        id: &EntityId,
        time: TimeFilter,
        direction: Direction,
        names: Option<&[String]>,
    ) -> Vec<RelationView> {
        self.read(|g| g.relations(id, self.cap.bound(time), direction, names))
    }

    /// The positions of the visible events naming an entity ([`Projection::history`]).
    pub fn history(&self, id: &EntityId, time: TimeFilter) -> Vec<u64> {
        self.read(|g| g.history(id, self.cap.bound(time)))
    }

    /// An event's status at `known_at` ([`Projection::event_status`]).
    pub fn event_status(&self, id: EventId, known_at: Timestamp) -> Option<EventStatus> {
        self.read(|g| g.event_status(id, self.clamp(Some(known_at))))
    }

    /// The status of the event at `position` ([`Projection::event_status_at`]).
    pub fn event_status_at(&self, position: u64, known_at: Timestamp) -> Option<EventStatus> {
        self.read(|g| g.event_status_at(position, self.clamp(Some(known_at))))
    }

    /// The positions of the events `filter` selects ([`Projection::events`]).
    pub fn events(&self, filter: EventFilter) -> Vec<u64> {
        let filter = EventFilter { known_at: Some(self.clamp(filter.known_at)), ..filter };
        self.read(|g| g.events(&filter))
    }

    /// A shortest path ([`Projection::path`]).
    pub fn path(&self, from: &EntityId, to: &EntityId, query: PathQuery) -> Option<PathView> {
        let query = PathQuery { time: self.cap.bound(query.time), ..query };
        self.read(|g| g.path(from, to, &query))
    }

    /// Simple paths, shortest first ([`Projection::paths`]).
    pub fn paths(&self, from: &EntityId, to: &EntityId, query: PathQuery, limit: usize) -> Vec<PathView> {
        let query = PathQuery { time: self.cap.bound(query.time), ..query };
        self.read(|g| g.paths(from, to, &query, limit))
    }

    /// The entities within the query's hops and the edges followed
    /// ([`Projection::neighborhood`]).
    pub fn neighborhood(&self, id: &EntityId, query: NeighborhoodQuery) -> Option<Subgraph> {
        let query = NeighborhoodQuery { time: self.cap.bound(query.time), ..query };
        self.read(|g| g.neighborhood(id, &query))
    }

    /// The entities of the neighborhood, without edges ([`Projection::neighborhood_nodes`]).
    pub fn neighborhood_nodes(&self, id: &EntityId, query: NeighborhoodQuery) -> Option<Vec<EntityView>> {
        let query = NeighborhoodQuery { time: self.cap.bound(query.time), ..query };
        self.read(|g| g.neighborhood_nodes(id, &query))
    }

    /// The ids of the neighborhood's entities, in its order ([`Projection::neighborhood_ids`]).
    pub fn neighborhood_ids(&self, id: &EntityId, query: NeighborhoodQuery) -> Option<Vec<EntityId>> {
        let query = NeighborhoodQuery { time: self.cap.bound(query.time), ..query };
        self.read(|g| g.neighborhood_ids(id, &query))
    }

    /// The whole graph at `time`: every visible entity, and every visible
    /// edge once (from the entity it leaves), what an export writes.
    pub fn graph(&self, time: TimeFilter) -> Subgraph {
        let time = self.cap.bound(time);
        self.read(|g| {
            let nodes = g.entities(None, None, time);
            let edges = nodes.iter().flat_map(|n| g.relations(&n.id, time, Direction::Out, None)).collect();
            Subgraph { nodes, edges }
        })
    }

    /// Every distinct instant the events visible at `known_at` were recorded
    /// at, oldest first: what a recorded-time slider steps through.
    pub fn recorded_times(&self, known_at: Timestamp) -> Vec<Timestamp> {
        let known = self.clamp(Some(known_at));
        self.read(|g| {
            let mut times: Vec<Timestamp> = Vec::new();
            for position in 1..=self.cap.position {
                match g.event_status_at(position, known) {
                    Some(status) if times.last() != Some(&status.recorded_at) => times.push(status.recorded_at),
                    Some(_) => {}
                    // Recorded later than `known`, and so is every later
                    // position: recorded time never runs backwards.
                    None => break,
                }
            }
            times
        })
    }

    /// Relations that appeared and disappeared between two days ([`Projection::diff`]).
    pub fn diff(&self, from: Day, to: Day, known_at: Timestamp, statuses: StatusSet) -> GraphDiff {
        self.read(|g| g.diff(from, to, self.clamp(Some(known_at)), statuses))
    }

    /// What was learned and withdrawn between two `knownAt` instants, both
    /// bounded by the snapshot, and the events recorded in between
    /// ([`Projection::knowledge_diff`]).
    pub fn knowledge_diff(&self, query: KnowledgeQuery) -> KnowledgeDiff {
        let query = KnowledgeQuery { from: self.clamp(Some(query.from)), to: self.clamp(Some(query.to)), ..query };
        self.read(|g| g.knowledge_diff(&query))
    }

    /// The valid-time intervals during which two entities were connected
    /// ([`Projection::connections`]).
    pub fn connections(&self, from: &EntityId, to: &EntityId, query: TemporalQuery) -> Vec<Connection> {
        let query = TemporalQuery { known_at: self.clamp(Some(query.known_at)), ..query };
        self.read(|g| g.connections(from, to, &query))
    }

    /// The earliest-arriving time-respecting path ([`Projection::journey`]).
    pub fn journey(&self, from: &EntityId, to: &EntityId, query: TemporalQuery) -> Option<PathView> {
        let query = TemporalQuery { known_at: self.clamp(Some(query.known_at)), ..query };
        self.read(|g| g.journey(from, to, &query))
    }

    /// The visible events disputing the event at `position` ([`Projection::disputed_by`]).
    pub fn disputed_by(&self, position: u64, known_at: Timestamp) -> Vec<u64> {
        self.read(|g| g.disputed_by(position, self.clamp(Some(known_at))))
    }

    /// The events stating the same relation as the one the event at
    /// `position` opened or marked ([`Projection::relation_sources`]).
    pub fn relation_sources(&self, position: u64, time: TimeFilter) -> Vec<u64> {
        self.read(|g| g.relation_sources(position, self.cap.bound(time)))
    }

    /// Where sources disagree ([`Projection::disagreements`]); conflicting
    /// values are judged on the events as the log holds them
    /// ([`strata_graph::values_conflict`]).
    pub fn disagreements(&self, filter: DisagreementFilter) -> Result<Vec<Disagreement>, Error> {
        let filter = DisagreementFilter { known_at: Some(self.clamp(filter.known_at)), ..filter };
        // Each event once, however many pairs it is in. (The projection
        // names only positions the snapshot sees, so every one is found.)
        let mut cache: FxHashMap<u64, Option<RecordedEvent>> = FxHashMap::default();
        let mut load = |p: u64| -> Result<Option<RecordedEvent>, Error> {
            if let Some(r) = cache.get(&p) {
                return Ok(r.clone());
            }
            let rec = self.event_at(p)?;
            cache.insert(p, rec.clone());
            Ok(rec)
        };
        self.read(|g| {
            g.disagreements(&filter, |a, b| match (load(a)?, load(b)?) {
                (Some(a), Some(b)) => Ok(strata_graph::values_conflict(&a.event, &b.event)),
                _ => Ok(false),
            })
        })
    }

    /// Counts at `known_at` ([`Projection::stats`]).
    pub fn stats(&self, known_at: Timestamp) -> Stats {
        self.read(|g| g.stats(self.clamp(Some(known_at))))
    }

    /// The position of the event with id `id`, if the snapshot sees it.
    pub fn position_of(&self, id: EventId) -> Option<u64> {
        self.engine.position_of(id).filter(|p| *p <= self.cap.position)
    }

    /// The event at `position`, if the snapshot sees it.
    pub fn event_at(&self, position: u64) -> Result<Option<RecordedEvent>, Error> {
        if position > self.cap.position {
            return Ok(None);
        }
        self.engine.event_at(position)
    }
}
