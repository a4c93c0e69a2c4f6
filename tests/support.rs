//! Running the binary: in a temporary data directory, or as a server on a
//! free loopback port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn strata() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_strata"));
    c.env_remove("STRATA_DATA").env_remove("STRATA_VOCABULARY").env("RUST_LOG", "warn");
    c
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_file() -> PathBuf {
    root().join("examples/h200-china.ndjson")
}

/// Runs `strata ARGS --data DIR` and returns its output.
pub fn run(data: &Path, args: &[&str]) -> Output {
    strata().args(args).arg("--data").arg(data).output().expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs one GraphQL query through `strata query` and parses the response.
pub fn query(data: &Path, q: &str) -> Value {
    let o = run(data, &["query", q]);
    assert!(o.status.success(), "query failed: {}\n{}", stdout(&o), stderr(&o));
    serde_json::from_slice(&o.stdout).expect("query prints JSON")
}

/// A running `strata serve`, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        let mut child = strata()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = String::new();
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            seen.push_str(&line);
            seen.push('\n');
            if let Some(rest) = line.split("GraphiQL at ").nth(1) {
                let url = rest.trim().trim_end_matches("/graphql").to_string();
                // Keep draining stderr so the server never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines.by_ref() {});
                return Server { child, url };
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not report its address; stderr:\n{seen}");
    }

    /// POSTs a GraphQL request and returns the JSON response.
    pub fn graphql(&self, query: &str, variables: Value) -> Value {
        let body = serde_json::json!({"query": query, "variables": variables});
        let mut resp = ureq::post(&format!("{}/graphql", self.url))
            .send_json(&body)
            .expect("the server answers");
        resp.body_mut().read_json().expect("the server answers JSON")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
