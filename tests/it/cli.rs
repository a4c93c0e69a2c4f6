//! The command line: import, export and its restore round trip, query,
//! errors a user can act on.

use crate::support::{demo_file, demo_len, query, run, stderr, stdout, strata};

#[test]
fn import_then_query_answers_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["import", demo_file().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("{} new events", demo_len())), "{}", stderr(&o));

    let r = query(dir.path(), r#"{ stats { events entities } entity(id: "deepseek") { name type } }"#);
    assert_eq!(r["data"]["stats"]["events"], demo_len());
    assert_eq!(r["data"]["entity"]["name"], "DeepSeek");
    assert_eq!(r["data"]["entity"]["type"], "ACTOR");

    // Importing the same file again is a no-op: every event has an id.
    let again = run(dir.path(), &["import", demo_file().to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains(&format!("0 new events, {} already stored", demo_len())), "{}", stderr(&again));
}

#[test]
fn a_bad_line_names_line_and_field_and_stores_nothing_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"}}"#,
            "\n",
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"gov","type":"agency"}}"#,
            "\n",
            "\n",
            r#"{"kind":"approval_granted","at":"2024-13-02","subject":"gov","object":"acme"}"#,
            "\n",
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let o = run(&data, &["import", file.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("line 4, field `at`"), "{err}");
    assert!(err.contains("month 13 is out of range"), "{err}");
    assert!(err.contains("nothing of this file was stored"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line a person can act on: {err}");
    let r = query(&data, "{ stats { events } }");
    assert_eq!(r["data"]["stats"]["events"], 0);
}

#[test]
fn unknown_entity_and_bad_slug_are_refused_with_their_field() {
    let dir = tempfile::tempdir().unwrap();
    for (line, want) in [
        (
            r#"{"kind":"letter_sent","at":"2026-01-28","subject":"john-moolenaar","object":"howard-lutnick"}"#,
            "line 1, field `subject`: unknown entity",
        ),
        (
            r#"{"kind":"entity_declared","at":"2026","subject":{"id":"DeepSeek","type":"actor"}}"#,
            "line 1, field `subject.id`",
        ),
        (r#"{"kind":"approval_grantd","at":"2026","subject":"a","object":"b"}"#, "line 1, field `kind`: unknown kind"),
        ("{not json", "line 1: malformed JSON"),
    ] {
        let file = dir.path().join("one.ndjson");
        std::fs::write(&file, line).unwrap();
        let o = run(&dir.path().join("data"), &["import", file.to_str().unwrap()]);
        assert!(!o.status.success());
        assert!(stderr(&o).contains(want), "{want}: {}", stderr(&o));
    }
}

#[test]
fn export_restores_to_the_same_bytes_and_reimport_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(run(&a, &["import", demo_file().to_str().unwrap()]).status.success());
    let first = run(&a, &["export"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let backup = dir.path().join("backup.ndjson");
    std::fs::write(&backup, &first.stdout).unwrap();
    assert_eq!(stdout(&first).lines().count() as u64, demo_len());

    // Restore into an empty store, export again: the same bytes.
    let restore = run(&b, &["import", backup.to_str().unwrap()]);
    assert!(restore.status.success(), "{}", stderr(&restore));
    let second = run(&b, &["export"]);
    assert_eq!(stdout(&first), stdout(&second));

    // Into the store it came from: nothing changes.
    let again = run(&a, &["import", backup.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("0 new events"), "{}", stderr(&again));
    assert_eq!(stdout(&run(&a, &["export"])), stdout(&first));

    // A line with a recordedAt earlier than the store's last is refused.
    let line = stdout(&first)
        .lines()
        .next()
        .unwrap()
        .replace("0194f000-0000-7000-8000-0000000000", "0194f000-0000-7000-8000-9999999999");
    let old = dir.path().join("old.ndjson");
    std::fs::write(&old, line).unwrap();
    let o = run(&a, &["import", old.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("field `recordedAt`"), "{}", stderr(&o));
}

#[test]
fn export_graphml_and_dot_show_the_graph_at_a_date() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["import", demo_file().to_str().unwrap()]).status.success());
    let g = run(dir.path(), &["export", "--format", "graphml", "--as-of", "2025-12-31"]);
    assert!(g.status.success(), "{}", stderr(&g));
    let xml = stdout(&g);
    assert!(xml.contains(r#"<node id="bytedance">"#), "{xml}");
    assert!(xml.contains(r#"source="cn-gov" target="nvidia-h200""#), "the H200 review of November 2025");
    assert!(!xml.contains(r#"source="cn-miit" target="bytedance""#), "the approvals are dated January 2026");
    let d = run(dir.path(), &["export", "--format", "dot", "--as-of", "2026-02-01"]);
    let dot = stdout(&d);
    assert!(dot.starts_with("digraph strata {"), "{dot}");
    assert!(dot.contains(r#""cn-miit" -> "deepseek""#), "{dot}");
    let bad = run(dir.path(), &["export", "--as-of", "2026-01-29"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--as-of applies to graphml, dot and neo4j-csv"), "{}", stderr(&bad));
}

#[test]
fn export_neo4j_csv_writes_the_graph_at_a_date_as_graphml_does() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["import", demo_file().to_str().unwrap()]).status.success());
    // Beside the store, not in it: a store refuses files it did not write.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("neo4j");
    for as_of in ["2025-04-15", "2026-01-29", "2026-02-01"] {
        let o = run(dir.path(), &["export", "--format", "neo4j-csv", "--as-of", as_of, "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let nodes = std::fs::read_to_string(out.join("nodes.csv")).unwrap();
        let rels = std::fs::read_to_string(out.join("relationships.csv")).unwrap();
        let mut nodes = nodes.lines();
        assert_eq!(nodes.next(), Some("id:ID,name,type,:LABEL"));
        let mut rels = rels.lines();
        assert_eq!(rels.next(), Some(":START_ID,:END_ID,:TYPE,relation,role,validFrom,validTo,event"));
        // The same graph as the GraphML export at the same date.
        let g = stdout(&run(dir.path(), &["export", "--format", "graphml", "--as-of", as_of]));
        assert_eq!(nodes.count(), g.matches("<node id=").count(), "{as_of}");
        let rels: Vec<&str> = rels.collect();
        assert_eq!(rels.len(), g.matches("<edge id=").count(), "{as_of}");
        for (line, edge) in rels.iter().zip(g.split("<edge id=").skip(1)) {
            let f: Vec<&str> = line.split(',').collect();
            assert!(edge.contains(&format!(r#"source="{}" target="{}""#, f[0], f[1])), "{line} / {edge}");
            assert_eq!(f[2], f[3].to_uppercase(), "{line}");
        }
    }
    let none = run(dir.path(), &["export", "--format", "neo4j-csv"]);
    assert!(!none.status.success());
    assert!(stderr(&none).contains("-o DIR"), "{}", stderr(&none));
}

#[test]
fn help_teaches_the_commands() {
    let o = strata().arg("--help").output().unwrap();
    let help = stdout(&o);
    for word in ["serve", "import", "query", "export", "generate", "--data", "STRATA_DATA"] {
        assert!(help.contains(word), "{word} missing from --help:\n{help}");
    }
    let o = strata().args(["import", "--help"]).output().unwrap();
    assert!(stdout(&o).contains("atomic"), "{}", stdout(&o));
}

#[test]
fn a_second_process_on_the_same_directory_is_told_why_it_cannot_open_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::support::Server::start(&["--data", dir.path().to_str().unwrap()]);
    let o = run(dir.path(), &["query", "{ stats { events } }"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("in use by another strata process"), "{}", stderr(&o));
    drop(server);
}

#[test]
fn a_damaged_data_directory_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a strata store").unwrap();
    let o = run(dir.path(), &["query", "{ stats { events } }"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.starts_with("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(dir.path().to_str().unwrap()), "names the directory: {err}");
}

#[test]
fn generate_piped_into_import_loads_every_event_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut generate = strata()
        .args(["generate", "--events", "3000", "--seed", "5"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let import =
        strata().args(["import", "-", "--data"]).arg(&data).stdin(generate.stdout.take().unwrap()).output().unwrap();
    assert!(generate.wait().unwrap().success());
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(stderr(&import).contains("3000 new events"), "{}", stderr(&import));
    let r = query(&data, "{ stats { events entities relations } }");
    assert_eq!(r["data"]["stats"]["events"], 3000);
    assert!(r["data"]["stats"]["entities"].as_u64().unwrap() > 100, "{r}");
    assert!(r["data"]["stats"]["relations"].as_u64().unwrap() > 1000, "{r}");

    // The same seed writes the same bytes, to a file as to a pipe.
    let file = dir.path().join("g.ndjson");
    let o = strata().args(["generate", "--events", "3000", "--seed", "5", "-o"]).arg(&file).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let piped = strata().args(["generate", "--events", "3000", "--seed", "5"]).output().unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), piped.stdout);
    assert!(stderr(&o).contains("3000 events"), "{}", stderr(&o));

    // It writes a file, not a log: --log is refused, saying where it belongs.
    let o = strata().args(["generate", "--events", "3", "--log", "nats://127.0.0.1:1"]).output().unwrap();
    assert!(!o.status.success() && o.stdout.is_empty());
    assert!(
        stderr(&o).contains("--log does not apply") && stderr(&o).contains("strata import FILE --log"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_checkpoint_speeds_the_next_open_and_a_damaged_one_is_ignored_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("g.ndjson");
    let o = strata().args(["generate", "--events", "2000", "--seed", "9", "-o"]).arg(&file).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&data, &["import", "--checkpoint-every", "500", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let checkpoint = data.join("strata-checkpoint");
    assert!(checkpoint.exists(), "import leaves a checkpoint");
    let q = "{ stats { events entities relations } }";
    let before = query(&data, q);
    assert_eq!(before["data"]["stats"]["events"], 2000);

    let mut bytes = std::fs::read(&checkpoint).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&checkpoint, &bytes).unwrap();
    let o = run(&data, &["query", "--checkpoint-every", "0", q]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("ignoring the checkpoint"), "the warning names what happened: {}", stderr(&o));
    assert!(stderr(&o).contains("strata-checkpoint"), "and the file: {}", stderr(&o));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        before,
        "the answer comes from the log"
    );
}
