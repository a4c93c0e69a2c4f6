//! An independent model of the contract: a plain replay of a log that says
//! which entities and relations are visible at any `asOf` and `knownAt`,
//! shortest path lengths, diffs, and whether a batch would be accepted.
//!
//! It is the oracle of the property tests and the fuzz target, so it is
//! written for obviousness, not speed: every question walks the whole log
//! with plain loops, and nothing is cached. It uses strata-core's types and
//! line parser and nothing of the graph or the engine.
//!
//! # The rules it follows
//!
//! - **Visible events.** At `knownAt` k, an event is visible when it was
//!   recorded at or before k and no retraction recorded at or before k
//!   names it. Retractions themselves cannot be retracted.
//! - **Entities.** An entity is in the graph at k while at least one visible
//!   event refers to it (in `subject`, `object` or `about`, as a bare id or a
//!   declaration). Its type is the type of the first declaration that gave
//!   one, in log order, retracted or not. An event declares an entity at
//!   most once: its inline declarations of one id are read in field order
//!   (subject, object, about), a later name replacing an earlier one. Its
//!   name at `asOf`: the first visible declaring event holds for every
//!   `asOf`; every other visible declaration whose date is on or
//!   before `asOf` (all of them when `asOf` is absent) then applies, in
//!   order of date and then log order, each replacing the name when it
//!   gives one. With no name given, the name is the id. Its names: that
//!   name, then the name and aliases (`aliases`, in field order) of each
//!   visible declaring event in log order, whatever their date, each once.
//! - **Relations.** Each visible opening or marking event is one relation,
//!   from its date's first day. An opening event ends at the earliest
//!   visible close with the same relation, subject and object, dated on or
//!   after the open, whose `about` set equals the open's (any, when the
//!   close has none). A relation holds at `asOf` d when it started on or
//!   before d and has not ended by d; with no `asOf`, when it has not ended
//!   at all (future opens included). Marks never end.
//! - **Edges.** A relation's subject→object edge (role subject-object, when
//!   it has an object) and its about-links: subject→a and object→a for each
//!   distinct `about` entity a, skipped when a is that end. An edge is
//!   visible when its relation holds and both ends are visible entities.
//! - **Paths** are breadth-first over visible edges, undirected unless asked;
//!   an entity reaches itself in 0 hops.
//! - **Merges.** At k, the visible `same_as` events whose status is
//!   `confirmed` or `reported`, in log order, each join the subject's whole
//!   group into the group the object's id resolves to then; every id of a
//!   group resolves to that group's survivor. An entity read by any of its
//!   ids is the survivor (its type, name and attributes), with the names of
//!   all its ids (its name at `asOf` first, then each visible declaring
//!   event's name and aliases in log order, each once); every edge reads
//!   with its ends and `about` as their survivors (a link between two ids
//!   of a group is a link from the entity to itself, which paths never
//!   take); entities are the survivors. `distinct_from` changes no read.
//! - **Diff** from d1 to d2 at k: the edges visible at d2 and not at d1, and
//!   the reverse.
//! - **Across time** (`audit`): a knowledge diff is the difference of two
//!   full reads; connections are found by a search on every day an edge
//!   starts or ends; a journey by walking every reachable (entity, day,
//!   hops) state.
//!
//! # Acceptance
//!
//! A batch is refused whole when: its `expectedPosition` is not the log's
//! position; a line does not parse; a line's explicit id is stored (or used
//! earlier in the batch) with other content (with the same content the line
//! is skipped as a retry, unchecked); or a new line breaks a rule against
//! the log plus the batch's earlier new lines:
//!
//! - every referenced id resolves: declared with a type before (in the log,
//!   retracted or not, or earlier in the batch) or declared with a type
//!   anywhere on the same line; a declaration of a known id agrees with its
//!   first type, and declarations on one line agree with each other;
//! - types fit the kind (subject, object, and `about` when the kind lists
//!   types); subject and object differ;
//! - a close finds a relation of its name, subject and object, with its
//!   `about` set (or any when it has none), open at the close's date with
//!   everything visible at the latest knowledge;
//! - a retraction names a stored (or earlier in the batch) event that is
//!   not a retraction and not already retracted.
//!
//! Points the contract leaves open, and the reading chosen here: an `about`
//! entry given twice counts once; declarations of one id on one line are
//! one declaration, the last name given winning (for every `asOf` when it is
//! the entity's first); a line that names an id only with a type-less
//! declaration (name only) declares nothing new and needs a type from
//! elsewhere; the same explicit id twice in a batch with the same content is
//! stored once.
//!
//! Evidence: a line's `status` is `reported` when absent. A relation is
//! shown only when its event's status is among those asked for. A close
//! ends relations only when its own status is `confirmed` or `reported`;
//! one that does not end anything is not required to find an open
//! relation. Each `disputes` id names an event stored or earlier in the
//! batch.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use strata_core::{parse_line, ClaimStatus, Day, Effect, EntityId, EntityType, Event, EventId, Location, ObjectRule};
use strata_core::{Timestamp, Vocabulary};

