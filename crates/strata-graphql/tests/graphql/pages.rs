//! Pagination, argument checks, and the one snapshot a request reads.

use std::collections::HashSet;

use async_graphql::Request;
use serde_json::{json, Value};
use strata_graphql::prepare;

use crate::{data, dataset_entities, dataset_len, demo, error, event_count, ids};

#[tokio::test]
async fn entity_pages_walk_every_entity_once() {
    let (_, schema) = demo();
    let q = "query($after: String) { entities(first: 5, after: $after) { totalCount edges { cursor node { id } }
               pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let d = data(&schema, q, json!({"after": after})).await;
        let page = &d["entities"];
        assert_eq!(page["totalCount"], dataset_entities());
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        let edges = page["edges"].as_array().cloned().unwrap_or_default();
        assert!(edges.len() <= 5);
        assert_eq!(page["pageInfo"]["endCursor"], edges.last().map_or(Value::Null, |e| e["cursor"].clone()));
        seen.extend(edges.iter().filter_map(|e| e["node"]["id"].as_str().map(str::to_owned)));
        pages += 1;
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, dataset_entities().div_ceil(5));
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (dataset_entities(), dataset_entities()));
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "entities come by id");

    let d = data(&schema, r#"{ entities(type: CHIP, search: "H20") { edges { node { id } } } }"#, json!({})).await;
    assert_eq!(ids(&d["entities"]["edges"], "/node/id"), ["nvidia-h20", "nvidia-h200"]);
}

#[tokio::test]
async fn event_pages_keep_valid_time_order() {
    let (_, schema) = demo();
    let q =
        "query($after: String) { events(first: 20, after: $after) { totalCount edges { node { id validFrom position } }
               pageInfo { hasNextPage endCursor } } }";
    let (mut seen, mut keys) = (HashSet::new(), Vec::new());
    let mut after: Option<String> = None;
    loop {
        let d = data(&schema, q, json!({"after": after})).await;
        for e in d["events"]["edges"].as_array().into_iter().flatten() {
            assert!(seen.insert(e["node"]["id"].as_str().unwrap_or_default().to_owned()));
            keys.push((e["node"]["validFrom"].as_str().unwrap_or_default().to_owned(), e["node"]["position"].as_u64()));
        }
        if d["events"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["events"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as u64, dataset_len());
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "valid-time order, then log order");

    let d = data(&schema, r#"{ events(from: "2026-01-28", to: "2026-01-29") { totalCount } }"#, json!({})).await;
    assert_eq!(d["events"]["totalCount"], 2, "both ends are included: the letter and Huang's words");
}

#[tokio::test]
async fn bad_arguments_are_bad_input() {
    let (_, schema) = demo();
    let e = error(&schema, "{ entities(first: -1) { totalCount } }", json!({})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains("first must be between 0 and 1000"), "{e}");
    // Over a limit: a code of its own, the argument and the largest value allowed.
    let e = error(&schema, "{ entities(first: 5000) { totalCount } }", json!({})).await;
    assert_eq!(e["extensions"], json!({"code": "LIMIT_EXCEEDED", "argument": "first", "max": 1000}), "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains("first must be between 0 and 1000"), "{e}");
    let e = error(&schema, r#"{ paths(from: "nvidia", to: "deepseek", maxHops: 11) { hops } }"#, json!({})).await;
    assert_eq!(e["extensions"], json!({"code": "LIMIT_EXCEEDED", "argument": "maxHops", "max": 10}), "{e}");
    let e = error(&schema, r#"{ paths(from: "nvidia", to: "deepseek", limit: 1001) { hops } }"#, json!({})).await;
    assert_eq!(e["extensions"], json!({"code": "LIMIT_EXCEEDED", "argument": "limit", "max": 1000}), "{e}");
    let e = error(&schema, r#"{ entities(after: "bm9wZQ") { totalCount } }"#, json!({})).await;
    assert_eq!(e["extensions"], json!({"code": "BAD_INPUT", "argument": "after"}), "{e}");
    let e = error(&schema, r#"{ path(from: "John Moolenaar", to: "deepseek") { hops } }"#, json!({})).await;
    assert_eq!(e["extensions"], json!({"code": "BAD_INPUT", "argument": "from"}), "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains("not a valid entity id"), "{e}");
    let e = error(&schema, r#"{ event(id: "55") { id } }"#, json!({})).await;
    assert_eq!(e["extensions"]["argument"], "id", "{e}");
    let e = error(&schema, r#"{ events(kinds: ["approval_grantd"]) { totalCount } }"#, json!({})).await;
    assert_eq!(e["extensions"]["argument"], "kinds", "{e}");
    let e = error(&schema, r#"{ entity(id: "nvidia", asOf: "2025-13") { id } }"#, json!({})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains("month 13 is out of range"), "{e}");
    let e = error(&schema, "{ nope }", json!({})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
}

#[tokio::test]
async fn a_request_reads_one_snapshot() {
    let (engine, schema) = demo();
    let request = prepare(Request::new("{ stats { events } entity(id: \"late-comer\") { id } }"), &engine);
    engine
        .append_text(r#"{"kind":"entity_declared","at":"2026","subject":{"id":"late-comer","type":"actor"}}"#, None)
        .expect("append");
    let response = serde_json::to_value(schema.execute(request).await).expect("json");
    assert_eq!(response["data"], json!({"stats": {"events": dataset_len()}, "entity": null}));
    assert_eq!(event_count(&schema).await, dataset_len() + 1);
}
