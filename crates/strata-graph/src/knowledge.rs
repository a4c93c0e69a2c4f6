//! Knowledge over recorded time: what was learned and withdrawn between two
//! `knownAt` instants, and the events recorded in between.
//!
//! Recorded time increases with the log position, so the events recorded
//! in (`from`, `to`] are one run of positions, found by binary search. A
//! relation's visibility at a fixed `asOf` can change between the two
//! instants only through an event of that run:
//!
//! - its opening or marking event was recorded in it;
//! - a close of it was recorded in it, or the close was retracted in it;
//! - its event was retracted in it;
//! - one of its ends appeared or vanished (an entity is visible while some
//!   visible event names it): only an entity named by an event of the run,
//!   or by an event a retraction of the run withdrew, can.
//!
//! So [`Projection::knowledge_diff`] reads the run, gathers those relations
//! (for an entity, only when its visibility really differs at the two
//! instants), and compares each one's edges at the two reads: the answer
//! of two full reads, for the cost of what the run touches.
//!
//! What each event named, and which event each retraction withdrew, are
//! kept for that in [`Recorded`], a derived index built by `apply` and
//! rebuilt when a checkpoint is loaded.

use petgraph::stable_graph::NodeIndex;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use strata_core::Timestamp;

use crate::projection::{Ix, Projection};
use crate::view::{KnowledgeDiff, KnowledgeQuery, RelationView, TimeFilter};

/// What each event named, by position, and what each retraction withdrew.
/// Derived from the log.
#[derive(Default)]
pub(crate) struct Recorded {
    /// Where each event's nodes start in `named`; one entry more than events.
    starts: Vec<u32>,
    /// The nodes each event named (subject, object, about), each once, by index.
    named: Vec<u32>,
    /// The event each retraction withdrew.
    retracted: FxHashMap<Ix, Ix>,
}

impl Recorded {
    /// Records the next event (in log order): the nodes it named and, for a
    /// retraction, the event it withdrew.
    pub(crate) fn push(&mut self, nodes: &[NodeIndex], retracts: Option<Ix>) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let ix = (self.starts.len() - 1) as Ix;
        let mut nodes: SmallVec<[u32; 4]> = nodes.iter().map(|n| n.index() as u32).collect();
        nodes.sort_unstable();
        nodes.dedup();
        self.named.extend_from_slice(&nodes);
        self.starts.push(self.named.len() as u32);
        if let Some(t) = retracts {
            self.retracted.insert(ix, t);
        }
    }

    /// The index of a projection whose nodes and events are in place (a
    /// decoded checkpoint): from each node's events and each event's retraction.
    pub(crate) fn rebuild(p: &Projection) -> Recorded {
        let n = p.events.len();
        let mut counts = vec![0u32; n + 1];
        for node in p.graph.node_weights() {
            for &ix in &node.events {
                if let Some(c) = counts.get_mut(ix as usize + 1) {
                    *c += 1;
                }
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut fill = counts.clone();
        let mut named = vec![0u32; counts.last().copied().unwrap_or(0) as usize];
        for n in p.graph.node_indices() {
            for &ix in &p.graph[n].events {
                if let Some(at) = fill.get_mut(ix as usize) {
                    if let Some(slot) = named.get_mut(*at as usize) {
                        *slot = n.index() as u32;
                    }
                    *at += 1;
                }
            }
        }
        // Node indices ascend within each event already (nodes are walked in order).
        let retracted = p.events.iter().enumerate().filter_map(|(t, e)| e.retracted_by.map(|r| (r, t as Ix))).collect();
        Recorded { starts: counts, named, retracted }
    }

    /// The nodes event `ix` named.
    pub(crate) fn named(&self, ix: Ix) -> impl Iterator<Item = NodeIndex> + '_ {
        let start = self.starts.get(ix as usize).copied().unwrap_or(0) as usize;
        let end = self.starts.get(ix as usize + 1).copied().unwrap_or(0) as usize;
        self.named.get(start..end).unwrap_or(&[]).iter().map(|&n| NodeIndex::new(n as usize))
    }

    /// The event the retraction `ix` withdrew.
    pub(crate) fn retracted_by(&self, ix: Ix) -> Option<Ix> {
        self.retracted.get(&ix).copied()
    }

    /// The heap it takes, in bytes.
    pub(crate) fn heap(&self) -> usize {
        (self.starts.capacity() + self.named.capacity()) * 4 + self.retracted.capacity() * 9
    }
}