mod audit;

pub use audit::KnowledgeAnswer;

/// One event of the log, as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Its position, from 1.
    pub position: u64,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The event.
    pub event: Event,
}

/// An entity as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntityAnswer {
    /// Its id.
    pub id: EntityId,
    /// Its type.
    pub entity_type: EntityType,
    /// Its name (the id when no visible declaration names it).
    pub name: String,
    /// Its names: `name` first, then the name and aliases of each visible
    /// declaring event in log order, each once.
    pub names: Vec<String>,
}

/// Which part of a relation an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeRole {
    /// Subject to object.
    SubjectObject,
    /// Subject (or object) to an `about` entity.
    About,
}

/// One visible edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edge {
    /// The relation's name.
    pub name: String,
    /// Subject-object edge or about-link.
    pub role: EdgeRole,
    /// Where it starts.
    pub from: EntityId,
    /// Where it ends.
    pub to: EntityId,
    /// The relation's first day.
    pub valid_from: Day,
    /// Its end (first day it no longer holds), if closed at this `knownAt`.
    pub valid_to: Option<Day>,
    /// The opening or marking event's `about`, sorted, each id once.
    pub about: Vec<EntityId>,
    /// The position of the opening or marking event.
    pub event: u64,
    /// That event's status.
    pub status: ClaimStatus,
}

/// The model: a vocabulary and a log.
#[derive(Debug, Clone)]
pub struct Model {
    vocab: Vocabulary,
    log: Vec<Logged>,
}

fn effect(vocab: &Vocabulary, e: &Event) -> Option<Effect> {
    vocab.get(&e.kind).map(|k| k.effect)
}

fn relation(vocab: &Vocabulary, e: &Event) -> Option<String> {
    vocab.get(&e.kind).and_then(|k| k.relation.clone())
}

fn about_set(e: &Event) -> BTreeSet<EntityId> {
    e.about.iter().map(|r| r.id.clone()).collect()
}

fn object_id(e: &Event) -> Option<&EntityId> {
    e.object.as_ref().map(|o| &o.id)
}

/// Whether `close` would end `open`: a close that is confirmed or
/// reported, of the same relation, subject and object, dated on or after
/// it, about set equal (or none given).
fn closes(vocab: &Vocabulary, close: &Event, open: &Event) -> bool {
    effect(vocab, close) == Some(Effect::Closes)
        && matches!(close.status, ClaimStatus::Confirmed | ClaimStatus::Reported)
        && effect(vocab, open) == Some(Effect::Opens)
        && relation(vocab, close) == relation(vocab, open)
        && close.subject.id == open.subject.id
        && object_id(close) == object_id(open)
        && close.at.start() >= open.at.start()
        && (close.about.is_empty() || about_set(close) == about_set(open))
}

/// Whether a relation from `from` ending at `to` holds at `as_of`.
fn holds(from: Day, to: Option<Day>, as_of: Option<Day>) -> bool {
    match as_of {
        None => to.is_none(),
        Some(d) => from <= d && to.is_none_or(|t| d < t),
    }
}

