//! Tests of the line format: every shape error names its line and field.

use super::*;

fn vocab() -> Vocabulary {
    Vocabulary::builtin()
}

fn parse(text: &str) -> Result<ParsedLine, InvalidEvent> {
    parse_line(text, Location::Line(7), &vocab())
}

const OK: &str = r#"{"kind":"approval_granted","at":"2026-01","subject":"cn-miit","object":{"id":"bytedance","type":"actor","name":"ByteDance","country":"CN"},"about":["nvidia-h200"],"attrs":{"quantity":400000,"b":1,"a":2},"source":{"publisher":"Reuters","published":"2026-01-28"}}"#;

#[test]
fn a_good_line_keeps_everything_as_given() {
    let p = parse(OK).unwrap();
    assert!(!p.id_given);
    let e = &p.event;
    assert_eq!(e.kind, "approval_granted");
    assert_eq!(e.at.as_str(), "2026-01");
    assert_eq!(e.subject.id.as_str(), "cn-miit");
    let obj = e.object.as_ref().unwrap();
    let decl = obj.decl.as_ref().unwrap();
    assert_eq!(decl.entity_type, Some(EntityType::Actor));
    assert_eq!(decl.name.as_deref(), Some("ByteDance"));
    assert_eq!(decl.attrs.get("country"), Some(&Value::from("CN")));
    // attrs keep their order, as given
    assert_eq!(e.attrs.keys().collect::<Vec<_>>(), ["quantity", "b", "a"]);
    assert_eq!(e.source.as_ref().and_then(|s| s.publisher.as_deref()), Some("Reuters"));
}

#[test]
fn export_lines_round_trip_byte_for_byte() {
    let p = parse(OK).unwrap();
    let rec = RecordedEvent { position: 3, recorded_at: Timestamp(1_769_600_000_123_456), event: p.event };
    let line = to_line(&rec);
    let again = parse(&line).unwrap();
    assert!(again.id_given);
    assert_eq!(again.recorded_at, Some(rec.recorded_at));
    assert_eq!(again.position, Some(3));
    assert_eq!(again.event, rec.event);
    let rec2 = RecordedEvent { position: 3, recorded_at: rec.recorded_at, event: again.event };
    assert_eq!(to_line(&rec2), line);
}

#[test]
fn bad_lines_name_line_field_and_reason() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"{"kind": "approval_granted", "at": "#, "", "malformed JSON"),
        (r#"[1,2]"#, "", "must be a JSON object"),
        (r#"{"kind":"approval_grantd","at":"2026","subject":"a","object":"b"}"#, "kind", "unknown kind \"approval_grantd\""),
        (r#"{"at":"2026","subject":"a","object":"b"}"#, "kind", "is required"),
        (r#"{"kind":"approval_granted","at":"2024-13-02","subject":"a","object":"b"}"#, "at", "month 13 is out of range"),
        (r#"{"kind":"approval_granted","subject":"a","object":"b"}"#, "at", "is required"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"ByteDance","object":"b"}"#, "subject", "lowercase slugs"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a"}"#, "object", "is required for kind approval_granted"),
        (r#"{"kind":"entity_declared","at":"2026","subject":"a","object":"b"}"#, "subject", "inline declaration"),
        (r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","type":"robot"}}"#, "subject.type", "unknown entity type"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","about":["ok","Bad Id"]}"#, "about[1]", "lowercase slugs"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":[1]}"#, "attrs", "expected an object"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":{"publisher":"x","author":"y"}}"#, "source.author", "unknown field"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":{"published":"Jan 28"}}"#, "source.published", "invalid date"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","retracts":"0190a0a0-0000-7000-8000-000000000000"}"#, "retracts", "only a retraction"),
        (r#"{"kind":"event_retracted","at":"2026","subject":"a"}"#, "retracts", "is required"),
        (r#"{"kind":"event_retracted","at":"2026","subject":"a","retracts":"nope"}"#, "retracts", "not a UUID"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","id":"42"}"#, "id", "not a UUID"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","subjcet":"a"}"#, "subjcet", "unknown field"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","recordedAt":"yesterday"}"#, "recordedAt", "invalid timestamp"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","position":0}"#, "position", "from 1"),
        (r#"{"kind":"event_retracted","at":"2026","subject":"a","object":"b","retracts":"0190a0a0-0000-7000-8000-000000000000"}"#, "object", "takes no object"),
        (r#"{"kind":"approval_granted","at":"2026","subject":{"name":"x"},"object":"b"}"#, "subject.id", "is required"),
        (r#"{"kind":"approval_granted","at":"2026","subject":5,"object":"b"}"#, "subject", "found a number"),
    ];
    for (text, field, reason) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.location, Location::Line(7), "{text}");
        assert_eq!(&e.field, field, "{text}: {e}");
        assert!(e.reason.contains(reason), "{text}: {e}");
        let shown = e.to_string();
        assert!(shown.starts_with("line 7"), "{shown}");
    }
}

#[test]
fn a_bare_id_object_is_a_plain_reference() {
    let p = parse(r#"{"kind":"approval_granted","at":"2026","subject":{"id":"a"},"object":"b"}"#).unwrap();
    assert_eq!(p.event.subject.decl, None);
}

#[test]
fn optional_object_may_be_left_out() {
    let p = parse(r#"{"kind":"statement_made","at":"2026-01-29","subject":"jensen-huang","about":["nvidia-h200"]}"#).unwrap();
    assert!(p.event.object.is_none());
    assert_eq!(p.event.about.len(), 1);
}
