//! `verify` and `Log`: a healthy store passes with the counts `stats`
//! gives; a vocabulary lacking a kind the log uses, a damaged checkpoint or
//! one of another log is the first problem, named by position and event;
//! and a store whose graph cannot be built still reads as a log.

use std::path::Path;

use strata_core::{Timestamp, Vocabulary};
use strata_engine::{verify, Config, Engine, Error, Log};
use strata_testkit::generated;

/// A store in `dir` holding `lines`, appended in batches of 500, and a
/// checkpoint of it if `checkpoint`.
fn store(dir: &Path, lines: &[String], checkpoint: bool) {
    let engine = Engine::open(Config { checkpoint_every: 0, ..Config::at(dir) }).unwrap();
    for chunk in lines.chunks(500) {
        engine.append_text(&chunk.join("\n"), None).unwrap();
    }
    if checkpoint {
        engine.checkpoint().unwrap();
    }
}

/// The built-in vocabulary without `kind`.
fn without(kind: &str) -> Vocabulary {
    let mut vocab: serde_json::Value =
        serde_json::from_str(include_str!("../../../../schema/vocabulary.json")).unwrap();
    vocab["kinds"].as_array_mut().unwrap().retain(|k| k["kind"] != kind);
    Vocabulary::from_json(&vocab.to_string()).unwrap()
}

/// The first line of `lines` with `kind`, counting positions from 1.
fn first_of(lines: &[String], kind: &str) -> (u64, String) {
    let (i, line) = lines.iter().enumerate().find(|(_, l)| l.contains(&format!("\"kind\":\"{kind}\""))).unwrap();
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    (i as u64 + 1, value["id"].as_str().unwrap().to_owned())
}

#[test]
fn a_healthy_store_passes_with_the_counts_stats_gives() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated::lines(2600, 3);
    store(dir.path(), &lines[..2000], true);
    let report = verify(dir.path(), &Vocabulary::builtin());
    assert!(report.is_ok(), "{:?}", report.problem);
    let engine = Engine::open(Config::at(dir.path())).unwrap();
    let stats = engine.snapshot().stats(Timestamp::MAX);
    assert_eq!((report.events, report.entities, report.relations), (2000, stats.entities, stats.relations));
    assert_eq!(report.checkpoint, Some(2000));
    assert_eq!(report.acknowledged.position, 2000);
    drop(engine);

    // A checkpoint in the middle of the log is compared there.
    let engine = Engine::open(Config { checkpoint_every: 0, ..Config::at(dir.path()) }).unwrap();
    engine.append_text(&lines[2000..].join("\n"), None).unwrap();
    drop(engine);
    let report = verify(dir.path(), &Vocabulary::builtin());
    assert!(report.is_ok(), "{:?}", report.problem);
    assert_eq!((report.events, report.checkpoint), (2600, Some(2000)));

    // An empty directory is an empty, healthy store.
    let empty = tempfile::tempdir().unwrap();
    let report = verify(empty.path(), &Vocabulary::builtin());
    assert!(report.is_ok(), "{:?}", report.problem);
    assert_eq!((report.events, report.checkpoint), (0, None));
    // A missing one is no store at all, and is not created.
    let missing = empty.path().join("missing");
    let report = verify(&missing, &Vocabulary::builtin());
    assert!(matches!(report.problem, Some(p) if p.error.to_string().contains("No such file")));
    assert!(!missing.exists());
}

#[test]
fn a_vocabulary_lacking_a_kind_names_the_first_event_of_it_and_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated::lines(1500, 4);
    store(dir.path(), &lines, false);
    let (position, id) = first_of(&lines, "chip_used");
    let vocabulary = without("chip_used");

    let report = verify(dir.path(), &vocabulary);
    let problem = report.problem.expect("a problem");
    assert_eq!(problem.position, Some(position));
    assert_eq!(problem.event.map(|e| e.to_string()), Some(id.clone()));
    assert_eq!(report.events, position - 1);
    let message = problem.to_string();
    assert!(message.contains(&format!("position {position}")) && message.contains(&id), "{message}");
    assert!(message.contains(&format!("strata export --data {}", dir.path().display())), "{message}");

    // Opening says the same, with the same remedy.
    let Err(err) = Engine::open(Config { vocabulary: vocabulary.clone(), ..Config::at(dir.path()) }) else {
        panic!("the engine opened a log it cannot build")
    };
    assert!(matches!(err, Error::Rebuild { at: Some((p, _)), .. } if p == position), "{err:?}");
    assert_eq!(err.to_string(), message);

    // The log reads whole without the graph.
    let log = Log::open(dir.path()).unwrap();
    assert_eq!(log.head().position, 1500);
    let ids: Vec<String> = log.scan(1).map(|r| r.unwrap().event.id.to_string()).collect();
    assert_eq!(ids.len(), 1500);
    assert_eq!(ids[position as usize - 1], id);
}

#[test]
fn a_damaged_checkpoint_or_one_of_another_log_is_a_problem_after_the_whole_log() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    store(a.path(), &generated::lines(1200, 5), true);
    store(b.path(), &generated::lines(1000, 6), true);
    let path = a.path().join("strata-checkpoint");
    let good = std::fs::read(&path).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let other = std::fs::read(b.path().join("strata-checkpoint")).unwrap();
    for (what, bytes, want) in [
        ("flipped", flipped, "fails its checksum"),
        ("cut", good[..100].to_vec(), "fails its checksum"),
        ("another log's", other, "was taken from another log"),
    ] {
        std::fs::write(&path, &bytes).unwrap();
        let report = verify(a.path(), &Vocabulary::builtin());
        assert_eq!(report.events, 1200, "{what}: the whole log was checked");
        let problem = report.problem.unwrap_or_else(|| panic!("{what}: no problem"));
        assert!(matches!(problem.error, Error::Checkpoint { .. }), "{what}: {:?}", problem.error);
        let message = problem.to_string();
        assert!(message.contains(want) && message.contains("delete it"), "{what}: {message}");
    }
    std::fs::write(&path, &good).unwrap();
    assert!(verify(a.path(), &Vocabulary::builtin()).is_ok());

    // Written with another vocabulary (one with a kind more, so every event applies).
    let mut vocab: serde_json::Value =
        serde_json::from_str(include_str!("../../../../schema/vocabulary.json")).unwrap();
    vocab["kinds"].as_array_mut().unwrap().push(serde_json::json!({
        "kind": "sample_shipped", "relation": "shipped", "effect": "marks", "subject": ["actor"], "object": ["actor"]
    }));
    let report = verify(a.path(), &Vocabulary::from_json(&vocab.to_string()).unwrap());
    assert_eq!(report.events, 1200);
    let message = report.problem.map(|p| p.to_string()).unwrap_or_default();
    assert!(message.contains("different vocabulary"), "{message}");
}