impl Model {
    /// An empty log read with `vocab`.
    pub fn new(vocab: Vocabulary) -> Model {
        Model { vocab, log: Vec::new() }
    }

    /// The log so far.
    pub fn log(&self) -> &[Logged] {
        &self.log
    }

    /// Adds a stored event (in log order).
    pub fn push(&mut self, logged: Logged) {
        self.log.push(logged);
    }

    /// Whether the event at index `i` is visible at `known`.
    fn visible(&self, i: usize, known: Timestamp) -> bool {
        let Some(l) = self.log.get(i) else { return false };
        l.recorded_at <= known && !self.retracted(l.event.id, known)
    }

    fn retracted(&self, id: EventId, known: Timestamp) -> bool {
        self.log.iter().any(|r| {
            r.recorded_at <= known
                && effect(&self.vocab, &r.event) == Some(Effect::Retracts)
                && r.event.retracts == Some(id)
        })
    }

    fn visible_events(&self, known: Timestamp) -> Vec<&Logged> {
        (0..self.log.len()).filter(|&i| self.visible(i, known)).filter_map(|i| self.log.get(i)).collect()
    }

    /// Every id the log ever mentions.
    pub fn ids(&self) -> BTreeSet<EntityId> {
        self.log.iter().flat_map(|l| l.event.refs().map(|r| r.id.clone())).collect()
    }

    /// Which id each merged id resolves to at `known`: the visible
    /// `same_as` events with a believed status, in log order, each joining
    /// the subject's whole group into the group the object resolves to.
    pub fn survivors(&self, known: Timestamp) -> BTreeMap<EntityId, EntityId> {
        let mut root: BTreeMap<EntityId, EntityId> = BTreeMap::new();
        let find = |root: &BTreeMap<EntityId, EntityId>, id: &EntityId| root.get(id).cloned().unwrap_or(id.clone());
        for l in self.visible_events(known) {
            let e = &l.event;
            if effect(&self.vocab, e) != Some(Effect::Merges) || !e.status.is_believed() {
                continue;
            }
            let Some(o) = object_id(e) else { continue };
            let (rs, ro) = (find(&root, &e.subject.id), find(&root, o));
            if rs == ro {
                continue;
            }
            for v in root.values_mut() {
                if *v == rs {
                    *v = ro.clone();
                }
            }
            root.insert(rs, ro);
        }
        root
    }

    /// The id `id` reads as at `known`: its merge survivor, or itself.
    pub fn resolve(&self, id: &EntityId, known: Timestamp) -> EntityId {
        Model::find(&self.survivors(known), id)
    }

    fn find(survivors: &BTreeMap<EntityId, EntityId>, id: &EntityId) -> EntityId {
        survivors.get(id).cloned().unwrap_or_else(|| id.clone())
    }

    /// The entity `id` is at `as_of` and `known` (the survivor, when it was
    /// merged: its type and name, the names of all its ids), or `None`
    /// when no visible event refers to `id`.
    pub fn entity(&self, id: &EntityId, as_of: Option<Day>, known: Timestamp) -> Option<EntityAnswer> {
        self.own(id, as_of, known)?;
        let survivors = self.survivors(known);
        let root = Model::find(&survivors, id);
        let mut answer = self.own(&root, as_of, known)?;
        let members: BTreeSet<EntityId> = std::iter::once(root.clone())
            .chain(survivors.iter().filter(|(_, r)| **r == root).map(|(m, _)| m.clone()))
            .collect();
        if members.len() > 1 {
            let mut names = vec![answer.name.clone()];
            for l in self.visible_events(known) {
                for m in &members {
                    let decl: Vec<_> = l.event.refs().filter(|r| r.id == *m).filter_map(|r| r.decl.as_ref()).collect();
                    let name = decl.iter().filter_map(|d| d.name.as_ref()).next_back();
                    for each in name.into_iter().chain(decl.iter().flat_map(|d| &d.aliases)) {
                        if !names.contains(each) {
                            names.push(each.clone());
                        }
                    }
                }
            }
            answer.names = names;
        }
        Some(answer)
    }

