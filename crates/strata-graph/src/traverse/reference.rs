//! The traversals as they were before the in-place, bidirectional ones:
//! the reference the tests hold the new ones against (same answers, path
//! for path).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::VecDeque;

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction as PgDirection;
use rustc_hash::{FxHashMap, FxHashSet};
use strata_core::EntityId;

use crate::projection::Projection;
use crate::view::{PathQuery, PathView, Subgraph, TimeFilter};

impl Projection {
    /// Edges usable from `n`: outgoing ones, and incoming ones unless `directed`
    /// (or, with `reverse`, the other way round), with the node they lead to.
    fn steps_from(
        &self,
        n: NodeIndex,
        directed: bool,
        reverse: bool,
        names: Option<&[u16]>,
        t: TimeFilter,
    ) -> Vec<(EdgeIndex, NodeIndex)> {
        let mut out = Vec::new();
        let (fwd, back) = if reverse {
            (PgDirection::Incoming, PgDirection::Outgoing)
        } else {
            (PgDirection::Outgoing, PgDirection::Incoming)
        };
        for e in self.graph.edges_directed(n, fwd) {
            let other = if e.source() == n { e.target() } else { e.source() };
            if self.edge_passes(e.id(), names, t) {
                out.push((e.id(), other));
            }
        }
        if !directed {
            for e in self.graph.edges_directed(n, back) {
                let other = if e.source() == n { e.target() } else { e.source() };
                if self.edge_passes(e.id(), names, t) {
                    out.push((e.id(), other));
                }
            }
        }
        out
    }

