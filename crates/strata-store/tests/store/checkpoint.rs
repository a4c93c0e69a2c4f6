//! The checkpoint kept beside the log: what is written reads back whole,
//! a newer one replaces the older atomically, damage is `Corruption`, and
//! the files it leaves do not make the directory look foreign.

use strata_store::{Error, Store};
use tempfile::TempDir;

#[test]
fn a_checkpoint_reads_back_and_survives_reopening() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.read_checkpoint().unwrap(), None);
    let bytes: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
    let on_disk = store.write_checkpoint(&bytes).unwrap();
    assert!(on_disk < bytes.len() as u64, "compressed: {on_disk} bytes for {}", bytes.len());
    assert_eq!(store.read_checkpoint().unwrap().as_deref(), Some(&bytes[..]));
    store.write_checkpoint(b"the newer one").unwrap();
    drop(store);
    // A temporary file left by a write that a crash stopped is ours too.
    std::fs::write(dir.path().join("strata-checkpoint.tmp"), b"half a checkp").unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.read_checkpoint().unwrap().as_deref(), Some(&b"the newer one"[..]));
    assert!(store.size_on_disk().unwrap() > 0);
}

#[test]
fn a_damaged_checkpoint_is_corruption() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let bytes: Vec<u8> = (0..5_000u32).flat_map(|i| i.to_le_bytes()).collect();
    store.write_checkpoint(&bytes).unwrap();
    let path = dir.path().join("strata-checkpoint");
    let good = std::fs::read(&path).unwrap();
    for i in (0..good.len()).step_by(good.len() / 50 + 1) {
        let mut bad = good.clone();
        bad[i] ^= 0x10;
        std::fs::write(&path, &bad).unwrap();
        assert!(matches!(store.read_checkpoint(), Err(Error::Corruption { .. })), "flip at {i}");
    }
    for len in [0, 5, 23, 24, good.len() - 1] {
        std::fs::write(&path, &good[..len]).unwrap();
        let err = store.read_checkpoint().unwrap_err();
        assert!(matches!(err, Error::Corruption { .. }), "cut at {len}: {err}");
        assert!(err.to_string().contains("strata-checkpoint"), "the message names the file: {err}");
    }
}

#[test]
fn a_memory_store_keeps_no_checkpoint() {
    let store = Store::memory();
    assert_eq!(store.write_checkpoint(b"x").unwrap(), 0);
    assert_eq!(store.read_checkpoint().unwrap(), None);
}
