//! Who may write (and, with `--auth-reads`, read): one bearer token,
//! compared in constant time.

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The bearer token clients must present as `Authorization: Bearer <token>`.
///
/// Only the SHA-256 of the secret is kept. Comparing digests rather than
/// the strings makes both sides the same length, so the comparison (done
/// with `subtle`, which the optimiser cannot turn into an early exit)
/// takes the same time whatever the guess, and leaks neither where a guess
/// first differs nor how long the secret is.
#[derive(Clone)]
pub struct Token {
    digest: [u8; 32],
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    /// A token from its text (surrounding white space trimmed, so a file
    /// ending in a newline works); `None` when nothing is left.
    pub fn new(secret: &str) -> Option<Token> {
        let secret = secret.trim();
        (!secret.is_empty()).then(|| Token { digest: Sha256::digest(secret.as_bytes()).into() })
    }

    /// Whether `presented` is the token.
    pub fn matches(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        bool::from(self.digest.ct_eq(&digest))
    }
}

/// What a request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// The right token, or no token is configured.
    Valid,
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token that is not the one configured.
    Wrong,
}

impl Credentials {
    /// What the `Authorization` header of `headers` presents to `token`.
    pub(crate) fn of(token: Option<&Token>, headers: &HeaderMap) -> Credentials {
        let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
        Credentials::check(token, presented)
    }

    /// What `presented` (a bare token) is worth against `token`.
    pub(crate) fn check(token: Option<&Token>, presented: Option<&str>) -> Credentials {
        match (token, presented) {
            (None, _) => Credentials::Valid,
            (Some(_), None) => Credentials::Missing,
            (Some(t), Some(p)) if t.matches(p) => Credentials::Valid,
            (Some(_), Some(_)) => Credentials::Wrong,
        }
    }

    /// The sentence a refused client reads.
    pub(crate) fn message(self, what: &str) -> String {
        match self {
            Credentials::Valid => String::new(),
            Credentials::Missing => {
                format!("{what} require a token: send the header `Authorization: Bearer <token>`")
            }
            Credentials::Wrong => format!(
                "the bearer token is not valid; {what} require the token the server was started with \
                 (--token-file or STRATA_TOKEN), sent as `Authorization: Bearer <token>`"
            ),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header value (the scheme
/// is case-insensitive, as RFC 7235 says).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(char::is_whitespace)?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves() {
        let t = Token::new("s3cret\n").unwrap();
        assert!(t.matches("s3cret"));
        assert!(!t.matches("s3cre"));
        assert!(!t.matches("s3cret "));
        assert!(!t.matches(""));
        assert!(Token::new("  \n").is_none());
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
    }

    #[test]
    fn bearer_headers() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer   abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        let t = Token::new("abc");
        assert_eq!(Credentials::check(t.as_ref(), Some("abc")), Credentials::Valid);
        assert_eq!(Credentials::check(t.as_ref(), Some("abd")), Credentials::Wrong);
        assert_eq!(Credentials::check(t.as_ref(), None), Credentials::Missing);
        assert_eq!(Credentials::check(None, None), Credentials::Valid);
    }
}
