//! Subscriptions over a websocket (graphql-transport-ws, and the legacy
//! graphql-ws): async-graphql speaks the protocol; this loop sends its
//! messages, closes with the protocol's codes, and cuts off a client that
//! does not keep up.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql::{Data, Executor, Request, Response};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{future, stream, SinkExt, StreamExt};
use serde_json::Value;
use strata_graphql::Code;

use crate::auth::{bearer, Credentials};
use crate::gate::Gate;
use crate::limits::shape;

/// The close code when the server shuts down (RFC 6455: going away).
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// The close code for a subscriber that does not read fast enough.
pub const CLOSE_TOO_SLOW: u16 = 4008;
/// graphql-transport-ws: a message the server cannot read.
pub const CLOSE_BAD_MESSAGE: u16 = 4400;
/// graphql-transport-ws: a subscribe before `connection_ack`.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
/// graphql-transport-ws: `connection_init` refused (no or wrong token).
pub const CLOSE_FORBIDDEN: u16 = 4403;
/// graphql-transport-ws: a `subscribe` with the id of a running operation.
pub const CLOSE_DUPLICATE_ID: u16 = 4409;

/// How a refusal from `connection_init` is told from other protocol errors.
const FORBIDDEN: &str = "Forbidden: ";

/// Runs every operation of one connection through the gate.
#[derive(Clone)]
struct Guarded {
    gate: Arc<Gate>,
    authed: Arc<AtomicBool>,
}

impl Guarded {
    fn credentials(&self) -> Credentials {
        if self.authed.load(Ordering::Acquire) {
            Credentials::Valid
        } else {
            Credentials::Missing
        }
    }
}

impl Executor for Guarded {
    fn execute(&self, mut request: Request) -> impl std::future::Future<Output = Response> + Send {
        let this = self.clone();
        async move {
            match this.gate.check(&mut request, this.credentials()) {
                Ok(()) => this.gate.execute(request).await,
                Err(refusal) => refusal.graphql_response(),
            }
        }
    }

    fn execute_stream(&self, mut request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        if let Err(refusal) = self.gate.check(&mut request, self.credentials()) {
            return stream::once(future::ready(refusal.graphql_response())).boxed();
        }
        // graphql-transport-ws sends queries and mutations this way too:
        // they run as over HTTP, within the time limit.
        let operation = request.operation_name.clone();
        let subscribes = request.parsed_query().map_or(true, |doc| shape(doc, operation.as_deref()).subscribes);
        if !subscribes {
            let gate = self.gate.clone();
            return stream::once(async move { gate.execute(request).await }).boxed();
        }
        let mut request = strata_graphql::prepare(request, &self.gate.engine);
        if !self.gate.introspection {
            request = request.disable_introspection();
        }
        self.gate.schema.execute_stream_with_session_data(request, session_data.unwrap_or_default())
    }
}

/// The ids of the operations running on one graphql-transport-ws connection.
#[derive(Default)]
struct RunningIds(HashSet<String>);

impl RunningIds {
    /// Notes a client message; the id of a `subscribe` whose id is running.
    fn incoming(&mut self, data: &[u8]) -> Option<String> {
        let msg: Value = serde_json::from_slice(data).ok()?;
        let id = msg["id"].as_str()?;
        match msg["type"].as_str()? {
            "subscribe" if !self.0.insert(id.to_owned()) => Some(id.to_owned()),
            "complete" => {
                self.0.remove(id);
                None
            }
            _ => None,
        }
    }

    /// Notes a server message: `complete` and `error` end an operation.
    fn outgoing(&mut self, text: &str) {
        // The tag comes first (serde's internally tagged enum); `next`
        // messages, the bulk of the traffic, are not parsed.
        if self.0.is_empty() || text.starts_with(r#"{"type":"next""#) {
            return;
        }
        let Ok(msg) = serde_json::from_str::<Value>(text) else { return };
        if matches!(msg["type"].as_str(), Some("complete" | "error")) {
            if let Some(id) = msg["id"].as_str() {
                self.0.remove(id);
            }
        }
    }
}

