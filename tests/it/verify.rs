//! A store the graph cannot be built from, and `strata verify`, end to end:
//! the log always exports (without the vocabulary or the graph); `serve`
//! and `query` on such a store name the event and the way out; `verify`
//! passes a healthy store and names the first problem of a broken one.

use std::path::{Path, PathBuf};

use crate::damage::{copy_dir, poke, run_bounded};
use crate::support::{demo_file, demo_len, query, stderr, stdout, strata};

/// The demo's one `letter_sent` event: the kind the short vocabulary lacks.
const LETTER_ID: &str = "0194f000-0000-7000-8000-000000000064";

/// The letter's position in the log: its line in the demo file.
fn letter_position() -> u64 {
    let demo = std::fs::read_to_string(demo_file()).unwrap();
    let line = demo.lines().position(|l| l.contains(LETTER_ID)).expect("the demo has the letter");
    line as u64 + 1
}

/// The built-in vocabulary without `kind`, written to `dir`.
fn vocabulary_without(dir: &Path, kind: &str) -> PathBuf {
    let text = std::fs::read_to_string(crate::support::root().join("schema/vocabulary.json")).unwrap();
    let mut vocab: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kinds = vocab["kinds"].as_array_mut().unwrap();
    let before = kinds.len();
    kinds.retain(|k| k["kind"] != kind);
    assert_eq!(kinds.len(), before - 1, "the vocabulary has {kind}");
    let path = dir.join(format!("vocabulary-without-{kind}.json"));
    std::fs::write(&path, vocab.to_string()).unwrap();
    path
}

/// The demo imported in three files (so the log has three chunks), in `data`.
fn demo_store(data: &Path) {
    let demo = std::fs::read_to_string(demo_file()).unwrap();
    let lines: Vec<&str> = demo.lines().collect();
    let parts = data.with_extension("parts");
    std::fs::create_dir_all(&parts).unwrap();
    for (i, chunk) in lines.chunks(25).enumerate() {
        let file = parts.join(format!("part{i}.ndjson"));
        std::fs::write(&file, chunk.join("\n")).unwrap();
        let o = run_bounded(data, &["import", file.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
}

/// `strata verify --data DIR EXTRA`: its exit code, stdout and stderr.
fn verify(data: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let o = run_bounded(data, &args);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "verify panicked:\n{err}");
    (o.status.code(), stdout(&o), err)
}

/// The value of a summary line (`events      76`).
fn summary(out: &str, name: &str) -> String {
    let line = out.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} line in:\n{out}"));
    line[name.len()..].trim().to_owned()
}

#[test]
fn the_log_exports_without_the_vocabulary_it_was_written_with() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    demo_store(&data);
    let short = vocabulary_without(tmp.path(), "letter_sent");
    let right = run_bounded(&data, &["export"]);
    assert!(right.status.success(), "{}", stderr(&right));
    let wrong = run_bounded(&data, &["export", "--vocabulary", short.to_str().unwrap()]);
    assert!(wrong.status.success(), "export needs the graph: {}", stderr(&wrong));
    assert_eq!(right.stdout.len(), wrong.stdout.len());
    assert!(right.stdout == wrong.stdout, "the same log, whatever the vocabulary");
    assert_eq!(stdout(&wrong).lines().count() as u64, demo_len());
    // The graph formats still need the graph, and say so.
    let dot = run_bounded(&data, &["export", "--format", "dot", "--vocabulary", short.to_str().unwrap()]);
    assert!(!dot.status.success());
    assert!(stderr(&dot).contains(LETTER_ID), "{}", stderr(&dot));
}

#[test]
fn serve_query_and_import_name_the_event_the_graph_cannot_take_and_the_way_out() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    demo_store(&data);
    let short = vocabulary_without(tmp.path(), "letter_sent");
    let short = short.to_str().unwrap();
    let serve = run_bounded(&data, &["serve", "--addr", "127.0.0.1:0", "--read-only", "--vocabulary", short]);
    let query = run_bounded(&data, &["query", "--vocabulary", short, "{ stats { events } }"]);
    let import = run_bounded(&data, &["import", "--vocabulary", short, demo_file().to_str().unwrap()]);
    for (what, o) in [("serve", &serve), ("query", &query), ("import", &import)] {
        assert!(!o.status.success(), "{what} opened a store it cannot build");
        let err = stderr(o);
        let line = err.lines().find(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("{what}: no error: {err}"));
        for want in [
            format!("position {}", letter_position()),
            LETTER_ID.to_owned(),
            "letter_sent".to_owned(),
            format!("strata export --data {} > log.ndjson", data.display()),
            "fix or drop that event's line".to_owned(),
            "new --data directory".to_owned(),
            "--vocabulary FILE the log was written with".to_owned(),
        ] {
            assert!(line.contains(&want), "{what}: {want:?} missing from:\n{line}");
        }
    }
}

