//! Calendar arithmetic and the text forms of valid and recorded time, written
//! without a date library: the generator formats millions of dates.

use crate::write::push_uint;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

/// The civil date of a day count (Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe as i32 + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

/// How precisely a generated date is given: core's own (schema/README.md, "Time").
pub(crate) use strata_core::Precision;

/// The first day a date at `precision` covers, for a day inside it.
pub(crate) fn start_of(day: i32, precision: Precision) -> i32 {
    let (y, m, _) = civil_from_days(day);
    match precision {
        Precision::Day | Precision::Instant => day,
        Precision::Month => days_from_civil(y, m, 1),
        Precision::Quarter => days_from_civil(y, (m - 1) / 3 * 3 + 1, 1),
        Precision::Year => days_from_civil(y, 1, 1),
    }
}

/// Writes `y-m-d` with the given separators (`-`, or none for month/year).
fn push_date(out: &mut Vec<u8>, y: i32, m: u32, d: Option<u32>) {
    push_uint(out, y.max(0) as u64, 4);
    out.push(b'-');
    push_uint(out, u64::from(m), 2);
    if let Some(d) = d {
        out.push(b'-');
        push_uint(out, u64::from(d), 2);
    }
}

fn push_clock(out: &mut Vec<u8>, secs: u64) {
    push_uint(out, secs / 3600, 2);
    out.push(b':');
    push_uint(out, secs / 60 % 60, 2);
    out.push(b':');
    push_uint(out, secs % 60, 2);
}

/// Writes the valid time `day` at `precision`; `seconds` places an instant in its day.
pub(crate) fn write_valid(out: &mut Vec<u8>, day: i32, precision: Precision, seconds: u32) {
    let (y, m, d) = civil_from_days(day);
    match precision {
        Precision::Day => push_date(out, y, m, Some(d)),
        Precision::Month => push_date(out, y, m, None),
        Precision::Quarter => {
            push_uint(out, y.max(0) as u64, 4);
            out.extend_from_slice(b"-Q");
            push_uint(out, u64::from((m - 1) / 3 + 1), 1);
        }
        Precision::Year => push_uint(out, y.max(0) as u64, 4),
        Precision::Instant => {
            push_date(out, y, m, Some(d));
            out.push(b'T');
            push_clock(out, u64::from(seconds % 86_400));
            out.push(b'Z');
        }
    }
}

/// Writes a recorded time (microseconds since the epoch) in the store's RFC 3339 form.
pub(crate) fn write_timestamp(out: &mut Vec<u8>, micros: i64) {
    let day = micros.div_euclid(86_400_000_000);
    let rest = micros.rem_euclid(86_400_000_000) as u64;
    let (y, m, d) = civil_from_days(day as i32);
    push_date(out, y, m, Some(d));
    out.push(b'T');
    push_clock(out, rest / 1_000_000);
    out.push(b'.');
    push_uint(out, rest % 1_000_000, 6);
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_over_centuries() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        for z in -200_000..200_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn coarse_dates_start_on_their_first_day() {
        let day = days_from_civil(2025, 8, 17);
        assert_eq!(civil_from_days(start_of(day, Precision::Month)), (2025, 8, 1));
        assert_eq!(civil_from_days(start_of(day, Precision::Quarter)), (2025, 7, 1));
        assert_eq!(civil_from_days(start_of(day, Precision::Year)), (2025, 1, 1));
        let mut out = Vec::new();
        write_valid(&mut out, day, Precision::Quarter, 0);
        out.push(b' ');
        write_valid(&mut out, day, Precision::Instant, 3_723);
        out.push(b' ');
        write_timestamp(&mut out, i64::from(day) * 86_400_000_000 + 1_000_001);
        assert_eq!(String::from_utf8(out).unwrap(), "2025-Q3 2025-08-17T01:02:03Z 2025-08-17T00:00:01.000001Z");
    }
}
