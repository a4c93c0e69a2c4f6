//! Evidence: which events state the same relation, who disputes what, and
//! where sources disagree.
//!
//! Two events state the same relation when they open or mark the same
//! relation name from the same subject to the same object about the same
//! set of entities (their *key*). Each still gives its own relation; these
//! reads gather them. A close does not state its relation, so it is in no
//! key's group; a denial of a close is recorded by disputing it.

use petgraph::stable_graph::NodeIndex;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use strata_core::{ClaimStatus, Day, Event, Timestamp};

use crate::projection::{Ix, Projection, Rel};
use crate::view::{Disagreement, DisagreementFilter, DisagreementReason, TimeFilter};

/// Where an event stands in valid-time order, then log order.
type Order = (Day, Ix);

/// A relation's key: name, subject, object, about-set.
type ClaimKey = (u16, NodeIndex, Option<NodeIndex>, SmallVec<[NodeIndex; 2]>);

/// Whether two events stating the same relation give conflicting values:
/// both name a publisher, the publishers differ, and their `attrs` give
/// different values for a key they share.
pub fn values_conflict(a: &Event, b: &Event) -> bool {
    let publisher = |e: &Event| e.source.as_ref().and_then(|s| s.publisher.clone());
    let (Some(pa), Some(pb)) = (publisher(a), publisher(b)) else { return false };
    pa != pb && a.attrs.iter().any(|(k, va)| b.attrs.get(k).is_some_and(|vb| vb != va))
}

impl Projection {
    /// The relation the event `ix` opened or marked, if any.
    pub(crate) fn rel_of(&self, ix: Ix) -> Option<&Rel> {
        // Relations are added in log order, so they are sorted by event.
        let r = self.rels.binary_search_by_key(&ix, |r| r.event).ok()?;
        self.rels.get(r)
    }

    fn ix_of(&self, position: u64) -> Option<Ix> {
        let ix = Ix::try_from(position.checked_sub(1)?).ok()?;
        ((ix as usize) < self.events.len()).then_some(ix)
    }

    /// The positions of the events that dispute the event at `position`
    /// and are visible at `known` (recorded by then, not retracted by
    /// then), in log order. A dispute recorded later is not seen before it
    /// was recorded, and a retracted one not after its retraction.
    pub fn disputed_by(&self, position: u64, known: Timestamp) -> Vec<u64> {
        let Some(ix) = self.ix_of(position) else { return Vec::new() };
        self.disputed_by
            .get(&ix)
            .map(|by| by.iter().filter(|&&d| self.event_visible(d, known)).map(|&d| u64::from(d) + 1).collect())
            .unwrap_or_default()
    }

    /// The positions of the events stating the same relation (the same
    /// key) as the relation the event at `position` opened or marked, whose
    /// relations pass `t` as a traversal would show them (status, `asOf`,
    /// `knownAt`, both ends visible), in log order. Empty when that event
    /// opened or marked no relation.
    pub fn relation_sources(&self, position: u64, t: TimeFilter) -> Vec<u64> {
        let Some(rel) = self.ix_of(position).and_then(|ix| self.rel_of(ix)) else { return Vec::new() };
        let about = self.nodes_of(rel.about);
        self.graph[rel.subject]
            .events
            .iter()
            .filter_map(|&ix| self.rel_of(ix))
            .filter(|r| {
                r.name == rel.name
                    && r.subject == rel.subject
                    && r.object == rel.object
                    && self.nodes_of(r.about) == about
                    && t.statuses.contains(self.events[r.event as usize].status)
                    && self.rel_holds(r, t.as_of, t.known_at)
                    && self.node_visible(r.subject, t.known_at)
                    && r.object.is_none_or(|o| self.node_visible(o, t.known_at))
            })
            .map(|r| u64::from(r.event) + 1)
            .collect()
    }

    /// Whether the event is visible at `known` and, with `as_of`, then in
    /// valid time: a relation's event while its relation holds (whatever
    /// its status), any other event from its date on.
    fn evidence_visible(&self, ix: Ix, as_of: Option<Day>, known: Timestamp) -> bool {
        if !self.event_visible(ix, known) {
            return false;
        }
        let Some(a) = as_of else { return true };
        match self.rel_of(ix) {
            Some(rel) => self.rel_holds(rel, Some(a), known),
            None => self.events[ix as usize].day <= a,
        }
    }

    /// Whether the event names the entity (in any field).
    fn event_names(&self, ix: Ix, entity: Option<NodeIndex>) -> bool {
        entity.is_none_or(|n| self.graph[n].events.binary_search(&ix).is_ok())
    }

