//! Opening from a checkpoint: the engine writes one in the background as
//! the log grows, opens from it replaying only the tail, and answers exactly
//! as an engine that replayed the whole log; a checkpoint that is damaged,
//! taken from another log or written with another vocabulary is ignored and
//! the graph rebuilt from the log.

use std::path::Path;

use strata_core::{Day, Timestamp, Vocabulary};
use strata_engine::{Config, Direction, Engine, PathQuery, TimeFilter};
use strata_testkit::generated;

/// Appends `lines` in batches of `batch`.
fn append(engine: &Engine, lines: &[String], batch: usize) {
    for chunk in lines.chunks(batch) {
        engine.append_text(&chunk.join("\n"), None).unwrap();
    }
}

fn config(dir: &Path, every: u64) -> Config {
    Config { checkpoint_every: every, ..Config::at(dir) }
}

/// Answers that read every part of the graph, at a few times.
fn answers(engine: &Engine) -> String {
    let snap = engine.snapshot();
    let known = [Timestamp::MAX, snap.known_at()];
    let ids: Vec<_> = snap.entities(None, None, TimeFilter::LATEST).into_iter().map(|e| e.id).collect();
    let mut out = format!("{:?}\n{:?}\n", snap.stats(Timestamp::MAX), ids);
    for as_of in [None, Day::from_ymd(2011, 3, 1), Day::from_ymd(2019, 9, 9)] {
        let t = TimeFilter::at(as_of, known[0]);
        for (i, id) in ids.iter().enumerate().step_by(11) {
            out += &format!("{:?}\n", snap.entity(id, t));
            out += &format!("{:?}\n", snap.relations(id, t, Direction::Both, None));
            out += &format!("{:?}\n", snap.history(id, t));
            let to = &ids[(i * 17 + 3) % ids.len()];
            out += &format!(
                "{:?}\n",
                snap.path(id, to, PathQuery { time: t, max_hops: 4, relations: None, directed: false })
            );
        }
    }
    out
}

/// The answers of an engine that replayed `lines` from scratch, in memory.
fn replayed(lines: &[String]) -> String {
    let engine = Engine::open(Config { checkpoint_every: 0, ..Config::in_memory() }).unwrap();
    append(&engine, lines, 500);
    answers(&engine)
}

#[test]
fn open_starts_from_the_checkpoint_and_replays_only_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated::lines(3000, 11);
    {
        let engine = Engine::open(config(dir.path(), 1000)).unwrap();
        append(&engine, &lines[..2600], 400);
        // Dropping waits for a checkpoint in progress.
    }
    assert!(dir.path().join("strata-checkpoint").exists());
    let engine = Engine::open(config(dir.path(), 1000)).unwrap();
    let opened = engine.opened();
    assert!(opened.from_checkpoint >= 1000, "{opened:?}");
    assert_eq!(opened.from_checkpoint + opened.replayed, 2600, "{opened:?}");
    assert!(!opened.checkpoint_ignored);
    assert_eq!(answers(&engine), replayed(&lines[..2600]));

    // The graph from a checkpoint goes on taking events like any other.
    append(&engine, &lines[2600..], 400);
    assert_eq!(answers(&engine), replayed(&lines));
    let written = engine.checkpoint().unwrap();
    assert_eq!(written.position, 3000);
    assert!(written.bytes > 0);
    drop(engine);
    let engine = Engine::open(config(dir.path(), 1000)).unwrap();
    assert_eq!((engine.opened().from_checkpoint, engine.opened().replayed), (3000, 0));
    assert_eq!(answers(&engine), replayed(&lines));
}

#[test]
fn a_damaged_checkpoint_is_ignored_and_the_graph_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated::lines(1500, 12);
    {
        let engine = Engine::open(config(dir.path(), 0)).unwrap();
        append(&engine, &lines, 500);
        engine.checkpoint().unwrap();
    }
    let path = dir.path().join("strata-checkpoint");
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x40;
    for damage in [bad, good[..good.len() / 3].to_vec(), b"not a checkpoint".to_vec()] {
        std::fs::write(&path, &damage).unwrap();
        let engine = Engine::open(config(dir.path(), 0)).unwrap();
        let opened = engine.opened();
        assert!(opened.checkpoint_ignored, "{opened:?}");
        assert_eq!((opened.from_checkpoint, opened.replayed), (0, 1500));
        assert_eq!(answers(&engine), replayed(&lines));
    }
}

#[test]
fn a_checkpoint_of_another_log_is_ignored() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (la, lb) = (generated::lines(1200, 21), generated::lines(1500, 22));
    for (dir, lines) in [(&a, &la), (&b, &lb)] {
        let engine = Engine::open(config(dir.path(), 0)).unwrap();
        append(&engine, lines, 300);
        engine.checkpoint().unwrap();
    }
    // A's checkpoint (1200 events) in B's directory: B's event 1200 is another one.
    std::fs::copy(a.path().join("strata-checkpoint"), b.path().join("strata-checkpoint")).unwrap();
    let engine = Engine::open(config(b.path(), 0)).unwrap();
    assert!(engine.opened().checkpoint_ignored);
    assert_eq!(answers(&engine), replayed(&lb));
    drop(engine);
    // B's checkpoint (1500 events) in A's directory: it runs past A's log.
    let engine = Engine::open(config(b.path(), 0)).unwrap();
    engine.checkpoint().unwrap();
    drop(engine);
    std::fs::copy(b.path().join("strata-checkpoint"), a.path().join("strata-checkpoint")).unwrap();
    let engine = Engine::open(config(a.path(), 0)).unwrap();
    assert!(engine.opened().checkpoint_ignored);
    assert_eq!(answers(&engine), replayed(&la));
}

