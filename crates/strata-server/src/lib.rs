//! strata's HTTP server: the axum router that serves GraphQL, GraphiQL,
//! subscriptions and health checks over an [`Engine`], behind a bearer
//! token and within [`Limits`].
//!
//! [`app`] builds the whole application as a `Router`, so tests drive it
//! without a socket and the binary only binds and serves it.
//!
//! Routes:
//! - `POST /graphql`: GraphQL queries and mutations (JSON body, one request
//!   or a batch as an array).
//! - `GET /`: the explorer, a page that draws the graph at any `asOf` and
//!   `knownAt` (`web.rs`); `GET /assets/{*name}`: the files it and GraphiQL
//!   load, embedded in the binary.
//! - `GET /graphql`: GraphiQL, to explore the API in a browser.
//! - `GET /graphql/ws`: subscriptions over graphql-transport-ws (and the
//!   legacy graphql-ws).
//! - `GET /export`: the log as NDJSON, the bytes of `strata export`, read
//!   from one snapshot (a backup while the server runs).
//! - `GET /healthz`: the process is up; `GET /readyz`: the projection is
//!   built and, with a shared log, this node has applied all of it (503
//!   and why not, otherwise).
//! - A request with the header `Strata-Wait-For-Position: N` waits (up to
//!   `Strata-Wait-Timeout-Ms`, default 5000, at most `--timeout`) until this
//!   node has applied position N; if it has not, HTTP 503 `UNAVAILABLE`.
//!
//! Mutations need the token when one is configured ([`ServerConfig::token`]);
//! with [`ServerConfig::auth_reads`] everything but the health checks does.
//! A refused request gets HTTP 401, `WWW-Authenticate: Bearer` and
//! `{"errors":[{"message": ..., "extensions":{"code":"UNAUTHENTICATED"}}]}`.

mod auth;
mod export;
mod gate;
mod limits;
mod web;
mod ws;

use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::http::WebSocketProtocols;
use async_graphql::BatchRequest;
use axum::body::Body;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use strata_engine::Engine;
use strata_graphql::{build_schema, SchemaConfig};
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::trace::TraceLayer;

pub use auth::Token;
pub use limits::{Limits, Refusal, MAX_DEPTH_CEILING};
pub use web::{explorer_size, Asset, ASSETS};
pub use ws::{CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN, CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, CLOSE_UNAUTHORIZED};

use crate::auth::Credentials;
use crate::gate::Gate;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Refuse mutations (code `READ_ONLY`).
    pub read_only: bool,
    /// The token mutations (and, with `auth_reads`, everything) require;
    /// `None` leaves mutations open to anyone who can reach the server.
    pub token: Option<Token>,
    /// Require the token for queries, GraphiQL and subscriptions too.
    pub auth_reads: bool,
    /// Answer introspection queries (`__schema`, `__type`).
    pub introspection: bool,
    /// How much one request may ask.
    pub limits: Limits,
    /// Origins browsers may call the API from (`*`: any); none: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Turns `true` when the server shuts down: open websockets are then
    /// closed with 1001 (going away), which graceful shutdown alone does
    /// not do, since it waits only for HTTP requests.
    pub closing: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            read_only: false,
            token: None,
            auth_reads: false,
            introspection: true,
            limits: Limits::default(),
            cors_origins: Vec::new(),
            closing: None,
        }
    }
}

type AppState = Arc<Gate>;

