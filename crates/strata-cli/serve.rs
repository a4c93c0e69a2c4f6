//! `strata serve`: open (or load the demo into) a store and serve it until
//! ctrl-c or SIGTERM, then let in-flight requests finish and close the store.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use strata_engine::Engine;
use strata_server::{Limits, ServerConfig, Token};

use crate::args::{Global, LogFormat, ServeArgs};

fn init_logging(format: LogFormat) {
    let filter = crate::log_filter("info");
    // Colours only for a person at a terminal: escape codes in a log file or a
    // collector are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).init(),
        LogFormat::Text => builder.init(),
    }
}

/// The token from `--token-file`, else `$STRATA_TOKEN`.
fn token(args: &ServeArgs) -> anyhow::Result<Option<Token>> {
    if let Some(path) = &args.token_file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the token file {}", path.display()))?;
        return Token::new(&text).map(Some).with_context(|| format!("the token file {} is empty", path.display()));
    }
    match std::env::var("STRATA_TOKEN") {
        Ok(text) => Token::new(&text).map(Some).context("STRATA_TOKEN is set but empty"),
        Err(_) => Ok(None),
    }
}

/// A refusal to start: one line, exit code 2 (a usage error, as clap's).
fn refuse(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

pub fn run(global: &Global, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let token = token(&args)?;
    let mut read_only = args.read_only;
    if token.is_none() && !read_only && !args.allow_anonymous_writes {
        if !args.demo {
            return Ok(refuse(
                "mutations need a token: start with --token-file FILE or STRATA_TOKEN set, \
                 or with --read-only, or with --allow-anonymous-writes (local use only)",
            ));
        }
        // `strata serve --demo` is the README's first command: it must work
        // as typed, so without a token the demo serves reads only.
        read_only = true;
    }
    if args.auth_reads && token.is_none() {
        return Ok(refuse("--auth-reads needs a token: give --token-file FILE or set STRATA_TOKEN"));
    }
    init_logging(args.log_format);
    if args.demo && read_only && !args.read_only {
        tracing::warn!(
            "the demo serves read-only because no token is set; to enable writes, start it with \
             --token-file FILE (or STRATA_TOKEN), or --allow-anonymous-writes for local use"
        );
    }
    if token.is_none() && !read_only {
        tracing::warn!("--allow-anonymous-writes: anyone who can reach this server can append events");
    }
    let (mut engine_config, place) = if args.demo && global.data.is_none() {
        (global.config(None)?, "an in-memory store".to_string())
    } else {
        let dir = global.data_dir();
        (global.config(Some(dir.clone()))?, global.place())
    };
    engine_config.subscription_buffer = args.subscription_buffer;
    let demo = args.demo;
    let (closing, closing_rx) = tokio::sync::watch::channel(false);
    let config = ServerConfig {
        read_only,
        token,
        auth_reads: args.auth_reads,
        introspection: !args.no_introspection,
        limits: Limits {
            max_depth: usize::from(args.max_depth),
            max_complexity: args.max_complexity,
            max_body_bytes: args.max_body_bytes,
            max_batch: args.max_batch,
            max_aliases: args.max_aliases,
            timeout: args.timeout,
            ws_send_timeout: args.ws_send_timeout,
        },
        cors_origins: args.cors_origin.clone(),
        closing: Some(closing_rx),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let engine = runtime.block_on(async move {
        // Bind first: /healthz answers (and /readyz says 503) while a large
        // log is replayed into the projection.
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let local = listener.local_addr()?;
        tracing::info!(addr = %local, "listening; opening the store");
        let starting = strata_server::Starting::new();
        let signal = async move {
            shutdown_signal().await;
            let _ = closing.send(true);
        };
        let server = tokio::spawn(strata_server::serve(listener, starting.router(), signal));
        let engine = tokio::task::spawn_blocking(move || open(engine_config, &place, demo)).await??;
        starting.ready(strata_server::app(engine.clone(), config));
        tracing::info!(addr = %local, read_only, "ready; open http://{local}/ for the explorer, http://{local}/graphql for GraphiQL");
        eprintln!("strata: the explorer at http://{local}/");
        eprintln!("strata: GraphiQL at http://{local}/graphql");
        server.await?.context("the server failed")?;
        tracing::info!("stopped accepting requests; in-flight requests finished");
        drop(starting);
        anyhow::Ok(engine)
    })?;
    // The websocket tasks (which hold the engine) are closing their
    // sockets; give them a moment, then dropping the runtime ends any left,
    // and this is the engine's last owner.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while Arc::strong_count(&engine) > 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    runtime.shutdown_timeout(Duration::from_secs(5));
    let position = engine.head().position;
    match Arc::try_unwrap(engine) {
        Ok(engine) => drop(engine),
        Err(_) => tracing::warn!("the engine is still shared at shutdown; the store closes when the process exits"),
    }
    // Every append was flushed before it was acknowledged; closing the
    // store releases its lock.
    tracing::info!(position, "store closed; shut down");
    Ok(ExitCode::SUCCESS)
}

/// Opens the store, rebuilding the projection, and loads the demo if asked.
fn open(config: strata_engine::Config, place: &str, demo: bool) -> anyhow::Result<Arc<Engine>> {
    let engine = Engine::open(config).with_context(|| format!("cannot open {place}"))?;
    if demo {
        let outcome = engine.append_text(crate::DEMO, None).context("cannot load the demo dataset")?;
        tracing::info!(new = outcome.appended, position = outcome.position, "demo dataset loaded");
    }
    let engine = Arc::new(engine);
    // With a shared log: apply what other nodes write, as they write it.
    engine.start_following();
    Ok(engine)
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
        () = ctrl_c => tracing::info!("ctrl-c: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}
