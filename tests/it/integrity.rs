//! Whatever the log accepts, the graph applies: lines that once made a
//! store unopenable, and a retraction that once took unrelated facts with
//! it, through `strata import`, through `appendEvents`, and across a
//! restart of each.

use std::path::Path;

use serde_json::{json, Value};

use crate::support::{query, run, stderr, stdout, Server};

/// Declares chip-x inline in `object` and names it bare in `about`.
const OBJECT_DECLARES: &str = r#"{"kind":"product_announced","at":"2012","subject":{"id":"maker","type":"actor","name":"Maker"},"object":{"id":"chip-x","type":"chip","name":"X"},"about":["chip-x"],"source":{"publisher":"p"}}"#;
/// Declares chip-y inline in `about` and names it bare in `object`, an earlier field.
const ABOUT_DECLARES: &str = r#"{"kind":"product_announced","at":"2013","subject":"maker","object":"chip-y","about":[{"id":"chip-y","type":"chip","name":"Y"}]}"#;
/// fund-a is declared inline by the investment that is later retracted.
const FUND: &str = r#"{"kind":"entity_declared","at":"2020","subject":{"id":"startup","type":"actor","name":"Startup"}}
{"id":"0194f000-0000-7000-8000-00000000f001","kind":"investment_made","at":"2021","subject":{"id":"fund-a","type":"actor","name":"Fund A"},"object":"startup"}
{"kind":"order_placed","at":"2022","subject":"fund-a","object":"chip-x"}"#;
const RETRACT_INVESTMENT: &str = r#"{"kind":"event_retracted","at":"2023","subject":{"id":"analyst","type":"actor"},"retracts":"0194f000-0000-7000-8000-00000000f001"}"#;
/// A later line naming fund-a, whose only declaration is withdrawn.
const FUND_WRITES: &str = r#"{"kind":"letter_sent","at":"2024","subject":"fund-a","object":"startup"}"#;

const FUND_QUERY: &str = r#"{ entity(id: "fund-a") { name relations(direction: OUT) { name to { id } } } investment: entity(id: "startup") { relations(direction: IN, names: ["invested_in"]) { from { id } } } }"#;

fn import(data: &Path, name: &str, text: &str) {
    let file = data.parent().unwrap().join(name);
    std::fs::write(&file, format!("{text}\n")).unwrap();
    let o = run(data, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "import of {name} failed:\n{}\n{}", stdout(&o), stderr(&o));
}

fn relations_to(entity: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = entity["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_owned(), r["to"]["id"].as_str().unwrap().to_owned()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// What the fund's case must answer once the investment is retracted and
/// the fund has written a letter.
fn assert_fund_answers(answer: &Value) {
    let fund = &answer["data"]["entity"];
    assert_eq!(fund["name"], "fund-a", "with its only declaration withdrawn, its name is its id: {answer}");
    assert_eq!(
        relations_to(fund),
        vec![("ordered".into(), "chip-x".into()), ("wrote_to".into(), "startup".into())],
        "the order nobody retracted stays, and the later letter was accepted: {answer}"
    );
    assert_eq!(answer["data"]["investment"]["relations"], json!([]), "the retracted investment is gone: {answer}");
}

#[test]
fn same_line_references_import_and_the_store_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import(&data, "object.ndjson", OBJECT_DECLARES);
    import(&data, "about.ndjson", ABOUT_DECLARES);
    // Every command opens the store again: query, export, and a re-import.
    let r = query(
        &data,
        r#"{ x: entity(id: "chip-x") { name type } y: entity(id: "chip-y") { name type } stats { events } }"#,
    );
    assert_eq!(r["data"]["x"], json!({"name": "X", "type": "CHIP"}), "{r}");
    assert_eq!(r["data"]["y"], json!({"name": "Y", "type": "CHIP"}), "{r}");
    assert_eq!(r["data"]["stats"]["events"], 2, "{r}");
    let export = run(&data, &["export"]);
    assert!(export.status.success(), "{}", stderr(&export));
    assert_eq!(stdout(&export).lines().count(), 2);
}

#[test]
fn retracting_a_declaring_event_keeps_the_rest_through_import() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import(&data, "chip.ndjson", OBJECT_DECLARES);
    import(&data, "fund.ndjson", FUND);
    import(&data, "retract.ndjson", RETRACT_INVESTMENT);
    import(&data, "later.ndjson", FUND_WRITES);
    assert_fund_answers(&query(&data, FUND_QUERY));
}

/// The same lines as GraphQL inputs.
fn as_inputs(text: &str) -> Vec<Value> {
    let upper = |v: &mut Value| {
        if let Some(t) = v.get_mut("type") {
            *t = Value::String(t.as_str().unwrap().to_uppercase());
        }
    };
    text.lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            for field in ["subject", "object"] {
                match v.get_mut(field) {
                    Some(Value::String(id)) => *v.get_mut(field).unwrap() = json!({"id": id.clone()}),
                    Some(r) => upper(r),
                    None => {}
                }
            }
            if let Some(Value::Array(about)) = v.get_mut("about") {
                for a in about.iter_mut() {
                    match a {
                        Value::String(id) => *a = json!({"id": id.clone()}),
                        r => upper(r),
                    }
                }
            }
            v
        })
        .collect()
}

#[test]
fn the_same_through_append_events_and_a_server_restart() {
    const APPEND: &str = "mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let server = Server::start(&["--data", data_arg]);
    for (i, text) in [OBJECT_DECLARES, ABOUT_DECLARES, FUND].into_iter().enumerate() {
        let r = server.graphql(APPEND, json!({"e": as_inputs(text)}));
        assert!(r["errors"].is_null(), "batch {i} was refused: {r}");
    }
    let r = server.graphql(
        r#"mutation { retractEvent(id: "0194f000-0000-7000-8000-00000000f001", reason: "never happened") { position } }"#,
        json!({}),
    );
    assert!(r["errors"].is_null(), "{r}");
    let r = server.graphql(APPEND, json!({"e": as_inputs(FUND_WRITES)}));
    assert!(r["errors"].is_null(), "{r}");
    let before = server.graphql(FUND_QUERY, json!({}));
    assert_fund_answers(&before);
    assert!(server.terminate().success());

    let server = Server::start(&["--data", data_arg]);
    let after = server.graphql(FUND_QUERY, json!({}));
    assert_eq!(after, before, "the restarted server answers as before");
    let chips = server.graphql(r#"{ x: entity(id: "chip-x") { name } y: entity(id: "chip-y") { name } }"#, json!({}));
    assert_eq!(chips["data"], json!({"x": {"name": "X"}, "y": {"name": "Y"}}), "{chips}");
}
