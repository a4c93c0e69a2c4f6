//! Auditing across time on the demo: `knowledgeDiff`, `events` bounded by
//! recorded time, `connections` and `journey`.
//!
//! The demo is recorded article by article: article 2 on 31 December 2025
//! (positions 1 to 28), article 1 on 28 January 2026 (29 to 37), article 3
//! on 1 February 2026 (38 to 73).

use serde_json::{json, Value};

use crate::{data, dataset_len, demo, error, ev, ids, recorded_at};

/// Before article 1 was recorded, after it, and after article 3.
const JAN_28: &str = "2026-01-28T00:00:00Z";
const JAN_29: &str = "2026-01-29T00:00:00Z";
const FEB_02: &str = "2026-02-02T00:00:00Z";

const KNOWLEDGE: &str = r#"query($from: DateTime!, $to: DateTime!, $asOf: Date, $entity: ID, $statuses: [ClaimStatus!]) {
  knowledgeDiff(from: $from, to: $to, asOf: $asOf, entity: $entity, statuses: $statuses) {
    learned { name role from { id } to { id } validFrom validTo event { id } }
    withdrawn { name role from { id } to { id } validFrom validTo event { id } }
    events { id position recordedAt retractedBy { id } }
  }
}"#;

/// The `(name, from, to)` of the subject-object relations in a list, sorted.
fn triples(list: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .filter(|r| r["role"] == "SUBJECT_OBJECT")
        .map(|r| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (s(&r["name"]), s(&r["from"]["id"]), s(&r["to"]["id"]))
        })
        .collect();
    out.sort();
    out
}

fn triple(name: &str, from: &str, to: &str) -> (String, String, String) {
    (name.to_owned(), from.to_owned(), to.to_owned())
}

fn positions(events: &Value) -> Vec<u64> {
    events
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {events}"))
        .iter()
        .filter_map(|e| e["position"].as_u64())
        .collect()
}

#[tokio::test]
async fn what_we_learned_from_the_deepseek_article() {
    let (_, schema) = demo();
    let d = data(&schema, KNOWLEDGE, json!({"from": JAN_29, "to": FEB_02})).await;
    let diff = &d["knowledgeDiff"];
    let learned = triples(&diff["learned"]);
    for want in [
        triple("approved", "cn-miit", "deepseek"),
        triple("approved", "cn-mofcom", "deepseek"),
        triple("approved", "cn-mofcom", "bytedance"),
        triple("wrote_to", "john-moolenaar", "howard-lutnick"),
        triple("invested_in", "high-flyer", "deepseek"),
    ] {
        assert!(learned.contains(&want), "{want:?} not learned: {learned:?}");
    }
    // Article 1's approval by the government was known already.
    assert!(!learned.contains(&triple("approved", "cn-gov", "bytedance")), "{learned:?}");
    assert_eq!(diff["withdrawn"], json!([]), "no article retracts or ends anything");
    // Every event of article 3, in log order.
    assert_eq!(positions(&diff["events"]), (38..=dataset_len()).collect::<Vec<_>>());

    // Each relation reads as it was learned, event and all.
    let letter = diff["learned"].as_array().unwrap().iter().find(|r| r["name"] == "wrote_to").unwrap();
    assert_eq!(letter["event"]["id"], ev(64));
    assert_eq!(letter["validFrom"], "2026-01-28");

    // Learned relations are those visible at one asOf: on 31 December 2025
    // none of the January approvals held yet, and the letter was not
    // written, while High-Flyer's investment (2024) held.
    let d = data(&schema, KNOWLEDGE, json!({"from": JAN_29, "to": FEB_02, "asOf": "2025-12-31"})).await;
    let learned = triples(&d["knowledgeDiff"]["learned"]);
    assert!(learned.contains(&triple("invested_in", "high-flyer", "deepseek")), "{learned:?}");
    assert!(!learned.iter().any(|t| t.0 == "approved" || t.0 == "wrote_to"), "{learned:?}");
}

