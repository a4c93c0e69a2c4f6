//! `schema/event.schema.json` against the data and the parser: every line of
//! the demo dataset validates (as `examples/README.md` says), inline
//! declarations validate in every field that takes an entity, and lines the
//! parser refuses for their shape are refused by the schema too.

use jsonschema::Validator;
use serde_json::Value;
use strata_core::{parse_line, Location, Timestamp, ValidTime, Vocabulary};

use crate::support::{demo_file, root};

fn validator() -> Validator {
    let path = root().join("schema/event.schema.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    // The schema says which draft it is written in; the validator must read it as that one.
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()))
}

fn schema_errors(v: &Validator, line: &str) -> Vec<String> {
    let instance: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {e}: {line}"));
    v.iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn every_line_of_the_demo_dataset_validates() {
    let v = validator();
    let vocab = Vocabulary::builtin();
    let text = std::fs::read_to_string(demo_file()).unwrap();
    let mut lines = 0;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let errors = schema_errors(&v, line);
        assert!(errors.is_empty(), "examples/h200-china.ndjson line {}: {errors:?}", i + 1);
        // The parser agrees (the schema is not the only judge the file has to pass).
        parse_line(line, Location::Line(i + 1), &vocab).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        lines += 1;
    }
    assert_eq!(lines, readme_count(), "examples/README.md says how many events the file holds");
}

/// The count `examples/README.md` gives ("holds N events").
fn readme_count() -> usize {
    let readme = std::fs::read_to_string(root().join("examples/README.md")).unwrap();
    let after = readme.split("holds ").nth(1).expect("examples/README.md says how many events the file holds");
    after.split_whitespace().next().and_then(|n| n.parse().ok()).expect("a number of events")
}

/// What the examples README promises of every line: it has a source, it is
/// recorded on or after the last day that source can have been published
/// (for an inferred, coarse date such as `2025-Q4`, its last day), and what
/// it disputes is an earlier line.
#[test]
fn no_demo_event_is_known_before_its_source() {
    let text = std::fs::read_to_string(demo_file()).unwrap();
    let mut earlier: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let e: Value = serde_json::from_str(line).unwrap();
        let published = e["source"]["published"].as_str().unwrap_or_else(|| panic!("line {}: no source date", i + 1));
        let recorded = e["recordedAt"].as_str().unwrap_or_else(|| panic!("line {}: no recordedAt", i + 1));
        let last_day = ValidTime::parse(published).unwrap().end();
        let recorded_day = Timestamp::parse(recorded).unwrap().day();
        assert!(
            recorded_day >= last_day,
            "line {}: recorded {recorded}, before its source may be out ({published})",
            i + 1
        );
        for id in e["disputes"].as_array().into_iter().flatten() {
            assert!(earlier.iter().any(|x| x == id), "line {}: disputes {id}, not an earlier line", i + 1);
        }
        earlier.push(e["id"].as_str().unwrap().to_string());
    }
}

/// Lines the format allows and the demo does not show: an inline declaration
/// in each field that takes an entity, same-line references in any order,
/// nulls for absent fields, every valid-time form.
const GOOD: &[&str] = &[
    // Inline declarations as subject, object and in about; about repeats the object by id.
    r#"{"kind":"letter_sent","at":"2026-01-28","subject":{"id":"john-moolenaar","type":"actor","name":"John Moolenaar"},"object":{"id":"us-commerce","type":"agency","name":"U.S. Department of Commerce","country":"US"},"about":[{"id":"nvidia-h200","type":"chip","name":"Nvidia H200","attrs":{"memory":"141GB"}},"us-commerce"]}"#,
    // A reference by id to an entity declared later on the same line (in about), fields in another order.
    r#"{"about":[{"id":"acme-chip","type":"chip"}],"object":"acme-chip","subject":{"id":"acme","type":"actor"},"at":"2025-Q2","kind":"product_announced"}"#,
    // Absent fields given as null; a month; an id and a source.
    r#"{"id":"0194f000-0000-7000-8000-0000000000aa","kind":"ban_imposed","at":"2025-04","subject":"us-commerce","object":{"id":"nvidia-h20","type":"chip","name":"Nvidia H20"},"about":null,"attrs":null,"source":{"publisher":"Reuters","url":null,"title":"t","published":"2025-04-15"},"retracts":null}"#,
    // A retraction at an instant, with the fields an export adds.
    r#"{"id":"0194f000-0000-7000-8000-0000000000ab","kind":"event_retracted","at":"2026-01-30T12:00:00Z","subject":{"id":"analyst","type":"actor"},"retracts":"0194f000-0000-7000-8000-0000000000aa","attrs":{"reason":"duplicate"},"recordedAt":"2026-01-30T12:00:00.000000Z","position":70}"#,
    // Evidence: a status, and the events disputed (null status means reported).
    r#"{"kind":"statement_made","at":"2026-01-29","subject":"jensen-huang","status":"denied","disputes":["0194f000-0000-7000-8000-0000000000aa","0194f000-0000-7000-8000-0000000000ab"]}"#,
    r#"{"kind":"ban_lifted","at":"2026-Q3","subject":"us-commerce","object":"nvidia-h20","status":"expected","disputes":[]}"#,
    r#"{"kind":"ban_imposed","at":"2026","subject":"us-commerce","object":"acme","status":null,"disputes":null}"#,
    // A year.
    r#"{"kind":"entity_declared","at":"2024","subject":{"id":"deepseek","type":"actor","name":"DeepSeek","country":"CN"}}"#,
];

