//! Checking a store end to end, for `strata verify`: the log reads back
//! whole and in order, agrees with its head file, builds the graph event by
//! event, and the checkpoint beside it (if any) is what a replay gives.
//!
//! Opening a store checks less, on purpose: it trusts the log's chunks it
//! does not read and ignores a checkpoint that does not fit. Verifying
//! reads everything and reports the first thing that does not hold, with
//! the position and event it concerns and what to do.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use strata_core::{EventId, Timestamp, Vocabulary};
use strata_graph::{CheckpointMark, Projection};
use strata_store::{Head, Store};

use crate::open::read_ahead;
use crate::Error;

/// What [`verify`] found: how far it got, and the first problem if any.
#[derive(Debug)]
pub struct VerifyReport {
    /// The events read, checked and applied without a problem.
    pub events: u64,
    /// The entities of the graph they built (as `stats` counts them).
    pub entities: u64,
    /// Its relations (as `stats` counts them).
    pub relations: u64,
    /// What the head file recorded as the last acknowledged append.
    pub acknowledged: Head,
    /// The position of the checkpoint beside the log, when there is one
    /// that reads back.
    pub checkpoint: Option<u64>,
    /// The time the whole check took.
    pub elapsed: Duration,
    /// The first thing that does not hold; `None` when everything does.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// A report of nothing checked yet.
    fn empty() -> VerifyReport {
        VerifyReport {
            events: 0,
            entities: 0,
            relations: 0,
            acknowledged: Head::default(),
            checkpoint: None,
            elapsed: Duration::ZERO,
            problem: None,
        }
    }

    /// Whether everything holds.
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// The first problem [`verify`] met.
#[derive(Debug)]
pub struct Problem {
    /// The position of the event it concerns, if it concerns one.
    pub position: Option<u64>,
    /// That event's id, when it could be read.
    pub event: Option<EventId>,
    /// What is wrong and what to do about it.
    pub error: Error,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An event that does not apply names its position and id itself.
        let named = matches!(self.error, Error::Rebuild { at: Some(_), .. });
        match (self.position, self.event) {
            (Some(p), Some(id)) if !named => write!(f, "at position {p} (event {id}): {}", self.error),
            (Some(p), None) => write!(f, "at position {p}: {}", self.error),
            _ => write!(f, "{}", self.error),
        }
    }
}

/// A checkpoint as read for the check: its bytes and where it ends.
struct Checkpoint {
    bytes: Vec<u8>,
    mark: CheckpointMark,
}

/// Checks the store in data directory `dir` end to end, building the graph
/// with `vocabulary`:
///
/// - the store opens (its format, and the head file against the log's end);
/// - every event decodes, positions run from 1 without a gap, and recorded
///   times strictly increase;
/// - the event at the head file's position has the recorded time it says;
/// - every event applies, in order, to a fresh graph;
/// - the checkpoint, if there is one, reads back whole and is byte for
///   byte the checkpoint of a replay of the log up to its position, so it
///   decodes (with `vocabulary`) to exactly that graph.
///
/// The log is read on a second thread while this one applies. A problem
/// in the log comes before one in the checkpoint (the checkpoint can
/// always be deleted; the log is the store). Changes neither the log nor
/// the checkpoint, but takes the store's lock: it cannot check a store a
/// server has open.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// {
///     let engine = strata_engine::Engine::open(strata_engine::Config::at(dir.path()))?;
///     engine.append_text(r#"{"kind":"entity_declared","at":"2026","subject":{"id":"acme","type":"actor"}}"#, None)?;
/// }
/// let report = strata_engine::verify(dir.path(), &strata_core::Vocabulary::builtin());
/// assert!(report.is_ok(), "{:?}", report.problem);
/// assert_eq!((report.events, report.entities, report.checkpoint), (1, 1, None));
/// # Ok(()) }
/// ```
pub fn verify(dir: &Path, vocabulary: &Vocabulary) -> VerifyReport {
    let started = Instant::now();
    let mut report = VerifyReport::empty();
    // Opening a missing directory would create a store there: a mistyped
    // path must not pass as an empty store.
    if let Err(e) = std::fs::metadata(dir) {
        let error = Error::Store(strata_store::Error::Io { path: dir.to_path_buf(), source: e });
        report.problem = Some(Problem { position: None, event: None, error });
        report.elapsed = started.elapsed();
        return report;
    }
    // The checkpoint is read while sled opens the log.
    let (store, checkpoint) = std::thread::scope(|s| {
        let reading = s.spawn(|| read_checkpoint(dir));
        let store = Store::open(dir);
        let checkpoint = reading.join().unwrap_or_else(|_| {
            Err(Error::Checkpoint {
                path: Store::checkpoint_path(dir),
                reason: "could not be read (the reading thread failed)".into(),
            })
        });
        (store, checkpoint)
    });
    verify_opened(store, checkpoint, dir, vocabulary, report, started)
}

