//! Traversals: shortest path, all simple paths, neighborhoods.
//!
//! Plain breadth-first searches with the time filter inline: petgraph's
//! `astar`/`dijkstra` over an `EdgeFiltered` view are hundreds of times
//! slower on this graph, because the filter runs through trait objects and
//! they explore weights we do not have.
//!
//! The searches walk petgraph's edge lists in place ([`Steps`]), keep what
//! they know of each node in per-query slots ([`Scratch`]) rather than hash
//! maps, look at a node's visibility once per query, and test an edge's
//! visibility only when its far end could still matter. Views are built at
//! the end, for the answer only.

use std::cmp::Ordering;

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::NodeIndexable;
use smallvec::SmallVec;
use strata_core::{Day, EntityId};

use crate::merge::Groups;
use crate::projection::Projection;
use crate::scratch::{with_scratch, Scratch, Steps, BAD, NONE, ON_PATH};
use crate::view::{EntityView, NeighborhoodQuery, PathQuery, PathStep, PathView, Role, Subgraph, TimeFilter};

/// `$self.$f::<true>(…)` when the search sees merges, else `::<false>`:
/// each search is compiled both ways, so that a read without merges steps
/// over the plain adjacency (see `Steps`).
macro_rules! by_merges {
    ($search:expr, $self:ident . $f:ident ( $($arg:expr),* $(,)? )) => {
        if $search.groups.is_some() {
            $self.$f::<true>($($arg),*)
        } else {
            $self.$f::<false>($($arg),*)
        }
    };
}
pub(crate) use by_merges;

mod temporal;

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

/// A hop count as a slot distance (`NONE` stays out of reach).
fn hop_count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX - 1).min(u32::MAX - 1)
}

/// What a search may step over: edges in their direction only or either
/// way, the relations named (all when `None`), and the time they must hold at.
#[derive(Clone, Copy)]
pub(crate) struct Search<'n> {
    pub directed: bool,
    pub names: Option<&'n [u16]>,
    pub time: TimeFilter,
    /// The merges the read sees, when there are any: the search then steps
    /// between survivors (see `Projection::steps`).
    pub groups: Option<&'n Groups>,
}

/// What a neighborhood search found: the nodes with their depth, in
/// breadth-first order, and (when asked) the edges followed, each once.
struct Neighborhood {
    nodes: Vec<(u32, NodeIndex)>,
    edges: Vec<EdgeIndex>,
}

impl Projection {
    fn path_view(&self, start: NodeIndex, edges: &[(EdgeIndex, NodeIndex)], t: TimeFilter) -> Option<PathView> {
        let mut steps = Vec::with_capacity(edges.len());
        let mut at = start;
        for &(e, to) in edges {
            steps.push(PathStep {
                from: self.graph[at].id.clone(),
                relation: self.relation_view(e, t.known_at)?,
                to: self.graph[to].id.clone(),
                at: None,
            });
            at = to;
        }
        Some(PathView { steps })
    }

    /// A shortest path from `from` to `to` within `query.max_hops`, or `None`.
    /// A path from an entity to itself has no steps.
    ///
    /// Of the shortest paths, the one returned is the first in the order the
    /// edges of each node are stored in (the one a breadth-first search from
    /// `from` finds first), whichever way the search ran.
    pub fn path(&self, from: &EntityId, to: &EntityId, query: &PathQuery) -> Option<PathView> {
        let time = query.time;
        let (start, groups) = self.resolved(from, time.known_at)?;
        let (goal, _) = self.resolved(to, time.known_at)?;
        if start == goal {
            return Some(PathView { steps: Vec::new() });
        }
        let names = self.names_filter(query.relations.as_deref());
        let groups = (!groups.is_empty()).then_some(&*groups);
        let search = Search { directed: query.directed, names: names.as_deref(), time, groups };
        let edges = with_scratch(self.graph.node_bound(), |scratch| {
            by_merges!(search, self.shortest(start, goal, hop_count(query.max_hops), search, scratch))
        })?;
        self.path_view(start, &edges, time)
    }

