//! strata's facade: open a store, append batches, read consistent views,
//! follow the log.
//!
//! [`Engine`] owns the durable log (`strata-store`) and the in-memory
//! projection (`strata-graph`). Writers go through [`Engine::append`], which
//! checks a whole batch, stores it durably, and only then shows it to
//! readers; readers take a [`Snapshot`] and see exactly the events recorded
//! up to it, however many appends land meanwhile.
//!
//! ```
//! use strata_engine::{Config, Day, Direction, Engine};
//!
//! let engine = Engine::open(Config::in_memory()).unwrap();
//! let batch = r#"{"kind":"entity_declared","at":"2026","subject":{"id":"cn-miit","type":"agency"}}
//! {"kind":"entity_declared","at":"2026","subject":{"id":"bytedance","type":"actor","name":"ByteDance"}}
//! {"kind":"approval_granted","at":"2026-01-28","subject":"cn-miit","object":"bytedance"}"#;
//! let outcome = engine.append_text(batch, None).unwrap();
//! assert_eq!(outcome.position, 3);
//!
//! let snap = engine.snapshot();
//! let as_of = Day::parse("2026-02-01").unwrap();
//! let approved = snap.relations(&"bytedance".parse().unwrap(), snap.filter(Some(as_of), None), Direction::In, None);
//! assert_eq!(approved[0].from.as_str(), "cn-miit");
//! ```

mod append;
mod checkpoint;
mod error;
mod follow;
mod log;
mod snapshot;
mod verify;

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use strata_core::{EventId, RecordedEvent, Vocabulary};
use strata_store::Store;
use tokio::sync::broadcast;

pub use append::{AppendOutcome, ATTEMPTS};
pub use checkpoint::{CheckpointOutcome, Opened};
pub use error::Error;
pub use log::Log;
pub use snapshot::{Snapshot, SnapshotCap};
pub use strata_core::{
    ClaimStatus, Day, EntityDecl, EntityId, EntityRef, EntityType, Event, InvalidEvent, Location, ParsedLine,
    Precision, Source, StatusSet, ValidTime,
};
pub use strata_graph::{
    Connection, Direction, Disagreement, DisagreementFilter, DisagreementReason, EntityView, EventFilter, EventStatus,
    GraphDiff, KnowledgeDiff, KnowledgeQuery, PathQuery, PathStep, PathView, Projection, RelationView, Role, SearchHit,
    Stats, Subgraph, TemporalQuery, TimeFilter,
};
pub use strata_store::{Head, JetStreamConfig, StreamStatus, MAX_BATCH, PART_BYTES};
pub use verify::{verify, verify_jetstream, Problem, VerifyReport};

/// How to open an engine.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory; `None` keeps the log in memory (tests, demos).
    /// With [`Config::log`] it holds this node's checkpoints and its copy of
    /// the stream (see [`strata_store::Store::open_jetstream`]).
    pub data_dir: Option<PathBuf>,
    /// The log in a NATS JetStream stream shared with other nodes, instead
    /// of a log of this node's own (its `data_dir` is replaced by the one
    /// above). See [`Engine::start_following`].
    pub log: Option<JetStreamConfig>,
    /// The vocabulary events are read with.
    pub vocabulary: Vocabulary,
    /// How many appended events a slow subscriber may fall behind before it
    /// is told it lagged.
    pub subscription_buffer: usize,
    /// After how many events beyond the last checkpoint a new one is
    /// written, in the background (0: never). See [`Engine::checkpoint`].
    pub checkpoint_every: u64,
}

impl Config {
    /// A durable store in `dir`, with the built-in vocabulary.
    pub fn at(dir: impl Into<PathBuf>) -> Config {
        Config { data_dir: Some(dir.into()), ..Config::in_memory() }
    }

    /// A store in memory, with the built-in vocabulary.
    pub fn in_memory() -> Config {
        Config {
            data_dir: None,
            log: None,
            vocabulary: Vocabulary::builtin(),
            subscription_buffer: 4096,
            checkpoint_every: checkpoint::DEFAULT_EVERY,
        }
    }
}

