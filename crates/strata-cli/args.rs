//! The command line, as clap types: every flag documented, so `--help` teaches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// strata: an event-sourced, bitemporal knowledge graph.
///
/// Facts enter as append-only events (NDJSON, one per line), are stored
/// durably, and are projected into a graph of actors, agencies and chips that
/// answers "who is connected to whom, through what, as of a date, as known at
/// an instant" over GraphQL.
///
/// Quick start:
///   strata serve --demo            # demo data; GraphiQL at http://127.0.0.1:8080/graphql
///   strata import events.ndjson    # append a file, atomically, to ./strata-data
///   strata query '{ stats { events entities relations } }'
///   strata export > backup.ndjson  # the whole log; import into an empty store to restore
#[derive(Parser, Debug)]
#[command(name = "strata", version, about, long_about, verbatim_doc_comment)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Args, Debug)]
pub struct Global {
    /// The data directory (default: $STRATA_DATA, else ./strata-data). Only
    /// one process may open it at a time.
    #[arg(long, global = true, env = "STRATA_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// A vocabulary file replacing the built-in one (see schema/vocabulary.json
    /// for the format): add event kinds without touching code.
    #[arg(long, global = true, env = "STRATA_VOCABULARY", value_name = "FILE")]
    pub vocabulary: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (POST /graphql), GraphiQL (GET /graphql in a
    /// browser), subscriptions (/graphql/ws) and /healthz.
    Serve(ServeArgs),
    /// Append NDJSON files to the log. Each file is one atomic batch: if any
    /// line is bad, the error names the line and field and nothing of that
    /// file is stored.
    Import(ImportArgs),
    /// Run one GraphQL request against the local store and print the JSON
    /// response (exit code 2 when the response has errors).
    Query(QueryArgs),
    /// Write the log (ndjson, a restorable backup) or the graph at a date
    /// (graphml, dot) to standard output or a file.
    Export(ExportArgs),
    /// Write a realistic synthetic log (NDJSON) for scale tests and
    /// benchmarks: power-law degrees, every kind of the vocabulary, dates of
    /// every precision over twenty years, ~1% retractions. The same
    /// --events and --seed give the same bytes. Example:
    /// `strata generate --events 1000000 -o big.ndjson && strata import big.ndjson`
    Generate(GenerateArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
    /// Load the demo dataset (examples/h200-china.ndjson) first. Without
    /// --data or $STRATA_DATA the demo runs on a fresh in-memory store.
    #[arg(long)]
    pub demo: bool,
    /// Refuse mutations.
    #[arg(long)]
    pub read_only: bool,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// NDJSON files to append, in order (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Append only if the log is at this position (optimistic concurrency).
    #[arg(long, value_name = "POSITION")]
    pub expect_position: Option<u64>,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// The GraphQL document: inline text, `@FILE` to read a file, or `-` for
    /// standard input. Example: '{ entity(id: "deepseek") { name relations { name from { id } } } }'
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// Variables, as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub vars: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// The whole log in order, each line with id, recordedAt and position:
    /// import it into an empty store to restore.
    Ndjson,
    /// The graph at --as-of/--known-at, for Gephi, yEd, networkx.
    Graphml,
    /// The graph at --as-of/--known-at, for Graphviz.
    Dot,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Ndjson)]
    pub format: ExportFormat,
    /// Valid time of the graph (graphml, dot): YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Recorded time: export only what was known then (RFC 3339).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// How many events (lines) to write.
    #[arg(long, value_name = "N")]
    pub events: u64,
    /// The seed: the same seed and --events give the same bytes.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
