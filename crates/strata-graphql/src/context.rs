//! One consistent view per request: the snapshot bounds every resolver's
//! `knownAt`, and the extension that attaches it also gives every error its code.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest, NextSubscribe,
};
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{Context, Request, Response, ServerResult};
use futures_util::StreamExt;
use strata_core::{Day, Timestamp};
use strata_engine::{Engine, TimeFilter};

use crate::error::{add_code, Error};

/// The view of the log a request reads: its last position and the recorded
/// time of that position's event. Every `knownAt` of the request is bounded by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSnapshot {
    /// The recorded time of the last event the request sees
    /// (`Timestamp::MIN` for an empty log: nothing is seen).
    pub known_at: Timestamp,
    /// The last position the request sees.
    pub position: u64,
}

impl RequestSnapshot {
    /// A `knownAt` asked by a client, bounded by the snapshot.
    pub fn clamp(&self, known_at: Option<Timestamp>) -> Timestamp {
        known_at.map_or(self.known_at, |k| k.min(self.known_at))
    }

    /// A time filter bounded by the snapshot.
    pub fn filter(&self, as_of: Option<Day>, known_at: Option<Timestamp>) -> TimeFilter {
        TimeFilter { as_of, known_at: self.clamp(known_at) }
    }
}

/// The snapshot a request starting now should read.
pub fn request_data(engine: &Engine) -> RequestSnapshot {
    let snap = engine.snapshot();
    RequestSnapshot { known_at: snap.known_at(), position: snap.position() }
}

/// Attaches the view of the log the request will read, unless it has one.
///
/// The schema does this itself when a request starts; call it to fix the
/// view earlier (e.g. to report the position a response was read at).
pub fn prepare(request: Request, engine: &Engine) -> Request {
    if request.data.contains_key(&std::any::TypeId::of::<RequestSnapshot>()) {
        request
    } else {
        request.data(request_data(engine))
    }
}

/// The engine the schema serves.
pub(crate) fn engine<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Engine>, Error> {
    ctx.data::<Arc<Engine>>().map_err(|_| Error::internal("the schema was built without an engine"))
}

/// The request's snapshot (a fresh one if the request has none, which only
/// happens when the schema was not made by `build_schema`).
pub(crate) fn snapshot(ctx: &Context<'_>) -> Result<RequestSnapshot, Error> {
    match ctx.data_opt::<RequestSnapshot>() {
        Some(s) => Ok(*s),
        None => Ok(request_data(engine(ctx)?)),
    }
}

/// Attaches a [`RequestSnapshot`] to each request and gives each error its code.
pub(crate) struct RequestExtension {
    engine: Arc<Engine>,
}

impl RequestExtension {
    pub(crate) fn new(engine: Arc<Engine>) -> RequestExtension {
        RequestExtension { engine }
    }
}

impl ExtensionFactory for RequestExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestExtension { engine: self.engine.clone() })
    }
}

fn with_codes(mut response: Response) -> Response {
    response.errors.iter_mut().for_each(add_code);
    response
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        with_codes(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(with_codes).boxed()
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, prepare(request, &self.engine)).await
    }
}
