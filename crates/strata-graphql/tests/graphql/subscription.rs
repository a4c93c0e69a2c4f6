//! `eventAppended`: replay from a position, then live, filtered on the server.

use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::{data, dataset_len, demo, ev};

/// The next event of a subscription, which must come within 5 seconds.
async fn next(stream: &mut BoxStream<'static, async_graphql::Response>) -> Value {
    let response = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("an event in time")
        .expect("the stream goes on");
    let response = serde_json::to_value(response).expect("json");
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]["eventAppended"].clone()
}

#[tokio::test]
async fn the_subscription_replays_then_follows_without_gap_or_duplicate() {
    let (engine, schema) = demo();
    let last = dataset_len();
    let mut stream = schema.execute_stream(format!(
        "subscription {{ eventAppended(fromPosition: {}) {{ position kind subject {{ id }} }} }}",
        last - 3
    ));
    let mut positions = Vec::new();
    for _ in 0..2 {
        positions.push(next(&mut stream).await["position"].as_u64().unwrap_or_default());
    }
    // An append while the replay is half done arrives once, after the replay.
    engine
        .append_text(
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"late-comer","type":"actor","name":"Late"}}"#,
            None,
        )
        .expect("append");
    for _ in 0..3 {
        positions.push(next(&mut stream).await["position"].as_u64().unwrap_or_default());
    }
    assert_eq!(positions, [last - 3, last - 2, last - 1, last, last + 1]);
    let d = data(&schema, r#"mutation { appendEvents(events: [{kind: "statement_made", at: "2026-02-02", subject: {id: "late-comer"}}]) { position } }"#, json!({})).await;
    assert_eq!(d["appendEvents"]["position"], last + 2);
    let live = next(&mut stream).await;
    assert_eq!(live, json!({"position": last + 2, "kind": "statement_made", "subject": {"id": "late-comer"}}));
}

#[tokio::test]
async fn the_subscription_filters_on_the_server() {
    let (engine, schema) = demo();
    let mut stream = schema.execute_stream(
        r#"subscription { eventAppended(kinds: ["approval_granted"], entity: "deepseek", fromPosition: 1) { id } }"#,
    );
    let mut got = Vec::new();
    for _ in 0..2 {
        let r = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("in time").expect("an event");
        got.push(
            serde_json::to_value(r).expect("json")["data"]["eventAppended"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    got.sort();
    assert_eq!(got, [ev(66), ev(67)]);
    engine.append_text(r#"{"kind":"statement_made","at":"2026-02-02","subject":"nvidia"}"#, None).expect("append");
    engine
        .append_text(r#"{"kind":"approval_revoked","at":"2026-02-03","subject":"cn-miit","object":"deepseek"}"#, None)
        .expect("append");
    engine
        .append_text(r#"{"kind":"approval_granted","at":"2026-02-04","subject":"cn-miit","object":"deepseek"}"#, None)
        .expect("append");
    let r = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("in time").expect("an event");
    let r = serde_json::to_value(r).expect("json");
    assert!(r["data"]["eventAppended"]["id"].as_str().is_some_and(|id| id != ev(66) && id != ev(67)), "{r}");

    let mut bad = schema.execute_stream("subscription { eventAppended(fromPosition: 0) { id } }");
    let r = serde_json::to_value(bad.next().await.expect("an error")).expect("json");
    assert_eq!(r["errors"][0]["extensions"], json!({"code": "BAD_INPUT", "argument": "fromPosition"}), "{r}");
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_so_and_the_stream_ends() {
    let config = strata_engine::Config { subscription_buffer: 2, ..strata_engine::Config::in_memory() };
    let engine = std::sync::Arc::new(strata_engine::Engine::open(config).expect("engine"));
    engine.append_text(crate::DATASET, None).expect("dataset");
    let schema = strata_graphql::build_schema(engine.clone(), strata_graphql::SchemaConfig::default());
    let last = dataset_len();
    let mut stream =
        schema.execute_stream(format!("subscription {{ eventAppended(fromPosition: {last}) {{ position }} }}"));
    assert_eq!(next(&mut stream).await, json!({"position": last}));
    for day in 1..=5 {
        let line = format!(r#"{{"kind":"statement_made","at":"2026-02-0{day}","subject":"nvidia"}}"#);
        engine.append_text(&line, None).expect("append");
    }
    let response =
        tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("in time").expect("an error");
    let response = serde_json::to_value(response).expect("json");
    let error = &response["errors"][0];
    assert_eq!(error["extensions"], json!({"code": "LAGGED", "lagged": 3}), "{response}");
    assert_eq!(error["message"], "subscriber fell behind by 3 events; resubscribe with fromPosition");
    assert!(tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("in time").is_none());
}
