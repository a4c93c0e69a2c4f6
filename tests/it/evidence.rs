//! Evidence through the binary: an event's `status` and `disputes` on
//! import (refusals naming the line and the field, nothing of a refused
//! batch stored), in GraphQL answers (status filters, sources and
//! corroboration, disputes, disagreements at a `knownAt`), and through
//! export and restore, byte for byte.

use std::path::Path;

use serde_json::{json, Value};

use crate::support::{query, run, stderr, stdout};

const A: &str = "0194f000-0000-7000-8000-00000000e001";
const B: &str = "0194f000-0000-7000-8000-00000000e002";
const C: &str = "0194f000-0000-7000-8000-00000000e003";
const D: &str = "0194f000-0000-7000-8000-00000000e004";
const E: &str = "0194f000-0000-7000-8000-00000000e005";

/// A small log with every status, a dispute and two publishers who give
/// different quantities for one approval.
fn log() -> String {
    [
        r#"{"kind":"entity_declared","at":"2020","subject":{"id":"miit","type":"agency","name":"MIIT"}}"#.to_owned(),
        r#"{"kind":"entity_declared","at":"2020","subject":{"id":"acme","type":"actor","name":"Acme"}}"#.to_owned(),
        r#"{"kind":"entity_declared","at":"2020","subject":{"id":"chip","type":"chip","name":"Chip"}}"#.to_owned(),
        format!(
            r#"{{"id":"{A}","kind":"approval_granted","at":"2026-01-28","subject":"miit","object":"acme","about":["chip"],"attrs":{{"quantity":400000}},"source":{{"publisher":"Reuters"}}}}"#
        ),
        format!(
            r#"{{"id":"{B}","kind":"approval_granted","at":"2026-01-30","subject":"miit","object":"acme","about":["chip"],"attrs":{{"quantity":200000}},"source":{{"publisher":"Bloomberg"}},"status":"confirmed"}}"#
        ),
        format!(
            r#"{{"id":"{C}","kind":"approval_granted","at":"2026-02-15","subject":"miit","object":"acme","about":["chip"],"source":{{"publisher":"FT"}},"status":"expected"}}"#
        ),
        format!(
            r#"{{"id":"{D}","kind":"approval_granted","at":"2026-01-29","subject":"miit","object":"acme","about":["chip"],"source":{{"publisher":"Acme"}},"status":"denied","disputes":["{A}"]}}"#
        ),
        format!(
            r#"{{"id":"{E}","kind":"approval_revoked","at":"2026-03-01","subject":"miit","object":"acme","status":"expected"}}"#
        ),
    ]
    .join("\n")
        + "\n"
}

fn import(data: &Path, text: &str) -> std::process::Output {
    let file = data.with_extension("ndjson");
    std::fs::write(&file, text).unwrap();
    run(data, &["import", file.to_str().unwrap()])
}

