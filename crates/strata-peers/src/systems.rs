//! The systems run in process: strata itself, cozo, and a plain BFS over an
//! adjacency list (the floor any in-memory graph could reach).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use cozo::{DataValue, DbInstance, ScriptMutability};
use strata_engine::{Config, Day, Engine, EntityId, NeighborhoodQuery, PathQuery};

use crate::derive::Dataset;
use crate::questions::{Outcome, Questions};

/// Times `ask` on each question until the budget is spent; the first few
/// questions are asked once beforehand, untimed, to warm caches.
fn timed<Q: Copy, A>(
    questions: &[Q],
    budget: Duration,
    mut ask: impl FnMut(Q) -> Result<A>,
) -> Result<(Vec<A>, Vec<f64>, Option<String>)> {
    for &q in questions.iter().take(5) {
        ask(q)?;
    }
    let (mut answers, mut times) = (Vec::new(), Vec::new());
    let started = Instant::now();
    for &q in questions {
        if started.elapsed() > budget {
            let note = format!(
                "stopped after {} of {} questions (budget {} s)",
                answers.len(),
                questions.len(),
                budget.as_secs()
            );
            return Ok((answers, times, Some(note)));
        }
        let t = Instant::now();
        let a = ask(q)?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
        answers.push(a);
    }
    Ok((answers, times, None))
}

