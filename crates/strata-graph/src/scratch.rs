//! Per-query scratch for the traversals: a slot per node index, reset lazily
//! by a generation stamp, so that a query touching a few nodes pays for a
//! few nodes and none pays for a hash map. The slots live in a small
//! per-thread pool and are reused by the next query on the same thread.

use std::cell::RefCell;

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use strata_core::Timestamp;

use crate::merge::Groups;
use crate::projection::{Adj, Adjacency, EdgeWeight, Projection};
use crate::traverse::Search;

/// "No distance yet" in a slot.
pub(crate) const NONE: u32 = u32::MAX;

const VIS_KNOWN: u8 = 1;
const VISIBLE: u8 = 2;
/// A node known to lead nowhere useful (path reconstruction).
pub(crate) const BAD: u8 = 4;
/// A node on the walk being extended (all paths).
pub(crate) const ON_PATH: u8 = 8;

/// What a query knows of one node.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    gen: u32,
    /// Distance from the start (or the centre), `NONE` when not reached.
    pub fwd: u32,
    /// Distance to the goal, `NONE` when not reached (also an id rank in neighborhoods).
    pub bwd: u32,
    pub flags: u8,
}

impl Slot {
    const EMPTY: Slot = Slot { gen: 0, fwd: NONE, bwd: NONE, flags: 0 };
}

/// The slots of one query, and the node lists it reuses.
#[derive(Default)]
pub(crate) struct Scratch {
    gen: u32,
    slots: Vec<Slot>,
    /// The forward search's frontier.
    pub forward: Vec<NodeIndex>,
    /// The backward search's frontier (or queue).
    pub backward: Vec<NodeIndex>,
    /// The level being built.
    pub next: Vec<NodeIndex>,
}

impl Scratch {
    fn begin(&mut self, bound: usize) {
        if self.slots.len() < bound {
            self.slots.resize(bound, Slot::EMPTY);
        }
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.slots.fill(Slot::EMPTY);
            self.gen = 1;
        }
        self.forward.clear();
        self.backward.clear();
        self.next.clear();
    }

    /// The node's slot, emptied first if an earlier query left it.
    #[inline]
    pub fn slot(&mut self, n: NodeIndex) -> &mut Slot {
        let gen = self.gen;
        let s = &mut self.slots[n.index()];
        if s.gen != gen {
            *s = Slot { gen, ..Slot::EMPTY };
        }
        s
    }

    /// The node's slot as it is, without writing (an empty one if stale).
    #[inline]
    pub fn peek(&self, n: NodeIndex) -> Slot {
        match self.slots.get(n.index()) {
            Some(s) if s.gen == self.gen => *s,
            _ => Slot::EMPTY,
        }
    }

    /// Whether the entity exists at `known`, computed once per query.
    #[inline]
    pub fn visible(&mut self, p: &Projection, n: NodeIndex, known: Timestamp) -> bool {
        let s = self.slot(n);
        if s.flags & VIS_KNOWN != 0 {
            return s.flags & VISIBLE != 0;
        }
        let v = p.node_visible(n, known);
        let s = self.slot(n);
        s.flags |= VIS_KNOWN | if v { VISIBLE } else { 0 };
        v
    }
}

thread_local! {
    static POOL: RefCell<Vec<Scratch>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a scratch sized for `bound` node indices, taken from (and
/// given back to) the thread's pool; a nested query takes another one.
pub(crate) fn with_scratch<R>(bound: usize, f: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut s = POOL.try_with(|p| p.borrow_mut().pop()).ok().flatten().unwrap_or_default();
    s.begin(bound);
    let out = f(&mut s);
    let _ = POOL.try_with(|p| {
        let mut pool = p.borrow_mut();
        if pool.len() < 4 {
            pool.push(s);
        }
    });
    out
}

type AdjIter<'a> = std::iter::Rev<std::slice::Iter<'a, Adj>>;

/// The edges usable from a node, walked in place: the outgoing ones, then
/// the incoming ones unless directed (with `reverse`, the other way round),
/// each with the node it leads to, its weight and whether it came from the
/// second list. Newest first in each list: the order petgraph's
/// `edges_directed` gives, which the searches have always used.
///
/// `M` says whether the read sees merges: a search is compiled twice, and
/// without merges its steps are the two slice iterators and nothing else
/// (with one iterator for both, a check per edge and a larger iterator
/// made the shortest path take about twice the instructions).
pub(crate) struct Steps<'a, const M: bool> {
    first: AdjIter<'a>,
    second: Option<AdjIter<'a>>,
    /// With merges: the entity stepped from, its other ids (whose edges
    /// follow its own), and the groups that map each far end to its survivor.
    merged: Option<Merged<'a>>,
}

/// The rest of a merged entity's edges.
struct Merged<'a> {
    me: NodeIndex,
    groups: &'a Groups,
    others: &'a [NodeIndex],
    adj: &'a [Adjacency],
    directed: bool,
    reverse: bool,
}

