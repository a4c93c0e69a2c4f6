//! The fixtures' query language (documented in `main.rs`): parsing a `>`
//! line, running it against a snapshot, and printing the answer as lines.

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{EventId, Timestamp};
use strata_engine::{
    ClaimStatus, Day, Direction, DisagreementFilter, EntityId, EntityType, EntityView, EventFilter, KnowledgeQuery,
    PathQuery, PathView, RelationView, Role, Snapshot, StatusSet, TemporalQuery, TimeFilter,
};

use crate::harness::{outcome, Session};

/// A query's words: positional arguments, `key=value` options and flags.
struct Args<'s> {
    session: &'s Session,
    positional: Vec<String>,
    options: BTreeMap<String, String>,
    flags: BTreeSet<String>,
}

impl<'s> Args<'s> {
    fn parse(session: &'s Session, words: &[&str], options: &[&str], flags: &[&str]) -> Args<'s> {
        let mut args = Args { session, positional: Vec::new(), options: BTreeMap::new(), flags: BTreeSet::new() };
        for w in words {
            if let Some((k, v)) = w.split_once('=') {
                if !options.contains(&k) {
                    session.fail(format!("unknown option {k:?}; this query takes {options:?}"));
                }
                args.options.insert(k.to_owned(), v.to_owned());
            } else if flags.contains(w) {
                args.flags.insert((*w).to_owned());
            } else {
                args.positional.push((*w).to_owned());
            }
        }
        args
    }

    fn positional(&self, n: usize, usage: &str) -> &[String] {
        if self.positional.len() != n {
            self.session.fail(format!("usage: {usage}"));
        }
        &self.positional
    }

    fn opt(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }

    fn flag(&self, f: &str) -> bool {
        self.flags.contains(f)
    }

    fn number(&self, key: &str, default: usize) -> usize {
        self.opt(key)
            .map_or(default, |v| v.parse().unwrap_or_else(|_| self.session.fail(format!("{key}={v}: not a number"))))
    }

    fn day(&self, key: &str) -> Option<Day> {
        self.opt(key).map(|v| day(self.session, v))
    }

    fn names(&self) -> Option<Vec<String>> {
        self.opt("names").map(|v| v.split(',').map(str::to_owned).collect())
    }

    /// `knownAt`, resolved to a recorded time.
    fn known_at(&self, snap: &Snapshot<'_>) -> Option<Timestamp> {
        self.opt("knownAt").map(|v| instant(self.session, snap, v))
    }

    /// The time filter of `asOf` and `knownAt`, bounded by the snapshot,
    /// showing the claims of `statuses`.
    fn time(&self, snap: &Snapshot<'_>) -> TimeFilter {
        snap.filter(self.day("asOf"), self.known_at(snap)).with_statuses(self.statuses())
    }

    /// `statuses=confirmed,expected`, `statuses=all` or `statuses=none`;
    /// absent: confirmed and reported.
    fn statuses(&self) -> StatusSet {
        match self.opt("statuses") {
            None => StatusSet::BELIEVED,
            Some("all") => StatusSet::ALL,
            Some("none") => StatusSet::NONE,
            Some(list) => {
                StatusSet::of(list.split(',').map(|s| ClaimStatus::parse(s).unwrap_or_else(|e| self.session.fail(e))))
            }
        }
    }
}

const TIME: [&str; 2] = ["asOf", "knownAt"];

/// A recorded time written `@N` (the recorded time of position N; `@0` is
/// before everything) or in RFC 3339.
fn instant(session: &Session, snap: &Snapshot<'_>, v: &str) -> Timestamp {
    match v.strip_prefix('@') {
        Some("0") => Timestamp::MIN,
        Some(n) => {
            let pos: u64 = n.parse().unwrap_or_else(|_| session.fail(format!("{v}: expected @N")));
            match snap.event_at(pos) {
                Ok(Some(rec)) => rec.recorded_at,
                _ => session.fail(format!("{v}: there is no event at position {pos}")),
            }
        }
        None => Timestamp::parse(v).unwrap_or_else(|e| session.fail(e)),
    }
}

fn day(session: &Session, v: &str) -> Day {
    Day::parse(v).unwrap_or_else(|e| session.fail(e))
}

fn entity_id(session: &Session, v: &str) -> EntityId {
    EntityId::parse(v).unwrap_or_else(|e| session.fail(e))
}

/// An event named as a UUID or as `#N`.
fn event_id(session: &Session, snap: &Snapshot<'_>, v: &str) -> EventId {
    match v.strip_prefix('#') {
        Some(n) => {
            let pos: u64 = n.parse().unwrap_or_else(|_| session.fail(format!("{v}: expected #N")));
            match snap.event_at(pos) {
                Ok(Some(rec)) => rec.event.id,
                _ => session.fail(format!("there is no event at position {pos}")),
            }
        }
        None => EventId::parse(v).unwrap_or_else(|e| session.fail(e)),
    }
}

/// Runs one query line (without its `>`) and returns its output lines.
pub fn run(session: &mut Session, line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&command, words)) = words.split_first() else { session.fail("an empty query") };
    match command {
        "reopen" => {
            if !words.is_empty() {
                session.fail("usage: reopen");
            }
            match session.reopen() {
                Ok(()) => vec![format!("reopened at position {}", session.engine().snapshot().position())],
                Err(e) => vec![format!("error: {e}")],
            }
        }
        "retract" => retract(session, words),
        _ => read(session, command, words),
    }
}