#[test]
fn a_checkpoint_written_with_another_vocabulary_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated::lines(800, 31);
    {
        let engine = Engine::open(config(dir.path(), 0)).unwrap();
        append(&engine, &lines, 800);
        engine.checkpoint().unwrap();
    }
    let mut vocab: serde_json::Value =
        serde_json::from_str(include_str!("../../../../schema/vocabulary.json")).unwrap();
    vocab["kinds"].as_array_mut().unwrap().push(serde_json::json!({
        "kind": "sample_shipped", "relation": "shipped", "effect": "marks", "subject": ["actor"], "object": ["actor"]
    }));
    let vocabulary = Vocabulary::from_json(&vocab.to_string()).unwrap();
    let engine = Engine::open(Config { vocabulary, ..config(dir.path(), 0) }).unwrap();
    assert!(engine.opened().checkpoint_ignored);
    assert_eq!(engine.opened().replayed, 800);
}

#[test]
fn no_checkpoint_is_written_when_disabled_or_below_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated::lines(900, 41);
    for (every, part) in [(0, &lines[..450]), (1000, &lines[450..])] {
        let engine = Engine::open(config(dir.path(), every)).unwrap();
        append(&engine, part, 450);
        drop(engine);
        assert!(!dir.path().join("strata-checkpoint").exists(), "every {every}");
    }
}

