//! Formatting helpers used by several components.

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
pub fn ago(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let seconds = (now - at).num_seconds().max(0).unsigned_abs();
    match seconds {
        0..60 => "just now".to_owned(),
        60..3_600 => format!("{} ago", plural(seconds / 60, "minute")),
        3_600..86_400 => format!("{} ago", plural(seconds / 3_600, "hour")),
        86_400..2_592_000 => format!("{} ago", plural(seconds / 86_400, "day")),
        _ => at.format("%b %-d, %Y").to_string(),
    }
}

fn plural(count: u64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// A moment to the minute, in UTC: "Nov 30, 2026 14:05 UTC".
pub fn exact(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::{ago, duration_words, thousands};

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
