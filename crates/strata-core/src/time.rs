//! The two time axes: valid time (`Day`, `ValidTime` with its precision) and
//! recorded time (`Timestamp`, microseconds, assigned by the store).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};

/// A calendar day on the valid-time axis, as days since 1970-01-01.
///
/// Comparisons are plain integer comparisons; that is what the graph's time
/// filters run on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

fn epoch() -> NaiveDate {
    NaiveDate::default() // 1970-01-01
}

impl Day {
    /// The earliest day strata represents.
    pub const MIN: Day = Day(i32::MIN);
    /// The latest day strata represents.
    pub const MAX: Day = Day(i32::MAX);

    /// The day of a calendar date.
    pub fn from_date(d: NaiveDate) -> Day {
        // Any NaiveDate is within ±262,000 years, so the day count fits an i32.
        Day(d.signed_duration_since(epoch()).num_days() as i32)
    }

    /// The day `y-m-d`, if it exists.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Day> {
        NaiveDate::from_ymd_opt(y, m, d).map(Day::from_date)
    }

    /// The calendar date of this day (None only for days outside chrono's range).
    pub fn to_date(self) -> Option<NaiveDate> {
        epoch().checked_add_signed(chrono::TimeDelta::try_days(i64::from(self.0))?)
    }

    /// Parses a date at any valid-time precision; a coarse date counts from its
    /// first day (`2025-04` is 2025-04-01), an instant falls on its UTC date.
    pub fn parse(s: &str) -> Result<Day, String> {
        ValidTime::parse(s).map(|v| v.start)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_date() {
            Some(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            None => write!(f, "day {}", self.0),
        }
    }
}

impl fmt::Debug for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// How precisely news gave a valid time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// `YYYY-MM-DD`
    Day,
    /// `YYYY-MM`
    Month,
    /// `YYYY-Qn`
    Quarter,
    /// `YYYY`
    Year,
    /// RFC 3339 date and time
    Instant,
}

impl Precision {
    /// The upper-case name used by GraphQL (`DAY`, `MONTH`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Day => "DAY",
            Precision::Month => "MONTH",
            Precision::Quarter => "QUARTER",
            Precision::Year => "YEAR",
            Precision::Instant => "INSTANT",
        }
    }
}

/// A valid time as given, with its precision and the days it covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValidTime {
    raw: String,
    precision: Precision,
    start: Day,
    end: Day,
    instant: Option<Timestamp>,
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn year_of(s: &str) -> Result<i32, String> {
    if s.len() != 4 || !digits(s) {
        return Err(format!("the year must be four digits, not {s:?}"));
    }
    s.parse::<i32>().map_err(|e| e.to_string())
}

fn month_of(s: &str) -> Result<u32, String> {
    if s.len() != 2 || !digits(s) {
        return Err(format!("the month must be two digits, not {s:?}"));
    }
    match s.parse::<u32>() {
        Ok(m @ 1..=12) => Ok(m),
        _ => Err(format!("month {s} is out of range (01 to 12)")),
    }
}

fn last_day_of_month(y: i32, m: u32) -> Option<Day> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Day::from_ymd(ny, nm, 1).map(|d| Day(d.0 - 1))
}

impl ValidTime {
    /// Parses `YYYY-MM-DD`, `YYYY-MM`, `YYYY-Qn`, `YYYY` or an RFC 3339 instant.
    pub fn parse(s: &str) -> Result<ValidTime, String> {
        let bad = |why: String| format!("invalid date {s:?}: {why}");
        let expected = "expected YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY or an RFC 3339 date-time";
        if s.contains('T') || s.contains('t') || s.len() > 10 {
            let dt = DateTime::parse_from_rfc3339(s).map_err(|e| bad(format!("{e} ({expected})")))?;
            let utc = dt.with_timezone(&Utc);
            let day = Day::from_date(utc.date_naive());
            return Ok(ValidTime {
                raw: s.to_owned(),
                precision: Precision::Instant,
                start: day,
                end: day,
                instant: Some(Timestamp::from_datetime(utc)),
            });
        }
        let parts: Vec<&str> = s.split('-').collect();
        let (precision, start, end) = match parts.as_slice() {
            [y] => {
                let y = year_of(y).map_err(bad)?;
                let start = Day::from_ymd(y, 1, 1).ok_or_else(|| bad("out of range".into()))?;
                let end = Day::from_ymd(y, 12, 31).ok_or_else(|| bad("out of range".into()))?;
                (Precision::Year, start, end)
            }
            [y, q] if q.starts_with('Q') || q.starts_with('q') => {
                let y = year_of(y).map_err(bad)?;
                let n = match &q[1..] {
                    "1" => 1,
                    "2" => 2,
                    "3" => 3,
                    "4" => 4,
                    other => return Err(bad(format!("quarter {other:?} is out of range (Q1 to Q4)"))),
                };
                let first_month = 3 * (n - 1) + 1;
                let start = Day::from_ymd(y, first_month, 1).ok_or_else(|| bad("out of range".into()))?;
                let end = last_day_of_month(y, first_month + 2).ok_or_else(|| bad("out of range".into()))?;
                (Precision::Quarter, start, end)
            }
            [y, m] => {
                let y = year_of(y).map_err(bad)?;
                let m = month_of(m).map_err(bad)?;
                let start = Day::from_ymd(y, m, 1).ok_or_else(|| bad("out of range".into()))?;
                let end = last_day_of_month(y, m).ok_or_else(|| bad("out of range".into()))?;
                (Precision::Month, start, end)
            }
            [y, m, d] => {
                let y = year_of(y).map_err(bad)?;
                let m = month_of(m).map_err(bad)?;
                if d.len() != 2 || !digits(d) {
                    return Err(bad(format!("the day must be two digits, not {d:?}")));
                }
                let dn: u32 = d.parse().map_err(|_| bad(format!("day {d} is out of range")))?;
                let day =
                    Day::from_ymd(y, m, dn).ok_or_else(|| bad(format!("day {d} does not exist in {y}-{m:02}")))?;
                (Precision::Day, day, day)
            }
            _ => return Err(bad(expected.into())),
        };
        Ok(ValidTime { raw: s.to_owned(), precision, start, end, instant: None })
    }

