//! The importers on real rows (tests/data/import, see its README), against a
//! store kept in memory: what each record becomes, what a second snapshot
//! adds, and what is skipped and why.

#![expect(clippy::unwrap_used, clippy::panic, reason = "tests: a failure is the test failing")]

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use strata_core::{parse_value, Day, EntityType, Location, Vocabulary};
use strata_import::{csl, gdelt, wikidata, Context, Crosswalk, Import, OpenListing, Prior, StoreView, Uuid};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/data/import/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap()
}

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

fn crosswalk() -> Crosswalk {
    let text = std::fs::read_to_string(format!("{}/../../schema/crosswalk.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    Crosswalk::from_json(&text).unwrap()
}

fn cameo(vocab: &Vocabulary) -> gdelt::CameoMap {
    let text =
        std::fs::read_to_string(format!("{}/../../schema/gdelt-cameo.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    gdelt::CameoMap::from_json(&text, vocab).unwrap()
}

/// A store in memory: the lines applied so far.
#[derive(Default)]
struct Mem {
    types: HashMap<String, EntityType>,
    events: HashSet<Uuid>,
    lines: Vec<Value>,
}

impl StoreView for Mem {
    fn entity_type(&self, id: &str) -> Option<EntityType> {
        self.types.get(id).copied()
    }
    fn has_event(&self, id: Uuid) -> bool {
        self.events.contains(&id)
    }
    fn is_open(&self, relation: &str, subject: &str, object: &str, on: Day) -> bool {
        let vocab = Vocabulary::builtin();
        let (mut open, mut closed) = (false, false);
        for e in &self.lines {
            let spec = vocab.get(e["kind"].as_str().unwrap()).unwrap();
            let believed = matches!(e["status"].as_str(), None | Some("confirmed" | "reported"));
            if spec.relation.as_deref() != Some(relation)
                || !believed
                || e["subject"] != subject
                || e["object"] != object
                || day(e["at"].as_str().unwrap()) > on
            {
                continue;
            }
            match spec.effect {
                strata_core::Effect::Opens => open = true,
                strata_core::Effect::Closes => closed = true,
                _ => {}
            }
        }
        open && !closed
    }
}

impl Mem {
    fn apply(&mut self, import: &Import) {
        for l in &import.lines {
            let e = &l.event;
            for side in ["subject", "object"] {
                if let Some(Value::Object(d)) = e.get(side) {
                    let ty = EntityType::parse(d["type"].as_str().unwrap()).unwrap();
                    self.types.entry(d["id"].as_str().unwrap().to_owned()).or_insert(ty);
                }
            }
            self.events.insert(Uuid::parse_str(e["id"].as_str().unwrap()).unwrap());
            self.lines.push(e.clone());
        }
    }

    /// The csl listings still open, and the last snapshot, as the CLI reads them from the engine.
    fn prior(&self) -> Prior {
        let mut prior = Prior::default();
        for e in &self.lines {
            let pair = (e["subject"].clone(), e.get("object").cloned());
            match e["kind"].as_str().unwrap() {
                "ban_imposed" => prior.open.push(OpenListing {
                    event: Uuid::parse_str(e["id"].as_str().unwrap()).unwrap(),
                    agency: e["subject"].as_str().unwrap().to_owned(),
                    party: e["object"].as_str().unwrap().to_owned(),
                    from: day(e["at"].as_str().unwrap()),
                    to: None,
                    list: e["attrs"]["list"].as_str().unwrap_or("").to_owned(),
                }),
                "ban_lifted" => {
                    let at = day(e["at"].as_str().unwrap());
                    for o in &mut prior.open {
                        if (Value::String(o.agency.clone()), Some(Value::String(o.party.clone()))) == pair {
                            o.to = Some(o.to.map_or(at, |t| t.min(at)));
                        }
                    }
                }
                "statement_made" => {
                    let d = day(e["at"].as_str().unwrap());
                    prior.last_snapshot = Some(prior.last_snapshot.map_or(d, |l| l.max(d)));
                }
                _ => {}
            }
        }
        prior
    }
}

fn cx<'a>(vocab: &'a Vocabulary, cw: &'a Crosswalk, store: &'a Mem, snapshot: &str) -> Context<'a> {
    Context {
        vocabulary: vocab,
        crosswalk: cw,
        snapshot_date: day(snapshot),
        snapshot_given: true,
        store,
        prior: store.prior(),
        note_field: true,
    }
}

fn kinds<'a>(import: &'a Import, kind: &str) -> Vec<&'a Value> {
    import.lines.iter().map(|l| &l.event).filter(|e| e["kind"] == kind).collect()
}

