//! The write path: parse, check idempotency and recorded time, check the
//! batch against the projection, store it durably, then show it to readers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use serde_json::{Map, Value};
use strata_core::{parse_value, BatchError, EntityRef, Event, EventId, InvalidEvent, Location, ParsedLine};
use strata_core::{RecordedEvent, Source, Timestamp, ValidTime, Vocabulary};

use strata_graph::Projection;
use strata_store::{Head, Prepared, Store};

use crate::{Engine, Error};

/// From this many new events on, a batch's chunks are encoded (and, into an
/// empty projection, the batch applied) on a second thread while it is checked.
const PREPARE_APART_FROM: usize = 1024;

/// How many times an append to a shared log is tried when other nodes
/// keep writing first, before it answers [`Error::Conflict`].
pub const ATTEMPTS: u32 = 8;

/// What an append did.
#[derive(Debug, Clone, PartialEq)]
pub struct AppendOutcome {
    /// The log's last position after the append.
    pub position: u64,
    /// Every event of the batch as the log holds it, in batch order
    /// (idempotent retries appear with their original position).
    pub events: Vec<RecordedEvent>,
    /// How many events were new.
    pub appended: usize,
    /// How many atomic writes stored them: 1 (0 when none was new), or on
    /// a shared log, more for a batch larger than one atomic part.
    pub parts: usize,
}

impl Engine {
    /// Appends NDJSON text (one event per non-blank line) as one atomic batch.
    pub fn append_text(&self, text: &str, expected_position: Option<u64>) -> Result<AppendOutcome, Error> {
        let parsed = strata_core::parse_batch(text.as_bytes(), &self.vocabulary()).map_err(|e| match e {
            BatchError::Invalid(e) => Error::from(e),
            // A `&str` is UTF-8 throughout.
            other => Error::from(InvalidEvent::new(Location::Single, "", other.to_string())),
        })?;
        self.append(parsed, expected_position)
    }

    /// Checks a batch against the graph as [`Engine::append`] would, and
    /// stores nothing: a dry run of the rules of the graph (not of the
    /// log's: ids already stored, `expectedPosition`).
    pub fn check(&self, batch: &[(Location, &Event)]) -> Result<(), InvalidEvent> {
        self.graph.read().check(batch)
    }

    /// Appends events given as JSON values (GraphQL inputs) as one atomic batch.
    pub fn append_values(&self, values: &[Value], expected_position: Option<u64>) -> Result<AppendOutcome, Error> {
        let vocab = self.vocabulary();
        let parsed = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let loc = Location::Index(i);
                parse_value(v, loc, &vocab).map(|p| (loc, p))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.append(parsed, expected_position)
    }

    /// Withdraws an event: appends an `event_retracted` event dated today,
    /// by `by` (default: the actor `analyst`, declared inline) with the
    /// reason in its attrs.
    pub fn retract(
        &self,
        id: EventId,
        reason: &str,
        by: Option<EntityRef>,
        source: Option<Source>,
    ) -> Result<RecordedEvent, Error> {
        let vocab = self.vocabulary();
        let Some(kind) = vocab.kinds().find(|k| k.effect == strata_core::Effect::Retracts) else {
            return Err(InvalidEvent::new(Location::Single, "kind", "the vocabulary has no retraction kind").into());
        };
        let subject = match by {
            Some(by) => by,
            None => EntityRef {
                id: strata_core::EntityId::parse("analyst")
                    .map_err(|e| InvalidEvent::new(Location::Single, "by", e))?,
                decl: Some(strata_core::EntityDecl {
                    entity_type: Some(strata_core::EntityType::Actor),
                    name: Some("Analyst".into()),
                    aliases: Vec::new(),
                    attrs: Map::new(),
                }),
            },
        };
        let mut attrs = Map::new();
        attrs.insert("reason".into(), Value::String(reason.to_owned()));
        let event = strata_core::Event {
            id: EventId::new_v7(),
            kind: kind.kind.clone(),
            at: ValidTime::from_day(Timestamp::now().day()),
            subject,
            object: None,
            about: Vec::new(),
            attrs,
            source,
            retracts: Some(id),
            status: strata_core::ClaimStatus::default(),
            disputes: Vec::new(),
            note: None,
        };
        let parsed = ParsedLine { event, id_given: false, recorded_at: None, position: None };
        let mut outcome = self.append(vec![(Location::Single, parsed)], None)?;
        outcome.events.pop().ok_or_else(|| InvalidEvent::new(Location::Single, "", "nothing was appended").into())
    }

