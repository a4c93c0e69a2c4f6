//! The log in a JetStream stream: one message per chunk of consecutive
//! events at gapless positions, a batch lands whole or not at all (or in
//! whole atomic parts when it is larger than one), a writer whose copy is behind is refused
//! and stores nothing, and every store on the stream reads the same log.

use std::time::Duration;

use strata_core::RecordedEvent;
use strata_store::{Error, JetStreamConfig, Store};

use crate::{all, recorded, sample_from, time_of};
use strata_testkit::nats::Cluster;

/// A stream on a nats-server of its own (a static one would outlive the
/// test binary: statics are never dropped, and the server would be left
/// running).
pub fn fresh_config(server: &Cluster) -> JetStreamConfig {
    let mut cfg = JetStreamConfig::new(server.url_list(), "strata");
    cfg.timeout = Duration::from_secs(5);
    cfg
}

/// A store on a fresh stream, with the server it lives on (kill it by dropping).
pub fn fresh_store() -> (Store, Cluster) {
    let server = Cluster::start(1);
    (Store::open_jetstream(&fresh_config(&server)).unwrap(), server)
}

/// `n` declarations of distinct actors from position `first`.
fn declarations(first: u64, n: u64) -> Vec<RecordedEvent> {
    (first..first + n)
        .map(|p| {
            recorded(
                p,
                &format!(r#"{{"kind":"entity_declared","at":"2025","subject":{{"id":"e{p}","type":"actor"}}}}"#),
            )
        })
        .collect()
}

#[test]
fn a_second_store_on_the_stream_reads_the_same_log_and_follows_it() {
    let server = Cluster::start(1);
    let cfg = fresh_config(&server);
    let a = Store::open_jetstream(&cfg).unwrap();
    a.append(&sample_from(1)).unwrap();
    let b = Store::open_jetstream(&cfg).unwrap();
    assert_eq!(all(&b), all(&a));
    assert_eq!(b.head(), a.head());
    // A write through b reaches a once it catches up.
    b.append(&declarations(6, 3)).unwrap();
    assert_eq!(a.catch_up().unwrap(), 3);
    assert_eq!(all(&a), all(&b));
    assert_eq!(a.position_of(all(&b)[7].event.id).unwrap(), Some(8));
}

#[test]
fn a_writer_behind_the_stream_is_refused_and_stores_nothing() {
    let server = Cluster::start(1);
    let cfg = fresh_config(&server);
    let a = Store::open_jetstream(&cfg).unwrap();
    let b = Store::open_jetstream(&cfg).unwrap();
    a.append(&sample_from(1)).unwrap();
    // b has not seen a's batch: its batch claims positions 1.. again.
    let err = b.append(&declarations(1, 2)).unwrap_err();
    assert!(matches!(err, Error::Behind { .. }), "{err}");
    assert_eq!(b.len(), 0);
    b.catch_up().unwrap();
    assert_eq!(all(&b), all(&a));
    // And a batch larger than one atomic part is refused whole too.
    let err = a.append(&declarations(1, 2)).unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let fresh = Store::open_jetstream(&cfg).unwrap();
    assert_eq!(fresh.len(), 5);
}

#[test]
fn a_batch_larger_than_one_atomic_part_is_stored_in_whole_parts_at_consecutive_positions() {
    let server = Cluster::start(1);
    let mut cfg = fresh_config(&server);
    // Two chunks per atomic part instead of the server's thousand.
    cfg.part_messages = 2;
    let a = Store::open_jetstream(&cfg).unwrap();
    let n = 5017;
    let events = declarations(1, n);
    let prepared = Store::prepare(&events).unwrap();
    let parts = a.atomic_parts(&prepared);
    assert!(parts >= 3, "{n} events took {parts} parts of 2 chunks");
    a.append_prepared(&events, prepared).unwrap();
    assert_eq!(a.len(), n);
    assert_eq!(a.stream_status().map(|s| s.copied), a.stream_status().map(|s| s.stream_last));
    let b = Store::open_jetstream(&cfg).unwrap();
    let read = all(&b);
    assert_eq!(read.len() as u64, n);
    assert_eq!(read, events);
    assert!(read.windows(2).all(|w| w[1].recorded_at > w[0].recorded_at));
    assert_eq!(read.last().map(|r| r.recorded_at), Some(time_of(n)));
}

#[test]
fn an_unreachable_stream_is_unavailable_with_the_reason() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cfg = JetStreamConfig::new(vec![format!("nats://127.0.0.1:{port}")], "nowhere");
    cfg.timeout = Duration::from_millis(500);
    let err = Store::open_jetstream(&cfg).unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("nowhere") && err.to_string().contains("cannot connect"), "{err}");
}

/// A node's copy of the stream in its own directory: a restart reads only
/// what was written after it.
#[test]
fn a_node_with_a_copy_on_disk_reads_only_the_messages_after_it() {
    let server = Cluster::start(1);
    let node = tempfile::TempDir::new().unwrap();
    let cfg = JetStreamConfig { data_dir: Some(node.path().to_path_buf()), ..fresh_config(&server) };
    let a = Store::open_jetstream(&cfg).unwrap();
    a.append(&sample_from(1)).unwrap();
    a.append(&declarations(6, 1000)).unwrap();
    assert_eq!(a.from_copy(), 0);
    drop(a);
    // Another node writes meanwhile.
    let other = Store::open_jetstream(&fresh_config(&server)).unwrap();
    other.catch_up().unwrap();
    other.append(&declarations(1006, 7)).unwrap();
    let a = Store::open_jetstream(&cfg).unwrap();
    assert_eq!(a.from_copy(), 1005, "the copy on disk held the first two batches");
    assert_eq!(a.len(), 1012);
    assert_eq!(all(&a), all(&other));
    assert_eq!(a.position_of(all(&other)[1010].event.id).unwrap(), Some(1011));
    // And it goes on writing where the stream ends.
    a.append(&declarations(1013, 2)).unwrap();
    other.catch_up().unwrap();
    assert_eq!(all(&a), all(&other));
}

