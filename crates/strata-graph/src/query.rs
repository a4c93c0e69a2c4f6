//! Reads of the projection: entities, their relations and history, events,
//! diffs and counts, each at a `TimeFilter`.

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction as PgDirection;
use smallvec::SmallVec;
use strata_core::{Day, EntityId, EntityType, EventId, StatusSet};

use std::borrow::Cow;

use crate::merge::Groups;
use crate::projection::{Decl, Ix, Projection};
use crate::view::{Direction, EntityView, EventFilter, EventStatus, GraphDiff, RelationView, Stats, TimeFilter};
use crate::Timestamp;

impl Projection {
    pub(crate) fn node(&self, id: &EntityId, known: Timestamp) -> Option<NodeIndex> {
        let n = *self.nodes.get(id)?;
        self.node_visible(n, known).then_some(n)
    }

    /// The entity `id` resolves to at `known`: its own node, or the
    /// survivor of the merges visible then; with the groups it was read in.
    pub(crate) fn resolved(&self, id: &EntityId, known: Timestamp) -> Option<(NodeIndex, Cow<'_, Groups>)> {
        let n = self.node(id, known)?;
        let groups = self.groups(known);
        Some((groups.find(n), groups))
    }

    /// The entity at `t`, if it is in the graph then: its name and attrs
    /// come from its visible declarations (the first holds for every
    /// `asOf`, later ones from their date on); with none left, its name is
    /// its id.
    pub(crate) fn entity_view(&self, n: NodeIndex, t: TimeFilter) -> Option<EntityView> {
        if !self.node_visible(n, t.known_at) {
            return None;
        }
        let node = &self.graph[n];
        let mut visible = node.decls.iter().filter(|d| self.event_visible(d.event, t.known_at));
        let first = visible.next();
        let mut later: SmallVec<[&Decl; 4]> = visible.filter(|d| t.as_of.is_none_or(|a| d.day <= a)).collect();
        later.sort_by_key(|d| (d.day, d.event));
        let mut name = first.and_then(|d| d.name.as_ref());
        let mut attrs = first.map(|d| d.attrs.clone()).unwrap_or_default();
        for d in later {
            if d.name.is_some() {
                name = d.name.as_ref();
            }
            for (k, v) in &d.attrs {
                attrs.insert(k.clone(), v.clone());
            }
        }
        Some(EntityView {
            id: node.id.clone(),
            entity_type: node.ty,
            name: name.cloned().unwrap_or_else(|| node.id.to_string()),
            attrs,
            declared_by: node.decls.first().map_or(0, |d| u64::from(d.event) + 1),
        })
    }

    /// The entity at `t`, or `None` when it is unknown at `t.known_at`.
    /// A merged id answers as its survivor (whose id, type, name and
    /// attributes the view gives).
    pub fn entity(&self, id: &EntityId, t: TimeFilter) -> Option<EntityView> {
        let (root, _) = self.resolved(id, t.known_at)?;
        self.entity_view(root, t)
    }

    /// The ids merged into the entity `id` resolves to at `t.known_at`,
    /// other than the survivor's own, sorted; empty when none (or unknown).
    pub fn merged_ids(&self, id: &EntityId, t: TimeFilter) -> Vec<EntityId> {
        let Some((root, groups)) = self.resolved(id, t.known_at) else { return Vec::new() };
        let mut ids: Vec<EntityId> = groups.others(root).iter().map(|&m| self.graph[m].id.clone()).collect();
        ids.sort();
        ids
    }

