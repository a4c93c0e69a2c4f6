//! Property tests driven by the event grammar (`strata_testkit::grammar`) and
//! judged by an independent model of the contract (`strata_testkit::model`),
//! against a durable store in a temporary directory:
//!
//! - a batch the engine accepts leaves a store that reopens and answers as
//!   it did before the reopen;
//! - the log, exported at every reopen and at the end of each seed and
//!   imported into a new store, is the same log there and answers the
//!   same (the log is always exportable, and its export is a backup);
//! - a batch the engine refuses leaves the log's bytes as they were, and the
//!   store still opens;
//! - the engine and the model agree on which batches are accepted and, at
//!   `asOf`/`knownAt` pairs drawn from the log's own dates and recorded
//!   times, on entities (type, name, or unknown), relations with their
//!   roles and intervals, shortest path lengths and diffs;
//! - across time, on connections (every interval, and a path on its first
//!   day that holds then and is shortest) and journeys (the arrival day and
//!   hops, and a path whose every step holds on its day, taken as early as
//!   it can be) between random pairs, and, at the end of each seed, on the
//!   knowledge diff between every pair of the instants the batches were
//!   recorded at.
//!
//! `STRATA_GRAMMAR_SEED` (the first seed, default fixed), `STRATA_GRAMMAR_CASES`
//! (how many seeds) and `STRATA_GRAMMAR_OPS` (operations per seed) widen the
//! run. A failure prints its seed and a replayable script: the batches as
//! NDJSON under `--- batch`, `> retract ID` and `> reopen` lines, cut down to
//! the operations the failure needs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use strata_core::{to_line, EntityDecl, EntityRef, EventId, Timestamp, ValidTime};
use strata_engine::{
    ClaimStatus, Config, Day, Direction, Engine, EntityId, EntityType, KnowledgeQuery, PathQuery, PathView, Role,
    StatusSet, TemporalQuery, TimeFilter,
};
use strata_testkit::grammar::{Choices, Grammar, Op, SeedChoices};
use strata_testkit::model::{Edge, EdgeRole, Logged, Model};
use tempfile::TempDir;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A path question: from, to, maxHops, directed.
type PathAsk = (EntityId, EntityId, usize, bool);

/// A question across valid time: from, to, maxHops, after, before, the
/// relation names followed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TemporalAsk {
    from: EntityId,
    to: EntityId,
    max_hops: usize,
    after: Option<Day>,
    before: Option<Day>,
    names: Option<Vec<String>>,
}

/// An entity as read: its type, name and names.
type Seen = (EntityType, String, Vec<String>);

/// One read's worth of answers, from the engine or from the model.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answers {
    entities: Vec<(EntityId, Option<Seen>)>,
    edges: Vec<Edge>,
    paths: Vec<(PathAsk, Option<usize>)>,
    diff: Option<(Day, Day, Vec<Edge>, Vec<Edge>)>,
    /// Per temporal question: each connection's interval and the hops of
    /// its path (the shortest on its first day).
    connections: Vec<Vec<(Day, Option<Day>, usize)>>,
    /// Per temporal question: the journey's arrival day and hops.
    journeys: Vec<Option<(Option<Day>, usize)>>,
}

/// Where to look: one `asOf`/`knownAt` pair and the questions to ask there.
#[derive(Debug, Clone)]
struct Probe {
    as_of: Option<Day>,
    known: Timestamp,
    /// The claim statuses shown.
    statuses: StatusSet,
    ids: Vec<EntityId>,
    paths: Vec<PathAsk>,
    diff: Option<(Day, Day)>,
    temporal: Vec<TemporalAsk>,
}

impl Probe {
    fn describe(&self) -> String {
        format!("asOf={:?} knownAt={:?} statuses={:?}", self.as_of, self.known, self.status_list())
    }

    fn status_list(&self) -> Vec<ClaimStatus> {
        self.statuses.iter().collect()
    }

    fn temporal_query(&self, ask: &TemporalAsk) -> TemporalQuery {
        TemporalQuery {
            known_at: self.known,
            statuses: self.statuses,
            max_hops: ask.max_hops,
            relations: ask.names.clone(),
            after: ask.after,
            before: ask.before,
        }
    }
}

/// The engine's connections and journey for one temporal question.
fn engine_temporal(
    engine: &Engine,
    p: &Probe,
    ask: &TemporalAsk,
) -> (Vec<strata_engine::Connection>, Option<PathView>) {
    let snap = engine.snapshot();
    let connections =
        snap.connections(&ask.from, &ask.to, TemporalQuery { after: None, before: None, ..p.temporal_query(ask) });
    (connections, snap.journey(&ask.from, &ask.to, p.temporal_query(ask)))
}

