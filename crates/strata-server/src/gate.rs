//! The checks every GraphQL operation passes before it runs, over HTTP and
//! over a websocket alike: nesting, aliases, introspection, the token for
//! mutations; then running it within the time limit.

use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse, Request, Response};
use strata_engine::Engine;
use strata_graphql::StrataSchema;

use crate::auth::{Credentials, Token};
use crate::limits::{nesting, shape, Limits, Refusal};

/// How deeper than `--max-depth` brackets may nest before the document is
/// refused unparsed: arguments add `(`, `[` and `{` of their own.
const NESTING_SLACK: usize = 8;

/// What the server checks, shared by its handlers.
pub(crate) struct Gate {
    pub schema: StrataSchema,
    pub engine: Arc<Engine>,
    pub token: Option<Token>,
    pub auth_reads: bool,
    pub read_only: bool,
    pub introspection: bool,
    pub limits: Limits,
    pub closing: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Gate {
    /// Refuses `request` if it breaks a limit, or mutates while `credentials`
    /// are not valid. Syntax errors are left to the execution, which reports
    /// them with their positions.
    pub(crate) fn check(&self, request: &mut Request, credentials: Credentials) -> Result<(), Refusal> {
        self.check_named(request, credentials, &mut None)
    }

    /// [`Gate::check`], also giving the name of the operation that runs.
    fn check_named(
        &self,
        request: &mut Request,
        credentials: Credentials,
        name: &mut Option<String>,
    ) -> Result<(), Refusal> {
        let max = self.limits.max_depth + NESTING_SLACK;
        let found = nesting(&request.query, max);
        if found > max {
            return Err(Refusal::TooDeep { found: max, max: self.limits.max_depth });
        }
        let operation = request.operation_name.clone();
        let Ok(doc) = request.parsed_query() else { return Ok(()) };
        let shape = shape(doc, operation.as_deref());
        *name = shape.operation;
        // The token first: a client without it learns that before anything else.
        if shape.mutates && !self.read_only && credentials != Credentials::Valid {
            return Err(Refusal::Unauthenticated(credentials.message("mutations")));
        }
        if shape.aliases > self.limits.max_aliases {
            return Err(Refusal::TooManyAliases { found: shape.aliases, max: self.limits.max_aliases });
        }
        if shape.introspects && !self.introspection {
            return Err(Refusal::IntrospectionDisabled);
        }
        Ok(())
    }

    /// Runs `request` within the time limit.
    ///
    /// Resolvers compute synchronously between awaits (a path search runs
    /// to its end), so the execution runs on a blocking thread: the
    /// runtime's workers stay free for other clients, and the timer can
    /// answer this one on time. A computation past its time still runs to
    /// its end on that thread, bounded by the complexity limit; its result
    /// is dropped.
    pub(crate) async fn execute(&self, request: Request) -> Response {
        let mut request = strata_graphql::prepare(request, &self.engine);
        if !self.introspection {
            request = request.disable_introspection();
        }
        let schema = self.schema.clone();
        let runtime = tokio::runtime::Handle::current();
        let task = tokio::task::spawn_blocking(move || runtime.block_on(schema.execute(request)));
        match tokio::time::timeout(self.limits.timeout, task).await {
            Ok(Ok(response)) => response,
            Ok(Err(join)) => {
                tracing::error!(error = %join, "a GraphQL request failed inside strata");
                Response::from_errors(vec![internal_error()])
            }
            Err(_) => {
                tracing::warn!(limit = ?self.limits.timeout, "a GraphQL request ran out of time");
                Refusal::Timeout(self.limits.timeout).graphql_response()
            }
        }
    }

    /// Checks and runs a batch (or a single request). A refusal for the
    /// token answers the whole HTTP request with 401, so a script notices;
    /// other refusals answer their own operation.
    pub(crate) async fn run(&self, batch: BatchRequest, credentials: Credentials) -> Result<BatchResponse, Refusal> {
        let (mut requests, is_batch) = match batch {
            BatchRequest::Single(r) => (vec![r], false),
            BatchRequest::Batch(rs) => (rs, true),
        };
        if requests.len() > self.limits.max_batch {
            return Err(Refusal::BatchTooLarge { found: requests.len(), max: self.limits.max_batch });
        }
        let mut checked = Vec::with_capacity(requests.len());
        let mut names = Vec::new();
        for request in &mut requests {
            let mut name = None;
            let check = self.check_named(request, credentials, &mut name);
            names.push(name.unwrap_or_else(|| "-".into()));
            match check {
                Err(r @ Refusal::Unauthenticated(_)) => return Err(r),
                other => checked.push(other),
            }
        }
        // The request's log line (see `app`) names what ran.
        tracing::Span::current().record("operation", names.join(","));
        let mut responses = Vec::with_capacity(requests.len());
        for (request, check) in requests.into_iter().zip(checked) {
            responses.push(match check {
                Ok(()) => self.execute(request).await,
                Err(refusal) => refusal.graphql_response(),
            });
        }
        Ok(match responses.pop() {
            Some(r) if !is_batch => BatchResponse::Single(r),
            last => {
                responses.extend(last);
                BatchResponse::Batch(responses)
            }
        })
    }
}

fn internal_error() -> async_graphql::ServerError {
    let internal = strata_graphql::Error::Internal;
    internal.code().server_error(internal.to_string())
}
