//! The server over HTTP: GraphiQL for a browser, GraphQL for curl and scripts.

use serde_json::json;

use crate::support::{Server, TOKEN};

#[test]
fn graphiql_health_and_a_query_over_http() {
    let server = Server::start(&["--demo"]);
    let mut page = ureq::get(&format!("{}/graphql", server.url)).call().unwrap();
    let html = page.body_mut().read_to_string().unwrap();
    assert!(html.to_lowercase().contains("graphiql"), "GET /graphql serves GraphiQL");

    let mut health = ureq::get(&format!("{}/healthz", server.url)).call().unwrap();
    assert_eq!(health.body_mut().read_to_string().unwrap().trim(), "ok");

    let r = server.graphql(
        r#"query($id: ID!, $d: Date) { entity(id: $id, asOf: $d) { name relations(direction: IN, names: ["approved"]) { from { id } role } } }"#,
        json!({"id": "deepseek", "d": "2026-02-01"}),
    );
    let froms: Vec<&str> = r["data"]["entity"]["relations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["role"] == "SUBJECT_OBJECT")
        .map(|x| x["from"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(froms.len(), 2, "{r}");
    assert!(froms.contains(&"cn-miit") && froms.contains(&"cn-mofcom"), "{r}");
}

#[test]
fn writes_over_http_are_atomic_and_errors_carry_codes() {
    let server = Server::start(&["--demo"]);
    let before = server.graphql("{ stats { events } }", json!({}))["data"]["stats"]["events"].clone();
    let r = server.graphql(
        r#"mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }"#,
        json!({"e": [
            {"kind": "letter_sent", "at": "2026-02-02", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}},
            {"kind": "letter_sent", "at": "2026-02-30", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}}
        ]}),
    );
    let err = &r["errors"][0];
    assert_eq!(err["extensions"]["code"], "BAD_INPUT", "{r}");
    assert!(err["message"].as_str().unwrap().contains("events[1]"), "{r}");
    let after = server.graphql("{ stats { events } }", json!({}))["data"]["stats"]["events"].clone();
    assert_eq!(before, after, "nothing of the batch was stored");

    let ok = server.graphql(
        r#"mutation($e: [EventInput!]!, $p: Int) { appendEvents(events: $e, expectedPosition: $p) { position events { kind position } } }"#,
        json!({"p": before, "e": [{"kind": "letter_sent", "at": "2026-02-02", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}, "about": [{"id": "deepseek"}]}]}),
    );
    assert_eq!(ok["data"]["appendEvents"]["position"], before.as_u64().unwrap() + 1, "{ok}");
    let stale = server.graphql(
        r#"mutation($e: [EventInput!]!, $p: Int) { appendEvents(events: $e, expectedPosition: $p) { position } }"#,
        json!({"p": before, "e": [{"kind": "letter_sent", "at": "2026-02-03", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}}]}),
    );
    assert_eq!(stale["errors"][0]["extensions"]["code"], "CONFLICT", "{stale}");
}

const APPEND: &str = r#"mutation($e: [EventInput!]!) { appendEvents(events: $e) { position } }"#;

fn append_body() -> String {
    json!({"query": APPEND, "variables": {"e": [
        {"kind": "letter_sent", "at": "2026-02-02", "subject": {"id": "john-moolenaar"}, "object": {"id": "howard-lutnick"}}
    ]}})
    .to_string()
}

