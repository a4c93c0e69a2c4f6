//! Two strata nodes on a three-server NATS JetStream cluster (an R3
//! stream), on loopback, behave as one store: writers append through both
//! at once while the stream's leader, then a follower, then a strata node
//! are killed with SIGKILL and restarted; afterwards no acknowledged event
//! is lost or doubled (also when a client retries the same ids after a
//! failure), positions are gapless, every batch is whole or absent, both
//! nodes export the same bytes and answer the same queries at the same
//! position, and the restarted node came back from its checkpoint. The
//! name index and merges are the same on both nodes: what one node writes
//! (aliases, a `same_as`, its retraction) the other's `search`,
//! `duplicates` and entities answer, and reads before a merge do not change.
//!
//! `STRATA_NATS_ROUNDS` (default 1) repeats the kills; `STRATA_NATS_SEED`
//! repeats a run's choices.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use strata_gen::Rng;

use crate::support::{demo_file, seeded_rng, stderr, stdout, strata, uuid, Server, TOKEN};
use strata_testkit::nats::Cluster;

const APPEND: &str =
    "mutation($events: [EventInput!]!) { appendEvents(events: $events) { position appended events { id position } } }";

/// `strata serve` on the shared log, on `port` (0: any), checkpointing
/// every 100 events into `data`.
fn node(cluster: &Cluster, data: &Path, port: u16) -> Server {
    let mut cmd = strata();
    cmd.args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--log", &cluster.urls(), "--replicas", "3", "--log-timeout", "3"])
        .args(["--checkpoint-every", "100"])
        .arg("--data")
        .arg(data)
        .env("STRATA_TOKEN", TOKEN)
        .env("RUST_LOG", "warn,strata_engine=info,strata_store=info");
    Server::spawn(cmd, Some(TOKEN.to_owned()))
}

fn port_of(server: &Server) -> u16 {
    server.url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("the server's port")
}

