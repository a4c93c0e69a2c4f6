//! Journeys through hubs, against the model: graphs where a few entities
//! hold most relations, as real registers do (an agency listing hundreds of
//! parties), so that a search round is cheaper stepped into from the goal's
//! side than out of the frontier's. Every pair's earliest arrival and its
//! number of steps must be the model's, at two and three hops and in day
//! windows.

use std::collections::BTreeSet;

use serde_json::json;
use strata_core::{ClaimStatus, Day, EntityId, Timestamp};
use strata_engine::{Config, Engine, TemporalQuery};
use strata_testkit::model::{Logged, Model};

/// A seeded generator: enough randomness to shape the graphs.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn day(y: u64, d: u64) -> String {
    let Day(n) = Day::parse(&format!("{}-01-01", 2000 + y)).unwrap();
    Day(n + d as i32).to_string()
}

/// Hubs with many spokes, and a few edges between spokes, each relation
/// opened on a random day and some closed later.
fn hub_log(seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut lines = Vec::new();
    let mut pairs = BTreeSet::new();
    let mut relate = |rng: &mut Rng, a: String, b: String, lines: &mut Vec<String>| {
        if a == b || !pairs.insert((a.clone(), b.clone())) {
            return;
        }
        let (y, d) = (rng.below(15), rng.below(365));
        lines.push(
            json!({"kind": "investment_made", "at": day(y, d), "status": "confirmed",
            "subject": {"id": a, "type": "actor"}, "object": {"id": b, "type": "actor"}})
            .to_string(),
        );
        if rng.below(3) == 0 {
            lines.push(
                json!({"kind": "investment_exited", "at": day(y + 1 + rng.below(4), rng.below(365)),
                "status": "confirmed", "subject": a, "object": b})
                .to_string(),
            );
        }
    };
    for h in 0..2 {
        for _ in 0..20 {
            let spoke = format!("a{}", rng.below(40));
            relate(&mut rng, format!("hub-{h}"), spoke, &mut lines);
        }
    }
    for _ in 0..15 {
        let (a, b) = (format!("a{}", rng.below(40)), format!("a{}", rng.below(40)));
        relate(&mut rng, a, b, &mut lines);
    }
    lines
}

#[test]
fn journeys_through_hubs_arrive_when_the_model_says() {
    let statuses = [ClaimStatus::Confirmed, ClaimStatus::Reported];
    let mut compared = 0;
    for seed in 1..=3u64 {
        let engine = Engine::open(Config::in_memory()).unwrap();
        engine.append_text(&hub_log(seed).join("\n"), None).unwrap();
        let snap = engine.snapshot();
        let mut model = Model::new(engine.vocabulary());
        for p in 1..=snap.position() {
            let r = snap.event_at(p).unwrap().unwrap();
            model.push(Logged { position: p, recorded_at: r.recorded_at, event: r.event });
        }
        let ids: Vec<EntityId> = model.ids().into_iter().collect();
        let mut rng = Rng(seed ^ 0xfeed);
        for _ in 0..50 {
            let from = &ids[rng.below(ids.len() as u64) as usize];
            let to = &ids[rng.below(ids.len() as u64) as usize];
            // The model walks every (entity, day, hops) state: three hops keep it quick.
            let max_hops = 2 + rng.below(2) as usize;
            let after = (rng.below(3) == 0).then(|| Day::parse(&day(rng.below(15), 0)).unwrap());
            let before = (rng.below(3) == 0).then(|| Day::parse(&day(5 + rng.below(15), 0)).unwrap());
            let q = TemporalQuery { max_hops, after, before, ..TemporalQuery::latest(max_hops) };
            let engine_says = snap.journey(from, to, q).map(|j| (j.steps.last().and_then(|s| s.at), j.steps.len()));
            let model_says = model.journey(from, to, after, before, Timestamp::MAX, max_hops, &statuses, None);
            assert_eq!(
                engine_says, model_says,
                "seed {seed}: journey {from} -> {to}, at most {max_hops} hops, after {after:?}, before {before:?}"
            );
            compared += usize::from(model_says.is_some_and(|(_, hops)| hops >= 2));
        }
    }
    assert!(compared > 20, "only {compared} journeys of two steps or more: the graphs are too sparse to test");
}