fn join_notes(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(
            [a.map(|s| format!("neighborhood {s}")), b.map(|s| format!("path {s}"))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// strata in process: an in-memory engine fed the NDJSON in batches of
/// `batch` lines (0: the whole file as one batch, as `strata import` does),
/// asked through the projection's public reads (`neighborhood_ids`, `path`).
pub fn strata(data: &Dataset, q: &Questions, budget: Duration, batch: usize) -> Result<Outcome> {
    let started = Instant::now();
    let engine = Engine::open(Config::in_memory())?;
    if batch == 0 {
        engine.append_text(&data.text, None)?;
    } else {
        let lines: Vec<&str> = data.text.lines().collect();
        for chunk in lines.chunks(batch) {
            engine.append_text(&chunk.join("\n"), None)?;
        }
    }
    let load_s = started.elapsed().as_secs_f64();
    let index = data.index_of();
    let ids: Vec<EntityId> =
        data.names.iter().map(|n| n.parse::<EntityId>().map_err(|e| anyhow!("{e}"))).collect::<Result<_>>()?;
    let snap = engine.snapshot();
    let hops = q.neighborhood_hops;
    // Timed: strata's answer, its ids. Not timed: turning them into the
    // harness's entity numbers and sorting them for the comparison.
    let (found, nb_us, nb_note) = timed(&q.neighborhood, budget, |(c, day)| {
        let t = snap.filter(Some(Day(day)), None);
        Ok(snap.neighborhood_ids(&ids[c as usize], NeighborhoodQuery { time: t, hops, relations: None }))
    })?;
    let nb = found
        .into_iter()
        .map(|found| {
            let mut set: Vec<u32> =
                found.into_iter().flatten().filter_map(|id| index.get(id.as_str()).copied()).collect();
            set.sort_unstable();
            set
        })
        .collect();
    let max_hops = q.path_max_hops;
    let (pa, pa_us, pa_note) = timed(&q.path, budget, |(a, b, day)| {
        let pq = PathQuery { time: snap.filter(Some(Day(day)), None), max_hops, relations: None, directed: false };
        Ok(snap.path(&ids[a as usize], &ids[b as usize], pq).map(|p| p.hops() as u32))
    })?;
    Ok(Outcome {
        system: if batch == 0 {
            "strata (in process)".into()
        } else {
            format!("strata (in process, batches of {batch})")
        },
        load_s,
        neighborhood: nb,
        neighborhood_us: nb_us,
        path: pa,
        path_us: pa_us,
        note: join_notes(nb_note, pa_note),
    })
}

const DAY_US: i64 = 86_400_000_000;

fn int(v: i64) -> DataValue {
    DataValue::from(v)
}

fn validity(day: i32, assert: bool) -> DataValue {
    DataValue::List(vec![int(i64::from(day) * DAY_US), DataValue::from(assert)])
}

fn as_u32(v: &DataValue) -> Result<u32> {
    v.get_int()
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| anyhow!("cozo returned {v:?} where an entity number was expected"))
}

/// cozo with in-memory storage: the edges in a stored relation keyed by a
/// `Validity` column (an assertion at the day a relation opens, a retraction
/// at the day it closes), asked with time travel (`@ day`): a depth-bounded
/// recursive rule for the neighborhood, the `ShortestPathBFS` fixed rule
/// for the path.
pub fn cozo(data: &Dataset, q: &Questions, budget: Duration) -> Result<Outcome> {
    let started = Instant::now();
    let db = DbInstance::new("mem", "", "").map_err(|e| anyhow!("{e:?}"))?;
    let run = |script: &str, params: BTreeMap<String, DataValue>, m: ScriptMutability| {
        db.run_script(script, params, m).map_err(|e| anyhow!("cozo: {e:?}"))
    };
    run(":create adj {a: Int, b: Int, rid: Int, at: Validity}", BTreeMap::new(), ScriptMutability::Mutable)?;
    run(":create node {id: Int => visible: Bool}", BTreeMap::new(), ScriptMutability::Mutable)?;
    let nodes: Vec<DataValue> = data
        .visible
        .iter()
        .enumerate()
        .map(|(i, v)| DataValue::List(vec![int(i as i64), DataValue::from(*v)]))
        .collect();
    run(
        "?[id, visible] <- $rows :put node {id => visible}",
        BTreeMap::from([("rows".to_string(), DataValue::List(nodes))]),
        ScriptMutability::Mutable,
    )?;
    // Both directions are stored, so both are prefix scans on `a`.
    let mut rows = Vec::new();
    for (rid, e) in data.edges.iter().enumerate() {
        for (a, b) in [(e.src, e.dst), (e.dst, e.src)] {
            let key = |v| DataValue::List(vec![int(a.into()), int(b.into()), int(rid as i64), v]);
            rows.push(key(validity(e.from, true)));
            if e.to != crate::derive::OPEN_END {
                rows.push(key(validity(e.to, false)));
            }
        }
        if rows.len() >= 200_000 {
            let chunk = std::mem::take(&mut rows);
            run(
                "?[a, b, rid, at] <- $rows :put adj {a, b, rid, at}",
                BTreeMap::from([("rows".to_string(), DataValue::List(chunk))]),
                ScriptMutability::Mutable,
            )?;
        }
    }
    run(
        "?[a, b, rid, at] <- $rows :put adj {a, b, rid, at}",
        BTreeMap::from([("rows".to_string(), DataValue::List(rows))]),
        ScriptMutability::Mutable,
    )?;
    let load_s = started.elapsed().as_secs_f64();

    let hops = q.neighborhood_hops as i64;
    let nb_script = "r[n, d] := n = $s, d = 0
        r[m, d1] := r[n, d], d < $hops, *adj{a: n, b: m @ $t}, d1 = d + 1
        ?[n] := r[n, _], *node{id: n, visible: true}";
    let (nb, nb_us, nb_note) = timed(&q.neighborhood, budget, |(c, day)| {
        let params = BTreeMap::from([
            ("s".to_string(), int(c.into())),
            ("hops".to_string(), int(hops)),
            ("t".to_string(), int(i64::from(day) * DAY_US)),
        ]);
        let res = run(nb_script, params, ScriptMutability::Immutable)?;
        let mut set: Vec<u32> = res.rows.iter().map(|r| as_u32(&r[0])).collect::<Result<_>>()?;
        set.sort_unstable();
        Ok(set)
    })?;
    let max_hops = q.path_max_hops as u32;
    let path_script = "e[a, b] := *adj{a, b @ $t}
        start[s] := s = $s
        goal[g] := g = $g
        ?[s, g, p] <~ ShortestPathBFS(e[a, b], start[s], goal[g])";
    let (pa, pa_us, pa_note) = timed(&q.path, budget, |(a, b, day)| {
        if a == b {
            return Ok(Some(0));
        }
        let params = BTreeMap::from([
            ("s".to_string(), int(a.into())),
            ("g".to_string(), int(b.into())),
            ("t".to_string(), int(i64::from(day) * DAY_US)),
        ]);
        let res = run(path_script, params, ScriptMutability::Immutable)?;
        let hops = match res.rows.first().map(|r| &r[2]) {
            Some(DataValue::List(p)) => Some(p.len() as u32 - 1),
            _ => None,
        };
        Ok(hops.filter(|&h| h <= max_hops))
    })?;
    Ok(Outcome {
        system: "cozo 0.7.6 (mem, in process)".into(),
        load_s,
        neighborhood: nb,
        neighborhood_us: nb_us,
        path: pa,
        path_us: pa_us,
        note: join_notes(nb_note, pa_note),
    })
}

/// A BFS over a plain adjacency list with the interval test inline: no
/// store, no entity records, no result views. What the questions cost with
/// nothing else in the way.
pub fn plain(data: &Dataset, q: &Questions, budget: Duration) -> Result<Outcome> {
    let started = Instant::now();
    let mut adj: Vec<Vec<(u32, i32, i32)>> = vec![Vec::new(); data.names.len()];
    for e in &data.edges {
        adj[e.src as usize].push((e.dst, e.from, e.to));
        adj[e.dst as usize].push((e.src, e.from, e.to));
    }
    let load_s = started.elapsed().as_secs_f64();
    // Entities reached by the current question carry its stamp, so nothing
    // is reset between questions (a reset would charge one question for the
    // size of the one before).
    let mut mark = vec![0u32; data.names.len()];
    let mut stamp = 0u32;
    // Breadth-first from `s` up to `max` hops, level by level; stops early
    // when it reaches `goal`. Returns the entities reached, `s` first.
    let mut bfs = |s: u32, day: i32, max: u32, goal: Option<u32>| -> (Vec<u32>, Option<u32>) {
        stamp += 1;
        mark[s as usize] = stamp;
        let mut reached = vec![s];
        if goal == Some(s) {
            return (reached, Some(0));
        }
        let mut next = 0;
        for d in 1..=max {
            let level_end = reached.len();
            if next == level_end {
                break;
            }
            while next < level_end {
                let u = reached[next];
                next += 1;
                for &(v, from, to) in &adj[u as usize] {
                    if from <= day && day < to && mark[v as usize] != stamp {
                        mark[v as usize] = stamp;
                        if goal == Some(v) {
                            return (Vec::new(), Some(d));
                        }
                        reached.push(v);
                    }
                }
            }
        }
        (reached, None)
    };
    let hops = q.neighborhood_hops as u32;
    // Sorted for the comparison after the timing, as strata's answers are.
    let (mut nb, nb_us, nb_note) = timed(&q.neighborhood, budget, |(c, day)| {
        let (mut set, _) = bfs(c, day, hops, None);
        set.retain(|&n| data.visible[n as usize]);
        Ok(set)
    })?;
    for set in &mut nb {
        set.sort_unstable();
    }
    let max_hops = q.path_max_hops as u32;
    let (pa, pa_us, pa_note) = timed(&q.path, budget, |(a, b, day)| Ok(bfs(a, day, max_hops, Some(b)).1))?;
    Ok(Outcome {
        system: "plain BFS (Rust adjacency list)".into(),
        load_s,
        neighborhood: nb,
        neighborhood_us: nb_us,
        path: pa,
        path_us: pa_us,
        note: join_notes(nb_note, pa_note),
    })
}
