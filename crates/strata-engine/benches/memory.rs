//! The projection's memory per relation and the store's bytes on disk per
//! event, at each size of `STRATA_BENCH_EVENTS` (see `strata_testkit::bench`). Not a
//! criterion benchmark: it counts, and prints one line per size.
//!
//! Memory is what the projection holds on the heap after every event of the
//! generated log is applied to it, counted by a global allocator that tracks
//! live bytes; the store (sled and its cache) is left out by feeding the
//! projection parsed lines directly.

#![expect(clippy::unwrap_used, reason = "a measurement stops on the first surprise")]

use std::alloc::System;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use strata_core::{parse_line, Effect, Location, RecordedEvent, Timestamp, Vocabulary};
use strata_graph::Projection;
use strata_testkit::bench as common;

/// The system allocator, counting what is allocated and freed.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    // `cargo bench` passes `--bench` (and a filter, perhaps); there is nothing to filter.
    let vocab = Vocabulary::builtin();
    println!("size: events | projection: bytes, bytes/event, bytes/relation (relations = opening and marking events) | disk: store bytes/event, NDJSON bytes/event, store/NDJSON");
    for n in common::sizes() {
        let file = common::ndjson(n);
        let text = std::fs::read_to_string(&file).unwrap();

        let region = Region::new(GLOBAL);
        let mut projection = Projection::new(vocab.clone());
        let mut relations = 0u64;
        for (i, line) in text.lines().enumerate() {
            let parsed = parse_line(line, Location::Line(i + 1), &vocab).unwrap();
            let effect = vocab.get(&parsed.event.kind).map(|k| k.effect);
            relations += u64::from(matches!(effect, Some(Effect::Opens | Effect::Marks)));
            let rec = RecordedEvent {
                position: i as u64 + 1,
                recorded_at: parsed.recorded_at.unwrap_or(Timestamp(i as i64)),
                event: parsed.event,
            };
            projection.apply(&rec).unwrap();
        }
        let change = region.change();
        // stats_alloc adds a realloc's growth to `bytes_allocated` (and its
        // shrinking to `bytes_deallocated`) as well as to `bytes_reallocated`:
        // live bytes are the first minus the second, nothing more.
        let bytes = change.bytes_allocated.saturating_sub(change.bytes_deallocated) as u64;
        let parts = projection.memory_report();
        // The same projection from its checkpoint: every vector and map at
        // its final size, without the slack of growing one event at a time.
        let checkpoint = projection.to_checkpoint();
        let region = Region::new(GLOBAL);
        let decoded = Projection::from_checkpoint(&checkpoint, vocab.clone()).unwrap();
        let change = region.change();
        let decoded_bytes = change.bytes_allocated.saturating_sub(change.bytes_deallocated) as u64;
        drop(decoded);
        let stats = projection.stats(Timestamp::MAX);
        assert_eq!(stats.events, n);
        drop(projection);

        let store = common::dir_size(&common::store(n));
        let ndjson = text.len() as u64;
        println!(
            "{n}: projection {:.1} MB, {:.0} B/event, {:.0} B/relation ({relations} relations, {} entities) | disk {:.0} B/event, NDJSON {:.0} B/event, store/NDJSON {:.2}",
            bytes as f64 / 1e6,
            bytes as f64 / n as f64,
            bytes as f64 / relations.max(1) as f64,
            stats.entities,
            store as f64 / n as f64,
            ndjson as f64 / n as f64,
            store as f64 / ndjson as f64,
        );
        println!(
            "{n}: from its checkpoint ({:.1} MB encoded) the projection holds {:.1} MB, {:.0} B/relation",
            checkpoint.len() as f64 / 1e6,
            decoded_bytes as f64 / 1e6,
            decoded_bytes as f64 / relations.max(1) as f64,
        );
        let estimated: usize = parts.iter().map(|(_, b)| b).sum();
        let shares: Vec<String> = parts
            .iter()
            .map(|(what, b)| format!("{what} {:.0}%", 100.0 * *b as f64 / estimated.max(1) as f64))
            .collect();
        println!("{n}: where it goes (estimated from capacities): {}", shares.join(", "));
    }
}
