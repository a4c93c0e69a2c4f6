//! The object types: `Entity`, `Relation`, `Event`, `Path`, `Subgraph`,
//! `GraphDiff`, `Source`, `Stats`.
//!
//! Each object carries the time it was read at, so its nested fields answer
//! at the same `asOf`/`knownAt` as their parent, and `cap`, the `knownAt`
//! bound of the request it belongs to (the request's snapshot, or the log
//! just after a mutation).

use std::sync::Arc;

use async_graphql::{Context, Json, Object, SimpleObject, ID};
use serde_json::Value;
use strata_core::{EntityId, RecordedEvent, Timestamp};
use strata_engine::{Engine, EntityView, PathView, RelationView, SnapshotCap, TimeFilter};

use crate::context::engine;
use crate::enums::{status_set, ClaimStatus, Direction, EntityType, Precision, RelationRole};
use crate::error::Error;
use crate::scalars::{Date, DateTime};

/// What an unpaged list (an entity's relations or history) costs, for the
/// complexity limit: its selection this many times. Lists nested in lists
/// multiply, so deep fan-outs (`relations { to { relations { to ... } } }`)
/// hit the limit long before they could touch the whole graph.
const RELATIONS_COST: usize = 10;

/// Where a claim comes from.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Who published it.
    pub publisher: Option<String>,
    /// Where to read it.
    pub url: Option<String>,
    /// The title of the article.
    pub title: Option<String>,
    /// When it was published, as given (any valid-time precision).
    pub published: Option<String>,
    /// The outlet that first reported what this publisher relays (an
    /// article citing Reuters: `Reuters`); null when the publisher reported
    /// it itself.
    pub via: Option<String>,
}

impl From<&strata_core::Source> for Source {
    fn from(s: &strata_core::Source) -> Self {
        Source {
            publisher: s.publisher.clone(),
            url: s.url.clone(),
            title: s.title.clone(),
            published: s.published.clone(),
            via: s.via.clone(),
        }
    }
}

/// Counts of the store at a `knownAt`.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct Stats {
    /// Events in the log, retracted ones and retractions included.
    pub events: u64,
    /// Entities that exist.
    pub entities: u64,
    /// Relations (opening or marking events) visible with no `asOf` bound.
    pub relations: u64,
    /// The recorded time of the last event counted.
    pub last_recorded_at: Option<DateTime>,
}

impl From<strata_engine::Stats> for Stats {
    fn from(s: strata_engine::Stats) -> Self {
        Stats {
            events: s.events,
            entities: s.entities,
            relations: s.relations,
            last_recorded_at: s.last_recorded_at.map(DateTime),
        }
    }
}

/// An entity as seen at an `asOf`/`knownAt`.
pub struct Entity {
    pub(crate) view: EntityView,
    pub(crate) time: TimeFilter,
    pub(crate) cap: SnapshotCap,
}

impl Entity {
    /// The entity `id` at `time`, if it is known then.
    pub(crate) fn load(engine: &Engine, id: &EntityId, time: TimeFilter, cap: SnapshotCap) -> Option<Entity> {
        engine.snapshot_at(cap).entity(id, time).map(|view| Entity { view, time, cap })
    }

    /// Like [`Entity::load`], for an entity a visible relation or event names,
    /// which must exist.
    fn must_load(engine: &Engine, id: &EntityId, time: TimeFilter, cap: SnapshotCap) -> Result<Entity, Error> {
        Entity::load(engine, id, time, cap)
            .ok_or_else(|| Error::internal(format!("entity {id} is named by a visible relation but is not visible")))
    }
}

/// An actor, agency or chip, at the `asOf`/`knownAt` it was asked for;
/// its relations and history answer at the same times.
#[Object]
impl Entity {
    /// Its id, a lowercase slug.
    async fn id(&self) -> ID {
        ID(self.view.id.to_string())
    }

    /// What kind of thing it is.
    #[graphql(name = "type")]
    async fn entity_type(&self) -> EntityType {
        self.view.entity_type.into()
    }

    /// Its name at `asOf` (its id when no declaration named it).
    async fn name(&self) -> &str {
        &self.view.name
    }

    /// Its name at `asOf` first, then every name and alias its visible
    /// declarations gave, whatever their date (an old name stays findable),
    /// each once. Bounded by `knownAt`: an alias recorded later is not listed.
    async fn names(&self, ctx: &Context<'_>) -> Result<Vec<String>, Error> {
        Ok(engine(ctx)?.snapshot_at(self.cap).names(&self.view.id, self.time))
    }

    /// The other ids merged into it by `same_as` events known at
    /// `knownAt` (its own id is the survivor's), sorted; empty when none.
    async fn merged_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>, Error> {
        let ids = engine(ctx)?.snapshot_at(self.cap).merged_ids(&self.view.id, self.time);
        Ok(ids.into_iter().map(|id| ID(id.to_string())).collect())
    }

