//! Every way to open the log, and every check of what is found: a data
//! directory with sled (refusing what is not ours before sled writes into
//! it, and turning sled's failures into errors a person can act on), the
//! format key, the head file's acknowledged end, memory, and a JetStream
//! stream with this node's copy of it.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use parking_lot::{Mutex, RwLock};

use crate::backend::{from_sled, Backend, SledStore};
use crate::durable::Syncer;
use crate::headfile::{Acked, HeadFile};
use crate::index::Indexes;
use crate::jetstream::{self, JetStreamConfig, COPY_DIR};
use crate::keys::{self, FORMAT, FORMAT_FAMILY, FORMAT_KEY};
use crate::shared::Shared;
use crate::{read, Error, Head, Store, Writer};

/// A `db` file no larger than this has never held a record: sled writes a
/// 96-byte header when an empty database is closed, and a whole segment
/// (512 KiB) on the first flush of data.
const EMPTY_LOG_MAX: u64 = 4096;

/// How long to wait for a lock that may be our own, just released.
const LOCK_PATIENCE: Duration = Duration::from_secs(1);

/// A data directory opened with sled, and what it looked like before.
pub(crate) struct Opened {
    pub(crate) sled: SledStore,
    /// Whether the store may be created here: the directory was missing or
    /// empty, or holds only the files of a creation that stopped before
    /// its first record.
    pub(crate) may_create: bool,
}

/// Whether `name` is a file the store keeps in its directory: sled 0.34.7's,
/// the head file and the checkpoint.
fn is_sled_file(name: &str) -> bool {
    use crate::checkpoint::{NAME as CHECKPOINT, TMP_NAME as CHECKPOINT_TMP};
    matches!(name, "conf" | "db" | "blobs" | crate::headfile::NAME | CHECKPOINT | CHECKPOINT_TMP)
        || name.starts_with("snap.")
}

/// Creates `dir` if missing; fails with `Foreign` if it holds files that are
/// not sled's, since opening sled there would add files to someone's folder.
/// Returns whether the directory holds a log that has had records.
fn inspect(dir: &Path) -> Result<bool, Error> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => {
            return Err(Error::Foreign { path: dir.to_path_buf(), reason: "it is a file, not a directory".into() })
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            create_dir_durably(dir)?;
            return Ok(false);
        }
        Err(e) => return Err(Error::io(dir, e)),
    }
    let mut strangers = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let name = entry.map_err(|e| Error::io(dir, e))?.file_name().to_string_lossy().into_owned();
        if !is_sled_file(&name) {
            strangers.push(name);
        }
    }
    if !strangers.is_empty() {
        strangers.sort();
        let more = strangers.len().saturating_sub(3);
        strangers.truncate(3);
        let mut reason = format!("it holds files strata did not write: {}", strangers.join(", "));
        if more > 0 {
            reason.push_str(&format!(" and {more} more"));
        }
        return Err(Error::Foreign { path: dir.to_path_buf(), reason });
    }
    let db_len = match std::fs::metadata(dir.join("db")) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(Error::io(&dir.join("db"), e)),
    };
    Ok(db_len > EMPTY_LOG_MAX)
}

/// Creates `dir` and any missing parents, and syncs the directory that got
/// each new entry: otherwise a power cut could take the whole store away
/// with a directory entry that never reached the disk.
fn create_dir_durably(dir: &Path) -> Result<(), Error> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).collect();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    if cfg!(unix) {
        for created in missing {
            let parent = match created.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            std::fs::File::open(parent).and_then(|f| f.sync_all()).map_err(|e| Error::io(parent, e))?;
        }
    }
    Ok(())
}

/// sled reports a held lock as `Io(Other, "could not acquire lock on ...:
/// Os { .. WouldBlock .. }")`; the kind alone does not tell it apart.
fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == io::ErrorKind::WouldBlock || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

pub(crate) fn open_sled(dir: &Path) -> Result<Opened, Error> {
    let had_records = inspect(dir)?;
    let config = sled::Config::new().path(dir);
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let db = loop {
        match catch_unwind(AssertUnwindSafe(|| config.open())) {
            // sled releases its lock from a background I/O thread some
            // milliseconds after its `Db` is dropped, so a store reopened in
            // the same process can find its own lock still held: wait a bit.
            Ok(Err(e)) if is_lock_error(&e) && started.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => break other,
        }
    };
    let db = match db {
        Ok(Ok(db)) => db,
        Ok(Err(e)) if is_lock_error(&e) => return Err(Error::Locked { path: dir.to_path_buf() }),
        // The directory holds only sled's files, so a store sled cannot
        // read (its `conf` damaged, say) is more likely ours than foreign.
        Ok(Err(sled::Error::Unsupported(why))) => {
            return Err(Error::corrupt(Some(dir), format!("sled cannot open its files: {why}")))
        }
        Ok(Err(e)) => return Err(from_sled(dir, e)),
        Err(_) => return Err(Error::corrupt(Some(dir), "the storage engine (sled) failed while reading its files")),
    };
    let syncer = Syncer::open(dir)?;
    Ok(Opened { sled: SledStore { db, dir: dir.to_path_buf(), syncer, durable: true }, may_create: !had_records })
}

