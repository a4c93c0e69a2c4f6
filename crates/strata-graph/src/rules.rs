//! The rules of validity, in one place: what an event needs of the log
//! before it, and what it changes.
//!
//! [`Projection::plan`] resolves an event's references and checks every
//! rule (kind, entity types, same-line declarations, closes, retractions)
//! against the projection plus an [`Overlay`] of events not applied yet.
//! Both paths that accept events go through it:
//!
//! - [`Projection::check`] plans a whole batch before it is stored, each
//!   event over an overlay that stages the effects of the batch's earlier
//!   events;
//! - [`Projection::apply`] plans one event over an empty overlay (every
//!   earlier event is applied by then) and commits that plan.
//!
//! So a batch the check accepts is applied by the very rules that accepted
//! it: the overlay only has to answer the few questions a plan asks (an
//! id's type, an event's kind and retraction, the opens and closes of a
//! key) as the projection would once the staged events are applied, and
//! the grammar-driven property tests hold it to that.

use std::fmt;

use petgraph::stable_graph::NodeIndex;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;
use strata_core::{Day, Effect, EntityId, EntityRef, EntityType, Event, EventId, InvalidEvent, KindSpec};
use strata_core::{Location, ObjectRule};

use crate::projection::{Ix, Projection, RelKey};
use crate::Timestamp;

/// A relation key by entity id, so that entities of the batch (not yet nodes) fit.
type Key = (String, EntityId, Option<EntityId>);

/// An opening or closing event staged in the overlay.
struct Pending {
    id: EventId,
    key: Key,
    day: Day,
    about: Vec<EntityId>,
}

/// The effects of events planned but not applied yet: the earlier events
/// of the batch being checked. Empty when a plan is about to be applied.
#[derive(Default)]
pub(crate) struct Overlay {
    /// Entities the staged events declared first, with their type.
    entities: FxHashMap<EntityId, EntityType>,
    /// The staged events: id -> whether it is a retraction.
    events: FxHashMap<EventId, bool>,
    /// Events the staged events retract.
    retracted: FxHashSet<EventId>,
    /// Staged opens and closes by relation key: a close looks only at its
    /// own key's, so checking a batch stays linear in its length.
    opens: FxHashMap<Key, Vec<Pending>>,
    closes: FxHashMap<Key, Vec<Pending>>,
}

/// Where in an event an entity reference stands: the field an error names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Subject,
    Object,
    About(usize),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Subject => f.write_str("subject"),
            Field::Object => f.write_str("object"),
            Field::About(i) => write!(f, "about[{i}]"),
        }
    }
}

/// Every entity reference of an event with its field: subject, object, about.
fn fields(ev: &Event) -> impl Iterator<Item = (Field, &EntityRef)> {
    std::iter::once((Field::Subject, &ev.subject))
        .chain(ev.object.iter().map(|o| (Field::Object, o)))
        .chain(ev.about.iter().enumerate().map(|(i, a)| (Field::About(i), a)))
}

/// An entity an event names, resolved against the state before the event.
pub(crate) struct Named<'e> {
    pub id: &'e EntityId,
    /// Its node, when the projection has it; `None` when this event (or,
    /// in a check, an earlier event of the batch) declares it first.
    pub node: Option<NodeIndex>,
    pub ty: EntityType,
}

/// A typed declaration on the line being resolved.
struct LineDecl<'e> {
    id: &'e EntityId,
    ty: EntityType,
    field: Field,
    /// The id's node, when the projection has it.
    node: Option<NodeIndex>,
}

/// What an event does, resolved and checked: everything `commit` needs.
pub(crate) struct Plan<'e> {
    /// The distinct entities the event names, in field order.
    pub named: SmallVec<[Named<'e>; 3]>,
    /// Indices into `named`: the subject, the object, the about-set.
    pub subject: usize,
    pub object: Option<usize>,
    pub about: SmallVec<[usize; 2]>,
    pub effect: Effect,
    /// The relation it opens, marks or closes (by index).
    pub relation: Option<u16>,
    /// For a close: whether it ends relations, which only a close whose
    /// own status is believed (`confirmed` or `reported`) does. An expected
    /// or denied close is a claim about a close, kept in the log and shown
    /// as an event, that changes no relation.
    pub ends: bool,
}

