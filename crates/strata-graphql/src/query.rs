//! The query root: entities, events, paths, neighborhoods, diffs and counts,
//! each at an `asOf`/`knownAt` bounded by the request's snapshot.

use async_graphql::{Context, Object, ID};
use strata_core::{EntityId, EventId};
use strata_engine::{DisagreementFilter, EventFilter, KnowledgeQuery, NeighborhoodQuery, PathQuery, TemporalQuery};

use crate::audit::{Connection, KnowledgeDiff};
use crate::connection::{self, EntityConnection, EntityEdge, EventConnection, EventEdge};
use crate::context::{engine, snapshot};
use crate::enums::{status_set, ClaimStatus, EntityType};
use crate::error::Error;
use crate::names::{EventHit, SearchHit};
use crate::scalars::{day, instant, Date, DateTime};
use crate::timeline::TimeRange;
use crate::types::{Disagreement, Entity, Event, GraphDiff, Path, Relation, Stats, Subgraph};

/// The longest path or widest neighborhood a query may ask for, in hops.
pub const MAX_HOPS: usize = 10;
/// The most paths `paths` may return.
pub const MAX_PATHS: usize = 1000;

/// An entity id argument, checked.
pub(crate) fn entity_id(argument: &str, id: &ID) -> Result<EntityId, Error> {
    EntityId::parse(id.as_str()).map_err(|e| Error::arg(argument, e))
}

/// The ends and the query of `connections` and `journey`, read from their
/// common arguments: the snapshot they read, the two ids, and the
/// question at the clamped `knownAt` (`days`: a journey's `after` and
/// `before`).
fn temporal<'a>(
    ctx: &Context<'a>,
    (from, to): (&ID, &ID),
    max_hops: Option<i32>,
    known_at: Option<DateTime>,
    statuses: Option<Vec<ClaimStatus>>,
    relations: Option<Vec<String>>,
    (after, before): (Option<strata_core::Day>, Option<strata_core::Day>),
) -> Result<(strata_engine::Snapshot<'a>, EntityId, EntityId, TemporalQuery), Error> {
    let (from, to) = (entity_id("from", from)?, entity_id("to", to)?);
    let max_hops = bounded("maxHops", max_hops.unwrap_or(3), MAX_HOPS)?;
    let snap = snapshot(ctx)?;
    let known_at = snap.clamp(instant(known_at));
    let statuses = status_set(statuses.as_deref());
    Ok((snap, from, to, TemporalQuery { known_at, statuses, max_hops, relations, after, before }))
}

/// An event id argument, checked.
pub(crate) fn event_id(argument: &str, id: &ID) -> Result<EventId, Error> {
    EventId::parse(id.as_str()).map_err(|e| Error::arg(argument, e))
}

/// Refuses kinds the vocabulary does not have: a typo would otherwise
/// silently match nothing.
pub(crate) fn check_kinds(engine: &strata_engine::Engine, kinds: &[String]) -> Result<(), Error> {
    let vocab = engine.vocabulary();
    match kinds.iter().find(|k| vocab.get(k).is_none()) {
        Some(k) => Err(Error::arg("kinds", format!("unknown kind {k:?}; the vocabulary has {}", vocab.kind_list()))),
        None => Ok(()),
    }
}

fn bounded(argument: &str, n: i32, max: usize) -> Result<usize, Error> {
    match usize::try_from(n) {
        Err(_) => Err(Error::arg(argument, format!("{argument} must be between 0 and {max}, not {n}"))),
        Ok(v) if v > max => Err(crate::error::over_limit(argument, n, max)),
        Ok(v) => Ok(v),
    }
}

/// The root of every read.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryRoot;

