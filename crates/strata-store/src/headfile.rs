//! The head file: what the store last acknowledged, kept beside sled's files.
//!
//! sled 0.34 takes damage in its log after its last snapshot for a torn
//! write and silently drops it and everything after, so a damaged store can
//! open as a valid, shorter log. After every acknowledged append the store
//! writes here the last position, its recorded time, and the first position
//! and CRC-32 of the chunk that holds it, and syncs the file. On open a log
//! shorter than this, or one whose chunk does not match, is corruption.
//!
//! The file has two 64-byte slots written alternately, each with its own
//! checksum, so a write torn by a crash leaves the previous one readable.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use strata_core::Timestamp;

use crate::Error;

/// The head file's name in the data directory.
pub(crate) const NAME: &str = "strata-head";
const MAGIC: &[u8; 8] = b"strhead1";
const SLOT: usize = 64;
/// Magic, position, recorded time, chunk first position, chunk CRC, slot CRC.
const USED: usize = 8 + 8 + 8 + 8 + 4 + 4;

/// What an acknowledged append left at the end of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Acked {
    pub(crate) position: u64,
    pub(crate) recorded_at: i64,
    /// The first position of the chunk holding `position` (0 for an empty log).
    pub(crate) chunk_first: u64,
    /// CRC-32 of that chunk's stored value.
    pub(crate) chunk_crc: u32,
}

impl Acked {
    fn slot(&self) -> [u8; SLOT] {
        let mut s = [0u8; SLOT];
        s[..8].copy_from_slice(MAGIC);
        s[8..16].copy_from_slice(&self.position.to_le_bytes());
        s[16..24].copy_from_slice(&self.recorded_at.to_le_bytes());
        s[24..32].copy_from_slice(&self.chunk_first.to_le_bytes());
        s[32..36].copy_from_slice(&self.chunk_crc.to_le_bytes());
        let crc = crc32fast::hash(&s[..36]);
        s[36..USED].copy_from_slice(&crc.to_le_bytes());
        s
    }

    fn of_slot(s: &[u8]) -> Option<Acked> {
        if s.len() < USED || &s[..8] != MAGIC {
            return None;
        }
        let u64_at = |i: usize| s.get(i..i + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
        let crc = s.get(36..40).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes)?;
        if crc32fast::hash(&s[..36]) != crc {
            return None;
        }
        Some(Acked {
            position: u64_at(8)?,
            recorded_at: i64::from_le_bytes(s.get(16..24)?.try_into().ok()?),
            chunk_first: u64_at(24)?,
            chunk_crc: u32::from_le_bytes(s.get(32..36)?.try_into().ok()?),
        })
    }

    /// As a head: the position and, past an empty log, its recorded time.
    pub(crate) fn head(&self) -> crate::Head {
        crate::Head { position: self.position, recorded_at: (self.position > 0).then(|| self.time()) }
    }

    /// The recorded time, for messages.
    pub(crate) fn time(&self) -> Timestamp {
        Timestamp(self.recorded_at)
    }
}

/// The open head file and the slot the next write goes to.
pub(crate) struct HeadFile {
    path: PathBuf,
    file: File,
    next_slot: parking_lot::Mutex<u64>,
}

impl HeadFile {
    /// Creates the file for a new store (an empty log) and syncs it and its directory.
    pub(crate) fn create(dir: &Path) -> Result<HeadFile, Error> {
        let path = dir.join(NAME);
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path);
        let file = file.map_err(|e| Error::io(&path, e))?;
        let head = HeadFile { path, file, next_slot: parking_lot::Mutex::new(0) };
        head.write(Acked::default())?;
        head.write(Acked::default())?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))?;
        Ok(head)
    }

    /// Opens the file of an existing store and reads what it last acknowledged.
    pub(crate) fn open(dir: &Path) -> Result<(HeadFile, Acked), Error> {
        let path = dir.join(NAME);
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::corrupt(
                    Some(dir),
                    format!("its head file {NAME}, which records the last acknowledged append, is missing"),
                ))
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let mut bytes = Vec::with_capacity(2 * SLOT);
        file.read_to_end(&mut bytes).map_err(|e| Error::io(&path, e))?;
        let slots: Vec<(u64, Acked)> =
            bytes.chunks(SLOT).take(2).zip(0u64..).filter_map(|(s, i)| Some((i, Acked::of_slot(s)?))).collect();
        let Some(&(slot, acked)) = slots.iter().max_by_key(|(_, a)| a.position) else {
            return Err(Error::corrupt(
                Some(dir),
                format!("its head file {NAME} is damaged (neither copy reads back)"),
            ));
        };
        Ok((HeadFile { path, file, next_slot: parking_lot::Mutex::new(1 - slot) }, acked))
    }

    /// Records an acknowledged append: written to the older slot, then synced.
    pub(crate) fn write(&self, acked: Acked) -> Result<(), Error> {
        let mut next = self.next_slot.lock();
        self.file.write_all_at(&acked.slot(), *next * SLOT as u64).map_err(|e| Error::io(&self.path, e))?;
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))?;
        *next = 1 - *next;
        Ok(())
    }
}
