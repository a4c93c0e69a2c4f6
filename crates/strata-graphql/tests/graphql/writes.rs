//! Writes: retractions, appends, and the errors that refuse them.

use serde_json::{json, Value};
use strata_graphql::{build_schema, SchemaConfig};

use crate::{approvers, data, dataset_len, demo, engine, error, ev, event_count, recorded_at, DATASET};

#[tokio::test]
async fn a_retraction_hides_the_relation_and_shows_on_the_event() {
    let (_, schema) = demo();
    let before = recorded_at(&schema, &ev(69)).await;
    let bytedance_approvals = DATASET
        .lines()
        .filter(|l| l.contains(r#""approval_granted""#) && l.contains(r#""object": "bytedance""#))
        .count();
    let d = data(
        &schema,
        r#"mutation($id: ID!) { retractEvent(id: $id, reason: "Huang says no approval was confirmed",
                                     source: {publisher: "Reuters", published: "2026-01-29"}) {
             kind retracts subject { id name } attrs source { publisher } } }"#,
        json!({"id": ev(55)}),
    )
    .await;
    let retraction = &d["retractEvent"];
    assert_eq!(retraction["kind"], "event_retracted");
    assert_eq!(retraction["retracts"], ev(55));
    assert_eq!(retraction["subject"], json!({"id": "analyst", "name": "Analyst"}));
    assert_eq!(retraction["attrs"]["reason"], "Huang says no approval was confirmed");
    assert_eq!(retraction["source"]["publisher"], "Reuters");

    assert_eq!(approvers(&schema, "bytedance", "2026-01-29", None).await, ["cn-gov", "cn-mofcom"]);
    assert_eq!(approvers(&schema, "bytedance", "2026-01-29", Some(&before)).await, ["cn-gov", "cn-miit", "cn-mofcom"]);
    let q = "query($id: ID!, $k: DateTime) { event(id: $id, knownAt: $k) { id retractedBy { kind retracts } } }";
    let d = data(&schema, q, json!({"id": ev(55)})).await;
    assert_eq!(d["event"]["retractedBy"], json!({"kind": "event_retracted", "retracts": ev(55)}));
    let d = data(&schema, q, json!({"id": ev(55), "k": before})).await;
    assert_eq!(d["event"]["retractedBy"], Value::Null, "the retraction was not known yet");

    // `events` leaves it out unless asked.
    let q = r#"query($inc: Boolean) { events(entity: "bytedance", kinds: ["approval_granted"], includeRetracted: $inc) { totalCount } }"#;
    assert_eq!(data(&schema, q, json!({})).await["events"]["totalCount"], bytedance_approvals - 1);
    assert_eq!(data(&schema, q, json!({"inc": true})).await["events"]["totalCount"], bytedance_approvals);

    let e = error(
        &schema,
        r#"mutation { retractEvent(id: "0194f000-0000-7000-8000-000000000999", reason: "typo") { id } }"#,
        json!({}),
    )
    .await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
}

#[tokio::test]
async fn appending_events_declares_inline_and_answers_at_once() {
    let (_, schema) = demo();
    let d = data(
        &schema,
        r#"mutation($events: [EventInput!]!, $at: Int) { appendEvents(events: $events, expectedPosition: $at) {
             position appended events { position kind at precision subject { id } object { id name type attrs } about { id } } } }"#,
        json!({"at": dataset_len(), "events": [
            {"kind": "entity_declared", "at": "2020", "subject": {"id": "moore-threads", "type": "ACTOR", "name": "Moore Threads", "attrs": {"country": "CN"}}},
            {"kind": "approval_granted", "at": "2026-Q1", "subject": {"id": "cn-miit"}, "object": {"id": "moore-threads"}, "about": [{"id": "nvidia-h200"}],
             "attrs": {"status": "invented for the test"}, "source": {"publisher": "Test"}}
        ]}),
    )
    .await;
    let result = &d["appendEvents"];
    assert_eq!(result["position"], dataset_len() + 2);
    assert_eq!(result["appended"], 2);
    let approval = &result["events"][1];
    assert_eq!(approval["position"], dataset_len() + 2);
    assert_eq!(approval["at"], "2026-Q1");
    assert_eq!(approval["precision"], "QUARTER");
    assert_eq!(
        approval["object"],
        json!({"id": "moore-threads", "name": "Moore Threads", "type": "ACTOR", "attrs": {"country": "CN"}})
    );
    assert_eq!(approval["about"], json!([{"id": "nvidia-h200"}]));
    assert_eq!(approvers(&schema, "moore-threads", "2026-02-01", None).await, ["cn-miit"]);
}

#[tokio::test]
async fn a_bad_event_names_its_place_and_stores_nothing() {
    let (_, schema) = demo();
    let append = "mutation($events: [EventInput!]!) { appendEvents(events: $events) { position } }";
    let good = json!({"kind": "statement_made", "at": "2026-02-02", "subject": {"id": "nvidia"}});
    let bad_date = json!({"kind": "approval_granted", "at": "2026-13-01", "subject": {"id": "cn-miit"}, "object": {"id": "bytedance"}});
    let e = error(&schema, append, json!({"events": [bad_date]})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
    assert_eq!(e["extensions"]["location"], "events[0]");
    assert_eq!(e["extensions"]["field"], "at");
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(msg.starts_with("events[0], field `at`: invalid date \"2026-13-01\""), "{msg}");

    // The good first event is not stored either: a batch is atomic.
    let e = error(
        &schema,
        append,
        json!({"events": [good, {"kind": "approval_granted", "at": "2026-02-02", "subject": {"id": "cn-miit"}}]}),
    )
    .await;
    assert_eq!(e["extensions"]["location"], "events[1]", "{e}");
    assert_eq!(e["extensions"]["field"], "object");
    let e = error(&schema, append, json!({"events": [{"kind": "approval_granted", "at": "2026-02-02", "subject": {"id": "nobody-known"}, "object": {"id": "bytedance"}}]})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
    assert_eq!(event_count(&schema).await, dataset_len());
}

#[tokio::test]
async fn a_stale_expected_position_is_a_conflict() {
    let (_, schema) = demo();
    let e = error(
        &schema,
        r#"mutation { appendEvents(events: [{kind: "statement_made", at: "2026-02-02", subject: {id: "nvidia"}}], expectedPosition: 5) { position } }"#,
        json!({}),
    )
    .await;
    assert_eq!(e["extensions"], json!({"code": "CONFLICT", "expected": 5, "actual": dataset_len()}), "{e}");
    assert_eq!(event_count(&schema).await, dataset_len());
}

#[tokio::test]
async fn read_only_refuses_mutations() {
    let schema = build_schema(engine(), SchemaConfig { read_only: true, ..SchemaConfig::default() });
    let e = error(
        &schema,
        r#"mutation { retractEvent(id: "0194f000-0000-7000-8000-000000000055", reason: "no") { id } }"#,
        json!({}),
    )
    .await;
    assert_eq!(e["extensions"]["code"], "READ_ONLY", "{e}");
    assert_eq!(event_count(&schema).await, dataset_len());
}
