//! Declarations and retractions, written out: the shapes the grammar test
//! finds first, as plain tests. A line may declare an entity in one field
//! and name it bare in another, in any order; retracting the event that
//! declared an entity withdraws that event's words and nothing else.

use strata_core::{EventId, Timestamp};
use strata_engine::{Config, Direction, Engine, EntityType, TimeFilter};
use tempfile::TempDir;

/// A fresh durable store, with its directory.
fn store() -> (TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Config::at(dir.path())).unwrap();
    (dir, engine)
}

fn entity(engine: &Engine, id: &str, known: Timestamp) -> Option<(EntityType, String)> {
    let t = TimeFilter::at(None, known);
    engine.snapshot().entity(&id.parse().unwrap(), t).map(|e| (e.entity_type, e.name))
}

fn relation_names(engine: &Engine, id: &str) -> Vec<(String, String, String)> {
    engine
        .snapshot()
        .relations(&id.parse().unwrap(), TimeFilter::LATEST, Direction::Out, None)
        .into_iter()
        .map(|r| (r.name, r.from.to_string(), r.to.to_string()))
        .collect()
}

/// A line may declare an entity in one field and name it bare in another,
/// in any field and any order: the batch is stored, the store reopens, and
/// the entity and the relation are there.
#[test]
fn same_line_references_work_in_any_field_and_order() {
    let lines = [
        // Declared in subject and object, named again in about.
        r#"{"kind":"product_announced","at":"2012","subject":{"id":"maker","type":"actor","name":"Maker"},"object":{"id":"chip-x","type":"chip","name":"X"},"about":["chip-x"],"source":{"publisher":"p"}}"#,
        // Named bare in subject and object, declared in about.
        r#"{"kind":"product_announced","at":"2012","subject":"maker","object":"chip-x","about":[{"id":"maker","type":"actor","name":"Maker"},{"id":"chip-x","type":"chip","name":"X"}]}"#,
        // Declared in about, named bare earlier in about.
        r#"{"kind":"entity_declared","at":"2011","subject":{"id":"maker","type":"actor"},"about":["chip-x",{"id":"chip-x","type":"chip"}]}"#,
    ];
    let mut problems = Vec::new();
    for line in lines {
        let (dir, engine) = store();
        if let Err(e) = engine.append_text(line, None) {
            let stored = engine.head().position;
            problems.push(format!("refused ({stored} event(s) stored nevertheless): {e}\n  {line}"));
            continue;
        }
        drop(engine);
        let engine = match Engine::open(Config::at(dir.path())) {
            Ok(engine) => engine,
            Err(e) => {
                problems.push(format!("stored, then the store does not open: {e}\n  {line}"));
                continue;
            }
        };
        let chip = entity(&engine, "chip-x", Timestamp::MAX).map(|(t, _)| t);
        if chip != Some(EntityType::Chip) {
            problems.push(format!("chip-x is {chip:?} after reopen\n  {line}"));
        }
    }
    assert!(problems.is_empty(), "same-line references:\n{}", problems.join("\n"));
}