impl Projection {
    /// The events recorded in (`from`, `to`], as a range of indices.
    pub(crate) fn recorded_between(&self, from: Timestamp, to: Timestamp) -> std::ops::Range<usize> {
        let lo = self.events.partition_point(|e| e.recorded_at <= from);
        let hi = self.events.partition_point(|e| e.recorded_at <= to).max(lo);
        lo..hi
    }

    /// The relations event `ix` can change the visibility of by being
    /// recorded or retracted (the one it opened or marked, those it
    /// closed), and the nodes it named.
    fn touched_by(&self, ix: Ix, rels: &mut Vec<u32>, nodes: &mut Vec<NodeIndex>) {
        if let Ok(r) = self.rels.binary_search_by_key(&ix, |r| r.event) {
            rels.push(r as u32);
        }
        if let Some(key) = self.close_keys.get(&ix) {
            for &r in self.opens.get(key).map(Vec::as_slice).unwrap_or(&[]) {
                if self.rels.get(r as usize).is_some_and(|rel| self.closes_of(rel).any(|c| c == ix)) {
                    rels.push(r);
                }
            }
        }
        nodes.extend(self.recorded.named(ix));
    }

    /// What was learned and withdrawn between `q.from` and `q.to` at
    /// `q.as_of`: the edges (of the relations whose status is in
    /// `q.statuses`) visible at `knownAt: to` and not at `knownAt: from`,
    /// and the reverse, compared by event, role and ends; with `q.entity`,
    /// only those with that entity at an end. And the events recorded in
    /// (`from`, `to`]. The same answer as two full reads and their
    /// difference, from what the events in between touch (see the module's
    /// documentation).
    pub fn knowledge_diff(&self, q: &KnowledgeQuery) -> KnowledgeDiff {
        let (early, late) = if q.from <= q.to { (q.from, q.to) } else { (q.to, q.from) };
        let window = self.recorded_between(early, late);
        let events = if q.from < q.to { window.clone().map(|ix| ix as u64 + 1).collect() } else { Vec::new() };
        let entity = match &q.entity {
            Some(id) => match self.nodes.get(id) {
                Some(&n) => Some(n),
                None => return KnowledgeDiff { events, ..KnowledgeDiff::default() },
            },
            None => None,
        };

        let mut rels: Vec<u32> = Vec::new();
        let mut nodes: Vec<NodeIndex> = Vec::new();
        for ix in window {
            let ix = ix as Ix;
            self.touched_by(ix, &mut rels, &mut nodes);
            if let Some(t) = self.recorded.retracted_by(ix) {
                self.touched_by(t, &mut rels, &mut nodes);
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        for n in nodes {
            if self.node_visible(n, q.from) == self.node_visible(n, q.to) {
                continue;
            }
            if let Some(adj) = self.adj.get(n.index()) {
                rels.extend(adj.out.iter().chain(&adj.inc).map(|a| a.weight().rel));
            }
        }
        rels.sort_unstable();
        rels.dedup();

        let before = TimeFilter { as_of: q.as_of, known_at: q.from, statuses: q.statuses };
        let after = TimeFilter { known_at: q.to, ..before };
        let mut diff = KnowledgeDiff { events, ..KnowledgeDiff::default() };
        for r in rels {
            let Some(rel) = self.rels.get(r as usize) else { continue };
            if !q.statuses.contains(self.events[rel.event as usize].status) {
                continue;
            }
            for e in rel.edges() {
                if let Some(n) = entity {
                    if self.graph.edge_endpoints(e).is_none_or(|(a, b)| a != n && b != n) {
                        continue;
                    }
                }
                let (was, is) = (self.edge_passes(e, None, before), self.edge_passes(e, None, after));
                let view = match (was, is) {
                    (false, true) => self.relation_view(e, after.known_at).map(|v| (true, v)),
                    (true, false) => self.relation_view(e, before.known_at).map(|v| (false, v)),
                    _ => None,
                };
                match view {
                    Some((true, v)) => diff.learned.push(v),
                    Some((false, v)) => diff.withdrawn.push(v),
                    None => {}
                }
            }
        }
        let order = |a: &RelationView, b: &RelationView| {
            (a.event, a.role, &a.from, &a.to).cmp(&(b.event, b.role, &b.from, &b.to))
        };
        diff.learned.sort_by(order);
        diff.withdrawn.sort_by(order);
        diff
    }
}
