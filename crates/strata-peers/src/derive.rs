//! The edge table, derived from the NDJSON log without strata's projection.
//!
//! The peers need relations with validity intervals. Taking them from
//! strata's own graph would make every peer repeat strata's mistakes, so this
//! module replays the vocabulary's effects itself, from the parsed lines only:
//! opens and marks make relations, a relation ends at the earliest matching
//! close dated on or after it (closes are order-independent), about-links
//! share their relation's interval, retracted events are ignored (knownAt is
//! "everything recorded"), and an entity is visible while some surviving
//! event declares it. Only what strata's reads show by default is kept:
//! relations whose event is `confirmed` or `reported`, and closes of those
//! statuses (an expected or denied close ends nothing).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{bail, Context, Result};
use strata_core::{ClaimStatus, Effect, EventId, Location, Vocabulary};

/// "Still open": later than any date a query asks about.
pub const OPEN_END: i32 = i32::MAX;

/// One directed edge of the graph, valid for the days `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub src: u32,
    pub dst: u32,
    pub from: i32,
    pub to: i32,
}

/// What every system is loaded with.
pub struct Dataset {
    /// Entity ids; an entity's index here is its number everywhere else.
    pub names: Vec<String>,
    /// Whether the entity is visible (declared by an event that survives).
    pub visible: Vec<bool>,
    pub edges: Vec<Edge>,
    /// The NDJSON text, handed to strata as is.
    pub text: String,
    pub events: usize,
    pub retracted: usize,
}

impl Dataset {
    pub fn index_of(&self) -> HashMap<&str, u32> {
        self.names.iter().enumerate().map(|(i, n)| (n.as_str(), i as u32)).collect()
    }
}

struct Opening {
    key: (String, u32, Option<u32>),
    about: Vec<u32>,
    from: i32,
    marks: bool,
}

struct Closing {
    about: Vec<u32>,
    at: i32,
}

/// Reads `path` and derives the dataset.
pub fn load(path: &Path, vocab: &Vocabulary) -> Result<Dataset> {
    let mut text = String::new();
    let mut reader = BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?);
    std::io::Read::read_to_string(&mut reader, &mut text)?;
    from_text(text, vocab)
}

