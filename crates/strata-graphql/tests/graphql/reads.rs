//! Reads: who is approved when, paths, neighborhoods, diffs, `knownAt`.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::{approvers, data, dataset_len, demo, ev, ids, recorded_at, APPROVERS};

#[tokio::test]
async fn who_is_approved_and_when() {
    let (_, schema) = demo();
    // The government (article 1) and both ministries (article 3): no article
    // gives the day of an approval, so each is dated to January 2026.
    assert_eq!(approvers(&schema, "bytedance", "2026-01-29", None).await, ["cn-gov", "cn-miit", "cn-mofcom"]);
    assert_eq!(approvers(&schema, "deepseek", "2026-02-01", None).await, ["cn-miit", "cn-mofcom"]);
    // A coarse date counts from its first day: on 2026-01-01 every approval
    // dated "2026-01" holds, DeepSeek's too; in December 2025 none does.
    assert_eq!(approvers(&schema, "bytedance", "2026-01", None).await, ["cn-gov", "cn-miit", "cn-mofcom"]);
    assert_eq!(approvers(&schema, "deepseek", "2026-01", None).await, ["cn-miit", "cn-mofcom"]);
    assert_eq!(approvers(&schema, "bytedance", "2025-12", None).await, Vec::<String>::new());
    // What told DeepSeek's approval apart on 29 January is knowledge, not
    // valid time: the article naming it was recorded on 1 February.
    let d =
        data(&schema, APPROVERS, json!({"id": "deepseek", "asOf": "2026-02-01", "knownAt": "2026-01-29T00:00:00Z"}))
            .await;
    assert_eq!(d["entity"], Value::Null, "DeepSeek was unheard of on 29 January");

    let d = data(&schema, APPROVERS, json!({"id": "bytedance", "asOf": "2026-01-29"})).await;
    let relations = d["entity"]["relations"].as_array().cloned().unwrap_or_default();
    let rel = relations.iter().find(|r| r["from"]["id"] == "cn-gov").expect("the government's approval");
    assert_eq!(rel["role"], "SUBJECT_OBJECT");
    assert_eq!(rel["validFrom"], "2026-01-01", "reported on 28 January with no day: the month");
    assert_eq!(rel["validTo"], Value::Null);
    assert_eq!(rel["to"]["id"], "bytedance");
}

#[tokio::test]
async fn entities_events_and_relations_show_their_fields() {
    let (_, schema) = demo();
    let d = data(
        &schema,
        r#"query($id: ID!) {
          entity(id: "cn-miit") { id type name attrs }
          event(id: $id) { id kind at validFrom precision position subject { id name } object { id } about { id }
                           attrs source { publisher title published url via } note retracts retractedBy { id } }
          license: event(id: "0194f000-0000-7000-8000-000000000052") { at precision validFrom
                           subject { relations(direction: OUT, names: ["licensed"]) { name } } }
          bd: entity(id: "bytedance", asOf: "2026-01-29") {
            relations(direction: IN, names: ["approved"]) { about { id } event { id } sources { publisher via } corroboration }
          }
        }"#,
        json!({"id": ev(64)}),
    )
    .await;
    assert_eq!(
        d["entity"],
        json!({"id": "cn-miit", "type": "AGENCY", "name": "Ministry of Industry and Information Technology",
        "attrs": {"abbreviation": "MIIT", "country": "CN"}})
    );
    let letter = &d["event"];
    assert_eq!(letter["kind"], "letter_sent");
    assert_eq!(letter["at"], "2026-01-28");
    assert_eq!(letter["precision"], "DAY");
    assert_eq!(letter["subject"], json!({"id": "john-moolenaar", "name": "John Moolenaar"}));
    assert_eq!(letter["object"]["id"], "howard-lutnick");
    assert_eq!(ids(&letter["about"], "/id"), ["deepseek", "nvidia", "nvidia-h200"]);
    assert_eq!(letter["attrs"]["evidence_cited"], "internal Nvidia records");
    assert_eq!(letter["source"]["publisher"], "News report citing Reuters");
    assert_eq!(letter["source"]["url"], Value::Null);
    assert_eq!(letter["source"]["title"], Value::Null, "the article has no title");
    assert_eq!(letter["source"]["via"], Value::Null, "the letter is not given as Reuters' report");
    // The encoder's note quotes the words that give the day; it is not an attribute.
    assert!(letter["note"].as_str().unwrap().contains("'On January 28,"), "{letter}");
    assert!(letter["attrs"].get("date_note").is_none(), "{letter}");
    assert_eq!(letter["retractedBy"], Value::Null);
    assert_eq!(d["license"]["at"], "2026-01");
    assert_eq!(d["license"]["precision"], "MONTH");
    assert_eq!(d["license"]["validFrom"], "2026-01-01");
    let relations = d["bd"]["relations"].as_array().cloned().unwrap_or_default();
    let government = relations.iter().find(|r| r["event"]["id"] == ev(71)).expect("the government's approval");
    assert_eq!(government["about"], json!([{"id": "nvidia-h200"}]));
    assert_eq!(government["sources"], json!([{"publisher": "DatacenterDynamics", "via": "Reuters"}]));
    assert_eq!(government["corroboration"], 1);
}

