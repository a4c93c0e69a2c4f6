//! The model's answers across time, each the plainest reading of the
//! contract:
//!
//! - a **knowledge diff** is two full reads (every visible edge at one
//!   `asOf`, at `knownAt: from` and at `knownAt: to`) and their difference,
//!   edges compared by event, role and ends;
//! - **connections**: the days on which some edge starts or ends are the
//!   only days connectivity can change, so a breadth-first search on each
//!   of them, in order, says when the two were joined;
//! - a **journey**: every state (entity, day reached, hops taken) a
//!   time-respecting walk can reach, each step taken on the first day its
//!   edge holds on or after the day before; the goal's earliest day, then
//!   fewest hops.

use std::collections::{BTreeSet, VecDeque};

use strata_core::{ClaimStatus, Day, EntityId, Timestamp};

use super::{Edge, EdgeRole, Model};

/// What the model says was learned and withdrawn between two instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeAnswer {
    /// Edges visible at `to` and not at `from`, as read at `to`, sorted.
    pub learned: Vec<Edge>,
    /// Edges visible at `from` and not at `to`, as read at `from`, sorted.
    pub withdrawn: Vec<Edge>,
    /// The positions recorded after `from` and at or before `to`.
    pub events: Vec<u64>,
}

/// What identifies an edge across two reads.
fn key(e: &Edge) -> (u64, EdgeRole, &EntityId, &EntityId) {
    (e.event, e.role, &e.from, &e.to)
}

impl Model {
    /// Edges visible at `to` and not at `from` (both `knownAt`), and the
    /// reverse, at `as_of`, of `statuses`; with `entity`, only the edges
    /// with it at an end. And the events recorded in (`from`, `to`].
    pub fn knowledge_diff(
        &self,
        from: Timestamp,
        to: Timestamp,
        as_of: Option<Day>,
        entity: Option<&EntityId>,
        statuses: &[ClaimStatus],
    ) -> KnowledgeAnswer {
        let before = self.edges(as_of, from, statuses);
        let after = self.edges(as_of, to, statuses);
        let touches = |e: &Edge| entity.is_none_or(|id| e.from == *id || e.to == *id);
        let learned =
            after.iter().filter(|a| touches(a) && !before.iter().any(|b| key(a) == key(b))).cloned().collect();
        let withdrawn =
            before.iter().filter(|b| touches(b) && !after.iter().any(|a| key(a) == key(b))).cloned().collect();
        let events =
            self.log.iter().filter(|l| from < l.recorded_at && l.recorded_at <= to).map(|l| l.position).collect();
        KnowledgeAnswer { learned, withdrawn, events }
    }

    /// The edges a search at `known` may follow: of `statuses`, named in
    /// `names` (all when `None`), on any day.
    fn searchable(&self, known: Timestamp, statuses: &[ClaimStatus], names: Option<&[String]>) -> Vec<Edge> {
        let mut edges = self.edges_any_day(known, statuses);
        edges.retain(|e| names.is_none_or(|ns| ns.contains(&e.name)));
        edges
    }

    /// The fewest hops joining `from` and `to` on `day` at `known`, edges
    /// followed either way, within `max_hops`.
    #[expect(clippy::too_many_arguments, reason = "the model answers with the same arguments the GraphQL field takes")]
    pub fn hops_on(
        &self,
        from: &EntityId,
        to: &EntityId,
        day: Day,
        known: Timestamp,
        max_hops: usize,
        statuses: &[ClaimStatus],
        names: Option<&[String]>,
    ) -> Option<usize> {
        if self.entity(from, None, known).is_none() || self.entity(to, None, known).is_none() {
            return None;
        }
        // Edges read their ends as merge survivors; so do the two asked.
        let (from, to) = (&self.resolve(from, known), &self.resolve(to, known));
        let mut edges = self.edges(Some(day), known, statuses);
        edges.retain(|e| names.is_none_or(|ns| ns.contains(&e.name)));
        let mut seen: BTreeSet<&EntityId> = BTreeSet::from([from]);
        let mut queue: VecDeque<(&EntityId, usize)> = VecDeque::from([(from, 0)]);
        while let Some((at, hops)) = queue.pop_front() {
            if at == to {
                return Some(hops);
            }
            if hops == max_hops {
                continue;
            }
            for e in &edges {
                let next = if e.from == *at {
                    &e.to
                } else if e.to == *at {
                    &e.from
                } else {
                    continue;
                };
                if seen.insert(next) {
                    queue.push_back((next, hops + 1));
                }
            }
        }
        None
    }

