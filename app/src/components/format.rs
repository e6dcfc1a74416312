//! Formatting helpers used by several components.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// `45` → "45 seconds", `125` → "3 minutes" (rounded up: never promise too early).
pub fn duration_words(seconds: u64) -> String {
    if seconds < 60 {
        return plural(seconds.max(1), "second");
    }
    let minutes = seconds.div_ceil(60);
    if minutes < 60 {
        return plural(minutes, "minute");
    }
    plural(minutes.div_ceil(60), "hour")
}

/// `10000` → "10,000".
pub fn thousands(value: u32) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "just now", "5 minutes ago", "3 hours ago", "2 days ago", then the date.
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds().max(0).unsigned_abs();
    match seconds {
        0..60 => "just now".to_owned(),
        60..3_600 => format!("{} ago", plural(seconds / 60, "minute")),
        3_600..86_400 => format!("{} ago", plural(seconds / 3_600, "hour")),
        86_400..2_592_000 => format!("{} ago", plural(seconds / 86_400, "day")),
        _ => date(at),
    }
}

fn plural(count: u64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

// The dates below are written from chrono's fields rather than with `format`, whose
// run-time parsing of format strings would otherwise ship in the WASM bundle.

fn month(at: DateTime<Utc>) -> &'static str {
    MONTHS[at.month0() as usize]
}

fn short_month(at: DateTime<Utc>) -> &'static str {
    &month(at)[..3]
}

/// "Nov 30".
pub fn month_day(at: DateTime<Utc>) -> String {
    format!("{} {}", short_month(at), at.day())
}

/// "Nov 30, 2026".
pub fn date(at: DateTime<Utc>) -> String {
    format!("{}, {}", month_day(at), at.year())
}

/// "November 30, 2026".
pub fn long_date(at: DateTime<Utc>) -> String {
    format!("{} {}, {}", month(at), at.day(), at.year())
}

/// "Nov 30, 14:00": the start of an hour.
pub fn day_hour(at: DateTime<Utc>) -> String {
    format!("{}, {:02}:00", month_day(at), at.hour())
}

/// "Nov 30 14:05:09".
pub fn day_time(at: DateTime<Utc>) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        month_day(at),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A moment to the minute, in UTC: "Nov 30, 2026 14:05 UTC".
pub fn exact(at: DateTime<Utc>) -> String {
    format!("{} {:02}:{:02} UTC", date(at), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_reads_naturally_and_falls_back_to_the_date() {
        let now = chrono::Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(
            ago(now - chrono::Duration::minutes(5), now),
            "5 minutes ago"
        );
        assert_eq!(ago(now - chrono::Duration::hours(1), now), "1 hour ago");
        assert_eq!(ago(now - chrono::Duration::days(2), now), "2 days ago");
        assert!(ago(now - chrono::Duration::days(90), now).contains(", "));
    }

    #[test]
    fn dates_read_as_chrono_would_format_them() {
        for text in [
            "2026-01-05T03:04:05Z",
            "2026-05-30T14:00:59Z",
            "2026-09-09T23:59:00Z",
            "2026-11-30T00:00:00Z",
        ] {
            let at: DateTime<Utc> = text.parse().unwrap();
            assert_eq!(month_day(at), at.format("%b %-d").to_string());
            assert_eq!(date(at), at.format("%b %-d, %Y").to_string());
            assert_eq!(long_date(at), at.format("%B %-d, %Y").to_string());
            assert_eq!(day_hour(at), at.format("%b %-d, %H:00").to_string());
            assert_eq!(day_time(at), at.format("%b %-d %H:%M:%S").to_string());
            assert_eq!(exact(at), at.format("%b %-d, %Y %H:%M UTC").to_string());
        }
    }

    #[test]
    fn large_numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn durations_read_as_words_rounded_up() {
        assert_eq!(duration_words(0), "1 second");
        assert_eq!(duration_words(45), "45 seconds");
        assert_eq!(duration_words(60), "1 minute");
        assert_eq!(duration_words(125), "3 minutes");
        assert_eq!(duration_words(3600), "1 hour");
        assert_eq!(duration_words(3601), "2 hours");
    }
}
