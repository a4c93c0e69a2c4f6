//! The command line, as clap types: every flag documented, so `--help` teaches.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// strata: an event-sourced, bitemporal knowledge graph.
///
/// Facts enter as append-only events (NDJSON, one per line), are stored
/// durably, and are projected into a graph of actors, agencies and chips that
/// answers "who is connected to whom, through what, as of a date, as known at
/// an instant" over GraphQL.
///
/// Quick start:
///   strata serve --demo            # demo data; the explorer at http://127.0.0.1:8080/
///   strata import events.ndjson    # append a file, atomically, to ./strata-data
///   strata query '{ stats { events entities relations } }'
///   strata export > backup.ndjson  # the whole log; import into an empty store to restore
///   strata verify                  # check the store end to end (exit 0: all holds)
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
    /// Write a checkpoint of the graph beside the log, in the background,
    /// whenever the log has grown this many events past the last one (0:
    /// never). Opening a store loads the checkpoint and replays only the
    /// events after it; a damaged one is ignored with a warning.
    #[arg(long, global = true, env = "STRATA_CHECKPOINT_EVERY", value_name = "EVENTS", default_value_t = 100_000)]
    pub checkpoint_every: u64,
    /// Keep the log in a NATS JetStream stream shared by any number of
    /// strata nodes, instead of in --data (which then holds only this
    /// node's checkpoints and its copy of the stream, both rebuildable):
    /// nats://HOST:PORT, or several separated by commas. Needs nats-server
    /// 2.12 or later with JetStream.
    #[arg(long, global = true, value_name = "URLS", value_delimiter = ',', help_heading = "Shared log")]
    pub log: Vec<String>,
    /// The JetStream stream that holds the log (created if missing).
    #[arg(long, global = true, default_value = "strata", value_name = "NAME", help_heading = "Shared log")]
    pub stream: String,
    /// How many servers keep a copy of the stream, when strata creates it
    /// (1, 3 or 5; 3 survives the loss of one).
    #[arg(long, global = true, default_value_t = 1, value_name = "N", help_heading = "Shared log",
          value_parser = clap::value_parser!(u16).range(1..=5))]
    pub replicas: u16,
    /// How long a write, or a question to the stream, may wait for an
    /// answer before it fails with UNAVAILABLE (nothing stored).
    #[arg(long, global = true, default_value = "5", value_name = "SECONDS", help_heading = "Shared log",
          value_parser = positive_seconds)]
    pub log_timeout: Duration,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the explorer (GET / in a browser: the graph at any date, with
    /// time sliders, paths and diffs), the GraphQL API (POST /graphql),
    /// GraphiQL (GET /graphql in a browser), subscriptions (/graphql/ws),
    /// the log (GET /export), and /healthz and /readyz. Mutations need a token (see --token-file).
    Serve(ServeArgs),
    /// Append NDJSON files to the log. Each file is one atomic batch: if any
    /// line is bad, the error names the line and field and nothing of that
    /// file is stored.
    Import(ImportArgs),
    /// Run one GraphQL request against the local store and print the JSON
    /// response (exit code 2 when the response has errors).
    Query(QueryArgs),
    /// Write the log (ndjson, a restorable backup) or the graph at a date
    /// (graphml, dot; neo4j-csv into a directory) to standard output or a file.
    Export(ExportArgs),
    /// Check a store end to end: every event reads back, in order, and
    /// builds the graph; the checkpoint, if any, equals a replay. Exit 0
    /// only when everything holds.
    Verify(VerifyArgs),
    /// Write a realistic synthetic log (NDJSON) for scale tests and
    /// benchmarks: power-law degrees, every kind of the vocabulary, dates of
    /// every precision over twenty years, ~1% retractions. The same
    /// --events and --seed give the same bytes. Example:
    /// `strata generate --events 1000000 -o big.ndjson && strata import big.ndjson`
    Generate(GenerateArgs),
}