/// The open store and its projection. Share it as `Arc<Engine>`.
pub struct Engine {
    store: Arc<Store>,
    graph: Arc<RwLock<Projection>>,
    /// Serialises writers; readers never take it.
    writer: Mutex<()>,
    appended: broadcast::Sender<Arc<RecordedEvent>>,
    checkpoints: checkpoint::Checkpoints,
    opened: Opened,
    /// The last position the projection has applied, for readers that
    /// wait for one (read-your-writes across nodes).
    applied: tokio::sync::watch::Sender<u64>,
}

impl Engine {
    /// Opens (or creates) the store and builds the projection: from the
    /// checkpoint kept beside the log and the events after it when there is
    /// a usable one, from the whole log otherwise (see [`Engine::opened`]).
    pub fn open(config: Config) -> Result<Engine, Error> {
        let started = std::time::Instant::now();
        // The checkpoint is read and decoded while sled opens the log.
        let (store, decoded) = std::thread::scope(|s| {
            let decoding =
                config.data_dir.as_deref().map(|dir| s.spawn(|| checkpoint::decode(dir, &config.vocabulary)));
            let store = match (&config.log, &config.data_dir) {
                (Some(log), dir) => Store::open_jetstream(&JetStreamConfig { data_dir: dir.clone(), ..log.clone() }),
                (None, Some(dir)) => Store::open(dir),
                (None, None) => Ok(Store::memory()),
            };
            let decoded = decoding.map(|h| h.join().unwrap_or_else(|_| Err("decoding the checkpoint failed".into())));
            (store, decoded)
        });
        let store = store?;
        let (graph, mut opened) = checkpoint::load(&store, &config.vocabulary, decoded.unwrap_or(Ok(None)))?;
        opened.elapsed = started.elapsed();
        tracing::info!(
            events = graph.len(),
            from_checkpoint = opened.from_checkpoint,
            replayed = opened.replayed,
            elapsed_ms = opened.elapsed.as_millis() as u64,
            "projection ready"
        );
        let (appended, _) = broadcast::channel(config.subscription_buffer.max(1));
        let checkpoints = checkpoint::Checkpoints::new(config.checkpoint_every, opened.from_checkpoint);
        let (applied, _) = tokio::sync::watch::channel(graph.len());
        let engine = Engine {
            applied,
            store: Arc::new(store),
            graph: Arc::new(RwLock::new(graph)),
            writer: Mutex::new(()),
            appended,
            checkpoints,
            opened,
        };
        engine.checkpoint_in_background();
        Ok(engine)
    }

    /// How the last [`Engine::open`] built the projection.
    pub fn opened(&self) -> Opened {
        self.opened
    }

    /// The vocabulary in force.
    pub fn vocabulary(&self) -> strata_core::Vocabulary {
        self.graph.read().vocabulary().clone()
    }

    /// The log's last position and recorded time.
    pub fn head(&self) -> Head {
        self.store.head()
    }

    /// The event at a position, read from the log.
    pub fn event_at(&self, position: u64) -> Result<Option<RecordedEvent>, Error> {
        Ok(self.store.get(position)?)
    }

    /// Events from `from` (inclusive) in log order, read from the log.
    pub fn scan(&self, from: u64) -> impl Iterator<Item = Result<RecordedEvent, Error>> + '_ {
        self.store.scan(from).map(|r| r.map_err(Error::from))
    }

    /// Receives every event appended from now on, in log order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<RecordedEvent>> {
        self.appended.subscribe()
    }

    /// The bytes the log takes on disk (0 in memory).
    pub fn size_on_disk(&self) -> Result<u64, Error> {
        Ok(self.store.size_on_disk()?)
    }

    /// The position of the event with this id, if stored.
    pub fn position_of(&self, id: EventId) -> Option<u64> {
        self.graph.read().position_of(id)
    }
}