fn retract(session: &mut Session, words: &[&str]) -> Vec<String> {
    let Some((target, reason)) = words.split_first() else { session.fail("usage: retract EVENT REASON...") };
    let id = event_id(session, &session.engine().snapshot(), target);
    let result = session.engine().retract(id, &reason.join(" "), None, None);
    match result {
        Ok(rec) => {
            session.generated.insert(rec.position);
            let target = session.engine().position_of(id).map_or_else(|| id.to_string(), |p| format!("#{p}"));
            vec![format!("ok: position {} retracts {target}", rec.position)]
        }
        Err(e) => vec![outcome(&Err(e))],
    }
}

fn read(session: &Session, command: &str, words: &[&str]) -> Vec<String> {
    let snap = session.engine().snapshot();
    let r = Render { session, snap };
    match command {
        "relations" => {
            let a = Args::parse(session, words, &["asOf", "knownAt", "dir", "names", "statuses"], &[]);
            let id = entity_id(session, &a.positional(1, "relations ID [options]")[0]);
            let dir = match a.opt("dir") {
                None | Some("both") => Direction::Both,
                Some("out") => Direction::Out,
                Some("in") => Direction::In,
                Some(d) => session.fail(format!("dir={d}: expected out, in or both")),
            };
            let names = a.names();
            let rels = snap.relations(&id, a.time(&snap), dir, names.as_deref());
            or_none(rels.iter().map(relation).collect())
        }
        "entity" => {
            let a = Args::parse(session, words, &TIME, &[]);
            let id = entity_id(session, &a.positional(1, "entity ID [asOf] [knownAt]")[0]);
            let e = snap.entity(&id, a.time(&snap));
            or_none(e.iter().map(entity).collect())
        }
        "search" | "duplicates" => {
            let a = Args::parse(session, words, &["type", "first", "asOf", "knownAt"], &[]);
            let text = a.positional.join(" ");
            if text.is_empty() {
                session.fail("usage: search TEXT... [type=T] [first=N] [asOf] [knownAt] | duplicates ID [first=N]");
            }
            let first = a.number("first", 5);
            let hits = if command == "search" {
                let ty = a.opt("type").map(|t| vec![EntityType::parse(t).unwrap_or_else(|e| session.fail(e))]);
                snap.search(&text, ty.as_deref(), a.time(&snap), first)
            } else {
                snap.duplicates(&entity_id(session, &text), a.time(&snap), first)
            };
            or_none(
                hits.iter()
                    .map(|h| format!("{} {:.2} {}", h.entity.id, h.score, serde_json::Value::String(h.matched.clone())))
                    .collect(),
            )
        }
        "merged" => {
            let a = Args::parse(session, words, &TIME, &[]);
            let id = entity_id(session, &a.positional(1, "merged ID [asOf] [knownAt]")[0]);
            let ids = snap.merged_ids(&id, a.time(&snap));
            or_none(ids.iter().map(ToString::to_string).collect())
        }
        "names" => {
            let a = Args::parse(session, words, &TIME, &[]);
            let id = entity_id(session, &a.positional(1, "names ID [asOf] [knownAt]")[0]);
            let names = snap.names(&id, a.time(&snap));
            or_none(if names.is_empty() { Vec::new() } else { vec![names.join(" | ")] })
        }
        "entities" => {
            let a = Args::parse(session, words, &["type", "search", "asOf", "knownAt"], &[]);
            a.positional(0, "entities [type=T] [search=S] [asOf] [knownAt]");
            let ty = a.opt("type").map(|t| EntityType::parse(t).unwrap_or_else(|e| session.fail(e)));
            let es = snap.entities(ty, a.opt("search"), a.time(&snap));
            or_none(es.iter().map(entity).collect())
        }
        "history" => {
            let a = Args::parse(session, words, &TIME, &[]);
            let id = entity_id(session, &a.positional(1, "history ID [asOf] [knownAt]")[0]);
            let t = a.time(&snap);
            let positions = snap.history(&id, t);
            or_none(positions.iter().map(|&p| r.event(p, t.known_at)).collect())
        }
        "events" => {
            let a = Args::parse(
                session,
                words,
                &["entity", "kinds", "from", "to", "knownAt", "recordedFrom", "recordedTo"],
                &["retracted"],
            );
            a.positional(0, "events [entity=ID] [kinds=a,b] [from=D] [to=D] [knownAt] [recordedFrom=@N] [recordedTo=@N] [retracted]");
            let known = snap.clamp(a.known_at(&snap));
            let filter = EventFilter {
                entity: a.opt("entity").map(|e| entity_id(session, e)),
                kinds: a.opt("kinds").map(|k| k.split(',').map(str::to_owned).collect()),
                from: a.day("from"),
                to: a.day("to"),
                known_at: Some(known),
                include_retracted: a.flag("retracted"),
                recorded_from: a.opt("recordedFrom").map(|v| instant(session, &snap, v)),
                recorded_to: a.opt("recordedTo").map(|v| instant(session, &snap, v)),
            };
            let positions = snap.events(filter);
            or_none(positions.iter().map(|&p| r.event(p, known)).collect())
        }
        "event" => {
            let a = Args::parse(session, words, &["knownAt"], &[]);
            let id = event_id(session, &snap, &a.positional(1, "event EVENT [knownAt]")[0]);
            let known = snap.clamp(a.known_at(&snap));
            match snap.event_status(id, known) {
                None => vec!["(unknown)".into()],
                Some(status) => {
                    let rec = snap.event_at(status.position).unwrap().unwrap();
                    let at = &rec.event.at;
                    let mut lines = vec![
                        r.event(status.position, known),
                        format!("precision {}, valid from {}", at.precision().as_str(), at.start()),
                    ];
                    lines.push(match status.retracted_by {
                        Some(by) => format!("retracted by #{by}"),
                        None => "visible".into(),
                    });
                    lines
                }
            }
        }
        "path" => {
            let a = Args::parse(session, words, &["asOf", "knownAt", "maxHops", "names", "statuses"], &["directed"]);
            let ends = a.positional(2, "path FROM TO [options]");
            let (from, to) = (entity_id(session, &ends[0]), entity_id(session, &ends[1]));
            let q = path_query(&a, &snap);
            match snap.path(&from, &to, q) {
                None => vec!["(none)".into()],
                Some(p) => {
                    let mut lines = vec![hops(&p)];
                    lines.extend(steps(&p, ""));
                    lines
                }
            }
        }
        "paths" => {
            let a = Args::parse(
                session,
                words,
                &["asOf", "knownAt", "maxHops", "names", "limit", "statuses"],
                &["directed"],
            );
            let ends = a.positional(2, "paths FROM TO [options]");
            let (from, to) = (entity_id(session, &ends[0]), entity_id(session, &ends[1]));
            let q = path_query(&a, &snap);
            let ps = snap.paths(&from, &to, q, a.number("limit", 10));
            let mut lines = vec![format!("{} path{}", ps.len(), if ps.len() == 1 { "" } else { "s" })];
            for (i, p) in ps.iter().enumerate() {
                let label = format!("[{}] ", i + 1);
                let mut s = steps(p, &label);
                for l in s.iter_mut().skip(1) {
                    *l = format!("{}{l}", " ".repeat(label.len()));
                }
                lines.extend(s);
            }
            lines
        }
        "neighborhood" => {
            let a = Args::parse(session, words, &["asOf", "knownAt", "hops", "names", "statuses"], &[]);
            let id = entity_id(session, &a.positional(1, "neighborhood ID [options]")[0]);
            let names = a.names();
            match snap.neighborhood(&id, a.number("hops", 1), a.time(&snap), names.as_deref()) {
                None => vec!["(none)".into()],
                Some(sub) => {
                    let nodes: Vec<&str> = sub.nodes.iter().map(|n| n.id.as_str()).collect();
                    let mut lines = vec![format!("nodes: {}", nodes.join(", "))];
                    lines.extend(sub.edges.iter().map(relation));
                    lines
                }
            }
        }
        "diff" => {
            let a = Args::parse(session, words, &["knownAt", "statuses"], &[]);
            let ends = a.positional(2, "diff FROM TO [knownAt]");
            let (from, to) = (day(session, &ends[0]), day(session, &ends[1]));
            let known = snap.clamp(a.known_at(&snap));
            let d = snap.diff(from, to, known, a.statuses());
            let mut lines: Vec<String> = d.added.iter().map(|r| format!("+ {}", relation(r))).collect();
            lines.extend(d.removed.iter().map(|r| format!("- {}", relation(r))));
            if lines.is_empty() {
                lines.push("(no change)".into());
            }
            lines
        }
        "knowledge-diff" => {
            let a = Args::parse(session, words, &["asOf", "entity", "statuses"], &[]);
            let ends = a.positional(2, "knowledge-diff FROM TO [asOf] [entity=ID] [statuses]");
            let query = KnowledgeQuery {
                from: instant(session, &snap, &ends[0]),
                to: instant(session, &snap, &ends[1]),
                as_of: a.day("asOf"),
                entity: a.opt("entity").map(|e| entity_id(session, e)),
                statuses: a.statuses(),
            };
            let d = snap.knowledge_diff(query);
            let mut lines: Vec<String> = d.learned.iter().map(|r| format!("+ {}", relation(r))).collect();
            lines.extend(d.withdrawn.iter().map(|r| format!("- {}", relation(r))));
            if lines.is_empty() {
                lines.push("(no change)".into());
            }
            lines.push(format!("recorded: {}", crate::harness::ranges(&d.events)));
            lines
        }
        "connections" => {
            let a = Args::parse(session, words, &["knownAt", "maxHops", "names", "statuses"], &[]);
            let ends = a.positional(2, "connections FROM TO [options]");
            let (from, to) = (entity_id(session, &ends[0]), entity_id(session, &ends[1]));
            let found = snap.connections(&from, &to, temporal_query(&a, &snap));
            let mut lines = Vec::new();
            for c in &found {
                let end = c.valid_to.map_or_else(|| "(still)".to_owned(), |d| d.to_string());
                lines.push(format!("{}..{end}: {}", c.valid_from, hops(&c.path)));
                lines.extend(steps(&c.path, "  ").into_iter().map(|l| format!("  {}", l.trim_start())));
            }
            or_none(lines)
        }
        "journey" => {
            let a = Args::parse(session, words, &["after", "before", "knownAt", "maxHops", "names", "statuses"], &[]);
            let ends = a.positional(2, "journey FROM TO [options]");
            let (from, to) = (entity_id(session, &ends[0]), entity_id(session, &ends[1]));
            match snap.journey(&from, &to, temporal_query(&a, &snap)) {
                None => vec!["(none)".into()],
                Some(p) => {
                    let mut lines = vec![hops(&p)];
                    for s in &p.steps {
                        let at = s.at.map_or_else(|| "?".to_owned(), |d| d.to_string());
                        lines.push(format!("on {at}: {} => {} via {}", s.from, s.to, relation(&s.relation)));
                    }
                    lines
                }
            }
        }
        "stats" => {
            let a = Args::parse(session, words, &["knownAt"], &[]);
            a.positional(0, "stats [knownAt]");
            let s = snap.stats(snap.clamp(a.known_at(&snap)));
            let last = match s.last_recorded_at {
                None => "none".to_owned(),
                Some(t) => match snap.event_at(s.events) {
                    Ok(Some(rec)) if rec.recorded_at == t => format!("#{}", s.events),
                    _ => format!("{t} (not the recorded time of #{})", s.events),
                },
            };
            vec![format!(
                "events {}, entities {}, relations {}, last recorded {last}",
                s.events, s.entities, s.relations
            )]
        }
        "disputed-by" => {
            let a = Args::parse(session, words, &["knownAt"], &[]);
            let pos = position(session, &a.positional(1, "disputed-by N [knownAt]")[0]);
            let by = snap.disputed_by(pos, snap.clamp(a.known_at(&snap)));
            or_none(by.iter().map(|p| format!("#{p}")).collect())
        }
        "sources" => {
            let a = Args::parse(session, words, &["asOf", "knownAt", "statuses"], &[]);
            let pos = position(session, &a.positional(1, "sources N [asOf knownAt statuses]")[0]);
            let found = snap.relation_sources(pos, a.time(&snap));
            or_none(found.iter().map(|p| format!("#{p}")).collect())
        }
        "disagreements" => {
            let a = Args::parse(session, words, &["entity", "from", "to", "asOf", "knownAt"], &[]);
            a.positional(0, "disagreements [entity from to asOf knownAt]");
            let filter = DisagreementFilter {
                entity: a.opt("entity").map(|e| entity_id(session, e)),
                from: a.day("from"),
                to: a.day("to"),
                as_of: a.day("asOf"),
                known_at: Some(snap.clamp(a.known_at(&snap))),
            };
            match snap.disagreements(filter) {
                Ok(found) => {
                    or_none(found.iter().map(|d| format!("{:?} #{} #{}", d.reason, d.events[0], d.events[1])).collect())
                }
                Err(e) => vec![format!("error: {e}")],
            }
        }
        other => session.fail(format!("unknown query {other:?}")),
    }
}