    /// Its attributes at `asOf`.
    async fn attrs(&self) -> Option<Json<Value>> {
        Some(Json(Value::Object(self.view.attrs.clone())))
    }

    /// Its visible relations, oldest first; about-links point from the
    /// event's subject (and object) to what it was about.
    #[graphql(complexity = "RELATIONS_COST.saturating_mul(child_complexity)")]
    async fn relations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(Direction::Both)")] direction: Option<Direction>,
        names: Option<Vec<String>>,
        #[graphql(
            desc = "Only relations whose event has one of these statuses (default: what is believed to have happened).",
            default_with = "Some(vec![ClaimStatus::Confirmed, ClaimStatus::Reported])"
        )]
        statuses: Option<Vec<ClaimStatus>>,
    ) -> Result<Vec<Relation>, Error> {
        let direction = direction.unwrap_or_default();
        let time = self.time.with_statuses(status_set(statuses.as_deref()));
        let rels =
            engine(ctx)?.snapshot_at(self.cap).relations(&self.view.id, time, direction.into(), names.as_deref());
        Ok(rels.into_iter().map(|view| Relation { view, time, cap: self.cap }).collect())
    }

    /// The visible events that name it, in valid-time order then log order,
    /// up to `asOf`.
    #[graphql(complexity = "RELATIONS_COST.saturating_mul(child_complexity)")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
        let engine = engine(ctx)?;
        let positions = engine.snapshot_at(self.cap).history(&self.view.id, self.time);
        positions.into_iter().map(|p| Event::load(engine, p, self.time.known_at, self.cap)).collect()
    }
}

/// An edge of the graph with the interval it holds for.
pub struct Relation {
    pub(crate) view: RelationView,
    pub(crate) time: TimeFilter,
    pub(crate) cap: SnapshotCap,
}

/// An edge: a subject-object relation opened or marked by an event, or an
/// about-link from its subject (or object) to what the event was about.
#[Object]
impl Relation {
    /// Its name (`approved`).
    async fn name(&self) -> &str {
        &self.view.name
    }

    /// Subject-object edge or about-link.
    async fn role(&self) -> Option<RelationRole> {
        Some(self.view.role.into())
    }

    /// Where the edge starts.
    async fn from(&self, ctx: &Context<'_>) -> Result<Entity, Error> {
        Entity::must_load(engine(ctx)?, &self.view.from, self.time, self.cap)
    }

    /// Where the edge ends.
    async fn to(&self, ctx: &Context<'_>) -> Result<Entity, Error> {
        Entity::must_load(engine(ctx)?, &self.view.to, self.time, self.cap)
    }

    /// The first day it holds.
    async fn valid_from(&self) -> Date {
        Date(self.view.valid_from)
    }

    /// The first day it no longer holds; null while open (and for marks).
    async fn valid_to(&self) -> Option<Date> {
        self.view.valid_to.map(Date)
    }

    /// What its event was about.
    async fn about(&self, ctx: &Context<'_>) -> Result<Vec<Entity>, Error> {
        let engine = engine(ctx)?;
        Ok(self.view.about.iter().filter_map(|id| Entity::load(engine, id, self.time, self.cap)).collect())
    }

    /// The event that opened or marked it.
    async fn event(&self, ctx: &Context<'_>) -> Result<Event, Error> {
        Event::load(engine(ctx)?, self.view.event, self.time.known_at, self.cap)
    }

    /// How firm it is: its event's status.
    async fn status(&self) -> ClaimStatus {
        self.view.status.into()
    }

    /// The visible events that dispute its event, in log order.
    async fn disputed_by(&self, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
        let engine = engine(ctx)?;
        let by = engine.snapshot_at(self.cap).disputed_by(self.view.event, self.time.known_at);
        by.into_iter().map(|p| Event::load(engine, p, self.time.known_at, self.cap)).collect()
    }

    /// Where it comes from: the source of every visible event that states
    /// the same relation (same name, subject, object and about set) and
    /// passes the same `asOf`, `knownAt` and `statuses`, its own event's
    /// among them, in log order (events without a source give none).
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<Source>, Error> {
        Ok(self.stating(ctx)?.iter().filter_map(|e| e.rec.event.source.as_ref().map(Source::from)).collect())
    }

    /// How many independent reporters its `sources` name: distinct
    /// originating outlets, each source counting as its `via` when it
    /// relays another outlet's report, else as its publisher (two relays of
    /// one Reuters report count once).
    async fn corroboration(&self, ctx: &Context<'_>) -> Result<u64, Error> {
        let events = self.stating(ctx)?;
        let origins: std::collections::BTreeSet<&str> =
            events.iter().filter_map(|e| e.rec.event.source.as_ref()?.origin()).collect();
        Ok(origins.len() as u64)
    }
}

