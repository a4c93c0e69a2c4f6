//! A chunk of the log: consecutive events stored as one value, their ids in
//! the clear and their records compressed together.
//!
//! One key per event made sled do several tree inserts per event (and cost
//! eight times the NDJSON on disk); one key per chunk makes an import a few
//! hundred inserts, and compressing a chunk's records together (LZ4) keeps
//! the log smaller than the NDJSON it came from. The ids sit outside the
//! compressed part so the id index can be rebuilt without decompressing.
//!
//! Layout: `2` (format byte), count (u32 LE), `count` × 16 id bytes, the
//! uncompressed length (u32 LE), then one LZ4 block of the records, each a
//! u32 LE length and an event encoded by `codec`.

use strata_core::{EventId, RecordedEvent};

use crate::codec;

/// The first byte of every chunk; a new layout gets a new byte.
const CHUNK_FORMAT: u8 = 2;
/// A chunk is closed once its records reach this size: big enough for LZ4
/// to find the repetition between events, small enough that reading one
/// event decompresses little, and below sled's threshold for blob files.
pub(crate) const TARGET_BYTES: usize = 48 * 1024;
/// LZ4 cannot expand more than 255 to 1; a larger stated length is damage.
const MAX_RATIO: usize = 255;

/// Chunks as encoded: (first position, value), in log order.
pub(crate) type Encoded = Vec<(u64, Vec<u8>)>;

/// Below this many events a batch is encoded on the calling thread alone.
const PARALLEL_FROM: usize = 4096;

/// Groups `events` into chunks and encodes each; returns (first position,
/// value). A large batch is cut into one consecutive part per core, each
/// encoded on its own thread (a part ends its last chunk early; chunks of
/// any size read back alike).
pub(crate) fn encode_all(events: &[RecordedEvent]) -> Result<Encoded, String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(events.len() / PARALLEL_FROM).max(1);
    if threads == 1 {
        return encode_part(events);
    }
    let per_thread = events.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = events.chunks(per_thread).map(|part| s.spawn(move || encode_part(part))).collect();
        let mut out = Vec::new();
        for h in handles {
            out.extend(h.join().map_err(|_| "a thread encoding the batch failed".to_owned())??);
        }
        Ok(out)
    })
}

/// Encodes `events` on the calling thread.
pub(crate) fn encode_part(events: &[RecordedEvent]) -> Result<Encoded, String> {
    let mut out = Vec::new();
    let mut raw = Vec::with_capacity(TARGET_BYTES + 4096);
    let mut ids: Vec<EventId> = Vec::new();
    let mut first = 0;
    for r in events {
        if ids.is_empty() {
            first = r.position;
        }
        let record = codec::encode(r).map_err(|e| format!("event {}: {e}", r.event.id))?;
        let len = u32::try_from(record.len()).map_err(|_| format!("event {} is larger than 4 GiB", r.event.id))?;
        raw.extend_from_slice(&len.to_le_bytes());
        raw.extend_from_slice(&record);
        ids.push(r.event.id);
        if raw.len() >= TARGET_BYTES {
            out.push((first, seal(&ids, &raw)?));
            raw.clear();
            ids.clear();
        }
    }
    if !ids.is_empty() {
        out.push((first, seal(&ids, &raw)?));
    }
    Ok(out)
}

/// Compresses the records and prepends the header.
fn seal(ids: &[EventId], raw: &[u8]) -> Result<Vec<u8>, String> {
    let count = u32::try_from(ids.len()).map_err(|_| "too many events in one chunk".to_owned())?;
    let raw_len = u32::try_from(raw.len()).map_err(|_| "a chunk larger than 4 GiB".to_owned())?;
    let packed = lz4_flex::block::compress(raw);
    let mut v = Vec::with_capacity(1 + 4 + 16 * ids.len() + 4 + packed.len());
    v.push(CHUNK_FORMAT);
    v.extend_from_slice(&count.to_le_bytes());
    for id in ids {
        v.extend_from_slice(id.as_bytes());
    }
    v.extend_from_slice(&raw_len.to_le_bytes());
    v.extend_from_slice(&packed);
    Ok(v)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// A chunk's header: its event ids, and where its compressed records start.
pub(crate) struct Header<'a> {
    ids: &'a [u8],
    raw_len: usize,
    packed: &'a [u8],
}

impl<'a> Header<'a> {
    /// Reads the header of a chunk value; the error says what is damaged.
    pub(crate) fn read(bytes: &'a [u8]) -> Result<Header<'a>, String> {
        let (&format, _) = bytes.split_first().ok_or("the chunk is empty")?;
        if format != CHUNK_FORMAT {
            return Err(format!("unknown chunk format {format} (this build writes {CHUNK_FORMAT})"));
        }
        let count = u32_at(bytes, 1).ok_or("the chunk is cut inside its header")? as usize;
        if count == 0 {
            return Err("the chunk holds no events".into());
        }
        let ids_end =
            count.checked_mul(16).and_then(|n| n.checked_add(5)).ok_or("the chunk's event count is impossible")?;
        let ids = bytes.get(5..ids_end).ok_or("the chunk is cut inside its ids")?;
        let raw_len = u32_at(bytes, ids_end).ok_or("the chunk is cut before its records")? as usize;
        let packed = bytes.get(ids_end + 4..).unwrap_or_default();
        if raw_len > packed.len().saturating_mul(MAX_RATIO).saturating_add(64) {
            return Err(format!(
                "the chunk says its records take {raw_len} bytes, more than {} compressed bytes can hold",
                packed.len()
            ));
        }
        Ok(Header { ids, raw_len, packed })
    }

    /// The number of events in the chunk.
    pub(crate) fn count(&self) -> u64 {
        (self.ids.len() / 16) as u64
    }

    /// The event ids, in log order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = EventId> + 'a {
        self.ids.chunks_exact(16).filter_map(|b| b.try_into().ok()).map(EventId::from_bytes)
    }

    /// Decompresses and decodes the events, the first at position `first`.
    pub(crate) fn events(&self, first: u64) -> Result<Vec<RecordedEvent>, String> {
        let raw = lz4_flex::block::decompress(self.packed, self.raw_len)
            .map_err(|e| format!("the chunk's records do not decompress: {e}"))?;
        if raw.len() != self.raw_len {
            return Err(format!("the chunk's records decompress to {} bytes, not {}", raw.len(), self.raw_len));
        }
        let mut out = Vec::with_capacity(self.ids.len() / 16);
        let mut at = 0;
        for (i, id) in self.ids().enumerate() {
            let position = first + i as u64;
            let len = u32_at(&raw, at).ok_or_else(|| format!("the record at position {position} is missing"))? as usize;
            let bytes = raw
                .get(at + 4..at + 4 + len)
                .ok_or_else(|| format!("the record at position {position} is cut short"))?;
            let event =
                codec::decode(bytes, position).map_err(|what| format!("the record at position {position}: {what}"))?;
            if event.event.id != id {
                return Err(format!(
                    "the record at position {position} has id {}, but the chunk lists {id}",
                    event.event.id
                ));
            }
            out.push(event);
            at += 4 + len;
        }
        if at != raw.len() {
            return Err(format!("{} unexpected bytes after the chunk's records", raw.len() - at));
        }
        Ok(out)
    }
}