fn export(data: &Path) -> String {
    let o = run(data, &["export"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn bad_evidence_is_refused_naming_line_and_field_and_nothing_of_the_batch_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = import(&data, &log());
    assert!(o.status.success(), "{}", stderr(&o));
    let before = export(&data);

    let good = r#"{"kind":"statement_made","at":"2026-02-01","subject":"acme","about":["chip"]}"#;
    let cases = [
        (
            format!("{good}\n{}", r#"{"kind":"statement_made","at":"2026-02-01","subject":"acme","status":"rumoured"}"#),
            "line 2, field `status`: unknown status \"rumoured\"",
        ),
        (
            format!(
                "{good}\n{good}\n{}",
                r#"{"kind":"statement_made","at":"2026-02-01","subject":"acme","disputes":["0194f000-0000-7000-8000-00000000ffff"]}"#
            ),
            "line 3, field `disputes[0]`: unknown event 0194f000-0000-7000-8000-00000000ffff",
        ),
        (
            // A dispute of a later line of the same batch.
            format!(
                r#"{{"kind":"statement_made","at":"2026-02-01","subject":"acme","disputes":["{A}","0194f000-0000-7000-8000-00000000e0f0"]}}
{{"id":"0194f000-0000-7000-8000-00000000e0f0","kind":"statement_made","at":"2026-02-01","subject":"miit"}}"#
            ),
            "line 1, field `disputes[1]`: unknown event",
        ),
        (
            r#"{"id":"0194f000-0000-7000-8000-00000000e0f1","kind":"statement_made","at":"2026-02-01","subject":"acme","disputes":["0194f000-0000-7000-8000-00000000e0f1"]}"#.to_owned(),
            "line 1, field `disputes[0]`: an event cannot dispute itself",
        ),
        (
            format!(r#"{{"kind":"statement_made","at":"2026-02-01","subject":"acme","disputes":"{A}"}}"#),
            "line 1, field `disputes`: expected a list of event ids",
        ),
    ];
    for (text, message) in cases {
        let o = import(&data, &text);
        assert!(!o.status.success(), "accepted: {text}");
        assert!(stderr(&o).contains(message), "{text}\n{}", stderr(&o));
        assert_eq!(export(&data), before, "a refused batch stored something: {text}");
    }
}

#[test]
fn export_then_restore_gives_the_same_bytes_and_leaves_out_only_the_default_status() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    // `"status":"reported"` given is the default: the same event as none given.
    let text =
        log().replace(r#""source":{"publisher":"Reuters"}"#, r#""source":{"publisher":"Reuters"},"status":"reported""#);
    assert!(import(&first, &text).status.success());
    let exported = export(&first);
    let lines: Vec<Value> = exported.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let status = |i: usize| lines[i].get("status").cloned();
    assert_eq!(status(3), None, "reported is left out");
    assert_eq!(status(4), Some(json!("confirmed")));
    assert_eq!(status(6), Some(json!("denied")));
    assert_eq!(lines[6]["disputes"], json!([A]));
    assert_eq!(lines[3].get("disputes"), None, "an empty disputes list is left out");

    let file = dir.path().join("export.ndjson");
    std::fs::write(&file, &exported).unwrap();
    let o = run(&second, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(export(&second), exported, "a restore exports the same bytes");
    // And importing the export into its own store changes nothing.
    let o = run(&first, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(export(&first), exported);
    // The restored store answers evidence questions as the first one does.
    let q = r#"{ disagreements { reason events { id } } entity(id: "acme") { relations(statuses: [CONFIRMED, REPORTED, EXPECTED, DENIED]) { status event { id } } } }"#;
    assert_eq!(query(&second, q), query(&first, q));
}

#[test]
fn graphql_answers_statuses_sources_disputes_and_disagreements() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(import(&data, &log()).status.success());

    // By default only what is believed to have happened: the reported and
    // the confirmed approvals; the expected revocation ends nothing.
    let d = query(
        &data,
        r#"{ entity(id: "acme", asOf: "2026-04-01") {
             relations(direction: IN) { status event { id } corroboration sources { publisher } disputedBy { id status } } } }"#,
    );
    assert_eq!(
        d["data"]["entity"]["relations"],
        json!([
            {"status": "REPORTED", "event": {"id": A}, "corroboration": 2,
             "sources": [{"publisher": "Reuters"}, {"publisher": "Bloomberg"}],
             "disputedBy": [{"id": D, "status": "DENIED"}]},
            {"status": "CONFIRMED", "event": {"id": B}, "corroboration": 2,
             "sources": [{"publisher": "Reuters"}, {"publisher": "Bloomberg"}],
             "disputedBy": []}
        ]),
        "{d}"
    );
    // Every status, when asked: the sources then count all four publishers.
    let d = query(
        &data,
        r#"{ entity(id: "acme", asOf: "2026-04-01") { relations(direction: IN, statuses: [EXPECTED, DENIED, CONFIRMED, REPORTED]) { status corroboration } } }"#,
    );
    let statuses: Vec<&str> =
        d["data"]["entity"]["relations"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["REPORTED", "DENIED", "CONFIRMED", "EXPECTED"], "{d}");
    assert!(d["data"]["entity"]["relations"].as_array().unwrap().iter().all(|r| r["corroboration"] == 4), "{d}");

    // Traversals take the same argument.
    let d = query(
        &data,
        r#"{ confirmed: path(from: "miit", to: "chip", asOf: "2026-01-29", statuses: [CONFIRMED]) { hops }
             believed: path(from: "miit", to: "chip", asOf: "2026-01-29") { hops }
             forecast: paths(from: "miit", to: "acme", asOf: "2026-03-01", statuses: [EXPECTED]) { steps { relation { status } } }
             denied: neighborhood(id: "acme", asOf: "2026-03-01", statuses: [DENIED]) { edges { status event { id } } }
             diff(from: "2026-01-01", to: "2026-03-01", statuses: [EXPECTED]) { added { status event { id } } } }"#,
    );
    let d = &d["data"];
    assert_eq!(d["confirmed"], Value::Null, "nothing confirmed by 29 January");
    assert_eq!(d["believed"]["hops"], 1);
    // Directly, or through the chip the approval is about; only the forecast's edges.
    assert_eq!(
        d["forecast"],
        json!([
            {"steps": [{"relation": {"status": "EXPECTED"}}]},
            {"steps": [{"relation": {"status": "EXPECTED"}}, {"relation": {"status": "EXPECTED"}}]}
        ])
    );
    let only = |list: &Value, id: &str, n: usize| {
        let list = list.as_array().unwrap();
        list.len() == n && list.iter().all(|e| e["event"]["id"] == id)
    };
    assert!(only(&d["denied"]["edges"], D, 2), "the denial's edge to acme and acme's about-link: {d}");
    assert!(only(&d["diff"]["added"], C, 3), "the forecast's three edges: {d}");

    // An event says what it disputes, and who disputes it.
    let d = query(
        &data,
        &format!(
            r#"{{ a: event(id: "{A}") {{ status disputes disputedBy {{ id }} }} d: event(id: "{D}") {{ status disputes }} }}"#
        ),
    );
    assert_eq!(d["data"]["a"], json!({"status": "REPORTED", "disputes": [], "disputedBy": [{"id": D}]}));
    assert_eq!(d["data"]["d"], json!({"status": "DENIED", "disputes": [A]}));

    // Where sources disagree, the earlier event first.
    let q = r#"query($k: DateTime, $from: Date, $to: Date, $asOf: Date) {
      disagreements(entity: "acme", from: $from, to: $to, asOf: $asOf, knownAt: $k) { reason events { id } } }"#;
    let pairs = |v: &Value| -> Vec<(String, String, String)> {
        v["data"]["disagreements"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|x| {
                let ids: Vec<&str> =
                    x["events"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
                (x["reason"].as_str().unwrap().to_owned(), ids[0].to_owned(), ids[1].to_owned())
            })
            .collect()
    };
    let all = pairs(&query_vars(&data, q, json!({})));
    let s = |r: &str, a: &str, b: &str| (r.to_owned(), a.to_owned(), b.to_owned());
    assert_eq!(
        all,
        [s("DISPUTED", A, D), s("DENIED", A, D), s("CONFLICTING_VALUES", A, B), s("DENIED", D, B), s("DENIED", D, C),]
    );
    let range = pairs(&query_vars(&data, q, json!({"from": "2026-02-01", "to": "2026-02-28"})));
    assert_eq!(range, [s("DENIED", D, C)]);
    let early = pairs(&query_vars(&data, q, json!({"asOf": "2026-01-29"})));
    assert_eq!(early, [s("DISPUTED", A, D), s("DENIED", A, D)]);

    // The dispute was recorded with the seventh event: before it, no dispute.
    let events = query(&data, r#"{ events(includeRetracted: true) { edges { node { id recordedAt } } } }"#);
    let recorded = |id: &str| -> String {
        let edges = events["data"]["events"]["edges"].as_array().unwrap();
        edges.iter().find(|e| e["node"]["id"] == id).unwrap()["node"]["recordedAt"].as_str().unwrap().to_owned()
    };
    let before_denial = recorded(C);
    let then = pairs(&query_vars(&data, q, json!({"k": before_denial})));
    assert_eq!(then, [s("CONFLICTING_VALUES", A, B)]);
    let d = query(&data, &format!(r#"{{ event(id: "{A}", knownAt: "{before_denial}") {{ disputedBy {{ id }} }} }}"#));
    assert_eq!(d["data"]["event"]["disputedBy"], json!([]));

    // Retracting the denial withdraws its dispute and its denial.
    let o =
        run(&data, &["query", &format!(r#"mutation {{ retractEvent(id: "{D}", reason: "wrong") {{ position }} }}"#)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(pairs(&query_vars(&data, q, json!({}))), [s("CONFLICTING_VALUES", A, B)]);
    let at_denial = recorded(D);
    assert_eq!(pairs(&query_vars(&data, q, json!({"k": at_denial}))), all, "what was known before the retraction");
}

fn query_vars(data: &Path, q: &str, vars: Value) -> Value {
    let o = run(data, &["query", q, "--vars", &vars.to_string()]);
    assert!(o.status.success(), "query failed: {}\n{}", stdout(&o), stderr(&o));
    serde_json::from_slice(&o.stdout).expect("query prints JSON")
}