/// A position written `#N` or `N`.
fn position(session: &Session, v: &str) -> u64 {
    v.trim_start_matches('#').parse().unwrap_or_else(|_| session.fail(format!("{v:?} is not a position")))
}

fn path_query(a: &Args<'_>, snap: &Snapshot<'_>) -> PathQuery {
    PathQuery {
        time: a.time(snap),
        max_hops: a.number("maxHops", 4),
        relations: a.names(),
        directed: a.flag("directed"),
    }
}

/// The options of `connections` and `journey` (maxHops defaults to 3, as in GraphQL).
fn temporal_query(a: &Args<'_>, snap: &Snapshot<'_>) -> TemporalQuery {
    TemporalQuery {
        known_at: snap.clamp(a.known_at(snap)),
        statuses: a.statuses(),
        max_hops: a.number("maxHops", 3),
        relations: a.names(),
        after: a.day("after"),
        before: a.day("before"),
    }
}

fn or_none(lines: Vec<String>) -> Vec<String> {
    if lines.is_empty() {
        vec!["(none)".into()]
    } else {
        lines
    }
}

fn hops(p: &PathView) -> String {
    format!("{} hop{}", p.hops(), if p.hops() == 1 { "" } else { "s" })
}

/// One line per step, the first prefixed with `label`.
fn steps(p: &PathView, label: &str) -> Vec<String> {
    if p.steps.is_empty() {
        return vec![format!("{label}(no steps)")];
    }
    p.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let prefix = if i == 0 { label } else { "" };
            format!("{prefix}{} => {} via {}", s.from, s.to, relation(&s.relation))
        })
        .collect()
}

