//! Backup while serving, in process: an export taken from one snapshot while
//! writers append is a prefix of the final log that ends at a batch
//! boundary, and restored into an empty store it answers every query as the
//! live store answers it at that prefix's `knownAt`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::{Request, Variables};
use serde_json::{json, Value};
use strata_core::{to_line, EventId};
use strata_engine::{Config, Engine, JetStreamConfig};
use strata_graphql::{build_schema, SchemaConfig};

use crate::support::{demo_file, seeded_rng};
use strata_gen::Rng;
use strata_testkit::nats::Cluster;

/// An NDJSON export of what one snapshot sees: the log up to its position.
fn export(engine: &Engine) -> (String, String) {
    let snap = engine.snapshot();
    let mut text = String::new();
    for rec in engine.scan(1) {
        let rec = rec.expect("the log reads back");
        if rec.position > snap.position() {
            break;
        }
        text.push_str(&to_line(&rec));
        text.push('\n');
    }
    (text, snap.known_at().to_string())
}

/// Questions over the whole graph, each with the `knownAt` to ask at (null: latest).
const QUESTIONS: &str = r#"query($k: DateTime) {
  stats(knownAt: $k) { events entities relations lastRecordedAt }
  entities(knownAt: $k, first: 1000) { edges { node { id type name attrs
    relations { name role from { id } to { id } validFrom validTo event { id recordedAt position } } } } }
  events(knownAt: $k, first: 1000, includeRetracted: true) { edges { node { id kind at position recordedAt retractedBy { id } } } }
  path(from: "bytedance", to: "nvidia", knownAt: $k) { hops }
  neighborhood(id: "cn-miit", hops: 2, knownAt: $k) { nodes { id } edges { name from { id } to { id } } }
  diff(from: "2025-01-01", to: "2026-06-01", knownAt: $k) { added { name from { id } to { id } } removed { name from { id } to { id } } }
}"#;

fn answers(engine: Arc<Engine>, known_at: Option<&str>) -> Value {
    let schema = build_schema(engine, SchemaConfig::default());
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let request = Request::new(QUESTIONS).variables(Variables::from_json(json!({ "k": known_at })));
    let response = serde_json::to_value(runtime.block_on(schema.execute(request))).unwrap();
    assert!(response.get("errors").is_none(), "{response}");
    response["data"].clone()
}

#[test]
fn an_export_taken_while_writers_append_restores_to_the_same_answers() {
    backup_test(None);
}

#[test]
fn an_export_of_a_jetstream_log_taken_while_writers_append_restores_to_the_same_answers() {
    let nats = Cluster::start(1);
    backup_test(Some(JetStreamConfig::new(nats.url_list(), "strata")));
}

/// The live store on sled, or its log in a JetStream stream.
fn backup_test(log: Option<JetStreamConfig>) {
    let (mut rng, seed) = seeded_rng("STRATA_BACKUP_SEED");
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(Engine::open(Config { log, ..Config::at(dir.path().join("live")) }).unwrap());
    let demo = std::fs::read_to_string(demo_file()).unwrap();
    let first = engine.append_text(&demo, None).unwrap();

    // Every position at which a batch ended.
    let boundaries = Mutex::new(BTreeSet::from([0, first.position]));
    let stop = AtomicBool::new(false);
    let mut exports = Vec::new();
    std::thread::scope(|s| {
        for w in 0..2u64 {
            let (engine, boundaries, stop) = (&engine, &boundaries, &stop);
            let mut rng = Rng::new(seed ^ (w + 7));
            s.spawn(move || {
                let mut i = 0;
                let mut own = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let member = format!("b{w}-{i}");
                    let mut batch = format!(
                        r#"{{"kind":"membership_began","at":"2026-0{}","subject":{{"id":"{member}","type":"actor"}},"object":"deepseek"}}"#,
                        1 + rng.range(0, 9)
                    );
                    for _ in 0..rng.range(0, 3) {
                        batch.push_str(&format!("\n{{\"kind\":\"letter_sent\",\"at\":\"2026-03\",\"subject\":\"{member}\",\"object\":\"cn-miit\"}}"));
                    }
                    let outcome = engine.append_text(&batch, None).unwrap();
                    own.push(outcome.events[0].event.id);
                    let mut b = boundaries.lock().unwrap();
                    b.insert(outcome.position);
                    // Now and then withdraw an earlier membership, or end one.
                    if rng.range(0, 5) == 0 {
                        let victim: EventId = own.swap_remove(rng.range(0, own.len() as u64) as usize);
                        let rec = engine.retract(victim, "backup test", None, None).unwrap();
                        b.insert(rec.position);
                    }
                }
            });
        }
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(rng.range(50, 400)));
            exports.push(export(&engine));
        }
        stop.store(true, Ordering::Relaxed);
    });

    let (full, _) = export(&engine);
    let boundaries = boundaries.into_inner().unwrap();
    let mut sizes = Vec::new();
    for (text, known_at) in &exports {
        let lines = text.lines().count() as u64;
        sizes.push(lines);
        assert!(
            full.starts_with(text.as_str()),
            "seed {seed}: an export of {lines} events is not a prefix of the final log"
        );
        assert!(boundaries.contains(&lines), "seed {seed}: an export of {lines} events ends inside a batch");

        let restored = Engine::open(Config::at(dir.path().join(format!("restore-{lines}")))).unwrap();
        restored.append_text(text, None).unwrap_or_else(|e| panic!("seed {seed}: the export does not restore: {e}"));
        let (again, _) = export(&restored);
        assert!(again == *text, "seed {seed}: the restored store exports other bytes");
        let want = answers(engine.clone(), Some(known_at));
        let got = answers(Arc::new(restored), None);
        assert!(
            want == got,
            "seed {seed}: the restore of {lines} events answers differently:\nlive: {want}\nrestored: {got}"
        );
    }
    eprintln!(
        "seed {seed}: exports of {sizes:?} events while writers appended, final log {} events",
        full.lines().count()
    );
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]));
    assert!(sizes.last() > sizes.first(), "the writers appended nothing while the exports ran");
}
