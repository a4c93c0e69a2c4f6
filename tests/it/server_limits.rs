//! The server's limits, driven as an abusive client would: each refusal is
//! a clear error with its code, and the server keeps serving afterwards.

use serde_json::{json, Value};

use crate::support::{Server, TOKEN};

fn code(r: &Value) -> &str {
    r["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

/// The server still answers a normal query.
fn still_serving(server: &Server) {
    let r = server.graphql(r#"{ entity(id: "deepseek") { name } }"#, json!({}));
    assert_eq!(r["data"]["entity"]["name"], "DeepSeek", "the server keeps serving: {r}");
}

fn post_query(server: &Server, query: &str) -> (u16, Value) {
    server.post(&json!({ "query": query }).to_string(), None)
}

#[test]
fn deep_queries_are_refused_by_depth() {
    let server = Server::start(&["--demo"]);
    // 10,000 levels: refused by the scan before the parser recurses.
    let deep = format!("{}{}", "{ a ".repeat(10_000), "}".repeat(10_000));
    let (status, r) = post_query(&server, &deep);
    assert_eq!((status, code(&r)), (200, "QUERY_TOO_DEEP"), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("--max-depth"), "{r}");
    still_serving(&server);

    // A valid query 30 deep (over the default 24) is refused by the
    // depth rule, with the same code.
    let chain = |n: usize| {
        format!(
            r#"{{ event(id: "0194f000-0000-7000-8000-000000000013") {{ {} id {} }} }}"#,
            "retractedBy { ".repeat(n),
            "}".repeat(n)
        )
    };
    let (_, r) = post_query(&server, &chain(29));
    assert_eq!(code(&r), "QUERY_TOO_DEEP", "{r}");
    let (_, r) = post_query(&server, &chain(20));
    assert!(r.get("errors").is_none(), "20 deep is within the default: {r}");
    still_serving(&server);

    // --max-depth moves the limit.
    let strict = Server::start(&["--demo", "--max-depth", "5"]);
    let (_, r) = post_query(&strict, &chain(6));
    assert_eq!(code(&r), "QUERY_TOO_DEEP", "{r}");
}

#[test]
fn a_thousand_aliases_of_a_path_query_are_refused() {
    let server = Server::start(&["--demo"]);
    let body: String =
        (0..1000).map(|i| format!(r#"p{i}: path(from: "nvidia", to: "deepseek", maxHops: 10) {{ hops }} "#)).collect();
    let (status, r) = post_query(&server, &format!("{{ {body} }}"));
    assert_eq!((status, code(&r)), (200, "TOO_MANY_ALIASES"), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("1000 aliases"), "{r}");
    // Aliases hidden in fragments count too.
    let frag: String = (0..40).map(|i| format!("a{i}: events {{ totalCount }} ")).collect();
    let q = format!(
        "{{ ...F ...G }} fragment F on Query {{ {frag} }} fragment G on Query {{ {} }}",
        frag.replace('a', "b")
    );
    let (_, r) = post_query(&server, &q);
    assert_eq!(code(&r), "TOO_MANY_ALIASES", "{r}");
    still_serving(&server);
}

#[test]
fn batches_are_capped() {
    let server = Server::start(&["--demo"]);
    let op = json!({"query": "{ stats { events } }"});
    let big = Value::Array(vec![op.clone(); 500]);
    let (status, r) = server.post(&big.to_string(), None);
    assert_eq!((status, code(&r)), (400, "BATCH_TOO_LARGE"), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("500 operations"), "{r}");
    // A batch within the limit answers with an array, in order.
    let small = json!([op, {"query": "{ entity(id: \"nvidia\") { name } }"}]);
    let (status, r) = server.post(&small.to_string(), None);
    assert_eq!(status, 200, "{r}");
    assert_eq!(r[1]["data"]["entity"]["name"], "Nvidia", "{r}");
    assert!(r[0]["data"]["stats"]["events"].as_u64().unwrap() > 0, "{r}");
    still_serving(&server);
}

#[test]
fn a_50_mb_body_gets_413_with_a_json_error() {
    let server = Server::start(&["--demo"]);
    let padding = " ".repeat(50 * 1024 * 1024);
    let body = format!(r#"{{"query": "{{ stats {{ events }} }}"{padding}}}"#);
    let (status, headers, text) =
        server.request("POST", "/graphql", &body, None, &[("Content-Type", "application/json")]);
    assert_eq!(status, 413, "{text}");
    assert!(headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("application/json")), "{headers:?}");
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(code(&r), "BODY_TOO_LARGE", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("--max-body-bytes"), "{r}");
    still_serving(&server);
}

#[test]
fn page_sizes_hops_and_path_counts_have_a_limit_code() {
    let server = Server::start(&["--demo"]);
    let (_, r) = post_query(&server, "{ entities(first: 1000000) { totalCount } }");
    assert_eq!(code(&r), "LIMIT_EXCEEDED", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["max"], 1000, "{r}");
    let (_, r) = post_query(&server, r#"{ path(from: "nvidia", to: "deepseek", maxHops: 50) { hops } }"#);
    assert_eq!(code(&r), "LIMIT_EXCEEDED", "{r}");
    let (_, r) = post_query(&server, r#"{ paths(from: "nvidia", to: "deepseek", limit: 5000) { hops } }"#);
    assert_eq!(code(&r), "LIMIT_EXCEEDED", "{r}");
    let (_, r) = post_query(&server, "{ entities(first: 1000) { totalCount edges { node { id } } } }");
    assert!(r.get("errors").is_none(), "the largest page is allowed: {r}");
    still_serving(&server);
}

#[test]
fn complexity_counts_page_sizes() {
    let server = Server::start(&["--demo"]);
    // A full page whose every entity fans out twice through its relations.
    let q = "{ entities(first: 1000) { edges { node { relations { to { relations { to { id name } } } } } } } }";
    let (_, r) = post_query(&server, q);
    assert_eq!(code(&r), "QUERY_TOO_COMPLEX", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("--max-complexity"), "{r}");
    // The same shape on a small page is fine.
    let (_, r) = post_query(&server, &q.replace("first: 1000", "first: 5"));
    assert!(r.get("errors").is_none(), "{r}");
    let loose = Server::start(&["--demo", "--max-complexity", "100000000"]);
    let (_, r) = post_query(&loose, q);
    assert!(r.get("errors").is_none(), "--max-complexity raises the limit: {}", &r.to_string()[..200]);
    still_serving(&server);
}

#[test]
fn a_request_over_the_time_limit_gets_timeout() {
    let server = Server::start(&["--demo", "--timeout", "0.001", "--max-complexity", "100000000"]);
    let body: String = (0..60)
        .map(|i| format!(r#"p{i}: paths(from: "nvidia", to: "deepseek", maxHops: 10, limit: 1000) {{ hops steps {{ relation {{ name }} }} }} "#))
        .collect();
    let (status, r) = post_query(&server, &format!("{{ {body} }}"));
    assert_eq!((status, code(&r)), (200, "TIMEOUT"), "{}", &r.to_string()[..r.to_string().len().min(300)]);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("--timeout"), "{r}");
}

#[test]
fn introspection_is_on_by_default_and_off_with_a_flag() {
    let q = "{ __schema { queryType { name } } }";
    let open = Server::start(&["--demo"]);
    let (_, r) = post_query(&open, q);
    assert_eq!(r["data"]["__schema"]["queryType"]["name"], "Query", "{r}");
    let closed = Server::start(&["--demo", "--no-introspection"]);
    let (_, r) = post_query(&closed, q);
    assert_eq!(code(&r), "INTROSPECTION_DISABLED", "{r}");
    let (_, r) = post_query(&closed, r#"{ __type(name: "Entity") { name } }"#);
    assert_eq!(code(&r), "INTROSPECTION_DISABLED", "{r}");
    let (_, r) = post_query(&closed, "{ __typename stats { events } }");
    assert_eq!(r["data"]["__typename"], "Query", "__typename is not introspection: {r}");
    still_serving(&closed);
}

#[test]
fn cors_headers_only_for_the_origins_given() {
    let preflight = [
        ("Origin", "https://analyst.example"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "authorization, content-type"),
    ];
    let header = |hs: &[(String, String)], name: &str| hs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());

    let none = Server::start(&["--demo"]);
    let (_, hs, _) = none.request("OPTIONS", "/graphql", "", None, &preflight);
    assert_eq!(header(&hs, "access-control-allow-origin"), None, "no CORS by default: {hs:?}");

    let server =
        Server::start(&["--demo", "--cors-origin", "https://analyst.example", "--cors-origin", "https://b.example"]);
    let (status, hs, _) = server.request("OPTIONS", "/graphql", "", None, &preflight);
    assert!(status < 300, "{status} {hs:?}");
    assert_eq!(header(&hs, "access-control-allow-origin").as_deref(), Some("https://analyst.example"), "{hs:?}");
    let allowed = header(&hs, "access-control-allow-headers").unwrap_or_default().to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{hs:?}");
    assert!(header(&hs, "access-control-allow-methods").unwrap_or_default().contains("POST"), "{hs:?}");
    let other = [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")];
    let (_, hs, _) = server.request("OPTIONS", "/graphql", "", None, &other);
    assert_eq!(header(&hs, "access-control-allow-origin"), None, "{hs:?}");

    let any = Server::start(&["--demo", "--cors-origin", "*"]);
    let (_, hs, _) = any.request("OPTIONS", "/graphql", "", None, &preflight);
    assert_eq!(header(&hs, "access-control-allow-origin").as_deref(), Some("*"), "{hs:?}");
}

#[test]
fn json_logs_are_one_object_per_line_with_the_request() {
    let server =
        Server::start_env(&["--demo", "--log-format", "json"], &[("STRATA_TOKEN", TOKEN), ("RUST_LOG", "info")]);
    let (status, _) = server.post(r#"{"query": "query Counts { stats { events } }"}"#, None);
    assert_eq!(status, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let line = loop {
        let lines = server.log_lines();
        if let Some(l) = lines.iter().find(|l| l.contains("Counts")) {
            break l.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no request line: {lines:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let entry: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    assert_eq!(entry["status"], 200, "{entry}");
    assert!(entry["latency_ms"].as_f64().is_some(), "{entry}");
    assert_eq!(entry["span"]["method"], "POST", "{entry}");
    assert_eq!(entry["span"]["path"], "/graphql", "{entry}");
    assert_eq!(entry["span"]["operation"], "Counts", "{entry}");
    for l in server.log_lines().iter().filter(|l| !l.starts_with("strata: ")) {
        assert!(serde_json::from_str::<Value>(l).is_ok(), "every log line is JSON: {l}");
    }
}

#[test]
fn limit_flags_refuse_nonsense_values() {
    for bad in [["--timeout", "0"], ["--timeout", "1e30"], ["--max-depth", "100"], ["--ws-send-timeout", "never"]] {
        let o = crate::support::strata().args(["serve", "--demo", "--addr", "127.0.0.1:0"]).args(bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(crate::support::stderr(&o).contains(bad[0]), "{bad:?}: {}", crate::support::stderr(&o));
    }
}
