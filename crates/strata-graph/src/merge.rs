//! Merges: `same_as` events that make two ids one entity, and
//! `distinct_from` events that say two ids are different parties.
//!
//! A merge holds from its recorded time on, so which ids are one entity
//! depends on the read's `knownAt`: the groups at `knownAt` k are what the
//! merges visible at k (recorded by k, not retracted by k, `confirmed` or
//! `reported`) make, applied in log order, each joining the subject's whole
//! group into the group of the id the object resolves to then. The
//! survivor of a group (the id every member resolves to) is that object's
//! survivor. Groups with everything known are kept ([`Merges::now`]) and
//! updated as merges are applied; a read at an earlier `knownAt` replays
//! the (few) merges visible then, so it answers exactly as it did before
//! a later merge was appended.

use std::borrow::Cow;

use petgraph::stable_graph::NodeIndex;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::projection::{Ix, Projection};
use crate::Timestamp;

/// A `same_as` or `distinct_from` event: its subject and object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub event: Ix,
    pub subject: NodeIndex,
    pub object: NodeIndex,
}

/// Which ids are one entity, at one `knownAt`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Groups {
    /// Each merged id that is not its group's survivor, and the survivor.
    root: FxHashMap<NodeIndex, NodeIndex>,
    /// Each survivor of a group of two or more, and its other ids, in the
    /// order they joined.
    others: FxHashMap<NodeIndex, SmallVec<[NodeIndex; 2]>>,
}

impl Groups {
    /// The survivor `n` resolves to (itself when it was not merged).
    #[inline]
    pub(crate) fn find(&self, n: NodeIndex) -> NodeIndex {
        if self.root.is_empty() {
            return n;
        }
        self.root.get(&n).copied().unwrap_or(n)
    }

    /// Whether no two ids are one entity.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    /// The other ids of the group whose survivor is `root`.
    pub(crate) fn others(&self, root: NodeIndex) -> &[NodeIndex] {
        self.others.get(&root).map_or(&[], |v| v.as_slice())
    }

    /// Every id of `root`'s group: the survivor first.
    pub(crate) fn members(&self, root: NodeIndex) -> SmallVec<[NodeIndex; 3]> {
        let mut m: SmallVec<[NodeIndex; 3]> = SmallVec::new();
        m.push(root);
        m.extend(self.others(root).iter().copied());
        m
    }

    /// Joins `subject`'s group into the group `object` resolves to.
    pub(crate) fn join(&mut self, subject: NodeIndex, object: NodeIndex) {
        let (rs, ro) = (self.find(subject), self.find(object));
        if rs == ro {
            return;
        }
        let moved = self.others.remove(&rs).unwrap_or_default();
        self.root.insert(rs, ro);
        for &m in &moved {
            self.root.insert(m, ro);
        }
        let list = self.others.entry(ro).or_default();
        list.push(rs);
        list.extend(moved);
    }
}

/// The merges and judgements of distinctness in the log.
#[derive(Default)]
pub(crate) struct Merges {
    /// Every `same_as` with a believed status, in log order.
    pub same: Vec<Link>,
    /// Every `distinct_from` with a believed status, in log order.
    pub distinct: Vec<Link>,
    /// The groups with everything known. Derived.
    pub now: Groups,
}

impl Projection {
    /// The groups at `known`: with everything known, the kept ones;
    /// earlier, the merges visible then, replayed.
    pub(crate) fn groups(&self, known: Timestamp) -> Cow<'_, Groups> {
        if self.merges.same.is_empty() || self.knows_all(known) {
            return Cow::Borrowed(&self.merges.now);
        }
        let mut g = Groups::default();
        for l in &self.merges.same {
            if self.events[l.event as usize].recorded_at > known {
                break;
            }
            if self.event_visible(l.event, known) {
                g.join(l.subject, l.object);
            }
        }
        Cow::Owned(g)
    }

    /// Rebuilds the groups with everything known (after a merge was
    /// retracted, or a checkpoint loaded).
    pub(crate) fn refresh_groups(&mut self) {
        let mut g = Groups::default();
        for l in &self.merges.same {
            if self.event_visible(l.event, Timestamp::MAX) {
                g.join(l.subject, l.object);
            }
        }
        self.merges.now = g;
    }

    /// Whether two ids were judged distinct by a visible `distinct_from`.
    pub(crate) fn judged_distinct(&self, a: NodeIndex, b: NodeIndex, groups: &Groups, known: Timestamp) -> bool {
        self.merges.distinct.iter().any(|l| {
            self.event_visible(l.event, known) && {
                let (s, o) = (groups.find(l.subject), groups.find(l.object));
                (s == a && o == b) || (s == b && o == a)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: usize) -> NodeIndex {
        NodeIndex::new(i)
    }

    #[test]
    fn chains_join_whole_groups_into_the_objects_survivor() {
        let mut g = Groups::default();
        g.join(n(0), n(1)); // A into B
        g.join(n(1), n(2)); // B into C: A follows
        assert_eq!((g.find(n(0)), g.find(n(1)), g.find(n(2))), (n(2), n(2), n(2)));
        assert_eq!(g.members(n(2)).as_slice(), [n(2), n(1), n(0)]);
        // D into A: A resolves to C, so D joins C's group.
        g.join(n(3), n(0));
        assert_eq!(g.find(n(3)), n(2));
        // Ids already joined: nothing changes.
        g.join(n(0), n(3));
        assert_eq!(g.members(n(2)).len(), 4);
        assert_eq!(g.find(n(5)), n(5));
    }
}
