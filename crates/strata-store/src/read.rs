//! Reading the log back: the head check on open, and the in-order scan over
//! chunks that notices a missing position instead of skipping it.

use std::collections::VecDeque;

use strata_core::RecordedEvent;

use crate::backend::{Backend, Range};
use crate::chunk::Header;
use crate::headfile::Acked;
use crate::keys::{self, HEAD_KEY, LOG};
use crate::{Error, Head, Store};

pub(crate) fn log_end() -> Vec<u8> {
    vec![LOG + 1]
}

/// The chunk holding `position`: its first position and stored value.
pub(crate) fn chunk_at(inner: &Backend, position: u64) -> Result<Option<(u64, Vec<u8>)>, Error> {
    let end = match position.checked_add(1) {
        Some(after) => keys::log_key(after).to_vec(),
        None => log_end(),
    };
    let Some((key, value)) = inner.last(keys::log_key(0).to_vec(), end)? else { return Ok(None) };
    match keys::log_position(&key) {
        Some(first) => Ok(Some((first, value))),
        None => Err(Error::corrupt(inner.dir(), "a log key is malformed")),
    }
}

/// Reads `M head` and checks it against the log's first and last chunks.
/// Returns the head and what the head file should say of it.
pub(crate) fn head_on_open(inner: &Backend) -> Result<(Head, Acked), Error> {
    let corrupt = |what: String| Error::corrupt(inner.dir(), what);
    let head = match inner.get(HEAD_KEY)? {
        None => None,
        Some(v) => Some(keys::head_of_value(&v).ok_or_else(|| corrupt("the head record is malformed".into()))?),
    };
    let start = keys::log_key(0).to_vec();
    let last = inner.last(start.clone(), log_end())?;
    let Some((position, recorded_at)) = head else {
        return match last {
            None => Ok((Head::default(), Acked::default())),
            Some((k, _)) => Err(corrupt(format!(
                "the log has records (from {:?}) but no head record",
                keys::log_position(&k).unwrap_or_default()
            ))),
        };
    };
    let Some((last_key, last_value)) = last else {
        return Err(corrupt(format!("the head says the log ends at position {position}, but the log is empty")));
    };
    let first = keys::log_position(&last_key).ok_or_else(|| corrupt("a log key is malformed".into()))?;
    let header = Header::read(&last_value).map_err(|what| corrupt(format!("the chunk at position {first}: {what}")))?;
    let end = first + header.count() - 1;
    if end != position {
        return Err(corrupt(format!(
            "the head says the log ends at position {position}, but its last record is at position {end}"
        )));
    }
    let events = header.events(first).map_err(corrupt)?;
    let last_time = events.last().map(|e| e.recorded_at);
    if last_time != Some(recorded_at) {
        return Err(corrupt(format!(
            "the head says the last event was recorded at {recorded_at}, but the record at position {position} says {}",
            last_time.map(|t| t.to_string()).unwrap_or_default()
        )));
    }
    let first_chunk = inner.range(start, log_end()).next().transpose()?;
    if let Some((k, _)) = first_chunk.filter(|(k, _)| keys::log_position(k) != Some(1)) {
        return Err(corrupt(format!(
            "the log starts at position {:?} instead of 1",
            keys::log_position(&k).unwrap_or_default()
        )));
    }
    let acked =
        Acked { position, recorded_at: recorded_at.0, chunk_first: first, chunk_crc: crc32fast::hash(&last_value) };
    Ok((Head { position, recorded_at: Some(recorded_at) }, acked))
}

/// The events from one position to a fixed end, each checked to be the next.
pub(crate) struct Scan<'a> {
    store: &'a Store,
    /// Chunks from the one holding the start; opened on the first `next`.
    range: Option<Range<'a>>,
    /// Decoded events of the current chunk not yet yielded.
    ready: VecDeque<RecordedEvent>,
    /// The position the next event must have.
    expected: u64,
    /// The last position to yield.
    end: u64,
    done: bool,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(store: &'a Store, from: u64, end: u64) -> Scan<'a> {
        Scan { store, range: None, ready: VecDeque::new(), expected: from, end, done: from > end }
    }

    fn fail(&mut self, e: Error) -> Option<Result<RecordedEvent, Error>> {
        self.done = true;
        Some(Err(e))
    }

    /// Decodes the next chunk into `ready`; `Ok(false)` at the end of the range.
    fn refill(&mut self) -> Result<bool, Error> {
        let range = match &mut self.range {
            Some(r) => r,
            None => {
                let start = match chunk_at(&self.store.inner, self.expected)? {
                    Some((first, _)) => first,
                    None => self.expected,
                };
                let stop = match self.end.checked_add(1) {
                    Some(after) => keys::log_key(after).to_vec(),
                    None => log_end(),
                };
                self.range.insert(self.store.inner.range(keys::log_key(start).to_vec(), stop))
            }
        };
        let Some(entry) = range.next() else { return Ok(false) };
        let (key, value) = entry?;
        let corrupt = |what: String| self.store.corrupt(what);
        let first = keys::log_position(&key).ok_or_else(|| corrupt("a log key is malformed".into()))?;
        if first > self.expected {
            return Err(corrupt(format!("position {} is missing from the log", self.expected)));
        }
        let header = Header::read(&value).map_err(|what| corrupt(format!("the chunk at position {first}: {what}")))?;
        if first + header.count() <= self.expected {
            return Err(corrupt(format!("position {} is missing from the log", self.expected)));
        }
        let events = header.events(first).map_err(corrupt)?;
        let skip = (self.expected - first) as usize;
        self.ready.extend(events.into_iter().skip(skip));
        Ok(true)
    }
}

impl Iterator for Scan<'_> {
    type Item = Result<RecordedEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.ready.is_empty() {
            match self.refill() {
                Ok(true) => {}
                Ok(false) => {
                    let what = format!("positions {} to {} are missing from the log", self.expected, self.end);
                    return self.fail(self.store.corrupt(what));
                }
                Err(e) => return self.fail(e),
            }
        }
        let event = self.ready.pop_front()?;
        self.expected += 1;
        if event.position >= self.end {
            self.done = true;
        }
        Some(Ok(event))
    }
}
