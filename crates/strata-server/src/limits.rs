//! The limits a request must stay within, and the refusals (each with an
//! HTTP status and an `extensions.code`) a client gets when it does not.

use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::ServerError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use strata_graphql::Code;

/// How much one request may ask of the server. Every limit has a flag of
/// `strata serve` of the same name.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The deepest selection a document may nest (`--max-depth`).
    pub max_depth: usize,
    /// The most a document may cost, each field counting 1 and each list
    /// field multiplied by its `first` or `limit` (`--max-complexity`).
    pub max_complexity: usize,
    /// The largest request body, in bytes (`--max-body-bytes`).
    pub max_body_bytes: usize,
    /// The most operations in one batch (a JSON array) (`--max-batch`).
    pub max_batch: usize,
    /// The most aliases a document may use, counted in every operation
    /// and fragment (`--max-aliases`).
    pub max_aliases: usize,
    /// How long one request may take (`--timeout`).
    pub timeout: Duration,
    /// How long the server waits for a websocket client to take one
    /// message before it closes the connection as too slow.
    pub ws_send_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 24,
            max_complexity: 20_000,
            max_body_bytes: 16 * 1024 * 1024,
            max_batch: 16,
            max_aliases: 64,
            timeout: Duration::from_secs(30),
            ws_send_timeout: Duration::from_secs(10),
        }
    }
}

/// The deepest `--max-depth` may go: async-graphql's parser refuses
/// selection sets nested deeper than 64 anyway.
pub const MAX_DEPTH_CEILING: usize = 60;

/// Why a request was refused before (or instead of) running.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// No token, or not the right one (`UNAUTHENTICATED`, HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),
    /// The document nests brackets deeper than any allowed query could
    /// (`QUERY_TOO_DEEP`); refused before parsing, so a 10,000-deep
    /// document costs a scan and not a recursion.
    #[error("the query nests more than {found} levels deep; this server allows a depth of {max} (--max-depth)")]
    TooDeep {
        /// How deep the scan went before it stopped.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// Too many aliases (`TOO_MANY_ALIASES`).
    #[error("the query uses {found} aliases; this server allows at most {max} per request (--max-aliases)")]
    TooManyAliases {
        /// Aliases in the document.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// Too many operations in a batch (`BATCH_TOO_LARGE`, HTTP 400).
    #[error("the batch has {found} operations; this server runs at most {max} per request (--max-batch)")]
    BatchTooLarge {
        /// Operations in the batch.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// The body is over the limit (`BODY_TOO_LARGE`, HTTP 413).
    #[error("the request body is larger than {max} bytes, this server's limit (--max-body-bytes)")]
    BodyTooLarge {
        /// The limit.
        max: usize,
    },
    /// The request ran out of time (`TIMEOUT`).
    #[error("the request took longer than {0:?}, this server's limit (--timeout); ask for less (a smaller `first`, `limit` or `maxHops`)")]
    Timeout(Duration),
    /// The document asks for `__schema` or `__type` (`INTROSPECTION_DISABLED`).
    #[error("introspection is turned off on this server (--no-introspection)")]
    IntrospectionDisabled,
    /// The body is not a GraphQL request (`BAD_INPUT`, HTTP 400).
    #[error("the body is not a GraphQL request ({0}); send JSON such as {{\"query\": \"{{ stats {{ events }} }}\"}}")]
    BadRequest(String),
    /// The request asked (`Strata-Wait-For-Position`) for a position this
    /// node had not applied within the wait (`UNAVAILABLE`, HTTP 503).
    #[error(
        "this node has applied the log up to position {applied}, not {wanted}, after waiting {waited_ms} ms \
         (Strata-Wait-Timeout-Ms); retry, or ask another node"
    )]
    NotYetApplied {
        /// The position the request waits for.
        wanted: u64,
        /// The position the node had applied.
        applied: u64,
        /// How long it waited.
        waited_ms: u64,
    },
}

impl Refusal {
    /// The stable code of `extensions.code`.
    pub fn code(&self) -> Code {
        match self {
            Refusal::Unauthenticated(_) => Code::Unauthenticated,
            Refusal::TooDeep { .. } => Code::QueryTooDeep,
            Refusal::TooManyAliases { .. } => Code::TooManyAliases,
            Refusal::BatchTooLarge { .. } => Code::BatchTooLarge,
            Refusal::BodyTooLarge { .. } => Code::BodyTooLarge,
            Refusal::Timeout(_) => Code::Timeout,
            Refusal::IntrospectionDisabled => Code::IntrospectionDisabled,
            Refusal::BadRequest(_) => Code::BadInput,
            Refusal::NotYetApplied { .. } => Code::Unavailable,
        }
    }

