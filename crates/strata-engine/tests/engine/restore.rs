//! Restore: an export (every event with `to_line`, in log order) imported
//! into an empty store rebuilds the same log, byte for byte; imported into
//! the store it came from, it changes nothing.

use strata_core::to_line;
use strata_engine::{Config, Engine};

use crate::api::demo;

fn export(engine: &Engine) -> String {
    engine.scan(1).map(|r| to_line(&r.unwrap()) + "\n").collect()
}

/// How many events `source` holds: the demo's, a retraction and three more.
fn source_len() -> u64 {
    demo().lines().filter(|l| !l.trim().is_empty()).count() as u64 + 4
}

/// The demo, a retraction, and events whose ids and times the store assigned.
fn source() -> Engine {
    let engine = Engine::open(Config::in_memory()).unwrap();
    engine.append_text(&demo(), None).unwrap();
    engine
        .retract(strata_core::EventId::parse("0194f000-0000-7000-8000-000000000066").unwrap(), "test", None, None)
        .unwrap();
    engine
        .append_text(
            r#"{"kind":"entity_declared","at":"2026-02","subject":{"id":"newco","type":"actor","name":"NewCo","attrs":{"n":1.5,"tags":["a"]},"country":"CN"}}
{"kind":"approval_granted","at":"2026-02-03T10:00:00+08:00","subject":"cn-miit","object":"newco","about":["nvidia-h200",{"id":"nvidia-h20","note":"x"}],"source":{"publisher":"P","published":"2026-Q1"}}
{"kind":"approval_revoked","at":"2026-03","subject":"cn-miit","object":"newco"}"#,
            None,
        )
        .unwrap();
    engine
}

#[test]
fn export_import_export_gives_the_same_bytes() {
    let engine = source();
    let first = export(&engine);
    assert_eq!(first.lines().count() as u64, source_len());

    let dir = tempfile::tempdir().unwrap();
    let restored = Engine::open(Config::at(dir.path())).unwrap();
    let outcome = restored.append_text(&first, None).unwrap();
    assert_eq!(outcome.appended as u64, source_len());
    assert_eq!(restored.head(), engine.head());
    let second = export(&restored);
    assert!(first == second, "{}", crate::diff::lines(&first, &second));

    // And after a reopen of the restored store.
    drop(restored);
    let reopened = Engine::open(Config::at(dir.path())).unwrap();
    let third = export(&reopened);
    assert!(first == third, "{}", crate::diff::lines(&first, &third));
    let (a, b) = (engine.snapshot(), reopened.snapshot());
    assert_eq!(a.stats(a.known_at()), b.stats(b.known_at()));
}

#[test]
fn importing_an_export_into_its_own_store_is_a_no_op() {
    let engine = source();
    let first = export(&engine);
    let outcome = engine.append_text(&first, None).unwrap();
    assert_eq!(outcome.appended, 0);
    assert_eq!(outcome.position, source_len());
    assert_eq!(export(&engine), first);
}