    /// Appends parsed events as one atomic batch: all are stored, durably,
    /// or none is.
    ///
    /// - `expected_position`: the position the writer believes the log is
    ///   at; if it moved on, [`Error::Conflict`] and nothing is stored.
    /// - An event whose id is already stored with the same content is a
    ///   no-op (an idempotent retry); with other content it is an error.
    /// - A `recordedAt` given on a line (a restore) must be later than the
    ///   log's last recorded time; otherwise the store assigns one.
    ///
    /// The stages, in order: [idempotency](Engine::sort_out_retries),
    /// [recorded times](assign_recorded_times), [check and
    /// store](Engine::check_and_store), [apply](Engine::apply_stored),
    /// [publish](Engine::publish). Nothing is stored unless the whole batch
    /// passes the check, and the check is a dry run of the apply.
    ///
    /// On a log shared with other nodes (JetStream), the batch is checked
    /// against this node's copy and published only if the stream still ends
    /// where the copy does (its expected last sequence), so recorded times
    /// and positions are assigned under that expectation. If another node
    /// wrote first, this node catches up, and the batch is sorted out and
    /// checked again, up to [`ATTEMPTS`] times; then [`Error::Conflict`].
    /// A stream that cannot take the write is [`strata_store::Error::Unavailable`]:
    /// nothing acknowledged. A batch over one atomic part
    /// ([`strata_store::MAX_BATCH`] chunks of events, or
    /// [`strata_store::PART_BYTES`]) is published as consecutive atomic
    /// parts ([`AppendOutcome::parts`]).
    pub fn append(
        &self,
        mut batch: Vec<(Location, ParsedLine)>,
        expected_position: Option<u64>,
    ) -> Result<AppendOutcome, Error> {
        let _writer = self.writer.lock();
        if !self.store.is_remote() {
            return self.append_locked(batch, expected_position);
        }
        let mut attempt = 1;
        loop {
            // What the stream delivered meanwhile; and all of it when the
            // writer expects a position this node has not reached yet.
            self.store.ingest()?;
            self.apply_from_store()?;
            if expected_position.is_some_and(|e| e > self.store.head().position) {
                self.store.catch_up()?;
                self.apply_from_store()?;
            }
            let tried_at = self.store.head().position;
            let retry = (attempt < ATTEMPTS).then(|| {
                // A retry must find the events already stored by their ids,
                // the ones strata gave included.
                batch.iter().map(|(l, p)| (*l, ParsedLine { id_given: true, ..p.clone() })).collect::<Vec<_>>()
            });
            match self.append_locked(batch, expected_position) {
                Err(Error::Store(strata_store::Error::Behind { .. })) => {
                    // Parts stored before the refusal are in the copy already.
                    self.apply_from_store()?;
                    self.store.catch_up()?;
                    self.apply_from_store()?;
                    let Some(again) = retry else {
                        return Err(Error::Conflict {
                            expected: expected_position.unwrap_or(tried_at),
                            actual: self.store.head().position,
                        });
                    };
                    tracing::debug!(attempt, "another node wrote first; checking the batch again");
                    batch = again;
                    attempt += 1;
                }
                Err(e) => {
                    // Whole parts stored before a failure are shown too.
                    let _ = self.apply_from_store();
                    return Err(e);
                }
                Ok(outcome) => return Ok(outcome),
            }
        }
    }

