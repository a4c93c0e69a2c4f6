//! Evidence through the schema, on events appended by the test (not the
//! demo): `EventInput.status` and `disputes`, refusals naming the element
//! and the field, and the fields that read them back.

use serde_json::{json, Value};
use strata_engine::{Config, Engine};
use strata_graphql::{build_schema, SchemaConfig, StrataSchema};

use crate::{data, error};

const APPEND: &str = r#"mutation($events: [EventInput!]!) {
  appendEvents(events: $events) { position events { id status disputes } } }"#;

const A: &str = "0194f000-0000-7000-8000-00000000a001";
const B: &str = "0194f000-0000-7000-8000-00000000a002";

fn schema() -> StrataSchema {
    let engine = std::sync::Arc::new(Engine::open(Config::in_memory()).expect("in-memory engine"));
    build_schema(engine, SchemaConfig::default())
}

fn ban(id: &str, at: &str, status: Option<&str>, disputes: Option<Vec<&str>>) -> Value {
    let mut e = json!({"id": id, "kind": "ban_imposed", "at": at, "subject": {"id": "gov"}, "object": {"id": "acme"},
                       "source": {"publisher": format!("P-{id}")}});
    if let Some(s) = status {
        e["status"] = json!(s);
    }
    if let Some(d) = disputes {
        e["disputes"] = json!(d);
    }
    e
}

async fn setup(schema: &StrataSchema) {
    let declare = json!([
        {"kind": "entity_declared", "at": "2020", "subject": {"id": "gov", "type": "AGENCY", "name": "Gov"}},
        {"kind": "entity_declared", "at": "2020", "subject": {"id": "acme", "type": "ACTOR", "name": "Acme"}},
        ban(A, "2025-01-01", None, None),
        ban(B, "2025-02-01", Some("DENIED"), Some(vec![A])),
        {"kind": "ban_lifted", "at": "2025-03-01", "subject": {"id": "gov"}, "object": {"id": "acme"}, "status": "EXPECTED"}
    ]);
    let d = data(schema, APPEND, json!({"events": declare})).await;
    let events = &d["appendEvents"]["events"];
    assert_eq!(events[2], json!({"id": A, "status": "REPORTED", "disputes": []}));
    assert_eq!(events[3], json!({"id": B, "status": "DENIED", "disputes": [A]}));
    assert_eq!(events[4]["status"], "EXPECTED");
}

#[tokio::test]
async fn statuses_and_disputes_are_appended_and_read_back() {
    let schema = schema();
    setup(&schema).await;
    // The expected lifting ended nothing; the denied ban is hidden by default.
    let q = r#"query($s: [ClaimStatus!]) { entity(id: "acme", asOf: "2025-06-01") {
        relations(statuses: $s) { status event { id disputedBy { id } } disputedBy { id } corroboration } } }"#;
    let d = data(&schema, q, json!({})).await;
    assert_eq!(
        d["entity"]["relations"],
        json!([{"status": "REPORTED", "event": {"id": A, "disputedBy": [{"id": B}]}, "disputedBy": [{"id": B}], "corroboration": 1}])
    );
    let d = data(&schema, q, json!({"s": ["DENIED", "REPORTED"]})).await;
    let rels = d["entity"]["relations"].as_array().unwrap();
    assert_eq!(rels.len(), 2);
    assert!(rels.iter().all(|r| r["corroboration"] == 2), "both publishers state the ban: {d}");
    // An empty list shows nothing.
    let d = data(&schema, q, json!({"s": []})).await;
    assert_eq!(d["entity"]["relations"], json!([]));

    let d = data(&schema, "{ disagreements { reason events { id } } }", json!({})).await;
    assert_eq!(
        d["disagreements"],
        json!([
            {"reason": "DISPUTED", "events": [{"id": A}, {"id": B}]},
            {"reason": "DENIED", "events": [{"id": A}, {"id": B}]}
        ])
    );
}

#[tokio::test]
async fn bad_evidence_is_refused_naming_the_element_and_the_field() {
    let schema = schema();
    setup(&schema).await;
    let unknown = "0194f000-0000-7000-8000-00000000afff";
    let e = error(&schema, APPEND, json!({"events": [ban("0194f000-0000-7000-8000-00000000a010", "2025", None, None), ban("0194f000-0000-7000-8000-00000000a011", "2025", None, Some(vec![A, unknown]))]})).await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
    assert_eq!(e["extensions"]["location"], "events[1]", "{e}");
    assert_eq!(e["extensions"]["field"], "disputes[1]", "{e}");
    let e = error(
        &schema,
        APPEND,
        json!({"events": [ban("0194f000-0000-7000-8000-00000000a012", "2025", None, Some(vec!["not-a-uuid"]))]}),
    )
    .await;
    assert_eq!(e["extensions"]["field"], "disputes[0]", "{e}");
    // A status outside the enum is refused by the schema itself.
    let e = error(
        &schema,
        APPEND,
        json!({"events": [ban("0194f000-0000-7000-8000-00000000a013", "2025", Some("RUMOURED"), None)]}),
    )
    .await;
    assert_eq!(e["extensions"]["code"], "BAD_INPUT", "{e}");
    // Nothing of the refused batches was stored.
    let d = data(&schema, "{ stats { events } }", json!({})).await;
    assert_eq!(d["stats"]["events"], 5);
}

#[tokio::test]
async fn corroboration_counts_originating_outlets_and_notes_read_back() {
    let schema = schema();
    setup(&schema).await;
    // Two relays of one Reuters report, Reuters itself, and an outlet of its own.
    let relay = |id: &str, publisher: &str, via: Option<&str>| {
        let mut e = json!({"id": id, "kind": "license_granted", "at": "2026-01", "subject": {"id": "gov"},
                           "object": {"id": "acme"}, "source": {"publisher": publisher},
                           "note": format!("relayed by {publisher}")});
        if let Some(v) = via {
            e["source"]["via"] = json!(v);
        }
        e
    };
    let ids = ["0194f000-0000-7000-8000-00000000b001", "0194f000-0000-7000-8000-00000000b002"];
    let more = ["0194f000-0000-7000-8000-00000000b003", "0194f000-0000-7000-8000-00000000b004"];
    let batch =
        json!([relay(ids[0], "DatacenterDynamics", Some("Reuters")), relay(ids[1], "The Register", Some("Reuters"))]);
    data(&schema, APPEND, json!({"events": batch})).await;
    let q = r#"{ entity(id: "acme", asOf: "2026-02-01") { relations(names: ["licensed"]) { corroboration sources { publisher via } } } }"#;
    let corroboration = |d: &Value| d["entity"]["relations"][0]["corroboration"].clone();
    let d = data(&schema, q, json!({})).await;
    assert_eq!(corroboration(&d), 1, "two relays of one report are one reporter: {d}");
    assert_eq!(d["entity"]["relations"][0]["sources"][1], json!({"publisher": "The Register", "via": "Reuters"}));
    data(&schema, APPEND, json!({"events": [relay(more[0], "Reuters", None)]})).await;
    assert_eq!(corroboration(&data(&schema, q, json!({})).await), 1, "Reuters and its relays are one reporter");
    data(&schema, APPEND, json!({"events": [relay(more[1], "Bloomberg", None)]})).await;
    assert_eq!(corroboration(&data(&schema, q, json!({})).await), 2, "an outlet of its own is a second reporter");
    // The note comes back as given, and only as the note.
    let d = data(&schema, r#"query($id: ID!) { event(id: $id) { note attrs } }"#, json!({"id": ids[1]})).await;
    assert_eq!(d["event"], json!({"note": "relayed by The Register", "attrs": {}}));
}
