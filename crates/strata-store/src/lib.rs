//! strata's append-only event log, durable in sled; the only crate that knows sled
