//! The demo questions of the README and of `docs/`, run against the demo
//! server exactly as written there, with the answers a reader should see.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::support::{demo_file, root, Server};

/// The documents whose examples are tested: the README, then every page of
/// `docs/` in name order.
pub fn documents() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    docs.insert(0, root().join("README.md"));
    docs
}

/// The ```graphql blocks of the documents (in the order [`documents`]
/// gives), keyed by their `# q: NAME` line, with the query and, when a
/// ```json block follows it with nothing but blank lines between, that
/// block: the answer the document shows for it.
fn readme_blocks() -> Vec<(String, String, Option<Value>)> {
    let mut out: Vec<(String, String, Option<Value>)> = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        // The kind of the block being read, and its text.
        let mut block: Option<(&str, String)> = None;
        // Whether only blank lines came since the last query's block.
        let mut right_after = false;
        for line in text.lines() {
            match (&mut block, line.trim_start()) {
                (None, "```graphql") => block = Some(("graphql", String::new())),
                (None, "```json") => {
                    block = Some(("json", String::new()));
                    continue;
                }
                (Some((kind, b)), "```") => {
                    if *kind == "graphql" {
                        let name =
                            b.lines().next().and_then(|l| l.strip_prefix("# q: ")).unwrap_or("").trim().to_string();
                        out.push((name, b.clone(), None));
                        right_after = true;
                        block = None;
                        continue;
                    } else if let (true, Some(last)) = (right_after, out.last_mut()) {
                        let shown = serde_json::from_str(b)
                            .unwrap_or_else(|e| panic!("{}: the answer of {} is not JSON: {e}", doc.display(), last.0));
                        last.2 = Some(shown);
                    }
                    block = None;
                }
                (Some((_, b)), _) => {
                    b.push_str(line);
                    b.push('\n');
                    continue;
                }
                (None, "") => continue,
                _ => {}
            }
            right_after = false;
        }
    }
    out
}