    /// The text exactly as given (`"2020-Q4"`).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// How precise the date is.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The first day the date covers; the day the graph's filters use.
    pub fn start(&self) -> Day {
        self.start
    }

    /// The last day the date covers (`2025-04` ends 2025-04-30).
    pub fn end(&self) -> Day {
        self.end
    }

    /// The instant, for `INSTANT` precision.
    pub fn instant(&self) -> Option<Timestamp> {
        self.instant
    }

    /// The valid time of a day, at day precision.
    pub fn from_day(day: Day) -> ValidTime {
        ValidTime { raw: day.to_string(), precision: Precision::Day, start: day, end: day, instant: None }
    }
}

impl fmt::Display for ValidTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A recorded time: microseconds since 1970-01-01T00:00:00Z.
///
/// Written as RFC 3339 in UTC with exactly six fractional digits, so that an
/// exported log is byte-for-byte stable.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The earliest representable instant.
    pub const MIN: Timestamp = Timestamp(i64::MIN);
    /// The latest representable instant; "latest knowledge" in queries.
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    /// The current time of the system clock.
    pub fn now() -> Timestamp {
        Timestamp::from_datetime(Utc::now())
    }

    /// From a chrono UTC date-time (truncated to microseconds).
    pub fn from_datetime(dt: DateTime<Utc>) -> Timestamp {
        Timestamp(dt.timestamp_micros())
    }

    /// To a chrono UTC date-time.
    pub fn to_datetime(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(self.0)
    }

    /// The UTC day this instant falls on.
    pub fn day(self) -> Day {
        match self.to_datetime() {
            Some(dt) => Day::from_date(dt.date_naive()),
            None if self.0 < 0 => Day::MIN,
            None => Day::MAX,
        }
    }

    /// Parses an RFC 3339 date-time (any offset), or a plain date as its
    /// midnight UTC.
    pub fn parse(s: &str) -> Result<Timestamp, String> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Ok(Timestamp::from_datetime(dt.with_timezone(&Utc)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            if let Some(dt) = d.and_hms_opt(0, 0, 0) {
                return Ok(Timestamp::from_datetime(dt.and_utc()));
            }
        }
        Err(format!("invalid timestamp {s:?}: expected RFC 3339, e.g. 2026-01-28T09:30:00Z"))
    }

    /// The next representable instant.
    pub fn next(self) -> Timestamp {
        Timestamp(self.0.saturating_add(1))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime() {
            Some(dt) if dt.year() >= 0 && dt.year() <= 9999 => {
                f.write_str(&dt.to_rfc3339_opts(SecondsFormat::Micros, true))
            }
            _ => write!(f, "@{}us", self.0),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap_or(Day::MIN)
    }

    #[test]
    fn precisions_and_spans() {
        let cases = [
            ("2025-04-15", Precision::Day, "2025-04-15", "2025-04-15"),
            ("2025-04", Precision::Month, "2025-04-01", "2025-04-30"),
            ("2024-02", Precision::Month, "2024-02-01", "2024-02-29"),
            ("2026-Q1", Precision::Quarter, "2026-01-01", "2026-03-31"),
            ("2020-Q4", Precision::Quarter, "2020-10-01", "2020-12-31"),
            ("2025", Precision::Year, "2025-01-01", "2025-12-31"),
            ("2026-01-28T23:30:00-05:00", Precision::Instant, "2026-01-29", "2026-01-29"),
        ];
        for (raw, p, start, end) in cases {
            let v = ValidTime::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(v.precision(), p, "{raw}");
            assert_eq!(v.start().to_string(), start, "{raw}");
            assert_eq!(v.end().to_string(), end, "{raw}");
            assert_eq!(v.as_str(), raw);
        }
    }

    #[test]
    fn bad_dates_say_why() {
        let cases = [
            ("2024-13-02", "month 13 is out of range"),
            ("2025-02-30", "does not exist"),
            ("2025-Q5", "quarter"),
            ("25-01-01", "four digits"),
            ("2025-1-01", "two digits"),
            ("yesterday", "expected YYYY-MM-DD"),
            ("2025-01-01T25:00:00Z", "invalid date"),
            ("", "four digits"),
        ];
        for (raw, want) in cases {
            let e = ValidTime::parse(raw).err().unwrap_or_default();
            assert!(e.contains(want), "{raw}: {e}");
            assert!(e.contains(&format!("{raw:?}")), "{raw}: {e}");
        }
    }

    #[test]
    fn day_order_and_display() {
        assert!(day("2025-04") < day("2025-04-02"));
        assert_eq!(day("1970-01-01"), Day(0));
        assert_eq!(Day(0).to_string(), "1970-01-01");
    }

    #[test]
    fn timestamps_are_stable_text() {
        let t = Timestamp::parse("2026-01-28T09:30:00+01:00").unwrap_or(Timestamp::MIN);
        assert_eq!(t.to_string(), "2026-01-28T08:30:00.000000Z");
        assert_eq!(Timestamp::parse(&t.to_string()), Ok(t));
        assert_eq!(Timestamp::parse("2026-01-28").map(|t| t.day().to_string()), Ok("2026-01-28".into()));
        assert!(Timestamp::parse("tomorrow").is_err());
    }
}