/// Retracting the event that declared an entity inline withdraws what that
/// event said and nothing else: the entity stays while another visible
/// event names it, with its other relations, its type, and its id as name;
/// later events may still use it; retracting every event that names it
/// hides it.
#[test]
fn retracting_a_declaring_event_keeps_the_entity_and_its_other_relations() {
    let (dir, engine) = store();
    let declaring = "00000000-0000-4000-8000-0000000000a1";
    let order = "00000000-0000-4000-8000-0000000000a2";
    let batch = format!(
        "{}\n{}\n{}",
        r#"{"kind":"entity_declared","at":"2010","subject":{"id":"maker","type":"actor","name":"Maker"}}"#,
        format_args!(
            r#"{{"id":"{declaring}","kind":"product_announced","at":"2012","subject":"maker","object":{{"id":"chip-x","type":"chip","name":"X"}}}}"#
        ),
        format_args!(r#"{{"id":"{order}","kind":"order_placed","at":"2013","subject":"maker","object":"chip-x"}}"#),
    );
    engine.append_text(&batch, None).unwrap();
    let before = engine.head().recorded_at.unwrap_or(Timestamp::MAX);
    engine.retract(EventId::parse(declaring).unwrap(), "wrong maker", None, None).unwrap();

    let mut problems = Vec::new();
    let mut check = |what: &str, ok: bool| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    check(
        "chip-x stays, a chip named by its id",
        entity(&engine, "chip-x", Timestamp::MAX) == Some((EntityType::Chip, "chip-x".into())),
    );
    check(
        "before the retraction it had its declared name",
        entity(&engine, "chip-x", before).map(|e| e.1) == Some("X".into()),
    );
    check(
        "the order of chip-x stays, the makes relation goes",
        relation_names(&engine, "maker") == vec![("ordered".into(), "maker".into(), "chip-x".into())],
    );
    let later = r#"{"kind":"chip_used","at":"2014","subject":"maker","object":"chip-x"}"#;
    check("a later event may name chip-x", engine.append_text(later, None).is_ok());
    let other_type = r#"{"kind":"entity_declared","at":"2015","subject":{"id":"chip-x","type":"actor"}}"#;
    check("chip-x keeps its first type", engine.append_text(other_type, None).is_err());
    drop(engine);
    let engine = Engine::open(Config::at(dir.path()));
    check("the store reopens", engine.is_ok());
    if let Ok(engine) = engine {
        check("after reopen chip-x is still there", entity(&engine, "chip-x", Timestamp::MAX).is_some());
        // Withdraw every event that names chip-x: it is hidden.
        let namers: Vec<EventId> = engine
            .scan(1)
            .filter_map(Result::ok)
            .filter(|r| r.event.refs().any(|x| x.id.as_str() == "chip-x") && r.event.id.to_string() != declaring)
            .map(|r| r.event.id)
            .collect();
        for id in namers {
            check("retracting a naming event", engine.retract(id, "wrong", None, None).is_ok());
        }
        check(
            "with every naming event retracted chip-x is hidden",
            entity(&engine, "chip-x", Timestamp::MAX).is_none(),
        );
    }
    assert!(problems.is_empty(), "retracting a declaring event; what fails:\n  {}", problems.join("\n  "));
}

/// A first import of 1,024 events or more is applied on a second thread to
/// a projection of its own: it goes by the same rules, so same-line
/// references in every order are applied there too, and the store reopens
/// to the same answers.
#[test]
fn a_large_first_import_applies_same_line_references_and_reopens() {
    let mut lines = vec![
        r#"{"kind":"product_announced","at":"2012","subject":{"id":"maker","type":"actor","name":"Maker"},"object":{"id":"chip-x","type":"chip","name":"X"},"about":["chip-x"]}"#.to_owned(),
        r#"{"kind":"order_placed","at":"2013","subject":"buyer","object":"chip-y","about":[{"id":"chip-y","type":"chip"},{"id":"buyer","type":"actor","name":"Buyer"}]}"#.to_owned(),
    ];
    for i in 0..1100 {
        lines.push(format!(
            r#"{{"kind":"letter_sent","at":"2014","subject":"w{i}","object":"maker","about":[{{"id":"w{i}","type":"actor"}},"chip-x"]}}"#
        ));
    }
    let (dir, engine) = store();
    let outcome = engine.append_text(&lines.join("\n"), None).unwrap();
    assert_eq!(outcome.position, 1102);
    let before =
        (relation_names(&engine, "buyer"), relation_names(&engine, "w1099"), entity(&engine, "chip-y", Timestamp::MAX));
    // The order itself, and the about-link to chip-y (about repeats the object).
    let order: (String, String, String) = ("ordered".into(), "buyer".into(), "chip-y".into());
    assert_eq!(before.0, vec![order.clone(), order]);
    assert_eq!(before.2, Some((EntityType::Chip, "chip-y".into())));
    drop(engine);
    let engine = Engine::open(Config::at(dir.path())).unwrap();
    let after =
        (relation_names(&engine, "buyer"), relation_names(&engine, "w1099"), entity(&engine, "chip-y", Timestamp::MAX));
    assert_eq!(after, before);
}