#[derive(Args, Debug)]
#[command(after_long_help = SERVE_HELP)]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port; the chosen one is
    /// printed as "GraphiQL at URL").
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
    /// Load the demo dataset (examples/h200-china.ndjson) first. Without
    /// --data or $STRATA_DATA the demo runs on a fresh in-memory store.
    /// Without a token it serves read-only.
    #[arg(long)]
    pub demo: bool,
    /// A file holding the bearer token that mutations require (white space
    /// around it is ignored); clients send `Authorization: Bearer <token>`.
    /// $STRATA_TOKEN gives the token itself instead.
    #[arg(long, value_name = "FILE", help_heading = "Access")]
    pub token_file: Option<PathBuf>,
    /// Accept mutations from anyone who can reach the server, without a
    /// token: for a laptop, never for a shared server.
    #[arg(long, help_heading = "Access")]
    pub allow_anonymous_writes: bool,
    /// Require the token for queries, GraphiQL and subscriptions too
    /// (/healthz and /readyz stay open).
    #[arg(long, help_heading = "Access")]
    pub auth_reads: bool,
    /// Refuse mutations (code READ_ONLY); needs no token.
    #[arg(long, help_heading = "Access")]
    pub read_only: bool,
    /// The deepest a query may nest its selections (code QUERY_TOO_DEEP).
    #[arg(long, default_value_t = 24, value_name = "N", help_heading = "Limits",
          value_parser = clap::value_parser!(u16).range(1..=strata_server::MAX_DEPTH_CEILING as i64))]
    pub max_depth: u16,
    /// The most a query may cost: each field counts 1, and a list field
    /// counts its selection times its `first` or `limit` (code QUERY_TOO_COMPLEX).
    #[arg(long, default_value_t = 20_000, value_name = "N", help_heading = "Limits")]
    pub max_complexity: usize,
    /// The largest request body, in bytes (HTTP 413, code BODY_TOO_LARGE);
    /// also the largest websocket message.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES", help_heading = "Limits")]
    pub max_body_bytes: usize,
    /// The most operations in one batch request, a JSON array (HTTP 400,
    /// code BATCH_TOO_LARGE).
    #[arg(long, default_value_t = 16, value_name = "N", help_heading = "Limits")]
    pub max_batch: usize,
    /// The most aliases one query may use, counted across its fragments
    /// (code TOO_MANY_ALIASES).
    #[arg(long, default_value_t = 64, value_name = "N", help_heading = "Limits")]
    pub max_aliases: usize,
    /// The longest one request may run, in seconds (code TIMEOUT).
    #[arg(long, default_value = "30", value_name = "SECONDS", help_heading = "Limits", value_parser = positive_seconds)]
    pub timeout: Duration,
    /// How long a subscriber may take to read one message before the
    /// server closes its websocket (close code 4008).
    #[arg(long, default_value = "10", value_name = "SECONDS", help_heading = "Limits", value_parser = positive_seconds)]
    pub ws_send_timeout: Duration,
    /// How many new events a subscriber may fall behind before its
    /// subscription ends with LAGGED and its websocket is closed (4008).
    #[arg(long, default_value_t = 4096, value_name = "EVENTS", help_heading = "Limits")]
    pub subscription_buffer: usize,
    /// Refuse introspection queries (code INTROSPECTION_DISABLED); GraphiQL
    /// then cannot show the schema.
    #[arg(long, help_heading = "Limits")]
    pub no_introspection: bool,
    /// Allow browsers on this origin to call the API (repeatable; `*` for
    /// any). Default: no CORS headers, so only same-origin pages can.
    #[arg(long, value_name = "ORIGIN", help_heading = "Operations")]
    pub cors_origin: Vec<String>,
    /// Log format: one line per request (method, path, status, latency,
    /// operation name) and per event of the server's life.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, help_heading = "Operations")]
    pub log_format: LogFormat,
}

/// The error codes `strata serve` answers with, after the flags in `--help`.
const SERVE_HELP: &str = "\
Every GraphQL error carries extensions.code. Limits and access:
  UNAUTHENTICATED         HTTP 401: no or wrong `Authorization: Bearer <token>`
  QUERY_TOO_DEEP          nested deeper than --max-depth
  QUERY_TOO_COMPLEX       costs more than --max-complexity
  TOO_MANY_ALIASES        more aliases than --max-aliases
  BATCH_TOO_LARGE         HTTP 400: more operations than --max-batch
  BODY_TOO_LARGE          HTTP 413: body over --max-body-bytes
  TIMEOUT                 ran longer than --timeout
  LIMIT_EXCEEDED          `first` over 1000, `maxHops`/`hops` over 10, `limit` over 1000
  INTROSPECTION_DISABLED  __schema/__type with --no-introspection
  READ_ONLY               a mutation on a --read-only server
Websocket close codes: 4400 unreadable message, 4401 subscribe before
connection_ack, 4403 token refused, 4008 subscriber too slow, 1001 server
shutting down.
On SIGTERM or ctrl-c the server lets in-flight requests finish, closes the
store and exits 0.";

