//! Fuzz target: the event-line decoder (`strata_core::parse_line`) and the
//! projection's check, through `Engine::append_text` on the demo store.
//!
//! Properties: nothing panics; a refusal names a line of the input; a line
//! that parses, written back as an export line, parses to the same event;
//! a refused batch stores nothing, an accepted one moves the head by the
//! number of new events.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use strata_core::{parse_line, to_line, Location, RecordedEvent, Timestamp, Vocabulary};
use strata_engine::{Config, Engine, Error};

const DEMO: &str = include_str!("../../../examples/h200-china.ndjson");

fn vocabulary() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(Vocabulary::builtin)
}

/// The demo store, shared by every input: the check only reads it.
fn demo() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let engine = Engine::open(Config::in_memory()).expect("an in-memory engine");
        engine.append_text(DEMO, None).expect("the demo loads");
        engine
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let vocab = vocabulary();
    let lines = text.lines().count();
    let mut batch = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let loc = Location::Line(i + 1);
        match parse_line(line, loc, vocab) {
            Ok(parsed) => {
                let rec = RecordedEvent {
                    position: 1,
                    recorded_at: parsed.recorded_at.unwrap_or(Timestamp(1_700_000_000_000_000)),
                    event: parsed.event.clone(),
                };
                let exported = to_line(&rec);
                let again = parse_line(&exported, loc, vocab)
                    .unwrap_or_else(|e| panic!("an exported line does not read back: {e}\n{exported}"));
                assert_eq!(again.event, parsed.event, "the export line changes the event: {exported}");
                batch.push((loc, parsed.event));
            }
            Err(e) => {
                assert_eq!(e.location, loc, "the error names another line: {e}");
                return;
            }
        }
    }
    if batch.is_empty() {
        return;
    }

    // The batch checked against the demo's graph; only a batch that passes
    // is appended (to a store of its own, as the check must predict).
    let refs: Vec<(Location, &strata_core::Event)> = batch.iter().map(|(l, e)| (*l, e)).collect();
    let checked = demo().check(&refs);
    if let Err(e) = &checked {
        match e.location {
            Location::Line(n) => assert!(n >= 1 && n <= lines, "the error names line {n} of {lines}: {e}"),
            other => panic!("a line's error is located at {other}: {e}"),
        }
        return;
    }
    let engine = Engine::open(Config::in_memory()).expect("an in-memory engine");
    engine.append_text(DEMO, None).expect("the demo loads");
    let before = engine.head();
    match engine.append_text(text, None) {
        Ok(outcome) => {
            assert_eq!(engine.head().position, before.position + outcome.appended as u64);
            assert_eq!(engine.snapshot().position(), engine.head().position, "the projection lags the log");
        }
        // Only the recorded-time rule (a line's recordedAt not after the
        // demo's) and id clashes are checked outside the projection.
        Err(Error::Invalid(e)) => {
            assert_eq!(engine.head(), before, "a refused batch stored something: {e}");
            assert!(e.field == "recordedAt" || e.field == "id", "the check passed a batch the append refused: {e}");
        }
        Err(e) => panic!("an in-memory append failed with {e}"),
    }
});
