//! The browser pages: the explorer at `/` and GraphiQL at `GET /graphql`,
//! with every file they load embedded in the binary and served from
//! `/assets/`, so they work with no network (offline, behind a firewall, in
//! an air-gapped lab).
//!
//! `web/explorer/` holds the explorer: its page, its style and its
//! JavaScript as ES modules (`main.js` imports the others; one module per
//! concern, each view under `views/`), loaded with `<script type="module">`
//! and no build step. `web/` holds GraphiQL's page; `web/vendor/` holds the
//! production builds of cytoscape.js, GraphiQL and React, copied from npm at
//! pinned versions by `web/vendor.sh`, with their licences
//! (`web/vendor/LICENSES.txt`).
//!
//! The pages and assets hold no data, so they are served without a token
//! even under `--auth-reads` (the explorer asks for the token and sends it
//! with each GraphQL request); GraphiQL's page keeps the rule of the
//! GraphQL route it sits on.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $ty:expr, $path:literal) => {
        Asset { name: $name, content_type: $ty, bytes: include_bytes!($path) }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file under `/assets/`. A module browsers must be served as
/// JavaScript (they refuse a module of another type), so each `.js` here is
/// `text/javascript`.
pub const ASSETS: &[Asset] = &[
    asset!("explorer/explorer.css", CSS, "../web/explorer/explorer.css"),
    asset!("explorer/main.js", JS, "../web/explorer/main.js"),
    asset!("explorer/api.js", JS, "../web/explorer/api.js"),
    asset!("explorer/dates.js", JS, "../web/explorer/dates.js"),
    asset!("explorer/details.js", JS, "../web/explorer/details.js"),
    asset!("explorer/dom.js", JS, "../web/explorer/dom.js"),
    asset!("explorer/graph.js", JS, "../web/explorer/graph.js"),
    asset!("explorer/panel.js", JS, "../web/explorer/panel.js"),
    asset!("explorer/queries.js", JS, "../web/explorer/queries.js"),
    asset!("explorer/range.js", JS, "../web/explorer/range.js"),
    asset!("explorer/sliders.js", JS, "../web/explorer/sliders.js"),
    asset!("explorer/typeahead.js", JS, "../web/explorer/typeahead.js"),
    asset!("explorer/url.js", JS, "../web/explorer/url.js"),
    asset!("explorer/views.js", JS, "../web/explorer/views.js"),
    asset!("explorer/views/connections.js", JS, "../web/explorer/views/connections.js"),
    asset!("explorer/views/diff.js", JS, "../web/explorer/views/diff.js"),
    asset!("explorer/views/journey.js", JS, "../web/explorer/views/journey.js"),
    asset!("explorer/views/learned.js", JS, "../web/explorer/views/learned.js"),
    asset!("explorer/views/neighborhood.js", JS, "../web/explorer/views/neighborhood.js"),
    asset!("explorer/views/path.js", JS, "../web/explorer/views/path.js"),
    asset!("graphiql-init.js", JS, "../web/graphiql-init.js"),
    asset!("cytoscape.min.js", JS, "../web/vendor/cytoscape.min.js"),
    asset!("graphiql.min.js", JS, "../web/vendor/graphiql.min.js"),
    asset!("graphiql.min.css", CSS, "../web/vendor/graphiql.min.css"),
    asset!("react.production.min.js", JS, "../web/vendor/react.production.min.js"),
    asset!("react-dom.production.min.js", JS, "../web/vendor/react-dom.production.min.js"),
    asset!("LICENSES.txt", "text/plain; charset=utf-8", "../web/vendor/LICENSES.txt"),
];

/// The explorer's page.
pub const EXPLORER_HTML: &str = include_str!("../web/explorer/index.html");
/// GraphiQL's page.
pub const GRAPHIQL_HTML: &str = include_str!("../web/graphiql.html");

/// What the explorer loads: its page, its own files and cytoscape.js, in bytes.
pub fn explorer_size() -> usize {
    EXPLORER_HTML.len()
        + ASSETS
            .iter()
            .filter(|a| a.name.starts_with("explorer/") || a.name == "cytoscape.min.js")
            .map(|a| a.bytes.len())
            .sum::<usize>()
}

/// Pages may load only what this server serves: scripts and styles from
/// `/assets/`, requests to its own GraphQL endpoint (and websocket).
/// GraphiQL's editor sets styles inline, and both pages draw data: URLs.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; \
                   worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// A page, with the policy that keeps it from loading anything from elsewhere.
pub(crate) fn page(html: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        html,
    )
        .into_response()
}

/// How long a vendored file is kept without asking again: it changes only
/// with the binary.
const VENDOR_CACHE: &str = "public, max-age=3600";
/// The explorer's own files are revalidated on every load (a `304` when
/// unchanged): its modules import each other by name, so a page must never
/// run a module cached from another build beside one from this build.
const EXPLORER_CACHE: &str = "no-cache";