/// What one HTTP request gave: the status and body, or why there was none.
fn request(url: &str, method: &str, path: &str, body: &str, headers: &[(&str, &str)]) -> Result<(u16, String), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let mut req = ureq::http::Request::builder().method(method).uri(format!("{url}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(body.to_owned()).map_err(|e| e.to_string())?;
    let mut resp = agent.run(req).map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok((status, text))
}

fn graphql(url: &str, query: &str, variables: Value, extra: &[(&str, &str)]) -> Result<(u16, Value), String> {
    let auth = format!("Bearer {TOKEN}");
    let mut headers = vec![("Content-Type", "application/json"), ("Authorization", auth.as_str())];
    headers.extend_from_slice(extra);
    let body = json!({"query": query, "variables": variables}).to_string();
    let (status, text) = request(url, "POST", "/graphql", &body, &headers)?;
    serde_json::from_str(&text).map(|v| (status, v)).map_err(|e| format!("not JSON ({e}): {text}"))
}

/// How a batch offered by a writer ended.
#[derive(Debug, Clone, PartialEq)]
enum Fate {
    /// Acknowledged: each id at its position.
    Acked(Vec<u64>),
    /// Refused with CONFLICT on its only attempt: nothing stored.
    Refused,
    /// Never answered with success: stored whole or not at all.
    Unknown,
}

struct Offered {
    ids: Vec<String>,
    fate: Fate,
}

/// The URL each node answers on now (a restarted node keeps its port).
type Urls = Arc<Vec<String>>;

/// One writer: batches of 1 to 5 letters through node `w % 2`; a batch that
/// gets no answer is sent again, same ids, through the other node.
fn writer(w: u64, seed: u64, urls: Urls, stop: Arc<AtomicBool>, counts: Arc<Counts>) -> Vec<Offered> {
    let mut rng = Rng::new(seed ^ (w + 1).wrapping_mul(0x9e37_79b9));
    let mut offered = Vec::new();
    let targets = ["cn-miit", "deepseek", "bytedance", "nvidia", "huawei"];
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let member = format!("w{w}-{i}");
        let n = rng.range(1, 6);
        let mut events = Vec::new();
        for k in 0..n {
            let target = targets[rng.range(0, targets.len() as u64) as usize];
            let subject = if k == 0 {
                json!({"id": member, "type": "ACTOR", "name": format!("Writer {w} member {i}")})
            } else {
                json!({"id": member})
            };
            events.push(json!({"id": uuid(&mut rng), "kind": "letter_sent", "at": "2026-03-01", "subject": subject, "object": {"id": target}}));
        }
        let ids: Vec<String> = events.iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
        let mut fate = Fate::Unknown;
        let mut answered_conflict_only = true;
        for attempt in 0..40u64 {
            let url = &urls[((w + attempt) % 2) as usize];
            match graphql(url, APPEND, json!({ "events": events }), &[]) {
                Ok((200, r)) if r["data"]["appendEvents"].is_object() => {
                    let positions = r["data"]["appendEvents"]["events"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| e["position"].as_u64().unwrap())
                        .collect();
                    fate = Fate::Acked(positions);
                    counts.acked.fetch_add(1, Ordering::Relaxed);
                    if attempt > 0 {
                        counts.retried_acked.fetch_add(1, Ordering::Relaxed);
                    }
                    break;
                }
                Ok((_, r)) if r["errors"][0]["extensions"]["code"] == "CONFLICT" => {
                    counts.conflicts.fetch_add(1, Ordering::Relaxed);
                    if answered_conflict_only {
                        fate = Fate::Refused;
                        break;
                    }
                }
                Ok((_, r)) => {
                    let code = r["errors"][0]["extensions"]["code"].as_str().unwrap_or("").to_owned();
                    assert!(
                        ["UNAVAILABLE", "TIMEOUT"].contains(&code.as_str()),
                        "writer {w}: an append failed other than UNAVAILABLE or CONFLICT: {r}"
                    );
                    counts.unavailable.fetch_add(1, Ordering::Relaxed);
                    answered_conflict_only = false;
                }
                Err(_) => {
                    counts.no_answer.fetch_add(1, Ordering::Relaxed);
                    answered_conflict_only = false;
                }
            }
            std::thread::sleep(Duration::from_millis(150));
        }
        offered.push(Offered { ids, fate });
        std::thread::sleep(Duration::from_millis(rng.range(0, 20)));
    }
    offered
}

#[derive(Default)]
struct Counts {
    acked: AtomicU64,
    retried_acked: AtomicU64,
    conflicts: AtomicU64,
    unavailable: AtomicU64,
    no_answer: AtomicU64,
}

