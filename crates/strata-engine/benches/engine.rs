//! The engine's benchmarks at 10k, 100k and 1M generated events (see
//! `STRATA_BENCH_EVENTS` in `strata_testkit::bench`): import end to end, cold open, entity
//! lookup, as-of 3-hop neighborhood (views, and ids only), shortest path, all paths up to 4 hops,
//! and the diff between two dates, on seeded random entities and dates.

#![expect(clippy::unwrap_used, reason = "a benchmark stops on the first surprise")]

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use strata_core::Timestamp;
use strata_engine::{Config, Engine, NeighborhoodQuery, PathQuery, StatusSet, TimeFilter};
use strata_testkit::bench as common;

use common::Inputs;

/// Import and open take seconds at the larger sizes: ten samples of one
/// iteration each, after a single warm-up run.
fn slow(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
}

/// Queries: fewer samples than criterion's default, so that the slow ones
/// at a million events stay bearable.
fn queries(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.sample_size(30).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
}

/// NDJSON text on disk to a durable log and its projection, in a fresh store.
fn import(c: &mut Criterion, n: u64, file: &Path) {
    let mut group = c.benchmark_group("import");
    slow(&mut group);
    group.throughput(Throughput::Elements(n));
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = common::scratch();
                let started = Instant::now();
                let engine = Engine::open(Config::at(dir.path())).unwrap();
                let text = std::fs::read_to_string(file).unwrap();
                let outcome = engine.append_text(&text, None).unwrap();
                total += started.elapsed();
                assert_eq!(outcome.appended as u64, n);
            }
            total
        })
    });
    group.finish();
}

/// Opening a store written earlier (the projection rebuilt or loaded) and
/// answering a first lookup. The page cache is warm: the cost measured is
/// strata's, not the disk's.
fn cold_open(c: &mut Criterion, n: u64, dir: &Path, first: &strata_engine::EntityId) {
    let mut group = c.benchmark_group("cold_open");
    slow(&mut group);
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let engine = Engine::open(Config::at(dir)).unwrap();
                let found = engine.snapshot().entity(first, TimeFilter::LATEST).is_some();
                total += started.elapsed();
                assert!(found);
                drop(engine);
            }
            total
        })
    });
    group.finish();
}

fn reads(c: &mut Criterion, n: u64, engine: &Engine, inputs: &Inputs) {
    let id = BenchmarkId::from_parameter(n);
    let k = inputs.pairs.len();
    let snap = engine.snapshot();

    let mut group = c.benchmark_group("entity_lookup");
    queries(&mut group);
    let mut i = 0;
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % k;
            snap.entity(&inputs.pairs[i].0, TimeFilter::as_of(inputs.dates[i].1))
        })
    });
    group.finish();

    // Every benchmark starts at the first input, so its median does not
    // depend on how many iterations the ones before it ran.
    i = 0;
    let hood = |i: usize| NeighborhoodQuery { time: TimeFilter::as_of(inputs.dates[i].1), hops: 3, relations: None };
    let mut group = c.benchmark_group("neighborhood_3hop");
    queries(&mut group);
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % k;
            snap.neighborhood(&inputs.pairs[i].0, hood(i))
        })
    });
    group.finish();

    // What the peer comparison measures: the set of ids only, no views.
    i = 0;
    let mut group = c.benchmark_group("neighborhood_3hop_ids");
    queries(&mut group);
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % k;
            snap.neighborhood_ids(&inputs.pairs[i].0, hood(i))
        })
    });
    group.finish();

    // The GraphQL defaults: a shortest path of up to 6 hops; up to 20 paths of up to 4 hops.
    let query = |i: usize, max_hops: usize| PathQuery {
        time: TimeFilter::as_of(inputs.dates[i].1),
        max_hops,
        relations: None,
        directed: false,
    };
    i = 0;
    let mut group = c.benchmark_group("shortest_path");
    queries(&mut group);
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % k;
            let (from, to) = &inputs.pairs[i];
            snap.path(from, to, query(i, 6))
        })
    });
    group.finish();

    i = 0;
    let mut group = c.benchmark_group("all_paths_4hop");
    queries(&mut group);
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            i = (i + 1) % k;
            let (from, to) = &inputs.pairs[i];
            snap.paths(from, to, query(i, 4), 20)
        })
    });
    group.finish();

    i = 0;
    let mut group = c.benchmark_group("diff");
    queries(&mut group);
    group.bench_function(id, |b| {
        b.iter(|| {
            i = (i + 1) % k;
            let (from, to) = inputs.dates[i];
            snap.diff(from, to, Timestamp::MAX, StatusSet::BELIEVED)
        })
    });
    group.finish();
}

/// What the answers look like, so the timings can be read: printed once per size.
fn describe(n: u64, engine: &Engine, inputs: &Inputs) {
    let sample = 32.min(inputs.pairs.len());
    let snap = engine.snapshot();
    let (mut nodes, mut found, mut paths, mut changed) = (0usize, 0usize, 0usize, 0usize);
    for i in 0..sample {
        let (from, to) = &inputs.pairs[i];
        let t = TimeFilter::as_of(inputs.dates[i].1);
        nodes += snap
            .neighborhood(from, NeighborhoodQuery { time: t, hops: 3, relations: None })
            .map_or(0, |s| s.nodes.len());
        let q = PathQuery { time: t, max_hops: 6, relations: None, directed: false };
        found += usize::from(snap.path(from, to, q.clone()).is_some());
        paths += snap.paths(from, to, PathQuery { max_hops: 4, ..q }, 20).len();
        let d = snap.diff(inputs.dates[i].0, inputs.dates[i].1, Timestamp::MAX, StatusSet::BELIEVED);
        changed += d.added.len() + d.removed.len();
    }
    let stats = snap.stats(Timestamp::MAX);
    eprintln!(
        "{n} events: {} entities, {} relations; over {sample} inputs: 3-hop neighborhood {} nodes on average, \
         a path within 6 hops for {found}, {:.1} paths within 4 hops on average, diff {} relations on average",
        stats.entities,
        stats.relations,
        nodes / sample,
        paths as f64 / sample as f64,
        changed / sample
    );
}

fn benches(c: &mut Criterion) {
    for n in common::sizes() {
        let file = common::ndjson(n);
        import(c, n, &file);
        let dir = common::store(n);
        let (engine, inputs) = {
            let engine = Engine::open(Config::at(&dir)).unwrap();
            let inputs = Inputs::new(&engine);
            (engine, inputs)
        };
        // The store admits one process, and one engine, at a time.
        drop(engine);
        cold_open(c, n, &dir, &inputs.pairs[0].0);
        let engine = Engine::open(Config::at(&dir)).unwrap();
        describe(n, &engine, &inputs);
        reads(c, n, &engine, &inputs);
    }
}

criterion_group!(engine, benches);
criterion_main!(engine);
