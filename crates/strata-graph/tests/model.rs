//! The projection held against a naive model: for random event sequences and
//! random `asOf`/`knownAt` pairs, the edges the graph shows equal those
//! computed by replaying the log filtered to that pair.

#![expect(clippy::expect_used, reason = "test helpers outside #[test] fns")]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use proptest::prelude::*;
use strata_core::{Day, Effect, Location, RecordedEvent, Timestamp, Vocabulary};
use strata_graph::{Direction, PathQuery, Projection, RelationView, Role, TimeFilter};
use strata_testkit::oplog::{self, date, Op, Pools, Weights};

const POOLS: Pools = Pools { actors: 4, agencies: 3, chips: 2 };

fn op() -> impl Strategy<Value = Op> {
    oplog::op(POOLS, Weights { open: 4, close: 3, mark: 2, redeclare: 1, declare: 1, retract: 1 })
}

/// Builds a log from the ops through `check` and `apply`, as the engine does.
fn build(ops: &[Op]) -> (Projection, Vec<RecordedEvent>) {
    let mut p = Projection::new(Vocabulary::builtin());
    let all = POOLS.entities().len();
    let log = oplog::build(POOLS, all, ops, |rec| {
        p.check(&[(Location::Index(0), &rec.event)]).is_ok() && p.apply(rec).is_ok()
    });
    (p, log)
}

type EdgeKey = (String, Role, String, String, Day, Option<Day>, u64);

fn key(r: &RelationView) -> EdgeKey {
    (r.name.clone(), r.role, r.from.to_string(), r.to.to_string(), r.valid_from, r.valid_to, r.event)
}

/// The naive model: filter the log to `known`, then compute each relation's
/// interval from scratch.
fn naive_edges(log: &[RecordedEvent], as_of: Option<Day>, known: Timestamp) -> BTreeSet<EdgeKey> {
    let vocab = Vocabulary::builtin();
    let retracted: BTreeSet<_> =
        log.iter().filter(|r| r.recorded_at <= known).filter_map(|r| r.event.retracts).collect();
    let visible: Vec<&RecordedEvent> =
        log.iter().filter(|r| r.recorded_at <= known && !retracted.contains(&r.event.id)).collect();
    // An entity is in the graph while a visible event declares or names it.
    let exists: BTreeSet<String> = visible.iter().flat_map(|r| r.event.refs().map(|x| x.id.to_string())).collect();
    let sorted_about = |r: &RecordedEvent| -> Vec<String> {
        let mut v: Vec<String> = r.event.about.iter().map(|a| a.id.to_string()).collect();
        v.sort();
        v.dedup();
        v
    };
    let mut out = BTreeSet::new();
    for o in &visible {
        let spec = vocab.get(&o.event.kind).expect("known kind");
        let marks = spec.effect == Effect::Marks;
        if !(marks || spec.effect == Effect::Opens) {
            continue;
        }
        let day = o.event.at.start();
        let about = sorted_about(o);
        let valid_to = if marks {
            None
        } else {
            visible
                .iter()
                .filter(|c| {
                    let cs = vocab.get(&c.event.kind).expect("known kind");
                    cs.effect == Effect::Closes
                        && cs.relation == spec.relation
                        && c.event.subject.id == o.event.subject.id
                        && c.event.object.as_ref().map(|x| &x.id) == o.event.object.as_ref().map(|x| &x.id)
                        && c.event.at.start() >= day
                        && (c.event.about.is_empty() || sorted_about(c) == about)
                })
                .map(|c| c.event.at.start())
                .min()
        };
        let holds = match (marks, as_of) {
            (true, None) => true,
            (true, Some(a)) => day <= a,
            (false, None) => valid_to.is_none(),
            (false, Some(a)) => day <= a && valid_to.is_none_or(|t| t > a),
        };
        if !holds {
            continue;
        }
        let name = spec.relation.clone().expect("relation");
        let s = o.event.subject.id.to_string();
        let obj = o.event.object.as_ref().map(|x| x.id.to_string());
        let mut edge = |role: Role, from: &str, to: &str| {
            if from != to && exists.contains(from) && exists.contains(to) {
                out.insert((name.clone(), role, from.to_string(), to.to_string(), day, valid_to, o.position));
            }
        };
        if let Some(obj) = &obj {
            edge(Role::SubjectObject, &s, obj);
        }
        for a in &about {
            edge(Role::About, &s, a);
            if let Some(obj) = &obj {
                edge(Role::About, obj, a);
            }
        }
    }
    out
}

