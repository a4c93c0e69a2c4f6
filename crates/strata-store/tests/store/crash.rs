//! Killed in the middle of appending, the store keeps every batch it
//! acknowledged, and every batch it kept is whole.
//!
//! The test runs this binary again as a child that appends until killed
//! (sled's own crash tests work the same way).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use strata_store::Store;
use tempfile::TempDir;

use crate::{all, recorded, SAMPLE};

const CHILD_ENV: &str = "STRATA_STORE_CRASH_CHILD";
const BATCH: u64 = 4;

/// The child's side: a no-op unless the parent test started this process.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = Store::open(Path::new(&dir)).unwrap();
    let mut out = std::io::stdout().lock();
    loop {
        let head = store.head().position;
        let batch: Vec<_> = (1..=BATCH).map(|i| recorded(head + i, SAMPLE[(i - 1) as usize])).collect();
        store.append(&batch).unwrap();
        // Printed only once `append` has returned: the parent counts on it.
        writeln!(out, "acked {}", head + BATCH).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn a_killed_writer_loses_no_acknowledged_batch() {
    let tmp = TempDir::new().unwrap();
    let mut acked = 0;
    for delay in [0, 20, 100] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash::crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (acks, acked_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let lines = BufReader::new(stdout).lines().map_while(Result::ok);
            for n in lines.filter_map(|l| l.strip_prefix("acked ").and_then(|n| n.parse::<u64>().ok())) {
                let _ = acks.send(n);
            }
        });
        // Kill it some time after its first acknowledged batch.
        let first = acked_rx.recv_timeout(Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        assert!(first.is_ok(), "the child never appended; was it started with the right test name?");
        acked = acked_rx.try_iter().last().or(first.ok()).unwrap_or(acked);

        let store = Store::open(tmp.path()).unwrap();
        let head = store.head().position;
        assert!(head >= acked, "{acked} events were acknowledged but only {head} survived the kill");
        assert_eq!(head % BATCH, 0, "a batch is all or nothing, yet {head} events survived");
        assert_eq!(all(&store).len() as u64, head);
        acked = head;
    }
}
