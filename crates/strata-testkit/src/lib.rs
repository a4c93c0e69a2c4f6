//! What strata's tests share, and nothing the binary ships: a dev-only crate.
//!
//! - [`grammar`]: a batch generator driven by the event line grammar, for
//!   property tests and the fuzz target;
//! - [`model`]: an independent model of the contract (a plain replay of a
//!   log), the oracle those tests compare the engine against.
//!
//! The realistic synthetic logs of `strata generate` are not here: the
//! binary ships them, from the `strata-gen` crate.

mod choices;
pub mod grammar;
pub mod model;
