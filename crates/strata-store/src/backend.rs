//! The two backends behind `Store`: sled on disk, a `BTreeMap` in memory.
//!
//! They share the key layout and all logic; they differ only in how a key is
//! read, a range is walked, and a batch of writes is applied. Every call into
//! sled is shielded: sled 0.34 can panic on damaged files, and a panic there
//! becomes `Error::Corruption` here.

use std::any::Any;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use crate::durable::Syncer;
use crate::Error;

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

/// A key and its value, as read from a backend.
pub(crate) type Entry = (Vec<u8>, Vec<u8>);

pub(crate) enum Backend {
    Sled(SledStore),
    Memory(Mutex<Map>),
}

/// An open sled database and the file handles that make its writes durable.
pub(crate) struct SledStore {
    pub(crate) db: sled::Db,
    pub(crate) dir: PathBuf,
    pub(crate) syncer: Syncer,
    /// Whether each batch is flushed and synced before `apply` returns: the
    /// log of a store of its own. A node's copy of a JetStream stream is
    /// not (the stream is the log; the copy is flushed before a checkpoint
    /// and by sled every half second, and checked against the stream on
    /// open).
    pub(crate) durable: bool,
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "a panic without a message"
    }
}

/// Runs a sled call, turning its errors and panics into ours.
pub(crate) fn shield<T>(dir: &Path, f: impl FnOnce() -> sled::Result<T>) -> Result<T, Error> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(from_sled(dir, e)),
        Err(payload) => Err(Error::corrupt(
            Some(dir),
            format!("the storage engine (sled) failed on its files: {}", panic_text(payload.as_ref())),
        )),
    }
}

pub(crate) fn from_sled(dir: &Path, e: sled::Error) -> Error {
    match e {
        sled::Error::Io(source) => Error::io(dir, source),
        sled::Error::Corruption { at, .. } => Error::corrupt(
            Some(dir),
            match at {
                Some(at) => format!("sled found a damaged record at {at:?}"),
                None => "sled found damaged files".to_owned(),
            },
        ),
        other => Error::Other(format!("the storage engine (sled) failed on {}: {other}", dir.display())),
    }
}

impl Backend {
    pub(crate) fn dir(&self) -> Option<&Path> {
        match self {
            Backend::Sled(s) => Some(&s.dir),
            Backend::Memory(_) => None,
        }
    }

    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Backend::Sled(s) => Ok(shield(&s.dir, || s.db.get(key))?.map(|v| v.to_vec())),
            Backend::Memory(m) => Ok(m.lock().get(key).cloned()),
        }
    }

    /// The entries with `start <= key < end`, ascending.
    pub(crate) fn range(&self, start: Vec<u8>, end: Vec<u8>) -> Range<'_> {
        match self {
            Backend::Sled(s) => Range::Sled { iter: Box::new(s.db.range(start..end)), dir: &s.dir },
            Backend::Memory(m) => Range::Memory { map: m, next: start, end },
        }
    }

    /// The last entry with `start <= key < end`.
    pub(crate) fn last(&self, start: Vec<u8>, end: Vec<u8>) -> Result<Option<Entry>, Error> {
        match self {
            Backend::Sled(s) => {
                let found = shield(&s.dir, || s.db.range(start..end).next_back().transpose())?;
                Ok(found.map(|(k, v)| (k.to_vec(), v.to_vec())))
            }
            Backend::Memory(m) => {
                if start >= end {
                    return Ok(None);
                }
                let map = m.lock();
                let found = map.range::<[u8], _>((Bound::Included(&start[..]), Bound::Excluded(&end[..]))).next_back();
                Ok(found.map(|(k, v)| (k.clone(), v.clone())))
            }
        }
    }

    /// Applies all writes or none, and returns once they are durable (for
    /// a sled store that is not durable, once they are in sled's buffers).
    pub(crate) fn apply(&self, writes: Vec<Entry>) -> Result<(), Error> {
        match self {
            Backend::Sled(s) => {
                let mut batch = sled::Batch::default();
                for (k, v) in writes {
                    batch.insert(k, v);
                }
                shield(&s.dir, || s.db.apply_batch(batch))?;
                if s.durable {
                    self.flush()?;
                }
                Ok(())
            }
            Backend::Memory(m) => {
                m.lock().extend(writes);
                Ok(())
            }
        }
    }

    /// Makes every write applied so far durable (a no-op in memory).
    pub(crate) fn flush(&self) -> Result<(), Error> {
        match self {
            Backend::Sled(s) => {
                shield(&s.dir, || s.db.flush())?;
                s.syncer.sync()
            }
            Backend::Memory(_) => Ok(()),
        }
    }
}

/// An ascending walk over a key range. The memory walk takes the lock once
/// per step, so appends are never blocked by a slow reader.
pub(crate) enum Range<'a> {
    Sled { iter: Box<sled::Iter>, dir: &'a Path },
    Memory { map: &'a Mutex<Map>, next: Vec<u8>, end: Vec<u8> },
}

impl Iterator for Range<'_> {
    type Item = Result<Entry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Range::Sled { iter, dir } => match shield(dir, || iter.next().transpose()) {
                Ok(found) => found.map(|(k, v)| Ok((k.to_vec(), v.to_vec()))),
                Err(e) => Some(Err(e)),
            },
            Range::Memory { map, next, end } => {
                if *next >= *end {
                    return None;
                }
                let map = map.lock();
                let (k, v) = map.range::<[u8], _>((Bound::Included(&next[..]), Bound::Excluded(&end[..]))).next()?;
                let entry = (k.clone(), v.clone());
                // The least key after `k`.
                next.clone_from(k);
                next.push(0);
                Some(Ok(entry))
            }
        }
    }
}
