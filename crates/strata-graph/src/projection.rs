//! The projection's state and how each event changes it.

use std::collections::BTreeSet;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};
use smallvec::SmallVec;
use strata_core::{
    ClaimStatus, Day, Effect, EntityDecl, EntityId, EntityType, EventId, Location, RecordedEvent, Timestamp, Vocabulary,
};

use crate::merge::{self, Merges};
use crate::rules::{Overlay, Plan};
use crate::search::NameIndex;
use crate::view::Role;
use crate::ApplyError;

/// Index of an event in `Projection::events`: its position minus one.
pub(crate) type Ix = u32;

/// What the projection keeps of every event.
pub(crate) struct EventMeta {
    pub id: EventId,
    pub recorded_at: Timestamp,
    pub day: Day,
    pub kind: u16,
    pub status: ClaimStatus,
    pub retracted_by: Option<Ix>,
}

/// One declaration of an entity (an `entity_declared` event or an inline one).
pub(crate) struct Decl {
    pub event: Ix,
    pub day: Day,
    pub name: Option<String>,
    /// The other names it gives, in the order given.
    pub aliases: Vec<String>,
    pub attrs: Map<String, Value>,
}

/// A node: an entity with its declarations and the events that refer to it.
pub(crate) struct Node {
    pub id: EntityId,
    pub ty: EntityType,
    pub decls: Vec<Decl>,
    pub events: Vec<Ix>,
}

/// An edge's weight: the relation it belongs to, its role, and its
/// event's status (kept on the edge so that a traversal filters on it
/// without reading the relation).
#[derive(Clone, Copy)]
pub(crate) struct EdgeWeight {
    pub rel: u32,
    pub role: Role,
    pub status: ClaimStatus,
}

/// A run of node indices in `Projection::pool`: an about-set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub off: u32,
    pub len: u32,
}

/// No event (of `Rel::close`).
pub(crate) const NO_EVENT: Ix = Ix::MAX;

/// A relation: what one opening or marking event put in the graph.
///
/// Kept small (48 bytes): its about-set lives in `Projection::pool`, its
/// edges are a run of consecutive edge indices (edges are added together
/// and never removed), and its closes are one event inline, the rare
/// others in `Projection::more_closes`.
pub(crate) struct Rel {
    pub event: Ix,
    pub subject: NodeIndex,
    pub object: Option<NodeIndex>,
    /// Sorted, deduplicated.
    pub about: Span,
    pub valid_from: Day,
    /// The first close event that applies to it (same key, about-set, dated
    /// on or after it), or `NO_EVENT`.
    pub close: Ix,
    /// 1 + the index in `Projection::more_closes` of the others, or 0.
    pub more_closes: u32,
    /// Its edges: `first_edge`, `first_edge + 1`, ... (`edge_count` of them).
    /// (Its status is its event's, in `Projection::events`.)
    pub first_edge: u32,
    pub edge_count: u32,
    pub name: u16,
    pub marks: bool,
}

impl Rel {
    /// The relation's edges.
    pub(crate) fn edges(&self) -> impl Iterator<Item = EdgeIndex> {
        (self.first_edge..self.first_edge.saturating_add(self.edge_count)).map(|e| EdgeIndex::new(e as usize))
    }
}

/// A close event, kept so that opens recorded after it still see it.
pub(crate) struct Close {
    pub event: Ix,
    pub day: Day,
    pub about: Span,
}

/// What an opening, marking or closing event says about its relation.
struct Link {
    name: u16,
    event: Ix,
    subject: NodeIndex,
    object: Option<NodeIndex>,
    about: SmallVec<[NodeIndex; 2]>,
    day: Day,
}

/// The key closes match opens on: relation name, subject, object.
pub(crate) type RelKey = (u16, NodeIndex, Option<NodeIndex>);

