//! Names: how well `search` and `duplicates` answer on real Consolidated
//! Screening List records (`tests/data/names/`, see its README), how fast
//! `search` is on the generated logs, how fast the name index rebuilds, and
//! how soon a merge of two entities with 10,000 relations each is visible.
//!
//! The quality figures are printed (they are not times):
//!
//! - recall@5 of a held-out alias: each record with aliases is declared
//!   without its first alias, which is then the query; the record's entity
//!   must be among the first five hits. On two cuts: the one the matching
//!   rules were written against, and one that no rule was (parties and
//!   persons apart), which says whether the rules are fitted to the first;
//! - recall@5 of the name with one letter substituted, in another case, and
//!   without its corporate suffix;
//! - of the held-out aliases missed, how many share no token, even fuzzily,
//!   with the record's other names (the ceiling of a lexical matcher) and
//!   how many do; `STRATA_NAMES_MISSES=1` lists every miss;
//! - top-1 precision of `duplicates` on parties listed on two lists under
//!   different spellings (an alias of one record is the name of another
//!   list's record): the first suggestion must be the other listing.
//!
//! Then criterion times a search on the CSL store and at each generated
//! size (with the p95 of 1,000 searches printed, and of the same names
//! written short, three letters a word), the rebuild of the name
//! index (entities per second printed), and the append of a merge followed
//! by the first read of the merged entity's relations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark stops on the first surprise

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::json;
use strata_engine::{Config, Direction, Engine, EntityId, TimeFilter};
use strata_graph::text_match;
use strata_testkit::bench;

/// One CSL record: its entity id, list, type, name and aliases.
struct Record {
    id: String,
    list: String,
    person: bool,
    name: String,
    aliases: Vec<String>,
}

/// The cut the matching rules were written against (every second
/// non-person record with aliases, and the parties listed twice).
const TUNING_CUT: &str = "csl-2022-05-parties-cut.csv";
/// Records no rule was written against: the other non-person records with
/// aliases, and every second person with aliases.
const HOLDOUT_CUT: &str = "csl-2022-05-holdout-cut.csv";

fn records(file: &str) -> Vec<Record> {
    let path = format!("{}/../../tests/data/names/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, source, kind, name, alt) = (col("_id"), col("source"), col("type"), col("name"), col("alt_names"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let slug: String = r[id].to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
            Record {
                id: format!("csl-{slug}"),
                list: r[source].to_owned(),
                person: &r[kind] == "Individual",
                name: r[name].trim().to_owned(),
                aliases: r[alt].split(';').map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned).collect(),
            }
        })
        .filter(|r| !r.name.is_empty())
        .collect()
}

/// A store with every record declared, each without the aliases `hold` leaves out.
fn csl_store(records: &[Record], hold: impl Fn(&Record) -> Vec<String>) -> Engine {
    let engine = Engine::open(Config::in_memory()).unwrap();
    let lines: Vec<String> = records
        .iter()
        .map(|r| {
            let aliases: Vec<&String> = r.aliases.iter().filter(|a| !hold(r).contains(a)).collect();
            json!({"kind": "entity_declared", "at": "2022-05-06",
                   "subject": {"id": r.id, "type": "actor", "name": r.name, "aliases": aliases}})
            .to_string()
        })
        .collect();
    engine.append_text(&lines.join("\n"), None).unwrap();
    engine
}

/// The share of `queries` (query, expected id) whose id is among the first five hits.
fn recall(engine: &Engine, queries: &[(String, String)]) -> f64 {
    let snap = engine.snapshot();
    let found = queries
        .iter()
        .filter(|(q, id)| snap.search(q, None, TimeFilter::LATEST, 5).iter().any(|h| h.entity.id.as_str() == id))
        .count();
    found as f64 / queries.len().max(1) as f64
}

/// One letter of the name's longest word replaced by the next letter of the alphabet.
fn substituted(name: &str) -> Option<String> {
    let word = name.split_whitespace().max_by_key(|w| w.chars().filter(char::is_ascii_alphabetic).count())?;
    let start = name.find(word)?;
    let (i, c) = word.char_indices().filter(|(_, c)| c.is_ascii_alphabetic()).nth(word.len() / 2)?;
    let next = if c.eq_ignore_ascii_case(&'z') { 'a' } else { (c as u8 + 1) as char };
    let mut out = name.to_owned();
    out.replace_range(start + i..start + i + 1, &next.to_string());
    Some(out)
}

/// The name without its last word when that word is a corporate suffix.
fn without_suffix(name: &str) -> Option<String> {
    const SUFFIXES: &[&str] =
        &["ltd", "limited", "llc", "inc", "corp", "corporation", "co", "company", "gmbh", "jsc", "ooo", "plc", "sa"];
    let trimmed = name.trim_end_matches(['.', ',', ' ']);
    let (head, last) = trimmed.rsplit_once([' ', ','])?;
    let last = last.trim_matches('.').to_lowercase();
    SUFFIXES.contains(&last.as_str()).then(|| head.trim_end_matches([',', ' ']).to_owned())
}