/// A positive number of seconds, fractions allowed (`0.5`), at most a year.
fn positive_seconds(s: &str) -> Result<Duration, String> {
    const YEAR: f64 = 365.0 * 24.0 * 3600.0;
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= YEAR => Duration::try_from_secs_f64(v).map_err(|e| e.to_string()),
        _ => Err(format!("expected a positive number of seconds (at most a year), not {s:?}")),
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Args, Debug)]
#[command(after_long_help = IMPORT_HELP)]
pub struct ImportArgs {
    /// Files to append, in order (`-` reads standard input); each is one
    /// atomic batch.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Append only if the log is at this position (optimistic concurrency).
    #[arg(long, value_name = "POSITION")]
    pub expect_position: Option<u64>,
    /// What the files are: strata's own NDJSON, or a public source's file as
    /// downloaded (csl: the US Consolidated Screening List, CSV or JSON;
    /// wikidata: Wikidata entity JSON; gdelt: GDELT 2.0 event exports).
    #[arg(long, value_enum, default_value_t = ImportFormat::Ndjson)]
    pub format: ImportFormat,
    /// A JSON file {"KEY": "entity-id"} mapping source keys (`csl:NAME`,
    /// `uscc:CODE`, `wikidata:QID`, `gdelt:ACTORCODE`) to entity ids
    /// (default: the built-in schema/crosswalk.json, for the demo's entities).
    #[arg(long, value_name = "FILE")]
    pub crosswalk: Option<PathBuf>,
    /// The date of the snapshot a csl file is (default: today). A listing
    /// an earlier import stated and this snapshot lacks is closed at this
    /// date; a snapshot older than the last imported is refused.
    #[arg(long, value_name = "DATE")]
    pub snapshot_date: Option<String>,
    /// Refuse the whole file when any record cannot be mapped (by default
    /// such records are skipped and reported).
    #[arg(long)]
    pub strict: bool,
    /// A JSON file mapping GDELT CAMEO codes to event kinds (default: the
    /// built-in schema/gdelt-cameo.json).
    #[arg(long, value_name = "FILE")]
    pub cameo: Option<PathBuf>,
}

/// The formats `strata import` reads.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// strata's own event lines.
    Ndjson,
    /// The US Consolidated Screening List (trade.gov), CSV or JSON.
    Csl,
    /// Wikidata entity JSON.
    Wikidata,
    /// GDELT 2.0 event exports (tab-separated, 61 columns, no header).
    Gdelt,
}

const IMPORT_HELP: &str = "\
Public sources (schema/README.md, section Importers):
  strata import --format csl consolidated.csv --snapshot-date 2025-06-25
  strata import --format wikidata Q182477.json
  strata import --format gdelt 20170701234500.export.CSV

Event ids are derived from each record's lasting facts: importing a file again appends
nothing, and a later snapshot of the list appends only what changed. Records that cannot
be mapped are reported as \"record N (line L): reason\" and skipped (--strict refuses the file).";

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
    /// The graph at --as-of/--known-at as nodes.csv and relationships.csv
    /// in the directory -o names, for `neo4j-admin database import`.
    Neo4jCsv,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Ndjson)]
    pub format: ExportFormat,
    /// Valid time of the graph (graphml, dot, neo4j-csv): YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Recorded time: export only what was known then (RFC 3339).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
    /// Write to this file instead of standard output (neo4j-csv: into
    /// this directory, created if missing).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Export the log (ndjson) of a running `strata serve` at this URL
    /// (e.g. http://127.0.0.1:8080) instead of opening the data directory,
    /// which the server holds: a backup while it runs, as of the moment
    /// the export starts.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// With --server: a file holding the token the server's --auth-reads
    /// requires ($STRATA_TOKEN gives the token itself instead).
    #[arg(long, value_name = "FILE", requires = "server")]
    pub token_file: Option<PathBuf>,
}

/// `strata verify` takes only the global options.
#[derive(Args, Debug)]
#[command(after_long_help = VERIFY_HELP)]
pub struct VerifyArgs {}

/// What `strata verify` checks, after the options in `--help`.
const VERIFY_HELP: &str = "\
Checks, in order, reading the whole log (on a second thread while the
graph is built):
  1. the store opens: its format, and its head file (the last acknowledged
     append) against the end of the log;
  2. every stored event decodes, positions run 1, 2, 3... without a gap,
     and recordedAt strictly increases;
  3. every event applies, one by one in order, to a fresh graph built with
     --vocabulary (the built-in vocabulary without it);
  4. the checkpoint beside the log, if there is one, reads back whole and is
     byte for byte what a replay of the log up to its position gives.
A problem in the log is reported before one in the checkpoint. Neither the
log nor the checkpoint is changed, but the store's lock is taken: stop a
server that has it open (or verify a copy of the directory).

Prints a summary (events, entities, relations, the head file's position,
the checkpoint's position or \"none\", the time taken) and exits:
  0  every check holds
  1  a check failed: the first problem is printed with its position, event
     id and what to do (or the store could not be opened at all)
  2  the command line is wrong

Example:
  strata verify --data ./strata-data
  strata verify --data old-store --vocabulary vocabulary-2025.json";

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// How many events (lines) to write.
    #[arg(long, value_name = "N")]
    pub events: u64,
    /// The seed: the same seed and --events give the same bytes.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Write to this file instead of standard output (neo4j-csv: into
    /// this directory, created if missing).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
