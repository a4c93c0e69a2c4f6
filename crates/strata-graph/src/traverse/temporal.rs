//! Searches across valid time: when two entities were connected
//! ([`Projection::connections`]) and the earliest-arriving time-respecting
//! path between them ([`Projection::journey`]).
//!
//! Both follow relations either way, about-links included, at one
//! `knownAt`, where each relation holds on the days of one interval
//! `[from, to)` (`to` is `Day::MAX` while open, and for marks).
//!
//! Both run in rounds, one hop per round, from the start: round `h` knows,
//! for every node reached, what `h` hops can give there (the set of days
//! on which a path of at most `h` hops joins it to the start; the earliest
//! day a time-respecting path of at most `h` hops arrives), and extends
//! only the nodes that improved in the round before. A breadth-first
//! search that ignores the days (a relation counts if it holds on any day
//! the search could use) first gives every node's distance to the goal
//! for the nodes near it, so a round steps only where the goal can still
//! be reached in the hops left; like [`Projection::path`], it grows the
//! cheaper side of the two, from the start and from the goal. A journey's
//! round whose possible targets that search knows all of (the nodes within
//! the hops left of the goal) steps into them from their side when their
//! edges are fewer than the frontier's: with hubs, the round before the
//! goal would otherwise read every edge of thousands of nodes to find the
//! goal's few neighbours.

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::NodeIndexable;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use strata_core::{Day, EntityId};

use super::{hop_count, Search};
use crate::merge::Groups;
use crate::projection::{EdgeWeight, Projection};
use crate::scratch::{with_scratch, Scratch, NONE};
use crate::view::{Connection, PathView, TemporalQuery, TimeFilter};

/// Days as half-open intervals `[from, to)`, sorted, disjoint and not
/// touching (`[a, b)` and `[b, c)` are one interval).
type Days = SmallVec<[(Day, Day); 2]>;

/// Adds `[from, to)` to a set of days; whether it grew.
fn add_days(set: &mut Days, from: Day, to: Day) -> bool {
    if from >= to {
        return false;
    }
    // The intervals it touches or overlaps are merged with it.
    let first = set.partition_point(|&(_, end)| end < from);
    let last = set.partition_point(|&(start, _)| start <= to);
    if first < last {
        let (start, end) = (set[first].0.min(from), set[last - 1].1.max(to));
        if first + 1 == last && set[first] == (start, end) {
            return false;
        }
        set.drain(first..last);
        set.insert(first, (start, end));
    } else {
        set.insert(first, (from, to));
    }
    true
}

/// What a relation-level filter of a search accepts of one step.
struct Walk<'n> {
    names: Option<&'n [u16]>,
    query: &'n TemporalQuery,
    /// The merges the read sees, when there are any: steps then go between
    /// survivors, as in every other traversal.
    groups: Option<&'n Groups>,
}

/// The distances a day-blind search found: `fwd` from the start up to
/// `forward` hops, `bwd` to the goal up to `backward` hops (in the
/// scratch's slots); `exact` when the goal's side was searched to its end,
/// so a node without a distance cannot reach the goal at all.
struct Levels {
    backward: u32,
    exact: bool,
    /// The goal's side, by distance: `near[d]` holds the nodes `d` hops
    /// from the goal (`near[0]` is the goal).
    near: Vec<Vec<NodeIndex>>,
}

impl Levels {
    /// Whether a node reached after `hops` hops may still lead to the goal
    /// within `max_hops`.
    fn allows(&self, scratch: &Scratch, v: NodeIndex, hops: u32, max_hops: u32) -> bool {
        let left = max_hops.saturating_sub(hops);
        match scratch.peek(v).bwd {
            NONE => !self.exact && left > self.backward,
            d => d <= left,
        }
    }

    /// Every node that may still lead to the goal in `left` hops, when the
    /// goal's side was searched that far (or to its end): those within
    /// `left` hops of it. `None` when nodes not yet seen might too.
    fn within(&self, left: u32) -> Option<impl Iterator<Item = NodeIndex> + '_> {
        (self.exact || left <= self.backward)
            .then(|| self.near.iter().take(left as usize + 1).flat_map(|level| level.iter().copied()))
    }
}

/// One state of a journey: a node reached on a day, in some hops, and how.
#[derive(Clone, Copy)]
struct Arrival {
    node: NodeIndex,
    day: Day,
    hops: u32,
    /// The arrival it stepped from (`u32::MAX` for the start).
    from: u32,
    edge: EdgeIndex,
}