impl Relation {
    /// The visible events stating the same relation, its own among them.
    fn stating(&self, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
        let engine = engine(ctx)?;
        let positions = engine.snapshot_at(self.cap).relation_sources(self.view.event, self.time);
        positions.into_iter().map(|p| Event::load(engine, p, self.time.known_at, self.cap)).collect()
    }
}

/// An event of the log, as known at the `knownAt` it was read at.
pub struct Event {
    pub(crate) rec: Arc<RecordedEvent>,
    /// The `knownAt` it was read at: decides `retractedBy`.
    pub(crate) known: Timestamp,
    pub(crate) cap: SnapshotCap,
}

impl Event {
    /// The event at `position`, read from the log.
    pub(crate) fn load(engine: &Engine, position: u64, known: Timestamp, cap: SnapshotCap) -> Result<Event, Error> {
        match engine.event_at(position)? {
            Some(rec) => Ok(Event { rec: Arc::new(rec), known, cap }),
            None => {
                Err(Error::internal(format!("the projection names position {position}, which the log does not hold")))
            }
        }
    }

    /// An event already read from the log.
    pub(crate) fn from_record(rec: RecordedEvent, known: Timestamp, cap: SnapshotCap) -> Event {
        Event { rec: Arc::new(rec), known, cap }
    }

    /// The entity `id` as the event's fields show it: no `asOf` bound, the
    /// request's knowledge (the latest its snapshot holds).
    fn entity(&self, engine: &Engine, id: &EntityId) -> Option<Entity> {
        Entity::load(engine, id, TimeFilter::LATEST, self.cap)
    }
}

/// An event: the only way facts enter strata.
#[Object]
impl Event {
    /// Its id, a UUID.
    async fn id(&self) -> ID {
        ID(self.rec.event.id.to_string())
    }

    /// Its kind, from the vocabulary.
    async fn kind(&self) -> &str {
        &self.rec.event.kind
    }

    /// Its valid time as given (`2020-Q4`).
    async fn at(&self) -> &str {
        self.rec.event.at.as_str()
    }

    /// The first day of its valid time.
    async fn valid_from(&self) -> Date {
        Date(self.rec.event.at.start())
    }

    /// How precisely its valid time was given.
    async fn precision(&self) -> Option<Precision> {
        Some(self.rec.event.at.precision().into())
    }

    /// When the store accepted it.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.rec.recorded_at)
    }

    /// Its place in the log, counting from 1.
    async fn position(&self) -> u64 {
        self.rec.position
    }

    /// Who or what it is about first (null if no longer known, e.g. its
    /// declaration was retracted).
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<Entity>, Error> {
        Ok(self.entity(engine(ctx)?, &self.rec.event.subject.id))
    }

    /// The other side of its relation.
    async fn object(&self, ctx: &Context<'_>) -> Result<Option<Entity>, Error> {
        let engine = engine(ctx)?;
        Ok(self.rec.event.object.as_ref().and_then(|o| self.entity(engine, &o.id)))
    }

    /// What it concerns (usually chips).
    async fn about(&self, ctx: &Context<'_>) -> Result<Vec<Entity>, Error> {
        let engine = engine(ctx)?;
        Ok(self.rec.event.about.iter().filter_map(|r| self.entity(engine, &r.id)).collect())
    }

    /// Quantities, conditions, quotes, as given.
    async fn attrs(&self) -> Option<Json<Value>> {
        Some(Json(Value::Object(self.rec.event.attrs.clone())))
    }

    /// Where the claim comes from.
    async fn source(&self) -> Option<Source> {
        self.rec.event.source.as_ref().map(Source::from)
    }

    /// The encoder's remark (why a date is coarse, what the source left
    /// open): not a claim, so `disagreements` never compares it.
    async fn note(&self) -> Option<&str> {
        self.rec.event.note.as_deref()
    }

    /// For a retraction: the event it withdraws.
    async fn retracts(&self) -> Option<ID> {
        self.rec.event.retracts.map(|id| ID(id.to_string()))
    }

    /// How firm the claim is (`REPORTED` when the event did not say).
    async fn status(&self) -> ClaimStatus {
        self.rec.event.status.into()
    }

    /// The ids of the earlier events it contradicts, as given.
    async fn disputes(&self) -> Vec<ID> {
        self.rec.event.disputes.iter().map(|id| ID(id.to_string())).collect()
    }

    /// The events that dispute it, visible at the `knownAt` it was read at
    /// (recorded by then and not retracted by then), in log order.
    async fn disputed_by(&self, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
        let engine = engine(ctx)?;
        let by = engine.snapshot_at(self.cap).disputed_by(self.rec.position, self.known);
        by.into_iter().map(|p| Event::load(engine, p, self.known, self.cap)).collect()
    }

    /// The retraction that withdrew it, if recorded by the `knownAt` it was read at.
    async fn retracted_by(&self, ctx: &Context<'_>) -> Result<Option<Event>, Error> {
        let engine = engine(ctx)?;
        let by =
            engine.snapshot_at(self.cap).event_status_at(self.rec.position, self.known).and_then(|s| s.retracted_by);
        by.map(|p| Event::load(engine, p, self.known, self.cap)).transpose()
    }
}

