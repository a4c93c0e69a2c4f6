//! Checking a batch against the state of the log before it is stored.
//!
//! The batch is checked as a whole, in order, over an overlay of what its
//! earlier events add (entities declared, relations opened or closed, events
//! retracted), so line 5 may use what line 2 declared and nothing of the
//! batch touches the projection until the store has it.

use rustc_hash::{FxHashMap, FxHashSet};
use strata_core::{Day, Effect, EntityId, EntityRef, EntityType, Event, EventId, InvalidEvent, KindSpec};
use strata_core::{Location, ObjectRule};

use crate::projection::{Ix, Projection};
use crate::Timestamp;

/// A relation key by entity id, so that batch entities (not yet nodes) fit.
type Key = (String, EntityId, Option<EntityId>);

struct PendingRel {
    id: EventId,
    key: Key,
    day: Day,
    about: Vec<EntityId>,
}

#[derive(Default)]
struct Overlay {
    /// Entities declared in the batch: their type and the declaring events.
    entities: FxHashMap<EntityId, (EntityType, Vec<EventId>)>,
    events: FxHashMap<EventId, bool>, // id -> is a retraction
    retracted: FxHashSet<EventId>,
    /// Opens and closes of the batch by relation key: a close looks only at
    /// its own key's, so checking a batch stays linear in its length.
    opens: FxHashMap<Key, Vec<PendingRel>>,
    closes: FxHashMap<Key, Vec<PendingRel>>,
}