fn ids(list: &Value, role: Option<&str>, field: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .filter(|r| role.is_none_or(|role| r["role"] == role))
        .map(|r| r[field]["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The demo's events, read from the file the server loads: the oracle for
/// the answers that follow from the data rather than from the README's words.
fn demo_events() -> Vec<Value> {
    let text = std::fs::read_to_string(demo_file()).unwrap();
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The `(name, from, to)` of the SUBJECT_OBJECT relations in a list.
fn triples(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .filter(|x| x["role"] == "SUBJECT_OBJECT")
        .map(|x| {
            (
                x["name"].as_str().unwrap().into(),
                x["from"]["id"].as_str().unwrap().into(),
                x["to"]["id"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn has(list: &[(String, String, String)], want: (&str, &str, &str)) -> bool {
    list.iter().any(|a| (a.0.as_str(), a.1.as_str(), a.2.as_str()) == want)
}

/// The first day of a valid time as a sortable string: `2025-Q4` is
/// `2025-10-01`, `2026-01` is `2026-01-01`.
fn first_day(valid: &str) -> String {
    match valid.split_once("-Q") {
        Some((year, q)) => format!("{year}-{:02}-01", (q.parse::<u32>().unwrap() - 1) * 3 + 1),
        None if valid.len() == 4 => format!("{valid}-01-01"),
        None if valid.len() == 7 => format!("{valid}-01"),
        None => valid.to_owned(),
    }
}

fn strings<'a>(values: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    values.into_iter().map(|v| v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string()).collect()
}

#[test]
fn every_readme_question_gets_the_right_answer() {
    let queries = readme_blocks();
    // Where a question is written (the README or a page of docs/) is free; that each is asked, once, is not.
    // The order matters only for the questions that write (alias, listing, merge: all in the README).
    let mut names: Vec<&str> = queries.iter().map(|(n, _, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "after",
            "alias",
            "approved",
            "around",
            "before",
            "changes",
            "confirmed",
            "connected",
            "connection",
            "disagreements",
            "journey",
            "known",
            "learned",
            "listing",
            "merge",
            "search",
            "sources"
        ]
    );
    let events = demo_events();
    let server = Server::start(&["--demo"]);
    let (mut before_entities, mut before_known): (Option<u64>, Option<String>) = (None, None);
    for (name, q, shown) in &queries {
        let r = server.graphql(q, json!({}));
        assert!(r.get("errors").is_none(), "documented query {name} failed: {r}");
        let d = &r["data"];
        // An answer the README shows is the answer, word for word.
        if let Some(shown) = shown {
            assert_eq!(d, shown, "README query {name}: the answer shown is not the answer");
        }
        match name.as_str() {
            "approved" => {
                // The 28 January article names no ministry: the government approved.
                let gov = &d["gov"]["relations"];
                assert_eq!(ids(gov, Some("SUBJECT_OBJECT"), "to"), ["alibaba", "bytedance", "tencent"], "{r}");
                for rel in gov.as_array().unwrap().iter().filter(|x| x["role"] == "SUBJECT_OBJECT") {
                    assert_eq!(rel["status"], "REPORTED", "{r}");
                    assert_eq!(strings(rel["sources"].as_array().unwrap().iter().map(|s| &s["publisher"])).len(), 1);
                    assert_eq!(rel["sources"][0]["published"], "2026-01-28", "{r}");
                }
                // The ministries come from the late-January article. No article
                // gives an approval's day: every one is dated to the month,
                // DeepSeek's too, so 29 January already shows it.
                let miit = &d["miit"]["relations"];
                let four = ["alibaba", "bytedance", "deepseek", "tencent"];
                assert_eq!(ids(miit, Some("SUBJECT_OBJECT"), "to"), four, "{r}");
                for rel in miit.as_array().unwrap() {
                    assert_eq!(rel["event"]["precision"], "MONTH", "{r}");
                    assert_eq!(rel["sources"][0]["publisher"], "News report citing Reuters", "{r}");
                }
                let mofcom = ids(&d["mofcom"]["relations"], Some("SUBJECT_OBJECT"), "to");
                assert_eq!(mofcom, four, "{r}");
                for rel in gov.as_array().unwrap() {
                    assert_eq!(rel["event"]["precision"], "MONTH", "reported on 28 January with no day: {r}");
                    let note = rel["event"]["note"].as_str().unwrap_or_default();
                    assert!(note.contains("Reported on 28 January 2026"), "the note says when it was reported: {r}");
                    assert_eq!(rel["sources"][0]["via"], "Reuters", "{r}");
                }
            }
            "connection" => {
                assert_eq!(d["path"]["hops"], 1, "{r}");
                let step = &d["path"]["steps"][0];
                assert_eq!(step["relation"]["name"], "wrote_to", "{r}");
                assert_eq!(step["relation"]["role"], "ABOUT", "{r}");
                assert_eq!(step["relation"]["event"]["at"], "2026-01-28", "{r}");
                let paths = d["paths"].as_array().unwrap();
                assert!(paths.len() > 1, "{r}");
                assert_eq!(paths[0]["hops"], 1);
                assert!(paths.windows(2).all(|w| w[0]["hops"].as_u64() <= w[1]["hops"].as_u64()));
            }
            "changes" => {
                let added = triples(&d["diff"]["added"]);
                for want in [
                    ("approved", "cn-gov", "bytedance"),
                    ("approved", "cn-miit", "bytedance"),
                    ("approved", "cn-mofcom", "deepseek"),
                    ("licensed", "us-gov", "nvidia"),
                    ("reviews", "cn-ndrc", "deepseek"),
                ] {
                    assert!(has(&added, want), "{want:?} not in {added:?}");
                }
                let spring = triples(&d["spring"]["added"]);
                for want in [
                    ("bans", "us-gov", "advanced-ai-chips"),
                    ("licensed", "us-gov", "nvidia"),
                    ("bans", "cn-gov", "nvidia-rtx-pro-6000d"),
                ] {
                    assert!(has(&spring, want), "{want:?} not in {spring:?}");
                }
                // The April ban is the broad one the article states, not a ban on the H20.
                assert!(!spring.iter().any(|t| t.0 == "bans" && t.2 == "nvidia-h20"), "{spring:?}");
                let h20_licence = d["spring"]["added"].as_array().unwrap().iter().any(|x| {
                    x["name"] == "licensed" && x["about"].as_array().unwrap().iter().any(|a| a["id"] == "nvidia-h20")
                });
                assert!(h20_licence, "{r}");
            }
            "known" => {
                let then = ids(&d["then"]["relations"], Some("SUBJECT_OBJECT"), "from");
                assert_eq!(then, ["cn-gov"], "no article had named the ministries by 29 January: {r}");
                let now = ids(&d["now"]["relations"], Some("SUBJECT_OBJECT"), "from");
                assert_eq!(now, ["cn-gov", "cn-miit", "cn-mofcom"], "{r}");
                assert!(d["deepseekThen"].is_null(), "{r}");
                assert_eq!(d["stats"]["events"], events.len(), "{r}");
            }
            "sources" => {
                let nodes: Vec<&Value> = d["events"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
                let in_file: BTreeSet<String> = events
                    .iter()
                    .filter(|e| {
                        (e["kind"] == "approval_granted" && e["object"] == "bytedance")
                            || (e["kind"] == "order_placed" && e["subject"] == "bytedance")
                    })
                    .map(|e| e["id"].as_str().unwrap().to_string())
                    .collect();
                assert_eq!(strings(nodes.iter().map(|n| &n["id"])), in_file, "{r}");
                let statuses = strings(nodes.iter().map(|n| &n["status"]));
                assert_eq!(statuses, strings(&[json!("EXPECTED"), json!("REPORTED")]), "{r}");
                assert_eq!(strings(nodes.iter().map(|n| &n["source"]["publisher"])).len(), 3, "three articles: {r}");
                for n in &nodes {
                    // Knowledge never precedes its source: recorded on or after
                    // the first day its source can have been published.
                    let (recorded, published) =
                        (n["recordedAt"].as_str().unwrap(), n["source"]["published"].as_str().unwrap());
                    let first_day = first_day(published);
                    assert!(
                        recorded >= first_day.as_str(),
                        "{} recorded {recorded}, before its source {published}",
                        n["id"]
                    );
                    // Every event says why its date is what it is.
                    assert!(n["note"].as_str().is_some_and(|t| !t.is_empty()), "{} has no note: {r}", n["id"]);
                }
                // The approvals relay Reuters' report.
                for n in nodes.iter().filter(|n| n["kind"] == "approval_granted") {
                    assert_eq!(n["source"]["via"], "Reuters", "{r}");
                }
            }
            "disagreements" => {
                let huang = events
                    .iter()
                    .find(|e| {
                        e["kind"] == "statement_made" && e["subject"] == "jensen-huang" && e.get("disputes").is_some()
                    })
                    .expect("Huang's statement disputes the approvals");
                let disputed: BTreeSet<String> = events
                    .iter()
                    .filter(|e| e["object"] == "bytedance" && huang["disputes"].as_array().unwrap().contains(&e["id"]))
                    .map(|e| e["id"].as_str().unwrap().to_string())
                    .collect();
                assert_eq!(disputed.len(), 3, "the government's and both ministries' approvals of ByteDance");
                let list = d["bytedance"].as_array().unwrap();
                let mut seen = BTreeSet::new();
                for pair in list.iter().filter(|p| p["reason"] == "DISPUTED") {
                    let pair_ids = strings(pair["events"].as_array().unwrap().iter().map(|e| &e["id"]));
                    assert!(pair_ids.contains(huang["id"].as_str().unwrap()), "{r}");
                    seen.extend(pair_ids.intersection(&disputed).cloned());
                }
                assert_eq!(seen, disputed, "{r}");
                // The one tension in the articles is Huang's statement: every
                // pair on the demo is it against an approval it disputes, one
                // pair per approval, and nothing else (notes are never compared).
                let all = d["all"].as_array().unwrap();
                assert!(all.iter().all(|p| p["reason"] == "DISPUTED"), "{r}");
                let disputed_all = huang["disputes"].as_array().unwrap();
                assert_eq!(all.len(), disputed_all.len(), "{r}");
                for pair in all {
                    let pair_ids = strings(pair["events"].as_array().unwrap().iter().map(|e| &e["id"]));
                    assert!(pair_ids.contains(huang["id"].as_str().unwrap()), "{r}");
                }
                assert_eq!(list.len(), 3, "{r}");
                // Nvidia did not comment on DeepSeek: nothing disputes its approval.
                assert!(d["deepseek"].as_array().unwrap().iter().all(|p| p["reason"] != "DISPUTED"), "{r}");
            }
            "confirmed" => {
                let rels = d["entity"]["relations"].as_array().unwrap();
                assert!(!rels.is_empty(), "{r}");
                assert!(rels.iter().all(|x| x["status"] == "CONFIRMED"), "{r}");
                assert_eq!(
                    strings(rels.iter().map(|x| &x["name"])),
                    strings(&[json!("licensed"), json!("wrote_to")]),
                    "{r}"
                );
                for licence in rels.iter().filter(|x| x["name"] == "licensed") {
                    assert_eq!(licence["corroboration"], 2, "{r}");
                    assert_eq!(
                        strings(licence["sources"].as_array().unwrap().iter().map(|s| &s["publisher"])).len(),
                        2
                    );
                }
                // The forecast of MIIT's approval is about the H200 and names no approvee.
                let forecast = &d["forecast"]["relations"];
                assert_eq!(ids(forecast, Some("SUBJECT_OBJECT"), "to"), ["nvidia-h200"], "{r}");
                for rel in forecast.as_array().unwrap() {
                    assert_eq!(rel["status"], "EXPECTED", "{r}");
                    assert_eq!(rel["event"]["precision"], "QUARTER", "{r}");
                    assert_eq!(rel["event"]["attrs"]["conditions"].as_array().map(Vec::len), Some(3), "{r}");
                }
            }
            "around" => {
                let nodes: Vec<String> = d["neighborhood"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["id"].as_str().unwrap().to_string())
                    .collect();
                for want in ["cn-miit", "cn-mofcom", "cn-ndrc", "high-flyer", "john-moolenaar", "nvidia-h800"] {
                    assert!(nodes.contains(&want.to_string()), "{want} not around deepseek: {r}");
                }
                assert!(d["entity"]["history"].as_array().unwrap().len() >= 5, "{r}");
            }
            "learned" => {
                let diff = &d["knowledgeDiff"];
                let learned = diff["learned"].as_array().unwrap();
                // The table in the README, row by row.
                let rows: Vec<(String, String, String, String, String)> = learned
                    .iter()
                    .map(|x| {
                        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
                        (s(&x["name"]), s(&x["role"]), s(&x["from"]["id"]), s(&x["to"]["id"]), s(&x["validFrom"]))
                    })
                    .collect();
                let row = |n: &str, r: &str, f: &str, t: &str, v: &str| {
                    (n.to_string(), r.to_string(), f.to_string(), t.to_string(), v.to_string())
                };
                assert_eq!(
                    rows,
                    [
                        row("approved", "SUBJECT_OBJECT", "cn-gov", "bytedance", "2026-01-01"),
                        row("approved", "ABOUT", "bytedance", "nvidia-h200", "2026-01-01"),
                        row("approved", "SUBJECT_OBJECT", "cn-miit", "bytedance", "2026-01-01"),
                        row("approved", "ABOUT", "bytedance", "nvidia-h200", "2026-01-01"),
                        row("approved", "SUBJECT_OBJECT", "cn-mofcom", "bytedance", "2026-01-01"),
                        row("approved", "ABOUT", "bytedance", "nvidia-h200", "2026-01-01"),
                    ],
                    "{r}"
                );
                let publishers: Vec<&str> =
                    learned.iter().map(|x| x["event"]["source"]["publisher"].as_str().unwrap()).collect();
                assert_eq!(publishers[..2], ["DatacenterDynamics"; 2], "{r}");
                assert_eq!(publishers[2..], ["News report citing Reuters"; 4], "{r}");
                assert_eq!(diff["withdrawn"], json!([]), "{r}");
                // The events of the two later articles: every event recorded in the window.
                let recorded: Vec<u64> =
                    diff["events"].as_array().unwrap().iter().map(|e| e["position"].as_u64().unwrap()).collect();
                let in_window = |e: &Value| {
                    let t = e["recordedAt"].as_str().unwrap();
                    ("2026-01-28T00:00:00Z"..="2026-02-02T00:00:00Z").contains(&t)
                };
                let expected: Vec<u64> =
                    (1..=events.len() as u64).filter(|&p| in_window(&events[p as usize - 1])).collect();
                assert_eq!(recorded, expected, "{r}");
                assert_eq!((recorded.len(), recorded[0], *recorded.last().unwrap()), (45, 29, 73), "{r}");
                assert_eq!(d["since"]["totalCount"], 36, "{r}");
            }
            "connected" => {
                let within3 = d["connections"].as_array().unwrap();
                assert_eq!(within3.len(), 1, "{r}");
                // The US officials' belief about DeepSeek, which its article does not date.
                assert_eq!(within3[0]["validFrom"], "2026-01-01", "January 2026: {r}");
                let longer = d["longer"].as_array().unwrap();
                assert_eq!(longer[0]["validFrom"], "2025-07-01", "the US licence: {r}");
            }
            "journey" => {
                let at: Vec<&str> =
                    d["journey"]["steps"].as_array().unwrap().iter().map(|s| s["at"].as_str().unwrap()).collect();
                // The NDRC's review is dated to January 2026, so it can follow the letter the same day.
                assert_eq!(at, ["2026-01-28", "2026-01-28"], "{r}");
                let before = d["beforeTheLetter"]["steps"].as_array().unwrap();
                let days: Vec<&str> = before.iter().map(|s| s["at"].as_str().unwrap()).collect();
                assert!(days.windows(2).all(|w| w[0] <= w[1]), "in time order: {r}");
                assert!(days.iter().all(|d| *d <= "2026-01-27"), "{r}");
            }
            "alias" | "listing" | "merge" => assert!(d["appendEvents"]["position"].as_u64().is_some(), "{r}"),
            "search" => {
                assert_eq!(d["chinese"][0]["entity"]["id"], "bytedance", "{r}");
                assert_eq!(d["chinese"][0]["matched"], "北京字节跳动科技有限公司", "{r}");
                assert_eq!(d["typed"][0]["entity"]["id"], "bytedance", "{r}");
                assert_eq!(d["typed"][0]["matched"], "ByteDance", "{r}");
            }
            "before" => {
                assert_eq!(d["entity"]["id"], "huawei", "{r}");
                assert_eq!(d["entity"]["mergedIds"], json!([]), "{r}");
                assert_eq!(d["entity"]["relations"], json!([]), "{r}");
                assert_eq!(d["duplicates"][0]["entity"]["id"], "huawei-technologies", "{r}");
                before_entities = d["stats"]["entities"].as_u64();
                before_known = d["stats"]["lastRecordedAt"].as_str().map(str::to_owned);
            }
            "after" => {
                let e = &d["entity"];
                assert_eq!(e["id"], "huawei", "{r}");
                assert_eq!(e["mergedIds"], json!(["huawei-technologies"]), "{r}");
                assert!(e["names"].as_array().unwrap().contains(&json!("HUAWEI TECHNOLOGIES CO., LTD.")), "{r}");
                assert_eq!(e["relations"][0]["from"]["id"], "us-commerce", "{r}");
                assert_eq!(e["relations"][0]["to"]["id"], "huawei", "{r}");
                assert!(d["duplicates"].as_array().unwrap().iter().all(|h| h["entity"]["id"] != "huawei-technologies"));
                assert_eq!(d["stats"]["entities"].as_u64(), before_entities.map(|n| n - 1), "{r}");
                // At the knownAt of the question before the merge, the answer is as it was.
                let known = before_known.clone().unwrap();
                let then = server.graphql(
                    r#"query($k: DateTime) { entity(id: "huawei-technologies", knownAt: $k) { id mergedIds } }"#,
                    json!({"k": known}),
                );
                assert_eq!(then["data"]["entity"], json!({"id": "huawei-technologies", "mergedIds": []}), "{then}");
            }
            other => panic!("documented query {other} has no expected answer here"),
        }
    }
}