/// A round of [`Projection::earliest`]: its number, the last day a step
/// may take, the goal, the arrivals so far (each node's best in `best`, the
/// goal's in `found`), and those this round improved (`next`).
struct Round<'a> {
    hops: u32,
    /// Whether the round steps into its targets from their side.
    reverse: bool,
    last: Day,
    goal: NodeIndex,
    arrivals: &'a mut Vec<Arrival>,
    best: &'a mut FxHashMap<NodeIndex, u32>,
    found: &'a mut Option<u32>,
    next: &'a mut Vec<u32>,
}

impl Projection {
    /// The days relation `rel` holds on at `known`, as `[from, to)`, or
    /// `None` when it is not visible then or holds on no day.
    pub(crate) fn rel_days(&self, rel: u32, known: strata_core::Timestamp) -> Option<(Day, Day)> {
        let (from, to) = if self.knows_all(known) {
            let w = self.windows.get(rel as usize)?;
            (w.from, w.to)
        } else {
            let r = self.rels.get(rel as usize)?;
            if !self.event_visible(r.event, known) {
                return None;
            }
            let to = if r.marks { None } else { self.valid_to(r, known).map(|(d, _)| d) };
            (r.valid_from, to.unwrap_or(Day::MAX))
        };
        (from < to).then_some((from, to))
    }

    /// The days a step over an edge of weight `weight` to `v` can be taken
    /// on: its status and name pass, `v` exists, and its relation holds.
    fn step_days(
        &self,
        weight: EdgeWeight,
        v: NodeIndex,
        walk: &Walk<'_>,
        scratch: &mut Scratch,
    ) -> Option<(Day, Day)> {
        let q = walk.query;
        if !q.statuses.contains(weight.status) {
            return None;
        }
        if let Some(ns) = walk.names {
            if !self.rels.get(weight.rel as usize).is_some_and(|r| ns.contains(&r.name)) {
                return None;
            }
        }
        let days = self.rel_days(weight.rel, q.known_at)?;
        scratch.visible(self, v, q.known_at).then_some(days)
    }

    /// The day-blind search from both ends (see the module's
    /// documentation): distances from the start and to the goal over the
    /// steps whose days meet `useful`, as many levels on both sides
    /// together as `max_hops - 1`, each time on the side whose next level
    /// is cheaper.
    fn levels(
        &self,
        start: NodeIndex,
        goal: NodeIndex,
        max_hops: u32,
        walk: &Walk<'_>,
        useful: impl Fn((Day, Day)) -> bool,
        scratch: &mut Scratch,
    ) -> Levels {
        scratch.slot(start).fwd = 0;
        scratch.slot(goal).bwd = 0;
        let mut fwd: Vec<NodeIndex> = vec![start];
        let mut bwd: Vec<NodeIndex> = vec![goal];
        let mut near: Vec<Vec<NodeIndex>> = vec![vec![goal]];
        let node_cost = |n: NodeIndex| self.graph[n].events.len() + 1;
        let (mut forward_cost, mut backward_cost) = (node_cost(start), node_cost(goal));
        let (mut forward, mut backward) = (0u32, 0u32);
        while forward + backward + 1 < max_hops {
            let grow_forward = forward_cost <= backward_cost;
            let frontier = if grow_forward { &fwd } else { &bwd };
            let depth = if grow_forward { forward } else { backward } + 1;
            let mut next = Vec::new();
            let mut cost = 0;
            for &u in frontier {
                for (_, v, weight, _) in self.steps::<true>(u, false, false, walk.groups) {
                    let slot = scratch.peek(v);
                    if (if grow_forward { slot.fwd } else { slot.bwd }) != NONE {
                        continue;
                    }
                    if !self.step_days(weight, v, walk, scratch).is_some_and(&useful) {
                        continue;
                    }
                    let slot = scratch.slot(v);
                    if grow_forward {
                        slot.fwd = depth;
                    } else {
                        slot.bwd = depth;
                    }
                    cost += node_cost(v);
                    next.push(v);
                }
            }
            if grow_forward {
                forward = depth;
                forward_cost = cost;
                fwd = next;
                if fwd.is_empty() {
                    // Nothing further from the start: the rounds stay in what was found.
                    break;
                }
            } else {
                backward = depth;
                backward_cost = cost;
                bwd = next;
                if bwd.is_empty() {
                    return Levels { backward, exact: true, near };
                }
                near.push(bwd.clone());
            }
        }
        Levels { backward, exact: false, near }
    }