fn ids(ids: &[EntityId]) -> String {
    ids.iter().map(EntityId::as_str).collect::<Vec<_>>().join(", ")
}

/// `approved cn-miit -> bytedance about [nvidia-h200] 2026-01-28..2026-03-01 #5 closed-by #7`.
pub fn relation(r: &RelationView) -> String {
    let role = match r.role {
        Role::SubjectObject => "",
        Role::About => " about-link",
    };
    let mut s = format!("{}{role} {} -> {}", r.name, r.from, r.to);
    if !r.about.is_empty() {
        s.push_str(&format!(" about [{}]", ids(&r.about)));
    }
    let to = r.valid_to.map(|d| d.to_string()).unwrap_or_default();
    s.push_str(&format!(" {}..{to} #{}", r.valid_from, r.event));
    if let Some(c) = r.closed_by {
        s.push_str(&format!(" closed-by #{c}"));
    }
    if r.status != ClaimStatus::Reported {
        s.push_str(&format!(" ({})", r.status.as_str()));
    }
    s
}

/// `bytedance actor "ByteDance" {"country":"CN"}`.
fn entity(e: &EntityView) -> String {
    format!(
        "{} {} {} {}",
        e.id,
        e.entity_type,
        serde_json::Value::String(e.name.clone()),
        serde_json::Value::Object(e.attrs.clone())
    )
}

