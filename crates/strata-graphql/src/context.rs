//! One consistent view per request: the snapshot bounds every resolver's
//! `knownAt`, and the extension that attaches it also gives every error its code.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest, NextSubscribe,
};
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{Context, Request, Response, ServerResult};
use futures_util::StreamExt;
use strata_engine::{Engine, Snapshot, SnapshotCap};

use crate::error::{add_code, Error};

/// The view of the log a request starting now should read: its cap bounds
/// every `knownAt` of the request.
pub fn request_data(engine: &Engine) -> SnapshotCap {
    engine.snapshot().cap()
}

/// Attaches the view of the log the request will read, unless it has one.
///
/// The schema does this itself when a request starts; call it to fix the
/// view earlier (e.g. to report the position a response was read at).
pub fn prepare(request: Request, engine: &Engine) -> Request {
    if request.data.contains_key(&std::any::TypeId::of::<SnapshotCap>()) {
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
pub(crate) fn snapshot<'a>(ctx: &Context<'a>) -> Result<Snapshot<'a>, Error> {
    let engine = engine(ctx)?;
    Ok(match ctx.data_opt::<SnapshotCap>() {
        Some(cap) => engine.snapshot_at(*cap),
        None => engine.snapshot(),
    })
}

/// Attaches a [`SnapshotCap`] to each request and gives each error its code.
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
