//! UTC times as text and back: the one writer and the one reader of
//! `2026-01-01T00:00:00Z`, shared by links, exports, the exchanges' ISO
//! timestamps and axis labels. Calendar arithmetic is proleptic Gregorian
//! (Howard Hinnant's algorithms). Reading never panics (outside data).

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// How much of a time [`utc_text`] writes; finer parts are dropped
/// (rounding towards the past).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// `2026-01-01T00:00Z` (links)
    Minute,
    /// `2026-01-01T00:00:00Z` (CSV exports)
    Second,
    /// `2026-01-01T00:00:00.000Z` (exchange requests)
    Milli,
}

/// Milliseconds since 1970 as ISO-8601 UTC text, to `precision`.
pub fn utc_text(ms: i64, precision: Precision) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(DAY_MS));
    let in_day = ms.rem_euclid(DAY_MS);
    let (hour, minute) = (in_day / HOUR_MS, in_day / MINUTE_MS % 60);
    let (second, milli) = (in_day / 1000 % 60, in_day % 1000);
    let minutes = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}");
    match precision {
        Precision::Minute => format!("{minutes}Z"),
        Precision::Second => format!("{minutes}:{second:02}Z"),
        Precision::Milli => format!("{minutes}:{second:02}.{milli:03}Z"),
    }
}

/// `MM-DD HH:MM` in UTC, for axis labels and short mentions.
pub fn utc_label(ms: i64) -> String {
    let (_, month, day) = civil_from_days(ms.div_euclid(DAY_MS));
    let in_day = ms.rem_euclid(DAY_MS);
    let (hour, minute) = (in_day / HOUR_MS, in_day / MINUTE_MS % 60);
    format!("{month:02}-{day:02} {hour:02}:{minute:02}")
}

/// Reads `YYYY-M-D` `T` `h[:m[:s[.fff…]]]` and a zone `Z`, `+00:00` or none
/// (UTC either way) into ms since 1970. Month, day and clock fields take
/// one or two digits, the separator may be `T`, `t` or a space, a second
/// of 60 (leap) is the next minute's first, digits of a fraction beyond
/// milliseconds are dropped. `None` for anything else.
pub fn parse_utc(text: &str) -> Option<i64> {
    let mut rest = text.trim().as_bytes();
    let rest = &mut rest;
    let year = number(rest, 4, 4)?;
    let month = after(rest, b"-").then(|| number(rest, 1, 2)).flatten()?;
    let day = after(rest, b"-").then(|| number(rest, 1, 2)).flatten()?;
    let hour = after(rest, b"Tt ").then(|| number(rest, 1, 2)).flatten()?;
    let (mut minute, mut second, mut milli) = (0, 0, 0);
    if after(rest, b":") {
        minute = number(rest, 1, 2)?;
        if after(rest, b":") {
            second = number(rest, 1, 2)?;
            if after(rest, b".") {
                // Milliseconds: the first three digits; more are dropped.
                let before = rest.len();
                let first = number(rest, 1, 3)?;
                milli = first * 10_i64.pow(3 - (before - rest.len()) as u32);
                while after(rest, b"0123456789") {}
            }
        }
    }
    let zone = matches!(*rest, b"Z" | b"z" | b"+00:00" | b"");
    let in_range = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !(zone && in_range) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000 + milli)
}

/// Steps over the next byte of `rest` if it is one of `bytes`.
fn after(rest: &mut &[u8], bytes: &[u8]) -> bool {
    match rest.split_first() {
        Some((first, tail)) if bytes.contains(first) => {
            *rest = tail;
            true
        }
        _ => false,
    }
}