/// Waits until the node's /readyz says it has applied the whole stream.
fn wait_ready(url: &str, limit: Duration) -> String {
    let started = Instant::now();
    loop {
        if let Ok((200, text)) = request(url, "GET", "/readyz", "", &[]) {
            return text;
        }
        assert!(started.elapsed() < limit, "{url} is not ready after {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn export(url: &str) -> String {
    let (status, text) = request(url, "GET", "/export", "", &[("Authorization", &format!("Bearer {TOKEN}"))]).unwrap();
    assert_eq!(status, 200, "{text}");
    text
}

/// Waits until `server`'s log has a line containing `what`.
fn wait_log(server: &Server, what: &str, limit: Duration) -> String {
    let started = Instant::now();
    loop {
        if let Some(line) = server.log_lines().into_iter().find(|l| l.contains(what)) {
            return line;
        }
        assert!(started.elapsed() < limit, "no log line with {what:?}:\n{}", server.log_lines().join("\n"));
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_nodes_on_a_three_server_cluster_are_one_store_through_kills() {
    let (_, seed) = seeded_rng("STRATA_NATS_SEED");
    let rounds: usize = std::env::var("STRATA_NATS_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut cluster = Cluster::start(3);
    let dirs = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dirs.path().join("a"), dirs.path().join("b"));

    // The demo through `strata import --log`, creating the R3 stream.
    let o = strata()
        .args(["import", demo_file().to_str().unwrap(), "--log", &cluster.urls(), "--replicas", "3"])
        .arg("--data")
        .arg(dirs.path().join("importer"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    let a = node(&cluster, &data_a, 0);
    let mut b = node(&cluster, &data_b, 0);
    let port_b = port_of(&b);
    let urls: Urls = Arc::new(vec![a.url.clone(), b.url.clone()]);
    wait_ready(&a.url, Duration::from_secs(30));
    wait_ready(&b.url, Duration::from_secs(30));

    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (urls, stop, counts) = (urls.clone(), stop.clone(), counts.clone());
            std::thread::spawn(move || writer(w, seed, urls, stop, counts))
        })
        .collect();

    let mut kills = Vec::new();
    for _ in 0..rounds {
        std::thread::sleep(Duration::from_secs(2));
        let leader = cluster.leader("strata").expect("the stream has a leader");
        cluster.kill(leader);
        kills.push(format!("stream leader {}", cluster.nodes[leader].name));
        std::thread::sleep(Duration::from_secs(3));
        cluster.restart(leader);
        cluster.wait_healthy(Duration::from_secs(60));

        std::thread::sleep(Duration::from_secs(2));
        let leader = cluster.leader("strata").expect("the stream has a leader");
        let follower = (leader + 1) % cluster.nodes.len();
        cluster.kill(follower);
        kills.push(format!("stream follower {}", cluster.nodes[follower].name));
        std::thread::sleep(Duration::from_secs(3));
        cluster.restart(follower);
        cluster.wait_healthy(Duration::from_secs(60));

        std::thread::sleep(Duration::from_secs(2));
        drop(b); // SIGKILL
        kills.push("strata node b".into());
        std::thread::sleep(Duration::from_secs(1));
        b = node(&cluster, &data_b, port_b);
        let ready = wait_log(&b, "projection ready", Duration::from_secs(30));
        assert!(!ready.contains("from_checkpoint=0"), "node b did not start from its checkpoint: {ready}");
        // Nor from the whole stream: its copy of the stream on disk, then
        // only the messages after it.
        let read = wait_log(&b, "this node's copy, then the stream", Duration::from_secs(5));
        assert!(read.contains("from_copy=") && !read.contains("from_copy=0 "), "node b read the whole stream: {read}");
    }
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    let offered: Vec<Offered> = writers.into_iter().flat_map(|h| h.join().unwrap()).collect();
    eprintln!(
        "kills survived: {} ({}); batches: {} offered, {} acknowledged ({} after a retry), {} CONFLICT answers, \
         {} UNAVAILABLE answers, {} requests without an answer",
        kills.len(),
        kills.join(", "),
        offered.len(),
        counts.acked.load(Ordering::Relaxed),
        counts.retried_acked.load(Ordering::Relaxed),
        counts.conflicts.load(Ordering::Relaxed),
        counts.unavailable.load(Ordering::Relaxed),
        counts.no_answer.load(Ordering::Relaxed)
    );

    // Both nodes catch up with the stream and export the same bytes.
    wait_ready(&a.url, Duration::from_secs(60));
    wait_ready(&b.url, Duration::from_secs(60));
    let mut log_a = export(&a.url);
    let mut log_b = export(&b.url);
    let started = Instant::now();
    while log_a.lines().count() != log_b.lines().count() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        (log_a, log_b) = (export(&a.url), export(&b.url));
    }
    assert_eq!(log_a, log_b, "the two nodes export different logs");

    // Positions gapless, recorded times increasing, ids once each.
    let lines: Vec<Value> = log_a.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut at: HashMap<String, u64> = HashMap::new();
    let mut last_time = String::new();
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["position"].as_u64(), Some(i as u64 + 1), "a gap or a jump at line {}", i + 1);
        let t = line["recordedAt"].as_str().unwrap().to_owned();
        assert!(t > last_time, "recordedAt does not increase at position {}: {t} after {last_time}", i + 1);
        last_time = t;
        let id = line["id"].as_str().unwrap().to_owned();
        assert!(at.insert(id.clone(), i as u64 + 1).is_none(), "event {id} is in the log twice");
    }
    // Every acknowledged event where it was acknowledged; every batch whole
    // at consecutive positions or absent; nothing refused stored.
    let mut ours = HashSet::new();
    for o in &offered {
        let found: Vec<Option<u64>> = o.ids.iter().map(|id| at.get(id).copied()).collect();
        ours.extend(o.ids.iter().cloned());
        match &o.fate {
            Fate::Acked(positions) => {
                let want: Vec<Option<u64>> = positions.iter().copied().map(Some).collect();
                assert_eq!(found, want, "an acknowledged batch is not where it was acknowledged");
            }
            Fate::Refused => assert!(found.iter().all(Option::is_none), "a refused batch was stored: {found:?}"),
            Fate::Unknown => {}
        }
        if found.iter().any(Option::is_some) {
            let first = found[0].expect("a batch stored in part");
            let whole: Vec<Option<u64>> = (first..first + found.len() as u64).map(Some).collect();
            assert_eq!(found, whole, "a batch is stored in part or not at consecutive positions");
        }
    }
    let demo = std::fs::read_to_string(demo_file()).unwrap().lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(lines.iter().filter(|l| !ours.contains(l["id"].as_str().unwrap())).count(), demo);

    // The same answers at the same position on both nodes.
    let position = lines.len().to_string();
    let q = "{ stats { events entities relations } entity(id: \"deepseek\") { name relations { name from { id } to { id } } } }";
    let wait = [("Strata-Wait-For-Position", position.as_str())];
    let (_, ra) = graphql(&a.url, q, json!({}), &wait).unwrap();
    let (_, rb) = graphql(&b.url, q, json!({}), &wait).unwrap();
    assert!(ra.get("errors").is_none(), "{ra}");
    assert_eq!(ra, rb, "the nodes answer differently at position {position}");
    assert_eq!(ra["data"]["stats"]["events"].as_u64(), Some(lines.len() as u64));

    // And so does `strata export --log`, from the stream itself.
    let o = strata()
        .args(["export", "--log", &cluster.urls()])
        .arg("--data")
        .arg(dirs.path().join("exporter"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), log_a);
    let o = strata().args(["verify", "--log", &cluster.urls()]).arg("--data").arg(&data_a).output().unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// Waits until `url`'s /readyz answers `status`; returns its text.
fn wait_readyz(url: &str, status: u16, limit: Duration) -> String {
    let started = Instant::now();
    loop {
        if let Ok((s, text)) = request(url, "GET", "/readyz", "", &[]) {
            if s == status {
                return text;
            }
        }
        assert!(started.elapsed() < limit, "{url}/readyz never answered {status} in {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

const SUBSCRIBE: &str = "subscription($from: Int) { eventAppended(fromPosition: $from) { id position } }";

#[test]
fn reads_follow_writes_across_nodes_and_a_stream_without_quorum_refuses_writes() {
    let mut cluster = Cluster::start(3);
    let dirs = tempfile::tempdir().unwrap();
    let a = node(&cluster, &dirs.path().join("a"), 0);
    let b = node(&cluster, &dirs.path().join("b"), 0);
    wait_ready(&a.url, Duration::from_secs(30));
    wait_ready(&b.url, Duration::from_secs(30));

    // A subscriber on b from the first position sees every event, in order,
    // whichever node wrote it.
    let mut ws = b.ws_init(json!({"token": TOKEN}));
    crate::support::ws_send(
        &mut ws,
        json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {"from": 1}}}),
    );

    // Read-your-writes: a write through a, read through b at its position.
    let events: Vec<Value> = (0..70)
        .map(|i| {
            json!({"id": format!("7d0c1c1e-3b7a-4c55-9d1e-{i:012x}"), "kind": "letter_sent", "at": "2026-03-01",
                   "subject": {"id": format!("writer-{}", i % 7), "type": "ACTOR"},
                   "object": {"id": format!("agency-{}", i % 5), "type": "AGENCY"}})
        })
        .collect();
    let (first, rest) = events.split_at(40);
    assert_eq!(append_taken(&a.url, &json!(first))["position"], 40);
    assert_eq!(append_taken(&b.url, &json!(rest))["position"], events.len());
    let last = events.len() as u64;
    let wait = last.to_string();
    let (status, r) =
        graphql(&a.url, "{ stats { events } }", json!({}), &[("Strata-Wait-For-Position", wait.as_str())]).unwrap();
    assert_eq!((status, r["data"]["stats"]["events"].as_u64()), (200, Some(last)), "{r}");
    // A position no node has: refused after the wait asked for, UNAVAILABLE.
    let far = (last + 1000).to_string();
    let (status, r) = graphql(
        &b.url,
        "{ stats { events } }",
        json!({}),
        &[("Strata-Wait-For-Position", far.as_str()), ("Strata-Wait-Timeout-Ms", "300")],
    )
    .unwrap();
    assert_eq!(status, 503, "{r}");
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{r}");
    let mut seen = Vec::new();
    while seen.len() < events.len() {
        match crate::support::ws_recv(&mut ws) {
            crate::support::WsEvent::Message(m) if m["type"] == "next" => {
                seen.push(m["payload"]["data"]["eventAppended"]["position"].as_u64().unwrap())
            }
            other => panic!("the subscription on b ended: {other:?}"),
        }
    }
    assert_eq!(seen, (1..=last).collect::<Vec<_>>());

    // Two of three servers gone: the stream has no quorum. A write is
    // refused with UNAVAILABLE and its reason, never acknowledged; reads go
    // on from what the node has, and /readyz says it is behind.
    cluster.kill(0);
    cluster.kill(1);
    let lone = json!([{"id": "7d0c1c1e-3b7a-4c55-9d1e-5a1b2c3d4e5f", "kind": "letter_sent", "at": "2026-03-02",
                       "subject": {"id": "writer-1"}, "object": {"id": "agency-2"}}]);
    let (_, r) = graphql(&a.url, APPEND, json!({ "events": lone }), &[]).unwrap();
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{r}");
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("unavailable") && message.contains("nothing was stored"), "{message}");
    let (status, r) = graphql(&b.url, "{ stats { events } }", json!({}), &[]).unwrap();
    assert_eq!((status, r["data"]["stats"]["events"].as_u64()), (200, Some(last)), "{r}");
    let why = wait_readyz(&a.url, 503, Duration::from_secs(30));
    assert!(why.starts_with("behind:"), "{why}");

    // Back to a quorum: the same write goes through, once, and both nodes see it.
    cluster.restart(0);
    cluster.restart(1);
    cluster.wait_healthy(Duration::from_secs(60));
    let started = Instant::now();
    let position = loop {
        let (_, r) = graphql(&b.url, APPEND, json!({ "events": lone }), &[]).unwrap();
        if let Some(p) = r["data"]["appendEvents"]["position"].as_u64() {
            break p;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "writes never came back: {r}");
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(position, last + 1);
    wait_readyz(&a.url, 200, Duration::from_secs(30));
    wait_readyz(&b.url, 200, Duration::from_secs(30));
    assert_eq!(export(&a.url), export(&b.url));
    assert_eq!(export(&a.url).lines().count() as u64, last + 1);
}

/// Everything a user asks of one party's names, at `$known` (null: now).
const NAMES: &str = r#"query($known: DateTime) {
  csl: entity(id: "huawei-technologies-co-ltd", knownAt: $known) { ...party }
  other: entity(id: "huawei-technologies", knownAt: $known) { ...party }
  typo: search(text: "Huawei Technolgies", knownAt: $known) { entity { id } score matched }
  reordered: search(text: "technologies, huawei", knownAt: $known) { entity { id } score matched }
  alias: search(text: "华为技术有限公司", knownAt: $known) { entity { id } matched }
  duplicates(id: "huawei-technologies", knownAt: $known) { entity { id } score matched }
  stats(knownAt: $known) { entities }
}
fragment party on Entity { id name names mergedIds relations { name from { id } to { id } } }"#;

/// The two ids one party goes by in this test.
const PARTY: [&str; 2] = ["huawei-technologies-co-ltd", "huawei-technologies"];

/// Appends `events` (each with its id) through `url` and returns the
/// `appendEvents` answer. A freshly started cluster may not take a write at
/// once: `UNAVAILABLE` and `TIMEOUT` are sent again, which the ids make safe
/// (a resent event already stored is not stored twice); any other error
/// fails the test.
fn append_taken(url: &str, events: &Value) -> Value {
    let started = Instant::now();
    loop {
        let (status, r) = graphql(url, APPEND, json!({ "events": events }), &[]).unwrap();
        if status == 200 && r["data"]["appendEvents"].is_object() {
            return r["data"]["appendEvents"].clone();
        }
        let code = r["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
        assert!(["UNAVAILABLE", "TIMEOUT"].contains(&code), "the append failed ({status}): {r}");
        assert!(started.elapsed() < Duration::from_secs(30), "{url} took no write in 30 s: {r}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Polls `url`'s `stats.events` until it has applied `position`.
fn wait_position(url: &str, position: u64) {
    let started = Instant::now();
    loop {
        let (_, r) = graphql(url, "{ stats { events } }", json!({}), &[]).unwrap();
        if r["data"]["stats"]["events"].as_u64() == Some(position) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{url} never reached position {position}: {r}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `NAMES` through `url` at `known`; asserts it had no errors.
fn names_at(url: &str, known: Value) -> Value {
    let (status, r) = graphql(url, NAMES, json!({ "known": known }), &[]).unwrap();
    assert!(status == 200 && r.get("errors").is_none(), "{r}");
    r["data"].clone()
}

/// The ids of a list of search hits, in order.
fn hit_ids(hits: &Value) -> Vec<&str> {
    hits.as_array().unwrap().iter().map(|h| h["entity"]["id"].as_str().unwrap()).collect()
}

/// An entity's relations as `name from -> to`, sorted.
fn relations(entity: &Value) -> Vec<String> {
    let mut out: Vec<String> = entity["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {}",
                r["name"].as_str().unwrap(),
                r["from"]["id"].as_str().unwrap(),
                r["to"]["id"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

/// Asserts that `d` answers as two parties: each id its own entity with
/// its own names and relation, both found by search, each the other's
/// duplicate.
fn assert_two_parties(d: &Value, node: &str) {
    assert_eq!((&d["csl"]["id"], &d["other"]["id"]), (&json!(PARTY[0]), &json!(PARTY[1])), "{node}: {d}");
    assert_eq!((&d["csl"]["mergedIds"], &d["other"]["mergedIds"]), (&json!([]), &json!([])), "{node}: {d}");
    assert_eq!(
        d["csl"]["names"],
        json!(["HUAWEI TECHNOLOGIES CO., LTD.", "Huawei", "华为技术有限公司"]),
        "{node}: {d}"
    );
    assert_eq!(d["other"]["names"], json!(["Huawei Technologies"]), "{node}: {d}");
    assert_eq!(relations(&d["csl"]), ["bans us-bis -> huawei-technologies-co-ltd"], "{node}: {d}");
    assert_eq!(relations(&d["other"]), ["wrote_to huawei-technologies -> us-bis"], "{node}: {d}");
    for query in ["typo", "reordered"] {
        let ids = hit_ids(&d[query]);
        assert!(PARTY.iter().all(|p| ids.contains(p)), "{node}: {query} does not find both ids: {d}");
    }
    assert_eq!(hit_ids(&d["alias"]).first(), Some(&PARTY[0]), "{node}: the alias does not find its party: {d}");
    assert_eq!(d["alias"][0]["matched"], "华为技术有限公司", "{node}: {d}");
    assert!(hit_ids(&d["duplicates"]).contains(&PARTY[0]), "{node}: the CSL id is not suggested as a duplicate: {d}");
}

/// The name index and merges are the same on every node: two ids of one
/// party written through node a are found by a misspelled and a reordered
/// name, and suggested as duplicates, on node b; a `same_as` through a makes
/// them one entity on b (search gives the party once, `duplicates` drops the
/// pair) while a read at an earlier `knownAt` answers as before; and a
/// retraction of the merge through b splits them again on a.
#[test]
fn names_search_and_merges_are_the_same_on_both_nodes() {
    let cluster = Cluster::start(3);
    let dirs = tempfile::tempdir().unwrap();
    let a = node(&cluster, &dirs.path().join("a"), 0);
    let b = node(&cluster, &dirs.path().join("b"), 0);
    wait_ready(&a.url, Duration::from_secs(30));
    wait_ready(&b.url, Duration::from_secs(30));

    // Node a: a CSL-style listing with its aliases, and the same company
    // under a second id, each with a relation to the agency.
    let events = json!([
        {"id": "5e1f0c2a-6b1d-4e8a-9c3f-0a7b2d4e6f01", "kind": "entity_declared", "at": "2019-01-01",
         "subject": {"id": "us-bis", "type": "AGENCY", "name": "Bureau of Industry and Security"}},
        {"id": "5e1f0c2a-6b1d-4e8a-9c3f-0a7b2d4e6f02", "kind": "ban_imposed", "at": "2019-05-16", "status": "CONFIRMED", "subject": {"id": "us-bis"},
         "object": {"id": PARTY[0], "type": "ACTOR", "name": "HUAWEI TECHNOLOGIES CO., LTD.",
                    "aliases": ["Huawei", "华为技术有限公司"]}},
        {"id": "5e1f0c2a-6b1d-4e8a-9c3f-0a7b2d4e6f03", "kind": "letter_sent", "at": "2019-06-01",
         "subject": {"id": PARTY[1], "type": "ACTOR", "name": "Huawei Technologies"}, "object": {"id": "us-bis"}},
        {"id": "5e1f0c2a-6b1d-4e8a-9c3f-0a7b2d4e6f04", "kind": "entity_declared", "at": "2019-01-01",
         "subject": {"id": "zte", "type": "ACTOR", "name": "ZTE Corporation"}},
    ]);
    assert_eq!(append_taken(&a.url, &events)["position"], 4, "the four events are the stream's first");
    let declared = 4;
    let (_, r) = graphql(&a.url, "{ stats { lastRecordedAt } }", json!({}), &[]).unwrap();
    let before_merge = r["data"]["stats"]["lastRecordedAt"].clone();
    assert!(before_merge.is_string(), "{r}");

    // Node b, caught up: both ids found, suggested as duplicates, with
    // their aliases; node a answers the same.
    wait_position(&b.url, declared);
    let b_before = names_at(&b.url, Value::Null);
    assert_two_parties(&b_before, "b before the merge");
    assert_eq!(names_at(&a.url, Value::Null), b_before, "the nodes answer differently at position {declared}");
    let b_before_at = names_at(&b.url, before_merge.clone());
    assert_eq!(b_before_at, b_before);

    // Node a merges the CSL id into the other.
    let merge_id = json!("5e1f0c2a-6b1d-4e8a-9c3f-0a7b2d4e6f81");
    let merge = json!([{"id": merge_id, "kind": "same_as", "at": "2026-02-01", "status": "CONFIRMED",
                        "subject": {"id": PARTY[0]}, "object": {"id": PARTY[1]}}]);
    assert_eq!(append_taken(&a.url, &merge)["position"], 5, "the merge is the stream's fifth event");
    let merge_position = 5;
    let (_, r) = graphql(&a.url, "{ stats { lastRecordedAt } }", json!({}), &[]).unwrap();
    let merged_at = r["data"]["stats"]["lastRecordedAt"].clone();

    // Node b: one entity, the object's, with both ids' names and relations;
    // search gives the party once and `duplicates` no longer the pair.
    wait_position(&b.url, merge_position);
    let d = names_at(&b.url, Value::Null);
    assert_eq!(d["csl"], d["other"], "both ids answer as one entity: {d}");
    assert_eq!(d["csl"]["id"], PARTY[1], "{d}");
    assert_eq!(d["csl"]["mergedIds"], json!([PARTY[0]]), "{d}");
    let names: Vec<&str> = d["csl"]["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names[0], "Huawei Technologies", "the survivor's own name first: {d}");
    for name in ["HUAWEI TECHNOLOGIES CO., LTD.", "Huawei", "华为技术有限公司"] {
        assert!(names.contains(&name), "{name:?} is not among the merged names: {d}");
    }
    assert_eq!(
        relations(&d["csl"]),
        ["bans us-bis -> huawei-technologies", "wrote_to huawei-technologies -> us-bis"],
        "the relations of both ids: {d}"
    );
    for query in ["typo", "reordered", "alias"] {
        let ids = hit_ids(&d[query]);
        let party: Vec<&&str> = ids.iter().filter(|id| PARTY.contains(id)).collect();
        assert_eq!(party, [&PARTY[1]], "{query}: the party once, as the survivor: {d}");
    }
    assert!(hit_ids(&d["duplicates"]).iter().all(|id| !PARTY.contains(id)), "the merged pair is still suggested: {d}");
    assert_eq!(d["stats"]["entities"].as_u64().unwrap() + 1, b_before["stats"]["entities"].as_u64().unwrap());
    // Before the merge's recorded time, b still answers as two entities,
    // exactly as it did before the merge was appended; a answers the same.
    assert_eq!(names_at(&b.url, before_merge.clone()), b_before, "a read before the merge changed");
    assert_eq!(names_at(&a.url, Value::Null), d, "the nodes answer differently at position {merge_position}");
    assert_eq!(names_at(&b.url, merged_at.clone()), d);

    // Node b retracts the merge; node a answers as two entities again, and
    // as merged at the merge's recorded time.
    let (status, r) = graphql(
        &b.url,
        "mutation($id: ID!) { retractEvent(id: $id, reason: \"two parties after all\") { kind position retracts } }",
        json!({ "id": merge_id }),
        &[],
    )
    .unwrap();
    assert_eq!(status, 200, "{r}");
    let retraction = &r["data"]["retractEvent"];
    assert_eq!((&retraction["kind"], &retraction["retracts"]), (&json!("event_retracted"), &merge_id), "{r}");
    wait_position(&a.url, retraction["position"].as_u64().unwrap());
    let a_after = names_at(&a.url, Value::Null);
    assert_two_parties(&a_after, "a after the retraction");
    // The retraction declared its analyst, a name recorded later: reads at
    // earlier `knownAt`s (scores included) are as they were.
    assert_eq!(names_at(&a.url, before_merge), b_before, "a read before the merge changed");
    assert_eq!(names_at(&a.url, merged_at), d, "a read at the merge's recorded time changed");
    assert_eq!(names_at(&b.url, Value::Null), a_after);
}
