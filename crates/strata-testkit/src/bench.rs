//! What the benchmarks share: the sizes to run, the generated logs and
//! stores they run on (built once per size and cached under
//! `target/strata-bench/`), and seeded inputs.
//!
//! - `STRATA_BENCH_EVENTS`: comma-separated sizes, default
//!   `10000,100000,1000000`.
//! - Delete `target/strata-bench/` to rebuild the cached logs and stores
//!   (for example after a change of the store's format).

#![expect(clippy::unwrap_used, reason = "a benchmark's fixture that cannot be built stops the benchmark")]

use std::path::{Path, PathBuf};

use strata_engine::{Config, Day, Engine, EntityId, TimeFilter};

/// The seed of every generated log and of the random inputs.
pub const SEED: u64 = 42;

/// The sizes to benchmark, from `STRATA_BENCH_EVENTS`.
pub fn sizes() -> Vec<u64> {
    let spec = std::env::var("STRATA_BENCH_EVENTS").unwrap_or_else(|_| "10000,100000,1000000".into());
    spec.split(',')
        .map(|s| s.trim().replace('_', ""))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or_else(|_| panic!("STRATA_BENCH_EVENTS: {s:?} is not a number of events")))
        .collect()
}

/// `target/strata-bench/` (or under `$CARGO_TARGET_DIR`).
pub fn bench_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("strata-bench");
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    dir
}

/// A scratch directory on the same file system as the stores (not /tmp,
/// which may be memory).
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(bench_dir().join("tmp")).unwrap()
}

/// The generated log of `n` events, written once.
pub fn ndjson(n: u64) -> PathBuf {
    let path = bench_dir().join(format!("gen-{n}-seed{SEED}.ndjson"));
    if !path.exists() {
        let partial = path.with_extension("partial");
        let file = std::io::BufWriter::new(std::fs::File::create(&partial).unwrap());
        strata_gen::Generator::new(strata_gen::Config { events: n, seed: SEED }, &strata_core::Vocabulary::builtin())
            .unwrap()
            .write_to(file, |_| {})
            .unwrap();
        std::fs::rename(&partial, &path).unwrap();
    }
    path
}

/// A store holding the generated log of `n` events, imported once, in
/// batches of 10,000 lines (one batch of a million is slow to check today;
/// the `import` benchmark measures the single batch).
pub fn store(n: u64) -> PathBuf {
    let dir = bench_dir().join(format!("store-{n}-seed{SEED}"));
    let done = bench_dir().join(format!("store-{n}-seed{SEED}.complete"));
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let text = std::fs::read_to_string(ndjson(n)).unwrap();
        let engine = Engine::open(Config::at(&dir)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for chunk in lines.chunks(10_000) {
            engine.append_text(&chunk.join("\n"), None).unwrap();
        }
        assert_eq!(engine.head().position, n);
        drop(engine);
        std::fs::write(&done, b"").unwrap();
    }
    dir
}

/// The bytes of the files under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() { dir_size(&entry.path()) } else { meta.len() };
    }
    total
}

/// SplitMix64: enough randomness to choose inputs, reproducibly.
pub struct Draw(u64);

impl Draw {
    /// The draws of `seed`.
    pub fn new(seed: u64) -> Draw {
        Draw(seed)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        let z = strata_gen::splitmix64(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        ((u128::from(z) * u128::from(n)) >> 64) as u64
    }
}

/// Seeded query inputs: entity pairs and dates, drawn uniformly over the
/// entities of the store and the twenty years the generator covers.
pub struct Inputs {
    /// Pairs of entities (paths from one to the other).
    pub pairs: Vec<(EntityId, EntityId)>,
    /// Pairs of dates, the earlier first (diffs, `asOf`).
    pub dates: Vec<(Day, Day)>,
}

/// How many inputs of each sort [`Inputs::new`] draws.
pub const INPUTS: usize = 256;

impl Inputs {
    /// The inputs for the store `engine` holds.
    pub fn new(engine: &Engine) -> Inputs {
        let mut ids: Vec<EntityId> =
            engine.snapshot().entities(None, None, TimeFilter::LATEST).into_iter().map(|e| e.id).collect();
        ids.sort();
        assert!(!ids.is_empty(), "the store has no entities");
        let mut draw = Draw::new(SEED);
        let start = Day::parse("2006-01-01").unwrap().0;
        let span = (Day::parse("2026-01-01").unwrap().0 - start) as u64;
        let mut pairs = Vec::with_capacity(INPUTS);
        let mut dates = Vec::with_capacity(INPUTS);
        for _ in 0..INPUTS {
            let a = ids[draw.below(ids.len() as u64) as usize].clone();
            let b = ids[draw.below(ids.len() as u64) as usize].clone();
            pairs.push((a, b));
            let d1 = start + draw.below(span) as i32;
            let d2 = start + draw.below(span) as i32;
            dates.push((Day(d1.min(d2)), Day(d1.max(d2))));
        }
        Inputs { pairs, dates }
    }
}
