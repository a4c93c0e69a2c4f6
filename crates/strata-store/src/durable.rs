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
    /// The data directory and `blobs/`: their entries are files sled creates.
    dirs: Vec<(PathBuf, File)>,
    blobs: PathBuf,
    /// Blob files already synced; a blob is written once and never changed.
    synced_blobs: Mutex<HashSet<OsString>>,
}

fn open_for_sync(path: &Path) -> Result<(PathBuf, File), Error> {
    // fsync needs no write access on the platforms sled locks files on.
    File::open(path).map(|f| (path.to_path_buf(), f)).map_err(|e| Error::io(path, e))
}

fn sync((path, file): &(PathBuf, File)) -> Result<(), Error> {
    file.sync_all().map_err(|e| Error::io(path, e))
}

impl Syncer {
    /// Opens the handles of sled's files in `dir`, and syncs everything sled
    /// may have written unsynced while opening (its `conf`, a snapshot).
    pub(crate) fn open(dir: &Path) -> Result<Syncer, Error> {
        let blobs = dir.join("blobs");
        let mut dirs = Vec::new();
        // A directory can be opened and synced as a file only on Unix.
        if cfg!(unix) {
            dirs.push(open_for_sync(&blobs)?);
            dirs.push(open_for_sync(dir)?);
        }
        let syncer = Syncer { db: open_for_sync(&dir.join("db"))?, dirs, blobs, synced_blobs: Mutex::default() };
        sync(&open_for_sync(&dir.join("conf"))?)?;
        syncer.sync()?;
        Ok(syncer)
    }

    /// Makes everything sled has written so far durable.
    pub(crate) fn sync(&self) -> Result<(), Error> {
        sync(&self.db)?;
        self.sync_new_blobs()?;
        self.dirs.iter().try_for_each(sync)
    }

    fn sync_new_blobs(&self) -> Result<(), Error> {
        let mut synced = self.synced_blobs.lock();
        let entries = std::fs::read_dir(&self.blobs).map_err(|e| Error::io(&self.blobs, e))?;
        let mut present = HashSet::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&self.blobs, e))?;
            let name = entry.file_name();
            if !synced.contains(&name) {
                match File::open(entry.path()).and_then(|f| f.sync_all()) {
                    Ok(()) => {}
                    // sled removes blobs that a newer write has replaced.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(Error::io(&entry.path(), e)),
                }
            }
            present.insert(name);
        }
        *synced = present;
        Ok(())
    }
}
