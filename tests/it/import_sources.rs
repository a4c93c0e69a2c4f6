//! `strata import --format csl|wikidata|gdelt` end to end, on the real rows
//! of tests/data/import: what lands in the store, re-imports, a later
//! snapshot, and the refusals.

use std::path::PathBuf;

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