/// [`verify`] of the log kept in a JetStream stream, read whole as it
/// stands, with this node's checkpoint (in the config's `data_dir`, if any).
pub fn verify_jetstream(config: &strata_store::JetStreamConfig, vocabulary: &Vocabulary) -> VerifyReport {
    let started = Instant::now();
    let report = VerifyReport::empty();
    let dir = config.data_dir.clone().unwrap_or_default();
    let checkpoint = match &config.data_dir {
        Some(dir) => read_checkpoint(dir),
        None => Ok(None),
    };
    // The stream itself is checked, not this node's copy of it.
    let whole = strata_store::JetStreamConfig { local_copy: false, ..config.clone() };
    verify_opened(Store::open_jetstream(&whole), checkpoint, &dir, vocabulary, report, started)
}

/// The checks of [`verify`] once the store is open.
fn verify_opened(
    store: Result<Store, strata_store::Error>,
    checkpoint: Result<Option<Checkpoint>, Error>,
    dir: &Path,
    vocabulary: &Vocabulary,
    mut report: VerifyReport,
    started: Instant,
) -> VerifyReport {
    let store = match store {
        Ok(store) => store,
        Err(e) => {
            report.problem = Some(Problem { position: None, event: None, error: e.into() });
            report.elapsed = started.elapsed();
            return report;
        }
    };
    report.acknowledged = store.acknowledged();
    let mut checkpoint_problem = None;
    let checkpoint = match checkpoint {
        Ok(c) => c,
        Err(error) => {
            checkpoint_problem = Some(Problem { position: None, event: None, error });
            None
        }
    };
    report.checkpoint = checkpoint.as_ref().map(|c| c.mark.position);

    let mut graph = Projection::new(vocabulary.clone());
    let mut check = Check { dir, acknowledged: report.acknowledged, checkpoint: checkpoint.as_ref(), last: None };
    if let Err(error) = check.checkpoint_at(&graph) {
        checkpoint_problem = Some(Problem { position: None, event: None, error });
    }
    // Where the reading stands: the event being checked, for a problem's report.
    let mut at: (u64, Option<EventId>) = (1, None);
    let read = read_ahead(&store, 1, |rec| {
        let expected = at.0;
        at = (rec.position, Some(rec.event.id));
        check.event(rec.position, rec.recorded_at, expected)?;
        graph.apply(rec).map_err(|e| Error::unbuildable(rec.position, rec.event.id, Some(dir), e))?;
        if let Err(error) = check.checkpoint_at(&graph) {
            checkpoint_problem.get_or_insert(Problem { position: Some(rec.position), event: None, error });
        }
        at = (rec.position + 1, None);
        Ok(())
    });
    let stats = graph.stats(Timestamp::MAX);
    report.events = graph.len();
    report.entities = stats.entities;
    report.relations = stats.relations;
    report.problem = match read {
        Err(error) => Some(Problem { position: Some(at.0), event: at.1, error }),
        Ok(_) => {
            let head = store.head().position;
            if graph.len() != head {
                let what = format!("the log's head is at position {head}, but {} events were read", graph.len());
                Some(Problem { position: None, event: None, error: corrupt(dir, what) })
            } else {
                checkpoint_problem.or_else(|| {
                    let ends = checkpoint.as_ref().map_or(0, |c| c.mark.position);
                    (ends > head).then(|| Problem {
                        position: None,
                        event: None,
                        error: Error::Checkpoint {
                            path: Store::checkpoint_path(dir),
                            reason: format!("ends at position {ends}, after the log's last position {head}"),
                        },
                    })
                })
            }
        }
    };
    report.elapsed = started.elapsed();
    report
}

