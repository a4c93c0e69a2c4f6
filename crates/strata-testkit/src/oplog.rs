//! Small random logs for the projection's property tests: operations over
//! pools of actors, agencies and chips (opens, closes, marks, declarations
//! and retractions), made into events and kept when the graph accepts them.
//!
//! The builder hands back plain [`RecordedEvent`]s and asks the caller
//! whether each one is accepted, so it serves the graph's own unit tests
//! (whose `Projection` is the crate under test) as well as its integration
//! tests.

use proptest::prelude::*;
use serde_json::{json, Value};
use strata_core::{parse_value, Day, Location, RecordedEvent, Timestamp, Vocabulary};

/// The entities the operations name: actors `a0..`, agencies `g0..`, chips
/// `c0..`.
#[derive(Debug, Clone, Copy)]
pub struct Pools {
    /// How many actors.
    pub actors: usize,
    /// How many agencies.
    pub agencies: usize,
    /// How many chips.
    pub chips: usize,
}

impl Pools {
    /// Every entity, with its type: the actors, then the agencies, then the
    /// chips.
    pub fn entities(&self) -> Vec<(String, &'static str)> {
        let pool = |prefix: &str, n: usize, ty: &'static str| {
            (0..n).map(move |i| (format!("{prefix}{i}"), ty)).collect::<Vec<_>>()
        };
        let mut all = pool("a", self.actors, "actor");
        all.extend(pool("g", self.agencies, "agency"));
        all.extend(pool("c", self.chips, "chip"));
        all
    }

    fn actor(&self, i: usize) -> String {
        format!("a{}", i % self.actors)
    }

    fn agency(&self, i: usize) -> String {
        format!("g{}", i % self.agencies)
    }

    fn chip(&self, i: usize) -> String {
        format!("c{}", i % self.chips)
    }
}

/// The opening kinds and the kind that closes each: approval (agency →
/// actor), ban (agency → chip), investment (actor → actor).
const OPENS: [(&str, &str); 3] =
    [("approval_granted", "approval_revoked"), ("ban_imposed", "ban_lifted"), ("investment_made", "investment_exited")];

/// One randomly chosen operation; most become events, some are refused by
/// the graph's checks (a close with nothing open), which the tests also
/// exercise. Indices wrap around their pool.
#[derive(Debug, Clone)]
pub enum Op {
    /// Opens a relation of kind `0..3` (see the kinds above), from `day`.
    Open {
        /// Which opening kind.
        kind: usize,
        /// The subject's index.
        s: usize,
        /// The object's index.
        o: usize,
        /// The chips it is about.
        about: Vec<usize>,
        /// Days after 2025-01-01.
        day: i32,
    },
    /// Closes a relation of kind `0..3` on `day`.
    Close {
        /// Which opening kind it closes.
        kind: usize,
        /// The subject's index.
        s: usize,
        /// The object's index.
        o: usize,
        /// The chips it is about.
        about: Vec<usize>,
        /// Days after 2025-01-01.
        day: i32,
    },
    /// Marks kind `0..2`: a letter (actor → agency), an order (actor → chip).
    Mark {
        /// Which marking kind.
        kind: usize,
        /// The subject's index.
        s: usize,
        /// The object's index.
        o: usize,
        /// The chips it is about.
        about: Vec<usize>,
        /// Days after 2025-01-01.
        day: i32,
    },
    /// Declares entity `entity` (an index into [`Pools::entities`]) again,
    /// with a new name, dated `day`.
    Redeclare {
        /// The entity's index.
        entity: usize,
        /// Which of its names.
        name: u8,
        /// Days after 2025-01-01.
        day: i32,
    },
    /// Declares entity `entity` with its type only, dated 2025.
    Declare {
        /// The entity's index.
        entity: usize,
    },
    /// Retracts the event `back` places before the end of the log.
    Retract {
        /// How far back.
        back: usize,
    },
}

/// How often each operation is drawn, relative to the others.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// [`Op::Open`].
    pub open: u32,
    /// [`Op::Close`].
    pub close: u32,
    /// [`Op::Mark`].
    pub mark: u32,
    /// [`Op::Redeclare`].
    pub redeclare: u32,
    /// [`Op::Declare`].
    pub declare: u32,
    /// [`Op::Retract`].
    pub retract: u32,
}