/// What is wrong with the engine's paths across time, judged by the
/// model: a connection's path must join the two on its first day over
/// edges that hold then, and be as short as any; a journey's steps must
/// join the two over edges that hold on each step's day, each day the
/// earliest the step could be taken after the one before.
fn temporal_problems(engine: &Engine, model: &Model, p: &Probe) -> Vec<String> {
    let mut out = Vec::new();
    let statuses = p.status_list();
    for ask in &p.temporal {
        let (connections, journey) = engine_temporal(engine, p, ask);
        // Paths run between merge survivors.
        let (from, to) = (model.resolve(&ask.from, p.known), model.resolve(&ask.to, p.known));
        let named = |e: &Edge| ask.names.as_ref().is_none_or(|ns| ns.contains(&e.name));
        for c in &connections {
            let day_edges: Vec<Edge> =
                model.edges(Some(c.valid_from), p.known, &statuses).into_iter().filter(|e| named(e)).collect();
            if let Err(why) = chain(&c.path, &from, &to, |step, edge| {
                if day_edges.contains(edge) {
                    Ok(())
                } else {
                    Err(format!("step {step}'s edge does not hold on {}", c.valid_from))
                }
            }) {
                out.push(format!("connection {ask:?} from {}: {why}: {:?}", c.valid_from, c.path));
            }
        }
        if let Some(path) = journey {
            let any_day: Vec<Edge> = model.edges_any_day(p.known, &statuses).into_iter().filter(|e| named(e)).collect();
            let mut day = ask.after.unwrap_or(Day::MIN);
            let check = chain(&path, &from, &to, |step, edge| {
                let at = path.steps[step].at.ok_or("a step has no day")?;
                if !any_day.contains(edge) {
                    return Err(format!("step {step}'s edge is not visible"));
                }
                if at != day.max(edge.valid_from) || edge.valid_to.is_some_and(|t| at >= t) {
                    return Err(format!("step {step} is taken on {at}, not the first day it could be after {day}"));
                }
                if ask.before.is_some_and(|b| at > b) {
                    return Err(format!("step {step} is taken after {:?}", ask.before));
                }
                day = at;
                Ok(())
            });
            if let Err(why) = check {
                out.push(format!("journey {ask:?}: {why}: {path:?}"));
            }
        }
    }
    out
}

/// Whether a path's steps lead from `from` to `to`, each over its edge
/// (either way), and pass `edge_ok`.
fn chain(
    path: &PathView,
    from: &EntityId,
    to: &EntityId,
    mut edge_ok: impl FnMut(usize, &Edge) -> Result<(), String>,
) -> Result<(), String> {
    let mut at = from;
    for (i, step) in path.steps.iter().enumerate() {
        let edge = edge_of(&step.relation);
        let ends = (&edge.from, &edge.to);
        if &step.from != at || !(ends == (&step.from, &step.to) || ends == (&step.to, &step.from)) {
            return Err(format!("step {i} does not continue the path over its edge"));
        }
        edge_ok(i, &edge)?;
        at = &step.to;
    }
    if at == to {
        Ok(())
    } else {
        Err("the path does not end at the goal".into())
    }
}

fn edge_of(r: &strata_engine::RelationView) -> Edge {
    let mut about = r.about.clone();
    about.sort();
    about.dedup();
    Edge {
        name: r.name.clone(),
        role: match r.role {
            Role::SubjectObject => EdgeRole::SubjectObject,
            Role::About => EdgeRole::About,
        },
        from: r.from.clone(),
        to: r.to.clone(),
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        about,
        status: r.status,
        event: r.event,
    }
}

fn engine_answers(engine: &Engine, p: &Probe) -> Answers {
    let t = TimeFilter { as_of: p.as_of, known_at: p.known, statuses: p.statuses };
    let snap = engine.snapshot();
    let entities = p
        .ids
        .iter()
        .map(|id| (id.clone(), snap.entity(id, t).map(|e| (e.entity_type, e.name, snap.names(id, t)))))
        .collect();
    let mut edges: Vec<Edge> =
        p.ids.iter().flat_map(|id| snap.relations(id, t, Direction::Out, None)).map(|r| edge_of(&r)).collect();
    edges.sort();
    // Two ids of one merged entity list its relations twice.
    edges.dedup();
    let paths = p
        .paths
        .iter()
        .map(|(a, b, hops, directed)| {
            let q = PathQuery { time: t, max_hops: *hops, relations: None, directed: *directed };
            ((a.clone(), b.clone(), *hops, *directed), snap.path(a, b, q).map(|v| v.hops()))
        })
        .collect();
    let diff = p.diff.map(|(d1, d2)| {
        let d = snap.diff(d1, d2, p.known, p.statuses);
        let mut added: Vec<Edge> = d.added.iter().map(edge_of).collect();
        let mut removed: Vec<Edge> = d.removed.iter().map(edge_of).collect();
        added.sort();
        removed.sort();
        (d1, d2, added, removed)
    });
    let (connections, journeys) = p
        .temporal
        .iter()
        .map(|ask| {
            let (connections, journey) = engine_temporal(engine, p, ask);
            let connections = connections.iter().map(|c| (c.valid_from, c.valid_to, c.path.hops())).collect();
            let arrival = journey.map(|j| (j.steps.last().and_then(|s| s.at), j.hops()));
            (connections, arrival)
        })
        .unzip();
    Answers { entities, edges, paths, diff, connections, journeys }
}