fn sorted_ids<'a>(refs: impl Iterator<Item = &'a EntityRef>) -> Vec<EntityId> {
    let mut v: Vec<EntityId> = refs.map(|r| r.id.clone()).collect();
    v.sort();
    v.dedup();
    v
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

impl Projection {
    /// Checks a batch of new events against the log and against each other.
    ///
    /// Events already in the log (idempotent retries) must be left out by the
    /// caller. The first problem found is returned, naming the event's
    /// location and field.
    pub fn check(&self, batch: &[(Location, &Event)]) -> Result<(), InvalidEvent> {
        let mut overlay = Overlay::default();
        for &(loc, ev) in batch {
            self.check_one(loc, ev, &mut overlay)?;
        }
        Ok(())
    }

    fn check_one(&self, loc: Location, ev: &Event, ov: &mut Overlay) -> Result<(), InvalidEvent> {
        let err = |field: &str, reason: String| InvalidEvent::new(loc, field, reason);
        let spec = self.vocab.get(&ev.kind).ok_or_else(|| {
            err("kind", format!("unknown kind {:?}; the vocabulary has {}", ev.kind, self.vocab.kind_list()))
        })?;

        // Entities: resolve, declare, and check types against the kind.
        let subject_ty = self.resolve(&ev.subject, ev.id, loc, "subject", ov)?;
        if !spec.subject.contains(&subject_ty) {
            return Err(err(
                "subject",
                format!(
                    "{} needs {} as subject, but {} is {}",
                    spec.kind,
                    type_list(&spec.subject),
                    ev.subject.id,
                    article(subject_ty)
                ),
            ));
        }
        if let Some(o) = &ev.object {
            if o.id == ev.subject.id {
                return Err(err(
                    "object",
                    format!("{} is both subject and object; a relation links two different entities", o.id),
                ));
            }
            let ty = self.resolve(o, ev.id, loc, "object", ov)?;
            let allowed = match &spec.object {
                ObjectRule::Required(t) | ObjectRule::Optional(t) => t.as_slice(),
                ObjectRule::None => &[],
            };
            if !allowed.contains(&ty) {
                return Err(err(
                    "object",
                    format!("{} needs {} as object, but {} is {}", spec.kind, type_list(allowed), o.id, article(ty)),
                ));
            }
        }
        for (i, a) in ev.about.iter().enumerate() {
            let field = format!("about[{i}]");
            let ty = self.resolve(a, ev.id, loc, &field, ov)?;
            if !spec.about.is_empty() && !spec.about.contains(&ty) {
                return Err(err(
                    &field,
                    format!(
                        "{} allows {} in about, but {} is {}",
                        spec.kind,
                        type_list(&spec.about),
                        a.id,
                        article(ty)
                    ),
                ));
            }
        }

        match spec.effect {
            Effect::Opens => {
                let open = self.pending(ev, spec);
                ov.opens.entry(open.key.clone()).or_default().push(open);
            }
            Effect::Closes => {
                let close = self.pending(ev, spec);
                self.check_close(&close, ov).map_err(|reason| err("kind", reason))?;
                ov.closes.entry(close.key.clone()).or_default().push(close);
            }
            Effect::Retracts => {
                if let Some(target) = ev.retracts {
                    self.check_retract(target, ov).map_err(|reason| err("retracts", reason))?;
                    ov.retracted.insert(target);
                }
            }
            Effect::Marks | Effect::Declares => {}
        }
        ov.events.insert(ev.id, spec.effect == Effect::Retracts);
        Ok(())
    }

    fn pending(&self, ev: &Event, spec: &KindSpec) -> PendingRel {
        PendingRel {
            id: ev.id,
            key: (
                spec.relation.clone().unwrap_or_default(),
                ev.subject.id.clone(),
                ev.object.as_ref().map(|o| o.id.clone()),
            ),
            day: ev.at.start(),
            about: sorted_ids(ev.about.iter()),
        }
    }

    /// The type of a referenced entity, declaring it in the overlay if the
    /// reference declares it.
    ///
    /// An entity exists while one of its declarations (in the log or earlier
    /// in the batch) is not retracted, counting retractions earlier in the
    /// batch. Its type is fixed by its first declaration, even once that is
    /// retracted: the projection keeps one node per id.
    fn resolve(
        &self,
        r: &EntityRef,
        ev: EventId,
        loc: Location,
        field: &str,
        ov: &mut Overlay,
    ) -> Result<EntityType, InvalidEvent> {
        let node = self.nodes.get(&r.id).copied();
        let typed = ov.entities.get(&r.id).map(|(t, _)| *t).or_else(|| node.map(|n| self.graph[n].ty));
        let in_batch = ov.entities.get(&r.id).is_some_and(|(_, evs)| evs.iter().any(|e| !ov.retracted.contains(e)));
        let in_log = node.is_some_and(|n| self.graph[n].decls.iter().any(|d| self.base_visible(d.event, ov)));
        let exists = in_batch || in_log;
        let declared = r.decl.as_ref().and_then(|d| d.entity_type);
        if let (Some(k), Some(d)) = (typed, declared) {
            if k != d {
                let why = if exists {
                    ""
                } else {
                    " (its declarations were retracted, but an id keeps its type: use another id)"
                };
                return Err(InvalidEvent::new(
                    loc,
                    format!("{field}.type"),
                    format!("entity {} is {} already{why}; an entity's type never changes", r.id, article(k)),
                ));
            }
        }
        let ty = match (exists, typed, declared) {
            (true, Some(k), _) => k,
            (false, _, Some(d)) => d,
            _ => {
                return Err(InvalidEvent::new(
                    loc,
                    field,
                    format!(
                        "unknown entity {:?}: declare it first, with an entity_declared event or an inline {{\"id\": \"{}\", \"type\": ..., \"name\": ...}} on this or an earlier line",
                        r.id.as_str(),
                        r.id
                    ),
                ))
            }
        };
        if r.decl.is_some() {
            let entry = ov.entities.entry(r.id.clone()).or_insert_with(|| (ty, Vec::new()));
            entry.1.push(ev);
        }
        Ok(ty)
    }

    fn base_visible(&self, ix: Ix, ov: &Overlay) -> bool {
        self.event_visible(ix, Timestamp::MAX) && !ov.retracted.contains(&self.events[ix as usize].id)
    }

    /// A close must find a matching relation open at its date.
    fn check_close(&self, close: &PendingRel, ov: &Overlay) -> Result<(), String> {
        let about_matches = |about: &[EntityId]| close.about.is_empty() || close.about == about;
        // Is a relation opened on `from` with `about` closed by `day` by a close
        // other than this one?
        let closed_before = |from: Day, about: &[EntityId], base_key: Option<&crate::projection::RelKey>| {
            let applies = |c_day: Day, c_about: &[EntityId]| {
                c_day >= from && c_day <= close.day && (c_about.is_empty() || c_about == about)
            };
            let in_base = base_key.and_then(|k| self.closes.get(k)).is_some_and(|cs| {
                cs.iter()
                    .any(|c| self.base_visible(c.event, ov) && applies(c.day, &self.ids_of(self.nodes_of(c.about))))
            });
            in_base || ov.closes.get(&close.key).is_some_and(|cs| cs.iter().any(|c| applies(c.day, &c.about)))
        };
        let base_key = self.base_key(&close.key);
        let mut candidates = 0usize;
        if let Some(k) = &base_key {
            for &r in self.opens.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                let rel = &self.rels[r as usize];
                let about = self.ids_of(self.nodes_of(rel.about));
                if !self.base_visible(rel.event, ov) || rel.valid_from > close.day || !about_matches(&about) {
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

    fn check_retract(&self, target: EventId, ov: &Overlay) -> Result<(), String> {
        if ov.retracted.contains(&target) {
            return Err(format!("event {target} is already retracted earlier in this batch"));
        }
        if let Some(&is_retraction) = ov.events.get(&target) {
            if is_retraction {
                return Err(format!("event {target} is itself a retraction; a retraction cannot be retracted (append the withdrawn event again instead)"));
            }
            return Ok(());
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
            return Err(format!("event {target} is itself a retraction; a retraction cannot be retracted (append the withdrawn event again instead)"));
        }
        Ok(())
    }

    fn base_key(&self, key: &Key) -> Option<crate::projection::RelKey> {
        let name = *self.rel_ix.get(&key.0)?;
        let s = *self.nodes.get(&key.1)?;
        let o = match &key.2 {
            Some(o) => Some(*self.nodes.get(o)?),
            None => None,
        };
        Some((name, s, o))
    }

    fn ids_of(&self, nodes: &[petgraph::stable_graph::NodeIndex]) -> Vec<EntityId> {
        let mut v: Vec<EntityId> = nodes.iter().map(|&n| self.graph[n].id.clone()).collect();
        v.sort();
        v
    }
}

fn article(t: EntityType) -> String {
    match t {
        EntityType::Actor => "an actor".into(),
        EntityType::Agency => "an agency".into(),
        EntityType::Chip => "a chip".into(),
    }
}