    /// [`Engine::append`] once, under the writers' lock.
    fn append_locked(
        &self,
        batch: Vec<(Location, ParsedLine)>,
        expected_position: Option<u64>,
    ) -> Result<AppendOutcome, Error> {
        let started = Instant::now();
        let mut times = StageTimes::default();
        let head = self.store.head();
        if let Some(expected) = expected_position {
            if expected != head.position {
                return Err(Error::Conflict { expected, actual: head.position });
            }
        }
        let sorted = timed(&mut times.idempotency, || self.sort_out_retries(&batch))?;
        let (locations, records) =
            timed(&mut times.recorded_times, || assign_recorded_times(batch, &sorted.new, head))?;
        let (staged, parts) = self.check_and_store(&locations, &records, &mut times)?;
        timed(&mut times.apply, || self.apply_stored(&records, staged))?;
        timed(&mut times.publish, || self.publish(&records));
        let appended = records.len();
        let events = outcome_events(sorted.slots, records);
        times.log(appended, started);
        Ok(AppendOutcome { position: head.position + appended as u64, events, appended, parts })
    }

    /// Stage 1, idempotency: which events of the batch are new, and which
    /// are retries of stored ones (or of an earlier line of the batch).
    fn sort_out_retries(&self, batch: &[(Location, ParsedLine)]) -> Result<Sorted, Error> {
        let mut slots = Vec::with_capacity(batch.len());
        // Which lines of the batch are new; they stay where they are until
        // they become records (a million events are half a gigabyte to move).
        let mut new = vec![false; batch.len()];
        let mut new_count = 0usize;
        // id -> (index in the batch, index among the new events)
        let mut in_batch: FxHashMap<EventId, (usize, usize)> = FxHashMap::default();
        in_batch.reserve(batch.len());
        // One read lock for the whole batch: only writers take the write
        // lock, and this one holds the writers' mutex.
        let graph = self.graph.read();
        for (j, (loc, line)) in batch.iter().enumerate() {
            let id = line.event.id;
            if line.id_given {
                if let Some(&(first, i)) = in_batch.get(&id) {
                    if let Some((first_loc, first_line)) = batch.get(first) {
                        if first_line.event != line.event {
                            let why = format!(
                                "event id {id} is used earlier in this batch ({first_loc}) with different content"
                            );
                            return Err(InvalidEvent::new(*loc, "id", why).into());
                        }
                    }
                    slots.push(Slot::New(i));
                    continue;
                }
                if let Some(position) = graph.position_of(id) {
                    let rec = self.store.get(position)?.ok_or_else(|| strata_store::Error::Corruption {
                        path: None,
                        what: format!("event {id} is indexed at position {position} but the log has no such position"),
                    })?;
                    if rec.event != line.event {
                        let why = format!("event id {id} is already stored (position {position}) with different content; an id names one event forever");
                        return Err(InvalidEvent::new(*loc, "id", why).into());
                    }
                    slots.push(Slot::Stored(Box::new(rec)));
                    continue;
                }
            }
            in_batch.insert(id, (j, new_count));
            slots.push(Slot::New(new_count));
            if let Some(k) = new.get_mut(j) {
                *k = true;
            }
            new_count += 1;
        }
        Ok(Sorted { slots, new })
    }

