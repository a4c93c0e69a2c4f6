//! The write path: parse, check idempotency and recorded time, check the
//! batch against the projection, store it durably, then show it to readers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rustc_hash::FxHashMap;

use serde_json::{Map, Value};
use strata_core::{parse_line, parse_value, EntityRef, EventId, InvalidEvent, Location, ParsedLine, RecordedEvent};
use strata_core::{Source, Timestamp, ValidTime};

use strata_graph::Projection;
use strata_store::{Prepared, Store};

use crate::{Engine, Error};

/// From this many new events on, a batch's chunks are encoded (and, into an
/// empty projection, the batch applied) on a second thread while it is checked.
const PREPARE_APART_FROM: usize = 1024;

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
}

impl Engine {
    /// Appends NDJSON text (one event per non-blank line) as one atomic batch.
    pub fn append_text(&self, text: &str, expected_position: Option<u64>) -> Result<AppendOutcome, Error> {
        let vocab = self.vocabulary();
        let mut parsed = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let loc = Location::Line(i + 1);
            parsed.push((loc, parse_line(line, loc, &vocab)?));
        }
        self.append(parsed, expected_position)
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
    pub fn append(
        &self,
        batch: Vec<(Location, ParsedLine)>,
        expected_position: Option<u64>,
    ) -> Result<AppendOutcome, Error> {
        let _writer = self.writer.lock();
        let head = self.store.head();
        if let Some(expected) = expected_position {
            if expected != head.position {
                return Err(Error::Conflict { expected, actual: head.position });
            }
        }

        // Which events are new, and which are retries of stored ones.
        enum Slot {
            Stored(Box<RecordedEvent>),
            New(usize),
        }
        let started = Instant::now();
        let mut slots = Vec::with_capacity(batch.len());
        // Which lines of the batch are new; they stay where they are until
        // they become records (a million events are half a gigabyte to move).
        let mut keep = vec![false; batch.len()];
        let mut new_count = 0usize;
        // id -> (index in the batch, index among the new events)
        let mut in_batch: FxHashMap<EventId, (usize, usize)> = FxHashMap::default();
        in_batch.reserve(batch.len());
        {
            // One read lock for the whole batch: only writers take the write
            // lock, and this one holds the writers' mutex.
            let graph = self.graph.read();
            for (j, (loc, line)) in batch.iter().enumerate() {
                let id = line.event.id;
                if line.id_given {
                    if let Some(&(first, i)) = in_batch.get(&id) {
                        if let Some((first_loc, first_line)) = batch.get(first) {
                            if first_line.event != line.event {
                                return Err(InvalidEvent::new(*loc, "id", format!("event id {id} is used earlier in this batch ({first_loc}) with different content")).into());
                            }
                        }
                        slots.push(Slot::New(i));
                        continue;
                    }
                    if let Some(position) = graph.position_of(id) {
                        let rec = self.store.get(position)?.ok_or_else(|| strata_store::Error::Corruption {
                            path: None,
                            what: format!(
                                "event {id} is indexed at position {position} but the log has no such position"
                            ),
                        })?;
                        if rec.event != line.event {
                            return Err(InvalidEvent::new(*loc, "id", format!("event id {id} is already stored (position {position}) with different content; an id names one event forever")).into());
                        }
                        slots.push(Slot::Stored(Box::new(rec)));
                        continue;
                    }
                }
                in_batch.insert(id, (j, new_count));
                slots.push(Slot::New(new_count));
                if let Some(k) = keep.get_mut(j) {
                    *k = true;
                }
                new_count += 1;
            }
        }
        drop(in_batch);
        let idempotency = started.elapsed();

        // Recorded time never runs backwards.
        let mut last = head.recorded_at;
        // Where `last` comes from: the log, or an earlier line of this batch.
        let mut last_from: Option<Location> = None;
        let mut times = Vec::with_capacity(new_count);
        let mut locations = Vec::with_capacity(new_count);
        for ((loc, line), _) in batch.iter().zip(&keep).filter(|(_, k)| **k) {
            locations.push(*loc);
            let t = match line.recorded_at {
                Some(given) => {
                    if let Some(l) = last.filter(|l| given <= *l) {
                        let what = match last_from {
                            None => format!("the log's last recorded time {l}"),
                            Some(prev) => format!("the recorded time of {prev} of this batch ({l})"),
                        };
                        return Err(InvalidEvent::new(
                            *loc,
                            "recordedAt",
                            format!("{given} is not later than {what}; recorded time never runs backwards (restore an export into an empty store)"),
                        )
                        .into());
                    }
                    given
                }
                None => {
                    let now = Timestamp::now();
                    last.map_or(now, |l| now.max(l.next()))
                }
            };
            last = Some(t);
            last_from = Some(*loc);
            times.push(t);
        }

        let records: Vec<RecordedEvent> = batch
            .into_iter()
            .zip(keep)
            .filter_map(|(line, k)| k.then_some(line))
            .zip(times)
            .enumerate()
            .map(|(i, ((_, line), recorded_at))| RecordedEvent {
                position: head.position + 1 + i as u64,
                recorded_at,
                event: line.event,
            })
            .collect();

        // The check against the projection, the encoding of the store's
        // chunks and, into an empty projection, the apply do not depend on
        // one another: a second thread encodes (and hands the chunks over),
        // then applies the batch to a projection of its own, while this one
        // checks the batch and writes it. Nothing is written unless the check
        // passes, and the projection readers see is replaced by the staged
        // one only once the batch is durable, as it would have been applied.
        let big = records.len() >= PREPARE_APART_FROM;
        let staged_vocab = (big && self.graph.read().is_empty()).then(|| self.vocabulary());
        let checking = Instant::now();
        let cancel = AtomicBool::new(false);
        let (written, staged, checked, stored) = std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Prepared, strata_store::Error>>(1);
            let worker = big.then(|| {
                let (records, cancel) = (&records, &cancel);
                s.spawn(move || {
                    // The receiver is gone only if this side failed already.
                    let _ = tx.send(Store::prepare(records));
                    let mut staged = Projection::new(staged_vocab?);
                    for (i, rec) in records.iter().enumerate() {
                        if i % 1024 == 0 && cancel.load(Ordering::Relaxed) {
                            return None;
                        }
                        // On a failure, the batch is applied the usual way
                        // below, which reports it.
                        staged.apply(rec).ok()?;
                    }
                    Some(staged)
                })
            });
            let checked = {
                let graph = self.graph.read();
                let refs: Vec<(Location, &strata_core::Event)> =
                    locations.iter().zip(&records).map(|(l, r)| (*l, &r.event)).collect();
                graph.check(&refs)
            };
            let check_time = checking.elapsed();
            let storing = Instant::now();
            let written = checked.map_err(Error::from).and_then(|()| {
                if records.is_empty() {
                    return Ok(());
                }
                let prepared = if worker.is_some() {
                    rx.recv().unwrap_or_else(|_| {
                        Err(strata_store::Error::Other("the thread encoding the batch failed".into()))
                    })?
                } else {
                    // A small batch is encoded after the check, and only if it passed.
                    Store::prepare(&records)?
                };
                self.store.append_prepared(&records, prepared)?;
                Ok(())
            });
            let store_time = storing.elapsed();
            if written.is_err() {
                cancel.store(true, Ordering::Relaxed);
            }
            let staged = worker.and_then(|h| h.join().ok().flatten());
            (written, staged, check_time, store_time)
        });
        written?;

        let applying = Instant::now();
        if !records.is_empty() {
            let mut graph = self.graph.write();
            match staged {
                Some(staged) if graph.is_empty() => *graph = staged,
                _ => {
                    for rec in &records {
                        // The batch passed `check` against this very state; a failure
                        // here would mean the two disagree, which the model test guards.
                        graph.apply(rec)?;
                    }
                }
            }
        }
        let applied = applying.elapsed();
        if self.appended.receiver_count() > 0 {
            for rec in &records {
                // A receiver that went away meanwhile is fine.
                let _ = self.appended.send(Arc::new(rec.clone()));
            }
        }
        if !records.is_empty() {
            self.checkpoint_in_background();
        }
        let appended = records.len();
        // The outcome takes the records over; only an event named twice in
        // the batch (an idempotent retry inside it) is cloned.
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
        tracing::debug!(
            events = appended,
            idempotency_ms = idempotency.as_millis() as u64,
            check_ms = checked.as_millis() as u64,
            store_ms = stored.as_millis() as u64,
            apply_ms = applied.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "appended a batch"
        );
        Ok(AppendOutcome { position: head.position + appended as u64, events, appended })
    }
}
