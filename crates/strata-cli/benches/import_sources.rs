//! The importers at the size of a real source, as a user runs them: the
//! `strata` binary importing into a store on disk (process start to exit,
//! durable), with the same events as strata's own NDJSON beside each, so
//! every figure has its yardstick from the same run.
//!
//! - a full Consolidated Screening List snapshot (25,000 records, built by
//!   repeating the real rows of `tests/data/import/csl-2023-11-cut.csv`
//!   under new names) into an empty store, beside the NDJSON lines of the
//!   events it makes;
//! - the same snapshot again into the store that holds it (0 events
//!   appended: every id is found stored and no listing is closed);
//! - 20,000 GDELT rows (the real fixture's rows that map to an event,
//!   repeated under new GLOBALEVENTIDs) beside the NDJSON lines of the
//!   events they make: the same events, so the same number.
//!
//! `cargo bench --bench import_sources`

#![expect(clippy::unwrap_used, reason = "a benchmark stops on the first surprise")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use strata_testkit::bench as common;

const RECORDS: usize = 25_000;
const GDELT_ROWS: usize = 20_000;

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/import/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The 2023 cut's records repeated under new names (" 2", " 3", ...) up to `RECORDS`.
fn full_csl() -> String {
    let text = data("csl-2023-11-cut.csv");
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(Vec::new());
    w.write_record(&header).unwrap();
    let name = header.iter().position(|h| h == "name").unwrap();
    for i in 0..RECORDS {
        let row = &rows[i % rows.len()];
        let copy = i / rows.len();
        let fields: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(j, f)| if j == name && copy > 0 { format!("{} {copy}", f.trim()) } else { f.to_owned() })
            .collect();
        w.write_record(&fields).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// The GDELT fixture's rows that the mapping turns into events (`mapped`,
/// their GLOBALEVENTIDs), repeated under new GLOBALEVENTIDs up to
/// `GDELT_ROWS`: so the rows and the NDJSON yardstick hold the same events.
fn many_gdelt(mapped: &std::collections::HashSet<String>) -> String {
    let text = data("gdelt-2017-china-and-sanctions.export.tsv");
    let rows: Vec<&str> =
        text.lines().filter(|l| l.split_once('\t').is_some_and(|(id, _)| mapped.contains(id))).collect();
    assert!(!rows.is_empty(), "no fixture row is mapped");
    let mut out = String::new();
    for i in 0..GDELT_ROWS {
        let row = rows[i % rows.len()];
        let (_, rest) = row.split_once('\t').unwrap();
        out.push_str(&format!("{}\t{rest}\n", 900_000_000 + i));
    }
    out
}

/// `strata import` of `file` into `store`; returns what it printed.
fn import(store: &Path, args: &[&str], file: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("import")
        .args(args)
        .arg(file)
        .arg("--data")
        .arg(store)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    err
}

/// The events a source file makes, as strata's own NDJSON: imported once,
/// then exported.
fn as_ndjson(dir: &Path, args: &[&str], file: &Path, name: &str) -> PathBuf {
    let store = dir.join(format!("{name}-store"));
    import(&store, args, file);
    let ndjson = dir.join(format!("{name}.ndjson"));
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["export", "--format", "ndjson", "--output"])
        .arg(&ndjson)
        .arg("--data")
        .arg(&store)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ndjson
}

/// One benchmark: `strata import ARGS FILE` into a fresh store per run.
fn fresh(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    args: &[&str],
    file: &Path,
) {
    g.bench_function(id, |b| {
        b.iter_batched(
            common::scratch,
            |dir| {
                import(&dir.path().join("store"), args, file);
                dir
            },
            BatchSize::PerIteration,
        )
    });
}

fn benches(c: &mut Criterion) {
    let dir = common::scratch();
    let csl = dir.path().join("csl-full.csv");
    std::fs::write(&csl, full_csl()).unwrap();
    let csl_args = ["--format", "csl", "--snapshot-date", "2023-11-30"];
    let gdelt_args = ["--format", "gdelt"];
    let csl_ndjson = as_ndjson(dir.path(), &csl_args, &csl, "csl");
    // The fixture's rows that map to an event (the rest are counted and left out).
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/import/gdelt-2017-china-and-sanctions.export.tsv");
    let mapped: std::collections::HashSet<String> =
        std::fs::read_to_string(as_ndjson(dir.path(), &gdelt_args, &fixture, "gdelt-fixture"))
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|e| e["attrs"]["gdelt_id"].as_str().map(str::to_owned))
            .collect();
    let gdelt = dir.path().join("gdelt.export.tsv");
    std::fs::write(&gdelt, many_gdelt(&mapped)).unwrap();
    let gdelt_ndjson = as_ndjson(dir.path(), &gdelt_args, &gdelt, "gdelt");
    let count = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    eprintln!(
        "import_sources: {RECORDS} CSL records make {} events; {GDELT_ROWS} GDELT rows make {} events",
        count(&csl_ndjson),
        count(&gdelt_ndjson)
    );

    let mut g = c.benchmark_group("import_sources");
    g.sample_size(10).measurement_time(Duration::from_secs(30)).warm_up_time(Duration::from_millis(1));
    g.sampling_mode(SamplingMode::Flat);
    fresh(&mut g, &format!("csl_full_snapshot_{RECORDS}_records"), &csl_args, &csl);
    fresh(&mut g, "csl_same_events_as_ndjson", &[], &csl_ndjson);

    let full = dir.path().join("csl-full-store");
    import(&full, &csl_args, &csl);
    g.bench_function(format!("csl_unchanged_reimport_{RECORDS}_records"), |b| {
        b.iter(|| {
            let said = import(&full, &csl_args, &csl);
            assert!(said.contains(": 0 new events"), "{said}");
        })
    });

    fresh(&mut g, &format!("gdelt_{GDELT_ROWS}_rows"), &gdelt_args, &gdelt);
    fresh(&mut g, "gdelt_same_events_as_ndjson", &[], &gdelt_ndjson);
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