/// Reads of the graph. `asOf` is valid time (a date; omitted: no bound, so
/// closed relations are hidden and future ones shown); `knownAt` is recorded
/// time (omitted: everything the request sees).
#[Object(name = "Query")]
impl QueryRoot {
    /// The entity, or null when it is unknown at `knownAt`.
    async fn entity(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
    ) -> Result<Option<Entity>, Error> {
        let id = entity_id("id", &id)?;
        let snap = snapshot(ctx)?;
        Ok(Entity::load(engine(ctx)?, &id, snap.filter(day(as_of), instant(known_at)), snap.cap()))
    }

    /// Entities by id, optionally of one type and matching `search` (in the
    /// id or the name, case-insensitive). Pages of `first` (default 100, at
    /// most 1000) after the cursor `after`.
    #[expect(clippy::too_many_arguments, reason = "a GraphQL field takes each of its arguments as a parameter")]
    #[graphql(
        complexity = "connection::cost(first, connection::DEFAULT_FIRST, connection::MAX_FIRST, child_complexity)"
    )]
    async fn entities(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type")] entity_type: Option<EntityType>,
        search: Option<String>,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EntityConnection, Error> {
        let size = connection::page_size(first)?;
        let after = after.as_deref().map(connection::entity_after).transpose()?;
        let snap = snapshot(ctx)?;
        let time = snap.filter(day(as_of), instant(known_at));
        let all = snap.entities(entity_type.map(Into::into), search.as_deref(), time);
        let start = match &after {
            Some(id) => connection::start_after(&all, id, |e| Ok(e.id.clone()))?,
            None => 0,
        };
        let edges: Vec<EntityEdge> = all
            .iter()
            .skip(start)
            .take(size)
            .map(|view| EntityEdge {
                cursor: connection::entity_cursor(&view.id),
                node: Entity { view: view.clone(), time, cap: snap.cap() },
            })
            .collect();
        let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
        Ok(EntityConnection {
            page_info: connection::page_info(start, edges.len(), all.len(), &cursors),
            total_count: all.len() as u64,
            edges,
        })
    }

    /// The event with this id, or null when it was not recorded by
    /// `knownAt`. A retracted event is still returned, with `retractedBy`.
    async fn event(&self, ctx: &Context<'_>, id: ID, known_at: Option<DateTime>) -> Result<Option<Event>, Error> {
        let id = event_id("id", &id)?;
        let snap = snapshot(ctx)?;
        let known = snap.clamp(instant(known_at));
        let engine = engine(ctx)?;
        let Some(status) = snap.event_status(id, known) else { return Ok(None) };
        Event::load(engine, status.position, known, snap.cap()).map(Some)
    }

    /// Events in valid-time order, then log order: those naming `entity`, of
    /// `kinds`, whose valid time starts between `from` and `to` (both
    /// included), recorded between `recordedFrom` and `recordedTo` (both
    /// included); retracted ones only with `includeRetracted`. Pages of
    /// `first` (default 100, at most 1000) after the cursor `after`.
    #[expect(clippy::too_many_arguments, reason = "a GraphQL field takes each of its arguments as a parameter")]
    #[graphql(
        complexity = "connection::cost(first, connection::DEFAULT_FIRST, connection::MAX_FIRST, child_complexity)"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        entity: Option<ID>,
        kinds: Option<Vec<String>>,
        from: Option<Date>,
        to: Option<Date>,
        known_at: Option<DateTime>,
        #[graphql(default_with = "Some(false)")] include_retracted: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        recorded_from: Option<DateTime>,
        recorded_to: Option<DateTime>,
    ) -> Result<EventConnection, Error> {
        let entity = entity.as_ref().map(|id| entity_id("entity", id)).transpose()?;
        let size = connection::page_size(first)?;
        let after = after.as_deref().map(connection::event_after).transpose()?;
        let snap = snapshot(ctx)?;
        let known = snap.clamp(instant(known_at));
        let engine = engine(ctx)?;
        if let Some(kinds) = &kinds {
            check_kinds(engine, kinds)?;
        }
        let include_retracted = include_retracted.unwrap_or(false);
        let filter = EventFilter {
            entity,
            kinds,
            from: day(from),
            to: day(to),
            known_at: Some(known),
            include_retracted,
            recorded_from: instant(recorded_from),
            recorded_to: instant(recorded_to),
        };
        let all = snap.events(filter);
        let start = match &after {
            Some(key) => connection::start_after(&all, key, |&p| {
                let e = Event::load(engine, p, known, snap.cap())?;
                Ok((e.rec.event.at.start(), p))
            })?,
            None => 0,
        };
        let mut edges = Vec::new();
        for &p in all.iter().skip(start).take(size) {
            let node = Event::load(engine, p, known, snap.cap())?;
            edges.push(EventEdge { cursor: connection::event_cursor(node.rec.event.at.start(), p), node });
        }
        let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
        Ok(EventConnection {
            page_info: connection::page_info(start, edges.len(), all.len(), &cursors),
            total_count: all.len() as u64,
            edges,
        })
    }

    /// A shortest path from `from` to `to` of at most `maxHops` steps (up
    /// to 10), following edges either way unless `directed`; null when none.
    #[expect(clippy::too_many_arguments, reason = "a GraphQL field takes each of its arguments as a parameter")]
    async fn path(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
        #[graphql(default_with = "Some(6)")] max_hops: Option<i32>,
        relations: Option<Vec<String>>,
        #[graphql(default_with = "Some(false)")] directed: Option<bool>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
    ) -> Result<Option<Path>, Error> {
        let (from, to) = (entity_id("from", &from)?, entity_id("to", &to)?);
        let snap = snapshot(ctx)?;
        let time = snap.filter(day(as_of), instant(known_at)).with_statuses(status_set(statuses.as_deref()));
        let max_hops = bounded("maxHops", max_hops.unwrap_or(6), MAX_HOPS)?;
        let query = PathQuery { time, max_hops, relations, directed: directed.unwrap_or(false) };
        let found = snap.path(&from, &to, query);
        Ok(found.map(|view| Path { view, time, cap: snap.cap() }))
    }

    /// All simple paths from `from` to `to` of at most `maxHops` steps (up
    /// to 10), shortest first, at most `limit` of them (up to 1000; edges
    /// followed either way).
    #[expect(clippy::too_many_arguments, reason = "a GraphQL field takes each of its arguments as a parameter")]
    #[graphql(complexity = "connection::cost(limit, 20, MAX_PATHS, child_complexity)")]
    async fn paths(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
        #[graphql(default_with = "Some(4)")] max_hops: Option<i32>,
        relations: Option<Vec<String>>,
        #[graphql(default_with = "Some(20)")] limit: Option<i32>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
    ) -> Result<Vec<Path>, Error> {
        let (from, to) = (entity_id("from", &from)?, entity_id("to", &to)?);
        let limit = bounded("limit", limit.unwrap_or(20), MAX_PATHS)?;
        let snap = snapshot(ctx)?;
        let time = snap.filter(day(as_of), instant(known_at)).with_statuses(status_set(statuses.as_deref()));
        let max_hops = bounded("maxHops", max_hops.unwrap_or(4), MAX_HOPS)?;
        let query = PathQuery { time, max_hops, relations, directed: false };
        let found = snap.paths(&from, &to, query, limit);
        Ok(found.into_iter().map(|view| Path { view, time, cap: snap.cap() }).collect())
    }

    /// The entities within `hops` (up to 10) of `id` and the edges followed
    /// to reach them; null when the entity is unknown.
    #[expect(clippy::too_many_arguments, reason = "a GraphQL field takes each of its arguments as a parameter")]
    async fn neighborhood(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default_with = "Some(1)")] hops: Option<i32>,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
        relations: Option<Vec<String>>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
    ) -> Result<Option<Subgraph>, Error> {
        let id = entity_id("id", &id)?;
        let hops = bounded("hops", hops.unwrap_or(1), MAX_HOPS)?;
        let snap = snapshot(ctx)?;
        let time = snap.filter(day(as_of), instant(known_at)).with_statuses(status_set(statuses.as_deref()));
        // Building a view of every edge costs more than the walk itself on
        // a hub's neighborhood: only when the request asks for edges.
        let with_edges = ctx.look_ahead().field("edges").exists();
        let query = NeighborhoodQuery { time, hops, relations };
        let found = if with_edges {
            snap.neighborhood(&id, query)
        } else {
            snap.neighborhood_nodes(&id, query).map(|nodes| strata_engine::Subgraph { nodes, edges: Vec::new() })
        };
        Ok(found.map(|view| Subgraph { view, time, cap: snap.cap() }))
    }

    /// Relations visible at `to` and not at `from` (added), and the reverse (removed).
    async fn diff(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        known_at: Option<DateTime>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
    ) -> Result<GraphDiff, Error> {
        let snap = snapshot(ctx)?;
        let known = snap.clamp(instant(known_at));
        let statuses = status_set(statuses.as_deref());
        let diff = snap.diff(from.0, to.0, known, statuses);
        let at = |day, views: Vec<strata_engine::RelationView>| -> Vec<Relation> {
            let time = snap.filter(Some(day), Some(known)).with_statuses(statuses);
            views.into_iter().map(|view| Relation { view, time, cap: snap.cap() }).collect()
        };
        Ok(GraphDiff { added: at(to.0, diff.added), removed: at(from.0, diff.removed) })
    }

    /// What we learned and what we stopped believing between two `knownAt`
    /// instants, at one `asOf`: the relations visible at `knownAt: to` and
    /// not at `knownAt: from` (`learned`), the reverse (`withdrawn`:
    /// retracted, or ended by a close recorded in between), compared by
    /// event, role and ends (a relation in both reads is in neither list,
    /// even if its `validTo` changed), and every event recorded after
    /// `from` and at or before `to`. `entity` keeps the relations with that
    /// entity at either end; it does not filter `events`.
    #[graphql(complexity = "10usize.saturating_mul(child_complexity)")]
    async fn knowledge_diff(
        &self,
        ctx: &Context<'_>,
        from: DateTime,
        to: DateTime,
        as_of: Option<Date>,
        entity: Option<ID>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
    ) -> Result<KnowledgeDiff, Error> {
        let entity = entity.as_ref().map(|id| entity_id("entity", id)).transpose()?;
        let snap = snapshot(ctx)?;
        let statuses = status_set(statuses.as_deref());
        let (from, to) = (snap.clamp(Some(from.0)), snap.clamp(Some(to.0)));
        let found = snap.knowledge_diff(KnowledgeQuery { from, to, as_of: day(as_of), entity, statuses });
        let at = |known, views: Vec<strata_engine::RelationView>| -> Vec<Relation> {
            let time = snap.filter(day(as_of), Some(known)).with_statuses(statuses);
            views.into_iter().map(|view| Relation { view, time, cap: snap.cap() }).collect()
        };
        Ok(KnowledgeDiff {
            learned: at(to, found.learned),
            withdrawn: at(from, found.withdrawn),
            events: found.events,
            known: to,
            cap: snap.cap(),
        })
    }

    /// The valid-time intervals during which a path of at most `maxHops`
    /// (up to 10) joined `from` and `to`, oldest first, each as long as it
    /// can be (`validTo` is the first day no such path remained, null while
    /// one does), with a shortest path on its first day. Relations are
    /// followed either way, about-links included. Empty when they never
    /// were, or are one entity.
    #[expect(clippy::too_many_arguments, reason = "a GraphQL field takes each of its arguments as a parameter")]
    #[graphql(complexity = "10usize.saturating_mul(child_complexity)")]
    async fn connections(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        #[graphql(default_with = "Some(3)")] max_hops: Option<i32>,
        known_at: Option<DateTime>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
        relations: Option<Vec<String>>,
    ) -> Result<Vec<Connection>, Error> {
        let days = (None, None);
        let (snap, from, to, query) = temporal(ctx, (&from, &to), max_hops, known_at, statuses, relations, days)?;
        let (known, statuses) = (query.known_at, query.statuses);
        let found = snap.connections(&from, &to, query);
        Ok(found
            .into_iter()
            .map(|c| {
                let time = snap.filter(Some(c.valid_from), Some(known)).with_statuses(statuses);
                Connection {
                    valid_from: Date(c.valid_from),
                    valid_to: c.valid_to.map(Date),
                    path: Path { view: c.path, time, cap: snap.cap() },
                }
            })
            .collect())
    }

    /// The time-respecting path from `from` to `to` that arrives earliest:
    /// each step follows a relation (either way, about-links included) on
    /// a day it holds, on or after the day of the step before, all between
    /// `after` and `before` (both included); of at most `maxHops` steps (up
    /// to 10); ties go to fewer steps. Each step's `at` is the earliest day
    /// it could be taken. No steps from an entity to itself; null when no
    /// such path exists.
    #[expect(clippy::too_many_arguments, reason = "a GraphQL field takes each of its arguments as a parameter")]
    async fn journey(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        after: Option<Date>,
        before: Option<Date>,
        #[graphql(default_with = "Some(3)")] max_hops: Option<i32>,
        known_at: Option<DateTime>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
        relations: Option<Vec<String>>,
    ) -> Result<Option<Path>, Error> {
        let days = (day(after), day(before));
        let (snap, from, to, query) = temporal(ctx, (&from, &to), max_hops, known_at, statuses, relations, days)?;
        let (known, statuses) = (query.known_at, query.statuses);
        let found = snap.journey(&from, &to, query);
        let time = snap.filter(day(after), Some(known)).with_statuses(statuses);
        Ok(found.map(|view| Path { view, time, cap: snap.cap() }))
    }

    /// The span of the log on both time axes at `knownAt`: the valid time
    /// its visible events cover and the instants they were recorded at.
    async fn time_range(&self, ctx: &Context<'_>, known_at: Option<DateTime>) -> Result<TimeRange, Error> {
        let snap = snapshot(ctx)?;
        TimeRange::load(engine(ctx)?, &snap, snap.clamp(instant(known_at)))
    }

    /// Where sources disagree, as pairs of events, each pair ordered by
    /// its earlier event (valid time, then position): `DISPUTED` (an event
    /// and each event it disputes), `DENIED` (a denied event and each event
    /// of another status stating the same relation), `CONFLICTING_VALUES`
    /// (two events stating the same relation, from different publishers,
    /// whose `attrs` give different values for a shared key). Only visible
    /// events count; `entity` keeps the pairs where either event names it,
    /// `from`/`to` those where either event's valid time starts in the
    /// range (both ends included), `asOf` those whose events are both
    /// visible then.
    #[graphql(complexity = "10usize.saturating_mul(child_complexity)")]
    async fn disagreements(
        &self,
        ctx: &Context<'_>,
        entity: Option<ID>,
        from: Option<Date>,
        to: Option<Date>,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
    ) -> Result<Vec<Disagreement>, Error> {
        let entity = entity.as_ref().map(|id| entity_id("entity", id)).transpose()?;
        let snap = snapshot(ctx)?;
        let known = snap.clamp(instant(known_at));
        let engine = engine(ctx)?;
        let filter =
            DisagreementFilter { entity, from: day(from), to: day(to), as_of: day(as_of), known_at: Some(known) };
        let found = snap.disagreements(filter)?;
        found
            .into_iter()
            .map(|d| {
                let events =
                    d.events.iter().map(|&p| Event::load(engine, p, known, snap.cap())).collect::<Result<_, _>>()?;
                Ok(Disagreement { events, reason: d.reason.into() })
            })
            .collect()
    }

    /// Counts of the store at `knownAt`.
    async fn stats(&self, ctx: &Context<'_>, known_at: Option<DateTime>) -> Result<Stats, Error> {
        let snap = snapshot(ctx)?;
        Ok(snap.stats(snap.clamp(instant(known_at))).into())
    }

    /// Entities whose id, name or aliases match `text`, best first: case,
    /// accents, punctuation, word order, corporate suffixes ("Co., Ltd.",
    /// "Inc.") and a small typo are forgiven, and CJK names match their own
    /// characters. Names are those known at `knownAt`; a merged id answers
    /// as the entity it was merged into. At most `first` (default 10, at
    /// most 100).
    #[graphql(complexity = "names_cost(first, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        text: String,
        types: Option<Vec<EntityType>>,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
        first: Option<i32>,
    ) -> Result<Vec<SearchHit>, Error> {
        let first = bounded("first", first.unwrap_or(DEFAULT_HITS as i32), MAX_HITS)?;
        let snap = snapshot(ctx)?;
        let time = snap.filter(day(as_of), instant(known_at));
        let types: Option<Vec<strata_core::EntityType>> = types.map(|ts| ts.into_iter().map(Into::into).collect());
        let hits = snap.search(&text, types.as_deref(), time, first);
        Ok(hits.into_iter().map(|hit| SearchHit { hit, time, cap: snap.cap() }).collect())
    }

    /// Likely duplicates of the entity `id`: entities of its type whose
    /// names match one of its names, best first, leaving out the ids merged
    /// with it and those a `distinct_from` judged distinct from it. At
    /// most `first` (default 10, at most 100).
    #[graphql(complexity = "names_cost(first, child_complexity)")]
    async fn duplicates(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<Date>,
        known_at: Option<DateTime>,
        first: Option<i32>,
    ) -> Result<Vec<SearchHit>, Error> {
        let id = entity_id("id", &id)?;
        let first = bounded("first", first.unwrap_or(DEFAULT_HITS as i32), MAX_HITS)?;
        let snap = snapshot(ctx)?;
        let time = snap.filter(day(as_of), instant(known_at));
        let hits = snap.duplicates(&id, time, first);
        Ok(hits.into_iter().map(|hit| SearchHit { hit, time, cap: snap.cap() }).collect())
    }

    /// Events whose source title, note or attributes' string values match
    /// `text` (case, accents, punctuation and word order forgiven), best
    /// first, among the visible events whose valid time starts between
    /// `from` and `to` (both included). At most `first` (default 10, at most 100).
    #[graphql(complexity = "names_cost(first, child_complexity)")]
    async fn event_search(
        &self,
        ctx: &Context<'_>,
        text: String,
        from: Option<Date>,
        to: Option<Date>,
        known_at: Option<DateTime>,
        first: Option<i32>,
    ) -> Result<Vec<EventHit>, Error> {
        let first = bounded("first", first.unwrap_or(DEFAULT_HITS as i32), MAX_HITS)?;
        let snap = snapshot(ctx)?;
        let known = snap.clamp(instant(known_at));
        let filter = EventFilter { from: day(from), to: day(to), known_at: Some(known), ..EventFilter::default() };
        let engine = engine(ctx)?;
        snap.event_search(&text, filter, first)?
            .into_iter()
            .map(|(p, score)| Ok(EventHit { event: Event::load(engine, p, known, snap.cap())?, score }))
            .collect()
    }
}

/// How many hits `search`, `duplicates` and `eventSearch` give unless asked.
const DEFAULT_HITS: usize = 10;
/// The most hits they give.
const MAX_HITS: usize = 100;

/// The cost of a list of hits: each hit's fields, times how many.
fn names_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let n = first.map_or(DEFAULT_HITS, |f| usize::try_from(f).unwrap_or(0).min(MAX_HITS));
    child_complexity.saturating_mul(n.max(1))
}
