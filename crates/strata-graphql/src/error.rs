//! Errors as GraphQL clients see them: a sentence a person can act on, and
//! `extensions.code` (plus the details a program needs) for scripts.
//!
//! Failures of the store or of the engine itself are logged here, in full,
//! and shown to clients only as a short message: their text can name paths
//! and internals that are none of a client's business.

use async_graphql::{ErrorExtensionValues, ErrorExtensions, Value};
use strata_core::InvalidEvent;

use crate::code::Code;

/// The errors the schema reports.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument cannot be used (`BAD_INPUT`, with `extensions.argument`).
    #[error("argument `{argument}`: {reason}")]
    BadArgument {
        /// The argument, as the query names it (`from`, `by.id`).
        argument: String,
        /// Why it was refused.
        reason: String,
    },
    /// An event was refused (`BAD_INPUT`, with `extensions.location` such
    /// as `events[2]` and `extensions.field` such as `at`); nothing of its
    /// batch was stored.
    #[error(transparent)]
    Invalid(InvalidEvent),
    /// An argument is over a limit the server enforces (`LIMIT_EXCEEDED`,
    /// with `extensions.argument` and `extensions.max`).
    #[error("argument `{argument}`: {reason}")]
    LimitExceeded {
        /// The argument, as the query names it (`first`, `maxHops`).
        argument: String,
        /// What the limit is.
        reason: String,
        /// The largest value allowed.
        max: u64,
    },
    /// `expectedPosition` was not the log's position (`CONFLICT`, with
    /// `extensions.expected` and `extensions.actual`); nothing was stored.
    #[error("the log is at position {actual}, not at the expected position {expected}; read the new events and retry")]
    Conflict {
        /// The position the writer expected.
        expected: u64,
        /// The log's position.
        actual: u64,
    },
    /// The server refuses mutations (`READ_ONLY`).
    #[error("this server is read-only: mutations are turned off")]
    ReadOnly,
    /// A subscriber did not keep up with the log (`LAGGED`).
    #[error("subscriber fell behind by {0} events; resubscribe with fromPosition")]
    Lagged(u64),
    /// The store failed (`STORAGE`); the server log has the details.
    #[error("the store failed to read or write; the server log has the details")]
    Storage,
    /// strata itself failed (`INTERNAL`); the server log has the details.
    #[error("internal error; the server log has the details")]
    Internal,
    /// The shared log's stream cannot take the write now (`UNAVAILABLE`):
    /// nothing was stored. The message says why.
    #[error("{0}")]
    Unavailable(String),
}

impl Error {
    /// A refused argument.
    pub(crate) fn arg(argument: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::BadArgument { argument: argument.into(), reason: reason.into() }
    }

    /// An internal failure, logged here with what the client is not told.
    pub(crate) fn internal(detail: impl std::fmt::Display) -> Error {
        tracing::error!(%detail, "GraphQL request failed inside strata");
        Error::Internal
    }

    /// The stable code of `extensions.code`.
    pub fn code(&self) -> Code {
        match self {
            Error::BadArgument { .. } | Error::Invalid(_) => Code::BadInput,
            Error::LimitExceeded { .. } => Code::LimitExceeded,
            Error::Conflict { .. } => Code::Conflict,
            Error::ReadOnly => Code::ReadOnly,
            Error::Lagged(_) => Code::Lagged,
            Error::Storage => Code::Storage,
            Error::Internal => Code::Internal,
            Error::Unavailable(_) => Code::Unavailable,
        }
    }

    /// The code and the details that go with it.
    pub(crate) fn extension_values(&self) -> ErrorExtensionValues {
        let mut ext = self.code().extension_values();
        match self {
            Error::BadArgument { argument, .. } => ext.set("argument", argument.as_str()),
            Error::LimitExceeded { argument, max, .. } => {
                ext.set("argument", argument.as_str());
                ext.set("max", Value::from(*max));
            }
            Error::Invalid(e) => {
                ext.set("location", e.location.to_string());
                ext.set("field", e.field.as_str());
                ext.set("reason", e.reason.as_str());
            }
            Error::Conflict { expected, actual } => {
                ext.set("expected", Value::from(*expected));
                ext.set("actual", Value::from(*actual));
            }
            Error::Lagged(n) => ext.set("lagged", Value::from(*n)),
            Error::ReadOnly | Error::Storage | Error::Internal | Error::Unavailable(_) => {}
        }
        ext
    }
}