#[tokio::test]
async fn a_letter_puts_what_it_was_about_one_hop_away() {
    let (_, schema) = demo();
    let d = data(
        &schema,
        r#"{ path(from: "john-moolenaar", to: "deepseek") {
               hops steps { from { id } relation { name role event { id } } to { id } } }
             directed: path(from: "deepseek", to: "john-moolenaar", directed: true) { hops }
             paths(from: "john-moolenaar", to: "deepseek", maxHops: 2) { hops } }"#,
        json!({}),
    )
    .await;
    let path = &d["path"];
    assert_eq!(path["hops"], 1);
    let step = &path["steps"][0];
    assert_eq!(step["from"]["id"], "john-moolenaar");
    assert_eq!(step["to"]["id"], "deepseek");
    assert_eq!(step["relation"]["name"], "wrote_to");
    assert_eq!(step["relation"]["role"], "ABOUT");
    assert_eq!(step["relation"]["event"]["id"], ev(64));
    // About-links point from the letter's writer to what it was about.
    assert_eq!(d["directed"], Value::Null);
    let hops: Vec<u64> = d["paths"].as_array().into_iter().flatten().filter_map(|p| p["hops"].as_u64()).collect();
    assert_eq!(hops.first(), Some(&1));
    assert!(hops.windows(2).all(|w| w[0] <= w[1]), "shortest first: {hops:?}");
}

#[tokio::test]
async fn neighborhoods_and_unknown_entities() {
    let (_, schema) = demo();
    let d = data(
        &schema,
        r#"{ neighborhood(id: "deepseek", asOf: "2026-02-01", relations: ["approved"]) { nodes { id } edges { from { id } to { id } } }
             nowhere: neighborhood(id: "nobody") { nodes { id } }
             entity(id: "nobody") { id } }"#,
        json!({}),
    )
    .await;
    let nodes = &d["neighborhood"]["nodes"];
    assert_eq!(nodes[0]["id"], "deepseek", "the centre comes first");
    // The approvals' about-links (also named `approved`) reach the chip.
    assert_eq!(ids(nodes, "/id"), ["cn-miit", "cn-mofcom", "deepseek", "nvidia-h200"]);
    assert_eq!(d["nowhere"], Value::Null);
    assert_eq!(d["entity"], Value::Null);

    // Without edges in the request the server skips building them; the
    // nodes are the same, in the same order, at every depth.
    for hops in 1..=3 {
        let q = format!(
            r#"{{ with: neighborhood(id: "nvidia-h200", hops: {hops}, asOf: "2026-02-01") {{ nodes {{ id name type }} edges {{ name }} }}
                 without: neighborhood(id: "nvidia-h200", hops: {hops}, asOf: "2026-02-01") {{ nodes {{ id name type }} }} }}"#
        );
        let d = data(&schema, &q, json!({})).await;
        assert!(d["with"]["nodes"].as_array().is_some_and(|n| n.len() > 1), "{d}");
        assert_eq!(d["with"]["nodes"], d["without"]["nodes"], "hops {hops}");
    }
}

#[tokio::test]
async fn diff_shows_the_approvals_as_added() {
    let (_, schema) = demo();
    let d = data(
        &schema,
        r#"{ diff(from: "2025-07-01", to: "2026-02-01") {
               added { name role from { id } to { id } } removed { name from { id } to { id } } } }"#,
        json!({}),
    )
    .await;
    let added: HashSet<(String, String)> = d["diff"]["added"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["name"] == "approved" && r["role"] == "SUBJECT_OBJECT")
        .map(|r| {
            (r["from"]["id"].as_str().unwrap_or_default().into(), r["to"]["id"].as_str().unwrap_or_default().into())
        })
        .collect();
    for firm in ["bytedance", "alibaba", "tencent", "deepseek"] {
        for ministry in ["cn-miit", "cn-mofcom"] {
            assert!(added.contains(&(ministry.to_owned(), firm.to_owned())), "{ministry} -> {firm} missing: {added:?}");
        }
        if firm != "deepseek" {
            assert!(added.contains(&("cn-gov".to_owned(), firm.to_owned())), "cn-gov -> {firm} missing: {added:?}");
        }
    }
    assert_eq!(added.len(), 11);
    let removed = &d["diff"]["removed"];
    assert!(removed.as_array().into_iter().flatten().all(|r| r["name"] != "approved"), "{removed}");
}

#[tokio::test]
async fn known_at_before_an_event_hides_it() {
    let (_, schema) = demo();
    let before = recorded_at(&schema, &ev(54)).await;
    let at = recorded_at(&schema, &ev(71)).await;
    assert!(before < at);
    assert_eq!(approvers(&schema, "bytedance", "2026-01-29", Some(&before)).await, Vec::<String>::new());
    assert_eq!(approvers(&schema, "bytedance", "2026-01-29", Some(&at)).await, ["cn-gov"]);
    let d = data(
        &schema,
        "query($id: ID!, $k: DateTime) { event(id: $id, knownAt: $k) { id } stats(knownAt: $k) { events lastRecordedAt } }",
        json!({"id": ev(71), "k": before}),
    )
    .await;
    assert_eq!(d["event"], Value::Null);
    assert_eq!(d["stats"]["lastRecordedAt"], before.as_str());
    assert!(d["stats"]["events"].as_u64().unwrap_or_default() < dataset_len());
    // Before anything was recorded, nothing is known.
    let d = data(&schema, r#"{ entity(id: "nvidia", knownAt: "2000-01-01T00:00:00Z") { id } }"#, json!({})).await;
    assert_eq!(d["entity"], Value::Null);
}