impl<const M: bool> Iterator for Steps<'_, M> {
    type Item = (EdgeIndex, NodeIndex, EdgeWeight, bool);

    /// Without merges the step is two slice iterators, inlined into the
    /// searches' inner loops; the merged walk is kept out of line.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if M && self.merged.is_some() {
            return self.next_merged();
        }
        let (a, second) = match self.first.next() {
            Some(a) => (a, false),
            None => (self.second.as_mut()?.next()?, true),
        };
        Some((EdgeIndex::new(a.edge as usize), NodeIndex::new(a.other as usize), a.weight(), second))
    }
}

impl<const M: bool> Steps<'_, M> {
    /// [`Iterator::next`] with merges: the edges of each of the entity's
    /// ids in turn, each far end as its survivor.
    #[inline(never)]
    fn next_merged(&mut self) -> Option<(EdgeIndex, NodeIndex, EdgeWeight, bool)> {
        loop {
            let (a, second) = match self.first.next() {
                Some(a) => (a, false),
                None => match self.second.as_mut().and_then(Iterator::next) {
                    Some(a) => (a, true),
                    None => {
                        // The next merged id's edges, if any.
                        let m = self.merged.as_mut()?;
                        let (&next, rest) = m.others.split_first()?;
                        m.others = rest;
                        let (fwd, back) = lists(m.adj, next, m.reverse);
                        self.first = fwd.iter().rev();
                        self.second = (!m.directed).then(|| back.iter().rev());
                        continue;
                    }
                },
            };
            let m = self.merged.as_ref()?;
            // Each far end as its survivor; a link between two ids of the
            // entity is a link to itself, which a step never takes.
            let v = m.groups.find(NodeIndex::new(a.other as usize));
            if v == m.me {
                continue;
            }
            return Some((EdgeIndex::new(a.edge as usize), v, a.weight(), second));
        }
    }
}

/// A node's leaving and arriving edges (with `reverse`, the other way round).
fn lists(adj: &[Adjacency], n: NodeIndex, reverse: bool) -> (&[Adj], &[Adj]) {
    let (out, inc): (&[Adj], &[Adj]) = match adj.get(n.index()) {
        Some(a) => (&a.out, &a.inc),
        None => (&[], &[]),
    };
    if reverse {
        (inc, out)
    } else {
        (out, inc)
    }
}

impl Projection {
    /// The edges usable from `n` (see [`Steps`]), not yet filtered. With
    /// `groups` (the merges a read sees), `n` is a survivor and its steps
    /// are those of all its ids, each leading to a survivor.
    pub(crate) fn steps<'a, const M: bool>(
        &'a self,
        n: NodeIndex,
        directed: bool,
        reverse: bool,
        groups: Option<&'a Groups>,
    ) -> Steps<'a, M> {
        let (fwd, back) = lists(&self.adj, n, reverse);
        let merged = if M {
            groups.map(|g| Merged { me: n, groups: g, others: g.others(n), adj: &self.adj, directed, reverse })
        } else {
            None
        };
        Steps { first: fwd.iter().rev(), second: (!directed).then(|| back.iter().rev()), merged }
    }

    /// Whether a step from a visible node over an edge of weight `weight` to `v`
    /// passes: the relation is named (when the search names some), holds at
    /// the search's time, and `v` exists. The same answer as `edge_passes`,
    /// given that the node the step leaves exists.
    #[inline]
    pub(crate) fn step_ok(&self, weight: EdgeWeight, v: NodeIndex, search: &Search<'_>, scratch: &mut Scratch) -> bool {
        let (names, t) = (search.names, search.time);
        // The status is on the edge: a filter that costs no read.
        if !t.statuses.contains(weight.status) {
            return false;
        }
        if self.knows_all(t.known_at) {
            // Everything known: the relation's window answers, one small
            // read instead of its events and closes.
            return names.is_none_or(|ns| self.rels.get(weight.rel as usize).is_some_and(|r| ns.contains(&r.name)))
                && self.holds_now(weight.rel, t.as_of)
                && scratch.visible(self, v, t.known_at);
        }
        let rel = &self.rels[weight.rel as usize];
        // A relation starting after `asOf` does not hold whatever its events
        // say: answered from the relation alone, before reading the events.
        names.is_none_or(|ns| ns.contains(&rel.name))
            && t.as_of.is_none_or(|a| rel.valid_from <= a)
            && self.rel_holds(rel, t.as_of, t.known_at)
            && scratch.visible(self, v, t.known_at)
    }
}