/// Builds the application over an open engine.
pub fn app(engine: Arc<Engine>, config: ServerConfig) -> Router {
    let schema = build_schema(
        engine.clone(),
        SchemaConfig {
            read_only: config.read_only,
            max_depth: Some(config.limits.max_depth),
            max_complexity: Some(config.limits.max_complexity),
        },
    );
    let gate = Arc::new(Gate {
        schema,
        engine,
        token: config.token,
        auth_reads: config.auth_reads,
        read_only: config.read_only,
        introspection: config.introspection,
        limits: config.limits,
        closing: config.closing,
    });
    let mut router = Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(subscriptions))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/export", get(export::ndjson))
        .route("/", get(index))
        .route("/assets/{*name}", get(web::asset))
        .with_state(gate);
    if let Some(cors) = cors(&config.cors_origins) {
        router = router.layer(cors);
    }
    // One log line per request, when it is answered: method, path, status,
    // latency, and the GraphQL operation names the handler records.
    router.layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &axum::http::Request<axum::body::Body>| {
                tracing::info_span!(
                    "request",
                    method = %req.method(),
                    path = %req.uri().path(),
                    operation = tracing::field::Empty,
                )
            })
            .on_request(())
            .on_response(|res: &Response, latency: Duration, _: &tracing::Span| {
                let latency_ms = latency.as_secs_f64() * 1000.0;
                tracing::info!(status = res.status().as_u16(), latency_ms, "request");
            })
            .on_failure(()),
    )
}

/// The CORS layer for `origins`; `None` when there are none.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        return Some(layer.allow_origin(Any));
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| match HeaderValue::from_str(o) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring a CORS origin that is not a valid header value");
                None
            }
        })
        .collect();
    Some(layer.allow_origin(AllowOrigin::list(list)))
}

impl Gate {
    /// The refusal for a read: when reads need the token and `headers` lack
    /// it, and whenever `headers` present a wrong token.
    pub(crate) fn refuse_read(&self, headers: &HeaderMap) -> Option<Refusal> {
        match Credentials::of(self.token.as_ref(), headers) {
            Credentials::Valid => None,
            Credentials::Missing if !self.auth_reads => None,
            // Refused even where reads are open: a script with a mistyped
            // token learns it at its first request, not at its first write.
            c => Some(Refusal::Unauthenticated(c.message("requests to this server"))),
        }
    }
}

/// Reads a request body of at most `max` bytes.
///
/// A larger one is still read, and thrown away as it comes, up to a few
/// times the limit: a client that writes its whole body before reading
/// the answer (most HTTP libraries) then gets the 413 instead of a broken
/// pipe. Past that the connection is closed on it.
async fn read_body(body: Body, max: usize) -> Result<Vec<u8>, Refusal> {
    let drain = max.saturating_mul(4).max(64 << 20);
    let mut stream = body.into_data_stream();
    let (mut buf, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Refusal::BadRequest(format!("the body could not be read: {e}")))?;
        seen = seen.saturating_add(chunk.len());
        if seen > drain {
            break;
        }
        if seen <= max {
            buf.extend_from_slice(&chunk);
        }
    }
    if seen > max {
        return Err(Refusal::BodyTooLarge { max });
    }
    Ok(buf)
}

async fn graphql(State(gate): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    if let Some(refusal) = gate.refuse_read(&headers) {
        return refusal.into_response();
    }
    let body = match read_body(body, gate.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return Refusal::BadRequest(e.to_string()).into_response(),
    };
    if let Err(refusal) = wait_for_position(&gate, &headers).await {
        return refusal.into_response();
    }
    let credentials = Credentials::of(gate.token.as_ref(), &headers);
    match gate.run(batch, credentials).await {
        Ok(response) => axum::Json(response).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn graphiql(State(gate): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refusal) = gate.refuse_read(&headers) {
        return refusal.into_response();
    }
    web::page(web::GRAPHIQL_HTML)
}

async fn subscriptions(State(gate): State<AppState>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|ps| ps.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()));
    let Some(protocol) = protocol else {
        return Refusal::BadRequest(
            "a websocket needs the subprotocol graphql-transport-ws (Sec-WebSocket-Protocol)".into(),
        )
        .into_response();
    };
    let credentials = Credentials::of(gate.token.as_ref(), &headers);
    if credentials == Credentials::Wrong {
        return Refusal::Unauthenticated(credentials.message("subscriptions")).into_response();
    }
    let max = gate.limits.max_body_bytes;
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| ws::serve(socket, gate, protocol, credentials))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(gate): State<AppState>) -> Response {
    // The engine exists only once its projection is built from the log.
    let applied = gate.engine.applied();
    match gate.engine.behind() {
        // A node behind its shared log still answers reads, from what it
        // has applied: a load balancer may send reads elsewhere meanwhile.
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("behind: {why}\n")).into_response(),
        None => (StatusCode::OK, format!("ready: log at position {applied}\n")).into_response(),
    }
}

