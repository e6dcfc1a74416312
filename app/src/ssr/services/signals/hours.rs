//! Business hours in the organization's time zone: the zones the server knows, and the
//! stretches of UTC time that fall outside the hours (what the off-hours rule queries).

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

use crate::model::BusinessHours;

/// Every zone offset is a whole number of quarter hours, so a business hour starts on
/// a quarter-hour boundary in UTC.
const STEP_MINUTES: i64 = 15;

/// The IANA zone names, as the Signals page offers them.
pub fn time_zones() -> Vec<String> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_owned())
        .collect()
}

pub fn zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The parts of `[from, to)` outside `hours` in `zone`, as half-open UTC intervals.
pub fn off_hours_between(
    hours: &BusinessHours,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let step = TimeDelta::minutes(STEP_MINUTES);
    let seconds = from.timestamp();
    let aligned = seconds - seconds.rem_euclid(STEP_MINUTES * 60);
    let Some(mut at) = DateTime::from_timestamp(aligned, 0) else {
        return Vec::new();
    };
    let mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    while at < to {
        let local = at.with_timezone(&zone);
        let day = u8::try_from(local.weekday().number_from_monday()).unwrap_or(0);
        let hour = u8::try_from(local.hour()).unwrap_or(0);
        if !hours.covers(day, hour) {
            let start = at.max(from);
            let end = (at + step).min(to);
            match intervals.last_mut() {
                Some(last) if last.1 == start => last.1 = end,
                _ => intervals.push((start, end)),
            }
        }
        at += step;
    }
    intervals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_weekday_in_berlin_is_off_before_nine_and_after_six_local() {
        let hours = BusinessHours::office("Europe/Berlin");
        let zone = zone("Europe/Berlin").unwrap();
        // Monday 2026-11-30, UTC+1 in winter: 09:00–18:00 local is 08:00–17:00 UTC.
        let off = off_hours_between(
            &hours,
            zone,
            utc("2026-11-30T00:00:00Z"),
            utc("2026-12-01T00:00:00Z"),
        );
        assert_eq!(
            off,
            [
                (utc("2026-11-30T00:00:00Z"), utc("2026-11-30T08:00:00Z")),
                (utc("2026-11-30T17:00:00Z"), utc("2026-12-01T00:00:00Z")),
            ]
        );
    }

    #[test]
    fn half_hour_zones_and_the_window_edges_are_exact() {
        let hours = BusinessHours::office("Asia/Kolkata");
        let zone = zone("Asia/Kolkata").unwrap();
        // UTC+5:30: 18:00 local is 12:30 UTC.
        let off = off_hours_between(
            &hours,
            zone,
            utc("2026-11-30T12:10:00Z"),
            utc("2026-11-30T12:50:00Z"),
        );
        assert_eq!(
            off,
            [(utc("2026-11-30T12:30:00Z"), utc("2026-11-30T12:50:00Z"))]
        );
    }

    #[test]
    fn a_weekend_is_off_all_day_and_zones_are_listed() {
        let hours = BusinessHours::office("UTC");
        let off = off_hours_between(
            &hours,
            zone("UTC").unwrap(),
            utc("2026-11-28T00:00:00Z"),
            utc("2026-11-30T00:00:00Z"),
        );
        assert_eq!(
            off,
            [(utc("2026-11-28T00:00:00Z"), utc("2026-11-30T00:00:00Z"))]
        );
        let zones = time_zones();
        assert!(zones.iter().any(|z| z == "Europe/Berlin"));
        assert!(zone("Mars/Olympus").is_none());
    }
}
