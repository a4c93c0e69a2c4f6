//! Running the binary: in a temporary data directory, or as a server on a
//! free loopback port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use strata_gen::Rng;

pub fn strata() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_strata"));
    c.env_remove("STRATA_DATA")
        .env_remove("STRATA_VOCABULARY")
        .env_remove("STRATA_TOKEN")
        .env_remove("STRATA_CHECKPOINT_EVERY")
        .env("RUST_LOG", "warn");
    c
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_file() -> PathBuf {
    root().join("examples/h200-china.ndjson")
}

/// How many events the demo dataset holds (one per non-blank line).
pub fn demo_len() -> u64 {
    let text = std::fs::read_to_string(demo_file()).expect("the demo dataset is readable");
    text.lines().filter(|l| !l.trim().is_empty()).count() as u64
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

/// The token the servers of these tests are started with.
pub const TOKEN: &str = "test-token-0123456789";

/// A running `strata serve`, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
    /// The token `graphql` sends, if any.
    pub token: Option<String>,
    /// The server's stderr lines, as they come.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// `strata serve --addr 127.0.0.1:0 EXTRA`, with the token [`TOKEN`] in
    /// `$STRATA_TOKEN` (and sent by [`Server::graphql`]).
    pub fn start(extra: &[&str]) -> Server {
        Server::start_env(extra, &[("STRATA_TOKEN", TOKEN)])
    }

    /// `strata serve --addr 127.0.0.1:0 EXTRA` with `env` set.
    pub fn start_env(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = strata();
        cmd.args(["serve", "--addr", "127.0.0.1:0"]).args(extra).envs(env.iter().copied());
        Server::spawn(cmd, env.iter().find(|(k, _)| *k == "STRATA_TOKEN").map(|(_, v)| v.to_string()))
    }

    /// Runs `cmd` (a `strata serve`) and waits for its address.
    pub fn spawn(mut cmd: Command, token: Option<String>) -> Server {
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("the server starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            log.lock().unwrap().push(line.clone());
            if let Some(rest) = line.split("GraphiQL at ").nth(1) {
                let url = rest.trim().trim_end_matches("/graphql").to_string();
                // Keep draining stderr so the server never blocks on a full pipe.
                let sink = log.clone();
                std::thread::spawn(move || {
                    for line in lines.by_ref().map_while(Result::ok) {
                        sink.lock().unwrap().push(line);
                    }
                });
                return Server { child, url, token, log };
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not report its address; stderr:\n{}", log.lock().unwrap().join("\n"));
    }

    /// POSTs a GraphQL request (with the server's token, if any) and returns
    /// the JSON response.
    pub fn graphql(&self, query: &str, variables: Value) -> Value {
        let body = serde_json::json!({"query": query, "variables": variables});
        let (status, json) = self.post(&body.to_string(), self.token.as_deref());
        assert_eq!(status, 200, "{json}");
        json
    }

    /// POSTs `body` to /graphql with `token` as a bearer token; the status and the JSON answer.
    pub fn post(&self, body: &str, token: Option<&str>) -> (u16, Value) {
        let (status, _, text) = self.request("POST", "/graphql", body, token, &[("Content-Type", "application/json")]);
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
    }

    /// Any request: the status, the headers (names lowercase) and the body text.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<(String, String)>, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let uri = format!("{}{path}", self.url);
        let mut req = ureq::http::Request::builder().method(method).uri(&uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let req = req.body(body.to_string()).unwrap();
        let mut resp = agent.run(req).expect("the server answers");
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, headers, text)
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A websocket client of `/graphql/ws`.
pub type Ws = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

/// What a websocket read gave: a JSON message, or the close frame's code and reason.
#[derive(Debug)]
pub enum WsEvent {
    Message(Value),
    Closed(u16, String),
}

impl Server {
    /// Opens `/graphql/ws` with the graphql-transport-ws subprotocol and `headers`.
    pub fn ws(&self, headers: &[(&str, &str)]) -> Result<Ws, tungstenite::Error> {
        use tungstenite::client::IntoClientRequest;
        let url = format!("{}/graphql/ws", self.url.replace("http://", "ws://"));
        let mut req = url.into_client_request()?;
        req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        for (k, v) in headers {
            let name = tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap();
            req.headers_mut().insert(name, v.parse().unwrap());
        }
        let (mut ws, _) = tungstenite::connect(req)?;
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_mut() {
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        }
        Ok(ws)
    }

    /// Opens `/graphql/ws` and completes `connection_init` with `payload`.
    pub fn ws_init(&self, payload: Value) -> Ws {
        let mut ws = self.ws(&[]).expect("the websocket opens");
        ws_send(&mut ws, serde_json::json!({"type": "connection_init", "payload": payload}));
        match ws_recv(&mut ws) {
            WsEvent::Message(m) if m["type"] == "connection_ack" => ws,
            other => panic!("no connection_ack: {other:?}"),
        }
    }
}

pub fn ws_send(ws: &mut Ws, message: Value) {
    ws.send(tungstenite::Message::text(message.to_string())).expect("the websocket takes a message");
}

/// The next message (pings and pongs skipped), or how the connection closed.
pub fn ws_recv(ws: &mut Ws) -> WsEvent {
    loop {
        match ws.read() {
            Ok(tungstenite::Message::Text(t)) => return WsEvent::Message(serde_json::from_str(&t).unwrap()),
            Ok(tungstenite::Message::Close(Some(frame))) => {
                return WsEvent::Closed(frame.code.into(), frame.reason.to_string())
            }
            Ok(tungstenite::Message::Close(None)) => return WsEvent::Closed(1005, String::new()),
            Ok(_) => continue,
            Err(e) => panic!("the websocket failed: {e}"),
        }
    }
}

/// A generator seeded from `var` if set, else from the clock; the seed is
/// printed either way so that a failing run can be repeated exactly.
pub fn seeded_rng(var: &str) -> (Rng, u64) {
    let seed = match std::env::var(var) {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("{var}={s} is not an unsigned integer")),
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1),
    };
    eprintln!("{var}={seed} (set it to repeat this run)");
    (Rng::new(seed), seed)
}

/// A random version-4 UUID, as text.
pub fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}