/// The token a `connection_init` payload carries: `{"Authorization":
/// "Bearer ..."}` (as a header would) or `{"token": "..."}`.
fn payload_token(payload: &Value) -> Option<&str> {
    let obj = payload.as_object()?;
    let header = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).and_then(|(_, v)| v.as_str());
    header.and_then(bearer).or_else(|| obj.get("token").and_then(Value::as_str))
}

/// Whether a `next` message carries the `LAGGED` error that ends a stream
/// whose subscriber fell behind.
fn is_lagged(text: &str) -> bool {
    let lagged = Code::Lagged.as_str();
    if !text.contains(lagged) {
        return false;
    }
    let Ok(msg) = serde_json::from_str::<Value>(text) else { return false };
    msg["payload"]["errors"].as_array().is_some_and(|errors| errors.iter().any(|e| e["extensions"]["code"] == lagged))
}

/// The close code the client should see for what async-graphql reports.
/// async-graphql 7.2 closes graphql-transport-ws connections with 1002
/// (protocol error) and 1011; the protocol's own codes say more.
fn close_code(protocol: WebSocketProtocols, code: u16, reason: &str) -> u16 {
    match (protocol, code) {
        (WebSocketProtocols::GraphQLWS, 1002) if reason.starts_with(FORBIDDEN) => CLOSE_FORBIDDEN,
        (WebSocketProtocols::GraphQLWS, 1002) => CLOSE_BAD_MESSAGE,
        (WebSocketProtocols::GraphQLWS, 1011) => CLOSE_UNAUTHORIZED,
        _ => code,
    }
}

