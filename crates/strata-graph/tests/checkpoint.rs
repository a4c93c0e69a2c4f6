//! A checkpoint holds the whole projection: decoded, it answers every query
//! as the projection it was taken from, goes on applying events exactly as
//! that one would, and damage to it is an error, never a panic.

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] fns")]

use strata_core::{parse_line, Day, Location, RecordedEvent, StatusSet, Timestamp, Vocabulary};
use strata_graph::{
    CheckpointError, DisagreementFilter, EventFilter, NeighborhoodQuery, PathQuery, Projection, TimeFilter,
};
use strata_testkit::generated;

/// Which of the probe days this is, to alternate the statuses shown.
fn j_of(as_of: Option<Day>) -> usize {
    as_of.map_or(0, |d| d.0 as usize % 2)
}

fn project(events: &[RecordedEvent]) -> Projection {
    let mut p = Projection::new(Vocabulary::builtin());
    for e in events {
        p.apply(e).unwrap();
    }
    p
}

/// Answers that read every part of the projection, at several times.
fn answers(p: &Projection, events: &[RecordedEvent]) -> String {
    let mut out = String::new();
    let ids: Vec<_> = p.entities(None, None, TimeFilter::LATEST).into_iter().map(|e| e.id).collect();
    let knowns = [Timestamp::MAX, events[events.len() / 2].recorded_at, events[events.len() / 5].recorded_at];
    let days = [None, Day::from_ymd(2012, 6, 1), Day::from_ymd(2020, 1, 1)];
    for (i, &known_at) in knowns.iter().enumerate() {
        for &as_of in &days {
            // Every other read shows every claim status.
            let statuses = if (i + j_of(as_of)) % 2 == 0 { StatusSet::BELIEVED } else { StatusSet::ALL };
            let t = TimeFilter { as_of, known_at, statuses };
            out += &format!("{:?}\n", p.stats(known_at));
            out += &format!("{:?}\n", p.entities(None, None, t));
            for (j, id) in ids.iter().enumerate().skip(i).step_by(7) {
                out += &format!("{:?}\n", p.relations(id, t, strata_graph::Direction::Both, None));
                out += &format!("{:?}\n", p.history(id, t));
                let to = &ids[(j * 31 + 5) % ids.len()];
                let q = PathQuery { time: t, max_hops: 4, relations: None, directed: false };
                out += &format!("{:?}\n", p.path(id, to, &q));
                out += &format!("{:?}\n", p.neighborhood(id, &NeighborhoodQuery { time: t, hops: 1, relations: None }));
            }
            if let (Some(a), Some(b)) = (Day::from_ymd(2010, 1, 1), as_of) {
                out += &format!("{:?}\n", p.diff(a, b, known_at, statuses));
            }
            for position in (1..=events.len() as u64).step_by(13) {
                out += &format!("{:?} {:?}\n", p.disputed_by(position, known_at), p.relation_sources(position, t));
            }
            let f = DisagreementFilter { as_of, known_at: Some(known_at), ..DisagreementFilter::default() };
            let same_publisher = |a: u64, b: u64| Ok::<_, ()>((a + b) % 3 == 0);
            out += &format!("{:?}\n", p.disagreements(&f, same_publisher));
            out += &format!("{:?}\n", p.events(&EventFilter { known_at: Some(known_at), ..EventFilter::default() }));
            // The name index: search by each name (and its first word), duplicates.
            for id in ids.iter().skip(i).step_by(9) {
                for name in p.names(id, t) {
                    let word = name.split_whitespace().next().unwrap_or("");
                    out += &format!("{:?}\n{:?}\n", p.search(&name, None, t, 5), p.search(word, None, t, 5));
                }
                out += &format!("{:?}\n", p.duplicates(id, t, 5));
            }
        }
    }
    for e in events.iter().step_by(97) {
        out += &format!("{:?}\n", p.event_status(e.event.id, Timestamp::MAX));
    }
    out
}

#[test]
fn a_decoded_checkpoint_answers_like_the_projection_and_goes_on_alike() {
    let events = generated::recorded(3000, 7);
    let (head, tail) = events.split_at(2000);
    let original = project(head);
    let bytes = original.to_checkpoint();
    let mut decoded = Projection::from_checkpoint(&bytes, Vocabulary::builtin()).unwrap();
    assert_eq!(decoded.mark(), original.mark());
    assert_eq!(decoded.to_checkpoint(), bytes, "decode then encode gives the same bytes");
    assert_eq!(answers(&decoded, head), answers(&original, head));

    // The tail applies to the decoded projection as to one built from the
    // whole log: the maps decoding rebuilt (ids, open and close keys) work.
    for e in tail {
        decoded.apply(e).unwrap();
    }
    let full = project(&events);
    assert_eq!(decoded.to_checkpoint(), full.to_checkpoint());
    assert_eq!(answers(&decoded, &events), answers(&full, &events));
}