    /// Stages 3 and 4, check and store: the batch is checked against the
    /// projection (a dry run of the apply) and, only if it passes, written
    /// durably as one store batch.
    ///
    /// The check, the encoding of the store's chunks and, into an empty
    /// projection, the apply do not depend on one another: for a large
    /// batch a second thread encodes (and hands the chunks over), then
    /// applies the batch to a projection of its own, while this one checks
    /// the batch and writes it. The staged projection is returned, to
    /// replace the one readers see once the batch is durable, with the
    /// number of atomic writes the store took the batch in.
    fn check_and_store(
        &self,
        locations: &[Location],
        records: &[RecordedEvent],
        times: &mut StageTimes,
    ) -> Result<(Option<Projection>, usize), Error> {
        let big = records.len() >= PREPARE_APART_FROM;
        let staged_vocab = (big && self.graph.read().is_empty()).then(|| self.vocabulary());
        let cancel = AtomicBool::new(false);
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Prepared, strata_store::Error>>(1);
            let worker = big.then(|| {
                let cancel = &cancel;
                s.spawn(move || {
                    // The receiver is gone only if this side failed already.
                    let _ = tx.send(Store::prepare(records));
                    apply_apart(staged_vocab?, records, cancel)
                })
            });
            let checked = timed(&mut times.check, || {
                let graph = self.graph.read();
                let refs: Vec<(Location, &Event)> =
                    locations.iter().zip(records).map(|(l, r)| (*l, &r.event)).collect();
                graph.check(&refs)
            });
            let written = timed(&mut times.store, || {
                checked?;
                if records.is_empty() {
                    return Ok(0);
                }
                let prepared = match &worker {
                    Some(_) => rx.recv().unwrap_or_else(|_| {
                        Err(strata_store::Error::Other("the thread encoding the batch failed".into()))
                    })?,
                    // A small batch is encoded after the check, and only if it passed.
                    None => Store::prepare(records)?,
                };
                let parts = self.store.atomic_parts(&prepared);
                self.store.append_prepared(records, prepared)?;
                Ok::<usize, Error>(parts)
            });
            if written.is_err() {
                cancel.store(true, Ordering::Relaxed);
            }
            let staged = worker.and_then(|h| h.join().ok().flatten());
            written.map(|parts| (staged, parts))
        })
    }

    /// Stage 5, apply: the stored batch is shown to readers, applied by the
    /// rules that checked it (or the projection staged for a first import
    /// swapped in).
    fn apply_stored(&self, records: &[RecordedEvent], staged: Option<Projection>) -> Result<(), Error> {
        if records.is_empty() {
            return Ok(());
        }
        let mut graph = self.graph.write();
        match staged {
            Some(staged) if graph.is_empty() => *graph = staged,
            _ => {
                for rec in records {
                    graph.apply(rec)?;
                }
            }
        }
        self.applied.send_replace(graph.len());
        Ok(())
    }

    /// Stage 6, publish: subscribers receive the new events, and a
    /// checkpoint is started if the log has grown enough.
    pub(crate) fn publish(&self, records: &[RecordedEvent]) {
        if records.is_empty() {
            return;
        }
        if self.appended.receiver_count() > 0 {
            for rec in records {
                // A receiver that went away meanwhile is fine.
                let _ = self.appended.send(Arc::new(rec.clone()));
            }
        }
        self.checkpoint_in_background();
    }
}

/// Where each line of a batch went: a retry of a stored event, or one of the new ones.
enum Slot {
    Stored(Box<RecordedEvent>),
    New(usize),
}

/// The batch sorted out by [`Engine::sort_out_retries`].
struct Sorted {
    /// One per line, in batch order.
    slots: Vec<Slot>,
    /// Whether each line is new (its first occurrence and not stored).
    new: Vec<bool>,
}

/// How long each stage of an append took, logged at debug level.
#[derive(Default)]
struct StageTimes {
    idempotency: Duration,
    recorded_times: Duration,
    check: Duration,
    store: Duration,
    apply: Duration,
    publish: Duration,
}

impl StageTimes {
    fn log(&self, events: usize, started: Instant) {
        let ms = |d: Duration| d.as_millis() as u64;
        tracing::debug!(
            events,
            idempotency_ms = ms(self.idempotency),
            recorded_times_ms = ms(self.recorded_times),
            check_ms = ms(self.check),
            store_ms = ms(self.store),
            apply_ms = ms(self.apply),
            publish_ms = ms(self.publish),
            total_ms = ms(started.elapsed()),
            "appended a batch"
        );
    }
}