/// The copy is a cache: one taken from another stream of the same name, or
/// damaged, is deleted and the stream read whole.
#[test]
fn a_copy_that_is_not_of_this_stream_or_is_damaged_is_dropped_and_the_stream_read_whole() {
    let node = tempfile::TempDir::new().unwrap();
    let first = Cluster::start(1);
    let cfg = |server: &Cluster| JetStreamConfig { data_dir: Some(node.path().to_path_buf()), ..fresh_config(server) };
    let a = Store::open_jetstream(&cfg(&first)).unwrap();
    a.append(&sample_from(1)).unwrap();
    drop(a);
    drop(first);

    // A new cluster, a stream of the same name holding other events.
    let second = Cluster::start(1);
    let b = Store::open_jetstream(&fresh_config(&second)).unwrap();
    b.append(&declarations(1, 3)).unwrap();
    let a = Store::open_jetstream(&cfg(&second)).unwrap();
    assert_eq!(a.from_copy(), 0);
    assert_eq!(all(&a), all(&b));
    drop(a);

    // An empty stream of that name: the copy's last message is not there.
    let third = Cluster::start(1);
    let a = Store::open_jetstream(&cfg(&third)).unwrap();
    assert_eq!((a.from_copy(), a.len()), (0, 0));
    a.append(&declarations(1, 2)).unwrap();
    drop(a);
    let a = Store::open_jetstream(&cfg(&third)).unwrap();
    assert_eq!((a.from_copy(), a.len()), (2, 2));
    drop(a);

    // Damaged files: sled's log cut short.
    let db = node.path().join(strata_store::COPY_DIR).join("db");
    let len = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&db).unwrap().set_len(len / 3).unwrap();
    let a = Store::open_jetstream(&cfg(&third)).unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(all(&a).len(), 2);
}

/// An event too large for one message of the stream is refused before
/// anything of its batch is published, naming it.
#[test]
fn an_event_larger_than_a_message_refuses_its_whole_batch_by_name() {
    let server = Cluster::start_with(1, "max_payload: 65536\n");
    let mut cfg = fresh_config(&server);
    cfg.part_messages = 1;
    let a = Store::open_jetstream(&cfg).unwrap();
    a.append(&sample_from(1)).unwrap();
    // Hex digits LZ4 cannot shorten much: 200,000 of them.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let blob: String = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from_digit((x % 16) as u32, 16).unwrap()
        })
        .collect();
    let mut batch = declarations(6, 3000);
    let big = recorded(
        3006,
        &format!(
            r#"{{"kind":"entity_declared","at":"2025","subject":{{"id":"big","type":"actor"}},"attrs":{{"blob":"{blob}"}}}}"#
        ),
    );
    let id = big.event.id;
    batch.push(big);
    batch.extend(declarations(3007, 10));
    let err = a.append(&batch).unwrap_err().to_string();
    assert!(err.contains(&id.to_string()) && err.contains("max_payload 65536"), "{err}");
    assert!(err.contains("nothing of the batch was stored"), "{err}");
    assert_eq!(a.len(), 5);
    let b = Store::open_jetstream(&cfg).unwrap();
    assert_eq!(all(&b), all(&a));
}

/// A stream strata did not lay out for this build (written one event per
/// message by an earlier strata, or by a newer layout) is refused on open,
/// saying what to do, and left as it is.
#[test]
fn a_stream_in_another_layout_is_refused_with_the_way_out() {
    let server = Cluster::start(1);
    let url = server.url_list()[0].clone();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let make = |name: &'static str, format: Option<&'static str>| {
        let url = url.clone();
        runtime.block_on(async move {
            let client = async_nats::connect(url).await.unwrap();
            let js = async_nats::jetstream::new(client);
            let config = async_nats::jetstream::stream::Config {
                name: name.into(),
                subjects: vec![format!("{name}.log")],
                allow_atomic_publish: true,
                metadata: format
                    .map(|f| [("strata-format".to_owned(), f.to_owned())].into_iter().collect())
                    .unwrap_or_default(),
                ..Default::default()
            };
            js.create_stream(config).await.unwrap();
            js.publish(format!("{name}.log"), "an event".into()).await.unwrap().await.unwrap();
        })
    };
    make("old", None);
    make("newer", Some("strata-stream/9"));
    for (name, says) in [("old", "strata-stream/1"), ("newer", "strata-stream/9")] {
        let cfg = JetStreamConfig::new(server.url_list(), name);
        let err = Store::open_jetstream(&cfg).unwrap_err().to_string();
        assert!(err.contains(says) && err.contains(strata_store::STREAM_FORMAT), "{err}");
        assert!(err.contains("export the log with the strata that wrote it"), "{err}");
    }
}
