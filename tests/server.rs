//! The server over HTTP: GraphiQL for a browser, GraphQL for curl and scripts.

use serde_json::json;

use crate::support::Server;

#[test]
fn graphiql_health_and_a_query_over_http() {
    let server = Server::start(&["--demo"]);
    let mut page = ureq::get(&format!("{}/graphql", server.url)).call().unwrap();
    let html = page.body_mut().read_to_string().unwrap();
    assert!(html.to_lowercase().contains("graphiql"), "GET /graphql serves GraphiQL");

    let mut health = ureq::get(&format!("{}/healthz", server.url)).call().unwrap();
    assert_eq!(health.body_mut().read_to_string().unwrap().trim(), "ok");

    let r = server.graphql(
        r#"query($id: ID!, $d: Date) { entity(id: $id, asOf: $d) { name relations(direction: IN, names: ["approved"]) { from { id } role } } }"#,
        json!({"id": "deepseek", "d": "2026-02-01"}),
    );
    let froms: Vec<&str> = r["data"]["entity"]["relations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["role"] == "SUBJECT_OBJECT")
        .map(|x| x["from"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(froms.len(), 2, "{r}");
    assert!(froms.contains(&"cn-miit") && froms.contains(&"cn-mofcom"), "{r}");
}

#[test]
fn writes_over_http_are_atomic_and_errors_carry_codes() {
    let server = Server::start(&["--demo"]);
    let before = server.graphql("{ stats { events } }", json!({}))["data"]["stats"]["events"].clone();
    let r = server.graphql(
        r#"mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }"#,
        json!({"e": [
            {"kind": "letter_sent", "at": "2026-02-02", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}},
            {"kind": "letter_sent", "at": "2026-02-30", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}}
        ]}),
    );
    let err = &r["errors"][0];
    assert_eq!(err["extensions"]["code"], "BAD_INPUT", "{r}");
    assert!(err["message"].as_str().unwrap().contains("events[1]"), "{r}");
    let after = server.graphql("{ stats { events } }", json!({}))["data"]["stats"]["events"].clone();
    assert_eq!(before, after, "nothing of the batch was stored");

    let ok = server.graphql(
        r#"mutation($e: [EventInput!]!, $p: Int) { appendEvents(events: $e, expectedPosition: $p) { position events { kind position } } }"#,
        json!({"p": before, "e": [{"kind": "letter_sent", "at": "2026-02-02", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}, "about": [{"id": "deepseek"}]}]}),
    );
    assert_eq!(ok["data"]["appendEvents"]["position"], before.as_u64().unwrap() + 1, "{ok}");
    let stale = server.graphql(
        r#"mutation($e: [EventInput!]!, $p: Int) { appendEvents(events: $e, expectedPosition: $p) { position } }"#,
        json!({"p": before, "e": [{"kind": "letter_sent", "at": "2026-02-03", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}}]}),
    );
    assert_eq!(stale["errors"][0]["extensions"]["code"], "CONFLICT", "{stale}");
}