fn graph_edges(p: &Projection, t: TimeFilter) -> BTreeSet<EdgeKey> {
    let mut out = BTreeSet::new();
    for (id, _) in POOLS.entities() {
        let id = strata_core::EntityId::parse(&id).expect("slug");
        for r in p.relations(&id, t, Direction::Out, None) {
            out.insert(key(&r));
        }
    }
    out
}

/// Hop count of a shortest undirected path over the naive edges.
fn naive_distance(edges: &BTreeSet<EdgeKey>, from: &str, to: &str, max: usize) -> Option<usize> {
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (_, _, a, b, ..) in edges {
        adj.entry(a).or_default().push(b);
        adj.entry(b).or_default().push(a);
    }
    let mut dist = BTreeMap::from([(from, 0usize)]);
    let mut q = VecDeque::from([from]);
    while let Some(u) = q.pop_front() {
        if u == to {
            return Some(dist[u]);
        }
        if dist[u] == max {
            continue;
        }
        for &v in adj.get(u).map(Vec::as_slice).unwrap_or(&[]) {
            if !dist.contains_key(v) {
                dist.insert(v, dist[u] + 1);
                q.push_back(v);
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn projection_matches_naive_replay(
        ops in proptest::collection::vec(op(), 1..60),
        probes in proptest::collection::vec((proptest::option::of(-2..32i32), 0..80i64), 1..12),
    ) {
        let (p, log) = build(&ops);
        for (as_of, known) in probes {
            let as_of = as_of.and_then(|d| Day::parse(&date(d)).ok());
            let known = if known >= 70 { Timestamp::MAX } else { Timestamp(1_000_000 * known) };
            let t = TimeFilter::at(as_of, known);
            let want = naive_edges(&log, as_of, known);
            prop_assert_eq!(graph_edges(&p, t), want.clone(), "asOf {:?} knownAt {:?}", as_of, known);

            // Shortest paths agree on length with a naive BFS over the same edges.
            let q = PathQuery { time: t, max_hops: 4, relations: None, directed: false };
            for (from, to) in [("a0", "c1"), ("g0", "a3"), ("a1", "g2")] {
                let (f, e) = (from.parse().expect("slug"), to.parse().expect("slug"));
                let got = p.path(&f, &e, &q).map(|path| path.hops());
                prop_assert_eq!(got, naive_distance(&want, from, to, 4), "{} -> {}", from, to);
                if let Some(h) = got {
                    let all = p.paths(&f, &e, &q, 50);
                    prop_assert!(!all.is_empty());
                    prop_assert_eq!(all[0].hops(), h);
                    prop_assert!(all.windows(2).all(|w| w[0].hops() <= w[1].hops()));
                }
            }
        }
        // The diff between two dates is the difference of the two edge sets.
        let (d1, d2) = (Day::parse(&date(5)).expect("date"), Day::parse(&date(20)).expect("date"));
        let diff = p.diff(d1, d2, Timestamp::MAX, strata_core::StatusSet::BELIEVED);
        let before = naive_edges(&log, Some(d1), Timestamp::MAX);
        let after = naive_edges(&log, Some(d2), Timestamp::MAX);
        let added: BTreeSet<_> = diff.added.iter().map(key).map(|k| (k.0, k.1, k.2, k.3, k.4, k.6)).collect();
        let removed: BTreeSet<_> = diff.removed.iter().map(key).map(|k| (k.0, k.1, k.2, k.3, k.4, k.6)).collect();
        let strip = |s: &BTreeSet<EdgeKey>| s.iter().map(|k| (k.0.clone(), k.1, k.2.clone(), k.3.clone(), k.4, k.6)).collect::<BTreeSet<_>>();
        let (b, a) = (strip(&before), strip(&after));
        prop_assert_eq!(added, a.difference(&b).cloned().collect::<BTreeSet<_>>());
        prop_assert_eq!(removed, b.difference(&a).cloned().collect::<BTreeSet<_>>());
    }
}
