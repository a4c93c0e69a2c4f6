//! Generated logs as a user meets them: they import cleanly, are reproducible,
//! and have the shape the benchmarks rely on (every kind, ~1% retractions,
//! skewed degrees, every date precision, evidence in realistic proportions).

#![expect(clippy::unwrap_used, clippy::panic, reason = "test helpers outside #[test] fns")]

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;
use strata_engine::{Config as EngineConfig, Engine};
use strata_gen::{generate, Config};

fn log(events: u64, seed: u64) -> String {
    generate(Config { events, seed }).unwrap()
}

fn lines(log: &str) -> Vec<Value> {
    log.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn entity_id(r: &Value) -> String {
    match r {
        Value::String(s) => s.clone(),
        Value::Object(m) => m["id"].as_str().unwrap().to_owned(),
        other => panic!("not an entity reference: {other}"),
    }
}

#[test]
fn logs_of_every_size_import_cleanly_with_the_exact_event_count() {
    for (events, seed) in [(1, 1), (2, 9), (7, 3), (250, 4), (5_000, 5), (20_000, 42)] {
        let text = log(events, seed);
        let engine = Engine::open(EngineConfig::in_memory()).unwrap();
        let outcome = engine
            .append_text(&text, None)
            .unwrap_or_else(|e| panic!("{events} events, seed {seed}: the log does not import: {e}"));
        assert_eq!(outcome.appended as u64, events, "seed {seed}");
        assert_eq!(engine.snapshot().position(), events);
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    let a = log(3_000, 11);
    assert_eq!(a, log(3_000, 11));
    assert_ne!(a, log(3_000, 12));
    // The size is exact, whatever the seed.
    assert_eq!(log(3_001, 11).lines().count(), 3_001);
}

#[test]
fn a_twenty_thousand_event_log_uses_every_kind_of_the_vocabulary() {
    let seen: BTreeSet<String> =
        lines(&log(20_000, 7)).iter().map(|l| l["kind"].as_str().unwrap().to_owned()).collect();
    // Every kind but the merge kinds: the generated log names each party once,
    // so it has no two ids of one party to merge or keep apart.
    let all: BTreeSet<String> = strata_core::Vocabulary::builtin()
        .kinds()
        .filter(|k| !matches!(k.effect, strata_core::Effect::Merges | strata_core::Effect::Distinguishes))
        .map(|k| k.kind.clone())
        .collect();
    let missing: Vec<&String> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "kinds never generated: {missing:?}");
}

#[test]
fn about_one_percent_of_events_are_retractions_of_earlier_events() {
    let ls = lines(&log(50_000, 3));
    let mut seen_ids = std::collections::HashSet::new();
    let mut retractions = 0;
    for l in &ls {
        if l["kind"] == "event_retracted" {
            retractions += 1;
            let target = l["retracts"].as_str().unwrap();
            assert!(seen_ids.contains(target), "a retraction names an event not earlier in the log: {target}");
        }
        assert!(seen_ids.insert(l["id"].as_str().unwrap().to_owned()), "ids are unique");
    }
    let share = f64::from(retractions) / ls.len() as f64;
    assert!((0.007..0.013).contains(&share), "retraction share {share}");
}

#[test]
fn most_claims_are_reported_some_confirmed_a_few_expected_or_denied_and_a_few_dispute() {
    let ls = lines(&log(50_000, 5));
    let mut seen_ids = std::collections::HashSet::new();
    let mut statuses: HashMap<String, usize> = HashMap::new();
    let (mut relation_events, mut disputing, mut denials_disputing, mut denials) = (0usize, 0usize, 0usize, 0usize);
    for l in &ls {
        let kind = l["kind"].as_str().unwrap();
        if kind != "entity_declared" && kind != "event_retracted" {
            relation_events += 1;
            let status = l.get("status").and_then(Value::as_str).unwrap_or("reported");
            assert_ne!(l.get("status").and_then(Value::as_str), Some("reported"), "the default is left out");
            *statuses.entry(status.to_owned()).or_default() += 1;
            if status == "denied" {
                denials += 1;
            }
        } else {
            assert!(l.get("status").is_none() && l.get("disputes").is_none(), "evidence on a {kind} line");
        }
        if let Some(ds) = l.get("disputes") {
            disputing += 1;
            if l.get("status").and_then(Value::as_str) == Some("denied") {
                denials_disputing += 1;
            }
            for d in ds.as_array().unwrap() {
                assert!(seen_ids.contains(d.as_str().unwrap()), "a dispute names an event not earlier in the log");
            }
        }
        seen_ids.insert(l["id"].as_str().unwrap().to_owned());
    }
    let share = |s: &str| statuses.get(s).copied().unwrap_or(0) as f64 / relation_events as f64;
    assert!(share("reported") > 0.5, "{statuses:?}");
    assert!((0.15..0.35).contains(&share("confirmed")), "{statuses:?}");
    assert!((0.01..0.10).contains(&share("expected")), "{statuses:?}");
    assert!((0.005..0.06).contains(&share("denied")), "{statuses:?}");
    let dispute_share = disputing as f64 / relation_events as f64;
    assert!((0.005..0.05).contains(&dispute_share), "{disputing} of {relation_events} events dispute another");
    assert!(denials_disputing * 3 > denials, "most denials say what they deny: {denials_disputing} of {denials}");
}

#[test]
fn degrees_follow_a_power_law_a_few_hubs_hold_much() {
    let mut degree: HashMap<String, u64> = HashMap::new();
    let mut ends = 0u64;
    for l in lines(&log(50_000, 5)) {
        if l["kind"] == "entity_declared" || l["kind"] == "event_retracted" {
            continue;
        }
        let mut refs = vec![&l["subject"]];
        refs.extend(l.get("object"));
        refs.extend(l.get("about").and_then(Value::as_array).into_iter().flatten());
        for r in refs {
            *degree.entry(entity_id(r)).or_default() += 1;
            ends += 1;
        }
    }
    let mut d: Vec<u64> = degree.into_values().collect();
    d.sort_unstable_by(|a, b| b.cmp(a));
    let top = d.len().div_ceil(100);
    let share = d[..top].iter().sum::<u64>() as f64 / ends as f64;
    // Uniform picks would give the top 1% about 1-2% of the ends.
    assert!(share > 0.15, "the top 1% of {} entities hold only {:.1}% of relation ends", d.len(), share * 100.0);
    let median = d[d.len() / 2];
    assert!(d[0] > 50 * median, "the largest hub ({}) is not far above the median degree ({median})", d[0]);
}

#[test]
fn dates_come_at_every_precision_over_twenty_years_and_recorded_time_increases() {
    let ls = lines(&log(20_000, 8));
    let mut shapes = BTreeSet::new();
    let mut years = BTreeSet::new();
    let mut last = String::new();
    for l in &ls {
        let at = l["at"].as_str().unwrap();
        let shape = match at.len() {
            4 => "year",
            7 if at.contains('Q') => "quarter",
            7 => "month",
            10 => "day",
            _ if at.contains('T') => "instant",
            _ => panic!("unexpected date {at}"),
        };
        shapes.insert(shape);
        if l["kind"] != "entity_declared" {
            years.insert(at[..4].to_owned());
        }
        let recorded = l["recordedAt"].as_str().unwrap().to_owned();
        assert!(recorded > last, "recordedAt runs backwards: {recorded} after {last}");
        last = recorded;
        let source = l["source"].as_object().expect("every event has a source");
        assert!(source.contains_key("publisher") && source.contains_key("url"));
    }
    assert_eq!(shapes.len(), 5, "{shapes:?}");
    assert!(years.len() >= 20, "valid times span {} years: {years:?}", years.len());
}