impl Projection {
    /// Checks a batch of new events against the log and against each other:
    /// each event is planned over the staged effects of the ones before it.
    ///
    /// Events already in the log (idempotent retries) must be left out by the
    /// caller. The first problem found is returned, naming the event's
    /// location and field.
    pub fn check(&self, batch: &[(Location, &Event)]) -> Result<(), InvalidEvent> {
        let mut overlay = Overlay::default();
        for &(loc, ev) in batch {
            let plan = self.plan(loc, ev, &overlay)?;
            overlay.stage(self, ev, &plan);
        }
        Ok(())
    }

    /// Resolves an event's references and checks every rule of validity
    /// against the projection plus `ov`. The only place those rules live.
    pub(crate) fn plan<'e>(&self, loc: Location, ev: &'e Event, ov: &Overlay) -> Result<Plan<'e>, InvalidEvent> {
        let err = |field: &str, reason: String| InvalidEvent::new(loc, field, reason);
        let spec = self.vocab.get(&ev.kind).ok_or_else(|| {
            err("kind", format!("unknown kind {:?}; the vocabulary has {}", ev.kind, self.vocab.kind_list()))
        })?;
        let relation = match &spec.relation {
            Some(r) => {
                Some(*self.rel_ix.get(r).ok_or_else(|| err("kind", format!("the vocabulary has no relation {r:?}")))?)
            }
            None => None,
        };
        if self.ids.contains_key(&ev.id) || ov.events.contains_key(&ev.id) {
            return Err(err("id", format!("event id {} is already in the log; an id names one event forever", ev.id)));
        }
        for (i, &d) in ev.disputes.iter().enumerate() {
            if d == ev.id {
                return Err(err(
                    &format!("disputes[{i}]"),
                    "an event cannot dispute itself; name an earlier event".into(),
                ));
            }
            if !self.ids.contains_key(&d) && !ov.events.contains_key(&d) {
                return Err(err(
                    &format!("disputes[{i}]"),
                    format!("unknown event {d}: an event can dispute only an event already stored or on an earlier line of its batch"),
                ));
            }
        }
        let named = self.resolve(loc, ev, ov)?;
        // Every reference is in `named` (resolve returns one entry per id).
        let find = |id: &EntityId| named.iter().position(|n| n.id == id).unwrap_or(0);
        let subject = find(&ev.subject.id);
        let object = ev.object.as_ref().map(|o| find(&o.id));
        let mut about = about_of(ev, &named);
        about.sort_unstable();
        about.dedup();
        let ends = spec.effect == Effect::Closes && ev.status.is_believed();
        let plan = Plan { named, subject, object, about, effect: spec.effect, relation, ends };
        self.check_types(loc, ev, spec, &plan)?;
        match spec.effect {
            // A close that ends nothing by its status is not required to
            // find something to end.
            Effect::Closes if !ends => {}
            Effect::Closes => {
                let close = pending(ev, spec);
                self.check_close(&close, ov).map_err(|reason| err("kind", reason))?;
            }
            Effect::Retracts => {
                if let Some(target) = ev.retracts {
                    self.check_retract(target, ov).map_err(|reason| err("retracts", reason))?;
                }
            }
            Effect::Opens | Effect::Marks | Effect::Declares | Effect::Merges | Effect::Distinguishes => {}
        }
        Ok(plan)
    }

    /// The node and type of an id the log or the staged events declared.
    fn known(&self, id: &EntityId, ov: &Overlay) -> (Option<NodeIndex>, Option<EntityType>) {
        match self.nodes.get(id) {
            Some(&n) => (Some(n), Some(self.graph[n].ty)),
            None => (None, ov.entities.get(id).copied()),
        }
    }

    /// Resolves every reference of the event. A declaration with a type
    /// counts for the whole line, whatever field it is in, so a line may
    /// declare an entity in one field and name it bare in any other. An id
    /// keeps the type it was first declared with, forever, even once every
    /// event that declared it is retracted.
    fn resolve<'e>(
        &self,
        loc: Location,
        ev: &'e Event,
        ov: &Overlay,
    ) -> Result<SmallVec<[Named<'e>; 3]>, InvalidEvent> {
        // The line's typed declarations, first come first, with what the
        // log and the batch know of each id.
        let mut line: SmallVec<[LineDecl; 3]> = SmallVec::new();
        for (field, r) in fields(ev) {
            let Some(declared) = r.decl.as_ref().and_then(|d| d.entity_type) else { continue };
            let type_err = |reason: String| InvalidEvent::new(loc, format!("{field}.type"), reason);
            let (node, known) = self.known(&r.id, ov);
            if let Some(ty) = known {
                if ty != declared {
                    return Err(type_err(format!(
                        "entity {} is {} already; an entity's type never changes (use another id)",
                        r.id,
                        article(ty)
                    )));
                }
            }
            match line.iter().find(|d| d.id == &r.id) {
                Some(LineDecl { ty, field: first, .. }) if *ty != declared => {
                    return Err(type_err(format!(
                        "entity {} is declared {} in {first} of this line; one entity has one type",
                        r.id,
                        article(*ty)
                    )))
                }
                Some(_) => {}
                None => line.push(LineDecl { id: &r.id, ty: declared, field, node }),
            }
        }
        let mut named: SmallVec<[Named<'e>; 3]> = SmallVec::new();
        for (field, r) in fields(ev) {
            if named.iter().any(|n| n.id == &r.id) {
                continue;
            }
            // A typed declaration on the line agrees with what is known (checked above).
            let (node, ty) = match line.iter().find(|d| d.id == &r.id) {
                Some(d) => (d.node, Some(d.ty)),
                None => self.known(&r.id, ov),
            };
            let Some(ty) = ty else {
                return Err(InvalidEvent::new(
                    loc,
                    field.to_string(),
                    format!(
                        "unknown entity {:?}: declare it first, with an entity_declared event or an inline {{\"id\": \"{}\", \"type\": ..., \"name\": ...}} in any field of this line or on an earlier one",
                        r.id.as_str(),
                        r.id
                    ),
                ));
            };
            named.push(Named { id: &r.id, node, ty });
        }
        Ok(named)
    }

    /// The kind's rules on entity types, and on subject and object differing.
    fn check_types(&self, loc: Location, ev: &Event, spec: &KindSpec, plan: &Plan) -> Result<(), InvalidEvent> {
        let err = |field: String, reason: String| InvalidEvent::new(loc, field, reason);
        let ty = |i: usize| plan.named.get(i).map_or(EntityType::Actor, |n| n.ty);
        let subject_ty = ty(plan.subject);
        if !spec.subject.contains(&subject_ty) {
            return Err(err(
                "subject".into(),
                format!(
                    "{} needs {} as subject, but {} is {}",
                    spec.kind,
                    type_list(&spec.subject),
                    ev.subject.id,
                    article(subject_ty)
                ),
            ));
        }
        if let (Some(o), Some(oi)) = (&ev.object, plan.object) {
            if oi == plan.subject {
                return Err(err(
                    "object".into(),
                    format!("{} is both subject and object; a relation links two different entities", o.id),
                ));
            }
            let allowed = match &spec.object {
                ObjectRule::Required(t) | ObjectRule::Optional(t) => t.as_slice(),
                ObjectRule::None => &[],
            };
            if matches!(spec.effect, Effect::Merges | Effect::Distinguishes) && ty(oi) != subject_ty {
                return Err(err(
                    "object".into(),
                    format!(
                        "{} joins or separates ids of one type, but {} is {} and {} is {}",
                        spec.kind,
                        ev.subject.id,
                        article(subject_ty),
                        o.id,
                        article(ty(oi))
                    ),
                ));
            }
            if !allowed.contains(&ty(oi)) {
                return Err(err(
                    "object".into(),
                    format!(
                        "{} needs {} as object, but {} is {}",
                        spec.kind,
                        type_list(allowed),
                        o.id,
                        article(ty(oi))
                    ),
                ));
            }
        }
        if !spec.about.is_empty() {
            for (k, &i) in about_of(ev, &plan.named).iter().enumerate() {
                let field = Field::About(k);
                let (id, t) = plan.named.get(i).map_or((&ev.subject.id, EntityType::Actor), |n| (n.id, n.ty));
                if !spec.about.contains(&t) {
                    return Err(err(
                        field.to_string(),
                        format!("{} allows {} in about, but {id} is {}", spec.kind, type_list(&spec.about), article(t)),
                    ));
                }
            }
        }
        Ok(())
    }

    fn base_visible(&self, ix: Ix, ov: &Overlay) -> bool {
        self.event_visible(ix, Timestamp::MAX) && !ov.retracted.contains(&self.events[ix as usize].id)
    }

    /// A close must find a matching relation open at its date.
    fn check_close(&self, close: &Pending, ov: &Overlay) -> Result<(), String> {
        let about_matches = |about: &[EntityId]| close.about.is_empty() || close.about == about;
        // Is a relation opened on `from` with `about` closed by `day` by a close
        // other than this one?
        // (The cheap tests come first: an about-set is compared by ids,
        // which costs an allocation for a stored one.)
        let closed_before = |from: Day, about: &[EntityId], base_key: Option<&RelKey>| {
            let in_range = |c_day: Day| c_day >= from && c_day <= close.day;
            let in_base = base_key.and_then(|k| self.closes.get(k)).is_some_and(|cs| {
                cs.iter().any(|c| {
                    in_range(c.day)
                        && self.base_visible(c.event, ov)
                        && (c.about.len == 0 || self.ids_of(self.nodes_of(c.about)) == about)
                })
            });
            in_base
                || ov.closes.get(&close.key).is_some_and(|cs| {
                    // A staged close that a later line of the batch retracts ends nothing,
                    // as it ends nothing once both are applied.
                    cs.iter().any(|c| {
                        in_range(c.day) && !ov.retracted.contains(&c.id) && (c.about.is_empty() || c.about == about)
                    })
                })
        };
        let base_key = self.base_key(&close.key);
        let mut candidates = 0usize;
        if let Some(k) = &base_key {
            for &r in self.opens.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                let rel = &self.rels[r as usize];
                if rel.valid_from > close.day || !self.base_visible(rel.event, ov) {
                    continue;
                }
                let about = self.ids_of(self.nodes_of(rel.about));
                if !about_matches(&about) {
                    continue;
                }
                candidates += 1;
                if !closed_before(rel.valid_from, &about, Some(k)) {
                    return Ok(());
                }
            }
        }
        for open in ov.opens.get(&close.key).map(Vec::as_slice).unwrap_or_default() {
            if ov.retracted.contains(&open.id) || open.day > close.day || !about_matches(&open.about) {
                continue;
            }
            candidates += 1;
            if !closed_before(open.day, &open.about, base_key.as_ref()) {
                return Ok(());
            }
        }
        let (rel, subject, object) = &close.key;
        let mut what = format!("`{rel}` relation from {subject}");
        if let Some(o) = object {
            what.push_str(&format!(" to {o}"));
        }
        if !close.about.is_empty() {
            let about: Vec<&str> = close.about.iter().map(EntityId::as_str).collect();
            what.push_str(&format!(" about [{}]", about.join(", ")));
        }
        Err(if candidates == 0 {
            format!("this close has nothing to close: no {what} was opened on or before {}", close.day)
        } else {
            format!(
                "this close has nothing to close: every {what} opened on or before {} is already closed by then",
                close.day
            )
        })
    }

    /// A retraction must name a stored (or earlier staged) event that is
    /// neither retracted already nor itself a retraction.
    fn check_retract(&self, target: EventId, ov: &Overlay) -> Result<(), String> {
        let is_retraction = || {
            format!("event {target} is itself a retraction; a retraction cannot be retracted (append the withdrawn event again instead)")
        };
        if ov.retracted.contains(&target) {
            return Err(format!("event {target} is already retracted earlier in this batch"));
        }
        if let Some(&retraction) = ov.events.get(&target) {
            return if retraction { Err(is_retraction()) } else { Ok(()) };
        }
        let Some(&ix) = self.ids.get(&target) else {
            return Err(format!("unknown event {target}: no event with this id is stored"));
        };
        let meta = &self.events[ix as usize];
        if let Some(by) = meta.retracted_by {
            let by_id = self.events[by as usize].id;
            return Err(format!("event {target} is already retracted by event {by_id} (position {})", by + 1));
        }
        let kind = &self.kinds[meta.kind as usize];
        if self.vocab.get(kind).is_some_and(|k| k.effect == Effect::Retracts) {
            return Err(is_retraction());
        }
        Ok(())
    }

    fn base_key(&self, key: &Key) -> Option<RelKey> {
        let name = *self.rel_ix.get(&key.0)?;
        let s = *self.nodes.get(&key.1)?;
        let o = match &key.2 {
            Some(o) => Some(*self.nodes.get(o)?),
            None => None,
        };
        Some((name, s, o))
    }

    fn ids_of(&self, nodes: &[NodeIndex]) -> Vec<EntityId> {
        let mut v: Vec<EntityId> = nodes.iter().map(|&n| self.graph[n].id.clone()).collect();
        v.sort();
        v
    }
}

