//! A seeded generator of realistic synthetic strata logs, as NDJSON that
//! `strata import` accepts: for scale tests and benchmarks.
//!
//! The log has the shape of the real thing, grown large:
//!
//! - **Entities of a few classes**: companies, people and investors (actors),
//!   agencies, chips, each declared before it is used (an `entity_declared`
//!   line, or inline on its first use), some re-declared later with changed
//!   attributes.
//! - **Power-law degrees**: an event picks its entities by preferential
//!   attachment (in proportion to the relations they already have), so a few
//!   hubs hold a large share of the relations, as in news.
//! - **The whole vocabulary**: every kind that opens, closes or marks a
//!   relation, with `about` links and attributes; a close only ends a
//!   relation open at its date.
//! - **Time**: twenty years of valid time (2006 to 2025) at every precision
//!   (day, month, quarter, year, instant), mostly recent at the time of
//!   recording with a tail of older facts; `recordedAt` strictly increasing.
//! - **Provenance and corrections**: a source on every event; about 1% of
//!   events retract an earlier relation event.
//! - **Evidence**: most relation events are `reported` (the status left
//!   out), a quarter `confirmed`, a few percent `expected` or `denied`
//!   (closes more rarely: an expected or denied close ends nothing, so its
//!   relation stays open); most denials, and about 1% of other events,
//!   dispute an earlier relation event.
//!
//! The same [`Config`] gives the same bytes on every platform: randomness is
//! a ChaCha8 stream keyed by the seed, sampled with integer arithmetic only.
//!
//! The event grammar and the independent model the property tests use live
//! in the dev-only `strata-testkit` crate: only the generator ships.
//!
//! ```
//! let log = strata_gen::generate(strata_gen::Config { events: 100, seed: 7 }).unwrap();
//! assert_eq!(log.lines().count(), 100);
//! assert_eq!(log, strata_gen::generate(strata_gen::Config { events: 100, seed: 7 }).unwrap());
//! ```

mod dates;
mod generator;
mod names;
mod plan;
mod rng;
mod write;

pub use generator::Generator;
pub use rng::{splitmix64, Rng};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The number of events (lines) in the log.
    pub events: u64,
    /// The seed: the same seed and size give the same bytes.
    pub seed: u64,
}

/// Why a log cannot be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vocabulary lacks what the generator needs (a declaring kind, a
    /// retracting kind, a kind that opens or marks a relation).
    #[error("cannot generate from this vocabulary: {0}")]
    Vocabulary(String),
    /// Writing the output failed.
    #[error("cannot write the generated log: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole log for `config`, with the built-in vocabulary, as one string.
pub fn generate(config: Config) -> Result<String, Error> {
    let mut out = Vec::new();
    Generator::new(config, &strata_core::Vocabulary::builtin())?.write_to(&mut out, |_| {})?;
    // Every byte the generator writes is ASCII.
    String::from_utf8(out).map_err(|e| Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}