    /// The maximal intervals `[from, to)` (`to` `None`: still holds) of
    /// days on which a path of at most `max_hops` joined two distinct
    /// entities at `known`, oldest first.
    pub fn connections(
        &self,
        from: &EntityId,
        to: &EntityId,
        known: Timestamp,
        max_hops: usize,
        statuses: &[ClaimStatus],
        names: Option<&[String]>,
    ) -> Vec<(Day, Option<Day>)> {
        // Two ids of one entity have no connections.
        if self.resolve(from, known) == self.resolve(to, known) {
            return Vec::new();
        }
        let days: BTreeSet<Day> = self
            .searchable(known, statuses, names)
            .iter()
            .flat_map(|e| std::iter::once(e.valid_from).chain(e.valid_to))
            .collect();
        let mut out: Vec<(Day, Option<Day>)> = Vec::new();
        let mut open: Option<Day> = None;
        for &day in &days {
            let joined = self.hops_on(from, to, day, known, max_hops, statuses, names).is_some();
            match (joined, open) {
                (true, None) => open = Some(day),
                (false, Some(start)) => {
                    out.push((start, Some(day)));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            out.push((start, None));
        }
        out
    }

    /// The earliest day a time-respecting walk of at most `max_hops` steps
    /// from `from` reaches `to` at `known`, and the fewest steps that
    /// arrive then: every step on a day its edge holds (edges followed
    /// either way), on or after the day before, all in [`after`, `before`].
    /// `(None, 0)` from an entity to itself.
    #[expect(clippy::too_many_arguments, reason = "the model answers with the same arguments the GraphQL field takes")]
    pub fn journey(
        &self,
        from: &EntityId,
        to: &EntityId,
        after: Option<Day>,
        before: Option<Day>,
        known: Timestamp,
        max_hops: usize,
        statuses: &[ClaimStatus],
        names: Option<&[String]>,
    ) -> Option<(Option<Day>, usize)> {
        if self.entity(from, None, known).is_none() || self.entity(to, None, known).is_none() {
            return None;
        }
        let (from, to) = (&self.resolve(from, known), &self.resolve(to, known));
        if from == to {
            return Some((None, 0));
        }
        let edges = self.searchable(known, statuses, names);
        let start = (from.clone(), after.unwrap_or(Day::MIN), 0usize);
        let mut seen: BTreeSet<(EntityId, Day, usize)> = BTreeSet::from([start.clone()]);
        let mut queue: VecDeque<(EntityId, Day, usize)> = VecDeque::from([start]);
        let mut best: Option<(Day, usize)> = None;
        while let Some((at, day, hops)) = queue.pop_front() {
            if at == *to {
                if best.is_none_or(|b| (day, hops) < b) {
                    best = Some((day, hops));
                }
                continue;
            }
            if hops == max_hops {
                continue;
            }
            for e in &edges {
                let next = if e.from == at {
                    &e.to
                } else if e.to == at {
                    &e.from
                } else {
                    continue;
                };
                let on = day.max(e.valid_from);
                if e.valid_to.is_some_and(|t| on >= t) || before.is_some_and(|b| on > b) {
                    continue;
                }
                let state = (next.clone(), on, hops + 1);
                if seen.insert(state.clone()) {
                    queue.push_back(state);
                }
            }
        }
        best.map(|(day, hops)| (Some(day), hops))
    }
}
