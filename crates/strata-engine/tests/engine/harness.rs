//! The fixture harness: runs a `.test` script against a fresh durable engine
//! and compares its output with the file (or rewrites the file with
//! `UPDATE_EXPECT=1`). The script format is described in `main.rs`.
//!
//! Every script runs twice: on a sled store, and on a log in a JetStream
//! stream (a nats-server of its own) with the checkpoints in a directory;
//! both must give the file's output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use strata_engine::{AppendOutcome, Config, Engine, Error, JetStreamConfig};

use strata_testkit::nats::Cluster;
use tempfile::TempDir;

/// Where the fixtures live.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The workspace root, which `@load` paths are relative to.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `data/{name}.test` and checks (or updates) its output.
pub fn check(name: &str) {
    let path = data_dir().join(format!("{name}.test"));
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let actual = run(&expected, &path, None);
    if actual == expected {
        let server = Cluster::start(1);
        let on_stream = run(&expected, &path, Some(&server));
        assert!(
            on_stream == expected,
            "\n{}: on a JetStream log the output differs from the file and from sled's (- file, + actual).\n\n{}",
            path.display(),
            crate::diff::lines(&expected, &on_stream)
        );
        return;
    }
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("updated {}", path.display());
        return;
    }
    panic!(
        "\n{}: the output differs from the file (- file, + actual).\nIf the new output is right, rerun with UPDATE_EXPECT=1 to rewrite the file.\n\n{}",
        path.display(),
        crate::diff::lines(&expected, &actual)
    );
}

/// A batch being collected.
struct Batch {
    expect: Option<u64>,
    lines: Vec<String>,
    /// The index in the output after the batch's last event line.
    insert_at: usize,
}

/// The state of one script run.
pub struct Session {
    /// The fixture, for messages.
    pub file: PathBuf,
    /// The script's text: event ids that occur in it are printed as they are.
    pub script: String,
    dir: TempDir,
    /// The log's stream, when the store is not sled's.
    log: Option<JetStreamConfig>,
    /// `None` only while reopening.
    engine: Option<Engine>,
    /// Positions of the retractions `> retract` made (dated today).
    pub generated: BTreeSet<u64>,
    /// The script line being run (1-based), for messages.
    pub line: usize,
    /// When the run began: a later time in the output came from the clock.
    started: strata_core::Timestamp,
}

impl Session {
    fn new(file: &Path, script: &str, server: Option<&Cluster>) -> Session {
        let dir = tempfile::tempdir().unwrap();
        let log = server.map(|s| JetStreamConfig::new(s.url_list(), "strata"));
        let engine = Engine::open(Config { log: log.clone(), ..Config::at(dir.path()) })
            .unwrap_or_else(|e| panic!("opening a store: {e}"));
        Session {
            file: file.to_owned(),
            script: script.to_owned(),
            dir,
            log,
            engine: Some(engine),
            generated: BTreeSet::new(),
            line: 0,
            started: strata_core::Timestamp::now(),
        }
    }

    /// The open engine.
    pub fn engine(&self) -> &Engine {
        self.engine.as_ref().unwrap_or_else(|| self.fail("the engine is not open"))
    }

    /// Drops the engine and opens its directory again.
    pub fn reopen(&mut self) -> Result<(), Error> {
        self.engine = None;
        self.engine = Some(Engine::open(Config { log: self.log.clone(), ..Config::at(self.dir.path()) })?);
        Ok(())
    }

    /// Stops the test with a message naming the fixture line: a mistake in
    /// the script, not in the engine.
    pub fn fail(&self, msg: impl std::fmt::Display) -> ! {
        panic!("{}:{}: {msg}", self.file.display(), self.line)
    }

    /// Makes output deterministic: recorded times and ids the script did not
    /// write are replaced by the position they belong to, and any other time
    /// the clock made by `<clock time>`.
    pub fn mask(&self, text: &str) -> String {
        let text = self.mask_uuids(text);
        self.mask_timestamps(&text)
    }

    fn mask_uuids(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((start, len)) = find_pattern(rest, is_uuid) {
            out.push_str(&rest[..start]);
            let id = &rest[start..start + len];
            if self.script.contains(id) {
                out.push_str(id);
            } else {
                let pos = strata_core::EventId::parse(id).ok().and_then(|id| self.engine().position_of(id));
                match pos {
                    Some(p) => out.push_str(&format!("<id of #{p}>")),
                    None => out.push_str("<new id>"),
                }
            }
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        out
    }

    fn mask_timestamps(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((start, len)) = find_pattern(rest, is_timestamp) {
            out.push_str(&rest[..start]);
            let ts = &rest[start..start + len];
            let pos = self
                .engine()
                .scan(1)
                .filter_map(Result::ok)
                .find(|r| r.recorded_at.to_string() == ts)
                .map(|r| r.position);
            let from_clock = strata_core::Timestamp::parse(ts).is_ok_and(|t| t >= self.started);
            match pos {
                Some(p) => out.push_str(&format!("<recorded at #{p}>")),
                None if from_clock => out.push_str("<clock time>"),
                None => out.push_str(ts),
            }
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        out
    }
}

/// The first place where `matches` accepts a fixed-length window, as
/// (start, length).
fn find_pattern(text: &str, matches: fn(&[u8]) -> Option<usize>) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        if !text.is_char_boundary(i) {
            return None;
        }
        matches(&bytes[i..]).map(|len| (i, len))
    })
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase hex.
fn is_uuid(b: &[u8]) -> Option<usize> {
    const SHAPE: &[u8] = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    let window = b.get(..SHAPE.len())?;
    let ok = window.iter().zip(SHAPE).all(|(c, s)| match s {
        b'x' => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        _ => c == s,
    });
    ok.then_some(SHAPE.len())
}