fn ban<'a>(import: &'a Import, party: &str, list: &str) -> Vec<&'a Value> {
    kinds(import, "ban_imposed").into_iter().filter(|e| e["object"] == party && e["attrs"]["list"] == list).collect()
}

/// Every line the importer makes is an event strata accepts as a line.
fn all_parse(import: &Import, vocab: &Vocabulary) {
    for (i, l) in import.lines.iter().enumerate() {
        let e = &l.event;
        parse_value(e, Location::Line(i + 1), vocab).unwrap_or_else(|err| panic!("{err}: {e}"));
    }
}

const Y2023: &str = "2023-11-30";
const Y2025: &str = "2025-06-25";

#[test]
fn each_list_gives_its_agency_and_its_date() {
    let vocab = Vocabulary::builtin();
    let (cw, store) = (crosswalk(), Mem::default());
    let out = csl::import(&data("csl-2023-11-cut.csv"), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    assert_eq!(out.records, 23);
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    all_parse(&out, &vocab);

    // Treasury's CMIC list: us-ofac, dated by the Listing Date kept in `ids`; Huawei lands on the demo's id.
    let huawei = ban(&out, "huawei", "CMIC");
    assert_eq!(huawei.len(), 1);
    assert_eq!(huawei[0]["subject"], "us-ofac");
    assert_eq!(huawei[0]["at"], "2021-06-03");
    assert_eq!(huawei[0]["status"], "confirmed");
    assert_eq!(huawei[0]["attrs"]["effective_date"], "2021-08-02");
    assert!(huawei[0]["note"].as_str().unwrap().contains("Listing Date (CMIC)"));
    assert_eq!(ban(&out, "smic", "CMIC")[0]["at"], "2021-06-03");
    // BIS lists: us-bis at start_date, with the Federal Register notice and the licence policy.
    let aaspt = ban(&out, "academy-of-aerospace-solid-propulsion-technology-aaspt", "MEU");
    assert_eq!((aaspt[0]["subject"].as_str(), aaspt[0]["at"].as_str()), (Some("us-bis"), Some("2020-12-23")));
    assert_eq!(aaspt[0]["attrs"]["federal_register_notices"], serde_json::json!(["85 FR 83799"]));
    assert!(aaspt[0]["attrs"]["license_policy"].as_str().unwrap().contains("744.21"));
    assert!(aaspt[0].get("note").is_none());
    let gastone = ban(&out, "chengdu-gastone-technology-co-ltd-cgtc", "EL");
    assert_eq!(gastone.len(), 2, "a dated and an undated Entity List row are two listings");
    assert_eq!(
        gastone[0]["attrs"]["federal_register_notices"],
        serde_json::json!(["79 FR 44680", "81 FR 14953", "83 FR 37423"])
    );
    assert_eq!(gastone[1]["at"], Y2023, "no start_date: the snapshot's date, said in the note");
    assert!(gastone[1]["note"].as_str().unwrap().contains("snapshot"));
    // The Unverified List is a ban too, at the snapshot date; State's lists are us-state-isn and us-state-ddtc.
    assert_eq!(ban(&out, "atlas-sanatgaran", "UVL")[0]["at"], Y2023);
    let sino = ban(&out, "sinobright-import-and-export-company", "ISN");
    assert_eq!((sino[0]["subject"].as_str(), sino[0]["at"].as_str()), (Some("us-state-isn"), Some("2023-07-19")));
    // One party on two lists (BIS's Entity List, State's ITAR debarment): one entity, two bans.
    assert_eq!(ban(&out, "su-bin", "EL")[0]["subject"], "us-bis");
    assert_eq!(ban(&out, "su-bin", "DTC")[0]["subject"], "us-state-ddtc");
    let decls: Vec<_> = kinds(&out, "entity_declared").into_iter().filter(|e| e["subject"]["id"] == "su-bin").collect();
    assert_eq!(decls.len(), 1);
    // Two rows of one listing citing its notices differently: one ban with every notice.
    let ash = ban(&out, "i-ash", "DPL");
    assert_eq!(ash.len(), 1);
    assert_eq!(
        ash[0]["attrs"]["federal_register_notices"],
        serde_json::json!(["67 FR 56530", "67 FR 10890", "71 FR 38843"])
    );
    assert_eq!(ash[0]["attrs"]["end_date"], "2056-06-29");
    // The denial order runs to its end_date: the listing closes then, as the list states.
    let ended: Vec<_> = kinds(&out, "ban_lifted").into_iter().filter(|e| e["object"] == "i-ash").collect();
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!((ended[0]["subject"].as_str(), ended[0]["at"].as_str()), (Some("us-bis"), Some("2056-06-29")));
    assert!(ended[0]["note"].as_str().unwrap().contains("end_date"));
    assert_eq!(kinds(&out, "ban_lifted").len(), 1, "no other record of the cut has an end_date");
    // The agencies the file uses, each a member of its department.
    for (agency, parent) in [("us-bis", "us-commerce"), ("us-ofac", "us-treasury"), ("us-state-isn", "us-state")] {
        assert!(kinds(&out, "membership_began").iter().any(|e| e["subject"] == agency && e["object"] == parent));
        assert!(kinds(&out, "entity_declared")
            .iter()
            .any(|e| e["subject"]["id"] == agency && e["subject"]["type"] == "agency"));
    }
    assert_eq!(out.counts.get("CMIC"), Some(&7));
}

#[test]
fn a_record_with_embedded_newlines_is_one_record() {
    let vocab = Vocabulary::builtin();
    let (cw, store) = (crosswalk(), Mem::default());
    let out = csl::import(&data("csl-2023-11-cut.csv"), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    let gfs =
        kinds(&out, "entity_declared").into_iter().find(|e| e["subject"]["id"] == "government-flying-service").unwrap();
    assert_eq!(gfs["subject"]["name"], "Government Flying Service");
    let line = out.lines.iter().find(|l| l.event["object"] == "government-flying-service").unwrap();
    assert_eq!((line.record, line.line), (12, 13));
    // The record after it starts three lines further down (its name field holds two newlines).
    let next = out.lines.iter().find(|l| l.event["object"] == "sme-bank").unwrap();
    assert_eq!((next.record, next.line), (13, 16));
}

#[test]
fn a_later_snapshot_appends_exactly_the_changes_and_closes_what_it_lacks() {
    let vocab = Vocabulary::builtin();
    let cw = crosswalk();
    let mut store = Mem::default();
    let first = csl::import(&data("csl-2023-11-cut.csv"), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    store.apply(&first);

    // The same file again: nothing.
    let again = csl::import(&data("csl-2023-11-cut.csv"), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    assert!(again.lines.is_empty(), "{:?}", again.lines);

    let second = csl::import(&data("csl-2025-06-cut.csv"), &cx(&vocab, &cw, &store, Y2025)).unwrap();
    all_parse(&second, &vocab);
    // AASPT kept its content under a new `_id`: no event about it.
    assert!(second.lines.iter().all(|l| !l.event.to_string().contains("aaspt")));
    // CETC 13 is new to this cut: declared at its listing date, and listed.
    let cetc = "china-electronics-technology-group-corporation-13th-research-institute-cetc-13";
    let b = ban(&second, cetc, "EL");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["at"], "2018-08-01");
    assert_eq!(b[0]["attrs"]["federal_register_notices"], serde_json::json!(["83 FR 37423", "87 FR 77505"]));
    // TNK's name changed case: one re-declaration at the snapshot's date, no new ban.
    let tnk: Vec<_> = second.lines.iter().filter(|l| l.event.to_string().contains("tnk-trading")).collect();
    assert_eq!(tnk.len(), 1);
    assert_eq!(tnk[0].event["kind"], "entity_declared");
    assert_eq!(tnk[0].event["at"], Y2025);
    // Every 2023 listing this cut lacks is closed at its date, once per agency and party.
    let lifted = kinds(&second, "ban_lifted");
    let lifted_parties: HashSet<&str> = lifted.iter().map(|e| e["object"].as_str().unwrap()).collect();
    for party in
        ["huawei", "smic", "su-bin", "i-ash", "government-flying-service", "chengdu-gastone-technology-co-ltd-cgtc"]
    {
        assert!(lifted_parties.contains(party), "{party} is not closed");
    }
    for party in ["atlas-sanatgaran", "sinobright-import-and-export-company", "sme-bank", "rosneft-trade-limited"] {
        assert!(!lifted_parties.contains(party), "{party} is still listed");
    }
    assert!(lifted.iter().all(|e| e["at"] == Y2025 && e["status"] == "confirmed"));
    assert_eq!(lifted.len(), lifted_parties.len() + 1, "su-bin is closed on two agencies' lists");
    // Exactly: the closes, CETC 13's declaration and ban, TNK's re-declaration, the snapshot's statement.
    assert_eq!(second.lines.len(), lifted.len() + 2 + 1 + 1);

    // And that import, again: nothing.
    store.apply(&second);
    let again = csl::import(&data("csl-2025-06-cut.csv"), &cx(&vocab, &cw, &store, Y2025)).unwrap();
    assert!(again.lines.is_empty(), "{:?}", again.lines);
    // An older snapshot than the last imported is refused, saying so.
    let err = csl::import(&data("csl-2023-11-cut.csv"), &cx(&vocab, &cw, &store, Y2023)).unwrap_err();
    assert!(err.to_string().contains("date order"), "{err}");
}

#[test]
fn the_json_file_gives_the_events_of_the_csv() {
    let vocab = Vocabulary::builtin();
    let (cw, store) = (crosswalk(), Mem::default());
    let csv = csl::import(&data("csl-2025-06-cut.csv"), &cx(&vocab, &cw, &store, Y2025)).unwrap();
    let json = csl::import(&data("csl-2025-06-cut.json"), &cx(&vocab, &cw, &store, Y2025)).unwrap();
    assert_eq!(json.records, 3);
    assert!(json.skipped.is_empty(), "{:?}", json.skipped);
    // The listings are the same events; the parties have the same ids and names (the JSON's
    // addresses are split differently by the script that wrote it, so their declarations differ).
    let bans = kinds(&json, "ban_imposed");
    assert_eq!(bans.len(), 3);
    for e in bans {
        assert!(csv.lines.iter().any(|l| &l.event == e), "the CSV has no {e}");
    }
    for e in kinds(&json, "entity_declared").into_iter().filter(|e| e["attrs"]["lists"].is_array()) {
        let same =
            kinds(&csv, "entity_declared").into_iter().find(|c| c["subject"]["id"] == e["subject"]["id"]).unwrap();
        assert_eq!(same["subject"]["name"], e["subject"]["name"]);
        assert_eq!(same["at"], e["at"]);
    }
}

#[test]
fn a_json_answer_is_dated_by_its_own_sources_used_unless_the_flag_says_otherwise() {
    let vocab = Vocabulary::builtin();
    let (cw, mut store) = (crosswalk(), Mem::default());
    // The JSON cut with the `sources_used` that trade.gov's answers carry (an edit: the cut has none).
    let mut answer: Value = serde_json::from_slice(&data("csl-2025-06-cut.json")).unwrap();
    answer["sources_used"] = serde_json::json!([
        {"source": "Entity List (EL) - Bureau of Industry and Security", "source_last_updated": "2025-06-20T10:04:11-04:00", "import_rate": "Hourly"},
        {"source": "Military End User (MEU) List - Bureau of Industry and Security", "source_last_updated": "2025-06-24T09:00:00-04:00", "import_rate": "Hourly"}
    ]);
    let bytes = serde_json::to_vec(&answer).unwrap();
    let mut today = cx(&vocab, &cw, &store, "2026-12-07");
    today.snapshot_given = false;
    let out = csl::import(&bytes, &today).unwrap();
    let stated = kinds(&out, "statement_made");
    assert_eq!(stated.len(), 1);
    assert_eq!(stated[0]["at"], "2025-06-24", "the latest list update, not today");
    assert!(out.remarks.iter().any(|r| r.contains("2025-06-24")), "{:?}", out.remarks);
    // --snapshot-date wins over the file's date.
    let flagged = csl::import(&bytes, &cx(&vocab, &cw, &store, "2025-07-01")).unwrap();
    assert_eq!(kinds(&flagged, "statement_made")[0]["at"], "2025-07-01");
    // With the file's date, an older snapshot than the last imported is refused as with the flag's.
    store.apply(&flagged);
    let mut older = cx(&vocab, &cw, &store, "2026-12-07");
    older.snapshot_given = false;
    let err = csl::import(&bytes, &older).unwrap_err();
    assert!(err.to_string().contains("2025-06-24") && err.to_string().contains("date order"), "{err}");
}

#[test]
fn a_person_and_a_company_of_one_name_are_two_entities() {
    let vocab = Vocabulary::builtin();
    let (cw, store) = (crosswalk(), Mem::default());
    // Su Bin's real Entity List row, and the same row typed `Individual` as Treasury types persons
    // (an edit: the BIS lists leave `type` empty, and no real pair of one name exists in the cuts).
    let text = String::from_utf8(data("csl-2023-11-cut.csv")).unwrap();
    let header = text.lines().next().unwrap();
    let row = text.lines().find(|l| l.contains("\"Su Bin\"") && l.contains("Entity List")).unwrap();
    let person = row.replacen("\"\",\"\",\"\",\"Su Bin\"", "\"\",\"Individual\",\"\",\"Su Bin\"", 1);
    assert_ne!(person, row);
    let file = format!("{header}\n{row}\n{person}\n");
    let out = csl::import(file.as_bytes(), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    let ids: HashSet<&str> = kinds(&out, "entity_declared")
        .iter()
        .filter_map(|e| e["subject"]["id"].as_str())
        .filter(|i| i.starts_with("su-bin"))
        .collect();
    assert_eq!(ids, HashSet::from(["su-bin", "su-bin-person"]));
}

#[test]
fn bad_records_are_reported_with_their_number_and_line() {
    let vocab = Vocabulary::builtin();
    let (cw, store) = (crosswalk(), Mem::default());
    // The real file's duplicated header is skipped; its truncated last record is reported.
    let out = csl::import(&data("csl-2023-11-faults.csv"), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    assert_eq!(out.records, 2);
    assert_eq!(out.skipped.len(), 1);
    let s = &out.skipped[0];
    assert_eq!((s.record, s.line), (2, 4));
    assert!(s.reason.contains("8 of the header's 29 fields"), "{}", s.reason);
    assert_eq!(ban(&out, "atlas-sanatgaran", "UVL").len(), 1);

    // A real row with its start_date edited to a date that does not exist.
    let text = String::from_utf8(data("csl-2025-06-cut.csv")).unwrap().replace("\"2020-12-23\"", "\"2020-13-23\"");
    let out = csl::import(text.as_bytes(), &cx(&vocab, &cw, &store, Y2025)).unwrap();
    assert_eq!(out.skipped.len(), 1);
    assert_eq!((out.skipped[0].record, out.skipped[0].line), (3, 4));
    assert_eq!(out.skipped[0].to_string(), "record 3 (line 4): start_date \"2020-13-23\" is not a date (YYYY-MM-DD)");
    assert!(ban(&out, "academy-of-aerospace-solid-propulsion-technology-aaspt", "MEU").is_empty());

    // A file that is not a CSL at all is refused whole.
    assert!(csl::import(b"a,b\n1,2\n", &cx(&vocab, &cw, &store, Y2025)).is_err());
}

#[test]
fn wikidata_dated_statements_keep_their_precision_and_references() {
    let vocab = Vocabulary::builtin();
    let (cw, store) = (crosswalk(), Mem::default());
    let out = wikidata::import(&data("wikidata-Q646148.json"), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    all_parse(&out, &vocab);
    let decl = &kinds(&out, "entity_declared")[0];
    assert_eq!(decl["subject"]["id"], "henning-christophersen");
    assert_eq!(decl["subject"]["wikidata"], "Q646148");
    // The qualified P39 opens and closes at day precision; the unqualified one is skipped, said so.
    let open = kinds(&out, "role_assumed");
    let close = kinds(&out, "role_ended");
    assert_eq!((open.len(), close.len()), (1, 1));
    assert_eq!((open[0]["at"].as_str(), close[0]["at"].as_str()), (Some("1978-08-30"), Some("1979-10-26")));
    assert_eq!(
        (open[0]["subject"].as_str(), open[0]["object"].as_str()),
        (Some("henning-christophersen"), Some("q6866144"))
    );
    assert_eq!(open[0]["status"], "reported");
    assert_eq!(out.counts.get("not mapped: no start time (P580)"), Some(&1), "the undated P39");
    assert!(out.skipped.is_empty());

    // Q2112: year precision, a preferred rank (reported) and a deprecated one (denied, an edit on a copy).
    let text = String::from_utf8(data("wikidata-Q2112.json")).unwrap();
    let out = wikidata::import(text.as_bytes(), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    all_parse(&out, &vocab);
    let heads = kinds(&out, "role_assumed");
    assert_eq!(heads.len(), 5);
    assert!(heads.iter().all(|e| e["object"] == "bielefeld" && e["attrs"]["role"] == "head of government"));
    assert!(heads.iter().any(|e| e["at"] == "2009" && e["subject"] == "q2097128"));
    assert_eq!(kinds(&out, "role_ended").len(), 4);
    assert!(heads.iter().all(|e| e["source"]["publisher"] == "Wikidata"));
    let mut item: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(item["claims"]["P6"][0]["rank"], "preferred");
    item["claims"]["P6"][0]["rank"] = "deprecated".into();
    let out = wikidata::import(item.to_string().as_bytes(), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    let denied: Vec<_> = out.lines.iter().filter(|l| l.event["status"] == "denied").collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(
        (denied[0].event["kind"].as_str(), denied[0].event["at"].as_str()),
        (Some("role_assumed"), Some("2009"))
    );

    // Q4115189: a Julian year, deprecated ranks, but no mapped property: only the item.
    let out = wikidata::import(&data("wikidata-Q4115189.json"), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    assert_eq!(out.lines.len(), 1);
    assert_eq!(out.lines[0].event["subject"]["name"], "Wikidata Sandbox");

    // An `{"entities": {...}}` answer and one entity per line read the same.
    let one = String::from_utf8(data("wikidata-Q646148.json")).unwrap();
    let value: Value = serde_json::from_str(&one).unwrap();
    let answer = serde_json::json!({"entities": {"Q646148": value}}).to_string();
    let lines = format!("[\n{},\n]\n", value);
    let a = wikidata::import(answer.as_bytes(), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    let b = wikidata::import(lines.as_bytes(), &cx(&vocab, &cw, &store, Y2023)).unwrap();
    let events = |i: &Import| i.lines.iter().map(|l| l.event.clone()).collect::<Vec<_>>();
    assert_eq!(events(&a), events(&b));
    assert_eq!(events(&a).len(), 4, "the item, the position it names, the open and the close");
}

#[test]
fn wikidata_times_keep_their_precision() {
    let t = |time: &str, precision: u64| {
        wikidata::time(&serde_json::json!({"time": time, "precision": precision,
            "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}))
    };
    assert_eq!(t("+1978-08-30T00:00:00Z", 11).unwrap().0, "1978-08-30");
    assert_eq!(t("+1978-08-00T00:00:00Z", 10).unwrap().0, "1978-08");
    assert_eq!(t("+1291-00-00T00:00:00Z", 9).unwrap().0, "1291");
    assert!(t("+1900-00-00T00:00:00Z", 8).unwrap_err().contains("coarser than a year"));
    assert!(t("-0100-00-00T00:00:00Z", 9).is_err());
    let julian = wikidata::time(&serde_json::json!({"time": "+1582-10-04T00:00:00Z", "precision": 11,
        "calendarmodel": "http://www.wikidata.org/entity/Q1985786"}))
    .unwrap();
    assert_eq!(julian.0, "1582");
    assert!(julian.1.unwrap().contains("Julian"));
}

#[test]
fn gdelt_rows_map_by_cameo_code_and_the_rest_are_counted() {
    let vocab = Vocabulary::builtin();
    let (cw, store) = (crosswalk(), Mem::default());
    let map = cameo(&vocab);
    let out = gdelt::import(&data("gdelt-2017-china-and-sanctions.export.tsv"), &map, &cx(&vocab, &cw, &store, Y2023))
        .unwrap();
    all_parse(&out, &vocab);
    assert_eq!(out.records, 273);
    let count =
        |prefix: &str| -> usize { out.counts.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(_, v)| v).sum() };
    let (mapped, left) = (count("mapped"), count("not mapped"));
    assert_eq!(mapped + left, 273, "{:?}", out.counts);
    assert!(out.skipped.is_empty(), "every row is well formed: {:?}", out.skipped);
    assert!(out.counts.get("not mapped: CAMEO code").is_some_and(|n| *n > 100), "{:?}", out.counts);
    let events: Vec<&Value> = out.lines.iter().map(|l| &l.event).filter(|e| e["kind"] != "entity_declared").collect();
    assert_eq!(events.len(), mapped);
    assert!(events.iter().all(|e| e["status"] == "reported" && e["attrs"]["importer"] == "gdelt"));
    // 172 from a government to anyone is a ban; curfews (1723) are not mapped at all.
    let bans: Vec<_> = events.iter().filter(|e| e["kind"] == "ban_imposed").collect();
    assert!(!bans.is_empty());
    assert!(bans.iter().all(|e| e["attrs"]["cameo"].as_str().unwrap().starts_with("172")));
    assert!(events.iter().all(|e| e["attrs"]["cameo"] != "1723"));
    // A country with no role code is an actor, so a ban from it is left out, and counted.
    assert!(out.counts.get("not mapped: ban_imposed with actors of types actor -> actor").is_some_and(|n| *n > 0));
    // A malformed row is skipped and reported with its record and line.
    let text = String::from_utf8(data("gdelt-2017-china-and-sanctions.export.tsv")).unwrap();
    let mut rows: Vec<&str> = text.lines().take(3).collect();
    rows[1] = "669666368\t20160701";
    let cut = format!("{}\n", rows.join("\n"));
    let bad = gdelt::import(cut.as_bytes(), &map, &cx(&vocab, &cw, &store, Y2023)).unwrap();
    assert_eq!(bad.skipped.len(), 1);
    assert_eq!(
        bad.skipped[0].to_string(),
        "record 2 (line 2): has 2 tab-separated columns, a GDELT 2.0 export row has 61"
    );
    // SQLDATE gives the date; SOURCEURL the source, its domain the publisher.
    let first = events[0];
    assert_eq!(first["at"].as_str().unwrap().len(), 10);
    assert!(first["source"]["url"].as_str().unwrap().starts_with("http"));
    assert!(!first["source"]["publisher"].as_str().unwrap().contains('/'));
    // Importing the same rows into a store that has them appends nothing new.
    let mut store = Mem::default();
    store.apply(&out);
    let again =
        gdelt::import(&data("gdelt-2017-china-and-sanctions.export.tsv"), &map, &cx(&vocab, &cw, &store, Y2023))
            .unwrap();
    assert!(again.lines.iter().all(|l| store.has_event(Uuid::parse_str(l.event["id"].as_str().unwrap()).unwrap())));
}

#[test]
fn gdelt_easing_lifts_only_a_ban_that_is_open_and_threats_are_expected() {
    let vocab = Vocabulary::builtin();
    let (cw, map) = (crosswalk(), cameo(&vocab));
    let text = String::from_utf8(data("gdelt-2017-china-and-sanctions.export.tsv")).unwrap();
    let all = gdelt::import(text.as_bytes(), &map, &cx(&vocab, &cw, &Mem::default(), Y2023)).unwrap();
    let ban = kinds(&all, "ban_imposed")[0].clone();
    let gdelt_id = ban["attrs"]["gdelt_id"].as_str().unwrap();
    let row = text.lines().find(|l| l.starts_with(&format!("{gdelt_id}\t"))).unwrap();
    // The same real row recoded (an edit): 085 "ease economic sanctions", and 1312 "threaten to sanction".
    let recode = |id: &str, code: &str, base: &str, root: &str| -> String {
        let mut f: Vec<&str> = row.split('\t').collect();
        f[0] = id;
        f[26] = code;
        f[27] = base;
        f[28] = root;
        f.join("\t")
    };
    let easing = recode("990000001", "085", "085", "08");
    let threat = recode("990000002", "1312", "131", "13");

    // In one file after the ban: the ban is lifted.
    let file = format!("{row}\n{easing}\n{threat}\n");
    let out = gdelt::import(file.as_bytes(), &map, &cx(&vocab, &cw, &Mem::default(), Y2023)).unwrap();
    all_parse(&out, &vocab);
    let lifted = kinds(&out, "ban_lifted");
    assert_eq!(lifted.len(), 1, "{:?}", out.counts);
    assert_eq!((&lifted[0]["subject"], &lifted[0]["object"]), (&ban["subject"], &ban["object"]));
    assert_eq!(lifted[0]["status"], "reported");
    let threats: Vec<_> = kinds(&out, "statement_made").into_iter().filter(|e| e["attrs"]["cameo"] == "1312").collect();
    assert_eq!(threats.len(), 1);
    assert_eq!(threats[0]["status"], "expected", "a threat is a forecast, not an act");

    // Alone, with nothing open: a statement whose note says why, so the batch is not refused.
    let alone =
        gdelt::import(format!("{easing}\n").as_bytes(), &map, &cx(&vocab, &cw, &Mem::default(), Y2023)).unwrap();
    all_parse(&alone, &vocab);
    assert!(kinds(&alone, "ban_lifted").is_empty());
    let kept = kinds(&alone, "statement_made");
    assert_eq!(kept.len(), 1);
    assert!(kept[0]["attrs"]["note"].as_str().unwrap().contains("no such relation was open"));
    assert_eq!(alone.counts.get("mapped 085 -> statement_made (ban_lifted with nothing open)"), Some(&1));

    // With the ban in the store: lifted, and a second easing in the same file finds it closed.
    let mut store = Mem::default();
    store.apply(&all);
    let twice = format!("{easing}\n{}\n", recode("990000003", "085", "085", "08"));
    let out = gdelt::import(twice.as_bytes(), &map, &cx(&vocab, &cw, &store, Y2023)).unwrap();
    assert_eq!(kinds(&out, "ban_lifted").len(), 1);
    assert_eq!(kinds(&out, "statement_made").len(), 1);
}