#[test]
fn verify_passes_a_healthy_store_and_counts_what_stats_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    demo_store(&data);
    let (code, out, err) = verify(&data, &[]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    let stats = query(&data, "{ stats { events entities relations } }");
    assert_eq!(summary(&out, "events"), stats["data"]["stats"]["events"].to_string());
    assert_eq!(summary(&out, "entities"), stats["data"]["stats"]["entities"].to_string());
    assert_eq!(summary(&out, "relations"), stats["data"]["stats"]["relations"].to_string());
    assert_eq!(summary(&out, "checkpoint"), "none");
    assert_eq!(summary(&out, "head file"), format!("last acknowledged position {}", demo_len()));
    assert!(out.contains("ok: every check holds"), "{out}");

    // With a checkpoint of the whole log (a query that replays it writes one).
    let o = run_bounded(&data, &["query", "--checkpoint-every", "1", "{ stats { events } }"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(data.join("strata-checkpoint").exists());
    let (code, out, err) = verify(&data, &[]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert_eq!(summary(&out, "checkpoint"), format!("at position {}", demo_len()));
}

#[test]
fn verify_with_the_wrong_vocabulary_names_the_event_and_the_way_out() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    demo_store(&data);
    let short = vocabulary_without(tmp.path(), "letter_sent");
    let (code, out, err) = verify(&data, &["--vocabulary", short.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert_eq!(summary(&out, "events"), format!("{} before the problem", letter_position() - 1));
    let line = err.lines().find(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("no error: {err}"));
    for want in [&format!("position {}", letter_position()), LETTER_ID, "strata export --data", "--vocabulary FILE"] {
        assert!(line.contains(want), "{want:?} missing from:\n{line}");
    }
}

#[test]
fn verify_refuses_a_damaged_checkpoint_or_one_from_another_store() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    demo_store(&base);
    let o = run_bounded(&base, &["query", "--checkpoint-every", "1", "{ stats { events } }"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let good = std::fs::read(base.join("strata-checkpoint")).unwrap();

    // Another store's checkpoint: a generated log of 50 events, and one of
    // 100 (which runs past the demo's last position).
    let mut foreign = Vec::new();
    for events in ["50", "100"] {
        let other = tmp.path().join(format!("other-{events}"));
        let file = tmp.path().join(format!("generated-{events}.ndjson"));
        let o = strata().args(["generate", "--events", events, "-o", file.to_str().unwrap()]).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let o = run_bounded(&other, &["import", "--checkpoint-every", "1", file.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        foreign.push((
            format!("the checkpoint of a store of {events} events"),
            std::fs::read(other.join("strata-checkpoint")).unwrap(),
        ));
    }
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x5a;
    let mut damages = vec![
        ("a byte flipped".to_owned(), flipped, "fails its checksum"),
        ("cut short".to_owned(), good[..good.len() / 2].to_vec(), "checkpoint"),
        ("garbage".to_owned(), vec![0xee; 4096], "does not start as a strata checkpoint"),
    ];
    damages.push((foreign[0].0.clone(), foreign[0].1.clone(), "was taken from another log"));
    let past_the_end = format!("after the log's last position {}", demo_len());
    damages.push((foreign[1].0.clone(), foreign[1].1.clone(), past_the_end.as_str()));
    for (i, (what, bytes, want)) in damages.iter().enumerate() {
        let dir = tmp.path().join(format!("damaged-{i}"));
        copy_dir(&base, &dir);
        std::fs::write(dir.join("strata-checkpoint"), bytes).unwrap();
        let (code, out, err) = verify(&dir, &[]);
        assert_eq!(code, Some(1), "{what}: {out}\n{err}");
        // The log itself holds: every event was read and applied.
        assert_eq!(summary(&out, "events"), format!("{} before the problem", demo_len()), "{what}");
        let line = err.lines().find(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("{what}: no error: {err}"));
        assert!(line.contains("strata-checkpoint") && line.contains(want), "{what}: {want:?} missing from:\n{line}");
        assert!(line.contains("delete it"), "{what}: no remedy in:\n{line}");
    }
}

#[test]
fn verify_on_a_damaged_log_says_where_and_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    demo_store(&base);

    // The first chunk (positions 1 to 25) replaced by bytes that are no chunk:
    // the store opens (its end is whole), the scan finds it.
    let dir = tmp.path().join("first-chunk");
    copy_dir(&base, &dir);
    let mut key = vec![b'L'];
    key.extend_from_slice(&1u64.to_be_bytes());
    poke(&dir, &key, b"not a chunk of events");
    let (code, out, err) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert_eq!(summary(&out, "events"), "0 before the problem");
    let line = err.lines().find(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("no error: {err}"));
    assert!(line.contains("at position 1:") && line.contains("is damaged"), "{line}");
    assert!(line.contains(&dir.display().to_string()), "{line}");

    // sled's file flipped or cut: refused with one clear line, or (damage
    // sled takes for a torn write) read whole as what it holds; never a panic.
    let db = std::fs::read(base.join("db")).unwrap();
    let used = db.iter().rposition(|b| *b != 0).unwrap_or(0);
    for i in 0..8 {
        let dir = tmp.path().join(format!("flipped-{i}"));
        copy_dir(&base, &dir);
        let mut bytes = db.clone();
        let at = (i * used / 8 + 7).min(bytes.len().saturating_sub(8));
        for b in &mut bytes[at..at + 8] {
            *b ^= 0xa5;
        }
        std::fs::write(dir.join("db"), bytes).unwrap();
        let (code, out, err) = verify(&dir, &[]);
        match code {
            Some(0) => {
                let export = run_bounded(&dir, &["export"]);
                assert!(export.status.success(), "verify passed a store export refuses: {}", stderr(&export));
                assert_eq!(summary(&out, "events"), stdout(&export).lines().count().to_string());
            }
            Some(1) => {
                let line = err.lines().find(|l| l.starts_with("error: "));
                assert!(line.is_some_and(|l| l.contains(&dir.display().to_string())), "flip at {at}: {err}");
            }
            other => panic!("flip at {at}: exit {other:?}\n{out}\n{err}"),
        }
    }
}
