//! Cold open as a user meets it: the `strata` binary started on a store
//! written earlier, until it prints the answer to a first query (process
//! start, opening the store, the projection, one GraphQL lookup), at each
//! size of `STRATA_BENCH_EVENTS`. The page cache is warm.

#![expect(clippy::unwrap_used, reason = "a benchmark stops on the first surprise")]

use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use strata_testkit::bench as common;

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("cold_open_process");
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    for n in common::sizes() {
        let dir = common::store(n);
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let out = Command::new(env!("CARGO_BIN_EXE_strata"))
                    .args(["query", "{ stats { events } }", "--data"])
                    .arg(&dir)
                    .env("RUST_LOG", "warn")
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                out
            })
        });
    }
    group.finish();
}

criterion_group!(cold_open, benches);
criterion_main!(cold_open);
