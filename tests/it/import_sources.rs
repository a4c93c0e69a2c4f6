//! `strata import --format csl|wikidata|gdelt` end to end, on the real rows
//! of tests/data/import: what lands in the store, re-imports, a later
//! snapshot, and the refusals.

use std::process::Command;

use crate::support::{demo_file, demo_len, query, root, run, stderr};

fn data(name: &str) -> String {
    root().join("tests/data/import").join(name).to_str().unwrap().to_owned()
}

fn events(dir: &std::path::Path) -> u64 {
    query(dir, "{ stats { events } }")["data"]["stats"]["events"].as_u64().unwrap()
}

#[test]
fn csl_lands_on_the_demo_and_a_reimport_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["import", demo_file().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csl = data("csl-2023-11-cut.csv");
    let o = run(dir.path(), &["import", "--format", "csl", "--snapshot-date", "2023-11-30", &csl]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("23 records (CMIC: 7,"), "{err}");
    assert!(err.contains("; 0 skipped"), "{err}");

    // The demo's Huawei is banned by OFAC's CMIC list from its listing date, and keeps its name.
    let r = query(
        dir.path(),
        r#"{ entity(id: "huawei", asOf: "2023-01-01") { name
              relations(direction: IN) { name from { id } validFrom event { attrs status } } } }"#,
    );
    let e = &r["data"]["entity"];
    assert_eq!(e["name"], "Huawei");
    let bans: Vec<_> = e["relations"].as_array().unwrap().iter().filter(|r| r["name"] == "bans").collect();
    assert_eq!(bans.len(), 1, "{e}");
    assert_eq!(bans[0]["from"]["id"], "us-ofac");
    assert_eq!(bans[0]["validFrom"], "2021-06-03");
    assert_eq!(bans[0]["event"]["status"], "CONFIRMED");
    assert_eq!(bans[0]["event"]["attrs"]["list"], "CMIC");
    // Before its listing date it was not banned.
    let r = query(
        dir.path(),
        r#"{ entity(id: "huawei", asOf: "2021-06-02") { relations(direction: IN, names: ["bans"]) { from { id } } } }"#,
    );
    assert_eq!(r["data"]["entity"]["relations"].as_array().unwrap().len(), 0);
    // OFAC is a member of the Treasury, declared by the import.
    let r = query(
        dir.path(),
        r#"{ entity(id: "us-ofac") { type relations(direction: OUT, names: ["member_of"]) { to { id } } } }"#,
    );
    assert_eq!(r["data"]["entity"]["type"], "AGENCY");
    assert_eq!(r["data"]["entity"]["relations"][0]["to"]["id"], "us-treasury");

    let before = events(dir.path());
    let o = run(dir.path(), &["import", "--format", "csl", "--snapshot-date", "2023-11-30", &csl]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 new events"), "{}", stderr(&o));
    assert_eq!(events(dir.path()), before);
    assert!(before > demo_len());
}

