//! Subscriptions over graphql-transport-ws as a client meets them: catch-up
//! then live events, the token on the upgrade or in `connection_init`, the
//! protocol's close codes, and a slow subscriber cut off.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{demo_len, ws_recv, ws_send, Server, WsEvent, TOKEN};

const SUBSCRIBE: &str = "subscription($from: Int) { eventAppended(fromPosition: $from) { position kind } }";

fn subscribe(ws: &mut crate::support::Ws, from: Option<u64>) {
    ws_send(ws, json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {"from": from}}}));
}

/// Subscribes to new events with their attributes: large messages.
fn subscribe_large(ws: &mut crate::support::Ws) {
    let q = "subscription { eventAppended { position attrs } }";
    ws_send(ws, json!({"id": "1", "type": "subscribe", "payload": {"query": q}}));
}

fn next_position(ws: &mut crate::support::Ws) -> u64 {
    match ws_recv(ws) {
        WsEvent::Message(m) if m["type"] == "next" => {
            m["payload"]["data"]["eventAppended"]["position"].as_u64().unwrap_or_else(|| panic!("{m}"))
        }
        other => panic!("expected an event: {other:?}"),
    }
}

/// Appends `n` letters, each carrying `pad` bytes of attributes.
fn append_letters(server: &Server, n: usize, pad: usize) {
    let blob = "x".repeat(pad);
    let events: Vec<Value> = (0..n)
        .map(|_| {
            json!({"kind": "letter_sent", "at": "2026-02-02", "subject": {"id": "john-moolenaar"},
                        "object": {"id": "howard-lutnick"}, "attrs": {"blob": blob}})
        })
        .collect();
    let q = "mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }";
    let r = server.graphql(q, json!({"e": events}));
    assert!(r.get("errors").is_none(), "{}", &r.to_string()[..200.min(r.to_string().len())]);
}

fn still_serving(server: &Server) {
    let r = server.graphql("{ stats { events } }", json!({}));
    assert!(r["data"]["stats"]["events"].as_u64().unwrap() > 0, "{r}");
    let mut ws = server.ws_init(json!({}));
    subscribe(&mut ws, Some(1));
    assert_eq!(next_position(&mut ws), 1, "a new subscription works");
}

#[test]
fn a_subscription_catches_up_then_follows_live() {
    let server = Server::start(&["--demo"]);
    let mut ws = server.ws_init(json!({}));
    let last = demo_len();
    subscribe(&mut ws, Some(last - 9));
    let replayed: Vec<u64> = (0..10).map(|_| next_position(&mut ws)).collect();
    assert_eq!(replayed, (last - 9..=last).collect::<Vec<_>>());
    append_letters(&server, 2, 0);
    assert_eq!((next_position(&mut ws), next_position(&mut ws)), (last + 1, last + 2), "live, no gap, no duplicate");
}

#[test]
fn a_malformed_message_closes_with_4400_and_the_server_keeps_serving() {
    let server = Server::start(&["--demo"]);
    let mut ws = server.ws_init(json!({}));
    ws.send(tungstenite::Message::text("{ this is not json")).unwrap();
    match ws_recv(&mut ws) {
        WsEvent::Closed(code, reason) => assert_eq!(code, strata_close::BAD_MESSAGE, "{reason}"),
        other => panic!("expected a close: {other:?}"),
    }
    let mut ws = server.ws_init(json!({}));
    ws_send(&mut ws, json!({"type": "no_such_type"}));
    assert!(matches!(ws_recv(&mut ws), WsEvent::Closed(4400, _)));
    // Subscribing before connection_init is 4401.
    let mut ws = server.ws(&[]).unwrap();
    subscribe(&mut ws, None);
    assert!(matches!(ws_recv(&mut ws), WsEvent::Closed(4401, _)));
    still_serving(&server);
}

/// The close codes, as the graphql-transport-ws protocol and strata name them.
mod strata_close {
    pub const BAD_MESSAGE: u16 = 4400;
    pub const FORBIDDEN: u16 = 4403;
    pub const TOO_SLOW: u16 = 4008;
}