/// The number written by the `min` to `max` ASCII digits `rest` starts
/// with (as many as there are, up to `max`), stepped over.
fn number(rest: &mut &[u8], min: usize, max: usize) -> Option<i64> {
    let count = rest
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let (digits, tail) = rest.split_at_checked(count)?;
    if count < min {
        return None;
    }
    *rest = tail;
    Some(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// (year, month 1–12, day 1–31) → days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn calendar_round_trips_and_known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        for days in [-800_000, -1, 0, 59, 60, 11_016, 19_782, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn writes_each_precision() {
        let ms = 1_753_436_820_123; // 2025-07-25 09:47:00.123 UTC
        assert_eq!(utc_text(ms, Precision::Minute), "2025-07-25T09:47Z");
        assert_eq!(utc_text(ms, Precision::Second), "2025-07-25T09:47:00Z");
        assert_eq!(utc_text(ms, Precision::Milli), "2025-07-25T09:47:00.123Z");
        assert_eq!(utc_text(-1, Precision::Second), "1969-12-31T23:59:59Z");
        assert_eq!(utc_label(0), "01-01 00:00");
        assert_eq!(utc_label(1_709_211_900_000), "02-29 13:05");
        // Far outside the calendar's useful range: text, not a panic.
        for ms in [i64::MIN, i64::MAX] {
            for precision in [Precision::Minute, Precision::Second, Precision::Milli] {
                assert!(!utc_text(ms, precision).is_empty());
            }
            assert!(!utc_label(ms).is_empty());
        }
    }

    #[test]
    fn reads_the_forms_links_and_exchanges_use() {
        let cases = [
            ("2026-01-01T00:00Z", 1_767_225_600_000),
            ("2026-01-01T00:00:30Z", 1_767_225_630_000),
            ("2026-1-1T0:00Z", 1_767_225_600_000),
            ("2026-01-01T05Z", 1_767_243_600_000),
            ("2025-07-25T09:47:00.000Z", 1_753_436_820_000),
            ("2024-02-29T23:59:59.5Z", 1_709_251_199_500),
            ("2024-02-29T23:59:59.12345Z", 1_709_251_199_123),
            ("2024-02-29T23:59:59.05Z", 1_709_251_199_050),
            (
                "2024-02-29T23:59:59.1234567890123456789012345Z",
                1_709_251_199_123,
            ),
            ("2025-07-25 09:47:00", 1_753_436_820_000),
            ("2025-07-25t09:47:00z", 1_753_436_820_000),
            (" 2025-07-25T09:47:00+00:00 ", 1_753_436_820_000),
            ("2016-12-31T23:59:60Z", 1_483_228_800_000),
        ];
        for (text, ms) in cases {
            assert_eq!(parse_utc(text), Some(ms), "{text}");
        }
        for bad in [
            "",
            "2025-07-25",
            "2025-07-25T",
            "2025-13-01T00:00Z",
            "2025-00-01T00:00Z",
            "2025-01-00T00:00Z",
            "2025-01-01T24:00Z",
            "2025-01-01T00:60Z",
            "2025-07-25T09:47:00+02:00",
            "2025-07-25T09:47:00.Z",
            "2025-07-25T09:47:00ZZ",
            "+2025-07-25T09:47Z",
            "25-07-25T09:47Z",
            "2025-07-25T009:47Z",
            "２０２５-07-25T09:47:00Z",
            "2025-07-25T09:47:00.1é",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    /// The years `parse_utc` reads (four digits).
    fn year_0_to_9999() -> std::ops::RangeInclusive<i64> {
        days_from_civil(0, 1, 1) * DAY_MS..=days_from_civil(10_000, 1, 1) * DAY_MS - 1
    }

    proptest! {
        #[test]
        fn text_reads_back_to_its_precision(ms in year_0_to_9999(), p in 0..3usize) {
            let (precision, unit) = [
                (Precision::Minute, MINUTE_MS),
                (Precision::Second, 1000),
                (Precision::Milli, 1),
            ][p];
            let text = utc_text(ms, precision);
            prop_assert_eq!(parse_utc(&text), Some(ms - ms.rem_euclid(unit)), "{}", text);
        }

        #[test]
        fn any_text_reads_without_panic(text in ".{0,40}") {
            let _ = parse_utc(&text);
        }
    }
}
