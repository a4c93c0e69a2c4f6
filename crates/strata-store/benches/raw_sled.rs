//! Raw sled 0.34.7 with strata's batching, the floor an import is held
//! against (the target: an import reaches at least 0.7 of its speed).
//!
//! Reads every key and value of a store written by `strata import` (its
//! chunks, format and head keys, as they are on disk) and writes them into
//! a fresh sled directory the way `Store::append` does: one `sled::Batch`,
//! `flush`, then `fsync` of sled's `db` file. Only that write is timed.
//!
//! ```sh
//! strata import --data /tmp/imp/d1 /tmp/imp/g1m.ndjson
//! STRATA_RAW_FROM=/tmp/imp/d1 cargo bench -p strata-store --bench raw_sled
//! ```
//!
//! `STRATA_RAW_NDJSON=FILE` measures the other yardstick instead: one sled
//! key per event (the line as its value), the whole file as one batch, flush
//! and fsync: the plain way to use sled, the baseline README's Performance
//! table compares with.
//!
//! `STRATA_RAW_RUNS` (default 3) sets the number of runs; each prints its
//! time, and the median is printed last.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark stops on the first surprise")]

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let runs: usize = std::env::var("STRATA_RAW_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    if let Some(ndjson) = std::env::var_os("STRATA_RAW_NDJSON").map(PathBuf::from) {
        // The other yardstick: sled with one key per event (its position,
        // the line as the value), the whole file as one batch: sled used
        // plainly, the baseline of README's Performance table.
        let text = std::fs::read_to_string(&ndjson).expect("read the NDJSON file");
        let entries: Vec<(Vec<u8>, Vec<u8>)> =
            text.lines().zip(1u64..).map(|(line, p)| (p.to_be_bytes().to_vec(), line.as_bytes().to_vec())).collect();
        let events = entries.len() as u64;
        println!("raw_sled (one key per event): {events} events from {}", ndjson.display());
        write_runs(entries, events, runs);
        return;
    }
    let Some(from) = std::env::var_os("STRATA_RAW_FROM").map(PathBuf::from) else {
        eprintln!("raw_sled: set STRATA_RAW_FROM to a store written by `strata import` (or STRATA_RAW_NDJSON to a log); skipping");
        return;
    };
    let entries: Vec<(Vec<u8>, Vec<u8>)> = {
        let db = sled::open(&from).expect("open the source store with sled");
        db.iter().map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec()))).collect::<Result<_, _>>().expect("read the source")
    };
    let bytes: usize = entries.iter().map(|(k, v)| k.len() + v.len()).sum();
    // The events the store holds: its head key (`Mhead`) starts with the last position.
    let events = entries
        .iter()
        .find(|(k, _)| k == b"Mhead")
        .map(|(_, v)| u64::from_be_bytes(v[..8].try_into().unwrap()))
        .unwrap_or(0);
    println!("raw_sled: {} keys, {} bytes, {events} events from {}", entries.len(), bytes, from.display());
    write_runs(entries, events, runs);
}

/// Writes `entries` into a fresh sled directory `runs` times, as one batch,
/// flushed and fsynced; prints each time and the median.
fn write_runs(entries: Vec<(Vec<u8>, Vec<u8>)>, events: u64, runs: usize) {
    let bytes: usize = entries.iter().map(|(k, v)| k.len() + v.len()).sum();
    let parent = std::env::var_os("STRATA_RAW_DIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let mut times = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir_in(&parent).unwrap();
        let entries = entries.clone();
        let started = Instant::now();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let mut batch = sled::Batch::default();
        for (k, v) in entries {
            batch.insert(k, v);
        }
        db.apply_batch(batch).unwrap();
        db.flush().unwrap();
        std::fs::OpenOptions::new().write(true).open(dir.path().join("db")).unwrap().sync_all().unwrap();
        let db_synced = started.elapsed().as_secs_f64();
        // sled puts large pages in files of their own under `blobs/`, written without a sync.
        let blobs: Vec<PathBuf> =
            std::fs::read_dir(dir.path().join("blobs")).unwrap().map(|e| e.unwrap().path()).collect();
        let threads =
            std::env::var("STRATA_RAW_SYNC_THREADS").ok().and_then(|s| s.parse().ok()).unwrap_or(1usize).max(1);
        std::thread::scope(|s| {
            for part in blobs.chunks(blobs.len().div_ceil(threads).max(1)) {
                s.spawn(move || {
                    for b in part {
                        std::fs::OpenOptions::new().write(true).open(b).unwrap().sync_all().unwrap();
                    }
                });
            }
        });
        std::fs::File::open(dir.path().join("blobs")).unwrap().sync_all().unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!("  db synced after {db_synced:.2} s; {} blob files synced on {threads} threads", blobs.len());
        drop(db);
        println!(
            "raw_sled run {}: {secs:.2} s, {:.0} events/s, {:.0} MB/s",
            run + 1,
            events as f64 / secs,
            bytes as f64 / secs / 1e6
        );
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    if let Some(&median) = times.get(times.len() / 2) {
        println!("raw_sled median: {median:.2} s, {:.0} events/s", events as f64 / median);
    }
}