/// What to search for at a probe: for a few of its ids, each name the id
/// has now, in lower case, its first word's first four letters, and its
/// words cut to three letters and run together ("volsys" for "Volara
/// Systems"), which only a name written short matches.
fn search_queries(engine: &Engine, p: &Probe) -> Vec<String> {
    let snap = engine.snapshot();
    let mut out: Vec<String> = Vec::new();
    for id in p.ids.iter().step_by(p.ids.len() / 6 + 1) {
        for name in snap.names(id, TimeFilter::LATEST) {
            let word: String = name.split_whitespace().next().unwrap_or("").chars().take(4).collect();
            let short: String = name.split_whitespace().map(|w| w.chars().take(3).collect::<String>()).collect();
            out.extend([name.to_lowercase(), word, short]);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The engine's search and duplicates at the probe's time, for `queries`
/// and the probe's ids.
fn search_answers(engine: &Engine, p: &Probe, queries: &[String]) -> String {
    let t = TimeFilter { as_of: p.as_of, known_at: p.known, statuses: p.statuses };
    let snap = engine.snapshot();
    let mut out = String::new();
    for q in queries {
        let _ = writeln!(out, "search {q:?}: {:?}", snap.search(q, None, t, 10));
    }
    for id in p.ids.iter().step_by(p.ids.len() / 6 + 1) {
        let _ = writeln!(out, "duplicates {id}: {:?}", snap.duplicates(id, t, 10));
    }
    out
}

fn model_answers(model: &Model, p: &Probe) -> Answers {
    let entities = p
        .ids
        .iter()
        .map(|id| (id.clone(), model.entity(id, p.as_of, p.known).map(|e| (e.entity_type, e.name, e.names))))
        .collect();
    let paths = p
        .paths
        .iter()
        .map(|(a, b, hops, directed)| {
            let len = model.path_len(a, b, p.as_of, p.known, *hops, *directed, &p.status_list());
            ((a.clone(), b.clone(), *hops, *directed), len)
        })
        .collect();
    let diff = p.diff.map(|(d1, d2)| {
        let (added, removed) = model.diff(d1, d2, p.known, &p.status_list());
        (d1, d2, added, removed)
    });
    let statuses = p.status_list();
    let connections = p
        .temporal
        .iter()
        .map(|a| {
            let names = a.names.as_deref();
            let found = model.connections(&a.from, &a.to, p.known, a.max_hops, &statuses, names);
            found
                .into_iter()
                .map(|(from, to)| {
                    let hops = model.hops_on(&a.from, &a.to, from, p.known, a.max_hops, &statuses, names);
                    (from, to, hops.unwrap_or(usize::MAX))
                })
                .collect()
        })
        .collect();
    let journeys = p
        .temporal
        .iter()
        .map(|a| model.journey(&a.from, &a.to, a.after, a.before, p.known, a.max_hops, &statuses, a.names.as_deref()))
        .collect();
    let mut edges = model.edges(p.as_of, p.known, &statuses);
    edges.dedup();
    Answers { entities, edges, paths, diff, connections, journeys }
}

/// What differs between two answers (engine first): the kinds of
/// difference (one per sort of answer: entities, relations, paths, diffs)
/// and the details in words.
fn difference(engine: &Answers, model: &Answers) -> (Vec<String>, String) {
    let mut out = String::new();
    let mut categories: Vec<String> = Vec::new();
    let first = |categories: &mut Vec<String>, sort: &str, c: &str| {
        if !categories.iter().any(|x| x.starts_with(sort)) {
            categories.push(c.to_owned());
        }
    };
    for ((id, e), (_, m)) in engine.entities.iter().zip(&model.entities) {
        if e != m {
            let _ = writeln!(out, "  entity {id}: engine {e:?}, model {m:?}");
            let c = match (e, m) {
                (None, Some(_)) => "entity missing in the engine",
                (Some(_), None) => "entity shown by the engine, hidden by the model",
                (Some((et, _, _)), Some((mt, _, _))) if et != mt => "entity type differs",
                (Some((_, en, _)), Some((_, mn, _))) if en != mn => "entity name differs",
                _ => "entity names (aliases) differ",
            };
            first(&mut categories, "entity", c);
        }
    }
    for e in engine.edges.iter().filter(|e| !model.edges.contains(e)) {
        let _ = writeln!(out, "  edge only in the engine: {e:?}");
        first(&mut categories, "relation", "relation only in the engine");
    }
    for e in model.edges.iter().filter(|e| !engine.edges.contains(e)) {
        let _ = writeln!(out, "  edge only in the model: {e:?}");
        first(&mut categories, "relation", "relation only in the model");
    }
    if engine.edges.len() != model.edges.len() {
        let _ = writeln!(out, "  {} edges in the engine, {} in the model", engine.edges.len(), model.edges.len());
        first(&mut categories, "relation", "relation count differs");
    }
    for ((q, e), (_, m)) in engine.paths.iter().zip(&model.paths) {
        if e != m {
            let _ = writeln!(out, "  path {q:?}: engine {e:?}, model {m:?}");
            first(&mut categories, "path", "path length differs");
        }
    }
    if engine.diff != model.diff {
        let _ = writeln!(out, "  diff: engine {:?}\n        model  {:?}", engine.diff, model.diff);
        first(&mut categories, "diff", "diff differs");
    }
    for (i, (e, m)) in engine.connections.iter().zip(&model.connections).enumerate() {
        if e != m {
            let _ = writeln!(out, "  connections of temporal question {i}: engine {e:?}, model {m:?}");
            first(&mut categories, "connections", "connections differ");
        }
    }
    for (i, (e, m)) in engine.journeys.iter().zip(&model.journeys).enumerate() {
        if e != m {
            let _ = writeln!(out, "  journey of temporal question {i}: engine {e:?}, model {m:?}");
            first(&mut categories, "journey", "journey differs");
        }
    }
    (categories, out)
}

/// A failed property.
#[derive(Debug, Clone)]
struct Failure {
    category: String,
    detail: String,
}

fn fail(category: impl Into<String>, detail: impl Into<String>) -> Failure {
    Failure { category: category.into(), detail: detail.into() }
}

/// Counts over the whole run.
#[derive(Debug, Default)]
struct Tally {
    batches: u64,
    accepted: u64,
    refused: u64,
    retracts: u64,
    reopens: u64,
    restores: u64,
    comparisons: u64,
    /// Answers across time that were not empty: connections, journeys of
    /// at least one step, knowledge diffs with a learned or withdrawn relation.
    connected: u64,
    journeys: u64,
    knowledge_changes: u64,
    /// Why the model refused, by rule.
    reasons: BTreeMap<&'static str, u64>,
}

/// The rule a model refusal names.
fn rule_of(why: &str) -> &'static str {
    const RULES: [&str; 12] = [
        "expected position",
        "does not parse",
        "other content",
        "unknown entity",
        "declared here as",
        "two types",
        "not allowed for",
        "same entity",
        "no relation open",
        "unknown event",
        "retracts a retraction",
        "already retracted",
    ];
    RULES.iter().find(|r| why.contains(*r)).copied().unwrap_or("other")
}

/// One store, its model, and the questions drawn at random.
struct Driver {
    dir: TempDir,
    engine: Option<Engine>,
    model: Model,
    rng: SeedChoices,
    probes_per_check: usize,
    /// The vocabulary, for the relation names a question may follow.
    vocab: strata_core::Vocabulary,
    /// The recorded time of the last event of each batch stored.
    instants: Vec<Timestamp>,
}

impl Driver {
    fn new(seed: u64, probes_per_check: usize) -> Driver {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(Config::at(dir.path())).unwrap();
        let vocab = engine.vocabulary();
        let model = Model::new(vocab.clone());
        Driver {
            dir,
            engine: Some(engine),
            model,
            rng: SeedChoices::new(seed ^ 0x9e37_79b9),
            probes_per_check,
            vocab,
            instants: Vec::new(),
        }
    }

    fn engine(&self) -> Result<&Engine, Failure> {
        self.engine.as_ref().ok_or_else(|| fail("store does not open", "no engine"))
    }

    /// The log as export lines, read from the store.
    fn export(&self) -> Result<Vec<String>, Failure> {
        export_of(self.engine()?)
    }

    fn reopen(&mut self) -> Result<(), Failure> {
        self.engine = None;
        match Engine::open(Config::at(self.dir.path())) {
            Ok(e) => {
                self.engine = Some(e);
                Ok(())
            }
            Err(e) => Err(fail("store does not open", format!("Engine::open: {e}"))),
        }
    }

    /// Random questions at a random `asOf`/`knownAt` from the log's own times.
    fn probe(&mut self) -> Probe {
        let log = self.model.log();
        let mut known: Vec<Timestamp> = vec![Timestamp::MIN, Timestamp::MAX];
        for l in log {
            known.push(l.recorded_at);
            known.push(Timestamp(l.recorded_at.0 - 1));
        }
        let mut days: Vec<Day> = vec![Day::parse("2018-06-01").unwrap_or(Day::MIN)];
        for l in log {
            let d = l.event.at.start();
            days.extend([d, Day(d.0 - 1), Day(d.0 + 1)]);
        }
        let c = &mut self.rng;
        let pick_day = |c: &mut SeedChoices| days[c.below(days.len() as u32) as usize];
        let as_of = if c.below(4) == 0 { None } else { Some(pick_day(c)) };
        let known = known[c.below(known.len() as u32) as usize];
        let mut ids: Vec<EntityId> = self.model.ids().into_iter().collect();
        ids.push("never-declared".parse().unwrap());
        let mut paths = Vec::new();
        for _ in 0..3 {
            let a = ids[c.below(ids.len() as u32) as usize].clone();
            let b = ids[c.below(ids.len() as u32) as usize].clone();
            paths.push((a, b, 1 + c.below(5) as usize, c.below(4) == 0));
        }
        let diff = Some((pick_day(c), pick_day(c)));
        // Mostly the default; else every status, or any subset.
        let statuses = match c.below(4) {
            0 | 1 => StatusSet::BELIEVED,
            2 => StatusSet::ALL,
            _ => StatusSet::of(ClaimStatus::ALL.into_iter().filter(|_| c.below(2) == 0)),
        };
        let names: Vec<String> =
            log.iter().filter_map(|l| self.vocab.get(&l.event.kind).and_then(|k| k.relation.clone())).collect();
        let mut temporal = Vec::new();
        for _ in 0..2 {
            let from = ids[c.below(ids.len() as u32) as usize].clone();
            let to = ids[c.below(ids.len() as u32) as usize].clone();
            let bound = |c: &mut SeedChoices| (c.below(3) == 0).then(|| pick_day(c));
            let (after, before) = (bound(c), bound(c));
            let names = match c.below(5) {
                0 if !names.is_empty() => Some(vec![names[c.below(names.len() as u32) as usize].clone()]),
                _ => None,
            };
            temporal.push(TemporalAsk { from, to, max_hops: 1 + c.below(4) as usize, after, before, names });
        }
        Probe { as_of, known, statuses, ids, paths, diff, temporal }
    }

    /// The engine and the model agree on the knowledge diff between every
    /// pair of the instants batches were recorded at (and before the
    /// first), at a random `asOf`, statuses and entity each time.
    fn knowledge_agrees(&mut self, tally: &mut Tally) -> Result<Vec<Failure>, Failure> {
        let mut instants = vec![Timestamp::MIN];
        instants.extend(self.instants.iter().copied());
        let ids: Vec<EntityId> = self.model.ids().into_iter().collect();
        let days: Vec<Day> = self.model.log().iter().map(|l| l.event.at.start()).collect();
        let mut found: Vec<Failure> = Vec::new();
        for (i, &from) in instants.iter().enumerate() {
            for &to in &instants[i + 1..] {
                let c = &mut self.rng;
                let as_of = match c.below(3) {
                    0 => None,
                    _ if days.is_empty() => None,
                    _ => {
                        let d = days[c.below(days.len() as u32) as usize];
                        Some(Day(d.0 + c.below(3) as i32 - 1))
                    }
                };
                let entity =
                    (c.below(4) == 0 && !ids.is_empty()).then(|| ids[c.below(ids.len() as u32) as usize].clone());
                let statuses = if c.below(3) == 0 { StatusSet::ALL } else { StatusSet::BELIEVED };
                let status_list: Vec<ClaimStatus> = statuses.iter().collect();
                let query = KnowledgeQuery { from, to, as_of, entity: entity.clone(), statuses };
                let e = self.engine()?.snapshot().knowledge_diff(query);
                let sorted = |views: &[strata_engine::RelationView]| {
                    let mut v: Vec<Edge> = views.iter().map(edge_of).collect();
                    v.sort();
                    v
                };
                let (learned, withdrawn) = (sorted(&e.learned), sorted(&e.withdrawn));
                let m = self.model.knowledge_diff(from, to, as_of, entity.as_ref(), &status_list);
                tally.comparisons += 1;
                tally.knowledge_changes += u64::from(!(m.learned.is_empty() && m.withdrawn.is_empty()));
                if (learned.as_slice(), withdrawn.as_slice(), e.events.as_slice())
                    != (m.learned.as_slice(), m.withdrawn.as_slice(), m.events.as_slice())
                    && !found.iter().any(|f| f.category == "knowledge diff differs")
                {
                    found.push(fail(
                        "knowledge diff differs",
                        format!(
                            "from {from} to {to} asOf={as_of:?} entity={entity:?} statuses={status_list:?}:\n  engine learned {learned:?}\n  model  learned {:?}\n  engine withdrew {withdrawn:?}\n  model  withdrew {:?}\n  engine events {:?}, model events {:?}",
                            m.learned, m.withdrawn, e.events, m.events
                        ),
                    ));
                }
            }
        }
        Ok(found)
    }

    /// The engine and the model agree at a few probes: what differs, by
    /// kind of difference.
    fn compare(&mut self, tally: &mut Tally) -> Result<Vec<Failure>, Failure> {
        let mut found: Vec<Failure> = Vec::new();
        for _ in 0..self.probes_per_check {
            let p = self.probe();
            let e = engine_answers(self.engine()?, &p);
            let m = model_answers(&self.model, &p);
            tally.comparisons += 1;
            tally.connected += m.connections.iter().filter(|c| !c.is_empty()).count() as u64;
            tally.journeys += m.journeys.iter().filter(|j| j.is_some_and(|(_, hops)| hops > 0)).count() as u64;
            if e != m {
                let (categories, detail) = difference(&e, &m);
                for c in categories {
                    if !found.iter().any(|f| f.category == c) {
                        found.push(fail(c, format!("at {}:\n{detail}", p.describe())));
                    }
                }
            }
            let problems = temporal_problems(self.engine()?, &self.model, &p);
            if !problems.is_empty() && !found.iter().any(|f| f.category == "path across time does not hold") {
                let detail = format!("at {}:\n  {}", p.describe(), problems.join("\n  "));
                found.push(fail("path across time does not hold", detail));
            }
        }
        Ok(found)
    }

    /// Reopens the store and checks it answers as before.
    fn reopen_same(&mut self) -> Result<(), Failure> {
        let probes: Vec<Probe> = (0..self.probes_per_check.max(2)).map(|_| self.probe()).collect();
        let engine = self.engine()?;
        let before: Vec<Answers> = probes.iter().map(|p| engine_answers(engine, p)).collect();
        let log = self.export()?;
        self.reopen()?;
        if self.export()? != log {
            return Err(fail("reopened log differs", "the log read after the reopen is not the one before"));
        }
        for (p, b) in probes.iter().zip(&before) {
            let a = engine_answers(self.engine()?, p);
            if a != *b {
                let (categories, detail) = difference(&a, b);
                return Err(fail(
                    format!("answers change on reopen ({})", categories.join(", ")),
                    format!("at {} (after reopen first, before second):\n{detail}", p.describe()),
                ));
            }
        }
        Ok(())
    }

    /// Imports the log's export into a new store, as a restore from a
    /// backup does, and checks that it reads back as the same lines and
    /// answers the same questions.
    fn restore_same(&mut self, tally: &mut Tally) -> Result<(), Failure> {
        tally.restores += 1;
        let probes: Vec<Probe> = (0..self.probes_per_check.max(2)).map(|_| self.probe()).collect();
        let log = self.export()?;
        let restored = Engine::open(Config::in_memory()).map_err(|e| fail("store does not open", e.to_string()))?;
        if !log.is_empty() {
            restored.append_text(&log.join("\n"), None).map_err(|e| fail("export does not restore", e.to_string()))?;
        }
        let again = export_of(&restored)?;
        if let Some(i) = (0..log.len().max(again.len())).find(|i| log.get(*i) != again.get(*i)) {
            return Err(fail(
                "restored log differs",
                format!("line {}: exported {:?}, restored {:?}", i + 1, log.get(i), again.get(i)),
            ));
        }
        for p in &probes {
            let (a, b) = (engine_answers(&restored, p), engine_answers(self.engine()?, p));
            if a != b {
                let (categories, detail) = difference(&a, &b);
                return Err(fail(
                    format!("answers change on restore ({})", categories.join(", ")),
                    format!("at {} (restored first, original second):\n{detail}", p.describe()),
                ));
            }
        }
        Ok(())
    }

    /// Feeds the events the store gained into the model.
    fn sync_model(&mut self) -> Result<(), Failure> {
        let from = self.model.log().len() as u64 + 1;
        let events: Vec<_> = self
            .engine()?
            .scan(from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail("log does not scan", e.to_string()))?;
        let last = events.last().map(|r| r.recorded_at);
        for r in events {
            self.model.push(Logged { position: r.position, recorded_at: r.recorded_at, event: r.event });
        }
        self.instants.extend(last);
        Ok(())
    }

    /// Runs one operation and checks every property: whether the store
    /// took it, and what broke. `Err` is a failure after which the store
    /// cannot be used (it does not open or read).
    fn step(&mut self, op: &Op, tally: &mut Tally) -> Result<(bool, Vec<Failure>), Failure> {
        let mut found = Vec::new();
        let before = self.export()?;
        // Reads at a knownAt the log has reached: whatever is appended
        // next (a merge, a retraction of one), they must answer the same.
        // So must their searches, which rank by the names recorded by then.
        type Past = (Probe, Answers, Vec<String>, String);
        let past: Vec<Past> = match (op, self.model.log().last().map(|l| l.recorded_at)) {
            (Op::Reopen, _) | (_, None) => Vec::new(),
            (_, Some(last)) => (0..2)
                .map(|_| {
                    let mut p = self.probe();
                    p.known = p.known.min(last);
                    let engine = self.engine()?;
                    let a = engine_answers(engine, &p);
                    let queries = search_queries(engine, &p);
                    let found = search_answers(engine, &p, &queries);
                    Ok((p, a, queries, found))
                })
                .collect::<Result<_, Failure>>()?,
        };
        let (result, verdict) = match op {
            Op::Reopen => {
                tally.reopens += 1;
                if let Err(f) = self.reopen_same() {
                    if self.engine.is_none() {
                        return Err(f);
                    }
                    found.push(f);
                }
                if let Err(f) = self.restore_same(tally) {
                    found.push(f);
                }
                return Ok((true, found));
            }
            Op::Append { text, expected } => {
                tally.batches += 1;
                let head = self.engine()?.head().position;
                let expected = expected.map(|d| (head as i64 + d).max(0) as u64);
                let verdict = self.model.accepts(text, expected);
                (self.engine()?.append_text(text, expected).map(|_| ()), verdict)
            }
            Op::Retract { target, by } => {
                tally.retracts += 1;
                let target = EventId::parse(target).map_err(|e| fail("bad generated id", e))?;
                let by = by.as_ref().map(|b| EntityRef::by_id(b.parse().unwrap()));
                // The event the engine's retraction call writes, as the contract describes it.
                let subject = by.clone().unwrap_or_else(|| EntityRef {
                    id: "analyst".parse().unwrap(),
                    decl: Some(EntityDecl {
                        entity_type: Some(EntityType::Actor),
                        name: Some("Analyst".into()),
                        aliases: Vec::new(),
                        attrs: Default::default(),
                    }),
                });
                let event = strata_core::Event {
                    id: EventId::new_v7(),
                    kind: "event_retracted".into(),
                    at: ValidTime::from_day(Timestamp::now().day()),
                    subject,
                    object: None,
                    about: Vec::new(),
                    attrs: Default::default(),
                    source: None,
                    retracts: Some(target),
                    status: Default::default(),
                    disputes: Vec::new(),
                    note: None,
                };
                let verdict = self.model.accepts_events(&[(event, false)]);
                (self.engine()?.retract(target, "grammar test", by, None).map(|_| ()), verdict)
            }
        };
        if let Err(why) = &verdict {
            *tally.reasons.entry(rule_of(why)).or_default() += 1;
        }
        match result {
            Ok(()) => {
                tally.accepted += 1;
                self.sync_model()?;
                if let Err(why) = verdict {
                    found.push(fail("engine accepts what the model refuses", format!("model: {why}")));
                }
                if let Err(f) = self.reopen_same() {
                    if self.engine.is_none() {
                        return Err(f);
                    }
                    found.push(f);
                }
                for (p, was, queries, was_found) in &past {
                    let now = engine_answers(self.engine()?, p);
                    if now != *was {
                        let (_, detail) = difference(&now, was);
                        found.push(fail(
                            "a read at an earlier knownAt changed",
                            format!("at {}, after the append (now first, then before):\n{detail}", p.describe()),
                        ));
                    }
                    let now_found = search_answers(self.engine()?, p, queries);
                    if now_found != *was_found {
                        found.push(fail(
                            "a search at an earlier knownAt changed",
                            format!(
                                "at {}, after the append:\n now:\n{now_found}\n before:\n{was_found}",
                                p.describe()
                            ),
                        ));
                    }
                }
                found.extend(self.compare(tally)?);
                Ok((true, found))
            }
            Err(e) => {
                tally.refused += 1;
                if self.export()? != before {
                    found.push(fail("a batch answered with an error was stored anyway", format!("engine: {e}")));
                    // The model follows the log, whatever the engine answered.
                    self.sync_model()?;
                }
                if let Err(f) = self.reopen() {
                    return Err(fail(f.category, format!("{}; after the error {e}", f.detail)));
                }
                if verdict.is_ok() {
                    let category = if e.to_string().contains("unknown entity") {
                        "engine refuses an entity the model resolves"
                    } else {
                        "engine refuses what the model accepts"
                    };
                    found.push(fail(category, format!("engine: {e}")));
                }
                Ok((false, found))
            }
        }
    }
}

/// An engine's log as export lines.
fn export_of(engine: &Engine) -> Result<Vec<String>, Failure> {
    engine.scan(1).map(|r| r.map(|e| to_line(&e)).map_err(|e| fail("log does not scan", e.to_string()))).collect()
}

/// Runs `ops` on a fresh store: the index and the first failure of
/// `category` (any category when `None`).
fn replay(seed: u64, ops: &[Op], probes: usize, category: Option<&str>) -> Option<(usize, Failure)> {
    let mut d = Driver::new(seed, probes);
    let mut tally = Tally::default();
    let wanted = |f: &Failure| category.is_none_or(|c| f.category == c);
    for (i, op) in ops.iter().enumerate() {
        match d.step(op, &mut tally) {
            Ok((_, found)) => {
                if let Some(f) = found.into_iter().find(wanted) {
                    return Some((i, f));
                }
            }
            Err(f) => return wanted(&f).then_some((i, f)),
        }
    }
    let last = ops.len().saturating_sub(1);
    match d.knowledge_agrees(&mut tally) {
        Ok(found) => found.into_iter().find(wanted).map(|f| (last, f)),
        Err(f) => wanted(&f).then_some((last, f)),
    }
}

/// Cuts the operations down to fewer that still fail in the same category.
fn shrink(seed: u64, mut ops: Vec<Op>, category: &str) -> Vec<Op> {
    let mut i = 0;
    while i + 1 < ops.len() {
        let mut fewer = ops.clone();
        fewer.remove(i);
        match replay(seed, &fewer, 8, Some(category)) {
            Some((at, _)) => {
                fewer.truncate(at + 1);
                ops = fewer;
            }
            _ => i += 1,
        }
    }
    // Then the lines of each batch.
    // A replay that fails earlier truncates `ops`, so each step looks again.
    for i in 0..ops.len() {
        let mut j = 0;
        while let Some(Op::Append { text, expected }) = ops.get(i) {
            let lines: Vec<&str> = text.lines().collect();
            if j >= lines.len() || lines.len() < 2 {
                break;
            }
            let mut fewer = ops.clone();
            let text =
                lines.iter().enumerate().filter(|(k, _)| *k != j).map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
            fewer[i] = Op::Append { text, expected: *expected };
            match replay(seed, &fewer, 8, Some(category)) {
                Some((at, _)) if at >= i => {
                    fewer.truncate(at + 1);
                    ops = fewer;
                }
                _ => j += 1,
            }
        }
    }
    ops
}

fn script(ops: &[Op]) -> String {
    ops.iter().map(Op::script).collect::<Vec<_>>().join("\n")
}

/// One seed: generated operations, until the store cannot be used. Each
/// failure comes with the operations that lead to it (what changed the
/// store, reopens, and the failing operation).
fn run_seed(seed: u64, ops: u64, tally: &mut Tally) -> Vec<(Vec<Op>, Failure)> {
    let mut d = Driver::new(seed, 3);
    let vocab = strata_core::Vocabulary::builtin();
    let mut g = Grammar::new(&vocab);
    let mut c = SeedChoices::new(seed);
    let mut kept: Vec<Op> = Vec::new();
    let mut failures: Vec<(Vec<Op>, Failure)> = Vec::new();
    for _ in 0..ops {
        let op = g.next(&mut c);
        match d.step(&op, tally) {
            Ok((accepted, found)) => {
                g.outcome(accepted);
                let stored = accepted || found.iter().any(|f| f.category.contains("stored anyway"));
                for f in found {
                    if !failures.iter().any(|(_, old)| old.category == f.category) {
                        let mut upto = kept.clone();
                        upto.push(op.clone());
                        failures.push((upto, f));
                    }
                }
                if stored {
                    kept.push(op);
                }
            }
            Err(f) => {
                kept.push(op);
                failures.push((kept, f));
                return failures;
            }
        }
    }
    match d.knowledge_agrees(tally) {
        Ok(found) => {
            for f in found {
                if !failures.iter().any(|(_, old)| old.category == f.category) {
                    failures.push((kept.clone(), f));
                }
            }
        }
        Err(f) => failures.push((kept.clone(), f)),
    }
    if let Err(f) = d.restore_same(tally) {
        if !failures.iter().any(|(_, old)| old.category == f.category) {
            // Replayed, the script ends with a reopen, which restores too.
            kept.push(Op::Reopen);
            failures.push((kept, f));
        }
    }
    failures
}

#[test]
fn grammar_batches_agree_with_the_model_and_survive_reopen() {
    let first = env_u64("STRATA_GRAMMAR_SEED", 20_261_202);
    let cases = env_u64("STRATA_GRAMMAR_CASES", 40);
    let ops = env_u64("STRATA_GRAMMAR_OPS", 30);
    eprintln!("grammar: seeds {first}..{} ({cases} cases of {ops} operations)", first + cases);
    let mut tally = Tally::default();
    // The first failure of each category, with the shortest script.
    let mut failures: BTreeMap<String, (u64, Vec<Op>, Failure)> = BTreeMap::new();
    let mut failed_seeds = 0u64;
    for seed in first..first + cases {
        let found = run_seed(seed, ops, &mut tally);
        if !found.is_empty() {
            failed_seeds += 1;
        }
        for (kept, f) in found {
            let shorter = failures.get(&f.category).is_none_or(|(_, old, _)| kept.len() < old.len());
            if shorter {
                failures.insert(f.category.clone(), (seed, kept, f));
            }
        }
    }
    eprintln!(
        "grammar: {} batches ({} accepted and {} refused over batches, retractions and reopens), {} retractions, {} reopens, {} restores from an export, {} model comparisons; {failed_seeds} of {cases} seeds failed",
        tally.batches, tally.accepted, tally.refused, tally.retracts, tally.reopens, tally.restores, tally.comparisons
    );
    eprintln!(
        "grammar: across time, {} connected pairs, {} journeys of at least one step, {} knowledge diffs with a change",
        tally.connected, tally.journeys, tally.knowledge_changes
    );
    eprintln!("grammar: the model's refusals by rule: {:?}", tally.reasons);
    if failures.is_empty() {
        return;
    }
    let mut report = String::new();
    for (category, (seed, kept, f)) in failures {
        let small = shrink(seed, kept.clone(), &category);
        let (detail, small) = match replay(seed, &small, 8, Some(&category)) {
            Some((_, g)) => (g.detail, small),
            _ => (f.detail, kept),
        };
        let _ = write!(
            report,
            "\n=== {category} (seed {seed}; rerun with STRATA_GRAMMAR_SEED={seed} STRATA_GRAMMAR_CASES=1)\n{detail}\nscript:\n{}\n",
            script(&small)
        );
    }
    panic!("the engine breaks the contract:\n{report}");
}