#[tokio::test]
async fn knowledge_diffs_equal_two_reads_and_filter_by_entity() {
    let (_, schema) = demo();
    // Between 28 and 31 January: articles 1 and 3.
    let d = data(&schema, KNOWLEDGE, json!({"from": JAN_28, "to": FEB_02})).await;
    let learned = triples(&d["knowledgeDiff"]["learned"]);
    assert!(learned.contains(&triple("approved", "cn-gov", "bytedance")), "{learned:?}");
    assert_eq!(positions(&d["knowledgeDiff"]["events"]), (29..=dataset_len()).collect::<Vec<_>>());

    // The same as what two reads of an entity's relations differ by.
    let rels = r#"query($k: DateTime) { entity(id: "bytedance", knownAt: $k) {
        relations(direction: IN) { name role from { id } to { id } event { id } } } }"#;
    let event_ids = |d: &Value| -> Vec<String> { ids(&d["entity"]["relations"], "/event/id") };
    let (then, now) = (data(&schema, rels, json!({"k": JAN_28})).await, data(&schema, rels, json!({})).await);
    let mut expected: Vec<String> = event_ids(&now).into_iter().filter(|e| !event_ids(&then).contains(e)).collect();
    expected.sort();
    let d = data(&schema, KNOWLEDGE, json!({"from": JAN_28, "to": FEB_02, "entity": "bytedance"})).await;
    let into_bytedance: Vec<Value> = d["knowledgeDiff"]["learned"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["to"]["id"] == "bytedance")
        .cloned()
        .collect();
    assert_eq!(ids(&Value::Array(into_bytedance), "/event/id"), expected);
    // `entity` keeps relations that touch it, and leaves the events alone.
    for r in d["knowledgeDiff"]["learned"].as_array().unwrap() {
        assert!(r["from"]["id"] == "bytedance" || r["to"]["id"] == "bytedance", "{r}");
    }
    assert_eq!(positions(&d["knowledgeDiff"]["events"]).len(), 45);

    // Backwards, learned and withdrawn swap, and nothing was recorded in (to, from].
    let back = data(&schema, KNOWLEDGE, json!({"from": FEB_02, "to": JAN_28})).await;
    assert_eq!(
        triples(&back["knowledgeDiff"]["withdrawn"]),
        triples(&data(&schema, KNOWLEDGE, json!({"from": JAN_28, "to": FEB_02})).await["knowledgeDiff"]["learned"])
    );
    assert_eq!(back["knowledgeDiff"]["learned"], json!([]));
    assert_eq!(back["knowledgeDiff"]["events"], json!([]));

    // Forecasts are another status: shown when asked for.
    let d =
        data(&schema, KNOWLEDGE, json!({"from": "2025-12-01T00:00:00Z", "to": JAN_28, "statuses": ["EXPECTED"]})).await;
    let learned = triples(&d["knowledgeDiff"]["learned"]);
    assert_eq!(
        learned,
        [
            triple("ordered", "alibaba", "nvidia-h200"),
            triple("ordered", "bytedance", "nvidia-h200"),
            triple("stated", "cn-miit", "nvidia-h200")
        ]
    );
}

#[tokio::test]
async fn a_retraction_recorded_in_the_window_withdraws_its_relation() {
    let (_, schema) = demo();
    let before = recorded_at(&schema, &ev(69)).await;
    data(
        &schema,
        r#"mutation($id: ID!) { retractEvent(id: $id, reason: "the ministry denies it") { id } }"#,
        json!({"id": ev(66)}),
    )
    .await;
    let now = data(&schema, "{ stats { lastRecordedAt } }", json!({})).await["stats"]["lastRecordedAt"].clone();
    let d = data(&schema, KNOWLEDGE, json!({"from": before, "to": now})).await;
    let diff = &d["knowledgeDiff"];
    assert_eq!(triples(&diff["withdrawn"]), [triple("approved", "cn-miit", "deepseek")]);
    // With its about-links to the H200 (from the ministry and from
    // DeepSeek), all read as they were before.
    assert_eq!(ids(&diff["withdrawn"], "/event/id"), [ev(66), ev(66), ev(66)]);
    assert_eq!(diff["learned"], json!([]));
    let events = diff["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{diff}");
    assert_eq!(events[0]["position"], dataset_len() + 1);

    // The retracted event itself, seen from a window that holds it, says so.
    let d = data(&schema, KNOWLEDGE, json!({"from": JAN_29, "to": now})).await;
    let retracted = d["knowledgeDiff"]["events"].as_array().unwrap().iter().find(|e| e["id"] == ev(66)).cloned();
    assert_eq!(retracted.unwrap()["retractedBy"]["id"], events[0]["id"]);
    // Learned and withdrawn in the same window: in neither list.
    assert!(!triples(&d["knowledgeDiff"]["learned"]).contains(&triple("approved", "cn-miit", "deepseek")));
}

