//! Reading recorded usage: one key's chart, and an organization's monthly totals.
//! Counts reach the table when the meter flushes (every few seconds).

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};
use uuid::Uuid;

use super::usage::hour_of;
use crate::{
    model::{Mode, UsageBucket, UsageCounts, UsageRange},
    ssr::entities::api_key_usage,
};

/// The start of each bucket of `range` ending with the one that holds `now`.
pub fn bucket_starts(range: UsageRange, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let (last, step) = if range.hourly() {
        (hour_of(now), TimeDelta::hours(1))
    } else {
        (start_of_day(now), TimeDelta::days(1))
    };
    (0..range.buckets())
        .rev()
        .map(|back| last - step * i32::try_from(back).unwrap_or(0))
        .collect()
}

fn start_of_day(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.from_utc_datetime(&at.date_naive().and_time(NaiveTime::MIN))
}

/// 00:00 UTC on the first day of `now`'s month.
pub fn start_of_month(now: DateTime<Utc>) -> DateTime<Utc> {
    let first = now.date_naive().with_day(1).unwrap_or(now.date_naive());
    Utc.from_utc_datetime(&first.and_time(NaiveTime::MIN))
}

/// Sums hourly rows into the range's buckets; hours outside the range are ignored.
pub fn into_buckets(
    range: UsageRange,
    now: DateTime<Utc>,
    hours: impl IntoIterator<Item = (DateTime<Utc>, UsageCounts)>,
) -> Vec<UsageBucket> {
    let starts = bucket_starts(range, now);
    let mut buckets: Vec<UsageBucket> = starts
        .iter()
        .map(|&start| UsageBucket {
            start,
            counts: UsageCounts::default(),
        })
        .collect();
    for (hour, counts) in hours {
        // The last bucket starting at or before this hour holds it.
        let index = starts.partition_point(|&start| start <= hour);
        if let Some(bucket) = index.checked_sub(1).and_then(|i| buckets.get_mut(i)) {
            bucket.counts.add(counts);
        }
    }
    buckets
}

/// One key's usage over `range`, by hour or day.
pub async fn key_usage(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    key_id: Uuid,
    range: UsageRange,
    now: DateTime<Utc>,
) -> Result<Vec<UsageBucket>, DbErr> {
    let since = bucket_starts(range, now).first().copied().unwrap_or(now);
    let rows = api_key_usage::Entity::find()
        .filter(api_key_usage::Column::OrgId.eq(org_id))
        .filter(api_key_usage::Column::KeyId.eq(key_id))
        .filter(api_key_usage::Column::HourStart.gte(since))
        .all(db)
        .await?;
    Ok(into_buckets(
        range,
        now,
        rows.into_iter().map(|row| {
            (
                row.hour_start,
                UsageCounts {
                    total: row.total,
                    succeeded: row.succeeded,
                    failed: row.failed,
                },
            )
        }),
    ))
}

/// The organization's requests since `since`, live and test apart.
pub async fn totals_by_mode(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<(Mode, UsageCounts)>, DbErr> {
    use api_key_usage::Column;

    // PostgreSQL sums BIGINT into NUMERIC; cast back so both backends give integers.
    let sum = |column: Column| Expr::from(Func::cast_as(Func::sum(Expr::col(column)), "BIGINT"));
    let rows = api_key_usage::Entity::find()
        .select_only()
        .column(Column::Mode)
        .column_as(sum(Column::Total), "total")
        .column_as(sum(Column::Succeeded), "succeeded")
        .column_as(sum(Column::Failed), "failed")
        .filter(Column::OrgId.eq(org_id))
        .filter(Column::HourStart.gte(since))
        .group_by(Column::Mode)
        .into_tuple::<(Mode, i64, i64, i64)>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(mode, total, succeeded, failed)| {
            (
                mode,
                UsageCounts {
                    total,
                    succeeded,
                    failed,
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn counts(total: i64) -> UsageCounts {
        UsageCounts {
            total,
            succeeded: total,
            failed: 0,
        }
    }

    #[test]
    fn the_day_has_24_hourly_buckets_ending_with_the_current_hour() {
        let starts = bucket_starts(UsageRange::Day, at("2026-11-23T10:17:00Z"));
        assert_eq!(starts.len(), 24);
        assert_eq!(starts[0], at("2026-11-22T11:00:00Z"));
        assert_eq!(starts[23], at("2026-11-23T10:00:00Z"));
    }

    #[test]
    fn weeks_and_months_are_whole_utc_days_ending_today() {
        let now = at("2026-11-23T10:17:00Z");
        let week = bucket_starts(UsageRange::Week, now);
        assert_eq!(
            (week.len(), week[0], week[6]),
            (7, at("2026-11-17T00:00:00Z"), at("2026-11-23T00:00:00Z"))
        );
        let month = bucket_starts(UsageRange::Month, now);
        assert_eq!((month.len(), month[0]), (30, at("2026-10-25T00:00:00Z")));
    }

    #[test]
    fn hours_fall_into_their_day_and_hours_before_the_range_are_dropped() {
        let now = at("2026-11-23T10:17:00Z");
        let buckets = into_buckets(
            UsageRange::Week,
            now,
            [
                (at("2026-11-23T09:00:00Z"), counts(2)),
                (at("2026-11-23T00:00:00Z"), counts(3)),
                (at("2026-11-22T23:00:00Z"), counts(5)),
                (at("2026-11-16T23:00:00Z"), counts(100)),
            ],
        );
        assert_eq!(buckets[6].counts.total, 5);
        assert_eq!(buckets[5].counts.total, 5);
        assert_eq!(buckets.iter().map(|b| b.counts.total).sum::<i64>(), 10);
    }

    #[test]
    fn the_month_starts_on_the_first_at_midnight_utc() {
        assert_eq!(
            start_of_month(at("2026-11-23T10:17:00Z")),
            at("2026-11-01T00:00:00Z")
        );
        assert_eq!(
            start_of_month(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
            at("2026-01-01T00:00:00Z")
        );
    }
}
