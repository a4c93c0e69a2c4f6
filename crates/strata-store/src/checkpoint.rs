//! The checkpoint file: opaque bytes a caller keeps beside the log (the
//! engine keeps its projection there), so that opening a large log need not
//! replay it all.
//!
//! The file is `strata-checkpoint` in the data directory: a 24-byte header
//! (magic, the length of the bytes, a CRC-32 of what follows) and the bytes
//! LZ4-compressed. It is written whole to `strata-checkpoint.tmp`, synced,
//! renamed over the old one and the directory synced, so a crash leaves the
//! old checkpoint or the new one, never half of one. A checkpoint is never
//! needed: it only saves time, so reading one that is damaged is an error
//! the caller answers by ignoring it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use crate::{Error, Store};

/// The checkpoint's name in the data directory.
pub(crate) const NAME: &str = "strata-checkpoint";
/// Where a new checkpoint is written before it replaces the old one.
pub(crate) const TMP_NAME: &str = "strata-checkpoint.tmp";
const MAGIC: &[u8; 8] = b"strckpt1";
const HEADER: usize = 8 + 8 + 4 + 4;

/// Writes `bytes` as the directory's checkpoint, atomically and durably.
pub(crate) fn write(dir: &Path, bytes: &[u8]) -> Result<u64, Error> {
    let packed = lz4_flex::block::compress(bytes);
    let mut header = [0u8; HEADER];
    header[..8].copy_from_slice(MAGIC);
    header[8..16].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&header[8..16]);
    crc.update(&packed);
    header[16..20].copy_from_slice(&crc.finalize().to_le_bytes());
    let tmp = dir.join(TMP_NAME);
    let mut file =
        OpenOptions::new().write(true).create(true).truncate(true).open(&tmp).map_err(|e| Error::io(&tmp, e))?;
    file.write_all(&header)
        .and_then(|()| file.write_all(&packed))
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    let path = dir.join(NAME);
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    if cfg!(unix) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))?;
    }
    Ok((HEADER + packed.len()) as u64)
}

/// Reads the directory's checkpoint: `None` when there is none, `Corruption`
/// when it does not read back whole.
pub(crate) fn read(dir: &Path) -> Result<Option<Vec<u8>>, Error> {
    let path = dir.join(NAME);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut data = Vec::new();
    file.read_to_end(&mut data).map_err(|e| Error::io(&path, e))?;
    let damaged = |what: &str| Error::corrupt(Some(&path), format!("the checkpoint {what}"));
    let (header, packed) = data.split_at_checked(HEADER).ok_or_else(|| damaged("is cut short"))?;
    if &header[..8] != MAGIC {
        return Err(damaged("does not start as a strata checkpoint"));
    }
    let len = header[8..16].try_into().map(u64::from_le_bytes).map_err(|_| damaged("is cut short"))?;
    let crc = header[16..20].try_into().map(u32::from_le_bytes).map_err(|_| damaged("is cut short"))?;
    let mut h = crc32fast::Hasher::new();
    h.update(&header[8..16]);
    h.update(packed);
    if h.finalize() != crc {
        return Err(damaged("fails its checksum"));
    }
    // LZ4 expands at most 255 times: a larger length is damage, not a reason to allocate.
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l / 255 <= packed.len())
        .ok_or_else(|| damaged("has an impossible length"))?;
    lz4_flex::block::decompress(packed, len).map(Some).map_err(|_| damaged("does not decompress"))
}

impl Store {
    /// Where checkpoints are kept: the data directory, or with JetStream
    /// this node's own directory; `None` keeps none.
    pub fn checkpoint_dir(&self) -> Option<&Path> {
        self.shared.as_ref().and_then(|s| s.local_dir.as_deref()).or(self.inner.dir())
    }

    /// Replaces the checkpoint kept beside the log with `bytes`, atomically
    /// and durably (see the module `checkpoint`); returns the bytes it takes
    /// on disk. A memory store keeps none and returns 0.
    ///
    /// What the bytes mean is the caller's business: the store only gives
    /// back exactly what was written, or an error.
    pub fn write_checkpoint(&self, bytes: &[u8]) -> Result<u64, Error> {
        let _one = self.checkpoint.lock();
        if self.shared.is_some() {
            // A node's copy of the stream reaches the checkpoint on disk
            // before the checkpoint does.
            self.inner.flush()?;
        }
        match self.checkpoint_dir() {
            Some(dir) => write(dir, bytes),
            None => Ok(0),
        }
    }

    /// The checkpoint in data directory `dir`, read without opening the
    /// store (so that it can be read and decoded while the store opens):
    /// like [`Store::read_checkpoint`]. The caller must check it against the
    /// store once open, since another process may write one meanwhile.
    pub fn read_checkpoint_in(dir: &Path) -> Result<Option<Vec<u8>>, Error> {
        read(dir)
    }

    /// The file the checkpoint of the store in `dir` is kept in.
    pub fn checkpoint_path(dir: &Path) -> std::path::PathBuf {
        dir.join(NAME)
    }

    /// The checkpoint last written: `None` if there is none (or the store is
    /// in memory), [`Error::Corruption`] if it does not read back whole.
    pub fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        match self.checkpoint_dir() {
            Some(dir) => read(dir),
            None => Ok(None),
        }
    }
}
