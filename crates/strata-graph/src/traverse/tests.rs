//! The traversals held against the plain searches they replaced
//! (`reference.rs`), answer for answer, on random logs with openings,
//! closings, marks, redeclarations and retractions, at random
//! `asOf`/`knownAt`, directed or not, with and without relation filters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::json;
use strata_core::{parse_value, Day, EntityId, Location, RecordedEvent, Timestamp, Vocabulary};

use crate::view::{PathQuery, TimeFilter};
use crate::Projection;

const ACTORS: usize = 24;
const AGENCIES: usize = 4;
const CHIPS: usize = 4;

fn actor(i: usize) -> String {
    format!("a{}", i % ACTORS)
}
fn agency(i: usize) -> String {
    format!("g{}", i % AGENCIES)
}
fn chip(i: usize) -> String {
    format!("c{}", i % CHIPS)
}

fn all_ids() -> Vec<String> {
    (0..ACTORS).map(actor).chain((0..AGENCIES).map(agency)).chain((0..CHIPS).map(chip)).collect()
}

#[derive(Debug, Clone)]
enum Op {
    /// kind 0..3: approval (agency → actor), ban (agency → chip), investment (actor → actor).
    Open {
        kind: usize,
        s: usize,
        o: usize,
        about: Vec<usize>,
        day: i32,
    },
    Close {
        kind: usize,
        s: usize,
        o: usize,
        about: Vec<usize>,
        day: i32,
    },
    /// kind 0..2: letter (actor → agency), order (actor → chip).
    Mark {
        kind: usize,
        s: usize,
        o: usize,
        about: Vec<usize>,
        day: i32,
    },
    Redeclare {
        entity: usize,
        day: i32,
    },
    Declare {
        entity: usize,
    },
    Retract {
        back: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let about = proptest::collection::vec(0..CHIPS, 0..3);
    prop_oneof![
        8 => (0..3usize, 0..24usize, 0..24usize, about.clone(), 0..30i32)
            .prop_map(|(kind, s, o, about, day)| Op::Open { kind, s, o, about, day }),
        3 => (0..3usize, 0..24usize, 0..24usize, about.clone(), 0..30i32)
            .prop_map(|(kind, s, o, about, day)| Op::Close { kind, s, o, about, day }),
        4 => (0..2usize, 0..24usize, 0..24usize, about, 0..30i32)
            .prop_map(|(kind, s, o, about, day)| Op::Mark { kind, s, o, about, day }),
        1 => (0..32usize, 0..30i32).prop_map(|(entity, day)| Op::Redeclare { entity, day }),
        1 => (0..32usize).prop_map(|entity| Op::Declare { entity }),
        2 => (1..12usize).prop_map(|back| Op::Retract { back }),
    ]
}

fn date(day: i32) -> String {
    Day(Day::from_ymd(2025, 1, 1).map_or(0, |d| d.0) + day).to_string()
}

fn ty(id: &str) -> &'static str {
    match id.as_bytes()[0] {
        b'a' => "actor",
        b'g' => "agency",
        _ => "chip",
    }
}

fn to_json(op: &Op, log: &[RecordedEvent]) -> Option<serde_json::Value> {
    const OPENS: [(&str, &str); 3] = [
        ("approval_granted", "approval_revoked"),
        ("ban_imposed", "ban_lifted"),
        ("investment_made", "investment_exited"),
    ];
    let ends = |kind: usize, s: usize, o: usize| match kind {
        0 => (agency(s), actor(o)),
        1 => (agency(s), chip(o)),
        _ => (actor(s), actor(o)),
    };
    let about = |a: &[usize]| a.iter().map(|&i| chip(i)).collect::<Vec<_>>();
    Some(match op {
        Op::Open { kind, s, o, about: a, day } => {
            let (s, o) = ends(*kind, *s, *o);
            json!({"kind": OPENS[*kind].0, "at": date(*day), "subject": s, "object": o, "about": about(a)})
        }
        Op::Close { kind, s, o, about: a, day } => {
            let (s, o) = ends(*kind, *s, *o);
            json!({"kind": OPENS[*kind].1, "at": date(*day), "subject": s, "object": o, "about": about(a)})
        }
        Op::Mark { kind, s, o, about: a, day } => {
            let (k, o) = if *kind == 0 { ("letter_sent", agency(*o)) } else { ("order_placed", chip(*o)) };
            json!({"kind": k, "at": date(*day), "subject": actor(*s), "object": o, "about": about(a)})
        }
        Op::Redeclare { entity, day } => {
            let id = &all_ids()[*entity];
            json!({"kind": "entity_declared", "at": date(*day), "subject": {"id": id, "type": ty(id), "name": format!("{id}-{day}")}})
        }
        Op::Declare { entity } => {
            let id = &all_ids()[*entity];
            json!({"kind": "entity_declared", "at": "2025", "subject": {"id": id, "type": ty(id)}})
        }
        Op::Retract { back } => {
            let target = log.len().checked_sub(*back)?;
            json!({"kind": "event_retracted", "at": date(0), "subject": "a0", "retracts": log[target].event.id.to_string()})
        }
    })
}

/// A projection of the ops, through `check` and `apply` as the engine does.
/// Most entities are declared up front; some only by a `Declare` op.
fn build(ops: &[Op], declared: usize) -> (Projection, usize) {
    let vocab = Vocabulary::builtin();
    let mut p = Projection::new(vocab.clone());
    let mut log: Vec<RecordedEvent> = Vec::new();
    let push = |p: &mut Projection, log: &mut Vec<RecordedEvent>, v: serde_json::Value| {
        let parsed = parse_value(&v, Location::Index(log.len()), &vocab).expect("well-formed");
        if p.check(&[(Location::Index(0), &parsed.event)]).is_err() {
            return;
        }
        let rec = RecordedEvent {
            position: log.len() as u64 + 1,
            recorded_at: Timestamp(1_000_000 * (log.len() as i64 + 1)),
            event: parsed.event,
        };
        p.apply(&rec).expect("checked events apply");
        log.push(rec);
    };
    for id in all_ids().iter().take(declared) {
        push(&mut p, &mut log, json!({"kind": "entity_declared", "at": "2025", "subject": {"id": id, "type": ty(id)}}));
    }
    for op in ops {
        if let Some(v) = to_json(op, &log) {
            push(&mut p, &mut log, v);
        }
    }
    let n = log.len();
    (p, n)
}

fn id(i: usize) -> EntityId {
    all_ids()[i % all_ids().len()].parse().expect("slug")
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
    let hood = p.neighborhood(&a, hops, t, relations.as_deref());
    prop_assert_eq!(&hood, &p.neighborhood_reference(&a, hops, t, relations.as_deref()), "neighborhood {:?}", pr);
    let nodes = p.neighborhood_nodes(&a, hops, t, relations.as_deref());
    prop_assert_eq!(&nodes, &hood.as_ref().map(|h| h.nodes.clone()), "neighborhood_nodes {:?}", pr);
    let ids = p.neighborhood_ids(&a, hops, t, relations.as_deref());
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
        let (p, _) = build(&ops, declared);
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
                let (p, _) = build(&ops, 32);
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
            let (p, _) = build(&ops, 24);
            for pr in &probes {
                let pr =
                    Probe { from: pr.from % 24, to: pr.to % 24, max_hops: pr.max_hops + 3, names: None, ..pr.clone() };
                check(&p, &pr)?;
            }
            Ok(())
        })
        .unwrap();
}
