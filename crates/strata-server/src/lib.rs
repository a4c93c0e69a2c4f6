//! strata's HTTP server: axum router, GraphiQL, subscriptions, limits
