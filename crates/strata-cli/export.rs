//! `strata export`: the log as NDJSON (a restorable backup), or the graph at
//! a date as GraphML, Graphviz DOT, or the two CSV files `neo4j-admin
//! database import` reads.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use strata_core::{to_line, Day, Timestamp};
use strata_engine::{EntityView, Log, RelationView, Role};

use crate::args::{ExportArgs, ExportFormat, Global};

pub fn run(global: &Global, args: ExportArgs) -> anyhow::Result<ExitCode> {
    if let Some(url) = &args.server {
        return remote(url, &args);
    }
    let known_at = match &args.known_at {
        Some(t) => Some(Timestamp::parse(t).map_err(anyhow::Error::msg).context("--known-at")?),
        None => None,
    };
    let as_of = match &args.as_of {
        Some(d) => Some(Day::parse(d).map_err(anyhow::Error::msg).context("--as-of")?),
        None => None,
    };
    if args.format == ExportFormat::Ndjson && as_of.is_some() {
        bail!(
            "--as-of applies to graphml, dot and neo4j-csv; an ndjson export is the log itself (cut it with --known-at)"
        );
    }
    if args.format == ExportFormat::Neo4jCsv && args.output.is_none() {
        bail!("--format neo4j-csv writes nodes.csv and relationships.csv: name their directory with -o DIR");
    }
    // The log alone for ndjson: no vocabulary, no graph, so a store whose
    // graph cannot be built still exports, to be mended and imported again.
    let source = if args.format == ExportFormat::Ndjson {
        let log = match global.jetstream() {
            Some(config) => Log::open_jetstream(&config),
            None => Log::open(&global.data_dir()),
        };
        Source::Log(Box::new(log.with_context(|| format!("cannot open {}", global.place()))?))
    } else {
        Source::Graph(global.open()?)
    };
    if let (Source::Graph(engine), Some(dir)) = (&source, &args.output) {
        if args.format == ExportFormat::Neo4jCsv {
            let snap = engine.snapshot();
            let graph = snap.graph(snap.filter(as_of, known_at));
            write_neo4j_csv(dir, &graph.nodes, &graph.edges)?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    match source {
        Source::Log(log) => {
            let limit = known_at.unwrap_or(Timestamp::MAX);
            for rec in log.scan(1) {
                let rec = rec?;
                if rec.recorded_at > limit {
                    break;
                }
                writeln!(out, "{}", to_line(&rec))?;
            }
        }
        Source::Graph(engine) => {
            let snap = engine.snapshot();
            let graph = snap.graph(snap.filter(as_of, known_at));
            if args.format == ExportFormat::Graphml {
                write_graphml(&mut out, &graph.nodes, &graph.edges)?;
            } else {
                write_dot(&mut out, &graph.nodes, &graph.edges)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// What an export reads: the log alone, or the graph built from it.
enum Source {
    Log(Box<Log>),
    Graph(std::sync::Arc<strata_engine::Engine>),
}

/// The log of a running server, from its `GET /export`.
fn remote(url: &str, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    if args.format != ExportFormat::Ndjson || args.as_of.is_some() || args.known_at.is_some() {
        bail!("--server exports the log as ndjson; --format, --as-of and --known-at need the data directory");
    }
    let token = match &args.token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?
                .trim()
                .to_owned(),
        ),
        None => std::env::var("STRATA_TOKEN").ok().map(|t| t.trim().to_owned()),
    };
    let endpoint = format!("{}/export", url.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut request = agent.get(&endpoint);
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.call().with_context(|| format!("cannot reach {endpoint}"))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["errors"][0]["message"].as_str().map(str::to_owned))
            .unwrap_or(body);
        bail!("{endpoint} answered {status}: {}", message.trim());
    }
    let expected: Option<u64> =
        response.headers().get("x-strata-position").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = LineCount { inner: BufWriter::new(out), lines: 0 };
    let mut body = response.into_body().into_reader();
    std::io::copy(&mut body, &mut out).with_context(|| format!("the export from {endpoint} broke off"))?;
    out.flush()?;
    if let Some(expected) = expected {
        if out.lines != expected {
            bail!("the export from {endpoint} has {} lines, not the {expected} the server announced", out.lines);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A writer that counts the lines passing through it.
struct LineCount<W> {
    inner: W,
    lines: u64,
}

impl<W: Write> Write for LineCount<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Text for an XML element or attribute: the markup characters escaped, and
/// the characters XML 1.0 cannot hold at all (most control characters)
/// replaced by U+FFFD, so that any name a log holds gives a file parsers read.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // A literal line break in an attribute value reads back as a space.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn role(r: Role) -> &'static str {
    match r {
        Role::SubjectObject => "SUBJECT_OBJECT",
        Role::About => "ABOUT",
    }
}

fn write_graphml(out: &mut impl Write, nodes: &[EntityView], edges: &[RelationView]) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns">"#)?;
    for (id, on, name) in [
        ("type", "node", "type"),
        ("name", "node", "name"),
        ("relation", "edge", "relation"),
        ("role", "edge", "role"),
        ("validFrom", "edge", "validFrom"),
        ("validTo", "edge", "validTo"),
        ("event", "edge", "event"),
    ] {
        writeln!(out, r#"  <key id="{id}" for="{on}" attr.name="{name}" attr.type="string"/>"#)?;
    }
    writeln!(out, r#"  <graph id="strata" edgedefault="directed">"#)?;
    for n in nodes {
        writeln!(out, r#"    <node id="{}">"#, xml(n.id.as_str()))?;
        writeln!(out, r#"      <data key="type">{}</data>"#, n.entity_type)?;
        writeln!(out, r#"      <data key="name">{}</data>"#, xml(&n.name))?;
        writeln!(out, "    </node>")?;
    }
    for (i, e) in edges.iter().enumerate() {
        writeln!(out, r#"    <edge id="e{i}" source="{}" target="{}">"#, xml(e.from.as_str()), xml(e.to.as_str()))?;
        writeln!(out, r#"      <data key="relation">{}</data>"#, xml(&e.name))?;
        writeln!(out, r#"      <data key="role">{}</data>"#, role(e.role))?;
        writeln!(out, r#"      <data key="validFrom">{}</data>"#, e.valid_from)?;
        if let Some(to) = e.valid_to {
            writeln!(out, r#"      <data key="validTo">{to}</data>"#)?;
        }
        writeln!(out, r#"      <data key="event">{}</data>"#, e.event)?;
        writeln!(out, "    </edge>")?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

/// A DOT quoted string: quotes and backslashes escaped, line breaks as `\n`
/// (Graphviz's own escape in labels) and other control characters dropped.
fn dot_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_dot(out: &mut impl Write, nodes: &[EntityView], edges: &[RelationView]) -> std::io::Result<()> {
    writeln!(out, "digraph strata {{")?;
    writeln!(out, "  node [shape=box, fontname=\"Helvetica\"];")?;
    for n in nodes {
        let shape = match n.entity_type {
            strata_core::EntityType::Actor => "box",
            strata_core::EntityType::Agency => "house",
            strata_core::EntityType::Chip => "ellipse",
        };
        writeln!(out, "  {} [label={}, shape={shape}];", dot_str(n.id.as_str()), dot_str(&n.name))?;
    }
    for e in edges {
        let style = if e.role == Role::About { ", style=dashed" } else { "" };
        let label = match e.valid_to {
            Some(to) => format!("{} [{}, {})", e.name, e.valid_from, to),
            None => format!("{} [{}, ..)", e.name, e.valid_from),
        };
        writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            dot_str(e.from.as_str()),
            dot_str(e.to.as_str()),
            dot_str(&label)
        )?;
    }
    writeln!(out, "}}")
}

/// `nodes.csv` and `relationships.csv` in `dir`, with the headers
/// `neo4j-admin database import` reads: an entity is a node labelled
/// `Entity` and its type (`Actor`, `Agency`, `Chip`), keyed by its id; a
/// relation is a relationship whose type is its name in capitals
/// (`APPROVED`), with its role, dates and event as properties.
fn write_neo4j_csv(dir: &std::path::Path, nodes: &[EntityView], edges: &[RelationView]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
    let create = |name: &str| -> anyhow::Result<BufWriter<std::fs::File>> {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(BufWriter::new(file))
    };
    let mut out = create("nodes.csv")?;
    writeln!(out, "id:ID,name,type,:LABEL")?;
    for n in nodes {
        let label = match n.entity_type {
            strata_core::EntityType::Actor => "Entity;Actor",
            strata_core::EntityType::Agency => "Entity;Agency",
            strata_core::EntityType::Chip => "Entity;Chip",
        };
        let fields = [csv(n.id.as_str()), csv(&n.name), n.entity_type.to_string(), label.to_owned()];
        writeln!(out, "{}", fields.join(","))?;
    }
    out.flush()?;
    let mut out = create("relationships.csv")?;
    writeln!(out, ":START_ID,:END_ID,:TYPE,relation,role,validFrom,validTo,event")?;
    for e in edges {
        let fields = [
            csv(e.from.as_str()),
            csv(e.to.as_str()),
            csv(&relationship_type(&e.name)),
            csv(&e.name),
            role(e.role).to_owned(),
            e.valid_from.to_string(),
            e.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            e.event.to_string(),
        ];
        writeln!(out, "{}", fields.join(","))?;
    }
    out.flush()?;
    Ok(())
}

/// A CSV field: quoted (quotes doubled) when it holds a comma, a quote or
/// a line break; line breaks become spaces, so every record is one line
/// and the import needs no `--multiline-fields`.
fn csv(s: &str) -> String {
    let s: String = s.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    if s.contains([',', '"']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A relation name as a Neo4j relationship type: `member_of` is `MEMBER_OF`.
fn relationship_type(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::{csv, dot_str, relationship_type, xml};

    #[test]
    fn fields_survive_any_characters() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a, b"), "\"a, b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("two\nlines"), "two lines");
        assert_eq!(xml("a<b>&\"c\"\u{1}"), "a&lt;b&gt;&amp;&quot;c&quot;\u{FFFD}");
        assert_eq!(dot_str("a \"b\" \\ c\nd\u{7}"), "\"a \\\"b\\\" \\\\ c\\nd\"");
        assert_eq!(relationship_type("member_of"), "MEMBER_OF");
        assert_eq!(relationship_type("approved"), "APPROVED");
    }
}
