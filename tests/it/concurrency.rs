//! Concurrency through the GraphQL schema, in process: writers append (and
//! retract) through mutations while readers run `path` and `neighborhood`
//! and a subscriber follows `eventAppended` from the first position. Every
//! acknowledged event must be in the log exactly once, the subscriber must
//! see the whole log in order without a gap, and no reader may get an error.
//!
//! `STRATA_CONCURRENCY_SECS` (default 3) sets how long the writers run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::futures_util::StreamExt;
use async_graphql::{Request, Variables};
use serde_json::{json, Value};
use strata_engine::{Config, Engine};
use strata_graphql::{build_schema, SchemaConfig, StrataSchema};

use crate::support::{demo_file, demo_len, seeded_rng, uuid};
use strata_gen::Rng;

const WRITERS: u64 = 3;
const READERS: u64 = 3;

async fn execute(schema: &StrataSchema, query: &str, vars: Value) -> Value {
    let response = schema.execute(Request::new(query).variables(Variables::from_json(vars))).await;
    serde_json::to_value(response).expect("a response is JSON")
}

const APPEND: &str =
    "mutation($events: [EventInput!]!) { appendEvents(events: $events) { position appended events { id position } } }";
const RETRACT: &str = "mutation($id: ID!) { retractEvent(id: $id, reason: \"test\") { id position } }";

/// One writer: appends batches of 1 to 4 events (a new member of an agency
/// or company of the demo, and letters) and now and then retracts one of
/// its own letters. Returns every (id, position) acknowledged.
async fn writer(schema: StrataSchema, w: u64, seed: u64, stop: Arc<AtomicBool>) -> Vec<(String, u64)> {
    let mut rng = Rng::new(seed ^ (w + 1).wrapping_mul(0x9e37_79b9));
    let mut acked = Vec::new();
    let mut letters = Vec::new();
    let targets = ["cn-miit", "deepseek", "bytedance", "nvidia", "huawei"];
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let member = format!("w{w}-{i}");
        let target = targets[rng.range(0, targets.len() as u64) as usize];
        let mut events = vec![json!({
            "id": uuid(&mut rng), "kind": "letter_sent", "at": "2026-03-01",
            "subject": {"id": member, "type": "ACTOR", "name": format!("Writer {w} member {i}")},
            "object": {"id": target},
        })];
        for _ in 0..rng.range(0, 4) {
            let other = targets[rng.range(0, targets.len() as u64) as usize];
            events.push(json!({"id": uuid(&mut rng), "kind": "letter_sent", "at": "2026-03-02", "subject": {"id": member}, "object": {"id": other}}));
        }
        let r = execute(&schema, APPEND, json!({ "events": events })).await;
        assert!(r.get("errors").is_none(), "writer {w}: {r}");
        let result = &r["data"]["appendEvents"];
        for e in result["events"].as_array().expect("events") {
            let id = e["id"].as_str().expect("id").to_owned();
            letters.push(id.clone());
            acked.push((id, e["position"].as_u64().expect("position")));
        }
        if rng.range(0, 8) == 0 {
            let victim = letters.swap_remove(rng.range(0, letters.len() as u64) as usize);
            let r = execute(&schema, RETRACT, json!({ "id": victim })).await;
            assert!(r.get("errors").is_none(), "writer {w} retracting {victim}: {r}");
            let e = &r["data"]["retractEvent"];
            acked.push((e["id"].as_str().expect("id").to_owned(), e["position"].as_u64().expect("position")));
        }
    }
    acked
}

/// One reader: paths and neighborhoods over the demo and the writers'
/// members until told to stop; returns how many queries it ran.
async fn reader(schema: StrataSchema, r: u64, seed: u64, stop: Arc<AtomicBool>) -> u64 {
    let mut rng = Rng::new(seed ^ (r + 100).wrapping_mul(0x9e37_79b9));
    let mut queries = 0;
    let mut last_events = 0;
    while !stop.load(Ordering::Relaxed) {
        let (doc, vars) = match rng.range(0, 3) {
            0 => (
                "query($from: ID!, $to: ID!) { path(from: $from, to: $to, maxHops: 6) { hops steps { from { id } relation { name } to { id } } } stats { events } }",
                json!({"from": "bytedance", "to": "nvidia"}),
            ),
            1 => (
                "query($id: ID!) { neighborhood(id: $id, hops: 2) { nodes { id } edges { name from { id } to { id } } } stats { events } }",
                json!({"id": "cn-miit"}),
            ),
            _ => (
                "query($from: ID!, $to: ID!) { path(from: $from, to: $to, maxHops: 4) { hops } stats { events } }",
                json!({"from": format!("w{}-1", rng.range(0, WRITERS)), "to": "huawei"}),
            ),
        };
        let resp = execute(&schema, doc, vars).await;
        assert!(resp.get("errors").is_none(), "reader {r}: {resp}");
        let events = resp["data"]["stats"]["events"].as_u64().expect("stats");
        assert!(events >= last_events, "reader {r}: the log went back from {last_events} to {events} events");
        last_events = events;
        if let Some(n) = resp["data"]["neighborhood"]["nodes"].as_array() {
            assert!(!n.is_empty(), "reader {r}: the neighborhood of a demo entity is empty");
        }
        if doc.contains("bytedance") {
            assert!(resp["data"]["path"]["hops"].as_u64().is_some(), "reader {r}: the demo's path vanished: {resp}");
        }
        queries += 1;
        tokio::task::yield_now().await;
    }
    queries
}

