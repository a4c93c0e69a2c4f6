//! Crash recovery, end to end: `strata import` of many small files is killed
//! with SIGKILL at random moments, and after every kill the store must hold
//! every file import acknowledged (guarantee 1), each file whole or not at
//! all (guarantee 2), and open with a projection equal to its log, positions
//! and recorded times gapless and strictly increasing (guarantee 3).
//!
//! `STRATA_CRASH_SEED` repeats a run; `STRATA_CRASH_ITERATIONS` (default
//! 100) sets how many kills it makes.
//!
//! The same test runs with the log in a JetStream stream (`--log`, one
//! nats-server; a fifth of the kills): there a kill lands while a batch is
//! being published, and the stream must keep it whole or drop it.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use strata_core::{to_line, Timestamp};
use strata_engine::{Config, Engine};

use crate::support::{seeded_rng, stderr, strata, uuid};
use strata_gen::Rng;
use strata_testkit::nats::Cluster;

/// One NDJSON file: one atomic batch of events that declares its own member
/// and links it to the hub, so any subset of batches is a valid log.
struct Batch {
    name: String,
    ids: Vec<String>,
    text: String,
    /// What `strata import` said of it: (new events, log position).
    acked: Option<(usize, u64)>,
}

fn make_batch(k: usize, rng: &mut Rng) -> Batch {
    let n = rng.range(1, 7) as usize;
    let mut ids = Vec::with_capacity(n);
    let mut lines = Vec::with_capacity(n);
    for j in 0..n {
        let id = uuid(rng);
        // Now and then an event larger than sled's inline limit, stored apart.
        let pad = if rng.range(0, 40) == 0 { 5_000 } else { rng.range(0, 100) as usize };
        let line = if j == 0 {
            format!(
                r#"{{"id":"{id}","kind":"membership_began","at":"2021-01","subject":{{"id":"m{k}","type":"actor","name":"Member {k}"}},"object":"hub"}}"#
            )
        } else if j == n - 1 && n >= 3 && rng.range(0, 2) == 0 {
            format!(r#"{{"id":"{id}","kind":"membership_ended","at":"2023","subject":"m{k}","object":"hub"}}"#)
        } else {
            format!(
                r#"{{"id":"{id}","kind":"letter_sent","at":"2022-0{j}","subject":"m{k}","object":"hub","attrs":{{"n":{j},"pad":"{}"}}}}"#,
                "x".repeat(pad)
            )
        };
        ids.push(id);
        lines.push(line);
    }
    Batch { name: format!("b{k}.ndjson"), ids, text: lines.join("\n") + "\n", acked: None }
}

/// Parses `b7.ndjson: 3 new events, 0 already stored (log at position 42; ...)`.
fn parse_ack(line: &str) -> Option<(String, usize, u64)> {
    let (name, rest) = line.split_once(": ")?;
    let (new, rest) = rest.split_once(" new events, ")?;
    let position = rest.split_once("(log at position ")?.1.split(';').next()?;
    Some((name.to_owned(), new.parse().ok()?, position.parse().ok()?))
}

/// What one run of the child did.
struct Outcome {
    killed: bool,
    acks: Vec<(String, usize, u64)>,
}

/// Checkpoints every this many events, so that kills also land while one
/// is written, and reopening loads one.
const CHECKPOINT_EVERY: &str = "40";

fn import_and_kill(dir: &Path, data: &Path, log: &[String], files: &[String], delay: Duration) -> Outcome {
    let mut child = strata()
        .args(log)
        .current_dir(dir)
        .env("STRATA_CHECKPOINT_EVERY", CHECKPOINT_EVERY)
        .arg("import")
        .args(files)
        .arg("--data")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let err = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(err).read_to_string(&mut text);
        text
    });
    std::thread::sleep(delay);
    // SIGKILL: no destructor, no flush, no chance to finish a write.
    let _ = child.kill();
    let status = child.wait().expect("the child is reaped");
    let text = reader.join().expect("the reader thread");
    // A line cut short by the kill is not an acknowledgement: only whole
    // lines count.
    let whole = text.rfind('\n').map_or("", |end| &text[..end]);
    let lines: Vec<&str> = whole.lines().collect();
    assert!(!text.contains("panicked"), "the import panicked:\n{text}");
    let killed = status.signal() == Some(9);
    assert!(killed || status.success(), "the import failed on its own ({status}):\n{text}");
    let acks: Vec<_> = lines.iter().filter_map(|l| parse_ack(l)).collect();
    // Anything else it printed is an error it should not have had.
    let acked_lines = lines.iter().filter(|l| parse_ack(l).is_some()).count();
    assert_eq!(acked_lines, lines.len(), "the import printed more than acknowledgements:\n{text}");
    Outcome { killed, acks }
}