#[test]
fn inline_declarations_validate_in_every_entity_field() {
    let v = validator();
    let vocab = Vocabulary::builtin();
    for line in GOOD {
        let errors = schema_errors(&v, line);
        assert!(errors.is_empty(), "{line}\n{errors:?}");
        parse_line(line, Location::Single, &vocab).unwrap_or_else(|e| panic!("{line}\n{e}"));
    }
}

/// Lines with a wrong shape, each refused by the parser for that shape.
const BAD: &[(&str, &str)] = &[
    ("no kind", r#"{"at":"2026","subject":{"id":"acme","type":"actor"}}"#),
    ("no at", r#"{"kind":"entity_declared","subject":{"id":"acme","type":"actor"}}"#),
    ("no subject", r#"{"kind":"entity_declared","at":"2026"}"#),
    ("month 13", r#"{"kind":"entity_declared","at":"2024-13-02","subject":{"id":"acme","type":"actor"}}"#),
    ("quarter 5", r#"{"kind":"entity_declared","at":"2024-Q5","subject":{"id":"acme","type":"actor"}}"#),
    (
        "an id that is not a slug",
        r#"{"kind":"entity_declared","at":"2026","subject":{"id":"ByteDance","type":"actor"}}"#,
    ),
    ("a slug starting with a hyphen", r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":"-acme"}"#),
    ("an unknown entity type", r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"company"}}"#),
    (
        "a declaration without an id",
        r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":{"type":"actor","name":"Acme"}}"#,
    ),
    ("a blank name", r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor","name":"  "}}"#),
    ("a number as a reference", r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":7}"#),
    (
        "a bad reference in about",
        r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":"acme","about":["Nvidia"]}"#,
    ),
    (
        "an event id that is not a UUID",
        r#"{"id":"evt-1","kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"}}"#,
    ),
    (
        "attrs as a string",
        r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"},"attrs":"big"}"#,
    ),
    (
        "an unknown field",
        r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"},"confidence":0.9}"#,
    ),
    (
        "an unknown source field",
        r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"},"source":{"author":"me"}}"#,
    ),
    (
        "an unknown status",
        r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":"acme","status":"rumoured"}"#,
    ),
    (
        "a status in capitals",
        r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":"acme","status":"DENIED"}"#,
    ),
    (
        "disputes as one id",
        r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":"acme","disputes":"0194f000-0000-7000-8000-0000000000aa"}"#,
    ),
    (
        "a disputes id that is not a UUID",
        r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":"acme","disputes":["evt-1"]}"#,
    ),
    (
        "a disputed event named twice",
        r#"{"kind":"ban_imposed","at":"2026","subject":"us-gov","object":"acme","disputes":["0194f000-0000-7000-8000-0000000000aa","0194f000-0000-7000-8000-0000000000aa"]}"#,
    ),
    (
        "a position of 0",
        r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"},"position":0}"#,
    ),
];

#[test]
fn lines_of_the_wrong_shape_are_refused_by_schema_and_parser() {
    let v = validator();
    let vocab = Vocabulary::builtin();
    for (why, line) in BAD {
        assert!(!schema_errors(&v, line).is_empty(), "the schema accepts {why}: {line}");
        assert!(parse_line(line, Location::Single, &vocab).is_err(), "the parser accepts {why}: {line}");
    }
}