#[tokio::test]
async fn events_bounded_by_recorded_time() {
    let (_, schema) = demo();
    let q = r#"query($from: DateTime, $to: DateTime) { events(recordedFrom: $from, recordedTo: $to, first: 1000) {
        totalCount edges { node { position recordedAt } } } }"#;
    let d = data(&schema, q, json!({"from": JAN_28, "to": JAN_29})).await;
    assert_eq!(d["events"]["totalCount"], 9, "article 1: {d}");
    // Article 1's first event (position 29) and article 3's (38).
    let first = recorded_at(&schema, &ev(8)).await;
    let last = recorded_at(&schema, &ev(15)).await;
    // Both bounds included.
    let d = data(&schema, q, json!({"from": first, "to": last})).await;
    assert_eq!(d["events"]["totalCount"], 10, "{d}");
    let d = data(&schema, q, json!({"from": last})).await;
    assert_eq!(d["events"]["totalCount"], 36, "{d}");
    let d = data(&schema, q, json!({"to": first})).await;
    assert_eq!(d["events"]["totalCount"], 29, "{d}");
    // In valid-time order, like every events list.
    let d = data(&schema, q, json!({"from": JAN_29})).await;
    let days: Vec<&str> =
        d["events"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["recordedAt"].as_str().unwrap()).collect();
    assert!(days.iter().all(|t| *t >= JAN_29), "{days:?}");
    let d = data(&schema, q, json!({"from": FEB_02})).await;
    assert_eq!(d["events"]["totalCount"], 0);
}

const CONNECTIONS: &str = r#"query($from: ID!, $to: ID!, $maxHops: Int, $knownAt: DateTime) {
  connections(from: $from, to: $to, maxHops: $maxHops, knownAt: $knownAt) {
    validFrom validTo
    path { hops steps { from { id } relation { name role validFrom event { id } } to { id } } }
  }
}"#;