/// Operations over `pools`, drawn by `weights`.
pub fn op(pools: Pools, weights: Weights) -> impl Strategy<Value = Op> {
    let ends = pools.actors.max(pools.agencies).max(pools.chips);
    let entities = pools.actors + pools.agencies + pools.chips;
    let about = proptest::collection::vec(0..pools.chips, 0..3);
    prop_oneof![
        weights.open => (0..3usize, 0..ends, 0..ends, about.clone(), 0..30i32)
            .prop_map(|(kind, s, o, about, day)| Op::Open { kind, s, o, about, day }),
        weights.close => (0..3usize, 0..ends, 0..ends, about.clone(), 0..30i32)
            .prop_map(|(kind, s, o, about, day)| Op::Close { kind, s, o, about, day }),
        weights.mark => (0..2usize, 0..ends, 0..ends, about, 0..30i32)
            .prop_map(|(kind, s, o, about, day)| Op::Mark { kind, s, o, about, day }),
        weights.redeclare => (0..entities, 0..3u8, 0..30i32).prop_map(|(entity, name, day)| Op::Redeclare { entity, name, day }),
        weights.declare => (0..entities).prop_map(|entity| Op::Declare { entity }),
        weights.retract => (1..12usize).prop_map(|back| Op::Retract { back }),
    ]
}

/// The date `day` days after 2025-01-01.
pub fn date(day: i32) -> String {
    Day(Day::from_ymd(2025, 1, 1).map_or(0, |d| d.0) + day).to_string()
}

/// The event line of `op`, given the events kept so far (`None`: a
/// retraction reaching before the log's start).
pub fn to_json(pools: Pools, op: &Op, log: &[RecordedEvent]) -> Option<Value> {
    let ends = |kind: usize, s: usize, o: usize| match kind {
        0 => (pools.agency(s), pools.actor(o)),
        1 => (pools.agency(s), pools.chip(o)),
        _ => (pools.actor(s), pools.actor(o)),
    };
    let about = |a: &[usize]| a.iter().map(|&i| pools.chip(i)).collect::<Vec<_>>();
    let entity = |i: usize| {
        let all = pools.entities();
        all[i % all.len()].clone()
    };
    Some(match op {
        Op::Open { kind, s, o, about: a, day } | Op::Close { kind, s, o, about: a, day } => {
            let (s, o) = ends(*kind, *s, *o);
            let (open, close) = OPENS[kind % OPENS.len()];
            let k = if matches!(op, Op::Open { .. }) { open } else { close };
            json!({"kind": k, "at": date(*day), "subject": s, "object": o, "about": about(a)})
        }
        Op::Mark { kind, s, o, about: a, day } => {
            let (k, o) = if *kind == 0 { ("letter_sent", pools.agency(*o)) } else { ("order_placed", pools.chip(*o)) };
            json!({"kind": k, "at": date(*day), "subject": pools.actor(*s), "object": o, "about": about(a)})
        }
        Op::Redeclare { entity: i, name, day } => {
            let (id, ty) = entity(*i);
            json!({"kind": "entity_declared", "at": date(*day), "subject": {"id": id, "type": ty, "name": format!("{id}-v{name}")}})
        }
        Op::Declare { entity: i } => {
            let (id, ty) = entity(*i);
            json!({"kind": "entity_declared", "at": "2025", "subject": {"id": id, "type": ty}})
        }
        Op::Retract { back } => {
            let target = log.len().checked_sub(*back)?;
            json!({"kind": "event_retracted", "at": date(0), "subject": "a0", "retracts": log[target].event.id.to_string()})
        }
    })
}

/// The log of `ops`: the first `declared` entities of `pools` declared up
/// front, then each operation's event, recorded a second after the one
/// before and kept when `accept` (which checks and applies it, as the engine
/// does) says so.
///
/// # Panics
///
/// When an operation makes a line that does not parse: a bug of this module.
pub fn build(
    pools: Pools,
    declared: usize,
    ops: &[Op],
    mut accept: impl FnMut(&RecordedEvent) -> bool,
) -> Vec<RecordedEvent> {
    let vocab = Vocabulary::builtin();
    let mut log: Vec<RecordedEvent> = Vec::new();
    let mut push = |log: &mut Vec<RecordedEvent>, v: Value| {
        let parsed = parse_value(&v, Location::Index(log.len()), &vocab)
            .unwrap_or_else(|e| panic!("a generated event does not parse: {e}"));
        let rec = RecordedEvent {
            position: log.len() as u64 + 1,
            recorded_at: Timestamp(1_000_000 * (log.len() as i64 + 1)),
            event: parsed.event,
        };
        if accept(&rec) {
            log.push(rec);
        }
    };
    for (id, ty) in pools.entities().into_iter().take(declared) {
        push(&mut log, json!({"kind": "entity_declared", "at": "2025", "subject": {"id": id, "type": ty}}));
    }
    for op in ops {
        if let Some(v) = to_json(pools, op, &log) {
            push(&mut log, v);
        }
    }
    log
}