/// The temporal graph projected from the log.
pub struct Projection {
    pub(crate) vocab: Vocabulary,
    pub(crate) kinds: Vec<String>,
    pub(crate) kind_ix: FxHashMap<String, u16>,
    pub(crate) rel_names: Vec<String>,
    pub(crate) rel_ix: FxHashMap<String, u16>,
    pub(crate) graph: StableDiGraph<Node, EdgeWeight>,
    pub(crate) nodes: FxHashMap<EntityId, NodeIndex>,
    pub(crate) events: Vec<EventMeta>,
    pub(crate) ids: FxHashMap<EventId, Ix>,
    pub(crate) rels: Vec<Rel>,
    pub(crate) opens: FxHashMap<RelKey, Vec<u32>>,
    pub(crate) closes: FxHashMap<RelKey, Vec<Close>>,
    /// Events in valid-time order, then log order.
    pub(crate) by_day: BTreeSet<(Day, Ix)>,
    /// The about-sets of relations and closes, one after another.
    pub(crate) pool: Vec<NodeIndex>,
    /// A relation's second and later closes (the first is `Rel::close`).
    pub(crate) more_closes: Vec<SmallVec<[Ix; 2]>>,
    /// Each relation's window with everything known, by relation: what a
    /// traversal at the latest `knownAt` reads instead of the relation's
    /// events (see `Projection::holds_now`). Derived; kept up to date by
    /// `apply`.
    pub(crate) windows: Vec<Window>,
    /// The key of every close event, to find the relations a retracted
    /// close applied to. Derived.
    pub(crate) close_keys: FxHashMap<Ix, RelKey>,
    /// Each node's edges as two arrays (leaving, arriving), oldest first:
    /// what traversals walk. petgraph keeps them as linked lists through
    /// its edge array, one cache miss per edge, which on a hub of 100,000
    /// edges is most of a query. Derived; kept by `add_edge`.
    pub(crate) adj: Vec<Adjacency>,
    /// The events each disputing event names (only events that dispute
    /// some), in the order given.
    pub(crate) disputes: FxHashMap<Ix, SmallVec<[Ix; 2]>>,
    /// The reverse: the events disputing each disputed event, in log
    /// order. Derived.
    pub(crate) disputed_by: FxHashMap<Ix, SmallVec<[Ix; 2]>>,
    /// The event each retraction withdrew (the reverse of
    /// `EventMeta::retracted_by`): what a knowledge diff follows from a
    /// retraction recorded between its two instants. Derived.
    pub(crate) retracted: FxHashMap<Ix, Ix>,
    /// The merges (`same_as`) and judgements of distinctness in the log.
    pub(crate) merges: Merges,
    /// Every id, name and alias by token, for `search`. Derived, but kept
    /// in the checkpoint as it is (rebuilding it is most of a load's cost).
    pub(crate) names: NameIndex,
}

/// One edge in a node's adjacency arrays.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Adj {
    /// The node at the other end.
    pub other: u32,
    pub edge: u32,
    /// The relation in the low 29 bits, the status in the next two, the
    /// role in the top bit (set: about-link).
    pub rel_and_role: u32,
}

/// The most relations a projection holds: a relation's index fits in the
/// low bits of [`Adj::rel_and_role`].
pub(crate) const MAX_RELS: u32 = 1 << 29;

impl Adj {
    const ABOUT: u32 = 1 << 31;
    const STATUS_SHIFT: u32 = 29;

    pub(crate) fn pack(weight: EdgeWeight) -> u32 {
        let status = match weight.status {
            ClaimStatus::Confirmed => 0,
            ClaimStatus::Reported => 1,
            ClaimStatus::Expected => 2,
            ClaimStatus::Denied => 3,
        };
        (weight.rel & (MAX_RELS - 1))
            | (status << Adj::STATUS_SHIFT)
            | if weight.role == Role::About { Adj::ABOUT } else { 0 }
    }

    pub(crate) fn weight(self) -> EdgeWeight {
        EdgeWeight {
            rel: self.rel_and_role & (MAX_RELS - 1),
            role: if self.rel_and_role & Adj::ABOUT != 0 { Role::About } else { Role::SubjectObject },
            status: match (self.rel_and_role >> Adj::STATUS_SHIFT) & 3 {
                0 => ClaimStatus::Confirmed,
                1 => ClaimStatus::Reported,
                2 => ClaimStatus::Expected,
                _ => ClaimStatus::Denied,
            },
        }
    }
}