#[tokio::test]
async fn when_moolenaar_and_deepseek_were_connected() {
    let (_, schema) = demo();
    // Within three hops, from January 2026 on: Moolenaar chairs the House
    // committee, part of the US government, which made a statement about
    // DeepSeek that month.
    let d = data(&schema, CONNECTIONS, json!({"from": "john-moolenaar", "to": "deepseek"})).await;
    let found = d["connections"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{d}");
    assert_eq!(found[0]["validFrom"], "2026-01-01", "{d}");
    assert_eq!(found[0]["validTo"], Value::Null);
    assert_eq!(found[0]["path"]["hops"], 3);
    assert_eq!(found[0]["path"]["steps"][2]["relation"]["event"]["id"], ev(69));
    // In one hop, from the letter on (28 January, about DeepSeek).
    let d = data(&schema, CONNECTIONS, json!({"from": "john-moolenaar", "to": "deepseek", "maxHops": 1})).await;
    let found = d["connections"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{d}");
    assert_eq!(found[0]["validFrom"], "2026-01-28", "the letter: {d}");
    assert_eq!(found[0]["path"]["hops"], 1);
    assert_eq!(found[0]["path"]["steps"][0]["relation"]["event"]["id"], ev(64));

    // Before article 3 was recorded, neither was known.
    let d = data(&schema, CONNECTIONS, json!({"from": "john-moolenaar", "to": "deepseek", "knownAt": JAN_29})).await;
    assert_eq!(d["connections"], json!([]));
    // An entity is not connected to itself; one hop is not enough between the ministries.
    let d = data(&schema, CONNECTIONS, json!({"from": "deepseek", "to": "deepseek"})).await;
    assert_eq!(d["connections"], json!([]));

    // Each interval's path holds on its first day: the shortest then.
    let d = data(&schema, CONNECTIONS, json!({"from": "john-moolenaar", "to": "deepseek", "maxHops": 5})).await;
    let found = d["connections"].as_array().unwrap();
    assert!(found[0]["validFrom"].as_str().unwrap() < "2026-01-01", "more hops reach further back: {d}");
    for c in found {
        for step in c["path"]["steps"].as_array().unwrap() {
            assert!(step["relation"]["validFrom"].as_str() <= c["validFrom"].as_str(), "{c}");
        }
    }
    let e = error(&schema, CONNECTIONS, json!({"from": "john-moolenaar", "to": "deepseek", "maxHops": 11})).await;
    assert_eq!(e["extensions"]["code"], "LIMIT_EXCEEDED", "{e}");
}

const JOURNEY: &str = r#"query($from: ID!, $to: ID!, $after: Date, $before: Date, $maxHops: Int) {
  journey(from: $from, to: $to, after: $after, before: $before, maxHops: $maxHops) {
    hops steps { at from { id } relation { name role validFrom } to { id } }
  }
}"#;

#[tokio::test]
async fn a_journey_follows_the_days() {
    let (_, schema) = demo();
    // From Moolenaar's letter (28 January, about DeepSeek) to the NDRC,
    // whose review of DeepSeek's purchase (dated January 2026) already
    // held: two steps, both on 28 January.
    let vars = json!({"from": "john-moolenaar", "to": "cn-ndrc", "after": "2026-01-28", "maxHops": 2});
    let d = data(&schema, JOURNEY, vars).await;
    let j = &d["journey"];
    assert_eq!(j["hops"], 2, "{d}");
    let at: Vec<&str> = j["steps"].as_array().unwrap().iter().map(|s| s["at"].as_str().unwrap()).collect();
    assert_eq!(at, ["2026-01-28", "2026-01-28"], "{d}");
    assert_eq!(j["steps"][0]["relation"]["name"], "wrote_to", "{d}");
    assert_eq!(j["steps"][1]["relation"]["name"], "reviews", "{d}");
    for s in j["steps"].as_array().unwrap() {
        assert!(s["relation"]["validFrom"].as_str() <= s["at"].as_str(), "{s}");
    }
    // Without a bound on hops, nothing arrives earlier than the first day,
    // and of the paths arriving then the fewest steps win.
    let d = data(&schema, JOURNEY, json!({"from": "john-moolenaar", "to": "cn-ndrc", "after": "2026-01-28"})).await;
    assert_eq!(d["journey"]["hops"], 2, "{d}");
    // One step does not reach the NDRC.
    let d =
        data(&schema, JOURNEY, json!({"from": "john-moolenaar", "to": "cn-ndrc", "after": "2026-01-28", "maxHops": 1}))
            .await;
    assert_eq!(d["journey"], Value::Null);
    // Before the letter, a longer chain: Moolenaar's committee is part of
    // the US government, which licensed Nvidia in July 2025, whose H800
    // DeepSeek used. Nothing earlier.
    let vars = json!({"from": "john-moolenaar", "to": "deepseek", "before": "2026-01-27", "maxHops": 10});
    let d = data(&schema, JOURNEY, vars).await;
    let steps = d["journey"]["steps"].as_array().unwrap();
    assert_eq!(steps.last().unwrap()["at"], "2025-07-01", "{d}");
    assert!(steps.iter().any(|s| s["relation"]["name"] == "licensed" && s["at"] == "2025-07-01"), "{d}");
    let at: Vec<&str> = steps.iter().map(|s| s["at"].as_str().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "{d}");
    let vars = json!({"from": "john-moolenaar", "to": "deepseek", "before": "2025-06-30", "maxHops": 10});
    assert_eq!(data(&schema, JOURNEY, vars).await["journey"], Value::Null);
    // From an entity to itself: no steps.
    let d = data(&schema, JOURNEY, json!({"from": "deepseek", "to": "deepseek"})).await;
    assert_eq!(d["journey"], json!({"hops": 0, "steps": []}));
    // Paths of one asOf have no days.
    let d = data(&schema, r#"{ path(from: "john-moolenaar", to: "deepseek") { steps { at } } }"#, json!({})).await;
    assert_eq!(d["path"]["steps"][0]["at"], Value::Null);
    let e = error(&schema, JOURNEY, json!({"from": "Not An Id", "to": "deepseek"})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
}