#[test]
fn with_auth_reads_the_websocket_needs_the_token() {
    let server = Server::start(&["--demo", "--auth-reads"]);
    // No token anywhere: connection_init is refused with 4403.
    let mut ws = server.ws(&[]).unwrap();
    ws_send(&mut ws, json!({"type": "connection_init", "payload": {}}));
    match ws_recv(&mut ws) {
        WsEvent::Closed(code, reason) => {
            assert_eq!(code, strata_close::FORBIDDEN, "{reason}");
            assert!(reason.contains("Authorization"), "{reason}");
        }
        other => panic!("expected a close: {other:?}"),
    }
    // A wrong token on the upgrade request: HTTP 401, no websocket.
    let bearer = format!("Bearer {TOKEN}");
    match server.ws(&[("Authorization", "Bearer wrong")]) {
        Err(tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("expected a 401: {:?}", other.map(|_| ())),
    }
    // The token on the upgrade request, or in connection_init either way.
    let mut ws = server.ws(&[("Authorization", &bearer)]).unwrap();
    ws_send(&mut ws, json!({"type": "connection_init"}));
    assert!(matches!(ws_recv(&mut ws), WsEvent::Message(m) if m["type"] == "connection_ack"));
    for payload in [json!({"Authorization": bearer}), json!({"token": TOKEN})] {
        let mut ws = server.ws_init(payload);
        subscribe(&mut ws, Some(1));
        assert_eq!(next_position(&mut ws), 1);
    }
}

#[test]
fn a_mutation_over_the_websocket_needs_the_token_too() {
    let server = Server::start(&["--demo"]);
    let op = json!({"query": "mutation { retractEvent(id: \"0194f000-0000-7000-8000-000000000013\", reason: \"test\") { position } }"});
    let mut ws = server.ws_init(json!({}));
    ws_send(&mut ws, json!({"id": "m", "type": "subscribe", "payload": op}));
    match ws_recv(&mut ws) {
        WsEvent::Message(m) => {
            assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{m}")
        }
        other => panic!("{other:?}"),
    }
    let mut ws = server.ws_init(json!({"token": TOKEN}));
    ws_send(&mut ws, json!({"id": "m", "type": "subscribe", "payload": op}));
    match ws_recv(&mut ws) {
        WsEvent::Message(m) => assert!(m["payload"]["data"]["retractEvent"]["position"].as_u64().is_some(), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_subscriber_that_falls_behind_is_closed_with_4008() {
    // A small buffer, and a long send timeout so the lag (not the timeout) ends it.
    let server = Server::start(&["--demo", "--subscription-buffer", "16", "--ws-send-timeout", "60"]);
    let mut ws = server.ws_init(json!({}));
    subscribe_large(&mut ws);
    // The client reads nothing while about 12 MB of events are appended:
    // the socket's buffers fill, the server stops taking events from the
    // log's broadcast, and the subscriber falls more than 16 behind.
    for _ in 0..12 {
        append_letters(&server, 10, 100_000);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lagged = false;
    loop {
        assert!(Instant::now() < deadline, "no close");
        match ws_recv(&mut ws) {
            WsEvent::Message(m) => {
                lagged |= m["payload"]["errors"][0]["extensions"]["code"] == "LAGGED";
            }
            WsEvent::Closed(code, reason) => {
                assert_eq!(code, strata_close::TOO_SLOW, "{reason}");
                assert!(reason.contains("fromPosition"), "{reason}");
                break;
            }
        }
    }
    assert!(lagged, "the LAGGED error came before the close");
    still_serving(&server);
}

#[test]
fn a_subscriber_that_stops_reading_is_disconnected() {
    let server = Server::start(&["--demo", "--ws-send-timeout", "1"]);
    let mut ws = server.ws_init(json!({}));
    subscribe_large(&mut ws);
    for _ in 0..12 {
        append_letters(&server, 10, 100_000);
    }
    std::thread::sleep(Duration::from_secs(3));
    // Whatever was buffered arrives, then the connection ends: with the
    // close frame when it fit, else cut.
    let started = Instant::now();
    loop {
        match ws.read() {
            Ok(tungstenite::Message::Close(frame)) => {
                if let Some(f) = frame {
                    assert_eq!(u16::from(f.code), strata_close::TOO_SLOW);
                }
                break;
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                panic!("the server did not disconnect the subscriber")
            }
            Err(_) => break,
        }
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    still_serving(&server);
}

#[test]
fn limits_hold_over_the_websocket_too() {
    let server = Server::start(&["--demo"]);
    let mut ws = server.ws_init(json!({}));
    let aliases: String = (0..1000).map(|i| format!("a{i}: stats {{ events }} ")).collect();
    let deep = format!("{}{}", "{ a ".repeat(10_000), "}".repeat(10_000));
    for (id, query, code) in [("1", format!("{{ {aliases} }}"), "TOO_MANY_ALIASES"), ("2", deep, "QUERY_TOO_DEEP")] {
        ws_send(&mut ws, json!({"id": id, "type": "subscribe", "payload": {"query": query}}));
        match ws_recv(&mut ws) {
            WsEvent::Message(m) => assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], code, "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(ws_recv(&mut ws), WsEvent::Message(m) if m["type"] == "complete"));
    }
    // A query over the socket runs as over HTTP.
    ws_send(&mut ws, json!({"id": "3", "type": "subscribe", "payload": {"query": "{ stats { events } }"}}));
    match ws_recv(&mut ws) {
        WsEvent::Message(m) => assert_eq!(m["payload"]["data"]["stats"]["events"], demo_len(), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sigterm_with_an_open_subscription_still_shuts_down() {
    let server = Server::start(&["--demo"]);
    let mut ws = server.ws_init(json!({}));
    subscribe(&mut ws, Some(demo_len()));
    assert_eq!(next_position(&mut ws), demo_len());
    let started = Instant::now();
    assert!(server.terminate().success());
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    // The subscriber is told the server is going away.
    match ws_recv(&mut ws) {
        WsEvent::Closed(code, reason) => assert_eq!(code, 1001, "{reason}"),
        other => panic!("{other:?}"),
    }
}
