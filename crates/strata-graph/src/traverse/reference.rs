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
use crate::traverse::Search;
use crate::view::{PathQuery, PathView, Subgraph, TimeFilter};

impl Projection {
    /// Edges usable from `n`: outgoing ones, and incoming ones unless the
    /// search is directed (or, with `reverse`, the other way round), with
    /// the node they lead to.
    fn steps_from(&self, n: NodeIndex, reverse: bool, search: Search<'_>) -> Vec<(EdgeIndex, NodeIndex)> {
        let (names, t) = (search.names, search.time);
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
        if !search.directed {
            for e in self.graph.edges_directed(n, back) {
                let other = if e.source() == n { e.target() } else { e.source() };
                if self.edge_passes(e.id(), names, t) {
                    out.push((e.id(), other));
                }
            }
        }
        out
    }

    /// A shortest path from `from` to `to` within `query.max_hops`, or `None`.
    /// A path from an entity to itself has no steps.
    pub(crate) fn path_reference(&self, from: &EntityId, to: &EntityId, query: &PathQuery) -> Option<PathView> {
        let t = query.time;
        let start = self.node(from, t.known_at)?;
        let goal = self.node(to, t.known_at)?;
        if start == goal {
            return Some(PathView { steps: Vec::new() });
        }
        let names = self.names_filter(query.relations.as_deref());
        let search = Search { directed: query.directed, names: names.as_deref(), time: t, groups: None };
        let mut parent: FxHashMap<NodeIndex, (NodeIndex, EdgeIndex)> = FxHashMap::default();
        let mut frontier = vec![start];
        let mut seen: FxHashSet<NodeIndex> = FxHashSet::default();
        seen.insert(start);
        for _ in 0..query.max_hops {
            let mut next = Vec::new();
            for &u in &frontier {
                for (e, v) in self.steps_from(u, false, search) {
                    if !seen.insert(v) {
                        continue;
                    }
                    parent.insert(v, (u, e));
                    if v == goal {
                        let mut edges = Vec::new();
                        let mut at = goal;
                        while at != start {
                            let (p, e) = parent[&at];
                            edges.push((e, at));
                            at = p;
                        }
                        edges.reverse();
                        return self.path_view(start, &edges, t);
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

    /// All simple paths from `from` to `to` of at most `query.max_hops` steps,
    /// shortest first, at most `limit` of them. Parallel edges give distinct paths.
    pub(crate) fn paths_reference(
        &self,
        from: &EntityId,
        to: &EntityId,
        query: &PathQuery,
        limit: usize,
    ) -> Vec<PathView> {
        let t = query.time;
        let (Some(start), Some(goal)) = (self.node(from, t.known_at), self.node(to, t.known_at)) else {
            return Vec::new();
        };
        if start == goal || limit == 0 {
            return Vec::new();
        }
        let names = self.names_filter(query.relations.as_deref());
        let search = Search { directed: query.directed, names: names.as_deref(), time: t, groups: None };
        // Distance of every node to the goal, searched backwards, to prune
        // branches that cannot reach it in the hops left.
        let mut dist: FxHashMap<NodeIndex, usize> = FxHashMap::default();
        dist.insert(goal, 0);
        let mut queue = VecDeque::from([goal]);
        while let Some(u) = queue.pop_front() {
            let depth = dist[&u];
            if depth >= query.max_hops {
                continue;
            }
            for (_, v) in self.steps_from(u, true, search) {
                if let std::collections::hash_map::Entry::Vacant(slot) = dist.entry(v) {
                    slot.insert(depth + 1);
                    queue.push_back(v);
                }
            }
        }
        let Some(&shortest) = dist.get(&start) else { return Vec::new() };
        let mut found: Vec<Vec<(EdgeIndex, NodeIndex)>> = Vec::new();
        for len in shortest..=query.max_hops {
            let mut walk = Walk {
                goal,
                limit,
                dist: &dist,
                search,
                on_path: FxHashSet::from_iter([start]),
                edges: Vec::new(),
                found: &mut found,
            };
            self.paths_of_len_reference(start, len, &mut walk);
            if found.len() >= limit {
                break;
            }
        }
        found.into_iter().filter_map(|edges| self.path_view(start, &edges, t)).collect()
    }

    fn paths_of_len_reference(&self, u: NodeIndex, left: usize, walk: &mut Walk<'_>) {
        for (e, v) in self.steps_from(u, false, walk.search) {
            if walk.found.len() >= walk.limit {
                return;
            }
            if v == walk.goal {
                if left == 1 {
                    walk.edges.push((e, v));
                    walk.found.push(walk.edges.clone());
                    walk.edges.pop();
                }
                continue;
            }
            if left <= 1 || walk.on_path.contains(&v) || walk.dist.get(&v).is_none_or(|&d| d > left - 1) {
                continue;
            }
            walk.on_path.insert(v);
            walk.edges.push((e, v));
            self.paths_of_len_reference(v, left - 1, walk);
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
        let search = Search { directed: false, names: names.as_deref(), time: t, groups: None };
        let mut depth: FxHashMap<NodeIndex, usize> = FxHashMap::default();
        depth.insert(centre, 0);
        let mut order = vec![centre];
        let mut edges: FxHashSet<EdgeIndex> = FxHashSet::default();
        let mut frontier = vec![centre];
        for hop in 1..=hops {
            let mut next = Vec::new();
            for &u in &frontier {
                for (e, v) in self.steps_from(u, false, search) {
                    edges.insert(e);
                    if let std::collections::hash_map::Entry::Vacant(slot) = depth.entry(v) {
                        slot.insert(hop);
                        order.push(v);
                        next.push(v);
                    }
                }
            }
            frontier = next;
        }
        let mut nodes: Vec<_> = order.into_iter().filter_map(|n| Some((depth[&n], self.entity_view(n, t)?))).collect();
        nodes.sort_by(|(depth_a, a), (depth_b, b)| (depth_a, &a.id).cmp(&(depth_b, &b.id)));
        let mut rels: Vec<_> = edges.into_iter().filter_map(|e| self.relation_view(e, t.known_at)).collect();
        rels.sort();
        Some(Subgraph { nodes: nodes.into_iter().map(|(_, v)| v).collect(), edges: rels })
    }
}

/// The state of one all-paths search.
struct Walk<'a> {
    goal: NodeIndex,
    limit: usize,
    /// Every node's distance to the goal.
    dist: &'a FxHashMap<NodeIndex, usize>,
    search: Search<'a>,
    on_path: FxHashSet<NodeIndex>,
    edges: Vec<(EdgeIndex, NodeIndex)>,
    found: &'a mut Vec<Vec<(EdgeIndex, NodeIndex)>>,
}