/// A node's edges, leaving and arriving.
#[derive(Default)]
pub(crate) struct Adjacency {
    pub out: Vec<Adj>,
    pub inc: Vec<Adj>,
}

/// Where a relation holds with everything known: on days `from <= d < to`
/// (`to == Day::MAX`: open, never closed). Retracted: `from == Day::MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub from: Day,
    pub to: Day,
}

impl Window {
    const NEVER: Window = Window { from: Day::MAX, to: Day::MIN };
}

/// The nodes of an about-set in `pool` (none if the span is out of range,
/// which only a damaged checkpoint could make, and decoding refuses).
pub(crate) fn pool_slice(pool: &[NodeIndex], s: Span) -> &[NodeIndex] {
    pool.get(s.off as usize..(s.off as usize).saturating_add(s.len as usize)).unwrap_or(&[])
}

/// Adds a close to a relation: inline if it is the first, else in `more`.
pub(crate) fn push_close(rel: &mut Rel, more: &mut Vec<SmallVec<[Ix; 2]>>, close: Ix) {
    if rel.close == NO_EVENT {
        rel.close = close;
    } else if let Some(list) = rel.more_closes.checked_sub(1).and_then(|i| more.get_mut(i as usize)) {
        list.push(close);
    } else {
        more.push(SmallVec::from_slice(&[close]));
        rel.more_closes = more.len() as u32;
    }
}

