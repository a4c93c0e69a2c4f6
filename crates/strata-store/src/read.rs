//! Reading the log back: the head check on open, and the in-order scan that
//! notices a missing position instead of skipping it.

use strata_core::RecordedEvent;

use crate::backend::{Backend, Range};
use crate::keys::{self, HEAD_KEY, LOG};
use crate::{codec, Error, Head, Store};

fn log_end() -> Vec<u8> {
    vec![LOG + 1]
}

/// Reads `M head` and checks it against the log's first and last records.
pub(crate) fn head_on_open(inner: &Backend) -> Result<Head, Error> {
    let corrupt = |what: String| Error::corrupt(inner.dir(), what);
    let head = match inner.get(HEAD_KEY)? {
        None => None,
        Some(v) => Some(keys::head_of_value(&v).ok_or_else(|| corrupt("the head record is malformed".into()))?),
    };
    let start = keys::log_key(0).to_vec();
    let last = inner.last(start.clone(), log_end())?;
    let Some((position, recorded_at)) = head else {
        return match last {
            None => Ok(Head::default()),
            Some((k, _)) => Err(corrupt(format!(
                "the log has records (up to {:?}) but no head record",
                keys::log_position(&k).unwrap_or_default()
            ))),
        };
    };
    let Some((last_key, last_value)) = last else {
        return Err(corrupt(format!("the head says the log ends at position {position}, but the log is empty")));
    };
    if keys::log_position(&last_key) != Some(position) {
        return Err(corrupt(format!(
            "the head says the log ends at position {position}, but its last record is at position {}",
            keys::log_position(&last_key).unwrap_or_default()
        )));
    }
    let last_event = codec::decode(&last_value, position)
        .map_err(|what| corrupt(format!("the record at position {position}: {what}")))?;
    if last_event.recorded_at != recorded_at {
        return Err(corrupt(format!(
            "the head says the last event was recorded at {recorded_at}, but the record at position {position} says {}",
            last_event.recorded_at
        )));
    }
    let first = inner.range(start, log_end()).next().transpose()?;
    if let Some((k, _)) = first.filter(|(k, _)| keys::log_position(k) != Some(1)) {
        return Err(corrupt(format!(
            "the log starts at position {:?} instead of 1",
            keys::log_position(&k).unwrap_or_default()
        )));
    }
    Ok(Head { position, recorded_at: Some(recorded_at) })
}

/// The events from one position to a fixed end, each checked to be the next.
pub(crate) struct Scan<'a> {
    store: &'a Store,
    range: Range<'a>,
    /// The position the next record must have.
    expected: u64,
    /// The last position to yield.
    end: u64,
    done: bool,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(store: &'a Store, from: u64, end: u64) -> Scan<'a> {
        let stop = match end.checked_add(1) {
            Some(after) => keys::log_key(after).to_vec(),
            None => log_end(),
        };
        let range = store.inner.range(keys::log_key(from).to_vec(), stop);
        Scan { store, range, expected: from, end, done: from > end }
    }

    fn fail(&mut self, e: Error) -> Option<Result<RecordedEvent, Error>> {
        self.done = true;
        Some(Err(e))
    }
}

impl Iterator for Scan<'_> {
    type Item = Result<RecordedEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (key, value) = match self.range.next() {
            Some(Ok(entry)) => entry,
            Some(Err(e)) => return self.fail(e),
            None => {
                self.done = true;
                if self.expected <= self.end {
                    let what = format!("positions {} to {} are missing from the log", self.expected, self.end);
                    return Some(Err(self.store.corrupt(what)));
                }
                return None;
            }
        };
        if keys::log_position(&key) != Some(self.expected) {
            let what = format!("position {} is missing from the log", self.expected);
            return self.fail(self.store.corrupt(what));
        }
        let position = self.expected;
        self.expected += 1;
        if position == self.end {
            self.done = true;
        }
        match self.store.decode(&value, position) {
            Ok(event) => Some(Ok(event)),
            Err(e) => self.fail(e),
        }
    }
}
