//! `strata serve`: open (or load the demo into) a store and serve it until
//! ctrl-c or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use strata_engine::Engine;
use strata_server::ServerConfig;

use crate::args::{Global, LogFormat, ServeArgs};

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

pub fn run(global: &Global, args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format);
    let engine = if args.demo && global.data.is_none() {
        Arc::new(Engine::open(global.config(None)?).context("cannot open an in-memory store")?)
    } else {
        global.open()?
    };
    if args.demo {
        let outcome = engine.append_text(crate::DEMO, None).context("cannot load the demo dataset")?;
        tracing::info!(new = outcome.appended, position = outcome.position, "demo dataset loaded");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let local = listener.local_addr()?;
        tracing::info!(addr = %local, "serving GraphQL; open http://{local}/graphql in a browser for GraphiQL");
        eprintln!("strata: GraphiQL at http://{local}/graphql");
        let app = strata_server::app(engine, ServerConfig { read_only: args.read_only, ..ServerConfig::default() });
        strata_server::serve(listener, app, shutdown_signal()).await.context("the server failed")?;
        tracing::info!("shut down");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