/// A large first batch is applied on a second thread to a projection of its
/// own while it is checked and stored, then swapped in: the engine answers
/// exactly as one that applied the log in small batches, and a large batch
/// into a non-empty engine (applied in place) too.
#[test]
fn a_large_first_batch_applied_apart_answers_like_small_batches() {
    let lines = generated::lines(6000, 5);
    let engine = Engine::open(Config { checkpoint_every: 0, ..Config::in_memory() }).unwrap();
    let outcome = engine.append_text(&lines[..4000].join("\n"), None).unwrap();
    assert_eq!((outcome.appended, outcome.position, outcome.events.len()), (4000, 4000, 4000));
    assert_eq!(answers(&engine), replayed(&lines[..4000]));
    engine.append_text(&lines[4000..].join("\n"), None).unwrap();
    assert_eq!(answers(&engine), replayed(&lines));

    // Refused at its last line: nothing stored, nothing shown, the staged
    // projection thrown away.
    let empty = Engine::open(Config { checkpoint_every: 0, ..Config::in_memory() }).unwrap();
    let mut bad = lines[..3000].to_vec();
    bad.push(r#"{"kind":"approval_granted","at":"2026","subject":"nobody-declared-me","object":"nor-me"}"#.into());
    let err = empty.append_text(&bad.join("\n"), None).unwrap_err();
    assert!(err.to_string().starts_with("line 3001"), "{err}");
    assert_eq!(empty.head().position, 0);
    assert_eq!(empty.snapshot().position(), 0);
    empty.append_text(&lines[..4000].join("\n"), None).unwrap();
    assert_eq!(answers(&empty), replayed(&lines[..4000]));
}

/// What the name index answers: `search` for every name, alias and id the
/// log gave (as given, lowercased, cut to its first word's first four
/// letters, and with its last letter dropped), then `duplicates` and
/// `names` of every id (of up to 20), at the head and at four recorded
/// times of the log.
fn name_answers(engine: &Engine) -> String {
    let snap = engine.snapshot();
    let recorded: Vec<Timestamp> = engine.scan(1).map(|r| r.unwrap().recorded_at).collect();
    // Four times, evenly spread, and every entity up to 20.
    let mut knowns: Vec<Timestamp> = recorded.iter().copied().step_by(recorded.len() / 4 + 1).collect();
    knowns.push(Timestamp::MAX);
    let all: Vec<_> = snap.entities(None, None, TimeFilter::LATEST).into_iter().map(|e| e.id).collect();
    let ids: Vec<_> = all.iter().step_by(all.len() / 20 + 1).cloned().collect();
    let mut texts: Vec<String> = Vec::new();
    for id in &ids {
        texts.push(id.to_string());
        texts.extend(snap.names(id, TimeFilter::LATEST));
    }
    let mut queries: Vec<String> = Vec::new();
    for t in &texts {
        let word: String = t.split_whitespace().next().unwrap_or("").chars().take(4).collect();
        let mut short = t.clone();
        short.pop();
        queries.extend([t.clone(), t.to_lowercase(), word, short]);
    }
    queries.sort();
    queries.dedup();
    let mut out = String::new();
    for &known in &knowns {
        let t = TimeFilter::at(None, known);
        for q in &queries {
            out += &format!("{q:?} {:?}\n", snap.search(q, None, t, 10));
        }
        for id in &ids {
            out += &format!("{id} {:?} {:?}\n", snap.duplicates(id, t, 10), snap.names(id, t));
        }
    }
    out
}

/// The name answers of an engine that replayed `engine`'s log from
/// scratch, in memory: an index built by applying every event.
fn names_replayed(engine: &Engine) -> String {
    let lines: Vec<String> = engine.scan(1).map(|r| strata_core::to_line(&r.unwrap())).collect();
    let fresh = Engine::open(Config { checkpoint_every: 0, ..Config::in_memory() }).unwrap();
    if !lines.is_empty() {
        fresh.append_text(&lines.join("\n"), None).unwrap();
    }
    name_answers(&fresh)
}

/// The name index is kept in the checkpoint: over grammar-generated logs
/// (names, aliases, merges, judgements of distinctness, retractions of
/// any of them), an engine opened from a checkpoint, and the same going on
/// taking events, answers `search`, `duplicates` and `names` exactly as
/// the engine before the reopen and as one that replayed the whole log.
#[test]
fn names_from_a_checkpoint_answer_like_a_replay() {
    use strata_core::{EntityRef, EventId};
    use strata_testkit::grammar::{Grammar, Op, SeedChoices};

    let vocab = Vocabulary::builtin();
    let (mut reopens, mut merges, mut aliases) = (0, 0, 0);
    for seed in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let mut engine = Engine::open(config(dir.path(), 0)).unwrap();
        let mut g = Grammar::new(&vocab);
        let mut c = SeedChoices::new(seed);
        for step in 0..90 {
            let op = g.next(&mut c);
            let accepted = match &op {
                Op::Append { text, expected } => {
                    let head = engine.head().position;
                    let expected = expected.map(|d| (head as i64 + d).max(0) as u64);
                    engine.append_text(text, expected).is_ok()
                }
                Op::Retract { target, by } => {
                    let by = by.as_ref().map(|b| EntityRef::by_id(b.parse().unwrap()));
                    let target = EventId::parse(target).unwrap();
                    engine.retract(target, "names test", by, None).is_ok()
                }
                Op::Reopen => true,
            };
            g.outcome(accepted);
            // Now and then, and at the end: a checkpoint, then an open from it.
            if matches!(op, Op::Reopen) || step % 30 == 29 {
                let before = name_answers(&engine);
                let position = engine.checkpoint().unwrap().position;
                drop(engine);
                engine = Engine::open(config(dir.path(), 0)).unwrap();
                let opened = engine.opened();
                assert_eq!((opened.from_checkpoint, opened.replayed), (position, 0), "seed {seed} step {step}");
                let after = name_answers(&engine);
                assert_eq!(after, before, "seed {seed} step {step}: answers change on reopen");
                assert_eq!(after, names_replayed(&engine), "seed {seed} step {step}: unlike a replay");
                reopens += 1;
            }
        }
        for e in engine.scan(1).map(|r| r.unwrap().event) {
            merges += usize::from(e.kind == "same_as");
            aliases += e.subject.decl.map_or(0, |d| d.aliases.len());
        }
    }
    // The logs had what the index must keep.
    assert!(reopens >= 9 && merges > 0 && aliases > 0, "{reopens} reopens, {merges} merges, {aliases} aliases");
}

/// A checkpoint of the previous format (`strata-projection/7`, whose name
/// index spelt its words differently) is ignored, with the graph and its names rebuilt
/// from the log; the next checkpoint is of the current format and is used.
#[test]
fn a_checkpoint_of_the_previous_format_is_ignored_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated::lines(500, 13);
    {
        let engine = Engine::open(config(dir.path(), 0)).unwrap();
        append(&engine, &lines, 400);
        engine.checkpoint().unwrap();
    }
    {
        // The previous format's header on the current body, written as the
        // store writes checkpoints (so the file itself reads back whole).
        let store = strata_store::Store::open(dir.path()).unwrap();
        let current = strata_store::Store::read_checkpoint_in(dir.path()).unwrap().unwrap();
        let body = current.strip_prefix(b"strata-projection/8\n".as_slice()).unwrap();
        store.write_checkpoint(&[b"strata-projection/7\n".as_slice(), body].concat()).unwrap();
    }
    let engine = Engine::open(config(dir.path(), 0)).unwrap();
    let opened = engine.opened();
    assert!(opened.checkpoint_ignored, "{opened:?}");
    assert_eq!((opened.from_checkpoint, opened.replayed), (0, 500));
    assert_eq!(answers(&engine), replayed(&lines));
    assert_eq!(name_answers(&engine), names_replayed(&engine));
    engine.checkpoint().unwrap();
    drop(engine);
    let engine = Engine::open(config(dir.path(), 0)).unwrap();
    assert_eq!((engine.opened().from_checkpoint, engine.opened().replayed), (500, 0));
    assert_eq!(name_answers(&engine), names_replayed(&engine));
}