    /// The maximal valid-time intervals during which a path of at most
    /// `q.max_hops` joined `from` and `to` at `q.known_at` (relations
    /// followed either way, about-links included, of `q.statuses` and
    /// `q.relations`), oldest first, each with a shortest path on its
    /// first day (the one [`Projection::path`] gives then). Empty when
    /// either is unknown, when they are one entity, or when they never
    /// were connected.
    pub fn connections(&self, from: &EntityId, to: &EntityId, q: &TemporalQuery) -> Vec<Connection> {
        let (Some((start, groups)), Some((goal, _))) = (self.resolved(from, q.known_at), self.resolved(to, q.known_at))
        else {
            return Vec::new();
        };
        let max_hops = hop_count(q.max_hops);
        if start == goal || max_hops == 0 {
            return Vec::new();
        }
        let names = self.names_filter(q.relations.as_deref());
        let groups = (!groups.is_empty()).then_some(&*groups);
        let walk = Walk { names: names.as_deref(), query: q, groups };
        let days = with_scratch(self.graph.node_bound(), |scratch| {
            let levels = self.levels(start, goal, max_hops, &walk, |_| true, scratch);
            self.connected_days(start, goal, max_hops, &walk, &levels, scratch)
        });
        days.into_iter()
            .filter_map(|(first, end)| {
                let time = TimeFilter { as_of: Some(first), known_at: q.known_at, statuses: q.statuses };
                let search = Search { directed: false, names: names.as_deref(), time, groups };
                let edges = with_scratch(self.graph.node_bound(), |scratch| {
                    super::by_merges!(search, self.shortest(start, goal, max_hops, search, scratch))
                })?;
                let path = self.path_view(start, &edges, time)?;
                Some(Connection { valid_from: first, valid_to: (end != Day::MAX).then_some(end), path })
            })
            .collect()
    }

    /// The days on which a path of at most `max_hops` joins the two:
    /// round `h` carries, for each node whose days grew in round `h - 1`,
    /// those days over each step, keeping the days the step's relation
    /// holds on.
    fn connected_days(
        &self,
        start: NodeIndex,
        goal: NodeIndex,
        max_hops: u32,
        walk: &Walk<'_>,
        levels: &Levels,
        scratch: &mut Scratch,
    ) -> Days {
        // Each node's days, by node; the start's are every day.
        let mut reached: FxHashMap<NodeIndex, (Days, u32)> = FxHashMap::default();
        let mut frontier: Vec<(NodeIndex, Days)> = vec![(start, SmallVec::from_slice(&[(Day::MIN, Day::MAX)]))];
        for hops in 1..=max_hops {
            let mut grown: Vec<NodeIndex> = Vec::new();
            for (u, days) in &frontier {
                for (_, v, weight, _) in self.steps::<true>(*u, false, false, walk.groups) {
                    if v == start || !levels.allows(scratch, v, hops, max_hops) {
                        continue;
                    }
                    let Some((from, to)) = self.step_days(weight, v, walk, scratch) else { continue };
                    let entry = reached.entry(v).or_insert_with(|| (Days::new(), 0));
                    let mut grew = false;
                    for &(a, b) in days {
                        grew |= add_days(&mut entry.0, a.max(from), b.min(to));
                    }
                    if grew && entry.1 != hops && v != goal && hops < max_hops {
                        entry.1 = hops;
                        grown.push(v);
                    }
                }
            }
            frontier = grown.into_iter().filter_map(|v| reached.get(&v).map(|(d, _)| (v, d.clone()))).collect();
            if frontier.is_empty() {
                break;
            }
        }
        reached.remove(&goal).map(|(d, _)| d).unwrap_or_default()
    }

