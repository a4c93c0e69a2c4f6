//! strata's GraphQL schema (async-graphql); the only crate that knows GraphQL