    /// Bidirectional breadth-first search (the cheaper frontier grows), then
    /// the first shortest path in edge order, rebuilt from the two sides'
    /// distances.
    fn shortest<const M: bool>(
        &self,
        start: NodeIndex,
        goal: NodeIndex,
        max_hops: u32,
        search: Search<'_>,
        scratch: &mut Scratch,
    ) -> Option<Vec<(EdgeIndex, NodeIndex)>> {
        if max_hops == 0 {
            return None;
        }
        scratch.slot(start).fwd = 0;
        scratch.slot(goal).bwd = 0;
        let mut fwd = std::mem::take(&mut scratch.forward);
        let mut bwd = std::mem::take(&mut scratch.backward);
        let mut next = std::mem::take(&mut scratch.next);
        fwd.push(start);
        bwd.push(goal);
        // Levels fully searched on each side, and what the next level of
        // each would cost, estimated by the events its nodes appear in
        // (about their degree; a hub's is large).
        let (mut forward_depth, mut backward_depth) = (0u32, 0u32);
        let node_cost = |n: NodeIndex| self.graph[n].events.len() + 1;
        let (mut forward_cost, mut backward_cost) = (node_cost(start), node_cost(goal));
        let found = loop {
            if forward_depth + backward_depth >= max_hops {
                break None;
            }
            let forward = forward_cost <= backward_cost;
            let mut cost = 0;
            let (frontier, depth) = if forward { (&fwd, forward_depth) } else { (&bwd, backward_depth) };
            next.clear();
            let mut met = false;
            'level: for &u in frontier.iter() {
                for (_, v, weight, _) in self.steps::<M>(u, search.directed, !forward, search.groups) {
                    let slot = scratch.peek(v);
                    let (mine, theirs) = if forward { (slot.fwd, slot.bwd) } else { (slot.bwd, slot.fwd) };
                    if mine != NONE || !self.step_ok(weight, v, &search, scratch) {
                        continue;
                    }
                    let slot = scratch.slot(v);
                    if forward {
                        slot.fwd = depth + 1
                    } else {
                        slot.bwd = depth + 1
                    }
                    if theirs != NONE {
                        met = true;
                        break 'level;
                    }
                    cost += node_cost(v);
                    next.push(v);
                }
            }
            if met {
                // The first meeting closes a shortest path: one hop more than both depths.
                break Some(forward_depth + backward_depth + 1);
            }
            if forward {
                forward_depth += 1;
                forward_cost = cost;
                std::mem::swap(&mut fwd, &mut next);
                if fwd.is_empty() {
                    break None;
                }
            } else {
                backward_depth += 1;
                backward_cost = cost;
                std::mem::swap(&mut bwd, &mut next);
                if bwd.is_empty() {
                    break None;
                }
            }
        };
        scratch.forward = fwd;
        scratch.backward = bwd;
        scratch.next = next;
        self.first_shortest::<M>(start, found?, forward_depth, search, scratch)
    }

    /// The first path of `hops` hops from `start` in edge order, given exact
    /// distances from `start` for the nodes up to `forward_depth` hops from
    /// it and exact distances to the goal for those within
    /// `hops - forward_depth - 1` hops of it. Within the first
    /// `forward_depth` hops a depth-first search (each dead end remembered)
    /// finds it; after that the distances to the goal lead the way.
    fn first_shortest<const M: bool>(
        &self,
        start: NodeIndex,
        hops: u32,
        forward_depth: u32,
        search: Search<'_>,
        scratch: &mut Scratch,
    ) -> Option<Vec<(EdgeIndex, NodeIndex)>> {
        let mut edges: Vec<(EdgeIndex, NodeIndex)> = Vec::with_capacity(hops as usize);
        let mut stack: Vec<(NodeIndex, Steps<'_, M>)> =
            vec![(start, self.steps::<M>(start, search.directed, false, search.groups))];
        let (e, v) = loop {
            let (u, step) = match stack.last_mut() {
                Some((u, steps)) => (*u, steps.next()),
                None => return None,
            };
            let Some((e, v, weight, _)) = step else {
                scratch.slot(u).flags |= BAD;
                stack.pop();
                edges.pop();
                continue;
            };
            let depth = edges.len() as u32 + 1;
            if depth <= forward_depth {
                let slot = scratch.peek(v);
                if slot.fwd != depth || slot.flags & BAD != 0 || !self.step_ok(weight, v, &search, scratch) {
                    continue;
                }
                edges.push((e, v));
                stack.push((v, self.steps::<M>(v, search.directed, false, search.groups)));
            } else if scratch.peek(v).bwd == hops - depth && self.step_ok(weight, v, &search, scratch) {
                break (e, v);
            }
        };
        drop(stack);
        edges.push((e, v));
        let mut at = v;
        let mut left = hops - edges.len() as u32;
        while left > 0 {
            let (e, x) = self
                .steps::<M>(at, search.directed, false, search.groups)
                .find(|&(_, x, weight, _)| scratch.peek(x).bwd == left - 1 && self.step_ok(weight, x, &search, scratch))
                .map(|(e, x, _, _)| (e, x))?;
            edges.push((e, x));
            at = x;
            left -= 1;
        }
        Some(edges)
    }

    /// All simple paths from `from` to `to` of at most `query.max_hops` steps,
    /// shortest first, at most `limit` of them. Parallel edges give distinct paths.
    pub fn paths(&self, from: &EntityId, to: &EntityId, query: &PathQuery, limit: usize) -> Vec<PathView> {
        let time = query.time;
        let (Some((start, groups)), Some((goal, _))) =
            (self.resolved(from, time.known_at), self.resolved(to, time.known_at))
        else {
            return Vec::new();
        };
        if start == goal || limit == 0 {
            return Vec::new();
        }
        let names = self.names_filter(query.relations.as_deref());
        let groups = (!groups.is_empty()).then_some(&*groups);
        let search = Search { directed: query.directed, names: names.as_deref(), time, groups };
        let max_hops = hop_count(query.max_hops);
        let found = with_scratch(self.graph.node_bound(), |scratch| {
            by_merges!(search, self.paths_in(start, goal, max_hops, limit, search, scratch))
        });
        found.into_iter().filter_map(|edges| self.path_view(start, &edges, time)).collect()
    }

    /// [`Projection::paths`]' walks, with (`M`) or without merges.
    fn paths_in<const M: bool>(
        &self,
        start: NodeIndex,
        goal: NodeIndex,
        max_hops: u32,
        limit: usize,
        search: Search<'_>,
        scratch: &mut Scratch,
    ) -> Vec<Vec<(EdgeIndex, NodeIndex)>> {
        // Distance of every node to the goal, searched backwards, to prune
        // branches that cannot reach it in the hops left. A node the walk
        // goes through needs one of at most `max_hops - 1`: the widest
        // level, the last, is not searched; only the start may be that far.
        scratch.slot(goal).bwd = 0;
        let mut queue = std::mem::take(&mut scratch.backward);
        queue.push(goal);
        let mut head = 0;
        while let Some(&u) = queue.get(head) {
            head += 1;
            let depth = scratch.peek(u).bwd;
            if depth + 1 >= max_hops {
                continue;
            }
            for (_, v, weight, _) in self.steps::<M>(u, search.directed, true, search.groups) {
                if scratch.peek(v).bwd == NONE && self.step_ok(weight, v, &search, scratch) {
                    scratch.slot(v).bwd = depth + 1;
                    queue.push(v);
                }
            }
        }
        scratch.backward = queue;
        let mut shortest = scratch.peek(start).bwd;
        if shortest == NONE && max_hops > 0 {
            let far = max_hops - 1;
            if self
                .steps::<M>(start, search.directed, false, search.groups)
                .any(|(_, v, weight, _)| scratch.peek(v).bwd == far && self.step_ok(weight, v, &search, scratch))
            {
                shortest = max_hops;
            }
        }
        let mut found: Vec<Vec<(EdgeIndex, NodeIndex)>> = Vec::new();
        if shortest == NONE {
            return found;
        }
        scratch.slot(start).flags |= ON_PATH;
        let mut walk = Vec::new();
        for len in shortest..=max_hops {
            let mut walk = Walk { goal, limit, search, edges: &mut walk, found: &mut found };
            self.paths_of_len::<M>(start, len, &mut walk, scratch);
            if found.len() >= limit {
                break;
            }
        }
        found
    }

    fn paths_of_len<const M: bool>(&self, u: NodeIndex, left: u32, walk: &mut Walk<'_, '_>, scratch: &mut Scratch) {
        for (e, v, weight, _) in self.steps::<M>(u, walk.search.directed, false, walk.search.groups) {
            if walk.found.len() >= walk.limit {
                return;
            }
            if v == walk.goal {
                if left == 1 && self.step_ok(weight, v, &walk.search, scratch) {
                    walk.edges.push((e, v));
                    walk.found.push(walk.edges.clone());
                    walk.edges.pop();
                }
                continue;
            }
            let slot = scratch.peek(v);
            if left <= 1 || slot.flags & ON_PATH != 0 || slot.bwd == NONE || slot.bwd > left - 1 {
                continue;
            }
            if !self.step_ok(weight, v, &walk.search, scratch) {
                continue;
            }
            scratch.slot(v).flags |= ON_PATH;
            walk.edges.push((e, v));
            self.paths_of_len::<M>(v, left - 1, walk, scratch);
            walk.edges.pop();
            scratch.slot(v).flags &= !ON_PATH;
        }
    }

    /// Breadth-first search around `centre`, undirected. With `edges`, every
    /// edge followed from a node less than `hops` away is listed once (from
    /// its nearer end, or from the end with the smaller index when both are
    /// as far); without, an edge is only tested when it could reach a new node.
    fn neighborhood_search<const M: bool>(
        &self,
        centre: NodeIndex,
        hops: u32,
        search: Search<'_>,
        edges: bool,
        scratch: &mut Scratch,
    ) -> Neighborhood {
        let mut out = Neighborhood { nodes: vec![(0, centre)], edges: Vec::new() };
        scratch.slot(centre).fwd = 0;
        let mut start = 0;
        for depth in 1..=hops {
            let end = out.nodes.len();
            if start == end {
                break;
            }
            for i in start..end {
                let u = out.nodes[i].1;
                for (e, v, weight, second) in self.steps::<M>(u, search.directed, false, search.groups) {
                    let depth_v = scratch.peek(v).fwd;
                    if edges {
                        let depth_u = depth - 1;
                        let take = match depth_v {
                            NONE => true,
                            _ if depth_v != depth_u => depth_v > depth_u,
                            _ if v == u => !second,
                            _ => u.index() < v.index(),
                        };
                        if !take || !self.step_ok(weight, v, &search, scratch) {
                            continue;
                        }
                        out.edges.push(e);
                    } else if depth_v != NONE || !self.step_ok(weight, v, &search, scratch) {
                        continue;
                    }
                    if depth_v == NONE {
                        scratch.slot(v).fwd = depth;
                        out.nodes.push((depth, v));
                    }
                }
            }
            start = end;
        }
        // Breadth-first order is by depth already: sort each depth by id.
        self.sort_by_depth_then_id(&mut out.nodes);
        out
    }

    fn sort_by_depth_then_id(&self, nodes: &mut [(u32, NodeIndex)]) {
        for level in nodes.chunk_by_mut(|a, b| a.0 == b.0) {
            level.sort_unstable_by(|a, b| self.graph[a.1].id.cmp(&self.graph[b.1].id));
        }
    }

    /// The ids of the entities within `hops` of `id`: the nodes of
    /// [`Projection::neighborhood`], in its order (the centre first, then by
    /// distance and id), without building their views or listing edges.
    /// `None` when the entity is unknown.
    pub fn neighborhood_ids(&self, id: &EntityId, query: &NeighborhoodQuery) -> Option<Vec<EntityId>> {
        let (hops, t) = (query.hops, query.time);
        let (centre, groups) = self.resolved(id, t.known_at)?;
        let names = self.names_filter(query.relations.as_deref());
        let groups = (!groups.is_empty()).then_some(&*groups);
        let search = Search { directed: false, names: names.as_deref(), time: t, groups };
        let found = with_scratch(self.graph.node_bound(), |scratch| {
            by_merges!(search, self.neighborhood_search(centre, hop_count(hops), search, false, scratch))
        });
        Some(found.nodes.into_iter().map(|(_, n)| self.graph[n].id.clone()).collect())
    }

    /// The entities of [`Projection::neighborhood`] without its edges: what
    /// a reader who asks for no edges needs, without building a view of
    /// every edge.
    pub fn neighborhood_nodes(&self, id: &EntityId, query: &NeighborhoodQuery) -> Option<Vec<EntityView>> {
        let (hops, t) = (query.hops, query.time);
        let (centre, groups) = self.resolved(id, t.known_at)?;
        let names = self.names_filter(query.relations.as_deref());
        let groups = (!groups.is_empty()).then_some(&*groups);
        let search = Search { directed: false, names: names.as_deref(), time: t, groups };
        let found = with_scratch(self.graph.node_bound(), |scratch| {
            by_merges!(search, self.neighborhood_search(centre, hop_count(hops), search, false, scratch))
        });
        Some(found.nodes.iter().filter_map(|&(_, n)| self.entity_view(n, t)).collect())
    }

    /// The entities within `hops` of `id` and the edges followed to reach
    /// them; `None` when the entity is unknown.
    pub fn neighborhood(&self, id: &EntityId, query: &NeighborhoodQuery) -> Option<Subgraph> {
        let (hops, t) = (query.hops, query.time);
        let (centre, groups) = self.resolved(id, t.known_at)?;
        let names = self.names_filter(query.relations.as_deref());
        let groups = (!groups.is_empty()).then_some(&*groups);
        let search = Search { directed: false, names: names.as_deref(), time: t, groups };
        let (found, order) = with_scratch(self.graph.node_bound(), |scratch| {
            let found = by_merges!(search, self.neighborhood_search(centre, hop_count(hops), search, true, scratch));
            let order = self.edge_order(&found, t, groups, scratch);
            (found, order)
        });
        let nodes: Vec<EntityView> = found.nodes.iter().filter_map(|&(_, n)| self.entity_view(n, t)).collect();
        let edges = order.into_iter().filter_map(|e| self.relation_view(e, t.known_at)).collect();
        Some(Subgraph { nodes, edges })
    }

    /// The neighborhood's edges in the order of their `RelationView`s
    /// (name, role, from, to, valid from, valid to, about, event), compared
    /// on ranks and numbers rather than on the views' strings. Every edge's
    /// ends are nodes of the neighborhood.
    fn edge_order(
        &self,
        found: &Neighborhood,
        t: TimeFilter,
        groups: Option<&Groups>,
        scratch: &mut Scratch,
    ) -> Vec<EdgeIndex> {
        // Ranks of the relation names and of the nodes' ids.
        let mut by_name: Vec<u16> = (0..self.rel_names.len() as u16).collect();
        by_name.sort_unstable_by(|&a, &b| self.rel_names[a as usize].cmp(&self.rel_names[b as usize]));
        let mut name_rank = vec![0u16; by_name.len()];
        for (r, &n) in by_name.iter().enumerate() {
            name_rank[n as usize] = r as u16;
        }
        let mut by_id: Vec<NodeIndex> = found.nodes.iter().map(|&(_, n)| n).collect();
        by_id.sort_unstable_by(|&a, &b| self.graph[a].id.cmp(&self.graph[b].id));
        for (r, &n) in by_id.iter().enumerate() {
            scratch.slot(n).bwd = r as u32;
        }
        type Key = (u16, Role, u32, u32, Day, Option<Day>);
        let mut keyed: Vec<(Key, u32, EdgeIndex)> = found
            .edges
            .iter()
            .filter_map(|&e| {
                let weight = *self.graph.edge_weight(e)?;
                let (a, b) = self.graph.edge_endpoints(e)?;
                let (a, b) = groups.map_or((a, b), |g| (g.find(a), g.find(b)));
                let rel = &self.rels[weight.rel as usize];
                let valid_to = if rel.marks { None } else { self.valid_to(rel, t.known_at).map(|(d, _)| d) };
                let key = (
                    name_rank[rel.name as usize],
                    weight.role,
                    scratch.peek(a).bwd,
                    scratch.peek(b).bwd,
                    rel.valid_from,
                    valid_to,
                );
                Some((key, weight.rel, e))
            })
            .collect();
        keyed.sort_unstable_by(|(ka, ra, _), (kb, rb, _)| {
            ka.cmp(kb).then_with(|| if ra == rb { Ordering::Equal } else { self.about_cmp(*ra, *rb) })
        });
        keyed.into_iter().map(|(_, _, e)| e).collect()
    }

    /// Two distinct relations with equal keys: by their sorted `about` ids,
    /// then by event (what `RelationView`'s order compares next).
    fn about_cmp(&self, a: u32, b: u32) -> Ordering {
        let ids = |r: u32| {
            let mut v: SmallVec<[&EntityId; 4]> =
                self.nodes_of(self.rels[r as usize].about).iter().map(|&n| &self.graph[n].id).collect();
            v.sort_unstable();
            v
        };
        let (ra, rb) = (&self.rels[a as usize], &self.rels[b as usize]);
        ids(a).cmp(&ids(b)).then(ra.event.cmp(&rb.event))
    }
}

/// The state of one all-paths search.
struct Walk<'a, 'n> {
    goal: NodeIndex,
    limit: usize,
    search: Search<'n>,
    edges: &'a mut Vec<(EdgeIndex, NodeIndex)>,
    found: &'a mut Vec<Vec<(EdgeIndex, NodeIndex)>>,
}
