//! What the explorer page reads: `entities(search:)` for its typeahead,
//! `Subgraph.nodeCount`/`counts` to size a view before drawing it, and
//! `timeRange` for its two sliders. Each is checked against an oracle
//! computed from the plain lists, for every entity of the demo.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::{data, demo, error};

/// Every entity of the demo: (id, name, type).
async fn all_entities(schema: &strata_graphql::StrataSchema) -> Vec<(String, String, String)> {
    let d = data(schema, "{ entities(first: 1000) { edges { node { id name type } } } }", json!({})).await;
    d["entities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            let s = |k: &str| n[k].as_str().unwrap().to_owned();
            (s("id"), s("name"), s("type"))
        })
        .collect()
}

/// Flips the case of every other letter, so a match cannot depend on case.
fn scramble(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(
            |(i, c)| {
                if i % 2 == 0 {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c.to_lowercase().next().unwrap_or(c)
                }
            },
        )
        .collect()
}

#[tokio::test]
async fn search_finds_every_substring_of_names_and_ids_whatever_the_case() {
    let (_, schema) = demo();
    let all = all_entities(&schema).await;
    assert!(all.len() > 10, "the demo has entities: {all:?}");
    // Every substring of length 1 to 4 of every name and id, and the whole of each.
    let mut needles = BTreeSet::new();
    for (id, name, _) in &all {
        for text in [id, name] {
            let chars: Vec<char> = text.chars().collect();
            for len in 1..=4.min(chars.len()) {
                for start in 0..=chars.len() - len {
                    needles.insert(chars[start..start + len].iter().collect::<String>());
                }
            }
            needles.insert(text.clone());
        }
    }
    let q = "query($s: String) { entities(search: $s, first: 1000) { totalCount edges { node { id } } } }";
    for needle in &needles {
        for asked in [needle.clone(), scramble(needle), needle.to_uppercase()] {
            let d = data(&schema, q, json!({"s": asked})).await;
            let got: Vec<&str> =
                d["entities"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
            let lower = needle.to_lowercase();
            let want: Vec<&str> = all
                .iter()
                .filter(|(id, name, _)| id.to_lowercase().contains(&lower) || name.to_lowercase().contains(&lower))
                .map(|(id, _, _)| id.as_str())
                .collect();
            assert_eq!(got, want, "search {asked:?}");
            assert_eq!(d["entities"]["totalCount"], want.len(), "search {asked:?}");
        }
    }
    // Substrings inside a name, not only prefixes: "dance" finds ByteDance.
    let d = data(&schema, q, json!({"s": "DANCE"})).await;
    assert_eq!(d["entities"]["edges"][0]["node"]["id"], "bytedance");
    let d = data(&schema, q, json!({"s": "no such entity"})).await;
    assert_eq!(d["entities"]["totalCount"], 0);
}

#[tokio::test]
async fn node_counts_size_every_neighborhood_as_its_nodes_do() {
    let (_, schema) = demo();
    let all = all_entities(&schema).await;
    let full = "query($id: ID!, $hops: Int, $asOf: Date) { neighborhood(id: $id, hops: $hops, asOf: $asOf) {
                  nodeCount counts { type count } nodes { id type } edges { name } } }";
    let counts_only = "query($id: ID!, $hops: Int, $asOf: Date) { neighborhood(id: $id, hops: $hops, asOf: $asOf) {
                         nodeCount counts { type count } } }";
    for (id, _, _) in &all {
        for hops in 0..=3 {
            for as_of in [None, Some("2025-04-15"), Some("2026-02-01")] {
                let vars = json!({"id": id, "hops": hops, "asOf": as_of});
                let d = data(&schema, full, vars.clone()).await;
                let n = &d["neighborhood"];
                let nodes = n["nodes"].as_array().unwrap();
                assert_eq!(n["nodeCount"], nodes.len(), "{vars}");
                let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
                for node in nodes {
                    *by_type.entry(node["type"].as_str().unwrap().to_owned()).or_default() += 1;
                }
                let counted: BTreeMap<String, u64> = n["counts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| (c["type"].as_str().unwrap().to_owned(), c["count"].as_u64().unwrap()))
                    .collect();
                assert_eq!(counted, by_type, "{vars}");
                // Asked alone (no edges gathered), the counts are the same.
                let alone = data(&schema, counts_only, vars.clone()).await;
                assert_eq!(alone["neighborhood"]["nodeCount"], n["nodeCount"], "{vars}");
                assert_eq!(alone["neighborhood"]["counts"], n["counts"], "{vars}");
            }
        }
    }
}

/// Every visible event's `validFrom` and `recordedAt` at `known_at`.
async fn event_times(schema: &strata_graphql::StrataSchema, known_at: Option<&str>) -> (Vec<String>, Vec<String>) {
    let d = data(
        schema,
        "query($k: DateTime) { events(first: 1000, knownAt: $k) { edges { node { validFrom recordedAt } } } }",
        json!({"k": known_at}),
    )
    .await;
    let edges = d["events"]["edges"].as_array().unwrap();
    let pick = |k: &str| edges.iter().map(|e| e["node"][k].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    (pick("validFrom"), pick("recordedAt"))
}

#[tokio::test]
async fn time_range_spans_the_visible_events_on_both_axes() {
    let (_, schema) = demo();
    let q = "query($k: DateTime, $limit: Int) { timeRange(knownAt: $k) {
               validFrom validTo firstRecordedAt lastRecordedAt recordings recordedTimes(limit: $limit) } }";
    let (_, every_recorded) = event_times(&schema, None).await;
    let distinct: BTreeSet<String> = every_recorded.into_iter().collect();
    assert!(distinct.len() >= 3, "the demo records its articles at three moments: {distinct:?}");
    // At every recorded moment, and before the first.
    let mut moments: Vec<Option<String>> = vec![None, Some("2000-01-01T00:00:00Z".into())];
    moments.extend(distinct.iter().cloned().map(Some));
    for known in &moments {
        let (valid, recorded) = event_times(&schema, known.as_deref()).await;
        let recorded: Vec<String> = recorded.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        let d = data(&schema, q, json!({"k": known, "limit": 1000})).await;
        let r = &d["timeRange"];
        assert_eq!(r["validFrom"], json!(valid.iter().min()), "{known:?}");
        assert_eq!(r["validTo"], json!(valid.iter().max()), "{known:?}");
        assert_eq!(r["recordedTimes"], json!(recorded), "{known:?}");
        assert_eq!(r["recordings"], recorded.len(), "{known:?}");
        assert_eq!(r["firstRecordedAt"], json!(recorded.first()), "{known:?}");
        assert_eq!(r["lastRecordedAt"], json!(recorded.last()), "{known:?}");
        // Fewer asked for: the ends are kept.
        let d = data(&schema, q, json!({"k": known, "limit": 2})).await;
        let two: Vec<&String> = recorded.first().into_iter().chain(recorded.last()).collect();
        let two: Vec<&String> = if recorded.len() == 1 { vec![&recorded[0]] } else { two };
        assert_eq!(d["timeRange"]["recordedTimes"], json!(two), "{known:?}");
    }
    let e = error(&schema, "{ timeRange { recordedTimes(limit: 1001) } }", json!({})).await;
    assert_eq!(e["extensions"]["code"], "LIMIT_EXCEEDED", "{e}");
    let e = error(&schema, "{ timeRange { recordedTimes(limit: -1) } }", json!({})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
}
