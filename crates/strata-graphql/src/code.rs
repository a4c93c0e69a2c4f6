//! The codes of `extensions.code`: every code the API sends, defined once.
//!
//! The schema's errors ([`crate::Error`]) and the server's refusals both
//! take their code from [`Code`], so a code's spelling has one home and a
//! client can match on the strings listed here (and in `schema/README.md`).

use async_graphql::{ErrorExtensionValues, ServerError};

/// A stable error code, as `extensions.code` carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// An argument, an event or the document itself cannot be used.
    BadInput,
    /// An argument is over a fixed maximum.
    LimitExceeded,
    /// `expectedPosition` was not the log's position.
    Conflict,
    /// A mutation on a read-only server.
    ReadOnly,
    /// A subscriber fell too far behind.
    Lagged,
    /// The store failed.
    Storage,
    /// strata itself failed.
    Internal,
    /// The document nests deeper than the server allows.
    QueryTooDeep,
    /// The document costs more than the server allows.
    QueryTooComplex,
    /// No token, or not the right one.
    Unauthenticated,
    /// The document uses more aliases than the server allows.
    TooManyAliases,
    /// A batch has more operations than the server runs at once.
    BatchTooLarge,
    /// A request body (or websocket message) is over the limit.
    BodyTooLarge,
    /// A request ran out of time.
    Timeout,
    /// The document asks for introspection and it is turned off.
    IntrospectionDisabled,
    /// The shared log (a JetStream stream) cannot take the write now, or
    /// the node has not applied the position a read waits for.
    Unavailable,
}

impl Code {
    /// The code as clients see it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::BadInput => "BAD_INPUT",
            Code::LimitExceeded => "LIMIT_EXCEEDED",
            Code::Conflict => "CONFLICT",
            Code::ReadOnly => "READ_ONLY",
            Code::Lagged => "LAGGED",
            Code::Storage => "STORAGE",
            Code::Internal => "INTERNAL",
            Code::QueryTooDeep => "QUERY_TOO_DEEP",
            Code::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::TooManyAliases => "TOO_MANY_ALIASES",
            Code::BatchTooLarge => "BATCH_TOO_LARGE",
            Code::BodyTooLarge => "BODY_TOO_LARGE",
            Code::Timeout => "TIMEOUT",
            Code::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            Code::Unavailable => "UNAVAILABLE",
        }
    }

    /// Extension values holding only this code.
    pub fn extension_values(self) -> ErrorExtensionValues {
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", self.as_str());
        ext
    }

    /// A GraphQL error with this code and `message`, and no other details.
    pub fn server_error(self, message: impl Into<String>) -> ServerError {
        let mut e = ServerError::new(message, None);
        e.extensions = Some(self.extension_values());
        e
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
