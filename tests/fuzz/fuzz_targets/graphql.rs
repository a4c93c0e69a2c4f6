//! Fuzz target: the GraphQL request path. A document and its variables
//! (the input split at its first NUL byte) run through strata-graphql's
//! schema over the demo store, with the limits a server sets; subscriptions
//! are drained of what they can give at once.
//!
//! Properties: nothing panics or hangs; every error carries
//! `extensions.code` or is a GraphQL validation/parse error; a mutation
//! that failed stored nothing.

#![no_main]

use std::sync::{Arc, OnceLock};

use async_graphql::futures_util::{FutureExt, StreamExt};
use async_graphql::{Request, Variables};
use libfuzzer_sys::fuzz_target;
use strata_engine::{Config, Engine};
use strata_graphql::{build_schema, SchemaConfig, StrataSchema};

const DEMO: &str = include_str!("../../../examples/h200-china.ndjson");

fn config() -> SchemaConfig {
    SchemaConfig { read_only: false, max_depth: Some(16), max_complexity: Some(2000) }
}

fn demo_engine() -> Arc<Engine> {
    let engine = Engine::open(Config::in_memory()).expect("an in-memory engine");
    engine.append_text(DEMO, None).expect("the demo loads");
    Arc::new(engine)
}

/// A read-only schema shared by most inputs (fast); those whose first byte
/// is 1 modulo 8 get a fresh writable store, so mutations are fuzzed too.
fn shared() -> &'static StrataSchema {
    static S: OnceLock<StrataSchema> = OnceLock::new();
    S.get_or_init(|| build_schema(demo_engine(), SchemaConfig { read_only: true, ..config() }))
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static R: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    R.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().expect("a runtime"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (doc, vars) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(doc) = std::str::from_utf8(doc) else { return };
    let vars: serde_json::Value = serde_json::from_slice(vars).unwrap_or(serde_json::Value::Null);
    let request = || Request::new(doc).variables(Variables::from_json(vars.clone()));

    let fresh;
    let (schema, engine) = if mode % 8 != 1 {
        (shared(), None)
    } else {
        let engine = demo_engine();
        fresh = build_schema(engine.clone(), config());
        (&fresh, Some(engine))
    };
    let before = engine.as_ref().map(|e| e.head());
    let response = runtime().block_on(schema.execute(request()));
    for e in &response.errors {
        let coded = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
        // Parse and validation errors come from async-graphql before any resolver runs.
        assert!(coded || e.path.is_empty(), "a resolver error without a code: {e:?}");
    }
    if let (Some(engine), Some(before)) = (&engine, before) {
        if !response.errors.is_empty() && doc.contains("mutation") && !doc.contains("retractEvent") {
            // A single failed mutation stores nothing (several in one document may each succeed).
            let appended = engine.head().position - before.position;
            let ok = response
                .data
                .clone()
                .into_json()
                .ok()
                .is_some_and(|d| d.as_object().is_some_and(|o| o.values().any(|v| !v.is_null())));
            assert!(appended == 0 || ok, "a failed mutation stored {appended} events");
        }
    }
    if doc.contains("subscription") {
        let mut stream = schema.execute_stream(request());
        runtime().block_on(async {
            // What is ready now: the replay, an error; never wait for live events.
            for _ in 0..200 {
                match stream.next().now_or_never() {
                    Some(Some(_)) => {}
                    _ => break,
                }
            }
        });
    }
});