    /// The entity `id` by its own declarations, merges left aside.
    fn own(&self, id: &EntityId, as_of: Option<Day>, known: Timestamp) -> Option<EntityAnswer> {
        let visible = self.visible_events(known);
        if !visible.iter().any(|l| l.event.refs().any(|r| r.id == *id)) {
            return None;
        }
        let entity_type = self
            .log
            .iter()
            .flat_map(|l| l.event.refs())
            .filter(|r| r.id == *id)
            .find_map(|r| r.decl.as_ref().and_then(|d| d.entity_type))?;
        // Visible declarations, one per event (the last name given on the
        // line, in field order; every alias, in field order), in log order,
        // with their dates.
        let mut aliases: Vec<Vec<&String>> = Vec::new();
        let decls: Vec<(Day, Option<&String>)> = visible
            .iter()
            .filter_map(|l| {
                let decl: Vec<_> = l.event.refs().filter(|r| r.id == *id).filter_map(|r| r.decl.as_ref()).collect();
                if decl.is_empty() {
                    return None;
                }
                aliases.push(decl.iter().flat_map(|d| &d.aliases).collect());
                Some((l.event.at.start(), decl.iter().filter_map(|d| d.name.as_ref()).next_back()))
            })
            .collect();
        let mut name: Option<&String> = None;
        if let Some((_, first)) = decls.first() {
            name = *first;
        }
        let mut later: Vec<(Day, Option<&String>)> =
            decls.iter().skip(1).filter(|(d, _)| as_of.is_none_or(|a| *d <= a)).copied().collect();
        // A stable sort keeps log order among declarations of one date.
        later.sort_by_key(|(d, _)| *d);
        for (_, n) in later {
            if n.is_some() {
                name = n;
            }
        }
        let name = name.cloned().unwrap_or_else(|| id.to_string());
        let mut names = vec![name.clone()];
        for ((_, n), a) in decls.iter().zip(&aliases) {
            for each in n.iter().chain(a) {
                if !names.contains(each) {
                    names.push((*each).clone());
                }
            }
        }
        Some(EntityAnswer { id: id.clone(), entity_type, name, names })
    }

    /// Every visible entity (the survivors of merges), by id.
    pub fn entities(&self, as_of: Option<Day>, known: Timestamp) -> Vec<EntityAnswer> {
        let survivors = self.survivors(known);
        self.ids()
            .iter()
            .filter(|id| !survivors.contains_key(*id))
            .filter_map(|id| self.entity(id, as_of, known))
            .collect()
    }

    /// The end of the relation opened by `open` at `known`, if closed.
    fn end_of(&self, open: &Event, known: Timestamp) -> Option<Day> {
        self.visible_events(known)
            .iter()
            .filter(|c| closes(&self.vocab, &c.event, open))
            .map(|c| c.event.at.start())
            .min()
    }

    /// Every visible edge at `as_of` and `known` whose event's status is
    /// one of `statuses`, sorted.
    pub fn edges(&self, as_of: Option<Day>, known: Timestamp, statuses: &[ClaimStatus]) -> Vec<Edge> {
        self.edges_where(known, statuses, |from, to| holds(from, to, as_of))
    }

    /// Every edge visible at `known` on some day, whatever the `asOf`: its
    /// interval (`valid_from`, `valid_to`) holds at least one day.
    pub fn edges_any_day(&self, known: Timestamp, statuses: &[ClaimStatus]) -> Vec<Edge> {
        self.edges_where(known, statuses, |from, to| to.is_none_or(|t| from < t))
    }

