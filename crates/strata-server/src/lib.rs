//! strata's HTTP server: the axum router that serves GraphQL, GraphiQL,
//! subscriptions and health checks over an [`Engine`].
//!
//! [`app`] builds the whole application as a `Router`, so tests drive it
//! without a socket and the binary only binds and serves it.
//!
//! Routes:
//! - `POST /graphql`: GraphQL queries and mutations (JSON body).
//! - `GET /graphql`: GraphiQL, to explore the API in a browser.
//! - `GET /graphql/ws`: subscriptions over the graphql-ws protocols.
//! - `GET /healthz`: the process is up; `GET /readyz`: the projection is built.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::{DefaultBodyLimit, State, WebSocketUpgrade};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use strata_engine::Engine;
use strata_graphql::{build_schema, SchemaConfig, StrataSchema};

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Refuse mutations.
    pub read_only: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { read_only: false, max_body_bytes: 16 * 1024 * 1024 }
    }
}

#[derive(Clone)]
struct AppState {
    engine: Arc<Engine>,
    schema: StrataSchema,
}

/// Builds the application over an open engine.
pub fn app(engine: Arc<Engine>, config: ServerConfig) -> Router {
    let schema = build_schema(engine.clone(), SchemaConfig { read_only: config.read_only, ..SchemaConfig::default() });
    let state = AppState { engine, schema };
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(subscriptions))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/", get(index))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state)
}

async fn graphql(State(state): State<AppState>, req: GraphQLRequest) -> GraphQLResponse {
    let req = strata_graphql::prepare(req.into_inner(), &state.engine);
    state.schema.execute(req).await.into()
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").title("strata").finish())
}

async fn subscriptions(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| GraphQLWebSocket::new(socket, state.schema.clone(), protocol).serve())
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    // The engine exists only once its projection is built from the log.
    let head = state.engine.head();
    (StatusCode::OK, format!("ready: log at position {}\n", head.position)).into_response()
}

async fn index() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "strata: GraphQL at /graphql (GraphiQL in a browser), subscriptions at /graphql/ws, health at /healthz\n",
    )
        .into_response()
}

/// Serves the app on `listener` until `shutdown` completes; in-flight
/// requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
