//! The write path: parse, check idempotency and recorded time, check the
//! batch against the projection, store it durably, then show it to readers.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use strata_core::{parse_line, parse_value, EntityRef, EventId, InvalidEvent, Location, ParsedLine, RecordedEvent};
use strata_core::{Source, Timestamp, ValidTime};

use crate::{Engine, Error};

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
                id: strata_core::EntityId::parse("analyst").map_err(|e| InvalidEvent::new(Location::Single, "by", e))?,
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
    pub fn append(&self, batch: Vec<(Location, ParsedLine)>, expected_position: Option<u64>) -> Result<AppendOutcome, Error> {
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
        let mut slots = Vec::with_capacity(batch.len());
        let mut fresh: Vec<(Location, ParsedLine)> = Vec::with_capacity(batch.len());
        let mut in_batch: HashMap<EventId, usize> = HashMap::new();
        for (loc, line) in batch {
            let id = line.event.id;
            if line.id_given {
                if let Some(&i) = in_batch.get(&id) {
                    if fresh[i].1.event != line.event {
                        return Err(InvalidEvent::new(loc, "id", format!("event id {id} is used earlier in this batch ({}) with different content", fresh[i].0)).into());
                    }
                    slots.push(Slot::New(i));
                    continue;
                }
                let stored = self.graph.read().position_of(id);
                if let Some(position) = stored {
                    let rec = self.store.get(position)?.ok_or_else(|| {
                        strata_store::Error::Corruption { path: None, what: format!("event {id} is indexed at position {position} but the log has no such position") }
                    })?;
                    if rec.event != line.event {
                        return Err(InvalidEvent::new(loc, "id", format!("event id {id} is already stored (position {position}) with different content; an id names one event forever")).into());
                    }
                    slots.push(Slot::Stored(Box::new(rec)));
                    continue;
                }
            }
            in_batch.insert(id, fresh.len());
            slots.push(Slot::New(fresh.len()));
            fresh.push((loc, line));
        }

        // Recorded time never runs backwards.
        let mut last = head.recorded_at;
        // Where `last` comes from: the log, or an earlier line of this batch.
        let mut last_from: Option<Location> = None;
        let mut times = Vec::with_capacity(fresh.len());
        for (loc, line) in &fresh {
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

        {
            let graph = self.graph.read();
            let refs: Vec<(Location, &strata_core::Event)> = fresh.iter().map(|(l, p)| (*l, &p.event)).collect();
            graph.check(&refs)?;
        }

        let records: Vec<RecordedEvent> = fresh
            .into_iter()
            .zip(times)
            .enumerate()
            .map(|(i, ((_, line), recorded_at))| RecordedEvent {
                position: head.position + 1 + i as u64,
                recorded_at,
                event: line.event,
            })
            .collect();
        if !records.is_empty() {
            self.store.append(&records)?;
            let mut graph = self.graph.write();
            for rec in &records {
                // The batch passed `check` against this very state; a failure
                // here would mean the two disagree, which the model test guards.
                graph.apply(rec)?;
            }
        }
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
        let events = slots
            .into_iter()
            .filter_map(|s| match s {
                Slot::Stored(rec) => Some(*rec),
                Slot::New(i) => records.get(i).cloned(),
            })
            .collect();
        Ok(AppendOutcome { position: head.position + appended as u64, events, appended })
    }
}