impl Overlay {
    /// Stages a planned event's effects, as `commit` would apply them.
    fn stage(&mut self, p: &Projection, ev: &Event, plan: &Plan) {
        for n in plan.named.iter().filter(|n| n.node.is_none()) {
            self.entities.entry(n.id.clone()).or_insert(n.ty);
        }
        let spec = p.vocab.get(&ev.kind);
        match (plan.effect, spec) {
            (Effect::Opens, Some(spec)) => {
                let open = pending(ev, spec);
                self.opens.entry(open.key.clone()).or_default().push(open);
            }
            (Effect::Closes, Some(spec)) if plan.ends => {
                let close = pending(ev, spec);
                self.closes.entry(close.key.clone()).or_default().push(close);
            }
            (Effect::Retracts, _) => {
                if let Some(target) = ev.retracts {
                    self.retracted.insert(target);
                }
            }
            _ => {}
        }
        self.events.insert(ev.id, plan.effect == Effect::Retracts);
    }
}

/// An open or close as the overlay keeps it.
fn pending(ev: &Event, spec: &KindSpec) -> Pending {
    let mut about: Vec<EntityId> = ev.about.iter().map(|r| r.id.clone()).collect();
    about.sort();
    about.dedup();
    Pending {
        id: ev.id,
        key: (
            spec.relation.clone().unwrap_or_default(),
            ev.subject.id.clone(),
            ev.object.as_ref().map(|o| o.id.clone()),
        ),
        day: ev.at.start(),
        about,
    }
}

/// For each `about` reference, in order, its index in the plan's `named`.
fn about_of(ev: &Event, named: &[Named]) -> SmallVec<[usize; 2]> {
    ev.about.iter().map(|a| named.iter().position(|n| n.id == &a.id).unwrap_or(0)).collect()
}

fn type_list(types: &[EntityType]) -> String {
    match types {
        [one] => article(*one),
        _ => {
            let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
            format!("one of {}", names.join(", "))
        }
    }
}

fn article(t: EntityType) -> String {
    match t {
        EntityType::Actor => "an actor".into(),
        EntityType::Agency => "an agency".into(),
        EntityType::Chip => "a chip".into(),
    }
}