#[test]
fn the_mark_reads_from_the_bytes_alone() {
    for n in [0, 1, 150] {
        let p = project(&generated::recorded(n, 9));
        let bytes = p.to_checkpoint();
        assert_eq!(Projection::checkpoint_mark(&bytes).unwrap(), p.mark(), "{n} events");
        // Cut short: an error or a mark, never a panic.
        for len in [0, 10, bytes.len() / 2] {
            let _ = Projection::checkpoint_mark(&bytes[..len.min(bytes.len())]);
        }
    }
    assert!(Projection::checkpoint_mark(b"not a checkpoint").is_err());
}

#[test]
fn an_empty_projection_round_trips() {
    let p = Projection::new(Vocabulary::builtin());
    let decoded = Projection::from_checkpoint(&p.to_checkpoint(), Vocabulary::builtin()).unwrap();
    assert!(decoded.is_empty());
    assert_eq!(decoded.mark().last, None);
}

#[test]
fn damage_is_an_error_never_a_panic() {
    let bytes = project(&generated::recorded(150, 3)).to_checkpoint();
    // Cuts: every one in the header, then every 7th byte.
    for len in (0..200).chain((200..bytes.len()).step_by(7)) {
        assert!(Projection::from_checkpoint(&bytes[..len], Vocabulary::builtin()).is_err(), "cut at {len}");
    }
    // Flipped bits all over: an error, or (where a flip lands in free text
    // such as a name) a projection that still answers.
    let mut x = 0x9e37_79b9_u32;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let mut b = bytes.clone();
        let i = x as usize % b.len();
        b[i] ^= 1 << (x >> 29);
        if let Ok(p) = Projection::from_checkpoint(&b, Vocabulary::builtin()) {
            let ids: Vec<_> = p.entities(None, None, TimeFilter::LATEST).into_iter().map(|e| e.id).collect();
            for id in ids.iter().take(5) {
                let _ = p.neighborhood(id, &NeighborhoodQuery { time: TimeFilter::LATEST, hops: 2, relations: None });
                let _ = p.path(
                    id,
                    &ids[0],
                    &PathQuery { time: TimeFilter::LATEST, max_hops: 3, relations: None, directed: false },
                );
            }
            let _ = p.stats(Timestamp::MAX);
            let _ = p.diff(Day(0), Day(20_000), Timestamp::MAX, StatusSet::ALL);
            let _ = p.disagreements(&DisagreementFilter::default(), |_, _| Ok::<_, ()>(true));
            let _ = p.disputed_by(3, Timestamp::MAX);
        }
    }
}

#[test]
fn another_format_or_vocabulary_is_refused() {
    let bytes = project(&generated::recorded(100, 1)).to_checkpoint();
    let mut other = bytes.clone();
    other[b"strata-projection/".len()] = b'9';
    assert!(matches!(Projection::from_checkpoint(&other, Vocabulary::builtin()), Err(CheckpointError::Format)));

    let builtin: serde_json::Value = serde_json::from_str(include_str!("../../../schema/vocabulary.json")).unwrap();
    let mut changed = builtin.clone();
    let kinds = changed["kinds"].as_array_mut().unwrap();
    kinds.pop();
    let vocab = Vocabulary::from_json(&changed.to_string()).unwrap();
    assert!(matches!(Projection::from_checkpoint(&bytes, vocab), Err(CheckpointError::Vocabulary)));
}

/// `lines` recorded one second apart, at positions 1, 2, ...
fn recorded(lines: &[String]) -> Vec<RecordedEvent> {
    let vocab = Vocabulary::builtin();
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| RecordedEvent {
            position: i as u64 + 1,
            recorded_at: Timestamp(1_700_000_000_000_000 + 1_000_000 * i as i64),
            event: parse_line(line, Location::Line(i + 1), &vocab).unwrap().event,
        })
        .collect()
}

