//! Generated logs (strata-gen's, with the built-in vocabulary) in the forms
//! the tests feed them: as lines, or as events already recorded.

use strata_core::{parse_line, Location, RecordedEvent, Timestamp, Vocabulary};

/// The generated log of `events` events from `seed`, one line each.
///
/// # Panics
///
/// When the generator fails: it cannot with the built-in vocabulary.
pub fn lines(events: u64, seed: u64) -> Vec<String> {
    strata_gen::generate(strata_gen::Config { events, seed })
        .unwrap_or_else(|e| panic!("the generator fails: {e}"))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The generated log of `events` events from `seed`, recorded one second
/// apart from late 2023, at positions 1, 2, ...
///
/// # Panics
///
/// When a generated line does not parse: a bug of the generator.
pub fn recorded(events: u64, seed: u64) -> Vec<RecordedEvent> {
    let vocab = Vocabulary::builtin();
    lines(events, seed)
        .iter()
        .enumerate()
        .map(|(i, line)| RecordedEvent {
            position: i as u64 + 1,
            recorded_at: Timestamp(1_700_000_000_000_000 + 1_000_000 * i as i64),
            event: parse_line(line, Location::Line(i + 1), &vocab)
                .unwrap_or_else(|e| panic!("a generated line does not parse: {e}"))
                .event,
        })
        .collect()
}