/// Derives the dataset from NDJSON text.
pub fn from_text(text: String, vocab: &Vocabulary) -> Result<Dataset> {
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = strata_core::parse_line(line, Location::Line(i + 1), vocab).map_err(|e| anyhow::anyhow!("{e}"))?;
        lines.push(parsed.event);
    }
    let retracted: HashSet<EventId> = lines.iter().filter_map(|e| e.retracts).collect();

    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut intern = |id: &str| -> u32 {
        if let Some(&i) = index.get(id) {
            return i;
        }
        let i = names.len() as u32;
        names.push(id.to_string());
        index.insert(id.to_string(), i);
        i
    };
    let mut declared: HashSet<u32> = HashSet::new();
    let mut openings: Vec<Opening> = Vec::new();
    let mut closings: HashMap<(String, u32, Option<u32>), Vec<Closing>> = HashMap::new();
    for ev in &lines {
        let Some(spec) = vocab.get(&ev.kind) else { bail!("kind {} not in the vocabulary", ev.kind) };
        for r in ev.refs() {
            intern(r.id.as_str());
        }
        if retracted.contains(&ev.id) {
            continue;
        }
        // A retraction's own subject may be declared inline: it counts.
        for r in ev.refs() {
            if r.decl.is_some() {
                declared.insert(intern(r.id.as_str()));
            }
        }
        if spec.effect == Effect::Retracts {
            continue;
        }
        let s = intern(ev.subject.id.as_str());
        let o = ev.object.as_ref().map(|r| intern(r.id.as_str()));
        let mut about: Vec<u32> = ev.about.iter().map(|r| intern(r.id.as_str())).collect();
        about.sort_unstable();
        about.dedup();
        let rel = spec.relation.clone().unwrap_or_default();
        let day = ev.at.start().0;
        let believed = matches!(ev.status, ClaimStatus::Confirmed | ClaimStatus::Reported);
        match spec.effect {
            Effect::Declares => {
                declared.insert(s);
            }
            Effect::Opens | Effect::Marks if believed => {
                openings.push(Opening { key: (rel, s, o), about, from: day, marks: spec.effect == Effect::Marks })
            }
            Effect::Closes if believed => closings.entry((rel, s, o)).or_default().push(Closing { about, at: day }),
            // A merge makes two ids one entity with the relations of both;
            // this replay does not model that, so it refuses rather than
            // hand the peers a graph strata does not have.
            Effect::Merges if believed => bail!(
                "event {} ({}) merges two entities: the peer comparison does not replay merges; use a log without them",
                ev.id,
                ev.kind
            ),
            // Distinguishing two parties changes no relation.
            Effect::Opens
            | Effect::Marks
            | Effect::Closes
            | Effect::Retracts
            | Effect::Merges
            | Effect::Distinguishes => {}
        }
    }

    let mut edges = Vec::new();
    for op in &openings {
        let to = if op.marks {
            OPEN_END
        } else {
            closings
                .get(&op.key)
                .into_iter()
                .flatten()
                .filter(|c| c.at >= op.from && (c.about.is_empty() || c.about == op.about))
                .map(|c| c.at)
                .min()
                .unwrap_or(OPEN_END)
        };
        if to <= op.from {
            continue; // closed on the day it opened: never visible
        }
        let (_, s, o) = op.key;
        let mut push = |src: u32, dst: u32| edges.push(Edge { src, dst, from: op.from, to });
        if let Some(o) = o {
            push(s, o);
        }
        for &c in &op.about {
            push(s, c);
            if let Some(o) = o {
                push(o, c);
            }
        }
    }
    let visible = (0..names.len() as u32).map(|i| declared.contains(&i)).collect();
    Ok(Dataset { names, visible, edges, text, events: lines.len(), retracted: retracted.len() })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::time::Duration;

    use super::*;
    use crate::questions::{self, Questions, NEIGHBORHOOD_HOPS, PATH_MAX_HOPS};
    use crate::systems;

    const LOG: &str = r#"{"kind":"entity_declared","at":"2019","subject":{"id":"miit","type":"agency"}}
{"kind":"entity_declared","at":"2019","subject":{"id":"bytedance","type":"actor"}}
{"kind":"entity_declared","at":"2019","subject":{"id":"h200","type":"chip"}}
{"kind":"entity_declared","at":"2019","subject":{"id":"h20","type":"chip"}}
{"id":"00000000-0000-4000-8000-000000000001","kind":"approval_granted","at":"2020-01-01","subject":"miit","object":"bytedance","about":["h200"]}
{"kind":"approval_revoked","at":"2022","subject":"miit","object":"bytedance"}
{"kind":"approval_revoked","at":"2021-Q2","subject":"miit","object":"bytedance","about":["h200"]}
{"kind":"approval_granted","at":"2020-03","subject":"miit","object":"bytedance","about":["h20"]}
{"id":"00000000-0000-4000-8000-000000000002","kind":"order_placed","at":"2020-05-05","subject":"bytedance","object":"h20"}
{"kind":"statement_made","at":"2023","subject":{"id":"deepseek","type":"actor","name":"DeepSeek"},"about":["h20"]}
{"kind":"event_retracted","at":"2024","subject":{"id":"analyst","type":"actor"},"retracts":"00000000-0000-4000-8000-000000000002"}
"#;

    fn day(s: &str) -> i32 {
        strata_core::Day::parse(s).unwrap().0
    }

    #[test]
    fn intervals_follow_the_vocabulary_and_closes_in_any_order() {
        let data = from_text(LOG.to_string(), &Vocabulary::builtin()).unwrap();
        let n = data.index_of();
        let edge = |a: &str, b: &str| -> Vec<(i32, i32)> {
            let mut v: Vec<_> =
                data.edges.iter().filter(|e| e.src == n[a] && e.dst == n[b]).map(|e| (e.from, e.to)).collect();
            v.sort();
            v
        };
        // The about-specific close (earlier date, later in the log) ends the
        // h200 approval; the h20 one, opened after it in the log, still ends
        // at the close that names no about.
        assert_eq!(
            edge("miit", "bytedance"),
            vec![(day("2020-01-01"), day("2021-04-01")), (day("2020-03-01"), day("2022-01-01"))]
        );
        assert_eq!(edge("miit", "h200"), vec![(day("2020-01-01"), day("2021-04-01"))]);
        assert_eq!(
            edge("bytedance", "h20"),
            vec![(day("2020-03-01"), day("2022-01-01"))],
            "the retracted order is gone"
        );
        assert_eq!(
            edge("deepseek", "h20"),
            vec![(day("2023-01-01"), OPEN_END)],
            "a statement without object links its about"
        );
        assert!(data.visible[n["analyst"] as usize], "a retraction declares its inline subject");
    }

    #[test]
    fn strata_answers_as_the_derived_edges_do() {
        let data = from_text(LOG.to_string(), &Vocabulary::builtin()).unwrap();
        let n = data.index_of();
        let dates = ["2019-06-01", "2020-02-01", "2020-06-01", "2021-06-01", "2022-06-01", "2023-06-01"];
        let ids = ["miit", "bytedance", "h200", "h20", "deepseek"];
        let mut q = Questions {
            neighborhood_hops: NEIGHBORHOOD_HOPS,
            path_max_hops: PATH_MAX_HOPS,
            neighborhood: vec![],
            neighborhood_size: vec![],
            uniform: 0,
            per_bucket: 0,
            top_up_draws: 0,
            path: vec![],
        };
        for d in dates {
            for a in ids {
                q.neighborhood.push((n[a], day(d)));
                for b in ids {
                    q.path.push((n[a], n[b], day(d)));
                }
            }
        }
        let budget = Duration::from_secs(60);
        let strata = systems::strata(&data, &q, budget, 0).unwrap();
        let plain = systems::plain(&data, &q, budget).unwrap();
        assert_eq!(strata.neighborhood, plain.neighborhood);
        assert_eq!(strata.path, plain.path);
        let reached = strata.path.iter().filter(|p| p.is_some_and(|h| h > 0)).count();
        assert!(reached > 10, "the log connects entities at some dates ({reached})");
    }

    #[test]
    fn drawn_questions_know_the_size_of_their_answers() {
        let data = from_text(LOG.to_string(), &Vocabulary::builtin()).unwrap();
        let q = questions::draw(&data, 40, 3);
        assert_eq!(q.uniform, 40);
        assert_eq!(q.neighborhood.len(), q.neighborhood_size.len());
        let strata = systems::strata(&data, &q, Duration::from_secs(60), 0).unwrap();
        let sizes: Vec<usize> = strata.neighborhood.iter().map(Vec::len).collect();
        assert_eq!(sizes, q.neighborhood_size, "the bucket of each question is the size of strata's answer");
    }

    #[test]
    fn answers_of_exactly_10_100_and_1000_entities_open_a_bucket() {
        let bucket = |n| questions::bucket_of(n).map(|b| questions::BUCKETS[b].2);
        assert_eq!(bucket(0), None);
        assert_eq!(bucket(1), Some("1 ≤ n < 10"));
        assert_eq!(bucket(9), Some("1 ≤ n < 10"));
        assert_eq!(bucket(10), Some("10 ≤ n < 100"));
        assert_eq!(bucket(100), Some("100 ≤ n < 1,000"));
        assert_eq!(bucket(999), Some("100 ≤ n < 1,000"));
        assert_eq!(bucket(1000), Some("n ≥ 1,000"));
    }
}