/// Sorted, deduplicated about-set of node indices.
pub(crate) fn about_set(nodes: impl Iterator<Item = NodeIndex>) -> SmallVec<[NodeIndex; 2]> {
    let mut v: SmallVec<[NodeIndex; 2]> = nodes.collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl Projection {
    /// An empty projection that reads events with `vocab`.
    pub fn new(vocab: Vocabulary) -> Projection {
        let kinds: Vec<String> = vocab.kinds().map(|k| k.kind.clone()).collect();
        let kind_ix = kinds.iter().enumerate().map(|(i, k)| (k.clone(), i as u16)).collect();
        let rel_names: Vec<String> = vocab.relations().into_iter().map(str::to_owned).collect();
        let rel_ix = rel_names.iter().enumerate().map(|(i, r)| (r.clone(), i as u16)).collect();
        Projection {
            vocab,
            kinds,
            kind_ix,
            rel_names,
            rel_ix,
            graph: StableDiGraph::default(),
            nodes: FxHashMap::default(),
            events: Vec::new(),
            ids: FxHashMap::default(),
            rels: Vec::new(),
            opens: FxHashMap::default(),
            closes: FxHashMap::default(),
            by_day: BTreeSet::new(),
            pool: Vec::new(),
            more_closes: Vec::new(),
            windows: Vec::new(),
            close_keys: FxHashMap::default(),
            adj: Vec::new(),
            disputes: FxHashMap::default(),
            disputed_by: FxHashMap::default(),
            retracted: FxHashMap::default(),
            merges: Merges::default(),
            names: NameIndex::default(),
        }
    }

    /// The vocabulary the projection reads events with.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocab
    }

    /// The number of events applied (the log's last position).
    pub fn len(&self) -> u64 {
        self.events.len() as u64
    }

    /// Whether no event has been applied.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The recorded time of the last event applied.
    pub fn last_recorded_at(&self) -> Option<Timestamp> {
        self.events.last().map(|e| e.recorded_at)
    }

    /// The position of the event with this id, if applied.
    pub fn position_of(&self, id: EventId) -> Option<u64> {
        self.ids.get(&id).map(|&ix| u64::from(ix) + 1)
    }

    /// Applies the next event of the log. Events must come in log order.
    ///
    /// The event is planned by the same rules as [`Projection::check`]
    /// (over no staged events: every earlier one is applied) and that plan
    /// is committed, so an event the check accepted is applied; an event
    /// that does not fit (a changed vocabulary, a log altered outside
    /// strata) is refused whole and leaves the projection as it was.
    pub fn apply(&mut self, rec: &RecordedEvent) -> Result<(), ApplyError> {
        let position = rec.position;
        let expected = self.len() + 1;
        if position != expected {
            return Err(ApplyError::OutOfOrder { expected, got: position });
        }
        let ev = &rec.event;
        if self.vocab.get(&ev.kind).is_none() {
            return Err(ApplyError::UnknownKind { position, event: ev.id, kind: ev.kind.clone() });
        }
        let plan = self.plan(Location::Single, ev, &Overlay::default()).map_err(|e| ApplyError::Inconsistent {
            position,
            event: ev.id,
            reason: format!("{}: {}", e.field, e.reason),
        })?;
        self.commit(rec, plan);
        Ok(())
    }

    /// Applies what a plan made against this very state says.
    fn commit(&mut self, rec: &RecordedEvent, plan: Plan<'_>) {
        let ev = &rec.event;
        let ix = self.events.len() as Ix;
        let day = ev.at.start();
        let mut nodes: SmallVec<[NodeIndex; 3]> = SmallVec::with_capacity(plan.named.len());
        for named in &plan.named {
            let n = match named.node {
                Some(n) => n,
                None => {
                    let node = Node { id: named.id.clone(), ty: named.ty, decls: Vec::new(), events: Vec::new() };
                    let n = self.graph.add_node(node);
                    self.nodes.insert(named.id.clone(), n);
                    self.names.add(n, NO_EVENT, named.id.as_str());
                    n
                }
            };
            self.graph[n].events.push(ix);
            nodes.push(n);
        }
        for r in ev.refs() {
            if let (Some(d), Some(i)) = (&r.decl, plan.named.iter().position(|n| n.id == &r.id)) {
                self.declare(nodes[i], ix, day, d);
            }
        }
        let kind = self.kind_ix.get(&ev.kind).copied().unwrap_or(0);
        self.events.push(EventMeta {
            id: ev.id,
            recorded_at: rec.recorded_at,
            day,
            kind,
            status: ev.status,
            retracted_by: None,
        });
        // The plan checked that every disputed id is an earlier event.
        let disputed: SmallVec<[Ix; 2]> = ev.disputes.iter().filter_map(|d| self.ids.get(d).copied()).collect();
        if !disputed.is_empty() {
            for &d in &disputed {
                self.disputed_by.entry(d).or_default().push(ix);
            }
            self.disputes.insert(ix, disputed);
        }
        self.ids.insert(ev.id, ix);
        self.by_day.insert((day, ix));

        let subject = nodes[plan.subject];
        let object = plan.object.map(|o| nodes[o]);
        let about = about_set(plan.about.iter().map(|&a| nodes[a]));
        match (plan.effect, plan.relation) {
            (Effect::Opens | Effect::Marks, Some(name)) => {
                let link = Link { name, event: ix, subject, object, about, day };
                self.add_rel(link, plan.effect == Effect::Marks, ev.status);
            }
            (Effect::Closes, Some(name)) if plan.ends => {
                self.add_close(Link { name, event: ix, subject, object, about, day })
            }
            (Effect::Retracts, _) => {
                if let Some(&t) = ev.retracts.as_ref().and_then(|t| self.ids.get(t)) {
                    self.events[t as usize].retracted_by = Some(ix);
                    self.retracted.insert(ix, t);
                    self.refresh_windows_of(t);
                    if self.merges.same.iter().any(|l| l.event == t) {
                        self.refresh_groups();
                    }
                }
            }
            (Effect::Merges, _) if ev.status.is_believed() => {
                if let Some(object) = object {
                    self.merges.same.push(merge::Link { event: ix, subject, object });
                    self.merges.now.join(subject, object);
                }
            }
            (Effect::Distinguishes, _) if ev.status.is_believed() => {
                if let Some(object) = object {
                    self.merges.distinct.push(merge::Link { event: ix, subject, object });
                }
            }
            _ => {}
        }
    }

    /// Adds an inline or `entity_declared` declaration to a node. One event
    /// may declare the same entity twice (subject and about): the later
    /// reference adds to the same declaration.
    fn declare(&mut self, n: NodeIndex, ix: Ix, day: Day, d: &EntityDecl) {
        for name in d.name.iter().chain(&d.aliases) {
            self.names.add(n, ix, name);
        }
        let node = &mut self.graph[n];
        match node.decls.last_mut() {
            Some(last) if last.event == ix => {
                if d.name.is_some() {
                    last.name.clone_from(&d.name);
                }
                last.aliases.extend(d.aliases.iter().cloned());
                for (k, v) in &d.attrs {
                    last.attrs.insert(k.clone(), v.clone());
                }
            }
            _ => node.decls.push(Decl {
                event: ix,
                day,
                name: d.name.clone(),
                aliases: d.aliases.clone(),
                attrs: d.attrs.clone(),
            }),
        }
    }

    /// Puts an about-set in the pool.
    pub(crate) fn span(&mut self, about: &[NodeIndex]) -> Span {
        let off = self.pool.len() as u32;
        self.pool.extend_from_slice(about);
        Span { off, len: about.len() as u32 }
    }

    /// The nodes of an about-set.
    pub(crate) fn nodes_of(&self, s: Span) -> &[NodeIndex] {
        pool_slice(&self.pool, s)
    }

    fn add_rel(&mut self, link: Link, marks: bool, status: ClaimStatus) {
        let Link { name, event: ix, subject, object, about, day } = link;
        let rel_id = self.rels.len() as u32;
        let first_edge = self.graph.edge_count() as u32;
        let mut edge_count = 0u32;
        if let Some(o) = object {
            self.add_edge(subject, o, EdgeWeight { rel: rel_id, role: Role::SubjectObject, status });
            edge_count += 1;
        }
        for &a in &about {
            for end in std::iter::once(subject).chain(object) {
                if end != a {
                    self.add_edge(end, a, EdgeWeight { rel: rel_id, role: Role::About, status });
                    edge_count += 1;
                }
            }
        }
        let key = (name, subject, object);
        let mut closes: SmallVec<[Ix; 2]> = SmallVec::new();
        if !marks {
            if let Some(cs) = self.closes.get(&key) {
                for c in cs {
                    let c_about = pool_slice(&self.pool, c.about);
                    if c.day >= day && (c_about.is_empty() || c_about == about.as_slice()) {
                        closes.push(c.event);
                    }
                }
            }
            self.opens.entry(key).or_default().push(rel_id);
        }
        let about = self.span(&about);
        let mut rel = Rel {
            event: ix,
            subject,
            object,
            about,
            valid_from: day,
            close: NO_EVENT,
            more_closes: 0,
            first_edge,
            edge_count,
            name,
            marks,
        };
        for c in closes {
            push_close(&mut rel, &mut self.more_closes, c);
        }
        self.windows.push(self.window_now(&rel));
        self.rels.push(rel);
    }

    fn add_close(&mut self, link: Link) {
        let Link { name, event: ix, subject, object, about, day } = link;
        let key = (name, subject, object);
        let mut closed: SmallVec<[u32; 2]> = SmallVec::new();
        if let Some(rels) = self.opens.get(&key) {
            for &r in rels {
                let Some(rel) = self.rels.get_mut(r as usize) else { continue };
                if rel.valid_from <= day && (about.is_empty() || pool_slice(&self.pool, rel.about) == about.as_slice())
                {
                    push_close(rel, &mut self.more_closes, ix);
                    closed.push(r);
                }
            }
        }
        for r in closed {
            self.refresh_window(r);
        }
        let about = self.span(&about);
        self.closes.entry(key).or_default().push(Close { event: ix, day, about });
        self.close_keys.insert(ix, key);
    }

    /// Adds an edge to the graph and to both ends' adjacency arrays.
    pub(crate) fn add_edge(&mut self, a: NodeIndex, b: NodeIndex, weight: EdgeWeight) -> EdgeIndex {
        let e = self.graph.add_edge(a, b, weight);
        let bound = petgraph::visit::NodeIndexable::node_bound(&self.graph);
        if self.adj.len() < bound {
            self.adj.resize_with(bound, Adjacency::default);
        }
        let rel_and_role = Adj::pack(weight);
        if let Some(x) = self.adj.get_mut(a.index()) {
            x.out.push(Adj { other: b.index() as u32, edge: e.index() as u32, rel_and_role });
        }
        if let Some(x) = self.adj.get_mut(b.index()) {
            x.inc.push(Adj { other: a.index() as u32, edge: e.index() as u32, rel_and_role });
        }
        e
    }

    /// A relation's window with everything known.
    pub(crate) fn window_now(&self, rel: &Rel) -> Window {
        if !self.event_visible(rel.event, Timestamp::MAX) {
            return Window::NEVER;
        }
        let to = if rel.marks { None } else { self.valid_to(rel, Timestamp::MAX).map(|(d, _)| d) };
        Window { from: rel.valid_from, to: to.unwrap_or(Day::MAX) }
    }

    fn refresh_window(&mut self, r: u32) {
        if let Some(rel) = self.rels.get(r as usize) {
            let w = self.window_now(rel);
            if let Some(slot) = self.windows.get_mut(r as usize) {
                *slot = w;
            }
        }
    }

    /// After event `t` was retracted: the windows of the relation it opened
    /// or marked, or of the relations it closed.
    fn refresh_windows_of(&mut self, t: Ix) {
        // Relations are added in log order, so they are sorted by event.
        if let Ok(r) = self.rels.binary_search_by_key(&t, |r| r.event) {
            self.refresh_window(r as u32);
        }
        if let Some(key) = self.close_keys.get(&t) {
            let rels: SmallVec<[u32; 4]> = self.opens.get(key).map(|v| v.iter().copied().collect()).unwrap_or_default();
            for r in rels {
                self.refresh_window(r);
            }
        }
    }

    /// Whether relation `r` holds at `as_of` with everything known: the same
    /// answer as `rel_holds(rel, as_of, known)` for any `known` at or after
    /// the last event's recorded time, from one small read.
    #[inline]
    pub(crate) fn holds_now(&self, r: u32, as_of: Option<Day>) -> bool {
        let Some(w) = self.windows.get(r as usize) else { return false };
        match as_of {
            None => w.to == Day::MAX && w.from != Day::MAX,
            Some(a) => w.from <= a && (a < w.to || w.to == Day::MAX),
        }
    }

    /// Whether `known` sees every event applied (then `holds_now` answers).
    #[inline]
    pub(crate) fn knows_all(&self, known: Timestamp) -> bool {
        self.events.last().is_none_or(|e| known >= e.recorded_at)
    }

    /// The close events that apply to a relation.
    pub(crate) fn closes_of<'a>(&'a self, rel: &Rel) -> impl Iterator<Item = Ix> + 'a {
        let first = (rel.close != NO_EVENT).then_some(rel.close);
        let more = rel.more_closes.checked_sub(1).and_then(|i| self.more_closes.get(i as usize));
        first.into_iter().chain(more.into_iter().flatten().copied())
    }

    // ---- visibility, shared by checks and queries ----

    /// Whether the event is recorded at `known` and not retracted by then.
    pub(crate) fn event_visible(&self, ix: Ix, known: Timestamp) -> bool {
        let e = &self.events[ix as usize];
        e.recorded_at <= known
            && match e.retracted_by {
                Some(r) => self.events[r as usize].recorded_at > known,
                None => true,
            }
    }

    /// Whether the entity is in the graph at `known`: some event that
    /// declares or names it is visible (its events are in log order, so
    /// those recorded later end the search).
    pub(crate) fn node_visible(&self, n: NodeIndex, known: Timestamp) -> bool {
        self.graph[n]
            .events
            .iter()
            .take_while(|&&ix| self.events[ix as usize].recorded_at <= known)
            .any(|&ix| self.event_visible(ix, known))
    }

    /// The first day a relation no longer holds, as known at `known`, and the close.
    pub(crate) fn valid_to(&self, rel: &Rel, known: Timestamp) -> Option<(Day, Ix)> {
        self.closes_of(rel).filter(|&c| self.event_visible(c, known)).map(|c| (self.events[c as usize].day, c)).min()
    }

    /// Whether a relation's own event and interval make it visible (not its endpoints).
    pub(crate) fn rel_holds(&self, rel: &Rel, as_of: Option<Day>, known: Timestamp) -> bool {
        if !self.event_visible(rel.event, known) {
            return false;
        }
        if rel.marks {
            return as_of.is_none_or(|a| rel.valid_from <= a);
        }
        match as_of {
            None => self.valid_to(rel, known).is_none(),
            Some(a) => rel.valid_from <= a && self.valid_to(rel, known).is_none_or(|(to, _)| to > a),
        }
    }

    /// Whether an edge is visible: its relation holds and both ends exist.
    pub(crate) fn edge_visible(&self, e: EdgeIndex, as_of: Option<Day>, known: Timestamp) -> bool {
        let Some(w) = self.graph.edge_weight(e) else { return false };
        let Some((a, b)) = self.graph.edge_endpoints(e) else { return false };
        self.rel_holds(&self.rels[w.rel as usize], as_of, known)
            && self.node_visible(a, known)
            && self.node_visible(b, known)
    }
}

