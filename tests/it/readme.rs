//! The README's example questions, run against the demo server exactly as
//! written there, with the answers a reader should see.

use serde_json::{json, Value};

use crate::support::{root, Server};

/// The ```graphql blocks of the README, keyed by their `# q: NAME` line.
fn readme_queries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match (&mut block, line.trim_start()) {
            (None, "```graphql") => block = Some(String::new()),
            (Some(b), "```") => {
                let name = b.lines().next().and_then(|l| l.strip_prefix("# q: ")).unwrap_or("").trim().to_string();
                out.push((name, b.clone()));
                block = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
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

#[test]
fn every_readme_question_gets_the_right_answer() {
    let queries = readme_queries();
    let names: Vec<&str> = queries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["approved", "connection", "changes", "known", "sources", "around"]);
    let server = Server::start(&["--demo"]);
    for (name, q) in &queries {
        let r = server.graphql(q, json!({}));
        assert!(r.get("errors").is_none(), "README query {name} failed: {r}");
        let d = &r["data"];
        match name.as_str() {
            "approved" => {
                let miit = ids(&d["miit"]["relations"], Some("SUBJECT_OBJECT"), "to");
                assert_eq!(miit, ["alibaba", "bytedance", "tencent"], "{r}");
                let mofcom = ids(&d["mofcom"]["relations"], Some("SUBJECT_OBJECT"), "to");
                assert_eq!(mofcom, ["alibaba", "bytedance", "tencent"], "{r}");
                let sources = &d["miit"]["relations"][0]["sources"][0];
                assert!(sources["publisher"].is_string(), "every relation is sourced: {r}");
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
                let added: Vec<(String, String, String)> = d["diff"]["added"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|x| x["role"] == "SUBJECT_OBJECT")
                    .map(|x| {
                        (
                            x["name"].as_str().unwrap().into(),
                            x["from"]["id"].as_str().unwrap().into(),
                            x["to"]["id"].as_str().unwrap().into(),
                        )
                    })
                    .collect();
                for want in [
                    ("approved", "cn-miit", "bytedance"),
                    ("approved", "cn-mofcom", "deepseek"),
                    ("licensed", "us-commerce", "nvidia"),
                ] {
                    assert!(
                        added.iter().any(|a| (a.0.as_str(), a.1.as_str(), a.2.as_str()) == want),
                        "{want:?} not in {added:?}"
                    );
                }
                let h20 = ids(&d["h20"]["removed"], None, "to");
                assert!(h20.contains(&"nvidia-h20".to_string()), "{r}");
            }
            "known" => {
                let then = ids(&d["then"]["relations"], Some("SUBJECT_OBJECT"), "to");
                assert_eq!(then, ["alibaba", "bytedance", "tencent"], "{r}");
                let now = ids(&d["now"]["relations"], Some("SUBJECT_OBJECT"), "to");
                assert_eq!(now, ["alibaba", "bytedance", "deepseek", "tencent"], "{r}");
                assert!(d["deepseekThen"].is_null(), "{r}");
                assert_eq!(d["stats"]["events"], 69);
            }
            "sources" => {
                let nodes: Vec<&Value> = d["events"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
                assert!(
                    nodes.iter().any(|n| n["kind"] == "statement_made" && n["subject"]["id"] == "jensen-huang"),
                    "{r}"
                );
                let approvals = nodes.iter().filter(|n| n["kind"] == "approval_granted").count();
                assert_eq!(approvals, 8, "six on 28 January, two for DeepSeek: {r}");
                let publishers: std::collections::BTreeSet<&str> =
                    nodes.iter().filter_map(|n| n["source"]["publisher"].as_str()).collect();
                assert!(publishers.len() >= 2, "both sources kept: {r}");
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
            other => panic!("README query {other} has no expected answer here"),
        }
    }
}