    /// The entity's names at `t`: its name at `t.as_of` first, then every
    /// name and alias its visible declarations gave, whatever their date,
    /// in log order, each once. Bounded by `t.known_at` (an alias recorded
    /// later is not known), not by `t.as_of` (an old name stays findable).
    /// Empty when the entity is unknown at `t.known_at`.
    pub fn names(&self, id: &EntityId, t: TimeFilter) -> Vec<String> {
        let Some((root, groups)) = self.resolved(id, t.known_at) else { return Vec::new() };
        let Some(view) = self.entity_view(root, t) else { return Vec::new() };
        let mut names = vec![view.name];
        // The declarations of every merged id, in log order (one event's
        // by id).
        let mut decls: Vec<(Ix, &EntityId, &Decl)> = groups
            .members(root)
            .into_iter()
            .flat_map(|m| self.graph[m].decls.iter().map(move |d| (d.event, &self.graph[m].id, d)))
            .filter(|(ix, _, _)| self.event_visible(*ix, t.known_at))
            .collect();
        decls.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, d) in decls {
            for name in d.name.iter().chain(&d.aliases) {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// Entities of a type whose id or name contains `search` (case-insensitive), by id.
    pub fn entities(&self, ty: Option<EntityType>, search: Option<&str>, t: TimeFilter) -> Vec<EntityView> {
        let needle = search.map(str::to_lowercase);
        let groups = self.groups(t.known_at);
        let mut out: Vec<EntityView> = self
            .graph
            .node_indices()
            .filter(|&n| ty.is_none_or(|ty| self.graph[n].ty == ty))
            .filter(|&n| groups.find(n) == n)
            .filter_map(|n| self.entity_view(n, t))
            .filter(|e| {
                needle
                    .as_ref()
                    .is_none_or(|s| e.id.as_str().contains(s.as_str()) || e.name.to_lowercase().contains(s.as_str()))
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The edge as a view at `known`, its ends (and about-set) named by the
    /// ids they resolve to then.
    pub(crate) fn relation_view(&self, e: EdgeIndex, known: Timestamp) -> Option<RelationView> {
        let w = *self.graph.edge_weight(e)?;
        let (a, b) = self.graph.edge_endpoints(e)?;
        let groups = self.groups(known);
        let (a, b) = (groups.find(a), groups.find(b));
        let rel = &self.rels[w.rel as usize];
        let closed = if rel.marks { None } else { self.valid_to(rel, known) };
        let mut about: Vec<EntityId> =
            self.nodes_of(rel.about).iter().map(|&n| self.graph[groups.find(n)].id.clone()).collect();
        about.sort();
        about.dedup();
        Some(RelationView {
            name: self.rel_names[rel.name as usize].clone(),
            role: w.role,
            from: self.graph[a].id.clone(),
            to: self.graph[b].id.clone(),
            valid_from: rel.valid_from,
            valid_to: closed.map(|(d, _)| d),
            about,
            event: u64::from(rel.event) + 1,
            closed_by: closed.map(|(_, c)| u64::from(c) + 1),
            status: self.events[rel.event as usize].status,
        })
    }

    pub(crate) fn names_filter(&self, names: Option<&[String]>) -> Option<Vec<u16>> {
        names.map(|ns| ns.iter().filter_map(|n| self.rel_ix.get(n).copied()).collect())
    }

    pub(crate) fn edge_passes(&self, e: EdgeIndex, names: Option<&[u16]>, t: TimeFilter) -> bool {
        let Some(w) = self.graph.edge_weight(e) else { return false };
        t.statuses.contains(w.status)
            && names.is_none_or(|ns| ns.contains(&self.rels[w.rel as usize].name))
            && self.edge_visible(e, t.as_of, t.known_at)
    }

    /// The entity's visible edges in `dir`, optionally only those named.
    pub fn relations(
        &self,
        id: &EntityId,
        t: TimeFilter,
        dir: Direction,
        names: Option<&[String]>,
    ) -> Vec<RelationView> {
        let Some((root, groups)) = self.resolved(id, t.known_at) else { return Vec::new() };
        let names = self.names_filter(names);
        let mut edges: Vec<EdgeIndex> = Vec::new();
        for n in groups.members(root) {
            if matches!(dir, Direction::Out | Direction::Both) {
                edges.extend(self.graph.edges_directed(n, PgDirection::Outgoing).map(|e| e.id()));
            }
            if matches!(dir, Direction::In | Direction::Both) {
                edges.extend(self.graph.edges_directed(n, PgDirection::Incoming).map(|e| e.id()));
            }
        }
        if !groups.is_empty() {
            // A link between two merged ids is reached from both.
            edges.sort_unstable();
            edges.dedup();
        }
        let mut out: Vec<RelationView> = edges
            .into_iter()
            .filter(|&e| self.edge_passes(e, names.as_deref(), t))
            .filter_map(|e| self.relation_view(e, t.known_at))
            .collect();
        out.sort_by(|a, b| (a.valid_from, a.event, a.role, &a.to).cmp(&(b.valid_from, b.event, b.role, &b.to)));
        out
    }

    /// Positions of the visible events referring to the entity, in
    /// valid-time order then log order, up to `t.as_of` when given.
    pub fn history(&self, id: &EntityId, t: TimeFilter) -> Vec<u64> {
        let Some((root, groups)) = self.resolved(id, t.known_at) else { return Vec::new() };
        let mut evs: Vec<(Day, Ix)> = groups
            .members(root)
            .into_iter()
            .flat_map(|n| self.graph[n].events.iter())
            .filter(|&&ix| self.event_visible(ix, t.known_at))
            .map(|&ix| (self.events[ix as usize].day, ix))
            .filter(|(d, _)| t.as_of.is_none_or(|a| *d <= a))
            .collect();
        evs.sort_unstable();
        // An event naming two merged ids is theirs once.
        evs.dedup();
        evs.into_iter().map(|(_, ix)| u64::from(ix) + 1).collect()
    }

    /// What is known of the event with this id at `known`; `None` when it was
    /// not recorded by then.
    pub fn event_status(&self, id: EventId, known: Timestamp) -> Option<EventStatus> {
        let &ix = self.ids.get(&id)?;
        self.status_at(ix, known)
    }

    /// Like [`Projection::event_status`], by position.
    pub fn event_status_at(&self, position: u64, known: Timestamp) -> Option<EventStatus> {
        let ix = u32::try_from(position.checked_sub(1)?).ok()?;
        self.status_at(ix, known)
    }

    fn status_at(&self, ix: Ix, known: Timestamp) -> Option<EventStatus> {
        let e = self.events.get(ix as usize)?;
        if e.recorded_at > known {
            return None;
        }
        let retracted_by =
            e.retracted_by.filter(|&r| self.events[r as usize].recorded_at <= known).map(|r| u64::from(r) + 1);
        Some(EventStatus { position: u64::from(ix) + 1, recorded_at: e.recorded_at, retracted_by })
    }

    /// Positions of the events that pass the filter, in valid-time order then log order.
    pub fn events(&self, f: &EventFilter) -> Vec<u64> {
        let known = f.known_at.unwrap_or(Timestamp::MAX);
        let kinds: Option<Vec<u16>> =
            f.kinds.as_ref().map(|ks| ks.iter().filter_map(|k| self.kind_ix.get(k).copied()).collect());
        let passes = |ix: Ix| {
            let e = &self.events[ix as usize];
            e.recorded_at <= known
                && f.recorded_from.is_none_or(|t| e.recorded_at >= t)
                && f.recorded_to.is_none_or(|t| e.recorded_at <= t)
                && kinds.as_ref().is_none_or(|ks| ks.contains(&e.kind))
                && f.from.is_none_or(|d| e.day >= d)
                && f.to.is_none_or(|d| e.day <= d)
                && (f.include_retracted || self.event_visible(ix, known))
        };
        match &f.entity {
            Some(id) => {
                let Some((root, groups)) = self.resolved(id, known) else { return Vec::new() };
                let mut evs: Vec<(Day, Ix)> = groups
                    .members(root)
                    .into_iter()
                    .flat_map(|n| self.graph[n].events.iter().copied())
                    .filter(|&ix| passes(ix))
                    .map(|ix| (self.events[ix as usize].day, ix))
                    .collect();
                evs.sort_unstable();
                evs.dedup();
                evs.into_iter().map(|(_, ix)| u64::from(ix) + 1).collect()
            }
            None if f.recorded_from.is_some() || f.recorded_to.is_some() => {
                // Recorded times increase with the position: the events
                // recorded in the bounds are one run of the log.
                let early = f.recorded_from.map_or(Timestamp::MIN, |t| Timestamp(t.0.saturating_sub(1)));
                let late = f.recorded_to.unwrap_or(Timestamp::MAX).min(known);
                let mut evs: Vec<(Day, Ix)> = self
                    .recorded_between(early, late)
                    .map(|ix| ix as Ix)
                    .filter(|&ix| passes(ix))
                    .map(|ix| (self.events[ix as usize].day, ix))
                    .collect();
                evs.sort_unstable();
                evs.into_iter().map(|(_, ix)| u64::from(ix) + 1).collect()
            }
            None => {
                let lo = (f.from.unwrap_or(Day::MIN), 0);
                let hi = (f.to.unwrap_or(Day::MAX), Ix::MAX);
                self.by_day.range(lo..=hi).filter(|(_, ix)| passes(*ix)).map(|(_, ix)| u64::from(*ix) + 1).collect()
            }
        }
    }

    /// Edges visible at `to` and not at `from` (added), and the reverse
    /// (removed), of the relations whose event's status is in `statuses`.
    pub fn diff(&self, from: Day, to: Day, known: Timestamp, statuses: StatusSet) -> GraphDiff {
        let mut diff = GraphDiff::default();
        for rel in &self.rels {
            if !statuses.contains(self.events[rel.event as usize].status) {
                continue;
            }
            let before = self.rel_holds(rel, Some(from), known);
            let after = self.rel_holds(rel, Some(to), known);
            if before == after {
                continue;
            }
            for e in rel.edges() {
                if let Some((a, b)) = self.graph.edge_endpoints(e) {
                    if !(self.node_visible(a, known) && self.node_visible(b, known)) {
                        continue;
                    }
                }
                if let Some(v) = self.relation_view(e, known) {
                    if after {
                        diff.added.push(v)
                    } else {
                        diff.removed.push(v)
                    }
                }
            }
        }
        diff
    }

    /// Counts at `known`.
    pub fn stats(&self, known: Timestamp) -> Stats {
        let events = self.events.partition_point(|e| e.recorded_at <= known);
        let groups = self.groups(known);
        let entities =
            self.graph.node_indices().filter(|&n| groups.find(n) == n && self.node_visible(n, known)).count();
        let relations = self
            .rels
            .iter()
            .filter(|r| {
                self.rel_holds(r, None, known)
                    && self.node_visible(r.subject, known)
                    && r.object.is_none_or(|o| self.node_visible(o, known))
            })
            .count();
        Stats {
            events: events as u64,
            entities: entities as u64,
            relations: relations as u64,
            last_recorded_at: events.checked_sub(1).map(|i| self.events[i].recorded_at),
        }
    }
}