    /// The HTTP status when the refusal answers a whole HTTP request.
    /// Refusals of one operation inside a well-formed request are GraphQL
    /// errors in a 200 response, as async-graphql's own validation errors are.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Refusal::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::BatchTooLarge { .. } | Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
            Refusal::NotYetApplied { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::TooDeep { .. }
            | Refusal::TooManyAliases { .. }
            | Refusal::Timeout(_)
            | Refusal::IntrospectionDisabled => StatusCode::OK,
        }
    }

    /// The refusal as a GraphQL error.
    pub fn server_error(&self) -> ServerError {
        self.code().server_error(self.to_string())
    }

    /// The refusal as a GraphQL response (`{"errors": [...]}`).
    pub fn graphql_response(&self) -> async_graphql::Response {
        async_graphql::Response::from_errors(vec![self.server_error()])
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        // A request error: no `data` at all, as GraphQL over HTTP has it.
        let body = axum::Json(serde_json::json!({ "errors": [self.server_error()] }));
        let mut response = (self.status(), body).into_response();
        if matches!(self, Refusal::Unauthenticated(_)) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// How deep `{`, `[` and `(` nest in a GraphQL document, outside strings and
/// comments; the scan stops as soon as it passes `stop_at`. It runs before
/// the parser, whose recursion a hostile document could otherwise drive as
/// deep as it likes.
pub(crate) fn nesting(doc: &str, stop_at: usize) -> usize {
    let b = doc.as_bytes();
    let (mut i, mut depth, mut max) = (0, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                max = max.max(depth);
                if max > stop_at {
                    return max;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

/// What a parsed document asks for, as far as the limits and the token care.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The name of the operation that runs, when it has one (for the logs).
    pub operation: Option<String>,
    /// Aliases in every operation and fragment.
    pub aliases: usize,
    /// Whether it selects `__schema` or `__type`.
    pub introspects: bool,
    /// Whether the operation that runs (or, unnamed among several, any) is a mutation.
    pub mutates: bool,
    /// Whether the operation that runs (or, unnamed among several, any) is a subscription.
    pub subscribes: bool,
}

/// The shape of `doc`, run as `operation` (when the request names one).
pub(crate) fn shape(doc: &ExecutableDocument, operation: Option<&str>) -> Shape {
    let mut shape = Shape::default();
    for (name, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, &mut shape);
        let runs = match (operation, name) {
            (Some(wanted), Some(name)) => name.as_str() == wanted,
            (Some(_), None) => false,
            (None, _) => true,
        };
        shape.mutates |= runs && op.node.ty == OperationType::Mutation;
        shape.subscribes |= runs && op.node.ty == OperationType::Subscription;
        if runs && shape.operation.is_none() {
            shape.operation = name.map(|n| n.to_string());
        }
    }
    for fragment in doc.fragments.values() {
        walk(&fragment.node.selection_set.node, &mut shape);
    }
    shape
}

fn walk(set: &SelectionSet, shape: &mut Shape) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                shape.aliases += usize::from(field.alias.is_some());
                shape.introspects |= matches!(field.name.node.as_str(), "__schema" | "__type");
                walk(&field.selection_set.node, shape);
            }
            Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node, shape),
            Selection::FragmentSpread(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_skips_strings_and_comments() {
        assert_eq!(nesting("{ a { b(x: [1]) } }", 100), 4);
        assert_eq!(
            nesting(
                r#"{ a(s: "{{{{") # {{{{
          { b } }"#,
                100
            ),
            2
        );
        assert_eq!(nesting(r#"{ a(s: """ {{{ \""" {{ """) }"#, 100), 2);
        let deep = format!("{}{}", "{ a ".repeat(10_000), "}".repeat(10_000));
        assert_eq!(nesting(&deep, 30), 31, "the scan stops early");
    }

    #[test]
    fn shapes() {
        let doc = async_graphql::parser::parse_query(
            "query Q { a: stats { events } ...F } mutation M { b: x } fragment F on Query { c: __schema { d: types { name } } }",
        )
        .unwrap();
        let s = shape(&doc, Some("Q"));
        assert_eq!((s.aliases, s.introspects, s.mutates), (4, true, false));
        assert_eq!(s.operation.as_deref(), Some("Q"));
        assert!(shape(&doc, Some("M")).mutates);
        assert!(shape(&doc, None).mutates, "unnamed among several: any mutation counts");
    }
}