/// A query word stands for at most 64 of the tokens it begins. Those are
/// the first in text order among the names the read counts: names recorded
/// after the read's `knownAt` do not use them up (an earlier read would
/// change), and neither does where a token sits in the index (the answer
/// would differ between a node that opened from a checkpoint and one that
/// replayed the log).
#[test]
fn a_prefix_reaches_the_same_names_whatever_was_recorded_later() {
    // 72 names recorded later whose words sort before `morvat`, and all begin with `mor`.
    let letters = ['b', 'd', 'f', 'g', 'l', 'm', 'n', 'r', 't'];
    let later =
        letters.iter().flat_map(|&a| letters.iter().filter(move |&&b| b != a).map(move |&b| format!("Mora{a}{b}")));
    let (all, decoded) = later_names_leave_the_read("Morvat", later, "mor");
    // At the head, the 64 first in text order: the same whichever way the index was built.
    let now = all.search("mor", None, TimeFilter::LATEST, 100);
    assert_eq!(now.len(), 64);
    assert!(now.iter().all(|h| h.matched != "Morvat"), "{now:?}");
    assert_eq!(decoded.search("mor", None, TimeFilter::LATEST, 100), now);
}

/// A word no name has may be a name written short ("COLCER" for
/// "COLOMBIANA DE CERDOS"). Its candidates come from the 16 dictionary
/// tokens that a stretch of it begins (`cer`), the first in text order
/// among the names the read counts: 20 names recorded later whose words
/// begin with `cer` and sort before `cerdos` leave an earlier read as it
/// was, on a node that replayed the log and on one that opened from a
/// checkpoint.
#[test]
fn a_name_written_short_is_found_the_same_whatever_was_recorded_later() {
    let later = ['b', 'd', 'f', 'g', 'l']
        .into_iter()
        .flat_map(|a| ['a', 'e', 'i', 'u'].map(|b| format!("CERDA{a}{b} TRADING")));
    let (all, decoded) = later_names_leave_the_read("COLOMBIANA DE CERDOS LTDA.", later, "COLCER");
    // At the head the later names take the 16 places and the name is not
    // reached, alike on both nodes.
    let now = all.search("COLCER", None, TimeFilter::LATEST, 10);
    assert!(now.iter().all(|h| h.matched != "COLOMBIANA DE CERDOS LTDA."), "{now:?}");
    assert_eq!(decoded.search("COLCER", None, TimeFilter::LATEST, 10), now);
}

/// Declares `target`, then the `later` names; checks that `query` at the
/// first declaration's recorded time finds only `target`, before and after
/// the later names, and from a checkpoint of them all. Gives the projection
/// of them all and the one read back from its checkpoint.
fn later_names_leave_the_read(
    target: &str,
    later: impl IntoIterator<Item = String>,
    query: &str,
) -> (Projection, Projection) {
    let declare = |id: &str, name: &str| {
        format!(r#"{{"kind":"entity_declared","at":"2020","subject":{{"id":"{id}","type":"actor","name":"{name}"}}}}"#)
    };
    let mut lines = vec![declare("target", target)];
    lines.extend(later.into_iter().enumerate().map(|(i, name)| declare(&format!("later-{i}"), &name)));
    let events = recorded(&lines);
    let first = project(&events[..1]);
    let all = project(&events);
    let decoded = Projection::from_checkpoint(&all.to_checkpoint(), Vocabulary::builtin()).unwrap();
    let then = TimeFilter::at(None, events[0].recorded_at);
    let before = first.search(query, None, then, 10);
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0].matched, target);
    assert_eq!(all.search(query, None, then, 10), before, "the names recorded later change an earlier read");
    assert_eq!(decoded.search(query, None, then, 10), before, "from a checkpoint");
    (all, decoded)
}

/// The name index read back from a checkpoint is the one written: the same
/// bytes again, whether the projection's map held every token or not.
#[test]
fn the_name_index_round_trips_whatever_its_map_held() {
    // Few names (every token in the map's tail) and many (the map rebuilt on the way).
    for n in [40, 6000] {
        let lines: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"kind":"entity_declared","at":"2020","subject":{{"id":"e{i}","type":"actor","name":"Name{i} Holding","aliases":["N{i} Group"]}}}}"#
                )
            })
            .collect();
        let p = project(&recorded(&lines));
        let bytes = p.to_checkpoint();
        let decoded = Projection::from_checkpoint(&bytes, Vocabulary::builtin()).unwrap();
        assert_eq!(decoded.to_checkpoint(), bytes, "{n} names");
        for q in ["Name7 Holding", "n7 group", "name1", "Nme12", "N 5 Group"] {
            let (a, b) = (p.search(q, None, TimeFilter::LATEST, 10), decoded.search(q, None, TimeFilter::LATEST, 10));
            assert!(!a.is_empty(), "{q}");
            assert_eq!(a, b, "{q}, {n} names");
        }
    }
}