    /// The time-respecting path from `from` to `to` that arrives earliest,
    /// of at most `q.max_hops` steps (ties: fewer steps), at `q.known_at`:
    /// each step follows a relation (either way, about-links included, of
    /// `q.statuses` and `q.relations`) on a day it holds, on or after the
    /// day of the step before, all in [`q.after`, `q.before`]; each step's
    /// `at` is the earliest day it can be taken. A path of no steps from
    /// an entity to itself; `None` when either is unknown or no such path
    /// exists.
    pub fn journey(&self, from: &EntityId, to: &EntityId, q: &TemporalQuery) -> Option<PathView> {
        let (start, groups) = self.resolved(from, q.known_at)?;
        let (goal, _) = self.resolved(to, q.known_at)?;
        if start == goal {
            return Some(PathView { steps: Vec::new() });
        }
        let max_hops = hop_count(q.max_hops);
        let first = q.after.unwrap_or(Day::MIN);
        let last = q.before.unwrap_or(Day::MAX);
        if max_hops == 0 || first > last {
            return None;
        }
        let names = self.names_filter(q.relations.as_deref());
        let groups = (!groups.is_empty()).then_some(&*groups);
        let walk = Walk { names: names.as_deref(), query: q, groups };
        let arrivals = with_scratch(self.graph.node_bound(), |scratch| {
            // A relation helps only if it holds on a day in [first, last].
            let useful = |(a, b): (Day, Day)| b > first && a <= last;
            let levels = self.levels(start, goal, max_hops, &walk, useful, scratch);
            self.earliest(start, goal, (first, last), max_hops, &walk, &levels, scratch)
        })?;
        let mut steps = Vec::with_capacity(arrivals.len());
        let mut at = start;
        for a in arrivals {
            let time = TimeFilter { as_of: Some(a.day), known_at: q.known_at, statuses: q.statuses };
            let mut view = self.path_view(at, &[(a.edge, a.node)], time)?;
            let mut step = view.steps.pop()?;
            step.at = Some(a.day);
            steps.push(step);
            at = a.node;
        }
        Some(PathView { steps })
    }