/// Checks an NDJSON export (guarantee 3: positions gapless, recorded
/// times strictly increasing, each id once) and returns each id's position.
fn check_log(text: &str) -> HashMap<String, u64> {
    let mut positions = HashMap::new();
    let mut last: Option<Timestamp> = None;
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line).expect("an export line is JSON");
        let position = v["position"].as_u64().expect("an export line has its position");
        assert_eq!(position, i as u64 + 1, "positions have a gap or repeat at line {}", i + 1);
        let at = Timestamp::parse(v["recordedAt"].as_str().expect("recordedAt")).expect("recordedAt parses");
        if let Some(prev) = last {
            assert!(at > prev, "recordedAt does not increase at position {position}: {prev} then {at}");
        }
        last = Some(at);
        let id = v["id"].as_str().expect("an export line has its id").to_owned();
        assert!(positions.insert(id, position).is_none(), "an id is stored twice (position {position})");
    }
    positions
}

/// Opens the store in this process, as `strata export` would, and gives the
/// log as NDJSON and the projection the open rebuilt, read through GraphQL.
fn reopen(data: &Path, log: &[String]) -> (String, Value, bool) {
    let config = match log {
        [_, urls, _, stream] => {
            Some(strata_engine::JetStreamConfig::new(urls.split(',').map(str::to_owned).collect(), stream.clone()))
        }
        _ => None,
    };
    let engine = Engine::open(Config { log: config, ..Config::at(data) })
        .unwrap_or_else(|e| panic!("the store does not open after a kill: {e}"));
    let from_checkpoint = engine.opened().from_checkpoint > 0;
    assert!(!engine.opened().checkpoint_ignored, "a checkpoint written before a kill is whole or absent");
    let export: String = engine.scan(1).map(|r| to_line(&r.expect("the log reads back")) + "\n").collect();
    (export, graph_of(Arc::new(engine)), from_checkpoint)
}

/// The projection of a replay of `export` into an empty store.
fn replay(export: &str) -> Value {
    let engine = Engine::open(Config::in_memory()).unwrap();
    engine.append_text(export, None).unwrap_or_else(|e| panic!("the export does not import: {e}"));
    graph_of(Arc::new(engine))
}

fn graph_of(engine: Arc<Engine>) -> Value {
    let schema = strata_graphql::build_schema(engine, strata_graphql::SchemaConfig::default());
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let response = serde_json::to_value(runtime.block_on(schema.execute(GRAPH))).unwrap();
    sorted(response)
}

/// The hub's relations and the store's counts: every relation of the test
/// touches the hub, so this is the whole graph.
const GRAPH: &str = "{ stats { events entities relations } entity(id: \"hub\") { relations { name role from { id } to { id } validFrom validTo event { id } } } }";

/// A response's data with the relation list sorted, so two stores compare by content.
fn sorted(mut r: Value) -> Value {
    assert!(r.get("errors").is_none(), "{r}");
    let data = &mut r["data"];
    if let Some(list) = data["entity"]["relations"].as_array_mut() {
        list.sort_by_key(|v| v.to_string());
    }
    data.take()
}

/// The kills made on one data directory before the test starts a new one,
/// so that checking the whole log after each kill stays cheap.
const KILLS_PER_STORE: usize = 20;

/// One data directory and every batch ever offered to it.
struct Epoch {
    files: PathBuf,
    data: PathBuf,
    /// `--log URLS --stream NAME` when the log is in JetStream.
    log: Vec<String>,
    batches: Vec<Batch>,
}

