//! The subscription root: `eventAppended` replays the log from a position,
//! then follows new appends, with no gap and no event twice.
//!
//! The order of the steps is what makes that hold: subscribe to the
//! engine's broadcast first, then read the head; the replay reads the log up
//! to that head, and the live phase forwards only broadcast events past the
//! last one delivered. An event appended in between is both in the log and
//! in the broadcast buffer, and the position check drops the second copy.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::{Context, Subscription, ID};
use futures_util::stream::{self, Stream};
use strata_core::{EntityId, RecordedEvent};
use strata_engine::Engine;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::context::{engine, request_data};
use crate::error::Error;
use crate::query::{check_kinds, entity_id};
use crate::types::Event;

/// How many events the replay reads from the log at a time.
const REPLAY_CHUNK: usize = 256;

/// The root of every subscription.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubscriptionRoot;

/// Streams of the log.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Events as they are appended, only those of `kinds` and naming
    /// `entity` when given. With `fromPosition`, first the stored events
    /// from that position on. A subscriber that falls too far behind gets
    /// a `LAGGED` error and the stream ends; resubscribe with `fromPosition`
    /// one past the last event received.
    async fn event_appended(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<String>>,
        entity: Option<ID>,
        from_position: Option<i64>,
    ) -> Result<impl Stream<Item = Result<Event, Error>>, Error> {
        let engine = engine(ctx)?.clone();
        if let Some(kinds) = &kinds {
            check_kinds(&engine, kinds)?;
        }
        let entity = entity.as_ref().map(|id| entity_id("entity", id)).transpose()?;
        let from = match from_position {
            None => None,
            Some(p) if p >= 1 => Some(p as u64),
            Some(p) => return Err(Error::arg("fromPosition", format!("positions count from 1, not {p}"))),
        };
        // Subscribe before reading the head: see the module's comment.
        let rx = engine.subscribe();
        let head = engine.snapshot().position();
        let (next, last) = match from {
            Some(from) => (from, head.max(from - 1)),
            None => (head + 1, head),
        };
        let follow = Follow {
            engine,
            rx,
            head,
            next,
            last,
            buffered: VecDeque::new(),
            done: false,
            filter: Filter { kinds, entity },
        };
        Ok(stream::unfold(follow, |mut f| async move { f.step().await.map(|item| (item, f)) }))
    }
}

struct Filter {
    kinds: Option<Vec<String>>,
    entity: Option<EntityId>,
}

impl Filter {
    fn passes(&self, rec: &RecordedEvent) -> bool {
        self.kinds.as_ref().is_none_or(|ks| ks.contains(&rec.event.kind))
            && self.entity.as_ref().is_none_or(|id| rec.event.refs().any(|r| r.id == *id))
    }
}

/// The state of one subscription.
struct Follow {
    engine: Arc<Engine>,
    rx: broadcast::Receiver<Arc<RecordedEvent>>,
    /// The last position the replay reads.
    head: u64,
    /// The next position the replay reads.
    next: u64,
    /// The last position delivered or skipped; the live phase forwards only later ones.
    last: u64,
    buffered: VecDeque<RecordedEvent>,
    done: bool,
    filter: Filter,
}

impl Follow {
    /// The next item of the stream, or `None` when it ends.
    async fn step(&mut self) -> Option<Result<Event, Error>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(rec) = self.buffered.pop_front() {
                if self.filter.passes(&rec) {
                    return Some(Ok(self.event(Arc::new(rec))));
                }
                continue;
            }
            if self.next <= self.head {
                if let Err(e) = self.read_chunk() {
                    self.done = true;
                    return Some(Err(e));
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(rec) if rec.position <= self.last => continue,
                Ok(rec) => {
                    self.last = rec.position;
                    if self.filter.passes(&rec) {
                        return Some(Ok(self.event(rec)));
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    self.done = true;
                    return Some(Err(Error::Lagged(n)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Reads the next stored events of the replay into the buffer.
    fn read_chunk(&mut self) -> Result<(), Error> {
        let head = self.head;
        for rec in self.engine.scan(self.next).take(REPLAY_CHUNK) {
            let rec = rec?;
            if rec.position > head {
                break;
            }
            self.next = rec.position + 1;
            self.buffered.push_back(rec);
        }
        if self.buffered.is_empty() {
            // The log ended before the head the snapshot reported; nothing
            // more to replay.
            self.next = head + 1;
        }
        Ok(())
    }

    /// An event as the subscriber sees it: with what is known when it is delivered.
    fn event(&self, rec: Arc<RecordedEvent>) -> Event {
        // The event is applied before it is sent: the snapshot sees it.
        let cap = request_data(&self.engine);
        let known = cap.known_at().max(rec.recorded_at);
        Event { rec, known, cap }
    }
}
