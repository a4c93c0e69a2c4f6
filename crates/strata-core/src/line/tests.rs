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
        (
            r#"{"kind":"approval_grantd","at":"2026","subject":"a","object":"b"}"#,
            "kind",
            "unknown kind \"approval_grantd\"",
        ),
        (r#"{"at":"2026","subject":"a","object":"b"}"#, "kind", "is required"),
        (
            r#"{"kind":"approval_granted","at":"2024-13-02","subject":"a","object":"b"}"#,
            "at",
            "month 13 is out of range",
        ),
        (r#"{"kind":"approval_granted","subject":"a","object":"b"}"#, "at", "is required"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"ByteDance","object":"b"}"#, "subject", "lowercase slugs"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a"}"#, "object", "is required for kind approval_granted"),
        (r#"{"kind":"entity_declared","at":"2026","subject":"a","object":"b"}"#, "subject", "inline declaration"),
        (
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","type":"robot"}}"#,
            "subject.type",
            "unknown entity type",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","about":["ok","Bad Id"]}"#,
            "about[1]",
            "lowercase slugs",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":[1]}"#,
            "attrs",
            "expected an object",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":{"publisher":"x","author":"y"}}"#,
            "source.author",
            "unknown field",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":{"published":"Jan 28"}}"#,
            "source.published",
            "invalid date",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","retracts":"0190a0a0-0000-7000-8000-000000000000"}"#,
            "retracts",
            "only a retraction",
        ),
        (r#"{"kind":"event_retracted","at":"2026","subject":"a"}"#, "retracts", "is required"),
        (r#"{"kind":"event_retracted","at":"2026","subject":"a","retracts":"nope"}"#, "retracts", "not a UUID"),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","id":"42"}"#, "id", "not a UUID"),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","subjcet":"a"}"#,
            "subjcet",
            "unknown field",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","recordedAt":"yesterday"}"#,
            "recordedAt",
            "invalid timestamp",
        ),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","position":0}"#, "position", "from 1"),
        (
            r#"{"kind":"event_retracted","at":"2026","subject":"a","object":"b","retracts":"0190a0a0-0000-7000-8000-000000000000"}"#,
            "object",
            "takes no object",
        ),
        (r#"{"kind":"approval_granted","at":"2026","subject":{"name":"x"},"object":"b"}"#, "subject.id", "is required"),
        (r#"{"kind":"approval_granted","at":"2026","subject":5,"object":"b"}"#, "subject", "found a number"),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","status":"rumoured"}"#,
            "status",
            "unknown status \"rumoured\"",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","status":"Confirmed"}"#,
            "status",
            "one of confirmed, reported, expected, denied",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","status":1}"#,
            "status",
            "expected a string",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","disputes":"0190a0a0-0000-7000-8000-000000000000"}"#,
            "disputes",
            "expected a list of event ids",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","disputes":["0190a0a0-0000-7000-8000-000000000000",5]}"#,
            "disputes[1]",
            "expected a string",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","disputes":["nope"]}"#,
            "disputes[0]",
            "invalid",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","disputes":["0190a0a0-0000-7000-8000-000000000000","0190a0a0-0000-7000-8000-000000000000"]}"#,
            "disputes[1]",
            "named twice",
        ),
        (
            r#"{"id":"0190a0a0-0000-7000-8000-000000000000","kind":"approval_granted","at":"2026","subject":"a","object":"b","disputes":["0190a0a0-0000-7000-8000-000000000000"]}"#,
            "disputes[0]",
            "cannot dispute itself",
        ),
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
fn status_and_disputes_are_read_and_exported_only_when_not_the_default() {
    let base = r#"{"id":"0190f3a2-7b1c-7cc0-8a01-9d2b1c3e4f50","kind":"approval_granted","at":"2026","subject":"a","object":"b""#;
    let p = parse(&format!("{base}}}")).unwrap();
    assert_eq!(p.event.status, ClaimStatus::Reported);
    assert!(p.event.disputes.is_empty());
    for status in ClaimStatus::ALL {
        let d = "0190a0a0-0000-7000-8000-000000000000";
        let text = format!(r#"{base},"status":"{}","disputes":["{d}"]}}"#, status.as_str());
        let p = parse(&text).unwrap();
        assert_eq!(p.event.status, status);
        assert_eq!(p.event.disputes, vec![EventId::parse(d).unwrap()]);
        let line = to_line(&RecordedEvent { position: 1, recorded_at: Timestamp(5), event: p.event.clone() });
        // `reported` is the default, left out on export; any other status is written.
        assert_eq!(line.contains(r#""status""#), status != ClaimStatus::Reported, "{line}");
        assert!(line.contains(&format!(r#""disputes":["{d}"]"#)), "{line}");
        let again = parse(&line).unwrap();
        assert_eq!(again.event, p.event);
        assert_eq!(to_line(&RecordedEvent { position: 1, recorded_at: Timestamp(5), event: again.event }), line);
    }
    // `null` and an empty list are the defaults too.
    let p = parse(&format!(r#"{base},"status":null,"disputes":[]}}"#)).unwrap();
    assert_eq!((p.event.status, p.event.disputes.len()), (ClaimStatus::Reported, 0));
}

#[test]
fn aliases_are_read_only_in_a_declaration_and_a_non_list_is_refused() {
    let line = r#"{"id":"0190f3a2-7b1c-7cc0-8a01-9d2b1c3e4f50","kind":"approval_granted","at":"2026","subject":{"id":"a","aliases":["A Agency"]},"object":{"id":"huawei","type":"actor","name":"Huawei","aliases":["HUAWEI TECHNOLOGIES CO., LTD.","华为"],"attrs":{"aliases":"an attribute"}},"about":[{"id":"c","aliases":[]}]}"#;
    let p = parse(line).unwrap();
    // A declaration that gives only aliases is a declaration.
    let subject = p.event.subject.decl.as_ref().unwrap();
    assert_eq!(subject.aliases, ["A Agency"]);
    assert_eq!(subject.entity_type, None);
    let object = p.event.object.as_ref().unwrap().decl.as_ref().unwrap();
    assert_eq!(object.aliases, ["HUAWEI TECHNOLOGIES CO., LTD.", "华为"]);
    // `attrs.aliases` is an attribute like any other, not a name.
    assert_eq!(object.attrs.get("aliases"), Some(&Value::from("an attribute")));
    // An empty list gives no aliases: a reference with nothing else declares nothing.
    assert_eq!(p.event.about[0].decl, None);
    let rec = RecordedEvent { position: 1, recorded_at: Timestamp(5), event: p.event.clone() };
    let exported = to_line(&rec);
    assert!(exported.contains(r#""aliases":["HUAWEI TECHNOLOGIES CO., LTD.","华为"]"#), "{exported}");
    let again = parse(&exported).unwrap();
    assert_eq!(again.event, p.event);
    assert_eq!(to_line(&RecordedEvent { event: again.event, ..rec }), exported);

    let cases: &[(&str, &str, &str)] = &[
        (
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","type":"actor","aliases":"A Co"}}"#,
            "subject.aliases",
            "expected a list of names, found a string",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":{"id":"b","aliases":{"x":1}}}"#,
            "object.aliases",
            "expected a list of names, found an object",
        ),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","about":[{"id":"c","aliases":["C",2]}]}"#,
            "about[0].aliases[1]",
            "expected a string, found a number",
        ),
        (
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","type":"actor","aliases":["A"," "]}}"#,
            "subject.aliases[1]",
            "cannot be blank",
        ),
    ];
    for (text, field, reason) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!((e.location, e.field.as_str()), (Location::Line(7), *field), "{text}: {e}");
        assert!(e.reason.contains(reason), "{text}: {e}");
    }
}

#[test]
fn a_note_and_a_relayed_source_are_kept_and_exported() {
    let text = r#"{"kind":"approval_granted","at":"2026-01","subject":"a","object":"b","source":{"publisher":"DatacenterDynamics","via":"Reuters"},"note":"Reported on 28 January; no day given."}"#;
    let p = parse(text).unwrap();
    assert_eq!(p.event.note.as_deref(), Some("Reported on 28 January; no day given."));
    let source = p.event.source.as_ref().unwrap();
    assert_eq!(source.via.as_deref(), Some("Reuters"));
    assert_eq!(source.origin(), Some("Reuters"), "a relay counts as its originating outlet");
    assert!(p.event.attrs.is_empty(), "a note is not an attribute");
    let line = to_line(&RecordedEvent { position: 1, recorded_at: Timestamp(5), event: p.event.clone() });
    assert!(line.contains(r#""note":"Reported on 28 January; no day given.""#), "{line}");
    assert!(line.contains(r#""via":"Reuters""#), "{line}");
    assert_eq!(parse(&line).unwrap().event, p.event);
    // Without `via` the publisher is the origin; `null` and absence mean no note.
    let plain = parse(
        r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":{"publisher":"P"},"note":null}"#,
    )
    .unwrap();
    assert_eq!(plain.event.note, None);
    assert_eq!(plain.event.source.as_ref().and_then(Source::origin), Some("P"));
    assert!(!to_line(&RecordedEvent { position: 1, recorded_at: Timestamp(5), event: plain.event }).contains("note"));
    for (text, field, reason) in [
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","note":"  "}"#,
            "note",
            "cannot be blank",
        ),
        (r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","note":3}"#, "note", "expected a string"),
        (
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":{"via":1}}"#,
            "source.via",
            "expected a string",
        ),
    ] {
        let e = parse(text).expect_err(text);
        assert_eq!((e.field.as_str(), e.reason.contains(reason)), (field, true), "{text}: {e}");
        same_as_via_value(text);
    }
}

#[test]
fn a_bare_id_object_is_a_plain_reference() {
    let p = parse(r#"{"kind":"approval_granted","at":"2026","subject":{"id":"a"},"object":"b"}"#).unwrap();
    assert_eq!(p.event.subject.decl, None);
}

#[test]
fn optional_object_may_be_left_out() {
    let p = parse(r#"{"kind":"statement_made","at":"2026-01-29","subject":"jensen-huang","about":["nvidia-h200"]}"#)
        .unwrap();
    assert!(p.event.object.is_none());
    assert_eq!(p.event.about.len(), 1);
}

/// Both ways of reading a line: same event (the id too, when given), or the
/// same refusal, word for word.
fn same_as_via_value(text: &str) {
    static VOCAB: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    let vocab = VOCAB.get_or_init(vocab);
    let loc = Location::Line(3);
    let typed = parse_line(text, loc, vocab);
    let via_value = parse_line_via_value(text, loc, vocab);
    match (typed, via_value) {
        (Ok(mut a), Ok(b)) => {
            if !a.id_given {
                // Both assigned a new id; compare the rest.
                a.event.id = b.event.id;
            }
            assert_eq!(a, b, "{text}");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
        (a, b) => panic!("{text}\ntyped: {a:?}\nvia a value: {b:?}"),
    }
}

/// Lines of every shape: the demo log, the tests' lines, and a few with
/// escapes, duplicate keys, nulls, nesting and odd values.
fn sample_lines() -> Vec<String> {
    let mut lines: Vec<String> = include_str!("../../../../examples/h200-china.ndjson")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    lines.push(OK.to_owned());
    lines.extend(
        [
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","kind":"approval_granted"}"#,
            r#"{"kind":null,"at":"2026","subject":"a","object":"b","kind":"approval_granted"}"#,
            r#"{"kind":"approval_granted","kind":null,"at":"2026","subject":"a","object":"b"}"#,
            r#"{"ki\u006ed":"approval_granted","at":"20\u00326","subject":"\u0061","object":{"id":"b","x":[1,2.5e3,-3,{"y":null}]}}"#,
            r#"{"zzz":1,"kind":"approval_granted","zzz":[1,{"a":"b"}],"yyy":true}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":{"a":1,"b":2,"a":3},"position":7}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","position":1.5}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","position":-1}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","position":"3"}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":"x"}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","about":"x"}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":"x"}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","source":null,"about":null,"attrs":null}"#,
            r#"{"kind":["approval_granted"],"at":2026,"subject":true,"object":null}"#,
            r#"{"kind":"event_retracted","at":"2026","subject":"a","retracts":"0190a0a0-0000-7000-8000-000000000000","recordedAt":"2026-01-28T00:00:00Z"}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":{"n":1e999}}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","unknown":1e999}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":{"big":18446744073709551616,"neg":-9223372036854775809,"f":0.1}}"#,
            r#"  {"kind":"approval_granted","at":"2026","subject":"a","object":"b"}  "#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b"} x"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b",}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a\ud800","object":"b"}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":{"q":"\"quoted\" \\ \n"}}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","status":"denied","disputes":["0190a0a0-0000-7000-8000-000000000000"]}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","status":"x","disputes":[1,"y"]}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","status":["expected"],"disputes":{}}"#,
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"huawei","type":"actor","name":"Huawei","aliases":["HUAWEI TECHNOLOGIES CO., LTD.","\u534e\u4e3a"]}}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":{"id":"b","aliases":["B Corp"],"aliases":["B2"]},"about":[{"id":"c","aliases":[]}]}"#,
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","type":"actor","aliases":"A Co"}}"#,
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","type":"actor","aliases":["A",1]}}"#,
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","type":"actor","aliases":[" "]}}"#,
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"a","aliases":null,"attrs":{"aliases":["kept as an attribute"]}}}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","note":"a \"remark\"","note":"last"}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","note":"","source":{"via":"R"}}"#,
            r#"{"kind":"approval_granted","at":"2026","subject":"a","object":"b","note":["x"],"source":{"via":null}}"#,
            r#""just a string""#,
            r#"null"#,
            r#"12"#,
            r#"-1.5"#,
            r#"true"#,
            r#"[{"kind":"approval_granted"}]"#,
            r#"{}"#,
            r#""#,
        ]
        .map(str::to_owned),
    );
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    lines.push(format!(
        r#"{{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":{{"d":{deep}}}}}"#
    ));
    lines.push(format!(r#"{{"kind":"approval_granted","at":"2026","subject":"a","object":"b","zz":{deep}}}"#));
    lines.push(deep);
    let nested = format!("{}1{}", "[".repeat(126), "]".repeat(126));
    lines.push(format!(
        r#"{{"kind":"approval_granted","at":"2026","subject":"a","object":"b","attrs":{{"d":{nested}}}}}"#
    ));
    lines
}

#[test]
fn the_typed_reader_matches_the_value_reader_on_sample_lines() {
    for line in sample_lines() {
        same_as_via_value(&line);
    }
}

/// Every line cut short, every byte deleted, and JSON's punctuation and a
/// few other characters put in at every place, or put in place of a byte.
#[test]
fn the_typed_reader_matches_the_value_reader_on_mutated_lines() {
    const INSERTS: [&str; 16] =
        ["\"", "{", "}", "[", "]", ":", ",", "\\", "n", "0", "-", "null", " ", "é", "\"kind\":", "\"x\":1,"];
    let mut checked = 0usize;
    // Every fourth line: the demo log's shapes and the odd ones, about 25.
    for line in sample_lines().iter().step_by(4) {
        let boundaries: Vec<usize> = (0..=line.len()).filter(|i| line.is_char_boundary(*i)).collect();
        for (n, &i) in boundaries.iter().enumerate() {
            same_as_via_value(&line[..i]);
            if let Some(&next) = boundaries.get(n + 1) {
                same_as_via_value(&format!("{}{}", &line[..i], &line[next..]));
                for ins in INSERTS {
                    same_as_via_value(&format!("{}{ins}{}", &line[..i], &line[next..]));
                }
            }
            for ins in INSERTS {
                same_as_via_value(&format!("{}{ins}{}", &line[..i], &line[i..]));
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Lines built from JSON's tokens and the line format's keys and values.
    #[test]
    fn the_typed_reader_matches_the_value_reader_on_token_soup(
        tokens in proptest::collection::vec(proptest::sample::select(vec![
            "{", "}", "[", "]", ":", ",", "\"", "null", "true", "1", "-2", "3.5e1", "1e999",
            "\"kind\"", "\"at\"", "\"subject\"", "\"object\"", "\"about\"", "\"attrs\"", "\"source\"",
            "\"id\"", "\"retracts\"", "\"status\"", "\"disputes\"", "\"denied\"", "\"recordedAt\"", "\"position\"", "\"other\"", "\"type\"", "\"name\"", "\"aliases\"", "\"note\"", "\"via\"",
            "\"approval_granted\"", "\"entity_declared\"", "\"event_retracted\"", "\"2026\"", "\"2026-01-28\"",
            "\"a\"", "\"b\"", "\"actor\"", "\"publisher\"", "\"0190a0a0-0000-7000-8000-000000000000\"",
            "\"2026-01-28T00:00:00Z\"", "\"\\u0061\"", " ",
        ]), 0..40)
    ) {
        same_as_via_value(&tokens.concat());
    }

    /// A good line with fields dropped, repeated or nulled.
    #[test]
    fn the_typed_reader_matches_the_value_reader_on_reshaped_lines(
        picks in proptest::collection::vec((0usize..16, 0usize..4), 0..16)
    ) {
        let parts = [
            r#""kind":"approval_granted""#, r#""at":"2026-01""#, r#""subject":"cn-miit""#,
            r#""object":{"id":"bytedance","type":"actor","name":"ByteDance","aliases":["Bytedance Ltd"],"country":"CN"}"#,
            r#""about":["nvidia-h200",{"id":"h20","type":"chip"}]"#, r#""attrs":{"quantity":400000,"b":1,"a":2}"#,
            r#""source":{"publisher":"Reuters","published":"2026-01-28"}"#, r#""id":"0190f3a2-7b1c-7cc0-8a01-9d2b1c3e4f50""#,
            r#""recordedAt":"2026-01-28T00:00:00.000001Z""#, r#""position":3"#, r#""retracts":"0190a0a0-0000-7000-8000-000000000000""#,
            r#""kind":"event_retracted""#, r#""status":"expected""#,
            r#""disputes":["0190a0a0-0000-7000-8000-000000000000"]"#,
            r#""note":"dated at the month of the report""#,
            r#""source":{"publisher":"DatacenterDynamics","via":"Reuters"}"#,
        ];
        let fields: Vec<String> = picks
            .iter()
            .map(|&(i, how)| {
                let part = parts[i % parts.len()];
                match how {
                    0 | 1 => part.to_owned(),
                    2 => format!("{}:null", &part[..part.find(':').unwrap_or(0)]),
                    _ => format!("{}:[1]", &part[..part.find(':').unwrap_or(0)]),
                }
            })
            .collect();
        same_as_via_value(&format!("{{{}}}", fields.join(",")));
    }
}
