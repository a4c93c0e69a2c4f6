//! The log on NATS JetStream beside sled, in one run on one machine: appends
//! of 1 and of 100 events per batch, a first import of 100,000 events, and
//! how long a node takes to catch up on a large log: a fresh one from an
//! empty directory, and one restarted with a checkpoint (and, on JetStream,
//! its copy of the stream) taken at 90% of the log, so that it reads and
//! replays the last 10%.
//!
//! It starts three nats-servers on loopback (an R3 stream, as in
//! production); the binary is `$STRATA_NATS_SERVER` or
//! `target/pyvenv/bin/nats-server` (`tests/run` installs it). Sizes:
//! `STRATA_BENCH_IMPORT` (default 100000) and `STRATA_BENCH_CATCHUP`
//! (default 1000000) events. Run: `cargo bench -p strata-engine --bench jetstream`.

#![expect(clippy::unwrap_used, reason = "a benchmark's setup may fail loudly")]

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use strata_engine::{Config, Engine, JetStreamConfig};

use strata_testkit::bench as common;
use strata_testkit::nats::Cluster;

fn size(var: &str, default: u64) -> u64 {
    std::env::var(var).ok().and_then(|s| s.replace('_', "").parse().ok()).unwrap_or(default)
}

/// A stream no other benchmark uses, three replicas.
fn stream(cluster: &Cluster, name: &str) -> JetStreamConfig {
    let mut cfg = JetStreamConfig::new(cluster.url_list(), format!("{name}-{}", std::process::id()));
    cfg.replicas = 3;
    cfg.timeout = Duration::from_secs(30);
    cfg
}

/// The two backends, opened fresh: sled in a scratch directory, JetStream
/// on a new R3 stream (with a scratch directory for checkpoints).
fn open(cluster: &Cluster, backend: &str, name: &str, dir: &std::path::Path) -> Engine {
    let config = Config { checkpoint_every: 0, ..Config::at(dir) };
    match backend {
        "sled" => Engine::open(config).unwrap(),
        _ => Engine::open(Config { log: Some(stream(cluster, name)), ..config }).unwrap(),
    }
}

const BACKENDS: [&str; 2] = ["sled", "jetstream_r3"];

fn appends(c: &mut Criterion, cluster: &Cluster) {
    let mut group = c.benchmark_group("append");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    for per_batch in [1u64, 100] {
        let line = r#"{"kind":"letter_sent","at":"2026-03-01","subject":"writer","object":"agency"}"#;
        let batch = vec![line; per_batch as usize].join("\n");
        group.throughput(Throughput::Elements(per_batch));
        for backend in BACKENDS {
            let dir = common::scratch();
            let engine = open(cluster, backend, &format!("append{per_batch}"), dir.path());
            engine
                .append_text(
                    r#"{"kind":"entity_declared","at":"2020","subject":{"id":"writer","type":"actor"}}
{"kind":"entity_declared","at":"2020","subject":{"id":"agency","type":"agency"}}"#,
                    None,
                )
                .unwrap();
            group.bench_function(BenchmarkId::new(format!("{backend}/events_per_batch"), per_batch), |b| {
                b.iter(|| engine.append_text(&batch, None).unwrap())
            });
        }
    }
    group.finish();
}

fn import(c: &mut Criterion, cluster: &Cluster) {
    let n = size("STRATA_BENCH_IMPORT", 100_000);
    let text = std::fs::read_to_string(common::ndjson(n)).unwrap();
    let mut group = c.benchmark_group("import");
    group.sample_size(10).throughput(Throughput::Elements(n));
    for backend in BACKENDS {
        let mut round = 0;
        group.bench_function(BenchmarkId::new(backend, n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let dir = common::scratch();
                    let started = Instant::now();
                    let engine = open(cluster, backend, &format!("import{round}"), dir.path());
                    engine.append_text(&text, None).unwrap();
                    drop(engine);
                    total += started.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

fn catch_up(c: &mut Criterion, cluster: &Cluster) {
    let n = size("STRATA_BENCH_CATCHUP", 1_000_000);
    let text = std::fs::read_to_string(common::ndjson(n)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut group = c.benchmark_group("catch_up");
    group.sample_size(10).throughput(Throughput::Elements(n));
    for backend in BACKENDS {
        // The log, written once; a node with a checkpoint of its first 90%.
        let written = common::scratch();
        let with_checkpoint = common::scratch();
        let (head, tail) = lines.split_at(lines.len() * 9 / 10);
        let write = |engine: &Engine, lines: &[&str]| {
            for chunk in lines.chunks(10_000) {
                engine.append_text(&chunk.join("\n"), None).unwrap();
            }
        };
        write(&open(cluster, backend, "catchup", written.path()), head);
        let reopen = |dir: &std::path::Path| -> Engine {
            let config = Config { checkpoint_every: 0, ..Config::at(dir) };
            match backend {
                "sled" => Engine::open(config).unwrap(),
                _ => Engine::open(Config { log: Some(stream(cluster, "catchup")), ..config }).unwrap(),
            }
        };
        let checkpointed: &std::path::Path = if backend == "sled" {
            // sled's checkpoint lives beside its log: the same directory.
            reopen(written.path()).checkpoint().unwrap();
            written.path()
        } else {
            reopen(with_checkpoint.path()).checkpoint().unwrap();
            with_checkpoint.path()
        };
        write(&reopen(written.path()), tail);
        if backend != "sled" {
            // From an empty directory: the whole stream, then a replay.
            group.bench_function(BenchmarkId::new(format!("{backend}/empty_dir"), n), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let dir = common::scratch();
                        let started = Instant::now();
                        let engine = reopen(dir.path());
                        total += started.elapsed();
                        assert_eq!(engine.applied(), n);
                    }
                    total
                })
            });
        } else {
            // sled's equivalent of an empty directory: its log without a checkpoint.
            let copy = common::scratch();
            copy_dir(written.path(), copy.path(), false);
            group.bench_function(BenchmarkId::new(format!("{backend}/no_checkpoint"), n), |b| {
                b.iter(|| assert_eq!(reopen(copy.path()).applied(), n))
            });
        }
        // Opening a JetStream node brings its copy of the stream up to date,
        // so each round starts from a fresh copy of the directory as the
        // checkpoint left it (copied outside the timed part).
        group.bench_function(BenchmarkId::new(format!("{backend}/checkpoint_at_90pct"), n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = common::scratch();
                    copy_dir(checkpointed, dir.path(), true);
                    let started = Instant::now();
                    let engine = reopen(dir.path());
                    total += started.elapsed();
                    assert_eq!(engine.applied(), n);
                    assert_eq!(engine.opened().replayed, tail.len() as u64);
                }
                total
            })
        });
    }
    group.finish();
}

/// Copies a data directory's files and its subdirectories' files (sled's
/// blobs, a node's copy of the stream), the checkpoint only if `checkpoint`.
fn copy_dir(from: &std::path::Path, to: &std::path::Path, checkpoint: bool) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target, checkpoint);
        } else if checkpoint || entry.file_name() != "strata-checkpoint" {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn main() {
    let cluster = Cluster::start(3);
    let mut c = Criterion::default().configure_from_args();
    appends(&mut c, &cluster);
    import(&mut c, &cluster);
    catch_up(&mut c, &cluster);
    c.final_summary();
}
