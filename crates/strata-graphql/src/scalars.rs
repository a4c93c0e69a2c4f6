//! The scalars of the GraphQL contract (schema/README.md): `Date` (valid time, any precision in,
//! `YYYY-MM-DD` out) and `DateTime` (recorded time, RFC 3339). `JSON` is
//! async-graphql's `Json<serde_json::Value>`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use strata_core::{Day, Timestamp};

/// A calendar day (valid time): accepts `YYYY-MM-DD` and the coarse forms
/// `YYYY-MM`, `YYYY-Qn`, `YYYY` (their first day) and RFC 3339 date-times
/// (their UTC date); always written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub Day);

/// A calendar day: `YYYY-MM-DD`. Accepts the coarse forms `YYYY-MM`, `YYYY-Qn` and `YYYY` (their first day) and RFC 3339 date-times (their UTC date).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Day::parse(s).map(Date).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// An instant of recorded time, RFC 3339 (any offset in, UTC with
/// microseconds out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub Timestamp);

/// An instant: RFC 3339, e.g. `2026-01-28T09:30:00Z`. Written in UTC with six fractional digits.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Timestamp::parse(s).map(DateTime).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// The day of an optional `Date` argument.
pub(crate) fn day(d: Option<Date>) -> Option<Day> {
    d.map(|d| d.0)
}

/// The instant of an optional `DateTime` argument.
pub(crate) fn instant(t: Option<DateTime>) -> Option<Timestamp> {
    t.map(|t| t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Result<String, String> {
        Date::parse(Value::String(s.into()))
            .map(|d| d.to_value().to_string())
            .map_err(|e| e.into_server_error(Default::default()).message)
    }

    #[test]
    fn dates_take_every_precision() {
        assert_eq!(date("2026-01-29"), Ok("\"2026-01-29\"".into()));
        assert_eq!(date("2025-04"), Ok("\"2025-04-01\"".into()));
        assert_eq!(date("2020-Q4"), Ok("\"2020-10-01\"".into()));
        assert_eq!(date("2025"), Ok("\"2025-01-01\"".into()));
        assert_eq!(date("2026-01-28T23:30:00-05:00"), Ok("\"2026-01-29\"".into()));
        let bad = date("2024-13-02").err().unwrap_or_default();
        assert!(bad.contains("month 13 is out of range"), "{bad}");
        assert!(Date::parse(Value::from(2025)).is_err());
    }

    #[test]
    fn datetimes_are_rfc3339() {
        let t = DateTime::parse(Value::String("2026-01-28T09:30:00+01:00".into())).map(|t| t.to_value());
        assert_eq!(t.ok(), Some(Value::String("2026-01-28T08:30:00.000000Z".into())));
        assert!(DateTime::parse(Value::String("tomorrow".into())).is_err());
    }
}