    /// The visible edges at `known` of `statuses` whose interval passes `keep`, sorted.
    fn edges_where(
        &self,
        known: Timestamp,
        statuses: &[ClaimStatus],
        keep: impl Fn(Day, Option<Day>) -> bool,
    ) -> Vec<Edge> {
        let mut out = Vec::new();
        for l in self.visible_events(known) {
            let e = &l.event;
            if !statuses.contains(&e.status) {
                continue;
            }
            let eff = effect(&self.vocab, e);
            if !matches!(eff, Some(Effect::Opens) | Some(Effect::Marks)) {
                continue;
            }
            let Some(name) = relation(&self.vocab, e) else { continue };
            let from = e.at.start();
            let to = if eff == Some(Effect::Opens) { self.end_of(e, known) } else { None };
            if !keep(from, to) {
                continue;
            }
            let about: Vec<EntityId> = about_set(e).into_iter().collect();
            let edge = |role, a: &EntityId, b: &EntityId| Edge {
                name: name.clone(),
                role,
                from: a.clone(),
                to: b.clone(),
                valid_from: from,
                valid_to: to,
                about: about.clone(),
                event: l.position,
                status: e.status,
            };
            let s = &e.subject.id;
            if let Some(o) = object_id(e) {
                out.push(edge(EdgeRole::SubjectObject, s, o));
            }
            for a in &about {
                if a != s {
                    out.push(edge(EdgeRole::About, s, a));
                }
                if let Some(o) = object_id(e) {
                    if a != o {
                        out.push(edge(EdgeRole::About, o, a));
                    }
                }
            }
        }
        // Both ends visible (whatever `asOf`: an entity is not bounded by valid
        // time), then every id as its survivor.
        let visible: BTreeSet<EntityId> =
            self.ids().into_iter().filter(|id| self.own(id, None, known).is_some()).collect();
        out.retain(|e| visible.contains(&e.from) && visible.contains(&e.to));
        let survivors = self.survivors(known);
        for e in &mut out {
            e.from = Model::find(&survivors, &e.from);
            e.to = Model::find(&survivors, &e.to);
            let about: BTreeSet<EntityId> = e.about.iter().map(|a| Model::find(&survivors, a)).collect();
            e.about = about.into_iter().collect();
        }
        out.sort();
        out
    }

    /// The length of a shortest path from `from` to `to` within `max_hops`,
    /// following edges only forwards when `directed`, over the edges of
    /// `statuses`.
    #[expect(clippy::too_many_arguments, reason = "the model asks what the engine's path query asks, field by field")]
    pub fn path_len(
        &self,
        from: &EntityId,
        to: &EntityId,
        as_of: Option<Day>,
        known: Timestamp,
        max_hops: usize,
        directed: bool,
        statuses: &[ClaimStatus],
    ) -> Option<usize> {
        let (Some(from), Some(to)) = (self.entity(from, as_of, known), self.entity(to, as_of, known)) else {
            return None;
        };
        let (from, to) = (&from.id, &to.id);
        // A link between two ids of one entity leads nowhere.
        let edges: Vec<Edge> = self.edges(as_of, known, statuses).into_iter().filter(|e| e.from != e.to).collect();
        let mut seen: BTreeSet<EntityId> = BTreeSet::new();
        let mut queue: VecDeque<(EntityId, usize)> = VecDeque::new();
        seen.insert(from.clone());
        queue.push_back((from.clone(), 0));
        while let Some((at, hops)) = queue.pop_front() {
            if at == *to {
                return Some(hops);
            }
            if hops == max_hops {
                continue;
            }
            for e in &edges {
                let next = if e.from == at {
                    Some(&e.to)
                } else if !directed && e.to == at {
                    Some(&e.from)
                } else {
                    None
                };
                if let Some(n) = next {
                    if seen.insert(n.clone()) {
                        queue.push_back((n.clone(), hops + 1));
                    }
                }
            }
        }
        None
    }

    /// Edges visible at `to` and not at `from` (added), and the reverse
    /// (removed), both at `known`, ignoring the interval fields that differ
    /// only because the dates differ (none do: an edge's interval depends on
    /// `known` only).
    pub fn diff(&self, from: Day, to: Day, known: Timestamp, statuses: &[ClaimStatus]) -> (Vec<Edge>, Vec<Edge>) {
        let before = self.edges(Some(from), known, statuses);
        let after = self.edges(Some(to), known, statuses);
        let added = after.iter().filter(|e| !before.contains(e)).cloned().collect();
        let removed = before.iter().filter(|e| !after.contains(e)).cloned().collect();
        (added, removed)
    }