/// A recorded time as strata writes it: `2026-01-28T08:30:00.000000Z`.
fn is_timestamp(b: &[u8]) -> Option<usize> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd.ddddddZ";
    let window = b.get(..SHAPE.len())?;
    let ok = window.iter().zip(SHAPE).all(|(c, s)| match s {
        b'd' => c.is_ascii_digit(),
        _ => c == s,
    });
    ok.then_some(SHAPE.len())
}

/// Runs a script and returns the file as it should read: the input lines
/// with fresh output lines.
fn run(script: &str, file: &Path, server: Option<&Cluster>) -> String {
    let mut session = Session::new(file, script, server);
    let mut out: Vec<String> = Vec::new();
    let mut batch: Option<Batch> = None;
    for (i, line) in script.lines().enumerate() {
        session.line = i + 1;
        if line.starts_with("  ") {
            continue; // output of the previous run
        }
        if line.is_empty() || line.starts_with('#') {
            out.push(line.to_owned());
        } else if line.starts_with('{') || line.starts_with('[') {
            out.push(line.to_owned());
            let b = batch.get_or_insert_with(|| Batch { expect: None, lines: Vec::new(), insert_at: 0 });
            b.lines.push(line.to_owned());
            b.insert_at = out.len();
        } else if let Some(opts) = line.strip_prefix("--- batch") {
            flush(&mut session, &mut batch, &mut out);
            out.push(line.to_owned());
            let expect = match opts.trim() {
                "" => None,
                o => match o.strip_prefix("expect=").and_then(|n| n.parse().ok()) {
                    Some(n) => Some(n),
                    None => session.fail(format!("expected `--- batch` or `--- batch expect=N`, found {line:?}")),
                },
            };
            batch = Some(Batch { expect, lines: Vec::new(), insert_at: out.len() });
        } else if let Some(path) = line.strip_prefix("@load ") {
            flush(&mut session, &mut batch, &mut out);
            out.push(line.to_owned());
            let full = workspace_root().join(path.trim());
            let text =
                std::fs::read_to_string(&full).unwrap_or_else(|e| session.fail(format!("{}: {e}", full.display())));
            let result = session.engine().append_text(&text, None);
            out.push(indent(&session, &outcome(&result)));
        } else if let Some(query) = line.strip_prefix('>') {
            flush(&mut session, &mut batch, &mut out);
            out.push(line.to_owned());
            for l in crate::query::run(&mut session, query.trim()) {
                out.push(indent(&session, &l));
            }
        } else {
            session.fail(format!("not a comment, event line, `--- batch`, `@load` or `>` query: {line:?}"));
        }
    }
    flush(&mut session, &mut batch, &mut out);
    let mut text = out.join("\n");
    text.push('\n');
    text
}

fn indent(session: &Session, line: &str) -> String {
    assert!(!line.is_empty(), "{}:{}: the harness printed an empty line", session.file.display(), session.line);
    format!("  {}", session.mask(line))
}

/// Appends the pending batch and puts its outcome after its last event line.
fn flush(session: &mut Session, batch: &mut Option<Batch>, out: &mut Vec<String>) {
    let Some(b) = batch.take() else { return };
    if b.lines.is_empty() {
        session.fail("a `--- batch` with no event lines");
    }
    let result = session.engine().append_text(&b.lines.join("\n"), b.expect);
    out.insert(b.insert_at, indent(session, &outcome(&result)));
}

/// `ok: positions 4..6 (3 new)` or `error: ...`.
pub fn outcome(result: &Result<AppendOutcome, Error>) -> String {
    match result {
        Ok(o) => {
            let positions: Vec<u64> = o.events.iter().map(|e| e.position).collect();
            let word = if positions.len() == 1 { "position" } else { "positions" };
            format!("ok: {word} {} ({} new)", ranges(&positions), o.appended)
        }
        Err(e) => format!("error: {e}"),
    }
}

/// `1..3, 5, 7..8`: positions in the order given, runs collapsed.
pub fn ranges(positions: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < positions.len() {
        let start = positions[i];
        let mut end = start;
        while i + 1 < positions.len() && positions[i + 1] == end + 1 {
            end += 1;
            i += 1;
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}..{end}") });
        i += 1;
    }
    if parts.is_empty() {
        "(none)".into()
    } else {
        parts.join(", ")
    }
}