/// Splits the held-out aliases search misses in two: (a) those that share
/// no token, even fuzzily, with the record's name or remaining aliases
/// (`text_match` is 0 both ways: no lexical matcher can find them from the
/// names it was given), and (b) the others. Prints the counts, and with
/// `STRATA_NAMES_MISSES=1` every miss with its class and the first hit.
fn held_out_misses(engine: &Engine, with_alias: &[&Record]) {
    let snap = engine.snapshot();
    let show = std::env::var_os("STRATA_NAMES_MISSES").is_some();
    let (mut unreachable, mut unreachable_found, mut missed) = (0, 0, 0);
    for r in with_alias {
        let query = &r.aliases[0];
        let known: Vec<&String> = std::iter::once(&r.name).chain(&r.aliases[1..]).collect();
        let lexical = known.iter().any(|n| text_match(query, n) > 0.0 || text_match(n, query) > 0.0);
        let hits = snap.search(query, None, TimeFilter::LATEST, 5);
        let found = hits.iter().any(|h| h.entity.id.as_str() == r.id);
        if !lexical {
            unreachable += 1;
            unreachable_found += usize::from(found);
        } else if !found {
            missed += 1;
        }
        if show && !found {
            let class = if lexical { "b" } else { "a" };
            let deeper = snap.search(query, None, TimeFilter::LATEST, 100);
            let rank = deeper.iter().position(|h| h.entity.id.as_str() == r.id).map_or(0, |p| p + 1);
            let first =
                hits.first().map_or(String::from("-"), |h| format!("{} {:.2} {:?}", h.entity.id, h.score, h.matched));
            eprintln!("  miss ({class}) rank {rank} {query:?} for {:?} {:?}; first: {first}", r.name, &r.aliases[1..]);
        }
    }
    let n = with_alias.len();
    eprintln!(
        "names: held-out aliases sharing no token with their record's other names: {unreachable} of {n} \
         ({unreachable_found} found all the same, by initials or words written as one); reachable but missed: \
         {missed}; so recall@5 is at most {:.3} for a matcher that compares spellings",
        (n - unreachable + unreachable_found) as f64 / n.max(1) as f64
    );
}

/// Recall@5 of a held-out alias over the records of `file` with aliases,
/// parties and persons apart (all declared in one store), and the split of
/// the misses. Returns the records.
fn held_out(file: &str) -> Vec<Record> {
    let records = records(file);
    let engine = csl_store(&records, |r| r.aliases.first().cloned().into_iter().collect());
    for (label, person) in [("parties", false), ("persons", true)] {
        let with_alias: Vec<&Record> = records.iter().filter(|r| r.person == person && !r.aliases.is_empty()).collect();
        if with_alias.is_empty() {
            continue;
        }
        let queries: Vec<(String, String)> = with_alias.iter().map(|r| (r.aliases[0].clone(), r.id.clone())).collect();
        eprintln!(
            "names: {file}: recall@5, held-out alias, {label}: {:.3} ({} records)",
            recall(&engine, &queries),
            queries.len()
        );
        held_out_misses(&engine, &with_alias);
    }
    records
}

fn quality() {
    held_out(HOLDOUT_CUT);
    let records = held_out(TUNING_CUT);

    let engine = csl_store(&records, |_| Vec::new());
    let typo: Vec<(String, String)> =
        records.iter().filter_map(|r| Some((substituted(&r.name)?, r.id.clone()))).collect();
    eprintln!("names: recall@5, one letter substituted: {:.3} ({} names)", recall(&engine, &typo), typo.len());
    let case: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            let other = if r.name == r.name.to_uppercase() { r.name.to_lowercase() } else { r.name.to_uppercase() };
            (other, r.id.clone())
        })
        .collect();
    eprintln!("names: recall@5, other case: {:.3} ({} names)", recall(&engine, &case), case.len());
    let bare: Vec<(String, String)> =
        records.iter().filter_map(|r| Some((without_suffix(&r.name)?, r.id.clone()))).collect();
    eprintln!("names: recall@5, no corporate suffix: {:.3} ({} names)", recall(&engine, &bare), bare.len());

    // Duplicates: an alias of one record is the name of another list's record.
    let fold = |s: &str| -> String { s.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect() };
    let folded: Vec<(String, Vec<String>)> =
        records.iter().map(|r| (fold(&r.name), r.aliases.iter().map(|a| fold(a)).collect())).collect();
    let mut pairs: Vec<(&Record, Vec<&Record>)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let (rn, ra) = &folded[i];
        let partners: Vec<&Record> = records
            .iter()
            .enumerate()
            .filter(|(j, o)| {
                let (on, oa) = &folded[*j];
                o.list != r.list && on != rn && (ra.contains(on) || oa.contains(rn))
            })
            .map(|(_, o)| o)
            .collect();
        if !partners.is_empty() {
            pairs.push((r, partners));
        }
    }
    let snap = engine.snapshot();
    let right = pairs
        .iter()
        .filter(|(r, partners)| {
            let id: EntityId = r.id.parse().unwrap();
            snap.duplicates(&id, TimeFilter::LATEST, 1)
                .first()
                .is_some_and(|h| partners.iter().any(|p| p.id == h.entity.id.as_str()))
        })
        .count();
    eprintln!(
        "names: duplicates top-1 precision: {:.3} ({} records listed twice under other spellings)",
        right as f64 / pairs.len().max(1) as f64,
        pairs.len()
    );
}

