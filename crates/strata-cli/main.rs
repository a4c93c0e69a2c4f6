//! The `strata` binary: thin glue over the library crates. `main` turns any
//! error into a one-line message a person can act on and a non-zero exit.

mod args;
mod export;
mod generate;
mod import;
mod serve;
mod sources;
mod verify;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use strata_engine::{Config, Engine};

use crate::args::{Cli, Command, Global};

/// The demo dataset, compiled in so `serve --demo` works from any directory.
pub(crate) const DEMO: &str = include_str!("../../examples/h200-china.ndjson");

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                // An error that prints its source (an I/O error) would say it twice.
                let cause = cause.to_string();
                if !msg.contains(&cause) {
                    msg.push_str(&format!(": {cause}"));
                }
            }
            let _ = writeln!(std::io::stderr(), "{msg}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if !matches!(cli.command, Command::Serve(_)) {
        // What strata warns about (a checkpoint it had to ignore, say)
        // reaches the person at the terminal; `serve` sets up its own log.
        // sled's own log is left out: strata turns its failures into one
        // error saying what to do.
        let filter = log_filter("warn");
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let _ =
            tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
    }
    match cli.command {
        Command::Serve(a) => serve::run(&cli.global, a),
        Command::Import(a) => import::run(&cli.global, a),
        Command::Query(a) => query(&cli.global, a),
        Command::Export(a) => export::run(&cli.global, a),
        Command::Verify(a) => verify::run(&cli.global, a),
        Command::Generate(a) => generate::run(&cli.global, a),
    }
}

/// The log filter: `RUST_LOG` if set, else `default`. sled's own log is off
/// unless `RUST_LOG` names it: strata turns sled's failures into one error
/// saying what to do, and sled's lines before it would only confuse.
pub(crate) fn log_filter(default: &str) -> tracing_subscriber::EnvFilter {
    let env = std::env::var("RUST_LOG").unwrap_or_default();
    let mut filter = tracing_subscriber::EnvFilter::try_new(&env)
        .ok()
        .filter(|_| !env.trim().is_empty())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    if !env.contains("sled") {
        if let Ok(off) = "sled=off".parse() {
            filter = filter.add_directive(off);
        }
    }
    filter
}

impl Global {
    /// The data directory: `--data`, else `$STRATA_DATA`, else `./strata-data`.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.data.clone().unwrap_or_else(|| PathBuf::from("strata-data"))
    }

    /// The engine configuration: data directory and vocabulary.
    pub(crate) fn config(&self, data_dir: Option<PathBuf>) -> anyhow::Result<Config> {
        let mut config = match data_dir {
            Some(dir) => Config::at(dir),
            None => Config::in_memory(),
        };
        config.checkpoint_every = self.checkpoint_every;
        config.log = self.jetstream();
        if let Some(path) = &self.vocabulary {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the vocabulary file {}", path.display()))?;
            config.vocabulary = strata_core::Vocabulary::from_json(&text)
                .with_context(|| format!("in the vocabulary file {}", path.display()))?;
        }
        Ok(config)
    }

    /// The shared log, when --log names one.
    pub(crate) fn jetstream(&self) -> Option<strata_engine::JetStreamConfig> {
        if self.log.is_empty() {
            return None;
        }
        let mut config = strata_engine::JetStreamConfig::new(self.log.clone(), self.stream.clone());
        config.replicas = usize::from(self.replicas);
        config.timeout = self.log_timeout;
        Some(config)
    }

    /// What a command opens, for its error messages.
    pub(crate) fn place(&self) -> String {
        match self.log.is_empty() {
            true => format!("the store in {}", self.data_dir().display()),
            false => format!("the log in stream {} on {}", self.stream, self.log.join(",")),
        }
    }

    /// Opens the engine on the data directory (or the shared log).
    pub(crate) fn open(&self) -> anyhow::Result<Arc<Engine>> {
        let dir = self.data_dir();
        let engine =
            Engine::open(self.config(Some(dir.clone()))?).with_context(|| format!("cannot open {}", self.place()))?;
        Ok(Arc::new(engine))
    }
}

fn query(global: &Global, a: args::QueryArgs) -> anyhow::Result<ExitCode> {
    let document = if a.query == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read the query from standard input")?
    } else if let Some(path) = a.query.strip_prefix('@') {
        std::fs::read_to_string(path).with_context(|| format!("cannot read the query file {path}"))?
    } else {
        a.query.clone()
    };
    let mut request = async_graphql::Request::new(document);
    if let Some(vars) = &a.vars {
        let value: serde_json::Value = serde_json::from_str(vars).context("--vars is not valid JSON")?;
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    let engine = global.open()?;
    let schema = strata_graphql::build_schema(engine.clone(), strata_graphql::SchemaConfig::default());
    let request = strata_graphql::prepare(request, &engine);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let response = runtime.block_on(schema.execute(request));
    let failed = !response.errors.is_empty();
    let json = serde_json::to_string_pretty(&response).context("cannot print the response")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}")?;
    out.flush()?;
    drop((schema, runtime));
    Engine::exit(engine);
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