impl Epoch {
    /// A new store holding the hub.
    fn new(tmp: &Path, n: usize, nats: Option<&Cluster>) -> Epoch {
        let (files, data) = (tmp.join(format!("files-{n}")), tmp.join(format!("data-{n}")));
        let log = match nats {
            Some(c) => vec!["--log".into(), c.urls(), "--stream".into(), format!("crash-{n}")],
            None => Vec::new(),
        };
        std::fs::create_dir_all(&files).unwrap();
        let hub = r#"{"id":"00000000-0000-4000-8000-000000000001","kind":"entity_declared","at":"2020","subject":{"id":"hub","type":"actor","name":"Hub"}}"#;
        std::fs::write(files.join("hub.ndjson"), hub).unwrap();
        let o = run_on(&data, &log, &["import", files.join("hub.ndjson").to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        Epoch { files, data, log, batches: Vec::new() }
    }

    /// Writes `n` new batch files; returns their names.
    fn fresh(&mut self, n: usize, rng: &mut Rng) -> Vec<String> {
        (0..n)
            .map(|_| {
                let b = make_batch(self.batches.len(), rng);
                std::fs::write(self.files.join(&b.name), &b.text).unwrap();
                let name = b.name.clone();
                self.batches.push(b);
                name
            })
            .collect()
    }

    fn record_acks(&mut self, acks: Vec<(String, usize, u64)>) {
        for (name, new, position) in acks {
            // `b{k}.ndjson` is batch k.
            let k =
                name.strip_prefix('b').and_then(|s| s.strip_suffix(".ndjson")).and_then(|k| k.parse::<usize>().ok());
            let k =
                k.filter(|k| *k < self.batches.len()).unwrap_or_else(|| panic!("an ack for an unknown file {name}"));
            self.batches[k].acked = Some((new, position));
        }
    }

    /// Reopens the store and checks guarantees 1 to 3. With `deep`, also
    /// against a replay of the log into an empty store, and through
    /// `strata export` and `strata query`. Returns (events, batches) stored.
    fn check(&self, deep: bool) -> (usize, usize, bool) {
        let (export, crashed, from_checkpoint) = reopen(&self.data, &self.log);
        let positions = check_log(&export);
        let (mut present, mut stored) = (1, 1); // the hub
        for b in &self.batches {
            let found: Vec<u64> = b.ids.iter().filter_map(|id| positions.get(id).copied()).collect();
            if let Some((new, position)) = b.acked {
                assert_eq!(
                    found.len(),
                    b.ids.len(),
                    "{} was acknowledged, yet {} of its {} events survived",
                    b.name,
                    found.len(),
                    b.ids.len()
                );
                if new == b.ids.len() {
                    assert_eq!(found.last(), Some(&position), "{} was acknowledged at position {position}", b.name);
                }
            }
            if found.is_empty() {
                continue;
            }
            assert_eq!(
                found.len(),
                b.ids.len(),
                "half a batch: {} of {} events of {} survived",
                found.len(),
                b.ids.len(),
                b.name
            );
            let want: Vec<u64> = (found[0]..found[0] + found.len() as u64).collect();
            assert_eq!(found, want, "the events of {} are not stored together, in order", b.name);
            present += 1;
            stored += found.len();
        }
        assert_eq!(positions.len(), stored, "the log holds events no batch wrote");
        // The projection rebuilt on open counts what the log holds ...
        assert_eq!(crashed["stats"]["events"], stored, "{crashed}");
        assert_eq!(crashed["stats"]["entities"], present, "{crashed}");
        if deep {
            // ... and is the one a replay of the log into an empty store builds.
            assert_eq!(crashed, replay(&export), "the projection after a kill differs from a replay of its log");
            let o = run_on(&self.data, &self.log, &["export"]);
            assert!(o.status.success(), "`strata export` fails after a kill: {}", stderr(&o));
            assert!(o.stdout == export.as_bytes(), "`strata export` differs from the log read in process");
            let o = run_on(&self.data, &self.log, &["query", GRAPH]);
            assert!(o.status.success(), "`strata query` fails after a kill: {}", stderr(&o));
            let answer: Value = serde_json::from_slice(&o.stdout).expect("query prints JSON");
            assert_eq!(sorted(answer), crashed, "`strata query` differs from the engine");
        }
        (stored, present, from_checkpoint)
    }
}

/// `strata ARGS LOG --data DIR`.
fn run_on(data: &Path, log: &[String], args: &[&str]) -> std::process::Output {
    strata().args(args).args(log).arg("--data").arg(data).output().expect("the binary runs")
}

#[test]
fn killed_imports_lose_no_acknowledged_batch_and_keep_batches_whole() {
    crash_test(None, 1);
}

#[test]
fn killed_imports_on_a_jetstream_log_lose_no_acknowledged_batch_and_keep_batches_whole() {
    let nats = Cluster::start(1);
    crash_test(Some(&nats), 5);
}

/// The crash test on sled, or on a JetStream log with `1/fewer` of the kills.
fn crash_test(nats: Option<&Cluster>, fewer: usize) {
    let (mut rng, seed) = seeded_rng("STRATA_CRASH_SEED");
    let iterations: usize =
        std::env::var("STRATA_CRASH_ITERATIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(100) / fewer;
    let tmp = tempfile::tempdir().unwrap();
    let mut epoch = Epoch::new(tmp.path(), 0, nats);

    // How long a whole run takes here: kills are spread evenly over it, so
    // they land while the store opens, while files are stored and between them.
    let names = epoch.fresh(20, &mut rng);
    let t = Instant::now();
    let o = strata()
        .args(&epoch.log)
        .current_dir(&epoch.files)
        .env("STRATA_CHECKPOINT_EVERY", CHECKPOINT_EVERY)
        .arg("import")
        .args(&names)
        .arg("--data")
        .arg(&epoch.data)
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(o.status.success(), "{}", stderr(&o));
    epoch.record_acks(stderr(&o).lines().map(|l| parse_ack(l).unwrap_or_else(|| panic!("not an ack: {l}"))).collect());
    let mut max_delay_ms = (took.as_millis() as u64 * 5 / 4).max(20);
    eprintln!("a run of 20 files takes {took:?}; kills come 0..{max_delay_ms} ms after the start");

    let started = Instant::now();
    let (mut kills, mut runs, mut acks, mut retries, mut stored_total, mut from_checkpoint) = (0, 0, 0, 0, 0, 0);
    while kills < iterations {
        runs += 1;
        assert!(runs <= iterations * 3, "seed {seed}: the import kept finishing before the kill");
        // A client retries what was not acknowledged, then sends new files.
        let mut names: Vec<String> =
            epoch.batches.iter().filter(|b| b.acked.is_none()).map(|b| b.name.clone()).collect();
        retries += names.len();
        let n = rng.range(5, 30) as usize;
        names.extend(epoch.fresh(n, &mut rng));
        let delay = Duration::from_millis(rng.range(0, max_delay_ms));
        let t = Instant::now();
        let outcome = import_and_kill(&epoch.files, &epoch.data, &epoch.log, &names, delay);
        kills += usize::from(outcome.killed);
        if !outcome.killed {
            // The machine got faster than at calibration: aim inside the run.
            max_delay_ms = (t.elapsed().as_millis() as u64 * 9 / 10).clamp(20, max_delay_ms);
        }
        acks += outcome.acks.len();
        epoch.record_acks(outcome.acks);
        // The deep check costs a replay and two runs of the binary: every
        // fifth kill, and the last of each store.
        let deep = kills % 5 == 0 || kills == iterations;
        // A failure's message comes with the seed printed at the start.
        let (stored, present, checkpointed) = epoch.check(deep);
        from_checkpoint += usize::from(checkpointed);
        if kills % KILLS_PER_STORE == 0 && outcome.killed || kills == iterations {
            eprintln!(
                "after {kills} kills ({runs} runs, {:.1}s): {stored} events in {present} of {} batches",
                started.elapsed().as_secs_f64(),
                epoch.batches.len() + 1
            );
            stored_total += stored;
            epoch = Epoch::new(tmp.path(), kills, nats);
        }
    }
    eprintln!(
        "seed {seed}: survived {kills} kills in {runs} runs ({:.1}s); {acks} acknowledgements, {retries} retried files, \
         {stored_total} events checked; {from_checkpoint} reopens started from a checkpoint",
        started.elapsed().as_secs_f64()
    );
    assert!(
        iterations < 10 || from_checkpoint > 0,
        "seed {seed}: no reopen used a checkpoint; the test no longer covers them"
    );
}