impl From<strata_engine::Error> for Error {
    fn from(e: strata_engine::Error) -> Error {
        match e {
            strata_engine::Error::Invalid(invalid) => Error::Invalid(invalid),
            strata_engine::Error::Conflict { expected, actual } => Error::Conflict { expected, actual },
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "a write found the shared log unavailable");
                Error::Unavailable(e.to_string())
            }
            store @ strata_engine::Error::Store(_) => {
                tracing::error!(error = %store, "GraphQL request failed in the store");
                Error::Storage
            }
            other => Error::internal(other),
        }
    }
}

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        let mut e = async_graphql::Error::new(self.to_string());
        e.extensions = Some(self.extension_values());
        e
    }
}

/// The messages of async-graphql 7.2's own depth and complexity limits
/// (`Schema::limit_depth`, `limit_complexity`), which carry no code, and
/// what a client reads instead.
const LIMIT_MESSAGES: [(&str, Code, &str); 2] = [
    (
        "Query is nested too deep.",
        Code::QueryTooDeep,
        "the query is nested deeper than this server allows (--max-depth); select fewer levels",
    ),
    (
        "Query is too complex.",
        Code::QueryTooComplex,
        "the query asks for more than this server allows (--max-complexity): each field counts 1 and a \
         list counts its selection times its `first` or `limit`; ask for smaller pages or fewer fields",
    ),
];

/// The refusal of argument `argument`, `n`, over its limit `max`.
pub(crate) fn over_limit(argument: &str, n: i32, max: usize) -> Error {
    Error::LimitExceeded {
        argument: argument.into(),
        reason: format!("{argument} must be between 0 and {max}, not {n}"),
        max: max as u64,
    }
}

/// Fills in `extensions.code` of an error on its way out: from the crate's
/// [`Error`] it came from, `QUERY_TOO_DEEP` or `QUERY_TOO_COMPLEX` for
/// async-graphql's own limits, or `BAD_INPUT` for the other errors
/// async-graphql raises itself (syntax, validation, argument types), which
/// are all about the document a client sent.
pub(crate) fn add_code(err: &mut async_graphql::ServerError) {
    if err.extensions.as_ref().is_some_and(|x| x.get("code").is_some()) {
        return;
    }
    if let Some(e) = err.source::<Error>() {
        let values = e.extension_values();
        err.message = e.to_string();
        err.extensions = Some(values);
        return;
    }
    if let Some((_, code, message)) = LIMIT_MESSAGES.iter().find(|(m, _, _)| *m == err.message) {
        err.message = (*message).to_owned();
        err.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code.as_str());
        return;
    }
    err.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", Code::BadInput.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::Location;

    #[test]
    fn codes_and_details() {
        let invalid = Error::Invalid(InvalidEvent::new(Location::Index(2), "at", "invalid date"));
        let ext = invalid.extension_values();
        assert_eq!(ext.get("code"), Some(&Value::from("BAD_INPUT")));
        assert_eq!(ext.get("location"), Some(&Value::from("events[2]")));
        assert_eq!(ext.get("field"), Some(&Value::from("at")));
        assert_eq!(invalid.to_string(), "events[2], field `at`: invalid date");

        let conflict = Error::from(strata_engine::Error::Conflict { expected: 3, actual: 69 });
        let ext = conflict.extension_values();
        assert_eq!(ext.get("code"), Some(&Value::from("CONFLICT")));
        assert_eq!(ext.get("actual"), Some(&Value::from(69u64)));
    }

    #[test]
    fn server_errors_get_a_code() {
        let mut from_crate =
            async_graphql::Error::new_with_source(Error::ReadOnly).into_server_error(Default::default());
        add_code(&mut from_crate);
        assert_eq!(from_crate.extensions.as_ref().and_then(|x| x.get("code")), Some(&Value::from("READ_ONLY")));

        let mut deep = async_graphql::ServerError::new("Query is nested too deep.", None);
        add_code(&mut deep);
        assert_eq!(deep.extensions.as_ref().and_then(|x| x.get("code")), Some(&Value::from("QUERY_TOO_DEEP")));
        assert!(deep.message.contains("--max-depth"), "{}", deep.message);

        let mut parse = async_graphql::ServerError::new("Unknown field \"nope\"", None);
        add_code(&mut parse);
        assert_eq!(parse.extensions.as_ref().and_then(|x| x.get("code")), Some(&Value::from("BAD_INPUT")));
    }
}
