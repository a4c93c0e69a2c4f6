//! In-process GraphQL requests (`schema.execute`) at each size of
//! `STRATA_BENCH_EVENTS`: an entity lookup and an as-of shortest path, on
//! seeded random entities and dates. What a server adds on top is HTTP.

#![expect(clippy::unwrap_used, reason = "a benchmark stops on the first surprise")]

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request, Variables};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::json;
use strata_engine::{Config, Engine};
use strata_graphql::{build_schema, prepare, SchemaConfig};
use strata_testkit::bench as common;

const LOOKUP: &str = "query($id: ID!) { entity(id: $id) { id name type attrs } }";
const PATH: &str = "query($from: ID!, $to: ID!, $asOf: Date) { path(from: $from, to: $to, asOf: $asOf) { hops steps { from { id } relation { name validFrom } to { id } } } }";

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for n in common::sizes() {
        let engine = Arc::new(Engine::open(Config::at(common::store(n))).unwrap());
        let inputs = common::Inputs::new(&engine);
        let schema = build_schema(engine.clone(), SchemaConfig::default());
        let k = inputs.pairs.len();
        let mut i = 0;

        let mut group = c.benchmark_group("graphql_entity");
        group.sample_size(30).measurement_time(Duration::from_secs(3));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                i = (i + 1) % k;
                let vars = Variables::from_json(json!({ "id": inputs.pairs[i].0.as_str() }));
                let response = runtime.block_on(schema.execute(prepare(Request::new(LOOKUP).variables(vars), &engine)));
                assert!(response.errors.is_empty(), "{:?}", response.errors);
                response
            })
        });
        group.finish();

        let mut group = c.benchmark_group("graphql_path");
        group.sample_size(30).measurement_time(Duration::from_secs(3));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                i = (i + 1) % k;
                let (from, to) = &inputs.pairs[i];
                let vars = Variables::from_json(
                    json!({ "from": from.as_str(), "to": to.as_str(), "asOf": inputs.dates[i].1.to_string() }),
                );
                let response = runtime.block_on(schema.execute(prepare(Request::new(PATH).variables(vars), &engine)));
                assert!(response.errors.is_empty(), "{:?}", response.errors);
                response
            })
        });
        group.finish();
    }
}

criterion_group!(graphql, benches);
criterion_main!(graphql);
