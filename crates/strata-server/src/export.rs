//! `GET /export`: the log as NDJSON, streamed from one snapshot, so a backup
//! can be taken while the server runs and writes go on.
//!
//! The log is append-only: positions 1 to the head read when the request
//! starts never change, so streaming exactly those is a consistent prefix
//! however many appends land meanwhile. The lines are the bytes `strata
//! export` writes (`strata_core::to_line`), and `X-Strata-Position` says
//! how many there are, so a client can tell a complete export from a cut one.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// The header that carries the position the export stops at.
pub const POSITION_HEADER: &str = "x-strata-position";

/// How many bytes of lines are sent at a time.
const CHUNK: usize = 64 * 1024;

pub(crate) async fn ndjson(State(gate): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refusal) = gate.refuse_read(&headers) {
        return refusal.into_response();
    }
    let engine = gate.engine.clone();
    let head = engine.head().position;
    // A bounded channel: the reader runs at the pace the client takes the
    // bytes, holding a few chunks at most.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut buf = Vec::with_capacity(CHUNK);
        for rec in engine.scan(1) {
            match rec {
                Ok(rec) if rec.position > head => break,
                Ok(rec) => {
                    buf.extend_from_slice(strata_core::to_line(&rec).as_bytes());
                    buf.push(b'\n');
                    if buf.len() >= CHUNK && tx.blocking_send(Ok(Bytes::from(std::mem::take(&mut buf)))).is_err() {
                        return; // the client went away
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "the store failed during an export");
                    // An error ends the body without its last chunk: the
                    // client sees a broken transfer, never a short file.
                    let _ = tx.blocking_send(Err(std::io::Error::other("the store failed during the export")));
                    return;
                }
            }
        }
        if !buf.is_empty() {
            let _ = tx.blocking_send(Ok(Bytes::from(buf)));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    h.insert(POSITION_HEADER, HeaderValue::from(head));
    response
}