fn code(r: &serde_json::Value) -> &str {
    r["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

fn events(server: &Server) -> u64 {
    server.graphql("{ stats { events } }", json!({}))["data"]["stats"]["events"].as_u64().unwrap()
}

#[test]
fn mutations_need_the_token_and_say_how_to_send_it() {
    let server = Server::start(&["--demo"]);
    let before = events(&server);
    for token in [None, Some("not-the-token")] {
        let (status, _, text) =
            server.request("POST", "/graphql", &append_body(), token, &[("Content-Type", "application/json")]);
        assert_eq!(status, 401, "{text}");
        let r: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
        assert!(r["errors"][0]["message"].as_str().unwrap().contains("Authorization: Bearer"), "{r}");
        assert!(r.get("data").is_none(), "a refused request has no data: {r}");
    }
    let (_, headers, _) =
        server.request("POST", "/graphql", &append_body(), None, &[("Content-Type", "application/json")]);
    assert!(headers.iter().any(|(k, v)| k == "www-authenticate" && v == "Bearer"), "{headers:?}");
    assert_eq!(events(&server), before, "nothing was stored");
    // Reads stay open; the right token writes.
    let (status, r) = server.post(r#"{"query": "{ stats { events } }"}"#, None);
    assert_eq!((status, r["data"]["stats"]["events"].as_u64()), (200, Some(before)));
    let (status, r) = server.post(&append_body(), Some(TOKEN));
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["data"]["appendEvents"]["position"], before + 1, "{r}");
}

#[test]
fn a_wrong_token_is_refused_even_on_open_reads() {
    let server = Server::start(&["--demo"]);
    let (status, r) = server.post(r#"{"query": "{ stats { events } }"}"#, Some("mistyped-token"));
    assert_eq!((status, code(&r)), (401, "UNAUTHENTICATED"), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("not valid"), "{r}");
    // Without a token the same read is served.
    let (status, r) = server.post(r#"{"query": "{ stats { events } }"}"#, None);
    assert_eq!(status, 200, "{r}");
    assert!(r["data"]["stats"]["events"].as_u64().unwrap() > 0, "{r}");
}

#[test]
fn a_batch_with_a_mutation_and_no_token_is_refused_whole() {
    let server = Server::start(&["--demo"]);
    let before = events(&server);
    let batch = format!(r#"[{{"query": "{{ stats {{ events }} }}"}}, {}]"#, append_body());
    let (status, r) = server.post(&batch, None);
    assert_eq!((status, code(&r)), (401, "UNAUTHENTICATED"), "{r}");
    assert_eq!(events(&server), before);
}

#[test]
fn without_a_token_the_server_refuses_to_start_with_writes_on() {
    let dir = tempfile::tempdir().unwrap();
    let o = crate::support::run(dir.path(), &["serve", "--addr", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2), "{}", crate::support::stderr(&o));
    let err = crate::support::stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    for flag in ["--token-file", "STRATA_TOKEN", "--read-only", "--allow-anonymous-writes"] {
        assert!(err.contains(flag), "the message names {flag}: {err}");
    }
    // --read-only and --allow-anonymous-writes each start it.
    for flag in ["--read-only", "--allow-anonymous-writes"] {
        let server = Server::start_env(&["--data", dir.path().to_str().unwrap(), flag], &[]);
        let r = server.graphql("{ stats { events } }", json!({}));
        assert_eq!(r["data"]["stats"]["events"], 0, "{r}");
        let declare = json!({"query": APPEND, "variables": {"e": [
            {"kind": "entity_declared", "at": "2012", "subject": {"id": "bytedance", "type": "ACTOR", "name": "ByteDance"}}
        ]}});
        let (status, r) = server.post(&declare.to_string(), None);
        assert_eq!(status, 200, "{r}");
        if flag == "--read-only" {
            assert_eq!(code(&r), "READ_ONLY", "{r}");
        } else {
            assert_eq!(r["data"]["appendEvents"]["position"], 1, "anonymous write: {r}");
        }
    }
}

#[test]
fn a_token_file_is_read_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "  file-token\n").unwrap();
    let server = Server::start_env(&["--demo", "--token-file", file.to_str().unwrap()], &[]);
    assert_eq!(server.post(&append_body(), Some("file-token")).0, 200);
    assert_eq!(server.post(&append_body(), Some(" file-token")).0, 200, "the header's token is trimmed too");
    assert_eq!(server.post(&append_body(), Some("file-token2")).0, 401);
    std::fs::write(&file, "\n").unwrap();
    let o = crate::support::strata().args(["serve", "--token-file", file.to_str().unwrap()]).output().unwrap();
    assert!(!o.status.success());
    assert!(crate::support::stderr(&o).contains("is empty"), "{}", crate::support::stderr(&o));
}

#[test]
fn the_demo_without_a_token_serves_reads_and_says_how_to_write() {
    let server = Server::start_env(&["--demo"], &[]);
    assert!(events(&server) > 0);
    let (status, r) = server.post(&append_body(), None);
    assert_eq!((status, code(&r)), (200, "READ_ONLY"), "{r}");
    let log = server.log_lines().join("\n");
    assert!(log.contains("read-only") && log.contains("--token-file"), "{log}");
}

#[test]
fn auth_reads_puts_queries_and_graphiql_behind_the_token() {
    let server = Server::start(&["--demo", "--auth-reads"]);
    let (status, r) = server.post(r#"{"query": "{ stats { events } }"}"#, None);
    assert_eq!((status, code(&r)), (401, "UNAUTHENTICATED"), "{r}");
    assert_eq!(server.request("GET", "/graphql", "", None, &[]).0, 401);
    assert_eq!(server.request("GET", "/graphql", "", Some(TOKEN), &[]).0, 200);
    assert_eq!(server.request("GET", "/healthz", "", None, &[]).0, 200);
    assert_eq!(server.request("GET", "/readyz", "", None, &[]).0, 200);
    assert!(events(&server) > 0, "with the token, reads work");
    let o = crate::support::strata().args(["serve", "--demo", "--auth-reads"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "--auth-reads without a token: {}", crate::support::stderr(&o));
}

#[test]
fn sigterm_shuts_down_cleanly_and_the_data_is_there_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let server = Server::start_env(&["--data", data], &[("STRATA_TOKEN", TOKEN), ("RUST_LOG", "info")]);
    let declare = json!({"query": APPEND, "variables": {"e": [
        {"kind": "entity_declared", "at": "2012", "subject": {"id": "bytedance", "type": "ACTOR", "name": "ByteDance"}}
    ]}});
    let (status, r) = server.post(&declare.to_string(), Some(TOKEN));
    assert_eq!(status, 200, "{r}");
    let log = server.log.clone();
    let status = server.terminate();
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
    // The thread draining stderr may still be reading the last lines.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !log.lock().unwrap().iter().any(|l| l.contains("store closed")) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let log = log.lock().unwrap().join("\n");
    assert!(log.contains("SIGTERM") && log.contains("store closed"), "the shutdown is logged: {log}");
    // The store's lock was released and the event is there.
    let again = Server::start(&["--data", data]);
    let r = again.graphql(r#"{ entity(id: "bytedance") { name } }"#, json!({}));
    assert_eq!(r["data"]["entity"]["name"], "ByteDance", "{r}");
}

#[test]
fn a_backup_while_the_server_runs_is_the_same_as_strata_export() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let o = crate::support::run(std::path::Path::new(data), &["import", crate::support::demo_file().to_str().unwrap()]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    let server = Server::start(&["--data", data, "--auth-reads"]);
    let (status, r) = server.post(&append_body(), Some(TOKEN));
    assert_eq!(status, 200, "{r}");

    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let export = |token: Option<&str>| {
        let mut c = crate::support::strata();
        c.args(["export", "--server", &server.url]);
        if let Some(t) = token {
            c.args(["--token-file", t]);
        }
        c.output().unwrap()
    };
    let refused = export(None);
    assert!(!refused.status.success());
    assert!(crate::support::stderr(&refused).contains("401"), "{}", crate::support::stderr(&refused));
    let live = export(Some(token_file.to_str().unwrap()));
    assert!(live.status.success(), "{}", crate::support::stderr(&live));
    assert_eq!(
        crate::support::stdout(&live).lines().count() as u64,
        crate::support::demo_len() + 1,
        "the demo and the one appended"
    );

    assert!(server.terminate().success());
    let offline = crate::support::run(std::path::Path::new(data), &["export"]);
    assert!(offline.status.success(), "{}", crate::support::stderr(&offline));
    assert_eq!(live.stdout, offline.stdout, "the same bytes as strata export");
}

#[test]
fn sigterm_lets_an_in_flight_request_finish() {
    let server = Server::start(&["--demo", "--max-complexity", "100000000"]);
    // A request that takes a while (about a second in a debug build).
    let body: String = (0..4)
        .map(|i| format!(r#"p{i}: paths(from: "nvidia", to: "deepseek", maxHops: 10, limit: 1000) {{ hops steps {{ relation {{ name }} }} }} "#))
        .collect();
    let query = json!({ "query": format!("{{ {body} }}") }).to_string();
    let url = server.url.clone();
    let slow = std::thread::spawn(move || {
        ureq::post(&format!("{url}/graphql"))
            .content_type("application/json")
            .send(&query)
            .map(|mut r| r.body_mut().with_config().limit(1 << 30).read_json::<serde_json::Value>())
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(server.terminate().success());
    let r = slow.join().unwrap().expect("the in-flight request was answered").expect("with JSON");
    assert!(r.get("errors").is_none(), "{}", &r.to_string()[..200.min(r.to_string().len())]);
    assert_eq!(r["data"]["p3"][0]["hops"], 2, "the whole answer arrived");
}