/// Prints events, which needs the log and the session.
struct Render<'a> {
    session: &'a Session,
    snap: Snapshot<'a>,
}

impl Render<'_> {
    /// `#5 approval_granted 2026-01-28 cn-miit -> bytedance about [nvidia-h200]`,
    /// with `(retracted by #M)` when retracted at `known`.
    fn event(&self, position: u64, known: Timestamp) -> String {
        let rec = match self.snap.event_at(position) {
            Ok(Some(rec)) => rec,
            other => self.session.fail(format!("no event at position {position}: {other:?}")),
        };
        let ev = &rec.event;
        let at = if self.session.generated.contains(&position) { "(today)".to_owned() } else { ev.at.to_string() };
        let mut s = format!("#{position} {} {at} {}", ev.kind, ev.subject.id);
        if let Some(o) = &ev.object {
            s.push_str(&format!(" -> {}", o.id));
        }
        if !ev.about.is_empty() {
            let about: Vec<EntityId> = ev.about.iter().map(|a| a.id.clone()).collect();
            s.push_str(&format!(" about [{}]", ids(&about)));
        }
        if let Some(t) = ev.retracts {
            let target = self.snap.engine().position_of(t).map_or_else(|| t.to_string(), |p| format!("#{p}"));
            s.push_str(&format!(" retracts {target}"));
        }
        let status = self.snap.event_status_at(position, known);
        if let Some(by) = status.and_then(|st| st.retracted_by) {
            s.push_str(&format!(" (retracted by #{by})"));
        }
        s
    }
}
