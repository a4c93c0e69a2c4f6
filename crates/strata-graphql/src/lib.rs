//! strata's GraphQL schema (async-graphql); the only crate that knows GraphQL.
//!
//! [`build_schema`] gives the schema of `schema/README.md` over an
//! `Arc<Engine>`; a server executes requests with it, a CLI runs one query
//! through it, and [`sdl`] prints it (`schema/schema.graphql` is that text,
//! checked by a test).
//!
//! Every request reads one consistent view of the log: when a request starts,
//! the schema records the engine's snapshot cap (`strata_engine::SnapshotCap`,
//! the log's position and last recorded time) in the request's data, and
//! every resolver of the request reads through that snapshot, which bounds
//! its `knownAt`, however many appends land meanwhile.
//! A caller may attach its own with [`prepare`].
//!
//! Every error carries `extensions.code`, one of the [`Code`]s: `BAD_INPUT`,
//! `LIMIT_EXCEEDED`, `CONFLICT`, `READ_ONLY`, `LAGGED`, `STORAGE` or
//! `INTERNAL` (see [`Error`]), and `QUERY_TOO_DEEP` or `QUERY_TOO_COMPLEX`
//! for the limits of [`SchemaConfig`]. The server's refusals take theirs
//! from [`Code`] too.
//!
//! ```
//! use std::sync::Arc;
//! use strata_engine::{Config, Engine};
//! use strata_graphql::{build_schema, SchemaConfig};
//!
//! # tokio_test_block(async {
//! let engine = Arc::new(Engine::open(Config::in_memory()).unwrap());
//! engine.append_text(r#"{"kind":"entity_declared","at":"2012","subject":{"id":"bytedance","type":"actor","name":"ByteDance"}}"#, None).unwrap();
//! let schema = build_schema(engine, SchemaConfig::default());
//! let response = schema.execute(r#"{ entity(id: "bytedance") { name type } }"#).await;
//! assert_eq!(response.data.into_json().unwrap()["entity"]["name"], "ByteDance");
//! # });
//! # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```

mod audit;
mod code;
mod connection;
mod context;
mod enums;
mod error;
mod mutation;
mod names;
mod query;
mod scalars;
mod subscription;
mod timeline;
mod types;

use std::sync::Arc;

use async_graphql::Schema;
use strata_engine::Engine;

pub use code::Code;
pub use context::{prepare, request_data};
pub use error::Error;
pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use subscription::SubscriptionRoot;

/// The schema type: strata's query, mutation and subscription roots.
pub type StrataSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// How to build the schema.
#[derive(Debug, Clone, Default)]
pub struct SchemaConfig {
    /// Refuse every mutation with the code `READ_ONLY` (the schema keeps
    /// its mutation root, so the SDL does not depend on the setting).
    pub read_only: bool,
    /// The deepest selection a document may have (no limit when `None`).
    pub max_depth: Option<usize>,
    /// The most fields a document may select, counted by async-graphql's
    /// complexity rule (no limit when `None`).
    pub max_complexity: Option<usize>,
}

/// Builds the schema over `engine`.
pub fn build_schema(engine: Arc<Engine>, config: SchemaConfig) -> StrataSchema {
    let mut builder = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .extension(context::RequestExtension::new(engine.clone()))
        .data(engine)
        .data(config.clone());
    if let Some(depth) = config.max_depth {
        builder = builder.limit_depth(depth);
    }
    if let Some(complexity) = config.max_complexity {
        builder = builder.limit_complexity(complexity);
    }
    builder.finish()
}

/// The schema in SDL, as `schema/schema.graphql` holds it.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot).finish().sdl()
}