    /// Earliest arrival by rounds: round `h` steps from every node whose
    /// earliest arrival improved in round `h - 1`, so after it each node
    /// holds the earliest day a path of at most `h` steps reaches it. A
    /// step from a node reached on day `d` over a relation holding on
    /// `[a, b)` is taken on `max(d, a)`, if that is before `b` and not
    /// after `last`. The goal's arrivals, from the start, or `None`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the search state is threaded through the rounds, as `levels` and `connected_days` take it"
    )]
    fn earliest(
        &self,
        start: NodeIndex,
        goal: NodeIndex,
        (first, last): (Day, Day),
        max_hops: u32,
        walk: &Walk<'_>,
        levels: &Levels,
        scratch: &mut Scratch,
    ) -> Option<Vec<Arrival>> {
        const NO: u32 = u32::MAX;
        let mut arrivals: Vec<Arrival> =
            vec![Arrival { node: start, day: first, hops: 0, from: NO, edge: EdgeIndex::end() }];
        // Each node's latest (so earliest-day) arrival.
        let mut best: FxHashMap<NodeIndex, u32> = FxHashMap::default();
        let mut frontier: Vec<u32> = vec![0];
        let mut found: Option<u32> = None;
        for hops in 1..=max_hops {
            let mut next: Vec<u32> = Vec::new();
            let mut round = Round {
                hops,
                reverse: false,
                last,
                goal,
                arrivals: &mut arrivals,
                best: &mut best,
                found: &mut found,
                next: &mut next,
            };
            // The nodes this round may reach, when the goal's side knows them all: stepping
            // into them from their side is cheaper when their edges are fewer than the frontier's.
            let targets = levels.within(max_hops - hops).filter(|_| hops > 1).map(|t| t.collect::<Vec<_>>());
            let cost = |nodes: &mut dyn Iterator<Item = NodeIndex>| -> usize {
                nodes.map(|n| self.graph[n].events.len() + 1).sum()
            };
            match targets {
                Some(targets)
                    if cost(&mut targets.iter().copied())
                        < cost(&mut frontier.iter().map(|&i| round.arrivals[i as usize].node)) =>
                {
                    round.reverse = true;
                    // The frontier's arrivals by node, as the round began (a step may improve a
                    // frontier node's arrival before another step leaves from it).
                    let from: FxHashMap<NodeIndex, u32> =
                        frontier.iter().map(|&i| (round.arrivals[i as usize].node, i)).collect();
                    for v in targets {
                        if v == start {
                            continue;
                        }
                        for (e, u, weight, _) in self.steps::<true>(v, false, false, walk.groups) {
                            if let Some(&i) = from.get(&u) {
                                self.relax(&mut round, i, e, v, weight, walk, scratch);
                            }
                        }
                    }
                }
                _ => {
                    for &i in &frontier {
                        let u = round.arrivals[i as usize].node;
                        for (e, v, weight, _) in self.steps::<true>(u, false, false, walk.groups) {
                            if v == start || !levels.allows(scratch, v, hops, max_hops) {
                                continue;
                            }
                            self.relax(&mut round, i, e, v, weight, walk, scratch);
                        }
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        let mut path = Vec::new();
        let mut at = found?;
        while at != NO {
            let a = arrivals[at as usize];
            if a.from == NO {
                break;
            }
            path.push(a);
            at = a.from;
        }
        path.reverse();
        Some(path)
    }

    /// One step of a round of [`Projection::earliest`]: from arrival `i`
    /// over edge `e` to `v`, taken on the first day the relation holds
    /// from that arrival's day; kept if it reaches `v` earlier than before
    /// (and arrives before the goal's best).
    #[expect(clippy::too_many_arguments, reason = "the search state of `earliest`, which each step continues")]
    fn relax(
        &self,
        round: &mut Round<'_>,
        i: u32,
        e: EdgeIndex,
        v: NodeIndex,
        weight: EdgeWeight,
        walk: &Walk<'_>,
        scratch: &mut Scratch,
    ) {
        let Some((from, to)) = self.step_days(weight, v, walk, scratch) else { return };
        let day = round.arrivals[i as usize].day;
        let at = day.max(from);
        if at >= to || at > round.last {
            return;
        }
        let hops = round.hops;
        // Nothing that arrives on or after the goal's day can do better (but a tie at the goal,
        // stepped into from its side, is settled below as the frontier's side would settle it).
        let tie_at_goal = round.reverse && v == round.goal;
        if round.found.is_some_and(|g| {
            at > round.arrivals[g as usize].day || (at == round.arrivals[g as usize].day && !tie_at_goal)
        }) {
            return;
        }
        let arrival = Arrival { node: v, day: at, hops, from: i, edge: e };
        let slot = match round.best.get(&v) {
            Some(&b) if round.arrivals[b as usize].day < at => return,
            Some(&b) if round.arrivals[b as usize].day == at => {
                // Equal days: the earlier round's arrival, or the step the frontier's side takes first.
                let a = round.arrivals[b as usize];
                if !(round.reverse && a.hops == hops && self.steps_first(round, (i, e), (a.from, a.edge), walk)) {
                    return;
                }
                round.arrivals[b as usize] = arrival;
                b
            }
            Some(&b) if round.arrivals[b as usize].hops == hops => {
                round.arrivals[b as usize] = arrival;
                b
            }
            _ => {
                round.arrivals.push(arrival);
                let b = (round.arrivals.len() - 1) as u32;
                round.best.insert(v, b);
                if v != round.goal {
                    round.next.push(b);
                }
                b
            }
        };
        if v == round.goal {
            *round.found = Some(slot);
        }
    }
}

impl Projection {
    /// Whether the step from arrival `i` over edge `e` comes before the
    /// step from arrival `j` over edge `f` in the order a round stepping
    /// out of its frontier takes them: by frontier (arrivals are numbered
    /// in the order the frontier lists them), then in the order of the
    /// node's steps.
    fn steps_first(
        &self,
        round: &Round<'_>,
        (i, e): (u32, EdgeIndex),
        (j, f): (u32, EdgeIndex),
        walk: &Walk<'_>,
    ) -> bool {
        if i != j {
            return i < j;
        }
        let u = round.arrivals[i as usize].node;
        self.steps::<true>(u, false, false, walk.groups).map(|(edge, ..)| edge).find(|&edge| edge == e || edge == f)
            == Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i32) -> Day {
        Day(n)
    }

    #[test]
    fn days_merge_when_they_touch_or_overlap() {
        let mut s = Days::new();
        assert!(add_days(&mut s, d(10), d(20)));
        assert!(add_days(&mut s, d(30), d(40)));
        assert!(!add_days(&mut s, d(12), d(18)));
        assert!(!add_days(&mut s, d(5), d(5)));
        assert_eq!(s.as_slice(), &[(d(10), d(20)), (d(30), d(40))]);
        assert!(add_days(&mut s, d(20), d(25)));
        assert_eq!(s.as_slice(), &[(d(10), d(25)), (d(30), d(40))]);
        assert!(add_days(&mut s, d(0), d(50)));
        assert_eq!(s.as_slice(), &[(d(0), d(50))]);
        assert!(add_days(&mut s, d(60), Day::MAX));
        assert!(add_days(&mut s, d(-5), d(0)));
        assert_eq!(s.as_slice(), &[(d(-5), d(50)), (d(60), Day::MAX)]);
    }
}