/// Each asset's entity tag, by its index in [`ASSETS`]: a hash of its bytes,
/// computed once.
fn etags() -> &'static [String] {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let mut h = DefaultHasher::new();
                a.bytes.hash(&mut h);
                format!("\"{:016x}\"", h.finish())
            })
            .collect()
    })
}

/// Whether `If-None-Match` names this tag (or `*`).
fn matches(if_none_match: Option<&HeaderValue>, tag: &str) -> bool {
    if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| list.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == tag || t == "*"))
}

/// `GET /assets/{*name}`: a name may hold slashes (`explorer/views/path.js`),
/// so that a module's relative imports resolve under `/assets/`; a name is
/// only ever looked up in [`ASSETS`], never on disk.
pub(crate) async fn asset(Path(name): Path<String>, request: HeaderMap) -> Response {
    let Some((i, a)) = ASSETS.iter().enumerate().find(|(_, a)| a.name == name) else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "no such asset\n")
            .into_response();
    };
    let tag = etags().get(i).map(String::as_str).unwrap_or_default();
    let cache = if a.name.starts_with("explorer/") { EXPLORER_CACHE } else { VENDOR_CACHE };
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, v);
    }
    if matches(request.get(header::IF_NONE_MATCH), tag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    (StatusCode::OK, headers, a.bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::Request;
    use strata_engine::{Config, Engine};
    use tower::ServiceExt;

    use crate::{app, ServerConfig, Token};

    /// Every `src="..."` and `href="..."` of a page.
    fn links(html: &str) -> Vec<&str> {
        ["src=\"", "href=\""]
            .iter()
            .flat_map(|attr| html.split(attr).skip(1).filter_map(|rest| rest.split('"').next()))
            .collect()
    }

    async fn get(router: &axum::Router, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let req = Request::get(path).body(Body::empty()).unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (parts.status, parts.headers, bytes.to_vec())
    }

    fn reads_need_a_token() -> axum::Router {
        let engine = Arc::new(Engine::open(Config::in_memory()).unwrap());
        app(engine, ServerConfig { token: Token::new("secret"), auth_reads: true, ..ServerConfig::default() })
    }

    #[tokio::test]
    async fn the_pages_load_only_what_the_binary_serves() {
        let router = app(Arc::new(Engine::open(Config::in_memory()).unwrap()), ServerConfig::default());
        for (path, html) in [("/", EXPLORER_HTML), ("/graphql", GRAPHIQL_HTML)] {
            let (status, headers, body) = get(&router, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(body, html.as_bytes(), "{path}");
            let csp = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
            let found = links(html);
            assert!(found.iter().any(|l| l.starts_with("/assets/")), "{path} loads its scripts from /assets/");
            for link in found {
                // Only this server's files, or an empty data: icon.
                assert!(
                    link.starts_with("/assets/") || link == "data:," || link == "/graphql",
                    "{path} links to {link}"
                );
                if let Some(name) = link.strip_prefix("/assets/") {
                    let (status, headers, body) = get(&router, link).await;
                    assert_eq!(status, StatusCode::OK, "{link}");
                    let asset = ASSETS.iter().find(|a| a.name == name).unwrap();
                    assert_eq!(body, asset.bytes, "{link}");
                    assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), asset.content_type, "{link}");
                }
            }
        }
        // React's production builds, not the development ones.
        for a in ASSETS.iter().filter(|a| a.name.starts_with("react")) {
            assert!(a.name.contains(".production.min."), "{}", a.name);
            assert!(!String::from_utf8_lossy(a.bytes).contains("printWarning"), "{} is a development build", a.name);
        }
        assert_eq!(get(&router, "/assets/nothing.js").await.0, StatusCode::NOT_FOUND);
        assert_eq!(get(&router, "/assets/../Cargo.toml").await.0, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn under_auth_reads_the_explorer_loads_and_asks_for_the_token() {
        let router = reads_need_a_token();
        // The page and its files hold no data: a browser can open them, and
        // the page then sends the token with each GraphQL request.
        assert_eq!(get(&router, "/").await.0, StatusCode::OK);
        for a in ASSETS {
            assert_eq!(get(&router, &format!("/assets/{}", a.name)).await.0, StatusCode::OK, "{}", a.name);
        }
        assert_eq!(get(&router, "/graphql").await.0, StatusCode::UNAUTHORIZED);
    }

    /// Every file under `web/explorer/` but the page, by its name under `/assets/`.
    fn explorer_files() -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let name = format!("{prefix}/{}", path.file_name().unwrap().to_str().unwrap());
                if path.is_dir() {
                    walk(&path, &name, out);
                } else if name != "explorer/index.html" {
                    out.push((name, std::fs::read(&path).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/explorer"), "explorer", &mut out);
        out.sort();
        out
    }

    /// Where a module's `import ... from "./x.js"` points, as a name under `/assets/`.
    fn resolve(module: &str, spec: &str) -> String {
        let mut parts: Vec<&str> = module.split('/').collect();
        parts.pop();
        for seg in spec.split('/') {
            match seg {
                "." => {}
                ".." => {
                    parts.pop();
                }
                _ => parts.push(seg),
            }
        }
        parts.join("/")
    }

    #[tokio::test]
    async fn every_explorer_module_is_served_as_javascript_and_preloaded() {
        let router = app(Arc::new(Engine::open(Config::in_memory()).unwrap()), ServerConfig::default());
        let files = explorer_files();
        let modules: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).filter(|n| n.ends_with(".js")).collect();
        assert!(modules.len() >= 8, "{modules:?}");
        for (name, bytes) in &files {
            // Served from the binary, the same bytes as in the repo.
            let (status, headers, body) = get(&router, &format!("/assets/{name}")).await;
            assert_eq!(status, StatusCode::OK, "{name} is not in ASSETS");
            assert_eq!(&body, bytes, "{name}");
            assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), EXPLORER_CACHE, "{name}");
            assert_eq!(headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff", "{name}");
            if name.ends_with(".js") {
                // A browser runs a module only when it is served as JavaScript.
                assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), JS, "{name}");
                let text = String::from_utf8(bytes.clone()).unwrap();
                assert!(text.starts_with("// "), "{name} opens with a comment saying what it does");
                for spec in text
                    .lines()
                    .filter(|l| l.starts_with("import ") || l.starts_with("} from "))
                    .filter_map(|l| l.split(" from \"").nth(1))
                    .filter_map(|r| r.split('"').next())
                {
                    assert!(spec.starts_with("./") || spec.starts_with("../"), "{name} imports {spec}");
                    let target = resolve(name, spec);
                    assert!(modules.contains(&target.as_str()), "{name} imports {spec}: {target} is not a module");
                }
            }
        }
        // The page loads main.js as a module and preloads every module, so
        // the browser fetches them at once rather than import by import.
        assert!(EXPLORER_HTML.contains(r#"<script type="module" src="/assets/explorer/main.js"></script>"#));
        let preloaded: Vec<&str> = EXPLORER_HTML
            .split(r#"<link rel="modulepreload" href="/assets/"#)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        let mut sorted = preloaded.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, modules, "the page preloads every module, once");
        // And nothing of the explorer is in ASSETS without a file.
        for a in ASSETS.iter().filter(|a| a.name.starts_with("explorer/")) {
            assert!(files.iter().any(|(n, _)| n == a.name), "{}", a.name);
        }
    }

    #[tokio::test]
    async fn an_unchanged_asset_is_revalidated_with_a_304() {
        let router = app(Arc::new(Engine::open(Config::in_memory()).unwrap()), ServerConfig::default());
        for name in ["explorer/main.js", "cytoscape.min.js"] {
            let (status, headers, _) = get(&router, &format!("/assets/{name}")).await;
            assert_eq!(status, StatusCode::OK);
            let tag = headers.get(header::ETAG).unwrap().to_str().unwrap().to_owned();
            let ask = |if_none_match: &str| {
                let req = Request::get(format!("/assets/{name}"))
                    .header(header::IF_NONE_MATCH, if_none_match)
                    .body(Body::empty())
                    .unwrap();
                router.clone().oneshot(req)
            };
            let res = ask(&tag).await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{name}");
            assert_eq!(res.headers().get(header::ETAG).unwrap(), tag.as_str());
            let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
            assert!(body.is_empty());
            // Another build's tag: the whole file again.
            let res = ask("\"0000000000000000\", W/\"1\"").await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{name}");
        }
        // Vendored files stay cached for an hour; the explorer's are asked for each load.
        assert_eq!(get(&router, "/assets/cytoscape.min.js").await.1.get(header::CACHE_CONTROL).unwrap(), VENDOR_CACHE);
        assert_eq!(get(&router, "/assets/explorer/url.js").await.1.get(header::CACHE_CONTROL).unwrap(), EXPLORER_CACHE);
        // Every asset has its own tag.
        let mut tags = etags().to_vec();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), ASSETS.len());
    }

    #[test]
    fn the_explorer_is_a_few_hundred_kilobytes() {
        let size = explorer_size();
        let cytoscape = ASSETS.iter().find(|a| a.name == "cytoscape.min.js").map_or(0, |a| a.bytes.len());
        assert!(size > cytoscape && size < 1_000_000, "{size} bytes");
    }
}