/// The bytes the store's files take: sled's log, blobs and snapshots, the head file.
pub(crate) fn size_of_dir(dir: &Path) -> Result<u64, Error> {
    let mut total = 0;
    for d in [dir.to_path_buf(), dir.join("blobs")] {
        let entries = match std::fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&d, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            match entry.metadata() {
                Ok(m) if m.is_file() => total += m.len(),
                Ok(_) => {}
                // sled removes old snapshots and blobs as it goes.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&entry.path(), e)),
            }
        }
    }
    Ok(total)
}

impl Store {
    /// Opens the store in `dir`, creating the directory and the store if the
    /// directory is missing or empty.
    ///
    /// Fails with [`Error::Locked`] if another process has it open,
    /// [`Error::Foreign`] if it holds something else, [`Error::NewerFormat`]
    /// if a newer strata wrote it, and [`Error::Corruption`] if its files
    /// cannot be read back.
    pub fn open(dir: &Path) -> Result<Store, Error> {
        let opened = open_sled(dir)?;
        tracing::debug!(dir = %dir.display(), "opened the event log");
        let inner = Backend::Sled(opened.sled);
        let created = check_format(&inner, opened.may_create)?;
        let (head, acked) = read::head_on_open(&inner)?;
        let (head_file, recorded) = if created {
            (HeadFile::create(dir)?, Acked::default())
        } else {
            let (file, recorded) = HeadFile::open(dir)?;
            check_acked(&inner, dir, acked, recorded)?;
            (file, recorded)
        };
        let mut store = Store::start(inner, head, Some(head_file));
        store.acknowledged = recorded.head();
        Ok(store)
    }

    /// A new, empty store in memory.
    pub fn memory() -> Store {
        let inner = Backend::Memory(Mutex::new(BTreeMap::new()));
        // Writing to a map cannot fail.
        let _ = inner.apply(vec![(FORMAT_KEY.to_vec(), FORMAT.as_bytes().to_vec())]);
        Store::start(inner, Head::default(), None)
    }

    fn start(inner: Backend, head: Head, head_file: Option<HeadFile>) -> Store {
        Store {
            inner,
            shared: None,
            writer: Mutex::new(Writer { head, sequence: 0, failed: None }),
            head: RwLock::new(head),
            head_file,
            acknowledged: head,
            indexes: Indexes::default(),
            checkpoint: Mutex::new(()),
            last_chunk: Mutex::new(None),
        }
    }

    /// Opens the log kept in a JetStream stream (creating the stream if it
    /// is missing) and reads into this node's copy what the copy lacks:
    /// with a `data_dir` (and [`JetStreamConfig::local_copy`]), the copy is
    /// kept on disk and only the messages after it are read; otherwise the
    /// copy is in memory and the stream is read whole.
    ///
    /// A copy on disk is a cache of the stream, never a source of truth: it
    /// is used only if it opens cleanly and the stream holds, at the copy's
    /// last sequence, the very chunk the copy ends with. Otherwise (damaged
    /// files, another stream of the same name) it is deleted, with a
    /// warning, and the stream read whole; while another process has it
    /// open, this one reads the stream whole into memory.
    ///
    /// Fails with [`Error::Unavailable`] if no server answers, and
    /// [`Error::Other`] if the stream cannot hold strata's log (other
    /// subjects, no atomic publish, messages removed, another layout).
    pub fn open_jetstream(config: &JetStreamConfig) -> Result<Store, Error> {
        if let Some(dir) = &config.data_dir {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let remote = jetstream::Remote::connect(config)?;
        let mut store = match (&config.data_dir, config.local_copy) {
            (Some(dir), true) => Store::open_copy(&dir.join(COPY_DIR), &remote)?,
            _ => Store::memory(),
        };
        let (from_copy, sequence) = (store.len(), store.writer.get_mut().sequence);
        remote.copied(sequence);
        remote.follow_from(sequence + 1)?;
        store.shared = Some(Shared { remote, local_dir: config.data_dir.clone(), from_copy });
        store.catch_up()?;
        tracing::info!(
            stream = %config.stream,
            events = store.len(),
            from_copy,
            from_stream = store.len() - from_copy,
            "read the log: this node's copy, then the stream"
        );
        Ok(store)
    }

    /// Opens this node's copy of the stream in `dir`, checked against the
    /// stream; deletes it and starts an empty one if it cannot be used.
    fn open_copy(dir: &Path, remote: &jetstream::Remote) -> Result<Store, Error> {
        match Store::try_open_copy(dir, remote) {
            Ok(store) => Ok(store),
            Err(Error::Locked { path }) => {
                // A server of this node is running (an export or a query
                // beside it, say): read the stream into memory instead.
                tracing::info!(
                    dir = %path.display(),
                    "another strata process has this node's copy of the stream open; reading the stream whole"
                );
                Ok(Store::memory())
            }
            Err(e @ (Error::Io { .. } | Error::Unavailable { .. })) => Err(e),
            Err(why) => {
                tracing::warn!(
                    dir = %dir.display(),
                    %why,
                    "this node's copy of the stream cannot be used; deleting it and reading the stream whole"
                );
                match std::fs::remove_dir_all(dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(dir, e)),
                }
                Store::try_open_copy(dir, remote)
            }
        }
    }