    /// Whether the engine should accept `text` (NDJSON, one event a line)
    /// appended with `expected` as its expected position; `Err` says why not.
    pub fn accepts(&self, text: &str, expected: Option<u64>) -> Result<(), String> {
        let head = self.log.len() as u64;
        if let Some(p) = expected {
            if p != head {
                return Err(format!("expected position {p}, the log is at {head}"));
            }
        }
        let mut events = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed =
                parse_line(line, Location::Line(i + 1), &self.vocab).map_err(|e| format!("does not parse: {e}"))?;
            events.push((parsed.event, parsed.id_given));
        }
        self.accepts_events(&events)
    }

    /// Like [`Model::accepts`] for parsed events, each with whether its id
    /// was given (an assigned id never matches a stored one).
    pub fn accepts_events(&self, batch: &[(Event, bool)]) -> Result<(), String> {
        // The log and the batch's new lines so far, as one list.
        let mut state: Vec<Event> = self.log.iter().map(|l| l.event.clone()).collect();
        for (n, (event, id_given)) in batch.iter().enumerate() {
            let line = n + 1;
            if *id_given {
                if let Some(old) = state.iter().find(|e| e.id == event.id) {
                    if old == event {
                        continue;
                    }
                    return Err(format!("line {line}: id {} is used with other content", event.id));
                }
            }
            self.check(event, &state).map_err(|why| format!("line {line}: {why}"))?;
            state.push(event.clone());
        }
        Ok(())
    }

    /// The rules for one new event against the events before it.
    fn check(&self, event: &Event, state: &[Event]) -> Result<(), String> {
        let spec = self.vocab.get(&event.kind).ok_or_else(|| format!("unknown kind {}", event.kind))?;
        // Types: the id's first type, else one given on this line.
        let type_of = |id: &EntityId| -> Result<EntityType, String> {
            let first = state
                .iter()
                .flat_map(|e| e.refs())
                .filter(|r| r.id == *id)
                .find_map(|r| r.decl.as_ref().and_then(|d| d.entity_type));
            let here: Vec<EntityType> = event
                .refs()
                .filter(|r| r.id == *id)
                .filter_map(|r| r.decl.as_ref().and_then(|d| d.entity_type))
                .collect();
            for t in &here {
                if let Some(f) = first {
                    if *t != f {
                        return Err(format!("{id} is a {f}, declared here as a {t}"));
                    }
                }
                if here.iter().any(|u| u != t) {
                    return Err(format!("{id} is declared with two types on one line"));
                }
            }
            first.or_else(|| here.first().copied()).ok_or_else(|| format!("unknown entity {id}"))
        };
        let st = type_of(&event.subject.id)?;
        if !spec.subject.contains(&st) {
            return Err(format!("subject {} is a {st}, not allowed for {}", event.subject.id, event.kind));
        }
        if let Some(o) = &event.object {
            let ot = type_of(&o.id)?;
            let ok = match &spec.object {
                ObjectRule::None => false,
                ObjectRule::Required(ts) | ObjectRule::Optional(ts) => ts.contains(&ot),
            };
            if !ok {
                return Err(format!("object {} is a {ot}, not allowed for {}", o.id, event.kind));
            }
            if o.id == event.subject.id {
                return Err("subject and object are the same entity".into());
            }
            if matches!(spec.effect, Effect::Merges | Effect::Distinguishes) && ot != st {
                return Err(format!(
                    "object {} is a {ot}, not allowed for {}: one type on both sides",
                    o.id, event.kind
                ));
            }
        }
        for a in &event.about {
            let at = type_of(&a.id)?;
            if !spec.about.is_empty() && !spec.about.contains(&at) {
                return Err(format!("about {} is a {at}, not allowed for {}", a.id, event.kind));
            }
        }
        for d in &event.disputes {
            if *d == event.id {
                return Err("disputes itself".into());
            }
            if !state.iter().any(|e| e.id == *d) {
                return Err("disputes an event not stored nor earlier in the batch".into());
            }
        }
        let retracted = |id: EventId| {
            state.iter().any(|r| effect(&self.vocab, r) == Some(Effect::Retracts) && r.retracts == Some(id))
        };
        match spec.effect {
            // An expected or denied close ends nothing, so needs nothing open.
            Effect::Closes if !matches!(event.status, ClaimStatus::Confirmed | ClaimStatus::Reported) => {}
            Effect::Closes => {
                let d = event.at.start();
                let open_at_close = state.iter().any(|o| {
                    closes(&self.vocab, event, o) && !retracted(o.id) && {
                        let end = state
                            .iter()
                            .filter(|c| !retracted(c.id) && closes(&self.vocab, c, o))
                            .map(|c| c.at.start())
                            .min();
                        end.is_none_or(|end| d < end)
                    }
                });
                if !open_at_close {
                    return Err("a close with no relation open at its date".into());
                }
            }
            Effect::Retracts => {
                let target = event.retracts.ok_or("a retraction names no event")?;
                let t = state.iter().find(|e| e.id == target).ok_or("retracts an unknown event")?;
                if effect(&self.vocab, t) == Some(Effect::Retracts) {
                    return Err("retracts a retraction".into());
                }
                if retracted(target) {
                    return Err("retracts an event already retracted".into());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(lines: &[&str]) -> Model {
        let vocab = Vocabulary::builtin();
        let mut m = Model::new(vocab.clone());
        for (i, line) in lines.iter().enumerate() {
            let text = line.to_string();
            assert_eq!(m.accepts(&text, None), Ok(()), "{line}");
            let event = parse_line(line, Location::Line(1), &vocab).map(|p| p.event).unwrap_or_else(|e| panic!("{e}"));
            m.push(Logged { position: i as u64 + 1, recorded_at: Timestamp(i as i64 + 1), event });
        }
        m
    }

    /// What is believed to have happened: the default of every read.
    const B: &[ClaimStatus] = &[ClaimStatus::Confirmed, ClaimStatus::Reported];

    fn id(s: &str) -> EntityId {
        EntityId::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn day(s: &str) -> Option<Day> {
        Day::parse(s).ok()
    }

    #[test]
    fn same_line_references_in_any_field_and_order() {
        let m = model(&[
            r#"{"kind":"product_announced","at":"2012","subject":{"id":"maker","type":"actor","name":"Maker"},"object":{"id":"chip-x","type":"chip","name":"X"},"about":["chip-x"]}"#,
            r#"{"kind":"product_announced","at":"2012","subject":"maker","object":"chip-y","about":[{"id":"chip-y","type":"chip"}]}"#,
        ]);
        assert_eq!(m.edges(None, Timestamp::MAX, B).len(), 4);
        assert!(m.accepts(r#"{"kind":"order_placed","at":"2012","subject":"maker","object":"nobody"}"#, None).is_err());
    }

    #[test]
    fn retracting_a_declaring_event_keeps_the_entity_while_another_event_names_it() {
        let id1 = "00000000-0000-4000-8000-000000000001";
        let m = model(&[
            r#"{"kind":"entity_declared","at":"2010","subject":{"id":"a","type":"actor","name":"A"}}"#,
            &format!(
                r#"{{"id":"{id1}","kind":"product_announced","at":"2012","subject":"a","object":{{"id":"x","type":"chip","name":"X"}}}}"#
            ),
            r#"{"kind":"order_placed","at":"2013","subject":"a","object":"x"}"#,
            &format!(
                r#"{{"kind":"event_retracted","at":"2014","subject":{{"id":"z","type":"actor"}},"retracts":"{id1}"}}"#
            ),
        ]);
        let x = m.entity(&id("x"), None, Timestamp::MAX);
        assert_eq!(x.map(|e| (e.entity_type, e.name)), Some((EntityType::Chip, "x".into())));
        assert_eq!(m.entity(&id("x"), None, Timestamp(3)).map(|e| e.name), Some("X".into()));
        assert_eq!(m.edges(None, Timestamp::MAX, B).len(), 1);
        assert!(m.accepts(r#"{"kind":"order_placed","at":"2015","subject":"a","object":"x"}"#, None).is_ok());
    }

    #[test]
    fn closes_end_the_earliest_and_retracting_a_close_reopens() {
        let c = "00000000-0000-4000-8000-000000000009";
        let m = model(&[
            r#"{"kind":"entity_declared","at":"2010","subject":{"id":"g","type":"agency"}}"#,
            r#"{"kind":"ban_imposed","at":"2020","subject":"g","object":{"id":"a","type":"actor"},"about":[{"id":"c","type":"chip"},"c"]}"#,
            &format!(r#"{{"id":"{c}","kind":"ban_lifted","at":"2022","subject":"g","object":"a"}}"#),
        ]);
        let late = r#"{"kind":"ban_lifted","at":"2023","subject":"g","object":"a","about":["c"]}"#;
        assert!(m.accepts(late, None).is_err(), "closing a closed relation");
        let edges = m.edges(day("2021-06-01"), Timestamp::MAX, B);
        assert_eq!(edges.len(), 3, "{edges:?}");
        assert_eq!(edges[0].valid_to, day("2022-01-01"));
        assert!(m.edges(day("2022-06-01"), Timestamp::MAX, B).is_empty());
        assert_eq!(m.path_len(&id("g"), &id("c"), day("2021-01-01"), Timestamp::MAX, 4, false, B), Some(1));
        assert_eq!(m.path_len(&id("c"), &id("g"), day("2021-01-01"), Timestamp::MAX, 4, true, B), None);
        assert!(m.accepts(r#"{"kind":"ban_lifted","at":"2024","subject":"g","object":"a"}"#, None).is_err());
        let r = format!(r#"{{"kind":"event_retracted","at":"2024","subject":"a","retracts":"{c}"}}"#);
        assert_eq!(m.accepts(&r, None), Ok(()));
        let (added, removed) =
            m.diff(day("2019-01-01").unwrap_or(Day::MIN), day("2021-01-01").unwrap_or(Day::MAX), Timestamp::MAX, B);
        assert_eq!((added.len(), removed.len()), (3, 0));
    }

    #[test]
    fn statuses_filter_edges_and_only_believed_closes_end() {
        let m = model(&[
            r#"{"kind":"entity_declared","at":"2010","subject":{"id":"g","type":"agency"}}"#,
            r#"{"id":"00000000-0000-4000-8000-000000000001","kind":"ban_imposed","at":"2020","subject":"g","object":{"id":"a","type":"actor"}}"#,
            r#"{"kind":"ban_imposed","at":"2020","subject":"g","object":"a","status":"expected"}"#,
            r#"{"kind":"ban_lifted","at":"2021","subject":"g","object":"a","status":"denied"}"#,
        ]);
        let all = ClaimStatus::ALL;
        assert_eq!(m.edges(day("2022-01-01"), Timestamp::MAX, B).len(), 1, "the denied lifting ends nothing");
        assert_eq!(m.edges(day("2022-01-01"), Timestamp::MAX, &all).len(), 2);
        assert_eq!(
            m.edges(day("2022-01-01"), Timestamp::MAX, &[ClaimStatus::Expected])[0].status,
            ClaimStatus::Expected
        );
        // A close that ends nothing needs nothing open.
        let lone = r#"{"kind":"license_revoked","at":"2022","subject":"g","object":"a","status":"expected"}"#;
        assert_eq!(m.accepts(lone, None), Ok(()));
        let known = r#"{"kind":"statement_made","at":"2022","subject":"a","disputes":["00000000-0000-4000-8000-000000000001"]}"#;
        assert_eq!(m.accepts(known, None), Ok(()));
        let unknown = r#"{"kind":"statement_made","at":"2022","subject":"a","disputes":["00000000-0000-4000-8000-000000000002"]}"#;
        assert!(m.accepts(unknown, None).is_err());
    }
}