/// The request header that makes a request wait until this node has
/// applied a position (read-your-writes across nodes: send the position a
/// write through another node returned).
pub const WAIT_FOR_POSITION: &str = "strata-wait-for-position";
/// How long a request waits for [`WAIT_FOR_POSITION`], in milliseconds
/// (default [`DEFAULT_WAIT`], at most the request timeout, `--timeout`).
pub const WAIT_TIMEOUT_MS: &str = "strata-wait-timeout-ms";
/// The wait when the request does not say.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// Waits as the request's [`WAIT_FOR_POSITION`] header asks, if it does.
async fn wait_for_position(gate: &AppState, headers: &HeaderMap) -> Result<(), Refusal> {
    let number = |name: &str| -> Result<Option<u64>, Refusal> {
        let Some(v) = headers.get(name) else { return Ok(None) };
        v.to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| Refusal::BadRequest(format!("the header {name} must be a whole number")))
    };
    let Some(wanted) = number(WAIT_FOR_POSITION)? else { return Ok(()) };
    let wait = number(WAIT_TIMEOUT_MS)?.map_or(DEFAULT_WAIT, Duration::from_millis).min(gate.limits.timeout);
    if gate.engine.wait_for_position(wanted, wait).await {
        return Ok(());
    }
    Err(Refusal::NotYetApplied { wanted, applied: gate.engine.applied(), waited_ms: wait.as_millis() as u64 })
}

/// The explorer: the page needs no token (it holds no data and asks for
/// the token itself when the server wants one).
async fn index() -> Response {
    web::page(web::EXPLORER_HTML)
}

/// The server while the store opens and its projection is rebuilt from the
/// log: `/healthz` answers at once; `/readyz` and every other route answer
/// 503 until [`Starting::ready`] hands over the app, then the app answers
/// them all. Bind first, serve [`Starting::router`], open the engine, call
/// `ready`: a probe sees the process alive while a large log is replayed.
#[derive(Clone, Default)]
pub struct Starting {
    app: Arc<OnceLock<Router>>,
}

impl Starting {
    /// A server not ready yet.
    pub fn new() -> Starting {
        Starting::default()
    }

    /// The router to serve from the start.
    pub fn router(&self) -> Router {
        let slot = self.app.clone();
        Router::new().fallback(move |req: axum::extract::Request| {
            let slot = slot.clone();
            async move {
                match slot.get() {
                    Some(app) => match app.clone().oneshot(req).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    },
                    None if req.uri().path() == "/healthz" => healthz().await.into_response(),
                    None => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "1")],
                        "starting: rebuilding the projection from the log\n",
                    )
                        .into_response(),
                }
            }
        })
    }

    /// Hands over the app: from now on it answers every request.
    pub fn ready(&self, app: Router) {
        // Set once; a second call is a caller's mistake with no effect.
        let _ = self.app.set(app);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use strata_engine::Config;

    async fn status(router: &Router, path: &str) -> StatusCode {
        let req = axum::http::Request::get(path).body(Body::empty()).unwrap();
        router.clone().oneshot(req).await.unwrap().status()
    }

    #[tokio::test]
    async fn ready_once_the_app_is_handed_over() {
        let starting = Starting::new();
        let router = starting.router();
        assert_eq!(status(&router, "/healthz").await, StatusCode::OK);
        assert_eq!(status(&router, "/readyz").await, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status(&router, "/graphql").await, StatusCode::SERVICE_UNAVAILABLE);
        let engine = Arc::new(Engine::open(Config::in_memory()).unwrap());
        starting.ready(app(engine, ServerConfig::default()));
        assert_eq!(status(&router, "/readyz").await, StatusCode::OK);
        assert_eq!(status(&router, "/graphql").await, StatusCode::OK);
    }
}