    fn try_open_copy(dir: &Path, remote: &jetstream::Remote) -> Result<Store, Error> {
        let mut opened = open_sled(dir)?;
        opened.sled.durable = false;
        let inner = Backend::Sled(opened.sled);
        check_format(&inner, opened.may_create)?;
        let (head, _) = read::head_on_open(&inner)?;
        let corrupt = |what: String| Error::corrupt(Some(dir), what);
        let sequence = match inner.get(keys::SEQUENCE_KEY)? {
            None if head.position == 0 => 0,
            None => return Err(corrupt("the copy holds events but not the stream sequence they end at".into())),
            Some(v) => u64::from_be_bytes(
                v.as_slice().try_into().map_err(|_| corrupt("the copy's stream sequence is malformed".into()))?,
            ),
        };
        if sequence > 0 {
            let (first, value) = read::chunk_at(&inner, head.position)?
                .ok_or_else(|| corrupt(format!("the copy has no chunk at its last position {}", head.position)))?;
            let found = remote.message_at(sequence)?;
            if found.as_deref() != Some(&value[..]) {
                let what = match found {
                    Some(_) => "is not the copy's last chunk",
                    None => "is missing",
                };
                return Err(Error::Other(format!(
                    "the stream's message at sequence {sequence}, where the copy ends (positions from {first}), \
                     {what}: the stream is not the one this copy was taken from"
                )));
            }
        }
        let mut store = Store::start(inner, head, None);
        store.writer.get_mut().sequence = sequence;
        Ok(store)
    }
}

/// Checks the format key, writing it if the store is new; says whether it was.
fn check_format(inner: &Backend, may_create: bool) -> Result<bool, Error> {
    let path = inner.dir().unwrap_or(Path::new(":memory:")).to_path_buf();
    match inner.get(FORMAT_KEY)? {
        Some(found) if found == FORMAT.as_bytes() => Ok(false),
        Some(found) => {
            let found = String::from_utf8_lossy(&found).into_owned();
            let newer = found
                .strip_prefix(FORMAT_FAMILY)
                .and_then(|n| n.parse::<u64>().ok())
                .zip(FORMAT.strip_prefix(FORMAT_FAMILY).and_then(|n| n.parse::<u64>().ok()))
                .is_some_and(|(found, ours)| found > ours);
            let older = found.strip_prefix(FORMAT_FAMILY).is_some() && !newer;
            if newer {
                Err(Error::NewerFormat { path, found, supported: FORMAT.into() })
            } else if older {
                Err(Error::Foreign {
                    path,
                    reason: format!(
                        "it was written by an older strata in format {found}, which this build ({FORMAT}) does not read; \
                         export it with the strata that wrote it and import the export into a new directory"
                    ),
                })
            } else {
                Err(Error::Foreign { path, reason: format!("its format is {found:?}, which this build does not read") })
            }
        }
        None => {
            if inner.range(Vec::new(), vec![u8::MAX; 2]).next().transpose()?.is_some() {
                return Err(Error::Foreign {
                    path,
                    reason: "it is a sled database that strata did not write (it has no strata format key)".into(),
                });
            }
            if !may_create {
                return Err(Error::corrupt(
                    Some(&path),
                    "sled's log has been written to but holds no records: its start is unreadable \
                     (if strata was stopped while creating this directory, it holds nothing and may be deleted)",
                ));
            }
            inner.apply(vec![(FORMAT_KEY.to_vec(), FORMAT.as_bytes().to_vec())])?;
            Ok(true)
        }
    }
}

/// Holds the log found on open against what the head file says was
/// acknowledged: a log that lost acknowledged events is damaged, even when
/// what is left reads as a valid log.
fn check_acked(inner: &Backend, dir: &Path, found: Acked, recorded: Acked) -> Result<(), Error> {
    let corrupt = |what: String| Error::corrupt(Some(dir), what);
    if found.position < recorded.position {
        return Err(corrupt(format!(
            "its log ends at position {}, but {} events were acknowledged (the last recorded at {}): \
             the end of sled's log was lost",
            found.position,
            recorded.position,
            recorded.time()
        )));
    }
    if recorded.position == 0 {
        return Ok(());
    }
    let chunk = read::chunk_at(inner, recorded.position)?;
    let matches = chunk
        .as_ref()
        .is_some_and(|(first, value)| *first == recorded.chunk_first && crc32fast::hash(value) == recorded.chunk_crc);
    if !matches || (found.position == recorded.position && found.recorded_at != recorded.recorded_at) {
        return Err(corrupt(format!(
            "the chunk holding position {} (the last acknowledged) differs from the one that was acknowledged",
            recorded.position
        )));
    }
    Ok(())
}
