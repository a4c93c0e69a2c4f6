//! What strata's tests and benchmarks share, and nothing the binary ships: a
//! dev-only crate (every crate names it under `[dev-dependencies]`).
//!
//! - [`grammar`]: a batch generator driven by the event line grammar, for
//!   property tests and the fuzz target;
//! - [`model`]: an independent model of the contract (a plain replay of a
//!   log), the oracle those tests compare the engine against;
//! - [`oplog`]: small random logs for the projection's property tests;
//! - [`generated`]: strata-gen's realistic logs, as lines or recorded events;
//! - [`nats`]: real nats-server processes (one, or a cluster of three) for
//!   the JetStream tests;
//! - [`bench`] (feature `bench`): the benchmarks' sizes, cached stores and
//!   seeded inputs.
//!
//! The realistic synthetic logs of `strata generate` are not here: the
//! binary ships them, from the `strata-gen` crate.

#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a fixture that cannot be built fails the test or benchmark that asked for it"
)]

#[cfg(feature = "bench")]
pub mod bench;
mod choices;
pub mod generated;
pub mod grammar;
pub mod model;
pub mod nats;
pub mod oplog;
