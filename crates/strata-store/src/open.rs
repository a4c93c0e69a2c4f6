//! Opening a data directory with sled: refuse what is not ours before sled
//! writes into it, and turn sled's failures into errors a person can act on.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::backend::{from_sled, SledStore};
use crate::durable::Syncer;
use crate::Error;

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