/// A path between two entities.
pub struct Path {
    pub(crate) view: PathView,
    pub(crate) time: TimeFilter,
    pub(crate) cap: SnapshotCap,
}

/// A path between two entities, as a list of steps.
#[Object]
impl Path {
    /// Its number of steps.
    async fn hops(&self) -> u64 {
        self.view.hops() as u64
    }

    /// Its steps, in order.
    async fn steps(&self) -> Vec<PathStep> {
        self.view
            .steps
            .iter()
            .map(|s| PathStep {
                from: s.from.clone(),
                relation: s.relation.clone(),
                to: s.to.clone(),
                at: s.at,
                // A step taken on a day of its own answers as of that day.
                time: s.at.map_or(self.time, |day| TimeFilter { as_of: Some(day), ..self.time }),
                cap: self.cap,
            })
            .collect()
    }
}

/// One step of a path.
pub struct PathStep {
    from: EntityId,
    relation: RelationView,
    to: EntityId,
    at: Option<strata_core::Day>,
    time: TimeFilter,
    cap: SnapshotCap,
}

/// One step of a path: an edge, followed with or (for undirected paths)
/// against its direction.
#[Object]
impl PathStep {
    /// The entity the step leaves.
    async fn from(&self, ctx: &Context<'_>) -> Result<Entity, Error> {
        Entity::must_load(engine(ctx)?, &self.from, self.time, self.cap)
    }

    /// The edge it follows.
    async fn relation(&self) -> Relation {
        Relation { view: self.relation.clone(), time: self.time, cap: self.cap }
    }

    /// The entity it reaches.
    async fn to(&self, ctx: &Context<'_>) -> Result<Entity, Error> {
        Entity::must_load(engine(ctx)?, &self.to, self.time, self.cap)
    }

    /// On a `journey`, the day the step was taken (the earliest it could
    /// be; its entities and relation answer as of that day); null on the
    /// paths of one `asOf`.
    async fn at(&self) -> Option<Date> {
        self.at.map(Date)
    }
}

/// Entities around a centre and the edges that reach them.
pub struct Subgraph {
    pub(crate) view: strata_engine::Subgraph,
    pub(crate) time: TimeFilter,
    pub(crate) cap: SnapshotCap,
}

/// A neighborhood: entities within some hops of a centre, and the edges followed.
#[Object]
impl Subgraph {
    /// The entities, the centre first, then by distance and id.
    async fn nodes(&self) -> Vec<Entity> {
        self.view.nodes.iter().map(|v| Entity { view: v.clone(), time: self.time, cap: self.cap }).collect()
    }

    /// The edges followed.
    async fn edges(&self) -> Vec<Relation> {
        self.view.edges.iter().map(|v| Relation { view: v.clone(), time: self.time, cap: self.cap }).collect()
    }

    /// How many entities it has. Asked without `edges`, the edges are not
    /// gathered: the cheap way to size a neighborhood before drawing it.
    async fn node_count(&self) -> usize {
        self.view.nodes.len()
    }

    /// Its entities counted by type (types with none left out).
    async fn counts(&self) -> Vec<crate::timeline::TypeCount> {
        crate::timeline::count_by_type(&self.view.nodes)
    }
}

/// Two events that disagree, and why.
pub struct Disagreement {
    pub(crate) events: Vec<Event>,
    pub(crate) reason: crate::enums::DisagreementReason,
}

/// Two events that disagree: the earlier (valid time, then position) first.
#[Object]
impl Disagreement {
    /// The two events, the earlier first.
    async fn events(&self) -> &[Event] {
        &self.events
    }

    /// Why they disagree.
    async fn reason(&self) -> crate::enums::DisagreementReason {
        self.reason
    }
}

/// Relations that appeared and disappeared between two dates.
pub struct GraphDiff {
    pub(crate) added: Vec<Relation>,
    pub(crate) removed: Vec<Relation>,
}

/// Relations that appeared and disappeared between two dates.
#[Object]
impl GraphDiff {
    /// Visible at `to` and not at `from` (shown as at `to`).
    async fn added(&self) -> &[Relation] {
        &self.added
    }

    /// Visible at `from` and not at `to` (shown as at `from`).
    async fn removed(&self) -> &[Relation] {
        &self.removed
    }
}
