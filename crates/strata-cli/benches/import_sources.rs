//! The importers at the size of a real source: a full Consolidated
//! Screening List snapshot (~25,000 records, built by repeating the real
//! rows of tests/data/import under new names) into an empty in-memory
//! store, the same snapshot again (0 events appended), and GDELT rows beside
//! the same number of NDJSON events. Each run prints the events per second,
//! so the GDELT/NDJSON ratio comes from one run.
//!
//! `cargo bench --bench import_sources`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use strata_core::{parse_line, parse_value, Day, EventId, Location, ParsedLine, Vocabulary};
use strata_engine::{Config, Engine, EntityId};
use strata_import::{csl, gdelt, Context, Crosswalk, Import, Prior, StoreView, Uuid};

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

/// The GDELT fixture's rows repeated under new GLOBALEVENTIDs up to `GDELT_ROWS`.
fn many_gdelt() -> String {
    let text = data("gdelt-2017-china-and-sanctions.export.tsv");
    let rows: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let mut out = String::new();
    for i in 0..GDELT_ROWS {
        let row = rows[i % rows.len()];
        let (_, rest) = row.split_once('\t').unwrap();
        out.push_str(&format!("{}\t{rest}\n", 900_000_000 + i));
    }
    out
}

struct View<'a>(&'a Engine);

impl StoreView for View<'_> {
    fn entity_type(&self, id: &str) -> Option<strata_engine::EntityType> {
        let id = EntityId::parse(id).ok()?;
        let snap = self.0.snapshot();
        snap.entity(&id, snap.filter(None, None)).map(|e| e.entity_type)
    }
    fn has_event(&self, id: Uuid) -> bool {
        self.0.position_of(EventId(id)).is_some()
    }
}

fn lines(import: &Import, vocab: &Vocabulary) -> Vec<(Location, ParsedLine)> {
    import
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| (Location::Line(i + 1), parse_value(&l.event, Location::Line(i + 1), vocab).unwrap()))
        .collect()
}

fn import_csl(engine: &Engine, bytes: &[u8], cw: &Crosswalk, prior: Prior) -> u64 {
    let vocab = engine.vocabulary();
    let view = View(engine);
    let cx = Context {
        vocabulary: &vocab,
        crosswalk: cw,
        snapshot_date: Day::parse("2023-11-30").unwrap(),
        store: &view,
        prior,
        note_field: true,
    };
    let import = csl::import(bytes, &cx).unwrap();
    let batch = lines(&import, &vocab);
    if batch.is_empty() {
        return 0;
    }
    engine.append(batch, None).unwrap().appended as u64
}

fn benches(c: &mut Criterion) {
    let cw = Crosswalk::from_json(include_str!("../../../schema/crosswalk.json")).unwrap();
    let full = full_csl();
    let mut g = c.benchmark_group("import_sources");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(1));

    g.bench_function(format!("csl_full_snapshot_{RECORDS}_records"), |b| {
        b.iter_batched(
            || Engine::open(Config::in_memory()).unwrap(),
            |engine| {
                let n = import_csl(&engine, full.as_bytes(), &cw, Prior::default());
                assert!(n as usize > RECORDS, "{n} events");
                engine
            },
            BatchSize::PerIteration,
        )
    });

    let engine = Engine::open(Config::in_memory()).unwrap();
    import_csl(&engine, full.as_bytes(), &cw, Prior::default());
    g.bench_function(format!("csl_unchanged_reimport_{RECORDS}_records"), |b| {
        // Without prior listings: every listing's id is found stored, nothing is closed.
        b.iter(|| assert_eq!(import_csl(&engine, full.as_bytes(), &cw, Prior::default()), 0))
    });

    // GDELT rows against the same number of NDJSON events (the GDELT import's own events as lines).
    let gd = many_gdelt();
    let vocab = Vocabulary::builtin();
    let cameo = gdelt::CameoMap::from_json(include_str!("../../../schema/gdelt-cameo.json"), &vocab).unwrap();
    let mapped = {
        let store = strata_import::EmptyStore;
        let cx = Context {
            vocabulary: &vocab,
            crosswalk: &cw,
            snapshot_date: Day::parse("2017-07-01").unwrap(),
            store: &store,
            prior: Prior::default(),
            note_field: false,
        };
        gdelt::import(gd.as_bytes(), &cameo, &cx).unwrap()
    };
    let ndjson: String = mapped.lines.iter().map(|l| format!("{}\n", l.event)).collect();
    let events = mapped.lines.len();
    g.throughput(criterion::Throughput::Elements(GDELT_ROWS as u64));
    g.bench_function(format!("gdelt_{GDELT_ROWS}_rows"), |b| {
        b.iter_batched(
            || Engine::open(Config::in_memory()).unwrap(),
            |engine| {
                let vocab = engine.vocabulary();
                let view = View(&engine);
                let cx = Context {
                    vocabulary: &vocab,
                    crosswalk: &cw,
                    snapshot_date: Day::parse("2017-07-01").unwrap(),
                    store: &view,
                    prior: Prior::default(),
                    note_field: false,
                };
                let import = gdelt::import(gd.as_bytes(), &cameo, &cx).unwrap();
                engine.append(lines(&import, &vocab), None).unwrap();
                engine
            },
            BatchSize::PerIteration,
        )
    });
    g.throughput(criterion::Throughput::Elements(GDELT_ROWS as u64));
    g.bench_function(format!("ndjson_same_{GDELT_ROWS}_rows_as_{events}_events"), |b| {
        b.iter_batched(
            || Engine::open(Config::in_memory()).unwrap(),
            |engine| {
                let vocab = engine.vocabulary();
                let batch: Vec<(Location, ParsedLine)> = ndjson
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (Location::Line(i + 1), parse_line(l, Location::Line(i + 1), &vocab).unwrap()))
                    .collect();
                engine.append(batch, None).unwrap();
                engine
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
