//! What it takes to make sled's writes survive a power cut.
//!
//! sled 0.34.7's `flush()` writes its log with `sync_file_range` on Linux.
//! That call neither persists file metadata (the `db` file grows as segments
//! are added, and a lost size is lost data) nor flushes the disk's write
//! cache. sled also writes its `conf` file and its `blobs/` files (values
//! above a size threshold, one file each) without any sync, and never syncs
//! the directory that holds them. So after every flush the store calls
//! `fsync` itself, on handles it keeps open so the call is cheap.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use crate::Error;

/// Keeps open the files and directories that must be synced after a write.
pub(crate) struct Syncer {
    /// sled's log, where every record lands first.
    db: (PathBuf, File),
    /// `blobs/`, synced when sled has put a new file in it (Unix only: only
    /// there can a directory be opened and synced like a file).
    blobs_dir: Option<(PathBuf, File)>,
    blobs: PathBuf,
    /// Blob files already synced; a blob is written once and never changed.
    synced_blobs: Mutex<HashSet<OsString>>,
}

/// Opens a file for syncing. Write access, because Windows will not flush a
/// file opened read-only. Our handle takes no lock, and closing it leaves
/// sled's alone: sled locks with `flock`, which belongs to sled's own handle.
fn open_for_sync(path: &Path) -> Result<(PathBuf, File), Error> {
    let file = std::fs::OpenOptions::new().write(true).open(path);
    file.map(|f| (path.to_path_buf(), f)).map_err(|e| Error::io(path, e))
}

/// Opens a directory for syncing (Unix only).
fn open_dir_for_sync(path: &Path) -> Result<(PathBuf, File), Error> {
    File::open(path).map(|f| (path.to_path_buf(), f)).map_err(|e| Error::io(path, e))
}

fn sync((path, file): &(PathBuf, File)) -> Result<(), Error> {
    file.sync_all().map_err(|e| Error::io(path, e))
}

impl Syncer {
    /// Opens the handles of sled's files in `dir`, and syncs everything sled
    /// may have written unsynced while opening: its `conf`, a snapshot, and
    /// the directory's entries for them. sled 0.34.7 adds entries to the data
    /// directory only while opening, so the directory is synced here only.
    pub(crate) fn open(dir: &Path) -> Result<Syncer, Error> {
        let blobs = dir.join("blobs");
        let blobs_dir = if cfg!(unix) { Some(open_dir_for_sync(&blobs)?) } else { None };
        let syncer = Syncer { db: open_for_sync(&dir.join("db"))?, blobs_dir, blobs, synced_blobs: Mutex::default() };
        sync(&open_for_sync(&dir.join("conf"))?)?;
        syncer.sync()?;
        if let Some(d) = &syncer.blobs_dir {
            sync(d)?;
        }
        if cfg!(unix) {
            sync(&open_dir_for_sync(dir)?)?;
        }
        Ok(syncer)
    }

    /// Makes everything sled has written so far durable. Only files that
    /// changed are synced: a needless `fsync` still costs a disk cache flush.
    pub(crate) fn sync(&self) -> Result<(), Error> {
        sync(&self.db)?;
        if self.sync_new_blobs()? {
            if let Some(d) = &self.blobs_dir {
                sync(d)?;
            }
        }
        Ok(())
    }

    /// Syncs the blob files not synced before; says whether there were any.
    ///
    /// A large batch leaves hundreds of new blob files (sled writes a page
    /// above 128 KiB to a file of its own), and one `fsync` after another
    /// took 2 s for a million events; the syncs are independent, so they
    /// run on several threads and the disk sees them together.
    fn sync_new_blobs(&self) -> Result<bool, Error> {
        let mut synced = self.synced_blobs.lock();
        let entries = std::fs::read_dir(&self.blobs).map_err(|e| Error::io(&self.blobs, e))?;
        let mut present = HashSet::new();
        let mut fresh = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&self.blobs, e))?;
            let name = entry.file_name();
            if !synced.contains(&name) {
                fresh.push(entry.path());
            }
            present.insert(name);
        }
        let synced_some = sync_all_of(&fresh)?;
        *synced = present;
        Ok(synced_some)
    }
}

/// At most this many threads sync blob files at once.
const SYNC_THREADS: usize = 8;

/// Syncs each file; says whether any was synced. A file that is gone is
/// skipped: sled removes blobs that a newer write has replaced.
fn sync_all_of(files: &[PathBuf]) -> Result<bool, Error> {
    let sync_one = |path: &PathBuf| -> Result<bool, Error> {
        match std::fs::OpenOptions::new().write(true).open(path).and_then(|f| f.sync_all()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(path, e)),
        }
    };
    let sync_part = |part: &[PathBuf]| -> Result<bool, Error> {
        let mut any = false;
        for path in part {
            any |= sync_one(path)?;
        }
        Ok(any)
    };
    if files.len() < 2 * SYNC_THREADS {
        return sync_part(files);
    }
    let per_thread = files.len().div_ceil(SYNC_THREADS);
    std::thread::scope(|s| {
        let handles: Vec<_> = files.chunks(per_thread).map(|part| s.spawn(move || sync_part(part))).collect();
        let mut any = false;
        for h in handles {
            match h.join() {
                Ok(r) => any |= r?,
                Err(_) => return Err(Error::Other("a thread syncing sled's blob files failed".into())),
            }
        }
        Ok(any)
    })
}