#[test]
fn a_later_csl_snapshot_closes_what_it_lacks_and_an_older_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o =
        run(dir.path(), &["import", "--format", "csl", "--snapshot-date", "2023-11-30", &data("csl-2023-11-cut.csv")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o =
        run(dir.path(), &["import", "--format", "csl", "--snapshot-date", "2025-06-25", &data("csl-2025-06-cut.csv")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // SMIC's CMIC listing, absent from the 2025 cut, holds until the snapshot's date.
    let q = |as_of: &str| {
        let r = query(
            dir.path(),
            &format!(
                r#"{{ entity(id: "smic", asOf: "{as_of}") {{ relations(direction: IN, names: ["bans"]) {{ validTo }} }} }}"#
            ),
        );
        r["data"]["entity"]["relations"].as_array().unwrap().clone()
    };
    assert_eq!(q("2025-06-24").len(), 1);
    assert_eq!(q("2025-06-24")[0]["validTo"], "2025-06-25");
    assert_eq!(q("2025-06-25").len(), 0);
    // AASPT's listing is still open (its `_id` changed, its content did not).
    let r = query(
        dir.path(),
        r#"{ entity(id: "academy-of-aerospace-solid-propulsion-technology-aaspt") { relations(direction: IN, names: ["bans"]) { validFrom validTo } } }"#,
    );
    let rel = &r["data"]["entity"]["relations"][0];
    assert_eq!((rel["validFrom"].as_str(), rel["validTo"].as_str()), (Some("2020-12-23"), None));

    let before = events(dir.path());
    let o =
        run(dir.path(), &["import", "--format", "csl", "--snapshot-date", "2023-11-30", &data("csl-2023-11-cut.csv")]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("date order"), "{}", stderr(&o));
    assert_eq!(events(dir.path()), before);
}

#[test]
fn csl_bad_records_are_reported_and_strict_refuses_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let faults = data("csl-2023-11-faults.csv");
    let o = run(dir.path(), &["import", "--format", "csl", "--strict", "--snapshot-date", "2023-11-30", &faults]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("record 2 (line 4): has 8 of the header's 29 fields"), "{err}");
    assert!(err.contains("nothing of it was stored"), "{err}");
    assert_eq!(events(dir.path()), 0);

    let o = run(dir.path(), &["import", "--format", "csl", "--snapshot-date", "2023-11-30", &faults]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipped record 2 (line 4)"), "{}", stderr(&o));
    let r = query(dir.path(), r#"{ entity(id: "atlas-sanatgaran") { relations(direction: IN) { from { id } } } }"#);
    assert_eq!(r["data"]["entity"]["relations"][0]["from"]["id"], "us-bis");
}

#[test]
fn wikidata_and_gdelt_import_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["import", "--format", "wikidata", &data("wikidata-Q646148.json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = query(
        dir.path(),
        r#"{ entity(id: "henning-christophersen", asOf: "1979-01-01") { attrs relations(names: ["holds_role"]) { validFrom validTo } } }"#,
    );
    let e = &r["data"]["entity"];
    assert_eq!(e["attrs"]["wikidata"], "Q646148");
    assert_eq!(e["relations"][0]["validFrom"], "1978-08-30");
    assert_eq!(e["relations"][0]["validTo"], "1979-10-26");

    let gdelt = data("gdelt-2017-china-and-sanctions.export.tsv");
    let o = run(dir.path(), &["import", "--format", "gdelt", &gdelt]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("273 records"), "{err}");
    assert!(err.contains("mapped 172 -> ban_imposed: "), "{err}");
    let before = events(dir.path());
    let o = run(dir.path(), &["import", "--format", "gdelt", &gdelt]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 new events"), "{}", stderr(&o));
    assert_eq!(events(dir.path()), before);
}

/// A line of output with its timing left out: "... (log at position 131; 0.07s, 804 events/s)"
/// keeps "... (log at position 131".
fn untimed(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| match l.find("(log at position ") {
            Some(at) => l[..at + l[at..].find(';').unwrap_or(l.len() - at)].to_owned(),
            None => l.to_owned(),
        })
        .collect()
}

/// "Load the official lists" (docs/official-lists.md), run as written: each ```sh block in a shell at the
/// repository's root with `strata` on the PATH and one fresh store, its output (standard error,
/// then standard output) the ```text block after it, timings aside.
#[test]
fn the_readme_section_on_the_official_lists_runs_as_written() {
    let text = std::fs::read_to_string(root().join("docs/official-lists.md")).unwrap();
    let start = text.find("\n## Load the official lists\n").expect("docs/official-lists.md has the section");
    let end = text[start + 1..].find("\n## ").map_or(text.len(), |e| start + 1 + e);
    let section = &text[start..end];
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_strata")).parent().unwrap().to_owned();
    let path =
        std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())))
            .unwrap();
    let mut blocks = 0;
    let mut rest = section;
    while let Some(at) = rest.find("```sh\n") {
        let body = &rest[at + 6..];
        let close = body.find("```\n").unwrap();
        let script = &body[..close];
        let after = &body[close + 4..];
        let t = after.find("```text\n").expect("each command block is followed by its output");
        let output = &after[t + 8..];
        let want = &output[..output.find("```").unwrap()];
        let o = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(root())
            .env("PATH", &path)
            .env("STRATA_DATA", dir.path().join("data"))
            .env("RUST_LOG", "warn")
            .env_remove("STRATA_VOCABULARY")
            .env_remove("STRATA_CHECKPOINT_EVERY")
            .output()
            .unwrap();
        assert!(o.status.success(), "{script}: {}", String::from_utf8_lossy(&o.stderr));
        let got = format!("{}{}", String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&o.stdout));
        assert_eq!(untimed(&got), untimed(want), "the output of\n{script}");
        blocks += 1;
        rest = &output[want.len()..];
    }
    assert_eq!(blocks, 4);
}