    /// Where sources disagree, at the filter's times:
    ///
    /// - `Disputed`: each visible event that disputes others, with each
    ///   visible event it names;
    /// - `Denied`: each visible `denied` event stating a relation, with
    ///   each visible event of another status stating the same relation;
    /// - `ConflictingValues`: two visible events stating the same relation
    ///   for which `conflict` (given their positions) says their values
    ///   conflict: see [`values_conflict`], which needs the events' sources
    ///   and attributes, kept in the log rather than here.
    ///
    /// `entity` keeps the pairs where either event names it, `from`/`to`
    /// those where either event's valid time starts in the range, `as_of`
    /// those whose events are both visible then. Ordered by the earlier
    /// event (valid time, then position), then the later, then the reason.
    pub fn disagreements<E>(
        &self,
        f: &DisagreementFilter,
        mut conflict: impl FnMut(u64, u64) -> Result<bool, E>,
    ) -> Result<Vec<Disagreement>, E> {
        let known = f.known_at.unwrap_or(Timestamp::MAX);
        let entity = match &f.entity {
            Some(id) => match self.node(id, known) {
                Some(n) => Some(n),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let visible = |ix: Ix| self.evidence_visible(ix, f.as_of, known);
        let in_range = |ix: Ix| {
            let d = self.events[ix as usize].day;
            f.from.is_none_or(|from| d >= from) && f.to.is_none_or(|to| d <= to)
        };
        let order = |ix: Ix| (self.events[ix as usize].day, ix);
        let mut out: Vec<(Order, Order, DisagreementReason)> = Vec::new();
        let mut push = |a: Ix, b: Ix, reason: DisagreementReason| {
            if !(in_range(a) || in_range(b)) {
                return;
            }
            let (x, y) = if order(a) <= order(b) { (order(a), order(b)) } else { (order(b), order(a)) };
            out.push((x, y, reason));
        };

        for (&d, targets) in &self.disputes {
            if !visible(d) {
                continue;
            }
            for &t in targets {
                if visible(t) && (self.event_names(d, entity) || self.event_names(t, entity)) {
                    push(d, t, DisagreementReason::Disputed);
                }
            }
        }

        for group in self.claim_groups(entity, visible) {
            for (i, &a) in group.iter().enumerate() {
                for &b in &group[i + 1..] {
                    let (sa, sb) = (self.events[a as usize].status, self.events[b as usize].status);
                    if (sa == ClaimStatus::Denied) != (sb == ClaimStatus::Denied) {
                        push(a, b, DisagreementReason::Denied);
                    }
                    if (in_range(a) || in_range(b)) && conflict(u64::from(a) + 1, u64::from(b) + 1)? {
                        push(a, b, DisagreementReason::ConflictingValues);
                    }
                }
            }
        }

        out.sort_unstable();
        out.dedup();
        Ok(out
            .into_iter()
            .map(|((_, a), (_, b), reason)| Disagreement { events: [u64::from(a) + 1, u64::from(b) + 1], reason })
            .collect())
    }

    /// The events stating the same relation, two or more per group, each
    /// group in log order: of the relations naming `entity` (all when
    /// `None`) whose events pass `keep`.
    fn claim_groups(&self, entity: Option<NodeIndex>, keep: impl Fn(Ix) -> bool) -> Vec<Vec<Ix>> {
        let mut groups: FxHashMap<ClaimKey, Vec<Ix>> = FxHashMap::default();
        let mut add = |rel: &Rel| {
            if keep(rel.event) {
                let key = (rel.name, rel.subject, rel.object, SmallVec::from_slice(self.nodes_of(rel.about)));
                groups.entry(key).or_default().push(rel.event);
            }
        };
        match entity {
            Some(n) => self.graph[n].events.iter().filter_map(|&ix| self.rel_of(ix)).for_each(&mut add),
            None => self.rels.iter().for_each(&mut add),
        }
        let mut out: Vec<Vec<Ix>> = groups.into_values().filter(|g| g.len() > 1).collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::values_conflict;
    use strata_core::{parse_line, Event, Location, Vocabulary};

    fn event(line: &str) -> Event {
        parse_line(line, Location::Line(1), &Vocabulary::builtin()).unwrap().event
    }

    #[test]
    fn notes_are_never_compared_attrs_are() {
        let line = |publisher: &str, n: u32, note: &str| {
            event(&format!(
                r#"{{"kind":"license_granted","at":"2026-01","subject":"us","object":"nv","attrs":{{"destination":"China","n":{n}}},"source":{{"publisher":"{publisher}"}},"note":"{note}"}}"#
            ))
        };
        let (a, b) = (line("A", 1, "no day given"), line("B", 1, "the article says 'earlier in January'"));
        assert!(!values_conflict(&a, &b), "the same attrs under different notes agree");
        assert!(values_conflict(&a, &line("B", 2, "no day given")), "a different value under the same note conflicts");
        assert!(!values_conflict(&a, &line("A", 2, "x")), "one publisher does not disagree with itself");
    }
}