/// The subscriber: follows the log from position 1 until it has seen
/// `target` (set once the writers stop), resubscribing after a LAGGED error
/// as a client must. Returns (position, id) in the order received and how
/// often it resubscribed.
async fn subscriber(schema: StrataSchema, target: Arc<std::sync::atomic::AtomicU64>) -> (Vec<(u64, String)>, u64) {
    let mut seen: Vec<(u64, String)> = Vec::new();
    let mut resubscribed = 0;
    'outer: loop {
        let from = seen.last().map_or(1, |(p, _)| p + 1);
        let doc = format!("subscription {{ eventAppended(fromPosition: {from}) {{ position id }} }}");
        let mut stream = schema.execute_stream(doc);
        let mut idle = Duration::ZERO;
        loop {
            let t = target.load(Ordering::Acquire);
            if t != 0 && seen.last().is_some_and(|(p, _)| *p >= t) {
                break 'outer;
            }
            // Wake up now and then to see whether the writers are done.
            let tick = Duration::from_millis(100);
            let Ok(next) = tokio::time::timeout(tick, stream.next()).await else {
                idle += tick;
                assert!(idle < Duration::from_secs(30), "the subscriber waited 30 s after {} events", seen.len());
                continue;
            };
            idle = Duration::ZERO;
            let response = serde_json::to_value(next.expect("the stream goes on")).expect("json");
            if let Some(errors) = response.get("errors") {
                assert_eq!(errors[0]["extensions"]["code"], "LAGGED", "{response}");
                resubscribed += 1;
                continue 'outer;
            }
            let e = &response["data"]["eventAppended"];
            seen.push((e["position"].as_u64().expect("position"), e["id"].as_str().expect("id").to_owned()));
        }
    }
    (seen, resubscribed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_readers_and_a_subscriber_see_one_gapless_log() {
    let (_, seed) = seeded_rng("STRATA_CONCURRENCY_SEED");
    let secs: f64 = std::env::var("STRATA_CONCURRENCY_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(Engine::open(Config::at(dir.path())).unwrap());
    engine.append_text(&std::fs::read_to_string(demo_file()).unwrap(), None).unwrap();
    let schema = build_schema(engine.clone(), SchemaConfig::default());

    let stop = Arc::new(AtomicBool::new(false));
    let target = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sub = tokio::spawn(subscriber(schema.clone(), target.clone()));
    let writers: Vec<_> = (0..WRITERS).map(|w| tokio::spawn(writer(schema.clone(), w, seed, stop.clone()))).collect();
    let readers: Vec<_> = (0..READERS).map(|r| tokio::spawn(reader(schema.clone(), r, seed, stop.clone()))).collect();

    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.expect("a writer failed"));
    }
    let mut queries = 0;
    for r in readers {
        queries += r.await.expect("a reader failed");
    }
    let head = engine.head().position;
    target.store(head, Ordering::Release);
    let (seen, resubscribed) = sub.await.expect("the subscriber failed");
    let elapsed = started.elapsed().as_secs_f64();

    // The log: gapless, each id once, each acknowledged id where it was acknowledged.
    let log: Vec<(u64, String)> =
        engine.scan(1).map(|r| r.unwrap()).map(|r| (r.position, r.event.id.to_string())).collect();
    assert_eq!(log.len() as u64, head);
    let mut at: HashMap<&str, u64> = HashMap::new();
    for (i, (position, id)) in log.iter().enumerate() {
        assert_eq!(*position, i as u64 + 1, "the log has a gap");
        assert!(at.insert(id, *position).is_none(), "event {id} is in the log twice");
    }
    for (id, position) in &acked {
        assert_eq!(at.get(id.as_str()), Some(position), "acknowledged event {id} is not in the log at {position}");
    }
    // The demo's events, and nothing but what the writers were told was stored.
    assert_eq!(acked.len() as u64 + demo_len(), head, "the log holds events no writer had acknowledged");
    // The subscriber saw exactly the log, in order.
    assert!(seen == log, "the subscriber's view differs from the log (saw {} of {} events)", seen.len(), log.len());

    eprintln!(
        "seed {seed}: {} events appended by {WRITERS} writers in {elapsed:.1}s ({:.0}/s), {queries} reader queries, \
         subscriber saw {} events ({resubscribed} resubscriptions)",
        acked.len(),
        acked.len() as f64 / elapsed,
        seen.len()
    );
}
