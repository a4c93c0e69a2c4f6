//! A damaged data directory, end to end: cut or flipped files, a store from
//! a newer strata, a read-only or full disk. `strata` must answer each with
//! a one-line error that names the directory and what to do, and a non-zero
//! exit: never a panic, never a hang, never a silently empty graph.
//! (`crates/strata-store/tests` damages the store itself; this is what a
//! user of the binary sees.)

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{demo_file, demo_len, stderr, strata};

/// Runs `strata ARGS --data DIR`, failing the test if it takes a minute.
pub(crate) fn run_bounded(data: &Path, args: &[&str]) -> Output {
    let mut child = strata()
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`strata {}` on {} hung for a minute", args.join(" "), data.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output { status, stdout: out.join().expect("stdout"), stderr: err.join().expect("stderr") }
}

/// The demo, imported as three files by three processes, so that sled has
/// written snapshots of the first two thirds (it does so when it opens).
/// Returns the export (the log) and how many events preceded the last open.
fn demo_store(data: &Path) -> (Vec<String>, usize) {
    let demo = std::fs::read_to_string(demo_file()).unwrap();
    let lines: Vec<&str> = demo.lines().collect();
    let third = lines.len().div_ceil(3);
    let parts = data.with_extension("parts");
    std::fs::create_dir_all(&parts).unwrap();
    for (i, chunk) in lines.chunks(third).enumerate() {
        let file = parts.join(format!("part{i}.ndjson"));
        std::fs::write(&file, chunk.join("\n")).unwrap();
        let o = run_bounded(data, &["import", file.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = run_bounded(data, &["export"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let export = String::from_utf8(o.stdout).unwrap().lines().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(export.len(), lines.len());
    (export, 2 * third)
}

/// Copies a store's files (sled's and `blobs/`).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What `strata` said about a data directory.
enum Answer {
    /// It read the store: the export's lines.
    Read(Vec<String>),
    /// It refused, with this one-line error.
    Refused(String),
}

/// Runs `export` (and `query`, which must agree) on a directory and checks
/// the manner of the answer: an error names the directory, comes on one
/// line and exits non-zero; nothing panics.
fn ask(data: &Path) -> Answer {
    let export = run_bounded(data, &["export"]);
    let query = run_bounded(data, &["query", "{ stats { events } }"]);
    for (what, o) in [("export", &export), ("query", &query)] {
        let err = stderr(o);
        assert!(!err.contains("panicked"), "`strata {what}` panicked on {}:\n{err}", data.display());
        if !o.status.success() {
            assert_eq!(err.trim_end().lines().count(), 1, "`strata {what}`: one line a person can act on:\n{err}");
            assert!(err.starts_with("error: "), "{err}");
            assert!(
                err.contains(&data.display().to_string()),
                "`strata {what}`'s error does not name the directory:\n{err}"
            );
        }
    }
    assert_eq!(export.status.success(), query.status.success(), "export and query disagree on {}", data.display());
    if !export.status.success() {
        return Answer::Refused(stderr(&export).trim_end().to_owned());
    }
    let lines: Vec<String> = String::from_utf8(export.stdout).unwrap().lines().map(str::to_owned).collect();
    let stats: serde_json::Value = serde_json::from_slice(&query.stdout).unwrap();
    assert_eq!(stats["data"]["stats"]["events"], lines.len(), "the query and the export count differently");
    Answer::Read(lines)
}

#[test]
fn cut_or_flipped_files_are_refused_or_read_as_a_prefix_never_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let (log, before_last_open) = demo_store(&base);
    let db = std::fs::read(base.join("db")).unwrap();
    let used = db.iter().rposition(|b| *b != 0).unwrap_or(0);

    type Damage = Box<dyn Fn(&Path)>;
    let flip = |offset: usize| -> Damage {
        Box::new(move |dir: &Path| {
            let mut bytes = std::fs::read(dir.join("db")).unwrap();
            let at = offset.min(bytes.len().saturating_sub(8));
            for b in &mut bytes[at..at + 8] {
                *b ^= 0xa5;
            }
            std::fs::write(dir.join("db"), bytes).unwrap();
        })
    };
    let cut = |len: usize| -> Damage {
        Box::new(move |dir: &Path| {
            std::fs::OpenOptions::new().write(true).open(dir.join("db")).unwrap().set_len(len as u64).unwrap()
        })
    };
    let mut damages: Vec<(String, Damage)> = Vec::new();
    for i in 0..16 {
        let at = i * used / 16 + 7;
        damages.push((format!("db: 8 bytes flipped at {at}"), flip(at)));
    }
    for len in [0, 100, used / 3, used / 2, used - 10] {
        damages.push((format!("db cut to {len} bytes"), cut(len)));
    }
    damages.push(("conf garbled".into(), Box::new(|dir: &Path| std::fs::write(dir.join("conf"), [0x17; 64]).unwrap())));
    damages.push(("conf removed".into(), Box::new(|dir: &Path| std::fs::remove_file(dir.join("conf")).unwrap())));
    damages.push((
        "snapshots garbled".into(),
        Box::new(|dir: &Path| {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.file_name().unwrap().to_string_lossy().starts_with("snap.") {
                    std::fs::write(&p, [0xee; 100]).unwrap();
                }
            }
        }),
    ));
    damages.push(("db removed".into(), Box::new(|dir: &Path| std::fs::remove_file(dir.join("db")).unwrap())));

    let mut report = Vec::new();
    let (mut refused, mut prefixes) = (0, 0);
    for (i, (what, damage)) in damages.iter().enumerate() {
        let dir = tmp.path().join(format!("damaged-{i}"));
        copy_dir(&base, &dir);
        damage(&dir);
        match ask(&dir) {
            Answer::Refused(err) => {
                refused += 1;
                report.push(format!("{what}: {err}"));
            }
            Answer::Read(lines) => {
                // sled drops a damaged record written since it last opened,
                // and all after it, as a torn write (see strata-store's
                // damage test). What is read must be a prefix of the log
                // keeping everything from before that open: never events
                // that were not written, never an empty graph.
                assert!(log.starts_with(&lines), "{what}: read events that were never written");
                assert!(
                    lines.len() >= before_last_open,
                    "{what}: only {} of {} events read, {before_last_open} preceded the last open",
                    lines.len(),
                    log.len()
                );
                prefixes += 1;
                report.push(format!("{what}: read {} of {} events", lines.len(), log.len()));
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    eprintln!("{refused} refused, {prefixes} read as a prefix, of {} damages", damages.len());
}

#[test]
fn a_damaged_checkpoint_is_ignored_with_a_warning_and_the_log_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let (log, _) = demo_store(&base);
    // A checkpoint of the whole demo, written by a query that replays it.
    let o = run_bounded(&base, &["query", "--checkpoint-every", "1", "{ stats { events } }"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let good = std::fs::read(base.join("strata-checkpoint")).expect("the query left a checkpoint");

    let mut damages: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..16 {
        let at = i * good.len() / 16 + 3;
        let mut b = good.clone();
        b[at] ^= 0x5a;
        damages.push((format!("byte {at} flipped"), b));
    }
    for len in [0, 7, 24, good.len() / 2, good.len() - 1] {
        damages.push((format!("cut to {len} bytes"), good[..len].to_vec()));
    }
    damages.push(("garbage".into(), vec![0xee; 4096]));
    for (i, (what, bytes)) in damages.iter().enumerate() {
        let dir = tmp.path().join(format!("checkpoint-{i}"));
        copy_dir(&base, &dir);
        std::fs::write(dir.join("strata-checkpoint"), bytes).unwrap();
        // A write that a crash stopped halfway leaves this beside it.
        std::fs::write(dir.join("strata-checkpoint.tmp"), &good[..good.len() / 3]).unwrap();
        match ask(&dir) {
            Answer::Read(lines) => assert_eq!(lines, log, "{what}: the log answers, whole"),
            Answer::Refused(err) => panic!("{what}: a damaged checkpoint made the store unreadable: {err}"),
        }
        let o = run_bounded(&dir, &["query", "--checkpoint-every", "0", "{ stats { events } }"]);
        let err = stderr(&o);
        assert!(
            err.contains("ignoring the checkpoint") && err.contains("rebuilding the graph"),
            "{what}: no warning:\n{err}"
        );
    }
}

/// Writes a key into a store's sled tree, as another strata would.
pub(crate) fn poke(dir: &Path, key: &[u8], value: &[u8]) {
    let db = sled::open(dir).unwrap();
    db.insert(key, value).unwrap();
    db.flush().unwrap();
}

#[test]
fn a_store_of_a_newer_format_is_refused_with_the_remedy() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    demo_store(&data);
    poke(&data, b"Mformat", b"strata-log/99");
    let Answer::Refused(err) = ask(&data) else { panic!("a newer store was read") };
    assert!(err.contains("newer strata") && err.contains("strata-log/99") && err.contains("upgrade strata"), "{err}");
    // An import must not write into it either.
    let o = run_bounded(&data, &["import", demo_file().to_str().unwrap()]);
    assert!(!o.status.success() && stderr(&o).contains("upgrade strata"), "{}", stderr(&o));
}

#[test]
fn a_data_path_that_is_a_file_or_foreign_is_refused_with_the_remedy() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "not a store").unwrap();
    let Answer::Refused(err) = ask(&file) else { panic!("a plain file was read as a store") };
    assert!(err.contains("--data"), "{err}");

    let foreign = tmp.path().join("photos");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("cat.jpg"), [0xff, 0xd8, 0xff]).unwrap();
    let Answer::Refused(err) = ask(&foreign) else { panic!("a foreign directory was read as a store") };
    assert!(err.contains("not a strata store") && err.contains("--data"), "{err}");
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1, "strata wrote into a foreign directory");
}

/// A mount made by the test, undone on drop (lazily, so a failing test
/// cannot leave it busy).
struct Mount(PathBuf);

impl Mount {
    /// Mounts with `mount ARGS... TARGET`; `None` (with the reason printed)
    /// when this machine does not let the test mount.
    fn new(args: &[&str], target: &Path) -> Option<Mount> {
        std::fs::create_dir_all(target).unwrap();
        let o = std::process::Command::new("mount").args(args).arg(target).output();
        match o {
            Ok(o) if o.status.success() => Some(Mount(target.to_owned())),
            Ok(o) => {
                eprintln!(
                    "SKIPPED: `mount {} {}` failed: {}",
                    args.join(" "),
                    target.display(),
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }

    fn remount(&self, options: &str) {
        let o = std::process::Command::new("mount").args(["-o", options]).arg(&self.0).output().unwrap();
        assert!(o.status.success(), "remount {options}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).output();
    }
}

#[test]
fn a_read_only_store_is_read_or_refused_clearly_and_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let (log, _) = demo_store(&src);
    let data = tmp.path().join("ro");
    // As root, permissions do not stop writes: use a read-only bind mount.
    let Some(mount) = Mount::new(&["--bind", src.to_str().unwrap()], &data) else { return };
    mount.remount("remount,ro,bind");
    assert!(std::fs::write(data.join("probe"), b"x").is_err(), "the bind mount is not read-only");

    match ask(&data) {
        Answer::Read(lines) => assert_eq!(lines, log, "a read-only store reads back whole"),
        Answer::Refused(err) => {
            eprintln!("read-only store: {err}");
            assert!(
                err.contains("Read-only file system") && err.contains("read-write"),
                "the error does not say the directory is read-only and what to do: {err}"
            );
            assert_eq!(err.matches("Read-only file system").count(), 1, "the cause is said twice: {err}");
        }
    }
    let extra = tmp.path().join("extra.ndjson");
    std::fs::write(&extra, r#"{"kind":"entity_declared","at":"2026","subject":{"id":"ro-test","type":"actor"}}"#)
        .unwrap();
    let o = run_bounded(&data, &["import", extra.to_str().unwrap()]);
    let err = stderr(&o);
    eprintln!("import into a read-only store: {}", err.trim_end());
    assert!(!o.status.success(), "an import into a read-only store succeeded");
    assert!(!err.contains("panicked") && err.contains(&data.display().to_string()), "{err}");
    drop(mount);
    // The store is as it was.
    let Answer::Read(lines) = ask(&src) else { panic!("the store was damaged by a read-only attempt") };
    assert_eq!(lines, log);
}

#[test]
fn a_full_disk_refuses_the_batch_and_keeps_every_acknowledged_one() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("small");
    let Some(mount) = Mount::new(&["-t", "tmpfs", "-o", "size=2m", "tmpfs"], &data) else { return };
    let store = data.join("store");
    let o = run_bounded(&store, &["import", demo_file().to_str().unwrap()]);
    assert!(o.status.success(), "the demo does not fit in 2 MiB: {}", stderr(&o));

    // Files of 40 events of 3 KB each, more than the disk holds, imported by
    // one process: the disk fills up while it appends. The quotes are noise,
    // because the log is compressed.
    let names: Vec<String> = (0..40)
        .map(|f| {
            let file = tmp.path().join(format!("big{f}.ndjson"));
            let lines: Vec<String> = (0..40)
                .map(|i| {
                    format!(
                        r#"{{"id":"f0000000-0000-4000-8000-{f:06}{i:06}","kind":"statement_made","at":"2026-03-01","subject":"nvidia","attrs":{{"quote":"{}"}}}}"#,
                        noise(f * 1000 + i, 3000)
                    )
                })
                .collect();
            std::fs::write(&file, lines.join("\n")).unwrap();
            file.to_str().unwrap().to_owned()
        })
        .collect();
    let mut args = vec!["import"];
    args.extend(names.iter().map(String::as_str));
    let o = run_bounded(&store, &args);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "import panicked on a full disk:\n{err}");
    assert!(!o.status.success(), "2 MiB never filled up");
    let acked: Vec<usize> = err
        .lines()
        .filter(|l| l.contains(" new events, "))
        .map(|l| names.iter().position(|n| l.starts_with(n.as_str())).unwrap())
        .collect();
    let failure = err.lines().last().unwrap_or_default().to_owned();
    eprintln!("full disk after {} files: {failure}", acked.len());
    assert!(
        failure.starts_with("error: ") && failure.contains(&names[acked.len()]),
        "the error does not name the file: {failure}"
    );
    assert!(
        failure.contains("no space") || failure.contains("No space"),
        "the error does not say the disk is full: {failure}"
    );
    assert!(failure.contains("free"), "the error does not say what to do: {failure}");

    // Opening it again while the disk is still full is refused as clearly.
    let again = run_bounded(&store, &["import", &names[acked.len()]]);
    let err = stderr(&again);
    eprintln!("import on the full disk: {}", err.trim_end());
    assert!(!again.status.success() && !err.contains("panicked"), "{err}");
    assert!(err.contains(&store.display().to_string()) && err.contains("free"), "{err}");

    // With room again, the store opens and holds the demo, every
    // acknowledged file whole, and nothing of the refused one.
    mount.remount("remount,size=64m");
    let Answer::Read(lines) = ask(&store) else { panic!("the store does not open once there is room") };
    let count = |f: usize| lines.iter().filter(|l| l.contains(&format!("f0000000-0000-4000-8000-{f:06}"))).count();
    for f in &acked {
        assert_eq!(count(*f), 40, "acknowledged file {f} is not whole");
    }
    // The refused file was not acknowledged; it may be there, but whole.
    let refused = count(acked.len());
    assert!(refused == 0 || refused == 40, "the refused file was stored in part: {refused} of 40 events");
    assert_eq!(
        lines.len() as u64,
        demo_len() + 40 * acked.len() as u64 + refused as u64,
        "the log holds events no file wrote"
    );
    let o = run_bounded(&store, &["import", demo_file().to_str().unwrap()]);
    assert!(o.status.success(), "the store does not take writes once there is room: {}", stderr(&o));
}

/// `len` letters that do not compress, drawn from the tests' seeded stream.
fn noise(seed: usize, len: usize) -> String {
    let mut rng = strata_gen::Rng::new(seed as u64);
    (0..len).map(|_| char::from(b'a' + rng.below(26) as u8)).collect()
}
