//! The engine as its users see it: data-driven fixtures (`data/*.test`) run
//! through one harness, and a few Rust tests for what a script cannot say
//! (restore bytes, error codes, concurrent snapshots, reopening a store).
//!
//! # Fixtures
//!
//! A `.test` file is a script, read top to bottom against a fresh durable
//! (sled) store in a temporary directory:
//!
//! - `# ...` comments and blank lines are kept as they are.
//! - `{...}` NDJSON event lines (and `[...]`, to test refusals) accumulate into a batch. `--- batch` ends the
//!   batch before it and starts a new one; `--- batch expect=N` starts one
//!   appended with `expected_position: Some(N)`. A `>` query, an `@load` line
//!   or the end of the file also ends a batch. The batch is appended with
//!   `append_text` as one atomic batch, so an error's `line N` counts the
//!   batch's event lines from 1. Its outcome follows its last event line:
//!   `ok: positions 4..6 (3 new)` or `error: <message>`.
//! - `@load PATH` appends a file (relative to the workspace root) as one batch.
//! - `> QUERY` runs a query against the current state.
//! - Lines indented by two spaces are output: the harness writes them. With
//!   `UPDATE_EXPECT=1` it rewrites the file with the new output; otherwise it
//!   fails with a diff that names the file.
//!
//! Recorded times come from the clock, so output never prints one: events
//! are named by position (`#N`), a recorded time inside an error message
//! becomes `<recorded at #N>`, an event id the fixture did not write becomes
//! `<id of #N>`, and the valid date of a retraction made by `> retract`
//! (today) prints as `(today)`.
//!
//! # Queries
//!
//! `ID` is an entity id; `EVENT` is a UUID or `#N` (the event at position
//! N). Options: `asOf=DATE` (any valid-time form; absent: no bound),
//! `knownAt=@N` (the recorded time of position N; `@0` is before
//! everything) or `knownAt=RFC3339` (absent: latest), `names=a,b` (relation
//! names), `dir=out|in|both` (default both), `statuses=confirmed,expected`
//! (claim statuses shown; `all`, `none`; absent: confirmed and reported).
//!
//! - `relations ID [asOf] [knownAt] [dir] [names] [statuses]`
//! - `entity ID [asOf] [knownAt]`: `id type "name" {attrs}` or `(none)`
//! - `entities [type=actor|agency|chip] [search=x] [asOf] [knownAt]`
//! - `history ID [asOf] [knownAt]`
//! - `events [entity=ID] [kinds=a,b] [from=DATE] [to=DATE] [knownAt] [retracted]`
//! - `event EVENT [knownAt]`: the event, its precision and first day, and
//!   `visible`, `retracted by #M` or `(unknown)` at `knownAt`
//! - `path FROM TO [asOf] [knownAt] [maxHops=N] [names] [directed] [statuses]` (maxHops defaults to 4)
//! - `paths FROM TO [limit=N] [asOf] [knownAt] [maxHops=N] [names] [directed] [statuses]` (limit defaults to 10)
//! - `neighborhood ID [hops=N] [asOf] [knownAt] [names] [statuses]` (hops defaults to 1)
//! - `diff FROM TO [knownAt] [statuses]`: `+ relation` (added), `- relation` (removed)
//! - `knowledge-diff FROM TO [asOf] [entity=ID] [statuses]` (FROM and TO
//!   are `knownAt` values): `+ relation` (learned), `- relation`
//!   (withdrawn), then `recorded: ` the positions recorded in between
//! - `connections FROM TO [knownAt] [maxHops=N] [names] [statuses]`
//!   (maxHops defaults to 3): `2020-01-01..2021-06-01: 2 hops` (`(still)`
//!   while it holds), then its path's steps
//! - `journey FROM TO [after=DATE] [before=DATE] [knownAt] [maxHops=N] [names] [statuses]`:
//!   the hops, then `on DAY: a => b via relation` per step
//! - `events ... [recordedFrom=@N] [recordedTo=@M]`: recorded-time bounds, both included
//! - `disputed-by #N [knownAt]`: the visible events disputing the event at N
//! - `sources #N [asOf] [knownAt] [statuses]`: the events stating the same
//!   relation as the one event N opened or marked, passing the filter
//! - `disagreements [entity=ID] [from=DATE] [to=DATE] [asOf] [knownAt]`:
//!   `Disputed #A #B`, `Denied #A #B`, `ConflictingValues #A #B`
//! - `stats [knownAt]`
//! - `retract EVENT REASON...`: `Engine::retract` by the default analyst
//! - `reopen`: drop the engine and open the same directory again, so the
//!   projection is rebuilt from the log
//!
//! A relation prints as
//! `approved cn-miit -> bytedance about [nvidia-h200] 2026-01-28..2026-03-01 #5 closed-by #7`
//! (`..` with nothing after it while open; ` (expected)` after it when its
//! status is not `reported`; `approved about-link cn-miit ->
//! nvidia-h200 ...` for an about-link), an event as
//! `#5 approval_granted 2026-01-28 cn-miit -> bytedance about [nvidia-h200]`.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "clippy.toml allows these in #[test] functions only; the helpers of a test binary are test code too"
)]

mod api;
mod checkpoint;
mod concurrency;
mod declarations;
mod demo;
mod diff;
mod grammar;
mod harness;
mod journeys;
mod query;
mod restore;
mod verify;

/// One test per fixture, so `cargo test -p strata-engine fixture::demo`
/// runs one, and a failure names its file.
macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        mod fixture {
            $(
                #[test]
                fn $name() {
                    crate::harness::check(stringify!($name));
                }
            )*
        }

        /// Every fixture with a test above.
        const FIXTURES: &[&str] = &[$(stringify!($name)),*];
    };
}

fixtures! {
    about_links,
    audit,
    bad_input,
    coarse_dates,
    declarations,
    demo,
    diff_events,
    evidence,
    expected_position,
    idempotency,
    known_at,
    marks,
    merges,
    names,
    opens_closes,
    paths,
    reopen,
    retracted_entities,
    retraction,
    same_line,
    search,
    valid_time,
}

#[test]
fn every_fixture_file_has_a_test() {
    let mut files: Vec<String> = std::fs::read_dir(harness::data_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".test").map(str::to_owned)
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(files, listed, "list every data/*.test file in the `fixtures!` macro of tests/engine/main.rs");
}