    /// A shortest path from `from` to `to` within `q.max_hops`, or `None`.
    /// A path from an entity to itself has no steps.
    pub(crate) fn path_reference(&self, from: &EntityId, to: &EntityId, q: &PathQuery) -> Option<PathView> {
        let t = q.time;
        let s = self.node(from, t.known_at)?;
        let goal = self.node(to, t.known_at)?;
        if s == goal {
            return Some(PathView { steps: Vec::new() });
        }
        let names = self.names_filter(q.relations.as_deref());
        let mut parent: FxHashMap<NodeIndex, (NodeIndex, EdgeIndex)> = FxHashMap::default();
        let mut frontier = vec![s];
        let mut seen: FxHashSet<NodeIndex> = FxHashSet::default();
        seen.insert(s);
        for _ in 0..q.max_hops {
            let mut next = Vec::new();
            for &u in &frontier {
                for (e, v) in self.steps_from(u, q.directed, false, names.as_deref(), t) {
                    if !seen.insert(v) {
                        continue;
                    }
                    parent.insert(v, (u, e));
                    if v == goal {
                        let mut edges = Vec::new();
                        let mut at = goal;
                        while at != s {
                            let (p, e) = parent[&at];
                            edges.push((e, at));
                            at = p;
                        }
                        edges.reverse();
                        return self.path_view(s, &edges, t);
                    }
                    next.push(v);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        None
    }

    /// All simple paths from `from` to `to` of at most `q.max_hops` steps,
    /// shortest first, at most `limit` of them. Parallel edges give distinct paths.
    pub(crate) fn paths_reference(&self, from: &EntityId, to: &EntityId, q: &PathQuery, limit: usize) -> Vec<PathView> {
        let t = q.time;
        let (Some(s), Some(goal)) = (self.node(from, t.known_at), self.node(to, t.known_at)) else {
            return Vec::new();
        };
        if s == goal || limit == 0 {
            return Vec::new();
        }
        let names = self.names_filter(q.relations.as_deref());
        // Distance of every node to the goal, searched backwards, to prune
        // branches that cannot reach it in the hops left.
        let mut dist: FxHashMap<NodeIndex, usize> = FxHashMap::default();
        dist.insert(goal, 0);
        let mut queue = VecDeque::from([goal]);
        while let Some(u) = queue.pop_front() {
            let d = dist[&u];
            if d >= q.max_hops {
                continue;
            }
            for (_, v) in self.steps_from(u, q.directed, true, names.as_deref(), t) {
                if let std::collections::hash_map::Entry::Vacant(slot) = dist.entry(v) {
                    slot.insert(d + 1);
                    queue.push_back(v);
                }
            }
        }
        let Some(&shortest) = dist.get(&s) else { return Vec::new() };
        let mut found: Vec<Vec<(EdgeIndex, NodeIndex)>> = Vec::new();
        for len in shortest..=q.max_hops {
            let mut walk = Walk { on_path: FxHashSet::from_iter([s]), edges: Vec::new() };
            self.paths_of_len_reference(
                s,
                goal,
                len,
                &dist,
                &mut walk,
                &mut found,
                limit,
                q.directed,
                names.as_deref(),
                t,
            );
            if found.len() >= limit {
                break;
            }
        }
        found.into_iter().filter_map(|edges| self.path_view(s, &edges, t)).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn paths_of_len_reference(
        &self,
        u: NodeIndex,
        goal: NodeIndex,
        left: usize,
        dist: &FxHashMap<NodeIndex, usize>,
        walk: &mut Walk,
        found: &mut Vec<Vec<(EdgeIndex, NodeIndex)>>,
        limit: usize,
        directed: bool,
        names: Option<&[u16]>,
        t: TimeFilter,
    ) {
        for (e, v) in self.steps_from(u, directed, false, names, t) {
            if found.len() >= limit {
                return;
            }
            if v == goal {
                if left == 1 {
                    walk.edges.push((e, v));
                    found.push(walk.edges.clone());
                    walk.edges.pop();
                }
                continue;
            }
            if left <= 1 || walk.on_path.contains(&v) || dist.get(&v).is_none_or(|&d| d > left - 1) {
                continue;
            }
            walk.on_path.insert(v);
            walk.edges.push((e, v));
            self.paths_of_len_reference(v, goal, left - 1, dist, walk, found, limit, directed, names, t);
            walk.edges.pop();
            walk.on_path.remove(&v);
        }
    }

    /// The entities within `hops` of `id` and the edges followed to reach
    /// them; `None` when the entity is unknown.
    pub(crate) fn neighborhood_reference(
        &self,
        id: &EntityId,
        hops: usize,
        t: TimeFilter,
        names: Option<&[String]>,
    ) -> Option<Subgraph> {
        let centre = self.node(id, t.known_at)?;
        let names = self.names_filter(names);
        let mut depth: FxHashMap<NodeIndex, usize> = FxHashMap::default();
        depth.insert(centre, 0);
        let mut order = vec![centre];
        let mut edges: FxHashSet<EdgeIndex> = FxHashSet::default();
        let mut frontier = vec![centre];
        for d in 1..=hops {
            let mut next = Vec::new();
            for &u in &frontier {
                for (e, v) in self.steps_from(u, false, false, names.as_deref(), t) {
                    edges.insert(e);
                    if let std::collections::hash_map::Entry::Vacant(slot) = depth.entry(v) {
                        slot.insert(d);
                        order.push(v);
                        next.push(v);
                    }
                }
            }
            frontier = next;
        }
        let mut nodes: Vec<_> = order.into_iter().filter_map(|n| Some((depth[&n], self.entity_view(n, t)?))).collect();
        nodes.sort_by(|(da, a), (db, b)| (da, &a.id).cmp(&(db, &b.id)));
        let mut rels: Vec<_> = edges.into_iter().filter_map(|e| self.relation_view(e, t.known_at)).collect();
        rels.sort();
        Some(Subgraph { nodes: nodes.into_iter().map(|(_, v)| v).collect(), edges: rels })
    }
}

struct Walk {
    on_path: FxHashSet<NodeIndex>,
    edges: Vec<(EdgeIndex, NodeIndex)>,
}