/// The checks made of each event as it is read.
struct Check<'a> {
    dir: &'a Path,
    acknowledged: Head,
    checkpoint: Option<&'a Checkpoint>,
    /// The recorded time of the event before.
    last: Option<Timestamp>,
}

impl Check<'_> {
    /// Checks an event before it is applied: its place and its recorded
    /// time. The problem's report names the position and the event.
    fn event(&mut self, position: u64, recorded_at: Timestamp, expected: u64) -> Result<(), Error> {
        if position != expected {
            return Err(corrupt(self.dir, format!("the event read there says position {position}, not {expected}")));
        }
        if let Some(last) = self.last.filter(|last| recorded_at <= *last) {
            return Err(corrupt(
                self.dir,
                format!(
                    "its recorded time {recorded_at} is not after {last}, the recorded time of the event before it"
                ),
            ));
        }
        if position == self.acknowledged.position && Some(recorded_at) != self.acknowledged.recorded_at {
            let said = self.acknowledged.recorded_at.map(|t| t.to_string()).unwrap_or_default();
            return Err(corrupt(
                self.dir,
                format!("the head file says it was recorded at {said}, the log says {recorded_at}"),
            ));
        }
        self.last = Some(recorded_at);
        Ok(())
    }

    /// When the graph has reached the checkpoint's position: the checkpoint
    /// must be this graph's, byte for byte.
    fn checkpoint_at(&self, graph: &Projection) -> Result<(), Error> {
        let Some(c) = self.checkpoint.filter(|c| c.mark.position == graph.len()) else { return Ok(()) };
        let differs = |reason: String| Error::Checkpoint { path: Store::checkpoint_path(self.dir), reason };
        let here = graph.mark();
        if c.mark.last != here.last {
            let id = |m: &CheckpointMark| m.last.map(|(id, _)| id.to_string()).unwrap_or_default();
            return Err(differs(format!(
                "was taken from another log: its last event (position {}) is {}, the log's is {}",
                c.mark.position,
                id(&c.mark),
                id(&here)
            )));
        }
        if graph.to_checkpoint() == c.bytes {
            return Ok(());
        }
        // Say why: it does not decode (another vocabulary, damage the
        // checksum missed), or it decodes to another graph.
        Err(differs(match Projection::from_checkpoint(&c.bytes, graph.vocabulary().clone()) {
            Err(e) => format!("cannot be used: {e}"),
            Ok(_) => {
                format!("differs from the graph a replay of the log up to its position {} builds", c.mark.position)
            }
        }))
    }
}

/// The checkpoint beside the log in `dir`, read back and its mark taken
/// (decoding it whole is left for when it differs from the replay, to say
/// why): `None` when there is none.
fn read_checkpoint(dir: &Path) -> Result<Option<Checkpoint>, Error> {
    let path = Store::checkpoint_path(dir);
    let bytes = match Store::read_checkpoint_in(dir) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(None),
        // The store's message for a damaged file offers a restore; the
        // checkpoint needs none.
        Err(strata_store::Error::Corruption { what, .. }) => {
            let reason = what.strip_prefix("the checkpoint ").unwrap_or(&what).to_owned();
            return Err(Error::Checkpoint { path, reason });
        }
        Err(e) => return Err(Error::Checkpoint { path, reason: format!("cannot be read: {e}") }),
    };
    let mark = Projection::checkpoint_mark(&bytes)
        .map_err(|e| Error::Checkpoint { path, reason: format!("cannot be used: {e}") })?;
    Ok(Some(Checkpoint { bytes, mark }))
}

fn corrupt(dir: &Path, what: String) -> Error {
    Error::Store(strata_store::Error::Corruption { path: Some(dir.to_path_buf()), what })
}
