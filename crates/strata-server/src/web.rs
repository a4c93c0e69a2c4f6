//! The browser pages: the explorer at `/` and GraphiQL at `GET /graphql`,
//! with every file they load embedded in the binary and served from
//! `/assets/`, so they work with no network (offline, behind a firewall, in
//! an air-gapped lab).
//!
//! `web/` holds the explorer (plain HTML, CSS and JavaScript, no build
//! step) and GraphiQL's page; `web/vendor/` holds the production builds of
//! cytoscape.js, GraphiQL and React, copied from npm at pinned versions by
//! `web/vendor.sh`, with their licences (`web/vendor/LICENSES.txt`).
//!
//! The pages and assets hold no data, so they are served without a token
//! even under `--auth-reads` (the explorer asks for the token and sends it
//! with each GraphQL request); GraphiQL's page keeps the rule of the
//! GraphQL route it sits on.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
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

/// Every file under `/assets/`.
pub const ASSETS: &[Asset] = &[
    asset!("explorer.js", JS, "../web/explorer.js"),
    asset!("explorer.css", CSS, "../web/explorer.css"),
    asset!("graphiql-init.js", JS, "../web/graphiql-init.js"),
    asset!("cytoscape.min.js", JS, "../web/vendor/cytoscape.min.js"),
    asset!("graphiql.min.js", JS, "../web/vendor/graphiql.min.js"),
    asset!("graphiql.min.css", CSS, "../web/vendor/graphiql.min.css"),
    asset!("react.production.min.js", JS, "../web/vendor/react.production.min.js"),
    asset!("react-dom.production.min.js", JS, "../web/vendor/react-dom.production.min.js"),
    asset!("LICENSES.txt", "text/plain; charset=utf-8", "../web/vendor/LICENSES.txt"),
];

/// The explorer's page.
pub const EXPLORER_HTML: &str = include_str!("../web/explorer.html");
/// GraphiQL's page.
pub const GRAPHIQL_HTML: &str = include_str!("../web/graphiql.html");

/// What the explorer loads: its page and the assets it names, in bytes.
pub fn explorer_size() -> usize {
    let names = ["explorer.js", "explorer.css", "cytoscape.min.js"];
    EXPLORER_HTML.len() + ASSETS.iter().filter(|a| names.contains(&a.name)).map(|a| a.bytes.len()).sum::<usize>()
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

/// `GET /assets/{name}`.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(a.content_type)),
                // The files change only with the binary; revalidate after an hour.
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "no such asset\n")
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{HeaderMap, Request};
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

    #[test]
    fn the_explorer_is_a_few_hundred_kilobytes() {
        let size = explorer_size();
        let cytoscape = ASSETS.iter().find(|a| a.name == "cytoscape.min.js").map_or(0, |a| a.bytes.len());
        assert!(size > cytoscape && size < 1_000_000, "{size} bytes");
    }
}