fn search_latency(c: &mut Criterion) {
    quality();
    let mut group = c.benchmark_group("search");
    group.sample_size(30).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    for n in bench::sizes() {
        let engine = Engine::open(Config::at(bench::store(n))).unwrap();
        let snap = engine.snapshot();
        let names: Vec<String> = snap
            .entities(None, None, TimeFilter::LATEST)
            .into_iter()
            .step_by(7)
            .take(1000)
            .map(|e| {
                // A word swapped and the case changed: what a person types.
                let mut words: Vec<&str> = e.name.split_whitespace().collect();
                words.reverse();
                words.join(" ").to_lowercase()
            })
            .collect();
        // The same names written short, three letters a word ("volsys"
        // for "Volara Systems"): no name has the word, so the search tries
        // it as a name written short, its slowest path.
        let short: Vec<String> = names
            .iter()
            .map(|q| q.split_whitespace().rev().map(|w| w.chars().take(3).collect::<String>()).collect())
            .collect();
        for (label, queries) in [("", &names), (", names written short", &short)] {
            let mut times: Vec<Duration> = queries
                .iter()
                .map(|q| {
                    let t = Instant::now();
                    let hits = snap.search(q, None, TimeFilter::LATEST, 10);
                    let took = t.elapsed();
                    assert!(!label.is_empty() || !hits.is_empty(), "{q}");
                    took
                })
                .collect();
            times.sort();
            let p95 = times[times.len() * 95 / 100];
            eprintln!("names: search p95 at {n} events{label}: {p95:?} over {} searches", times.len());
        }
        let mut i = 0;
        group.bench_function(BenchmarkId::new("generated", n), |b| {
            b.iter(|| {
                i = (i + 1) % names.len();
                snap.search(&names[i], None, TimeFilter::LATEST, 10)
            })
        });

        // The index rebuilt from the projection's declarations.
        let entities = snap.stats(strata_core::Timestamp::MAX).entities;
        let started = Instant::now();
        let rounds = 3;
        for _ in 0..rounds {
            engine.snapshot().rebuild_name_index();
        }
        let per = started.elapsed() / rounds;
        eprintln!(
            "names: index rebuild at {n} events: {per:?} for {entities} entities ({:.0} entities/s)",
            entities as f64 / per.as_secs_f64()
        );
    }
    group.finish();
}

/// Two entities with 10,000 relations each, then a merge: from the append
/// to the first read of the merged entity's relations.
fn merge_visible(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge");
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(1));
    group.bench_function("two hubs of 10000 relations", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let engine = Engine::open(Config::in_memory()).unwrap();
                let mut lines = vec![
                    json!({"kind":"entity_declared","at":"2020","subject":{"id":"hub-a","type":"actor","name":"Hub A"}})
                        .to_string(),
                    json!({"kind":"entity_declared","at":"2020","subject":{"id":"hub-b","type":"actor","name":"Hub B"}})
                        .to_string(),
                ];
                for i in 0..10_000 {
                    for hub in ["hub-a", "hub-b"] {
                        lines.push(
                            json!({"kind":"order_placed","at":"2021","subject":hub,
                                   "object":{"id":format!("{hub}-chip-{i}"),"type":"chip"}})
                            .to_string(),
                        );
                    }
                }
                engine.append_text(&lines.join("\n"), None).unwrap();
                let merge = json!({"kind":"same_as","at":"2022","subject":"hub-a","object":"hub-b"}).to_string();
                let started = Instant::now();
                engine.append_text(&merge, None).unwrap();
                let id: EntityId = "hub-a".parse().unwrap();
                let rels = engine.snapshot().relations(&id, TimeFilter::LATEST, Direction::Both, None);
                total += started.elapsed();
                assert_eq!(rels.len(), 20_000);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, search_latency, merge_visible);
criterion_main!(benches);
