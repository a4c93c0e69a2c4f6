//! The GraphQL schema against the demo dataset (`examples/h200-china.ndjson`):
//! the questions the contract (schema/README.md) answers, asked through `schema.execute`, and the SDL
//! drift check.

// clippy.toml allows these in `#[test]` functions only; the helpers of a
// test binary are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod evidence;
mod explorer;
mod pages;
mod reads;
mod subscription;
mod writes;

use std::sync::Arc;

use async_graphql::{Request, Variables};
use serde_json::{json, Value};
use strata_engine::{Config, Engine};
use strata_graphql::{build_schema, sdl, SchemaConfig, StrataSchema};

/// The demo dataset: the events of three articles.
pub(crate) const DATASET: &str = include_str!("../../../../examples/h200-china.ndjson");

/// The id of the demo event with this two-digit suffix.
pub(crate) fn ev(n: u32) -> String {
    format!("0194f000-0000-7000-8000-0000000000{n:02}")
}

/// How many events the demo dataset holds.
pub(crate) fn dataset_len() -> u64 {
    DATASET.lines().filter(|l| !l.trim().is_empty()).count() as u64
}

/// How many entities the demo dataset declares (inline, in any field).
pub(crate) fn dataset_entities() -> usize {
    let mut ids = std::collections::BTreeSet::new();
    for line in DATASET.lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line).expect("a demo line is JSON");
        let refs =
            [&event["subject"], &event["object"]].into_iter().chain(event["about"].as_array().into_iter().flatten());
        ids.extend(refs.filter(|r| r.get("type").is_some()).filter_map(|r| r["id"].as_str().map(str::to_owned)));
    }
    ids.len()
}

/// An in-memory engine holding the demo dataset.
pub(crate) fn engine() -> Arc<Engine> {
    let engine = Engine::open(Config::in_memory()).expect("in-memory engine");
    engine.append_text(DATASET, None).expect("the demo dataset loads");
    Arc::new(engine)
}

/// The demo engine and a schema over it.
pub(crate) fn demo() -> (Arc<Engine>, StrataSchema) {
    let engine = engine();
    let schema = build_schema(engine.clone(), SchemaConfig::default());
    (engine, schema)
}

/// Runs a document and gives `{data, errors}` as JSON.
pub(crate) async fn run(schema: &StrataSchema, query: &str, vars: Value) -> Value {
    let request = Request::new(query).variables(Variables::from_json(vars));
    serde_json::to_value(schema.execute(request).await).expect("a response is JSON")
}

/// Runs a document that must succeed and gives its data.
pub(crate) async fn data(schema: &StrataSchema, query: &str, vars: Value) -> Value {
    let response = run(schema, query, vars).await;
    assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
    response["data"].clone()
}

/// Runs a document that must fail and gives its first error.
pub(crate) async fn error(schema: &StrataSchema, query: &str, vars: Value) -> Value {
    let response = run(schema, query, vars).await;
    response["errors"][0].clone()
}

/// The strings at `key` in each element of a list, sorted.
pub(crate) fn ids(list: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|x| x.pointer(key).and_then(Value::as_str).unwrap_or_default().to_owned())
        .collect();
    out.sort();
    out
}

/// Who holds an `approved` relation to `$id`.
pub(crate) const APPROVERS: &str = r#"query($id: ID!, $asOf: Date, $knownAt: DateTime) {
  entity(id: $id, asOf: $asOf, knownAt: $knownAt) {
    relations(direction: IN, names: ["approved"]) { name role from { id } to { id } validFrom validTo }
  }
}"#;

/// The ids of who approved `id`, as at `as_of` and `known_at`.
pub(crate) async fn approvers(schema: &StrataSchema, id: &str, as_of: &str, known_at: Option<&str>) -> Vec<String> {
    let d = data(schema, APPROVERS, json!({"id": id, "asOf": as_of, "knownAt": known_at})).await;
    ids(&d["entity"]["relations"], "/from/id")
}

/// When the event with this id was recorded.
pub(crate) async fn recorded_at(schema: &StrataSchema, id: &str) -> String {
    let d = data(schema, "query($id: ID!) { event(id: $id) { recordedAt } }", json!({"id": id})).await;
    d["event"]["recordedAt"].as_str().unwrap_or_default().to_owned()
}

/// `stats.events`.
pub(crate) async fn event_count(schema: &StrataSchema) -> u64 {
    data(schema, "{ stats { events } }", json!({})).await["stats"]["events"].as_u64().unwrap_or_default()
}

#[test]
fn sdl_matches_schema_graphql() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/schema.graphql");
    let current = sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &current).expect("write schema/schema.graphql");
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == current,
        "schema/schema.graphql is not the schema's SDL; rerun with UPDATE_SCHEMA=1 to rewrite it, and review the diff"
    );
}