/// Completes when the server starts shutting down; never without a signal.
async fn shut_down(closing: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    match closing {
        Some(rx) => {
            if rx.wait_for(|closing| *closing).await.is_err() {
                // The sender is gone without a shutdown: nothing will come.
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

async fn close(sink: &mut (impl futures_util::Sink<Message> + Unpin), code: u16, reason: &str) {
    // A close frame's reason is at most 123 bytes.
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let frame = CloseFrame { code, reason: reason[..end].to_owned().into() };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), sink.send(Message::Close(Some(frame)))).await;
}

/// Serves one websocket connection until either side closes it.
pub(crate) async fn serve(socket: WebSocket, gate: Arc<Gate>, protocol: WebSocketProtocols, credentials: Credentials) {
    let authed = Arc::new(AtomicBool::new(credentials == Credentials::Valid));
    let executor = Guarded { gate: gate.clone(), authed: authed.clone() };
    let (mut sink, input) = socket.split();
    // async-graphql 7.2 starts a second operation under an id that is still
    // running; graphql-transport-ws says to close with 4409 instead. The ids
    // are tracked here, on the way in and on the way out.
    let running = Arc::new(Mutex::new(RunningIds::default()));
    let (duplicate_tx, mut duplicate_rx) = tokio::sync::watch::channel(None::<String>);
    let tracked = running.clone();
    let input = input.take_while(|m| future::ready(m.is_ok())).filter_map(move |m| {
        future::ready(match m {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                let data = m.into_data();
                let duplicate = if protocol == WebSocketProtocols::GraphQLWS {
                    tracked.lock().unwrap_or_else(|e| e.into_inner()).incoming(&data)
                } else {
                    None
                };
                match duplicate {
                    Some(id) => {
                        let _ = duplicate_tx.send(Some(id));
                        None
                    }
                    None => Some(data),
                }
            }
            _ => None,
        })
    });
    let init_gate = gate.clone();
    let on_init = move |payload: Value| async move {
        let presented = payload_token(&payload);
        match Credentials::check(init_gate.token.as_ref(), presented) {
            Credentials::Valid if presented.is_some() || init_gate.token.is_none() => {
                authed.store(true, Ordering::Release);
                Ok(Data::default())
            }
            // Already authenticated by the upgrade request's header.
            _ if authed.load(Ordering::Acquire) => Ok(Data::default()),
            Credentials::Missing if !init_gate.auth_reads => Ok(Data::default()),
            refused => Err(async_graphql::Error::new(format!("{FORBIDDEN}{}", refused.message("subscriptions")))),
        }
    };
    let messages = async_graphql::http::WebSocket::new(executor, input, protocol).on_connection_init(on_init);
    futures_util::pin_mut!(messages);
    let send_timeout = gate.limits.ws_send_timeout;
    let mut closing = gate.closing.clone();
    loop {
        let message = tokio::select! {
            message = messages.next() => message,
            Ok(()) = duplicate_rx.changed() => {
                let id = duplicate_rx.borrow().clone().unwrap_or_default();
                close(&mut sink, CLOSE_DUPLICATE_ID, &format!("Subscriber for {id} already exists")).await;
                return;
            }
            () = shut_down(&mut closing) => {
                close(&mut sink, CLOSE_GOING_AWAY, "the server is shutting down; reconnect with fromPosition").await;
                return;
            }
        };
        let Some(message) = message else { return };
        match message {
            WsMessage::Text(text) => {
                running.lock().unwrap_or_else(|e| e.into_inner()).outgoing(&text);
                let lagged = is_lagged(&text);
                match tokio::time::timeout(send_timeout, sink.send(Message::Text(text.into()))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => return,
                    Err(_) => {
                        tracing::warn!(limit = ?send_timeout, "closing a websocket whose client stopped reading");
                        close(&mut sink, CLOSE_TOO_SLOW, "too slow: the client did not read its messages in time")
                            .await;
                        return;
                    }
                }
                if lagged {
                    tracing::warn!("closing a websocket whose subscriber fell behind the log");
                    close(
                        &mut sink,
                        CLOSE_TOO_SLOW,
                        "too slow: the subscriber fell behind; reconnect with fromPosition",
                    )
                    .await;
                    return;
                }
            }
            WsMessage::Close(code, reason) => {
                close(&mut sink, close_code(protocol, code, &reason), &reason).await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_connection_init() {
        assert_eq!(payload_token(&serde_json::json!({"Authorization": "Bearer abc"})), Some("abc"));
        assert_eq!(payload_token(&serde_json::json!({"authorization": "bearer abc"})), Some("abc"));
        assert_eq!(payload_token(&serde_json::json!({"token": "abc"})), Some("abc"));
        assert_eq!(payload_token(&serde_json::json!({})), None);
        assert_eq!(payload_token(&Value::Null), None);
    }

    #[test]
    fn a_running_id_cannot_be_subscribed_again_until_it_completes() {
        let mut ids = RunningIds::default();
        let subscribe = br#"{"id":"1","type":"subscribe","payload":{"query":"{ stats { events } }"}}"#;
        assert_eq!(ids.incoming(subscribe), None);
        assert_eq!(ids.incoming(subscribe), Some("1".to_owned()));
        ids.outgoing(r#"{"type":"next","id":"1","payload":{"data":{}}}"#);
        assert_eq!(ids.incoming(subscribe), Some("1".to_owned()), "next does not end it");
        ids.outgoing(r#"{"type":"complete","id":"1"}"#);
        assert_eq!(ids.incoming(subscribe), None, "the server completed it");
        assert_eq!(ids.incoming(br#"{"id":"1","type":"complete"}"#), None);
        assert_eq!(ids.incoming(subscribe), None, "the client completed it");
        assert_eq!(ids.incoming(b"not json"), None);
    }

    #[test]
    fn lagged_messages() {
        let next = r#"{"type":"next","id":"1","payload":{"data":null,"errors":[{"message":"x","extensions":{"code":"LAGGED"}}]}}"#;
        assert!(is_lagged(next));
        assert!(!is_lagged(r#"{"type":"next","id":"1","payload":{"data":{"k":"LAGGED"}}}"#));
    }
}
