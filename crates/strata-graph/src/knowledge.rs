//! Knowledge over recorded time: what was learned and withdrawn between two
//! `knownAt` instants, and the events recorded in between.
//!
//! Recorded time increases with the log position, so the events recorded
//! in (`from`, `to`] are one run of positions, found by binary search. An
//! edge is visible when its relation holds and both its ends are entities
//! in the graph; its ends are named by the relation's own event, so they
//! are in the graph whenever that event is visible, and only the relation
//! matters. At a fixed `asOf`, a relation's visibility can change between
//! the two instants only through an event of the run:
//!
//! - its opening or marking event was recorded in it;
//! - a close of it was recorded in it, or the close was retracted in it;
//! - its event was retracted in it.
//!
//! A merge (`same_as`) recorded, or retracted, in the run changes the ids
//! edges are read with: every edge at an id of the groups its two ids are
//! in at either read may read with other ends (a merge withdraws the link
//! to the old id and learns the link to the survivor). Groups are the
//! connected pieces of the merges, so an id whose survivor changes is in
//! such a group: the merges that touch none of them build the same groups,
//! in the same order, at both reads.
//!
//! So [`Projection::knowledge_diff`] reads the run, gathers those relations
//! and compares each one's edges, as each read names them, at the two
//! reads: the answer of two full reads, for the cost of what the run
//! touches. Which event each retraction
//! withdrew is kept for that (`Projection::retracted`, derived from the log).

use std::borrow::Cow;

use petgraph::stable_graph::NodeIndex;
use petgraph::Direction as PgDirection;
use rustc_hash::FxHashMap;
use strata_core::Timestamp;

use crate::merge::Groups;
use crate::projection::{Ix, Projection};
use crate::view::{KnowledgeDiff, KnowledgeQuery, RelationView, TimeFilter};

/// The event each retraction withdrew, from the events' `retracted_by`
/// (what a decoded checkpoint rebuilds).
pub(crate) fn retracted(p: &Projection) -> FxHashMap<Ix, Ix> {
    p.events.iter().enumerate().filter_map(|(t, e)| e.retracted_by.map(|r| (r, t as Ix))).collect()
}

impl Projection {
    /// The events recorded in (`from`, `to`], as a range of indices.
    pub(crate) fn recorded_between(&self, from: Timestamp, to: Timestamp) -> std::ops::Range<usize> {
        let lo = self.events.partition_point(|e| e.recorded_at <= from);
        let hi = self.events.partition_point(|e| e.recorded_at <= to).max(lo);
        lo..hi
    }

    /// The relations event `ix` can change the visibility of by being
    /// recorded or retracted: the one it opened or marked, those it closed.
    /// (A merge, which changes the ids edges read with, is handled by
    /// [`Projection::touched_by_merge`].)
    fn touched_by(&self, ix: Ix, rels: &mut Vec<u32>) {
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
    }

    /// When event `ix` is a merge (`same_as` with a believed status): the
    /// relations at every id of the groups its subject and object are in
    /// at either read (`early`, `late`).
    fn touched_by_merge(&self, ix: Ix, reads: [&Groups; 2], rels: &mut Vec<u32>) {
        let Ok(at) = self.merges.same.binary_search_by_key(&ix, |l| l.event) else { return };
        let link = self.merges.same[at];
        let mut ids: Vec<NodeIndex> = Vec::new();
        for g in reads {
            for end in [link.subject, link.object] {
                ids.extend(g.members(g.find(end)));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        for n in ids {
            for dir in [PgDirection::Outgoing, PgDirection::Incoming] {
                rels.extend(self.graph.edges_directed(n, dir).map(|e| e.weight().rel));
            }
        }
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
        if q.entity.as_ref().is_some_and(|id| !self.nodes.contains_key(id)) {
            return KnowledgeDiff { events, ..KnowledgeDiff::default() };
        }

        let (early_groups, late_groups) = if self.merges.same.is_empty() {
            (Cow::Borrowed(&self.merges.now), Cow::Borrowed(&self.merges.now))
        } else {
            (self.groups(early), self.groups(late))
        };
        let reads = [early_groups.as_ref(), late_groups.as_ref()];
        let mut rels: Vec<u32> = Vec::new();
        for ix in window {
            let ix = ix as Ix;
            self.touched_by(ix, &mut rels);
            self.touched_by_merge(ix, reads, &mut rels);
            if let Some(&t) = self.retracted.get(&ix) {
                self.touched_by(t, &mut rels);
                self.touched_by_merge(t, reads, &mut rels);
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
                // Each read names the ends with the ids they resolve to then.
                let was = self.edge_passes(e, None, before).then(|| self.relation_view(e, before.known_at)).flatten();
                let is = self.edge_passes(e, None, after).then(|| self.relation_view(e, after.known_at)).flatten();
                if let (Some(w), Some(i)) = (&was, &is) {
                    if (&w.from, &w.to) == (&i.from, &i.to) {
                        continue;
                    }
                }
                let touches = |v: &RelationView| q.entity.as_ref().is_none_or(|id| v.from == *id || v.to == *id);
                diff.withdrawn.extend(was.filter(touches));
                diff.learned.extend(is.filter(touches));
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
