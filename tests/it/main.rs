//! End-to-end tests of the `strata` binary and its HTTP server, on the demo
//! dataset: what a user at a terminal or with curl would see.

#![expect(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test helpers outside #[test] fns")]

mod backup;
mod cli;
mod concurrency;
mod crash;
mod damage;
mod event_schema;
mod evidence;
mod import_sources;
mod integrity;
mod nats;
mod readme;
mod self_contained;
mod server;
mod server_limits;
mod server_ws;
mod support;
mod tidy;
mod verify;
