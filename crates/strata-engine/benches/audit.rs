//! The audits across time at 10k, 100k and 1M generated events (see
//! `STRATA_BENCH_EVENTS` in `common`): `knowledge_diff` over a one-day
//! window of recorded time against two full reads of the graph and their
//! difference (the same answer), `connections` at 3 hops and `journey` at
//! 4 hops between pairs connected at some date.
//!
//! Criterion gives medians; the targets are about the slow inputs, so
//! before the criterion groups each benchmark's 256 inputs are also timed
//! one by one (after a warm-up pass) and their 50th and 95th percentiles
//! printed, with the machine's load average beside them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark stops on the first surprise

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use strata_core::Timestamp;
use strata_engine::{
    Config, Day, Direction, Engine, EntityId, KnowledgeQuery, Role, Snapshot, StatusSet, TemporalQuery, TimeFilter,
};

use common::{Draw, Inputs, SEED};

const DAY_MICROS: i64 = 86_400_000_000;

/// A one-day window of recorded time around a random event, and an `asOf`.
struct Window {
    from: Timestamp,
    to: Timestamp,
    as_of: Day,
}

fn windows(snap: &Snapshot<'_>, inputs: &Inputs) -> Vec<Window> {
    let mut draw = Draw::new(SEED ^ 1);
    inputs
        .dates
        .iter()
        .map(|&(_, as_of)| {
            let p = 1 + draw.below(snap.position());
            let at = snap.event_at(p).unwrap().unwrap().recorded_at;
            let from = Timestamp(at.0.div_euclid(DAY_MICROS) * DAY_MICROS);
            Window { from, to: Timestamp(from.0 + DAY_MICROS), as_of }
        })
        .collect()
}

/// Pairs joined within 3 hops at the input's date (so connected at some
/// date): the input's first entity and a random entity of its 3-hop
/// neighborhood then.
fn connected_pairs(snap: &Snapshot<'_>, inputs: &Inputs) -> Vec<(EntityId, EntityId)> {
    let mut draw = Draw::new(SEED ^ 2);
    let mut out = Vec::new();
    for (i, (a, _)) in inputs.pairs.iter().enumerate() {
        let around = snap.neighborhood_nodes(a, 3, TimeFilter::as_of(inputs.dates[i].1), None).unwrap_or_default();
        if around.len() > 1 {
            let b = around[1 + draw.below(around.len() as u64 - 1) as usize].id.clone();
            out.push((a.clone(), b));
        }
    }
    assert!(!out.is_empty(), "no input has a neighborhood");
    out
}

/// The knowledge diff as two full reads give it: every entity's
/// outgoing relations at `from` and at `to`, and what differs (by event,
/// role and ends).
fn two_full_reads(snap: &Snapshot<'_>, w: &Window) -> (usize, usize) {
    let read = |known: Timestamp| -> BTreeSet<(u64, Role, EntityId, EntityId)> {
        let t = snap.filter(Some(w.as_of), Some(known));
        snap.entities(None, None, t)
            .iter()
            .flat_map(|e| snap.relations(&e.id, t, Direction::Out, None))
            .map(|r| (r.event, r.role, r.from, r.to))
            .collect()
    };
    let (before, after) = (read(w.from), read(w.to));
    (after.difference(&before).count(), before.difference(&after).count())
}

fn knowledge(snap: &Snapshot<'_>, w: &Window) -> (usize, usize) {
    let q =
        KnowledgeQuery { from: w.from, to: w.to, as_of: Some(w.as_of), entity: None, statuses: StatusSet::BELIEVED };
    let d = snap.knowledge_diff(q);
    (d.learned.len(), d.withdrawn.len())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Times `f` on every input once (after a pass to warm up) and prints the
/// percentiles.
fn percentiles<T>(name: &str, n: u64, count: usize, mut f: impl FnMut(usize) -> T) {
    for i in 0..count {
        std::hint::black_box(f(i));
    }
    let load = load_average();
    let mut times: Vec<Duration> = (0..count)
        .map(|i| {
            let started = Instant::now();
            std::hint::black_box(f(i));
            started.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    eprintln!(
        "{name}/{n}: {count} inputs, p50 {:?}, p95 {:?}, max {:?} (load average {load} before, {} after)",
        at(0.5),
        at(0.95),
        at(1.0),
        load_average()
    );
}

fn reads(c: &mut Criterion, n: u64, engine: &Engine, inputs: &Inputs) {
    let snap = engine.snapshot();
    let id = BenchmarkId::from_parameter(n);
    let windows = windows(&snap, inputs);
    let pairs = connected_pairs(&snap, inputs);
    let connections = |i: usize| {
        let (a, b) = &pairs[i % pairs.len()];
        snap.connections(a, b, TemporalQuery::latest(3))
    };
    let journey = |i: usize| {
        let (a, b) = &pairs[i % pairs.len()];
        snap.journey(a, b, TemporalQuery::latest(4))
    };

    // What the answers look like, so the timings can be read.
    let sample = 32.min(windows.len());
    let (mut learned, mut joined, mut intervals, mut arrived) = (0, 0, 0, 0);
    for (i, window) in windows.iter().enumerate().take(sample) {
        let (l, w) = knowledge(&snap, window);
        learned += l + w;
        let found = connections(i);
        joined += usize::from(!found.is_empty());
        intervals += found.len();
        arrived += usize::from(journey(i).is_some());
    }
    eprintln!(
        "{n} events, over {sample} inputs: a one-day knowledge diff changes {:.1} relations on average; \
         {joined} pairs connected within 3 hops ({:.1} intervals on average), {arrived} with a journey of 4 hops",
        learned as f64 / sample as f64,
        intervals as f64 / sample as f64
    );
    // The fast way gives what the slow way gives.
    for w in windows.iter().take(4) {
        assert_eq!(
            knowledge(&snap, w),
            two_full_reads(&snap, w),
            "the knowledge diff is not the two reads' difference"
        );
    }

    percentiles("knowledge_diff_day", n, windows.len(), |i| knowledge(&snap, &windows[i]));
    percentiles("connections_3hop", n, pairs.len(), connections);
    percentiles("journey_4hop", n, pairs.len(), journey);

    let mut group = c.benchmark_group("knowledge_diff_day");
    group.sample_size(30).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    let mut i = 0;
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % windows.len();
            knowledge(&snap, &windows[i])
        })
    });
    group.finish();

    // The same answers from two full reads: slow at a million events, so
    // ten samples of one read each.
    let mut group = c.benchmark_group("knowledge_two_full_reads");
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(1));
    group.sampling_mode(criterion::SamplingMode::Flat);
    i = 0;
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % windows.len();
            two_full_reads(&snap, &windows[i])
        })
    });
    group.finish();

    let mut group = c.benchmark_group("connections_3hop");
    group.sample_size(30).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    i = 0;
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % pairs.len();
            connections(i)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("journey_4hop");
    group.sample_size(30).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    i = 0;
    group.bench_function(id, |b| {
        b.iter(|| {
            i = (i + 1) % pairs.len();
            journey(i)
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    for n in common::sizes() {
        let dir = common::store(n);
        let engine = Engine::open(Config::at(&dir)).unwrap();
        let inputs = Inputs::new(&engine);
        reads(c, n, &engine, &inputs);
    }
}

criterion_group!(audit, benches);
criterion_main!(audit);
