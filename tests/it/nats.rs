//! Two strata nodes on a three-server NATS JetStream cluster (an R3
//! stream), on loopback, behave as one store: writers append through both
//! at once while the stream's leader, then a follower, then a strata node
//! are killed with SIGKILL and restarted; afterwards no acknowledged event
//! is lost or doubled (also when a client retries the same ids after a
//! failure), positions are gapless, every batch is whole or absent, both
//! nodes export the same bytes and answer the same queries at the same
//! position, and the restarted node came back from its checkpoint.
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
    let (status, r) = graphql(&a.url, APPEND, json!({ "events": first }), &[]).unwrap();
    assert_eq!(status, 200, "{r}");
    let position = r["data"]["appendEvents"]["position"].as_u64().unwrap();
    assert_eq!(position, 40);
    let (status, r) = graphql(&b.url, APPEND, json!({ "events": rest }), &[]).unwrap();
    assert_eq!(status, 200, "{r}");
    let last = r["data"]["appendEvents"]["position"].as_u64().unwrap();
    assert_eq!(last, events.len() as u64);
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