/// Runs `f`, adding the time it took to `slot`.
fn timed<R>(slot: &mut Duration, f: impl FnOnce() -> R) -> R {
    let started = Instant::now();
    let out = f();
    *slot += started.elapsed();
    out
}

/// Stage 2, recorded times: the new events become records, with positions
/// after `head` and recorded times that never run backwards (a restore's
/// given times must be later than the log's last).
fn assign_recorded_times(
    batch: Vec<(Location, ParsedLine)>,
    new: &[bool],
    head: Head,
) -> Result<(Vec<Location>, Vec<RecordedEvent>), Error> {
    let mut last = head.recorded_at;
    // Where `last` comes from: the log, or an earlier line of this batch.
    let mut last_from: Option<Location> = None;
    // Sized once: an event is some 700 bytes, and a vector grown by
    // doubling held up to twice the batch's records at the import's peak.
    let count = new.iter().filter(|n| **n).count();
    let mut locations = Vec::with_capacity(count);
    let mut records = Vec::with_capacity(count);
    for ((loc, line), _) in batch.into_iter().zip(new).filter(|(_, n)| **n) {
        let t = match line.recorded_at {
            Some(given) => {
                if let Some(l) = last.filter(|l| given <= *l) {
                    let what = match last_from {
                        None => format!("the log's last recorded time {l}"),
                        Some(prev) => format!("the recorded time of {prev} of this batch ({l})"),
                    };
                    let why = format!("{given} is not later than {what}; recorded time never runs backwards (restore an export into an empty store)");
                    return Err(InvalidEvent::new(loc, "recordedAt", why).into());
                }
                given
            }
            None => {
                let now = Timestamp::now();
                last.map_or(now, |l| now.max(l.next()))
            }
        };
        last = Some(t);
        last_from = Some(loc);
        locations.push(loc);
        let position = head.position + 1 + records.len() as u64;
        records.push(RecordedEvent { position, recorded_at: t, event: line.event });
    }
    Ok((locations, records))
}

/// Applies a first import to a projection of its own, on the second thread
/// of [`Engine::check_and_store`]; `None` when cancelled or refused (the
/// batch is then applied the usual way, which reports a refusal).
fn apply_apart(vocab: Vocabulary, records: &[RecordedEvent], cancel: &AtomicBool) -> Option<Projection> {
    let mut staged = Projection::new(vocab);
    for (i, rec) in records.iter().enumerate() {
        if i % 1024 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        staged.apply(rec).ok()?;
    }
    Some(staged)
}

/// The outcome's events, in batch order: the new records (taken over, not
/// cloned, except for an event named twice in the batch) and the stored
/// events of idempotent retries.
fn outcome_events(slots: Vec<Slot>, records: Vec<RecordedEvent>) -> Vec<RecordedEvent> {
    // The common case, an import of new events only: the records are the
    // outcome as they are, without a second vector of them at the peak.
    if slots.len() == records.len() && slots.iter().enumerate().all(|(k, s)| matches!(s, Slot::New(i) if *i == k)) {
        return records;
    }
    let mut uses = vec![0u32; records.len()];
    for slot in &slots {
        if let Slot::New(i) = slot {
            if let Some(n) = uses.get_mut(*i) {
                *n += 1;
            }
        }
    }
    let mut records: Vec<Option<RecordedEvent>> = records.into_iter().map(Some).collect();
    let mut events = Vec::with_capacity(slots.len());
    for slot in slots {
        match slot {
            Slot::Stored(rec) => events.push(*rec),
            Slot::New(i) => {
                let last_use = uses.get_mut(i).map(|n| {
                    *n -= 1;
                    *n == 0
                });
                let rec = match (last_use, records.get_mut(i)) {
                    (Some(true), Some(r)) => r.take(),
                    (_, Some(r)) => r.clone(),
                    _ => None,
                };
                events.extend(rec);
            }
        }
    }
    events
}
