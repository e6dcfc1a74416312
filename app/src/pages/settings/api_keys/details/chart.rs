//! A bar chart drawn as inline SVG: one bar per hour or day, successes below
//! failures. No script and no chart library, so it renders on the server too.

use leptos::prelude::*;

use crate::{
    components::format::{day_hour, month_day},
    model::{UsageBucket, UsageRange},
};

const BAR_WIDTH: u32 = 10;
const GAP: u32 = 2;
const HEIGHT: u32 = 100;

fn bucket_label(range: UsageRange, bucket: &UsageBucket) -> String {
    if range.hourly() {
        day_hour(bucket.start)
    } else {
        month_day(bucket.start)
    }
}

/// Height in chart units of `value` when `max` fills the chart; at least 1 for a
/// non-zero value, so a single request stays visible.
fn scaled(value: i64, max: i64) -> f64 {
    if value <= 0 || max <= 0 {
        return 0.0;
    }
    (value as f64 / max as f64 * f64::from(HEIGHT)).max(1.0)
}

#[component]
pub(super) fn UsageChart(range: UsageRange, buckets: Vec<UsageBucket>) -> impl IntoView {
    let max = buckets.iter().map(|b| b.counts.total).max().unwrap_or(0);
    let total: i64 = buckets.iter().map(|b| b.counts.total).sum();
    let count = u32::try_from(buckets.len()).unwrap_or(0);
    let width = count * (BAR_WIDTH + GAP);
    let summary = format!(
        "Requests per {} over the last {}: {total} in all, at most {max} in one {}.",
        if range.hourly() { "hour" } else { "day" },
        range.label(),
        if range.hourly() { "hour" } else { "day" },
    );
    let first = buckets
        .first()
        .map(|b| bucket_label(range, b))
        .unwrap_or_default();
    let last = buckets
        .last()
        .map(|b| bucket_label(range, b))
        .unwrap_or_default();
    view! {
        <figure class="chart" data-testid="usage-chart">
            <svg
                viewBox=format!("0 0 {width} {HEIGHT}")
                preserveAspectRatio="none"
                role="img"
                aria-label=summary.clone()
            >
                <line class="chart-axis" x1="0" y1=HEIGHT x2=width y2=HEIGHT/>
                {buckets
                    .iter()
                    .zip(0u32..)
                    .map(|(bucket, index)| {
                        let x = index * (BAR_WIDTH + GAP);
                        let counts = bucket.counts;
                        let ok = scaled(counts.succeeded, max);
                        let failed = scaled(counts.failed, max);
                        let base = f64::from(HEIGHT);
                        let title = format!(
                            "{}: {} requests, {} successful, {} failed",
                            bucket_label(range, bucket),
                            counts.total,
                            counts.succeeded,
                            counts.failed,
                        );
                        view! {
                            <g class="chart-bar" data-total=counts.total>
                                <title>{title}</title>
                                // A full-height, transparent hit area so hovering any column shows its title.
                                <rect class="chart-hit" x=x y="0" width=BAR_WIDTH height=HEIGHT/>
                                <rect class="chart-ok" x=x y=base - ok width=BAR_WIDTH height=ok/>
                                <rect class="chart-failed" x=x y=base - ok - failed width=BAR_WIDTH height=failed/>
                            </g>
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption class="chart-caption">
                <span>{first}</span>
                <span class="chart-legend">
                    <span class="legend-ok">"Successful"</span>
                    <span class="legend-failed">"Failed"</span>
                </span>
                <span>{last}</span>
            </figcaption>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::scaled;

    #[test]
    fn bars_scale_to_the_busiest_bucket_and_one_request_stays_visible() {
        assert_eq!(scaled(0, 0), 0.0);
        assert_eq!(scaled(50, 100), 50.0);
        assert_eq!(scaled(100, 100), 100.0);
        assert_eq!(scaled(1, 1_000_000), 1.0);
    }
}