impl Projection {
    /// An estimate of the heap the projection's parts take, in bytes, from
    /// their capacities: what the memory benchmark prints, to show where
    /// the bytes go.
    pub fn memory_report(&self) -> Vec<(&'static str, usize)> {
        use std::mem::size_of;
        // A hash map's table: its capacity in entries, each with a control byte.
        let map = |_len: usize, cap: usize, entry: usize| -> usize { cap * (entry + 1) };
        let node_heap: usize = self
            .graph
            .node_weights()
            .map(|n| {
                n.id.as_str().len()
                    + 16
                    + n.events.capacity() * 4
                    + n.decls.capacity() * size_of::<Decl>()
                    + n.decls
                        .iter()
                        .map(|d| {
                            d.name.as_ref().map_or(0, String::capacity)
                                + d.aliases.iter().map(|a| a.capacity() + 24).sum::<usize>()
                                + d.attrs.len() * 64
                        })
                        .sum::<usize>()
            })
            .sum();
        let more_closes: usize = self.more_closes.iter().map(|c| if c.spilled() { c.capacity() * 4 } else { 0 }).sum();
        vec![
            ("events", self.events.capacity() * size_of::<EventMeta>()),
            ("ids", map(self.ids.len(), self.ids.capacity(), size_of::<(EventId, Ix)>())),
            ("by_day", self.by_day.len() * size_of::<(Day, Ix)>() * 3 / 2),
            ("graph nodes", self.graph.node_count() * (size_of::<Node>() + 16)),
            ("node heap (ids, events, decls)", node_heap),
            ("graph edges", self.graph.edge_count() * (size_of::<EdgeWeight>() + 20)),
            (
                "adjacency arrays",
                self.adj.capacity() * size_of::<Adjacency>()
                    + self.adj.iter().map(|a| (a.out.capacity() + a.inc.capacity()) * size_of::<Adj>()).sum::<usize>(),
            ),
            ("windows", self.windows.capacity() * size_of::<Window>()),
            ("rels", self.rels.capacity() * size_of::<Rel>()),
            ("about-sets", self.pool.capacity() * size_of::<NodeIndex>()),
            ("more closes", self.more_closes.capacity() * size_of::<SmallVec<[Ix; 2]>>() + more_closes),
            (
                "opens",
                map(self.opens.len(), self.opens.capacity(), size_of::<(RelKey, Vec<u32>)>())
                    + self.opens.values().map(|v| v.capacity() * 4).sum::<usize>(),
            ),
            (
                "closes",
                map(self.closes.len(), self.closes.capacity(), size_of::<(RelKey, Vec<Close>)>())
                    + self.closes.values().map(|v| v.capacity() * size_of::<Close>()).sum::<usize>(),
            ),
            ("nodes map", map(self.nodes.len(), self.nodes.capacity(), size_of::<(EntityId, NodeIndex)>())),
            ("retracted", map(self.retracted.len(), self.retracted.capacity(), size_of::<(Ix, Ix)>())),
        ]
    }
}
