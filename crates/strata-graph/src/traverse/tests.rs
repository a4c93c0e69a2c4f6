//! The traversals held against the plain searches they replaced
//! (`reference.rs`), answer for answer, on random logs with openings,
//! closings, marks, redeclarations and retractions, at random
//! `asOf`/`knownAt`, directed or not, with and without relation filters.

use proptest::prelude::*;
use strata_core::{Day, EntityId, Location, Timestamp, Vocabulary};
use strata_testkit::oplog::{self, date, Op, Pools, Weights};

use crate::view::{NeighborhoodQuery, PathQuery, TimeFilter};
use crate::Projection;

const POOLS: Pools = Pools { actors: 24, agencies: 4, chips: 4 };

fn op() -> impl Strategy<Value = Op> {
    oplog::op(POOLS, Weights { open: 8, close: 3, mark: 4, redeclare: 1, declare: 1, retract: 2 })
}

/// A projection of the ops, through `check` and `apply` as the engine does.
/// The first `declared` entities are declared up front; the others only by
/// an operation.
fn build(ops: &[Op], declared: usize) -> Projection {
    let mut p = Projection::new(Vocabulary::builtin());
    oplog::build(POOLS, declared, ops, |rec| {
        p.check(&[(Location::Index(0), &rec.event)]).is_ok() && p.apply(rec).is_ok()
    });
    p
}

fn id(i: usize) -> EntityId {
    let all = POOLS.entities();
    all[i % all.len()].0.parse().expect("slug")
}

#[derive(Debug, Clone)]
struct Probe {
    from: usize,
    to: usize,
    as_of: Option<i32>,
    known: Option<i64>,
    directed: bool,
    names: Option<Vec<usize>>,
    max_hops: usize,
    limit: usize,
}

fn probe() -> impl Strategy<Value = Probe> {
    (
        (0..32usize, 0..32usize),
        proptest::option::of(-2..32i32),
        proptest::option::weighted(0.6, 0..120i64),
        any::<bool>(),
        proptest::option::weighted(0.3, proptest::collection::vec(0..8usize, 1..4)),
        0..9usize,
        1..30usize,
    )
        .prop_map(|((from, to), as_of, known, directed, names, max_hops, limit)| Probe {
            from,
            to,
            as_of,
            known,
            directed,
            names,
            max_hops,
            limit,
        })
}

fn check(p: &Projection, pr: &Probe) -> Result<(), TestCaseError> {
    let names: Vec<String> = p.vocabulary().relations().into_iter().map(str::to_owned).collect();
    let relations = pr
        .names
        .as_ref()
        .map(|ns| ns.iter().map(|&i| names.get(i).cloned().unwrap_or_else(|| "nothing".into())).collect::<Vec<_>>());
    let t = TimeFilter::at(
        pr.as_of.map(|d| Day::parse(&date(d)).expect("date")),
        pr.known.map_or(Timestamp::MAX, |k| Timestamp(1_000_000 * k)),
    );
    let q = PathQuery { time: t, max_hops: pr.max_hops, relations: relations.clone(), directed: pr.directed };
    let (a, b) = (id(pr.from), id(pr.to));
    prop_assert_eq!(p.path(&a, &b, &q), p.path_reference(&a, &b, &q), "path {:?}", pr);
    prop_assert_eq!(p.paths(&a, &b, &q, pr.limit), p.paths_reference(&a, &b, &q, pr.limit), "paths {:?}", pr);
    let hops = pr.max_hops.min(4);
    let hq = NeighborhoodQuery { time: t, hops, relations: relations.clone() };
    let hood = p.neighborhood(&a, &hq);
    prop_assert_eq!(&hood, &p.neighborhood_reference(&a, hops, t, relations.as_deref()), "neighborhood {:?}", pr);
    let nodes = p.neighborhood_nodes(&a, &hq);
    prop_assert_eq!(&nodes, &hood.as_ref().map(|h| h.nodes.clone()), "neighborhood_nodes {:?}", pr);
    let ids = p.neighborhood_ids(&a, &hq);
    prop_assert_eq!(
        ids,
        hood.map(|h| h.nodes.into_iter().map(|n| n.id).collect::<Vec<_>>()),
        "neighborhood_ids {:?}",
        pr
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn traversals_match_the_plain_searches(
        ops in proptest::collection::vec(op(), 0..90),
        declared in 20..=32usize,
        probes in proptest::collection::vec(probe(), 1..16),
    ) {
        let p = build(&ops, declared);
        for pr in &probes {
            check(&p, pr)?;
        }
    }
}

/// Denser graphs, so that both search directions and long detours happen.
#[test]
fn dense_graphs_match_too() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 60, ..ProptestConfig::default() });
    runner
        .run(
            &(proptest::collection::vec(op(), 150..400), proptest::collection::vec(probe(), 20..40)),
            |(ops, probes)| {
                let p = build(&ops, 32);
                for pr in &probes {
                    check(&p, pr)?;
                }
                Ok(())
            },
        )
        .unwrap();
}

/// Sparse graphs of investments between actors: long paths, where both
/// sides of the search grow and dead ends must be backed out of.
#[test]
fn sparse_graphs_match_too() {
    let ops = proptest::collection::vec(
        prop_oneof![
            10 => (0..24usize, 0..24usize, 0..30i32).prop_map(|(s, o, day)| Op::Open { kind: 2, s, o, about: Vec::new(), day }),
            2 => (0..24usize, 0..24usize, 0..30i32).prop_map(|(s, o, day)| Op::Close { kind: 2, s, o, about: Vec::new(), day }),
            1 => (1..12usize).prop_map(|back| Op::Retract { back }),
        ],
        10..60,
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 300, ..ProptestConfig::default() });
    runner
        .run(&(ops, proptest::collection::vec(probe(), 20..40)), |(ops, probes)| {
            let p = build(&ops, 24);
            for pr in &probes {
                let pr =
                    Probe { from: pr.from % 24, to: pr.to % 24, max_hops: pr.max_hops + 3, names: None, ..pr.clone() };
                check(&p, &pr)?;
            }
            Ok(())
        })
        .unwrap();
}
